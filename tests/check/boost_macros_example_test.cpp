// The Boost.Test block of docs/gradcheck.md, verbatim (examples/check_doc_blocks.sh keeps it so): research
// code's gradients as one-line test cases. The function_check tests cover the macros' failing side.
#define BOOST_TEST_MODULE research_gradients
#include <boost/test/unit_test.hpp>
#include <fusegrad/check/boost_test.hpp>

#include <cmath>
#include <cstddef>
#include <type_traits>
#include <vector>

// The Rosenbrock function and its hand-derived gradient and Hessian.
auto rosenbrock = [](const auto& x) {
    using T = std::decay_t<decltype(x[0])>;
    T sum = 0;
    for (std::size_t i = 0; i + 1 < x.size(); ++i)
        sum += T(100) * (x[i + 1] - x[i] * x[i]) * (x[i + 1] - x[i] * x[i]) + (T(1) - x[i]) * (T(1) - x[i]);
    return sum;
};
std::vector<double> rosenbrock_gradient(const std::vector<double>& x) {
    std::vector<double> g(x.size(), 0.0);
    for (std::size_t i = 0; i + 1 < x.size(); ++i) {
        g[i] += -400 * x[i] * (x[i + 1] - x[i] * x[i]) - 2 * (1 - x[i]);
        g[i + 1] += 200 * (x[i + 1] - x[i] * x[i]);
    }
    return g;
}
std::vector<double> rosenbrock_hessian(const std::vector<double>& x) {  // row-major n × n
    const std::size_t n = x.size();
    std::vector<double> h(n * n, 0.0);
    for (std::size_t i = 0; i + 1 < n; ++i) {
        h[i * n + i] += 1200 * x[i] * x[i] - 400 * x[i + 1] + 2;
        h[i * n + i + 1] -= 400 * x[i];
        h[(i + 1) * n + i] -= 400 * x[i];
        h[(i + 1) * n + i + 1] += 200;
    }
    return h;
}

BOOST_AUTO_TEST_CASE(rosenbrock_derivatives) {
    const std::vector<double> x{-1.2, 1.0, 0.5, 0.3};
    FUSEGRAD_CHECK_GRADIENT(rosenbrock, rosenbrock_gradient, x);
    FUSEGRAD_CHECK_GRADIENT(fusegrad::by_complex_step(rosenbrock), rosenbrock_gradient, x, {.rtol = 1e-13});
    FUSEGRAD_CHECK_HESSIAN(rosenbrock_gradient, rosenbrock_hessian, x);
}

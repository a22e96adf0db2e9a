// User-defined ops: fg::apply (elementwise, with a derivative) is covered with the expressions; here
// fg::apply_rows, a function of each row with its vector-Jacobian product, on a batch and on a vector, with an
// output narrower than its input, in float and double, against closed forms; and its name in a DOT picture.
#define BOOST_TEST_MODULE custom ops
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <fusegrad/fusegrad.hpp>

namespace fg = fusegrad;

namespace {

/// Products of neighbouring pairs: y[i] = x[2i]·x[2i+1], n/2 outputs. ∂y[i]/∂x[2i] = x[2i+1] and the other way.
struct pair_products {
    static constexpr std::string_view name = "pair_products";
    static constexpr std::size_t out_cols(std::size_t n) { return n / 2; }
    template <class T> void forward(const T* x, T* y, std::size_t n) const {
        for (std::size_t i = 0; i < n / 2; ++i) y[i] = x[2 * i] * x[2 * i + 1];
    }
    template <class T> void backward(const T* x, const T*, const T* g, T* gx, std::size_t n) const {
        for (std::size_t i = 0; i < n / 2; ++i) {
            gx[2 * i] += g[i] * x[2 * i + 1];
            gx[2 * i + 1] += g[i] * x[2 * i];
        }
    }
};

static_assert(fg::row_op<pair_products>);
struct no_backward {
    static constexpr std::size_t out_cols(std::size_t n) { return n; }
    template <class T> void forward(const T*, T*, std::size_t) const {}
};
static_assert(!fg::row_op<no_backward>);

template <class T>
void check_batch(double tolerance) {
    constexpr fg::var<"X", fg::batch, 6> X;
    constexpr fg::var<"C", fg::batch, 3> C;
    std::vector<T> xs(4 * 6), cs(4 * 3);
    for (std::size_t i = 0; i < xs.size(); ++i) xs[i] = T(std::sin(0.7 * double(i) + 0.3));
    for (std::size_t i = 0; i < cs.size(); ++i) cs[i] = T(std::cos(1.3 * double(i)));
    // L = Σ c ⊙ tanh(pair_products(X)): the row op between an elementwise op and a weighted sum.
    auto f = fg::compile<T>(fg::sum(fg::tanh(fg::apply_rows(pair_products{}, X)) * C));
    const auto [value, grad] = f.value_and_grad(fg::wrt(X), X = xs, C = cs);
    double expected_value = 0;
    for (std::size_t r = 0; r < 4; ++r)
        for (std::size_t i = 0; i < 3; ++i) {
            const double a = double(xs[r * 6 + 2 * i]), b = double(xs[r * 6 + 2 * i + 1]), c = double(cs[r * 3 + i]);
            const double t = std::tanh(a * b);
            expected_value += c * t;
            const double d = c * (1 - t * t);
            BOOST_TEST(double(grad[X][r * 6 + 2 * i]) == d * b, boost::test_tools::tolerance(tolerance));
            BOOST_TEST(double(grad[X][r * 6 + 2 * i + 1]) == d * a, boost::test_tools::tolerance(tolerance));
        }
    BOOST_TEST(double(value) == expected_value, boost::test_tools::tolerance(tolerance));
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_row_op_on_a_batch_matches_its_closed_form_in_double_and_float) {
    check_batch<double>(1e-12);
    check_batch<float>(1e-5);
}

BOOST_AUTO_TEST_CASE(a_row_op_on_a_vector_sees_the_whole_vector) {
    constexpr fg::var<"v", 4> v;
    const std::vector<double> vs{2.0, 3.0, -1.0, 5.0};
    auto f = fg::compile(fg::sum(fg::apply_rows(pair_products{}, v)));  // 2·3 + (−1)·5
    const auto [value, grad] = f.value_and_grad(fg::wrt(v), v = vs);
    BOOST_TEST(value == 1.0);
    BOOST_TEST(grad[v][0] == 3.0);
    BOOST_TEST(grad[v][1] == 2.0);
    BOOST_TEST(grad[v][2] == 5.0);
    BOOST_TEST(grad[v][3] == -1.0);
    static_assert(decltype(fg::apply_rows(pair_products{}, v))::shape.cols == 2);
}

BOOST_AUTO_TEST_CASE(a_row_op_read_twice_accumulates_its_gradient) {
    constexpr fg::var<"v", 4> v;
    const std::vector<double> vs{2.0, 3.0, -1.0, 5.0};
    // Two row ops on the same operand: v's adjoint has two writers, so both must add.
    auto f = fg::compile(fg::sum(fg::apply_rows(pair_products{}, v)) + fg::sum(fg::softmax(v)));
    const auto [value, grad] = f.value_and_grad(fg::wrt(v), v = vs);
    BOOST_TEST(value == 2.0, boost::test_tools::tolerance(1e-14));  // softmax sums to 1
    BOOST_TEST(grad[v][0] == 3.0, boost::test_tools::tolerance(1e-14));  // Σ softmax has gradient 0
    BOOST_TEST(grad[v][3] == -1.0, boost::test_tools::tolerance(1e-14));
}

BOOST_AUTO_TEST_CASE(a_row_op_is_drawn_under_its_name) {
    constexpr fg::var<"X", fg::batch, 6> X;
    const std::string dot = fg::to_dot(fg::sum(fg::apply_rows(pair_products{}, X)));
    BOOST_TEST(dot.find("pair_products") != std::string::npos);
}

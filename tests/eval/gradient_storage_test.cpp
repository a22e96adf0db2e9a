// Where gradients are written. Most adjoints have one writer that covers every element once (the plan's
// written_once), which assigns instead of adding, so nothing is cleared first; the others are cleared and
// accumulated into. Each case below takes one kind of writer (an elementwise chain, a product, a transpose, a
// reduction, a row operation, a loss, a broadcast, a node read twice) and checks the gradient against its
// closed form while the caller's storage starts out holding NaN or huge values: a value read instead of
// overwritten, or a missed clearing, shows up as a wrong gradient.
#define BOOST_TEST_MODULE gradient storage
#include <boost/test/unit_test.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <vector>

#include <fusegrad/fusegrad.hpp>

namespace fg = fusegrad;

namespace {

constexpr double tolerance = 1e-12;

/// What the caller's gradient storage holds before the call.
const std::array<double, 3> stale_contents{std::numeric_limits<double>::quiet_NaN(), 1e300, -7.0};

/// value_and_grad_into with respect to `v` into storage of `size` elements first filled with each of the
/// stale contents, checked element by element against `expected`; and value_and_grad the same.
template <class Function, class V, class... Bindings>
void check_gradient(Function& f, const V& v, const std::vector<double>& expected, const Bindings&... bindings) {
    for (const double stale : stale_contents) {
        std::vector<double> storage(expected.size(), stale);
        f.value_and_grad_into(fg::wrt(v), {std::span<double>(storage)}, bindings...);
        for (std::size_t i = 0; i < expected.size(); ++i)
            BOOST_TEST(storage[i] == expected[i], "element " << i << ", storage first holding " << stale
                                                             << ": " << storage[i] << " instead of " << expected[i]
                                                             << boost::test_tools::tolerance(tolerance));
        // A second call into the same storage must not add to the first one's result.
        f.value_and_grad_into(fg::wrt(v), {std::span<double>(storage)}, bindings...);
        for (std::size_t i = 0; i < expected.size(); ++i)
            BOOST_TEST(storage[i] == expected[i], boost::test_tools::tolerance(tolerance));
    }
    const auto [value, grad] = f.value_and_grad(fg::wrt(v), bindings...);
    BOOST_TEST(std::isfinite(value));
    BOOST_REQUIRE(grad[v].size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i)
        BOOST_TEST(grad[v][i] == expected[i], boost::test_tools::tolerance(tolerance));
}

std::vector<double> values(std::size_t n, double scale, double shift) {
    std::vector<double> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = std::sin(scale * double(i) + shift);
    return v;
}

}  // namespace

BOOST_AUTO_TEST_CASE(an_elementwise_chain_assigns_through_its_fused_links) {
    constexpr fg::var<"x", 7> x;
    constexpr fg::var<"c", 7> c;
    const auto xv = values(7, 0.9, 0.1), cv = values(7, 0.4, 1.0);
    auto f = fg::compile(fg::sum(fg::tanh(x) * c));  // x is written once, through the fused tanh
    std::vector<double> expected(7);
    for (std::size_t i = 0; i < 7; ++i) expected[i] = cv[i] * (1 - std::tanh(xv[i]) * std::tanh(xv[i]));
    check_gradient(f, x, expected, x = xv, c = cv);
}

BOOST_AUTO_TEST_CASE(a_node_read_twice_accumulates) {
    constexpr fg::var<"x", 5> x;
    const auto xv = values(5, 1.3, 0.2);
    auto f = fg::compile(fg::sum(x * x + fg::exp(x)));  // three reads of x
    std::vector<double> expected(5);
    for (std::size_t i = 0; i < 5; ++i) expected[i] = 2 * xv[i] + std::exp(xv[i]);
    check_gradient(f, x, expected, x = xv);
}

BOOST_AUTO_TEST_CASE(a_broadcast_operand_accumulates_over_rows) {
    constexpr fg::var<"X", fg::batch, 3> X;
    constexpr fg::var<"b", 3> b;
    const auto xv = values(4 * 3, 0.7, 0.3), bv = values(3, 1.1, -0.4);
    auto f = fg::compile(fg::sum(fg::tanh(X + b)));
    std::vector<double> db(3, 0.0), dx(12);
    for (std::size_t r = 0; r < 4; ++r)
        for (std::size_t j = 0; j < 3; ++j) {
            const double t = std::tanh(xv[r * 3 + j] + bv[j]);
            dx[r * 3 + j] = 1 - t * t;
            db[j] += 1 - t * t;
        }
    check_gradient(f, b, db, X = xv, b = bv);
    check_gradient(f, X, dx, X = xv, b = bv);
}

BOOST_AUTO_TEST_CASE(matrix_products_assign_both_operands_gradients) {
    // 6 rows take the register tiles and a row tail; the one-row product takes the dot-product path.
    constexpr fg::var<"A", 6, 5> A;
    constexpr fg::var<"W", 5, 3> W;
    constexpr fg::var<"C", 6, 3> C;
    constexpr fg::var<"a", 1, 5> a;
    constexpr fg::var<"c", 1, 3> c;
    const auto av = values(30, 0.37, 0.5), wv = values(15, 0.71, -0.2), cv = values(18, 1.7, 0.9);
    auto f = fg::compile(fg::sum(fg::matmul(A, W) * C));
    std::vector<double> dw(15, 0.0), da(30, 0.0);
    for (std::size_t i = 0; i < 6; ++i)
        for (std::size_t p = 0; p < 5; ++p)
            for (std::size_t j = 0; j < 3; ++j) {
                dw[p * 3 + j] += av[i * 5 + p] * cv[i * 3 + j];
                da[i * 5 + p] += cv[i * 3 + j] * wv[p * 3 + j];
            }
    check_gradient(f, W, dw, A = av, W = wv, C = cv);
    check_gradient(f, A, da, A = av, W = wv, C = cv);

    const std::vector<double> row(av.begin(), av.begin() + 5), crow(cv.begin(), cv.begin() + 3);
    auto g = fg::compile(fg::sum(fg::matmul(a, W) * c));
    std::vector<double> da1(5, 0.0);
    for (std::size_t p = 0; p < 5; ++p)
        for (std::size_t j = 0; j < 3; ++j) da1[p] += crow[j] * wv[p * 3 + j];
    check_gradient(g, a, da1, a = row, W = wv, c = crow);
}

BOOST_AUTO_TEST_CASE(a_transpose_and_a_reduction_assign) {
    constexpr fg::var<"X", 3, 4> X;
    constexpr fg::var<"D", 4, 3> D;
    const auto xv = values(12, 0.3, 0.0), dv = values(12, 0.8, 2.0);
    auto f = fg::compile(fg::sum(fg::transpose(X) * D));
    std::vector<double> dx(12);
    for (std::size_t r = 0; r < 3; ++r)
        for (std::size_t c = 0; c < 4; ++c) dx[r * 4 + c] = dv[c * 3 + r];
    check_gradient(f, X, dx, X = xv, D = dv);

    auto g = fg::compile(fg::mean(X));
    check_gradient(g, X, std::vector<double>(12, 1.0 / 12), X = xv);
}

BOOST_AUTO_TEST_CASE(a_row_operation_clears_each_row_it_adds_into) {
    constexpr fg::var<"X", fg::batch, 4> X;
    constexpr fg::var<"Y", fg::batch, 4> Y;
    const auto xv = values(3 * 4, 0.9, 0.4), yv = values(3 * 4, 0.5, 1.5);
    auto f = fg::compile(fg::sum(fg::log_softmax(X) * Y));  // d/dX = Y − softmax(X)·Σ_row Y
    std::vector<double> dx(12);
    for (std::size_t r = 0; r < 3; ++r) {
        double z = 0, ysum = 0;
        for (std::size_t j = 0; j < 4; ++j) {
            z += std::exp(xv[r * 4 + j]);
            ysum += yv[r * 4 + j];
        }
        for (std::size_t j = 0; j < 4; ++j) dx[r * 4 + j] = yv[r * 4 + j] - std::exp(xv[r * 4 + j]) / z * ysum;
    }
    check_gradient(f, X, dx, X = xv, Y = yv);
}

BOOST_AUTO_TEST_CASE(a_loss_of_two_operands_assigns_the_logits_gradient) {
    constexpr fg::var<"Z", fg::batch, 4> Z;
    constexpr fg::var<"labels", fg::batch, 1> labels;
    const auto zv = values(5 * 4, 1.3, 0.6);
    const std::vector<double> lv{0, 3, 1, 1, 2};
    auto f = fg::compile(fg::sparse_categorical_crossentropy{.from_logits = true}(Z, labels));
    std::vector<double> dz(20);
    for (std::size_t r = 0; r < 5; ++r) {
        double s = 0;
        for (std::size_t j = 0; j < 4; ++j) s += std::exp(zv[r * 4 + j]);
        for (std::size_t j = 0; j < 4; ++j)
            dz[r * 4 + j] = (std::exp(zv[r * 4 + j]) / s - (double(j) == lv[r] ? 1.0 : 0.0)) / 5;
    }
    check_gradient(f, Z, dz, Z = zv, labels = lv);
}

BOOST_AUTO_TEST_CASE(a_vjp_reads_the_seed_where_the_caller_keeps_it) {
    constexpr fg::var<"X", 2, 3> X;
    const auto xv = values(6, 0.6, -0.3);
    const std::vector<double> seed{1, -2, 0.5, 3, 0, -1};

    auto f = fg::compile(fg::tanh(X));
    const auto [out, grad] = f.vjp(seed, fg::wrt(X), X = xv);
    for (std::size_t i = 0; i < 6; ++i) {
        BOOST_TEST(out.data()[i] == std::tanh(xv[i]), boost::test_tools::tolerance(tolerance));
        BOOST_TEST(grad[X].data()[i] == seed[i] * (1 - std::tanh(xv[i]) * std::tanh(xv[i])),
                   boost::test_tools::tolerance(tolerance));
    }
    BOOST_TEST(seed[1] == -2.0);  // the seed is read, never written

    auto identity = fg::compile(X);  // the output is the variable: its gradient is the seed itself
    const auto [same, seed_back] = identity.vjp(seed, fg::wrt(X), X = xv);
    for (std::size_t i = 0; i < 6; ++i) {
        BOOST_TEST(same.data()[i] == xv[i]);
        BOOST_TEST(seed_back[X].data()[i] == seed[i]);
    }
}

// A 4096-wide layer: the weight and its gradient are 64 MiB tensors each, eight times the main thread's
// default stack. Past FUSEGRAD_TENSOR_STACK_LIMIT a tensor keeps its values on the heap, so declaring one
// and getting one back from value_and_grad cannot overflow the stack (with the values in place, the test
// dies of SIGSEGV). The gradient of Σ tanh(x·W) is xᵢ·(1 − tanh²(x·W)ⱼ), checked on a sample of elements.
BOOST_AUTO_TEST_CASE(a_4096_wide_layer_keeps_its_tensors_off_the_stack) {
    constexpr std::size_t width = 4096;
    constexpr fg::var<"x", 1, width> x;
    constexpr fg::var<"W", width, width> W;
    using weight = fg::tensor<float, width, width>;
    static_assert(sizeof(weight) < 64, "a 64 MiB tensor is a handle to the heap");
    static_assert(sizeof(fg::tensor<float, 256, 256>) == 256 * 256 * sizeof(float), "256 KiB stay in place");

    fg::tensor<float, 1, width> xv;
    for (std::size_t i = 0; i < width; ++i) xv[i] = static_cast<float>(std::sin(0.37 * double(i)));
    weight wv;
    for (std::size_t k = 0; k < wv.size(); k += 7) wv[k] = static_cast<float>(std::cos(0.11 * double(k))) * 0.02f;
    const weight copy = wv;  // copies are deep
    BOOST_TEST(copy.data() != wv.data());
    BOOST_TEST((copy == wv));

    auto f = fg::compile<float>(fg::sum(fg::tanh(fg::matmul(x, W))));
    const auto [value, grad] = f.value_and_grad(fg::wrt(W), x = xv, W = wv);
    const weight& g = grad[W];
    BOOST_REQUIRE(g.size() == width * width);
    double expected_value = 0;
    std::vector<double> slope(width);
    for (std::size_t j = 0; j < width; ++j) {
        double s = 0;
        for (std::size_t i = 0; i < width; ++i) s += double(xv[i]) * double(wv(i, j));
        expected_value += std::tanh(s);
        slope[j] = 1 - std::tanh(s) * std::tanh(s);
    }
    BOOST_TEST(value == expected_value, boost::test_tools::tolerance(1e-3));
    for (std::size_t k = 0; k < g.size(); k += 4099) {
        const std::size_t i = k / width, j = k % width;
        BOOST_TEST(g(i, j) == double(xv[i]) * slope[j],
                   "W(" << i << ", " << j << ")" << boost::test_tools::tolerance(1e-4));
    }
}

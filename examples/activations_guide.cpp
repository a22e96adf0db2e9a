// Every code block of docs/activations.md, as one program: each block is a verbatim excerpt of this file
// (examples/check_doc_blocks.sh keeps them in sync). main() evaluates what the blocks build, checks it against
// the formulas and the numbers the page gives, and returns non-zero on any mismatch.
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <type_traits>
#include <vector>

#include <fusegrad/fusegrad.hpp>
namespace fg = fusegrad;

constexpr fg::var<"x", fg::batch, 128> x;
constexpr fg::var<"W", 4, 3> W;
auto a = fg::relu(x);                                  // Keras: activation="relu"
auto b = fg::leaky_relu<0.1>(x);                       // keras.activations.leaky_relu(x, negative_slope=0.1)
auto c = fg::relu<fg::relu_options{.max_value = 6.0}>(x);
auto d = fg::activation<"gelu">(x);                    // the same node as fg::gelu(x)
auto e = fg::softmax<0>(W);                            // along axis 0 of a fixed-shape matrix

namespace {

int failures = 0;

void expect(bool ok, const char* what, double at, double got, double want) {
    if (ok) return;
    ++failures;
    std::fprintf(stderr, "activations_guide: %s at %.17g: got %.17g, expected %.17g\n", what, at, got, want);
}

bool close(double got, double want, double rtol = 1e-12) {
    return std::fabs(got - want) <= 1e-14 + rtol * std::fabs(want);
}

/// The compiled expression on a batch, checked element by element against the formula.
template <class Expr, class Formula>
void check_elementwise(const char* what, const Expr& expr, const std::vector<double>& xs, Formula formula) {
    auto f = fg::compile(expr);
    const auto out = f.value(x = xs);
    if (out.rows() != xs.size() / 128 || out.cols() != 128) {
        expect(false, what, 0, static_cast<double>(out.rows()), static_cast<double>(xs.size() / 128));
        return;
    }
    for (std::size_t i = 0; i < xs.size(); ++i) {
        const double got = out(i / 128, i % 128), want = formula(xs[i]);
        expect(close(got, want), what, xs[i], got, want);
    }
    std::printf("%-55s checked at %zu points\n", what, xs.size());
}

/// The same node type, as the page says of the aliases and of fg::activation<"name">.
template <class A, class B>
constexpr bool same_node(const A&, const B&) {
    return std::is_same_v<A, B>;
}

constexpr fg::var<"t"> t;

/// An expression of the scalar t at one point.
template <class Expr>
double at(const Expr& expr, double point) {
    auto f = fg::compile(expr);
    return f.value(t = point);
}

}  // namespace

int main() {
    // The block: a batch of two rows of 128 inputs from -8 to 8, with 0 and 6 (kinks) among them.
    std::vector<double> xs(2 * 128);
    for (std::size_t i = 0; i < xs.size(); ++i) xs[i] = -8 + 16 * static_cast<double>(i) / 128;
    check_elementwise("fg::relu(x)", a, xs, [](double v) { return v > 0 ? v : 0.0; });
    check_elementwise("fg::leaky_relu<0.1>(x)", b, xs, [](double v) { return v > 0 ? v : 0.1 * v; });
    check_elementwise("fg::relu<fg::relu_options{.max_value = 6.0}>(x)", c, xs,
                      [](double v) { return std::fmin(std::fmax(v, 0.0), 6.0); });
    check_elementwise("fg::activation<\"gelu\">(x)", d, xs,
                      [](double v) { return 0.5 * v * std::erfc(-v / std::sqrt(2.0)); });
    static_assert(same_node(d, fg::gelu(x)), "activation<\"gelu\"> is the same node as fg::gelu(x)");
    {
        const fg::tensor<double, 4, 3> w{{1, -2, 0.5, 3, 0, 0.25, -1, 4, 1e3, 2, -3, 1e3}};
        auto f = fg::compile(e);
        const auto out = f.value(W = w);
        for (std::size_t col = 0; col < 3; ++col) {
            double denominator = 0, column_sum = 0;
            for (std::size_t r = 0; r < 4; ++r) denominator += std::exp(w(r, col) - (col == 2 ? 1e3 : 0.0));
            for (std::size_t r = 0; r < 4; ++r) {
                const double want = std::exp(w(r, col) - (col == 2 ? 1e3 : 0.0)) / denominator;
                expect(close(out(r, col), want), "fg::softmax<0>(W)", w(r, col), out(r, col), want);
                column_sum += out(r, col);
            }
            expect(close(column_sum, 1), "fg::softmax<0>(W): column sum", static_cast<double>(col), column_sum, 1);
        }
        std::printf("%-55s every column sums to 1\n", "fg::softmax<0>(W)");
    }

    // What the page says around the block: names and aliases give the same nodes as the functions.
    static_assert(same_node(a, fg::activation<"relu">(x)));
    static_assert(same_node(fg::leaky_relu(x), fg::activation<"leaky_relu">(x)));
    static_assert(same_node(fg::leaky_relu(x), fg::leaky_relu<0.2>(x)));
    static_assert(!same_node(fg::leaky_relu<0.1>(x), fg::leaky_relu<0.3>(x)));
    static_assert(same_node(fg::swish(x), fg::silu(x)) && same_node(fg::activation<"swish">(x), fg::silu(x)));
    static_assert(same_node(fg::hard_swish(x), fg::hard_silu(x)));
    static_assert(same_node(fg::linear(x), x), "linear returns x itself: no node");

    // "Keras 3, Keras 2 and TensorFlow.js": the numbers the page gives.
    const double keras3_at_1 = at(fg::hard_sigmoid(t), 1), keras3_at_2_6 = at(fg::hard_sigmoid(t), 2.6);
    const auto keras2_hard_sigmoid = fg::relu<fg::relu_options{.max_value = 1.0}>(0.2 * t + 0.5);
    const double keras2_at_1 = at(keras2_hard_sigmoid, 1), keras2_at_2_6 = at(keras2_hard_sigmoid, 2.6);
    expect(std::fabs(keras3_at_1 - 0.667) < 5e-4, "hard_sigmoid (Keras 3)", 1, keras3_at_1, 0.667);
    expect(std::fabs(keras2_at_1 - 0.7) < 1e-15, "Keras 2 hard_sigmoid", 1, keras2_at_1, 0.7);
    expect(std::fabs(keras3_at_2_6 - 0.933) < 5e-4, "hard_sigmoid (Keras 3)", 2.6, keras3_at_2_6, 0.933);
    expect(keras2_at_2_6 == 1, "Keras 2 hard_sigmoid", 2.6, keras2_at_2_6, 1);
    const double gelu_gap = at(fg::gelu(t), 1) - at(fg::gelu<true>(t), 1);
    expect(std::fabs(gelu_gap - 1.5e-4) < 0.05e-4, "gelu exact - gelu<true>", 1, gelu_gap, 1.5e-4);
    std::printf("hard_sigmoid at 1: %.3f (Keras 2: %.3f); at 2.6: %.3f (Keras 2: %.3f); "
                "gelu - gelu<true> at 1: %.2e\n",
                keras3_at_1, keras2_at_1, keras3_at_2_6, keras2_at_2_6, gelu_gap);

    if (failures != 0) {
        std::fprintf(stderr, "activations_guide: %d checks failed\n", failures);
        return 1;
    }
    std::printf("activations_guide: the block of docs/activations.md gives what the page says\n");
    return 0;
}

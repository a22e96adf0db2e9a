// Every code block of docs/expressions.md, as one program: each block is a verbatim excerpt of this file
// (examples/check_doc_blocks.sh keeps them in sync). The blocks are namespace-scope code, one section each;
// main() checks what the page states about their results and returns non-zero on any mismatch.
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <type_traits>
#include <vector>

#include <fusegrad/fusegrad.hpp>
namespace fg = fusegrad;

constexpr fg::var<"x", 4> x;
constexpr fg::var<"W", 4, 3> W;
constexpr fg::var<"b", 3> b;
constexpr auto y = fg::sum(fg::tanh(fg::matmul(x, W) + b));    // a scalar

constexpr fg::tensor<double, 4> xv{{1, 2, 3, 4}};
constexpr fg::tensor<double, 4, 3> Wv{{.1, .2, .3, .4, .5, .6, -.1, -.2, -.3, 0, .1, .2}};
constexpr fg::tensor<double, 3> bv{{0, .5, -.5}};

auto f = fg::compile(y);                                        // computes in double
auto [value, grad] = f.value_and_grad(fg::wrt(W, b), x = xv, W = Wv, b = bv);
// value: double; grad[W]: fg::tensor<double, 4, 3>; grad[b]: fg::tensor<double, 3>

namespace compiling {  // "Compiling and evaluating"

constexpr fg::var<"v", 3> v;
constexpr auto e = fg::sum(fg::exp(v) * 2.0);

auto f = fg::compile(e);          // computes in double
auto g = fg::compile<float>(e);   // computes in float

}  // namespace compiling

namespace common_subexpressions {  // "Common subexpressions"

constexpr fg::var<"X", fg::batch, 4> X;
constexpr fg::var<"Y", fg::batch, 3> Y;
constexpr fg::var<"W1", 4, 8> W1;
constexpr fg::var<"b1", 8> b1;
constexpr fg::var<"W2", 8, 3> W2;
constexpr fg::var<"b2", 3> b2;

constexpr auto h = fg::activation<"gelu">(fg::matmul(X, W1) + b1);
constexpr auto loss = fg::mean(fg::square(fg::matmul(h, W2) + b2 - Y)) + 1e-3 * fg::mean(fg::square(h));
// h, and everything below it, is evaluated once.


}  // namespace common_subexpressions

namespace custom_ops {  // "Custom elementwise ops: fg::apply"

struct cube {
    template <class T> T value(T x) const { return x * x * x; }
    template <class T> T derivative(T x, T /*y*/) const { return 3 * x * x; }
};
constexpr fg::var<"s"> s;
auto f = fg::compile(fg::apply(cube{}, s));
auto [v, g] = f.value_and_grad(fg::wrt(s), s = 2.0);   // v = 8, g[s][0] = 12

}  // namespace custom_ops

namespace {

int failures = 0;

void expect(bool ok, const char* what, double got, double want) {
    if (ok) return;
    ++failures;
    std::fprintf(stderr, "expressions_guide: %s: got %.17g, expected %.17g\n", what, got, want);
}

void expect_near(const char* what, double got, double want, double tolerance) {
    expect(std::fabs(got - want) <= tolerance, what, got, want);
}

/// The first block: value and gradients of sum(tanh(x·W + b)) against plain loops, and the numbers the
/// README prints for the same data.
void check_first_block() {
    static_assert(std::is_same_v<decltype(value), double>);
    static_assert(std::is_same_v<std::remove_cvref_t<decltype(grad[W])>, fg::tensor<double, 4, 3>>);
    static_assert(std::is_same_v<std::remove_cvref_t<decltype(grad[b])>, fg::tensor<double, 3>>);
    double want = 0;
    for (std::size_t j = 0; j < 3; ++j) {
        double z = bv[j];
        for (std::size_t i = 0; i < 4; ++i) z += xv[i] * Wv(i, j);
        const double t = std::tanh(z), dt = 1 - t * t;
        want += t;
        expect_near("first block: grad[b]", grad[b][j], dt, 1e-14);
        for (std::size_t i = 0; i < 4; ++i) expect_near("first block: grad[W]", grad[W](i, j), xv[i] * dt, 1e-14);
    }
    expect_near("first block: value", value, want, 1e-14);
    expect_near("first block: value as the README prints it", value, 2.158496, 5e-7);
    expect_near("first block: dy/dW(0,0) as the README prints it", grad[W](0, 0), 0.711578, 5e-7);
    std::printf("first block: y = %.6f  dy/dW(0,0) = %.6f  dy/db = [%.6f %.6f %.6f]\n", value, grad[W](0, 0),
                grad[b][0], grad[b][1], grad[b][2]);
}

/// compile() computes in double, compile<float>() in float, both giving sum(2·exp(v)).
void check_compiling() {
    using compiling::v;
    const std::array<double, 3> vd{0.5, -1, 2};
    const std::array<float, 3> vf{0.5f, -1, 2};
    const auto in_double = compiling::f.value(v = vd);
    const auto in_float = compiling::g.value(v = vf);
    static_assert(std::is_same_v<decltype(in_double), const double>);
    static_assert(std::is_same_v<decltype(in_float), const float>);
    const double want = 2 * (std::exp(0.5) + std::exp(-1.0) + std::exp(2.0));
    expect_near("compile: double", in_double, want, 1e-13);
    expect_near("compile<float>: float", in_float, want, 1e-5);
    std::printf("compiling: double %.17g, float %.9g\n", in_double, static_cast<double>(in_float));
}

/// h is one node, its adjoint the sum of both uses: the node count is the tree's minus the second copy
/// of h's subtree (gelu, +, matmul, X, W1, b1), and the gradient passes a finite-difference check.
void check_common_subexpressions() {
    using namespace common_subexpressions;
    constexpr std::size_t distinct = decltype(fg::compile(loss))::node_count;
    constexpr std::size_t h_nodes = fg::tree_size<decltype(h)>;
    static_assert(h_nodes == 6);
    static_assert(distinct == fg::tree_size<decltype(loss)> - h_nodes);

    std::vector<double> xs(2 * 4), ys(2 * 3, 0.0);
    for (std::size_t i = 0; i < xs.size(); ++i) xs[i] = 0.3 * static_cast<double>(i) - 1;
    ys[0] = ys[5] = 1;
    fg::tensor<double, 4, 8> w1;
    fg::tensor<double, 8> c1;
    fg::tensor<double, 8, 3> w2;
    fg::tensor<double, 3> c2{{0.1, -0.1, 0.2}};
    for (std::size_t i = 0; i < w1.size(); ++i) w1[i] = 0.05 * static_cast<double>(i % 7) - 0.15;
    for (std::size_t i = 0; i < c1.size(); ++i) c1[i] = 0.02 * static_cast<double>(i) - 0.05;
    for (std::size_t i = 0; i < w2.size(); ++i) w2[i] = 0.1 - 0.03 * static_cast<double>(i % 5);
    const auto report = fg::gradcheck(loss, fg::wrt(W1, b1, W2, b2), X = xs, Y = ys, W1 = w1, b1 = c1, W2 = w2,
                                      b2 = c2);
    expect(report.passed(), "common subexpressions: gradcheck of the loss", 0, 1);
    std::printf("common subexpressions: %zu distinct nodes in a tree of %zu; gradcheck %s\n", distinct,
                fg::tree_size<decltype(loss)>, report.passed() ? "passed" : "FAILED");
}

void check_custom_ops() {
    using custom_ops::g;
    using custom_ops::s;
    using custom_ops::v;
    expect(v == 8, "fg::apply(cube{}, s): value at 2", v, 8);
    expect(g[s][0] == 12, "fg::apply(cube{}, s): derivative at 2", g[s][0], 12);
    std::printf("custom op: cube(2) = %g, cube'(2) = %g\n", v, g[s][0]);
}

}  // namespace

int main() {
    check_first_block();
    check_compiling();
    check_common_subexpressions();
    check_custom_ops();
    if (failures != 0) {
        std::fprintf(stderr, "expressions_guide: %d checks failed\n", failures);
        return 1;
    }
    std::printf("expressions_guide: every block of docs/expressions.md ran and gave what the page says\n");
    return 0;
}

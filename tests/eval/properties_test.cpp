// The properties of DESIGN.md ("Properties that make it real"), one test each, every one able to fail.
// Property 7 (readable errors) is covered by the compile-fail tests.
#define BOOST_TEST_MODULE properties
#include <boost/test/unit_test.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <limits>
#include <vector>

#include <fusegrad/fusegrad.hpp>

#include "allocation_counter.hpp"  // replaces global new and delete: this file is the program's only includer

namespace fg = fusegrad;

namespace {

using fgtest::allocations_during;

/// An elementwise op, x²/2 + x, that counts its calls and checks that its derivative is given the
/// stored output. One Tag per test, so that counts never mix.
template <int Tag>
struct counting {
    static inline long values = 0, derivatives = 0, wrong_outputs = 0;
    static void reset() { values = derivatives = wrong_outputs = 0; }

    template <class T> static T formula(T x) { return x * x / 2 + x; }
    template <class T> T value(T x) const {
        ++values;
        return formula(x);
    }
    template <class T> T derivative(T x, T y) const {
        ++derivatives;
        if (y != formula(x)) ++wrong_outputs;
        return x + 1;
    }
};

constexpr fg::var<"x", 7> x;
constexpr fg::var<"w", 7> w;
const std::vector<double> x_values{-2, -1.5, -0.5, 0, 0.25, 1, 3};
const std::vector<double> w_values{0.5, -1, 2, 1.5, -0.25, 1, -2};

}  // namespace

// ----- 1. One evaluation per node -----

BOOST_AUTO_TEST_CASE(a_shared_subexpression_is_evaluated_once) {
    using op = counting<1>;
    const auto h = fg::apply(op{}, x);
    auto f = fg::compile(fg::sum(h * h + h));
    BOOST_TEST(f.node_count == 5u);  // x, h, h·h, h·h + h, the sum
    // As a tree, h (2 nodes) occurs three times: sum, +, ·, and 3 × (h, x) = 9 nodes walked naively.
    static_assert(fg::tree_size<decltype(fg::sum(h * h + h))> == 9);

    op::reset();
    const double value = f.value(x = x_values);
    BOOST_TEST(op::values == 7);

    op::reset();
    const auto [value2, grad] = f.value_and_grad(fg::wrt(x), x = x_values);
    BOOST_TEST(op::values == 7);
    BOOST_TEST(op::derivatives == 7);  // h's adjoint gathers its three uses before one chain-rule step

    double expected = 0;
    for (std::size_t i = 0; i < 7; ++i) {
        const double hi = op::formula(x_values[i]);
        expected += hi * hi + hi;
        BOOST_TEST(grad[x][i] == (2 * hi + 1) * (x_values[i] + 1), boost::test_tools::tolerance(1e-14));
    }
    BOOST_TEST(value == expected, boost::test_tools::tolerance(1e-14));
    BOOST_TEST(value2 == value, boost::test_tools::tolerance(1e-15));
}

BOOST_AUTO_TEST_CASE(nodes_carrying_different_runtime_constants_are_not_merged) {
    // (x·2) and (x·3) have the same type: identity by type would merge them and give 4x or 6x.
    auto f = fg::compile((x * 2.0) + (x * 3.0));
    BOOST_TEST(f.node_count == 6u);  // x, two constants, two products, the sum
    const auto y = f.value(x = x_values);
    for (std::size_t i = 0; i < 7; ++i) BOOST_TEST(y[i] == 5 * x_values[i]);
    const auto [value, grad] = fg::compile(fg::sum((x * 2.0) + (x * 3.0))).value_and_grad(fg::wrt(x), x = x_values);
    for (const double g : grad[x]) BOOST_TEST(g == 5.0);

    // A compile-time parameter is part of the type: leaky_relu<0.1> and leaky_relu<0.3> stay apart, while
    // two leaky_relu<0.1> merge.
    auto g = fg::compile(fg::leaky_relu<0.1>(x) + fg::leaky_relu<0.3>(x) + fg::leaky_relu<0.1>(x));
    BOOST_TEST(g.node_count == 5u);  // x, the two activations, two sums
    const auto z = g.value(x = x_values);
    BOOST_TEST(z[0] == -2 * 0.5, boost::test_tools::tolerance(1e-15));
    BOOST_TEST(z[6] == 3 * 3.0);
}

// ----- 2. Static memory plan: no heap allocation on the hot path -----

BOOST_AUTO_TEST_CASE(fixed_shapes_allocate_nothing_per_call) {
    constexpr fg::var<"input", 4> in;
    constexpr fg::var<"W", 4, 3> W;
    constexpr fg::var<"a_bias_with_a_name_too_long_for_small_strings", 3> b;  // bound from a std::vector
    auto f = fg::compile<float>(fg::sum(fg::tanh(fg::matmul(in, W) + b)));
    auto g = fg::compile<float>(fg::softmax(fg::matmul(in, W) + b));
    const fg::tensor<float, 4> iv{{0.5f, -1, 2, 0.25f}};
    fg::tensor<float, 4, 3> Wv{};
    for (std::size_t i = 0; i < Wv.size(); ++i) Wv[i] = 0.1f * float(i) - 0.5f;
    const std::vector<float> bv{0.1f, -0.2f, 0.3f};
    const fg::tensor<float, 3> seed{{1, -1, 0.5f}};
    float sink = 0;

    const long during = allocations_during([&] {
        for (int i = 0; i < 50; ++i) {
            const auto [value, grad] = f.value_and_grad(fg::wrt(W, b, in), in = iv, W = Wv, b = bv);
            sink += value + grad[W][0] + grad[b][0] + grad[in][0] + f.value(in = iv, W = Wv, b = bv);
            const auto [out, vjp] = g.vjp(seed, fg::wrt(W), in = iv, W = Wv, b = bv);
            sink += out[0] + vjp[W][1] + g.value(in = iv, W = Wv, b = bv)[2];
        }
    });
    BOOST_TEST(during == 0);
    BOOST_TEST(std::isfinite(sink));
}

BOOST_AUTO_TEST_CASE(a_batch_allocates_only_when_it_grows) {
    const fg::var<"X", fg::batch, 4> X;
    constexpr fg::var<"W", 4, 3> W;
    constexpr fg::var<"b", 3> b;
    auto f = fg::compile(fg::mean(fg::tanh(fg::matmul(X, W) + b)));
    auto g = fg::compile(fg::sigmoid(fg::matmul(X, W) + b));
    const fg::tensor<double, 4, 3> Wv{{0.5, -0.25, 1, 1.5, 0.75, -1, -0.5, 2, 0.25, 1.25, -1.5, 0.5}};
    const fg::tensor<double, 3> bv{{0.1, -0.2, 0.3}};
    std::vector<std::vector<double>> batches;
    for (const std::size_t rows : {2, 8, 1, 8, 3}) batches.emplace_back(rows * 4, 0.25);
    double sink = 0;
    // Gradients are asked for the fixed parameters only: a batched gradient is a std::vector by design.
    const auto step = [&](const std::vector<double>& data) {
        return allocations_during([&] {
            const auto [value, grad] = f.value_and_grad(fg::wrt(W, b), X = data, W = Wv, b = bv);
            sink += value + grad[W][0] + grad[b][2] + g.value(X = data, W = Wv, b = bv)[0];
        });
    };
    BOOST_TEST(step(batches[0]) == 2);  // each function grows its workspace from 1 row to 2, once
    BOOST_TEST(step(batches[0]) == 0);
    BOOST_TEST(step(batches[1]) == 2);  // 8 rows
    for (int i = 0; i < 10; ++i)
        for (const auto& data : batches) BOOST_TEST(step(data) == 0);  // never more than 8 rows again
    BOOST_TEST(std::isfinite(sink));
}

// ----- 3. Fusion and liveness -----

BOOST_AUTO_TEST_CASE(an_elementwise_chain_needs_no_intermediate_buffer) {
    constexpr fg::var<"x", 1000> big;
    using function = decltype(fg::compile(fg::exp(fg::tanh(big) * 2.0 + 1.0)));
    // Nodes: x, tanh, 2.0, ·, 1.0, +, exp. tanh, · and + are elementwise, read once, by an elementwise
    // parent of their shape: each is computed inside its parent's loop (fused), with no buffer. x is the
    // caller's data. What remains: the output (1000) and the two constants, which are nodes of their own
    // holding one scalar each. An unfused evaluator would need 4000 + 2.
    static_assert(function::node_count == 7);
    static_assert(function::value_workspace_size == 1000 + 2);
    auto f = fg::compile(fg::exp(fg::tanh(big) * 2.0 + 1.0));
    BOOST_TEST(f.value_workspace_size == 1002u);
    std::vector<double> data(1000);
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = std::sin(double(i));
    const auto y = f.value(big = data);
    for (std::size_t i = 0; i < data.size(); ++i)
        BOOST_TEST(y[i] == std::exp(std::tanh(data[i]) * 2 + 1), boost::test_tools::tolerance(1e-15));
}

BOOST_AUTO_TEST_CASE(buffers_are_reused_once_their_last_reader_has_run) {
    constexpr fg::var<"m", 10, 10> m;
    // Six row-wise and transpose nodes, none fusible, each read only by the next: at most one input and
    // one output of 100 are alive at a time, so the first-fit plan needs 2 × 100 instead of 6 × 100.
    using function = decltype(fg::compile(fg::transpose(fg::softmax(
        fg::transpose(fg::log_softmax(fg::transpose(fg::softmax(m))))))));
    static_assert(function::node_count == 7);
    static_assert(function::value_workspace_size == 200);
    auto f = fg::compile(fg::transpose(fg::softmax(fg::transpose(fg::log_softmax(fg::transpose(fg::softmax(m)))))));
    BOOST_TEST(f.value_workspace_size == 200u);
    // And the reuse is sound: the result matches the same chain evaluated a step at a time.
    std::vector<double> data(100);
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = std::cos(double(i) * 0.7);
    const auto step1 = fg::compile(fg::transpose(fg::softmax(m))).value(m = data);
    const auto step2 = fg::compile(fg::transpose(fg::log_softmax(m))).value(m = step1);
    const auto step3 = fg::compile(fg::transpose(fg::softmax(m))).value(m = step2);
    BOOST_TEST((f.value(m = data) == step3));
}

// ----- 4. Only what is asked -----

BOOST_AUTO_TEST_CASE(no_backward_work_for_variables_not_asked_for) {
    using op = counting<4>;
    auto f = fg::compile(fg::sum(fg::apply(op{}, x) * w));
    op::reset();
    const auto [v1, only_w] = f.value_and_grad(fg::wrt(w), x = x_values, w = w_values);
    BOOST_TEST(op::derivatives == 0);  // x's side of the graph is not differentiated at all
    for (std::size_t i = 0; i < 7; ++i) BOOST_TEST(only_w[w][i] == op::formula(x_values[i]));

    op::reset();
    const auto [v2, with_x] = f.value_and_grad(fg::wrt(x, w), x = x_values, w = w_values);
    BOOST_TEST(op::derivatives == 7);
    for (std::size_t i = 0; i < 7; ++i) BOOST_TEST(with_x[x][i] == w_values[i] * (x_values[i] + 1));
}

BOOST_AUTO_TEST_CASE(fewer_variables_asked_need_a_smaller_workspace) {
    constexpr fg::var<"input", 4> in;
    constexpr fg::var<"W", 4, 3> W;
    constexpr fg::var<"b", 3> b;
    using function = decltype(fg::compile(fg::sum(fg::tanh(fg::matmul(in, W) + b))));
    // Values: matmul 3, + 3, tanh 3, sum 1 = 10. Adjoints with respect to b: b 3, tanh 3, sum 1 (the +
    // is fused into tanh's backward); W adds the matmul's 3 and W's 12; the input adds its 4.
    static_assert(function::gradient_workspace_size<decltype(b)> == 10 + 7);
    static_assert(function::gradient_workspace_size<decltype(W), decltype(b)> == 10 + 7 + 15);
    static_assert(function::gradient_workspace_size<decltype(in), decltype(W), decltype(b)> == 10 + 7 + 15 + 4);
    constexpr std::size_t only_b = function::gradient_workspace_size<decltype(b)>;
    constexpr std::size_t w_and_b = function::gradient_workspace_size<decltype(W), decltype(b)>;
    BOOST_TEST(only_b < w_and_b);
}

// ----- 5. Backward reuses forward -----

BOOST_AUTO_TEST_CASE(backward_reads_stored_outputs_instead_of_recomputing) {
    using op = counting<5>;
    const auto h = fg::apply(op{}, fg::tanh(x) * w);
    auto f = fg::compile(fg::sum(fg::exp(h) * h));
    op::reset();
    const auto [value, grad] = f.value_and_grad(fg::wrt(x, w), x = x_values, w = w_values);
    BOOST_TEST(op::values == 7);        // the forward pass only
    BOOST_TEST(op::derivatives == 7);
    BOOST_TEST(op::wrong_outputs == 0); // derivative(x, y) was handed y = value(x), as stored
    for (std::size_t i = 0; i < 7; ++i) {
        const double u = std::tanh(x_values[i]) * w_values[i], hi = op::formula(u);
        const double dh = std::exp(hi) * (hi + 1) * (u + 1);
        BOOST_TEST(grad[w][i] == dh * std::tanh(x_values[i]), boost::test_tools::tolerance(1e-13));
    }
    BOOST_TEST(std::isfinite(value));
}

// ----- 6. Stable numerics in float -----

namespace {
constexpr fg::var<"z", 12> z;
constexpr fg::var<"c", 12> c;
const std::vector<float> extremes{-1e4f, -3e3f, -1e3f, -100, -30, -1, 0, 1, 30, 100, 1e3f, 1e4f};
const std::vector<float> weights{1, -1, 0.5f, 2, -0.5f, 1, 1, -2, 0.25f, 1, -1, 1};

struct float_result {
    float value;
    std::array<float, 12> grad;
    bool finite() const {
        bool ok = std::isfinite(value);
        for (const float g : grad) ok = ok && std::isfinite(g);
        return ok;
    }
};

/// value_and_grad of L = Σ c ⊙ op(z) in float at the extremes, with respect to z.
template <class Expr>
float_result at_extremes(const Expr& expr) {
    auto f = fg::compile<float>(expr);
    const auto [value, grad] = f.value_and_grad(fg::wrt(z), z = extremes, c = weights);
    float_result r{value, {}};
    std::copy(grad[z].begin(), grad[z].end(), r.grad.begin());
    return r;
}
}  // namespace

BOOST_AUTO_TEST_CASE(activations_stay_finite_up_to_1e4_in_float) {
    const float_result sigmoid = at_extremes(fg::sum(fg::sigmoid(z) * c));
    const float_result softplus = at_extremes(fg::sum(fg::softplus(z) * c));
    const float_result log_sigmoid = at_extremes(fg::sum(fg::log_sigmoid(z) * c));
    const float_result elu = at_extremes(fg::sum(fg::elu(z) * c));
    const float_result softmax = at_extremes(fg::sum(fg::softmax(z) * c));
    const float_result log_softmax = at_extremes(fg::sum(fg::log_softmax(z) * c));
    for (const auto& [name, r] : {std::pair{"sigmoid", sigmoid}, {"softplus", softplus}, {"log_sigmoid", log_sigmoid},
                                  {"elu", elu}, {"softmax", softmax}, {"log_softmax", log_softmax}}) {
        BOOST_TEST_CONTEXT(name) { BOOST_TEST(r.finite()); }
    }
    // The saturated ends are also right: σ(−1e4) = 0, softplus(1e4) = 1e4 with slope 1, log σ(−1e4) = −1e4
    // with slope 1, elu(−1e4) = −1 with slope 0, and softmax puts all mass on the largest entry.
    BOOST_TEST(sigmoid.grad[0] == 0.0f);
    BOOST_TEST(softplus.grad[11] == 1.0f);
    BOOST_TEST(softplus.grad[0] == 0.0f);
    BOOST_TEST(log_sigmoid.grad[0] == 1.0f);
    BOOST_TEST(elu.grad[0] == 0.0f);
    BOOST_TEST(softmax.value == weights[11]);
    BOOST_TEST(log_softmax.grad[0] == weights[0] - 0.0f);
}

BOOST_AUTO_TEST_CASE(cross_entropy_of_extreme_logits_is_p_minus_y) {
    constexpr fg::var<"logits", 3> logits;
    constexpr fg::var<"onehot", 3> onehot;
    auto f = fg::compile<float>(-fg::sum(onehot * fg::log_softmax(logits)));
    const std::vector<float> l{1e4f, -1e4f, 0};
    const auto right = f.value_and_grad(fg::wrt(logits), logits = l, onehot = std::vector<float>{1, 0, 0});
    BOOST_TEST(right.value == 0.0f);
    BOOST_TEST((right.grad[logits] == fg::tensor<float, 3>{{0, 0, 0}}));
    const auto wrong = f.value_and_grad(fg::wrt(logits), logits = l, onehot = std::vector<float>{0, 1, 0});
    BOOST_TEST(wrong.value == 2e4f);
    BOOST_TEST((wrong.grad[logits] == fg::tensor<float, 3>{{1, -1, 0}}));  // p − y
}

// ----- 8. Determinism -----

namespace {
constexpr fg::var<"X", 5, 4> X;
constexpr fg::var<"W1", 4, 6> W1;
constexpr fg::var<"b1", 6> b1;
constexpr fg::var<"W2", 6, 3> W2;
constexpr fg::var<"y", 5, 3> labels;
constexpr auto model_loss =
    -fg::mean(labels * fg::log_softmax(fg::matmul(fg::gelu(fg::matmul(X, W1) + b1), W2)));

template <class T>
std::vector<T> filled(std::size_t n, double scale) {
    std::vector<T> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = T(std::sin(double(i) * 1.3 + scale) * scale);
    return v;
}

template <class A, class B>
bool same_bits(const A& a, const B& b) {
    return sizeof(a) == sizeof(b) && std::memcmp(&a, &b, sizeof(a)) == 0;
}

template <class T>
void check_bit_identical() {
    const auto Xv = filled<T>(20, 1.5), W1v = filled<T>(24, 0.7), b1v = filled<T>(6, 0.2), W2v = filled<T>(18, 0.9);
    std::vector<T> y(15, T(0));
    for (std::size_t r = 0; r < 5; ++r) y[r * 3 + r % 3] = 1;
    auto f = fg::compile<T>(model_loss);
    auto g = fg::compile<T>(model_loss);
    const auto run = [&](auto& fn) {
        return fn.value_and_grad(fg::wrt(W1, b1, W2), X = Xv, W1 = W1v, b1 = b1v, W2 = W2v, labels = y);
    };
    const auto first = run(f), second = run(f), other = run(g);
    for (const auto* r : {&second, &other}) {
        BOOST_TEST(same_bits(first.value, r->value));
        BOOST_TEST(same_bits(first.grad[W1], r->grad[W1]));
        BOOST_TEST(same_bits(first.grad[b1], r->grad[b1]));
        BOOST_TEST(same_bits(first.grad[W2], r->grad[W2]));
    }
    BOOST_TEST(same_bits(f.value(X = Xv, W1 = W1v, b1 = b1v, W2 = W2v, labels = y),
                            g.value(X = Xv, W1 = W1v, b1 = b1v, W2 = W2v, labels = y)));
}
}  // namespace

BOOST_AUTO_TEST_CASE(same_inputs_give_bit_identical_results) {
    check_bit_identical<float>();
    check_bit_identical<double>();
}

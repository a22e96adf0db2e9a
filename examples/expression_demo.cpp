// The demo that scripts/demo runs: a two-layer classifier written as one fusegrad expression, its loss
// and gradients, what the compile-time planner made of it, a finite-difference check of the gradients
// done by hand, and a few Keras activations at sample points. Returns non-zero if the check fails.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <random>
#include <string_view>
#include <vector>

#include <fusegrad/fusegrad.hpp>

namespace fg = fusegrad;

namespace {

constexpr std::size_t batch_size = 5, features = 4, hidden = 8, classes = 3;

constexpr fg::var<"X", fg::batch, features> X;  // inputs, one sample per row
constexpr fg::var<"Y", fg::batch, classes> Y;   // one-hot labels
constexpr fg::var<"W1", features, hidden> W1;
constexpr fg::var<"b1", hidden> b1;
constexpr fg::var<"W2", hidden, classes> W2;
constexpr fg::var<"b2", classes> b2;

// Dense(8, activation='gelu') then Dense(3) producing logits, as in Keras.
constexpr auto h = fg::activation<"gelu">(fg::matmul(X, W1) + b1);
constexpr auto logits = fg::matmul(h, W2) + b2;
// Categorical cross-entropy from logits, averaged over the batch, plus a small activity penalty on h.
// h appears twice in the tree but is one node of the graph: it is computed once, and its adjoint
// receives both contributions.
constexpr auto cross_entropy = -fg::mean(fg::sum<-1>(Y * fg::log_softmax(logits)));
constexpr auto loss = cross_entropy + 1e-3 * fg::mean(fg::square(h));
constexpr auto probabilities = fg::softmax(logits);


template <class Tensor>
void print_matrix(const char* name, const Tensor& t) {
    std::printf("  %s (%zu x %zu):\n", name, t.rows(), t.cols());
    for (std::size_t r = 0; r < t.rows(); ++r) {
        std::printf("   ");
        for (std::size_t c = 0; c < t.cols(); ++c) std::printf(" %10.6f", t(r, c));
        std::printf("\n");
    }
}

template <fg::fixed_string Name>
void activation_row(const std::vector<double>& points) {
    constexpr fg::var<"s"> s;
    auto f = fg::compile(fg::activation<Name>(s));
    std::printf("  %-12.*s", static_cast<int>(Name.view().size()), Name.view().data());
    for (double p : points) {
        const auto [value, grad] = f.value_and_grad(fg::wrt(s), s = p);
        std::printf("  %8.4f (%7.4f)", value, grad[s][0]);
    }
    std::printf("\n");
}

}  // namespace

int main() {
    // ----- data: a fixed seed, so every run prints the same numbers -----
    std::mt19937 rng(2024);
    std::normal_distribution<double> normal(0.0, 1.0);
    std::vector<double> x(batch_size * features), y(batch_size * classes, 0.0);
    for (auto& v : x) v = normal(rng);
    for (std::size_t r = 0; r < batch_size; ++r) y[r * classes + r % classes] = 1.0;
    fg::tensor<double, features, hidden> w1;
    fg::tensor<double, hidden> bias1;
    fg::tensor<double, hidden, classes> w2;
    fg::tensor<double, classes> bias2;
    for (auto& v : w1) v = 0.5 * normal(rng);
    for (auto& v : bias1) v = 0.1 * normal(rng);
    for (auto& v : w2) v = 0.5 * normal(rng);
    for (auto& v : bias2) v = 0.1 * normal(rng);

    // ----- compile once, evaluate -----
    auto f = fg::compile(loss);
    using compiled = decltype(f);
    using W1_t = std::remove_const_t<decltype(W1)>;
    using b1_t = std::remove_const_t<decltype(b1)>;
    using W2_t = std::remove_const_t<decltype(W2)>;
    using b2_t = std::remove_const_t<decltype(b2)>;

    std::printf("fusegrad %s expression demo\n\n", FUSEGRAD_VERSION_STRING);
    std::printf("model: logits = Dense(3)(Dense(8, activation='gelu')(X)), loss = cross-entropy + 1e-3 * mean(h^2)\n");
    std::printf("  expression tree:           %zu nodes\n", fg::tree_size<decltype(loss)>);
    std::printf("  graph after CSE:           %zu nodes\n", compiled::node_count);
    std::printf("  value workspace:           %zu elements + %zu per batch row\n", compiled::value_workspace_size,
                compiled::value_workspace_row_size);
    std::printf("  gradient workspace:        %zu elements + %zu per batch row (wrt W1, b1, W2, b2)\n",
                compiled::gradient_workspace_size<W1_t, b1_t, W2_t, b2_t>,
                compiled::gradient_workspace_row_size<W1_t, b1_t, W2_t, b2_t>);
    std::printf("  gradient workspace:        %zu elements + %zu per batch row (wrt b2 only)\n\n",
                compiled::gradient_workspace_size<b2_t>, compiled::gradient_workspace_row_size<b2_t>);

    const auto [value, grad] =
        f.value_and_grad(fg::wrt(W1, b1, W2, b2), X = x, Y = y, W1 = w1, b1 = bias1, W2 = w2, b2 = bias2);
    std::printf("loss on a batch of %zu: %.12f\n", batch_size, value);
    std::printf("gradients:\n");
    print_matrix("dloss/dW1", grad[W1]);
    print_matrix("dloss/db1", grad[b1]);
    print_matrix("dloss/dW2", grad[W2]);
    print_matrix("dloss/db2", grad[b2]);

    auto predict = fg::compile(probabilities);
    const auto p = predict.value(X = x, W1 = w1, b1 = bias1, W2 = w2, b2 = bias2);
    std::printf("\nclass probabilities (softmax of the logits), label marked *:\n");
    for (std::size_t r = 0; r < p.rows(); ++r) {
        std::printf("  sample %zu:", r);
        for (std::size_t c = 0; c < p.cols(); ++c) std::printf(" %8.5f%s", p(r, c), y[r * classes + c] != 0 ? "*" : " ");
        std::printf("\n");
    }

    // ----- finite differences by hand: perturb one weight, re-evaluate the loss, compare -----
    double max_error = 0;
    std::size_t checked = 0;
    auto check = [&](const char* name, auto& weights, std::size_t index, double analytic) {
        const double original = weights[index];
        const double step = 1e-5 * std::max(1.0, std::fabs(original));
        weights[index] = original + step;
        const double up = f.value(X = x, Y = y, W1 = w1, b1 = bias1, W2 = w2, b2 = bias2);
        weights[index] = original - step;
        const double down = f.value(X = x, Y = y, W1 = w1, b1 = bias1, W2 = w2, b2 = bias2);
        weights[index] = original;
        const double numeric = (up - down) / (2 * step);
        const double error = std::fabs(numeric - analytic) / std::max(1.0, std::fabs(analytic));
        max_error = std::max(max_error, error);
        ++checked;
        std::printf("  %-3s[%2zu]  reverse mode % .10f   central difference % .10f   error %.2e\n", name, index,
                    analytic, numeric, error);
    };
    std::printf("\nfinite-difference check (central, step 1e-5 * max(1, |w|), error = |fd - ad| / max(1, |ad|)):\n");
    for (std::size_t i : {0u, 11u, 31u}) check("W1", w1, i, grad[W1][i]);
    for (std::size_t i : {2u, 5u}) check("b1", bias1, i, grad[b1][i]);
    for (std::size_t i : {0u, 13u, 23u}) check("W2", w2, i, grad[W2][i]);
    for (std::size_t i : {0u, 2u}) check("b2", bias2, i, grad[b2][i]);
    constexpr double tolerance = 1e-7;
    const bool passed = max_error <= tolerance;
    std::printf("  max error over %zu entries: %.2e (tolerance %.0e): %s\n", checked, max_error, tolerance,
                passed ? "PASS" : "FAIL");

    // ----- a few Keras activations, by their Keras names -----
    const std::vector<double> points{-2.0, -0.5, 0.0, 0.5, 2.0};
    std::printf("\nactivations by Keras name: value (derivative) at x =");
    for (double pt : points) std::printf(" %g", pt);
    std::printf("\n");
    activation_row<"relu">(points);
    activation_row<"leaky_relu">(points);
    activation_row<"elu">(points);
    activation_row<"selu">(points);
    activation_row<"gelu">(points);
    activation_row<"silu">(points);
    activation_row<"mish">(points);
    activation_row<"sigmoid">(points);
    activation_row<"hard_sigmoid">(points);
    activation_row<"tanh">(points);
    activation_row<"softplus">(points);
    activation_row<"softsign">(points);

    return passed ? 0 : 1;
}

// The five Keras snippets of "Activation functions in Keras" (README, "From Keras") as fusegrad
// expressions on a batched input. There is no layer API yet, so `model.add(Dense(64))` followed by
// `model.add(Activation('relu'))` is written as the expression it computes: relu(X·W + b).
//
// Each output is checked against the formula computed here with plain loops; the program returns
// non-zero if any check fails, so that it can run as a test.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <random>
#include <vector>

#include <fusegrad/fusegrad.hpp>

namespace fg = fusegrad;

namespace {

constexpr std::size_t batch_size = 4, features = 16, units = 64, num_classes = 10;

constexpr fg::var<"X", fg::batch, features> X;  // a batch of rows; the row count is given at run time
constexpr fg::var<"W", features, units> W;       // Dense(64)'s kernel
constexpr fg::var<"b", units> b;                 // and its bias
constexpr fg::var<"W_out", features, num_classes> W_out;  // Dense(num_classes)
constexpr fg::var<"b_out", num_classes> b_out;

// 1. model.add(Dense(64)); model.add(Activation('relu'))
constexpr auto relu_layer = fg::activation<"relu">(fg::matmul(X, W) + b);
// 2. model.add(Dense(64)); model.add(Activation('sigmoid'))
constexpr auto sigmoid_layer = fg::activation<"sigmoid">(fg::matmul(X, W) + b);
// 3. model.add(Dense(64)); model.add(Activation('tanh'))
constexpr auto tanh_layer = fg::activation<"tanh">(fg::matmul(X, W) + b);
// 4. model.add(Dense(num_classes)); model.add(Activation('softmax'))
constexpr auto softmax_layer = fg::activation<"softmax">(fg::matmul(X, W_out) + b_out);
// 5. model.add(Dense(64)); model.add(LeakyReLU(alpha=0.1))
constexpr auto leaky_relu_layer = fg::leaky_relu<0.1>(fg::matmul(X, W) + b);

int failures = 0;

void expect(bool ok, const char* snippet, const char* what, std::size_t row, std::size_t col, double got,
            double want) {
    if (ok) return;
    ++failures;
    std::fprintf(stderr, "keras_snippets: %s: %s at (%zu, %zu): got %.17g, expected %.17g\n", snippet, what, row,
                 col, got, want);
}

bool close(double got, double want) { return std::fabs(got - want) <= 1e-12 + 1e-10 * std::fabs(want); }

/// X·W + b by plain loops, the reference every snippet is checked against.
template <std::size_t Units>
std::vector<double> dense(const std::vector<double>& x, const fg::tensor<double, features, Units>& w,
                          const fg::tensor<double, Units>& bias) {
    std::vector<double> z(batch_size * Units);
    for (std::size_t r = 0; r < batch_size; ++r)
        for (std::size_t j = 0; j < Units; ++j) {
            double acc = bias[j];
            for (std::size_t i = 0; i < features; ++i) acc += x[r * features + i] * w(i, j);
            z[r * Units + j] = acc;
        }
    return z;
}

template <class View>
void print(const char* snippet, const View& out) {
    std::printf("%s: output %zu x %zu\n", snippet, out.rows(), out.cols());
    for (std::size_t r = 0; r < out.rows(); ++r) {
        std::printf("  row %zu:", r);
        for (std::size_t c = 0; c < std::min<std::size_t>(out.cols(), 6); ++c) std::printf(" %9.5f", out(r, c));
        std::printf("%s\n", out.cols() > 6 ? " ..." : "");
    }
}

/// Checks an elementwise activation against `reference` at every element, plus its range.
template <class View, class Reference, class InRange>
void check_elementwise(const char* snippet, const View& out, const std::vector<double>& z, Reference reference,
                       InRange in_range) {
    for (std::size_t r = 0; r < out.rows(); ++r)
        for (std::size_t c = 0; c < out.cols(); ++c) {
            const double got = out(r, c), want = reference(z[r * out.cols() + c]);
            expect(close(got, want), snippet, "value", r, c, got, want);
            expect(in_range(got), snippet, "range", r, c, got, want);
        }
}

}  // namespace

int main() {
    std::mt19937 rng(42);
    std::normal_distribution<double> normal(0.0, 1.0);
    auto glorot = [&](auto& t, std::size_t fan_in, std::size_t fan_out) {
        std::uniform_real_distribution<double> u(-1.0, 1.0);
        const double limit = std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
        for (auto& v : t) v = limit * u(rng);
    };

    std::vector<double> x(batch_size * features);
    for (auto& v : x) v = normal(rng);
    fg::tensor<double, features, units> w;
    fg::tensor<double, units> bias;
    fg::tensor<double, features, num_classes> w_out;
    fg::tensor<double, num_classes> bias_out;
    glorot(w, features, units);
    glorot(w_out, features, num_classes);
    for (auto& v : bias) v = 0.1 * normal(rng);  // Keras starts biases at zero; non-zero tests them
    for (auto& v : bias_out) v = 0.1 * normal(rng);

    const std::vector<double> z = dense(x, w, bias);
    const std::vector<double> z_out = dense(x, w_out, bias_out);

    {
        auto f = fg::compile(relu_layer);
        const auto out = f.value(X = x, W = w, b = bias);
        print("Activation('relu')", out);
        check_elementwise(
            "Activation('relu')", out, z, [](double v) { return v > 0 ? v : 0.0; },
            [](double y) { return y >= 0; });
    }
    {
        auto f = fg::compile(sigmoid_layer);
        const auto out = f.value(X = x, W = w, b = bias);
        print("Activation('sigmoid')", out);
        check_elementwise(
            "Activation('sigmoid')", out, z, [](double v) { return 1 / (1 + std::exp(-v)); },
            [](double y) { return y > 0 && y < 1; });
    }
    {
        auto f = fg::compile(tanh_layer);
        const auto out = f.value(X = x, W = w, b = bias);
        print("Activation('tanh')", out);
        check_elementwise(
            "Activation('tanh')", out, z, [](double v) { return std::tanh(v); },
            [](double y) { return y > -1 && y < 1; });
    }
    {
        auto f = fg::compile(softmax_layer);
        const auto out = f.value(X = x, W_out = w_out, b_out = bias_out);
        print("Activation('softmax')", out);
        for (std::size_t r = 0; r < out.rows(); ++r) {
            double denominator = 0, row_sum = 0;
            for (std::size_t c = 0; c < num_classes; ++c) denominator += std::exp(z_out[r * num_classes + c]);
            for (std::size_t c = 0; c < num_classes; ++c) {
                const double got = out(r, c), want = std::exp(z_out[r * num_classes + c]) / denominator;
                expect(close(got, want), "Activation('softmax')", "value", r, c, got, want);
                expect(got > 0 && got < 1, "Activation('softmax')", "range", r, c, got, want);
                row_sum += got;
            }
            expect(std::fabs(row_sum - 1) <= 1e-12, "Activation('softmax')", "row sum", r, num_classes, row_sum,
                   1.0);
            std::printf("  row %zu sums to %.15f\n", r, row_sum);
        }
    }
    {
        auto f = fg::compile(leaky_relu_layer);
        const auto out = f.value(X = x, W = w, b = bias);
        print("LeakyReLU(alpha=0.1)", out);
        check_elementwise(
            "LeakyReLU(alpha=0.1)", out, z, [](double v) { return v > 0 ? v : 0.1 * v; },
            [](double) { return true; });
    }

    if (failures != 0) {
        std::fprintf(stderr, "keras_snippets: %d checks failed\n", failures);
        return 1;
    }
    std::printf("keras_snippets: all five snippets match their formulas on a batch of %zu\n", batch_size);
    return 0;
}

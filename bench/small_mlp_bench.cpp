// fusegrad against hand-written scalar loops on one sample of an 8-32(tanh)-32(tanh)-1 MLP with a
// squared-error (MSE over one output) loss, in float: forward only, and loss plus the gradient with
// respect to every weight and bias. Both sides see the same seeded data; before anything is timed
// their values and gradients are compared, and the program aborts if they disagree.
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <random>

#include <benchmark/benchmark.h>

#include <fusegrad/fusegrad.hpp>

namespace fg = fusegrad;

namespace {

constexpr std::size_t in = 8, hidden = 32;

// ----- the fusegrad model: one expression -----
constexpr fg::var<"x", in> x;
constexpr fg::var<"y", 1> y;
constexpr fg::var<"W1", in, hidden> W1;
constexpr fg::var<"b1", hidden> b1;
constexpr fg::var<"W2", hidden, hidden> W2;
constexpr fg::var<"b2", hidden> b2;
constexpr fg::var<"W3", hidden, 1> W3;
constexpr fg::var<"b3", 1> b3;

constexpr auto h1 = fg::tanh(fg::matmul(x, W1) + b1);
constexpr auto h2 = fg::tanh(fg::matmul(h1, W2) + b2);
constexpr auto prediction = fg::matmul(h2, W3) + b3;
constexpr auto loss = fg::mean(fg::square(prediction - y));

// ----- the data, shared by both sides -----
struct parameters {
    fg::tensor<float, in, hidden> W1;
    fg::tensor<float, hidden> b1;
    fg::tensor<float, hidden, hidden> W2;
    fg::tensor<float, hidden> b2;
    fg::tensor<float, hidden, 1> W3;
    fg::tensor<float, 1> b3;
};

struct sample {
    fg::tensor<float, in> x;
    fg::tensor<float, 1> y;
};

/// Glorot-uniform weights, small non-zero biases (so that bias gradients are exercised), fixed seed.
parameters make_parameters() {
    std::mt19937 rng(20240601);
    auto fill = [&](auto& t, float limit) {
        std::uniform_real_distribution<float> u(-limit, limit);
        for (auto& v : t) v = u(rng);
    };
    parameters p;
    fill(p.W1, std::sqrt(6.0f / (in + hidden)));
    fill(p.b1, 0.1f);
    fill(p.W2, std::sqrt(6.0f / (hidden + hidden)));
    fill(p.b2, 0.1f);
    fill(p.W3, std::sqrt(6.0f / (hidden + 1)));
    fill(p.b3, 0.1f);
    return p;
}

sample make_sample() {
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    sample s;
    for (auto& v : s.x) v = u(rng);
    s.y[0] = 0.25f;
    return s;
}

// ----- the hand-written reference: fixed-size loops, std::tanh -----
struct gradients {
    std::array<float, in * hidden> W1;
    std::array<float, hidden> b1;
    std::array<float, hidden * hidden> W2;
    std::array<float, hidden> b2;
    std::array<float, hidden> W3;
    float b3;
};

struct activations {
    std::array<float, hidden> h1, h2;
    float prediction;
};

template <std::size_t Inputs>
void dense_tanh(const std::array<float, Inputs>& input, const fg::tensor<float, Inputs, hidden>& W,
                const fg::tensor<float, hidden>& b, std::array<float, hidden>& out) {
    std::array<float, hidden> z;  // a local accumulator: no aliasing with the weights to rule out
    for (std::size_t j = 0; j < hidden; ++j) z[j] = b[j];
    for (std::size_t i = 0; i < Inputs; ++i)
        for (std::size_t j = 0; j < hidden; ++j) z[j] += input[i] * W[i * hidden + j];
    for (std::size_t j = 0; j < hidden; ++j) out[j] = std::tanh(z[j]);
}

float forward(const parameters& p, const sample& s, activations& a) {
    dense_tanh(s.x.values, p.W1, p.b1, a.h1);
    dense_tanh(a.h1, p.W2, p.b2, a.h2);
    float o = p.b3[0];
    for (std::size_t j = 0; j < hidden; ++j) o += a.h2[j] * p.W3[j];
    a.prediction = o;
    const float e = o - s.y[0];
    return e * e;
}

float handwritten_value(const parameters& p, const sample& s) {
    activations a;
    return forward(p, s, a);
}

float handwritten_value_and_grad(const parameters& p, const sample& s, gradients& g) {
    activations a;
    const float value = forward(p, s, a);
    const float d_out = 2.0f * (a.prediction - s.y[0]);

    g.b3 = d_out;
    std::array<float, hidden> dz2;
    for (std::size_t j = 0; j < hidden; ++j) {
        g.W3[j] = a.h2[j] * d_out;
        dz2[j] = p.W3[j] * d_out * (1.0f - a.h2[j] * a.h2[j]);
        g.b2[j] = dz2[j];
    }
    std::array<float, hidden> dz1;
    for (std::size_t i = 0; i < hidden; ++i) {
        float dh1 = 0.0f;
        for (std::size_t j = 0; j < hidden; ++j) {
            g.W2[i * hidden + j] = a.h1[i] * dz2[j];
            dh1 += p.W2[i * hidden + j] * dz2[j];
        }
        dz1[i] = dh1 * (1.0f - a.h1[i] * a.h1[i]);
        g.b1[i] = dz1[i];
    }
    for (std::size_t i = 0; i < in; ++i)
        for (std::size_t j = 0; j < hidden; ++j) g.W1[i * hidden + j] = s.x[i] * dz1[j];
    return value;
}

// ----- the check that makes the comparison honest -----
bool close(float a, float b) { return std::fabs(a - b) <= 1e-5f + 1e-4f * std::fabs(b); }

template <class A, class B>
bool all_close(const char* what, const A& got, const B& want, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        if (!close(got[i], want[i])) {
            std::fprintf(stderr, "small_mlp_bench: %s[%zu]: fusegrad %.9g, hand-written %.9g\n", what, i,
                         static_cast<double>(got[i]), static_cast<double>(want[i]));
            return false;
        }
    }
    return true;
}

void verify_or_abort() {
    const parameters p = make_parameters();
    const sample s = make_sample();
    auto f = fg::compile<float>(loss);

    const float v_fg = f.value(x = s.x, y = s.y, W1 = p.W1, b1 = p.b1, W2 = p.W2, b2 = p.b2, W3 = p.W3, b3 = p.b3);
    const float v_hw = handwritten_value(p, s);
    auto [v_grad, g] = f.value_and_grad(fg::wrt(W1, b1, W2, b2, W3, b3), x = s.x, y = s.y, W1 = p.W1,
                                        b1 = p.b1, W2 = p.W2, b2 = p.b2, W3 = p.W3, b3 = p.b3);
    gradients h;
    const float v_hw_grad = handwritten_value_and_grad(p, s, h);
    const float b3_hw[1] = {h.b3};

    const bool ok = all_close("value", &v_fg, &v_hw, 1) && all_close("value_and_grad value", &v_grad, &v_hw_grad, 1) &&
                    all_close("dW1", g[W1], h.W1, h.W1.size()) && all_close("db1", g[b1], h.b1, h.b1.size()) &&
                    all_close("dW2", g[W2], h.W2, h.W2.size()) && all_close("db2", g[b2], h.b2, h.b2.size()) &&
                    all_close("dW3", g[W3], h.W3, h.W3.size()) && all_close("db3", g[b3], b3_hw, 1);
    if (!ok || !(v_hw > 0.0f)) {
        std::fprintf(stderr, "small_mlp_bench: fusegrad and the hand-written MLP disagree; not benchmarking\n");
        std::abort();
    }
    std::printf("small_mlp_bench: fusegrad and hand-written agree (loss %.7g, %zu gradient entries)\n",
                static_cast<double>(v_hw), h.W1.size() + h.b1.size() + h.W2.size() + h.b2.size() + h.W3.size() + 1);
}

// ----- the benchmarks -----
void fusegrad_value_and_grad(benchmark::State& state) {
    parameters p = make_parameters();
    sample s = make_sample();
    auto f = fg::compile<float>(loss);
    for (auto _ : state) {
        benchmark::DoNotOptimize(p);
        benchmark::DoNotOptimize(s);
        auto result = f.value_and_grad(fg::wrt(W1, b1, W2, b2, W3, b3), x = s.x, y = s.y, W1 = p.W1, b1 = p.b1,
                                       W2 = p.W2, b2 = p.b2, W3 = p.W3, b3 = p.b3);
        benchmark::DoNotOptimize(result);
        benchmark::ClobberMemory();
    }
}

void handwritten_value_and_grad_bench(benchmark::State& state) {
    parameters p = make_parameters();
    sample s = make_sample();
    gradients g;
    for (auto _ : state) {
        benchmark::DoNotOptimize(p);
        benchmark::DoNotOptimize(s);
        float value = handwritten_value_and_grad(p, s, g);
        benchmark::DoNotOptimize(value);
        benchmark::DoNotOptimize(g);
        benchmark::ClobberMemory();
    }
}

void fusegrad_value(benchmark::State& state) {
    parameters p = make_parameters();
    sample s = make_sample();
    auto f = fg::compile<float>(loss);
    for (auto _ : state) {
        benchmark::DoNotOptimize(p);
        benchmark::DoNotOptimize(s);
        float value = f.value(x = s.x, y = s.y, W1 = p.W1, b1 = p.b1, W2 = p.W2, b2 = p.b2, W3 = p.W3, b3 = p.b3);
        benchmark::DoNotOptimize(value);
        benchmark::ClobberMemory();
    }
}

void handwritten_value_bench(benchmark::State& state) {
    parameters p = make_parameters();
    sample s = make_sample();
    for (auto _ : state) {
        benchmark::DoNotOptimize(p);
        benchmark::DoNotOptimize(s);
        float value = handwritten_value(p, s);
        benchmark::DoNotOptimize(value);
        benchmark::ClobberMemory();
    }
}

}  // namespace

int main(int argc, char** argv) {
    verify_or_abort();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RegisterBenchmark("small_mlp/value_and_grad/fusegrad", fusegrad_value_and_grad);
    benchmark::RegisterBenchmark("small_mlp/value_and_grad/handwritten", handwritten_value_and_grad_bench);
    benchmark::RegisterBenchmark("small_mlp/value/fusegrad", fusegrad_value);
    benchmark::RegisterBenchmark("small_mlp/value/handwritten", handwritten_value_bench);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}

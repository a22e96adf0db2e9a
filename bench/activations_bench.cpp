// Keras activations on 1M floats (1024 rows × 1024 columns), through fusegrad's public API against plain
// loops calling the standard library, in the same binary. For each activation <name>:
//
//   activations/<name>/forward             f.value(x = data), f = fg::compile<float>(fg::activation<name>(x))
//                                           with x = fg::var<"x", fg::batch, 1024>: the forward pass into the
//                                           workspace (the result is a view, nothing is copied out).
//   activations/<name>/backward            f.vjp(seed, fg::wrt(x), x = data): forward pass, reverse pass
//                                           (x's adjoint += seed·f′(x, y)), and the copy of the gradient into
//                                           the std::vector that vjp returns.
//   activations/<name>/forward/scalar_std  y[i] = f(x[i]), f written with std:: functions.
//   activations/<name>/backward/scalar_std that loop, then g[i] = seed[i]·f′(x[i], y[i]) with std:: functions,
//                                           into preallocated vectors.
//   activations/<name>/forward/op_loop     y[i] = op.value(x[i]) with fusegrad's own op, outside the engine:
//   activations/<name>/backward/op_loop    the kernels' speed without the engine's memory traffic.
//
// softmax and log_softmax act on each row of 1024 (Keras axis −1); their loops go row by row. Items
// processed are the 1M inputs. Before anything is timed, each fusegrad result (value and gradient) is
// compared with the std:: loops, and the program aborts if they disagree. docs/vector-math.md has the
// figures.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include <fusegrad/fusegrad.hpp>

namespace fg = fusegrad;

namespace {

constexpr std::size_t rows = 1024, cols = 1024, count = rows * cols;
constexpr fg::var<"x", fg::batch, cols> x;

/// The inputs, uniform in [−8, 8], and the vjp seed, uniform in [0.5, 1.5]; fixed seeds.
struct data_set {
    std::vector<float> x, seed;
};
const data_set& data() {
    static const data_set d = [] {
        data_set s{std::vector<float>(count), std::vector<float>(count)};
        std::mt19937 rng(20240607);
        std::uniform_real_distribution<float> ux(-8.0f, 8.0f), useed(0.5f, 1.5f);
        for (float& v : s.x) v = ux(rng);
        for (float& v : s.seed) v = useed(rng);
        return s;
    }();
    return d;
}

// ----- the std:: side: value f(x) and derivative f′(x, y) of each activation, Keras's formulas -----
float sigmoid_std(float v) { return 1.0f / (1.0f + std::exp(-v)); }
float softplus_std(float v) { return std::max(v, 0.0f) + std::log1p(std::exp(-std::abs(v))); }
float hard_sigmoid_std(float v) { return std::min(std::max(v / 6.0f + 0.5f, 0.0f), 1.0f); }
constexpr float selu_alpha = 1.6732632423543772f, selu_scale = 1.0507009873554805f;
constexpr float inv_sqrt2 = static_cast<float>(std::numbers::sqrt2 / 2);
constexpr float inv_sqrt2pi = static_cast<float>(std::numbers::inv_sqrtpi / std::numbers::sqrt2);

/// An elementwise activation on the std:: side. Value and Derivative are lambdas: a function pointer held in
/// the object would be called indirectly, and the loop would not vectorise where it could.
template <class Value, class Derivative>
struct std_elementwise {
    Value value;
    Derivative derivative;

    void forward(const float* in, float* out) const {
        for (std::size_t i = 0; i < count; ++i) out[i] = value(in[i]);
    }
    void backward(const float* in, const float* y, const float* seed, float* gx) const {
        for (std::size_t i = 0; i < count; ++i) gx[i] = seed[i] * derivative(in[i], y[i]);
    }
};
template <class Value, class Derivative>
std_elementwise<Value, Derivative> elementwise(Value v, Derivative d) {
    return {v, d};
}

/// softmax along each row on the std:: side.
struct std_softmax {
    void forward(const float* in, float* out) const {
        for (std::size_t r = 0; r < rows; ++r) {
            const float* xr = in + r * cols;
            float* yr = out + r * cols;
            const float m = *std::max_element(xr, xr + cols);
            float sum = 0;
            for (std::size_t i = 0; i < cols; ++i) sum += (yr[i] = std::exp(xr[i] - m));
            for (std::size_t i = 0; i < cols; ++i) yr[i] /= sum;
        }
    }
    void backward(const float*, const float* y, const float* seed, float* gx) const {
        for (std::size_t r = 0; r < rows; ++r) {
            const float* yr = y + r * cols;
            const float* gr = seed + r * cols;
            float dot = 0;
            for (std::size_t i = 0; i < cols; ++i) dot += yr[i] * gr[i];
            for (std::size_t i = 0; i < cols; ++i) gx[r * cols + i] = yr[i] * (gr[i] - dot);
        }
    }
};

/// log_softmax along each row on the std:: side.
struct std_log_softmax {
    void forward(const float* in, float* out) const {
        for (std::size_t r = 0; r < rows; ++r) {
            const float* xr = in + r * cols;
            const float m = *std::max_element(xr, xr + cols);
            float sum = 0;
            for (std::size_t i = 0; i < cols; ++i) sum += std::exp(xr[i] - m);
            const float log_sum = std::log(sum);
            for (std::size_t i = 0; i < cols; ++i) out[r * cols + i] = (xr[i] - m) - log_sum;
        }
    }
    void backward(const float*, const float* y, const float* seed, float* gx) const {
        for (std::size_t r = 0; r < rows; ++r) {
            const float* gr = seed + r * cols;
            float total = 0;
            for (std::size_t i = 0; i < cols; ++i) total += gr[i];
            for (std::size_t i = 0; i < cols; ++i) gx[r * cols + i] = gr[i] - std::exp(y[r * cols + i]) * total;
        }
    }
};

// ----- fusegrad's op outside the engine -----
template <fg::fixed_string Name>
using op_of = decltype(fg::activation<Name>(x).op);

template <fg::fixed_string Name>
constexpr bool is_row_op = requires(const op_of<Name>& op, const float* p, float* q) { op.forward(p, q, cols); };

template <fg::fixed_string Name>
void op_forward(const float* in, float* out) {
    const op_of<Name> op = fg::activation<Name>(x).op;
    if constexpr (is_row_op<Name>) {
        for (std::size_t r = 0; r < rows; ++r) op.forward(in + r * cols, out + r * cols, cols);
    } else {
        for (std::size_t i = 0; i < count; ++i) out[i] = op.value(in[i]);
    }
}

/// The reverse pass of the op; the engine accumulates into a zeroed adjoint, so the row ops' gx is zeroed.
template <fg::fixed_string Name>
void op_backward(const float* in, const float* y, const float* seed, float* gx) {
    const op_of<Name> op = fg::activation<Name>(x).op;
    if constexpr (is_row_op<Name>) {
        std::fill(gx, gx + count, 0.0f);
        for (std::size_t r = 0; r < rows; ++r)
            op.backward(in + r * cols, y + r * cols, seed + r * cols, gx + r * cols, cols);
    } else {
        for (std::size_t i = 0; i < count; ++i) gx[i] = seed[i] * op.derivative(in[i], y[i]);
    }
}

// ----- the check that makes the comparison honest -----
/// Within 1e-5 relative (1e-6 absolute) of `want`, or of `scale` where the result is a difference of terms of
/// that size: log_softmax's gradient g − softmax·Σg cancels down to a few % of the seed, and the two sides
/// round the row's sum Σg differently (in order here, in vector lanes in fusegrad).
bool close(float got, float want, float scale) {
    return std::fabs(got - want) <= 1e-6f + 1e-5f * std::max(std::fabs(want), scale) ||
           (std::isnan(got) && std::isnan(want));
}

/// Every element close; a gradient (`seed` given) to the scale of its seed.
bool all_close(const std::string& what, const float* got, const std::vector<float>& want,
               const std::vector<float>* seed = nullptr) {
    for (std::size_t i = 0; i < count; ++i) {
        if (!close(got[i], want[i], seed ? std::fabs((*seed)[i]) : 0.0f)) {
            std::fprintf(stderr, "activations_bench: %s[%zu] at x = %.9g: %.9g, std:: loop %.9g\n", what.c_str(), i,
                         static_cast<double>(data().x[i]), static_cast<double>(got[i]),
                         static_cast<double>(want[i]));
            return false;
        }
    }
    return true;
}

template <fg::fixed_string Name, class Std>
void verify_or_abort(const Std& reference) {
    const data_set& d = data();
    std::vector<float> y(count), gx(count), op_y(count), op_gx(count);
    reference.forward(d.x.data(), y.data());
    reference.backward(d.x.data(), y.data(), d.seed.data(), gx.data());
    op_forward<Name>(d.x.data(), op_y.data());
    op_backward<Name>(d.x.data(), op_y.data(), d.seed.data(), op_gx.data());
    auto f = fg::compile<float>(fg::activation<Name>(x));
    const std::string name(Name.view());
    const bool forward_ok = all_close(name + " forward", f.value(x = d.x).data(), y);
    const auto [value, grad] = f.vjp(d.seed, fg::wrt(x), x = d.x);
    const bool ok = forward_ok && all_close(name + " vjp value", value.data(), y) &&
                    all_close(name + " vjp gradient", grad[x].data(), gx, &d.seed) &&
                    all_close(name + " op_loop forward", op_y.data(), y) &&
                    all_close(name + " op_loop backward", op_gx.data(), gx, &d.seed);
    if (!ok) {
        std::fprintf(stderr, "activations_bench: fusegrad and the std:: loops disagree; not benchmarking\n");
        std::abort();
    }
}

// ----- the benchmarks -----
template <fg::fixed_string Name>
void fusegrad_forward(benchmark::State& state) {
    const data_set& d = data();
    auto f = fg::compile<float>(fg::activation<Name>(x));
    for (auto _ : state) {
        const auto y = f.value(x = d.x);
        benchmark::DoNotOptimize(y.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * count));
}

template <fg::fixed_string Name>
void fusegrad_backward(benchmark::State& state) {
    const data_set& d = data();
    auto f = fg::compile<float>(fg::activation<Name>(x));
    for (auto _ : state) {
        const auto result = f.vjp(d.seed, fg::wrt(x), x = d.x);
        benchmark::DoNotOptimize(result.grad[x].data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * count));
}

/// Forward or backward of either loop side (Loops::forward and ::backward take the raw buffers).
template <bool Backward, class Loops>
void loops(benchmark::State& state, const Loops& side) {
    const data_set& d = data();
    std::vector<float> y(count), gx(count);
    for (auto _ : state) {
        side.forward(d.x.data(), y.data());
        if constexpr (Backward) side.backward(d.x.data(), y.data(), d.seed.data(), gx.data());
        benchmark::DoNotOptimize(y.data());
        benchmark::DoNotOptimize(gx.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * count));
}

template <fg::fixed_string Name>
struct op_loops {
    void forward(const float* in, float* out) const { op_forward<Name>(in, out); }
    void backward(const float* in, const float* y, const float* seed, float* gx) const {
        op_backward<Name>(in, y, seed, gx);
    }
};

template <fg::fixed_string Name, class Std>
void register_activation(const Std& reference) {
    verify_or_abort<Name>(reference);
    const std::string base = "activations/" + std::string(Name.view());
    benchmark::RegisterBenchmark((base + "/forward").c_str(), fusegrad_forward<Name>);
    benchmark::RegisterBenchmark((base + "/forward/scalar_std").c_str(),
                                 [reference](benchmark::State& s) { loops<false>(s, reference); });
    benchmark::RegisterBenchmark((base + "/forward/op_loop").c_str(),
                                 [](benchmark::State& s) { loops<false>(s, op_loops<Name>{}); });
    benchmark::RegisterBenchmark((base + "/backward").c_str(), fusegrad_backward<Name>);
    benchmark::RegisterBenchmark((base + "/backward/scalar_std").c_str(),
                                 [reference](benchmark::State& s) { loops<true>(s, reference); });
    benchmark::RegisterBenchmark((base + "/backward/op_loop").c_str(),
                                 [](benchmark::State& s) { loops<true>(s, op_loops<Name>{}); });
}

void register_all() {
    register_activation<"relu">(elementwise([](float v) { return std::max(v, 0.0f); },
                                            [](float v, float) { return v > 0.0f ? 1.0f : 0.0f; }));
    register_activation<"leaky_relu">(elementwise([](float v) { return v > 0.0f ? v : 0.2f * v; },
                                                  [](float v, float) { return v > 0.0f ? 1.0f : 0.2f; }));
    register_activation<"elu">(elementwise([](float v) { return v > 0.0f ? v : std::expm1(v); },
                                           [](float v, float y) { return v > 0.0f ? 1.0f : y + 1.0f; }));
    register_activation<"selu">(
        elementwise([](float v) { return selu_scale * (v > 0.0f ? v : selu_alpha * std::expm1(v)); },
                    [](float v, float y) { return v > 0.0f ? selu_scale : y + selu_scale * selu_alpha; }));
    register_activation<"celu">(elementwise([](float v) { return v > 0.0f ? v : std::expm1(v); },
                                            [](float v, float) { return v > 0.0f ? 1.0f : std::exp(v); }));
    register_activation<"sigmoid">(elementwise([](float v) { return sigmoid_std(v); },
                                               [](float, float y) { return y * (1.0f - y); }));
    register_activation<"hard_sigmoid">(
        elementwise([](float v) { return hard_sigmoid_std(v); },
                    [](float v, float) { return v > -3.0f && v < 3.0f ? 1.0f / 6.0f : 0.0f; }));
    register_activation<"log_sigmoid">(elementwise([](float v) { return -softplus_std(-v); },
                                                   [](float v, float) { return sigmoid_std(-v); }));
    register_activation<"tanh">(elementwise([](float v) { return std::tanh(v); },
                                            [](float, float y) { return 1.0f - y * y; }));
    register_activation<"tanh_shrink">(elementwise([](float v) { return v - std::tanh(v); }, [](float v, float) {
        const float t = std::tanh(v);
        return t * t;
    }));
    register_activation<"softplus">(elementwise([](float v) { return softplus_std(v); },
                                                [](float v, float) { return sigmoid_std(v); }));
    register_activation<"softsign">(elementwise([](float v) { return v / (1.0f + std::abs(v)); }, [](float v, float) {
        const float d = 1.0f + std::abs(v);
        return 1.0f / (d * d);
    }));
    register_activation<"silu">(elementwise([](float v) { return v * sigmoid_std(v); }, [](float v, float) {
        const float s = sigmoid_std(v);
        return s * (1.0f + v * (1.0f - s));
    }));
    register_activation<"hard_silu">(elementwise([](float v) { return v * hard_sigmoid_std(v); }, [](float v, float) {
        return v <= -3.0f ? 0.0f : (v >= 3.0f ? 1.0f : (2.0f * v + 3.0f) / 6.0f);
    }));
    register_activation<"gelu">(elementwise([](float v) { return 0.5f * v * (1.0f + std::erf(v * inv_sqrt2)); },
                                            [](float v, float) {
                                                return 0.5f * (1.0f + std::erf(v * inv_sqrt2)) +
                                                       v * std::exp(-0.5f * v * v) * inv_sqrt2pi;
                                            }));
    register_activation<"mish">(elementwise([](float v) { return v * std::tanh(softplus_std(v)); }, [](float v, float) {
        const float t = std::tanh(softplus_std(v));
        return t + v * (1.0f - t * t) * sigmoid_std(v);
    }));
    register_activation<"exponential">(elementwise([](float v) { return std::exp(v); },
                                                   [](float, float y) { return y; }));
    register_activation<"softmax">(std_softmax{});
    register_activation<"log_softmax">(std_log_softmax{});
}

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    register_all();
    std::printf("activations_bench: fusegrad, its ops and the std:: loops agree on every activation\n");
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}

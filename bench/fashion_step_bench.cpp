// One full training step of the Fashion-MNIST model, 784-128(relu)-10 with sparse categorical cross-entropy
// from logits and Adam(1e-3), in float, at batch 32 and 256 (and 256 split over two threads): fusegrad
// (compiled_model::train_step: the gradient, then optimizer_state<adam>'s step) against the same step written by hand with loops over std::vector<float>
// (forward, stable log-softmax cross-entropy, backward without the input gradient, Keras's Adam in one pass
// over all parameters). Both sides start from the same parameters on the same fixed random batch; before
// anything is timed, three steps of each are compared (loss and every parameter) and the program aborts if
// they disagree. The counter FLOPS is B·(2·784·128 + 3·128·10)·2 per step, as a rate of wall-clock time.
// `peak_fma` measures the machine's multiply-add peak in the same binary, so FLOPS / peak is one run's ratio.
//
// What is timed is steps 1 to 200 of training from fixed parameters, over and over: every 200 steps both
// sides go back to the start (parameters and optimizer state, outside the timed region). Without that, the
// time per step depends on how long the benchmark runs: on a fixed batch of non-negative pixels some relu
// units are dead for the whole batch, their weights' gradients are exactly 0, Adam's first moment of those
// weights decays by β1 = 0.9 per step and becomes subnormal after about 700 steps, and from then on the
// step costs 2-5 times as much on both sides (subnormal arithmetic). 200 steps stay well clear of that.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <type_traits>
#include <vector>

#include <benchmark/benchmark.h>

#include <fusegrad/fusegrad.hpp>

namespace fg = fusegrad;

namespace {

constexpr std::size_t in = 784, hidden = 128, classes = 10;

// ----- the fusegrad side -----
constexpr auto model = fg::sequential(fg::input<784>, fg::dense<128>(fg::activation<"relu">), fg::dense<10>());
using Model = std::remove_cvref_t<decltype(model)>;
using Loss = fg::sparse_categorical_crossentropy;
using Params = fg::parameters<float, Model>;
constexpr Loss loss{.from_logits = true};
constexpr fg::adam adam{.learning_rate = 1e-3};
constexpr std::uint64_t init_seed = 20240601, data_seed = 7;
constexpr std::int64_t steps_per_restart = 200;  // see the header comment

// The flat layout both sides share: W1 (in × hidden, row-major), b1, W2 (hidden × classes), b2.
constexpr std::size_t w1_at = 0, b1_at = w1_at + in * hidden, w2_at = b1_at + hidden, b2_at = w2_at + hidden * classes,
                      parameter_count = b2_at + classes;
static_assert(Model::parameter_count == parameter_count);
static_assert(Model::parameter_offsets == std::array<std::size_t, 5>{w1_at, b1_at, w2_at, b2_at, parameter_count});

/// FLOPs per step as the issue counts them: B·(2·784·128 + 3·128·10)·2.
constexpr double flops_per_step(std::size_t batch) {
    return static_cast<double>(batch) * (2.0 * in * hidden + 3.0 * hidden * classes) * 2.0;
}

/// A fixed batch: pixels uniform in [0, 1), labels uniform in 0..9 stored as float (sparse targets).
struct batch_data {
    std::vector<float> x, y;
};

batch_data make_batch(std::size_t rows) {
    fg::random_engine engine(data_seed);
    batch_data b{std::vector<float>(rows * in), std::vector<float>(rows)};
    for (float& v : b.x) v = static_cast<float>(engine.uniform());
    for (float& v : b.y) v = static_cast<float>(engine.below(classes));
    return b;
}

/// fusegrad's step: the gradient of the batch's loss into `grads`, then Adam on the flat parameters (on two
/// threads, the gradient's reduction and Adam are one pass shared by parameter).
struct fusegrad_trainer {
    const Params start = model.init<float>(init_seed);
    Params params = start;
    Params grads;
    fg::compiled_model<Model, Loss, float> graphs;
    fg::optimizer_state<fg::adam, float> state{adam, Params::size()};
    fg::random_engine dropout{1};  // the model has no dropout; gradient() still takes an engine
    std::size_t correct = 0;

    explicit fusegrad_trainer(std::size_t threads = 1) : graphs(model, loss, fg::parallelism{threads}) {}

    float step(const batch_data& b) {
        return graphs.train_step(params, grads, state, b.x, b.y, dropout, correct);
    }

    /// Back to the starting parameters and a fresh optimizer state (which allocates: not to be timed).
    void restart() {
        params = start;
        state = fg::optimizer_state<fg::adam, float>(adam, Params::size());
    }
};

// ----- the hand-written side: compile-time sizes, contiguous index innermost, no intrinsics -----
template <std::size_t B>
struct handwritten_trainer {
    std::vector<float> start;       // the starting parameters
    std::vector<float> w, g, m, v;  // parameters, gradients, Adam's moments: the shared flat layout
    std::uint64_t t = 0;            // Adam's iteration count
    std::vector<float> h = std::vector<float>(B * hidden);    // relu(x·W1 + b1)
    std::vector<float> dz = std::vector<float>(B * classes);  // d loss / d logits
    std::vector<float> dh = std::vector<float>(B * hidden);   // d loss / d (x·W1 + b1)

    explicit handwritten_trainer(std::span<const float> initial)
        : start(initial.begin(), initial.end()), w(start), g(parameter_count), m(parameter_count), v(parameter_count) {}

    /// Back to the starting parameters, zero moments and iteration count.
    void restart() {
        std::copy(start.begin(), start.end(), w.begin());
        std::fill(m.begin(), m.end(), 0.0f);
        std::fill(v.begin(), v.end(), 0.0f);
        t = 0;
    }

    float step(const batch_data& data) {
        const float* x = data.x.data();
        const float* labels = data.y.data();
        const float* W1 = w.data() + w1_at;
        const float* b1 = w.data() + b1_at;
        const float* W2 = w.data() + w2_at;
        const float* b2 = w.data() + b2_at;

        // Hidden layer, four rows at a time so that each row of W1 is loaded once per four samples.
        static_assert(B % 4 == 0);
        for (std::size_t r = 0; r < B; r += 4) {
            std::array<std::array<float, hidden>, 4> acc;
            for (auto& row : acc) std::copy_n(b1, hidden, row.begin());
            for (std::size_t i = 0; i < in; ++i) {
                const float* wi = W1 + i * hidden;
                const float x0 = x[(r + 0) * in + i], x1 = x[(r + 1) * in + i], x2 = x[(r + 2) * in + i],
                            x3 = x[(r + 3) * in + i];
                for (std::size_t j = 0; j < hidden; ++j) {
                    acc[0][j] += x0 * wi[j];
                    acc[1][j] += x1 * wi[j];
                    acc[2][j] += x2 * wi[j];
                    acc[3][j] += x3 * wi[j];
                }
            }
            for (std::size_t q = 0; q < 4; ++q)
                for (std::size_t j = 0; j < hidden; ++j) h[(r + q) * hidden + j] = std::max(acc[q][j], 0.0f);
        }

        // Logits, log-softmax cross-entropy (row maximum subtracted) and its gradient (p − onehot)/B.
        float loss_sum = 0.0f;
        constexpr float inv_b = 1.0f / static_cast<float>(B);
        for (std::size_t r = 0; r < B; ++r) {
            std::array<float, classes> z;
            std::copy_n(b2, classes, z.begin());
            for (std::size_t j = 0; j < hidden; ++j) {
                const float hj = h[r * hidden + j];
                for (std::size_t k = 0; k < classes; ++k) z[k] += hj * W2[j * classes + k];
            }
            const std::size_t label = static_cast<std::size_t>(labels[r]);
            const float zmax = *std::max_element(z.begin(), z.end());
            const float z_label = z[label] - zmax;
            float sum = 0.0f;
            for (std::size_t k = 0; k < classes; ++k) {
                z[k] = std::exp(z[k] - zmax);  // z now holds exp(z − max)
                sum += z[k];
            }
            loss_sum += std::log(sum) - z_label;  // −log p[label] = log Σ exp(z − max) − (z[label] − max)
            const float inv_sum = 1.0f / sum;
            for (std::size_t k = 0; k < classes; ++k)
                dz[r * classes + k] = (z[k] * inv_sum - (k == label ? 1.0f : 0.0f)) * inv_b;
        }

        // Output layer's gradients and dH through the relu mask, in one pass over (row, hidden unit).
        float* dW1 = g.data() + w1_at;
        float* db1 = g.data() + b1_at;
        float* dW2 = g.data() + w2_at;
        float* db2 = g.data() + b2_at;
        std::array<float, hidden * classes> dw2{};
        std::array<float, classes> db2_acc{};
        for (std::size_t r = 0; r < B; ++r) {
            const float* dzr = dz.data() + r * classes;
            for (std::size_t k = 0; k < classes; ++k) db2_acc[k] += dzr[k];
            for (std::size_t j = 0; j < hidden; ++j) {
                const float hj = h[r * hidden + j];
                float dhj = 0.0f;
                for (std::size_t k = 0; k < classes; ++k) {
                    dw2[j * classes + k] += hj * dzr[k];
                    dhj += dzr[k] * W2[j * classes + k];
                }
                dh[r * hidden + j] = hj > 0.0f ? dhj : 0.0f;
            }
        }
        std::copy(dw2.begin(), dw2.end(), dW2);
        std::copy(db2_acc.begin(), db2_acc.end(), db2);

        // dW1 = xᵀ·dH, four input features at a time so that each row of dH is loaded once per four; db1.
        static_assert(in % 4 == 0);
        for (std::size_t i = 0; i < in; i += 4) {
            std::array<std::array<float, hidden>, 4> acc{};
            for (std::size_t r = 0; r < B; ++r) {
                const float* dhr = dh.data() + r * hidden;
                const float x0 = x[r * in + i], x1 = x[r * in + i + 1], x2 = x[r * in + i + 2], x3 = x[r * in + i + 3];
                for (std::size_t j = 0; j < hidden; ++j) {
                    acc[0][j] += x0 * dhr[j];
                    acc[1][j] += x1 * dhr[j];
                    acc[2][j] += x2 * dhr[j];
                    acc[3][j] += x3 * dhr[j];
                }
            }
            for (std::size_t q = 0; q < 4; ++q) std::copy(acc[q].begin(), acc[q].end(), dW1 + (i + q) * hidden);
        }
        std::array<float, hidden> db1_acc{};
        for (std::size_t r = 0; r < B; ++r)
            for (std::size_t j = 0; j < hidden; ++j) db1_acc[j] += dh[r * hidden + j];
        std::copy(db1_acc.begin(), db1_acc.end(), db1);

        // Keras's Adam, one pass over every parameter.
        ++t;
        const double td = static_cast<double>(t);
        const float alpha = static_cast<float>(adam.learning_rate * std::sqrt(1.0 - std::pow(adam.beta_2, td)) /
                                               (1.0 - std::pow(adam.beta_1, td)));
        const float c1 = static_cast<float>(1.0 - adam.beta_1), c2 = static_cast<float>(1.0 - adam.beta_2);
        const float eps = static_cast<float>(adam.epsilon);
        float* wp = w.data();
        float* mp = m.data();
        float* vp = v.data();
        const float* gp = g.data();
        for (std::size_t p = 0; p < parameter_count; ++p) {
            const float gi = gp[p];
            mp[p] += (gi - mp[p]) * c1;
            vp[p] += (gi * gi - vp[p]) * c2;
            wp[p] -= alpha * mp[p] / (std::sqrt(vp[p]) + eps);
        }
        return loss_sum * inv_b;
    }
};

// ----- the check that makes the comparison honest -----
bool close(float a, float b) { return std::fabs(a - b) <= 1e-6f + 1e-4f * std::fabs(b); }

template <std::size_t B, std::size_t threads = 1>
void verify_or_abort() {
    const batch_data data = make_batch(B);
    fusegrad_trainer f(threads);
    // The layout the hand-written side assumes, checked through fusegrad's named views.
    const auto dense = f.params.layer<0>();
    const auto logits = f.params.layer<1>();
    if (&dense.kernel(3, 5) != f.params.data() + w1_at + 3 * hidden + 5 || &dense.bias[7] != f.params.data() + b1_at + 7 ||
        &logits.kernel(5, 3) != f.params.data() + w2_at + 5 * classes + 3 || &logits.bias[2] != f.params.data() + b2_at + 2) {
        std::fprintf(stderr, "fashion_step_bench: fusegrad's parameter layout is not W1, b1, W2, b2 row-major\n");
        std::abort();
    }
    handwritten_trainer<B> h(f.params.flat());
    for (int step = 1; step <= 3; ++step) {
        const float lf = f.step(data);
        const float lh = h.step(data);
        if (!close(lf, lh) || !std::isfinite(lh)) {
            std::fprintf(stderr, "fashion_step_bench: batch %zu, step %d: loss: fusegrad %.9g, hand-written %.9g\n", B,
                         step, static_cast<double>(lf), static_cast<double>(lh));
            std::abort();
        }
        std::size_t worst = 0;
        float worst_err = 0.0f;
        for (std::size_t i = 0; i < parameter_count; ++i) {
            const float err = std::fabs(f.params.data()[i] - h.w[i]) / (1e-6f + 1e-4f * std::fabs(h.w[i]));
            if (!(err <= worst_err)) worst = i, worst_err = err;
        }
        if (!(worst_err <= 1.0f)) {
            std::fprintf(stderr, "fashion_step_bench: batch %zu, step %d: parameter %zu: fusegrad %.9g, hand-written %.9g\n",
                         B, step, worst, static_cast<double>(f.params.data()[worst]), static_cast<double>(h.w[worst]));
            std::fprintf(stderr, "fashion_step_bench: fusegrad and the hand-written step disagree; not benchmarking\n");
            std::abort();
        }
        if (step == 3)
            std::printf("fashion_step_bench: batch %zu, %zu thread(s): fusegrad and hand-written agree after 3 steps "
                        "(loss %.7g, %zu parameters within 1e-4 relative)\n",
                        B, threads, static_cast<double>(lh), parameter_count);
    }
}

// ----- the benchmarks -----
/// Runs `trainer.step` once per iteration, restarting the trainer every steps_per_restart steps outside the
/// timed region. One untimed step first, so that first-use allocations (fusegrad's workspace) are not timed.
template <class Trainer>
void run_steps(benchmark::State& state, Trainer& trainer, const batch_data& data, const float* parameters) {
    trainer.step(data);
    trainer.restart();
    std::int64_t steps = 0;
    double wall = 0;  // seconds of the timed steps, by the wall clock (see below)
    for (auto _ : state) {
        if (steps == steps_per_restart) {
            state.PauseTiming();
            trainer.restart();
            steps = 0;
            state.ResumeTiming();
        }
        ++steps;
        const auto start = std::chrono::steady_clock::now();
        benchmark::DoNotOptimize(data.x.data());
        float value = trainer.step(data);
        benchmark::DoNotOptimize(value);
        benchmark::DoNotOptimize(parameters);
        benchmark::ClobberMemory();
        wall += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    // A rate of wall-clock time, not of this thread's CPU time (Google Benchmark's rate counters): a step on
    // two threads spends part of its time waiting for the other thread, which CPU time would not count.
    // (UseRealTime would do the same but rename the benchmarks ".../real_time".)
    state.counters["FLOPS"] = flops_per_step(data.y.size()) * static_cast<double>(state.iterations()) / wall;
}

template <std::size_t B, std::size_t threads = 1>
void fusegrad_step(benchmark::State& state) {
    const batch_data data = make_batch(B);
    fusegrad_trainer f(threads);
    run_steps(state, f, data, f.params.data());
}

template <std::size_t B>
void handwritten_step(benchmark::State& state) {
    const batch_data data = make_batch(B);
    handwritten_trainer<B> h(model.init<float>(init_seed).flat());
    run_steps(state, h, data, h.w.data());
}

/// The machine's single-core multiply-add throughput in the vectors fusegrad's kernels use (the widest the
/// build targets): 12 independent chains acc = acc·m + a, enough to cover the FMA latency on two ports.
void peak_fma(benchmark::State& state) {
    using simd = fg::kernels::simd<float>;
    constexpr std::size_t chains = 12, rounds = 1000;
    float m = 0.999f, a = 0.001f;
    benchmark::DoNotOptimize(m);
    benchmark::DoNotOptimize(a);
    const simd::vector mv = simd::broadcast(m), av = simd::broadcast(a);
    simd::vector acc[chains];
    for (std::size_t c = 0; c < chains; ++c) acc[c] = simd::broadcast(static_cast<float>(c));
    for (auto _ : state) {
        for (std::size_t r = 0; r < rounds; ++r)
#pragma GCC unroll 12
            for (std::size_t c = 0; c < chains; ++c) acc[c] = acc[c] * mv + av;
        benchmark::DoNotOptimize(acc);
    }
    state.counters["FLOPS"] = benchmark::Counter(2.0 * chains * rounds * simd::width, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["lanes"] = static_cast<double>(simd::width);
}

}  // namespace

int main(int argc, char** argv) {
    verify_or_abort<32>();
    verify_or_abort<256>();
    verify_or_abort<256, 2>();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RegisterBenchmark("peak_fma", peak_fma);
    benchmark::RegisterBenchmark("fashion_step/fusegrad/batch:32", fusegrad_step<32>);
    benchmark::RegisterBenchmark("fashion_step/handwritten/batch:32", handwritten_step<32>);
    benchmark::RegisterBenchmark("fashion_step/fusegrad/batch:256", fusegrad_step<256>);
    benchmark::RegisterBenchmark("fashion_step/handwritten/batch:256", handwritten_step<256>);
    benchmark::RegisterBenchmark("fashion_step/fusegrad/batch:256/threads:2", fusegrad_step<256, 2>);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}

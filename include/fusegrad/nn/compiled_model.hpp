#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/mp11/algorithm.hpp>

#include "../eval/compiled.hpp"
#include "../eval/wrt.hpp"
#include "../expr/var.hpp"
#include "../parallel/thread_team.hpp"
#include "losses.hpp"
#include "metrics.hpp"
#include "optimizers/optimizer_state.hpp"
#include "parameters.hpp"
#include "random.hpp"

namespace fusegrad {

/// How a compiled model computes a training gradient: on `threads` threads, each taking a contiguous share
/// of the batch's rows. The batch's loss and gradient are the shares' combined in member order, so results
/// are deterministic for a given thread count (and differ from one thread's in the last bits only).
struct parallelism {
    /// 0 is every core the system reports (std::thread::hardware_concurrency()).
    std::size_t threads = 1;
};

namespace detail {
/// The cores the system reports, at least 1.
inline std::size_t available_cores() { return std::max<std::size_t>(std::thread::hardware_concurrency(), 1); }

/// More threads than this many per core only wait for each other (and tens of thousands of them can take the
/// machine down); a few per core stay allowed, so that determinism across counts can be tested on a small machine.
inline constexpr std::size_t max_threads_per_core = 4;

/// parallelism::threads as a count: 0 is every core; more than max_threads_per_core per core is refused.
inline std::size_t thread_count(parallelism parallel) {
    const std::size_t cores = available_cores();
    if (parallel.threads == 0) return cores;
    if (parallel.threads > max_threads_per_core * cores)
        throw std::invalid_argument("fusegrad: parallelism: threads is " + std::to_string(parallel.threads) +
                                    ", more than " + std::to_string(max_threads_per_core) + " per core on the " +
                                    std::to_string(cores) + (cores == 1 ? " core" : " cores") +
                                    " this system reports (0 takes every core)");
    return parallel.threads;
}
}  // namespace detail

/// A model and a loss compiled for T: the training graph (loss, dropout on, gradients for every parameter),
/// the evaluation graph (loss, dropout off) and the inference graph (outputs). Workspaces are sized for the
/// largest batch seen, then reused: a step allocates nothing. What fit, evaluate and predict run on, and
/// what a hand-written training loop uses directly.
template <class Model, loss_function Loss, class T>
class compiled_model {
public:
    using input_variable = typename Model::input_variable;
    static constexpr std::size_t output_cols = Model::output_features.size();
    static constexpr std::size_t target_cols = Loss::target_cols(output_cols);
    static constexpr std::size_t input_cols = Model::input_features.size();
    using target_variable = var<"target", batch, target_cols>;

    /// Compiles the three graphs; with `parallel.threads` > 1 also starts the threads that share training
    /// batches, each with its own copy of the training graph's workspace and a gradient buffer.
    compiled_model(const Model& model, const Loss& loss, parallelism parallel = {})
        : model_(model),
          loss_(loss),
          training_(compile<T>(training_expression(model, loss))),
          evaluation_(compile<T>(evaluation_expression(model, loss))),
          inference_(compile<T>(model.output())) {
        if (const std::size_t threads = detail::thread_count(parallel); threads > 1) {
            team_ = std::make_unique<thread_team>(threads);
            helpers_.assign(threads - 1, helper{training_, {}});
            results_.resize(threads);
        }
    }

    /// The number of threads a training gradient runs on.
    std::size_t threads() const noexcept { return helpers_.size() + 1; }

    /// The loss of a batch in training mode and its gradient with respect to every parameter, written into
    /// `gradients`. Dropout masks are drawn from `engine`. Adds the batch's correct predictions to `correct`.
    /// The losses are means over the batch, so the batch's loss and gradient are the row shares' weighted
    /// by their sizes: on several threads each thread computes one share (see fg::parallelism).
    T gradient(const parameters<T, Model>& p, parameters<T, Model>& gradients, std::span<const T> x,
               std::span<const T> y, random_engine& engine, std::size_t& correct) {
        const T value = shares(p, gradients, x, y, engine, correct);
        if (split(x)) team_->run([&](std::size_t t) { combine(gradients, x, t); });
        return value;
    }

    /// One training step: the batch's loss and gradient as gradient() computes them, then `optimizer`'s step
    /// on `p`, unless the loss is not finite, when `p` and the optimizer are left as they were (fit stops
    /// there). On several threads the sum of the threads' gradients and the optimizer's update are one pass,
    /// shared between the threads by parameter, so the update runs in parallel too and each gradient element
    /// is read once. `gradients` receives the batch's gradient. Returns the loss.
    template <class Config>
    T train_step(parameters<T, Model>& p, parameters<T, Model>& gradients, optimizer_state<Config, T>& optimizer,
                 std::span<const T> x, std::span<const T> y, random_engine& engine, std::size_t& correct) {
        const T value = shares(p, gradients, x, y, engine, correct);
        const bool finite = std::isfinite(value);
        if (!split(x)) {
            if (finite) optimizer.step(p.flat(), gradients.flat());
            return value;
        }
        team_->run([&](std::size_t t) {
            const auto [i0, i1] = combine(gradients, x, t);
            if (finite) optimizer.step_part(p.flat(), gradients.flat(), i0, i1);
        });
        if (finite) optimizer.finish_step();
        return value;
    }

    /// The loss of a batch with dropout off (Keras's evaluate); adds its correct predictions to `correct`.
    T loss(const parameters<T, Model>& p, std::span<const T> x, std::span<const T> y, std::size_t& correct) {
        const std::size_t rows = x.size() / input_cols;
        // A gradient call for no variable keeps every node's value, so the outputs are read, not recomputed.
        const T value = p.with_bindings([&](const auto&... params) {
            return evaluation_.value_and_grad_into(wrt_t<>{}, {}, params..., input_variable{} = x, target_variable{} = y);
        });
        correct += count(evaluation_.last_value(model_.output()), y, rows);
        return value;
    }

    /// The model's outputs for a batch: a view valid until the next call.
    tensor_view<T> predict(const parameters<T, Model>& p, std::span<const T> x) {
        return p.with_bindings([&](const auto&... params) { return inference_.value(params..., input_variable{} = x); });
    }

    /// How many predictions a batch of `rows` makes, for the accuracy's denominator.
    static std::size_t predictions_in(std::size_t rows) { return prediction_count(Loss::accuracy, rows, output_cols); }

    const Model& model() const { return model_; }
    const Loss& loss_function() const { return loss_; }

    static constexpr auto training_expression(const Model& m, const Loss& l) {
        return l(m.training(input_variable{}), target_variable{});
    }
    static constexpr auto evaluation_expression(const Model& m, const Loss& l) {
        return l(m.output(), target_variable{});
    }

private:
    using training_graph = compiled_function<decltype(training_expression(std::declval<Model>(), std::declval<Loss>())), T>;

    /// Whether a batch of `x` is split between threads (it has at least two rows per thread).
    bool split(std::span<const T> x) const { return team_ && x.size() / input_cols >= 2 * threads(); }
    std::size_t first_row(std::size_t rows, std::size_t t) const { return rows * t / threads(); }
    /// Thread t's share of the batch's rows, the weight of its loss and gradient.
    T weight(std::size_t rows, std::size_t t) const { return T(first_row(rows, t + 1) - first_row(rows, t)) / T(rows); }
    parameters<T, Model>& gradient_of(parameters<T, Model>& gradients, std::size_t t) {
        return t == 0 ? gradients : helpers_[t - 1].gradients;
    }

    /// The loss of the batch; its gradient into `gradients` on one thread, else each thread's share of it into
    /// its own buffer (thread 0's is `gradients`), to be combined.
    T shares(const parameters<T, Model>& p, parameters<T, Model>& gradients, std::span<const T> x,
             std::span<const T> y, random_engine& engine, std::size_t& correct) {
        const std::size_t rows = x.size() / input_cols;
        fill_masks(rows, engine);
        if (!split(x)) {
            const T value = share_gradient(training_, p, gradients, x, y, 0, rows);
            correct += count(training_.last_value(training_outputs()), y, rows);
            return value;
        }
        team_->run([&](std::size_t t) {
            const std::size_t r0 = first_row(rows, t), r1 = first_row(rows, t + 1);
            auto& graph = t == 0 ? training_ : helpers_[t - 1].graph;
            results_[t].value = share_gradient(graph, p, gradient_of(gradients, t), x, y, r0, r1);
            results_[t].correct =
                count(graph.last_value(training_outputs()), y.subspan(r0 * target_cols, (r1 - r0) * target_cols), r1 - r0);
        });
        T value = 0;
        for (std::size_t t = 0; t < threads(); ++t) {
            value += weight(rows, t) * results_[t].value;
            correct += results_[t].correct;
        }
        return value;
    }

    /// On thread t: gradient = Σ_h weight(h)·gradient_h for t's range of elements, summed in member order.
    /// Returns the range.
    std::pair<std::size_t, std::size_t> combine(parameters<T, Model>& gradients, std::span<const T> x, std::size_t t) {
        constexpr std::size_t size = parameters<T, Model>::size();
        const std::size_t rows = x.size() / input_cols, n = threads();
        const std::size_t i0 = size * t / n, i1 = size * (t + 1) / n;
        T* out = gradients.data();
        const T w0 = weight(rows, 0);
        for (std::size_t i = i0; i < i1; ++i) out[i] *= w0;
        for (std::size_t h = 1; h < n; ++h) {
            const T* in = gradient_of(gradients, h).data();
            const T w = weight(rows, h);
            for (std::size_t i = i0; i < i1; ++i) out[i] += w * in[i];
        }
        return {i0, i1};
    }

    /// The loss of rows r0..r1 of the batch and its gradient into `out`, on `graph`.
    T share_gradient(training_graph& graph, const parameters<T, Model>& p, parameters<T, Model>& out,
                     std::span<const T> x, std::span<const T> y, std::size_t r0, std::size_t r1) {
        const auto spans = out.per_variable();
        return p.with_bindings([&](const auto&... params) {
            return bind_masks(r0, r1, [&](const auto&... masks) {
                return graph.value_and_grad_into(all_parameters{}, spans, params..., masks...,
                                                 input_variable{} = x.subspan(r0 * input_cols, (r1 - r0) * input_cols),
                                                 target_variable{} = y.subspan(r0 * target_cols, (r1 - r0) * target_cols));
            });
        });
    }

    using all_parameters = boost::mp11::mp_rename<typename Model::parameter_variables, wrt_t>;
    using masks = typename Model::mask_variables;
    static constexpr std::size_t mask_count = boost::mp11::mp_size<masks>::value;

    auto training_outputs() const { return model_.training(input_variable{}); }

    std::size_t count(tensor_view<T> outputs, std::span<const T> y, std::size_t rows) const {
        const T threshold = loss_is_from_logits() ? T(0) : T(0.5);
        return count_correct(Loss::accuracy, outputs.data(), y.data(), rows, output_cols, target_cols, threshold);
    }
    bool loss_is_from_logits() const {
        if constexpr (requires { loss_.from_logits; }) return loss_.from_logits;
        else return false;
    }

    void fill_masks(std::size_t rows, random_engine& engine) {
        if constexpr (mask_count > 0) {
            std::size_t k = 0;
            boost::mp11::mp_for_each<masks>([&](auto v) {
                mask_buffers_[k].resize(rows * decltype(v)::shape.cols);  // grows once, then reuses
                ++k;
            });
            model_.fill_masks(std::span<std::vector<T>>(mask_buffers_), engine);
        }
    }
    /// Calls f with the dropout masks of rows r0..r1 bound.
    template <class F>
    decltype(auto) bind_masks(std::size_t r0, std::size_t r1, F&& f) {
        return [&]<std::size_t... I>(std::index_sequence<I...>) -> decltype(auto) {
            return f((boost::mp11::mp_at_c<masks, I>{} =
                          std::span<const T>(mask_buffers_[I]).subspan(r0 * boost::mp11::mp_at_c<masks, I>::shape.cols,
                                                                       (r1 - r0) * boost::mp11::mp_at_c<masks, I>::shape.cols))...);
        }(std::make_index_sequence<mask_count>{});
    }

    /// A thread's own training graph (workspace) and gradient, for members 1.. of the team.
    struct helper {
        training_graph graph;
        parameters<T, Model> gradients;
    };
    /// What each member's share of a batch gave.
    struct share_result {
        T value{};
        std::size_t correct = 0;
    };

    Model model_;
    Loss loss_;
    training_graph training_;
    compiled_function<decltype(evaluation_expression(std::declval<Model>(), std::declval<Loss>())), T> evaluation_;
    compiled_function<decltype(std::declval<Model>().output()), T> inference_;
    std::array<std::vector<T>, mask_count> mask_buffers_;
    std::unique_ptr<thread_team> team_;  // null on one thread
    std::vector<helper> helpers_;
    std::vector<share_result> results_;
};

/// A model and a loss compiled for T (float by default): `auto step = fg::compile<float>(model, loss);`. The
/// model's const-ness (a constexpr model is const) does not enter the type.
template <class T = float, class Model, loss_function Loss>
    requires(!expression<Model>)
compiled_model<std::remove_cvref_t<Model>, Loss, T> compile(const Model& model, const Loss& loss, parallelism parallel = {}) {
    return {model, loss, parallel};
}

}  // namespace fusegrad

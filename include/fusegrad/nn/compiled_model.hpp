#pragma once
#include <array>
#include <cstddef>
#include <span>
#include <type_traits>
#include <vector>

#include <boost/mp11/algorithm.hpp>

#include "../eval/compiled.hpp"
#include "../eval/wrt.hpp"
#include "../expr/var.hpp"
#include "losses.hpp"
#include "metrics.hpp"
#include "parameters.hpp"
#include "random.hpp"

namespace fusegrad {

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

    compiled_model(const Model& model, const Loss& loss)
        : model_(model),
          loss_(loss),
          training_(compile<T>(training_expression(model, loss))),
          evaluation_(compile<T>(evaluation_expression(model, loss))),
          inference_(compile<T>(model.output())) {}

    /// The loss of a batch in training mode and its gradient with respect to every parameter, written into
    /// `gradients`. Dropout masks are drawn from `engine`. Adds the batch's correct predictions to `correct`.
    T gradient(const parameters<T, Model>& p, parameters<T, Model>& gradients, std::span<const T> x,
               std::span<const T> y, random_engine& engine, std::size_t& correct) {
        const std::size_t rows = x.size() / input_cols;
        fill_masks(rows, engine);
        const auto out = gradients.per_variable();
        const T value = p.with_bindings([&](const auto&... params) {
            return bind_masks([&](const auto&... masks) {
                return training_.value_and_grad_into(all_parameters{}, out, params..., masks...,
                                                     input_variable{} = x, target_variable{} = y);
            });
        });
        correct += count(training_.last_value(training_outputs()), y, rows);
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
    template <class F>
    decltype(auto) bind_masks(F&& f) {
        return [&]<std::size_t... I>(std::index_sequence<I...>) -> decltype(auto) {
            return f((boost::mp11::mp_at_c<masks, I>{} = mask_buffers_[I])...);
        }(std::make_index_sequence<mask_count>{});
    }

    Model model_;
    Loss loss_;
    compiled_function<decltype(training_expression(std::declval<Model>(), std::declval<Loss>())), T> training_;
    compiled_function<decltype(evaluation_expression(std::declval<Model>(), std::declval<Loss>())), T> evaluation_;
    compiled_function<decltype(std::declval<Model>().output()), T> inference_;
    std::array<std::vector<T>, mask_count> mask_buffers_;
};

/// A model and a loss compiled for T (float by default): `auto step = fg::compile<float>(model, loss);`. The
/// model's const-ness (a constexpr model is const) does not enter the type.
template <class T = float, class Model, loss_function Loss>
    requires(!expression<Model>)
compiled_model<std::remove_cvref_t<Model>, Loss, T> compile(const Model& model, const Loss& loss) {
    return {model, loss};
}

}  // namespace fusegrad

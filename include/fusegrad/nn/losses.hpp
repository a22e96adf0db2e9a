#pragma once
#include <cstddef>
#include <string_view>

#include "../expr/binary.hpp"
#include "../expr/math.hpp"
#include "../expr/node.hpp"
#include "../expr/operators.hpp"
#include "../expr/reductions.hpp"
#include "../expr/rowwise_pair.hpp"
#include "../ops/cross_entropy.hpp"
#include "../shape/errors.hpp"
#include "metrics.hpp"

/// Keras losses as objects that build the loss expression from predictions and targets:
/// `fg::sparse_categorical_crossentropy{.from_logits = true}(logits, labels)` is a scalar expression.
/// Reduction as Keras's default: the per-sample loss averaged over the batch. Each loss also names the
/// accuracy Keras's "accuracy" metric resolves to for it, and the columns its targets have.
namespace fusegrad {

namespace errors {
template <class Loss, class Predictions, class Targets>
constexpr bool loss_targets_match_predictions = false;
}  // namespace errors


/// mean((y_pred − y_true)²): Keras `MeanSquaredError`.
struct mean_squared_error {
    static constexpr std::string_view name = "mean_squared_error";
    static constexpr std::size_t target_cols(std::size_t prediction_cols) { return prediction_cols; }
    static constexpr accuracy_kind accuracy = accuracy_kind::by_shape;

    template <expression P, expression Y>
    constexpr auto operator()(const P& predictions, const Y& targets) const {
        static_assert(errors::loss_targets_match_predictions<mean_squared_error, shape_type<P::shape>, shape_type<Y::shape>> ||
                          P::shape == Y::shape,
                      "fusegrad: mean_squared_error: predictions and targets have different shapes");
        return mean(square(predictions - targets));
    }
};

/// Keras `BinaryCrossentropy(from_logits)`: elementwise, averaged over the last axis and the batch.
struct binary_crossentropy {
    bool from_logits = false;

    static constexpr std::string_view name = "binary_crossentropy";
    static constexpr std::size_t target_cols(std::size_t prediction_cols) { return prediction_cols; }
    static constexpr accuracy_kind accuracy = accuracy_kind::binary;

    template <expression P, expression Y>
    constexpr auto operator()(const P& predictions, const Y& targets) const {
        static_assert(errors::loss_targets_match_predictions<binary_crossentropy, shape_type<P::shape>, shape_type<Y::shape>> ||
                          P::shape == Y::shape,
                      "fusegrad: binary_crossentropy: predictions and targets have different shapes");
        using op = ops::binary_crossentropy;
        return mean(binary<op, P, Y>{{predictions, targets}, op{from_logits}});
    }
};

/// Keras `CategoricalCrossentropy(from_logits)`: targets are distributions (one-hot rows).
struct categorical_crossentropy {
    bool from_logits = false;

    static constexpr std::string_view name = "categorical_crossentropy";
    static constexpr std::size_t target_cols(std::size_t prediction_cols) { return prediction_cols; }
    static constexpr accuracy_kind accuracy = accuracy_kind::categorical;

    template <expression P, expression Y>
    constexpr auto operator()(const P& predictions, const Y& targets) const {
        static_assert(errors::loss_targets_match_predictions<categorical_crossentropy, shape_type<P::shape>, shape_type<Y::shape>> ||
                          P::shape == Y::shape,
                      "fusegrad: categorical_crossentropy: predictions and targets have different shapes");
        using op = ops::categorical_crossentropy;
        return mean(rowwise_pair<op, P, Y>{{predictions, targets}, op{from_logits}});
    }
};

/// Keras `SparseCategoricalCrossentropy(from_logits)`: targets are class indices, one column.
struct sparse_categorical_crossentropy {
    bool from_logits = false;

    static constexpr std::string_view name = "sparse_categorical_crossentropy";
    static constexpr std::size_t target_cols(std::size_t) { return 1; }
    static constexpr accuracy_kind accuracy = accuracy_kind::sparse_categorical;

    template <expression P, expression Y>
    constexpr auto operator()(const P& predictions, const Y& labels) const {
        static_assert(errors::loss_targets_match_predictions<sparse_categorical_crossentropy, shape_type<P::shape>, shape_type<Y::shape>> ||
                          (Y::shape.cols == 1 && P::shape.batched == Y::shape.batched && P::shape.rows == Y::shape.rows),
                      "fusegrad: sparse_categorical_crossentropy: the labels must be one column (a class index per "
                      "row of the predictions)");
        using op = ops::sparse_categorical_crossentropy;
        return mean(rowwise_pair<op, P, Y>{{predictions, labels}, op{from_logits}});
    }
};

template <class L>
concept loss_function = requires {
    { L::name } -> std::convertible_to<std::string_view>;
    { L::target_cols(std::size_t{}) } -> std::convertible_to<std::size_t>;
    { L::accuracy } -> std::convertible_to<accuracy_kind>;
};

}  // namespace fusegrad

#pragma once
#include <cmath>
#include <cstddef>

namespace fusegrad {

/// Which accuracy Keras's "accuracy" metric means for a loss: the arg-max against a class index, the arg-max
/// against a one-hot row, a threshold on each output, or (for regression losses) chosen by the output width
/// as Keras does: binary for one column, categorical for more.
enum class accuracy_kind { sparse_categorical, categorical, binary, by_shape };

/// The index of a row's largest entry, the first of ties. NaN never wins (unlike NumPy's argmax, which
/// returns the first NaN): a prediction of NaN scores as whatever class the finite entries favour, 0 if none.
template <class T>
std::size_t argmax(const T* row, std::size_t n) {
    std::size_t best = 0;
    while (best + 1 < n && std::isnan(row[best])) ++best;
    for (std::size_t i = best + 1; i < n; ++i)
        if (row[i] > row[best]) best = i;
    return std::isnan(row[best]) ? 0 : best;
}

/// How many of `rows` predictions are right. `threshold` applies to binary accuracy: 0.5 on probabilities
/// (Keras), 0 on logits (the same decision; Keras would compare logits with 0.5).
template <class T>
std::size_t count_correct(accuracy_kind kind, const T* predictions, const T* targets, std::size_t rows,
                          std::size_t prediction_cols, std::size_t target_cols, T threshold) {
    if (kind == accuracy_kind::by_shape)
        kind = prediction_cols == 1 ? accuracy_kind::binary : accuracy_kind::categorical;
    std::size_t correct = 0;
    for (std::size_t r = 0; r < rows; ++r) {
        const T* p = predictions + r * prediction_cols;
        const T* y = targets + r * target_cols;
        switch (kind) {
            case accuracy_kind::sparse_categorical:
                correct += static_cast<T>(argmax(p, prediction_cols)) == y[0];
                break;
            case accuracy_kind::categorical:
                correct += argmax(p, prediction_cols) == argmax(y, target_cols);
                break;
            default:  // binary: every output of the row counts as one prediction
                for (std::size_t c = 0; c < prediction_cols; ++c) correct += (p[c] > threshold) == (y[c] > T(0.5));
                break;
        }
    }
    return correct;
}

/// How many predictions a batch of `rows` makes (binary accuracy counts every output).
inline std::size_t prediction_count(accuracy_kind kind, std::size_t rows, std::size_t prediction_cols) {
    const bool binary = kind == accuracy_kind::binary || (kind == accuracy_kind::by_shape && prediction_cols == 1);
    return binary ? rows * prediction_cols : rows;
}

}  // namespace fusegrad

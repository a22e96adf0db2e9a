#pragma once
#include <cmath>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>

#include "metrics.hpp"

namespace fusegrad {

/// Samples for fit and evaluate, not copied: `x` holds count × features values (each sample flattened
/// row-major), `y` count × target columns (for sparse losses one column of class indices 0, 1, …).
template <class T>
struct dataset {
    std::span<const T> x;
    std::span<const T> y;
};

namespace detail {
/// The number of samples, after checking that x and y agree and that every value is usable: a NaN or an
/// infinity in the data, or a label that is not a class index, stops training before it starts with the
/// index of the offending sample.
template <class T>
std::size_t checked_sample_count(const dataset<T>& data, std::size_t features, std::size_t target_cols,
                                 accuracy_kind kind, std::size_t classes, const char* caller, const char* which) {
    const std::string where = std::string("fusegrad: ") + caller + ": the " + which + " data";
    if (data.x.size() % features != 0)
        throw std::invalid_argument(where + " has " + std::to_string(data.x.size()) + " input values, not a multiple of " +
                                    std::to_string(features) + " features per sample");
    const std::size_t count = data.x.size() / features;
    // An empty set has no mean loss or accuracy: 0 would pass for a perfect or a useless model.
    if (count == 0 && data.y.empty()) throw std::invalid_argument(where + " is empty");
    if (data.y.size() != count * target_cols)
        throw std::invalid_argument(where + " has " + std::to_string(count) + " samples but " +
                                    std::to_string(data.y.size()) + " target values (expected " +
                                    std::to_string(count * target_cols) + ")");
    for (std::size_t i = 0; i < data.x.size(); ++i)
        if (!std::isfinite(data.x[i]))
            throw std::invalid_argument(where + ": sample " + std::to_string(i / features) + " has a non-finite input (" +
                                        std::to_string(static_cast<double>(data.x[i])) + ")");
    for (std::size_t i = 0; i < data.y.size(); ++i) {
        const T v = data.y[i];
        const bool bad_label = kind == accuracy_kind::sparse_categorical &&
                               !(v >= T(0) && v < T(classes) && v == std::floor(v));
        if (!std::isfinite(v) || bad_label)
            throw std::invalid_argument(where + ": sample " + std::to_string(i / target_cols) + " has target " +
                                        std::to_string(static_cast<double>(v)) +
                                        (bad_label ? ", not a class index in [0, " + std::to_string(classes) + ")" : ""));
    }
    return count;
}
}  // namespace detail

}  // namespace fusegrad

#pragma once
#include <algorithm>
#include <cstddef>
#include <functional>
#include <limits>
#include <string_view>

#include "stable_math.hpp"

namespace fusegrad::ops {

/// Sparsemax (Martins & Astudillo 2016): the Euclidean projection of the row onto the simplex,
/// max(x − τ, 0). Backward on the support S = {y > 0}: g − mean_S(g), and 0 off it.
/// A NaN anywhere makes τ undefined, so the whole row and its gradient are NaN (a NaN would otherwise
/// fall out of the sort's order and leave a finite τ, and y = 0 there).
struct sparsemax {
    static constexpr std::string_view name = "sparsemax";
    static constexpr std::size_t out_cols(std::size_t n) { return n; }

    template <class T> void forward(const T* x, T* y, std::size_t n) const {
        if (std::any_of(x, x + n, [](T v) { return v != v; })) {
            std::fill(y, y + n, std::numeric_limits<T>::quiet_NaN());
            return;
        }
        // On the row shifted by its max (sparsemax does not change under a shift), so that the sums cannot
        // overflow; entries limited by the shift lie far below τ ≥ max − 1. The output row doubles as the
        // sorting scratch, so nothing is allocated.
        const auto shift = detail::row_shift(x, n);
        for (std::size_t i = 0; i < n; ++i) y[i] = shift(x[i]);
        std::sort(y, y + n, std::greater<T>{});
        T cumulative = 0, tau_sum = 0;
        std::size_t support = 0;
        for (std::size_t k = 0; k < n; ++k) {
            cumulative += y[k];
            if (T(1) + T(k + 1) * y[k] > cumulative) {
                support = k + 1;
                tau_sum = cumulative;
            }
        }
        const T tau = (tau_sum - T(1)) / T(support == 0 ? 1 : support);
        for (std::size_t i = 0; i < n; ++i) {
            const T z = shift(x[i]);
            y[i] = z > tau ? z - tau : T(0);
        }
    }
    template <class T> void backward(const T*, const T* y, const T* g, T* gx, std::size_t n) const {
        if (std::any_of(y, y + n, [](T v) { return v != v; })) {
            for (std::size_t i = 0; i < n; ++i) gx[i] += std::numeric_limits<T>::quiet_NaN();
            return;
        }
        T sum = 0;
        std::size_t support = 0;
        for (std::size_t i = 0; i < n; ++i)
            if (y[i] > T(0)) {
                sum += g[i];
                ++support;
            }
        const T mean = support ? sum / T(support) : T(0);
        for (std::size_t i = 0; i < n; ++i)
            if (y[i] > T(0)) gx[i] += g[i] - mean;
    }
};

}  // namespace fusegrad::ops

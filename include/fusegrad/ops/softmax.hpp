#pragma once
#include <cmath>
#include <cstddef>
#include <string_view>

#include "../kernels/row_reductions.hpp"
#include "elementwise_math.hpp"
#include "stable_math.hpp"

namespace fusegrad::ops {

/// e^(x − max)/Σ e^(x − max) over a row. Backward: y ⊙ (g − ⟨y, g⟩), from the stored output. The
/// exponentials are a loop of their own, which vectorises in float; the max, sum and dot product are taken
/// in vector lanes (kernels/row_reductions.hpp).
struct softmax {
    static constexpr std::string_view name = "softmax";
    static constexpr std::size_t out_cols(std::size_t n) { return n; }

    template <class T> void forward(const T* x, T* y, std::size_t n) const {
        const auto shift = detail::row_shift(x, n);
        for (std::size_t i = 0; i < n; ++i) y[i] = detail::math::exp_non_positive(shift(x[i]));
        const T sum = kernels::row_sum(y, n);
        for (std::size_t i = 0; i < n; ++i) y[i] /= sum;
    }
    template <class T> void backward(const T*, const T* y, const T* g, T* gx, std::size_t n) const {
        const T dot = kernels::row_dot(y, g, n);
        for (std::size_t i = 0; i < n; ++i) gx[i] += y[i] * (g[i] - dot);
    }
};

/// (x − max) − log Σ e^(x − max) over a row. Backward: g − softmax·Σg, with softmax = eʸ.
/// The parentheses matter: x − (max + log Σ) rounds the shift to the ulp of max, 1e-3 at 1e4 in float.
struct log_softmax {
    static constexpr std::string_view name = "log_softmax";
    static constexpr std::size_t out_cols(std::size_t n) { return n; }

    template <class T> void forward(const T* x, T* y, std::size_t n) const {
        const auto shift = detail::row_shift(x, n);
        for (std::size_t i = 0; i < n; ++i) y[i] = detail::math::exp_non_positive(shift(x[i]));  // y as scratch
        const T log_sum = detail::math::log(kernels::row_sum(y, n));
        // Not the limited shift: log softmax is x − max − log Σ however negative (−∞ only if it overflows).
        for (std::size_t i = 0; i < n; ++i) y[i] = (x[i] - shift.max) - log_sum;
    }
    template <class T> void backward(const T*, const T* y, const T* g, T* gx, std::size_t n) const {
        const T total = kernels::row_sum(g, n);
        for (std::size_t i = 0; i < n; ++i) gx[i] += g[i] - detail::math::exp(y[i]) * total;
    }
};

}  // namespace fusegrad::ops

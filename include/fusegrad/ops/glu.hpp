#pragma once
#include <cmath>
#include <cstddef>
#include <string_view>

#include "stable_math.hpp"

namespace fusegrad::ops {

/// Gated linear unit: the row splits into halves a, b and y = a·sigmoid(b).
struct glu {
    static constexpr std::string_view name = "glu";
    static constexpr std::size_t out_cols(std::size_t n) { return n / 2; }

    template <class T> void forward(const T* x, T* y, std::size_t n) const {
        const std::size_t h = n / 2;
        for (std::size_t i = 0; i < h; ++i) y[i] = x[i] * detail::stable_sigmoid(x[h + i]);
    }
    template <class T> void backward(const T* x, const T*, const T* g, T* gx, std::size_t n) const {
        const std::size_t h = n / 2;
        for (std::size_t i = 0; i < h; ++i) {
            const T s = detail::stable_sigmoid(x[h + i]);
            gx[i] += g[i] * s;
            gx[h + i] += g[i] * (x[i] * (s * (T(1) - s)));  // a ±max gate input times σ′ = 0 is 0, not ∞·0
        }
    }
};

}  // namespace fusegrad::ops

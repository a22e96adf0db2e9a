#pragma once
#include <cmath>
#include <cstddef>
#include <type_traits>

#include "../kernels/row_reductions.hpp"
#include "../vecmath/sigmoid.hpp"
#include "elementwise_math.hpp"

/// Overflow-free building blocks shared by several ops.
namespace fusegrad::detail {

/// 1/(1 + e^−x) without overflow: e^x/(1 + e^x) for x < 0 (vecmath::sigmoid, branch-free, in float).
template <class T>
[[gnu::always_inline]] inline T stable_sigmoid(T x) {
    if constexpr (std::is_same_v<T, float>) {
        return vecmath::sigmoid(x);
    } else {
        if (x >= T(0)) return T(1) / (T(1) + std::exp(-x));
        const T e = std::exp(x);
        return e / (T(1) + e);
    }
}

/// log(1 + eˣ) = max(x, 0) + log1p(e^−|x|): no overflow for large x, no underflow to 0 for very negative x.
template <class T>
[[gnu::always_inline]] inline T stable_softplus(T x) {
    return (x > T(0) ? x : T(0)) + math::log1p(math::exp(-std::abs(x)));
}

/// The largest entry of a row (NaN entries are skipped here and propagate through the exponentials).
template <class T>
T row_max(const T* x, std::size_t n) {
    return kernels::row_max(x, n);
}

}  // namespace fusegrad::detail

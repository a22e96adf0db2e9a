#pragma once
#include <cmath>
#include <cstddef>
#include <limits>
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

/// x − m for the entries x of a row whose largest entry is m, limited below where e^(x − m) is 0 (exp_lower
/// in float, −1024 in double), and computed without raising overflow: x − m can leave the range only when
/// x < 0 < m, so for m > 0 x is first limited at that floor itself. NaN stays NaN. Softmax, log-sum-exp and
/// sparsemax shift their rows with it; rows of ±max would otherwise overflow in the discarded tail, and
/// its results are in the range of math::exp_non_positive.
template <class T>
struct shift_by_max {
    static constexpr T floor = std::is_same_v<T, float> ? T(vecmath::detail::exp_lower) : T(-1024);
    T max;
    T floor_of_x;  ///< the floor when max > 0, else −∞ (no limit needed)

    explicit shift_by_max(T m) : max(m), floor_of_x(m > T(0) ? floor : -std::numeric_limits<T>::infinity()) {}
    [[gnu::always_inline]] T operator()(T x) const {
        return math::at_least(math::at_least(x, floor_of_x) - max, floor);
    }
};

/// The largest entry of a row (NaN entries are skipped here and propagate through the exponentials).
template <class T>
T row_max(const T* x, std::size_t n) {
    return kernels::row_max(x, n);
}

/// The shift of a row by its largest entry.
template <class T>
shift_by_max<T> row_shift(const T* x, std::size_t n) {
    return shift_by_max<T>(row_max(x, n));
}

}  // namespace fusegrad::detail

#pragma once
#include <cmath>
#include <limits>
#include <string_view>

#include "elementwise_math.hpp"
#include "elementwise_op.hpp"
#include "stable_math.hpp"

namespace fusegrad::ops {


struct sigmoid {
    static constexpr std::string_view name = "sigmoid";
    template <class T> [[gnu::always_inline]] T value(T x) const { return detail::stable_sigmoid(x); }
    template <class T> [[gnu::always_inline]] T derivative(T, T y) const { return y * (T(1) - y); }
};

/// Keras 3: clip(x/6 + 1/2, 0, 1) (Keras 2 and TF.js use 0.2·x + 0.5). Derivative 0 at ±3.
struct hard_sigmoid {
    static constexpr std::string_view name = "hard_sigmoid";
    template <class T> constexpr T value(T x) const {
        const T v = x / T(6) + T(0.5);
        return v < T(0) ? T(0) : (v > T(1) ? T(1) : v);  // NaN fails both comparisons and comes out as NaN
    }
    template <class T> constexpr T derivative(T x, T) const {
        return detail::nan_or(x, x > T(-3) && x < T(3) ? T(1) / T(6) : T(0));
    }
};

/// log(sigmoid(x)) = −softplus(−x) = min(x, 0) − log1p(e^−|x|).
struct log_sigmoid {
    static constexpr std::string_view name = "log_sigmoid";
    template <class T> [[gnu::always_inline]] T value(T x) const {
        return -detail::stable_softplus(-x);
    }
    // 1 − sigmoid(x) = 1 − eʸ, written −expm1(y) to keep precision where y is tiny.
    template <class T> [[gnu::always_inline]] T derivative(T, T y) const { return -detail::math::expm1(y); }
};

/// 0 for x ≤ −1, (x + 1)/2 between, 1 for x ≥ 1; derivative 0 at ±1.
struct sparse_sigmoid {
    static constexpr std::string_view name = "sparse_sigmoid";
    template <class T> constexpr T value(T x) const {
        return x != x ? x : (x <= T(-1) ? T(0) : (x >= T(1) ? T(1) : (x + T(1)) / T(2)));
    }
    template <class T> constexpr T derivative(T x, T) const {
        return detail::nan_or(x, x > T(-1) && x < T(1) ? T(0.5) : T(0));
    }
};

/// x·sigmoid(x), also called swish. At ±∞ the limits (−0 and ∞; derivative 0 and 1), where the
/// formulas would compute ∞·0.
struct silu {
    static constexpr std::string_view name = "silu";
    template <class T> [[gnu::always_inline]] T value(T x) const {
        return detail::math::choose(x == -std::numeric_limits<T>::infinity(), -T(0), x * detail::stable_sigmoid(x));
    }
    template <class T> [[gnu::always_inline]] T derivative(T x, T) const {
        const T s = detail::stable_sigmoid(x);
        return detail::math::choose(std::isinf(x), x > T(0) ? T(1) : T(0), s + x * s * (T(1) - s));
    }
};

/// x·hard_sigmoid(x), also called hard_swish. Derivative by the product rule with hard_sigmoid′(±3) = 0:
/// 0 at −3, 1 at 3 (PyTorch takes the middle piece at both: −0.5 and 1.5). The value is −0 below −3, also
/// at −∞ (not −∞·0).
struct hard_silu {
    static constexpr std::string_view name = "hard_silu";
    template <class T> constexpr T value(T x) const {
        // Below −3 the factor is 0: x clamped at −3 makes the product −0 there, also at −∞, without a
        // second select (NaN passes the clamp).
        return (x < T(-3) ? T(-3) : x) * hard_sigmoid{}.value(x);
    }
    template <class T> constexpr T derivative(T x, T) const {
        // The middle piece (2x + 3)/6 written (x + 1.5)/3, the same number (2x + 3 = 2·(x + 1.5), and scaling
        // by 2 commutes with rounding), which does not overflow: a compiler may compute it at every x, and 2x
        // overflows beyond max/2.
        return detail::nan_or(x, x <= T(-3) ? T(0) : (x >= T(3) ? T(1) : (x + T(1.5)) / T(3)));
    }
};

}  // namespace fusegrad::ops

#pragma once
#include <cmath>
#include <numbers>
#include <string_view>

#include "elementwise_math.hpp"
#include "elementwise_op.hpp"

namespace fusegrad::ops {

/// Exact gelu 0.5·x·(1 + erf(x/√2)), or with Approximate the tanh form of Hendrycks & Gimpel.
/// `keras.activations.gelu` defaults to exact; `keras.ops.gelu` to approximate.
template <bool Approximate = false>
struct gelu {
    static constexpr std::string_view name = Approximate ? "gelu_approximate" : "gelu";
    static constexpr double k = 0.044715;
    static constexpr double c = 0.79788456080286535587989211986876;  // √(2/π)

    template <class T> [[gnu::always_inline]] T value(T x) const {
        // Below −1e10 the value is −0 in any precision; at −∞ the formulas would compute −∞·0.
        // erf takes any x; the approximation's x³ overflows beyond 1e10 (limited, the value selected there).
        const T t = Approximate ? cdf_term(limited(x)) : cdf_term(x);
        return detail::math::choose(x < T(-1e10), -T(0), T(0.5) * x * (T(1) + t));
    }
    template <class T> [[gnu::always_inline]] T derivative(T x, T) const {
        // Beyond 1e10, x² overflows (and at ±∞, x·pdf is ∞·0) while the derivative is exactly 0 or 1
        // in any precision: the formulas run on x limited to ±1e10, and the limit is selected beyond.
        const T xl = limited(x);
        T d;
        if constexpr (Approximate) {
            const T t = cdf_term(xl);
            d = T(0.5) * (T(1) + t) + T(0.5) * xl * (T(1) - t * t) * T(c) * (T(1) + T(3 * k) * xl * xl);
        } else {
            const T pdf = detail::math::exp(T(-0.5) * xl * xl) * T(std::numbers::inv_sqrtpi / std::numbers::sqrt2);
            d = T(0.5) * (T(1) + cdf_term(xl)) + xl * pdf;
        }
        return detail::math::choose(std::abs(x) > T(1e10), x > T(0) ? T(1) : T(0), d);
    }

private:
    /// x within ±1e10, where x³ (of the approximation) and x² cannot overflow float.
    template <class T> [[gnu::always_inline]] static T limited(T x) { return detail::math::clamp(x, T(-1e10), T(1e10)); }
    /// 2Φ(x) − 1: erf(x/√2), or the tanh of the approximation.
    template <class T> [[gnu::always_inline]] static T cdf_term(T x) {
        if constexpr (Approximate) return detail::math::tanh(T(c) * (x + T(k) * x * x * x));
        else return detail::math::erf(x * T(std::numbers::sqrt2 / 2));
    }
};

}  // namespace fusegrad::ops

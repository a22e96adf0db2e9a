#pragma once
#include <cmath>
#include <string_view>

#include "../detail/real.hpp"
#include "elementwise_math.hpp"
#include "elementwise_op.hpp"
#include "stable_math.hpp"

namespace fusegrad::ops {

/// log(1 + eˣ) = max(x, 0) + log1p(e^−|x|): no overflow for large x, no underflow to 0 for very negative x.
struct softplus {
    static constexpr std::string_view name = "softplus";
    template <class T> [[gnu::always_inline]] T value(T x) const {
        return detail::stable_softplus(x);
    }
    // sigmoid(x) = 1 − e^−y, written −expm1(−y) to keep precision for very negative x.
    template <class T> [[gnu::always_inline]] T derivative(T, T y) const { return -detail::math::expm1(-y); }
};

/// (x + √(x² + b))/2, evaluated as (b/4)/(h/2 − x/2) for x < 0 (h = hypot(x, √b)) to avoid cancellation;
/// the halves keep x = ±max from overflowing. The derivative for x ≥ 0 uses f′(x) = 1 − f′(−x), finite at ∞.
template <real B = 4.0>
struct squareplus {
    static constexpr std::string_view name = "squareplus";
    template <class T> T value(T x) const {
        const T h = std::hypot(x, std::sqrt(T(B.value)));
        return x >= T(0) ? x / T(2) + h / T(2) : T(B.value / 4) / (h / T(2) - x / T(2));
    }
    template <class T> T derivative(T x, T) const {
        const T h = std::hypot(x, std::sqrt(T(B.value)));
        // b/(2h(h + |x|)), in halves and two divisions: the product overflows at |x| = max.
        const T mirror = T(B.value / 4) / (h / T(2) + std::abs(x) / T(2)) / h;
        return x >= T(0) ? T(1) - mirror : mirror;
    }
};

/// 0 for x ≤ −1, (x + 1)²/4 between, x for x ≥ 1; continuously differentiable.
struct sparse_plus {
    static constexpr std::string_view name = "sparse_plus";
    template <class T> [[gnu::always_inline]] T value(T x) const {
        // The square on x limited to [−1, 1], where it is taken: a compiler may compute it at every x, and
        // (x + 1)² overflows beyond √max. NaN fails both comparisons and passes the limits. Selects
        // (math::choose), not ternaries: g++ threads those into the limits' and then does not vectorise.
        const T s = detail::math::clamp(x, T(-1), T(1)) + T(1);
        return detail::math::choose(x <= T(-1), T(0), detail::math::choose(x >= T(1), x, s * s / T(4)));
    }
    template <class T> constexpr T derivative(T x, T) const {
        return detail::nan_or(x, x <= T(-1) ? T(0) : (x >= T(1) ? T(1) : (x + T(1)) / T(2)));
    }
};

/// eˣ, Keras's "exponential" activation.
struct exponential {
    static constexpr std::string_view name = "exponential";
    template <class T> [[gnu::always_inline]] T value(T x) const { return detail::math::exp(x); }
    template <class T> [[gnu::always_inline]] T derivative(T, T y) const { return y; }
};

}  // namespace fusegrad::ops

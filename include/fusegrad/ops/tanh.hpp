#pragma once
#include <cmath>
#include <limits>
#include <string_view>

#include "elementwise_math.hpp"
#include "elementwise_op.hpp"
#include "stable_math.hpp"

namespace fusegrad::ops {

struct tanh {
    static constexpr std::string_view name = "tanh";
    template <class T> [[gnu::always_inline]] T value(T x) const { return detail::math::tanh(x); }
    template <class T> [[gnu::always_inline]] T derivative(T, T y) const { return T(1) - y * y; }
};

/// x − tanh(x).
struct tanh_shrink {
    static constexpr std::string_view name = "tanh_shrink";
    template <class T> [[gnu::always_inline]] T value(T x) const { return x - detail::math::tanh(x); }
    // tanh is recomputed: recovering it as x − y would cancel for large |x|.
    template <class T> [[gnu::always_inline]] T derivative(T x, T) const {
        const T t = detail::math::tanh(x);
        return t * t;
    }
};

/// clip(x, −1, 1); derivative 0 at ±1 (as PyTorch).
struct hard_tanh {
    static constexpr std::string_view name = "hard_tanh";
    template <class T> constexpr T value(T x) const {
        return x != x ? x : (x < T(-1) ? T(-1) : (x > T(1) ? T(1) : x));
    }
    template <class T> constexpr T derivative(T x, T) const {
        return detail::nan_or(x, x > T(-1) && x < T(1) ? T(1) : T(0));
    }
};

/// x/(1 + |x|); ±1 at ±∞ (not ∞/∞).
struct softsign {
    static constexpr std::string_view name = "softsign";
    template <class T> [[gnu::always_inline]] T value(T x) const {
        return detail::math::choose(std::isinf(x), std::copysign(T(1), x), x / (T(1) + std::abs(x)));
    }
    template <class T> [[gnu::always_inline]] T derivative(T x, T) const {
        const T r = T(1) / (T(1) + std::abs(x));  // squared after the division: (1 + |x|)² overflows at max
        return r * r;
    }
};

/// x·tanh(softplus(x)). At ±∞ the limits (−0 and ∞; derivative 0 and 1), not ∞·0.
struct mish {
    static constexpr std::string_view name = "mish";
    template <class T> [[gnu::always_inline]] T value(T x) const {
        return detail::math::choose(x == -std::numeric_limits<T>::infinity(), -T(0),
                                    x * detail::math::tanh(detail::stable_softplus(x)));
    }
    template <class T> [[gnu::always_inline]] T derivative(T x, T) const {
        const T t = detail::math::tanh(detail::stable_softplus(x));
        return detail::math::choose(std::isinf(x), x > T(0) ? T(1) : T(0),
                                    t + x * (T(1) - t * t) * detail::stable_sigmoid(x));
    }
};

}  // namespace fusegrad::ops

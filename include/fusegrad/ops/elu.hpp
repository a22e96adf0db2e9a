#pragma once
#include <cmath>
#include <string_view>

#include "../detail/real.hpp"
#include "elementwise_math.hpp"
#include "elementwise_op.hpp"

namespace fusegrad::ops {

/// x if x > 0 else alpha·expm1(x), alpha held at run time (what the Keras `ELU` layer object lowers to).
/// expm1's value is taken only for x ≤ 0 (or NaN, which must stay NaN), so elu(−0) = −0; both sides are
/// computed, which lets the float loop vectorise, and expm1's argument is limited to x ≤ 0 so that the side
/// not taken cannot overflow.
struct elu_with_alpha {
    static constexpr std::string_view name = "elu";
    double alpha = 1.0;
    template <class T> [[gnu::always_inline]] T value(T x) const {
        return detail::math::choose(x > T(0), x, T(alpha) * detail::math::expm1(detail::math::at_most(x, T(0))));
    }
    // For x ≤ 0, alpha·eˣ = y + alpha; at NaN, y is NaN and so is y + alpha.
    template <class T> [[gnu::always_inline]] T derivative(T x, T y) const {
        return detail::math::choose(x > T(0), T(1), y + T(alpha));
    }
};

/// elu with a compile-time alpha, part of the node's type.
template <real Alpha = 1.0>
struct elu {
    static constexpr std::string_view name = "elu";
    template <class T> [[gnu::always_inline]] T value(T x) const { return elu_with_alpha{Alpha.value}.value(x); }
    template <class T> [[gnu::always_inline]] T derivative(T x, T y) const {
        return elu_with_alpha{Alpha.value}.derivative(x, y);
    }
};

/// scale·elu(x, alpha) with the self-normalising constants.
struct selu {
    static constexpr std::string_view name = "selu";
    static constexpr double alpha = 1.6732632423543772848170429916717;
    static constexpr double scale = 1.0507009873554804934193349852946;
    template <class T> [[gnu::always_inline]] T value(T x) const {
        return T(scale) *
               detail::math::choose(x > T(0), x, T(alpha) * detail::math::expm1(detail::math::at_most(x, T(0))));
    }
    template <class T> [[gnu::always_inline]] T derivative(T x, T y) const {
        return detail::math::choose(x > T(0), T(scale), y + T(scale * alpha));  // NaN: y + … is NaN
    }
};

/// max(x, 0) + alpha·expm1(min(x, 0)/alpha), one term per branch (keeps NaN and −0); continuously
/// differentiable.
template <real Alpha = 1.0>
struct celu {
    static constexpr std::string_view name = "celu";
    template <class T> [[gnu::always_inline]] T value(T x) const {
        const T negative_part = detail::math::at_most(x, T(0)) / T(Alpha.value);
        return detail::math::choose(x > T(0), x, T(Alpha.value) * detail::math::expm1(negative_part));
    }
    template <class T> [[gnu::always_inline]] T derivative(T x, T) const {
        const T negative_part = detail::math::at_most(x, T(0)) / T(Alpha.value);
        return detail::math::choose(x > T(0), T(1), detail::math::exp(negative_part));  // NaN: exp is NaN
    }
};

}  // namespace fusegrad::ops

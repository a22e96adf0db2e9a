#pragma once
#include <cmath>
#include <string_view>

#include "../detail/real.hpp"
#include "elementwise_op.hpp"

namespace fusegrad::ops {

/// x if x > 0 else alpha·expm1(x), with expm1 taken of min(x, 0) so the unused branch stays finite.
template <real Alpha = 1.0>
struct elu {
    static constexpr std::string_view name = "elu";
    template <class T> T value(T x) const {
        return x > T(0) ? x : T(Alpha.value) * std::expm1(x < T(0) ? x : T(0));
    }
    // For x ≤ 0, alpha·eˣ = y + alpha.
    template <class T> T derivative(T x, T y) const {
        return detail::nan_or(x, x > T(0) ? T(1) : y + T(Alpha.value));
    }
};

/// scale·elu(x, alpha) with the self-normalising constants.
struct selu {
    static constexpr std::string_view name = "selu";
    static constexpr double alpha = 1.6732632423543772848170429916717;
    static constexpr double scale = 1.0507009873554804934193349852946;
    template <class T> T value(T x) const {
        return T(scale) * (x > T(0) ? x : T(alpha) * std::expm1(x < T(0) ? x : T(0)));
    }
    template <class T> T derivative(T x, T y) const {
        return detail::nan_or(x, x > T(0) ? T(scale) : y + T(scale * alpha));
    }
};

/// max(x, 0) + alpha·expm1(min(x, 0)/alpha); continuously differentiable.
template <real Alpha = 1.0>
struct celu {
    static constexpr std::string_view name = "celu";
    template <class T> T value(T x) const {
        const T neg = x < T(0) ? x : T(0);
        return (x > T(0) ? x : T(0)) + T(Alpha.value) * std::expm1(neg / T(Alpha.value));
    }
    template <class T> T derivative(T x, T) const {
        return detail::nan_or(x, x > T(0) ? T(1) : std::exp(x / T(Alpha.value)));
    }
};

}  // namespace fusegrad::ops

#pragma once
#include <cmath>
#include <string_view>

#include "../detail/real.hpp"
#include "elementwise_op.hpp"

namespace fusegrad::ops {

/// x if x > 0 else alpha·expm1(x), alpha held at run time (what the Keras `ELU` layer object lowers to).
/// The branch is a real branch, so expm1 only ever sees x ≤ 0 (or NaN, which must stay NaN), and elu(−0) = −0.
struct elu_with_alpha {
    static constexpr std::string_view name = "elu";
    double alpha = 1.0;
    template <class T> T value(T x) const { return x > T(0) ? x : T(alpha) * std::expm1(x); }
    // For x ≤ 0, alpha·eˣ = y + alpha.
    template <class T> T derivative(T x, T y) const { return detail::nan_or(x, x > T(0) ? T(1) : y + T(alpha)); }
};

/// elu with a compile-time alpha, part of the node's type.
template <real Alpha = 1.0>
struct elu {
    static constexpr std::string_view name = "elu";
    template <class T> T value(T x) const { return elu_with_alpha{Alpha.value}.value(x); }
    template <class T> T derivative(T x, T y) const { return elu_with_alpha{Alpha.value}.derivative(x, y); }
};

/// scale·elu(x, alpha) with the self-normalising constants.
struct selu {
    static constexpr std::string_view name = "selu";
    static constexpr double alpha = 1.6732632423543772848170429916717;
    static constexpr double scale = 1.0507009873554804934193349852946;
    template <class T> T value(T x) const {
        return T(scale) * (x > T(0) ? x : T(alpha) * std::expm1(x));
    }
    template <class T> T derivative(T x, T y) const {
        return detail::nan_or(x, x > T(0) ? T(scale) : y + T(scale * alpha));
    }
};

/// max(x, 0) + alpha·expm1(min(x, 0)/alpha), one term per branch (keeps NaN and −0); continuously
/// differentiable.
template <real Alpha = 1.0>
struct celu {
    static constexpr std::string_view name = "celu";
    template <class T> T value(T x) const {
        return x > T(0) ? x : T(Alpha.value) * std::expm1(x / T(Alpha.value));
    }
    template <class T> T derivative(T x, T) const {
        return detail::nan_or(x, x > T(0) ? T(1) : std::exp(x / T(Alpha.value)));
    }
};

}  // namespace fusegrad::ops

#pragma once
#include <cmath>
#include <string_view>

#include "elementwise_math.hpp"
#include "elementwise_op.hpp"

namespace fusegrad::ops {

struct exp {
    static constexpr std::string_view name = "exp";
    template <class T> [[gnu::always_inline]] T value(T x) const { return detail::math::exp(x); }
    template <class T> [[gnu::always_inline]] T derivative(T, T y) const { return y; }
};

struct log {
    static constexpr std::string_view name = "log";
    template <class T> [[gnu::always_inline]] T value(T x) const { return detail::math::log(x); }
    // log(−0) = log(+0) = −∞, so the derivative at −0 is +∞ too (1/−0 would be −∞).
    template <class T> [[gnu::always_inline]] T derivative(T x, T) const { return T(1) / (x == T(0) ? T(0) : x); }
};

struct log1p {
    static constexpr std::string_view name = "log1p";
    template <class T> [[gnu::always_inline]] T value(T x) const { return detail::math::log1p(x); }
    template <class T> [[gnu::always_inline]] T derivative(T x, T) const { return T(1) / (T(1) + x); }
};

struct expm1 {
    static constexpr std::string_view name = "expm1";
    template <class T> [[gnu::always_inline]] T value(T x) const { return detail::math::expm1(x); }
    template <class T> [[gnu::always_inline]] T derivative(T, T y) const { return y + T(1); }
};

struct sqrt {
    static constexpr std::string_view name = "sqrt";
    template <class T> T value(T x) const { return std::sqrt(x); }
    // sqrt(−0) = −0: |y| keeps the derivative there +∞, as at +0.
    template <class T> T derivative(T, T y) const { return T(0.5) / std::abs(y); }
};

struct square {
    static constexpr std::string_view name = "square";
    template <class T> constexpr T value(T x) const { return x * x; }
    template <class T> constexpr T derivative(T x, T) const { return T(2) * x; }
};

/// |x|, with derivative sign(x) and 0 at 0 (as PyTorch and JAX).
struct abs {
    static constexpr std::string_view name = "abs";
    template <class T> T value(T x) const { return std::abs(x); }
    template <class T> T derivative(T x, T) const {
        return detail::nan_or(x, x > 0 ? T(1) : (x < 0 ? T(-1) : T(0)));
    }
};

/// x^p for a run-time exponent; the exponent is part of the node, which is then identified by position.
struct pow {
    static constexpr std::string_view name = "pow";
    double exponent;
    template <class T> T value(T x) const { return std::pow(x, T(exponent)); }
    template <class T> T derivative(T x, T) const {
        return exponent == 0 ? T(0) : T(exponent) * std::pow(x, T(exponent - 1));
    }
};

}  // namespace fusegrad::ops

#pragma once
#include <limits>
#include <string_view>

#include "../detail/real.hpp"
#include "elementwise_op.hpp"

namespace fusegrad {

/// Keras 3 `relu` parameters; `max_value` infinite means None.
struct relu_options {
    double negative_slope = 0.0;
    double max_value = std::numeric_limits<double>::infinity();
    double threshold = 0.0;
};

namespace ops {

}  // namespace ops

namespace detail {
/// Keras 3 relu: clip(x·[x > threshold], 0, max_value) − negative_slope·relu(threshold − x).
/// The clip applies only when max_value is given (with a threshold below 0, x in (t, 0) passes through).
/// Kinks take the derivative of the piece the strict comparisons select: relu′(0) = 0.
template <class T>
constexpr T relu_value(T x, const relu_options& o) {
    T a = x > T(o.threshold) ? x : T(0);
    if (o.max_value != std::numeric_limits<double>::infinity())
        a = a < T(0) ? T(0) : (a > T(o.max_value) ? T(o.max_value) : a);
    if (o.negative_slope != 0.0) {
        const T below = T(o.threshold) - x;
        if (below > T(0)) a -= T(o.negative_slope) * below;
    }
    return x != x ? x : a;
}
template <class T>
constexpr T relu_derivative(T x, const relu_options& o) {
    T d = x > T(o.threshold) ? T(1) : T(0);
    if (o.max_value != std::numeric_limits<double>::infinity()) {
        const T a = x > T(o.threshold) ? x : T(0);
        if (!(a > T(0) && a < T(o.max_value))) d = T(0);
    }
    if (o.negative_slope != 0.0 && x < T(o.threshold)) d += T(o.negative_slope);
    return nan_or(x, d);
}
}  // namespace detail

namespace ops {

/// relu with compile-time options (the options are folded into the code).
template <relu_options O = relu_options{}>
struct relu {
    static constexpr std::string_view name = "relu";
    template <class T> constexpr T value(T x) const { return detail::relu_value(x, O); }
    template <class T> constexpr T derivative(T x, T) const { return detail::relu_derivative(x, O); }
};

/// relu with options held at run time: what the Keras `ReLU` layer object lowers to.
struct relu_with_options {
    static constexpr std::string_view name = "relu";
    relu_options options;
    template <class T> constexpr T value(T x) const { return detail::relu_value(x, options); }
    template <class T> constexpr T derivative(T x, T) const { return detail::relu_derivative(x, options); }
};

/// min(max(x, 0), 6); derivative 0 at both kinks.
struct relu6 {
    static constexpr std::string_view name = "relu6";
    template <class T> constexpr T value(T x) const {
        return x != x ? x : (x < T(0) ? T(0) : (x > T(6) ? T(6) : x));
    }
    template <class T> constexpr T derivative(T x, T) const {
        return detail::nan_or(x, x > T(0) && x < T(6) ? T(1) : T(0));
    }
};

/// x if x > 0 else negative_slope·x, the slope held at run time: what the Keras `LeakyReLU` layer object
/// lowers to. Derivative at 0 is negative_slope (as PyTorch).
struct leaky_relu_with_slope {
    static constexpr std::string_view name = "leaky_relu";
    double negative_slope;
    template <class T> constexpr T value(T x) const { return x > T(0) ? x : T(negative_slope) * x; }
    template <class T> constexpr T derivative(T x, T) const {
        return detail::nan_or(x, x > T(0) ? T(1) : T(negative_slope));
    }
};

/// leaky_relu with a compile-time slope, part of the node's type (so equal slopes are one node).
template <real NegativeSlope = 0.2>
struct leaky_relu {
    static constexpr std::string_view name = "leaky_relu";
    static constexpr double negative_slope = NegativeSlope;
    template <class T> constexpr T value(T x) const { return leaky_relu_with_slope{negative_slope}.value(x); }
    template <class T> constexpr T derivative(T x, T y) const {
        return leaky_relu_with_slope{negative_slope}.derivative(x, y);
    }
};

/// Keras PReLU: x if x > 0 else α·x, with α a learned tensor broadcast over the batch. Derivatives at 0
/// follow leaky_relu: ∂/∂x = α, ∂/∂α = 0.
struct prelu {
    static constexpr std::string_view name = "prelu";
    template <class T> constexpr T value(T x, T alpha) const { return x > T(0) ? x : alpha * x; }
    template <class T> constexpr T derivative_a(T x, T alpha, T) const {
        return detail::nan_or(x, x > T(0) ? T(1) : alpha);
    }
    template <class T> constexpr T derivative_b(T x, T, T) const { return x > T(0) ? T(0) : x; }
};

}  // namespace ops
}  // namespace fusegrad

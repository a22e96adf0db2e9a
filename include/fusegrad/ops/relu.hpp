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

/// Keras 3 relu: clip(x·[x > threshold], 0, max_value) − negative_slope·relu(threshold − x).
/// The clip applies only when max_value is given (with a threshold below 0, x in (t, 0) passes through).
/// Kinks take the derivative of the piece the strict comparisons select: relu′(0) = 0.
template <relu_options O = relu_options{}>
struct relu {
    static constexpr std::string_view name = "relu";
    static constexpr bool clipped = O.max_value != std::numeric_limits<double>::infinity();

    template <class T> constexpr T value(T x) const {
        T a = x > T(O.threshold) ? x : T(0);
        if constexpr (clipped) a = a < T(0) ? T(0) : (a > T(O.max_value) ? T(O.max_value) : a);
        if constexpr (O.negative_slope != 0.0) {
            const T below = T(O.threshold) - x;
            if (below > T(0)) a -= T(O.negative_slope) * below;
        }
        return x != x ? x : a;
    }
    template <class T> constexpr T derivative(T x, T) const {
        T d = x > T(O.threshold) ? T(1) : T(0);
        if constexpr (clipped) {
            const T a = x > T(O.threshold) ? x : T(0);
            if (!(a > T(0) && a < T(O.max_value))) d = T(0);
        }
        if constexpr (O.negative_slope != 0.0) {
            if (x < T(O.threshold)) d += T(O.negative_slope);
        }
        return detail::nan_or(x, d);
    }
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

/// x if x > 0 else negative_slope·x; derivative at 0 is negative_slope (as PyTorch).
template <real NegativeSlope = 0.2>
struct leaky_relu {
    static constexpr std::string_view name = "leaky_relu";
    static constexpr double negative_slope = NegativeSlope;
    template <class T> constexpr T value(T x) const { return x > T(0) ? x : T(negative_slope) * x; }
    template <class T> constexpr T derivative(T x, T) const {
        return detail::nan_or(x, x > T(0) ? T(1) : T(negative_slope));
    }
};

}  // namespace ops
}  // namespace fusegrad

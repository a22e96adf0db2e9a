#pragma once
#include <string_view>

#include "../detail/real.hpp"
#include "elementwise_op.hpp"

namespace fusegrad::ops {

/// x − t for x > t, x + t for x < −t, else 0; derivative 0 at ±t.
template <real Threshold = 0.5>
struct soft_shrink {
    static constexpr std::string_view name = "soft_shrink";
    template <class T> constexpr T value(T x) const {
        const T t = T(Threshold.value);
        return x > t ? x - t : (x < -t ? x + t : x * T(0));
    }
    template <class T> constexpr T derivative(T x, T) const {
        const T t = T(Threshold.value);
        return detail::nan_or(x, x > t || x < -t ? T(1) : T(0));
    }
};

/// x where |x| > t, else 0; derivative 0 at ±t.
template <real Threshold = 0.5>
struct hard_shrink {
    static constexpr std::string_view name = "hard_shrink";
    template <class T> constexpr T value(T x) const {
        const T t = T(Threshold.value);
        return x > t || x < -t ? x : x * T(0);
    }
    template <class T> constexpr T derivative(T x, T) const {
        const T t = T(Threshold.value);
        return detail::nan_or(x, x > t || x < -t ? T(1) : T(0));
    }
};

/// x if x > threshold else default_value (Keras requires both); derivative 0 at the threshold.
template <real Threshold, real DefaultValue>
struct threshold {
    static constexpr std::string_view name = "threshold";
    template <class T> constexpr T value(T x) const {
        return x != x ? x : (x > T(Threshold.value) ? x : T(DefaultValue.value));
    }
    template <class T> constexpr T derivative(T x, T) const {
        return detail::nan_or(x, x > T(Threshold.value) ? T(1) : T(0));
    }
};

}  // namespace fusegrad::ops

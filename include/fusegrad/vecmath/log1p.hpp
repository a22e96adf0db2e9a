#pragma once
#include "detail/bits.hpp"
#include "detail/log_kernel.hpp"

namespace fusegrad::vecmath {

/// log(1 + x) in float, accurate near 0, branch-free. Max error 0.85 ulp over every float (0.86 without
/// FMA contraction; docs/vector-math.md). log1p(±0) = ±0, log1p(−1) = −inf, log1p(x < −1) = NaN,
/// log1p(+inf) = +inf, log1p(NaN) = NaN; a subnormal x gives x.
[[gnu::always_inline]] inline float log1p(float x) {
    const float w = 1.0f + x;
    // The rounding error of 1 + x, exactly (Fast2Sum with the larger operand first), folded in as c/w.
    const bool large = detail::abs(x) > 1.0f;
    const float a = detail::select(large, x, 1.0f);
    const float b = detail::select(large, 1.0f, x);
    const float c = (a - w) + b;
    const float y = detail::log_finish(detail::log_reduce(w), c / w);
    const float special =
        detail::select(x == -1.0f, -detail::infinity, detail::select(x < -1.0f, detail::quiet_nan, x));
    const float normal = detail::select(x == 0.0f, x, y);  // keeps the sign of −0
    return detail::select((x > -1.0f) & (x < detail::infinity), normal, special);
}

}  // namespace fusegrad::vecmath

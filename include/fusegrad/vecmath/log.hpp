#pragma once
#include "detail/bits.hpp"
#include "detail/log_kernel.hpp"

namespace fusegrad::vecmath {

/// Natural logarithm in float, branch-free. Max error 0.85 ulp over every float (docs/vector-math.md),
/// subnormal inputs included. log(±0) = −inf, log(x < 0) = NaN, log(+inf) = +inf, log(NaN) = NaN,
/// log(1) = +0.
[[gnu::always_inline]] inline float log(float x) {
    // Subnormals are brought into the normal range first (2²³·x), and the exponent corrected.
    const bool subnormal = x < 0x1p-126f;
    const detail::log_reduced r0 = detail::log_reduce(x * detail::select(subnormal, 0x1p23f, 1.0f));
    const detail::log_reduced r{r0.e - detail::select(subnormal, 23.0f, 0.0f), r0.f};
    const float y = detail::log_finish(r, 0.0f);
    const float special = detail::select(x == 0.0f, -detail::infinity, detail::select(x < 0.0f, detail::quiet_nan, x));
    return detail::select((x > 0.0f) & (x < detail::infinity), y, special);
}

}  // namespace fusegrad::vecmath

#pragma once
#include <cstdint>

#include "detail/bits.hpp"
#include "detail/exp_kernel.hpp"

namespace fusegrad::vecmath {

/// e^x − 1 in float without cancellation near 0, branch-free. Max error 1.15 ulp over every float (1.17
/// without FMA contraction; docs/vector-math.md). expm1(±0) = ±0, expm1(NaN) = NaN, expm1(−inf) = −1;
/// +inf from 88.7228394 on and −1 from −17.32868 down, as the C library's expm1f.
[[gnu::always_inline]] inline float expm1(float x) {
    constexpr float lower = -18.0f;  // e^x − 1 rounds to −1 from −17.33 down
    // Beyond the range the result is a limit selected below; the reduction must not overflow there.
    const detail::exp_reduced e = detail::exp_reduce(detail::at_least(x, lower));
    // 2^k·(1 + hi + lo) − 1 = (s − 1) + s·hi + s·lo with s = 2^k. s − 1 is exact for |k| ≤ 24 and its
    // rounding error otherwise is kept (Fast2Sum with the larger of s and 1 first); the sum of the two
    // large terms is compensated too (|s − 1| ≥ |s·hi| for k ≠ 0, and trivially exact for k = 0). At
    // k = 128 (x above 88.38) s would be infinite: there s = 2¹²⁷ and the result is doubled.
    const std::int32_t high = e.k >> 7 & 1 & ~(e.k >> 8);  // 1 for k = 128, 0 for k in [−150, 127]
    const float s = detail::pow2(e.k - high);
    const float a = s - 1.0f;
    const float a_error = detail::select(e.k < 0, s - (a + 1.0f), (s - a) - 1.0f);
    const float b = s * e.hi;
    const float sum = a + b;
    const float y = (sum + (((a - sum) + b) + (s * e.lo + a_error))) * detail::pow2(high);
    const float limits = detail::select(x > detail::exp_upper, detail::infinity, detail::select(x < lower, -1.0f, y));
    return detail::select(x == 0.0f, x, limits);  // keeps the sign of −0
}

}  // namespace fusegrad::vecmath

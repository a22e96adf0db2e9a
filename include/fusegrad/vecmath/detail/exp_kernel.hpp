#pragma once
#include <cstdint>

#include "bits.hpp"

/// The reduction shared by exp, expm1, tanh, sigmoid and erf: x = k·ln2 + r with |r| ≤ ln2/2 (a hair more
/// where x·log2(e) rounds), and eʳ − 1 on that interval as an unevaluated sum hi + lo, so that the callers
/// round once at the end. Coefficients: scripts/vecmath_coefficients.py.
namespace fusegrad::vecmath::detail {

/// The kernels are exact only for x in [exp_lower, exp_upper] (k in [−150, 128]); beyond, e^x is +inf or
/// rounds to +0 in float, and the callers select that limit at the end. Outside the range the kernels
/// compute garbage, without undefined behaviour (the integer arithmetic wraps for any float: UBSan found
/// the plain subtraction overflowing for NaN), and NaN propagates. The callers select rather than clamp
/// the input: a clamp lets GCC thread the clamped paths into constants, and a constant overflow left in a
/// branch stops the if-conversion that vectorisation needs (without AVX-512 masking).
inline constexpr float exp_upper = 89.0f;
inline constexpr float exp_lower = -104.0f;

struct exp_reduced {
    std::int32_t k;  ///< x ≈ k·ln2 + r
    float hi;        ///< eʳ − 1 ≈ hi + lo, hi = x − k·ln2_hi exactly
    float lo;        ///< |lo| ≤ 0.08
};

[[gnu::always_inline]] inline exp_reduced exp_reduce(float x) {
    // Adding 1.5·2²³ rounds x·log2(e) to an integer in the low bits of the sum (round to nearest even):
    // no conversion instruction, and the integer is read off the representation.
    constexpr float shifter = 0x1.8p23f;
    const float t = x * 0x1.715476p+0f + shifter;
    const float n = t - shifter;
    const std::int32_t k = wrapping_sub(bits(t), bits(shifter));
    // ln2 = ln2_hi + ln2_lo with ln2_hi on 15 bits: n·ln2_hi is exact for |n| ≤ 2⁸, and x − n·ln2_hi is
    // exact (Sterbenz). r = hi + lo is rounded, by dr, recovered exactly (Fast2Sum, |hi| ≥ |lo|).
    const float hi = x - n * 0x1.62e4p-1f;
    const float lo = -(n * 0x1.7f7d1cp-20f);
    const float r = hi + lo;
    const float dr = (hi - r) + lo;
    // eʳ − 1 = r + r²·q(r), q minimax for the relative error of eʳ on [−0.3467, 0.3467] (0.054 ulp).
    // The linear term keeps hi exact; r·dr is the first-order effect of dr on r²·q (q(0) = ½).
    const float q = 0x1.fffffcp-2f +
                    r * (0x1.55548cp-3f + r * (0x1.555858p-5f + r * (0x1.123dcap-7f + r * 0x1.6ac4f4p-10f)));
    return {k, hi, lo + (r * dr + r * r * q)};
}

/// eʳ = 1 + hi + lo, rounded once: the rounding error of 1 + hi is kept (Fast2Sum, 1 ≥ |hi|).
[[gnu::always_inline]] inline float exp_mantissa(const exp_reduced& e) {
    const float s = 1.0f + e.hi;
    return s + (((1.0f - s) + e.hi) + e.lo);
}

/// p·2^k for k in [−150, 128] in two steps of at most 2⁷⁵ each, both normal: the first product is exact,
/// so a result in the subnormal range is rounded once, and 2¹²⁸·p for p < 1 does not overflow on the way.
[[gnu::always_inline]] inline float scale(float p, std::int32_t k) {
    const std::int32_t k1 = k >> 1;
    return p * pow2(k1) * pow2(k - k1);
}

/// e^x for x in [exp_lower, exp_upper] or NaN. Callers limit x to that range where it could leave it (each
/// only on the side it needs: a limit is two vector instructions), so that the paths whose results they
/// select away raise no floating-point exception.
[[gnu::always_inline]] inline float exp_in_range(float x) {
    const exp_reduced e = exp_reduce(x);
    return scale(exp_mantissa(e), e.k);
}

}  // namespace fusegrad::vecmath::detail

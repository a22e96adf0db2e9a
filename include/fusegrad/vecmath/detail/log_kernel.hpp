#pragma once
#include <cstdint>

#include "bits.hpp"

/// The reduction shared by log and log1p: w = 2^e·m with m in [√½, √2), and log(1 + f) for f = m − 1.
/// Coefficients: scripts/vecmath_coefficients.py.
namespace fusegrad::vecmath::detail {

struct log_reduced {
    float e;  ///< the exponent, as a float
    float f;  ///< m − 1, exact, in [√½ − 1, √2 − 1)
};

/// w positive, normal and finite (subnormals are scaled by the caller).
[[gnu::always_inline]] inline log_reduced log_reduce(float w) {
    // Offsetting the representation by that of √½ makes the exponent field round m into [√½, √2).
    constexpr std::int32_t sqrt_half = 0x3f3504f3;
    const std::int32_t i = wrapping_sub(bits(w), sqrt_half);
    const float m = from_bits((i & 0x007fffff) + sqrt_half);
    return {static_cast<float>(i >> 23), m - 1.0f};
}

/// e·ln2 + log(1 + f) + c, for a small correction c (a rounding error to fold in, or 0).
/// log(1 + f) = f − f²/2 + f³·p(f), p minimax for the relative error on [√½ − 1, √2 − 1] (0.062 ulp);
/// the terms are added smallest first, and e·ln2 is split so that e·ln2_hi is exact.
[[gnu::always_inline]] inline float log_finish(log_reduced r, float c) {
    const float f = r.f;
    const float f2 = f * f;
    const float f4 = f2 * f2;
    // Estrin's scheme: four independent pairs, then two levels of combination.
    const float p01 = 0x1.555548p-2f + f * -0x1.000008p-2f;
    const float p23 = 0x1.99a46p-3f + f * -0x1.555b4ap-3f;
    const float p45 = 0x1.233dd4p-3f + f * -0x1.fc6be6p-4f;
    const float p67 = 0x1.e6ec0ap-4f + f * -0x1.db5848p-4f;
    const float p = (p01 + f2 * p23) + f4 * ((p45 + f2 * p67) + f4 * 0x1.0fb0f2p-4f);
    const float half_f2 = 0.5f * f2;
    const float small = f2 * f * p + (r.e * 0x1.7f7d1cp-20f + c);
    return r.e * 0x1.62e4p-1f + (f - (half_f2 - small));
}

}  // namespace fusegrad::vecmath::detail

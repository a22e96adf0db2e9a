#pragma once
#include <bit>
#include <cstdint>
#include <limits>

/// Bit-level helpers of the vecmath kernels: integer arithmetic on a float's representation, which the
/// compilers vectorise (reinterpreting a vector register costs nothing). Every vecmath function is
/// always_inline: a loop vectorises only if the whole kernel is inlined into it, and GCC's inliner stops
/// inlining in large translation units (a benchmark of twenty activations was one).
namespace fusegrad::vecmath::detail {

inline constexpr std::int32_t sign_mask = std::numeric_limits<std::int32_t>::min();
inline constexpr float infinity = std::numeric_limits<float>::infinity();
inline constexpr float quiet_nan = std::numeric_limits<float>::quiet_NaN();

[[gnu::always_inline]] inline std::int32_t bits(float x) { return std::bit_cast<std::int32_t>(x); }
[[gnu::always_inline]] inline float from_bits(std::int32_t b) { return std::bit_cast<float>(b); }

/// 2^k for k in [−126, 127], built in the exponent field.
[[gnu::always_inline]] inline float pow2(std::int32_t k) { return from_bits((k + 127) << 23); }

/// c ? a : b on the representations. Both operands are computed whatever c is, which is the point: with a
/// ternary, GCC sinks the computation of an operand into its branch, and then cannot vectorise the loop
/// without AVX-512 masking (the floating-point operations may trap, so it will not execute them
/// unconditionally).
[[gnu::always_inline]] inline float select(bool c, float a, float b) {
    const std::int32_t m = -static_cast<std::int32_t>(c);
    return from_bits((bits(a) & m) | (bits(b) & ~m));
}

/// |x| (fabs without a library call).
[[gnu::always_inline]] inline float abs(float x) { return from_bits(bits(x) & ~sign_mask); }

/// |x| with the sign bit of s (copysign without a library call).
[[gnu::always_inline]] inline float with_sign_of(float x, float s) {
    return from_bits((bits(x) & ~sign_mask) | (bits(s) & sign_mask));
}

}  // namespace fusegrad::vecmath::detail

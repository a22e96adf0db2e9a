#pragma once
#include <bit>
#include <cstdint>
#include <limits>
#include <type_traits>

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

/// a − b modulo 2³²: the kernels subtract representations, and for NaN or infinite inputs (whose results
/// they discard) the difference leaves int32_t, where a plain subtraction is undefined behaviour.
[[gnu::always_inline]] inline std::int32_t wrapping_sub(std::int32_t a, std::int32_t b) {
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(a) - static_cast<std::uint32_t>(b));
}

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

/// min(x, hi) and max(x, lo) that keep NaN (its comparisons are false) and −0. They limit the argument of a
/// path whose result a select may discard, so that it raises no overflow or invalid flag there: a program
/// that traps floating-point exceptions (feenableexcept) must not stop on a finite result. In float on the
/// representations (select), not with a ternary: GCC would thread a ternary's condition into the caller's
/// select on the same condition, fold the limited path into constants, and then not vectorise the loop
/// (the activations benchmark measured 2–8 times slower). Templates: the ops use them in double too.
template <class T>
[[gnu::always_inline]] inline T at_most(T x, T hi) {
    if constexpr (std::is_same_v<T, float>) return select(x > hi, hi, x);
    else return x > hi ? hi : x;
}
template <class T>
[[gnu::always_inline]] inline T at_least(T x, T lo) {
    if constexpr (std::is_same_v<T, float>) return select(x < lo, lo, x);
    else return x < lo ? lo : x;
}
template <class T>
[[gnu::always_inline]] inline T clamp(T x, T lo, T hi) {
    return at_most(at_least(x, lo), hi);
}

/// |x| (fabs without a library call).
[[gnu::always_inline]] inline float abs(float x) { return from_bits(bits(x) & ~sign_mask); }

/// |x| with the sign bit of s (copysign without a library call).
[[gnu::always_inline]] inline float with_sign_of(float x, float s) {
    return from_bits((bits(x) & ~sign_mask) | (bits(s) & sign_mask));
}

}  // namespace fusegrad::vecmath::detail

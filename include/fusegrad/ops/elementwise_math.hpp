#pragma once
#include <cmath>
#include <type_traits>

#include "../vecmath/detail/bits.hpp"
#include "../vecmath/erf.hpp"
#include "../vecmath/exp.hpp"
#include "../vecmath/expm1.hpp"
#include "../vecmath/log.hpp"
#include "../vecmath/log1p.hpp"
#include "../vecmath/sigmoid.hpp"
#include "../vecmath/tanh.hpp"

/// The transcendental functions the elementwise ops call: in float, fusegrad::vecmath's branch-free
/// kernels, so that the evaluator's loops over an op vectorise; in double (and long double), the standard
/// library. docs/vector-math.md has the accuracy of each. The ops that call them mark their value and
/// derivative always_inline, as these are: a loop vectorises only if all of it is inlined, and GCC
/// declines to inline an op that holds three kernels (mish′) into the evaluator's loop.
namespace fusegrad::detail::math {

template <class T>
[[gnu::always_inline]] inline T exp(T x) {
    if constexpr (std::is_same_v<T, float>) return vecmath::exp(x);
    else return std::exp(x);
}
/// e^x for x in [exp_lower, 0] or NaN (the entries of a row shifted by its max): in float the kernel without
/// the limits that exp selects.
template <class T>
[[gnu::always_inline]] inline T exp_non_positive(T x) {
    if constexpr (std::is_same_v<T, float>) return vecmath::detail::exp_in_range(x);
    else return std::exp(x);
}
template <class T>
[[gnu::always_inline]] inline T expm1(T x) {
    if constexpr (std::is_same_v<T, float>) return vecmath::expm1(x);
    else return std::expm1(x);
}
template <class T>
[[gnu::always_inline]] inline T log(T x) {
    if constexpr (std::is_same_v<T, float>) return vecmath::log(x);
    else return std::log(x);
}
template <class T>
[[gnu::always_inline]] inline T log1p(T x) {
    if constexpr (std::is_same_v<T, float>) return vecmath::log1p(x);
    else return std::log1p(x);
}
template <class T>
[[gnu::always_inline]] inline T tanh(T x) {
    if constexpr (std::is_same_v<T, float>) return vecmath::tanh(x);
    else return std::tanh(x);
}
template <class T>
[[gnu::always_inline]] inline T erf(T x) {
    if constexpr (std::is_same_v<T, float>) return vecmath::erf(x);
    else return std::erf(x);
}

using vecmath::detail::at_least;
using vecmath::detail::at_most;
using vecmath::detail::clamp;

/// c ? a : b with both operands computed. In float a select on the representations, which keeps GCC
/// from sinking an operand's computation into a branch that it then cannot vectorise without AVX-512
/// masking (vecmath::detail::select); elsewhere the plain conditional.
template <class T>
[[gnu::always_inline]] inline T choose(bool c, T a, T b) {
    if constexpr (std::is_same_v<T, float>) return vecmath::detail::select(c, a, b);
    else return c ? a : b;
}

}  // namespace fusegrad::detail::math

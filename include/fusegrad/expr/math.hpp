#pragma once
#include "../ops/math.hpp"
#include "node.hpp"
#include "unary.hpp"

namespace fusegrad {

template <expression X> constexpr auto exp(const X& x) { return unary<ops::exp, X>{{{}, x}}; }
template <expression X> constexpr auto log(const X& x) { return unary<ops::log, X>{{{}, x}}; }
template <expression X> constexpr auto log1p(const X& x) { return unary<ops::log1p, X>{{{}, x}}; }
template <expression X> constexpr auto expm1(const X& x) { return unary<ops::expm1, X>{{{}, x}}; }
template <expression X> constexpr auto sqrt(const X& x) { return unary<ops::sqrt, X>{{{}, x}}; }
template <expression X> constexpr auto square(const X& x) { return unary<ops::square, X>{{{}, x}}; }
/// |x|; its derivative at 0 is 0.
template <expression X> constexpr auto abs(const X& x) { return unary<ops::abs, X>{{{}, x}}; }
/// x^p elementwise, p a run-time scalar.
template <expression X> constexpr auto pow(const X& x, double p) { return unary<ops::pow, X>{{{p}, x}}; }

}  // namespace fusegrad

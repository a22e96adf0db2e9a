#pragma once
#include "../ops/elementwise_op.hpp"
#include "node.hpp"
#include "unary.hpp"

namespace fusegrad {

namespace errors {
template <class Op>
constexpr bool custom_op_has_value_and_derivative = elementwise_op<Op>;
}

/// Applies a user-defined elementwise function: a struct with `value(x)` and `derivative(x, y)` (y the
/// stored output) for float and double. It fuses and differentiates like a built-in activation.
template <class Op, expression X>
constexpr auto apply(const Op& op, const X& x) {
    static_assert(errors::custom_op_has_value_and_derivative<Op>,
                  "fusegrad: apply: a custom elementwise op needs `value(x)` and `derivative(x, y)` "
                  "callable with float and with double");
    return unary<Op, X>{{op, x}};
}

}  // namespace fusegrad

#pragma once
#include "../ops/elementwise_op.hpp"
#include "../ops/row_op.hpp"
#include "node.hpp"
#include "rowwise.hpp"
#include "unary.hpp"

namespace fusegrad {

namespace errors {
template <class Op>
constexpr bool custom_op_has_value_and_derivative = elementwise_op<Op>;
template <class Op>
constexpr bool custom_row_op_has_forward_and_backward = row_op<Op>;
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

/// Applies a user-defined function of each whole row (the last axis; the whole vector for a vector) with its
/// vector-Jacobian product: a struct with `static constexpr out_cols(n)`, `forward(x, y, n)` and
/// `backward(x, y, g, gx, n)` adding into gx, for float and double (fg::row_op). It differentiates,
/// composes and compiles like the built-in softmax; docs/custom-ops.md walks through one.
template <class Op, expression X>
constexpr auto apply_rows(const Op& op, const X& x) {
    static_assert(errors::custom_row_op_has_forward_and_backward<Op>,
                  "fusegrad: apply_rows: a custom row op needs `static constexpr out_cols(n)`, `forward(x, y, n)` "
                  "and `backward(x, y, g, gx, n)` (adding into gx) callable with float and with double pointers");
    return rowwise<Op, X>{{op, x}};
}

}  // namespace fusegrad

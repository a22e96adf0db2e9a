#pragma once
#include "node.hpp"

namespace fusegrad {

/// An elementwise function of one operand; `Op` holds the math (see ops/).
template <class Op, class X>
struct unary : detail::op_on_operand<Op, X> {
    static constexpr shape_info shape = X::shape;
    static constexpr bool stateless = detail::stateless_op<Op> && X::stateless;
};

}  // namespace fusegrad

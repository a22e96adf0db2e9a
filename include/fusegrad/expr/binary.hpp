#pragma once
#include "../shape/broadcast.hpp"
#include "node.hpp"

namespace fusegrad {

/// An elementwise function of two operands with NumPy broadcasting; `Op` holds the math.
template <class Op, class A, class B>
struct binary : detail::two_operands<A, B> {
    static constexpr shape_info shape = broadcast_shape(A::shape, B::shape);
    static constexpr bool stateless = detail::stateless_op<Op> && A::stateless && B::stateless;
    using op_type = Op;

    [[no_unique_address]] Op op;
};

}  // namespace fusegrad

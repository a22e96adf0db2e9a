#pragma once
#include "node.hpp"

namespace fusegrad {

/// A function of a row of A and the matching row of B (a loss of predictions and targets, one value per
/// row); `Op` holds the math. Both operands have the same number of rows.
template <class Op, class A, class B>
struct rowwise_pair : detail::two_operands<A, B> {
    static constexpr shape_info shape = [] {
        shape_info s = A::shape;
        s.rank = A::shape.rank == 0 ? 1 : A::shape.rank;
        s.cols = Op::out_cols(A::shape.cols, B::shape.cols);
        return s;
    }();
    static constexpr bool stateless = detail::stateless_op<Op> && A::stateless && B::stateless;
    using op_type = Op;

    [[no_unique_address]] Op op;
};

}  // namespace fusegrad

#pragma once
#include "node.hpp"

namespace fusegrad {

/// A function of each whole row (the last axis): softmax, log_softmax, glu, sparsemax. `Op` holds the math.
template <class Op, class X>
struct rowwise : detail::op_on_operand<Op, X> {
    static constexpr shape_info shape = [] {
        shape_info s = X::shape;
        s.cols = Op::out_cols(X::shape.cols);
        return s;
    }();
    static constexpr bool stateless = detail::stateless_op<Op> && X::stateless;
};

}  // namespace fusegrad

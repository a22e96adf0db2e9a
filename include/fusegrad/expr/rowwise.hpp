#pragma once
#include <boost/mp11/list.hpp>

#include "node.hpp"

namespace fusegrad {

/// A function of each whole row (the last axis): softmax, log_softmax, glu, sparsemax. `Op` holds the math.
template <class Op, class X>
struct rowwise {
    static constexpr shape_info shape = [] {
        shape_info s = X::shape;
        s.cols = Op::out_cols(X::shape.cols);
        return s;
    }();
    static constexpr bool stateless = detail::stateless_op<Op> && X::stateless;
    using children = boost::mp11::mp_list<X>;
    using op_type = Op;

    [[no_unique_address]] Op op;
    X x;

    template <std::size_t I>
    constexpr const X& child() const { return x; }
};

}  // namespace fusegrad

#pragma once
#include <boost/mp11/list.hpp>

#include "node.hpp"

namespace fusegrad {

/// An elementwise function of one operand; `Op` holds the math (see ops/).
template <class Op, class X>
struct unary {
    static constexpr shape_info shape = X::shape;
    static constexpr bool stateless = detail::stateless_op<Op> && X::stateless;
    using children = boost::mp11::mp_list<X>;
    using op_type = Op;

    [[no_unique_address]] Op op;
    X x;

    template <std::size_t I>
    constexpr const X& child() const { return x; }
};

}  // namespace fusegrad

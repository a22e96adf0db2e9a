#pragma once
#include <boost/mp11/list.hpp>

#include "../shape/broadcast.hpp"
#include "node.hpp"

namespace fusegrad {

/// An elementwise function of two operands with NumPy broadcasting; `Op` holds the math.
template <class Op, class A, class B>
struct binary {
    static constexpr shape_info shape = broadcast_shape(A::shape, B::shape);
    static constexpr bool stateless = detail::stateless_op<Op> && A::stateless && B::stateless;
    using children = boost::mp11::mp_list<A, B>;
    using op_type = Op;

    [[no_unique_address]] Op op;
    A a;
    B b;

    template <std::size_t I>
    constexpr const auto& child() const {
        if constexpr (I == 0) return a;
        else return b;
    }
};

}  // namespace fusegrad

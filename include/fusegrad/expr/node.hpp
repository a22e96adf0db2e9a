#pragma once
#include <boost/mp11/list.hpp>
#include <concepts>
#include <cstddef>
#include <type_traits>

#include "../shape/shape.hpp"

namespace fusegrad {

/// Anything that is a node of an expression graph. Nodes hold their children by value and do no math.
template <class E>
concept expression = requires {
    { std::remove_cvref_t<E>::shape } -> std::convertible_to<shape_info>;
    { std::remove_cvref_t<E>::stateless } -> std::convertible_to<bool>;
    typename std::remove_cvref_t<E>::children;
};

namespace detail {
template <class... E>
constexpr bool all_stateless = (std::remove_cvref_t<E>::stateless && ...);

/// An op is part of its node's identity; one with data members (a runtime exponent) makes it stateful.
template <class Op>
constexpr bool stateless_op = std::is_empty_v<Op>;

/// Storage of a node that applies Op to one operand, elementwise or along rows.
template <class Op, class X>
struct op_on_operand {
    using children = boost::mp11::mp_list<X>;
    using op_type = Op;

    [[no_unique_address]] Op op;
    X x;

    template <std::size_t I>
    constexpr const X& child() const { return x; }
};

/// Storage of a node with two operands.
template <class A, class B>
struct two_operands {
    using children = boost::mp11::mp_list<A, B>;

    A a;
    B b;

    template <std::size_t I>
    constexpr const auto& child() const {
        if constexpr (I == 0) return a;
        else return b;
    }
};
}  // namespace detail

/// The I-th child of a node, in the order of its `children` list.
template <std::size_t I, class Node>
constexpr const auto& child(const Node& node) {
    return node.template child<I>();
}

}  // namespace fusegrad

#pragma once
#include <boost/mp11/list.hpp>
#include <concepts>
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
}  // namespace detail

/// The I-th child of a node, in the order of its `children` list.
template <std::size_t I, class Node>
constexpr const auto& child(const Node& node) {
    return node.template child<I>();
}

}  // namespace fusegrad

#pragma once
#include <type_traits>

#include "../ops/arithmetic.hpp"
#include "../shape/errors.hpp"
#include "binary.hpp"
#include "constant.hpp"
#include "node.hpp"
#include "unary.hpp"

namespace fusegrad {

/// An expression or a plain number, which becomes a scalar constant.
template <class T>
concept operand = expression<T> || std::is_arithmetic_v<std::remove_cvref_t<T>>;

namespace detail {
template <class T>
constexpr auto as_node(const T& t) {
    if constexpr (expression<T>) return t;
    else return constant{static_cast<double>(t)};
}

template <class Op, class A, class B>
constexpr auto make_binary(const A& a, const B& b) {
    using NA = decltype(as_node(a));
    using NB = decltype(as_node(b));
    static_assert(errors::shapes_broadcast<shape_type<NA::shape>, shape_type<NB::shape>>,
                  "fusegrad: elementwise operation: the operand shapes do not broadcast "
                  "(each extent must be equal or 1)");
    return binary<Op, NA, NB>{{as_node(a), as_node(b)}, Op{}};
}

template <class A, class B>
concept binary_operands = operand<A> && operand<B> && (expression<A> || expression<B>);
}  // namespace detail

template <class A, class B>
    requires detail::binary_operands<A, B>
constexpr auto operator+(const A& a, const B& b) { return detail::make_binary<ops::add>(a, b); }

template <class A, class B>
    requires detail::binary_operands<A, B>
constexpr auto operator-(const A& a, const B& b) { return detail::make_binary<ops::subtract>(a, b); }

/// Elementwise (Hadamard) product; matrix products are `fg::matmul`.
template <class A, class B>
    requires detail::binary_operands<A, B>
constexpr auto operator*(const A& a, const B& b) { return detail::make_binary<ops::multiply>(a, b); }

template <class A, class B>
    requires detail::binary_operands<A, B>
constexpr auto operator/(const A& a, const B& b) { return detail::make_binary<ops::divide>(a, b); }

template <expression X>
constexpr auto operator-(const X& x) { return unary<ops::negate, X>{{{}, x}}; }

}  // namespace fusegrad

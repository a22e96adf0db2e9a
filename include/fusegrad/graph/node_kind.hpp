#pragma once
#include "../expr/binary.hpp"
#include "../expr/constant.hpp"
#include "../expr/matmul.hpp"
#include "../expr/reduce.hpp"
#include "../expr/rowwise.hpp"
#include "../expr/rowwise_pair.hpp"
#include "../expr/transpose.hpp"
#include "../expr/unary.hpp"
#include "../expr/var.hpp"

namespace fusegrad::graph {

enum class node_kind { variable, constant, unary, binary, matmul, transpose, reduce, rowwise, rowwise_pair };

namespace detail {
template <class N>
struct kind_of;
template <fixed_string Name, auto... E>
struct kind_of<basic_var<Name, E...>> { static constexpr node_kind value = node_kind::variable; };
template <>
struct kind_of<constant> { static constexpr node_kind value = node_kind::constant; };
template <class Op, class X>
struct kind_of<unary<Op, X>> { static constexpr node_kind value = node_kind::unary; };
template <class Op, class A, class B>
struct kind_of<binary<Op, A, B>> { static constexpr node_kind value = node_kind::binary; };
template <class A, class B>
struct kind_of<matmul_node<A, B>> { static constexpr node_kind value = node_kind::matmul; };
template <class X>
struct kind_of<transpose_node<X>> { static constexpr node_kind value = node_kind::transpose; };
template <reduce_kind K, reduce_axis A, class X>
struct kind_of<reduce_node<K, A, X>> { static constexpr node_kind value = node_kind::reduce; };
template <class Op, class X>
struct kind_of<rowwise<Op, X>> { static constexpr node_kind value = node_kind::rowwise; };
template <class Op, class A, class B>
struct kind_of<rowwise_pair<Op, A, B>> { static constexpr node_kind value = node_kind::rowwise_pair; };
}  // namespace detail

template <class Node>
inline constexpr node_kind kind_of = detail::kind_of<Node>::value;

constexpr bool is_elementwise(node_kind k) { return k == node_kind::unary || k == node_kind::binary; }

}  // namespace fusegrad::graph

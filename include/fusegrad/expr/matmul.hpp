#pragma once
#include "node.hpp"

namespace fusegrad {

namespace detail {
/// A (rows × k) by B (k × n). A vector on the left is one row; a vector on the right is one column.
constexpr std::size_t matmul_inner(shape_info a) { return a.cols; }
constexpr std::size_t matmul_inner_rhs(shape_info b) { return b.rank == 2 ? b.rows : b.cols; }
constexpr std::size_t matmul_out_cols(shape_info b) { return b.rank == 2 ? b.cols : 1; }

constexpr shape_info matmul_shape(shape_info a, shape_info b) {
    if (a.rank == 1 && b.rank == 1) return scalar_shape;
    if (a.rank == 1) return vector_shape(b.cols);
    if (b.rank == 1) return vector_shape(a.rows);
    return shape_info{2, a.rows, b.cols, a.batched};
}
}  // namespace detail

/// Matrix product; the checks live in fusegrad::matmul.
template <class A, class B>
struct matmul_node : detail::two_operands<A, B> {
    static constexpr shape_info shape = detail::matmul_shape(A::shape, B::shape);
    static constexpr bool stateless = A::stateless && B::stateless;
};

}  // namespace fusegrad

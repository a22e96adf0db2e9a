#pragma once
#include "../shape/errors.hpp"
#include "matmul.hpp"
#include "node.hpp"
#include "transpose.hpp"

namespace fusegrad {

/// Matrix product: (m × k)(k × n) → m × n; a vector on the left is a row, on the right a column;
/// vector · vector is the dot product. A batched left operand keeps its batch.
template <expression A, expression B>
constexpr auto matmul(const A& a, const B& b) {
    using SA = shape_type<A::shape>;
    using SB = shape_type<B::shape>;
    static_assert(errors::matmul_operands_are_not_scalars<SA, SB>,
                  "fusegrad: matmul: an operand is a scalar; use * to scale");
    static_assert(errors::matmul_inner_dimensions_agree<SA, SB>,
                  "fusegrad: matmul: shape mismatch: the left operand's columns differ from the right "
                  "operand's rows");
    static_assert(errors::matmul_rhs_is_not_batched<SA, SB>,
                  "fusegrad: matmul: the right operand may not carry the batch dimension");
    static_assert(errors::matmul_batched_lhs_needs_matrix_rhs<SA, SB>,
                  "fusegrad: matmul: a batched left operand needs a matrix on the right");
    return matmul_node<A, B>{{a, b}};
}

/// Transpose of a matrix; vectors and scalars are returned unchanged.
template <expression X>
constexpr auto transpose(const X& x) {
    static_assert(errors::transpose_operand_is_not_batched<shape_type<X::shape>>,
                  "fusegrad: transpose: a batched operand cannot be transposed");
    if constexpr (X::shape.rank <= 1) return x;
    else return transpose_node<X>{x};
}

}  // namespace fusegrad

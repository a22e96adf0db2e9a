#pragma once
#include <concepts>
#include <cstddef>

namespace fusegrad {

/// The protocol of a function of a whole row (the last axis) with its vector-Jacobian product: softmax and
/// glu inside fusegrad, and user ops given to fg::apply_rows. For a row x of n values and its output y of
/// out_cols(n) values:
///   - `out_cols(n)`: the output's width, a static constexpr function (shapes are compile-time);
///   - `forward(x, y, n)` writes y;
///   - `backward(x, y, g, gx, n)` ADDS gᵀ·∂y/∂x to gx, given the row's input, its stored output and the
///     output's adjoint g (adding, not assigning: the evaluator clears gx first when nothing else adds to it).
/// Each must accept float and double pointers.
template <class Op>
concept row_op = std::copy_constructible<Op> &&
                 requires(const Op op, const float* cf, float* f, const double* cd, double* d, std::size_t n) {
                     { Op::out_cols(n) } -> std::convertible_to<std::size_t>;
                     op.forward(cf, f, n);
                     op.forward(cd, d, n);
                     op.backward(cf, cf, cf, f, n);
                     op.backward(cd, cd, cd, d, n);
                 };

}  // namespace fusegrad

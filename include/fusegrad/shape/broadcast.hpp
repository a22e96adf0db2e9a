#pragma once
#include <cstddef>

#include "shape.hpp"

namespace fusegrad {

namespace detail {
// Rows compare as extents where a batch is its own extent that only matches a batch or 1.
constexpr bool rows_compatible(shape_info a, shape_info b) {
    if (a.batched && b.batched) return true;
    if (a.batched) return b.rows == 1;
    if (b.batched) return a.rows == 1;
    return a.rows == b.rows || a.rows == 1 || b.rows == 1;
}
constexpr std::size_t max_extent(std::size_t a, std::size_t b) { return a > b ? a : b; }
}  // namespace detail

/// NumPy broadcasting on rank ≤ 2, right-aligned: each extent is equal or 1 (a vector broadcasts over rows).
constexpr bool broadcastable(shape_info a, shape_info b) {
    return detail::rows_compatible(a, b) && (a.cols == b.cols || a.cols == 1 || b.cols == 1);
}

constexpr shape_info broadcast_shape(shape_info a, shape_info b) {
    shape_info out;
    out.rank = a.rank > b.rank ? a.rank : b.rank;
    out.batched = a.batched || b.batched;
    out.rows = out.batched ? 1 : detail::max_extent(a.rows, b.rows);
    out.cols = detail::max_extent(a.cols, b.cols);
    return out;
}

/// Index into an operand of shape `in` for element (row, col) of the broadcast result.
constexpr std::size_t broadcast_index(shape_info in, std::size_t row, std::size_t col) {
    const std::size_t r = (in.batched || in.rows != 1) ? row : 0;
    const std::size_t c = in.cols == 1 ? 0 : col;
    return r * in.cols + c;
}

}  // namespace fusegrad

#pragma once
#include "broadcast.hpp"
#include "shape.hpp"

/// Conditions behind fusegrad's compile errors. Each is a variable template over the offending shapes or
/// names, so that the compiler prints them next to the `fusegrad:` message (g++ in the note under the
/// error, clang on the error line itself).
namespace fusegrad::errors {

namespace detail {
template <class S>
struct info_of;
template <auto... E>
struct info_of<shape<E...>> {
    static constexpr shape_info value = fusegrad::detail::make_shape<E...>();
};
}  // namespace detail

template <class Lhs, class Rhs>
constexpr bool shapes_broadcast = broadcastable(detail::info_of<Lhs>::value, detail::info_of<Rhs>::value);

template <class Lhs, class Rhs>
constexpr bool matmul_operands_are_not_scalars =
    detail::info_of<Lhs>::value.rank > 0 && detail::info_of<Rhs>::value.rank > 0;

template <class Lhs, class Rhs>
constexpr bool matmul_inner_dimensions_agree = [] {
    constexpr shape_info a = detail::info_of<Lhs>::value, b = detail::info_of<Rhs>::value;
    return a.cols == (b.rank == 2 ? b.rows : b.cols);
}();

template <class Lhs, class Rhs>
constexpr bool matmul_rhs_is_not_batched = !detail::info_of<Rhs>::value.batched;

template <class Lhs, class Rhs>
constexpr bool matmul_batched_lhs_needs_matrix_rhs =
    !(detail::info_of<Lhs>::value.batched && detail::info_of<Rhs>::value.rank == 1);

template <class Shape>
constexpr bool transpose_operand_is_not_batched = !detail::info_of<Shape>::value.batched;

template <class Shape>
constexpr bool glu_axis_has_even_length = detail::info_of<Shape>::value.cols % 2 == 0;

template <class Name>
constexpr bool activation_name_is_known = false;

template <class Name, class Shape>
constexpr bool variable_is_bound = false;

template <class Name, class Shape>
constexpr bool variable_is_in_the_graph = false;

template <class Name, class Shape>
constexpr bool gradient_was_requested = false;

template <class Expression>
constexpr bool variable_names_are_unique = false;

}  // namespace fusegrad::errors

#pragma once
#include "node.hpp"
#include "reduce.hpp"

namespace fusegrad {

/// Selects a reduction over every element: `fg::sum(x)` is `fg::sum<fg::all_axes>(x)`.
enum class all_axes_t { value };
inline constexpr all_axes_t all_axes = all_axes_t::value;

namespace detail {
template <auto Axis, shape_info S>
constexpr reduce_axis resolve_axis() {
    if constexpr (std::is_same_v<decltype(Axis), all_axes_t>) {
        return reduce_axis::all;
    } else {
        // A scalar has axis 0 and −1, like a one-element vector (as the activations' axes).
        constexpr int rank = S.rank == 0 ? 1 : S.rank;
        static_assert(Axis >= -rank && Axis < rank,
                      "fusegrad: sum/mean: the axis is out of range for the operand's rank");
        constexpr int axis = Axis < 0 ? Axis + rank : Axis;
        if constexpr (S.rank <= 1) return reduce_axis::all;
        else if constexpr (axis == 0) return reduce_axis::rows;
        else return reduce_axis::cols;
    }
}
}  // namespace detail

/// Sum over all elements (a scalar), over axis 0 (a vector of the columns' sums), or over the last
/// axis (a column of the rows' sums, kept two-dimensional so that it broadcasts back over x).
template <auto Axis = all_axes, expression X>
constexpr auto sum(const X& x) {
    return reduce_node<reduce_kind::sum, detail::resolve_axis<Axis, X::shape>(), X>{x};
}

/// Mean over the same axes as `sum`.
template <auto Axis = all_axes, expression X>
constexpr auto mean(const X& x) {
    return reduce_node<reduce_kind::mean, detail::resolve_axis<Axis, X::shape>(), X>{x};
}

}  // namespace fusegrad

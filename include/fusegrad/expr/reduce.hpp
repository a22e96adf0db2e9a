#pragma once
#include <boost/mp11/list.hpp>

#include "node.hpp"

namespace fusegrad {

/// Which elements a reduction combines.
enum class reduce_axis { all, rows, cols };

/// Sum or mean, as a kind of reduction.
enum class reduce_kind { sum, mean };

namespace detail {
constexpr shape_info reduce_shape(shape_info in, reduce_axis axis) {
    if (axis == reduce_axis::all || in.rank <= 1) return scalar_shape;
    if (axis == reduce_axis::rows) return vector_shape(in.cols);
    return shape_info{2, in.rows, 1, in.batched};  // kept as a column so it broadcasts back over x
}
}  // namespace detail

/// A sum or a mean over all elements, over rows (axis 0) or over the last axis.
template <reduce_kind Kind, reduce_axis Axis, class X>
struct reduce_node {
    static constexpr shape_info shape = detail::reduce_shape(X::shape, Axis);
    static constexpr bool stateless = X::stateless;
    static constexpr reduce_kind kind = Kind;
    static constexpr reduce_axis axis = X::shape.rank <= 1 ? reduce_axis::all : Axis;
    using children = boost::mp11::mp_list<X>;

    X x;

    template <std::size_t I>
    constexpr const X& child() const { return x; }
};

}  // namespace fusegrad

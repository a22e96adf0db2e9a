#pragma once
#include <boost/mp11/list.hpp>

#include "node.hpp"

namespace fusegrad {

/// Matrix transpose of a fixed-shape matrix.
template <class X>
struct transpose_node {
    static constexpr shape_info shape = matrix_shape(X::shape.cols, X::shape.rows);
    static constexpr bool stateless = X::stateless;
    using children = boost::mp11::mp_list<X>;

    X x;

    template <std::size_t I>
    constexpr const X& child() const { return x; }
};

}  // namespace fusegrad

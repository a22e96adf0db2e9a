#pragma once
#include <boost/mp11/list.hpp>

#include "../shape/shape.hpp"

namespace fusegrad {

/// A scalar known at run time (`x * 2.0`). It carries a value, so two constants of the same type may
/// differ: the graph gives each one, and every node above it, an identity by position instead of by type.
struct constant {
    static constexpr shape_info shape = scalar_shape;
    static constexpr bool stateless = false;
    using children = boost::mp11::mp_list<>;
    double value;
};

}  // namespace fusegrad

#pragma once
#include <boost/mp11/list.hpp>

#include "../expr/var.hpp"

namespace fusegrad {

/// The variables a gradient is asked for: `f.value_and_grad(fg::wrt(W, b), ...)`.
template <class... Vars>
struct wrt_t {
    using list = boost::mp11::mp_list<Vars...>;
};

template <variable... Vars>
constexpr wrt_t<Vars...> wrt(const Vars&...) {
    return {};
}

}  // namespace fusegrad

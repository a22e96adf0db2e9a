#pragma once
#include <boost/mp11/list.hpp>

#include "../detail/fixed_string.hpp"
#include "../shape/shape.hpp"

namespace fusegrad {

template <class Var, class Source>
struct binding;

/// A named input with a static shape: `fg::var<"W", 4, 3>`, `fg::var<"x", fg::batch, 784>`, `fg::var<"s">`.
/// Two variables are the same variable exactly when their names and shapes agree.
template <fixed_string Name, auto... Extents>
struct var {
    static constexpr auto name = Name;
    static constexpr shape_info shape = detail::make_shape<Extents...>();
    static constexpr bool stateless = true;
    using children = boost::mp11::mp_list<>;

    /// Binds data to this variable for one call: `f.value(x = data)`. The data is not copied.
    template <class Source>
    constexpr binding<var, Source> operator=(const Source& source) const {
        return binding<var, Source>{source};
    }
};

/// `x = data`: which variable, and a reference to the caller's data, valid for the full expression.
template <class Var, class Source>
struct binding {
    using variable = Var;
    const Source& source;
};

namespace detail {
template <class T>
struct is_var_impl : std::false_type {};
template <fixed_string Name, auto... Extents>
struct is_var_impl<var<Name, Extents...>> : std::true_type {};

template <class T>
struct is_binding_impl : std::false_type {};
template <class V, class S>
struct is_binding_impl<binding<V, S>> : std::true_type {};
}  // namespace detail

template <class T>
concept variable = detail::is_var_impl<std::remove_cvref_t<T>>::value;

template <class T>
concept variable_binding = detail::is_binding_impl<std::remove_cvref_t<T>>::value;

}  // namespace fusegrad

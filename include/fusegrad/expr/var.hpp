#pragma once
#include <boost/mp11/list.hpp>
#include <cstddef>
#include <type_traits>

#include "../detail/fixed_string.hpp"
#include "../shape/shape.hpp"

namespace fusegrad {

template <class Var, class Source>
struct binding;

/// The variable type behind fg::var, with its extents as std::size_t (or fg::batch).
template <fixed_string Name, auto... Extents>
struct basic_var {
    static constexpr auto name = Name;
    static constexpr shape_info shape = detail::make_shape<Extents...>();
    static constexpr bool stateless = true;
    using children = boost::mp11::mp_list<>;

    /// Binds data to this variable for one call: `f.value(x = data)`. The data is not copied.
    template <class Source>
    constexpr binding<basic_var, Source> operator=(const Source& source) const {
        return binding<basic_var, Source>{source};
    }
};

namespace detail {
/// An extent as every variable spells it: `4`, `4u` and `std::size_t{4}` are one extent.
template <auto E>
constexpr auto canonical_extent() {
    if constexpr (std::is_same_v<std::remove_cv_t<decltype(E)>, batch_dim>) return E;
    else return static_cast<std::size_t>(E);
}
}  // namespace detail

/// A named input with a static shape: `fg::var<"W", 4, 3>`, `fg::var<"x", fg::batch, 784>`, `fg::var<"s">`.
/// Two variables are the same variable exactly when their names and shapes agree, however the extents
/// are typed.
template <fixed_string Name, auto... Extents>
using var = basic_var<Name, detail::canonical_extent<Extents>()...>;

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
struct is_var_impl<basic_var<Name, Extents...>> : std::true_type {};

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

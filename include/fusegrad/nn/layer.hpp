#pragma once
#include <concepts>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include <boost/mp11/list.hpp>

#include "../detail/fixed_string.hpp"
#include "features.hpp"
#include "random.hpp"

/// The protocol of a layer, and its defaults. A layer is a small literal type with
///   `kind` (the base of its Keras name, "dense") and `keras_class` ("Dense"), and
///   `lower<Prefix, In, Training>(x)`: the expression it computes from the expression x of shape In,
/// and optionally
///   `output_features<In>()` (default: In), `accepts<In>()` and `expected_input<In>()` (default: any input),
///   `variables<Prefix, In>` (trainable parameters, as fg::var types named "<Prefix>/kernel"; default none),
///   `masks<Prefix, In>` (run-time inputs a training step fills, as dropout's; default none),
///   `initialize<In>(span, engine)`, `weights<T, In>` (named views of its parameters), `describe(In)`.
namespace fusegrad {

template <class L>
concept layer = requires {
    { L::kind.view() } -> std::convertible_to<std::string_view>;
    { L::keras_class } -> std::convertible_to<std::string_view>;
};

/// A layer without parameters has these weights.
struct no_weights {};

namespace detail {
template <class L, fixed_string Prefix, features In>
struct layer_variables {
    using type = boost::mp11::mp_list<>;
};
template <class L, fixed_string Prefix, features In>
    requires requires { typename L::template variables<Prefix, In>; }
struct layer_variables<L, Prefix, In> {
    using type = typename L::template variables<Prefix, In>;
};

template <class L, fixed_string Prefix, features In>
struct layer_masks {
    using type = boost::mp11::mp_list<>;
};
template <class L, fixed_string Prefix, features In>
    requires requires { typename L::template masks<Prefix, In>; }
struct layer_masks<L, Prefix, In> {
    using type = typename L::template masks<Prefix, In>;
};

template <class L, class T, features In>
struct layer_weights {
    using type = no_weights;
    static no_weights make(T*) { return {}; }
};
template <class L, class T, features In>
    requires requires { typename L::template weights<T, In>; }
struct layer_weights<L, T, In> {
    using type = typename L::template weights<T, In>;
    static type make(T* p) { return L::template make_weights<T, In>(p); }
};

template <class L, features In>
constexpr features layer_output() {
    if constexpr (requires { L::template output_features<In>(); }) return L::template output_features<In>();
    else return In;
}

template <class L, features In>
constexpr bool layer_accepts() {
    if constexpr (requires { L::template accepts<In>(); }) return L::template accepts<In>();
    else return true;
}

/// What a layer wants, for the diagnostic when it does not accept its input.
template <class L, features In>
constexpr features layer_expected_input() {
    if constexpr (requires { L::template expected_input<In>(); }) return L::template expected_input<In>();
    else return In;
}

template <class L, features In, class T>
void layer_initialize(const L& l, std::span<T> parameters, random_engine& engine) {
    if constexpr (requires { l.template initialize<In>(parameters, engine); }) l.template initialize<In>(parameters, engine);
}

/// One line of the architecture fingerprint, e.g. "dense(784,128,bias,relu)".
template <class L, features In>
std::string layer_description(const L& l) {
    if constexpr (requires { l.template describe<In>(); }) return l.template describe<In>();
    else return std::string{L::kind.view()};
}
}  // namespace detail

}  // namespace fusegrad

#pragma once
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include <boost/mp11/list.hpp>

#include "../../detail/fixed_string.hpp"
#include "../../eval/tensor_ref.hpp"
#include "../../expr/activation.hpp"
#include "../../expr/linalg.hpp"
#include "../../expr/operators.hpp"
#include "../../expr/var.hpp"
#include "../features.hpp"
#include "../initializers.hpp"
#include "../random.hpp"
#include "activation.hpp"

namespace fusegrad {

/// Whether a dense layer adds a bias: `fg::dense<10, fg::bias::none>()` is Keras `Dense(10, use_bias=False)`.
/// A template argument, because it changes the graph.
enum class bias { use, none };

/// Keras Dense options that change values, not the graph.
struct dense_options {
    initializers::initializer kernel_initializer = initializers::glorot_uniform;
    initializers::initializer bias_initializer = initializers::zeros;
};

namespace detail {
/// The activation's name for a fingerprint: Keras's name, a layer object's description, or "custom".
template <class F>
std::string activation_description(const F& f) {
    if constexpr (requires { f.template describe<features{}>(); }) return f.template describe<features{}>();
    else return activation_traits<F>::name();
}
}  // namespace detail

/// Keras `Dense(units, activation, use_bias, kernel_initializer, bias_initializer)`: activation(x·kernel + bias),
/// kernel of shape (inputs, units), bias of shape (units). Its variables are "<name>/kernel" and "<name>/bias".
template <std::size_t Units, bias Bias, class Activation>
struct dense_layer {
    static_assert(Units > 0, "fusegrad: dense: units must be positive");
    static constexpr fixed_string kind = "dense";
    static constexpr std::string_view keras_class = "Dense";
    static constexpr bool use_bias = Bias == bias::use;

    [[no_unique_address]] Activation activation;
    dense_options options;

    template <features In>
    static constexpr bool accepts() { return In.rank == 1; }
    template <features In>
    static constexpr features expected_input() { return flat_features(In.size()); }
    /// The activation decides the width (glu halves it).
    template <features In>
    static constexpr features output_features() {
        return flat_features(detail::activation_width<Activation, Units>);
    }

    template <fixed_string Prefix, features In>
    using kernel_variable = var<detail::joined<Prefix, fixed_string("/kernel")>(), In.size(), Units>;
    template <fixed_string Prefix>
    using bias_variable = var<detail::joined<Prefix, fixed_string("/bias")>(), Units>;

    template <fixed_string Prefix, features In>
    using variables = std::conditional_t<use_bias,
                                         boost::mp11::mp_list<kernel_variable<Prefix, In>, bias_variable<Prefix>>,
                                         boost::mp11::mp_list<kernel_variable<Prefix, In>>>;

    template <fixed_string Prefix, features In, bool Training, class X>
    constexpr auto lower(const X& x) const {
        if constexpr (use_bias) return activation(matmul(x, kernel_variable<Prefix, In>{}) + bias_variable<Prefix>{});
        else return activation(matmul(x, kernel_variable<Prefix, In>{}));
    }

    /// The kernel (and bias) as named views into the model's parameters.
    template <class T, features In>
    struct weights {
        tensor_ref<T, In.size(), Units> kernel;
        tensor_ref<T, Units> bias;
    };
    template <class T, features In>
    static weights<T, In> make_weights(T* p) {
        return {{p}, {use_bias ? p + In.size() * Units : nullptr}};
    }

    template <features In, class T>
    void initialize(std::span<T> p, random_engine& engine) const {
        options.kernel_initializer.fill(p.first(In.size() * Units), In.size(), Units, engine);
        if constexpr (use_bias) options.bias_initializer.fill(p.subspan(In.size() * Units, Units), In.size(), Units, engine);
    }

    template <features In>
    std::string describe() const {
        return "dense(" + std::to_string(In.size()) + "," + std::to_string(Units) + (use_bias ? ",bias," : ",nobias,") +
               detail::activation_description(activation) + ")";
    }
};

/// `fg::dense<128>(fg::activation<"relu">)`, `fg::dense<10>()` (linear: logits), with options
/// `fg::dense<64>(fg::activation<"tanh">, {.kernel_initializer = fg::initializers::he_normal})`.
template <std::size_t Units, bias Bias = bias::use, class Activation = activation_fn<"linear">>
constexpr dense_layer<Units, Bias, Activation> dense(Activation activation = {}, dense_options options = {}) {
    return {activation, options};
}

}  // namespace fusegrad

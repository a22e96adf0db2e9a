#pragma once
#include "../detail/fixed_string.hpp"
#include "../shape/errors.hpp"
#include "activations.hpp"

namespace fusegrad {

namespace detail {
// Parameterless Keras names; `threshold` is left out because Keras gives it no defaults.
template <fixed_string Name>
constexpr bool known_activation =
    Name == fixed_string("linear") || Name == fixed_string("relu") || Name == fixed_string("relu6") ||
    Name == fixed_string("leaky_relu") || Name == fixed_string("elu") || Name == fixed_string("selu") ||
    Name == fixed_string("celu") || Name == fixed_string("sigmoid") || Name == fixed_string("hard_sigmoid") ||
    Name == fixed_string("log_sigmoid") || Name == fixed_string("sparse_sigmoid") ||
    Name == fixed_string("tanh") || Name == fixed_string("tanh_shrink") || Name == fixed_string("hard_tanh") ||
    Name == fixed_string("softplus") || Name == fixed_string("softsign") || Name == fixed_string("silu") ||
    Name == fixed_string("swish") || Name == fixed_string("hard_silu") || Name == fixed_string("hard_swish") ||
    Name == fixed_string("gelu") || Name == fixed_string("mish") || Name == fixed_string("squareplus") ||
    Name == fixed_string("soft_shrink") || Name == fixed_string("hard_shrink") ||
    Name == fixed_string("sparse_plus") || Name == fixed_string("exponential") ||
    Name == fixed_string("softmax") || Name == fixed_string("log_softmax") || Name == fixed_string("glu") ||
    Name == fixed_string("sparsemax");
}  // namespace detail

/// The activation called `Name` in Keras, as a callable: `fg::activation<"relu">(x)`. Keras defaults.
template <fixed_string Name>
struct activation_fn {
    static_assert(errors::activation_name_is_known<spelled<Name>> ||
                      detail::known_activation<Name>,
                  "fusegrad: unknown activation name; valid names: linear, relu, relu6, leaky_relu, elu, "
                  "selu, celu, sigmoid, hard_sigmoid, log_sigmoid, sparse_sigmoid, tanh, tanh_shrink, "
                  "hard_tanh, softplus, softsign, silu, swish, hard_silu, hard_swish, gelu, mish, "
                  "squareplus, soft_shrink, hard_shrink, sparse_plus, exponential, softmax, log_softmax, "
                  "glu, sparsemax");

    template <expression X>
    constexpr auto operator()(const X& x) const {
        constexpr std::string_view n = Name.view();
        if constexpr (n == "linear") return linear(x);
        else if constexpr (n == "relu") return relu(x);
        else if constexpr (n == "relu6") return relu6(x);
        else if constexpr (n == "leaky_relu") return leaky_relu(x);
        else if constexpr (n == "elu") return elu(x);
        else if constexpr (n == "selu") return selu(x);
        else if constexpr (n == "celu") return celu(x);
        else if constexpr (n == "sigmoid") return sigmoid(x);
        else if constexpr (n == "hard_sigmoid") return hard_sigmoid(x);
        else if constexpr (n == "log_sigmoid") return log_sigmoid(x);
        else if constexpr (n == "sparse_sigmoid") return sparse_sigmoid(x);
        else if constexpr (n == "tanh") return tanh(x);
        else if constexpr (n == "tanh_shrink") return tanh_shrink(x);
        else if constexpr (n == "hard_tanh") return hard_tanh(x);
        else if constexpr (n == "softplus") return softplus(x);
        else if constexpr (n == "softsign") return softsign(x);
        else if constexpr (n == "silu" || n == "swish") return silu(x);
        else if constexpr (n == "hard_silu" || n == "hard_swish") return hard_silu(x);
        else if constexpr (n == "gelu") return gelu(x);
        else if constexpr (n == "mish") return mish(x);
        else if constexpr (n == "squareplus") return squareplus(x);
        else if constexpr (n == "soft_shrink") return soft_shrink(x);
        else if constexpr (n == "hard_shrink") return hard_shrink(x);
        else if constexpr (n == "sparse_plus") return sparse_plus(x);
        else if constexpr (n == "exponential") return exponential(x);
        else if constexpr (n == "softmax") return softmax(x);
        else if constexpr (n == "log_softmax") return log_softmax(x);
        else if constexpr (n == "glu") return glu(x);
        else return sparsemax(x);
    }
};

template <fixed_string Name>
inline constexpr activation_fn<Name> activation{};

}  // namespace fusegrad

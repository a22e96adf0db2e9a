#pragma once
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "../../detail/fixed_string.hpp"
#include "../../detail/number_text.hpp"
#include "../../expr/activation.hpp"
#include "../../expr/activations.hpp"
#include "../../expr/unary.hpp"
#include "../../expr/var.hpp"
#include "../../ops/elu.hpp"
#include "../../ops/relu.hpp"
#include "../features.hpp"

namespace fusegrad {

namespace detail {
template <class F>
struct activation_traits {
    static constexpr fixed_string kind = "lambda";
    static constexpr std::string_view keras_class = "Lambda";
    static std::string name() { return "custom"; }
    /// Whether F acts on each element alone, so that a sample of rank 2 may be given to it as it is stored.
    static constexpr bool elementwise = false;
};
template <fixed_string Name>
struct activation_traits<activation_fn<Name>> {
    static constexpr fixed_string kind = "activation";
    static constexpr std::string_view keras_class = "Activation";
    static std::string name() { return std::string{Name.view()}; }
    static constexpr bool elementwise = Name.view() != "softmax" && Name.view() != "log_softmax" &&
                                        Name.view() != "glu" && Name.view() != "sparsemax";
};

/// The width F gives a batch of `Width`-wide rows.
template <class F, std::size_t Width>
constexpr std::size_t activation_width = decltype(std::declval<const F&>()(var<"x", batch, Width>{}))::shape.cols;
}  // namespace detail

/// A parameterless layer applying F to its input: `fg::activation<"relu">` (Keras `Activation("relu")`), or
/// any callable from an expression to an expression (Keras `Lambda`). sequential wraps these itself.
template <class F>
struct activation_layer {
    static constexpr fixed_string kind = detail::activation_traits<F>::kind;
    static constexpr std::string_view keras_class = detail::activation_traits<F>::keras_class;

    [[no_unique_address]] F function;

    // A function along rows (softmax) or of unknown kind (a lambda) would see a 28 × 28 sample as one row of
    // 784, unlike Keras's last axis: such layers take flat samples only.
    template <features In>
    static constexpr bool accepts() { return In.rank == 1 || detail::activation_traits<F>::elementwise; }
    template <features In>
    static constexpr features expected_input() { return flat_features(In.size()); }
    template <features In>
    static constexpr features output_features() {
        constexpr std::size_t width = detail::activation_width<F, In.size()>;
        return width == In.size() ? In : flat_features(width);
    }

    template <fixed_string Prefix, features In, bool Training, class X>
    constexpr auto lower(const X& x) const { return function(x); }

    template <features In>
    std::string describe() const { return std::string{kind.view()} + "(" + detail::activation_traits<F>::name() + ")"; }
};

/// The Keras activation *layer* objects, whose options are run-time members as in Keras (`fg::relu` and
/// friends are the expression functions, with compile-time options).
namespace layers {

/// Keras `ReLU(max_value=None, negative_slope=0.0, threshold=0.0)`; max_value infinite means None.
struct relu {
    static constexpr fixed_string kind = "re_lu";
    static constexpr std::string_view keras_class = "ReLU";
    double max_value = std::numeric_limits<double>::infinity();
    double negative_slope = 0.0;
    double threshold = 0.0;

    template <fixed_string Prefix, features In, bool Training, class X>
    constexpr auto lower(const X& x) const {
        using op = ops::relu_with_options;
        return unary<op, X>{{op{relu_options{negative_slope, max_value, threshold}}, x}};
    }
    template <expression X>
    constexpr auto operator()(const X& x) const { return lower<"", features{}, false>(x); }
    template <features In>
    std::string describe() const {
        return "re_lu(" + detail::number_text(max_value) + "," + detail::number_text(negative_slope) + "," +
               detail::number_text(threshold) + ")";
    }
};

/// Keras `LeakyReLU(negative_slope=0.3)`: the layer's default is 0.3, the function's (fg::leaky_relu) 0.2.
struct leaky_relu {
    static constexpr fixed_string kind = "leaky_re_lu";
    static constexpr std::string_view keras_class = "LeakyReLU";
    double negative_slope = 0.3;

    template <fixed_string Prefix, features In, bool Training, class X>
    constexpr auto lower(const X& x) const {
        using op = ops::leaky_relu_with_slope;
        return unary<op, X>{{op{negative_slope}, x}};
    }
    template <expression X>
    constexpr auto operator()(const X& x) const { return lower<"", features{}, false>(x); }
    template <features In>
    std::string describe() const { return "leaky_re_lu(" + detail::number_text(negative_slope) + ")"; }
};

/// Keras `ELU(alpha=1.0)`.
struct elu {
    static constexpr fixed_string kind = "elu";
    static constexpr std::string_view keras_class = "ELU";
    double alpha = 1.0;

    template <fixed_string Prefix, features In, bool Training, class X>
    constexpr auto lower(const X& x) const {
        using op = ops::elu_with_alpha;
        return unary<op, X>{{op{alpha}, x}};
    }
    template <expression X>
    constexpr auto operator()(const X& x) const { return lower<"", features{}, false>(x); }
    template <features In>
    std::string describe() const { return "elu(" + detail::number_text(alpha) + ")"; }
};

/// Keras `Softmax()` over the last axis (the only one a sample of rank 1 has).
struct softmax {
    static constexpr fixed_string kind = "softmax";
    static constexpr std::string_view keras_class = "Softmax";

    template <features In>
    static constexpr bool accepts() { return In.rank == 1; }
    template <features In>
    static constexpr features expected_input() { return flat_features(In.size()); }

    template <fixed_string Prefix, features In, bool Training, class X>
    constexpr auto lower(const X& x) const { return fusegrad::softmax(x); }
    template <expression X>
    constexpr auto operator()(const X& x) const { return fusegrad::softmax(x); }
};

}  // namespace layers

}  // namespace fusegrad

#pragma once
#include <algorithm>
#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/mp11/algorithm.hpp>
#include <boost/mp11/list.hpp>

#include "../detail/fixed_string.hpp"
#include "../expr/node.hpp"
#include "../eval/wrt.hpp"
#include "../expr/var.hpp"
#include "../shape/errors.hpp"
#include "features.hpp"
#include "layer.hpp"
#include "layers/activation.hpp"
#include "layers/input.hpp"
#include "random.hpp"
#include "summary.hpp"

namespace fusegrad {

template <class T, class Model>
class parameters;

namespace errors {
template <class ModelInput, class Got>
constexpr bool model_input_matches = false;
}  // namespace errors

/// A Keras Sequential model as a type: layers in order, the first an `fg::input`. Shapes flow from layer to
/// layer at compile time; a layer that cannot take its input is a compile error naming its position (counted
/// as Keras's `model.layers`, from the first layer after the input), its kind and both shapes. The model lowers onto the same expression graphs as everything else:
/// `model(x)` is an expression, and its parameters are `fg::var`s named like Keras's weights
/// ("dense/kernel", "dense_1/bias").
template <fixed_string Name, class... Layers>
class sequential_model {
public:
    static constexpr std::size_t layer_count = sizeof...(Layers);  // the input layer included
    using layer_types = boost::mp11::mp_list<Layers...>;
    template <std::size_t I>
    using layer_type = boost::mp11::mp_at_c<layer_types, I>;

    static_assert(layer_count >= 1 && detail::is_input_layer<layer_type<0>>,
                  "fusegrad: sequential: the first layer must be fg::input<...>, the shape of one sample");

    static constexpr fixed_string name = Name;

    constexpr explicit sequential_model(Layers... layers) : layers_(layers...) {
        []<std::size_t... I>(std::index_sequence<I...>) { (check_layer<I + 1>(), ...); }(
            std::make_index_sequence<layer_count - 1>{});
    }

    /// The input of layer I (I ≥ 1), the output of layer I − 1.
    template <std::size_t I>
    static constexpr features features_before() {
        if constexpr (I == 1) return layer_type<0>::shape;
        else return detail::layer_output<layer_type<I - 1>, features_before<I - 1>()>();
    }
    static constexpr features input_features = layer_type<0>::shape;
    static constexpr features output_features = features_before<layer_count>();

    /// Keras's name of layer I: its kind, numbered from the second of that kind on ("dense", "dense_1").
    template <std::size_t I>
    static constexpr auto layer_name() {
        constexpr std::size_t before = [] {
            std::size_t n = 0;
            [&]<std::size_t... J>(std::index_sequence<J...>) {
                ((n += J >= 1 && layer_type<J>::kind.view() == layer_type<I>::kind.view()), ...);
            }(std::make_index_sequence<I>{});
            return n;
        }();
        if constexpr (before == 0) return layer_type<I>::kind;
        else return detail::joined<layer_type<I>::kind, fixed_string("_"), before>();
    }
    /// The prefix of layer I's variable names: its name, under the model's unless the model is unnamed.
    template <std::size_t I>
    static constexpr auto variable_prefix() {
        if constexpr (Name.view() == std::string_view{"sequential"}) return layer_name<I>();
        else return detail::joined<Name, fixed_string("/"), layer_name<I>()>();
    }

private:
    template <template <class, fixed_string, features> class Of, std::size_t... I>
    static auto collect(std::index_sequence<I...>)
        -> boost::mp11::mp_append<boost::mp11::mp_list<>,
                                  typename Of<layer_type<I + 1>, variable_prefix<I + 1>(), features_before<I + 1>()>::type...>;

public:
    /// Every trainable variable, layer by layer: the layout of fg::parameters.
    using parameter_variables = decltype(collect<detail::layer_variables>(std::make_index_sequence<layer_count - 1>{}));
    /// The variables a training step fills (dropout masks).
    using mask_variables = decltype(collect<detail::layer_masks>(std::make_index_sequence<layer_count - 1>{}));
    /// The input as a variable: (batch, features), samples flattened row-major.
    using input_variable = std::conditional_t<Name.view() == std::string_view{"sequential"},
                                              var<"input", batch, input_features.size()>,
                                              var<detail::joined<Name, fixed_string("/input")>(), batch, input_features.size()>>;

    /// The input variable as a value, to bind data to: `model.input = x`.
    static constexpr input_variable input{};
    /// Every parameter, as fg::wrt would list them.
    using parameter_wrt = boost::mp11::mp_rename<parameter_variables, wrt_t>;

    static constexpr std::size_t parameter_variable_count = boost::mp11::mp_size<parameter_variables>::value;
    /// Where each variable starts in the flat parameter vector, and the total.
    static constexpr std::array<std::size_t, parameter_variable_count + 1> parameter_offsets = [] {
        std::array<std::size_t, parameter_variable_count + 1> at{};
        std::size_t k = 0;
        boost::mp11::mp_for_each<parameter_variables>([&](auto v) {
            at[k + 1] = at[k] + decltype(v)::shape.size(1);
            ++k;
        });
        return at;
    }();
    static constexpr std::size_t parameter_count = parameter_offsets[parameter_variable_count];

    /// Layer I's parameters: the offset of its first and how many.
    template <std::size_t I>
    static constexpr std::size_t layer_parameter_offset() {
        std::size_t at = 0;
        [&]<std::size_t... J>(std::index_sequence<J...>) {
            ((at += layer_parameter_count<J + 1>()), ...);
        }(std::make_index_sequence<I - 1>{});
        return at;
    }
    template <std::size_t I>
    static constexpr std::size_t layer_parameter_count() {
        std::size_t n = 0;
        boost::mp11::mp_for_each<typename detail::layer_variables<layer_type<I>, variable_prefix<I>(), features_before<I>()>::type>(
            [&](auto v) { n += decltype(v)::shape.size(1); });
        return n;
    }

    /// The inference graph on any expression of the input's shape (a batch, or one sample).
    template <expression X>
    constexpr auto operator()(const X& x) const {
        return lower_checked<false>(x);
    }
    /// The training graph: dropout active (its masks are variables the training step binds).
    template <expression X>
    constexpr auto training(const X& x) const {
        return lower_checked<true>(x);
    }
    /// The inference graph on the model's own input variable.
    constexpr auto output() const { return (*this)(input_variable{}); }

    /// Layer I as Keras's `model.layers[I]` counts: the first layer after fg::input is layer 0.
    template <std::size_t I>
    constexpr const auto& layer() const {
        static_assert(I + 1 < layer_count, "fusegrad: sequential::layer<I>: I is past the model's last layer (layers "
                                           "count from 0, the first layer after fg::input)");
        // Clamped so that a failed assertion is the only error (std::get past the end would add dozens of lines).
        return std::get<std::min(I + 1, layer_count - 1)>(layers_);
    }

    /// Draws one training step's dropout masks, one buffer per mask variable (sized by the caller).
    template <class T>
    void fill_masks(std::span<std::vector<T>> buffers, random_engine& engine) const {
        std::size_t k = 0;
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (([&] {
                 const auto& l = std::get<I + 1>(layers_);
                 if constexpr (requires { l.fill_mask(std::span<T>(buffers[k]), engine); })
                     l.fill_mask(std::span<T>(buffers[k++]), engine);
             }()),
             ...);
        }(std::make_index_sequence<layer_count - 1>{});
    }

    /// Fresh parameters: every layer's initializers, each layer drawing from its own stream of `seed`.
    template <class T = float>
    parameters<T, sequential_model> init(std::uint64_t seed) const;

    /// The Keras 3 summary table, sizes for parameters of type T (Keras's float32 by default).
    template <class T = float>
    std::string summary() const {
        std::vector<summary_row> rows;
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (rows.push_back(summary_row{std::string{layer_name<I + 1>().view()}, layer_type<I + 1>::keras_class,
                                        features_before<I + 2>().to_string(), layer_parameter_count<I + 1>()}),
             ...);
        }(std::make_index_sequence<layer_count - 1>{});
        return format_summary(Name.view(), rows, sizeof(T));
    }

    /// The architecture as text (layer kinds, shapes and options): the fingerprint checkpoints carry.
    std::string architecture() const {
        std::string text = std::string{Name.view()} + "(input(" + input_features.dims_text() + ")";
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            ((text += " " + detail::layer_description<layer_type<I + 1>, features_before<I + 1>()>(std::get<I + 1>(layers_))), ...);
        }(std::make_index_sequence<layer_count - 1>{});
        return text + ")";
    }

private:
    // Lowering stops at a wrong input, so that the model's message is the first error, not a matmul's.
    template <bool Training, class X>
    constexpr auto lower_checked(const X& x) const {
        constexpr shape_info s = X::shape;
        constexpr bool fits = (s.batched || s.rank == 1) && s.cols == input_features.size();
        static_assert(errors::model_input_matches<sample_type<input_features>, shape_type<s>> || fits,
                      "fusegrad: sequential: the expression given to the model does not have the shape of its "
                      "input (a (batch, features) matrix or one sample of the input's size)");
        if constexpr (fits) return lower_from<Training, 1>(x);
        else return x;
    }

    template <std::size_t I>
    static constexpr void check_layer() {
        using L = layer_type<I>;
        constexpr features in = features_before<I>();
        static_assert(!detail::is_input_layer<L>, "fusegrad: sequential: fg::input may only be the first layer");
        static_assert(errors::layer_accepts_its_input<layer_index<I - 1>, spelled<L::kind>,
                                                      sample_type<detail::layer_expected_input<L, in>()>, sample_type<in>> ||
                          detail::layer_accepts<L, in>(),
                      "fusegrad: sequential: a layer does not accept the shape of its input; the layer's index, "
                      "kind, the input it expects and the input it gets follow");
    }

    template <bool Training, std::size_t I, class X>
    constexpr auto lower_from(const X& x) const {
        if constexpr (I == layer_count) {
            return x;
        } else {
            return lower_from<Training, I + 1>(
                std::get<I>(layers_).template lower<variable_prefix<I>(), features_before<I>(), Training>(x));
        }
    }

    std::tuple<Layers...> layers_;
};

namespace detail {
/// A sequential argument as a layer: layers stay as they are, callables become activation layers.
template <class L>
constexpr auto as_layer(const L& l) {
    if constexpr (layer<L>) return l;
    else return activation_layer<L>{l};
}
}  // namespace detail

/// `fg::sequential(fg::input<784>, fg::dense<128>(fg::activation<"relu">), fg::dense<10>())`. A name,
/// `fg::sequential<"encoder">(...)`, prefixes its variables ("encoder/dense/kernel"), so that two models can
/// share one expression.
template <fixed_string Name = "sequential", class... Layers>
constexpr auto sequential(const Layers&... layers) {
    return sequential_model<Name, decltype(detail::as_layer(layers))...>(detail::as_layer(layers)...);
}

}  // namespace fusegrad

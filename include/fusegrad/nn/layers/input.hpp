#pragma once
#include <cstddef>

#include "../../detail/fixed_string.hpp"
#include "../features.hpp"

namespace fusegrad {

/// The model's input: the shape of one sample, without the batch. `fg::input<784>`, or `fg::input<28, 28>`
/// followed by `fg::flatten()`. Only the first layer of a sequential model.
template <std::size_t... Dims>
struct input_layer {
    static_assert(sizeof...(Dims) == 1 || sizeof...(Dims) == 2,
                  "fusegrad: input: give one or two sample dimensions, e.g. fg::input<784> or fg::input<28, 28>");
    static_assert(((Dims > 0) && ...), "fusegrad: input: every dimension must be positive");
    static constexpr fixed_string kind = "input_layer";
    static constexpr std::string_view keras_class = "InputLayer";
    static constexpr features shape = [] {
        constexpr std::size_t d[] = {Dims...};
        if constexpr (sizeof...(Dims) == 1) return flat_features(d[0]);
        else return grid_features(d[0], d[1]);
    }();
};

template <std::size_t... Dims>
inline constexpr input_layer<Dims...> input{};

namespace detail {
template <class L>
constexpr bool is_input_layer = false;
template <std::size_t... Dims>
constexpr bool is_input_layer<input_layer<Dims...>> = true;
}  // namespace detail

}  // namespace fusegrad

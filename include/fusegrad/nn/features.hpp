#pragma once
#include <cstddef>
#include <string>
#include <type_traits>

namespace fusegrad {

/// The shape of one sample, without the batch: (784) or (28, 28). Keras prints it after `None`.
struct features {
    std::size_t rank = 1;
    std::size_t dims[2]{0, 1};

    constexpr std::size_t size() const { return rank == 1 ? dims[0] : dims[0] * dims[1]; }
    constexpr std::size_t last() const { return dims[rank - 1]; }
    constexpr bool operator==(const features&) const = default;

    /// "28,28": the dimensions in an architecture fingerprint.
    std::string dims_text() const {
        return rank == 1 ? std::to_string(dims[0]) : std::to_string(dims[0]) + "," + std::to_string(dims[1]);
    }
    /// "(None, 28, 28)", as in a Keras summary.
    std::string to_string() const {
        std::string s = "(None, " + std::to_string(dims[0]);
        if (rank == 2) s += ", " + std::to_string(dims[1]);
        return s + ")";
    }
};

constexpr features flat_features(std::size_t n) { return features{1, {n, 1}}; }
constexpr features grid_features(std::size_t rows, std::size_t cols) { return features{2, {rows, cols}}; }

/// A sample shape as a type, so that a compile error prints it: `fusegrad::sample<None, 28, 28>`.
// Unscoped, so that diagnostics print `fusegrad::None` as Keras prints the batch dimension.
enum none_t { None };
template <auto... Dims>
struct sample {};

namespace detail {
template <features F>
struct sample_type_of {
    using type = std::conditional_t<F.rank == 1, sample<None, F.dims[0]>, sample<None, F.dims[0], F.dims[1]>>;
};
}  // namespace detail

template <features F>
using sample_type = typename detail::sample_type_of<F>::type;

/// The layer at a position of a model, for diagnostics: `fusegrad::layer_index<2>`.
template <std::size_t I>
struct layer_index {};

namespace errors {
/// A layer's input does not have the shape it needs: printed with the layer's position, its kind, the
/// shape it expects (0 for "any") and the shape it got.
template <class Index, class Layer, class Expected, class Got>
constexpr bool layer_accepts_its_input = false;
template <class Index, class Layer>
constexpr bool layer_is_placed_correctly = false;
}  // namespace errors

}  // namespace fusegrad

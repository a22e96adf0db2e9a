#pragma once
#include <string_view>

#include "../../detail/fixed_string.hpp"
#include "../features.hpp"

namespace fusegrad {

/// Keras `Flatten()`: (None, 28, 28) → (None, 784). Samples are stored row-major already, so it costs nothing.
struct flatten {
    static constexpr fixed_string kind = "flatten";
    static constexpr std::string_view keras_class = "Flatten";

    template <features In>
    static constexpr features output_features() { return flat_features(In.size()); }

    template <fixed_string Prefix, features In, bool Training, class X>
    constexpr X lower(const X& x) const { return x; }
};

}  // namespace fusegrad

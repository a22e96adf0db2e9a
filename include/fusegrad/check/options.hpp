#pragma once
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include "finite_difference.hpp"
#include "tolerance.hpp"

namespace fusegrad {

/// How fg::gradcheck differentiates numerically and judges the result. An aggregate, meant for
/// designated initializers: `fg::gradcheck(loss, fg::wrt(W), {.order = 6, .rtol = 1e-5}, ...)`.
/// An unset field takes the default documented beside it; docs/gradcheck.md explains the choices.
struct gradcheck_options {
    /// Order of the central stencil: 2, 4 or 6. Order 4 keeps the reference accurate to about eps^(4/5)
    /// of the function's scale, which tolerates large loss values better than order 2.
    int order = 4;
    /// Base step h; element x is perturbed by h·max(1, |x|). Default eps^(1/(order+1)) of double:
    /// 6.1e-6 (order 2), 7.4e-4 (order 4), 5.8e-3 (order 6).
    std::optional<double> step{};
    /// Pass when |analytic − numeric| ≤ atol + rtol·max(|analytic|, |numeric|). Default rtol: 1e-6 for
    /// a double graph, 1e-3 for a float one (whose gradient carries float rounding).
    std::optional<double> rtol{};
    /// Default atol: 1e-8 for a double graph, 1e-5 for a float one.
    std::optional<double> atol{};
    /// 0 checks every element. k > 0 is the fast mode for large inputs: per variable, k random
    /// directions u, comparing uᵀ·grad with a directional difference, whatever the variable's size.
    std::size_t directions = 0;
    /// Seed of the random directions, so that a failing direction can be reproduced.
    std::uint64_t seed = 42;
};

namespace detail {

/// The default tolerances of a graph computing in T: double's gradients are exact to rounding; a float
/// graph's gradient carries float rounding, which summation over many terms amplifies.
template <class T>
inline constexpr tolerance default_tolerance{1e-6, 1e-8};
template <>
inline constexpr tolerance default_tolerance<float>{1e-3, 1e-5};

/// The options with every default filled in, validated once at the entry point.
inline gradcheck_options resolve(gradcheck_options options, const tolerance& defaults) {
    const central_stencil stencil = stencil_of(options.order);
    options.step = options.step.value_or(stencil.default_step());
    options.rtol = options.rtol.value_or(defaults.rtol);
    options.atol = options.atol.value_or(defaults.atol);
    const auto require = [](bool ok, const char* what, double value) {
        if (ok) return;
        std::array<char, 32> text{};
        const auto end = std::to_chars(text.data(), text.data() + text.size(), value).ptr;
        throw std::invalid_argument(std::string("fusegrad: gradcheck: ") + what + ", not " +
                                    std::string(text.data(), end));
    };
    require(std::isfinite(*options.step) && *options.step > 0, "the step must be positive and finite",
            *options.step);
    require(*options.rtol >= 0, "rtol must not be negative", *options.rtol);
    require(*options.atol >= 0, "atol must not be negative", *options.atol);
    return options;
}

}  // namespace detail
}  // namespace fusegrad

#pragma once
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "finite_difference.hpp"
#include "tolerance.hpp"

namespace fusegrad {

/// How the numeric derivative is formed; docs/gradcheck.md compares them.
enum class difference_method {
    /// A central stencil of order 2, 4, 6 or 8 at one step: `order` evaluations per element.
    central,
    /// Richardson extrapolation of order-2 central differences at steps h, h/2, h/4, … (Ridders), with an
    /// estimate of its error per element: up to 20 evaluations per element, accurate to about eps^(0.9).
    richardson,
    /// Im f(x + i·h·eⱼ) / h with h = 1e-20·max(1, |x|): no subtraction, hence no cancellation, exact to
    /// rounding, one evaluation per element. Not set here: wrap f in fg::by_complex_step(f), which
    /// declares that f accepts complex points and is analytic there.
    complex_step,
};

/// A named part of a callable's point, for the report: the point is the concatenation of its blocks in
/// order (research code flattens W1, b1, W2, b2 into one vector). `{"W", 4, 3}` is a 4×3 matrix,
/// `{"b", 3}` a vector of 3, `{"s"}` a scalar.
struct input_block {
    std::string name;
    int rank = 0;
    std::size_t rows = 1;
    std::size_t cols = 1;

    input_block(std::string block_name) : name(std::move(block_name)) {}
    input_block(std::string block_name, std::size_t size) : name(std::move(block_name)), rank(1), cols(size) {}
    input_block(std::string block_name, std::size_t block_rows, std::size_t block_cols)
        : name(std::move(block_name)), rank(2), rows(block_rows), cols(block_cols) {}

    std::size_t size() const { return rows * cols; }
};

/// How fg::gradcheck, fg::jacobian_check and fg::hessian_check differentiate numerically and judge the
/// result. An aggregate, meant for designated initializers (in this order):
/// `fg::gradcheck(loss, fg::wrt(W), {.order = 6, .rtol = 1e-5}, ...)`.
/// An unset field takes the default documented beside it; docs/gradcheck.md explains the choices.
struct gradcheck_options {
    difference_method method = difference_method::central;
    /// Order of the central stencil: 2, 4, 6 or 8. Order 4 keeps the reference accurate to about
    /// eps^(4/5) of the function's scale, which tolerates large loss values better than order 2.
    int order = 4;
    /// Base step h; element x is perturbed by h·max(1, |x|). Default for `central`: eps^(1/(order+1))
    /// of the reference type; for double 6.1e-6 (order 2), 7.4e-4 (4), 5.8e-3 (6), 2.0e-2 (8). For
    /// `richardson` the first (largest) step, 0.1; for a complex step 1e-20.
    std::optional<double> step{};
    /// Pass when |analytic − numeric| ≤ atol + rtol·max(|analytic|, |numeric|). Default rtol: 1e-6 for
    /// a double gradient, 1e-3 for a float one (which carries float rounding).
    std::optional<double> rtol{};
    /// Default atol: 1e-8 for a double gradient, 1e-5 for a float one.
    std::optional<double> atol{};
    /// 0 checks every element. k > 0 is the fast mode for large inputs: per block, k random
    /// directions v (and, for a Jacobian, output weights u), comparing uᵀ·J·v with a directional
    /// difference, whatever the block's size.
    std::size_t directions = 0;
    /// Seed of the random directions, so that a failing direction can be reproduced.
    std::uint64_t seed = 42;
    /// Callables only: names and shapes of the parts of the point, for the report. Default: one block
    /// named "x" shaped like the point. Their sizes must add up to the point's.
    std::vector<input_block> blocks{};
};

namespace detail {

/// The default tolerances of a graph computing in T: double's gradients are exact to rounding; a float
/// graph's gradient carries float rounding, which summation over many terms amplifies.
template <class T>
inline constexpr tolerance default_tolerance{1e-6, 1e-8};
template <>
inline constexpr tolerance default_tolerance<float>{1e-3, 1e-5};

/// The options with every default filled in, validated once at the entry point; `eps` is that of the
/// reference type. The method is the one asked for, or complex_step when f was wrapped for it.
inline gradcheck_options resolve(gradcheck_options options, const tolerance& defaults,
                                 double eps = std::numeric_limits<double>::epsilon(), bool complex_steps = false) {
    if (options.method == difference_method::complex_step && !complex_steps)
        throw std::invalid_argument(
            "fusegrad: gradcheck: a complex step is asked for by wrapping f: fg::by_complex_step(f), not by "
            ".method (it needs f to accept complex points, known only at compile time)");
    if (complex_steps) options.method = difference_method::complex_step;
    const central_stencil stencil = stencil_of(options.order);
    const double default_step = options.method == difference_method::richardson     ? 0.1
                                : options.method == difference_method::complex_step ? 1e-20
                                                                                    : stencil.default_step(eps);
    options.step = options.step.value_or(default_step);
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

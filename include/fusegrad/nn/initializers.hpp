#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <string_view>
#include <type_traits>

#include "random.hpp"

/// Keras 3 weight initializers as literal values, usable in constexpr layer options and as template
/// arguments: `{.kernel_initializer = fg::initializers::he_normal}`, `fg::initializers::constant(0.1)`.
namespace fusegrad::initializers {

/// Which Keras initializer an `initializer` value is.
enum class initializer_kind : unsigned char {
    zeros,
    ones,
    constant,
    random_normal,
    random_uniform,
    truncated_normal,
    glorot_uniform,
    glorot_normal,
    he_uniform,
    he_normal,
    lecun_uniform,
    lecun_normal,
};

}  // namespace fusegrad::initializers

namespace fusegrad::detail {

/// Keras VarianceScaling's parameters: the scale, which fans n stands for, and the distribution.
enum class fan_mode : unsigned char { fan_in, fan_avg };
struct variance_scaling {
    double scale;
    fan_mode mode;
    bool uniform;
};

constexpr variance_scaling variance_scaling_of(initializers::initializer_kind kind) noexcept {
    using enum initializers::initializer_kind;
    switch (kind) {
    case glorot_uniform: return {1.0, fan_mode::fan_avg, true};
    case glorot_normal: return {1.0, fan_mode::fan_avg, false};
    case he_uniform: return {2.0, fan_mode::fan_in, true};
    case he_normal: return {2.0, fan_mode::fan_in, false};
    case lecun_uniform: return {1.0, fan_mode::fan_in, true};
    default: return {1.0, fan_mode::fan_in, false};  // lecun_normal
    }
}

/// The standard deviation of a standard normal truncated to [−2, 2]: Keras divides by it so that the
/// truncated draws have the variance scale/n.
inline constexpr double truncated_normal_stddev = 0.87962566103423978;

}  // namespace fusegrad::detail

namespace fusegrad::initializers {

/// A Keras initializer: `kind` selects the formula, `a` and `b` hold its parameters (constant: the value;
/// random_normal and truncated_normal: mean and stddev; random_uniform: minval and maxval; the others have
/// none). A structural aggregate, so it can sit in constexpr options and template arguments.
struct initializer {
    initializer_kind kind = initializer_kind::zeros;
    double a = 0.0;
    double b = 0.0;

    /// The Keras name, as in `kernel_initializer="glorot_uniform"`.
    constexpr std::string_view name() const noexcept {
        switch (kind) {
        case initializer_kind::zeros: return "zeros";
        case initializer_kind::ones: return "ones";
        case initializer_kind::constant: return "constant";
        case initializer_kind::random_normal: return "random_normal";
        case initializer_kind::random_uniform: return "random_uniform";
        case initializer_kind::truncated_normal: return "truncated_normal";
        case initializer_kind::glorot_uniform: return "glorot_uniform";
        case initializer_kind::glorot_normal: return "glorot_normal";
        case initializer_kind::he_uniform: return "he_uniform";
        case initializer_kind::he_normal: return "he_normal";
        case initializer_kind::lecun_uniform: return "lecun_uniform";
        case initializer_kind::lecun_normal: return "lecun_normal";
        }
        return "unknown";
    }

    /// Fills `out` with initial values for a weight with the given fans (Keras's fan_in and fan_out: for a
    /// Dense kernel, its input and output sizes). Random kinds take exactly one engine draw (a uniform, a
    /// normal or a truncated normal) per element, in order, computed in double and then rounded to T, so
    /// float and double parameters start from the same draws; zeros, ones and constant leave the engine
    /// untouched.
    template <class T>
    void fill(std::span<T> out, std::size_t fan_in, std::size_t fan_out, random_engine& engine) const {
        static_assert(std::is_floating_point_v<T>,
                      "fusegrad::initializers::initializer::fill: the values must be float, double or long double");
        switch (kind) {
        case initializer_kind::zeros: std::ranges::fill(out, T(0)); return;
        case initializer_kind::ones: std::ranges::fill(out, T(1)); return;
        case initializer_kind::constant: std::ranges::fill(out, T(a)); return;
        case initializer_kind::random_normal:
            for (T& x : out) x = T(std::fma(b, engine.normal(), a));
            return;
        case initializer_kind::random_uniform:
            for (T& x : out) x = T(engine.uniform(a, b));
            return;
        case initializer_kind::truncated_normal:
            for (T& x : out) x = T(std::fma(b, engine.truncated_normal(1.0), a));
            return;
        default: break;
        }
        // VarianceScaling, in Keras's order of operations: scale/max(1, n) first.
        const detail::variance_scaling vs = detail::variance_scaling_of(kind);
        const double n = vs.mode == detail::fan_mode::fan_in
                             ? static_cast<double>(fan_in)
                             : (static_cast<double>(fan_in) + static_cast<double>(fan_out)) / 2.0;
        const double scale = vs.scale / std::max(1.0, n);
        if (vs.uniform) {
            const double limit = std::sqrt(3.0 * scale);
            for (T& x : out) x = T(engine.uniform(-limit, limit));
        } else {
            const double stddev = std::sqrt(scale) / detail::truncated_normal_stddev;
            for (T& x : out) x = T(engine.truncated_normal(stddev));
        }
    }

    /// Same kind and parameters.
    friend constexpr bool operator==(const initializer&, const initializer&) = default;
};

/// All zeros: Keras's default bias initializer.
inline constexpr initializer zeros{initializer_kind::zeros};
/// All ones.
inline constexpr initializer ones{initializer_kind::ones};
/// Every element equal to `value`.
constexpr initializer constant(double value) noexcept { return {initializer_kind::constant, value, 0.0}; }
/// mean + stddev·N(0, 1), Keras defaults mean 0, stddev 0.05.
constexpr initializer random_normal(double mean = 0.0, double stddev = 0.05) noexcept {
    return {initializer_kind::random_normal, mean, stddev};
}
/// Uniform in [minval, maxval), Keras defaults −0.05 and 0.05.
constexpr initializer random_uniform(double minval = -0.05, double maxval = 0.05) noexcept {
    return {initializer_kind::random_uniform, minval, maxval};
}
/// mean + stddev·z with z normal redrawn outside [−2, 2], Keras defaults mean 0, stddev 0.05.
constexpr initializer truncated_normal(double mean = 0.0, double stddev = 0.05) noexcept {
    return {initializer_kind::truncated_normal, mean, stddev};
}
/// Uniform in [−L, L), L = √(3/n), n = (fan_in + fan_out)/2: Keras's default kernel initializer.
inline constexpr initializer glorot_uniform{initializer_kind::glorot_uniform};
/// Truncated normal with stddev √(1/n)/0.8796, n = (fan_in + fan_out)/2.
inline constexpr initializer glorot_normal{initializer_kind::glorot_normal};
/// Uniform in [−L, L), L = √(6/fan_in).
inline constexpr initializer he_uniform{initializer_kind::he_uniform};
/// Truncated normal with stddev √(2/fan_in)/0.8796.
inline constexpr initializer he_normal{initializer_kind::he_normal};
/// Uniform in [−L, L), L = √(3/fan_in).
inline constexpr initializer lecun_uniform{initializer_kind::lecun_uniform};
/// Truncated normal with stddev √(1/fan_in)/0.8796.
inline constexpr initializer lecun_normal{initializer_kind::lecun_normal};

}  // namespace fusegrad::initializers

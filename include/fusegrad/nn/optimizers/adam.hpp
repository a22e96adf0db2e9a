#pragma once
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>

#include "../../kernels/lanes.hpp"

namespace fusegrad {

namespace detail {

/// Keras 3's Adam step, after an optional decoupled decay w −= w·decay (AdamW's, 0 for Adam), in one pass:
/// m += (g − m)(1 − β1); v += (g² − v)(1 − β2); w −= α·m/(√v + ε) with α = lr·√(1 − β2ᵗ)/(1 − β1ᵗ).
/// The bias corrections live in α, so ε is added to √v itself (torch adds it to √v̂ = √v/√(1 − β2ᵗ)).
template <class T>
void adam_update(std::span<T> w, std::span<const T> g, std::span<T> m, std::span<T> v, std::uint64_t iteration,
                 double learning_rate, double beta_1, double beta_2, double epsilon, double decay) {
    const double t = static_cast<double>(iteration);
    const T alpha = T(learning_rate * std::sqrt(1.0 - std::pow(beta_2, t)) / (1.0 - std::pow(beta_1, t)));
    const T one_minus_beta_1 = T(1.0 - beta_1);
    const T one_minus_beta_2 = T(1.0 - beta_2);
    const T eps = T(epsilon);
    const T decay_t = T(decay);
    // The decay is a template choice, not a multiplication by 0, which would turn an infinite weight into NaN.
    const auto run = [&](auto decoupled) {
        kernels::for_each_lanes<T>(w.size(), [&](std::size_t i, auto lanes) {
            const auto gi = lanes.load(&g[i]);
            auto mi = lanes.load(&m[i]);
            auto vi = lanes.load(&v[i]);
            auto wi = lanes.load(&w[i]);
            mi += (gi - mi) * one_minus_beta_1;
            vi += (gi * gi - vi) * one_minus_beta_2;
            if constexpr (decltype(decoupled)::value) wi -= wi * decay_t;
            wi -= mi * alpha / (lanes.sqrt(vi) + eps);
            lanes.store(&m[i], mi);
            lanes.store(&v[i], vi);
            lanes.store(&w[i], wi);
        });
    };
    if (decay != 0.0) run(std::true_type{});
    else run(std::false_type{});
}

}  // namespace detail

/// Keras 3 `Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7)`, as an aggregate for
/// designated initializers: `fg::adam{.learning_rate = 3e-4}`. Per step t (from 1):
/// α = lr·√(1 − β2ᵗ)/(1 − β1ᵗ); m += (g − m)(1 − β1); v += (g² − v)(1 − β2); w −= α·m/(√v + ε).
/// Keras's amsgrad option is not provided.
struct adam {
    /// The identifier Keras accepts in `compile(optimizer="adam")`.
    static constexpr std::string_view name = "adam";
    /// Two state arrays per parameter: the first and second moment estimates.
    static constexpr std::size_t slots = 2;
    /// The slots' names, as Keras names its optimizer variables.
    static constexpr std::array<std::string_view, slots> slot_names{"momentum", "velocity"};

    double learning_rate = 0.001;
    double beta_1 = 0.9;
    double beta_2 = 0.999;
    double epsilon = 1e-7;

    /// Both slots, always.
    constexpr std::array<bool, slots> uses_slots() const noexcept { return {true, true}; }

    /// One step over the parameters `w` in one pass, without allocating. `m` and `v` have w.size()
    /// elements; `iteration` counts from 1. Scalars per step are computed in double, the rest in T.
    template <class T>
    void update(std::span<T> w, std::span<const T> g, std::span<T> m, std::span<T> v, std::uint64_t iteration) const {
        detail::adam_update(w, g, m, v, iteration, learning_rate, beta_1, beta_2, epsilon, 0.0);
    }
};

}  // namespace fusegrad

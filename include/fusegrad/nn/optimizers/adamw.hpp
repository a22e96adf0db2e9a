#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "adam.hpp"

namespace fusegrad {

/// Keras 3 `AdamW(learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7)`: Adam
/// after a decoupled weight decay w −= w·(weight_decay·lr) on every step, as Keras applies it before the
/// Adam update (and torch's AdamW multiplies by 1 − lr·weight_decay, the same). Designated initializers go
/// in this member order, weight_decay last: `fg::adamw{.learning_rate = 1e-3, .weight_decay = 0.01}`.
struct adamw {
    /// The identifier Keras accepts in `compile(optimizer="adamw")`.
    static constexpr std::string_view name = "adamw";
    /// Two state arrays per parameter: the first and second moment estimates.
    static constexpr std::size_t slots = 2;
    /// The slots' names, as Keras names its optimizer variables.
    static constexpr std::array<std::string_view, slots> slot_names{"momentum", "velocity"};

    double learning_rate = 0.001;
    double beta_1 = 0.9;
    double beta_2 = 0.999;
    double epsilon = 1e-7;
    double weight_decay = 0.004;

    /// Both slots, always.
    constexpr std::array<bool, slots> uses_slots() const noexcept { return {true, true}; }

    /// One step over the parameters `w` in one pass, without allocating: the decay, then Adam's update.
    /// `m` and `v` have w.size() elements; `iteration` counts from 1. The decay factor weight_decay·lr and
    /// Adam's per-step scalars are computed in double, the rest in T.
    template <class T>
    void update(std::span<T> w, std::span<const T> g, std::span<T> m, std::span<T> v, std::uint64_t iteration) const {
        detail::adam_update(w, g, m, v, iteration, learning_rate, beta_1, beta_2, epsilon, weight_decay * learning_rate);
    }
};

}  // namespace fusegrad

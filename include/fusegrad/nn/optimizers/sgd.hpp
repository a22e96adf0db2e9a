#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace fusegrad {

/// Keras 3 `SGD(learning_rate=0.01, momentum=0.0, nesterov=False)`, as an aggregate for designated
/// initializers: `fg::sgd{.learning_rate = 0.1, .momentum = 0.9}`. With momentum m and velocity v (zero at
/// first): v = m·v − lr·g, then w += v, or w += m·v − lr·g with nesterov; without momentum w −= lr·g.
struct sgd {
    /// The identifier Keras accepts in `compile(optimizer="sgd")`.
    static constexpr std::string_view name = "sgd";
    /// At most one state array per parameter: the velocity v.
    static constexpr std::size_t slots = 1;
    /// The slots' names, as Keras names its optimizer variables (Keras calls v "momentum").
    static constexpr std::array<std::string_view, slots> slot_names{"momentum"};

    double learning_rate = 0.01;
    double momentum = 0.0;
    bool nesterov = false;

    /// Which slots this configuration keeps: the velocity only when momentum ≠ 0, as Keras allocates it.
    constexpr std::array<bool, slots> uses_slots() const noexcept { return {momentum != 0.0}; }

    /// One step over the parameters `w` in one pass, without allocating. `velocity` has w.size() elements
    /// when uses_slots()[0], else it is ignored (and may be empty). `iteration` (1-based) is unused.
    template <class T>
    void update(std::span<T> w, std::span<const T> g, std::span<T> velocity, std::uint64_t /*iteration*/) const {
        const T lr = T(learning_rate);
        if (momentum == 0.0) {
            for (std::size_t i = 0; i < w.size(); ++i) w[i] -= g[i] * lr;
            return;
        }
        const T m = T(momentum);
        if (nesterov) {
            for (std::size_t i = 0; i < w.size(); ++i) {
                velocity[i] = velocity[i] * m - g[i] * lr;
                w[i] += velocity[i] * m - g[i] * lr;
            }
        } else {
            for (std::size_t i = 0; i < w.size(); ++i) {
                velocity[i] = velocity[i] * m - g[i] * lr;
                w[i] += velocity[i];
            }
        }
    }
};

}  // namespace fusegrad

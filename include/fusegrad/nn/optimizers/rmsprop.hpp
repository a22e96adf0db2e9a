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

/// Keras 3 `RMSprop(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False)`, as an
/// aggregate for designated initializers: `fg::rmsprop{.momentum = 0.9, .centered = true}`. Per step:
/// v = ρ·v + (1 − ρ)·g²; centered: a = ρ·a + (1 − ρ)·g and d = v − a² + ε, else d = v + ε;
/// Δ = lr·g/√d; with momentum μ > 0: b = μ·b + Δ and w −= b, else w −= Δ.
/// ε is inside the square root, as in Keras 3 (and TensorFlow); torch.optim.RMSprop divides by √v + ε.
struct rmsprop {
    /// The identifier Keras accepts in `compile(optimizer="rmsprop")`.
    static constexpr std::string_view name = "rmsprop";
    /// At most three state arrays per parameter.
    static constexpr std::size_t slots = 3;
    /// The slots' names, as Keras names its optimizer variables: v, b and a above.
    static constexpr std::array<std::string_view, slots> slot_names{"velocity", "momentum", "average_gradient"};

    double learning_rate = 0.001;
    double rho = 0.9;
    double momentum = 0.0;
    double epsilon = 1e-7;
    bool centered = false;

    /// Which slots this configuration keeps, as Keras allocates them: the velocity always, the momentum
    /// buffer when momentum > 0, the average gradient when centered.
    constexpr std::array<bool, slots> uses_slots() const noexcept { return {true, momentum > 0.0, centered}; }

    /// One step over the parameters `w` in one pass, without allocating. Each slot in use has w.size()
    /// elements; an unused one is ignored (and may be empty). `iteration` (1-based) is unused.
    template <class T>
    void update(std::span<T> w, std::span<const T> g, std::span<T> velocity, std::span<T> momentum_buffer,
                std::span<T> average_gradient, std::uint64_t /*iteration*/) const {
        const T lr = T(learning_rate);
        const T r = T(rho);
        const T one_minus_rho = T(1.0 - rho);
        const T mu = T(momentum);
        const T eps = T(epsilon);
        // Each setting is a template choice, so that the loop body has no branch and runs in vectors.
        const auto run = [&](auto is_centered, auto with_momentum) {
            kernels::for_each_lanes<T>(w.size(), [&](std::size_t i, auto lanes) {
                const auto gi = lanes.load(&g[i]);
                auto vi = lanes.load(&velocity[i]);
                vi = r * vi + one_minus_rho * (gi * gi);
                lanes.store(&velocity[i], vi);
                auto denominator = vi + eps;
                if constexpr (decltype(is_centered)::value) {
                    auto ai = lanes.load(&average_gradient[i]);
                    ai = r * ai + one_minus_rho * gi;
                    lanes.store(&average_gradient[i], ai);
                    denominator = vi - ai * ai + eps;
                }
                const auto increment = lr * gi / lanes.sqrt(denominator);
                auto wi = lanes.load(&w[i]);
                if constexpr (decltype(with_momentum)::value) {
                    auto bi = lanes.load(&momentum_buffer[i]);
                    bi = mu * bi + increment;
                    lanes.store(&momentum_buffer[i], bi);
                    wi -= bi;
                } else {
                    wi -= increment;
                }
                lanes.store(&w[i], wi);
            });
        };
        const bool use_momentum = momentum > 0.0;
        if (centered && use_momentum) run(std::true_type{}, std::true_type{});
        else if (centered) run(std::true_type{}, std::false_type{});
        else if (use_momentum) run(std::false_type{}, std::true_type{});
        else run(std::false_type{}, std::false_type{});
    }
};

}  // namespace fusegrad

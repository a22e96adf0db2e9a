#pragma once
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

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
        const bool use_momentum = momentum > 0.0;
        for (std::size_t i = 0; i < w.size(); ++i) {
            const T gi = g[i];
            velocity[i] = r * velocity[i] + one_minus_rho * (gi * gi);
            T denominator;
            if (centered) {
                average_gradient[i] = r * average_gradient[i] + one_minus_rho * gi;
                denominator = velocity[i] - average_gradient[i] * average_gradient[i] + eps;
            } else {
                denominator = velocity[i] + eps;
            }
            const T increment = lr * gi / std::sqrt(denominator);
            if (use_momentum) {
                momentum_buffer[i] = mu * momentum_buffer[i] + increment;
                w[i] -= momentum_buffer[i];
            } else {
                w[i] -= increment;
            }
        }
    }
};

}  // namespace fusegrad

#pragma once
#include <algorithm>
#include <cmath>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "options.hpp"
#include "probe.hpp"
#include "report.hpp"

namespace fusegrad::detail {

/// The signs of the random directions: SplitMix64 (Steele, Lea and Flood, 2014), a generator small
/// enough to specify here, so that directions are the same on every platform and standard library.
/// Its state starts as the FNV-1a hash of the block's name with the seed as offset basis, so that a
/// block's directions do not depend on which other blocks are checked.
class direction_signs {
public:
    direction_signs(std::uint64_t seed, std::string_view name) : state_(seed) {
        for (const char c : name) state_ = (state_ ^ static_cast<unsigned char>(c)) * 0x100000001b3u;
    }
    double next() { return (draw() >> 63) != 0 ? 1.0 : -1.0; }

private:
    std::uint64_t draw() {
        std::uint64_t z = (state_ += 0x9e3779b97f4a7c15u);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
        return z ^ (z >> 31);
    }
    std::uint64_t state_;
};

/// Stands in for the complex evaluation of a function that does not take complex steps; never called,
/// since only a function wrapped by fg::by_complex_step gets the complex_step method.
template <class R>
struct no_complex_steps {
    std::vector<std::complex<R>> operator()(const std::vector<std::complex<R>>&) const { return {}; }
};

/// The function under check, seen by the engine: f at a point of R's (all of x, its outputs as a
/// std::vector<R>), and at a point of complex<R>'s for a complex step.
template <class R, class Evaluate, class EvaluateComplex>
struct checked_function {
    Evaluate& evaluate;
    EvaluateComplex& evaluate_complex;
    std::vector<R> at_x;
    std::size_t& evaluations;
};

/// Checks the entries ∂fₖ/∂xⱼ for j in the block [offset, offset + block.size()) of x, one element at a
/// time, with steps scaled by max(1, |xⱼ|): `order` evaluations per element for all m outputs at once.
/// `jacobian` is the analytic m × n Jacobian, row-major (a gradient's is 1 × n).
template <class R, class Evaluate, class EvaluateComplex>
void check_elements(gradcheck_block& block, std::vector<R>& x, std::size_t offset, const std::vector<double>& jacobian,
                    checked_function<R, Evaluate, EvaluateComplex>& f, const probe_settings& s) {
    const std::size_t n = x.size(), outputs = f.at_x.size();
    std::vector<std::complex<R>> xc;
    if (s.method == difference_method::complex_step) xc.assign(x.begin(), x.end());
    std::vector<double> analytic(outputs);
    for (std::size_t j = 0; j < block.size(); ++j) {
        const std::size_t at = offset + j;
        const R xj = x[at];
        const auto phi = [&](R t) {
            x[at] = xj + t;
            auto values = f.evaluate(x);
            x[at] = xj;
            return values;
        };
        const auto phi_complex = [&](R t) {
            xc[at] = std::complex<R>(xj, t);
            auto values = f.evaluate_complex(xc);
            xc[at] = xj;
            return values;
        };
        for (std::size_t k = 0; k < outputs; ++k) analytic[k] = jacobian[k * n + at];
        const double scale = std::max(1.0, static_cast<double>(std::abs(xj)));
        const auto results = probe_direction<R>(phi, phi_complex, f.at_x, analytic, scale, s, f.evaluations);
        for (std::size_t k = 0; k < outputs; ++k)
            record(block, k * block.size() + j, false, analytic[k], results[k], s.tol);
    }
}

/// The fast mode: `directions` probes along v = σ ⊙ max(1, |x|)/√size over the block (σ random signs),
/// of the outputs weighted by u = τ/√m (τ random signs; u = 1 for a gradient), comparing uᵀ·J·v with the
/// derivative of uᵀ·f(x + t·v): `order` evaluations per direction, whatever the block's size.
template <class R, class Evaluate, class EvaluateComplex>
void check_directions(gradcheck_block& block, std::vector<R>& x, std::size_t offset,
                      const std::vector<double>& jacobian, checked_function<R, Evaluate, EvaluateComplex>& f,
                      const probe_settings& s, std::size_t directions, std::uint64_t seed) {
    const std::size_t n = x.size(), outputs = f.at_x.size(), size = block.size();
    if (size == 0) return;
    direction_signs signs(seed, block.name);
    const std::vector<R> origin = x;
    std::vector<std::complex<R>> xc;
    std::vector<double> v(size), u(outputs, 1.0);
    const double input_scale = 1 / std::sqrt(static_cast<double>(size));
    const double output_scale = 1 / std::sqrt(static_cast<double>(outputs));
    const auto weighted = [&](const auto& values) {
        using value = std::remove_cvref_t<decltype(values[0])>;
        value sum = 0;
        for (std::size_t k = 0; k < outputs; ++k) sum += value(u[k]) * values[k];
        return std::vector<value>{sum};
    };
    for (std::size_t d = 0; d < directions; ++d) {
        for (std::size_t j = 0; j < size; ++j)
            v[j] = signs.next() * input_scale * std::max(1.0, static_cast<double>(std::abs(origin[offset + j])));
        if (outputs > 1)
            for (auto& w : u) w = signs.next() * output_scale;
        double analytic = 0;
        for (std::size_t k = 0; k < outputs; ++k)
            for (std::size_t j = 0; j < size; ++j) analytic += u[k] * jacobian[k * n + offset + j] * v[j];
        const auto phi = [&](R t) {
            for (std::size_t j = 0; j < size; ++j) x[offset + j] = origin[offset + j] + t * R(v[j]);
            auto values = weighted(f.evaluate(x));
            std::copy(origin.begin() + offset, origin.begin() + offset + size, x.begin() + offset);
            return values;
        };
        const auto phi_complex = [&](R t) {
            xc.assign(origin.begin(), origin.end());
            for (std::size_t j = 0; j < size; ++j) xc[offset + j] += std::complex<R>(0, t * R(v[j]));
            return weighted(f.evaluate_complex(xc));
        };
        const auto results =
            probe_direction<R>(phi, phi_complex, weighted(f.at_x), std::vector<double>{analytic}, 1.0, s, f.evaluations);
        record(block, d, true, analytic, results.front(), s.tol);
    }
}

/// Checks one block, element by element or along random directions as the options say.
template <class R, class Evaluate, class EvaluateComplex>
void check_block(gradcheck_block& block, std::vector<R>& x, std::size_t offset, const std::vector<double>& jacobian,
                 checked_function<R, Evaluate, EvaluateComplex>& f, const gradcheck_options& options) {
    block.outputs = f.at_x.size();
    const probe_settings settings{options.method, stencil_of(options.order), *options.step,
                                  {*options.rtol, *options.atol}};
    if (options.directions == 0) {
        check_elements(block, x, offset, jacobian, f, settings);
    } else {
        probe_settings along_directions = settings;
        along_directions.several_coordinates = true;
        check_directions(block, x, offset, jacobian, f, along_directions, options.directions, options.seed);
    }
}

}  // namespace fusegrad::detail

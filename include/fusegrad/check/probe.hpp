#pragma once
#include <algorithm>
#include <cmath>
#include <complex>
#include <cstddef>
#include <limits>
#include <vector>

#include "finite_difference.hpp"
#include "options.hpp"
#include "richardson.hpp"
#include "tolerance.hpp"
#include "verdict.hpp"

namespace fusegrad::detail {

using verdict = gradcheck_verdict;

/// The settings every probe shares, resolved from gradcheck_options.
struct probe_settings {
    difference_method method;
    central_stencil stencil;
    /// The stencil's h, Richardson's first step, or the complex step; relative: h·max(1, |x|).
    double step;
    tolerance tol;
    /// Probes along random directions, which move every coordinate of a block (look_for_kink).
    bool several_coordinates{};
};

/// What the numeric side said about one derivative: its value, how it compares with the analytic one,
/// an estimate of its own error (0: not estimated), and for a noisy one the relative step at which the
/// reference was most accurate.
struct probe_result {
    double numeric = 0;
    verdict outcome = verdict::agree;
    double error_estimate = 0;
    double suggested_step = 0;
};

/// The first step of Richardson's tableau, relative: large, since extrapolation removes the truncation
/// error that a large step brings and keeps the rounding error (eps/h) small.
inline constexpr double richardson_first_step = 0.1;

/// Judges `analytic` against an extrapolated reference whose error is `r.error`. Agreement within the
/// tolerance, by a reference whose own error is within it, confirms the analytic value. A reference
/// whose error is beyond the tolerance, with the analytic value within 3 such errors of it, cannot
/// judge: noisy, with `suggested_step` as the advice. Otherwise the values disagree.
inline probe_result judge_by_extrapolation(double analytic, const extrapolated& r, double suggested_step,
                                           const tolerance& tol) {
    const double bound = tol.bound(analytic, r.value);
    if (tol.accepts(analytic, r.value) && r.error <= bound) return {r.value, verdict::agree, r.error, 0};
    if (r.error > bound && std::abs(analytic - r.value) <= 3 * r.error + bound)
        return {r.value, verdict::noisy, r.error, suggested_step};
    return {r.value, verdict::mismatch, r.error, 0};
}

/// Judges output k after the method's first look, `first`, was not a clear agreement.
///
/// A kink takes precedence. For a stencil, a difference far beyond the first look's own error (3
/// times it, plus the tolerance) on a smooth φ is a mismatch. Otherwise Richardson's extrapolation is
/// the second opinion (for the richardson method, its own `tableau`): it settles a step that suited φ
/// badly (agree), finds noise (noisy) or confirms the mismatch, which keeps the method's own value.
/// Ridders' error estimate can be luckily small under noise, so it is floored by the noise that φ
/// shows (noise_level): a difference of order 2 at step h carries noise σ/(√2·h), which extrapolation
/// roughly doubles. A noisy entry's suggested step is the one at which the method's noise would be
/// half the tolerance. `stencil_points` are φ_k's samples at step h of `stencil`, for the kink look.
template <class R, class Phi>
probe_result judge(Phi&& phi_k, R at_zero, const samples<R>& stencil_points, const central_stencil& stencil,
                   double h, double analytic, double scale, const probe_settings& s, std::size_t& evaluations,
                   probe_result first, const extrapolated* tableau) {
    const auto counted = [&](double t) {
        ++evaluations;
        return phi_k(t);
    };
    double sigma = -1;
    const auto noise = [&] {
        if (sigma < 0) sigma = noise_level(counted, at_zero, scale);
        return sigma;
    };
    const kink_look look = look_for_kink(counted, at_zero, stencil_points, h, analytic, scale, stencil, s.tol, noise,
                                           s.several_coordinates);
    if (look == kink_look::kink) return {first.numeric, verdict::kink, first.error_estimate, 0};
    const double bound = s.tol.bound(analytic, first.numeric);
    if (s.method == difference_method::central) {
        const bool beyond_estimate = std::abs(analytic - first.numeric) > 3 * first.error_estimate + bound;
        // Order 2's own estimate holds no lower-order stencil, hence nothing of the noise: ask for it.
        if (look == kink_look::smooth && beyond_estimate &&
            (s.stencil.order > 2 || std::abs(analytic - first.numeric) > 3 * s.stencil.noise_gain() * noise() / h + bound))
            return first;
    }

    extrapolated r;
    if (tableau != nullptr) {
        r = *tableau;
    } else {
        const auto central_at = [&](double step) {
            evaluations += 2;
            return std::vector<R>{(phi_k(step) - phi_k(-step)) / R(2 * step)};
        };
        r = richardson<R>(central_at, 1, richardson_first_step * scale).front();
    }
    r.error = std::max(r.error, 2 * noise() / (std::sqrt(2.0) * r.step));
    const double gain = s.method == difference_method::central ? s.stencil.noise_gain() : 2.0;
    const double quiet_step = std::max(2 * gain * noise() / bound, s.step * scale);
    const probe_result second = judge_by_extrapolation(analytic, r, quiet_step / scale, s.tol);
    if (second.outcome != verdict::mismatch || tableau != nullptr) return second;
    first.error_estimate = std::max(first.error_estimate, second.error_estimate);
    return first;
}

/// Every output's samples for a stencil at step h: 2·reach evaluations of φ.
template <class R, class Phi>
std::vector<samples<R>> sample_stencil(Phi&& phi, const central_stencil& stencil, double h, std::size_t outputs,
                                       std::size_t& evaluations) {
    std::vector<samples<R>> points(outputs);
    for (int j = 1; j <= stencil.reach; ++j) {
        evaluations += 2;
        const auto ahead = phi(R(j * h));
        const auto behind = phi(R(-j * h));
        for (std::size_t k = 0; k < outputs; ++k) {
            points[k].ahead[j - 1] = ahead[k];
            points[k].behind[j - 1] = behind[k];
        }
    }
    return points;
}

/// Derivatives along one direction v of every output of f: Phi(t) gives f(x + t·v) as a std::vector<R>,
/// PhiComplex(t) f(x + i·t·v) when complex steps are possible. `analytic[k]` is the k-th output's
/// derivative along v; `scale` = max(1, |x|) for an element, 1 for a random direction. Counts the
/// evaluations of f in `evaluations`.
template <class R, class Phi, class PhiComplex>
std::vector<probe_result> probe_direction(Phi&& phi, PhiComplex&& phi_complex, const std::vector<R>& at_zero,
                                          const std::vector<double>& analytic, double scale,
                                          const probe_settings& s, std::size_t& evaluations) {
    const std::size_t outputs = at_zero.size();
    std::vector<probe_result> results(outputs);
    const auto phi_k = [&](std::size_t k) {
        return [&phi, k](double t) { return phi(R(t))[k]; };
    };
    const auto settle = [&](std::size_t k, probe_result& r) {
        if (!std::isfinite(analytic[k]) || !std::isfinite(r.numeric)) r.outcome = verdict::non_finite;
        else if (s.tol.accepts(analytic[k], r.numeric)) r.outcome = verdict::agree;
        else r.outcome = verdict::mismatch;
    };

    if (s.method == difference_method::complex_step) {
        const double h = s.step * scale;
        ++evaluations;
        const auto values = phi_complex(R(h));
        for (std::size_t k = 0; k < outputs; ++k) {
            results[k].numeric = static_cast<double>(std::imag(values[k]) / R(h));
            settle(k, results[k]);
        }
        return results;
    }

    if (s.method == difference_method::central) {
        const double h = s.step * scale;
        const auto points = sample_stencil<R>(phi, s.stencil, h, outputs, evaluations);
        for (std::size_t k = 0; k < outputs; ++k) {
            probe_result& r = results[k];
            r.numeric = central_difference(s.stencil, points[k], h);
            r.error_estimate =
                stencil_error_estimate(s.stencil, points[k], h, r.numeric, static_cast<double>(at_zero[k]));
            settle(k, r);
            if (r.outcome == verdict::mismatch)
                r = judge(phi_k(k), at_zero[k], points[k], s.stencil, h, analytic[k], scale, s, evaluations, r,
                          nullptr);
        }
        return results;
    }

    const auto central_at = [&](double step) {
        evaluations += 2;
        const auto ahead = phi(R(step));
        const auto behind = phi(R(-step));
        std::vector<R> d(outputs);
        for (std::size_t k = 0; k < outputs; ++k) d[k] = (ahead[k] - behind[k]) / R(2 * step);
        return d;
    };
    const auto extrapolations = richardson<R>(central_at, outputs, s.step * scale);
    for (std::size_t k = 0; k < outputs; ++k) {
        probe_result& r = results[k];
        r = {extrapolations[k].value, verdict::agree, extrapolations[k].error, 0};
        settle(k, r);
        if (r.outcome == verdict::agree)
            r = judge_by_extrapolation(analytic[k], extrapolations[k], s.step, s.tol);
        if (r.outcome != verdict::mismatch && r.outcome != verdict::noisy) continue;
        // The kink look needs stencil samples: those of the order-4 default, for this output only.
        const central_stencil stencil = stencil_of(4);
        const double h = stencil.default_step() * scale;
        const auto points = sample_stencil<R>(phi, stencil, h, outputs, evaluations);
        r = judge(phi_k(k), at_zero[k], points[k], stencil, h, analytic[k], scale, s, evaluations, r,
                  &extrapolations[k]);
    }
    return results;
}

}  // namespace fusegrad::detail

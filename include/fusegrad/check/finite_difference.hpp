#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "tolerance.hpp"

namespace fusegrad::detail {

/// The largest reach of a central stencil (order 8).
inline constexpr int max_reach = 4;

/// The central difference f′(0) ≈ Σⱼ wⱼ·(f(j·h) − f(−j·h)) / h over j = 1 … reach, exact for
/// polynomials of degree `order`. Its truncation error is O(h^order), its rounding error O(eps/h).
struct central_stencil {
    int order;
    int reach;
    std::array<double, max_reach> weights;

    /// eps^(1/(order+1)): the h that balances truncation against rounding. For double's eps about 6e-6
    /// (order 2, the cube root of eps), 7e-4 (order 4), 6e-3 (order 6) and 2e-2 (order 8).
    double default_step(double eps = std::numeric_limits<double>::epsilon()) const {
        return std::pow(eps, 1.0 / (order + 1));
    }

    /// Σ|wⱼ|·2: how much the stencil amplifies an error in each sample, before the division by h.
    double noise_gain() const {
        double gain = 0;
        for (int j = 0; j < reach; ++j) gain += 2 * std::abs(weights[j]);
        return gain;
    }
};

/// The stencil of order 2, 4, 6 or 8.
inline central_stencil stencil_of(int order) {
    switch (order) {
        case 2: return {2, 1, {1.0 / 2, 0, 0, 0}};
        case 4: return {4, 2, {2.0 / 3, -1.0 / 12, 0, 0}};
        case 6: return {6, 3, {3.0 / 4, -3.0 / 20, 1.0 / 60, 0}};
        case 8: return {8, 4, {4.0 / 5, -1.0 / 5, 4.0 / 105, -1.0 / 280}};
        default:
            throw std::invalid_argument("fusegrad: gradcheck: the stencil order must be 2, 4, 6 or 8, not " +
                                        std::to_string(order));
    }
}

/// φ sampled at j·h for j = 1 … reach (`ahead`) and at −j·h (`behind`), in the reference type R.
template <class R>
struct samples {
    std::array<R, max_reach> ahead{};
    std::array<R, max_reach> behind{};
};

/// The differences are formed in R (long double when asked for), so that a finer reference type also
/// cancels more finely; only the derivative is rounded to double.
template <class R>
double central_difference(const central_stencil& stencil, const samples<R>& s, double h) {
    R sum = 0;
    for (int j = 0; j < stencil.reach; ++j) sum += R(stencil.weights[j]) * (s.ahead[j] - s.behind[j]);
    return static_cast<double>(sum / R(h));
}

/// A cheap bound on the error of an order-p difference from its own samples: the order p − 2 stencil at
/// the same step (its truncation error dominates the order-p one), plus rounding in R of the samples.
/// Zero truncation part for order 2, whose samples hold no lower-order stencil.
template <class R>
double stencil_error_estimate(const central_stencil& stencil, const samples<R>& s, double h, double numeric,
                              double at_zero) {
    const double rounding = stencil.noise_gain() * static_cast<double>(std::numeric_limits<R>::epsilon()) *
                            std::max(std::abs(at_zero), 1e-300) / h;
    if (stencil.order == 2) return rounding;
    return std::abs(numeric - central_difference(stencil_of(stencil.order - 2), s, h)) + rounding;
}

/// The forward and the backward slope at spacing q, from φ(0) and φ at ±q, ±2q. They are of second
/// order: on a smooth function they differ only by q³·φ⁗/2, where plain difference quotients differ by
/// 2q·φ″, enough to pass small errors off as kinks.
struct one_sided_slopes {
    double forward;
    double backward;

    template <class R>
    one_sided_slopes(R at_zero, const samples<R>& s, double q)
        : forward(static_cast<double>((-3 * at_zero + 4 * s.ahead[0] - s.ahead[1]) / R(2 * q))),
          backward(static_cast<double>((3 * at_zero - 4 * s.behind[0] + s.behind[1]) / R(2 * q))) {}

    bool disagree(const tolerance& tol) const { return !tol.accepts(forward, backward); }
    double jump() const { return std::abs(forward - backward); }

    /// A jump with `analytic` one of the slopes or between them, as a correct rule is at a kink (a
    /// subgradient); half the jump is allowed as slack for a slope that curvature shifted.
    bool jump_around(double analytic, const tolerance& tol) const {
        const double low = std::min(forward, backward), high = std::max(forward, backward);
        const double outside = analytic < low ? low - analytic : (analytic > high ? analytic - high : 0.0);
        return disagree(tol) && outside <= (high - low) / 2;
    }
};

/// The noise in φ near 0, as a standard deviation: from fourth differences at a spacing s too small for
/// curvature to show (s⁴·φ⁗ is below rounding): a smooth φ gives its rounding error, a noisy one its
/// noise (a fourth difference of independent noise of deviation σ has deviation √70·σ). Two differences
/// on each side of 0, over φ(0) … φ(±5s), and the quieter side taken: a kink near 0 spoils one side
/// only (or neither, when it is at 0), noise both. 10 evaluations.
template <class R, class Phi>
double noise_level(Phi&& phi, R at_zero, double scale) {
    const double s = stencil_of(2).default_step() * scale;
    const auto side = [&](double direction) {
        std::array<R, 6> p{at_zero};
        for (int j = 1; j < 6; ++j) p[j] = phi(direction * j * s);
        const auto fourth = [&](int i) {
            return static_cast<double>(p[i] - 4 * p[i + 1] + 6 * p[i + 2] - 4 * p[i + 3] + p[i + 4]);
        };
        return (fourth(0) * fourth(0) + fourth(1) * fourth(1)) / (2 * 70);
    };
    return std::sqrt(std::min(side(1), side(-1)));
}

/// What a look across a suspected kink found: a kink, noise (a jump that noise in φ explains), or
/// neither: φ is smooth there.
enum class kink_look { kink, noise, smooth };

/// The largest jump between one-sided slopes at spacing q that noise of deviation σ explains: their difference
/// has a deviation of about 3.6·σ/q, and 3 deviations are allowed.
inline double noise_jump_bound(double sigma, double q) { return 3 * 3.6 * sigma / q; }

/// φ at ±q and ±2q, what one_sided_slopes are made of: 4 evaluations.
template <class R, class Phi>
samples<R> samples_at(Phi&& phi, double q) {
    samples<R> s;
    s.ahead[0] = phi(q);
    s.ahead[1] = phi(2 * q);
    s.behind[0] = phi(-q);
    s.behind[1] = phi(-2 * q);
    return s;
}

/// Whether φ has a kink at 0 itself: its one-sided slopes jump apart by the same amount (within a quarter) at
/// the order-2 step and 8 times below it, beyond what noise explains. On a smooth φ the second-order slopes
/// differ by O(q³), 512 times less at the finer step; a kink near 0 but not at it shows at one of the two
/// steps only. 8 evaluations.
template <class R, class Phi, class Noise>
bool kink_at_the_point(Phi&& phi, R at_zero, double scale, Noise&& noise) {
    const double step = stencil_of(2).default_step() * scale;
    const one_sided_slopes coarse(at_zero, samples_at<R>(phi, step), step);
    const one_sided_slopes fine(at_zero, samples_at<R>(phi, step / 8), step / 8);
    return fine.jump() > noise_jump_bound(noise(), step / 8) &&
           std::abs(fine.jump() - coarse.jump()) <= 0.25 * coarse.jump();
}

/// Tells a kink from a wrong rule once the central difference contradicts `analytic`.
///
/// The forward and the backward slope over the stencil's reach, at the same step, must disagree for a
/// kink; if they agree, φ is smooth there. If they disagree, finer looks, each 8 times narrower, down to
/// the order-2 step, tell a kink from a wrong rule on a function that merely bends fast (φ⁗ large, as
/// order 6's wide step sees): a kink is confirmed when a fine central difference agrees with the
/// analytic value (the kinks lie beyond it) or its slopes jump around it (a kink lies within it). A jump
/// that noise of deviation σ explains (the slopes' difference at spacing q has deviation about
/// 3.6·σ/q; 3 deviations are allowed) is noise, not a kink: `noise()` gives σ, computed only when a
/// jump needs explaining. Costs 2 evaluations for orders 2 and 6, whose reach·h/2 is not a stencil
/// point, and 4 per finer look.
///
/// Along a direction that moves several coordinates (the fast mode's random directions), a kink at the point
/// itself cannot be judged: where several coordinates sit on kinks at once (relu units at exactly 0), a
/// correct rule's value is its subgradients' sum over them, which need not lie between φ's one-sided slopes
/// (one side raises some units, the other side others), and whose jump may be far below the tolerance (the
/// units' jumps cancel) while the value is far from both. With `several_coordinates`, a kink at the point
/// (kink_at_the_point) is a kink.
template <class R, class Phi, class Noise>
kink_look look_for_kink(Phi&& phi, R at_zero, const samples<R>& stencil_points, double h, double analytic,
                        double scale, const central_stencil& stencil, const tolerance& tol, Noise&& noise,
                        bool several_coordinates = false) {
    const auto noise_explains = [&](const one_sided_slopes& slopes, double q) {
        return slopes.jump() <= noise_jump_bound(noise(), q);
    };
    const int last = stencil.reach - 1;
    const double q = stencil.reach * h / 2;
    const bool midpoint_sampled = stencil.reach % 2 == 0;
    samples<R> reach;
    reach.ahead[0] = midpoint_sampled ? stencil_points.ahead[last / 2] : phi(q);
    reach.ahead[1] = stencil_points.ahead[last];
    reach.behind[0] = midpoint_sampled ? stencil_points.behind[last / 2] : phi(-q);
    reach.behind[1] = stencil_points.behind[last];
    const one_sided_slopes wide(at_zero, reach, q);
    // Along several coordinates a kink at the point may jump by less than the tolerance: it is looked for
    // whenever the wide slopes differ by more than rounding could make them (which costs nothing to tell).
    const double rounding = 64 * static_cast<double>(std::numeric_limits<R>::epsilon()) *
                            std::max(1.0, std::abs(static_cast<double>(at_zero))) / q;
    if (several_coordinates && wide.jump() > rounding && kink_at_the_point(phi, at_zero, scale, noise))
        return kink_look::kink;
    if (!wide.disagree(tol)) return kink_look::smooth;
    if (noise_explains(wide, q)) return kink_look::noise;

    const double finest = stencil_of(2).default_step() * scale / 8;
    for (double fine_step = q / 4; fine_step >= finest; fine_step /= 8) {
        const samples<R> fine = samples_at<R>(phi, fine_step);
        const one_sided_slopes slopes(at_zero, fine, fine_step);
        if (slopes.disagree(tol) && noise_explains(slopes, fine_step)) return kink_look::noise;
        if (tol.accepts(analytic, central_difference(stencil_of(4), fine, fine_step)) ||
            slopes.jump_around(analytic, tol))
            return kink_look::kink;
    }
    return kink_look::smooth;
}

}  // namespace fusegrad::detail

#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "tolerance.hpp"

namespace fusegrad::detail {

/// The central difference f′(0) ≈ Σⱼ wⱼ·(f(j·h) − f(−j·h)) / h over j = 1 … reach, exact for
/// polynomials of degree `order`. Its truncation error is O(h^order), its rounding error O(eps/h).
struct central_stencil {
    int order;
    int reach;
    std::array<double, 3> weights;

    /// eps^(1/(order+1)) for double's eps: the h that balances truncation against rounding, about
    /// 6e-6 (order 2, the cube root of eps), 7e-4 (order 4) and 6e-3 (order 6).
    double default_step() const {
        return std::pow(std::numeric_limits<double>::epsilon(), 1.0 / (order + 1));
    }
};

/// The stencil of order 2, 4 or 6.
inline central_stencil stencil_of(int order) {
    switch (order) {
        case 2: return {2, 1, {1.0 / 2, 0, 0}};
        case 4: return {4, 2, {2.0 / 3, -1.0 / 12, 0}};
        case 6: return {6, 3, {3.0 / 4, -3.0 / 20, 1.0 / 60}};
        default:
            throw std::invalid_argument("fusegrad: gradcheck: the stencil order must be 2, 4 or 6, not " +
                                        std::to_string(order));
    }
}

/// φ sampled at j·h for j = 1 … reach (`ahead`) and at −j·h (`behind`).
struct samples {
    std::array<double, 3> ahead{};
    std::array<double, 3> behind{};
};

inline double central_difference(const central_stencil& stencil, const samples& s, double h) {
    double sum = 0;
    for (int j = 0; j < stencil.reach; ++j) sum += stencil.weights[j] * (s.ahead[j] - s.behind[j]);
    return sum / h;
}

/// The forward and the backward slope at spacing q, from φ(0) and φ at ±q, ±2q. They are of second
/// order: on a smooth function they differ only by q³·φ⁗/2, where plain difference quotients differ by
/// 2q·φ″, enough to pass small errors off as kinks.
struct one_sided_slopes {
    double forward;
    double backward;

    one_sided_slopes(double at_zero, const samples& s, double q)
        : forward((-3 * at_zero + 4 * s.ahead[0] - s.ahead[1]) / (2 * q)),
          backward((3 * at_zero - 4 * s.behind[0] + s.behind[1]) / (2 * q)) {}

    bool disagree(const tolerance& tol) const { return !tol.accepts(forward, backward); }

    /// A jump with `analytic` one of the slopes or between them, as a correct rule is at a kink (a
    /// subgradient); half the jump is allowed as slack for a slope that curvature shifted.
    bool jump_around(double analytic, const tolerance& tol) const {
        const double low = std::min(forward, backward), high = std::max(forward, backward);
        const double outside = analytic < low ? low - analytic : (analytic > high ? analytic - high : 0.0);
        return disagree(tol) && outside <= (high - low) / 2;
    }
};

enum class probe_outcome { agree, kink, mismatch };

struct probe_result {
    double numeric;
    probe_outcome outcome;
};

/// Checks `analytic` against the derivative at 0 of a function φ of one real variable, from φ at ±h …
/// ±reach·h with h = step·scale (φ(0) is given: the unperturbed value, shared by every probe).
///
/// When the central difference contradicts the analytic value, the forward and the backward slope
/// over the stencil's reach, at the same step, must disagree for a kink; if they agree, φ is smooth
/// there and the analytic value is wrong. If they disagree, finer looks, each 8 times narrower, down to
/// the order-2 step, tell a kink from a wrong rule on a function that merely bends fast (φ⁗ large, as
/// order 6's wide step sees): a kink is confirmed when a fine central difference agrees with the
/// analytic value (the kinks lie beyond it) or its slopes jump around it (a kink lies within it; such a
/// jump does not shrink with the step, a smooth function's does). A failing element costs 2 more
/// evaluations for orders 2 and 6, whose reach·h/2 is not a stencil point, and 4 per finer look.
template <class Phi>
probe_result probe(Phi&& phi, double at_zero, double analytic, double step, double scale,
                   const central_stencil& stencil, const tolerance& tol) {
    const double h = step * scale;
    samples stencil_points;
    for (int j = 1; j <= stencil.reach; ++j) {
        stencil_points.ahead[j - 1] = phi(j * h);
        stencil_points.behind[j - 1] = phi(-j * h);
    }
    const double numeric = central_difference(stencil, stencil_points, h);
    if (tol.accepts(analytic, numeric)) return {numeric, probe_outcome::agree};

    const int last = stencil.reach - 1;
    const double q = stencil.reach * h / 2;
    const bool midpoint_sampled = stencil.reach % 2 == 0;
    const samples reach{{midpoint_sampled ? stencil_points.ahead[last / 2] : phi(q), stencil_points.ahead[last]},
                        {midpoint_sampled ? stencil_points.behind[last / 2] : phi(-q), stencil_points.behind[last]}};
    if (!one_sided_slopes(at_zero, reach, q).disagree(tol)) return {numeric, probe_outcome::mismatch};

    const double finest = stencil_of(2).default_step() * scale / 8;
    double fine_step = stencil.reach * h / 8;
    do {
        const samples fine{{phi(fine_step), phi(2 * fine_step)}, {phi(-fine_step), phi(-2 * fine_step)}};
        if (tol.accepts(analytic, central_difference(stencil_of(4), fine, fine_step)) ||
            one_sided_slopes(at_zero, fine, fine_step).jump_around(analytic, tol))
            return {numeric, probe_outcome::kink};
        fine_step /= 8;
    } while (fine_step >= finest);
    return {numeric, probe_outcome::mismatch};
}

}  // namespace fusegrad::detail

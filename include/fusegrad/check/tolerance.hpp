#pragma once
#include <algorithm>
#include <cmath>
#include <limits>

namespace fusegrad::detail {

/// How gradcheck compares an analytic value a with a numeric one n. Every measure is symmetric in a
/// and n: neither side is trusted as the truth, since either may be the wrong one.
struct tolerance {
    double rtol;
    double atol;

    /// |a − n| ≤ atol + rtol·max(|a|, |n|); false when either is NaN.
    bool accepts(double a, double n) const { return std::abs(a - n) <= bound(a, n); }

    /// |a − n| / max(|a|, |n|, atol/rtol). Below the floor atol/rtol a difference is measured against
    /// the absolute tolerance, so that a relative error under rtol roughly means a pass, and a gradient
    /// that is zero up to rounding does not show a relative error of 1.
    double relative_error(double a, double n) const {
        const double difference = std::abs(a - n);
        if (difference == 0) return 0;
        const double floor = rtol > 0 ? atol / rtol : atol;
        return difference / std::max({std::abs(a), std::abs(n), floor, std::numeric_limits<double>::min()});
    }

    /// How far outside the tolerance a pair is, as a multiple of it (above 1 fails): ranks the worst
    /// element by the criterion itself, which neither the absolute nor the relative error alone does.
    double excess(double a, double n) const {
        const double difference = std::abs(a - n);
        if (difference == 0) return 0;
        return difference / std::max(bound(a, n), std::numeric_limits<double>::min());
    }

    /// The largest difference accepted between a and n.
    double bound(double a, double n) const { return atol + rtol * std::max(std::abs(a), std::abs(n)); }
};

}  // namespace fusegrad::detail

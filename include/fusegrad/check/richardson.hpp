#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

namespace fusegrad::detail {

/// A derivative extrapolated from central differences at shrinking steps, with an estimate of its
/// error and the step at which that estimate was smallest.
struct extrapolated {
    double value = std::numeric_limits<double>::quiet_NaN();
    double error = std::numeric_limits<double>::infinity();
    double step = 0;
};

/// Richardson extrapolation of the order-2 central difference D(h) = (φ(h) − φ(−h)) / 2h, for every
/// output of a vector-valued φ at once (Ridders' scheme): D at h₀, h₀/2, h₀/4, …; the tableau
/// Tᵢⱼ = Tᵢ,ⱼ₋₁ + (Tᵢ,ⱼ₋₁ − Tᵢ₋₁,ⱼ₋₁)/(4ʲ − 1) removes the error terms h², h⁴, … one column at a time.
/// Each entry's error is estimated by its distance to the two entries it came from; the entry with the
/// smallest estimate is the result. An output stops when its diagonal moves by more than twice its best
/// estimate (rounding or noise has taken over), all stop after `levels` steps: 2 evaluations per level.
/// `central_at(h)` returns D(h) for every output, as a range of R.
template <class R, class CentralAt>
std::vector<extrapolated> richardson(CentralAt&& central_at, std::size_t outputs, double first_step,
                                     int levels = 10) {
    std::vector<extrapolated> best(outputs);
    std::vector<std::vector<R>> previous(outputs), current(outputs);
    std::vector<bool> stopped(outputs, false);
    double h = first_step;
    for (int i = 0; i < levels; ++i, h /= 2) {
        const auto d = central_at(h);
        bool any_running = false;
        for (std::size_t k = 0; k < outputs; ++k) {
            if (stopped[k]) continue;
            auto& row = current[k];
            const auto& above = previous[k];
            row.assign(1, static_cast<R>(d[k]));
            if (!std::isfinite(static_cast<double>(row[0]))) {
                stopped[k] = i > 0;
                any_running = any_running || !stopped[k];
                continue;
            }
            R factor = 4;
            for (int j = 1; j <= i && j <= static_cast<int>(above.size()); ++j, factor *= 4) {
                row.push_back(row[j - 1] + (row[j - 1] - above[j - 1]) / (factor - 1));
                const double error = static_cast<double>(
                    std::max(std::abs(row[j] - row[j - 1]), std::abs(row[j] - above[j - 1])));
                if (error <= best[k].error) best[k] = {static_cast<double>(row[j]), error, h};
            }
            if (i == 0) best[k] = {static_cast<double>(row[0]), std::numeric_limits<double>::infinity(), h};
            const bool diagonal_diverges =
                i > 0 && above.size() == static_cast<std::size_t>(i) &&
                static_cast<double>(std::abs(row.back() - above.back())) >= 2 * best[k].error;
            stopped[k] = diagonal_diverges;
            any_running = any_running || !stopped[k];
            std::swap(previous[k], current[k]);
        }
        if (!any_running) break;
    }
    return best;
}

}  // namespace fusegrad::detail

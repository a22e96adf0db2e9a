#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "../expr/var.hpp"
#include "finite_difference.hpp"
#include "options.hpp"
#include "tolerance.hpp"

namespace fusegrad {

/// What gradcheck found for one variable. An element (or, in the fast mode, a direction) either agrees,
/// sits on a kink, or fails; the error maxima and the worst element cover all but the kinks.
struct gradcheck_variable_report {
    std::string name;
    /// The variable's rank (0, 1 or 2) and its extents as checked (a batched variable's rows are the batch).
    int rank = 0;
    std::size_t rows = 1;
    std::size_t cols = 1;
    /// Elements checked, or directions in the fast mode.
    std::size_t checked = 0;
    /// How many of them are outside the tolerance.
    std::size_t failures = 0;
    /// Where the stencil crosses a point where the function is not differentiable (relu at 0, the ends of
    /// a clip): flat indices, or directions in the fast mode. Not failures, but not confirmed either.
    std::vector<std::size_t> kinks;
    /// Maxima of |a − n| and of |a − n| / max(|a|, |n|, atol/rtol).
    double max_abs_error = 0;
    double max_rel_error = 0;
    /// The element furthest outside the tolerance (relative to it), flat and as row, col; in the fast
    /// mode the direction, with row and col 0.
    std::size_t worst_index = 0;
    std::size_t worst_row = 0;
    std::size_t worst_col = 0;
    /// The reverse-mode value and the finite difference there (uᵀ·grad and its difference in the fast mode).
    double analytic = 0;
    double numeric = 0;

    bool passed() const { return failures == 0; }
};

/// The result of fg::gradcheck: the options as used (defaults filled in) and one entry per variable of
/// `wrt`, in that order. Print it with `<<`: a mismatch line per failing variable, the kinks, a table.
struct gradcheck_report {
    /// The scalar type of the checked graph, "float" or "double"; the reference is always double.
    std::string_view scalar_type;
    gradcheck_options options;
    /// Evaluations of the double reference, the unperturbed one included.
    std::size_t evaluations = 0;
    std::vector<gradcheck_variable_report> variables;

    bool passed() const {
        return std::all_of(variables.begin(), variables.end(), [](const auto& v) { return v.passed(); });
    }

    /// The entry of a checked variable, as gradients are looked up: `report[W]`.
    template <variable V>
    const gradcheck_variable_report& operator[](const V&) const {
        const auto found = std::find_if(variables.begin(), variables.end(),
                                        [](const auto& v) { return v.name == V::name.view(); });
        if (found == variables.end())
            throw std::out_of_range("fusegrad: gradcheck_report: variable '" + std::string{V::name.view()} +
                                    "' was not checked (see fg::wrt)");
        return *found;
    }
};

/// A summary line, "gradient mismatch for W[3,1]: analytic 0.1234, numeric 0.1240" per failing
/// variable, the kinks found, and a table of every variable's errors.
std::ostream& operator<<(std::ostream& out, const gradcheck_report& report);

namespace detail {

/// NaN is worse than any number, so that a NaN gradient is the one reported.
inline bool is_worse(double candidate, double current) {
    return (std::isnan(candidate) && !std::isnan(current)) || candidate > current;
}

/// Adds the outcome at `index` (an element, or a direction when `directional`) to a variable's entry.
inline void record(gradcheck_variable_report& entry, std::size_t index, bool directional, double analytic,
                   const probe_result& probe, const tolerance& tol) {
    ++entry.checked;
    if (probe.outcome == probe_outcome::kink) {
        entry.kinks.push_back(index);
        return;
    }
    if (probe.outcome == probe_outcome::mismatch) ++entry.failures;
    const double abs_error = std::abs(analytic - probe.numeric);
    const double rel_error = tol.relative_error(analytic, probe.numeric);
    if (is_worse(abs_error, entry.max_abs_error)) entry.max_abs_error = abs_error;
    if (is_worse(rel_error, entry.max_rel_error)) entry.max_rel_error = rel_error;
    const bool first = entry.checked == entry.kinks.size() + 1;
    if (first || is_worse(tol.excess(analytic, probe.numeric), tol.excess(entry.analytic, entry.numeric))) {
        entry.worst_index = index;
        entry.worst_row = directional ? 0 : index / entry.cols;
        entry.worst_col = directional ? 0 : index % entry.cols;
        entry.analytic = analytic;
        entry.numeric = probe.numeric;
    }
}

}  // namespace detail
}  // namespace fusegrad

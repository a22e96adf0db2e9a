#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "../expr/var.hpp"
#include "options.hpp"
#include "probe.hpp"
#include "tolerance.hpp"
#include "verdict.hpp"

namespace fusegrad {

/// One derivative that did not simply agree: a mismatch, a non-finite value, a kink or a noisy one.
struct gradcheck_finding {
    /// The entry within its block: output·size + element (a gradient has one output), or the direction
    /// in the fast mode.
    std::size_t index = 0;
    gradcheck_verdict verdict = gradcheck_verdict::agree;
    double analytic = 0;
    double numeric = 0;
    /// The numeric reference's estimate of its own error; 0 when none was made (the complex step).
    double error_estimate = 0;
    /// For a noisy entry: the relative step at which the reference was most accurate.
    double suggested_step = 0;
};

/// What a check found for one block of the input: a variable of a model, or a named part of a callable's
/// point. For a Jacobian the block's entries are ∂fᵢ/∂xⱼ for every output i and every element j of the
/// block. An entry (or, in the fast mode, a direction) agrees, sits on a kink, is noisy, or fails.
struct gradcheck_block {
    std::string name;
    /// The block's rank (0, 1 or 2) and its extents as checked (a batched variable's rows are the batch).
    int rank = 0;
    std::size_t rows = 1;
    std::size_t cols = 1;
    /// Outputs of the checked function: 1 for a gradient, m for an m-output Jacobian.
    std::size_t outputs = 1;
    /// Entries checked, or directions in the fast mode.
    std::size_t checked = 0;
    /// Of them, those judged: all but kinks and noisy ones.
    std::size_t judged = 0;
    /// How many of them fail: mismatches and non-finite values.
    std::size_t failures = 0;
    /// Every entry that did not simply agree, in the order checked.
    std::vector<gradcheck_finding> findings;
    /// Maxima of |a − n| and of |a − n| / max(|a|, |n|, atol/rtol) over the entries that are neither
    /// kinks nor noisy.
    double max_abs_error = 0;
    double max_rel_error = 0;
    /// The entry furthest outside the tolerance (relative to it): flat, and as output, row and col of
    /// the element; in the fast mode the direction, with the others 0.
    std::size_t worst_index = 0;
    std::size_t worst_output = 0;
    std::size_t worst_row = 0;
    std::size_t worst_col = 0;
    /// The analytic value, the reference and its error estimate there (uᵀ·J·v in the fast mode).
    double analytic = 0;
    double numeric = 0;
    double error_estimate = 0;

    std::size_t size() const { return rows * cols; }
    bool passed() const { return failures == 0; }
    /// Every entry agreed: none failed, none was a kink or noisy.
    bool confirmed() const { return findings.empty(); }
    /// The indices of the entries with verdict `v`.
    std::vector<std::size_t> where(gradcheck_verdict v) const {
        std::vector<std::size_t> indices;
        for (const auto& f : findings)
            if (f.verdict == v) indices.push_back(f.index);
        return indices;
    }
    std::vector<std::size_t> kinks() const { return where(gradcheck_verdict::kink); }
    std::vector<std::size_t> noisy() const { return where(gradcheck_verdict::noisy); }
};

/// What was checked: a gradient (a scalar function), a Jacobian, or a Hessian (the Jacobian of a
/// gradient, whose symmetry is checked too).
enum class gradcheck_kind { gradient, jacobian, hessian };

/// The result of a check: the options as used (defaults filled in) and one block per variable of
/// `wrt` or per input block, in that order. Print it with `<<`; fg::to_json gives a machine form.
struct gradcheck_report {
    gradcheck_kind kind = gradcheck_kind::gradient;
    /// The scalar type of the checked derivative ("float", "double") and of the numeric reference
    /// ("double", "long double"; "float" when f accepts only float points).
    std::string_view scalar_type;
    std::string_view reference_type = "double";
    gradcheck_options options;
    /// Evaluations of f (of the reference), the unperturbed one included.
    std::size_t evaluations = 0;
    std::vector<gradcheck_block> blocks;
    /// A Hessian's max |Hᵢⱼ − Hⱼᵢ| and where; `symmetric` when it is within the tolerance.
    double max_asymmetry = 0;
    std::size_t asymmetry_row = 0;
    std::size_t asymmetry_col = 0;
    bool symmetric = true;

    bool passed() const {
        return symmetric && std::all_of(blocks.begin(), blocks.end(), [](const auto& b) { return b.passed(); });
    }
    bool confirmed() const {
        return passed() && std::all_of(blocks.begin(), blocks.end(), [](const auto& b) { return b.confirmed(); });
    }

    /// The block of a checked variable, as gradients are looked up: `report[W]`.
    template <variable V>
    const gradcheck_block& operator[](const V&) const {
        return (*this)[V::name.view()];
    }
    /// The block named `name`.
    const gradcheck_block& operator[](std::string_view name) const {
        const auto found = std::find_if(blocks.begin(), blocks.end(), [&](const auto& b) { return b.name == name; });
        if (found == blocks.end())
            throw std::out_of_range("fusegrad: gradcheck_report: '" + std::string{name} +
                                    "' was not checked (see fg::wrt or gradcheck_options::blocks)");
        return *found;
    }
};

/// A summary line, a line per failing block ("gradient mismatch for W[3,1]: analytic 0.1234, numeric
/// 0.1240"), the non-finite, noisy and kink entries, and a table of every block's errors.
std::ostream& operator<<(std::ostream& out, const gradcheck_report& report);

/// The report as a JSON object: options, totals, and per block its maxima, worst entry and findings.
std::string to_json(const gradcheck_report& report);

std::string_view to_string(gradcheck_verdict v);

namespace detail {

/// The name of a scalar type in reports: "float", "double", "long double".
template <class T>
constexpr std::string_view scalar_name() {
    if constexpr (std::is_same_v<T, float>) return "float";
    else if constexpr (std::is_same_v<T, double>) return "double";
    else return "long double";
}

/// NaN is worse than any number, so that a NaN derivative is the one reported.
inline bool is_worse(double candidate, double current) {
    return (std::isnan(candidate) && !std::isnan(current)) || candidate > current;
}

/// Adds the outcome at `index` (an entry, or a direction when `directional`) to a block.
inline void record(gradcheck_block& block, std::size_t index, bool directional, double analytic,
                   const probe_result& probe, const tolerance& tol) {
    ++block.checked;
    if (probe.outcome != verdict::agree)
        block.findings.push_back(
            {index, probe.outcome, analytic, probe.numeric, probe.error_estimate, probe.suggested_step});
    if (probe.outcome == verdict::kink || probe.outcome == verdict::noisy) return;
    if (probe.outcome == verdict::mismatch || probe.outcome == verdict::non_finite) ++block.failures;
    const double abs_error = std::abs(analytic - probe.numeric);
    const double rel_error = tol.relative_error(analytic, probe.numeric);
    if (is_worse(abs_error, block.max_abs_error)) block.max_abs_error = abs_error;
    if (is_worse(rel_error, block.max_rel_error)) block.max_rel_error = rel_error;
    const bool first = ++block.judged == 1;
    if (first || is_worse(tol.excess(analytic, probe.numeric), tol.excess(block.analytic, block.numeric))) {
        const std::size_t element = index % block.size();
        block.worst_index = index;
        block.worst_output = directional ? 0 : index / block.size();
        block.worst_row = directional ? 0 : element / block.cols;
        block.worst_col = directional ? 0 : element % block.cols;
        block.analytic = analytic;
        block.numeric = probe.numeric;
        block.error_estimate = probe.error_estimate;
    }
}

}  // namespace detail
}  // namespace fusegrad

// Printing of fg::gradcheck reports: compiled once, since no report depends on a graph's type.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <iomanip>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "fusegrad/check/report.hpp"

namespace fusegrad {
namespace {

std::string scientific(double x) {
    std::ostringstream out;
    out << std::scientific << std::setprecision(1) << x;
    return out.str();
}

/// Enough significant digits, at least 4, that the two values print differently: "analytic 0.1234,
/// numeric 0.1240", but "analytic 0.12345671, numeric 0.12345689".
std::string pair_of_values(double analytic, double numeric) {
    const double scale = std::max(std::abs(analytic), std::abs(numeric));
    const double difference = std::abs(analytic - numeric);
    int digits = 4;
    if (std::isfinite(difference) && difference > 0 && scale > 0)
        digits = std::clamp(static_cast<int>(std::ceil(-std::log10(difference / scale))) + 2, 4, 17);
    std::ostringstream out;
    out << std::showpoint << std::setprecision(digits) << "analytic " << analytic << ", numeric " << numeric;
    return out.str();
}

/// "[3,1]" for a matrix element, "[3]" for a vector's, nothing for a scalar; "direction 3" in the fast mode.
std::string position(const gradcheck_variable_report& v, std::size_t index, bool directional) {
    if (directional) return "direction " + std::to_string(index);
    if (v.rank == 0) return "";
    // Appended piecewise: g++ 12 -O3 warns falsely (-Wrestrict) on "[" + std::to_string(...).
    std::string text{"["};
    if (v.rank == 1) {
        text += std::to_string(index);
    } else {
        text += std::to_string(index / v.cols);
        text += ',';
        text += std::to_string(index % v.cols);
    }
    text += ']';
    return text;
}

/// "W[3,1]", "s", or "W along random direction 3".
std::string location(const gradcheck_variable_report& v, std::size_t index, bool directional) {
    return v.name + (directional ? " along random " : "") + position(v, index, directional);
}

std::string shape(const gradcheck_variable_report& v) {
    if (v.rank == 0) return "scalar";
    if (v.rank == 1) return std::to_string(v.cols);
    return std::to_string(v.rows) + "x" + std::to_string(v.cols);
}

void print_mismatch(std::ostream& out, const gradcheck_variable_report& v, bool directional) {
    out << "  gradient mismatch for " << location(v, v.worst_index, directional) << ": "
        << pair_of_values(v.analytic, v.numeric) << " (" << v.failures << " of " << v.checked
        << (directional ? " directions" : " elements") << " outside the tolerance)\n";
}

void print_kinks(std::ostream& out, const gradcheck_variable_report& v, bool directional) {
    constexpr std::size_t shown = 8;
    out << "    " << v.name << ": " << v.kinks.size() << " at ";
    for (std::size_t k = 0; k < std::min(shown, v.kinks.size()); ++k)
        out << (k == 0 ? "" : ", ") << position(v, v.kinks[k], directional);
    if (v.kinks.size() > shown) out << ", ...";
    out << '\n';
}

void print_table(std::ostream& out, const gradcheck_report& report, bool directional) {
    using row = std::array<std::string, 8>;
    std::vector<row> rows{{"variable", "shape", directional ? "directions" : "elements", "max abs err",
                           "max rel err", "worst", "kinks", "result"}};
    for (const auto& v : report.variables) {
        const bool any = v.checked > v.kinks.size();
        rows.push_back({v.name, shape(v), std::to_string(v.checked), any ? scientific(v.max_abs_error) : "-",
                        any ? scientific(v.max_rel_error) : "-",
                        any ? (directional ? "" : v.name) + position(v, v.worst_index, directional) : "-",
                        std::to_string(v.kinks.size()),
                        v.passed() ? "ok" : "FAILED"});
    }
    std::array<std::size_t, 8> width{};
    for (const auto& r : rows)
        for (std::size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
    for (const auto& r : rows) {
        std::string line;
        for (std::size_t c = 0; c < r.size(); ++c) line += "  " + r[c] + std::string(width[c] - r[c].size(), ' ');
        line.erase(line.find_last_not_of(' ') + 1);
        out << line << '\n';
    }
}

}  // namespace

std::ostream& operator<<(std::ostream& out, const gradcheck_report& report) {
    const gradcheck_options& o = report.options;
    const bool directional = o.directions > 0;
    std::ostringstream head;
    head << "gradcheck " << (report.passed() ? "passed" : "FAILED") << ": " << report.scalar_type
         << " gradients against double central differences of order " << o.order << ", h = "
         << std::setprecision(2) << o.step.value_or(0) << "*max(1,|x|)";
    if (directional) head << ", " << o.directions << " random directions per variable (seed " << o.seed << ")";
    head << ", rtol " << o.rtol.value_or(0) << ", atol " << o.atol.value_or(0) << ", " << report.evaluations
         << " evaluations\n";
    out << head.str();
    for (const auto& v : report.variables)
        if (!v.passed()) print_mismatch(out, v, directional);
    const auto has_kinks = [](const auto& v) { return !v.kinks.empty(); };
    if (std::any_of(report.variables.begin(), report.variables.end(), has_kinks))
        out << "  kinks, where the stencil crosses a point at which the function is not differentiable "
               "(not failures):\n";
    for (const auto& v : report.variables)
        if (has_kinks(v)) print_kinks(out, v, directional);
    print_table(out, report, directional);
    return out;
}

}  // namespace fusegrad

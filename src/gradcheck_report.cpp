// Printing of gradcheck reports, as text and as JSON: compiled once, since no report depends on a
// graph's type.
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <iomanip>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "fusegrad/check/report.hpp"

namespace fusegrad {
namespace {

std::string scientific(double x) {
    std::ostringstream out;
    out << std::scientific << std::setprecision(1) << x;
    return out.str();
}

std::string general(double x, int digits = 2) {
    if (std::isnan(x)) return "nan";  // not "-nan"
    std::ostringstream out;
    out << std::setprecision(digits) << x;
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

/// "[3,1]" for a matrix element, "[3]" for a vector's, nothing for a scalar.
std::string subscript(int rank, std::size_t cols, std::size_t element) {
    if (rank == 0) return "";
    // Appended piecewise: g++ 12 -O3 warns falsely (-Wrestrict) on "[" + std::to_string(...).
    std::string text{"["};
    if (rank == 1) {
        text += std::to_string(element);
    } else {
        text += std::to_string(element / cols);
        text += ',';
        text += std::to_string(element % cols);
    }
    text += ']';
    return text;
}

/// The name of element `global` of the whole point: "W[1,2]" in the block that holds it.
std::string point_element(const gradcheck_report& report, std::size_t global) {
    for (const auto& b : report.blocks) {
        if (global < b.size()) return b.name + subscript(b.rank, b.cols, global);
        global -= b.size();
    }
    return "x[" + std::to_string(global) + "]";
}

/// Where entry `index` of a block is: "W[3,1]" for a gradient, "∂f[2]/∂W[3,1]" for a Jacobian,
/// "∂²f/∂x[2]∂W[3,1]" for a Hessian, "W along random direction 3" in the fast mode.
std::string location(const gradcheck_report& report, const gradcheck_block& b, std::size_t index) {
    if (report.options.directions > 0) return b.name + " along random direction " + std::to_string(index);
    const std::size_t output = index / std::max<std::size_t>(b.size(), 1);
    const std::string element = b.name + subscript(b.rank, b.cols, index % std::max<std::size_t>(b.size(), 1));
    switch (report.kind) {
        case gradcheck_kind::gradient: return element;
        case gradcheck_kind::jacobian: return "∂f[" + std::to_string(output) + "]/∂" + element;
        case gradcheck_kind::hessian: return "∂²f/∂" + point_element(report, output) + "∂" + element;
    }
    return element;
}

/// The short form in lists and the table: "[3,1]", "f[2]/[3,1]", "direction 3".
std::string position(const gradcheck_report& report, const gradcheck_block& b, std::size_t index) {
    if (report.options.directions > 0) return "direction " + std::to_string(index);
    const std::size_t size = std::max<std::size_t>(b.size(), 1);
    const std::string element = subscript(b.rank, b.cols, index % size);
    if (report.kind == gradcheck_kind::gradient) return element.empty() ? b.name : element;
    const std::string output = report.kind == gradcheck_kind::jacobian ? "f" : "g";
    return output + "[" + std::to_string(index / size) + "]/" + (element.empty() ? b.name : element);
}

std::string shape(const gradcheck_block& b) {
    std::string text = b.rank == 0 ? "scalar" : b.rank == 1 ? std::to_string(b.cols)
                                                           : std::to_string(b.rows) + "x" + std::to_string(b.cols);
    if (b.outputs > 1) text = std::to_string(b.outputs) + " outputs x " + text;
    return text;
}

std::string_view kind_name(gradcheck_kind kind) {
    switch (kind) {
        case gradcheck_kind::gradient: return "gradients";
        case gradcheck_kind::jacobian: return "Jacobian";
        case gradcheck_kind::hessian: return "Hessian";
    }
    return "gradient";
}

std::string_view check_name(gradcheck_kind kind) {
    switch (kind) {
        case gradcheck_kind::gradient: return "gradcheck";
        case gradcheck_kind::jacobian: return "jacobian_check";
        case gradcheck_kind::hessian: return "hessian_check";
    }
    return "gradcheck";
}

std::string method_description(const gradcheck_options& o) {
    const std::string step = general(o.step.value_or(0)) + "*max(1,|x|)";
    switch (o.method) {
        case difference_method::central:
            return "central differences of order " + std::to_string(o.order) + ", h = " + step;
        case difference_method::richardson: return "Richardson extrapolation from h = " + step;
        case difference_method::complex_step: return "complex steps, h = " + step;
    }
    return "";
}

std::size_t count(const gradcheck_block& b, gradcheck_verdict v) {
    return static_cast<std::size_t>(
        std::count_if(b.findings.begin(), b.findings.end(), [v](const auto& f) { return f.verdict == v; }));
}

void print_mismatch(std::ostream& out, const gradcheck_report& report, const gradcheck_block& b) {
    const bool directional = report.options.directions > 0;
    const std::string_view kind = report.kind == gradcheck_kind::gradient ? "gradient" : kind_name(report.kind);
    out << "  " << kind << " mismatch for " << location(report, b, b.worst_index) << ": "
        << pair_of_values(b.analytic, b.numeric) << " (" << b.failures << " of " << b.checked
        << (directional                                ? " directions"
            : report.kind == gradcheck_kind::gradient ? " elements"
                                                       : " entries")
        << " outside the tolerance)\n";
}

/// The entries of one verdict in one block: "    W: 3 at [0,1], [2,2], ...", with what the verdict needs.
void print_findings(std::ostream& out, const gradcheck_report& report, const gradcheck_block& b,
                    gradcheck_verdict v) {
    constexpr std::size_t shown = 8;
    std::size_t listed = 0;
    double largest_estimate = 0, suggested = 0;
    out << "    " << b.name << ": " << count(b, v) << " at ";
    for (const auto& f : b.findings) {
        if (f.verdict != v) continue;
        if (listed < shown) out << (listed == 0 ? "" : ", ") << position(report, b, f.index);
        if (listed == shown) out << ", ...";
        ++listed;
        if (f.error_estimate >= largest_estimate) {
            largest_estimate = f.error_estimate;
            suggested = f.suggested_step;
        }
    }
    if (v == gradcheck_verdict::noisy)
        out << "; the reference's error is up to " << scientific(largest_estimate)
            << "; its noise would be half the tolerance at a step of about " << general(suggested)
            << "*max(1,|x|)";
    out << '\n';
}

void print_non_finite(std::ostream& out, const gradcheck_report& report, const gradcheck_block& b) {
    constexpr std::size_t shown = 4;
    std::size_t listed = 0;
    for (const auto& f : b.findings) {
        if (f.verdict != gradcheck_verdict::non_finite || listed++ >= shown) continue;
        out << "  not finite at " << location(report, b, f.index) << ": analytic " << general(f.analytic, 6)
            << ", numeric " << general(f.numeric, 6)
            << (std::isfinite(f.analytic) ? " (f is not finite within the stencil: a smaller step, or a point "
                                            "further from the edge of f's domain)"
                                          : "")
            << '\n';
    }
    if (listed > shown) out << "  not finite at " << listed - shown << " more entries of " << b.name << '\n';
}

void print_table(std::ostream& out, const gradcheck_report& report) {
    constexpr std::size_t columns = 12;
    using row = std::array<std::string, columns>;
    const bool directional = report.options.directions > 0;
    std::vector<row> rows{{"block", "shape", directional ? "directions" : "entries", "max abs err", "max rel err",
                           "worst", "analytic", "numeric", "err est", "kinks", "noisy", "result"}};
    for (const auto& b : report.blocks) {
        const bool any = b.judged > 0;
        const auto or_dash = [any](std::string text) { return any ? text : std::string{"-"}; };
        rows.push_back({b.name, shape(b), std::to_string(b.checked), or_dash(scientific(b.max_abs_error)),
                        or_dash(scientific(b.max_rel_error)), or_dash(directional ? position(report, b, b.worst_index) : location(report, b, b.worst_index)),
                        or_dash(general(b.analytic, 6)), or_dash(general(b.numeric, 6)),
                        any && b.error_estimate > 0 ? scientific(b.error_estimate) : "-",
                        std::to_string(count(b, gradcheck_verdict::kink)),
                        std::to_string(count(b, gradcheck_verdict::noisy)), b.passed() ? "ok" : "FAILED"});
    }
    std::array<std::size_t, columns> width{};
    // Widths in code points, so that ∂ lines up.
    const auto length = [](const std::string& s) {
        return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
    };
    for (const auto& r : rows)
        for (std::size_t c = 0; c < columns; ++c) width[c] = std::max(width[c], length(r[c]));
    for (const auto& r : rows) {
        std::string line;
        for (std::size_t c = 0; c < columns; ++c) line += "  " + r[c] + std::string(width[c] - length(r[c]), ' ');
        line.erase(line.find_last_not_of(' ') + 1);
        out << line << '\n';
    }
}

// JSON: a small writer for the report's flat data.

void json_string(std::string& out, std::string_view text) {
    out += '"';
    for (const char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            std::array<char, 8> escaped{};
            const auto end = std::to_chars(escaped.data(), escaped.data() + escaped.size(), static_cast<int>(c), 16).ptr;
            out += "\\u";
            out += std::string(4 - static_cast<std::size_t>(end - escaped.data()), '0');
            out.append(escaped.data(), end);
        } else {
            out += c;
        }
    }
    out += '"';
}

/// Shortest round-trip form; null for NaN and infinities, which JSON cannot hold (the verdict
/// "non_finite" says which).
void json_number(std::string& out, double x) {
    if (!std::isfinite(x)) {
        out += "null";
        return;
    }
    std::array<char, 32> text{};
    out.append(text.data(), std::to_chars(text.data(), text.data() + text.size(), x).ptr);
}

class json_object {
public:
    explicit json_object(std::string& out) : out_(out) { out_ += '{'; }
    ~json_object() { out_ += '}'; }
    json_object(const json_object&) = delete;
    json_object& operator=(const json_object&) = delete;

    std::string& key(std::string_view name) {
        if (!first_) out_ += ',';
        first_ = false;
        json_string(out_, name);
        out_ += ':';
        return out_;
    }
    void number(std::string_view name, double x) { json_number(key(name), x); }
    void count(std::string_view name, std::size_t n) { key(name) += std::to_string(n); }
    void text(std::string_view name, std::string_view value) { json_string(key(name), value); }
    void boolean(std::string_view name, bool value) { key(name) += value ? "true" : "false"; }

private:
    std::string& out_;
    bool first_ = true;
};

/// `[item, item, ...]`, each written by `write(out, item)`.
template <class Items, class Write>
void json_array(std::string& out, const Items& items, Write write) {
    out += '[';
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) out += ',';
        write(out, items[i]);
    }
    out += ']';
}

std::string_view method_name(difference_method m) {
    switch (m) {
        case difference_method::central: return "central";
        case difference_method::richardson: return "richardson";
        case difference_method::complex_step: return "complex_step";
    }
    return "central";
}

void json_block(std::string& out, const gradcheck_block& b) {
    json_object o(out);
    o.text("name", b.name);
    o.count("rank", static_cast<std::size_t>(b.rank));
    o.count("rows", b.rows);
    o.count("cols", b.cols);
    o.count("outputs", b.outputs);
    o.count("checked", b.checked);
    o.count("judged", b.judged);
    o.count("failures", b.failures);
    o.boolean("passed", b.passed());
    o.number("max_abs_error", b.max_abs_error);
    o.number("max_rel_error", b.max_rel_error);
    {
        json_object worst(o.key("worst"));
        worst.count("index", b.worst_index);
        worst.count("output", b.worst_output);
        worst.count("row", b.worst_row);
        worst.count("col", b.worst_col);
        worst.number("analytic", b.analytic);
        worst.number("numeric", b.numeric);
        worst.number("error_estimate", b.error_estimate);
    }
    json_array(o.key("findings"), b.findings, [](std::string& out, const gradcheck_finding& f) {
        json_object finding(out);
        finding.count("index", f.index);
        finding.text("verdict", to_string(f.verdict));
        finding.number("analytic", f.analytic);
        finding.number("numeric", f.numeric);
        finding.number("error_estimate", f.error_estimate);
        if (f.verdict == gradcheck_verdict::noisy) finding.number("suggested_step", f.suggested_step);
    });
}

}  // namespace

std::string_view to_string(gradcheck_verdict v) {
    switch (v) {
        case gradcheck_verdict::agree: return "agree";
        case gradcheck_verdict::kink: return "kink";
        case gradcheck_verdict::noisy: return "noisy";
        case gradcheck_verdict::mismatch: return "mismatch";
        case gradcheck_verdict::non_finite: return "non_finite";
    }
    return "agree";
}

std::ostream& operator<<(std::ostream& out, const gradcheck_report& report) {
    const gradcheck_options& o = report.options;
    const bool directional = o.directions > 0;
    std::ostringstream head;
    head << check_name(report.kind) << ' ' << (report.passed() ? "passed" : "FAILED") << ": " << report.scalar_type
         << ' ' << kind_name(report.kind) << " against " << report.reference_type << ' ' << method_description(o);
    if (directional) head << ", " << o.directions << " random directions per block (seed " << o.seed << ")";
    head << ", rtol " << general(o.rtol.value_or(0)) << ", atol " << general(o.atol.value_or(0)) << ", "
         << report.evaluations << " evaluations\n";
    out << head.str();
    // A block whose failures are all non-finite is listed below, entry by entry, instead.
    for (const auto& b : report.blocks)
        if (b.failures > count(b, gradcheck_verdict::non_finite)) print_mismatch(out, report, b);
    if (!report.symmetric)
        out << "  Hessian not symmetric: |H[" << report.asymmetry_row << ',' << report.asymmetry_col << "] - H["
            << report.asymmetry_col << ',' << report.asymmetry_row << "]| = " << scientific(report.max_asymmetry)
            << '\n';
    for (const auto& b : report.blocks) print_non_finite(out, report, b);
    const auto section = [&](gradcheck_verdict v, const char* title) {
        const auto has = [v](const auto& b) { return count(b, v) > 0; };
        if (std::none_of(report.blocks.begin(), report.blocks.end(), has)) return;
        out << title;
        for (const auto& b : report.blocks)
            if (has(b)) print_findings(out, report, b, v);
    };
    section(gradcheck_verdict::noisy,
            "  noisy, where the reference's own error exceeds the tolerance (not failures, not confirmed):\n");
    section(gradcheck_verdict::kink,
            "  kinks, where the stencil crosses a point at which the function is not differentiable "
            "(not failures):\n");
    print_table(out, report);
    return out;
}

std::string to_json(const gradcheck_report& report) {
    std::string out;
    {
        json_object o(out);
        o.text("check", check_name(report.kind));
        o.boolean("passed", report.passed());
        o.boolean("confirmed", report.confirmed());
        o.text("scalar_type", report.scalar_type);
        o.text("reference_type", report.reference_type);
        {
            json_object options(o.key("options"));
            options.text("method", method_name(report.options.method));
            options.count("order", static_cast<std::size_t>(report.options.order));
            options.number("step", report.options.step.value_or(0));
            options.number("rtol", report.options.rtol.value_or(0));
            options.number("atol", report.options.atol.value_or(0));
            options.count("directions", report.options.directions);
            options.count("seed", report.options.seed);
        }
        o.count("evaluations", report.evaluations);
        if (report.kind == gradcheck_kind::hessian) {
            json_object symmetry(o.key("symmetry"));
            symmetry.boolean("symmetric", report.symmetric);
            symmetry.number("max_asymmetry", report.max_asymmetry);
            symmetry.count("row", report.asymmetry_row);
            symmetry.count("col", report.asymmetry_col);
        }
        json_array(o.key("blocks"), report.blocks, json_block);
    }
    return out;
}

}  // namespace fusegrad

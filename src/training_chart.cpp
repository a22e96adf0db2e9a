// The training chart: an SVG written by hand, since a chart of two panels needs no plotting library.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "fusegrad/io/atomic_file.hpp"
#include "fusegrad/nn/training_chart.hpp"

namespace fusegrad {
namespace {

constexpr double chart_width = 1000;
constexpr double chart_height = 440;
constexpr double panel_width = chart_width / 2;
// The plot area inside a panel: room on the left for tick labels, on the right for the final values.
constexpr double plot_left = 72;
constexpr double plot_right = 84;
constexpr double plot_top = 96;
constexpr double plot_bottom = 56;

constexpr double infinity = std::numeric_limits<double>::infinity();

constexpr std::string_view train_colour = "#1f77b4";
// Blue and orange stay apart for the common colour-vision deficiencies; this orange is dark enough for text.
constexpr std::string_view validation_colour = "#d95f02";
constexpr std::string_view dash = "7 4";

/// Coordinates to a tenth of a pixel: exact enough to draw, short enough to read.
std::string coordinate(double x) {
    char buffer[32];
    return {buffer, std::to_chars(buffer, buffer + sizeof buffer, std::round(x * 10) / 10).ptr};
}

std::string fixed(double x, int digits) {
    char buffer[400];
    return {buffer, std::to_chars(buffer, buffer + sizeof buffer, x, std::chars_format::fixed, digits).ptr};
}

/// Four decimals, as the progress display shows metrics; scientific for values that would lose their digits
/// (0 < |x| < 0.001) or make a long label (1e5 and above).
std::string value_label(double x) {
    char buffer[32];
    const bool scientific = (x != 0 && std::abs(x) < 1e-3) || std::abs(x) >= 1e5;
    return {buffer, std::to_chars(buffer, buffer + sizeof buffer, x,
                                  scientific ? std::chars_format::scientific : std::chars_format::fixed, 4).ptr};
}

/// As many decimals as the step has, "0.25"; scientific where that would make a long label, "2.5e-07".
std::string tick_label(double x, int decimals) {
    if (decimals <= 6 && std::abs(x) < 1e7) return fixed(x, decimals);
    char buffer[32];
    return {buffer, std::to_chars(buffer, buffer + sizeof buffer, x, std::chars_format::general, 6).ptr};
}

/// Text as XML character data or attribute value. Control characters are not allowed in XML 1.0 at all.
std::string escaped(std::string_view text) {
    std::string out;
    for (const char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            default: out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
        }
    }
    return out;
}

/// The smallest 1-2-5 step that divides `span` into at most `count` parts.
double nice_step(double span, double count) {
    const double raw = span / count;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    for (const double factor : {1.0, 2.0, 5.0})
        if (factor * magnitude >= raw * (1 - 1e-9)) return factor * magnitude;
    return 10 * magnitude;
}

/// An axis: the interval drawn and the values that get a tick and a grid line.
struct axis {
    double lo = 0;
    double hi = 1;
    std::vector<double> ticks;
    int decimals = 0;
};

/// Epochs are whole numbers, so their ticks are too; half a unit of margin around a single epoch.
axis epoch_axis(double first, double last) {
    const double span = last - first;
    axis a;
    a.lo = first - (span == 0 ? 0.5 : 0.03 * span);
    a.hi = last + (span == 0 ? 0.5 : 0.03 * span);
    const double step = span == 0 ? 1 : std::max(1.0, nice_step(span, 6));
    for (double k = std::ceil(first / step); k * step <= last; ++k) a.ticks.push_back(k * step);
    return a;
}

/// Ticks at multiples of a 1-2-5 step and the interval widened to the outer ones. A constant series gets a
/// margin of a tenth of its value around it, within `floor` and `ceiling` (no negative loss, no accuracy
/// above 1); the widening to ticks stays within them too, since 0 and 1 are multiples of every step small
/// enough to be chosen.
axis value_axis(double lo, double hi, double floor, double ceiling) {
    // Also "constant": a spread below double's resolution at that magnitude, whose ticks could not be told apart.
    if (hi - lo <= 1e-9 * std::max(std::abs(lo), std::abs(hi))) {
        const double margin = lo == 0 ? 1 : 0.1 * std::abs(lo);
        lo = lo - margin;
        hi = hi + margin;
    }
    lo = std::max(lo, floor);
    hi = std::min(hi, ceiling);
    const double step = nice_step(hi - lo, 5);
    const double first = std::floor(lo / step + 1e-9);
    const double last = std::ceil(hi / step - 1e-9);
    axis a;
    a.lo = first * step;
    a.hi = last * step;
    for (double k = first; k <= last; ++k) a.ticks.push_back(k * step);
    a.decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
    return a;
}

struct series {
    std::string_view name;  // "train" or "validation"
    std::string_view colour;
    bool dashed;
    std::vector<double> epochs;
    std::vector<double> values;
};

/// The finite values of one metric; the rest (absent validation, a diverged loss) are not drawn.
series collect(const history& h, double epoch_record::*metric, std::string_view name, std::string_view colour,
               bool dashed) {
    series s{name, colour, dashed, {}, {}};
    for (const epoch_record& r : h.epochs) {
        if (!std::isfinite(r.*metric)) continue;
        s.epochs.push_back(static_cast<double>(r.epoch));
        s.values.push_back(r.*metric);
    }
    return s;
}

struct panel {
    std::string_view metric;  // "loss" or "accuracy"
    double left, right, top, bottom;
    axis x, y;

    double px(double epoch) const { return left + (epoch - x.lo) / (x.hi - x.lo) * (right - left); }
    double py(double value) const { return bottom - (value - y.lo) / (y.hi - y.lo) * (bottom - top); }
};

void draw_frame(std::string& svg, const panel& p, bool has_data) {
    svg += "<g font-size=\"12\" fill=\"#444\">\n";
    svg += "<text x=\"" + coordinate(p.left) + "\" y=\"" + coordinate(p.top - 14) +
           "\" font-size=\"14\" font-weight=\"bold\" fill=\"#222\">" + std::string{p.metric} + "</text>\n";
    for (const double t : p.y.ticks) {
        const std::string y = coordinate(p.py(t));
        svg += "<line x1=\"" + coordinate(p.left) + "\" y1=\"" + y + "\" x2=\"" + coordinate(p.right) + "\" y2=\"" +
               y + "\" stroke=\"#e3e3e3\"/>\n";
        svg += "<text x=\"" + coordinate(p.left - 8) + "\" y=\"" + coordinate(p.py(t) + 4) +
               "\" text-anchor=\"end\">" + tick_label(t, p.y.decimals) + "</text>\n";
    }
    for (const double t : p.x.ticks) {
        const std::string x = coordinate(p.px(t));
        svg += "<line x1=\"" + x + "\" y1=\"" + coordinate(p.bottom) + "\" x2=\"" + x + "\" y2=\"" +
               coordinate(p.bottom + 5) + "\" stroke=\"#444\"/>\n";
        svg += "<text x=\"" + x + "\" y=\"" + coordinate(p.bottom + 19) + "\" text-anchor=\"middle\">" +
               fixed(t, 0) + "</text>\n";
    }
    svg += "<path d=\"M" + coordinate(p.left) + " " + coordinate(p.top) + "V" + coordinate(p.bottom) + "H" +
           coordinate(p.right) + "\" fill=\"none\" stroke=\"#444\"/>\n";
    svg += "<text x=\"" + coordinate((p.left + p.right) / 2) + "\" y=\"" + coordinate(p.bottom + 40) +
           "\" text-anchor=\"middle\">epoch</text>\n";
    if (!has_data)
        svg += "<text x=\"" + coordinate((p.left + p.right) / 2) + "\" y=\"" + coordinate((p.top + p.bottom) / 2) +
               "\" text-anchor=\"middle\" font-size=\"14\" fill=\"#888\">no data</text>\n";
    svg += "</g>\n";
}

/// The line and the markers of a series, each marker with a tooltip; its group's id ("loss-train") lets a
/// page style or find it.
void draw_series(std::string& svg, const panel& p, const series& s, double marker_radius) {
    if (s.values.empty()) return;
    svg += "<g id=\"" + std::string{p.metric} + "-" + std::string{s.name} + "\" stroke=\"" + std::string{s.colour} +
           "\">\n";
    if (s.values.size() > 1) {
        svg += "<polyline fill=\"none\" stroke-width=\"2\" stroke-linejoin=\"round\"";
        if (s.dashed) svg += " stroke-dasharray=\"" + std::string{dash} + "\"";
        svg += " points=\"";
        for (std::size_t i = 0; i < s.values.size(); ++i) {
            if (i > 0) svg += ' ';
            svg += coordinate(p.px(s.epochs[i])) + "," + coordinate(p.py(s.values[i]));
        }
        svg += "\"/>\n";
    }
    // Validation markers are hollow, so that the two series differ in grey print too.
    const std::string fill = s.dashed ? "#fff" : std::string{s.colour};
    for (std::size_t i = 0; i < s.values.size(); ++i)
        svg += "<circle cx=\"" + coordinate(p.px(s.epochs[i])) + "\" cy=\"" + coordinate(p.py(s.values[i])) +
               "\" r=\"" + coordinate(marker_radius) + "\" fill=\"" + fill + "\" stroke-width=\"1.5\"><title>" +
               std::string{s.name} + " " + std::string{p.metric} + ", epoch " + fixed(s.epochs[i], 0) + ": " +
               value_label(s.values[i]) + "</title></circle>\n";
    svg += "</g>\n";
}

/// The last value of each series, to the right of the plot at the height of its point, moved apart when the
/// two would overlap.
void draw_final_values(std::string& svg, const panel& p, const std::vector<const series*>& drawn) {
    constexpr double line_height = 15;
    struct label {
        double y;
        std::string text;
        std::string_view colour;
    };
    std::vector<label> labels;
    for (const series* s : drawn)
        if (!s->values.empty())
            labels.push_back({p.py(s->values.back()) + 4, value_label(s->values.back()), s->colour});
    std::sort(labels.begin(), labels.end(), [](const label& a, const label& b) { return a.y < b.y; });
    if (labels.size() == 2 && labels[1].y - labels[0].y < line_height) {
        const double middle = (labels[0].y + labels[1].y) / 2;
        labels[0].y = middle - line_height / 2;
        labels[1].y = middle + line_height / 2;
    }
    for (const label& l : labels)
        svg += "<text x=\"" + coordinate(p.right + 8) + "\" y=\"" + coordinate(l.y) +
               "\" font-size=\"12\" font-weight=\"bold\" fill=\"" + std::string{l.colour} + "\">" + l.text +
               "</text>\n";
}

void draw_panel(std::string& svg, const history& h, std::size_t index, std::string_view metric,
                double epoch_record::*train_metric, double epoch_record::*validation_metric, double ceiling) {
    const series train = collect(h, train_metric, "train", train_colour, false);
    const series validation = collect(h, validation_metric, "validation", validation_colour, true);
    panel p{metric,
            panel_width * static_cast<double>(index) + plot_left,
            panel_width * static_cast<double>(index + 1) - plot_right,
            plot_top,
            chart_height - plot_bottom,
            {},
            {}};
    double lo = infinity, hi = -infinity;
    for (const series* s : {&train, &validation})
        for (const double v : s->values) {
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
    const bool has_data = lo <= hi;
    if (!h.epochs.empty())
        p.x = epoch_axis(static_cast<double>(h.epochs.front().epoch), static_cast<double>(h.epochs.back().epoch));
    if (has_data) p.y = value_axis(lo, hi, lo >= 0 ? 0 : -infinity, hi <= ceiling ? ceiling : infinity);
    draw_frame(svg, p, has_data);
    // Markers shrink when epochs crowd, down to a dot.
    const double spacing = (p.right - p.left) / std::max<double>(1, static_cast<double>(h.epochs.size()));
    const double radius = std::clamp(spacing / 3, 1.5, 3.5);
    draw_series(svg, p, validation, radius);
    draw_series(svg, p, train, radius);
    draw_final_values(svg, p, {&train, &validation});
}

/// One legend for both panels, under the title: a line sample with its marker and the series name.
void draw_legend(std::string& svg, bool with_validation) {
    const double item_width = 120;
    const double items = with_validation ? 2 : 1;
    double x = chart_width / 2 - items * item_width / 2;
    const auto item = [&](std::string_view name, std::string_view colour, bool dashed) {
        svg += "<g stroke=\"" + std::string{colour} + "\"><line x1=\"" + coordinate(x) + "\" y1=\"58\" x2=\"" +
               coordinate(x + 32) + "\" y2=\"58\" stroke-width=\"2\"" +
               (dashed ? " stroke-dasharray=\"" + std::string{dash} + "\"" : "") + "/><circle cx=\"" +
               coordinate(x + 16) + "\" cy=\"58\" r=\"3.5\" stroke-width=\"1.5\" fill=\"" +
               (dashed ? std::string{"#fff"} : std::string{colour}) + "\"/></g>\n";
        svg += "<text x=\"" + coordinate(x + 40) + "\" y=\"62\" font-size=\"13\" fill=\"#222\">" + std::string{name} +
               "</text>\n";
        x += item_width;
    };
    item("train", train_colour, false);
    if (with_validation) item("validation", validation_colour, true);
}

}  // namespace

void write_training_svg(const std::filesystem::path& file, const history& h, std::string_view title) {
    const std::string width = fixed(chart_width, 0), height = fixed(chart_height, 0);
    std::string svg = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + width + "\" height=\"" + height +
                      "\" viewBox=\"0 0 " + width + " " + height + "\" font-family=\"sans-serif\">\n";
    svg += "<title>" + escaped(title) + "</title>\n";
    svg += "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n";
    svg += "<text x=\"" + coordinate(chart_width / 2) + "\" y=\"30\" text-anchor=\"middle\" font-size=\"18\" "
           "font-weight=\"bold\" fill=\"#222\">" + escaped(title) + "</text>\n";
    const auto finite = [](double x) { return std::isfinite(x); };
    const bool with_validation = std::any_of(h.epochs.begin(), h.epochs.end(), [&](const epoch_record& r) {
        return finite(r.val_loss) || finite(r.val_accuracy);
    });
    draw_legend(svg, with_validation);
    draw_panel(svg, h, 0, "loss", &epoch_record::loss, &epoch_record::val_loss, infinity);
    draw_panel(svg, h, 1, "accuracy", &epoch_record::accuracy, &epoch_record::val_accuracy, 1);
    svg += "</svg>\n";
    io::write_file_atomically(file, svg, "write_training_svg");
}

}  // namespace fusegrad

#include <fusegrad/nn/summary.hpp>

#include <cstdio>
#include <string>

namespace fusegrad {

namespace {
// Column widths of Keras 3's table, spaces included.
constexpr std::size_t name_width = 33, shape_width = 24, count_width = 15;

std::string repeated(std::string_view piece, std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s += piece;
    return s;
}

/// Text padded to `width` display columns (the table's text is ASCII, so bytes are columns).
std::string cell(const std::string& text, std::size_t width, bool right) {
    const std::string body = " " + text + " ";
    if (body.size() >= width) return body;
    const std::string pad(width - body.size(), ' ');
    return right ? pad + body : body + pad;
}

std::string with_thousands(std::size_t n) {
    std::string digits = std::to_string(n), out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

/// "397.54 KB" as Keras prints a byte count (powers of 1024).
std::string byte_size(std::size_t bytes) {
    const char* units[] = {"B", "KB", "MB", "GB", "TB"};
    double v = static_cast<double>(bytes);
    std::size_t u = 0;
    while (v >= 1024.0 && u + 1 < std::size(units)) {
        v /= 1024.0;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f %s", v, units[u]);
    return buf;
}

std::string rule(std::string_view left, std::string_view fill, std::string_view mid, std::string_view right) {
    return std::string{left} + repeated(fill, name_width) + std::string{mid} + repeated(fill, shape_width) +
           std::string{mid} + repeated(fill, count_width) + std::string{right} + "\n";
}
}  // namespace

std::string format_summary(std::string_view model_name, std::span<const summary_row> rows, std::size_t element_bytes) {
    std::string out = "Model: \"" + std::string{model_name} + "\"\n";
    out += rule("┏", "━", "┳", "┓");
    out += "┃" + cell("Layer (type)", name_width, false) + "┃" + cell("Output Shape", shape_width, false) + "┃" +
           cell("Param #", count_width, true) + "┃\n";
    out += rule("┡", "━", "╇", "┩");
    std::size_t total = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const summary_row& r = rows[i];
        out += "│" + cell(r.name + " (" + std::string{r.type} + ")", name_width, false) + "│" +
               cell(r.output_shape, shape_width, false) + "│" + cell(with_thousands(r.parameters), count_width, true) +
               "│\n";
        out += i + 1 < rows.size() ? rule("├", "─", "┼", "┤") : rule("└", "─", "┴", "┘");
        total += r.parameters;
    }
    if (rows.empty()) out += rule("└", "─", "┴", "┘");
    const std::string size = byte_size(total * element_bytes);
    out += " Total params: " + with_thousands(total) + " (" + size + ")\n";
    out += " Trainable params: " + with_thousands(total) + " (" + size + ")\n";
    out += " Non-trainable params: 0 (0.00 B)\n";
    return out;
}

}  // namespace fusegrad

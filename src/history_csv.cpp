// The CSV log of a training run.
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

#include "fusegrad/io/atomic_file.hpp"
#include "fusegrad/io/io_error.hpp"
#include "fusegrad/nn/history_csv.hpp"
#include "regular_file.hpp"

namespace fusegrad {
namespace {

constexpr std::string_view csv_header = "epoch,loss,accuracy,val_loss,val_accuracy,seconds";
constexpr std::size_t csv_columns = 6;

/// Shortest form that reads back as the same double ("0.1", not "0.10000000000000001"); "nan" and "inf" as
/// from_chars reads them.
void append_number(std::string& out, double x) {
    char buffer[32];
    out.append(buffer, std::to_chars(buffer, buffer + sizeof buffer, x).ptr);
}

/// Absent validation values are empty cells, as pandas and spreadsheets read a missing value.
void append_optional(std::string& out, double x) {
    if (!std::isnan(x)) append_number(out, x);
}

/// Keras's CSVLogger numbers epochs as `fit` passes them to callbacks: from 0.
std::size_t csv_epoch(const epoch_record& r) { return r.epoch - 1; }

/// Refuses what read_history_csv would refuse, so that a log written is always a log that can be resumed.
void check_epochs(const std::filesystem::path& file, const history& h) {
    const auto refuse = [&](std::size_t i, const std::string& what) {
        throw std::invalid_argument("fusegrad: write_history_csv: " + file.string() + ": record " +
                                    std::to_string(i) + " has epoch " + std::to_string(h.epochs[i].epoch) + what);
    };
    for (std::size_t i = 0; i < h.epochs.size(); ++i) {
        if (h.epochs[i].epoch == 0) refuse(i, "; epochs count from 1");
        if (i > 0 && h.epochs[i].epoch <= h.epochs[i - 1].epoch)
            refuse(i, " after epoch " + std::to_string(h.epochs[i - 1].epoch) + "; epochs must increase");
    }
}

/// A cell as an error message shows it: one line, and cut short, since a line of a file that is not a CSV log
/// at all can be any length.
std::string quoted(std::string_view text) {
    constexpr std::size_t longest = 60;
    return detail::one_line_quoted(text.substr(0, longest)) + (text.size() > longest ? "..." : "");
}

/// One line of the file being read, for errors that say where.
struct csv_line {
    const std::filesystem::path& file;
    std::size_t number;

    [[noreturn]] void fail(const std::string& what) const {
        throw std::runtime_error("fusegrad: read_history_csv: " + file.string() + ":" + std::to_string(number) +
                                 ": " + what);
    }

    double number_in(std::string_view cell, std::string_view column) const {
        if (cell.empty()) fail("the " + std::string{column} + " cell is empty");
        double x = 0;
        const auto [end, error] = std::from_chars(cell.data(), cell.data() + cell.size(), x);
        if (error == std::errc::result_out_of_range)
            fail(std::string{column} + " " + quoted(cell) + " is out of the range of double");
        if (error != std::errc{} || end != cell.data() + cell.size())
            fail(std::string{column} + " " + quoted(cell) + " is not a number");
        return x;
    }

    double optional_number_in(std::string_view cell, std::string_view column) const {
        return cell.empty() ? std::numeric_limits<double>::quiet_NaN() : number_in(cell, column);
    }

    std::size_t epoch_in(std::string_view cell) const {
        std::size_t epoch = 0;
        const auto [end, error] = std::from_chars(cell.data(), cell.data() + cell.size(), epoch);
        if (cell.empty() || error != std::errc{} || end != cell.data() + cell.size() ||
            epoch == std::numeric_limits<std::size_t>::max())
            fail("epoch " + quoted(cell) + " is not a whole number from 0");
        return epoch + 1;
    }

    epoch_record record_in(std::string_view text) const {
        std::string_view cells[csv_columns];
        std::size_t count = 0;
        for (std::size_t start = 0;; ++count) {
            const std::size_t comma = text.find(',', start);
            if (count < csv_columns) cells[count] = text.substr(start, comma - start);
            if (comma == std::string_view::npos) break;
            start = comma + 1;
        }
        ++count;
        if (count != csv_columns)
            fail("expected " + std::to_string(csv_columns) + " cells, found " + std::to_string(count));
        return {.epoch = epoch_in(cells[0]),
                .loss = number_in(cells[1], "loss"),
                .accuracy = number_in(cells[2], "accuracy"),
                .val_loss = optional_number_in(cells[3], "val_loss"),
                .val_accuracy = optional_number_in(cells[4], "val_accuracy"),
                .seconds = number_in(cells[5], "seconds")};
    }
};

}  // namespace

void write_history_csv(const std::filesystem::path& file, const history& h) {
    check_epochs(file, h);
    std::string text{csv_header};
    text += '\n';
    for (const epoch_record& r : h.epochs) {
        text += std::to_string(csv_epoch(r));
        text += ',';
        append_number(text, r.loss);
        text += ',';
        append_number(text, r.accuracy);
        text += ',';
        append_optional(text, r.val_loss);
        text += ',';
        append_optional(text, r.val_accuracy);
        text += ',';
        append_number(text, r.seconds);
        text += '\n';
    }
    io::write_file_atomically(file, text, "write_history_csv");
}

history read_history_csv(const std::filesystem::path& file) {
    // A regular file only: open() on a FIFO would wait for a writer for ever.
    detail::regular_file in(file, "read_history_csv");
    std::string text;
    char buffer[1 << 14];
    while (const std::size_t got = in.read(buffer, sizeof buffer)) text.append(buffer, got);
    return parse_history_csv(text, file);
}

history parse_history_csv(std::string_view text, const std::filesystem::path& file) {
    history h;
    std::size_t number = 0;
    for (std::size_t start = 0; start < text.size() || number == 0;) {
        const std::size_t newline = std::min(text.find('\n', start), text.size());
        std::string_view line = text.substr(start, newline - start);
        // Python's csv module, and so Keras, ends rows with \r\n.
        if (line.ends_with('\r')) line.remove_suffix(1);
        const csv_line where{file, ++number};
        if (number == 1) {
            if (line != csv_header)
                where.fail("expected the header '" + std::string{csv_header} + "', found " + quoted(line));
        } else {
            if (line.empty()) where.fail("empty line");
            epoch_record r = where.record_in(line);
            if (!h.epochs.empty() && r.epoch <= h.epochs.back().epoch)
                where.fail("epoch " + std::to_string(r.epoch - 1) + " after epoch " +
                           std::to_string(h.epochs.back().epoch - 1) + "; epochs must increase");
            h.epochs.push_back(r);
        }
        start = newline + 1;
    }
    return h;
}

}  // namespace fusegrad

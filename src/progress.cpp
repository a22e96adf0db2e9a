// The training progress display; compiled once, since it depends on no graph or model type.
#include <stdio.h>
#include <unistd.h>

#include <charconv>
#include <cmath>
#include <cstddef>
#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>

#include "fusegrad/nn/progress.hpp"

namespace fusegrad {
namespace {

// Keras 3's look: a bold counter and time, the done part of the bar green. The rest is bright black
// (grey) rather than Keras's white, which vanishes on a light background.
constexpr const char* bold = "\x1b[1m";
constexpr const char* green = "\x1b[32m";
constexpr const char* grey = "\x1b[90m";
constexpr const char* plain = "\x1b[0m";
// Erases the rest of the line, in case the previous drawing was longer (a shorter ETA, a smaller loss).
constexpr const char* erase_to_end = "\x1b[K";
constexpr std::size_t bar_width = 20;
constexpr auto redraw_interval = std::chrono::milliseconds(100);

/// Locale-independent, unlike printf and iostreams: a German locale must not turn 0.8712 into 0,8712.
std::string fixed(double x, int digits) {
    char buffer[64];
    const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, x, std::chars_format::fixed, digits);
    // Only a number too large for the buffer (|x| > 1e60) fails; its scientific form is short.
    if (error != std::errc{}) return std::string(buffer, std::to_chars(buffer, buffer + sizeof buffer, x).ptr);
    return std::string(buffer, end);
}

/// Four decimals, as Keras shows metrics, or four significant digits for a value too small for that.
std::string metric(double x) {
    if (std::abs(x) > 1e-3 || std::isnan(x)) return fixed(x, 4);
    char buffer[32];
    return std::string(buffer, std::to_chars(buffer, buffer + sizeof buffer, x, std::chars_format::scientific, 4).ptr);
}

/// "42s", "3:07" or "1:02:03", as Keras shows the time left.
std::string eta(double seconds) {
    const auto s = static_cast<long long>(seconds);
    const auto two_digits = [](long long n) {
        std::string text{n < 10 ? "0" : ""};  // not "0" + std::string, on which g++ 12 -O3 warns falsely
        return text += std::to_string(n);
    };
    if (s < 60) return std::to_string(s) + "s";
    if (s < 3600) return std::to_string(s / 60) + ":" + two_digits(s % 60);
    return std::to_string(s / 3600) + ":" + two_digits(s % 3600 / 60) + ":" + two_digits(s % 60);
}

/// "2s/step", "12ms/step" or "350us/step": the unit that keeps a few digits.
std::string per_step(double seconds) {
    if (seconds >= 1 || seconds == 0) return fixed(seconds, 0) + "s/step";
    if (seconds >= 1e-3) return fixed(seconds * 1e3, 0) + "ms/step";
    return fixed(seconds * 1e6, 0) + "us/step";
}

/// "4.1 s", or "350 ms" for an epoch too short to show in tenths of a second.
std::string duration(double seconds) {
    return seconds >= 1 ? fixed(seconds, 1) + " s" : fixed(seconds * 1e3, 0) + " ms";
}

double seconds_between(progress_bar::clock::time_point from, progress_bar::clock::time_point to) {
    return std::chrono::duration<double>(to - from).count();
}

/// " 123/1875", the step right-aligned so that the bar does not move while the count grows.
std::string counter(std::size_t step, std::size_t steps) {
    std::string done = std::to_string(step);
    const std::string total = std::to_string(steps);
    if (done.size() < total.size()) done.insert(0, total.size() - done.size(), ' ');
    return bold + done + "/" + total + plain;
}

std::string bar(std::size_t step, std::size_t steps) {
    const std::size_t done = bar_width * step / steps;
    std::string text;
    const auto segment = [&](const char* colour, std::size_t n) {
        if (n == 0) return;
        text += colour;
        for (std::size_t i = 0; i < n; ++i) text += "\u2501";
        text += plain;
    };
    segment(green, done);
    segment(grey, bar_width - done);
    return text;
}

}  // namespace

bool stdout_is_terminal() { return ::isatty(::fileno(stdout)) != 0; }

progress_bar::progress_bar(std::ostream& out, std::size_t epoch, std::size_t epochs, std::size_t steps,
                           bool interactive, time_source now)
    : out_(&out), epoch_(epoch), epochs_(epochs), steps_(steps), interactive_(interactive), now_(std::move(now)) {
    if (epoch == 0 || epoch > epochs)
        throw std::invalid_argument("fusegrad: progress_bar: epoch " + std::to_string(epoch) + " of " +
                                    std::to_string(epochs) + "; epochs count from 1");
    if (steps == 0) throw std::invalid_argument("fusegrad: progress_bar: an epoch has at least one step");
    start_ = now_();
    if (interactive_) *out_ << "Epoch " << epoch_ << '/' << epochs_ << '\n' << std::flush;
}

progress_bar::~progress_bar() {
    if (!line_open_) return;
    try {
        *out_ << '\n' << std::flush;
    } catch (...) {
        // A stream that throws on failure must not end the program from a destructor.
    }
}

void progress_bar::update(std::size_t step, double loss, double accuracy) {
    if (step == 0 || step > steps_)
        throw std::invalid_argument("fusegrad: progress_bar::update: step " + std::to_string(step) + " of " +
                                    std::to_string(steps_) + "; steps count from 1");
    if (!interactive_) return;
    const clock::time_point now = now_();
    if (first_step_ == 0) {
        first_step_ = step;
        first_time_ = now;
        seconds_per_step_ = seconds_between(start_, now) / static_cast<double>(step);
    } else if (step > first_step_) {
        seconds_per_step_ = seconds_between(first_time_, now) / static_cast<double>(step - first_step_);
    }
    if (line_open_ && now - last_draw_ < redraw_interval && step != steps_) return;
    last_draw_ = now;
    draw(step, loss, accuracy);
}

void progress_bar::draw(std::size_t step, double loss, double accuracy) {
    const double left = seconds_per_step_ * static_cast<double>(steps_ - step);
    *out_ << '\r' << counter(step, steps_) << ' ' << bar(step, steps_) << ' ' << bold << eta(left) << plain << ' '
          << per_step(seconds_per_step_) << " - accuracy: " << metric(accuracy) << " - loss: " << metric(loss)
          << erase_to_end << std::flush;
    line_open_ = true;
}

void progress_bar::finish(const epoch_record& r) {
    if (r.epoch != epoch_)
        throw std::invalid_argument("fusegrad: progress_bar::finish: the record is of epoch " +
                                    std::to_string(r.epoch) + ", the bar of epoch " + std::to_string(epoch_));
    std::string line;
    if (interactive_) {
        const double step_time = first_step_ == 0 ? r.seconds / static_cast<double>(steps_) : seconds_per_step_;
        line = '\r' + counter(steps_, steps_) + ' ' + bar(steps_, steps_) + ' ' + bold + fixed(r.seconds, 0) +
               "s" + plain + ' ' + per_step(step_time) + " - accuracy: " + metric(r.accuracy) +
               " - loss: " + metric(r.loss);
        if (!std::isnan(r.val_accuracy)) line += " - val_accuracy: " + metric(r.val_accuracy);
        if (!std::isnan(r.val_loss)) line += " - val_loss: " + metric(r.val_loss);
        line += erase_to_end;
    } else {
        line = "epoch " + std::to_string(epoch_) + "/" + std::to_string(epochs_) + ": loss " + metric(r.loss) +
               " - accuracy " + metric(r.accuracy);
        if (!std::isnan(r.val_loss)) line += " - val_loss " + metric(r.val_loss);
        if (!std::isnan(r.val_accuracy)) line += " - val_accuracy " + metric(r.val_accuracy);
        line += " - " + duration(r.seconds);
    }
    *out_ << line << '\n' << std::flush;
    line_open_ = false;
}

}  // namespace fusegrad

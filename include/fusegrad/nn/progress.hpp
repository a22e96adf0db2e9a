#pragma once
#include <chrono>
#include <cstddef>
#include <functional>
#include <iosfwd>

#include "history.hpp"

namespace fusegrad {

/// Whether standard output is a terminal: where a progress bar can redraw itself, unlike a pipe or a CI log.
bool stdout_is_terminal();

/// The progress display of one epoch of training, in two modes.
/// Interactive, for a terminal, as Keras 3 draws it: an "Epoch 3/10" line, then one line redrawn in place,
/// `1234/1875 ━━━━━━━━━━━━━━━━━━━━ 2s 1ms/step - accuracy: 0.8712 - loss: 0.3521`, whose time is the
/// estimated time left; at the end the epoch's total time and its validation metrics.
/// Plain, for a pipe or a file: nothing per step, and one line per epoch at the end,
/// `epoch 3/10: loss 0.3521 - accuracy 0.8712 - val_loss 0.3810 - val_accuracy 0.8633 - 4.1 s`.
/// docs/training-output.md shows both.
class progress_bar {
public:
    using clock = std::chrono::steady_clock;
    /// Where the bar reads the time: the steady clock, or a fake one in a test.
    using time_source = std::function<clock::time_point()>;

    /// Starts epoch `epoch` (from 1) of `epochs`, which has `steps` training steps; `interactive` is
    /// normally stdout_is_terminal(). Throws std::invalid_argument for an epoch outside 1..epochs or no steps.
    progress_bar(std::ostream& out, std::size_t epoch, std::size_t epochs, std::size_t steps, bool interactive,
                 time_source now = clock::now);

    /// Step `step` (from 1) is done; `loss` and `accuracy` are the epoch's means so far. Redraws at most
    /// ten times a second, and at the last step, so that calling it after every step costs a clock read.
    void update(std::size_t step, double loss, double accuracy);

    /// Ends the epoch: the final line, with the record's means, time and validation metrics.
    /// Throws std::invalid_argument when the record is of another epoch.
    void finish(const epoch_record& record);

    /// Ends an unfinished interactive line, so that whatever is printed next (say, the message of the
    /// exception that interrupted the epoch) starts on a line of its own.
    ~progress_bar();

    progress_bar(const progress_bar&) = delete;
    progress_bar& operator=(const progress_bar&) = delete;

private:
    void draw(std::size_t step, double loss, double accuracy);

    std::ostream* out_;
    std::size_t epoch_;
    std::size_t epochs_;
    std::size_t steps_;
    bool interactive_;
    time_source now_;
    clock::time_point start_;
    /// The first update, from which the time per step is measured: the first step is often slower (caches,
    /// allocations), and would bias the estimate of the time left.
    std::size_t first_step_ = 0;
    clock::time_point first_time_{};
    double seconds_per_step_ = 0;
    clock::time_point last_draw_{};
    bool line_open_ = false;
};

}  // namespace fusegrad

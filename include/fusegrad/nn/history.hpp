#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

namespace fusegrad {

/// What one epoch of training measured. An aggregate, meant for designated initializers:
/// `{.epoch = 3, .loss = 0.35, .accuracy = 0.87, .seconds = 4.1}` leaves the validation fields absent.
struct epoch_record {
    /// Counted from 1, as the progress display shows it ("Epoch 3/10").
    std::size_t epoch = 0;
    /// The means over the epoch's training steps.
    double loss = 0;
    double accuracy = 0;
    /// NaN when the epoch was not validated, so that a record stays one plain struct.
    double val_loss = std::numeric_limits<double>::quiet_NaN();
    double val_accuracy = std::numeric_limits<double>::quiet_NaN();
    /// Wall-clock time of the whole epoch, validation included.
    double seconds = 0;

    /// Whether either validation field is present.
    bool has_validation() const { return !std::isnan(val_loss) || !std::isnan(val_accuracy); }

    /// Field by field, with NaN equal to NaN: an absent value equals an absent value, so that two
    /// unvalidated records of the same numbers compare equal.
    friend bool operator==(const epoch_record& a, const epoch_record& b) {
        const auto same = [](double x, double y) { return x == y || (std::isnan(x) && std::isnan(y)); };
        return a.epoch == b.epoch && same(a.loss, b.loss) && same(a.accuracy, b.accuracy) &&
               same(a.val_loss, b.val_loss) && same(a.val_accuracy, b.val_accuracy) && same(a.seconds, b.seconds);
    }
};

/// A training run, epoch by epoch in the order trained: what a training loop records, what the CSV log holds and
/// what the training chart draws.
struct history {
    std::vector<epoch_record> epochs;
    /// Why training ended before its last epoch (a non-finite loss), or empty when it ran to the end.
    /// Braced, so that `{.epochs = ...}` leaves it out without -Wmissing-field-initializers.
    std::string stop_reason{};

    /// Whether any epoch was validated; with Keras's `validation_freq` only some are.
    bool has_validation() const {
        return std::any_of(epochs.begin(), epochs.end(), [](const epoch_record& r) { return r.has_validation(); });
    }

    friend bool operator==(const history&, const history&) = default;
};

}  // namespace fusegrad

#pragma once
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <numeric>
#include <optional>
#include <span>
#include <type_traits>
#include <stdexcept>
#include <string>
#include <vector>

#include "../detail/number_text.hpp"
#include "../io/byte_stream.hpp"
#include "../io/checkpoint_file.hpp"
#include "checkpoint.hpp"
#include "compiled_model.hpp"
#include "dataset.hpp"
#include "history.hpp"
#include "history_csv.hpp"
#include "optimizers/optimizer_state.hpp"
#include "parameters.hpp"
#include "progress.hpp"
#include "random.hpp"

namespace fusegrad {

/// How fit reports progress: a redrawn progress bar on a terminal and one line per epoch otherwise
/// (automatic), either of those always, or nothing.
enum class verbosity { automatic, progress_bar, one_line_per_epoch, silent };

/// Options of fit, as Keras's `model.fit` arguments.
template <class T>
struct fit_options {
    std::size_t epochs = 1;
    std::size_t batch_size = 32;
    bool shuffle = true;
    /// Seeds the shuffling and the dropout masks: the same seed and data give bit-identical parameters.
    std::uint64_t seed = 0;
    /// Evaluated after every epoch (val_loss, val_accuracy). The `{}` initializers of these members keep
    /// g++'s -Wmissing-field-initializers quiet when a designated initializer leaves them out.
    std::optional<dataset<T>> validation{};
    verbosity verbose = verbosity::automatic;
    /// Where progress goes; std::cout when null.
    std::ostream* out = nullptr;
    /// When set, the history is rewritten there after every epoch (Keras CSVLogger).
    std::filesystem::path history_csv{};
    /// When set, parameters and training state are saved there after every epoch, atomically.
    std::filesystem::path checkpoint{};
    /// Continue from `checkpoint` when it exists: parameters, optimizer state, epoch, random streams and
    /// history, so that the run ends exactly as an uninterrupted one would.
    bool resume = false;
    /// Threads each training batch is split over (fg::parallelism): results are deterministic for a given
    /// count, and differ from one thread's in the last bits. Evaluation runs on the calling thread.
    std::size_t threads = 1;
};

/// Keras's evaluate: the mean loss (dropout off) and accuracy over a dataset.
struct evaluation {
    double loss = 0;
    double accuracy = 0;
};

namespace detail {
// Stream numbers for random_engine::derive: independent streams from one seed.
inline constexpr std::uint64_t shuffle_stream = 0x5348554646ULL;  // "SHUFF"
inline constexpr std::uint64_t dropout_stream = 0x44524f50ULL;    // "DROP"
inline constexpr std::uint32_t training_state_version = 1;

/// Everything besides the parameters that a resumed run needs to continue bit for bit.
struct training_state {
    std::uint64_t epochs_done = 0;
    std::array<std::uint64_t, 4> shuffle_engine{};
    std::array<std::uint64_t, 4> dropout_engine{};
    std::vector<std::byte> optimizer;
    history past;

    std::vector<std::byte> save() const {
        std::vector<std::byte> bytes;
        io::byte_writer w(bytes);
        w.put(training_state_version);
        w.put(epochs_done);
        for (auto s : shuffle_engine) w.put(s);
        for (auto s : dropout_engine) w.put(s);
        w.put_block(optimizer);
        w.put(static_cast<std::uint64_t>(past.epochs.size()));
        for (const epoch_record& r : past.epochs) {
            w.put(static_cast<std::uint64_t>(r.epoch));
            for (double v : {r.loss, r.accuracy, r.val_loss, r.val_accuracy, r.seconds}) w.put(v);
        }
        return bytes;
    }
    static training_state load(std::span<const std::byte> bytes, const std::filesystem::path& file) {
        io::byte_reader r(bytes, "checkpoint '" + file.string() + "' training state");
        const auto version = r.get<std::uint32_t>();
        if (version != training_state_version)
            throw std::runtime_error("fusegrad: checkpoint '" + file.string() + "': training state version " +
                                     std::to_string(version) + ", this build reads version " +
                                     std::to_string(training_state_version));
        training_state s;
        s.epochs_done = r.get<std::uint64_t>();
        for (auto& v : s.shuffle_engine) v = r.get<std::uint64_t>();
        for (auto& v : s.dropout_engine) v = r.get<std::uint64_t>();
        const auto opt = r.get_block();
        s.optimizer.assign(opt.begin(), opt.end());
        const auto n = r.get<std::uint64_t>();
        if (n > r.remaining() / 48)
            throw std::runtime_error("fusegrad: checkpoint '" + file.string() + "': training state claims " +
                                     std::to_string(n) + " epochs of history, more than it holds");
        for (std::uint64_t i = 0; i < n; ++i) {
            epoch_record e;
            e.epoch = static_cast<std::size_t>(r.get<std::uint64_t>());
            for (double* v : {&e.loss, &e.accuracy, &e.val_loss, &e.val_accuracy, &e.seconds}) *v = r.get<double>();
            s.past.epochs.push_back(e);
        }
        r.expect_end();
        s.check_consistent(file);
        return s;
    }

private:
    /// What fit writes is consistent: a record per epoch done, numbered from 1, finite measurements, random
    /// engines in a reachable state. A state that is not was written by something else (or crafted, with a valid
    /// checksum), and resuming from it would train on nonsense.
    void check_consistent(const std::filesystem::path& file) const {
        const auto fail = [&](const std::string& problem) {
            throw io::io_error("fusegrad: checkpoint " + one_line_quoted(file.string()) + ": training state: " + problem,
                               file);
        };
        if (past.epochs.size() != epochs_done)
            fail("epochs_done is " + std::to_string(epochs_done) + " but the history holds " +
                 std::to_string(past.epochs.size()) + " epochs");
        const auto all_zero = [](const std::array<std::uint64_t, 4>& e) {
            return std::ranges::all_of(e, [](std::uint64_t v) { return v == 0; });
        };
        if (all_zero(shuffle_engine)) fail("the shuffle engine's state is all zeros, which no engine reaches");
        if (all_zero(dropout_engine)) fail("the dropout engine's state is all zeros, which no engine reaches");
        for (std::size_t i = 0; i < past.epochs.size(); ++i) {
            const epoch_record& r = past.epochs[i];
            const std::string at = "history record " + std::to_string(i) + ": ";
            if (r.epoch != i + 1)
                fail(at + "epoch " + std::to_string(r.epoch) + " where epoch " + std::to_string(i + 1) + " belongs");
            enum class kind { any, fraction, duration };
            const auto check = [&](const char* field, double v, kind k) {
                const bool bad = !std::isfinite(v) || (k == kind::fraction && !(v >= 0 && v <= 1)) ||
                                 (k == kind::duration && v < 0);
                if (bad)
                    fail(at + field + " is " + number_text(v) +
                         (!std::isfinite(v) ? "" : k == kind::fraction ? ", not a fraction in [0, 1]" : ", a negative duration"));
            };
            check("loss", r.loss, kind::any);
            check("accuracy", r.accuracy, kind::fraction);
            check("seconds", r.seconds, kind::duration);
            // Absent validation is NaN in both fields (epoch_record).
            if (!std::isnan(r.val_loss) || !std::isnan(r.val_accuracy)) {
                check("val_loss", r.val_loss, kind::any);
                check("val_accuracy", r.val_accuracy, kind::fraction);
            }
        }
    }
};

template <class Graphs, class P, class T>
evaluation evaluate_batches(Graphs& graphs, const P& params, const dataset<T>& data, std::size_t count,
                            std::size_t batch_size) {
    constexpr std::size_t in = Graphs::input_cols, tc = Graphs::target_cols;
    double loss_sum = 0;
    std::size_t correct = 0, predictions = 0;
    batch_size = std::min(batch_size, count);  // a batch larger than the data is the data, and start cannot wrap
    for (std::size_t start = 0; start < count; start += batch_size) {
        const std::size_t rows = std::min(batch_size, count - start);
        const T l = graphs.loss(params, data.x.subspan(start * in, rows * in), data.y.subspan(start * tc, rows * tc), correct);
        loss_sum += static_cast<double>(l) * static_cast<double>(rows);
        predictions += Graphs::predictions_in(rows);
    }
    return {count ? loss_sum / static_cast<double>(count) : 0.0,
            predictions ? static_cast<double>(correct) / static_cast<double>(predictions) : 0.0};
}

template <class Model, class Loss>
std::size_t class_count() {
    return Loss::accuracy == accuracy_kind::sparse_categorical ? Model::output_features.size() : 0;
}

inline void check_batch_size(std::size_t batch_size, const char* caller) {
    if (batch_size == 0) throw std::invalid_argument(std::string("fusegrad: ") + caller + ": batch_size must be at least 1");
}

/// The number of batches of `batch_size` rows in `count` samples, the last one partial: ⌈count / batch_size⌉
/// without the overflow of (count + batch_size − 1) / batch_size, which is 0 for a batch_size near SIZE_MAX.
constexpr std::size_t batch_count(std::size_t count, std::size_t batch_size) {
    return count / batch_size + (count % batch_size != 0);
}

/// The threads fit splits each batch over: 0 is every core (no more than a batch has rows); more threads
/// than a batch has rows would leave some with nothing to do, and is refused.
inline std::size_t fit_threads(std::size_t requested, std::size_t batch_rows) {
    if (requested == 0) return std::min(available_cores(), batch_rows);
    if (requested > batch_rows)
        throw std::invalid_argument("fusegrad: fit: threads is " + std::to_string(requested) + ", more than the " +
                                    std::to_string(batch_rows) + " rows of a batch to split between them");
    return requested;
}
}  // namespace detail

/// Keras's evaluate: mean loss and accuracy over `data`, in batches, dropout off.
template <class Model, loss_function Loss, class T>
evaluation evaluate(const Model& model, const parameters<T, Model>& params, const Loss& loss, const dataset<T>& data,
                    std::size_t batch_size = 32) {
    detail::check_batch_size(batch_size, "evaluate");
    compiled_model<Model, Loss, T> graphs(model, loss);
    using G = decltype(graphs);
    const std::size_t count = detail::checked_sample_count(data, G::input_cols, G::target_cols, Loss::accuracy,
                                                           detail::class_count<Model, Loss>(), "evaluate", "evaluation");
    return detail::evaluate_batches(graphs, params, data, count, batch_size);
}

/// Keras's predict: the model's outputs for every sample of `x` (count × outputs, row-major).
template <class Model, class T>
std::vector<T> predict(const Model& model, const parameters<T, Model>& params, std::type_identity_t<std::span<const T>> x,
                       std::size_t batch_size = 32) {
    detail::check_batch_size(batch_size, "predict");
    constexpr std::size_t in = Model::input_features.size(), out = Model::output_features.size();
    if (x.size() % in != 0)
        throw std::invalid_argument("fusegrad: predict: " + std::to_string(x.size()) + " input values are not a multiple of " +
                                    std::to_string(in) + " features per sample");
    auto f = compile<T>(model.output());
    const std::size_t count = x.size() / in;
    std::vector<T> result(count * out);
    batch_size = std::min(batch_size, std::max<std::size_t>(count, 1));  // so that start cannot wrap
    for (std::size_t start = 0; start < count; start += batch_size) {
        const std::size_t rows = std::min(batch_size, count - start);
        const auto view = params.with_bindings([&](const auto&... b) {
            return f.value(b..., typename Model::input_variable{} = x.subspan(start * in, rows * in));
        });
        std::copy(view.begin(), view.end(), result.begin() + static_cast<std::ptrdiff_t>(start * out));
    }
    return result;
}

/// Keras's fit: `epochs` passes over `data` in shuffled mini-batches (the last one partial, not dropped),
/// one optimizer step per batch, updating `params` in place. Reports progress, validates, logs and
/// checkpoints as the options say, and returns the history. A non-finite loss stops training before that
/// step's update (Keras's TerminateOnNaN), with a message naming the epoch and step, kept in
/// `history.stop_reason`. Invalid data (a NaN input, a label out of range) is an error before training.
template <class Model, loss_function Loss, class Optimizer, class T>
history fit(const Model& model, parameters<T, Model>& params, const Loss& loss, const Optimizer& optimizer,
            const dataset<T>& data, const fit_options<T>& options = {}) {
    detail::check_batch_size(options.batch_size, "fit");
    using G = compiled_model<Model, Loss, T>;
    constexpr std::size_t in = G::input_cols, tc = G::target_cols;
    const std::size_t classes = detail::class_count<Model, Loss>();
    const std::size_t count = detail::checked_sample_count(data, in, tc, Loss::accuracy, classes, "fit", "training");
    std::size_t validation_count = 0;
    if (options.validation)
        validation_count = detail::checked_sample_count(*options.validation, in, tc, Loss::accuracy, classes, "fit",
                                                        "validation");
    // A batch larger than the data is one batch of all of it, as in Keras.
    const std::size_t batch_size = std::min(options.batch_size, count);
    const std::size_t steps = detail::batch_count(count, batch_size);
    G graphs(model, loss, parallelism{detail::fit_threads(options.threads, batch_size)});
    std::ostream& out = options.out ? *options.out : std::cout;
    const bool interactive = options.verbose == verbosity::progress_bar ||
                             (options.verbose == verbosity::automatic && &out == &std::cout && stdout_is_terminal());

    optimizer_state<Optimizer, T> state(optimizer, params.size());
    parameters<T, Model> gradients;
    random_engine shuffle_engine(random_engine::derive(options.seed, detail::shuffle_stream));
    random_engine dropout_engine(random_engine::derive(options.seed, detail::dropout_stream));
    history h;
    std::size_t first_epoch = 1;

    if (options.resume && !options.checkpoint.empty() && std::filesystem::exists(options.checkpoint)) {
        // Everything is read and checked before anything is changed: a refused resume leaves `params` as they were.
        const std::filesystem::path& file = options.checkpoint;
        const io::checkpoint_contents c = io::read_checkpoint(file, model.architecture(), detail::dtype_of<T>);
        parameters<T, Model> restored;
        detail::restore_parameters(c, restored, file);
        detail::training_state s = detail::training_state::load(c.training_state, file);
        if (s.epochs_done > options.epochs)
            throw io::io_error("fusegrad: checkpoint " + detail::one_line_quoted(file.string()) + ": training state: " +
                                   std::to_string(s.epochs_done) + " epochs are done, more than the " +
                                   std::to_string(options.epochs) + " this fit runs (fit_options::epochs)",
                               file);
        try {
            state.load(s.optimizer);
        } catch (const std::runtime_error& e) {
            // The optimizer's own message ("fusegrad: optimizer_state<adam>::load: ..."), with the file it came from.
            std::string_view message = e.what();
            if (message.starts_with("fusegrad: ")) message.remove_prefix(std::string_view("fusegrad: ").size());
            throw io::io_error("fusegrad: checkpoint " + detail::one_line_quoted(file.string()) +
                                   ": optimizer state: " + std::string(message),
                               file);
        }
        shuffle_engine.set_state(s.shuffle_engine);
        dropout_engine.set_state(s.dropout_engine);
        params = std::move(restored);
        h = std::move(s.past);
        first_epoch = static_cast<std::size_t>(s.epochs_done) + 1;
        if (options.verbose != verbosity::silent)
            out << "fusegrad: fit: resuming from '" << file.string() << "' after epoch " << s.epochs_done << "\n";
    }

    std::vector<std::size_t> order(count);
    std::vector<T> batch_x(batch_size * in), batch_y(batch_size * tc);

    for (std::size_t epoch = first_epoch; epoch <= options.epochs; ++epoch) {
        const auto started = std::chrono::steady_clock::now();
        // Each epoch shuffles the identity order, so that the order depends on the engine's state alone and
        // a resumed run (which restores only that state) continues exactly.
        std::iota(order.begin(), order.end(), std::size_t{0});
        if (options.shuffle) shuffle_engine.shuffle(std::span<std::size_t>(order));
        std::optional<progress_bar> bar;
        if (options.verbose != verbosity::silent) bar.emplace(out, epoch, options.epochs, steps, interactive);
        double loss_sum = 0;
        std::size_t seen = 0, correct = 0, predictions = 0;
        for (std::size_t step = 1; step <= steps; ++step) {
            const std::size_t start = (step - 1) * batch_size;
            const std::size_t rows = std::min(batch_size, count - start);
            for (std::size_t r = 0; r < rows; ++r) {
                const std::size_t s = order[start + r];
                std::copy_n(data.x.begin() + static_cast<std::ptrdiff_t>(s * in), in, batch_x.begin() + static_cast<std::ptrdiff_t>(r * in));
                std::copy_n(data.y.begin() + static_cast<std::ptrdiff_t>(s * tc), tc, batch_y.begin() + static_cast<std::ptrdiff_t>(r * tc));
            }
            // A step whose loss is not finite leaves the parameters and the optimizer as they were.
            const T l = graphs.train_step(params, gradients, state, std::span<const T>(batch_x.data(), rows * in),
                                          std::span<const T>(batch_y.data(), rows * tc), dropout_engine, correct);
            if (!std::isfinite(l)) {
                bar.reset();
                h.stop_reason = "fusegrad: fit: the loss is " + std::to_string(static_cast<double>(l)) + " at epoch " +
                                std::to_string(epoch) + ", step " + std::to_string(step) + " of " +
                                std::to_string(steps) +
                                "; training stopped (TerminateOnNaN), the parameters are those from before that step";
                if (options.verbose != verbosity::silent) out << h.stop_reason << "\n";
                return h;
            }
            loss_sum += static_cast<double>(l) * static_cast<double>(rows);
            seen += rows;
            predictions += G::predictions_in(rows);
            if (bar) bar->update(step, loss_sum / static_cast<double>(seen),
                                 static_cast<double>(correct) / static_cast<double>(predictions));
        }
        epoch_record record{.epoch = epoch,
                            .loss = loss_sum / static_cast<double>(seen),
                            .accuracy = static_cast<double>(correct) / static_cast<double>(predictions)};
        if (options.validation) {
            const evaluation v = detail::evaluate_batches(graphs, params, *options.validation, validation_count,
                                                          options.batch_size);
            record.val_loss = v.loss;
            record.val_accuracy = v.accuracy;
        }
        record.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        if (bar) bar->finish(record);
        h.epochs.push_back(record);
        if (!options.history_csv.empty()) write_history_csv(options.history_csv, h);
        if (!options.checkpoint.empty()) {
            const detail::training_state s{epoch, shuffle_engine.state(), dropout_engine.state(), state.save(), h};
            io::write_checkpoint(options.checkpoint, detail::checkpoint_of(model, params, s.save()));
        }
    }
    return h;
}

}  // namespace fusegrad

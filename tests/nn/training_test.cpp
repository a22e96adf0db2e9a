#define BOOST_TEST_MODULE fusegrad nn training
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <regex>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fusegrad/fusegrad.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "allocation_counter.hpp"  // replaces global new and delete: this file is the program's only includer

// fg::fit and the compiled training step: learning a synthetic problem to a stated loss and accuracy,
// bit-for-bit determinism, resuming from a checkpoint, the last partial batch, TerminateOnNaN, data
// validation, the history CSV and the per-epoch lines, every optimizer, and a training step that allocates
// nothing after the first.

namespace fg = fusegrad;
namespace fs = std::filesystem;

namespace {

// ---------------------------------------------------------------------------------------------------
// The problem: XOR of four Gaussian blobs
// ---------------------------------------------------------------------------------------------------

/// `count` points around (±1, ±1), standard deviation 0.3 per coordinate, labelled 1 when the signs of the
/// blob's centre differ (an XOR no linear model separates; the blobs overlap little: a point crosses an
/// axis with probability Φ(−1/0.3) ≈ 4e-4).
struct xor_data {
    std::vector<float> x, y;
    fg::dataset<float> view() const { return {x, y}; }
};

xor_data make_xor(std::size_t count, std::uint64_t seed) {
    xor_data d;
    fg::random_engine engine(seed);
    for (std::size_t i = 0; i < count; ++i) {
        const int blob = static_cast<int>(engine.below(4));
        const double cx = blob & 1 ? 1.0 : -1.0, cy = blob & 2 ? 1.0 : -1.0;
        d.x.push_back(static_cast<float>(cx + 0.3 * engine.normal()));
        d.x.push_back(static_cast<float>(cy + 0.3 * engine.normal()));
        d.y.push_back((cx > 0) != (cy > 0) ? 1.0f : 0.0f);
    }
    return d;
}

constexpr auto xor_model = fg::sequential(fg::input<2>, fg::dense<16>(fg::activation<"tanh">), fg::dense<2>());
constexpr auto xor_dropout_model = fg::sequential(fg::input<2>, fg::dense<16>(fg::activation<"tanh">),
                                                  fg::dropout{.rate = 0.2}, fg::dense<2>());
constexpr fg::sparse_categorical_crossentropy logits_loss{.from_logits = true};

const xor_data& train_set() {
    static const xor_data d = make_xor(256, 1);
    return d;
}
const xor_data& test_set() {
    static const xor_data d = make_xor(128, 2);
    return d;
}

/// The history without the wall-clock times, for comparing runs.
struct history_numbers {
    std::vector<std::size_t> epochs;
    std::vector<double> values;
};
history_numbers numbers_of(const fg::history& h) {
    history_numbers n;
    for (const auto& r : h.epochs) {
        n.epochs.push_back(r.epoch);
        for (const double v : {r.loss, r.accuracy, r.val_loss, r.val_accuracy}) n.values.push_back(v);
    }
    return n;
}
bool same_numbers(const fg::history& a, const fg::history& b) {
    const history_numbers x = numbers_of(a), y = numbers_of(b);
    if (x.epochs != y.epochs || x.values.size() != y.values.size()) return false;
    for (std::size_t i = 0; i < x.values.size(); ++i)
        if (!(x.values[i] == y.values[i] || (std::isnan(x.values[i]) && std::isnan(y.values[i])))) return false;
    return true;
}

/// A fresh directory for one test's files, removed afterwards.
struct scratch_directory {
    fs::path path;
    scratch_directory() {
        path = fs::temp_directory_path() / ("fusegrad-training-test-" + std::to_string(std::random_device{}()));
        fs::create_directories(path);
    }
    ~scratch_directory() {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
};

std::vector<std::string> lines_of(std::istream& in) {
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// ---------------------------------------------------------------------------------------------------
// Learning
// ---------------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(adam_learns_xor_to_a_stated_loss_and_accuracy) {
    // Stated: 40 epochs of Adam (learning rate 0.01), batches of 16, bring the training loss below 0.05
    // and both accuracies to at least 0.98 (the blobs overlap on about 0.1% of points).
    auto params = xor_model.init<float>(3);
    const fg::evaluation before = fg::evaluate(xor_model, params, logits_loss, test_set().view());
    const fg::history h = fg::fit(xor_model, params, logits_loss, fg::adam{.learning_rate = 0.01}, train_set().view(),
                                  {.epochs = 40, .batch_size = 16, .seed = 4, .validation = test_set().view(),
                                   .verbose = fg::verbosity::silent});
    BOOST_TEST_REQUIRE(h.epochs.size() == 40u);
    BOOST_TEST(h.stop_reason.empty());
    BOOST_TEST_MESSAGE("first epoch: loss " << h.epochs.front().loss << ", last: loss " << h.epochs.back().loss
                                            << " accuracy " << h.epochs.back().accuracy << " val_loss "
                                            << h.epochs.back().val_loss << " val_accuracy " << h.epochs.back().val_accuracy);
    BOOST_TEST(before.accuracy < 0.8);  // the problem is not solved at initialization
    BOOST_TEST(h.epochs.back().loss < 0.05);
    BOOST_TEST(h.epochs.back().accuracy >= 0.98);
    BOOST_TEST(h.epochs.back().val_accuracy >= 0.98);
    for (std::size_t i = 0; i < h.epochs.size(); ++i) BOOST_TEST(h.epochs[i].epoch == i + 1);

    // evaluate and predict agree with the last epoch's validation.
    const fg::evaluation after = fg::evaluate(xor_model, params, logits_loss, test_set().view(), 16);
    BOOST_TEST(after.loss == h.epochs.back().val_loss, boost::test_tools::tolerance(1e-12));
    BOOST_TEST(after.accuracy == h.epochs.back().val_accuracy);
    const std::vector<float> logits = fg::predict(xor_model, params, std::span<const float>(test_set().x));
    BOOST_TEST_REQUIRE(logits.size() == 2 * test_set().y.size());
    std::size_t right = 0;
    for (std::size_t i = 0; i < test_set().y.size(); ++i)
        right += (logits[2 * i + 1] > logits[2 * i] ? 1.0f : 0.0f) == test_set().y[i];
    BOOST_TEST(static_cast<double>(right) / static_cast<double>(test_set().y.size()) == after.accuracy);
}

template <class Optimizer>
void check_optimizer_trains(const Optimizer& optimizer, const char* name) {
    auto params = xor_model.init<float>(3);
    const fg::history h = fg::fit(xor_model, params, logits_loss, optimizer, train_set().view(),
                                  {.epochs = 15, .batch_size = 16, .seed = 4, .verbose = fg::verbosity::silent});
    BOOST_TEST_REQUIRE(h.epochs.size() == 15u);
    BOOST_TEST_MESSAGE(name << ": loss " << h.epochs.front().loss << " -> " << h.epochs.back().loss << ", accuracy "
                            << h.epochs.back().accuracy);
    BOOST_TEST(h.epochs.back().loss < 0.1, name);
    BOOST_TEST(h.epochs.back().loss < 0.2 * h.epochs.front().loss, name);
    BOOST_TEST(h.epochs.back().accuracy >= 0.98, name);
}

BOOST_AUTO_TEST_CASE(sgd_rmsprop_and_adamw_train_too) {
    // Stated: after 15 epochs (batches of 16) the loss is below 0.1 and a fifth of the first epoch's, and
    // the training accuracy at least 0.98.
    check_optimizer_trains(fg::sgd{.learning_rate = 0.1, .momentum = 0.9}, "sgd with momentum");
    check_optimizer_trains(fg::rmsprop{.learning_rate = 0.01}, "rmsprop");
    check_optimizer_trains(fg::adamw{.learning_rate = 0.01, .weight_decay = 0.01}, "adamw");
}

// ---------------------------------------------------------------------------------------------------
// Determinism and resuming
// ---------------------------------------------------------------------------------------------------

template <class Model>
fg::parameters<float, Model> trained(const Model& model, std::uint64_t init_seed, std::uint64_t fit_seed,
                                     fg::history* history = nullptr) {
    auto params = model.template init<float>(init_seed);
    const fg::history h = fg::fit(model, params, logits_loss, fg::adam{.learning_rate = 0.01}, train_set().view(),
                                  {.epochs = 3, .batch_size = 10, .seed = fit_seed, .verbose = fg::verbosity::silent});
    if (history) *history = h;
    return params;
}

BOOST_AUTO_TEST_CASE(the_same_seed_gives_the_same_bits) {
    fg::history h1, h2;
    const auto a = trained(xor_model, 3, 5, &h1);
    BOOST_TEST((a == trained(xor_model, 3, 5, &h2)));
    BOOST_TEST(same_numbers(h1, h2));
    BOOST_TEST(!(a == trained(xor_model, 3, 6)));  // another shuffle
    BOOST_TEST(!(a == trained(xor_model, 4, 5)));  // another initialization
    BOOST_TEST(!(a == xor_model.init<float>(3)));  // it trained at all
}

BOOST_AUTO_TEST_CASE(the_same_seed_gives_the_same_bits_with_dropout) {
    const auto a = trained(xor_dropout_model, 3, 5);
    BOOST_TEST((a == trained(xor_dropout_model, 3, 5)));
    BOOST_TEST(!(a == trained(xor_dropout_model, 3, 6)));
    // Without shuffling, only the dropout masks depend on the seed: they still change the result.
    const auto unshuffled = [](std::uint64_t seed) {
        auto p = xor_dropout_model.init<float>(3);
        fg::fit(xor_dropout_model, p, logits_loss, fg::adam{.learning_rate = 0.01}, train_set().view(),
                {.epochs = 1, .batch_size = 10, .shuffle = false, .seed = seed, .verbose = fg::verbosity::silent});
        return p;
    };
    BOOST_TEST((unshuffled(1) == unshuffled(1)));
    BOOST_TEST(!(unshuffled(1) == unshuffled(2)));
}

/// Four epochs straight against two, then two more resumed from the checkpoint: the same parameters and
/// history. Dropout's masks and Adam's moments (and, shuffling, the shuffle) carry state across epochs.
void check_resume(bool shuffle) {
    scratch_directory dir;
    const fg::adam adam{.learning_rate = 0.01};
    const fg::fit_options<float> base{.epochs = 4, .batch_size = 12, .shuffle = shuffle, .seed = 8, .validation = test_set().view(),
                                      .verbose = fg::verbosity::silent};

    auto straight = xor_dropout_model.init<float>(5);
    auto options = base;
    options.checkpoint = dir.path / "straight.ckpt";
    const fg::history h_straight = fg::fit(xor_dropout_model, straight, logits_loss, adam, train_set().view(), options);

    auto resumed = xor_dropout_model.init<float>(5);
    options.checkpoint = dir.path / "resumed.ckpt";
    options.epochs = 2;
    const fg::history h_first = fg::fit(xor_dropout_model, resumed, logits_loss, adam, train_set().view(), options);
    BOOST_TEST(h_first.epochs.size() == 2u);
    const auto after_two = resumed;
    // The parameters handed to the second call do not matter: resume loads the checkpoint's.
    auto second = xor_dropout_model.init<float>(99);
    options.epochs = 4;
    options.resume = true;
    const fg::history h_second = fg::fit(xor_dropout_model, second, logits_loss, adam, train_set().view(), options);
    BOOST_TEST((second == straight));
    BOOST_TEST_REQUIRE(h_second.epochs.size() == 4u);
    BOOST_TEST(same_numbers(h_second, h_straight));
    for (std::size_t i = 0; i < 4; ++i) BOOST_TEST(h_second.epochs[i].epoch == i + 1);
    // The first two records are the first run's, times included.
    BOOST_TEST((h_second.epochs[0] == h_first.epochs[0]));
    BOOST_TEST((h_second.epochs[1] == h_first.epochs[1]));

    // The comparison can fail: continuing without resume (fresh optimizer state and random streams) ends
    // elsewhere.
    auto naive = after_two;
    auto naive_options = base;
    naive_options.epochs = 2;
    fg::fit(xor_dropout_model, naive, logits_loss, adam, train_set().view(), naive_options);
    BOOST_TEST(!(naive == straight));

    // resume with no checkpoint on disk starts from scratch.
    auto fresh = xor_dropout_model.init<float>(5);
    options.checkpoint = dir.path / "absent.ckpt";
    const fg::history h_fresh = fg::fit(xor_dropout_model, fresh, logits_loss, adam, train_set().view(), options);
    BOOST_TEST((fresh == straight));
    BOOST_TEST(same_numbers(h_fresh, h_straight));
}

BOOST_AUTO_TEST_CASE(resuming_from_a_checkpoint_ends_as_an_uninterrupted_run) { check_resume(false); }

// With shuffling on too: each epoch's order comes from the shuffle engine's state alone, which the
// checkpoint holds.
BOOST_AUTO_TEST_CASE(resuming_a_shuffled_run_ends_as_an_uninterrupted_run) {
    check_resume(true);
}

// fit killed with SIGKILL at random moments (mid-epoch, or while writing its checkpoint) and resumed from
// whatever the checkpoint file holds: the same parameters and history as a run never interrupted. A forked
// child trains; the parent waits for its first checkpoint, kills it after a random delay of up to four
// epochs, and resumes in its own process.
BOOST_AUTO_TEST_CASE(fit_killed_mid_epoch_and_resumed_ends_as_an_uninterrupted_run) {
    scratch_directory dir;
    const xor_data data = make_xor(20000, 3);
    const fg::adam adam{.learning_rate = 0.01};
    fg::fit_options<float> options{.epochs = 6, .batch_size = 32, .shuffle = true, .seed = 8,
                                   .verbose = fg::verbosity::silent};
    auto straight = xor_dropout_model.init<float>(5);
    const auto started = std::chrono::steady_clock::now();
    const fg::history h_straight = fg::fit(xor_dropout_model, straight, logits_loss, adam, data.view(), options);
    const auto epoch_time = (std::chrono::steady_clock::now() - started) / options.epochs;

    std::mt19937 rng(7);
    int killed_mid_run = 0;
    constexpr int kills = 6;
    for (int k = 0; k < kills; ++k) {
        options.checkpoint = dir.path / ("run" + std::to_string(k) + ".ckpt");
        options.resume = false;
        const pid_t child = ::fork();
        BOOST_REQUIRE(child >= 0);
        if (child == 0) {
            auto p = xor_dropout_model.init<float>(5);
            try {
                fg::fit(xor_dropout_model, p, logits_loss, adam, data.view(), options);
            } catch (...) {
                _exit(3);
            }
            _exit(0);
        }
        int status = 0;
        while (!fs::exists(options.checkpoint) && ::waitpid(child, &status, WNOHANG) == 0)
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        std::this_thread::sleep_for(std::uniform_real_distribution<double>(0, 4)(rng) * epoch_time);
        ::kill(child, SIGKILL);
        ::waitpid(child, &status, 0);
        if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) ++killed_mid_run;
        else BOOST_REQUIRE_MESSAGE(WIFEXITED(status) && WEXITSTATUS(status) == 0, "kill " << k << ": the run failed");

        auto resumed = xor_dropout_model.init<float>(99);
        options.resume = true;
        const fg::history h = fg::fit(xor_dropout_model, resumed, logits_loss, adam, data.view(), options);
        BOOST_TEST((resumed == straight), "kill " << k << ": the resumed run ends with other parameters");
        BOOST_TEST(same_numbers(h, h_straight), "kill " << k << ": the resumed run has another history");
    }
    BOOST_TEST_MESSAGE(killed_mid_run << " of " << kills << " runs killed before their end");
    BOOST_TEST(killed_mid_run >= kills / 2);  // most kills land mid-run, not after the child finished
}

// ---------------------------------------------------------------------------------------------------
// Batches
// ---------------------------------------------------------------------------------------------------

/// y = w·x, one weight: with mean squared error on rows (x, y) the gradient is 2·mean((w·x − y)·x).
constexpr auto one_weight = fg::sequential(fg::input<1>, fg::dense<1, fg::bias::none>());

BOOST_AUTO_TEST_CASE(the_last_partial_batch_is_trained_on) {
    const fg::fit_options<float> options{.epochs = 1, .batch_size = 4, .shuffle = false, .verbose = fg::verbosity::silent};
    // Ten samples (1, 1): every step moves w halfway to 1 (learning rate 0.25, gradient 2(w − 1)). Ten
    // samples in batches of four are three steps (4, 4, 2): w = 1 − 2⁻³ = 0.875 (two steps would give 0.75).
    {
        const std::vector<float> x(10, 1.0f), y(10, 1.0f);
        auto p = one_weight.init<float>(0);
        p.layer<0>().kernel(0, 0) = 0;
        const fg::history h = fg::fit(one_weight, p, fg::mean_squared_error{}, fg::sgd{.learning_rate = 0.25},
                                      fg::dataset<float>{x, y}, options);
        BOOST_TEST(p.layer<0>().kernel(0, 0) == 0.875f);
        // The epoch's loss is the mean over samples: (4·1 + 4·0.25 + 2·0.0625)/10.
        BOOST_TEST(h.epochs.at(0).loss == 0.5125, boost::test_tools::tolerance(1e-12));
    }
    // Only the last sample carries a gradient (the others are (0, 0)): w moves only if the partial batch
    // {8, 9} is trained on, by 0.25·(1 − w)·2/2 = 0.25.
    {
        std::vector<float> x(10, 0.0f), y(10, 0.0f);
        x[9] = y[9] = 1;
        auto p = one_weight.init<float>(0);
        p.layer<0>().kernel(0, 0) = 0;
        fg::fit(one_weight, p, fg::mean_squared_error{}, fg::sgd{.learning_rate = 0.25}, fg::dataset<float>{x, y}, options);
        BOOST_TEST(p.layer<0>().kernel(0, 0) == 0.25f);
    }
}

// ---------------------------------------------------------------------------------------------------
// TerminateOnNaN
// ---------------------------------------------------------------------------------------------------

constexpr auto line_model = fg::sequential(fg::input<1>, fg::dense<1>());

BOOST_AUTO_TEST_CASE(a_non_finite_loss_stops_before_its_step) {
    // Six samples in batches of two, in order; sample 4 has target 1e30, whose square overflows float:
    // step 3 of epoch 1 has an infinite loss. The parameters are those after steps 1 and 2, exactly those
    // of a run on the first four samples.
    std::vector<float> x{0.5f, -1.0f, 1.5f, 0.25f, 2.0f, -0.5f}, y{1.0f, -1.0f, 2.0f, 0.0f, 1e30f, 0.5f};
    const fg::fit_options<float> options{.epochs = 3, .batch_size = 2, .shuffle = false, .verbose = fg::verbosity::silent};
    auto p = line_model.init<float>(1);
    const fg::history h = fg::fit(line_model, p, fg::mean_squared_error{}, fg::sgd{.learning_rate = 0.1},
                                  fg::dataset<float>{x, y}, options);
    BOOST_TEST(h.epochs.empty());
    BOOST_TEST(h.stop_reason.find("epoch 1, step 3 of 3") != std::string::npos, h.stop_reason);
    BOOST_TEST(h.stop_reason.find("inf") != std::string::npos, h.stop_reason);

    auto reference = line_model.init<float>(1);
    const std::vector<float> x4(x.begin(), x.begin() + 4), y4(y.begin(), y.begin() + 4);
    auto once = options;
    once.epochs = 1;
    fg::fit(line_model, reference, fg::mean_squared_error{}, fg::sgd{.learning_rate = 0.1}, fg::dataset<float>{x4, y4}, once);
    BOOST_TEST((p == reference));
    BOOST_TEST(!(p == line_model.init<float>(1)));  // steps 1 and 2 were applied
    for (const float v : p.flat()) BOOST_TEST(std::isfinite(v));

    // The message goes to the output too, unless silent.
    std::ostringstream out;
    auto q = line_model.init<float>(1);
    auto loud = options;
    loud.verbose = fg::verbosity::one_line_per_epoch;
    loud.out = &out;
    fg::fit(line_model, q, fg::mean_squared_error{}, fg::sgd{.learning_rate = 0.1}, fg::dataset<float>{x, y}, loud);
    BOOST_TEST(out.str().find(h.stop_reason) != std::string::npos, out.str());
}

BOOST_AUTO_TEST_CASE(a_diverging_run_stops_at_the_first_overflow) {
    // Learning rate 10 on y = x: w − 1 grows about twentyfold per step until the loss overflows float,
    // some epochs in. The stop names that epoch and step, the epochs before it are recorded, and the
    // parameters are finite: the overflowing step was not applied.
    std::vector<float> x, y;
    for (int i = 0; i < 8; ++i) {
        x.push_back(0.75f + 0.125f * static_cast<float>(i % 4));
        y.push_back(x.back());
    }
    auto p = line_model.init<float>(2);
    const fg::history h = fg::fit(line_model, p, fg::mean_squared_error{}, fg::sgd{.learning_rate = 10},
                                  fg::dataset<float>{x, y},
                                  {.epochs = 100, .batch_size = 2, .seed = 1, .verbose = fg::verbosity::silent});
    std::smatch m;
    BOOST_TEST_REQUIRE(std::regex_search(h.stop_reason, m, std::regex("epoch ([0-9]+), step ([0-9]+) of 4")), h.stop_reason);
    const std::size_t epoch = std::stoul(m[1]), step = std::stoul(m[2]);
    BOOST_TEST(epoch > 1u);
    BOOST_TEST(epoch < 100u);
    BOOST_TEST(h.epochs.size() == epoch - 1);
    BOOST_TEST(step >= 1u);
    for (const auto& r : h.epochs) BOOST_TEST(std::isfinite(r.loss));
    for (const float v : p.flat()) BOOST_TEST(std::isfinite(v));
}

// ---------------------------------------------------------------------------------------------------
// Data validation
// ---------------------------------------------------------------------------------------------------

/// The message of the std::invalid_argument `f` throws, or "" (and a failure) when it throws none.
template <class F>
std::string invalid_argument_of(F&& f) {
    try {
        f();
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    BOOST_ERROR("no std::invalid_argument thrown");
    return "";
}

BOOST_AUTO_TEST_CASE(invalid_data_is_refused_before_training_naming_the_sample) {
    const auto untouched = xor_model.init<float>(3);
    const auto attempt = [&](const xor_data& train, const xor_data* validation) {
        auto p = untouched;
        fg::fit_options<float> options{.epochs = 1, .verbose = fg::verbosity::silent};
        if (validation) options.validation = validation->view();
        const std::string message = invalid_argument_of(
            [&] { fg::fit(xor_model, p, logits_loss, fg::adam{}, train.view(), options); });
        BOOST_TEST((p == untouched), "the parameters changed before the error: " << message);
        return message;
    };
    xor_data nan_input = make_xor(20, 9);
    nan_input.x[2 * 13 + 1] = std::numeric_limits<float>::quiet_NaN();
    std::string message = attempt(nan_input, nullptr);
    BOOST_TEST(message.find("sample 13 ") != std::string::npos, message);

    xor_data inf_input = make_xor(20, 9);
    inf_input.x[2 * 4] = -std::numeric_limits<float>::infinity();
    message = attempt(inf_input, nullptr);
    BOOST_TEST(message.find("sample 4 ") != std::string::npos, message);

    for (const float label : {2.0f, -1.0f, 0.5f}) {
        xor_data bad_label = make_xor(20, 9);
        bad_label.y[17] = label;
        message = attempt(bad_label, nullptr);
        BOOST_TEST(message.find("sample 17 ") != std::string::npos, message);
        BOOST_TEST(message.find("not a class index in [0, 2)") != std::string::npos, message);
    }

    xor_data bad_validation = make_xor(20, 9);
    bad_validation.y[6] = 7;
    message = attempt(make_xor(20, 8), &bad_validation);
    BOOST_TEST(message.find("validation") != std::string::npos, message);
    BOOST_TEST(message.find("sample 6 ") != std::string::npos, message);

    // x and y of different sample counts.
    xor_data short_y = make_xor(20, 9);
    short_y.y.pop_back();
    message = attempt(short_y, nullptr);
    BOOST_TEST(message.find("20 samples") != std::string::npos, message);
}

// ---------------------------------------------------------------------------------------------------
// Reporting
// ---------------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(fit_writes_the_history_csv_after_every_epoch) {
    scratch_directory dir;
    auto p = xor_model.init<float>(3);
    const fs::path csv = dir.path / "history.csv";
    const fg::history h = fg::fit(xor_model, p, logits_loss, fg::adam{.learning_rate = 0.01}, train_set().view(),
                                  {.epochs = 3, .batch_size = 32, .validation = test_set().view(),
                                   .verbose = fg::verbosity::silent, .history_csv = csv});
    std::ifstream in(csv);
    const auto lines = lines_of(in);
    BOOST_TEST_REQUIRE(lines.size() == 4u);
    BOOST_TEST(lines[0] == "epoch,loss,accuracy,val_loss,val_accuracy,seconds");
    for (std::size_t i = 0; i < 3; ++i) {
        // Keras counts epochs from 0 in the file; numbers read back exactly.
        std::istringstream row(lines[i + 1]);
        std::vector<std::string> cells;
        for (std::string cell; std::getline(row, cell, ',');) cells.push_back(cell);
        BOOST_TEST_REQUIRE(cells.size() == 6u, lines[i + 1]);
        BOOST_TEST(cells[0] == std::to_string(i));
        BOOST_TEST(std::stod(cells[1]) == h.epochs[i].loss);
        BOOST_TEST(std::stod(cells[2]) == h.epochs[i].accuracy);
        BOOST_TEST(std::stod(cells[3]) == h.epochs[i].val_loss);
        BOOST_TEST(std::stod(cells[4]) == h.epochs[i].val_accuracy);
    }
    // Without validation the two cells are empty.
    auto q = xor_model.init<float>(3);
    fg::fit(xor_model, q, logits_loss, fg::adam{}, train_set().view(),
            {.epochs = 2, .verbose = fg::verbosity::silent, .history_csv = csv});
    std::ifstream again(csv);
    const auto plain = lines_of(again);
    BOOST_TEST_REQUIRE(plain.size() == 3u);
    BOOST_TEST(plain[2].rfind("1,", 0) == 0u, plain[2]);
    BOOST_TEST(plain[2].find(",,,") != std::string::npos, plain[2]);
}

BOOST_AUTO_TEST_CASE(one_line_per_epoch_and_silence) {
    auto p = xor_model.init<float>(3);
    std::ostringstream out;
    fg::fit(xor_model, p, logits_loss, fg::adam{}, train_set().view(),
            {.epochs = 3, .validation = test_set().view(), .verbose = fg::verbosity::one_line_per_epoch, .out = &out});
    std::istringstream text(out.str());
    const auto lines = lines_of(text);
    BOOST_TEST_REQUIRE(lines.size() == 3u, out.str());
    for (std::size_t i = 0; i < 3; ++i) {
        BOOST_TEST(lines[i].rfind("epoch " + std::to_string(i + 1) + "/3: loss ", 0) == 0u, lines[i]);
        BOOST_TEST(lines[i].find(" - val_accuracy ") != std::string::npos, lines[i]);
    }
    BOOST_TEST(out.str().find('\r') == std::string::npos);

    std::ostringstream quiet;
    fg::fit(xor_model, p, logits_loss, fg::adam{}, train_set().view(),
            {.epochs = 2, .verbose = fg::verbosity::silent, .out = &quiet});
    BOOST_TEST(quiet.str().empty());
}

// ---------------------------------------------------------------------------------------------------
// Allocations
// ---------------------------------------------------------------------------------------------------

using fgtest::allocations_during;

template <class Model>
void check_steps_allocate_nothing(const Model& model) {
    fg::compiled_model<Model, fg::sparse_categorical_crossentropy, float> cm(model, logits_loss);
    auto params = model.template init<float>(3);
    fg::parameters<float, Model> grads;
    fg::optimizer_state<fg::adam, float> state(fg::adam{.learning_rate = 0.01}, params.size());
    fg::random_engine engine(1);
    const std::span<const float> x(train_set().x), y(train_set().y);
    std::size_t correct = 0;
    float sink = 0;
    const auto step = [&](std::size_t rows) {
        sink += cm.gradient(params, grads, x.first(rows * 2), y.first(rows), engine, correct);
        state.step(params.flat(), grads.flat());
    };
    step(32);  // the first step sizes the workspaces
    const long during = allocations_during([&] {
        for (int i = 0; i < 20; ++i) step(i % 2 ? 32 : 7);  // smaller batches reuse the workspace
    });
    BOOST_TEST(during == 0);
    BOOST_TEST(state.iterations() == 21u);
    BOOST_TEST(std::isfinite(sink));
    // The counter works: a step with a larger batch than ever grows the workspaces, allocating.
    BOOST_TEST(allocations_during([&] { step(64); }) > 0);
}

BOOST_AUTO_TEST_CASE(a_training_step_allocates_nothing_after_the_first) {
    check_steps_allocate_nothing(xor_model);
    check_steps_allocate_nothing(xor_dropout_model);  // the dropout masks are drawn into reused buffers
}

}  // namespace

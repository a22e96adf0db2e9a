#define BOOST_TEST_MODULE fusegrad nn fit refusals
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <fusegrad/fusegrad.hpp>

#include "temporary_directory.hpp"

// What fit, evaluate and load_weights refuse, and that a refusal changes nothing the caller had: absurd batch
// sizes and empty data sets; checkpoints with a valid checksum whose training state is absurd (crafted by
// decoding a real checkpoint, changing one field and writing it back through the checkpoint writer); a resume
// refused after part of the checkpoint was read.

namespace fg = fusegrad;
namespace fs = std::filesystem;

namespace {

constexpr auto model = fg::sequential(fg::input<2>, fg::dense<4>(fg::activation<"tanh">), fg::dense<2>());
constexpr fg::sparse_categorical_crossentropy loss{.from_logits = true};
using params_type = fg::parameters<float, std::remove_const_t<decltype(model)>>;

/// 12 samples of two features, labelled by the sign of their sum.
struct samples {
    std::vector<float> x, y;
    samples() {
        fg::random_engine engine(3);
        for (int i = 0; i < 12; ++i) {
            const double a = engine.normal(), b = engine.normal();
            x.push_back(static_cast<float>(a));
            x.push_back(static_cast<float>(b));
            y.push_back(a + b > 0 ? 1.0f : 0.0f);
        }
    }
    fg::dataset<float> view() const { return {x, y}; }
};
const samples data;

fg::fit_options<float> silent(std::size_t epochs) { return {.epochs = epochs, .verbose = fg::verbosity::silent}; }

/// The message of the exception of type E that f throws; a failure, and "", when it throws none.
template <class E, class F>
std::string message_of(F&& f) {
    try {
        f();
    } catch (const E& e) {
        return e.what();
    }
    BOOST_ERROR("no exception of the expected type");
    return "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_CASE(a_batch_larger_than_the_data_is_one_batch) {
    // (count + batch_size − 1) / batch_size wrapped to 0 steps for SIZE_MAX: an epoch of NaN, and no error.
    const auto trained = [](std::size_t batch_size) {
        auto p = model.init<float>(1);
        auto options = silent(2);
        options.batch_size = batch_size;
        options.shuffle = false;
        const fg::history h = fg::fit(model, p, loss, fg::sgd{.learning_rate = 0.1}, data.view(), options);
        return std::pair{h, p};
    };
    const auto [whole, whole_params] = trained(12);
    for (const std::size_t huge : {std::numeric_limits<std::size_t>::max(), std::numeric_limits<std::size_t>::max() - 5,
                                   std::size_t{1} << 63, std::size_t{13}}) {
        const auto [h, p] = trained(huge);
        BOOST_TEST_REQUIRE(h.epochs.size() == 2u);
        BOOST_TEST(std::isfinite(h.epochs[1].loss), "batch_size " << huge);
        BOOST_TEST(h.epochs[1].loss == whole.epochs[1].loss, "batch_size " << huge);
        BOOST_TEST((p == whole_params), "batch_size " << huge);
    }
    const auto p = model.init<float>(1);
    const fg::evaluation e = fg::evaluate(model, p, loss, data.view(), std::numeric_limits<std::size_t>::max());
    BOOST_TEST(e.loss == fg::evaluate(model, p, loss, data.view(), 12).loss);
    BOOST_TEST(fg::predict(model, p, data.x, std::numeric_limits<std::size_t>::max()) == fg::predict(model, p, data.x, 5));
}

BOOST_AUTO_TEST_CASE(empty_data_is_refused_everywhere) {
    const std::vector<float> none;
    const fg::dataset<float> empty{none, none};
    auto p = model.init<float>(1);
    // evaluate returned loss 0 and accuracy 0 for an empty set.
    BOOST_TEST(message_of<std::invalid_argument>([&] { fg::evaluate(model, p, loss, empty); }) ==
               "fusegrad: evaluate: the evaluation data is empty");
    BOOST_TEST(message_of<std::invalid_argument>([&] { fg::fit(model, p, loss, fg::sgd{}, empty, silent(1)); }) ==
               "fusegrad: fit: the training data is empty");
    auto options = silent(1);
    options.validation = empty;
    BOOST_TEST(message_of<std::invalid_argument>([&] { fg::fit(model, p, loss, fg::sgd{}, data.view(), options); }) ==
               "fusegrad: fit: the validation data is empty");
}

namespace {

/// A real checkpoint of a 3-epoch Adam run, decoded, to be spoilt one field at a time and written back with a
/// valid checksum.
struct crafted_checkpoint {
    fgtest::temporary_directory dir;
    fs::path file = dir.path() / "run.ckpt";
    fg::io::checkpoint_contents contents;
    fg::detail::training_state state;

    crafted_checkpoint() {
        auto p = model.init<float>(7);
        auto options = silent(3);
        options.checkpoint = file;
        fg::fit(model, p, loss, fg::adam{}, data.view(), options);
        contents = fg::io::read_checkpoint(file);
        state = fg::detail::training_state::load(contents.training_state, file);
    }

    /// Writes the contents with `change` applied to the training state, or to the contents after it.
    void write(const std::function<void(fg::detail::training_state&)>& change,
               const std::function<void(fg::io::checkpoint_contents&)>& change_contents = {}) const {
        fg::detail::training_state s = state;
        change(s);
        fg::io::checkpoint_contents c = contents;
        c.training_state = s.save();
        if (change_contents) change_contents(c);
        fg::io::write_checkpoint(file, c);
    }

    /// Resumes a `epochs`-epoch run with `optimizer` from the file and returns fit's message; checks that the
    /// parameters handed in are left bit for bit as they were.
    template <class Optimizer = fg::adam>
    std::string refused_resume(std::size_t epochs = 3, Optimizer optimizer = {}) const {
        const params_type before = model.init<float>(99);
        params_type p = before;
        auto options = silent(epochs);
        options.checkpoint = file;
        options.resume = true;
        const std::string message =
            message_of<std::runtime_error>([&] { fg::fit(model, p, loss, optimizer, data.view(), options); });
        BOOST_TEST((p == before), "the refused resume changed the parameters: " << message);
        BOOST_TEST(contains(message, "fusegrad: checkpoint '" + file.string() + "'"), message);
        return message;
    }
};

void set_parameter(fg::io::checkpoint_contents& c, std::size_t index, float value) {
    std::vector<std::byte> bytes;
    fg::io::byte_writer(bytes).put(value);
    std::copy(bytes.begin(), bytes.end(), c.parameters.begin() + static_cast<std::ptrdiff_t>(4 * index));
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_crafted_checkpoint_is_accepted_unchanged) {
    // The comparison below can fail: the round trip itself resumes (nothing left to train) without complaint.
    const crafted_checkpoint c;
    c.write([](fg::detail::training_state&) {});
    params_type p = model.init<float>(99);
    auto options = silent(3);
    options.checkpoint = c.file;
    options.resume = true;
    const fg::history h = fg::fit(model, p, loss, fg::adam{}, data.view(), options);
    BOOST_TEST(h.epochs.size() == 3u);
    BOOST_TEST(!(p == model.init<float>(99)));
}

BOOST_AUTO_TEST_CASE(absurd_epoch_counts_are_refused_naming_the_field) {
    const crafted_checkpoint c;
    // 2^64 − 1 wrapped to epoch 0 when one was added.
    c.write([](fg::detail::training_state& s) { s.epochs_done = std::numeric_limits<std::uint64_t>::max(); });
    BOOST_TEST(contains(c.refused_resume(), "training state: epochs_done is 18446744073709551615 but the history holds 3 epochs"));
    // 0 epochs done with three of history: the history became 1, 2, 3, 1, 2, 3.
    c.write([](fg::detail::training_state& s) { s.epochs_done = 0; });
    BOOST_TEST(contains(c.refused_resume(), "epochs_done is 0 but the history holds 3 epochs"));
    c.write([](fg::detail::training_state& s) { s.epochs_done = 1000; });
    BOOST_TEST(contains(c.refused_resume(), "epochs_done is 1000 but the history holds 3 epochs"));
    // Consistent in itself, but more epochs done than this run asks for.
    c.write([](fg::detail::training_state&) {});
    BOOST_TEST(contains(c.refused_resume(2), "training state: 3 epochs are done, more than the 2 this fit runs"));
    c.write([](fg::detail::training_state& s) { s.past.epochs[1].epoch = 7; });
    BOOST_TEST(contains(c.refused_resume(), "history record 1: epoch 7 where epoch 2 belongs"));
}

BOOST_AUTO_TEST_CASE(non_finite_history_and_engines_are_refused_naming_the_field) {
    const crafted_checkpoint c;
    const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
    c.write([&](fg::detail::training_state& s) { s.past.epochs[2].loss = nan; });
    BOOST_TEST(contains(c.refused_resume(), "training state: history record 2: loss is nan"));
    c.write([&](fg::detail::training_state& s) { s.past.epochs[0].accuracy = 1.5; });
    BOOST_TEST(contains(c.refused_resume(), "history record 0: accuracy is 1.5, not a fraction in [0, 1]"));
    c.write([&](fg::detail::training_state& s) { s.past.epochs[0].seconds = -inf; });
    BOOST_TEST(contains(c.refused_resume(), "history record 0: seconds is -inf"));
    c.write([&](fg::detail::training_state& s) { s.past.epochs[1].val_loss = 0.5; });
    BOOST_TEST(contains(c.refused_resume(), "history record 1: val_accuracy is nan"));
    c.write([&](fg::detail::training_state& s) { s.shuffle_engine = {}; });
    BOOST_TEST(contains(c.refused_resume(), "the shuffle engine's state is all zeros"));
}

BOOST_AUTO_TEST_CASE(non_finite_parameters_are_refused_by_resume_and_load_weights) {
    const crafted_checkpoint c;
    const auto kernel_1 = [](std::size_t i) { return std::size_t{2 * 4 + 4} + i; };  // after layer 0's kernel and bias
    c.write([](fg::detail::training_state&) {},
            [&](fg::io::checkpoint_contents& k) { set_parameter(k, kernel_1(5), std::numeric_limits<float>::quiet_NaN()); });
    std::string message = c.refused_resume();
    BOOST_TEST(contains(message, "parameter 'dense_1/kernel' element 5 is nan"), message);
    BOOST_TEST(contains(message_of<fg::io::io_error>([&] { fg::load_weights<float>(c.file, model); }),
                        "parameter 'dense_1/kernel' element 5 is nan"));
    c.write([](fg::detail::training_state&) {},
            [&](fg::io::checkpoint_contents& k) { set_parameter(k, 0, -std::numeric_limits<float>::infinity()); });
    message = c.refused_resume();
    BOOST_TEST(contains(message, "parameter 'dense/kernel' element 0 is -inf"), message);
}

BOOST_AUTO_TEST_CASE(an_optimizer_mismatch_names_the_checkpoint) {
    const crafted_checkpoint c;
    c.write([](fg::detail::training_state&) {});
    const std::string message = c.refused_resume(4, fg::sgd{});
    BOOST_TEST(contains(message, ": optimizer state: optimizer_state<sgd>::load: the bytes hold the state of optimizer 'adam'"),
               message);
    const std::string rmsprop = c.refused_resume(4, fg::rmsprop{});
    BOOST_TEST(contains(rmsprop, "optimizer 'adam'"), rmsprop);
}

BOOST_AUTO_TEST_CASE(non_finite_optimizer_slots_are_refused) {
    // Adam's velocity of the last parameter, the optimizer state's last 4 bytes: NaN there turned every parameter
    // NaN at the first resumed step.
    const crafted_checkpoint c;
    c.write([](fg::detail::training_state& s) {
        std::vector<std::byte> nan;
        fg::io::byte_writer(nan).put(std::numeric_limits<float>::quiet_NaN());
        std::copy(nan.begin(), nan.end(), s.optimizer.end() - 4);
    });
    const std::string message = c.refused_resume(4);
    BOOST_TEST(contains(message, "optimizer state: optimizer_state<adam>::load: slot 'velocity' element " +
                                     std::to_string(params_type::size() - 1) + " is nan"),
               message);
}

#define BOOST_TEST_MODULE fusegrad nn parallel training
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fusegrad/fusegrad.hpp>

// Training steps split over threads (fg::parallelism, fit_options::threads): the loss, gradient and accuracy
// count of a batch agree with one thread's to rounding, in float and double, with dropout; the same thread
// count gives the same bits every time; batches too small to split run on the caller alone; fit trains the
// same on two threads; a thread count of 0 is refused.

namespace fg = fusegrad;

namespace {

constexpr auto model = fg::sequential(fg::input<6>, fg::dense<24>(fg::activation<"tanh">), fg::dropout{.rate = 0.25},
                                      fg::dense<12>(fg::activation<"relu">), fg::dense<3>());
using Model = std::remove_cvref_t<decltype(model)>;
constexpr fg::sparse_categorical_crossentropy loss{.from_logits = true};

template <class T>
struct batch {
    std::vector<T> x, y;
};

template <class T>
batch<T> make_batch(std::size_t rows, std::uint64_t seed) {
    fg::random_engine engine(seed);
    batch<T> b;
    for (std::size_t i = 0; i < rows * 6; ++i) b.x.push_back(static_cast<T>(engine.normal()));
    for (std::size_t i = 0; i < rows; ++i) b.y.push_back(static_cast<T>(engine.below(3)));
    return b;
}

template <class T>
struct step_result {
    T loss{};
    fg::parameters<T, Model> gradient;
    std::size_t correct = 0;
};

template <class T>
step_result<T> step(std::size_t threads, const batch<T>& b, std::uint64_t dropout_seed = 9) {
    auto graphs = fg::compile<T>(model, loss, fg::parallelism{threads});
    BOOST_TEST(graphs.threads() == threads);
    const auto params = model.template init<T>(3);
    fg::random_engine dropout(dropout_seed);
    step_result<T> r;
    r.loss = graphs.gradient(params, r.gradient, b.x, b.y, dropout, r.correct);
    return r;
}

template <class T>
void check_threads_agree_with_one(double tolerance) {
    for (const std::size_t rows : {6u, 7u, 37u, 64u}) {
        const batch<T> b = make_batch<T>(rows, rows);
        const step_result<T> one = step<T>(1, b);
        for (const std::size_t threads : {2u, 3u}) {
            const step_result<T> many = step<T>(threads, b);
            BOOST_TEST(std::fabs(double(many.loss - one.loss)) <= tolerance * (1 + std::fabs(double(one.loss))),
                       rows << " rows, " << threads << " threads: loss " << many.loss << " vs " << one.loss);
            BOOST_TEST(many.correct == one.correct);
            std::size_t worst = 0;
            double worst_error = 0;
            for (std::size_t i = 0; i < Model::parameter_count; ++i) {
                const double error = std::fabs(double(many.gradient.data()[i] - one.gradient.data()[i]));
                if (error > worst_error) worst = i, worst_error = error;
            }
            BOOST_TEST(worst_error <= tolerance, rows << " rows, " << threads << " threads: gradient " << worst << " differs by "
                                                      << worst_error);
        }
    }
}

template <class T>
bool same_bits(const step_result<T>& a, const step_result<T>& b) {
    if (!(a.loss == b.loss) || a.correct != b.correct) return false;
    for (std::size_t i = 0; i < Model::parameter_count; ++i)
        if (!(a.gradient.data()[i] == b.gradient.data()[i])) return false;
    return true;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_batch_split_over_threads_gives_one_threads_loss_and_gradient_in_double) {
    check_threads_agree_with_one<double>(1e-13);
}

BOOST_AUTO_TEST_CASE(a_batch_split_over_threads_gives_one_threads_loss_and_gradient_in_float) {
    check_threads_agree_with_one<float>(2e-6);
}

BOOST_AUTO_TEST_CASE(a_thread_count_gives_the_same_bits_every_time) {
    const batch<float> b = make_batch<float>(53, 4);
    const step_result<float> first = step<float>(3, b);
    for (int i = 0; i < 5; ++i) BOOST_TEST(same_bits(first, step<float>(3, b)));
    BOOST_TEST(!same_bits(first, step<float>(3, b, 10)));  // the comparison can fail: other dropout masks
}

BOOST_AUTO_TEST_CASE(a_batch_too_small_to_split_runs_on_the_caller) {
    // Fewer than two rows per thread: the step is one thread's, to the bit.
    for (const std::size_t rows : {1u, 3u, 5u}) {
        const batch<double> b = make_batch<double>(rows, 11);
        BOOST_TEST(same_bits(step<double>(3, b), step<double>(1, b)));
    }
}

BOOST_AUTO_TEST_CASE(fit_on_two_threads_trains_like_one_and_repeats_itself) {
    const batch<float> data = make_batch<float>(200, 21);
    const auto train = [&](std::size_t threads) {
        auto params = model.init<float>(5);
        const fg::history h = fg::fit(model, params, loss, fg::adam{.learning_rate = 0.01}, fg::dataset<float>{data.x, data.y},
                                      {.epochs = 3, .batch_size = 32, .seed = 2, .verbose = fg::verbosity::silent, .threads = threads});
        return std::pair{h.epochs.back().loss, params};
    };
    const auto [loss_one, params_one] = train(1);
    const auto [loss_two, params_two] = train(2);
    const auto [loss_again, params_again] = train(2);
    BOOST_TEST(loss_two == loss_again);
    BOOST_TEST((params_two == params_again));
    BOOST_TEST(std::fabs(loss_two - loss_one) <= 1e-4 * (1 + std::fabs(loss_one)));
    double worst = 0;
    for (std::size_t i = 0; i < Model::parameter_count; ++i)
        worst = std::max(worst, double(std::fabs(params_two.data()[i] - params_one.data()[i])));
    BOOST_TEST(worst <= 1e-3, "largest parameter difference after 3 epochs: " << worst);
}

// 0 is every core; absurd counts are refused with a message instead of starting them (100,000 threads once
// took the machine down), and so are more threads than a batch has rows.
BOOST_AUTO_TEST_CASE(zero_threads_is_every_core_and_too_many_are_refused) {
    const std::size_t cores = std::max<std::size_t>(std::thread::hardware_concurrency(), 1);
    BOOST_TEST(fg::compile<float>(model, loss, fg::parallelism{0}).threads() == cores);
    const auto message_of = [](auto&& f) -> std::string {
        try {
            f();
        } catch (const std::invalid_argument& e) {
            return e.what();
        }
        return "no std::invalid_argument";
    };
    const std::string too_many = message_of([&] { fg::compile<float>(model, loss, fg::parallelism{100000}); });
    BOOST_TEST(too_many.find("fusegrad: parallelism: threads is 100000, more than 4 per core") == 0, too_many);
    BOOST_TEST(message_of([&] { fg::compile<float>(model, loss, fg::parallelism{4 * cores + 1}); }) != "no std::invalid_argument");
    BOOST_TEST(fg::compile<float>(model, loss, fg::parallelism{std::min<std::size_t>(4 * cores, 8)}).threads() ==
               std::min<std::size_t>(4 * cores, 8));

    const batch<float> data = make_batch<float>(8, 1);
    const auto untouched = model.init<float>(5);
    auto params = untouched;
    const auto fit_with = [&](std::size_t threads, std::size_t batch_size) {
        return fg::fit(model, params, loss, fg::sgd{}, fg::dataset<float>{data.x, data.y},
                       {.batch_size = batch_size, .verbose = fg::verbosity::silent, .threads = threads});
    };
    const std::string fit_too_many = message_of([&] { fit_with(100000, 32); });
    // The batch is the whole data here (8 rows): a larger batch_size is one batch, as in Keras.
    BOOST_TEST(fit_too_many == "fusegrad: fit: threads is 100000, more than the 8 rows of a batch to split between them");
    BOOST_TEST(message_of([&] { fit_with(5, 4); }) ==
               "fusegrad: fit: threads is 5, more than the 4 rows of a batch to split between them");
    BOOST_TEST((params == untouched));
    BOOST_TEST(fit_with(0, 4).epochs.size() == 1u);  // every core, at most 4
    BOOST_TEST(!(params == untouched));
}

namespace {
/// Three steps of train_step on `threads` threads, and the same three steps written as gradient() then the
/// optimizer's step(): the parameters, losses and optimizer state after each must be the same bits.
template <class Config>
void check_train_step_is_gradient_then_step(std::size_t threads, Config config) {
    const batch<double> b = make_batch<double>(41, 17);
    auto fused = fg::compile<double>(model, loss, fg::parallelism{threads});
    auto separate = fg::compile<double>(model, loss, fg::parallelism{threads});
    auto p1 = model.init<double>(8), p2 = p1;
    fg::parameters<double, Model> g1, g2;
    fg::optimizer_state<Config, double> s1(config, Model::parameter_count), s2(config, Model::parameter_count);
    fg::random_engine d1(5), d2(5);
    std::size_t c1 = 0, c2 = 0;
    for (int step = 1; step <= 3; ++step) {
        const double l1 = fused.train_step(p1, g1, s1, b.x, b.y, d1, c1);
        const double l2 = separate.gradient(p2, g2, b.x, b.y, d2, c2);
        s2.step(p2.flat(), g2.flat());
        BOOST_TEST(l1 == l2, threads << " threads, step " << step);
        BOOST_TEST((g1 == g2), threads << " threads, step " << step << ": gradients");
        BOOST_TEST((p1 == p2), threads << " threads, step " << step << ": parameters");
        BOOST_TEST(c1 == c2);
        BOOST_TEST(s1.iterations() == s2.iterations());
        for (std::size_t slot = 0; slot < Config::slots; ++slot)
            BOOST_TEST((std::ranges::equal(s1.slot(slot), s2.slot(slot))), "slot " << slot);
    }
    BOOST_TEST(s1.iterations() == 3u);
}
}  // namespace

BOOST_AUTO_TEST_CASE(train_step_is_gradient_then_the_optimizers_step_to_the_bit) {
    for (const std::size_t threads : {1u, 2u, 3u}) {
        check_train_step_is_gradient_then_step(threads, fg::adam{.learning_rate = 0.01});
        check_train_step_is_gradient_then_step(threads, fg::sgd{.learning_rate = 0.1, .momentum = 0.9, .nesterov = true});
        check_train_step_is_gradient_then_step(threads, fg::rmsprop{.centered = true});
    }
}

BOOST_AUTO_TEST_CASE(train_step_leaves_everything_unchanged_when_the_loss_is_not_finite) {
    for (const std::size_t threads : {1u, 2u}) {
        batch<double> b = make_batch<double>(20, 3);
        b.y[7] = 3;  // not a class index: the loss is NaN
        auto graphs = fg::compile<double>(model, loss, fg::parallelism{threads});
        auto params = model.init<double>(2);
        const auto before = params;
        fg::parameters<double, Model> g;
        fg::optimizer_state<fg::adam, double> state(fg::adam{}, Model::parameter_count);
        fg::random_engine dropout(1);
        std::size_t correct = 0;
        const double l = graphs.train_step(params, g, state, b.x, b.y, dropout, correct);
        BOOST_TEST(std::isnan(l));
        BOOST_TEST((params == before), threads << " threads");
        BOOST_TEST(state.iterations() == 0u);
        BOOST_TEST(std::ranges::all_of(state.slot(0), [](double m) { return m == 0.0; }));
    }
}

BOOST_AUTO_TEST_CASE(an_optimizer_step_in_parts_is_the_whole_step) {
    std::vector<double> w1(101), w2, g(101);
    for (std::size_t i = 0; i < w1.size(); ++i) {
        w1[i] = std::sin(double(i));
        g[i] = std::cos(3.0 * double(i));
    }
    w2 = w1;
    fg::optimizer_state<fg::adam, double> whole(fg::adam{}, 101), parts(fg::adam{}, 101);
    for (int step = 0; step < 3; ++step) {
        whole.step(w1, g);
        parts.step_part(w2, g, 60, 101);
        parts.step_part(w2, g, 0, 17);
        parts.step_part(w2, g, 17, 60);
        parts.finish_step();
    }
    BOOST_TEST(w1 == w2, boost::test_tools::per_element());
    BOOST_TEST(parts.iterations() == 3u);
    BOOST_CHECK_THROW(parts.step_part(w2, g, 50, 102), std::invalid_argument);
    BOOST_CHECK_THROW(parts.step_part(w2, g, 60, 59), std::invalid_argument);
}

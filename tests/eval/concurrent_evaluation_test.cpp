#define BOOST_TEST_MODULE fusegrad concurrent evaluation
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fusegrad/fusegrad.hpp>

// A compiled function holds its workspace, so one object is for one thread at a time; copies are
// independent, and evaluating copies from several threads at once gives each thread the results of a
// single-threaded run, bit for bit. tests/meson.build also builds this file with ThreadSanitizer (with g++
// and clang), which fails the test on any data race, e.g. a workspace or a constant shared between copies.

namespace fg = fusegrad;

namespace {

constexpr fg::var<"X", fg::batch, 12> X;
constexpr fg::var<"W1", 12, 24> W1;
constexpr fg::var<"b1", 24> b1;
constexpr fg::var<"W2", 24, 3> W2;
constexpr fg::var<"Y", fg::batch, 3> Y;

/// A two-layer network's loss on a batch: tanh, softmax cross-entropy (batched rows, products, a row op).
constexpr auto loss = fg::categorical_crossentropy{.from_logits = true}(fg::matmul(fg::tanh(fg::matmul(X, W1) + b1), W2), Y);

std::vector<double> filled(std::size_t n, double a, double b) {
    std::vector<double> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = std::sin(a * static_cast<double>(i) + b);
    return v;
}

struct result {
    double value;
    std::vector<double> w1, b1, w2;
    bool operator==(const result&) const = default;
};

/// The loss and its gradient for input set k (each thread's inputs differ: rows, values).
template <class F>
result evaluate(F& f, std::size_t k) {
    const std::size_t rows = 3 + k;
    const auto x = filled(rows * 12, 0.3 + 0.01 * double(k), 0.1 * double(k));
    std::vector<double> y(rows * 3, 0.0);
    for (std::size_t r = 0; r < rows; ++r) y[r * 3 + (r + k) % 3] = 1.0;
    const auto w1 = filled(12 * 24, 0.7, 0.2), bias = filled(24, 1.1, 0.3), w2 = filled(24 * 3, 0.9, -0.4);
    const auto [value, grad] = f.value_and_grad(fg::wrt(W1, b1, W2), X = x, Y = y, W1 = w1, b1 = bias, W2 = w2);
    return {value,
            {grad[W1].begin(), grad[W1].end()},
            {grad[b1].begin(), grad[b1].end()},
            {grad[W2].begin(), grad[W2].end()}};
}

}  // namespace

BOOST_AUTO_TEST_CASE(copies_evaluated_on_several_threads_give_the_single_threaded_results) {
    constexpr std::size_t threads = 4, rounds = 50;
    auto original = fg::compile(loss);
    std::vector<result> expected;
    for (std::size_t k = 0; k < threads; ++k) expected.push_back(evaluate(original, k));

    std::vector<std::vector<result>> seen(threads);
    std::vector<std::thread> workers;
    for (std::size_t k = 0; k < threads; ++k)
        workers.emplace_back([&, k, f = original]() mutable {
            for (std::size_t round = 0; round < rounds; ++round) seen[k].push_back(evaluate(f, k));
        });
    for (auto& w : workers) w.join();

    for (std::size_t k = 0; k < threads; ++k) {
        BOOST_REQUIRE(seen[k].size() == rounds);
        for (std::size_t round = 0; round < rounds; ++round)
            BOOST_CHECK_MESSAGE(seen[k][round] == expected[k], "thread " << k << ", round " << round
                                                                         << ": the results differ from a single thread's");
    }
}

namespace {

/// A custom elementwise op that, while `hold` is set and on any thread but the test's own, signals `inside`
/// and waits there: a call is then certainly in progress when the test makes a second one.
std::atomic<bool> hold{false}, inside{false};
const std::thread::id test_thread = std::this_thread::get_id();
struct waiting_identity {
    template <class T>
    T value(T x) const {
        if (hold.load() && std::this_thread::get_id() != test_thread) {
            inside.store(true);
            while (hold.load()) std::this_thread::yield();
        }
        return x;
    }
    template <class T>
    T derivative(T, T) const {
        return T(1);
    }
};

constexpr fg::var<"v", 3> v;

}  // namespace

// Sharing one object between threads gave wrong results silently (65 of 800 in a trial); a call made while
// another thread is inside the same object is now refused (unless NDEBUG or FUSEGRAD_CHECK_EXCLUSIVE_USE=0
// turns the check off).
BOOST_AUTO_TEST_CASE(a_call_while_another_thread_is_inside_is_refused) {
    if constexpr (!FUSEGRAD_CHECK_EXCLUSIVE_USE) {
        BOOST_TEST_MESSAGE("FUSEGRAD_CHECK_EXCLUSIVE_USE is 0 in this build: nothing to test");
        return;
    }
    auto f = fg::compile(fg::sum(fg::apply(waiting_identity{}, v)));
    const std::vector<double> values{1, 2, 3};
    hold = true;
    double first = 0;
    std::thread caller([&] { first = f.value(v = values); });
    while (!inside.load()) std::this_thread::yield();
    std::string message;
    try {
        f.value(v = values);
    } catch (const std::logic_error& e) {
        message = e.what();
    }
    try {
        f.value_and_grad(fg::wrt(v), v = values);
    } catch (const std::logic_error& e) {
        BOOST_TEST(std::string(e.what()).find("fusegrad: compiled_function::value_and_grad: called from two threads at once") == 0);
    }
    hold = false;
    caller.join();
    BOOST_TEST(message.find("fusegrad: compiled_function::value: called from two threads at once") == 0, message);
    BOOST_TEST(message.find("give each thread its own copy") != std::string::npos, message);
    BOOST_TEST(first == 6.0);  // the call in progress was not disturbed
    // Free again: after the call that was inside, and after a call that failed while binding.
    BOOST_TEST(f.value(v = values) == 6.0);
    BOOST_CHECK_THROW(f.value(v = std::vector<double>{1, 2}), std::invalid_argument);
    BOOST_TEST(f.value_and_grad(fg::wrt(v), v = values).value == 6.0);
    // A copy is another object: free while the original is in use.
    auto copy = f;
    hold = true;
    inside = false;
    std::thread again([&] { f.value(v = values); });
    while (!inside.load()) std::this_thread::yield();
    BOOST_TEST(copy.value(v = values) == 6.0);
    BOOST_CHECK_THROW(f.value(v = values), std::logic_error);  // while the original is still held
    hold = false;
    again.join();
}

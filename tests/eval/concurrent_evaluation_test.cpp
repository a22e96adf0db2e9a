#define BOOST_TEST_MODULE fusegrad concurrent evaluation
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>
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

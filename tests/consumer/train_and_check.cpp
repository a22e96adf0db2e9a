// A program of a project that uses fusegrad from outside: it trains a small model on generated data and
// checks its gradient against finite differences. Exit status 0 only when both went right.
#include <cstdio>
#include <vector>

#include <fusegrad/fusegrad.hpp>
namespace fg = fusegrad;

int main() {
    static_assert(FUSEGRAD_VERSION_MAJOR == 0 && FUSEGRAD_VERSION_MINOR >= 1, "an unexpected fusegrad version");
    constexpr auto model = fg::sequential(fg::input<2>, fg::dense<8>(fg::activation<"tanh">), fg::dense<2>());
    // Two classes: inside or outside the unit circle.
    fg::random_engine rng(7);
    std::vector<double> x, y;
    for (int i = 0; i < 256; ++i) {
        const double a = rng.uniform(-2, 2), b = rng.uniform(-2, 2);
        x.insert(x.end(), {a, b});
        y.push_back(a * a + b * b < 1.5 ? 1.0 : 0.0);
    }
    auto params = model.init<double>(1);
    const fg::sparse_categorical_crossentropy loss{.from_logits = true};
    const fg::history h = fg::fit(model, params, loss, fg::adam{.learning_rate = 0.05}, fg::dataset<double>{x, y},
                                  {.epochs = 30, .batch_size = 32, .verbose = fg::verbosity::silent});
    const auto report = fg::gradcheck(model, loss, params, std::span<const double>(x.data(), 32),
                                      std::span<const double>(y.data(), 16));
    const double accuracy = h.epochs.back().accuracy;
    std::printf("fusegrad %s: accuracy %.3f after %zu epochs, gradcheck %s\n", FUSEGRAD_VERSION_STRING, accuracy,
                h.epochs.size(), report.passed() ? "passed" : "FAILED");
    return accuracy > 0.9 && report.passed() ? 0 : 1;
}

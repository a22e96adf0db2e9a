// The research-code guide of docs/gradcheck.md, as one program: a two-layer network whose backprop is
// written by hand, as research code has it, checked step by step with fusegrad's checks of callables.
// Every code block of that part of the page, and every report it shows, is a verbatim excerpt of this
// file (examples/check_doc_blocks.sh keeps them in sync).
//
// The backprop has a planted bug (a transposed index); main() asserts that the whole-backprop check
// FAILS it with the report the page prints, pointing at the blocks W1 and b1 while W2 and b2 pass, that
// the fixed backprop passes, and that the complex step confirms it to 1e-14. With --json it prints the
// failing report as JSON instead (the test gradcheck_research_json parses it). Returns non-zero on any
// mismatch.

// For the checks in main(); the page's first block starts at <array>.
#include <cstdio>
#include <sstream>
#include <string>
#include <string_view>

#include <array>
#include <cmath>
#include <cstddef>
#include <iostream>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include <fusegrad/fusegrad.hpp>
namespace fg = fusegrad;

// y = tanh(x·W1 + b1)·W2 + b2 for a batch of 3 inputs of 3 features; the loss is the mean over the batch
// of ½‖y − target‖². The parameters live in one flat vector, as optimisers of research code keep them.
constexpr std::size_t n_in = 3, n_hidden = 4, n_out = 2, batch = 3;
constexpr std::size_t at_W1 = 0, at_b1 = at_W1 + n_in * n_hidden, at_W2 = at_b1 + n_hidden,
                      at_b2 = at_W2 + n_hidden * n_out, n_params = at_b2 + n_out;  // 26

constexpr std::array<double, batch * n_in> inputs{0.5, -1.0, 2.0, 0.1, 0.3, -0.7, -1.2, 0.8, 0.4};
constexpr std::array<double, batch * n_out> targets{1.0, 0.0, 0.0, 1.0, 0.5, 0.5};

// The hidden layer of sample r, and the prediction from it; generic in the scalar type, so that fusegrad
// can evaluate them in double, long double or complex.
template <class Theta, class T = std::decay_t<decltype(std::declval<Theta>()[0])>>
std::array<T, n_hidden> hidden(const Theta& theta, std::size_t r) {
    std::array<T, n_hidden> h{};
    for (std::size_t k = 0; k < n_hidden; ++k) {
        T z = theta[at_b1 + k];
        for (std::size_t i = 0; i < n_in; ++i) z += inputs[r * n_in + i] * theta[at_W1 + i * n_hidden + k];
        h[k] = std::tanh(z);
    }
    return h;
}
template <class Theta, class T>
T prediction(const Theta& theta, const std::array<T, n_hidden>& h, std::size_t j) {
    T y = theta[at_b2 + j];
    for (std::size_t k = 0; k < n_hidden; ++k) y += h[k] * theta[at_W2 + k * n_out + j];
    return y;
}

auto loss = [](const auto& theta) {
    using T = std::decay_t<decltype(theta[0])>;
    T total = 0;
    for (std::size_t r = 0; r < batch; ++r) {
        const auto h = hidden(theta, r);
        for (std::size_t j = 0; j < n_out; ++j) {
            const T error = prediction(theta, h, j) - targets[r * n_out + j];
            total += error * error / T(2);
        }
    }
    return total / T(batch);
};

// The hand-written backprop; `w2(k, j)` is where W2's element (k, j) lies in W2's part of theta.
template <class W2Index>
std::vector<double> backprop_using(const std::vector<double>& theta, W2Index w2) {
    std::vector<double> grad(n_params, 0.0);
    for (std::size_t r = 0; r < batch; ++r) {
        const auto h = hidden(theta, r);
        std::array<double, n_out> dy{};  // ∂loss/∂y
        for (std::size_t j = 0; j < n_out; ++j) {
            dy[j] = (prediction(theta, h, j) - targets[r * n_out + j]) / batch;
            grad[at_b2 + j] += dy[j];
            for (std::size_t k = 0; k < n_hidden; ++k) grad[at_W2 + k * n_out + j] += h[k] * dy[j];
        }
        for (std::size_t k = 0; k < n_hidden; ++k) {
            double dh = 0;  // ∂loss/∂h, carried back through W2
            for (std::size_t j = 0; j < n_out; ++j) dh += dy[j] * theta[at_W2 + w2(k, j)];
            const double dz = dh * (1 - h[k] * h[k]);
            grad[at_b1 + k] += dz;
            for (std::size_t i = 0; i < n_in; ++i) grad[at_W1 + i * n_hidden + k] += inputs[r * n_in + i] * dz;
        }
    }
    return grad;
}

// A planted bug: W2 read as if it were n_out × n_hidden.
std::vector<double> backprop(const std::vector<double>& theta) {
    return backprop_using(theta, [](std::size_t k, std::size_t j) { return j * n_hidden + k; });
}

std::vector<double> initial_parameters() {
    std::vector<double> theta(n_params);
    for (std::size_t p = 0; p < n_params; ++p) theta[p] = 0.5 * std::sin(1.7 * p + 0.3);
    return theta;
}

fg::gradcheck_report check_backprop() {
    const std::vector<double> theta = initial_parameters();
    return fg::gradcheck(loss, backprop, theta,
                         {.blocks = {{"W1", n_in, n_hidden}, {"b1", n_hidden}, {"W2", n_hidden, n_out}, {"b2", n_out}}});
}

// The fix: W2 is n_hidden × n_out, row-major, so its element (k, j) is at k * n_out + j.
std::vector<double> backprop_fixed(const std::vector<double>& theta) {
    return backprop_using(theta, [](std::size_t k, std::size_t j) { return k * n_out + j; });
}

// Step by step: the pieces of the backprop, each against its own function.
// 1. The loss's derivative with respect to the prediction of one sample.
auto squared_error = [](const auto& y) { return ((y[0] - 1.0) * (y[0] - 1.0) + (y[1] - 0.0) * (y[1] - 0.0)) / 2.0; };
auto squared_error_gradient = [](const std::array<double, 2>& y) { return std::array<double, 2>{y[0] - 1.0, y[1]}; };
// 2. The hidden layer as a function of its pre-activations: a Jacobian, diagonal here.
auto hidden_layer = [](const auto& z) {
    std::vector<std::decay_t<decltype(z[0])>> h;
    for (const auto& v : z) h.push_back(std::tanh(v));
    return h;
};
auto hidden_layer_jacobian = [](const std::vector<double>& z, std::span<double> J) {  // written row-major
    for (std::size_t k = 0; k < z.size(); ++k) J[k * z.size() + k] = 1 - std::tanh(z[k]) * std::tanh(z[k]);
};

bool pieces_are_right() {
    const auto loss_part = fg::gradcheck(squared_error, squared_error_gradient, std::array<double, 2>{0.3, -0.4});
    const auto layer_part =
        fg::jacobian_check(hidden_layer, hidden_layer_jacobian, std::vector<double>{0.5, -1.0, 2.0, 0.0});
    return loss_part.passed() && layer_part.passed();
}

// Complex steps: no cancellation, so the fixed backprop can be held to 1e-14.
fg::gradcheck_report exact_check() {
    return fg::gradcheck(fg::by_complex_step(loss), backprop_fixed, initial_parameters(),
                         {.rtol = 1e-14, .atol = 1e-16});
}

// What check_backprop() prints, as docs/gradcheck.md shows it.
constexpr std::string_view printed_for_the_planted_bug = R"(
gradcheck FAILED: double gradients against double central differences of order 4, h = 0.00074*max(1,|x|), rtol 1e-06, atol 1e-08, 105 evaluations
  gradient mismatch for W1[0,1]: analytic -0.07828, numeric 0.09433 (12 of 12 elements outside the tolerance)
  gradient mismatch for b1[0]: analytic -0.1430, numeric 0.1895 (4 of 4 elements outside the tolerance)
  block  shape  entries  max abs err  max rel err  worst    analytic    numeric    err est  kinks  noisy  result
  W1     3x4    12       2.4e-01      1.8e+00      W1[0,1]  -0.0782764  0.0943286  3.5e-08  0      0      FAILED
  b1     4      4        8.1e-01      1.8e+00      b1[0]    -0.143011   0.189486   5.4e-08  0      0      FAILED
  W2     4x2    8        9.9e-14      6.5e-13      W2[1,0]  0.102593    0.102593   3.1e-13  0      0      ok
  b2     2      2        1.3e-13      2.9e-13      b2[0]    -0.43585    -0.43585   3.1e-13  0      0      ok
)";

namespace {

int failures = 0;

void expect(bool ok, const std::string& what) {
    if (ok) return;
    ++failures;
    std::fprintf(stderr, "gradcheck_research: %s\n", what.c_str());
}

std::string printed(const fg::gradcheck_report& report) {
    std::ostringstream out;
    out << report;
    return out.str();
}

}  // namespace

int main(int argc, char** argv) {
    const fg::gradcheck_report buggy = check_backprop();
    if (argc > 1 && std::string_view(argv[1]) == "--json") {
        std::cout << fg::to_json(buggy) << '\n';
        return 0;
    }

    // 1. The planted bug fails, in W1 and b1 only, with the report the page shows.
    const std::string text = printed(buggy);
    std::cout << "The backprop with the planted bug:\n" << text;
    expect(!buggy.passed(), "gradcheck passed the backprop with the transposed index");
    expect(!buggy["W1"].passed() && !buggy["b1"].passed(), "W1 and b1 do not fail");
    expect(buggy["W2"].passed() && buggy["b2"].passed(), "W2 or b2 fails; the bug is before them");
    expect(buggy.evaluations == 1 + 4 * n_params, "not 1 + order·n evaluations");
    expect(text == printed_for_the_planted_bug.substr(1),
           "the report printed above is not the one docs/gradcheck.md shows, which is:" +
               std::string(printed_for_the_planted_bug));

    // 2. The pieces are right, and the fixed backprop passes, to 1e-14 by complex steps.
    expect(pieces_are_right(), "a piece of the backprop fails its own check");
    const fg::gradcheck_report fixed = fg::gradcheck(loss, backprop_fixed, initial_parameters(),
                                                     {.blocks = {{"W1", n_in, n_hidden}, {"b1", n_hidden},
                                                                 {"W2", n_hidden, n_out}, {"b2", n_out}}});
    std::cout << "\nThe fixed backprop:\n" << fixed;
    expect(fixed.confirmed(), "the fixed backprop is not confirmed");
    const fg::gradcheck_report exact = exact_check();
    std::cout << "\nBy complex steps:\n" << exact;
    expect(exact.passed() && exact.blocks[0].max_rel_error <= 1e-14, "complex steps do not agree to 1e-14");
    expect(exact.evaluations == 1 + n_params, "a complex step costs one evaluation per element");

    if (failures != 0) {
        std::fprintf(stderr, "gradcheck_research: %d checks failed\n", failures);
        return 1;
    }
    std::cout << "\ngradcheck_research: the planted bug fails in W1 and b1, the fix passes, as docs/gradcheck.md says\n";
    return 0;
}

// Every code block of docs/gradcheck.md, as one program: each block, and the report the page shows, is a
// verbatim excerpt of this file (examples/check_doc_blocks.sh keeps them in sync).
//
// The walk-through of the page, as research code meets it: a custom elementwise op with a hand-written
// derivative, checked with fg::gradcheck. The first derivative has a planted bug (a factor of 2); main()
// asserts that gradcheck FAILS it with the report the page prints, that the fixed op passes, and that the
// other calls and defaults the page describes hold. Returns non-zero on any mismatch.

// For the checks in main(); the page's first block starts at <cmath>.
#include <cstddef>
#include <cstdio>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include <cmath>
#include <iostream>
#include <vector>

#include <fusegrad/fusegrad.hpp>
namespace fg = fusegrad;

struct log_cosh {  // a custom elementwise op; its derivative has a planted bug
    template <class T> T value(T x) const { return std::log(std::cosh(x)); }
    template <class T> T derivative(T x, T) const { return T(2) * std::tanh(x); }  // should be tanh(x)
};

constexpr fg::var<"x", fg::batch, 4> x;
constexpr fg::var<"W", 4, 3> W;
constexpr fg::var<"b", 3> b;
constexpr auto loss = fg::mean(fg::apply(log_cosh{}, fg::matmul(x, W) + b));

const std::vector<float> xs{0.5f, -1.0f, 2.0f, 0.25f, -0.75f, 1.5f, 0.0f, -2.0f};  // a batch of 2 rows
const fg::tensor<float, 4, 3> Wv{{0.1f, -0.2f, 0.3f, 0.4f, 0.5f, -0.6f, -0.7f, 0.8f, 0.9f, 1.0f, -1.1f, 0.2f}};
const fg::tensor<float, 3> bv{{0.1f, 0.0f, -0.3f}};

bool gradient_is_right() {
    auto report = fg::gradcheck(loss, fg::wrt(W, b), x = xs, W = Wv, b = bv);  // float data: a float graph
    std::cout << report;
    return report.passed();
}

// What gradient_is_right() prints, as docs/gradcheck.md shows it.
constexpr std::string_view printed_for_the_planted_bug = R"(
gradcheck FAILED: float gradients against double central differences of order 4, h = 0.00074*max(1,|x|), rtol 0.001, atol 1e-05, 61 evaluations
  gradient mismatch for W[1,2]: analytic -0.8014, numeric -0.4007 (12 of 12 elements outside the tolerance)
  gradient mismatch for b[0]: analytic -0.5884, numeric -0.2942 (3 of 3 elements outside the tolerance)
  block  shape  entries  max abs err  max rel err  worst   analytic   numeric    err est  kinks  noisy  result
  W      4x3    12       4.0e-01      5.0e-01      W[1,2]  -0.801366  -0.400683  1.1e-08  0      0      FAILED
  b      3      3        2.9e-01      5.0e-01      b[0]    -0.588393  -0.294196  1.2e-08  0      0      FAILED
)";

struct log_cosh_fixed {  // (log cosh x)' = tanh x
    template <class T> T value(T x) const { return std::log(std::cosh(x)); }
    template <class T> T derivative(T x, T) const { return std::tanh(x); }
};
constexpr auto fixed_loss = fg::mean(fg::apply(log_cosh_fixed{}, fg::matmul(x, W) + b));

fg::gradcheck_report checked = fg::gradcheck(fixed_loss, fg::wrt(W, b), x = xs, W = Wv, b = bv);
fg::gradcheck_report sixth = fg::gradcheck(fixed_loss, fg::wrt(W), {.order = 6, .rtol = 1e-5},  // options
                                           x = xs, W = Wv, b = bv);
auto f = fg::compile<float>(fixed_loss);  // not const: gradcheck computes the gradient in f's own workspace
fg::gradcheck_report checked_f = fg::gradcheck(f, fg::wrt(b), x = xs, W = Wv, b = bv);

namespace {

int failures = 0;

void expect(bool ok, const std::string& what) {
    if (ok) return;
    ++failures;
    std::fprintf(stderr, "gradcheck_guide: %s\n", what.c_str());
}

bool near(double got, double want, double relative) { return std::fabs(got - want) <= relative * std::fabs(want); }

/// gradient_is_right() with std::cout captured: its result and what it printed.
bool run_capturing(std::string& printed) {
    std::ostringstream captured;
    std::streambuf* const console = std::cout.rdbuf(captured.rdbuf());
    bool passed = false;
    try {
        passed = gradient_is_right();
    } catch (...) {
        std::cout.rdbuf(console);
        throw;
    }
    std::cout.rdbuf(console);
    printed = captured.str();
    return passed;
}

}  // namespace

int main() {
    // 1. The planted bug fails, with the report the page shows.
    std::string printed;
    const bool passed = run_capturing(printed);
    std::cout << "The op with the planted bug:\n" << printed;
    expect(!passed, "gradcheck passed the derivative with the planted factor of 2");
    expect(printed == printed_for_the_planted_bug.substr(1),
           "the report printed above is not the one docs/gradcheck.md shows, which is:" +
               std::string(printed_for_the_planted_bug));
    const fg::gradcheck_report buggy = fg::gradcheck(loss, fg::wrt(W, b), x = xs, W = Wv, b = bv);
    for (const auto& v : buggy.blocks) {
        expect(v.failures == v.checked && v.checked == v.rows * v.cols, v.name + ": not every element failed");
        expect(near(v.max_rel_error, 0.5, 1e-3), v.name + ": the relative error is not 0.5 (a factor of 2)");
        expect(near(v.analytic, 2 * v.numeric, 1e-3), v.name + ": analytic is not twice numeric");
    }
    expect(buggy.evaluations == 1 + 4 * (12 + 3), "not 1 + order·n evaluations");

    // 2. The fixed op passes; what is left is float rounding.
    std::cout << "\nThe fixed op:\n" << checked;
    expect(checked.passed(), "gradcheck failed the fixed derivative");
    for (const auto& v : checked.blocks)
        expect(v.max_rel_error < 1e-6, v.name + ": the fixed float gradient is not within 1e-6 relative");

    // 3. "Calling it", and the defaults of "Options and defaults".
    std::cout << "\nWith {.order = 6, .rtol = 1e-5}:\n" << sixth << "\nA compiled function:\n" << checked_f;
    expect(sixth.passed() && checked_f.passed(), "a check of the fixed op with options or of f failed");
    expect(checked.scalar_type == "float" && checked_f.scalar_type == "float", "float data, not a float graph");
    expect(checked.options.order == 4 && near(*checked.options.step, 7.4e-4, 0.01), "order 4 default step");
    expect(*checked.options.rtol == 1e-3 && *checked.options.atol == 1e-5, "float default tolerances");
    expect(sixth.options.order == 6 && near(*sixth.options.step, 5.8e-3, 0.01), "order 6 default step");
    expect(*sixth.options.rtol == 1e-5 && *sixth.options.atol == 1e-5, "order 6: rtol set, atol default");
    expect(sixth.evaluations == 1 + 6 * 12 && checked_f.evaluations == 1 + 4 * 3, "evaluation counts");
    const std::vector<double> xd(xs.begin(), xs.end());
    const fg::tensor<double, 4, 3> Wd{{0.1, -0.2, 0.3, 0.4, 0.5, -0.6, -0.7, 0.8, 0.9, 1.0, -1.1, 0.2}};
    const fg::tensor<double, 3> bd{{0.1, 0.0, -0.3}};
    const fg::gradcheck_report in_double =
        fg::gradcheck(fixed_loss, fg::wrt(W, b), {.order = 2}, x = xd, W = Wd, b = bd);
    expect(in_double.passed() && in_double.scalar_type == "double", "the double check of the fixed op");
    expect(near(*in_double.options.step, 6.1e-6, 0.01), "order 2 default step");
    expect(*in_double.options.rtol == 1e-6 && *in_double.options.atol == 1e-8, "double default tolerances");
    expect(&in_double[b] == &in_double.blocks[1], "report[b] is not the entry of b");
    try {
        (void)fg::gradcheck(fixed_loss, fg::wrt(b), {.order = 3}, x = xs, W = Wv, b = bv);
        expect(false, "an order of 3 did not throw");
    } catch (const std::invalid_argument&) {
    }

    if (failures != 0) {
        std::fprintf(stderr, "gradcheck_guide: %d checks failed\n", failures);
        return 1;
    }
    std::cout << "\ngradcheck_guide: the planted bug fails, the fix passes, as docs/gradcheck.md says\n";
    return 0;
}

// docs/custom-ops.md, as a program: every code block of that page is a verbatim excerpt of this file, and
// main() checks what the page states (the gradients pass gradcheck, the planted bugs fail it, the kink is
// reported as a kink, the row op composes with a dense layer and trains). Built and run as a test.
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string_view>
#include <vector>

#include <fusegrad/fusegrad.hpp>
namespace fg = fusegrad;

namespace {

int failures = 0;
void expect(bool ok, const char* what) {
    if (!ok) {
        std::printf("custom_ops_guide: FAILED: %s\n", what);
        ++failures;
    }
}

// ----- 1. An elementwise op -----

// The inverse square root unit, x / √(1 + a·x²): a smooth, bounded alternative to tanh.
struct isru {
    double a = 1.0;  // a run-time parameter: each node carries its own copy
    template <class T> T value(T x) const { return x / std::sqrt(T(1) + T(a) * x * x); }
    template <class T> T derivative(T x, T) const {  // (1 + a·x²)^(−3/2)
        const T s = T(1) / std::sqrt(T(1) + T(a) * x * x);
        return s * s * s;
    }
};

constexpr fg::var<"x", fg::batch, 3> x;
constexpr fg::var<"W", 3, 4> W;
constexpr fg::var<"b", 4> b;

const std::vector<double> xs{0.5, -1.0, 2.0, 0.25, -0.75, 1.5};  // a batch of 2 rows
const fg::tensor<double, 3, 4> Wv{{0.1, -0.2, 0.3, 0.4, 0.5, -0.6, -0.7, 0.8, 0.9, 1.0, -1.1, 0.2}};
const fg::tensor<double, 4> bv{{0.1, 0.0, -0.3, 0.2}};

bool isru_is_right() {
    const auto loss = fg::mean(fg::apply(isru{.a = 0.5}, fg::matmul(x, W) + b));
    const fg::gradcheck_report report = fg::gradcheck(loss, fg::wrt(W, b), x = xs, W = Wv, b = bv);
    return report.passed();
}

// The same op with a planted bug: the exponent −1/2 instead of −3/2, a classic slip.
struct isru_wrong {
    double a = 1.0;
    template <class T> T value(T x) const { return x / std::sqrt(T(1) + T(a) * x * x); }
    template <class T> T derivative(T x, T) const { return T(1) / std::sqrt(T(1) + T(a) * x * x); }
};

bool isru_wrong_is_caught() {
    const auto loss = fg::mean(fg::apply(isru_wrong{.a = 0.5}, fg::matmul(x, W) + b));
    const fg::gradcheck_report report = fg::gradcheck(loss, fg::wrt(W, b), x = xs, W = Wv, b = bv);
    return !report.passed();
}

// ----- 2. A kink -----

// The hinge max(0, 1 − x), with a derivative chosen at the kink x = 1: 0, the right-hand slope (as relu′(0) = 0).
struct hinge {
    template <class T> T value(T x) const { return x < T(1) ? T(1) - x : T(0); }
    template <class T> T derivative(T x, T) const { return fg::detail::nan_or(x, x < T(1) ? T(-1) : T(0)); }
};

constexpr fg::var<"s", 5> s;

bool hinge_kink_is_reported() {
    const std::vector<double> at{-2.0, 0.5, 1.0, 1.5, 3.0};  // s[2] sits on the kink
    const fg::gradcheck_report report = fg::gradcheck(fg::sum(fg::apply(hinge{}, s)), fg::wrt(s), s = at);
    std::cout << report;
    return report.passed() && report.blocks[0].kinks().size() == 1 && report.blocks[0].kinks()[0] == 2;
}

// How the report of hinge_kink_is_reported() begins, as docs/custom-ops.md shows it (the error figures that
// follow are rounding, which differs between compilers).
constexpr std::string_view hinge_report_begins = R"(
gradcheck passed: double gradients against double central differences of order 4, h = 0.00074*max(1,|x|), rtol 1e-06, atol 1e-08, 35 evaluations
  kinks, where the stencil crosses a point at which the function is not differentiable (not failures):
    s: 1 at [2]
)";

bool hinge_report_reads_as_shown() {
    const std::vector<double> at{-2.0, 0.5, 1.0, 1.5, 3.0};
    std::ostringstream text;
    text << fg::gradcheck(fg::sum(fg::apply(hinge{}, s)), fg::wrt(s), s = at);
    return text.str().starts_with(hinge_report_begins.substr(1));
}

// ----- 3. A row op: a general node with its vector-Jacobian product -----

// Each row scaled to unit length, y = x/‖x‖. Its Jacobian is (I − y·yᵀ)/‖x‖, so the vector-Jacobian product
// of an adjoint g is (g − y·⟨y, g⟩)/‖x‖, added into gx.
struct l2_normalize {
    static constexpr std::size_t out_cols(std::size_t n) { return n; }  // one output per input
    template <class T> void forward(const T* in, T* y, std::size_t n) const {
        T squares = 0;
        for (std::size_t i = 0; i < n; ++i) squares += in[i] * in[i];
        const T norm = std::sqrt(squares);
        for (std::size_t i = 0; i < n; ++i) y[i] = in[i] / norm;
    }
    template <class T> void backward(const T* in, const T* y, const T* g, T* gx, std::size_t n) const {
        T squares = 0, y_dot_g = 0;
        for (std::size_t i = 0; i < n; ++i) {
            squares += in[i] * in[i];
            y_dot_g += y[i] * g[i];
        }
        const T norm = std::sqrt(squares);
        for (std::size_t i = 0; i < n; ++i) gx[i] += (g[i] - y[i] * y_dot_g) / norm;
    }
};

constexpr fg::var<"c", fg::batch, 4> c;
const std::vector<double> cs{1.0, -2.0, 0.5, 0.25, -1.5, 0.0, 2.0, 1.0};

bool l2_normalize_is_right() {
    const auto loss = fg::sum(fg::apply_rows(l2_normalize{}, fg::matmul(x, W) + b) * c);
    const fg::gradcheck_report report = fg::gradcheck(loss, fg::wrt(W, b), x = xs, W = Wv, b = bv, c = cs);
    return report.passed();
}

// The same with a planted bug: the projection's sign flipped, g + y·⟨y, g⟩ (the right product, plus twice
// the projection).
struct l2_normalize_wrong : l2_normalize {
    template <class T> void backward(const T* in, const T* y, const T* g, T* gx, std::size_t n) const {
        l2_normalize::backward(in, y, g, gx, n);
        T squares = 0, y_dot_g = 0;
        for (std::size_t i = 0; i < n; ++i) {
            squares += in[i] * in[i];
            y_dot_g += y[i] * g[i];
        }
        for (std::size_t i = 0; i < n; ++i) gx[i] += 2 * y[i] * y_dot_g / std::sqrt(squares);
    }
};

bool l2_normalize_wrong_is_caught() {
    const auto loss = fg::sum(fg::apply_rows(l2_normalize_wrong{}, fg::matmul(x, W) + b) * c);
    return !fg::gradcheck(loss, fg::wrt(W, b), x = xs, W = Wv, b = bv, c = cs).passed();
}

// ----- 4. Compiled like a built-in -----

bool trains_in_float() {
    const auto loss = fg::sum(fg::apply_rows(l2_normalize{}, fg::matmul(x, W) + b) * c);
    auto f = fg::compile<float>(loss);  // one forward and one reverse pass, no tape
    std::vector<float> xf(xs.begin(), xs.end()), cf(cs.begin(), cs.end());
    fg::tensor<float, 3, 4> w;
    fg::tensor<float, 4> bias;
    for (std::size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(Wv[i]);
    for (std::size_t i = 0; i < bias.size(); ++i) bias[i] = static_cast<float>(bv[i]);
    float first = 0, last = 0;
    for (int step = 0; step < 50; ++step) {  // plain gradient descent on W and b
        const auto [value, grad] = f.value_and_grad(fg::wrt(W, b), x = xf, W = w, b = bias, c = cf);
        for (std::size_t i = 0; i < w.size(); ++i) w[i] -= 0.1f * grad[W][i];
        for (std::size_t i = 0; i < bias.size(); ++i) bias[i] -= 0.1f * grad[b][i];
        if (step == 0) first = value;
        last = value;
    }
    std::printf("sum(c * normalized rows): %.4f after 1 step, %.4f after 50\n", first, last);
    return last < first;
}

}  // namespace

int main() {
    expect(isru_is_right(), "isru's gradient passes gradcheck");
    expect(isru_wrong_is_caught(), "isru with the wrong exponent fails gradcheck");
    expect(hinge_kink_is_reported(), "the hinge passes, with s[2] reported as a kink");
    expect(hinge_report_reads_as_shown(), "the hinge's report begins as docs/custom-ops.md shows");
    expect(l2_normalize_is_right(), "l2_normalize's vector-Jacobian product passes gradcheck");
    expect(l2_normalize_wrong_is_caught(), "l2_normalize with a flipped sign fails gradcheck");
    expect(trains_in_float(), "the loss decreases under gradient descent");
    return failures == 0 ? 0 : 1;
}

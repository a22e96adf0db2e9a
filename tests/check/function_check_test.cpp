#define BOOST_TEST_MODULE fusegrad_check_function_check
#include <boost/test/unit_test.hpp>
#include <boost/test/results_collector.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <numbers>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <fusegrad/check/boost_test.hpp>
#include <fusegrad/fusegrad.hpp>

#include "test_support.hpp"

namespace fg = fusegrad;

namespace {

// ---------------------------------------------------------------------------------------------------
// Helpers

/// The element type of a point: double, long double, std::complex<double>, float.
template <class P>
using element_of = std::remove_cvref_t<decltype(std::declval<const P&>()[0])>;

/// Deterministic, irregular values in [-scale, scale], different for each salt.
std::vector<double> filled_vector(std::size_t n, double salt, double scale = 1.0) {
    std::vector<double> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = scale * std::sin(1.3 * static_cast<double>(i) + salt);
    return v;
}

using fgtest::printed;

using fgtest::contains;

using indices = std::vector<std::size_t>;

/// Findings come in the order checked: element by element, every output of an element together, so a
/// Jacobian's entry indices (output·size + element) are not ascending. Sorted for comparisons.
indices sorted(indices v) {
    std::sort(v.begin(), v.end());
    return v;
}

/// The entries of a block with verdict mismatch or non_finite, in the order checked.
indices failing(const fg::gradcheck_block& b) {
    indices out;
    for (const auto& f : b.findings)
        if (f.verdict == fg::gradcheck_verdict::mismatch || f.verdict == fg::gradcheck_verdict::non_finite)
            out.push_back(f.index);
    return out;
}

/// The bound of the criterion |a − n| ≤ atol + rtol·max(|a|, |n|), restated here from the documentation.
double tolerance_bound(double a, double n, double rtol, double atol) {
    return atol + rtol * std::max(std::abs(a), std::abs(n));
}

/// What a planted bug must make a check report, derived from the closed-form gradient alone: the
/// elements where the buggy gradient is outside the tolerance of the correct one, and of them the one
/// furthest outside (the criterion's ratio). `clear_worst` is false when two candidates are too close to
/// tell which the check will rank first. The test's own data must keep every element either well inside
/// or well outside the tolerance, so that the expectation does not hinge on the reference's rounding.
struct expected_failures {
    indices elements;
    std::size_t worst = 0;
    bool clear_worst = true;
};

expected_failures expected_from_closed_form(const std::vector<double>& correct, const std::vector<double>& buggy,
                                            std::size_t begin, std::size_t end, double rtol = 1e-6,
                                            double atol = 1e-8) {
    expected_failures e;
    double largest = 0, runner_up = 0;
    for (std::size_t i = begin; i < end; ++i) {
        const double excess = std::abs(buggy[i] - correct[i]) / tolerance_bound(buggy[i], correct[i], rtol, atol);
        BOOST_REQUIRE_MESSAGE(excess < 1e-2 || excess > 1e2,
                              "test data puts element " << i << " near the tolerance: excess " << excess);
        if (excess <= 1) continue;
        e.elements.push_back(i - begin);
        if (excess > largest) {
            runner_up = largest;
            largest = excess;
            e.worst = i - begin;
        } else {
            runner_up = std::max(runner_up, excess);
        }
    }
    e.clear_worst = runner_up < 0.999 * largest;
    return e;
}

/// Compares a block with the closed-form expectation for the slice [begin, end) of the point.
void check_block_against(const fg::gradcheck_block& block, const std::vector<double>& correct,
                         const std::vector<double>& buggy, std::size_t begin, const std::string& what) {
    const auto e = expected_from_closed_form(correct, buggy, begin, begin + block.size());
    BOOST_TEST(failing(block) == e.elements, what << ": block " << block.name);
    BOOST_TEST(block.failures == e.elements.size(), what << ": block " << block.name);
    BOOST_TEST(block.kinks().empty(), what << ": block " << block.name);
    BOOST_TEST(block.noisy().empty(), what << ": block " << block.name);
    if (!e.elements.empty() && e.clear_worst) {
        BOOST_TEST(block.worst_index == e.worst, what << ": block " << block.name);
        BOOST_TEST(block.worst_row == e.worst / block.cols, what << ": block " << block.name);
        BOOST_TEST(block.worst_col == e.worst % block.cols, what << ": block " << block.name);
        BOOST_TEST(block.analytic == buggy[begin + e.worst], what << ": block " << block.name);
        BOOST_TEST(block.numeric == correct[begin + e.worst], boost::test_tools::tolerance(1e-7));
    }
}

/// Deterministic noise in [-1, 1] from the bits of v (a 64-bit finaliser): no two nearby points share it,
/// so it behaves as rounding noise of a complicated computation.
double hash_noise(double v) {
    std::uint64_t b = 0;
    std::memcpy(&b, &v, sizeof b);
    b ^= b >> 33;
    b *= 0xff51afd7ed558ccdULL;
    b ^= b >> 33;
    b *= 0xc4ceb9fe1a85ec53ULL;
    b ^= b >> 33;
    return static_cast<double>(b >> 11) * 0x1.0p-53 * 2 - 1;
}

// ---------------------------------------------------------------------------------------------------
// The zoo: functions with gradients derived by hand. The functions are templates over the point type,
// so that the complex step and long double references can evaluate them too.

/// Σᵢ 100·(xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)².
struct rosenbrock {
    template <class P>
    auto operator()(const P& x) const {
        using T = element_of<P>;
        T s = 0;
        for (std::size_t i = 0; i + 1 < x.size(); ++i)
            s += T(100) * (x[i + 1] - x[i] * x[i]) * (x[i + 1] - x[i] * x[i]) + (T(1) - x[i]) * (T(1) - x[i]);
        return s;
    }
};

/// ∂/∂xᵢ: −400·xᵢ·(xᵢ₊₁ − xᵢ²) − 2·(1 − xᵢ) from term i, 200·(xᵢ − xᵢ₋₁²) from term i − 1.
std::vector<double> rosenbrock_gradient(const std::vector<double>& x) {
    std::vector<double> g(x.size(), 0.0);
    for (std::size_t i = 0; i + 1 < x.size(); ++i) {
        g[i] += -400 * x[i] * (x[i + 1] - x[i] * x[i]) - 2 * (1 - x[i]);
        g[i + 1] += 200 * (x[i + 1] - x[i] * x[i]);
    }
    return g;
}

/// The Hessian of rosenbrock, row-major: tridiagonal.
std::vector<double> rosenbrock_hessian(const std::vector<double>& x) {
    const std::size_t n = x.size();
    std::vector<double> h(n * n, 0.0);
    for (std::size_t i = 0; i + 1 < n; ++i) {
        h[i * n + i] += 1200 * x[i] * x[i] - 400 * x[i + 1] + 2;
        h[i * n + i + 1] += -400 * x[i];
        h[(i + 1) * n + i] += -400 * x[i];
        h[(i + 1) * n + i + 1] += 200;
    }
    return h;
}

// x₁ = 1 exactly: the (1 − x₁) term vanishes there, so a bug in it leaves element 1 right.
const std::vector<double> rosenbrock_point{-1.2, 1.0, 0.5, 0.3, -0.7, 0.9};

/// Cross-entropy of logits z against a soft target y (not necessarily summing to 1):
/// L = −Σₖ yₖ·log softmax(z)ₖ = (Σₖ yₖ)·lse(z) − Σₖ yₖ·zₖ, so ∂L/∂zᵢ = (Σₖ yₖ)·softmax(z)ᵢ − yᵢ.
struct softmax_cross_entropy {
    std::vector<double> y;
    template <class P>
    auto operator()(const P& z) const {
        using T = element_of<P>;
        T sum_exp = 0;
        for (std::size_t k = 0; k < z.size(); ++k) sum_exp += std::exp(z[k]);
        const T lse = std::log(sum_exp);
        T loss = 0;
        for (std::size_t k = 0; k < z.size(); ++k) loss -= T(y[k]) * (z[k] - lse);
        return loss;
    }
};

std::vector<double> softmax(const std::vector<double>& z) {
    double sum = 0;
    for (double v : z) sum += std::exp(v);
    std::vector<double> p(z.size());
    for (std::size_t k = 0; k < z.size(); ++k) p[k] = std::exp(z[k]) / sum;
    return p;
}

std::vector<double> softmax_cross_entropy_gradient(const std::vector<double>& z, const std::vector<double>& y) {
    double mass = 0;
    for (double v : y) mass += v;
    const auto p = softmax(z);
    std::vector<double> g(z.size());
    for (std::size_t i = 0; i < z.size(); ++i) g[i] = mass * p[i] - y[i];
    return g;
}

const std::vector<double> logits{0.5, -1.2, 2.0, 0.3, -0.4};
// Sums to 1.2: a gradient that assumes a normalised target (softmax − y) is wrong for it.
const std::vector<double> soft_target{0.1, 0.5, 0.2, 0.3, 0.1};
const std::vector<double> one_hot_target{0.0, 0.0, 0.0, 1.0, 0.0};

/// log Σₖ exp(zₖ); its gradient is softmax(z).
struct log_sum_exp {
    template <class P>
    auto operator()(const P& z) const {
        using T = element_of<P>;
        T sum_exp = 0;
        for (std::size_t k = 0; k < z.size(); ++k) sum_exp += std::exp(z[k]);
        return std::log(sum_exp);
    }
};

/// A Gaussian log-density with precision matrix P (symmetric positive definite, diagonally dominant,
/// with irregular off-diagonal entries): log p(x) = ½·log det P − (n/2)·log 2π − ½·(x − μ)ᵀP(x − μ).
/// The quadratic form is summed over every (i, j), so ∂/∂xᵢ = −½·Σⱼ (Pᵢⱼ + Pⱼᵢ)(xⱼ − μⱼ) = −(P(x − μ))ᵢ.
constexpr std::array<std::array<double, 3>, 3> precision{{{4.0, 1.5, -0.7}, {1.5, 3.0, 0.4}, {-0.7, 0.4, 2.5}}};
constexpr std::array<double, 3> mean{0.3, -0.2, 0.5};

double precision_log_det() {
    const auto& P = precision;
    const double det = P[0][0] * (P[1][1] * P[2][2] - P[1][2] * P[2][1]) -
                       P[0][1] * (P[1][0] * P[2][2] - P[1][2] * P[2][0]) +
                       P[0][2] * (P[1][0] * P[2][1] - P[1][1] * P[2][0]);
    return std::log(det);
}

struct gaussian_log_density {
    template <class P>
    auto operator()(const P& x) const {
        using T = element_of<P>;
        T quadratic = 0;
        for (std::size_t i = 0; i < 3; ++i)
            for (std::size_t j = 0; j < 3; ++j)
                quadratic += (x[i] - T(mean[i])) * T(precision[i][j]) * (x[j] - T(mean[j]));
        return T(0.5 * precision_log_det() - 1.5 * std::log(2 * std::numbers::pi)) - T(0.5) * quadratic;
    }
};

std::vector<double> gaussian_gradient(const std::vector<double>& x) {
    std::vector<double> g(3, 0.0);
    for (std::size_t i = 0; i < 3; ++i)
        for (std::size_t j = 0; j < 3; ++j) g[i] -= precision[i][j] * (x[j] - mean[j]);
    return g;
}

const std::vector<double> gaussian_point{1.1, -0.9, 0.2};

// A one-hidden-layer network, its parameters flattened as research code does: W1 (3×4), b1 (4), W2 (4×2),
// b2 (2); a batch of 3 inputs of 3 features; loss = ½·Σ‖tanh(x·W1 + b1)·W2 + b2 − y‖².
namespace mlp {
constexpr std::size_t batch = 3, in = 3, hidden = 4, out = 2;
constexpr std::size_t W1 = 0, b1 = W1 + in * hidden, W2 = b1 + hidden, b2 = W2 + hidden * out, size = b2 + out;
const std::vector<double> inputs = filled_vector(batch * in, 0.4, 1.5);
const std::vector<double> targets = filled_vector(batch * out, 2.1);
const std::vector<double> parameters = filled_vector(size, 0.7, 0.8);
const std::vector<fg::input_block> blocks{{"W1", in, hidden}, {"b1", hidden}, {"W2", hidden, out}, {"b2", out}};
}  // namespace mlp

struct mlp_loss {
    template <class P>
    auto operator()(const P& p) const {
        using namespace mlp;
        using T = element_of<P>;
        T loss = 0;
        for (std::size_t r = 0; r < batch; ++r) {
            std::array<T, hidden> h{};
            for (std::size_t j = 0; j < hidden; ++j) {
                T a = p[b1 + j];
                for (std::size_t i = 0; i < in; ++i) a += T(inputs[r * in + i]) * p[W1 + i * hidden + j];
                h[j] = std::tanh(a);
            }
            for (std::size_t k = 0; k < out; ++k) {
                T o = p[b2 + k];
                for (std::size_t j = 0; j < hidden; ++j) o += h[j] * p[W2 + j * out + k];
                const T d = o - T(targets[r * out + k]);
                loss += T(0.5) * d * d;
            }
        }
        return loss;
    }
};

/// Bugs plantable in the hand-written backprop, each a slip seen in practice.
enum class mlp_bug {
    none,
    /// dW2(j, k) stored at W2 + k·hidden + j, as if W2 were 2×4: only W2's gradient is wrong, except
    /// at (0,0) and (3,1), whose flat indices agree under both layouts.
    dW2_stored_transposed,
    /// W2 read transposed when propagating to the hidden layer: W1's and b1's gradients are wrong.
    W2_read_transposed,
    /// dA = dH, forgetting tanh′ = 1 − h²: W1's and b1's gradients are wrong.
    missing_tanh_derivative,
    /// db1 summed over the batch from row 1: an off-by-one that only b1 shows.
    db1_skips_first_row,
};

std::vector<double> mlp_gradient(const std::vector<double>& p, mlp_bug bug = mlp_bug::none) {
    using namespace mlp;
    std::vector<double> g(size, 0.0);
    for (std::size_t r = 0; r < batch; ++r) {
        std::array<double, hidden> h{};
        for (std::size_t j = 0; j < hidden; ++j) {
            double a = p[b1 + j];
            for (std::size_t i = 0; i < in; ++i) a += inputs[r * in + i] * p[W1 + i * hidden + j];
            h[j] = std::tanh(a);
        }
        std::array<double, out> d_out{};
        for (std::size_t k = 0; k < out; ++k) {
            double o = p[b2 + k];
            for (std::size_t j = 0; j < hidden; ++j) o += h[j] * p[W2 + j * out + k];
            d_out[k] = o - targets[r * out + k];
        }
        for (std::size_t k = 0; k < out; ++k) {
            g[b2 + k] += d_out[k];
            for (std::size_t j = 0; j < hidden; ++j)
                g[bug == mlp_bug::dW2_stored_transposed ? W2 + k * hidden + j : W2 + j * out + k] += h[j] * d_out[k];
        }
        for (std::size_t j = 0; j < hidden; ++j) {
            double d_h = 0;
            for (std::size_t k = 0; k < out; ++k)
                d_h += d_out[k] * p[bug == mlp_bug::W2_read_transposed ? W2 + k * hidden + j : W2 + j * out + k];
            const double d_a = bug == mlp_bug::missing_tanh_derivative ? d_h : d_h * (1 - h[j] * h[j]);
            if (bug != mlp_bug::db1_skips_first_row || r > 0) g[b1 + j] += d_a;
            for (std::size_t i = 0; i < in; ++i) g[W1 + i * hidden + j] += inputs[r * in + i] * d_a;
        }
    }
    return g;
}

// The zoo's functions, type-erased so that one loop runs them all.
using scalar_function = std::function<double(const std::vector<double>&)>;
using gradient_function = std::function<std::vector<double>(const std::vector<double>&)>;

struct zoo_entry {
    std::string name;
    scalar_function f;
    gradient_function gradient;
    std::vector<double> x;
    std::vector<fg::input_block> blocks{};
};

/// Every known-correct function of the zoo, at a point away from anything special.
std::vector<zoo_entry> zoo() {
    return {
        {"rosenbrock", rosenbrock{}, rosenbrock_gradient, rosenbrock_point},
        {"softmax cross-entropy, soft target", softmax_cross_entropy{soft_target},
         [](const std::vector<double>& z) { return softmax_cross_entropy_gradient(z, soft_target); }, logits},
        {"softmax cross-entropy, one-hot target", softmax_cross_entropy{one_hot_target},
         [](const std::vector<double>& z) { return softmax_cross_entropy_gradient(z, one_hot_target); }, logits},
        {"log-sum-exp", log_sum_exp{}, softmax, logits},
        {"gaussian log-density", gaussian_log_density{}, gaussian_gradient, gaussian_point},
        {"mlp", mlp_loss{}, [](const std::vector<double>& p) { return mlp_gradient(p); }, mlp::parameters,
         mlp::blocks},
    };
}

/// A planted bug: the function and its correct gradient, and the buggy gradient that must be caught.
struct planted_bug {
    std::string name;
    scalar_function f;
    gradient_function correct;
    gradient_function buggy;
    std::vector<double> x;
    std::vector<fg::input_block> blocks{};
};

gradient_function mlp_with(mlp_bug bug) {
    return [bug](const std::vector<double>& p) { return mlp_gradient(p, bug); };
}

std::vector<planted_bug> planted_bugs() {
    const gradient_function mlp_correct = mlp_with(mlp_bug::none);
    return {
        {"rosenbrock: wrong sign of the (1 - x_i) term", rosenbrock{}, rosenbrock_gradient,
         [](const std::vector<double>& x) {
             std::vector<double> g(x.size(), 0.0);
             for (std::size_t i = 0; i + 1 < x.size(); ++i) {
                 g[i] += -400 * x[i] * (x[i + 1] - x[i] * x[i]) + 2 * (1 - x[i]);
                 g[i + 1] += 200 * (x[i + 1] - x[i] * x[i]);
             }
             return g;
         },
         rosenbrock_point},
        {"rosenbrock: missing factor 2 of the square (x_{i+1} - x_i^2)^2", rosenbrock{}, rosenbrock_gradient,
         [](const std::vector<double>& x) {
             std::vector<double> g(x.size(), 0.0);
             for (std::size_t i = 0; i + 1 < x.size(); ++i) {
                 g[i] += -400 * x[i] * (x[i + 1] - x[i] * x[i]) - 2 * (1 - x[i]);
                 g[i + 1] += 100 * (x[i + 1] - x[i] * x[i]);
             }
             return g;
         },
         rosenbrock_point},
        {"rosenbrock: the (1 - x_i) term added to g[i+1]", rosenbrock{}, rosenbrock_gradient,
         [](const std::vector<double>& x) {
             std::vector<double> g(x.size(), 0.0);
             for (std::size_t i = 0; i + 1 < x.size(); ++i) {
                 g[i] += -400 * x[i] * (x[i + 1] - x[i] * x[i]);
                 g[i + 1] += 200 * (x[i + 1] - x[i] * x[i]) - 2 * (1 - x[i]);
             }
             return g;
         },
         rosenbrock_point},
        {"softmax cross-entropy: softmax - y, assuming the target sums to 1",
         softmax_cross_entropy{soft_target},
         [](const std::vector<double>& z) { return softmax_cross_entropy_gradient(z, soft_target); },
         [](const std::vector<double>& z) {
             auto g = softmax(z);
             for (std::size_t i = 0; i < z.size(); ++i) g[i] -= soft_target[i];
             return g;
         },
         logits},
        {"log-sum-exp: denominator summed from k = 1", log_sum_exp{}, softmax,
         [](const std::vector<double>& z) {
             double sum = 0;
             for (std::size_t k = 1; k < z.size(); ++k) sum += std::exp(z[k]);
             std::vector<double> g(z.size());
             for (std::size_t k = 0; k < z.size(); ++k) g[k] = std::exp(z[k]) / sum;
             return g;
         },
         logits},
        {"gaussian: +P(x - mu), wrong sign", gaussian_log_density{}, gaussian_gradient,
         [](const std::vector<double>& x) {
             auto g = gaussian_gradient(x);
             for (auto& v : g) v = -v;
             return g;
         },
         gaussian_point},
        {"gaussian: -P(x - mu)/2, missing factor 2 of the quadratic form", gaussian_log_density{}, gaussian_gradient,
         [](const std::vector<double>& x) {
             auto g = gaussian_gradient(x);
             for (auto& v : g) v *= 0.5;
             return g;
         },
         gaussian_point},
        {"gaussian: upper triangle of P only", gaussian_log_density{}, gaussian_gradient,
         [](const std::vector<double>& x) {
             std::vector<double> g(3, 0.0);
             for (std::size_t i = 0; i < 3; ++i)
                 for (std::size_t j = i; j < 3; ++j) g[i] -= precision[i][j] * (x[j] - mean[j]);
             return g;
         },
         gaussian_point},
        {"mlp: dW2 stored transposed", mlp_loss{}, mlp_correct, mlp_with(mlp_bug::dW2_stored_transposed),
         mlp::parameters, mlp::blocks},
        {"mlp: W2 read transposed in backprop", mlp_loss{}, mlp_correct, mlp_with(mlp_bug::W2_read_transposed),
         mlp::parameters, mlp::blocks},
        {"mlp: missing tanh'", mlp_loss{}, mlp_correct, mlp_with(mlp_bug::missing_tanh_derivative), mlp::parameters,
         mlp::blocks},
        {"mlp: db1 skips the first batch row", mlp_loss{}, mlp_correct, mlp_with(mlp_bug::db1_skips_first_row),
         mlp::parameters, mlp::blocks},
    };
}

/// The planted bug whose name starts with `prefix`.
planted_bug planted(const std::string& prefix) {
    for (auto& bug : planted_bugs())
        if (bug.name.starts_with(prefix)) return bug;
    throw std::logic_error("no planted bug " + prefix);
}

// ---------------------------------------------------------------------------------------------------
// A vector-valued function with a non-symmetric Jacobian: f(x) = (x₀·x₁, sin(x₂)·x₀, x₁³).

struct three_outputs {
    template <class P>
    auto operator()(const P& x) const {
        using T = element_of<P>;
        return std::vector<T>{x[0] * x[1], std::sin(x[2]) * x[0], x[1] * x[1] * x[1]};
    }
};

/// J = [[x₁, x₀, 0], [sin x₂, 0, x₀·cos x₂], [0, 3x₁², 0]], as rows.
std::vector<std::vector<double>> three_outputs_jacobian(const std::vector<double>& x) {
    return {{x[1], x[0], 0.0}, {std::sin(x[2]), 0.0, x[0] * std::cos(x[2])}, {0.0, 3 * x[1] * x[1], 0.0}};
}

std::vector<double> flat(const std::vector<std::vector<double>>& rows) {
    std::vector<double> out;
    for (const auto& r : rows) out.insert(out.end(), r.begin(), r.end());
    return out;
}

// x₀ ≠ sin x₂ and x₀·cos x₂ ≠ 3x₁²: J differs from Jᵀ at (0,1), (1,0), (1,2), (2,1) and nowhere else.
const std::vector<double> jacobian_point{0.3, -0.8, 1.1};

/// Evaluations of f, counted across calls: the cost of a check as the caller pays it.
struct counting_x_sin_x {
    static inline std::size_t calls = 0;
    template <class P>
    auto operator()(const P& x) const {
        using T = element_of<P>;
        ++calls;
        T s = 0;
        for (std::size_t i = 0; i < x.size(); ++i) s += x[i] * std::sin(x[i]);
        return s;
    }
};

std::vector<double> x_sin_x_gradient(const std::vector<double>& x) {
    std::vector<double> g(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) g[i] = std::sin(x[i]) + x[i] * std::cos(x[i]);
    return g;
}

// Not differentiable at 0 (|x₀|, relu(x₁)) and where x₂ = x₃ (max); x₄ is smooth everywhere.
double kinked(const std::vector<double>& x) {
    return std::abs(x[0]) + std::max(0.0, x[1]) + std::max(x[2], x[3]) + 0.5 * x[4] * x[4];
}

/// A rule-based gradient: at a kink it returns the given subgradients.
gradient_function kinked_gradient(double abs_at_zero, double relu_at_zero, double max_tie_first) {
    return [=](const std::vector<double>& x) {
        const double sign = x[0] > 0 ? 1.0 : x[0] < 0 ? -1.0 : abs_at_zero;
        const double relu = x[1] > 0 ? 1.0 : x[1] < 0 ? 0.0 : relu_at_zero;
        const double first = x[2] > x[3] ? 1.0 : x[2] < x[3] ? 0.0 : max_tie_first;
        return std::vector<double>{sign, relu, first, 1 - first, x[4]};
    };
}

const std::vector<double> at_the_kinks{0.0, 0.0, 0.5, 0.5, 0.7};
// Far enough from every kink that even order 8's reach (4·0.02) and Richardson's first step (0.1)
// stay on one side.
const std::vector<double> away_from_the_kinks{0.4, -0.3, 0.9, 0.2, 0.7};

/// Σ sin(xᵢ) plus noise of amplitude 1e-7: noise that a step of 1e-3 magnifies beyond the tolerance.
double noisy_sines(const std::vector<double>& x) {
    double s = 0;
    for (double v : x) s += std::sin(v) + 1e-7 * hash_noise(v);
    return s;
}

std::vector<double> cosines(const std::vector<double>& x) {
    std::vector<double> g;
    for (double v : x) g.push_back(std::cos(v));
    return g;
}

const std::vector<double> noisy_point{0.1, 0.7, -1.3, 2.0, 0.45};

}  // namespace

// ===================================================================================================

BOOST_AUTO_TEST_SUITE(correct_gradients_pass)

// The default tolerances (rtol 1e-6, atol 1e-8 for double) accept every hand-derived gradient, and
// no entry is merely a kink or noisy: the reference confirms each one.
BOOST_AUTO_TEST_CASE(zoo_at_default_tolerances) {
    for (auto& z : zoo()) {
        const auto report = fg::gradcheck(z.f, z.gradient, z.x, {.blocks = z.blocks});
        BOOST_TEST(report.passed(), z.name << "\n" << report);
        BOOST_TEST(report.confirmed(), z.name << "\n" << report);
        BOOST_TEST((report.kind == fg::gradcheck_kind::gradient));
        BOOST_TEST(report.scalar_type == "double");
        BOOST_TEST(report.reference_type == "double");
        BOOST_TEST(*report.options.rtol == 1e-6);
        BOOST_TEST(*report.options.atol == 1e-8);
        // One unperturbed evaluation, then order 4 per element: a confirmed entry needs no second look.
        BOOST_TEST(report.evaluations == 1 + 4 * z.x.size(), z.name);
        std::size_t checked = 0;
        for (const auto& b : report.blocks) checked += b.checked;
        BOOST_TEST(checked == z.x.size(), z.name);
    }
}

// The hand-derived gradients are right to rounding, so a 1000 times tighter rtol holds too at the
// higher orders, whose truncation error is far below it.
BOOST_AUTO_TEST_CASE(zoo_at_rtol_1e_9) {
    for (auto& z : zoo())
        for (const int order : {4, 6, 8}) {
            const auto report = fg::gradcheck(z.f, z.gradient, z.x, {.order = order, .rtol = 1e-9, .blocks = z.blocks});
            BOOST_TEST(report.passed(), z.name << " order " << order << "\n" << report);
            for (const auto& b : report.blocks) BOOST_TEST(b.max_rel_error <= 1e-9, z.name << " " << b.name);
        }
}

// The MLP's flattened parameters come back as the four named blocks, shaped as declared.
BOOST_AUTO_TEST_CASE(mlp_blocks_are_named_and_shaped) {
    const auto report = fg::gradcheck(mlp_loss{}, mlp_with(mlp_bug::none), mlp::parameters, {.blocks = mlp::blocks});
    BOOST_TEST(report.passed(), report);
    BOOST_REQUIRE(report.blocks.size() == 4u);
    const std::array<const char*, 4> names{"W1", "b1", "W2", "b2"};
    const std::array<int, 4> ranks{2, 1, 2, 1};
    const std::array<std::size_t, 4> rows{3, 1, 4, 1}, cols{4, 4, 2, 2};
    for (std::size_t i = 0; i < 4; ++i) {
        const auto& b = report.blocks[i];
        BOOST_TEST(b.name == names[i]);
        BOOST_TEST(b.rank == ranks[i]);
        BOOST_TEST(b.rows == rows[i]);
        BOOST_TEST(b.cols == cols[i]);
        BOOST_TEST(b.outputs == 1u);
        BOOST_TEST(b.checked == rows[i] * cols[i]);
        BOOST_TEST(b.judged == b.checked);
        BOOST_TEST(&report[names[i]] == &b);
    }
    BOOST_CHECK_THROW(report["W3"], std::out_of_range);
}

// A scalar block {"s"} counts one element.
BOOST_AUTO_TEST_CASE(scalar_block) {
    const auto report = fg::gradcheck(gaussian_log_density{}, gaussian_gradient, gaussian_point,
                                      {.blocks = {{"s"}, {"rest", 2}}});
    BOOST_TEST(report.passed(), report);
    BOOST_TEST(report["s"].rank == 0);
    BOOST_TEST(report["s"].checked == 1u);
    BOOST_TEST(report["rest"].checked == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

// ===================================================================================================

BOOST_AUTO_TEST_SUITE(planted_bugs_are_caught)

// Every planted bug fails, and exactly the elements the closed form says are wrong fail, in the right
// blocks, with the worst one named.
BOOST_AUTO_TEST_CASE(every_planted_bug_is_caught_where_it_is) {
    auto bugs = planted_bugs();
    BOOST_TEST(bugs.size() == 12u);
    for (auto& bug : bugs) {
        const auto report = fg::gradcheck(bug.f, bug.buggy, bug.x, {.blocks = bug.blocks});
        BOOST_TEST(!report.passed(), bug.name << "\n" << report);
        const auto correct = bug.correct(bug.x), buggy = bug.buggy(bug.x);
        std::size_t offset = 0;
        for (const auto& block : report.blocks) {
            check_block_against(block, correct, buggy, offset, bug.name);
            offset += block.size();
        }
        BOOST_TEST(offset == bug.x.size());
        // The correct gradient passes at the same point: the bug, not the point, is what fails.
        const auto good = fg::gradcheck(bug.f, bug.correct, bug.x, {.blocks = bug.blocks});
        BOOST_TEST(good.confirmed(), bug.name << "\n" << good);
    }
}

// A sign flipped in one element: that element alone fails, with both values reported.
BOOST_AUTO_TEST_CASE(wrong_sign_in_one_element) {
    const auto buggy = [](const std::vector<double>& x) {
        auto g = rosenbrock_gradient(x);
        g[3] = -g[3];
        return g;
    };
    const auto correct = rosenbrock_gradient(rosenbrock_point);
    const auto report = fg::gradcheck(rosenbrock{}, buggy, rosenbrock_point);
    const auto& b = report["x"];
    BOOST_TEST(!report.passed());
    BOOST_TEST(b.failures == 1u);
    BOOST_TEST(b.where(fg::gradcheck_verdict::mismatch) == indices{3});
    BOOST_TEST(b.worst_index == 3u);
    BOOST_TEST(b.worst_col == 3u);
    BOOST_TEST(b.analytic == -correct[3]);
    BOOST_TEST(b.numeric == correct[3], boost::test_tools::tolerance(1e-9));
    BOOST_TEST(b.max_abs_error == 2 * std::abs(correct[3]), boost::test_tools::tolerance(1e-9));
    BOOST_TEST(b.max_rel_error == 2.0, boost::test_tools::tolerance(1e-9));
}

// The upper triangle of P only: row 0 is complete, rows 1 and 2 miss P₁₀ and P₂₀, P₂₁.
BOOST_AUTO_TEST_CASE(gaussian_upper_triangle_fails_rows_1_and_2) {
    auto bug = planted("gaussian: upper");
    const auto report = fg::gradcheck(bug.f, bug.buggy, bug.x);
    BOOST_TEST(report["x"].where(fg::gradcheck_verdict::mismatch) == (indices{1, 2}));
}

// dW2 stored as if W2 were 2×4: W2 alone fails, everywhere but at (0,0) and (3,1), whose flat indices
// 0 and 7 are the same in both layouts.
BOOST_AUTO_TEST_CASE(mlp_dW2_transposed_fails_W2_only) {
    const auto report = fg::gradcheck(mlp_loss{}, mlp_with(mlp_bug::dW2_stored_transposed), mlp::parameters,
                                      {.blocks = mlp::blocks});
    BOOST_TEST(!report.passed());
    BOOST_TEST(report["W1"].passed());
    BOOST_TEST(report["b1"].passed());
    BOOST_TEST(report["b2"].passed());
    const auto& w2 = report["W2"];
    BOOST_TEST(w2.failures == 6u);
    BOOST_TEST(w2.where(fg::gradcheck_verdict::mismatch) == (indices{1, 2, 3, 4, 5, 6}));
    BOOST_TEST(w2.worst_row * 2 + w2.worst_col == w2.worst_index);
    BOOST_TEST(w2.worst_index >= 1u);
    BOOST_TEST(w2.worst_index <= 6u);
    BOOST_TEST(contains(printed(report), "gradient mismatch for W2["), printed(report));
}

// Bugs upstream of W2 in the backprop fail W1 and b1, never W2 or b2.
BOOST_AUTO_TEST_CASE(mlp_bugs_before_the_output_layer_fail_the_first_layer) {
    for (const auto bug : {mlp_bug::W2_read_transposed, mlp_bug::missing_tanh_derivative}) {
        const auto report = fg::gradcheck(mlp_loss{}, mlp_with(bug), mlp::parameters, {.blocks = mlp::blocks});
        BOOST_TEST(!report["W1"].passed(), report);
        BOOST_TEST(!report["b1"].passed(), report);
        BOOST_TEST(report["W2"].confirmed(), report);
        BOOST_TEST(report["b2"].confirmed(), report);
    }
    const auto off_by_one =
        fg::gradcheck(mlp_loss{}, mlp_with(mlp_bug::db1_skips_first_row), mlp::parameters, {.blocks = mlp::blocks});
    BOOST_TEST(off_by_one["b1"].failures == 4u, off_by_one);
    BOOST_TEST(off_by_one["W1"].confirmed());
    BOOST_TEST(off_by_one["W2"].confirmed());
    BOOST_TEST(off_by_one["b2"].confirmed());
}

// The Jacobian of f written transposed fails exactly at the entries (i, j) where Jᵢⱼ ≠ Jⱼᵢ, entry
// index i·n + j: here (0,1), (1,0), (1,2), (2,1).
BOOST_AUTO_TEST_CASE(transposed_jacobian_fails_where_it_is_not_symmetric) {
    const auto J = three_outputs_jacobian(jacobian_point);
    const auto transposed = [](const std::vector<double>& x) {
        auto j = three_outputs_jacobian(x);
        for (std::size_t r = 0; r < 3; ++r)
            for (std::size_t c = 0; c < r; ++c) std::swap(j[r][c], j[c][r]);
        return j;
    };
    indices asymmetric;
    for (std::size_t r = 0; r < 3; ++r)
        for (std::size_t c = 0; c < 3; ++c)
            if (std::abs(J[r][c] - J[c][r]) > 1e-3) asymmetric.push_back(r * 3 + c);
    BOOST_REQUIRE(asymmetric == (indices{1, 3, 5, 7}));

    const auto report = fg::jacobian_check(three_outputs{}, transposed, jacobian_point);
    BOOST_TEST((report.kind == fg::gradcheck_kind::jacobian));
    BOOST_TEST(!report.passed());
    const auto& b = report["x"];
    BOOST_TEST(b.outputs == 3u);
    BOOST_TEST(b.checked == 9u);
    BOOST_TEST(b.failures == 4u);
    BOOST_TEST(sorted(b.where(fg::gradcheck_verdict::mismatch)) == asymmetric);
    // The worst: |J₁₂ − J₂₁| relative to max(|J₁₂|, |J₂₁|) is the largest of the four.
    BOOST_TEST(b.worst_index == 7u);
    BOOST_TEST(b.worst_output == 2u);
    BOOST_TEST(b.worst_col == 1u);
    BOOST_TEST(b.analytic == J[1][2]);
    BOOST_TEST(b.numeric == J[2][1], boost::test_tools::tolerance(1e-8));

    const auto correct = fg::jacobian_check(three_outputs{}, three_outputs_jacobian, jacobian_point);
    BOOST_TEST(correct.confirmed(), correct);
}

// A wrong entry of a Jacobian with named blocks: the entry index is output·block.size() + element.
BOOST_AUTO_TEST_CASE(jacobian_entry_index_within_a_block) {
    const auto wrong = [](const std::vector<double>& x) {
        auto j = three_outputs_jacobian(x);
        j[2][1] *= 2;  // ∂f₂/∂x₁, in block "b" (x₁, x₂) as element 0
        return j;
    };
    const auto report = fg::jacobian_check(three_outputs{}, wrong, jacobian_point, {.blocks = {{"a"}, {"b", 2}}});
    BOOST_TEST(report["a"].confirmed(), report);
    const auto& b = report["b"];
    BOOST_TEST(b.outputs == 3u);
    BOOST_TEST(b.checked == 6u);
    BOOST_TEST(b.where(fg::gradcheck_verdict::mismatch) == indices{2 * 2 + 0});
    BOOST_TEST(b.worst_output == 2u);
    BOOST_TEST(b.worst_col == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

// ===================================================================================================

BOOST_AUTO_TEST_SUITE(kinks)

// |x| at 0, relu at 0 and max at a tie are kinks for any subgradient a correct rule could return:
// passed (not failures), not confirmed, and the smooth element agrees.
BOOST_AUTO_TEST_CASE(at_the_kinks_for_every_order) {
    for (const int order : {2, 4, 6, 8})
        for (const double sub : {0.0, 1.0}) {
            const auto g = kinked_gradient(sub == 0 ? -1.0 : 1.0, sub, sub);
            const auto report = fg::gradcheck(kinked, g, at_the_kinks, {.order = order});
            BOOST_TEST(report.passed(), "order " << order << "\n" << report);
            BOOST_TEST(!report.confirmed());
            BOOST_TEST(report["x"].kinks() == (indices{0, 1, 2, 3}), "order " << order << "\n" << report);
            BOOST_TEST(report["x"].failures == 0u);
            BOOST_TEST(report["x"].judged == 1u);
            for (const auto& f : report["x"].findings) BOOST_TEST((f.verdict == fg::gradcheck_verdict::kink));
        }
}

// A subgradient strictly inside the jump, off its middle (−½ for |x|, ¼ for relu, ¾ and ¼ at the tie), is
// a kink too.
BOOST_AUTO_TEST_CASE(interior_subgradients) {
    const auto report = fg::gradcheck(kinked, kinked_gradient(-0.5, 0.25, 0.75), at_the_kinks);
    BOOST_TEST(report.passed(), report);
    BOOST_TEST(report["x"].kinks() == (indices{0, 1, 2, 3}), report);
}

// The middle of the jump (0 for |x|, ½ for relu and the tie) is what a central difference across a
// symmetric kink gives, so it passes; the check looks for a kink only when the difference contradicts the
// analytic value, hence these entries agree, and the report is even confirmed.
BOOST_AUTO_TEST_CASE(the_middle_subgradient_passes) {
    const auto report = fg::gradcheck(kinked, kinked_gradient(0.0, 0.5, 0.5), at_the_kinks);
    BOOST_TEST(report.passed(), report);
    BOOST_TEST(report["x"].failures == 0u);
}

BOOST_AUTO_TEST_CASE(with_richardson) {
    const auto report = fg::gradcheck(kinked, kinked_gradient(1.0, 0.0, 1.0), at_the_kinks,
                                      {.method = fg::difference_method::richardson});
    BOOST_TEST(report.passed(), report);
    BOOST_TEST(report["x"].kinks() == (indices{0, 1, 2, 3}), report);
}

namespace {
// Σ cⱼ·relu(xⱼ) over eight units of both signs, plus ½·x₈²: a layer's relu units all at exactly 0, as a
// dense layer's are on all-zero inputs when their bias is 0.
// Their sum is not 0: with weights summing to 0, the units' kinks cancel along every direction of equal steps.
constexpr std::array<double, 8> unit_weights{1.0, -2.0, 3.0, -1.5, 2.5, -0.5, 1.25, -3.5};
double relu_units(const std::vector<double>& x) {
    double s = 0.5 * x[8] * x[8];
    for (std::size_t j = 0; j < 8; ++j) s += unit_weights[j] * std::max(0.0, x[j]);
    return s;
}
std::vector<double> relu_units_gradient(const std::vector<double>& x) {
    std::vector<double> g(9);
    for (std::size_t j = 0; j < 8; ++j) g[j] = x[j] > 0 ? unit_weights[j] : 0.0;  // relu'(0) = 0, as Keras
    g[8] = x[8];
    return g;
}
}  // namespace

// A random direction moves all eight units off their kink at once, some up, some down: a correct rule's
// directional derivative (0 from each unit) need not lie between φ's one-sided slopes (the units that the
// direction raises on one side, those it lowers on the other). Such directions are kinks, not mismatches; one
// element at a time, each unit's subgradient is judged as usual.
BOOST_AUTO_TEST_CASE(several_units_at_their_kink_along_random_directions) {
    std::vector<double> x(9, 0.0);
    x[8] = 0.7;
    const auto report = fg::gradcheck(relu_units, relu_units_gradient, x, {.directions = 16});
    BOOST_TEST(report.passed(), report);
    BOOST_TEST(report["x"].kinks().size() == 16u, report);
    const auto elements = fg::gradcheck(relu_units, relu_units_gradient, x);
    BOOST_TEST(elements.passed(), elements);
    BOOST_TEST(elements["x"].kinks() == (indices{0, 1, 2, 3, 4, 5, 6, 7}), elements);
    // A subgradient far outside a unit's jump (0 to 3) is still a mismatch one element at a time.
    const auto wrong = [](const std::vector<double>& at) {
        auto g = relu_units_gradient(at);
        g[2] = 6.0;
        return g;
    };
    BOOST_TEST(fg::gradcheck(relu_units, wrong, x)["x"].where(fg::gradcheck_verdict::mismatch) == indices{2});
    // Off the kinks, a wrong rule is a mismatch along random directions too.
    std::vector<double> off(9, 0.3);
    const auto wrong_off = [](const std::vector<double>& at) {
        auto g = relu_units_gradient(at);
        g[8] *= 2;
        return g;
    };
    const auto found = fg::gradcheck(relu_units, wrong_off, off, {.directions = 16});
    BOOST_TEST(!found.passed(), found);
    BOOST_TEST(found["x"].kinks().empty(), found);
}

// The same functions and rules away from their kinks are confirmed.
BOOST_AUTO_TEST_CASE(away_from_the_kinks_they_are_confirmed) {
    const auto g = kinked_gradient(1.0, 0.0, 1.0);
    for (const int order : {2, 4, 6, 8}) {
        const auto report = fg::gradcheck(kinked, g, away_from_the_kinks, {.order = order});
        BOOST_TEST(report.confirmed(), "order " << order << "\n" << report);
    }
    const auto richardson =
        fg::gradcheck(kinked, g, away_from_the_kinks, {.method = fg::difference_method::richardson});
    BOOST_TEST(richardson.confirmed(), richardson);
}

// A value outside every one-sided derivative is not a kink but a mismatch, even at the kink; and a kink
// does not hide a bug in another element.
BOOST_AUTO_TEST_CASE(a_wrong_value_at_a_kink_is_a_mismatch) {
    const auto report = fg::gradcheck(kinked, kinked_gradient(3.0, 0.0, 1.0), at_the_kinks);
    BOOST_TEST(!report.passed(), report);
    BOOST_TEST(report["x"].where(fg::gradcheck_verdict::mismatch) == indices{0}, report);
    BOOST_TEST(report["x"].kinks() == (indices{1, 2, 3}), report);

    const auto elsewhere = [](const std::vector<double>& x) {
        auto g = kinked_gradient(1.0, 0.0, 1.0)(x);
        g[4] *= 2;
        return g;
    };
    const auto bug = fg::gradcheck(kinked, elsewhere, at_the_kinks);
    BOOST_TEST(bug["x"].where(fg::gradcheck_verdict::mismatch) == indices{4}, bug);
    BOOST_TEST(bug["x"].kinks() == (indices{0, 1, 2, 3}), bug);
}

BOOST_AUTO_TEST_SUITE_END()

// ===================================================================================================

BOOST_AUTO_TEST_SUITE(noisy_functions)

// Noise of 1e-7 in f, divided by steps of 1e-3 (order 4) or 6e-6 (order 2), swamps the tolerance of
// 1e-6: the reference cannot judge, so every entry is noisy, neither confirmed nor failed, with an error
// estimate beyond the tolerance and a larger step suggested.
BOOST_AUTO_TEST_CASE(correct_gradient_is_noisy_not_failing) {
    for (const int order : {2, 4}) {
        const auto report = fg::gradcheck(noisy_sines, cosines, noisy_point, {.order = order});
        const auto& b = report["x"];
        BOOST_TEST(report.passed(), "order " << order << "\n" << report);
        BOOST_TEST(!report.confirmed());
        BOOST_TEST(b.noisy() == (indices{0, 1, 2, 3, 4}), "order " << order << "\n" << report);
        BOOST_TEST(b.failures == 0u);
        BOOST_TEST(b.judged == 0u);
        for (const auto& f : b.findings) {
            BOOST_TEST(f.suggested_step > 0);
            BOOST_TEST(f.error_estimate > tolerance_bound(f.analytic, f.numeric, 1e-6, 1e-8));
            // ... and the analytic value is within the noise of the reference.
            BOOST_TEST(std::abs(f.analytic - f.numeric) <= 3 * f.error_estimate + tolerance_bound(f.analytic, f.numeric, 1e-6, 1e-8));
        }
    }
}

// A factor 2 in one element is far beyond the noise: a mismatch there, the rest noisy.
BOOST_AUTO_TEST_CASE(a_bug_in_a_noisy_function_is_still_a_mismatch) {
    const auto buggy = [](const std::vector<double>& x) {
        auto g = cosines(x);
        g[1] *= 2;
        return g;
    };
    for (const int order : {2, 4}) {
        const auto report = fg::gradcheck(noisy_sines, buggy, noisy_point, {.order = order});
        const auto& b = report["x"];
        BOOST_TEST(!report.passed(), "order " << order << "\n" << report);
        BOOST_TEST(b.failures == 1u);
        BOOST_TEST(b.where(fg::gradcheck_verdict::mismatch) == indices{1}, report);
        BOOST_TEST(b.noisy() == (indices{0, 2, 3, 4}), report);
        BOOST_TEST(b.worst_index == 1u);
        // Off by the noise over the step, far less than the factor 2.
        BOOST_TEST(std::abs(b.numeric - std::cos(noisy_point[1])) < 0.05);
    }
}

BOOST_AUTO_TEST_SUITE_END()

// ===================================================================================================

BOOST_AUTO_TEST_SUITE(complex_step)

/// Σ exp(xᵢ)·sin(xᵢ)/(1 + xᵢ²): analytic, with a derivative free of cancellation at the points used.
struct exp_sin_over {
    template <class P>
    auto operator()(const P& x) const {
        using T = element_of<P>;
        T s = 0;
        for (std::size_t i = 0; i < x.size(); ++i) s += std::exp(x[i]) * std::sin(x[i]) / (T(1) + x[i] * x[i]);
        return s;
    }
};

/// eˣ·[(sin x + cos x)(1 + x²) − 2x·sin x] / (1 + x²)².
std::vector<double> exp_sin_over_gradient(const std::vector<double>& x) {
    std::vector<double> g(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double v = x[i], q = 1 + v * v;
        g[i] = std::exp(v) * ((std::sin(v) + std::cos(v)) * q - 2 * v * std::sin(v)) / (q * q);
    }
    return g;
}

// The complex step has no subtraction, so it is exact to rounding: the gradient agrees to 1e-14
// relative, with one evaluation per element.
BOOST_AUTO_TEST_CASE(agrees_to_1e_14) {
    const std::vector<double> x{0.3, -1.1, 2.4, 0.7, 1.9};
    const auto a = fg::gradcheck(fg::by_complex_step(exp_sin_over{}), exp_sin_over_gradient, x,
                                 {.rtol = 1e-14, .atol = 0});
    BOOST_TEST(a.passed(), a);
    BOOST_TEST(a.confirmed(), a);
    BOOST_TEST(a["x"].max_rel_error <= 1e-14);
    BOOST_TEST(a.evaluations == 1 + x.size());
    BOOST_TEST((a.options.method == fg::difference_method::complex_step));
    BOOST_TEST(*a.options.step == 1e-20);

    const auto r = fg::gradcheck(fg::by_complex_step(rosenbrock{}), rosenbrock_gradient, rosenbrock_point,
                                 {.rtol = 1e-14, .atol = 0});
    BOOST_TEST(r.confirmed(), r);
    BOOST_TEST(r["x"].max_rel_error <= 1e-14);
    BOOST_TEST(r.evaluations == 1 + rosenbrock_point.size());
}

// Central differences cannot reach 1e-14: the complex step is what makes that tolerance usable.
BOOST_AUTO_TEST_CASE(central_differences_cannot_confirm_at_1e_14) {
    const std::vector<double> x{0.3, -1.1, 2.4, 0.7, 1.9};
    const auto a = fg::gradcheck(exp_sin_over{}, exp_sin_over_gradient, x, {.rtol = 1e-14, .atol = 0});
    BOOST_TEST(!a.confirmed(), a);
}

// A bug of relative size 1e-10, invisible to the default tolerance, is caught by the complex step.
BOOST_AUTO_TEST_CASE(catches_a_tiny_bug) {
    const std::vector<double> x{0.3, -1.1, 2.4, 0.7, 1.9};
    const auto slightly_off = [](const std::vector<double>& p) {
        auto g = exp_sin_over_gradient(p);
        g[2] *= 1 + 1e-10;
        return g;
    };
    const auto report = fg::gradcheck(fg::by_complex_step(exp_sin_over{}), slightly_off, x, {.rtol = 1e-14, .atol = 0});
    BOOST_TEST(report["x"].where(fg::gradcheck_verdict::mismatch) == indices{2}, report);
    BOOST_TEST(fg::gradcheck(exp_sin_over{}, slightly_off, x).passed());
}

BOOST_AUTO_TEST_CASE(complex_step_jacobian) {
    const auto report =
        fg::jacobian_check(fg::by_complex_step(three_outputs{}), three_outputs_jacobian, jacobian_point,
                           {.rtol = 1e-14, .atol = 0});
    BOOST_TEST(report.confirmed(), report);
    BOOST_TEST(report.evaluations == 1 + jacobian_point.size());
}

BOOST_AUTO_TEST_SUITE_END()

// ===================================================================================================

BOOST_AUTO_TEST_SUITE(fast_mode)

fg::gradcheck_report fast_check(std::size_t n, std::size_t& calls) {
    const auto x = filled_vector(n, 0.4);
    counting_x_sin_x::calls = 0;
    auto report = fg::gradcheck(counting_x_sin_x{}, x_sin_x_gradient, x, {.directions = 3});
    calls = counting_x_sin_x::calls;
    return report;
}

// k directions cost 1 + k·order evaluations whatever n: the same for n = 10 and n = 10000.
BOOST_AUTO_TEST_CASE(cost_does_not_depend_on_the_size) {
    std::size_t small_calls = 0, large_calls = 0;
    const auto small = fast_check(10, small_calls);
    const auto large = fast_check(10000, large_calls);
    BOOST_TEST(small.confirmed(), small);
    BOOST_TEST(large.confirmed(), large);
    BOOST_TEST(small_calls == 1u + 3u * 4u);
    BOOST_TEST(large_calls == small_calls);
    BOOST_TEST(small.evaluations == small_calls);
    BOOST_TEST(large.evaluations == large_calls);
    BOOST_TEST(large["x"].checked == 3u);
}

// A bug in every element (the x·cos x term's sign) is caught along every direction in n = 10000.
BOOST_AUTO_TEST_CASE(catches_a_global_bug) {
    const auto x = filled_vector(10000, 0.4);
    const auto buggy = [](const std::vector<double>& p) {
        std::vector<double> g(p.size());
        for (std::size_t i = 0; i < p.size(); ++i) g[i] = std::sin(p[i]) - p[i] * std::cos(p[i]);
        return g;
    };
    const auto report = fg::gradcheck(counting_x_sin_x{}, buggy, x, {.directions = 3});
    BOOST_TEST(!report.passed());
    BOOST_TEST(report["x"].failures == 3u);
}

// A bug in one element of 10 is caught too: along v it contributes error·vⱼ, with |vⱼ| ≥ 1/√10.
BOOST_AUTO_TEST_CASE(catches_a_bug_in_one_element) {
    const auto x = filled_vector(10, 0.4);
    const auto buggy = [](const std::vector<double>& p) {
        auto g = x_sin_x_gradient(p);
        g[6] *= 2;
        return g;
    };
    BOOST_REQUIRE(std::abs(x_sin_x_gradient(x)[6]) > 0.1);
    const auto report = fg::gradcheck(counting_x_sin_x{}, buggy, x, {.directions = 3});
    BOOST_TEST(report["x"].failures == 3u, report);
}

// Per block: a bug in W2 of the MLP fails W2's directions and leaves the other blocks passing.
BOOST_AUTO_TEST_CASE(per_block_directions_locate_the_block) {
    const auto report = fg::gradcheck(mlp_loss{}, mlp_with(mlp_bug::dW2_stored_transposed), mlp::parameters,
                                      {.directions = 4, .blocks = mlp::blocks});
    BOOST_TEST(report["W2"].checked == 4u);
    BOOST_TEST(report["W2"].failures > 0u, report);
    BOOST_TEST(report["W1"].passed(), report);
    BOOST_TEST(report["b1"].passed(), report);
    BOOST_TEST(report["b2"].passed(), report);
    // 1 unperturbed evaluation, then 4 directions of order 4 for each of the 4 blocks: the passing
    // blocks cost no second look, the failing one may.
    BOOST_TEST(report.evaluations >= 1u + 4u * 4u * 4u);
}

BOOST_AUTO_TEST_CASE(fast_jacobian) {
    const auto good = fg::jacobian_check(three_outputs{}, three_outputs_jacobian, jacobian_point, {.directions = 3});
    BOOST_TEST(good.confirmed(), good);
    BOOST_TEST(good.evaluations == 1u + 3u * 4u);
}

BOOST_AUTO_TEST_SUITE_END()

// ===================================================================================================

BOOST_AUTO_TEST_SUITE(point_types_and_forms)

// A span: f takes spans, the gradient is written into a span.
BOOST_AUTO_TEST_CASE(span_point_with_a_writing_gradient) {
    const std::vector<double> storage{0.3, -0.4, 1.2};
    auto f = [](std::span<const double> x) { return x[0] * x[0] * x[1] + std::exp(x[2]) * x[1]; };
    const auto g = [](std::span<const double> x, std::span<double> out) {
        out[0] = 2 * x[0] * x[1];
        out[1] = x[0] * x[0] + std::exp(x[2]);
        out[2] = std::exp(x[2]) * x[1];
    };
    const auto report = fg::gradcheck(f, g, std::span<const double>(storage));
    BOOST_TEST(report.confirmed(), report);
    BOOST_TEST(report["x"].rank == 1);
    BOOST_TEST(report["x"].cols == 3u);
    const auto wrong = [&](std::span<const double> x, std::span<double> out) {
        g(x, out);
        out[2] = 0;
    };
    BOOST_TEST(fg::gradcheck(f, wrong, std::span<const double>(storage))["x"].where(fg::gradcheck_verdict::mismatch) ==
               indices{2});
}

// A float array with a generic f: the reference is computed in double, with float tolerances.
BOOST_AUTO_TEST_CASE(float_array_with_a_generic_function) {
    const std::array<float, 3> x{0.5f, 2.0f, -0.75f};
    auto f = [](const auto& p) { return std::exp(p[0]) * p[1] + p[2] * p[2] * p[1]; };
    const auto g = [](const std::array<float, 3>& p, std::array<float, 3>& out) {
        out[0] = std::exp(p[0]) * p[1];
        out[1] = std::exp(p[0]) + p[2] * p[2];
        out[2] = 2 * p[2] * p[1];
    };
    const auto report = fg::gradcheck(f, g, x);
    BOOST_TEST(report.confirmed(), report);
    BOOST_TEST(report.scalar_type == "float");
    BOOST_TEST(report.reference_type == "double");
    BOOST_TEST(*report.options.rtol == 1e-3);
    BOOST_TEST(*report.options.atol == 1e-5);
    // The double reference sees the float gradient's rounding: nonzero, within float precision.
    BOOST_TEST(report["x"].max_rel_error > 0);
    BOOST_TEST(report["x"].max_rel_error < 1e-6);
}

// An f that only accepts float points: the reference is float, with float's step.
BOOST_AUTO_TEST_CASE(float_only_function) {
    auto f = [](const std::vector<float>& p) {
        float s = 0;
        for (float v : p) s += v * v * v;
        return s;
    };
    const auto g = [](const std::vector<float>& p) {
        std::vector<float> out;
        for (float v : p) out.push_back(3 * v * v);
        return out;
    };
    const std::vector<float> x{0.5f, -1.5f, 2.0f};
    const auto report = fg::gradcheck(f, g, x);
    BOOST_TEST(report.passed(), report);
    BOOST_TEST(report.scalar_type == "float");
    BOOST_TEST(report.reference_type == "float");
    BOOST_TEST(*report.options.step == std::pow(double(std::numeric_limits<float>::epsilon()), 1.0 / 5),
               boost::test_tools::tolerance(1e-12));
    const auto wrong = [&](const std::vector<float>& p) {
        auto out = g(p);
        out[1] = -out[1];
        return out;
    };
    BOOST_TEST(fg::gradcheck(f, wrong, x)["x"].where(fg::gradcheck_verdict::mismatch) == indices{1});
}

// A tensor point: its block is a matrix, and a bug at (1,1) is reported there.
BOOST_AUTO_TEST_CASE(tensor_point) {
    const fg::tensor<double, 2, 3> W{{1, 2, 3, 4, 5, 6}};
    auto f = [](const auto& w) {
        element_of<std::remove_cvref_t<decltype(w)>> s = 0;
        for (std::size_t i = 0; i < w.size(); ++i) s += w[i] * w[i] * (static_cast<double>(i) + 1.0);
        return s;
    };
    const auto g = [](const fg::tensor<double, 2, 3>& w) {
        fg::tensor<double, 2, 3> out;
        for (std::size_t i = 0; i < 6; ++i) out[i] = 2 * w[i] * (static_cast<double>(i) + 1.0);
        return out;
    };
    const auto report = fg::gradcheck(f, g, W);
    BOOST_TEST(report.confirmed(), report);
    const auto& b = report["x"];
    BOOST_TEST(b.rank == 2);
    BOOST_TEST(b.rows == 2u);
    BOOST_TEST(b.cols == 3u);
    BOOST_TEST(b.checked == 6u);

    const auto wrong = [&](const fg::tensor<double, 2, 3>& w) {
        auto out = g(w);
        out(1, 1) = 0;
        return out;
    };
    const auto bad = fg::gradcheck(f, wrong, W);
    BOOST_TEST(bad["x"].failures == 1u);
    BOOST_TEST(bad["x"].worst_row == 1u);
    BOOST_TEST(bad["x"].worst_col == 1u);
    BOOST_TEST(bad["x"].numeric == 2 * 5.0 * 5.0, boost::test_tools::tolerance(1e-9));
}

// grad_f(x, g) with g a std::vector, and grad_f(x, std::span<double>).
BOOST_AUTO_TEST_CASE(writing_gradients) {
    const auto into_vector = [](const std::vector<double>& x, std::vector<double>& g) { g = rosenbrock_gradient(x); };
    const auto into_span = [](const std::vector<double>& x, std::span<double> g) {
        const auto v = rosenbrock_gradient(x);
        std::copy(v.begin(), v.end(), g.begin());
    };
    BOOST_TEST(fg::gradcheck(rosenbrock{}, into_vector, rosenbrock_point).confirmed());
    BOOST_TEST(fg::gradcheck(rosenbrock{}, into_span, rosenbrock_point).confirmed());
    const auto span_with_bug = [](const std::vector<double>& x, std::span<double> g) {
        const auto v = rosenbrock_gradient(x);
        std::copy(v.begin(), v.end(), g.begin());
        g[5] *= 0.5;
    };
    BOOST_TEST(fg::gradcheck(rosenbrock{}, span_with_bug, rosenbrock_point)["x"].where(
                   fg::gradcheck_verdict::mismatch) == indices{5});
}

// The gradient as another range: a std::array of doubles for a vector point.
BOOST_AUTO_TEST_CASE(gradient_as_any_range) {
    const auto as_array = [](const std::vector<double>& x) {
        const auto g = gaussian_gradient(x);
        return std::array<double, 3>{g[0], g[1], g[2]};
    };
    BOOST_TEST(fg::gradcheck(gaussian_log_density{}, as_array, gaussian_point).confirmed());
}

// A Jacobian returned as rows, as a flat row-major range, or written into a span of m·n.
BOOST_AUTO_TEST_CASE(jacobian_forms) {
    const auto as_rows = fg::jacobian_check(three_outputs{}, three_outputs_jacobian, jacobian_point);
    const auto as_flat = fg::jacobian_check(
        three_outputs{}, [](const std::vector<double>& x) { return flat(three_outputs_jacobian(x)); }, jacobian_point);
    const auto written = fg::jacobian_check(
        three_outputs{},
        [](const std::vector<double>& x, std::span<double> J) {
            const auto v = flat(three_outputs_jacobian(x));
            BOOST_REQUIRE(J.size() == v.size());
            std::copy(v.begin(), v.end(), J.begin());
        },
        jacobian_point);
    for (const auto* r : {&as_rows, &as_flat, &written}) {
        BOOST_TEST(r->confirmed(), *r);
        BOOST_TEST((*r)["x"].outputs == 3u);
        BOOST_TEST((*r)["x"].checked == 9u);
        BOOST_TEST(r->evaluations == 1u + 4u * 3u);
    }
    BOOST_TEST(as_rows["x"].max_abs_error == as_flat["x"].max_abs_error);
}

// A long double reference differences finely enough to see past the rounding of a large offset. In
// double, 1e10 + Σ sin xᵢ is rounded to 1.9e-6, which any step up to 0.1 turns into an error of 1e-5 or
// more, beyond the tolerance: no double reference can confirm it. In x87 long double the rounding is
// 2048 times finer, and order 8's step (eps^(1/9) ≈ 7.7e-3) keeps its effect near 1e-7.
BOOST_AUTO_TEST_CASE(long_double_reference) {
    auto offset_sines = [](const auto& x) {
        using T = element_of<std::remove_cvref_t<decltype(x)>>;
        T s = T(1e10);
        for (std::size_t i = 0; i < x.size(); ++i) s += std::sin(x[i]);
        return s;
    };
    const std::vector<double> x{0.2, -0.6, 1.3};
    const auto in_double = fg::gradcheck(offset_sines, cosines, x, {.order = 8});
    BOOST_TEST(in_double.reference_type == "double");
    BOOST_TEST(!in_double.confirmed(), in_double);
    const auto in_long_double = fg::gradcheck(fg::in_long_double(offset_sines), cosines, x, {.order = 8});
    BOOST_TEST(in_long_double.reference_type == "long double");
    BOOST_TEST(in_long_double.scalar_type == "double");
    if constexpr (std::numeric_limits<long double>::digits >= 64)
        BOOST_TEST(in_long_double.confirmed(), in_long_double);

    const auto r = fg::gradcheck(fg::in_long_double(rosenbrock{}), rosenbrock_gradient, rosenbrock_point,
                                 {.order = 8, .rtol = 1e-12});
    BOOST_TEST(r.reference_type == "long double");
    BOOST_TEST(r.confirmed(), r);
}

BOOST_AUTO_TEST_SUITE_END()

// ===================================================================================================

BOOST_AUTO_TEST_SUITE(orders_and_richardson)

// Every stencil order confirms the zoo at `order` evaluations per element.
BOOST_AUTO_TEST_CASE(every_order_confirms_the_zoo) {
    for (auto& z : zoo())
        for (const int order : {2, 4, 6, 8}) {
            const auto report = fg::gradcheck(z.f, z.gradient, z.x, {.order = order, .blocks = z.blocks});
            BOOST_TEST(report.confirmed(), z.name << " order " << order << "\n" << report);
            BOOST_TEST(report.options.order == order);
            BOOST_TEST(report.evaluations == 1 + static_cast<std::size_t>(order) * z.x.size(), z.name);
            BOOST_TEST(*report.options.step == std::pow(std::numeric_limits<double>::epsilon(), 1.0 / (order + 1)),
                       boost::test_tools::tolerance(1e-12));
        }
}

// Richardson confirms the zoo, and the error it estimates for itself is within the tolerance bound at
// the worst element of every block.
BOOST_AUTO_TEST_CASE(richardson_confirms_the_zoo_with_its_error_estimate) {
    for (auto& z : zoo()) {
        const auto report =
            fg::gradcheck(z.f, z.gradient, z.x, {.method = fg::difference_method::richardson, .blocks = z.blocks});
        BOOST_TEST(report.confirmed(), z.name << "\n" << report);
        BOOST_TEST(*report.options.step == 0.1);
        for (const auto& b : report.blocks) {
            BOOST_TEST(b.error_estimate >= 0);
            BOOST_TEST(b.error_estimate <= tolerance_bound(b.analytic, b.numeric, 1e-6, 1e-8), z.name << " " << b.name);
            BOOST_TEST(b.max_rel_error <= 1e-9, z.name << " " << b.name);
        }
    }
}

// Every planted bug is caught by every order and by Richardson, at the same elements.
BOOST_AUTO_TEST_CASE(every_method_catches_every_planted_bug) {
    std::vector<fg::gradcheck_options> methods;
    for (const int order : {2, 4, 6, 8}) methods.push_back({.order = order});
    methods.push_back({.method = fg::difference_method::richardson});
    for (auto& bug : planted_bugs()) {
        const auto correct = bug.correct(bug.x), buggy = bug.buggy(bug.x);
        for (auto options : methods) {
            options.blocks = bug.blocks;
            const auto report = fg::gradcheck(bug.f, bug.buggy, bug.x, options);
            BOOST_TEST(!report.passed(), bug.name);
            std::size_t offset = 0;
            for (const auto& block : report.blocks) {
                const auto e = expected_from_closed_form(correct, buggy, offset, offset + block.size());
                BOOST_TEST(failing(block) == e.elements, bug.name << " order " << options.order << " block " << block.name);
                offset += block.size();
            }
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

// ===================================================================================================

BOOST_AUTO_TEST_SUITE(non_finite_values)

BOOST_AUTO_TEST_CASE(nan_in_the_gradient) {
    const auto g = [](const std::vector<double>& x) {
        auto out = cosines(x);
        out[1] = std::numeric_limits<double>::quiet_NaN();
        return out;
    };
    auto sines = [](const std::vector<double>& x) {
        double s = 0;
        for (double v : x) s += std::sin(v);
        return s;
    };
    const std::vector<double> x{0.1, 0.7, -1.3, 2.0};
    const auto report = fg::gradcheck(sines, g, x);
    const auto& b = report["x"];
    BOOST_TEST(!report.passed());
    BOOST_TEST(b.failures == 1u);
    BOOST_TEST(b.where(fg::gradcheck_verdict::non_finite) == indices{1});
    BOOST_TEST(b.where(fg::gradcheck_verdict::mismatch).empty());
    BOOST_TEST(b.worst_index == 1u);
    BOOST_TEST(std::isnan(b.findings.at(0).analytic));
    BOOST_TEST(b.findings.at(0).numeric == std::cos(0.7), boost::test_tools::tolerance(1e-9));
}

// log at 1e-5 with a step of 7.4e-4: the stencil leaves the domain, f is NaN there.
BOOST_AUTO_TEST_CASE(stencil_leaves_the_domain) {
    auto f = [](const std::vector<double>& x) { return std::log(x[0]) + x[1] * x[1]; };
    const auto g = [](const std::vector<double>& x) { return std::vector<double>{1 / x[0], 2 * x[1]}; };
    const std::vector<double> x{1e-5, 0.5};
    const auto report = fg::gradcheck(f, g, x);
    const auto& b = report["x"];
    BOOST_TEST(!report.passed());
    BOOST_TEST(b.where(fg::gradcheck_verdict::non_finite) == indices{0});
    BOOST_TEST(b.failures == 1u);
    BOOST_TEST(b.findings.at(0).analytic == 1e5, boost::test_tools::tolerance(1e-12));
    BOOST_TEST(!std::isfinite(b.findings.at(0).numeric));
    // A step that stays inside the domain (1e-8 < 1e-5) judges the same gradient correct.
    const auto small_step = fg::gradcheck(f, g, x, {.order = 2, .step = 1e-8});
    BOOST_TEST(small_step.passed(), small_step);
}

BOOST_AUTO_TEST_SUITE_END()

// ===================================================================================================

BOOST_AUTO_TEST_SUITE(hessians)

BOOST_AUTO_TEST_CASE(rosenbrock_hessian_passes) {
    const auto report = fg::hessian_check(rosenbrock_gradient, rosenbrock_hessian, rosenbrock_point);
    BOOST_TEST((report.kind == fg::gradcheck_kind::hessian));
    BOOST_TEST(report.confirmed(), report);
    BOOST_TEST(report.symmetric);
    BOOST_TEST(report.max_asymmetry == 0.0);
    BOOST_TEST(report["x"].outputs == 6u);
    BOOST_TEST(report["x"].checked == 36u);
    BOOST_TEST(report.evaluations == 1u + 4u * 6u);
}

// A constant Hessian: −P for the Gaussian.
BOOST_AUTO_TEST_CASE(gaussian_hessian_passes) {
    const auto minus_P = [](const std::vector<double>&) {
        std::vector<double> h;
        for (const auto& row : precision)
            for (double v : row) h.push_back(-v);
        return h;
    };
    const auto report = fg::hessian_check(gaussian_gradient, minus_P, gaussian_point, {.rtol = 1e-9});
    BOOST_TEST(report.confirmed(), report);
}

// H₁₂ off by 0.5, H₂₁ right: not symmetric, and the wrong entry (index 1·6 + 2) fails.
BOOST_AUTO_TEST_CASE(planted_asymmetry) {
    const auto asymmetric = [](const std::vector<double>& x) {
        auto h = rosenbrock_hessian(x);
        h[1 * 6 + 2] += 0.5;
        return h;
    };
    const auto report = fg::hessian_check(rosenbrock_gradient, asymmetric, rosenbrock_point);
    BOOST_TEST(!report.passed());
    BOOST_TEST(!report.symmetric);
    BOOST_TEST(report.max_asymmetry == 0.5, boost::test_tools::tolerance(1e-12));
    BOOST_TEST(report.asymmetry_row == 1u);
    BOOST_TEST(report.asymmetry_col == 2u);
    BOOST_TEST(report["x"].where(fg::gradcheck_verdict::mismatch) == indices{8});
    BOOST_TEST(contains(printed(report), "Hessian not symmetric"), printed(report));
}

// Symmetry alone fails the report, even when every entry matches the differences of grad_f: here
// grad_f and hessian_f share the same asymmetric slip (a non-conservative "gradient" field).
BOOST_AUTO_TEST_CASE(asymmetry_fails_even_when_entries_agree) {
    // g(x) = (x₀·x₁, 0): not a gradient; its Jacobian [[x₁, x₀], [0, 0]] is not symmetric.
    auto g = [](const std::vector<double>& x) { return std::vector<double>{x[0] * x[1], 0.0}; };
    const auto h = [](const std::vector<double>& x) { return std::vector<double>{x[1], x[0], 0.0, 0.0}; };
    const auto report = fg::hessian_check(g, h, std::vector<double>{0.7, -0.4});
    BOOST_TEST(report["x"].passed(), report);
    BOOST_TEST(!report.symmetric);
    BOOST_TEST(!report.passed());
    BOOST_TEST(report.max_asymmetry == 0.7, boost::test_tools::tolerance(1e-12));
}

// 600·x₃² in place of 1200·x₃² on the diagonal: entry (3,3), index 3·6 + 3, fails alone.
BOOST_AUTO_TEST_CASE(wrong_diagonal_factor) {
    const auto wrong = [](const std::vector<double>& x) {
        auto h = rosenbrock_hessian(x);
        h[3 * 6 + 3] -= 600 * x[3] * x[3];
        return h;
    };
    const auto correct = rosenbrock_hessian(rosenbrock_point);
    const auto report = fg::hessian_check(rosenbrock_gradient, wrong, rosenbrock_point);
    const auto& b = report["x"];
    BOOST_TEST(!report.passed());
    BOOST_TEST(report.symmetric);
    BOOST_TEST(b.failures == 1u);
    BOOST_TEST(b.worst_index == 21u);
    BOOST_TEST(b.worst_output == 3u);
    BOOST_TEST(b.worst_col == 3u);
    BOOST_TEST(b.numeric == correct[21], boost::test_tools::tolerance(1e-8));
}

BOOST_AUTO_TEST_CASE(hessian_by_complex_step) {
    const auto report = fg::hessian_check(fg::by_complex_step([](const auto& x) {
                                              using T = element_of<std::remove_cvref_t<decltype(x)>>;
                                              std::vector<T> g(x.size(), T(0));
                                              for (std::size_t i = 0; i + 1 < x.size(); ++i) {
                                                  g[i] += T(-400) * x[i] * (x[i + 1] - x[i] * x[i]) -
                                                          T(2) * (T(1) - x[i]);
                                                  g[i + 1] += T(200) * (x[i + 1] - x[i] * x[i]);
                                              }
                                              return g;
                                          }),
                                          rosenbrock_hessian, rosenbrock_point, {.rtol = 1e-13, .atol = 0});
    BOOST_TEST(report.confirmed(), report);
    BOOST_TEST(report.evaluations == 1u + rosenbrock_point.size());
}

BOOST_AUTO_TEST_SUITE_END()

// ===================================================================================================

BOOST_AUTO_TEST_SUITE(invalid_use)

BOOST_AUTO_TEST_CASE(blocks_that_do_not_cover_the_point) {
    // 12 + 4 + 8 = 24 of 26.
    const std::vector<fg::input_block> short_blocks{{"W1", 3, 4}, {"b1", 4}, {"W2", 4, 2}};
    BOOST_CHECK_THROW(fg::gradcheck(mlp_loss{}, mlp_with(mlp_bug::none), mlp::parameters, {.blocks = short_blocks}),
                      std::invalid_argument);
    const std::vector<fg::input_block> long_blocks{{"W1", 3, 4}, {"b1", 4}, {"W2", 4, 2}, {"b2", 3}};
    BOOST_CHECK_THROW(fg::gradcheck(mlp_loss{}, mlp_with(mlp_bug::none), mlp::parameters, {.blocks = long_blocks}),
                      std::invalid_argument);
    BOOST_CHECK_THROW(
        fg::jacobian_check(three_outputs{}, three_outputs_jacobian, jacobian_point, {.blocks = {{"a", 2}}}),
        std::invalid_argument);
}

std::string message_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "(nothing thrown)";
}

BOOST_AUTO_TEST_CASE(a_gradient_of_the_wrong_size_is_named_with_both_counts) {
    const std::vector<double> x{0.1, 0.2, 0.3};
    const auto seven = [](const std::vector<double>&) { return std::vector<double>(7, 1.0); };
    const std::string text = message_of([&] { (void)fg::gradcheck(log_sum_exp{}, seven, x); });
    BOOST_TEST(contains(text, "grad_f"), text);
    BOOST_TEST(contains(text, "7"), text);
    BOOST_TEST(contains(text, "3"), text);

    const auto five = [](const std::vector<double>&) { return std::vector<double>(5, 1.0); };
    const std::string jacobian = message_of([&] { (void)fg::jacobian_check(three_outputs{}, five, jacobian_point); });
    BOOST_TEST(contains(jacobian, "jacobian_f"), jacobian);
    BOOST_TEST(contains(jacobian, "5"), jacobian);
    BOOST_TEST(contains(jacobian, "9"), jacobian);

    const std::string hessian =
        message_of([&] { (void)fg::hessian_check(rosenbrock_gradient, rosenbrock_gradient, rosenbrock_point); });
    BOOST_TEST(contains(hessian, "hessian_f"), hessian);
    BOOST_TEST(contains(hessian, "36"), hessian);
}

BOOST_AUTO_TEST_CASE(invalid_options) {
    for (const int order : {0, 1, 3, 5, 10})
        BOOST_CHECK_THROW(fg::gradcheck(rosenbrock{}, rosenbrock_gradient, rosenbrock_point, {.order = order}),
                          std::invalid_argument);
    BOOST_CHECK_THROW(fg::gradcheck(rosenbrock{}, rosenbrock_gradient, rosenbrock_point, {.step = -1e-3}),
                      std::invalid_argument);
    BOOST_CHECK_THROW(fg::gradcheck(rosenbrock{}, rosenbrock_gradient, rosenbrock_point, {.rtol = -1.0}),
                      std::invalid_argument);
    BOOST_CHECK_THROW(fg::gradcheck(rosenbrock{}, rosenbrock_gradient, rosenbrock_point, {.atol = -1.0}),
                      std::invalid_argument);
    // The complex step is asked for by wrapping f, which declares that f accepts complex points.
    BOOST_CHECK_THROW(fg::gradcheck(rosenbrock{}, rosenbrock_gradient, rosenbrock_point,
                                    {.method = fg::difference_method::complex_step}),
                      std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

// ===================================================================================================

BOOST_AUTO_TEST_SUITE(boost_test_macros)

BOOST_AUTO_TEST_CASE(one_line_checks_of_correct_functions) {
    FUSEGRAD_CHECK_GRADIENT(rosenbrock{}, rosenbrock_gradient, rosenbrock_point);
    FUSEGRAD_CHECK_GRADIENT(mlp_loss{}, mlp_with(mlp_bug::none), mlp::parameters, {.order = 6, .blocks = mlp::blocks});
    FUSEGRAD_CHECK_JACOBIAN(three_outputs{}, three_outputs_jacobian, jacobian_point);
    FUSEGRAD_CHECK_HESSIAN(rosenbrock_gradient, rosenbrock_hessian, rosenbrock_point);
    FUSEGRAD_REQUIRE_GRADIENT(fg::by_complex_step(rosenbrock{}), rosenbrock_gradient, rosenbrock_point);
    FUSEGRAD_REQUIRE_JACOBIAN(three_outputs{}, three_outputs_jacobian, jacobian_point, {.directions = 2});
    FUSEGRAD_REQUIRE_HESSIAN(rosenbrock_gradient, rosenbrock_hessian, rosenbrock_point);
}

// A kink passes the macro (logged as a message, not a failure).
BOOST_AUTO_TEST_CASE(a_kink_passes_the_macro) {
    FUSEGRAD_CHECK_GRADIENT(kinked, kinked_gradient(1.0, 0.0, 1.0), at_the_kinks);
}

/// Assertions failed so far in the running test case.
unsigned long failures_so_far() {
    namespace ut = boost::unit_test;
    return ut::results_collector.results(ut::framework::current_test_case().p_id).p_assertions_failed;
}

/// For a case that expects exactly one failure, from the macro: Boost.Test passes a case with fewer
/// failures than expected (it only notes it), so a macro that wrongly passed fails the case twice here,
/// one more than expected.
void the_macro_must_have_failed_once() {
    if (failures_so_far() == 0) {
        BOOST_ERROR("the macro passed a planted bug");
        BOOST_ERROR("(a second failure, beyond the one expected)");
    }
}

// The macro must fail a test case with a planted bug: exactly one failure is expected here.
BOOST_AUTO_TEST_CASE(a_planted_bug_fails_the_macro, *boost::unit_test::expected_failures(1)) {
    FUSEGRAD_CHECK_GRADIENT(gaussian_log_density{}, planted("gaussian: +P").buggy, gaussian_point);
    the_macro_must_have_failed_once();
}

BOOST_AUTO_TEST_CASE(a_transposed_jacobian_fails_the_macro, *boost::unit_test::expected_failures(1)) {
    FUSEGRAD_CHECK_JACOBIAN(
        three_outputs{},
        [](const std::vector<double>& x) {
            auto j = three_outputs_jacobian(x);
            std::swap(j[1][2], j[2][1]);
            return j;
        },
        jacobian_point);
    the_macro_must_have_failed_once();
}

// An asymmetric Hessian fails the Hessian macro, though every entry may agree with grad_f's differences.
BOOST_AUTO_TEST_CASE(an_asymmetric_hessian_fails_the_macro, *boost::unit_test::expected_failures(1)) {
    FUSEGRAD_CHECK_HESSIAN(
        [](const std::vector<double>& x) { return std::vector<double>{x[0] * x[1], 0.0}; },
        [](const std::vector<double>& x) { return std::vector<double>{x[1], x[0], 0.0, 0.0}; },
        std::vector<double>{0.7, -0.4});
    the_macro_must_have_failed_once();
}

BOOST_AUTO_TEST_SUITE_END()

// ===================================================================================================

BOOST_AUTO_TEST_SUITE(json)

/// Braces and brackets outside strings nest properly and close.
bool balanced(const std::string& text) {
    std::vector<char> open;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\') ++i;
            else if (c == '"') in_string = false;
            continue;
        }
        if (c == '"') in_string = true;
        else if (c == '{' || c == '[') open.push_back(c);
        else if (c == '}' || c == ']') {
            if (open.empty() || open.back() != (c == '}' ? '{' : '[')) return false;
            open.pop_back();
        }
    }
    return open.empty() && !in_string;
}

BOOST_AUTO_TEST_CASE(a_failing_report) {
    const auto buggy = [](const std::vector<double>& x) {
        auto g = cosines(x);
        g[1] *= 2;
        return g;
    };
    const auto report = fg::gradcheck(noisy_sines, buggy, noisy_point);
    const std::string text = fg::to_json(report);
    BOOST_TEST(text.front() == '{');
    BOOST_TEST(text.back() == '}');
    BOOST_TEST(balanced(text), text);
    BOOST_TEST(contains(text, "\"passed\":false"), text);
    BOOST_TEST(contains(text, "\"verdict\":\"mismatch\""), text);
    BOOST_TEST(contains(text, "\"verdict\":\"noisy\""), text);
    BOOST_TEST(contains(text, "\"suggested_step\":"), text);
    BOOST_TEST(contains(text, "\"check\":\"gradcheck\""), text);
    BOOST_TEST(!contains(text, "nan"), text);
}

BOOST_AUTO_TEST_CASE(non_finite_numbers_become_null) {
    auto f = [](const std::vector<double>& x) { return std::log(x[0]) + x[1] * x[1]; };
    const auto g = [](const std::vector<double>& x) { return std::vector<double>{1 / x[0], 2 * x[1]}; };
    const std::string text = fg::to_json(fg::gradcheck(f, g, std::vector<double>{1e-5, 0.5}));
    BOOST_TEST(balanced(text), text);
    BOOST_TEST(contains(text, "\"verdict\":\"non_finite\""), text);
    BOOST_TEST(contains(text, "\"numeric\":null"), text);
    BOOST_TEST(!contains(text, "nan"), text);
    BOOST_TEST(!contains(text, "inf"), text);
}

BOOST_AUTO_TEST_CASE(kinks_jacobians_and_hessians) {
    const std::string kinks = fg::to_json(fg::gradcheck(kinked, kinked_gradient(1.0, 0.0, 1.0), at_the_kinks));
    BOOST_TEST(balanced(kinks), kinks);
    BOOST_TEST(contains(kinks, "\"passed\":true"), kinks);
    BOOST_TEST(contains(kinks, "\"confirmed\":false"), kinks);
    BOOST_TEST(contains(kinks, "\"verdict\":\"kink\""), kinks);

    const auto asymmetric = [](const std::vector<double>& x) {
        auto h = rosenbrock_hessian(x);
        h[1 * 6 + 2] += 0.5;
        return h;
    };
    const std::string hessian = fg::to_json(fg::hessian_check(rosenbrock_gradient, asymmetric, rosenbrock_point));
    BOOST_TEST(balanced(hessian), hessian);
    BOOST_TEST(contains(hessian, "\"symmetric\":false"), hessian);
    BOOST_TEST(contains(hessian, "\"check\":\"hessian_check\""), hessian);

    const std::string blocks = fg::to_json(fg::gradcheck(mlp_loss{}, mlp_with(mlp_bug::dW2_stored_transposed),
                                                         mlp::parameters, {.blocks = mlp::blocks}));
    BOOST_TEST(balanced(blocks), blocks);
    for (const char* name : {"\"name\":\"W1\"", "\"name\":\"b1\"", "\"name\":\"W2\"", "\"name\":\"b2\""})
        BOOST_TEST(contains(blocks, name), name);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(const_callables)

// A const f, a const std::function, const wrappers and a const grad_f under hessian_check: the checks
// take callables as they are passed (g++ once rejected each of these, binding them to F&).
BOOST_AUTO_TEST_CASE(are_called_as_they_are) {
    const auto square = [](const auto& x) { return x[0] * x[0] * x[1]; };
    const auto gradient = [](const std::vector<double>& x) { return std::vector<double>{2 * x[0] * x[1], x[0] * x[0]}; };
    const auto hessian = [](const std::vector<double>& x) {
        return std::vector<double>{2 * x[1], 2 * x[0], 2 * x[0], 0};
    };
    const std::function<double(const std::vector<double>&)> erased = square;
    const std::vector<double> x{0.5, -1.5};
    BOOST_TEST(fg::gradcheck(square, gradient, x).confirmed());
    BOOST_TEST(fg::gradcheck(erased, gradient, x).confirmed());
    BOOST_TEST(fg::gradcheck(fg::in_long_double(square), gradient, x).confirmed());
    const auto by_complex_step = fg::by_complex_step(square);
    BOOST_TEST(fg::gradcheck(by_complex_step, gradient, x).confirmed());
    BOOST_TEST(fg::hessian_check(gradient, hessian, x).confirmed());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(changing_output_count)

// A function whose number of outputs depends on the point has no Jacobian: a clear error, not a read past
// the end of its outputs.
BOOST_AUTO_TEST_CASE(is_rejected) {
    auto f = [](const std::vector<double>& x) { return std::vector<double>(x[0] > 0.5 ? 3 : 2, x[0]); };
    auto jacobian = [](const std::vector<double>&) { return std::vector<double>{1, 1}; };
    try {
        (void)fg::jacobian_check(f, jacobian, std::vector<double>{0.5});
        BOOST_FAIL("a changing output count was accepted");
    } catch (const std::invalid_argument& e) {
        BOOST_TEST(contains(e.what(), "f returned 2 values at x and 3 at a point near it"), e.what());
    }
}

BOOST_AUTO_TEST_SUITE_END()

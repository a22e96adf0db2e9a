#pragma once
// Shared helpers for fusegrad's Boost.Test suites: tolerant comparison of numbers and arrays, independent
// finite-difference references (long double for one variable, sixth-order in double for several), and a
// PRNG usable at compile time.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace fgtest {

/// Whether `piece` occurs in `text`: the tests read reports and diagnostics for what they must say.
inline bool contains(const std::string& text, const std::string& piece) {
    return text.find(piece) != std::string::npos;
}

/// What `<<` prints for a value (a gradcheck report, a graph).
template <class Printable>
std::string printed(const Printable& value) {
    std::ostringstream out;
    out << value;
    return out.str();
}

/// |a − b| ≤ rtol·|b| + atol, with NaN equal to NaN and infinities equal to themselves.
template <class A, class B>
bool close(A a, B b, long double rtol, long double atol) {
    const long double x = a, y = b;
    if (std::isnan(x) || std::isnan(y)) return std::isnan(x) && std::isnan(y);
    if (std::isinf(x) || std::isinf(y)) return x == y;
    return std::fabs(x - y) <= rtol * std::fabs(y) + atol;
}

/// Fourth-order central difference of a scalar function of one variable, in long double.
inline long double central_difference(const std::function<long double(long double)>& f, long double x,
                                      long double h = 1e-4L) {
    const long double step = h * std::fmax(1.0L, std::fabs(x));
    return (-f(x + 2 * step) + 8 * f(x + step) - 8 * f(x - step) + f(x - 2 * step)) / (12 * step);
}

/// splitmix64, usable at compile time: random graphs are chosen from a seed while the compiler builds them,
/// and their inputs from the same seed at run time.
struct splitmix64 {
    std::uint64_t state;

    constexpr std::uint64_t next() {
        std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    /// Uniform in [0, n), n > 0.
    constexpr int below(int n) { return static_cast<int>(next() % static_cast<std::uint64_t>(n)); }
    /// Uniform in [lo, hi).
    constexpr double uniform(double lo, double hi) {
        return lo + (hi - lo) * static_cast<double>(next() >> 11) * 0x1.0p-53;
    }
    /// n values uniform in [lo, hi).
    std::vector<double> uniform_vector(std::size_t n, double lo, double hi) {
        std::vector<double> v(n);
        for (auto& x : v) x = uniform(lo, hi);
        return v;
    }
};

/// Inputs of a function of several flat arrays: one std::vector<double> per variable.
using flat_inputs = std::vector<std::vector<double>>;

/// The Jacobian of f by sixth-order central differences in double: result[k][i] holds ∂f/∂x[k][i], one
/// entry per output of f. The step is h·max(1, |x|). Not a template: one copy serves every graph.
inline std::vector<std::vector<std::vector<double>>> numeric_jacobian(
    const std::function<std::vector<double>(const flat_inputs&)>& f, flat_inputs x, double h = 1e-3) {
    constexpr double weights[3] = {45.0 / 60, -9.0 / 60, 1.0 / 60};  // for ±1, ±2, ±3 steps
    std::vector<std::vector<std::vector<double>>> jacobian(x.size());
    for (std::size_t k = 0; k < x.size(); ++k) {
        for (std::size_t i = 0; i < x[k].size(); ++i) {
            const double x0 = x[k][i];
            const double step = h * std::fmax(1.0, std::fabs(x0));
            std::vector<double> d;
            for (int j = 1; j <= 3; ++j) {
                x[k][i] = x0 + j * step;
                const std::vector<double> plus = f(x);
                x[k][i] = x0 - j * step;
                const std::vector<double> minus = f(x);
                d.resize(plus.size());
                for (std::size_t o = 0; o < plus.size(); ++o) d[o] += weights[j - 1] * (plus[o] - minus[o]) / step;
            }
            x[k][i] = x0;
            jacobian[k].push_back(std::move(d));
        }
    }
    return jacobian;
}

/// The gradient of a scalar f by numeric_jacobian: result[k][i] = ∂f/∂x[k][i].
inline flat_inputs numeric_gradient(const std::function<double(const flat_inputs&)>& f, const flat_inputs& x,
                                    double h = 1e-3) {
    const auto jacobian = numeric_jacobian([&](const flat_inputs& at) { return std::vector<double>{f(at)}; }, x, h);
    flat_inputs g(x.size());
    for (std::size_t k = 0; k < x.size(); ++k)
        for (const auto& row : jacobian[k]) g[k].push_back(row.at(0));
    return g;
}

/// Compares two arrays elementwise with |a − e| ≤ rtol·|e| + atol·max(1, max|e|): the absolute floor
/// scales with the largest expected entry, so cancellation in a small entry is judged against the whole.
/// Returns "" when all agree, else a description of the first disagreements (for BOOST_TEST's message).
template <class Actual, class Expected>
std::string compare_arrays(const Actual& actual, const Expected& expected, long double rtol, long double atol,
                           const std::string& what = "") {
    std::ostringstream out;
    const std::size_t n = std::size(expected);
    if (std::size(actual) != n) {
        out << what << ": size " << std::size(actual) << ", expected " << n;
        return out.str();
    }
    long double scale = 1;
    for (const auto& e : expected) scale = std::fmax(scale, std::fabs(static_cast<long double>(e)));
    int shown = 0;
    auto a = std::begin(actual);
    auto e = std::begin(expected);
    for (std::size_t i = 0; i < n; ++i, ++a, ++e) {
        if (!close(*a, *e, rtol, atol * scale) && shown++ < 4) {
            out.precision(17);
            out << what << "[" << i << "] = " << static_cast<long double>(*a) << ", expected "
                << static_cast<long double>(*e) << "; ";
        }
    }
    return out.str();
}

}  // namespace fgtest

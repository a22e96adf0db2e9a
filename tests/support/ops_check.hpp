#pragma once
// Helpers of the ops suites (tests/ops/*_test.cpp): elementwise expressions evaluated through the compiled
// graph at many points, a sixth-order central difference in long double, tolerant checks with readable
// messages, and the extreme inputs every op is run at.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <iomanip>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <boost/test/unit_test.hpp>
#include <fusegrad/fusegrad.hpp>

#include "fp_exceptions.hpp"
#include "test_support.hpp"

namespace fgtest::ops {

/// |got − expected| ≤ rtol·|expected| + atol (see fgtest::close for NaN and infinities).
struct bound {
    long double rtol;
    long double atol;
};

/// Prints a number with every digit that distinguishes it.
struct number {
    long double value;
};
inline std::ostream& operator<<(std::ostream& os, number n) {
    const auto flags = os.flags();
    const auto precision = os.precision();
    os << std::setprecision(21) << n.value;
    os.flags(flags);
    os.precision(precision);
    return os;
}

/// Where a comparison was made: an input x.
struct at_x {
    long double x;
};
inline std::ostream& operator<<(std::ostream& os, at_x a) { return os << "x = " << number{a.x}; }

/// One comparison; a failure names the op, what was compared, where (an at_x or any printable
/// description) and both numbers.
template <class Where, class A>
void check_close(std::string_view op, std::string_view what, const Where& where, A got, long double expected,
                 bound b) {
    BOOST_CHECK_MESSAGE(fgtest::close(got, expected, b.rtol, b.atol),
                        op << ": " << what << " at " << where << " is " << number{got} << ", expected "
                           << number{expected} << " (rtol " << number{b.rtol} << ", atol " << number{b.atol}
                           << ")");
}

/// Points go through the compiled graph eight at a time, as the elements of one vector variable.
inline constexpr std::size_t chunk = 8;
inline constexpr fusegrad::var<"x", chunk> chunk_var;

/// Values of an elementwise expression and the products seed·f′ from its vector-Jacobian product.
template <class T>
struct pointwise {
    std::vector<T> value;
    std::vector<T> grad;
};

/// The width of the exception checks' fixed-shape vector: past the 18 elements from which clang vectorises a
/// loop of constant count instead of unrolling it, and two 16-lane vectors and a scalar tail.
inline constexpr std::size_t wide_chunk = 33;

/// Evaluates `make(var<"x", Width>)` compiled in T at every x (one vjp per chunk of Width, seed 1 unless
/// given). The last chunk is padded with the last point, whose results are dropped.
template <class T, std::size_t Width = chunk, class Make>
pointwise<T> evaluate(const Make& make, const std::vector<T>& xs, const std::vector<T>& seed = {}) {
    constexpr fusegrad::var<"x", Width> x;
    auto f = fusegrad::compile<T>(make(x));
    pointwise<T> r;
    for (std::size_t start = 0; start < xs.size(); start += Width) {
        fusegrad::tensor<T, Width> in, w;
        for (std::size_t i = 0; i < Width; ++i) {
            const std::size_t k = std::min(start + i, xs.size() - 1);
            in[i] = xs[k];
            w[i] = seed.empty() ? T(1) : seed[k];
        }
        const auto [out, grad] = f.vjp(w, fusegrad::wrt(x), x = in);
        for (std::size_t i = 0; i < Width && start + i < xs.size(); ++i) {
            r.value.push_back(out[i]);
            r.grad.push_back(grad[x][i]);
        }
    }
    return r;
}

/// A batch of one-element rows: the evaluator's loop over it has a run-time count, so it runs as compiled
/// code usually does, whole vectors and then a scalar tail.
inline constexpr fusegrad::var<"x", fusegrad::batch, 1> rows_var;

/// Evaluates `make(rows_var)` compiled in T on all of xs at once (value and vjp, seed 1).
template <class T, class Make>
pointwise<T> evaluate_rows(const Make& make, const std::vector<T>& xs) {
    auto f = fusegrad::compile<T>(make(rows_var));
    const auto [out, grad] = f.vjp(std::vector<T>(xs.size(), T(1)), fusegrad::wrt(rows_var), rows_var = xs);
    return {{out.begin(), out.end()}, {grad[rows_var].begin(), grad[rows_var].end()}};
}

/// An elementwise expression `Make{}(x)` compiled in double and in float, behind function pointers: the
/// checks that use it need not be templates, which keeps the suites' compile times down. Make is the
/// type of a captureless lambda. `run` goes through chunks of `chunk`, `run_wide` through chunks of
/// `wide_chunk` (seed 1), `run_rows` through one batch.
struct pointwise_functions {
    pointwise<double> (*run_double)(const std::vector<double>&, const std::vector<double>&);
    pointwise<float> (*run_float)(const std::vector<float>&, const std::vector<float>&);
    pointwise<double> (*wide_double)(const std::vector<double>&);
    pointwise<float> (*wide_float)(const std::vector<float>&);
    pointwise<double> (*rows_double)(const std::vector<double>&);
    pointwise<float> (*rows_float)(const std::vector<float>&);

    template <class T>
    pointwise<T> run(const std::vector<T>& xs, const std::vector<T>& seed = {}) const {
        if constexpr (std::is_same_v<T, float>) return run_float(xs, seed);
        else return run_double(xs, seed);
    }
    template <class T>
    pointwise<T> run_wide(const std::vector<T>& xs) const {
        if constexpr (std::is_same_v<T, float>) return wide_float(xs);
        else return wide_double(xs);
    }
    template <class T>
    pointwise<T> run_rows(const std::vector<T>& xs) const {
        if constexpr (std::is_same_v<T, float>) return rows_float(xs);
        else return rows_double(xs);
    }
};

template <class Make>
pointwise_functions pointwise_functions_of() {
    return {[](const std::vector<double>& x, const std::vector<double>& w) { return evaluate<double>(Make{}, x, w); },
            [](const std::vector<float>& x, const std::vector<float>& w) { return evaluate<float>(Make{}, x, w); },
            [](const std::vector<double>& x) { return evaluate<double, wide_chunk>(Make{}, x); },
            [](const std::vector<float>& x) { return evaluate<float, wide_chunk>(Make{}, x); },
            [](const std::vector<double>& x) { return evaluate_rows<double>(Make{}, x); },
            [](const std::vector<float>& x) { return evaluate_rows<float>(Make{}, x); }};
}

/// The finite-difference step 2⁻¹² · 2^⌊log2 scale⌋: a power of two, so x ± k·h is exact in long double
/// for every double x (the stencil sees exactly the steps it assumes).
inline long double step_for(long double scale) { return std::ldexp(1.0L, std::ilogb(scale) - 12); }

/// Sixth-order central difference of f at x in long double. Truncation ≈ h⁶·f⁽⁷⁾/140, rounding ≈
/// 2·eps·|f|/h with eps = 1.1e-19; the stencil spans ±3h, so points 1e-3 from a kink are safe for h ≤ 2⁻¹².
template <class F>
long double derivative6(const F& f, long double x, long double h = 0x1p-12L) {
    return (45 * (f(x + h) - f(x - h)) - 9 * (f(x + 2 * h) - f(x - 2 * h)) + (f(x + 3 * h) - f(x - 3 * h))) /
           (60 * h);
}

/// ±0, ±denormal, ±1e4, ±max, ±inf and NaN.
template <class T>
std::vector<T> extreme_inputs() {
    using limits = std::numeric_limits<T>;
    const T denormal = std::is_same_v<T, float> ? T(1e-40f) : T(1e-310);
    return {T(0),           -T(0),           denormal,          -denormal,         T(1e4), T(-1e4),
            limits::max(), -limits::max(), limits::infinity(), -limits::infinity(), limits::quiet_NaN()};
}

/// The extreme inputs and ±1e15 and ±1e30 in float (±1e120 and ±1e200 in double), whose cubes or squares
/// overflow T: a polynomial piece that a select discards must not be formed on them.
template <class T>
std::vector<T> exception_inputs() {
    std::vector<T> xs = extreme_inputs<T>();
    for (const T big : std::is_same_v<T, float> ? std::vector<T>{T(1e15f), T(1e30f)} : std::vector<T>{T(1e120), T(1e200)}) {
        xs.push_back(big);
        xs.push_back(-big);
    }
    return xs;
}

/// At every finite exception input where the exact value f and derivative df (long double) are finite in T,
/// the compiled value and vjp raise no trappable floating-point exception: a vector loop computes both
/// sides of a select, and the side not taken must not overflow either. Each input fills one chunk, one
/// wide chunk, and a batch of each of the exception lengths. `op` names the op in a failure.
template <class T>
void check_no_exception_at_extremes(const std::string& op, const pointwise_functions& compiled,
                                    long double (*f)(long double), long double (*df)(long double)) {
    for (const T x : exception_inputs<T>()) {
        if (!std::isfinite(x)) continue;
        if (!std::isfinite(static_cast<T>(f(x))) || !std::isfinite(static_cast<T>(df(x)))) continue;
        const int raised = fgtest::exceptions_raised_by([&] { compiled.run(std::vector<T>{x}); });
        BOOST_CHECK_MESSAGE(raised == 0, op << " at " << at_x{x} << " raises " << fgtest::exception_names(raised));
        const int wide = fgtest::exceptions_raised_by([&] { compiled.run_wide(std::vector<T>{x}); });
        BOOST_CHECK_MESSAGE(wide == 0, op << " at " << at_x{x} << " in a vector of " << wide_chunk << " raises "
                                          << fgtest::exception_names(wide));
        for (const std::size_t n : fgtest::exception_lengths) {
            const std::vector<T> xs(n, x);
            const int in_rows = fgtest::exceptions_raised_by([&] { compiled.run_rows(xs); });
            BOOST_CHECK_MESSAGE(in_rows == 0, op << " at " << at_x{x} << " on a batch of " << n << " raises "
                                                 << fgtest::exception_names(in_rows));
        }
    }
}

/// The same points in another precision.
template <class To, class From>
std::vector<To> converted(const std::vector<From>& xs) {
    return std::vector<To>(xs.begin(), xs.end());
}

}  // namespace fgtest::ops

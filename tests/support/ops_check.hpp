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

/// Evaluates `make(chunk_var)` compiled in T at every x (one vjp per chunk, seed 1 unless given). The last
/// chunk is padded with the last point, whose results are dropped.
template <class T, class Make>
pointwise<T> evaluate(const Make& make, const std::vector<T>& xs, const std::vector<T>& seed = {}) {
    auto f = fusegrad::compile<T>(make(chunk_var));
    pointwise<T> r;
    for (std::size_t start = 0; start < xs.size(); start += chunk) {
        fusegrad::tensor<T, chunk> in, w;
        for (std::size_t i = 0; i < chunk; ++i) {
            const std::size_t k = std::min(start + i, xs.size() - 1);
            in[i] = xs[k];
            w[i] = seed.empty() ? T(1) : seed[k];
        }
        const auto [out, grad] = f.vjp(w, fusegrad::wrt(chunk_var), chunk_var = in);
        for (std::size_t i = 0; i < chunk && start + i < xs.size(); ++i) {
            r.value.push_back(out[i]);
            r.grad.push_back(grad[chunk_var][i]);
        }
    }
    return r;
}

/// An elementwise expression `Make{}(x)` compiled in double and in float, behind function pointers: the
/// checks that use it need not be templates, which keeps the suites' compile times down. Make is the
/// type of a captureless lambda.
struct pointwise_functions {
    pointwise<double> (*run_double)(const std::vector<double>&, const std::vector<double>&);
    pointwise<float> (*run_float)(const std::vector<float>&, const std::vector<float>&);

    template <class T>
    pointwise<T> run(const std::vector<T>& xs, const std::vector<T>& seed = {}) const {
        if constexpr (std::is_same_v<T, float>) return run_float(xs, seed);
        else return run_double(xs, seed);
    }
};

template <class Make>
pointwise_functions pointwise_functions_of() {
    return {[](const std::vector<double>& x, const std::vector<double>& w) { return evaluate<double>(Make{}, x, w); },
            [](const std::vector<float>& x, const std::vector<float>& w) { return evaluate<float>(Make{}, x, w); }};
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

/// At every finite extreme input where the exact value f and derivative df (long double) are finite in T,
/// the compiled value and vjp raise no trappable floating-point exception: a vector loop computes both
/// sides of a select, and the side not taken must not overflow either. `op` names the op in a failure.
template <class T>
void check_no_exception_at_extremes(const std::string& op, const pointwise_functions& compiled,
                                    long double (*f)(long double), long double (*df)(long double)) {
    for (const T x : extreme_inputs<T>()) {
        if (!std::isfinite(x)) continue;
        if (!std::isfinite(static_cast<T>(f(x))) || !std::isfinite(static_cast<T>(df(x)))) continue;
        const int raised = fgtest::exceptions_raised_by([&] { compiled.run(std::vector<T>{x}); });
        BOOST_CHECK_MESSAGE(raised == 0, op << " at " << at_x{x} << " raises " << fgtest::exception_names(raised));
    }
}

/// The same points in another precision.
template <class To, class From>
std::vector<To> converted(const std::vector<From>& xs) {
    return std::vector<To>(xs.begin(), xs.end());
}

}  // namespace fgtest::ops

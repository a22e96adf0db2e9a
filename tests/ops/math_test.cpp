#define BOOST_TEST_MODULE fusegrad math
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <fusegrad/fusegrad.hpp>

#include "ops_check.hpp"

// exp log log1p expm1 sqrt square abs pow negate and + − × ÷ (with broadcasting), through compiled
// graphs, against closed forms in long double: values, derivatives (closed form and sixth-order finite
// differences, 50+ points over each op's domain), float, and extreme inputs.

namespace fg = fusegrad;
using fgtest::ops::at_x;
using fgtest::ops::bound;
using fgtest::ops::check_close;

namespace {

using real = long double;
constexpr real nan = std::numeric_limits<real>::quiet_NaN();

// ---------------------------------------------------------------------------------------------------
// Unary ops
// ---------------------------------------------------------------------------------------------------

/// 10^e for e = from, from + step, …, to.
std::vector<double> powers_of_ten(int from, int to, int step) {
    std::vector<double> p;
    for (int e = from; e <= to; e += step) p.push_back(std::pow(10.0, e));
    return p;
}

/// The points and their negatives.
std::vector<double> both_signs(const std::vector<double>& p) {
    std::vector<double> r = p;
    for (double x : p) r.push_back(-x);
    return r;
}

std::vector<double> concat(std::vector<double> a, const std::vector<double>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

/// limit·t³ for t evenly spaced in [−1, 1]: dense near 0, reaching ±limit.
std::vector<double> cubic_spread(double limit, int n) {
    std::vector<double> p;
    for (int k = 0; k < n; ++k) {
        const double t = -1.0 + 2.0 * k / (n - 1);
        p.push_back(limit * t * t * t);
    }
    return p;
}

/// A unary op: the fusegrad expression (behind function pointers), its closed form and derivative in
/// long double, the points of its domain, and the scale its finite-difference step follows (1 for exp,
/// |x| for log, the distance to the pole for log1p). `output_cancels`: the backward rule reads the
/// output y in a way that loses the derivative's relative accuracy where it is tiny next to |y| (expm1′
/// is y + 1, as in PyTorch and JAX; at x = −40 it is 0 instead of 4e-18), so the derivative also gets
/// an absolute allowance of 2·eps·|y|.
struct unary_case {
    std::string_view name;
    fgtest::ops::pointwise_functions compiled;
    real (*f)(real);
    real (*df)(real);
    std::vector<double> points;
    real (*scale)(real);
    bool output_cancels = false;
    bool constant_derivative = false;  // negate: −1 even at NaN
};

template <class Make>
fgtest::ops::pointwise_functions compiled(Make) {
    return fgtest::ops::pointwise_functions_of<Make>();
}

real unit_scale(real) { return 1; }
real magnitude(real x) { return std::fabs(x); }
real distance_from_minus_one(real x) { return std::fabs(1 + x); }

std::vector<unary_case> unary_cases() {
    const auto positive = powers_of_ten(-300, 300, 10);
    const auto near_one = std::vector<double>{0.5, 1 - 0x1p-20, 1.0, 1 + 0x1p-20, 2.0, 3.0};
    std::vector<double> above_minus_one;
    for (int e = -12; e <= -1; ++e) above_minus_one.push_back(-1.0 + std::pow(10.0, e));
    const auto tiny = both_signs(powers_of_ten(-300, -20, 40));
    const auto power_points = powers_of_ten(-100, 100, 4);
    return {
        {"exp", compiled([](const auto& x) { return fg::exp(x); }), [](real x) { return std::exp(x); },
         [](real x) { return std::exp(x); }, concat(cubic_spread(700, 51), tiny), unit_scale},
        {"log", compiled([](const auto& x) { return fg::log(x); }), [](real x) { return std::log(x); },
         [](real x) { return 1 / (x == 0 ? 0 : x); }, concat(positive, near_one), magnitude},
        {"log1p", compiled([](const auto& x) { return fg::log1p(x); }), [](real x) { return std::log1p(x); },
         [](real x) { return 1 / (1 + x); },
         concat(concat(above_minus_one, both_signs(powers_of_ten(-300, -1, 20))), powers_of_ten(0, 300, 20)),
         distance_from_minus_one},
        {"expm1", compiled([](const auto& x) { return fg::expm1(x); }), [](real x) { return std::expm1(x); },
         [](real x) { return std::exp(x); }, concat(cubic_spread(700, 41), tiny), unit_scale, true},
        {"sqrt", compiled([](const auto& x) { return fg::sqrt(x); }), [](real x) { return std::sqrt(x); },
         [](real x) { return x < 0 ? nan : 0.5L / std::sqrt(std::fabs(x)); }, positive, magnitude},
        {"square", compiled([](const auto& x) { return fg::square(x); }), [](real x) { return x * x; },
         [](real x) { return 2 * x; }, both_signs(powers_of_ten(-150, 150, 10)), magnitude},
        {"abs", compiled([](const auto& x) { return fg::abs(x); }), [](real x) { return std::fabs(x); },
         [](real x) { return x > 0 ? 1 : (x < 0 ? -1 : (x == 0 ? 0 : x)); }, both_signs(powers_of_ten(-300, 300, 20)),
         magnitude},
        {"negate", compiled([](const auto& x) { return -x; }), [](real x) { return -x; }, [](real) { return -1.0L; },
         both_signs(powers_of_ten(-300, 300, 20)), magnitude, false, true},
        {"pow(x, 2)", compiled([](const auto& x) { return fg::pow(x, 2.0); }), [](real x) { return std::pow(x, 2.0L); },
         [](real x) { return 2 * x; }, both_signs(powers_of_ten(-100, 100, 8)), magnitude},
        {"pow(x, 3)", compiled([](const auto& x) { return fg::pow(x, 3.0); }), [](real x) { return std::pow(x, 3.0L); },
         [](real x) { return 3 * std::pow(x, 2.0L); }, both_signs(powers_of_ten(-100, 100, 8)), magnitude},
        {"pow(x, -1)", compiled([](const auto& x) { return fg::pow(x, -1.0); }),
         [](real x) { return std::pow(x, -1.0L); }, [](real x) { return -std::pow(x, -2.0L); },
         both_signs(powers_of_ten(-100, 100, 8)), magnitude},
        {"pow(x, 0.5)", compiled([](const auto& x) { return fg::pow(x, 0.5); }),
         [](real x) { return std::pow(x, 0.5L); }, [](real x) { return 0.5L * std::pow(x, -0.5L); }, power_points,
         magnitude},
        {"pow(x, 2.5)", compiled([](const auto& x) { return fg::pow(x, 2.5); }),
         [](real x) { return std::pow(x, 2.5L); }, [](real x) { return 2.5L * std::pow(x, 1.5L); }, power_points,
         magnitude},
        {"pow(x, -0.5)", compiled([](const auto& x) { return fg::pow(x, -0.5); }),
         [](real x) { return std::pow(x, -0.5L); }, [](real x) { return -0.5L * std::pow(x, -1.5L); }, power_points,
         magnitude},
        // Exponents are exact in float, and so is p − 1: a float graph rounds its constants to float, and
        // the derivative's p − 1 is rounded in double, which is an error of ≈ eps·|p − 1|·|log x|.
        {"pow(x, 0.375)", compiled([](const auto& x) { return fg::pow(x, 0.375); }),
         [](real x) { return std::pow(x, 0.375L); }, [](real x) { return 0.375L * std::pow(x, -0.625L); }, power_points,
         magnitude},
    };
}

template <class T>
std::string tagged(std::string_view name) {
    return std::string(name) + (std::is_same_v<T, float> ? " (float)" : " (double)");
}

/// Values and derivatives in T at the case's points (rounded to T) against the closed forms, evaluated in
/// long double at the same T inputs and rounded to T (so overflow to inf and underflow to 0 agree).
/// Library functions are within an ulp or two; the derivatives compose two roundings and a library call.
template <class T>
void check_closed_forms_in(const unary_case& c) {
    const auto xs = fgtest::ops::converted<T>(c.points);
    const auto r = c.compiled.run(xs);
    constexpr real eps = std::numeric_limits<T>::epsilon();
    constexpr real denormal = std::numeric_limits<T>::denorm_min();
    for (std::size_t k = 0; k < xs.size(); ++k) {
        const real x = xs[k], y = c.f(x);
        check_close(tagged<T>(c.name), "value", at_x{x}, r.value[k], static_cast<T>(y), {4 * eps, 4 * denormal});
        const real allowance = c.output_cancels ? 2 * eps * std::fabs(y) : 0;
        check_close(tagged<T>(c.name), "derivative", at_x{x}, r.grad[k], static_cast<T>(c.df(x)),
                    {8 * eps, 4 * denormal + allowance});
    }
}

/// The derivative (double) against a sixth-order central difference of the closed form in long double,
/// with the step 2⁻¹²·scale(x) rounded down to a power of two. FD rounding is ≈ 2·1.1e-19·|f|/h.
void check_finite_differences(const unary_case& c) {
    BOOST_CHECK_MESSAGE(c.points.size() >= 50, c.name << ": only " << c.points.size() << " points");
    const auto r = c.compiled.run(c.points);
    for (std::size_t k = 0; k < c.points.size(); ++k) {
        const real x = c.points[k];
        const real h = fgtest::ops::step_for(c.scale(x));
        const real fd = fgtest::ops::derivative6(c.f, x, h);
        check_close(c.name, "derivative vs finite difference", at_x{x}, r.grad[k], fd,
                    {1e-11L, 4e-18L * std::fabs(c.f(x)) / h});
    }
}

/// ±0, ±denormal, ±1e4, ±max, ±inf, NaN against the closed forms, which follow IEEE 754 at infinities and
/// zeros. Outside an op's domain (log of a negative number) the value must be NaN, and the derivative is
/// not checked; a NaN input gives NaN in value and derivative (negate's derivative is the constant −1).
template <class T>
void check_extremes_in(const unary_case& c) {
    const auto xs = fgtest::ops::extreme_inputs<T>();
    const auto r = c.compiled.run(xs);
    constexpr real eps = std::numeric_limits<T>::epsilon();
    constexpr real denormal = std::numeric_limits<T>::denorm_min();
    for (std::size_t k = 0; k < xs.size(); ++k) {
        const real x = xs[k], y = c.f(x);
        const std::string op = tagged<T>(c.name);
        if (std::isnan(x)) {
            BOOST_CHECK_MESSAGE(std::isnan(r.value[k]), op << ": value at NaN is " << r.value[k]);
            if (!c.constant_derivative)
                BOOST_CHECK_MESSAGE(std::isnan(r.grad[k]), op << ": derivative at NaN is " << r.grad[k]);
            continue;
        }
        check_close(op, "extreme value", at_x{x}, r.value[k], static_cast<T>(y), {4 * eps, 4 * denormal});
        if (std::isnan(y)) continue;
        const real allowance = c.output_cancels ? 2 * eps * std::fabs(y) : 0;
        check_close(op, "extreme derivative", at_x{x}, r.grad[k], static_cast<T>(c.df(x)),
                    {8 * eps, 4 * denormal + allowance});
    }
}

// ---------------------------------------------------------------------------------------------------
// Binary ops with broadcasting
// ---------------------------------------------------------------------------------------------------

/// + − × ÷ in closed form: value and both partial derivatives.
struct binary_op {
    std::string_view name;
    real (*f)(real, real);
    real (*da)(real, real);
    real (*db)(real, real);
};

const binary_op binary_ops[] = {
    {"+", [](real a, real b) { return a + b; }, [](real, real) { return 1.0L; }, [](real, real) { return 1.0L; }},
    {"-", [](real a, real b) { return a - b; }, [](real, real) { return 1.0L; }, [](real, real) { return -1.0L; }},
    {"*", [](real a, real b) { return a * b; }, [](real, real b) { return b; }, [](real a, real) { return a; }},
    {"/", [](real a, real b) { return a / b; }, [](real, real b) { return 1 / b; },
     [](real a, real b) { return -a / (b * b); }},
};

/// The operands: a 3 × 4 matrix, a second one, a scalar, a bias vector of 4 (broadcast over the rows)
/// and a column of 3 (broadcast over the columns).
constexpr fg::var<"A", 3, 4> matrix;
constexpr fg::var<"B", 3, 4> other_matrix;
constexpr fg::var<"s"> scalar;
constexpr fg::var<"b", 4> bias;
constexpr fg::var<"c", 3, 1> column;
constexpr std::size_t out_rows = 3, out_cols = 4;

struct extent {
    std::size_t rows, cols;
};

template <class V>
constexpr extent extent_of() {
    return {V::shape.rows, V::shape.cols};
}

/// Index into an operand of the element it contributes to output (i, j).
std::size_t broadcast_index(extent e, std::size_t i, std::size_t j) {
    return (e.rows == 1 ? 0 : i) * e.cols + (e.cols == 1 ? 0 : j);
}

template <class T>
struct binary_result {
    std::vector<T> y, ga, gb;
};

/// One op applied to one pair of operands, compiled in double and float: the vjp with respect to both.
struct binary_case {
    binary_op op;
    std::string pairing;
    extent a, b;
    binary_result<double> (*run_double)(const std::vector<double>&, const std::vector<double>&, const std::vector<double>&);
    binary_result<float> (*run_float)(const std::vector<float>&, const std::vector<float>&, const std::vector<float>&);

    template <class T>
    binary_result<T> run(const std::vector<T>& a_data, const std::vector<T>& b_data, const std::vector<T>& seed) const {
        if constexpr (std::is_same_v<T, float>) return run_float(a_data, b_data, seed);
        else return run_double(a_data, b_data, seed);
    }
};

template <class T, class Op, class L, class R>
binary_result<T> run_binary(const std::vector<T>& a, const std::vector<T>& b, const std::vector<T>& seed) {
    auto f = fg::compile<T>(Op{}(L{}, R{}));
    const auto [y, grad] = f.vjp(seed, fg::wrt(L{}, R{}), L{} = a, R{} = b);
    return {{y.begin(), y.end()}, {grad[L{}].begin(), grad[L{}].end()}, {grad[R{}].begin(), grad[R{}].end()}};
}

template <class Op, class L, class R>
binary_case binary_case_of(const binary_op& op, std::string_view left, std::string_view right) {
    return {op,
            std::string(left) + " " + std::string(op.name) + " " + std::string(right),
            extent_of<L>(),
            extent_of<R>(),
            run_binary<double, Op, L, R>,
            run_binary<float, Op, L, R>};
}

template <class Op>
void add_pairings(std::vector<binary_case>& cases, const binary_op& op) {
    using A = std::remove_cv_t<decltype(matrix)>;
    using B = std::remove_cv_t<decltype(other_matrix)>;
    using S = std::remove_cv_t<decltype(scalar)>;
    using V = std::remove_cv_t<decltype(bias)>;
    using C = std::remove_cv_t<decltype(column)>;
    cases.push_back(binary_case_of<Op, A, B>(op, "A(3x4)", "B(3x4)"));
    cases.push_back(binary_case_of<Op, A, S>(op, "A(3x4)", "scalar s"));
    cases.push_back(binary_case_of<Op, S, A>(op, "scalar s", "A(3x4)"));
    cases.push_back(binary_case_of<Op, A, V>(op, "A(3x4)", "bias b(4)"));
    cases.push_back(binary_case_of<Op, V, A>(op, "bias b(4)", "A(3x4)"));
    cases.push_back(binary_case_of<Op, A, C>(op, "A(3x4)", "column c(3x1)"));
    cases.push_back(binary_case_of<Op, C, A>(op, "column c(3x1)", "A(3x4)"));
}

/// One op on two batches of one-element rows, whose loop has a run-time count (as fgtest::ops::rows_var's):
/// value and the vjp with seed 1, in double and float.
struct binary_rows_case {
    binary_op op;
    binary_result<double> (*run_double)(const std::vector<double>&, const std::vector<double>&);
    binary_result<float> (*run_float)(const std::vector<float>&, const std::vector<float>&);

    template <class T>
    binary_result<T> run(const std::vector<T>& a_data, const std::vector<T>& b_data) const {
        if constexpr (std::is_same_v<T, float>) return run_float(a_data, b_data);
        else return run_double(a_data, b_data);
    }
};

constexpr fg::var<"a", fg::batch, 1> left_rows;
constexpr fg::var<"b", fg::batch, 1> right_rows;

template <class T, class Op>
binary_result<T> run_binary_rows(const std::vector<T>& a, const std::vector<T>& b) {
    auto f = fg::compile<T>(Op{}(left_rows, right_rows));
    const auto [y, grad] = f.vjp(std::vector<T>(a.size(), T(1)), fg::wrt(left_rows, right_rows), left_rows = a,
                                 right_rows = b);
    return {{y.begin(), y.end()}, {grad[left_rows].begin(), grad[left_rows].end()},
            {grad[right_rows].begin(), grad[right_rows].end()}};
}

template <class Op>
binary_rows_case binary_rows_case_of(const binary_op& op) {
    return {op, run_binary_rows<double, Op>, run_binary_rows<float, Op>};
}

std::vector<binary_rows_case> binary_rows_cases() {
    return {binary_rows_case_of<decltype([](const auto& a, const auto& b) { return a + b; })>(binary_ops[0]),
            binary_rows_case_of<decltype([](const auto& a, const auto& b) { return a - b; })>(binary_ops[1]),
            binary_rows_case_of<decltype([](const auto& a, const auto& b) { return a * b; })>(binary_ops[2]),
            binary_rows_case_of<decltype([](const auto& a, const auto& b) { return a / b; })>(binary_ops[3])};
}

std::vector<binary_case> binary_cases() {
    std::vector<binary_case> cases;
    add_pairings<decltype([](const auto& a, const auto& b) { return a + b; })>(cases, binary_ops[0]);
    add_pairings<decltype([](const auto& a, const auto& b) { return a - b; })>(cases, binary_ops[1]);
    add_pairings<decltype([](const auto& a, const auto& b) { return a * b; })>(cases, binary_ops[2]);
    add_pairings<decltype([](const auto& a, const auto& b) { return a / b; })>(cases, binary_ops[3]);
    return cases;
}

/// Operand data: element k of an operand of n elements in data set `set`. Sets 0–2 lie in [−3, 3],
/// set 3 spans 1e-6 … 1e6; divisors keep |b| ≥ 0.5 (scaled in set 3). Sets 4 and 5 put ±0, ±denormal,
/// ±inf, NaN, ±max and 1e4 into the left or the right operand.
constexpr int finite_sets = 4, all_sets = 6;

template <class T>
std::vector<T> operand_data(int set, std::size_t n, bool divisor, bool right) {
    using limits = std::numeric_limits<T>;
    const T specials[] = {T(0), -T(0), limits::denorm_min() * T(3), -limits::infinity(), T(1e4), limits::quiet_NaN(),
                          limits::infinity(), -limits::max(), T(1), limits::max(), T(-2.5), -limits::denorm_min()};
    std::vector<T> v(n);
    for (std::size_t k = 0; k < n; ++k) {
        const double t = std::sin(1.3 + 2.1 * static_cast<double>(k) + 0.7 * set + (right ? 0.5 : 0.0));
        double x = 3.0 * t;
        if (divisor) x = (t < 0 ? -1.0 : 1.0) * (0.5 + 2.5 * std::fabs(t));
        if (set == 3) x *= std::pow(10.0, static_cast<double>(static_cast<int>(k % 13) - 6));
        v[k] = static_cast<T>(x);
        if ((set == 4 && !right) || (set == 5 && right)) v[k] = specials[k % 12];
    }
    return v;
}

std::vector<double> seed_data() {
    std::vector<double> s(out_rows * out_cols);
    for (std::size_t k = 0; k < s.size(); ++k)
        s[k] = 1.0 + 0.25 * static_cast<double>(k % 5) - 0.4 * static_cast<double>(k % 3);
    return s;
}

/// Σ over the outputs that element k of an operand reaches, of seed·∂f/∂operand, and of its magnitude.
struct gradient_sum {
    real value = 0, magnitude = 0;
};

/// Value and both gradients in T against the closed forms in long double (rounded to T): + − × ÷ are
/// correctly rounded, and a gradient sums at most 12 terms, so it gets 16·eps of the sum of magnitudes.
/// Each term is rounded to T before the sum, as the graph must: with ÷ by a denormal, terms overflow to
/// ±inf in T, and the graph's sum is NaN where the long double sum would still be a (huge) number.
template <class T>
void check_binary_in(const binary_case& c, int set) {
    const bool divide = c.op.name == "/";
    const auto a = operand_data<T>(set, c.a.rows * c.a.cols, false, false);
    const auto b = operand_data<T>(set, c.b.rows * c.b.cols, divide, true);
    const auto seed = fgtest::ops::converted<T>(seed_data());
    const auto r = c.run(a, b, seed);
    constexpr real eps = std::numeric_limits<T>::epsilon();
    constexpr real denormal = std::numeric_limits<T>::denorm_min();
    const std::string op = tagged<T>(c.pairing);
    std::vector<gradient_sum> ga(a.size()), gb(b.size());
    for (std::size_t i = 0; i < out_rows; ++i)
        for (std::size_t j = 0; j < out_cols; ++j) {
            const std::size_t ia = broadcast_index(c.a, i, j), ib = broadcast_index(c.b, i, j), o = i * out_cols + j;
            const real x = a[ia], z = b[ib], w = seed[o];
            const std::string where = "set " + std::to_string(set) + ", element (" + std::to_string(i) + ", " +
                                      std::to_string(j) + "), a = " + std::to_string(x) + ", b = " + std::to_string(z);
            check_close(op, "value", where, r.y[o], static_cast<T>(c.op.f(x, z)), {eps, 4 * denormal});
            const real ta = static_cast<T>(w * c.op.da(x, z)), tb = static_cast<T>(w * c.op.db(x, z));
            ga[ia].value += ta;
            ga[ia].magnitude += std::fabs(ta);
            gb[ib].value += tb;
            gb[ib].magnitude += std::fabs(tb);
        }
    const auto check_gradient = [&](const char* what, const std::vector<T>& got, const std::vector<gradient_sum>& want) {
        for (std::size_t k = 0; k < got.size(); ++k)
            check_close(op, what, "set " + std::to_string(set) + ", element " + std::to_string(k), got[k],
                        static_cast<T>(want[k].value), {2 * eps, 16 * eps * want[k].magnitude + 4 * denormal});
    };
    check_gradient("gradient of the left operand", r.ga, ga);
    check_gradient("gradient of the right operand", r.gb, gb);
}

/// ⟨seed, f(a, b)⟩ in long double, and its sixth-order differences in every element of a and of b.
void check_binary_finite_differences(const binary_case& c, int set, std::size_t& points) {
    const bool divide = c.op.name == "/";
    const auto a = operand_data<double>(set, c.a.rows * c.a.cols, false, false);
    const auto b = operand_data<double>(set, c.b.rows * c.b.cols, divide, true);
    const auto seed = seed_data();
    const auto r = c.run(a, b, seed);
    // Σ seed·f, or Σ |seed·f|, which bounds the rounding of the sum.
    const auto objective = [&](const std::vector<real>& x, const std::vector<real>& z, bool magnitude = false) {
        real s = 0;
        for (std::size_t i = 0; i < out_rows; ++i)
            for (std::size_t j = 0; j < out_cols; ++j) {
                const real term =
                    seed[i * out_cols + j] * c.op.f(x[broadcast_index(c.a, i, j)], z[broadcast_index(c.b, i, j)]);
                s += magnitude ? std::fabs(term) : term;
            }
        return s;
    };
    const std::vector<real> al(a.begin(), a.end()), bl(b.begin(), b.end());
    const real size = objective(al, bl, true);
    const auto check_operand = [&](const char* what, const std::vector<real>& base, const std::vector<double>& got,
                                   bool left) {
        for (std::size_t k = 0; k < base.size(); ++k) {
            const auto along = [&](real t) {
                auto x = al, z = bl;
                (left ? x : z)[k] = t;
                return objective(x, z);
            };
            // f varies on the scale of the operand itself (a/b near a small b): the step follows |x|.
            const real h = fgtest::ops::step_for(std::fabs(base[k]));
            check_close(c.pairing, what, "set " + std::to_string(set) + ", element " + std::to_string(k), got[k],
                        fgtest::ops::derivative6(along, base[k], h), {1e-11L, 4e-18L * size / h});
            ++points;
        }
    };
    check_operand("left gradient vs finite difference", al, r.ga, true);
    check_operand("right gradient vs finite difference", bl, r.gb, false);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(math)

using scalar_types = std::tuple<double, float>;

BOOST_AUTO_TEST_CASE_TEMPLATE(unary_values_and_derivatives_match_closed_forms, T, scalar_types) {
    for (const auto& c : unary_cases()) check_closed_forms_in<T>(c);
}

BOOST_AUTO_TEST_CASE(unary_derivatives_match_finite_differences) {
    for (const auto& c : unary_cases()) check_finite_differences(c);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(unary_extreme_inputs, T, scalar_types) {
    for (const auto& c : unary_cases()) check_extremes_in<T>(c);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(no_floating_point_exception_where_the_result_is_finite, T, scalar_types) {
    for (const auto& c : unary_cases())
        fgtest::ops::check_no_exception_at_extremes<T>(tagged<T>(c.name), c.compiled, c.f, c.df);
}

BOOST_AUTO_TEST_CASE(poles_zeros_and_nan) {
    // The cases the documentation promises, spelled out.
    const auto at = [](std::string_view name, double x) {
        const auto cases = unary_cases();
        const auto c = std::find_if(cases.begin(), cases.end(), [&](const unary_case& u) { return u.name == name; });
        BOOST_REQUIRE(c != cases.end());
        const auto r = c->compiled.run(std::vector<double>{x});
        return std::pair{r.value[0], r.grad[0]};
    };
    const double infinity = std::numeric_limits<double>::infinity();
    BOOST_TEST(at("log", 0.0).first == -infinity);
    BOOST_TEST(at("log", 0.0).second == infinity);
    BOOST_TEST(at("log", -0.0).first == -infinity);
    BOOST_TEST(at("log", -0.0).second == infinity);  // log′ is +∞ at −0 too
    BOOST_TEST(std::isnan(at("log", -1.0).first));
    BOOST_TEST(at("log1p", -1.0).first == -infinity);
    BOOST_TEST(at("log1p", -1.0).second == infinity);
    BOOST_TEST(at("sqrt", 0.0).first == 0.0);
    BOOST_TEST(at("sqrt", 0.0).second == infinity);
    BOOST_TEST(at("sqrt", -0.0).second == infinity);  // sqrt(−0) = −0, but the slope is still +∞
    BOOST_TEST(std::isnan(at("sqrt", -1.0).first));
    BOOST_TEST(std::isnan(at("sqrt", -1.0).second));
    BOOST_TEST(at("exp", 1000.0).first == infinity);
    BOOST_TEST(at("exp", -infinity).second == 0.0);
    BOOST_TEST(at("expm1", -infinity).first == -1.0);
    BOOST_TEST(at("expm1", -infinity).second == 0.0);
    BOOST_TEST(at("abs", -0.0).second == 0.0);
    BOOST_TEST(!std::signbit(at("abs", -0.0).first));
    BOOST_TEST(std::signbit(at("negate", 0.0).first));
    BOOST_TEST(at("pow(x, 0.5)", 0.0).second == infinity);
    BOOST_TEST(at("pow(x, -1)", 0.0).first == infinity);
    BOOST_TEST(at("pow(x, 2)", 0.0).second == 0.0);
    const double quiet = std::numeric_limits<double>::quiet_NaN();
    for (const auto& c : unary_cases()) {
        const auto r = c.compiled.run(std::vector<double>{quiet});
        BOOST_CHECK_MESSAGE(std::isnan(r.value[0]), c.name << "(NaN) = " << r.value[0]);
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(arithmetic_with_broadcasting, T, scalar_types) {
    for (const auto& c : binary_cases())
        for (int set = 0; set < all_sets; ++set) check_binary_in<T>(c, set);
}

BOOST_AUTO_TEST_CASE(arithmetic_gradients_match_finite_differences) {
    for (const auto& op : binary_ops) {
        std::size_t points = 0;
        for (const auto& c : binary_cases())
            if (c.op.name == op.name)
                for (int set = 0; set < finite_sets; ++set) check_binary_finite_differences(c, set, points);
        BOOST_CHECK_MESSAGE(points >= 50, op.name << ": only " << points << " points");
    }
}

/// The op's exact value and both partial derivatives are finite in T at (a, b).
template <class T>
bool representable(const binary_op& op, T a, T b) {
    return std::isfinite(static_cast<T>(op.f(a, b))) && std::isfinite(static_cast<T>(op.da(a, b))) &&
           std::isfinite(static_cast<T>(op.db(a, b)));
}

// Every pair of finite extremes (±0, ±denormal, ±1e4, ±max) through each op on same-shaped operands, 3 × 4
// and batches of each of the exception lengths: where the exact value and both partial derivatives are
// finite in T, no trappable floating-point exception.
BOOST_AUTO_TEST_CASE_TEMPLATE(arithmetic_raises_no_exception_where_the_result_is_finite, T, scalar_types) {
    std::vector<T> finite;
    for (T x : fgtest::ops::extreme_inputs<T>())
        if (std::isfinite(x)) finite.push_back(x);
    const std::vector<T> seed(out_rows * out_cols, T(1));
    const auto report = [](std::string_view pairing, T a, T b, int raised) {
        BOOST_CHECK_MESSAGE(raised == 0, tagged<T>(pairing) << " at a = " << fgtest::ops::number{a} << ", b = "
                                                            << fgtest::ops::number{b} << " raises "
                                                            << fgtest::exception_names(raised));
    };
    for (const auto& c : binary_cases()) {
        if (c.a.rows != out_rows || c.a.cols != out_cols || c.b.rows != out_rows || c.b.cols != out_cols) continue;
        for (T a : finite)
            for (T b : finite) {
                if (!representable(c.op, a, b)) continue;
                const std::vector<T> left(seed.size(), a), right(seed.size(), b);
                report(c.pairing, a, b, fgtest::exceptions_raised_by([&] { c.run<T>(left, right, seed); }));
            }
    }
    for (const auto& c : binary_rows_cases())
        for (const std::size_t n : fgtest::exception_lengths)
            for (T a : finite)
                for (T b : finite) {
                    if (!representable(c.op, a, b)) continue;
                    const std::vector<T> left(n, a), right(n, b);
                    const std::string pairing = "a(" + std::to_string(n) + ") " + std::string(c.op.name) + " b(" +
                                                std::to_string(n) + ")";
                    report(pairing, a, b, fgtest::exceptions_raised_by([&] { c.run<T>(left, right); }));
                }
}

BOOST_AUTO_TEST_CASE(division_by_zero_and_nan) {
    constexpr fg::var<"p"> p;
    constexpr fg::var<"q"> q;
    auto f = fg::compile(p / q);
    const double infinity = std::numeric_limits<double>::infinity();
    {
        const auto [value, grad] = f.value_and_grad(fg::wrt(p, q), p = 1.0, q = 0.0);
        BOOST_TEST(value == infinity);
        BOOST_TEST(grad[p][0] == infinity);    // 1/b
        BOOST_TEST(grad[q][0] == -infinity);   // −a/b²
    }
    {
        const auto [value, grad] = f.value_and_grad(fg::wrt(p, q), p = std::nan(""), q = 2.0);
        BOOST_TEST(std::isnan(value));
        BOOST_TEST(grad[p][0] == 0.5);         // ∂(a/b)/∂a = 1/b does not involve a
        BOOST_TEST(std::isnan(grad[q][0]));
    }
    auto g = fg::compile(p * q);
    const auto [value, grad] = g.value_and_grad(fg::wrt(p, q), p = std::nan(""), q = 3.0);
    BOOST_TEST(std::isnan(value));
    BOOST_TEST(grad[p][0] == 3.0);
    BOOST_TEST(std::isnan(grad[q][0]));
}

BOOST_AUTO_TEST_SUITE_END()

#define BOOST_TEST_MODULE fusegrad vecmath accuracy
#include <boost/test/unit_test.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <fusegrad/vecmath/erf.hpp>
#include <fusegrad/vecmath/exp.hpp>
#include <fusegrad/vecmath/expm1.hpp>
#include <fusegrad/vecmath/log.hpp>
#include <fusegrad/vecmath/log1p.hpp>
#include <fusegrad/vecmath/sigmoid.hpp>
#include <fusegrad/vecmath/tanh.hpp>

#include "fp_exceptions.hpp"

// fusegrad::vecmath against the long double functions of the C library: the documented error bounds on
// a dense sample of all 2³² floats and on every float of the ranges where the kernels switch method or
// reach a limit, and the special values (±0, ±inf, NaN, subnormals, overflow and underflow thresholds) as
// the float functions of the C library give them. bench/vecmath_accuracy.cpp sweeps every float.

namespace vm = fusegrad::vecmath;

namespace {

/// A vecmath function, its long double reference, the float function of the C library (the sigmoid's is
/// the reference rounded), and the bound of docs/vector-math.md in ulps: the largest error over every float
/// with FMA contraction or without it (the x86-64 baseline), rounded up.
struct function {
    const char* name;
    float (*fast)(float);
    long double (*exact)(long double);
    float (*libm)(float);
    double bound;
};

const function functions[] = {
    {"exp", vm::exp, [](long double x) { return expl(x); }, [](float x) { return std::exp(x); }, 0.8},
    {"expm1", vm::expm1, [](long double x) { return expm1l(x); }, [](float x) { return std::expm1(x); }, 1.2},
    {"log", vm::log, [](long double x) { return logl(x); }, [](float x) { return std::log(x); }, 0.9},
    {"log1p", vm::log1p, [](long double x) { return log1pl(x); }, [](float x) { return std::log1p(x); }, 0.9},
    {"tanh", vm::tanh, [](long double x) { return tanhl(x); }, [](float x) { return std::tanh(x); }, 1.05},
    {"sigmoid", vm::sigmoid, [](long double x) { return 1.0L / (1.0L + expl(-x)); },
     [](float x) { return static_cast<float>(1.0L / (1.0L + expl(-static_cast<long double>(x)))); }, 2.5},
    {"erf", vm::erf, [](long double x) { return erfl(x); }, [](float x) { return std::erf(x); }, 1.25},
};

const function& find(const std::string& name) {
    for (const function& f : functions)
        if (name == f.name) return f;
    throw std::invalid_argument("no vecmath function " + name);
}

/// |got − exact| in float ulps at `exact` (2⁻¹⁴⁹ below the normal range); infinite for a NaN or infinity
/// where the reference has none.
long double ulp_error(float got, long double exact) {
    if (std::isnan(exact) || std::isnan(got)) return std::isnan(exact) && std::isnan(got) ? 0.0L : INFINITY;
    const float rounded = static_cast<float>(exact);
    if (std::isinf(rounded) || std::isinf(got)) return rounded == got ? 0.0L : INFINITY;
    int e = 0;
    std::frexp(exact, &e);
    return std::fabs(static_cast<long double>(got) - exact) / std::ldexp(1.0L, e - 24 < -149 ? -149 : e - 24);
}

/// The largest error of f over the inputs, checked against its bound.
void check_bound(const function& f, const std::vector<float>& xs, const std::string& where) {
    long double worst = 0;
    float at = 0;
    for (float x : xs) {
        const long double e = ulp_error(f.fast(x), f.exact(x));
        if (!(e <= worst)) {
            worst = e;
            at = x;
        }
    }
    BOOST_TEST_MESSAGE(f.name << " on " << where << ": " << xs.size() << " inputs, max " << static_cast<double>(worst)
                              << " ulp");
    BOOST_CHECK_MESSAGE(worst <= f.bound, f.name << " on " << where << ": " << static_cast<double>(worst)
                                                 << " ulp at x = " << std::hexfloat << at << std::defaultfloat
                                                 << ", documented bound " << f.bound);
}

/// Every float in [lo, hi].
std::vector<float> every_float(float lo, float hi) {
    std::vector<float> xs;
    for (float x = lo; x <= hi; x = std::nextafter(x, std::numeric_limits<float>::infinity())) xs.push_back(x);
    return xs;
}

/// Every `stride`-th bit pattern of the 2³², from `offset`: NaNs, infinities and subnormals of both signs
/// included.
std::vector<float> strided(std::uint64_t stride, std::uint64_t offset) {
    std::vector<float> xs;
    for (std::uint64_t b = offset; b < (std::uint64_t{1} << 32); b += stride)
        xs.push_back(std::bit_cast<float>(static_cast<std::uint32_t>(b)));
    return xs;
}

/// Bitwise the same float, or both NaN.
bool same(float a, float b) {
    return std::isnan(a) ? std::isnan(b) : std::bit_cast<std::uint32_t>(a) == std::bit_cast<std::uint32_t>(b);
}

}  // namespace

// A prime stride visits every exponent and sign with varied mantissas: 1.05M inputs per function.
BOOST_AUTO_TEST_CASE(dense_sample_of_all_floats) {
    const std::vector<float> xs = strided(4093, 1234);
    for (const function& f : functions) check_bound(f, xs, "every 4093rd float");
}

// Where the reduction switches between neighbouring k (±ln2/2 for e^x, √½ and √2 for log), where a
// function changes method (tanh at 0.75, erf at 1), and where results reach a limit or leave the normal
// range.
BOOST_AUTO_TEST_CASE(every_float_of_the_switch_and_limit_ranges) {
    const struct {
        const char* name;
        float lo, hi;
    } ranges[] = {
        {"exp", 0.345f, 0.348f},        {"exp", -0.348f, -0.345f},    {"exp", 88.0f, 88.8f},
        {"exp", -104.0f, -102.0f},      {"exp", -87.4f, -87.3f},      {"expm1", 0.345f, 0.348f},
        {"expm1", -0.348f, -0.345f},    {"expm1", 17.2f, 17.4f},      {"expm1", -17.4f, -17.2f},
        {"expm1", 88.3f, 88.8f},        {"expm1", 1e-4f, 1.01e-4f},   {"expm1", -1.01e-4f, -1e-4f},
        {"log", 0.7f, 0.715f},          {"log", 1.41f, 1.42f},        {"log", 0.999f, 1.001f},
        {"log1p", -1.0f, -0.99f},       {"log1p", -0.3f, -0.29f},     {"log1p", 0.41f, 0.42f},
        {"log1p", 1e-4f, 1.01e-4f},     {"tanh", 0.74f, 0.76f},       {"tanh", -0.76f, -0.74f},
        {"tanh", 9.0f, 9.1f},           {"tanh", 44.0f, 45.0f},       {"sigmoid", -3.5f, -3.4f},
        {"sigmoid", -88.0f, -87.0f},    {"sigmoid", -104.0f, -103.9f}, {"sigmoid", 16.5f, 17.5f},
        {"erf", 0.99f, 1.01f},          {"erf", -1.01f, -0.99f},      {"erf", 3.91f, 3.93f},
        {"erf", 3.99f, 4.01f},
    };
    for (const auto& r : ranges) {
        // Appended piecewise: g++ 12 -O3 warns falsely (-Wrestrict) on "[" + std::string.
        std::string range{"["};
        range += std::to_string(r.lo) + ", " + std::to_string(r.hi) + "]";
        check_bound(find(r.name), every_float(r.lo, r.hi), range);
    }
    // The smallest subnormals, which log scales by 2²³ first, and the smallest normals.
    std::vector<float> tiny;
    for (std::uint32_t b = 1; b <= 100000; ++b) tiny.push_back(std::bit_cast<float>(b));
    for (std::uint32_t b = 0x00800000u - 50000; b <= 0x00800000u + 50000; ++b) tiny.push_back(std::bit_cast<float>(b));
    for (const function& f : functions) check_bound(f, tiny, "subnormals and the smallest normals");
}

// Zeros keep their sign where the function is odd at 0, the limits at ±inf are exact, NaN stays NaN,
// results saturate where the exact value rounds to a limit, and the overflow and underflow thresholds
// fall on the same floats as in the C library. Elsewhere among these points the bound applies.
BOOST_AUTO_TEST_CASE(special_values_as_the_c_library) {
    constexpr float inf = std::numeric_limits<float>::infinity();
    constexpr float max = std::numeric_limits<float>::max();
    constexpr float min_normal = std::numeric_limits<float>::min();
    constexpr float min_subnormal = std::numeric_limits<float>::denorm_min();
    const float points[] = {
        0.0f, -0.0f, inf, -inf, std::numeric_limits<float>::quiet_NaN(), -std::numeric_limits<float>::quiet_NaN(),
        min_subnormal, -min_subnormal, 1e-40f, -1e-40f, min_normal, -min_normal, max, -max, 1.0f, -1.0f, 0.5f,
        // exp: the largest finite result and the first infinite one; the last subnormal and the first 0
        0x1.62e42ep+6f, 0x1.62e430p+6f, -0x1.9fe368p+6f, -0x1.9fe36ap+6f, -0x1.5d589ep+6f, -0x1.5d58a0p+6f,
        // expm1 reaching −1, tanh and erf reaching ±1, sigmoid reaching 1 and 0 (with a margin: next to the
        // float where the C library's result turns into the limit, ours may still be an ulp away)
        -17.0f, -17.5f, -18.0f, 9.0f, 9.1f, -9.1f, 3.9f, 3.95f, 4.0f, -4.0f, 16.6f, 17.4f, -103.0f, -104.5f,
        // log1p at −1 and just above, log just below 1
        -0x1.fffffep-1f, 0x1.fffffep-1f, 100.0f, -100.0f, 1e30f, -1e30f};
    for (const function& f : functions) {
        for (float x : points) {
            const float got = f.fast(x), expected = f.libm(x);
            const bool limit = std::isnan(expected) || std::isinf(expected) || expected == 0.0f ||
                               std::fabs(expected) == 1.0f;
            if (limit)
                BOOST_CHECK_MESSAGE(same(got, expected), f.name << "(" << std::hexfloat << x << ") = " << got
                                                                << ", the C library gives " << expected);
            else
                BOOST_CHECK_MESSAGE(ulp_error(got, f.exact(x)) <= f.bound,
                                    f.name << "(" << std::hexfloat << x << ") = " << got << ", exact "
                                           << static_cast<double>(f.exact(x)));
        }
    }
}

namespace {

/// f over a whole array, inlined into one loop that the compiler vectorises: the way the ops call the
/// kernels, where both sides of every select are computed.
template <float (*F)(float)>
[[gnu::noinline]] void apply(const std::vector<float>& xs, std::vector<float>& ys) {
    for (std::size_t i = 0; i < xs.size(); ++i) ys[i] = F(xs[i]);
}

/// The inputs of xs at which the loop over them raises a trappable exception: the whole array at once,
/// then halves of a raising part, down to the single inputs.
template <float (*F)(float)>
std::vector<float> raising_inputs(const std::vector<float>& xs) {
    std::vector<float> ys(xs.size());
    if (xs.empty() || fgtest::exceptions_raised_by([&] { apply<F>(xs, ys); }) == 0) return {};
    if (xs.size() == 1) return xs;
    const auto middle = xs.begin() + static_cast<std::ptrdiff_t>(xs.size() / 2);
    auto found = raising_inputs<F>({xs.begin(), middle});
    for (float x : raising_inputs<F>({middle, xs.end()})) found.push_back(x);
    return found;
}

/// The largest floats, those where a method or a limit changes, zeros and subnormals.
const float exception_points[] = {std::numeric_limits<float>::max(), -std::numeric_limits<float>::max(),
                                  1e30f, -1e30f, 1e15f, -1e15f, 1e4f, -1e4f, 100.0f, -100.0f, 88.8f, -88.8f,
                                  -104.0f, 18.0f, -18.0f, 10.0f, -10.0f, 4.0f, -4.0f, 1.0f, -1.0f, 0.75f, -0.75f,
                                  0.0f, -0.0f, 1e-40f, -1e-40f, std::numeric_limits<float>::min()};

/// No exception on the finite inputs with a finite result: the sample in one loop (bisected to the inputs
/// on failure), and each exception point filling arrays of the exception lengths, whose loops run whole
/// vectors and a scalar tail, or only the tail.
template <float (*F)(float)>
void check_no_exception(const char* name, const std::vector<float>& sample, long double (*exact)(long double)) {
    const auto finite_result = [&](float x) { return std::isfinite(x) && std::isfinite(static_cast<float>(exact(x))); };
    std::vector<float> xs;
    for (float x : sample)
        if (finite_result(x)) xs.push_back(x);
    const auto found = raising_inputs<F>(xs);
    BOOST_CHECK_MESSAGE(found.empty(), name << " raises a trappable floating-point exception at " << found.size()
                                            << " of " << xs.size() << " finite inputs with a finite result, first at "
                                            << std::hexfloat << (found.empty() ? 0.0f : found[0]));
    for (float x : exception_points) {
        if (!finite_result(x)) continue;
        for (std::size_t n : fgtest::exception_lengths) {
            const std::vector<float> same_x(n, x);
            std::vector<float> ys(n);
            const int raised = fgtest::exceptions_raised_by([&] { apply<F>(same_x, ys); });
            BOOST_CHECK_MESSAGE(raised == 0, name << " on " << n << " copies of " << std::hexfloat << x
                                                  << std::defaultfloat << " raises " << fgtest::exception_names(raised));
        }
    }
}

}  // namespace

// Where the result is finite, no kernel raises invalid, divide-by-zero or overflow, in a vectorised loop:
// the paths whose results are selected away run on limited arguments. (exp's overflow beyond 88.72 and
// log's divide-by-zero at 0 are the results, and excluded as not finite.)
BOOST_AUTO_TEST_CASE(no_trappable_exception_where_the_result_is_finite) {
    const std::vector<float> xs = strided(4093, 1234);
    check_no_exception<vm::exp>("exp", xs, find("exp").exact);
    check_no_exception<vm::expm1>("expm1", xs, find("expm1").exact);
    check_no_exception<vm::log>("log", xs, find("log").exact);
    check_no_exception<vm::log1p>("log1p", xs, find("log1p").exact);
    check_no_exception<vm::tanh>("tanh", xs, find("tanh").exact);
    check_no_exception<vm::sigmoid>("sigmoid", xs, find("sigmoid").exact);
    check_no_exception<vm::erf>("erf", xs, find("erf").exact);
}

// The accuracy of fusegrad::vecmath over every float: for each function, all 2³² inputs against the long
// double function of the C library (1/(1 + e^−x) for sigmoid), printing the largest error in ulps, where it
// occurs, and how many results are not correctly rounded (> 0.5 ulp) or off by more than 1 ulp. A NaN
// where the reference is not (or the reverse), or an infinity where the reference rounds to a finite float
// (or the reverse), counts as a mismatch. Not a test: with the long double reference it takes about 15
// minutes per function on one idle core.
//
//     vecmath_accuracy [--stride N] [--double] [function...]
//
// --stride N visits every N-th bit pattern only (N = 997 takes a few seconds). --double takes the C
// library's double functions as the reference instead, several times faster: they are within an ulp of
// double, 2⁻²⁹ of a float ulp, far below the figures printed. docs/vector-math.md has the figures of the
// last full run.
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <type_traits>
#include <vector>

#include <fusegrad/vecmath/erf.hpp>
#include <fusegrad/vecmath/exp.hpp>
#include <fusegrad/vecmath/expm1.hpp>
#include <fusegrad/vecmath/log.hpp>
#include <fusegrad/vecmath/log1p.hpp>
#include <fusegrad/vecmath/sigmoid.hpp>
#include <fusegrad/vecmath/tanh.hpp>

namespace vm = fusegrad::vecmath;

namespace {

/// |got − exact| in units of the float ulp at `exact` (2⁻¹⁴⁹ below the normal range); infinite for a
/// mismatch of NaN or of infinity. In the precision of the reference, R (long double arithmetic is most of
/// the time of a sweep).
template <class R>
R ulp_error(float got, R exact) {
    if (std::isnan(exact) || std::isnan(got)) return std::isnan(exact) && std::isnan(got) ? R(0) : R(INFINITY);
    const float rounded = static_cast<float>(exact);
    if (std::isinf(rounded) || std::isinf(got)) return rounded == got ? R(0) : R(INFINITY);
    int e = 0;
    std::frexp(exact, &e);
    return std::fabs(static_cast<R>(got) - exact) / std::ldexp(R(1), e - 24 < -149 ? -149 : e - 24);
}

/// The fast function over a block of inputs, in a loop that the compiler vectorises, as in the library.
template <float (*Fast)(float)>
void evaluate(const float* x, float* y, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) y[i] = Fast(x[i]);
}

struct function {
    const char* name;
    void (*fast)(const float*, float*, std::size_t);
    long double (*exact)(long double);
    double (*exact_double)(double);
};

const function functions[] = {
    {"exp", evaluate<vm::exp>, [](long double x) { return expl(x); }, [](double x) { return std::exp(x); }},
    {"expm1", evaluate<vm::expm1>, [](long double x) { return expm1l(x); }, [](double x) { return std::expm1(x); }},
    {"log", evaluate<vm::log>, [](long double x) { return logl(x); }, [](double x) { return std::log(x); }},
    {"log1p", evaluate<vm::log1p>, [](long double x) { return log1pl(x); }, [](double x) { return std::log1p(x); }},
    {"tanh", evaluate<vm::tanh>, [](long double x) { return tanhl(x); }, [](double x) { return std::tanh(x); }},
    {"sigmoid", evaluate<vm::sigmoid>, [](long double x) { return 1.0L / (1.0L + expl(-x)); },
     [](double x) { return 1.0 / (1.0 + std::exp(-x)); }},
    {"erf", evaluate<vm::erf>, [](long double x) { return erfl(x); }, [](double x) { return std::erf(x); }},
};

template <class R>
void sweep(const function& f, std::uint64_t stride) {
    const auto exact = [&](float v) -> R {
        if constexpr (std::is_same_v<R, double>) return f.exact_double(v);
        else return f.exact(v);
    };
    constexpr std::size_t block = 1 << 16;
    std::vector<float> x(block), y(block);
    R worst = 0;
    float worst_at = 0, worst_got = 0;
    std::uint64_t count = 0, above_half = 0, above_one = 0, mismatches = 0;
    for (std::uint64_t start = 0; start < (std::uint64_t{1} << 32); start += stride * block) {
        std::size_t n = 0;
        for (std::uint64_t b = start; n < block && b < (std::uint64_t{1} << 32); b += stride)
            x[n++] = std::bit_cast<float>(static_cast<std::uint32_t>(b));
        f.fast(x.data(), y.data(), n);
        for (std::size_t i = 0; i < n; ++i) {
            const R e = ulp_error<R>(y[i], exact(x[i]));
            ++count;
            above_half += e > R(0.5);
            above_one += e > R(1);
            mismatches += std::isinf(e);
            if (e > worst) {
                worst = e;
                worst_at = x[i];
                worst_got = y[i];
            }
        }
    }
    std::printf("%-8s %s max %.4Lf ulp at x = %a (%.9g): %a, exact %.12Lg; > 0.5 ulp: %llu, > 1 ulp: %llu, "
                "mismatches: %llu, of %llu inputs\n",
                f.name, std::is_same_v<R, double> ? "(double reference)" : "(long double reference)",
                static_cast<long double>(worst), static_cast<double>(worst_at), static_cast<double>(worst_at),
                static_cast<double>(worst_got), static_cast<long double>(exact(worst_at)),
                static_cast<unsigned long long>(above_half), static_cast<unsigned long long>(above_one),
                static_cast<unsigned long long>(mismatches), static_cast<unsigned long long>(count));
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
    std::uint64_t stride = 1;
    bool in_double = false;
    std::vector<std::string_view> wanted;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--stride" && i + 1 < argc) {
            stride = std::strtoull(argv[++i], nullptr, 10);
        } else if (a == "--double") {
            in_double = true;
        } else if (a.starts_with("--")) {
            std::fprintf(stderr,
                         "usage: vecmath_accuracy [--stride N] [--double] [exp|expm1|log|log1p|tanh|sigmoid|erf...]\n");
            return 2;
        } else {
            wanted.push_back(a);
        }
    }
    if (stride == 0) stride = 1;
    for (const function& f : functions) {
        bool run = wanted.empty();
        for (std::string_view w : wanted) run = run || w == f.name;
        if (run && in_double) sweep<double>(f, stride);
        if (run && !in_double) sweep<long double>(f, stride);
    }
    return 0;
}

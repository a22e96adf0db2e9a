// fg::random_engine and the Keras initializers: the generator against published test vectors and an
// independent restatement of xoshiro256**, its distributions by their moments (sample sizes chosen so that
// every check sits 6 standard errors or more from failing), reproducibility, and every initializer's bounds,
// variance and fan mode. docs/optimizers-and-initializers.md has the formulas.
#define BOOST_TEST_MODULE fusegrad initializers
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <span>
#include <vector>

#include <fusegrad/nn/initializers.hpp>
#include <fusegrad/nn/random.hpp>

namespace fg = fusegrad;
namespace init = fusegrad::initializers;

namespace {

// ---------------------------------------------------------------------------------------------------
// Reference generators, written from the published algorithm descriptions (Steele, Lea and Flood 2014 for
// splitmix64; Blackman and Vigna 2018 for xoshiro256**), independently of include/fusegrad/nn/random.hpp.
// ---------------------------------------------------------------------------------------------------

struct reference_splitmix64 {
    std::uint64_t x;
    std::uint64_t next() {
        x += 0x9e3779b97f4a7c15ULL;
        std::uint64_t z = x;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
};

std::uint64_t rotate_left(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

struct reference_xoshiro256ss {
    std::uint64_t s[4];
    explicit reference_xoshiro256ss(std::uint64_t seed) {
        reference_splitmix64 sm{seed};
        for (auto& w : s) w = sm.next();
    }
    std::uint64_t next() {
        const std::uint64_t result = rotate_left(s[1] * 5, 7) * 9;
        const std::uint64_t t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = rotate_left(s[3], 45);
        return result;
    }
};

/// Sample mean and (population) variance.
struct moments {
    double mean, variance;
};
template <class T>
moments moments_of(std::span<const T> x) {
    long double sum = 0, sum2 = 0;
    for (T v : x) sum += v;
    const long double mean = sum / x.size();
    for (T v : x) sum2 += (v - mean) * (v - mean);
    return {double(mean), double(sum2 / x.size())};
}

/// Checks mean and variance against the exact values, within 6 standard errors: the mean's is σ/√n, the
/// variance's √((μ₄ − σ⁴)/n) with the fourth central moment μ₄ = kurtosis·σ⁴.
template <class T>
void check_moments(std::span<const T> x, double mean, double variance, double kurtosis) {
    const moments m = moments_of(x);
    const double n = double(x.size());
    BOOST_TEST(std::fabs(m.mean - mean) <= 6 * std::sqrt(variance / n), "mean " << m.mean << ", expected " << mean);
    BOOST_TEST(std::fabs(m.variance - variance) <= 6 * variance * std::sqrt((kurtosis - 1) / n),
               "variance " << m.variance << ", expected " << variance);
}

// Kurtosis E[z⁴]/σ⁴ of the distributions tested: uniform 9/5, normal 3. The normal truncated to [−2, 2]
// has 2.37; the tests use 3 for it, which only widens the band.
constexpr double uniform_kurtosis = 1.8;
constexpr double normal_kurtosis = 3.0;
constexpr double truncated_stddev_ratio = 0.87962566103423978;

constexpr std::size_t sample_size = 200'000;

template <class T = double>
std::vector<T> filled(const init::initializer& i, std::size_t fan_in, std::size_t fan_out, std::uint64_t seed,
                      std::size_t n = sample_size) {
    std::vector<T> out(n);
    fg::random_engine engine(seed);
    i.fill(std::span<T>(out), fan_in, fan_out, engine);
    return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------
// The generator
// ---------------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(splitmix64_reference_matches_published_vectors) {
    // Rosetta Code, "Pseudo-random numbers/Splitmix64": seed 1234567.
    reference_splitmix64 a{1234567};
    for (std::uint64_t expected : {6457827717110365317ULL, 3203168211198807973ULL, 9817491932198370423ULL,
                                   4593380528125082431ULL, 16408922859458223821ULL})
        BOOST_TEST(a.next() == expected);
    // splitmix64.c from seed 0.
    reference_splitmix64 b{0};
    for (std::uint64_t expected :
         {0xe220a8397b1dcdafULL, 0x6e789e6aa1b965f4ULL, 0x06c45d188009454fULL, 0xf88bb8a8724c81ecULL})
        BOOST_TEST(b.next() == expected);
}

BOOST_AUTO_TEST_CASE(engine_is_seeded_by_splitmix64) {
    const std::array<std::uint64_t, 4> seed0{0xe220a8397b1dcdafULL, 0x6e789e6aa1b965f4ULL, 0x06c45d188009454fULL,
                                             0xf88bb8a8724c81ecULL};
    BOOST_TEST((fg::random_engine(0).state() == seed0));
    for (std::uint64_t seed : {1ULL, 42ULL, 1234567ULL, ~0ULL}) {
        reference_splitmix64 sm{seed};
        const std::array<std::uint64_t, 4> expected{sm.next(), sm.next(), sm.next(), sm.next()};
        BOOST_TEST((fg::random_engine(seed).state() == expected));
    }
}

BOOST_AUTO_TEST_CASE(engine_matches_published_xoshiro256starstar_vector) {
    // The reference implementation's outputs from the state {1, 2, 3, 4}, as published with the Rust crate
    // rand_xoshiro (test `reference` of xoshiro256starstar.rs).
    fg::random_engine engine(0);
    engine.set_state({1, 2, 3, 4});
    for (std::uint64_t expected : {11520ULL, 0ULL, 1509978240ULL, 1215971899390074240ULL, 1216172134540287360ULL,
                                   607988272756665600ULL, 16172922978634559625ULL, 8476171486693032832ULL,
                                   10595114339597558777ULL, 2904607092377533576ULL})
        BOOST_TEST(engine.next_u64() == expected);
}

BOOST_AUTO_TEST_CASE(engine_matches_reference_over_long_runs) {
    for (std::uint64_t seed : {0ULL, 1ULL, 42ULL, 0xdeadbeefcafef00dULL, ~0ULL}) {
        fg::random_engine engine(seed);
        reference_xoshiro256ss reference(seed);
        bool same = true;
        for (int i = 0; i < 100'000; ++i) same = same && engine.next_u64() == reference.next();
        BOOST_TEST(same, "seed " << seed);
    }
}

BOOST_AUTO_TEST_CASE(uniform_takes_the_top_53_bits) {
    fg::random_engine engine(7);
    reference_xoshiro256ss reference(7);
    double lowest = 1, highest = 0;
    for (int i = 0; i < 100'000; ++i) {
        const double u = engine.uniform();
        BOOST_TEST_REQUIRE(u == double(reference.next() >> 11) / 9007199254740992.0);
        lowest = std::min(lowest, u);
        highest = std::max(highest, u);
    }
    BOOST_TEST(lowest >= 0.0);
    BOOST_TEST(highest < 1.0);
    // The largest possible draw is 1 − 2⁻⁵³, still below 1.
    fg::random_engine top(0);
    top.set_state({0, 0x4fc71c71c71c71c7ULL, 0, 0});  // rotl(s1·5, 7)·9 = 2⁶⁴ − 1
    const double u = top.uniform();
    BOOST_TEST(u == 1.0 - 0x1.0p-53);
}

BOOST_AUTO_TEST_CASE(uniform_in_range_stays_below_hi) {
    fg::random_engine engine(3);
    // Bounds whose difference rounds up, so that lo + (hi − lo)·u could reach hi without the guard.
    const double lo = -0.1, hi = 0.3;
    for (int i = 0; i < 100'000; ++i) {
        const double x = engine.uniform(lo, hi);
        BOOST_TEST_REQUIRE((x >= lo && x < hi));
    }
    fg::random_engine top(0);
    top.set_state({0, 0x4fc71c71c71c71c7ULL, 0, 0});
    BOOST_TEST(top.uniform(lo, hi) < hi);
    std::vector<double> sample(sample_size);
    for (double& x : sample) x = engine.uniform(-2.0, 6.0);
    check_moments(std::span<const double>(sample), 2.0, 64.0 / 12.0, uniform_kurtosis);
}

BOOST_AUTO_TEST_CASE(state_round_trip_continues_identically) {
    fg::random_engine a(99);
    for (int i = 0; i < 1000; ++i) a.normal();
    fg::random_engine b(1);
    b.set_state(a.state());
    BOOST_TEST((a == b));
    bool same = true;
    for (int i = 0; i < 1000; ++i) {
        same = same && a.next_u64() == b.next_u64();
        same = same && a.normal() == b.normal();
        same = same && a.below(1000) == b.below(1000);
    }
    BOOST_TEST(same);
    BOOST_CHECK_THROW(b.set_state({0, 0, 0, 0}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(derive_gives_distinct_reproducible_seeds) {
    static_assert(fg::random_engine::derive(42, 0) == fg::random_engine::derive(42, 0));
    // The documented formula, restated with the reference mixer.
    const auto mix = [](std::uint64_t z) { return reference_splitmix64{z - 0x9e3779b97f4a7c15ULL}.next(); };
    for (std::uint64_t seed : {0ULL, 42ULL, ~0ULL})
        for (std::uint64_t stream : {0ULL, 1ULL, 7ULL})
            BOOST_TEST(fg::random_engine::derive(seed, stream) ==
                       mix(mix(seed ^ 0x243f6a8885a308d3ULL) + mix(stream ^ 0x13198a2e03707344ULL)));
    std::set<std::uint64_t> seen;
    for (std::uint64_t seed = 0; seed < 100; ++seed)
        for (std::uint64_t stream = 0; stream < 100; ++stream) seen.insert(fg::random_engine::derive(seed, stream));
    BOOST_TEST(seen.size() == 10'000u);
    BOOST_TEST(fg::random_engine::derive(1, 2) != fg::random_engine::derive(2, 1));
    // Neighbouring streams give unrelated engines: about half their first draws' bits differ.
    fg::random_engine a(fg::random_engine::derive(5, 0)), b(fg::random_engine::derive(5, 1));
    int differing = 0;
    for (int i = 0; i < 1000; ++i) differing += std::popcount(a.next_u64() ^ b.next_u64());
    BOOST_TEST(std::abs(differing - 32'000) < 6 * 127);  // binomial(64000, ½): σ ≈ 126.5
}

BOOST_AUTO_TEST_CASE(below_is_unbiased_and_in_range) {
    fg::random_engine engine(11);
    BOOST_CHECK_THROW(engine.below(0), std::invalid_argument);
    for (int i = 0; i < 100; ++i) BOOST_TEST(engine.below(1) == 0u);
    // χ² over 7 cells, 6 degrees of freedom: P(χ² > 60) ≈ 5e-11.
    std::array<long, 7> counts{};
    const long draws = 700'000;
    for (long i = 0; i < draws; ++i) ++counts[engine.below(7)];
    double chi2 = 0;
    for (long c : counts) chi2 += double(c - draws / 7) * double(c - draws / 7) / double(draws / 7);
    BOOST_TEST(chi2 < 60.0);
    // n = 3·2⁶², where x mod n would put half the draws below 2⁶² instead of a third.
    const std::uint64_t n = 3ULL << 62;
    long low = 0;
    const long big_draws = 30'000;
    for (long i = 0; i < big_draws; ++i) {
        const std::uint64_t x = engine.below(n);
        BOOST_TEST_REQUIRE(x < n);
        low += x < (1ULL << 62);
    }
    BOOST_TEST(std::fabs(double(low) / big_draws - 1.0 / 3) < 6 * std::sqrt(2.0 / 9 / big_draws));
}

BOOST_AUTO_TEST_CASE(shuffle_is_fisher_yates_through_below) {
    std::vector<int> items(50);
    std::iota(items.begin(), items.end(), 0);
    fg::random_engine engine(2024);
    fg::random_engine reference_engine(2024);
    std::vector<int> expected = items;
    for (std::size_t i = expected.size(); i > 1; --i) std::swap(expected[i - 1], expected[reference_engine.below(i)]);
    engine.shuffle(std::span<int>(items));
    BOOST_TEST((items == expected));
    std::vector<int> sorted = items;
    std::sort(sorted.begin(), sorted.end());
    for (int i = 0; i < 50; ++i) BOOST_TEST_REQUIRE(sorted[std::size_t(i)] == i);

    // All 6 orders of 3 items equally likely: χ² with 5 degrees of freedom, P(χ² > 55) ≈ 2e-10.
    std::map<std::array<int, 3>, long> counts;
    const long runs = 60'000;
    for (long r = 0; r < runs; ++r) {
        std::array<int, 3> order{0, 1, 2};
        engine.shuffle(std::span<int>(order));
        ++counts[order];
    }
    BOOST_TEST(counts.size() == 6u);
    double chi2 = 0;
    for (const auto& [order, c] : counts) chi2 += double(c - runs / 6) * double(c - runs / 6) / double(runs / 6);
    BOOST_TEST(chi2 < 55.0);
    std::vector<int> empty;
    engine.shuffle(std::span<int>(empty));
}

BOOST_AUTO_TEST_CASE(portable_log_is_accurate) {
    fg::random_engine engine(5);
    double worst = 0;
    const auto check = [&](double x) {
        const long double exact = std::log(static_cast<long double>(x));
        const double got = fg::detail::portable_log(x);
        const double ulp = std::nextafter(std::fabs(double(exact)), 1e300) - std::fabs(double(exact));
        if (exact != 0) worst = std::max(worst, double(std::fabs(got - exact)) / ulp);
        else BOOST_TEST(got == 0.0);
    };
    for (int i = 0; i < 200'000; ++i) check(engine.uniform() + 0x1.0p-54);
    for (int i = 0; i < 20'000; ++i) check(std::ldexp(engine.uniform() + 0.5, -int(engine.below(1070))));
    for (int i = 0; i < 20'000; ++i) check(1 - engine.uniform() * 1e-6);  // where ln x ≈ x − 1 is smallest
    for (double x : {1.0, 0.5, 0.25, 0.7071067811865476, 0.7071067811865475, 1 - 0x1.0p-53, 0x1.0p-1074, 1e-300})
        check(x);
    BOOST_TEST(worst < 1.0, "worst error " << worst << " ulp");
}

BOOST_AUTO_TEST_CASE(normal_is_the_polar_method) {
    // The documented recipe, restated with the standard library's log in long double. s is rounded to double
    // as documented (one fma): near s = 1, ln s is ill-conditioned in s, and a more exact s would differ.
    fg::random_engine engine(17);
    reference_xoshiro256ss reference(17);
    const auto unit = [&] { return 2 * (double(reference.next() >> 11) / 9007199254740992.0) - 1; };
    for (int i = 0; i < 10'000; ++i) {
        long double expected = 0;
        for (;;) {
            const double u = unit(), v = unit();
            const long double s = std::fma(u, u, v * v);
            if (s > 0 && s < 1) {
                expected = u * std::sqrt(-2 * std::log(s) / s);
                break;
            }
        }
        const double got = engine.normal();
        BOOST_TEST_REQUIRE(double(std::fabs(got - expected)) <= 1e-15 * std::fmax(1.0, double(std::fabs(expected))));
    }
}

BOOST_AUTO_TEST_CASE(normal_draws_are_pinned) {
    // The first draws of seed 42, bit for bit: every platform with IEEE double arithmetic must give these.
    fg::random_engine engine(42);
    const double pinned[] = {-0x1.73d2feb0fb375p-1, 0x1.c5e21f7812a4cp-3, 0x1.db514bfac5b4ep-2, 0x1.79eb7c13cfccdp+0,
                             0x1.02007c2380ae8p+0,  0x1.06f74c2a8e101p+0, 0x1.7bb262180f952p-2, 0x1.61ec2cfebd724p-2};
    for (double expected : pinned) BOOST_TEST(engine.normal() == expected);
}

BOOST_AUTO_TEST_CASE(normal_moments) {
    fg::random_engine engine(23);
    std::vector<double> z(sample_size);
    for (double& x : z) x = engine.normal();
    check_moments(std::span<const double>(z), 0.0, 1.0, normal_kurtosis);
    // P(|z| < 1) = erf(1/√2).
    const double inside = double(std::count_if(z.begin(), z.end(), [](double x) { return std::fabs(x) < 1; })) / z.size();
    const double p = std::erf(1 / std::sqrt(2.0));
    BOOST_TEST(std::fabs(inside - p) <= 6 * std::sqrt(p * (1 - p) / z.size()));
}

BOOST_AUTO_TEST_CASE(truncated_normal_bounds_and_spread) {
    fg::random_engine engine(29);
    const double stddev = 0.3;
    std::vector<double> z(sample_size);
    for (double& x : z) x = engine.truncated_normal(stddev);
    BOOST_TEST(*std::max_element(z.begin(), z.end()) <= 2 * stddev);
    BOOST_TEST(*std::min_element(z.begin(), z.end()) >= -2 * stddev);
    const double sd = stddev * truncated_stddev_ratio;
    check_moments(std::span<const double>(z), 0.0, sd * sd, normal_kurtosis);
}

// ---------------------------------------------------------------------------------------------------
// The initializers
// ---------------------------------------------------------------------------------------------------

template <init::initializer I>
struct as_template_argument {
    static constexpr init::initializer value = I;
};

BOOST_AUTO_TEST_CASE(initializers_are_literal_values_with_keras_names) {
    static_assert(as_template_argument<init::constant(0.1)>::value == init::constant(0.1));
    static_assert(as_template_argument<init::he_normal>::value.name() == "he_normal");
    static_assert(init::constant(0.1) != init::constant(0.2));
    static_assert(init::random_normal() == init::random_normal(0.0, 0.05));
    static_assert(init::random_uniform() == init::random_uniform(-0.05, 0.05));
    static_assert(init::truncated_normal() == init::truncated_normal(0.0, 0.05));
    static_assert(init::random_uniform().a == -0.05 && init::random_uniform().b == 0.05);
    static_assert(init::random_normal().a == 0.0 && init::random_normal().b == 0.05);
    struct layer_options {
        init::initializer kernel_initializer = init::glorot_uniform;
        init::initializer bias_initializer = init::zeros;
    };
    constexpr layer_options options{.kernel_initializer = init::he_normal, .bias_initializer = init::constant(0.1)};
    static_assert(options.kernel_initializer.name() == "he_normal" && options.bias_initializer.a == 0.1);
    static_assert(layer_options{}.kernel_initializer == init::glorot_uniform);

    const std::pair<init::initializer, std::string_view> names[] = {
        {init::zeros, "zeros"},
        {init::ones, "ones"},
        {init::constant(2), "constant"},
        {init::random_normal(), "random_normal"},
        {init::random_uniform(), "random_uniform"},
        {init::truncated_normal(), "truncated_normal"},
        {init::glorot_uniform, "glorot_uniform"},
        {init::glorot_normal, "glorot_normal"},
        {init::he_uniform, "he_uniform"},
        {init::he_normal, "he_normal"},
        {init::lecun_uniform, "lecun_uniform"},
        {init::lecun_normal, "lecun_normal"},
    };
    for (const auto& [i, name] : names) BOOST_TEST(i.name() == name);
}

BOOST_AUTO_TEST_CASE(constants_are_exact_and_draw_nothing) {
    for (const auto& [i, value] : {std::pair{init::zeros, 0.0}, std::pair{init::ones, 1.0},
                                   std::pair{init::constant(0.1), 0.1}, std::pair{init::constant(-3.5), -3.5}}) {
        fg::random_engine engine(1);
        const fg::random_engine before = engine;
        std::vector<float> f(100);
        std::vector<double> d(100);
        i.fill(std::span<float>(f), 10, 10, engine);
        i.fill(std::span<double>(d), 10, 10, engine);
        BOOST_TEST((engine == before));
        for (float x : f) BOOST_TEST_REQUIRE(x == static_cast<float>(value));
        for (double x : d) BOOST_TEST_REQUIRE(x == value);
    }
}

BOOST_AUTO_TEST_CASE(same_seed_same_values_float_from_the_same_draws) {
    const init::initializer all[] = {init::random_normal(0.5, 2.0), init::random_uniform(-1, 3), init::truncated_normal(1, 0.1),
                                     init::glorot_uniform, init::glorot_normal, init::he_uniform, init::he_normal,
                                     init::lecun_uniform, init::lecun_normal};
    for (const init::initializer& i : all) {
        const auto a = filled<double>(i, 64, 32, 1234, 5000);
        const auto b = filled<double>(i, 64, 32, 1234, 5000);
        const auto c = filled<double>(i, 64, 32, 1235, 5000);
        const auto f = filled<float>(i, 64, 32, 1234, 5000);
        BOOST_TEST((a == b), i.name());
        BOOST_TEST((a != c), i.name());
        bool rounded = true;
        for (std::size_t k = 0; k < a.size(); ++k) rounded = rounded && f[k] == static_cast<float>(a[k]);
        BOOST_TEST(rounded, i.name() << ": float values are the double values rounded");
        const auto l = filled<long double>(i, 64, 32, 1234, 5000);
        bool exact = true;
        for (std::size_t k = 0; k < a.size(); ++k) exact = exact && l[k] == static_cast<long double>(a[k]);
        BOOST_TEST(exact, i.name() << ": long double values are the double values");
    }
}

BOOST_AUTO_TEST_CASE(variance_scaling_draws_one_value_per_element_in_order) {
    // glorot_uniform is engine.uniform(−L, L) with L = √(3·(1/((fan_in + fan_out)/2))), element by element; the
    // normal kinds are engine.truncated_normal(√(scale/n)/0.8796…).
    const std::size_t fan_in = 30, fan_out = 10;
    const auto check = [&](const init::initializer& i, auto draw) {
        const auto values = filled<double>(i, fan_in, fan_out, 77, 1000);
        fg::random_engine engine(77);
        bool same = true;
        for (double x : values) same = same && x == draw(engine);
        BOOST_TEST(same, i.name());
    };
    const double avg = (fan_in + fan_out) / 2.0;
    check(init::glorot_uniform, [&](fg::random_engine& e) {
        const double limit = std::sqrt(3.0 * (1.0 / avg));
        return e.uniform(-limit, limit);
    });
    check(init::he_uniform, [&](fg::random_engine& e) {
        const double limit = std::sqrt(3.0 * (2.0 / fan_in));
        return e.uniform(-limit, limit);
    });
    check(init::glorot_normal,
          [&](fg::random_engine& e) { return e.truncated_normal(std::sqrt(1.0 / avg) / truncated_stddev_ratio); });
    check(init::he_normal,
          [&](fg::random_engine& e) { return e.truncated_normal(std::sqrt(2.0 / fan_in) / truncated_stddev_ratio); });
    check(init::lecun_normal,
          [&](fg::random_engine& e) { return e.truncated_normal(std::sqrt(1.0 / fan_in) / truncated_stddev_ratio); });
    check(init::random_uniform(-0.5, 0.25), [&](fg::random_engine& e) { return e.uniform(-0.5, 0.25); });
}

BOOST_AUTO_TEST_CASE(uniform_variance_scaling_bounds_and_variance) {
    struct uniform_case {
        init::initializer i;
        std::size_t fan_in, fan_out;
        double limit;
    };
    const uniform_case cases[] = {
        {init::glorot_uniform, 300, 100, std::sqrt(6.0 / 400)},
        {init::glorot_uniform, 784, 128, std::sqrt(6.0 / (784 + 128))},
        {init::he_uniform, 300, 100, std::sqrt(6.0 / 300)},
        {init::lecun_uniform, 300, 100, std::sqrt(3.0 / 300)},
        {init::random_uniform(), 300, 100, 0.05},
    };
    for (const auto& c : cases) {
        const auto x = filled(c.i, c.fan_in, c.fan_out, 31);
        const auto [lo, hi] = std::minmax_element(x.begin(), x.end());
        BOOST_TEST(*lo >= -c.limit, c.i.name());
        BOOST_TEST(*hi <= c.limit, c.i.name());
        // With 2·10⁵ draws the extremes come within 10⁻³·L of the bounds unless the limit is wrong.
        BOOST_TEST(*lo < -c.limit * (1 - 1e-3), c.i.name());
        BOOST_TEST(*hi > c.limit * (1 - 1e-3), c.i.name());
        check_moments(std::span<const double>(x), 0.0, c.limit * c.limit / 3, uniform_kurtosis);
    }
}

BOOST_AUTO_TEST_CASE(normal_variance_scaling_bounds_and_variance) {
    struct normal_case {
        init::initializer i;
        std::size_t fan_in, fan_out;
        double variance;  // scale/n: the truncation is compensated
    };
    const normal_case cases[] = {
        {init::glorot_normal, 300, 100, 1.0 / 200},
        {init::he_normal, 300, 100, 2.0 / 300},
        {init::lecun_normal, 300, 100, 1.0 / 300},
        {init::he_normal, 64, 7, 2.0 / 64},
    };
    for (const auto& c : cases) {
        const auto x = filled(c.i, c.fan_in, c.fan_out, 37);
        const double bound = 2 * std::sqrt(c.variance) / truncated_stddev_ratio;
        const auto [lo, hi] = std::minmax_element(x.begin(), x.end());
        BOOST_TEST(*lo >= -bound, c.i.name());
        BOOST_TEST(*hi <= bound, c.i.name());
        BOOST_TEST(*hi > bound * (1 - 1e-3), c.i.name());
        check_moments(std::span<const double>(x), 0.0, c.variance, normal_kurtosis);
    }
}

BOOST_AUTO_TEST_CASE(fan_modes) {
    // he and lecun read fan_in only; glorot reads both.
    BOOST_TEST((filled(init::he_normal, 50, 10, 3, 1000) == filled(init::he_normal, 50, 999, 3, 1000)));
    BOOST_TEST((filled(init::lecun_uniform, 50, 10, 3, 1000) == filled(init::lecun_uniform, 50, 999, 3, 1000)));
    BOOST_TEST((filled(init::glorot_uniform, 50, 10, 3, 1000) != filled(init::glorot_uniform, 50, 999, 3, 1000)));
    BOOST_TEST((filled(init::glorot_uniform, 50, 10, 3, 1000) == filled(init::glorot_uniform, 10, 50, 3, 1000)));
    // Keras divides by max(1, n): empty fans behave as 1.
    BOOST_TEST((filled(init::he_uniform, 0, 0, 3, 1000) == filled(init::he_uniform, 1, 0, 3, 1000)));
    const auto x = filled(init::lecun_uniform, 0, 5, 3, 1000);
    BOOST_TEST(*std::max_element(x.begin(), x.end()) <= std::sqrt(3.0));
}

BOOST_AUTO_TEST_CASE(random_normal_and_truncated_normal_parameters) {
    const auto x = filled(init::random_normal(1.5, 0.5), 1, 1, 41);
    check_moments(std::span<const double>(x), 1.5, 0.25, normal_kurtosis);
    const auto d = filled(init::random_normal(), 1, 1, 41);
    check_moments(std::span<const double>(d), 0.0, 0.05 * 0.05, normal_kurtosis);

    const auto t = filled(init::truncated_normal(-1.0, 0.2), 1, 1, 43);
    const auto [lo, hi] = std::minmax_element(t.begin(), t.end());
    BOOST_TEST(*lo >= -1.0 - 0.4);
    BOOST_TEST(*hi <= -1.0 + 0.4);
    const double sd = 0.2 * truncated_stddev_ratio;
    check_moments(std::span<const double>(t), -1.0, sd * sd, normal_kurtosis);
}

#define BOOST_TEST_MODULE fusegrad kernels
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include <fusegrad/kernels/lanes.hpp>
#include <fusegrad/kernels/matmul.hpp>
#include <fusegrad/kernels/row_reductions.hpp>

// The matrix-product kernels against a long double triple loop on shapes that take every path (full register
// tiles, row tails, column tails narrower than a vector, matrix-vector, copied Bᵀ panels and the dot-product
// form for few rows), in float and double; that they write nothing outside their output; and the per-lane
// loops and square root the optimizers run on.

namespace k = fusegrad::kernels;

namespace {

/// Products of rows × K by K × M, checked to `tolerance` relative (to 1 + |exact|) for the three kernels; the
/// two backward ones add to random old values, or with `accumulate` false overwrite NaNs (which must not be read).
template <class T, std::size_t K, std::size_t M>
void check_products(std::size_t rows, bool accumulate) {
    constexpr std::size_t guard = 19;  // values after each output that must stay untouched
    const T sentinel = T(-12345.5);
    std::mt19937_64 rng(K * 1000003 + M * 1009 + rows);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    const auto random_vector = [&](std::size_t n) {
        std::vector<T> v(n);
        for (auto& x : v) x = T(u(rng));
        return v;
    };
    const std::vector<T> a = random_vector(rows * K), b = random_vector(K * M), dc = random_vector(rows * M);
    const std::vector<T> da0 = random_vector(rows * K), db0 = random_vector(K * M);
    std::vector<T> c(rows * M + guard, sentinel), da = da0, db = db0;
    if (!accumulate) {
        std::fill(da.begin(), da.end(), std::numeric_limits<T>::quiet_NaN());
        std::fill(db.begin(), db.end(), std::numeric_limits<T>::quiet_NaN());
    }
    da.resize(rows * K + guard, sentinel);
    db.resize(K * M + guard, sentinel);

    k::matmul<T, K, M>(a.data(), b.data(), c.data(), rows);
    k::matmul_add_a_bt<T, K, M>(dc.data(), b.data(), da.data(), rows, accumulate);
    k::matmul_add_at_b<T, K, M>(a.data(), dc.data(), db.data(), rows, accumulate);

    const double eps = std::numeric_limits<T>::epsilon();
    const auto close = [&](long double exact, T got, std::size_t terms) {
        return std::fabs(static_cast<double>(exact - got)) <= 4 * eps * static_cast<double>(terms + 1) * (1 + std::fabs(static_cast<double>(exact)));
    };
    std::size_t bad = 0;
    for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t j = 0; j < M; ++j) {
            long double s = 0;
            for (std::size_t p = 0; p < K; ++p) s += static_cast<long double>(a[i * K + p]) * b[p * M + j];
            bad += !close(s, c[i * M + j], K);
        }
    for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t p = 0; p < K; ++p) {
            long double s = accumulate ? da0[i * K + p] : 0;
            for (std::size_t j = 0; j < M; ++j) s += static_cast<long double>(dc[i * M + j]) * b[p * M + j];
            bad += !close(s, da[i * K + p], M);
        }
    for (std::size_t p = 0; p < K; ++p)
        for (std::size_t j = 0; j < M; ++j) {
            long double s = accumulate ? db0[p * M + j] : 0;
            for (std::size_t i = 0; i < rows; ++i) s += static_cast<long double>(a[i * K + p]) * dc[i * M + j];
            bad += !close(s, db[p * M + j], rows);
        }
    for (std::size_t g = 0; g < guard; ++g) {
        bad += c[rows * M + g] != sentinel;
        bad += da[rows * K + g] != sentinel;
        bad += db[K * M + g] != sentinel;
    }
    BOOST_TEST(bad == 0u, "T = " << (sizeof(T) == 4 ? "float" : "double") << ", " << rows << "×" << K << " by " << K
                                 << "×" << M << (accumulate ? ", accumulating" : ", assigning") << ": " << bad
                                 << " wrong values");
}

template <class T>
void check_all_shapes() {
    for (const bool accumulate : {true, false}) {
        for (const std::size_t rows : {0, 1, 2, 3, 4, 5, 7, 8, 9, 16, 31, 33, 100}) {
            check_products<T, 1, 1>(rows, accumulate);
            check_products<T, 5, 1>(rows, accumulate);
            check_products<T, 1, 7>(rows, accumulate);
            check_products<T, 8, 32>(rows, accumulate);
            check_products<T, 32, 32>(rows, accumulate);
            check_products<T, 32, 1>(rows, accumulate);
            check_products<T, 17, 3>(rows, accumulate);
            check_products<T, 100, 65>(rows, accumulate);
            check_products<T, 70, 129>(rows, accumulate);  // Bᵀ copied in more than one block
            check_products<T, 300, 10>(rows, accumulate);  // longer than one reduction block
        }
        check_products<T, 784, 128>(33, accumulate);
        check_products<T, 128, 10>(257, accumulate);
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(matrix_products_in_float_match_long_double) { check_all_shapes<float>(); }
BOOST_AUTO_TEST_CASE(matrix_products_in_double_match_long_double) { check_all_shapes<double>(); }

BOOST_AUTO_TEST_CASE(a_nan_or_infinity_reaches_the_outputs_it_feeds) {
    constexpr std::size_t K = 20, M = 40;
    std::vector<float> a(6 * K, 1.0f), b(K * M, 0.5f), c(6 * M);
    a[3 * K + 7] = std::numeric_limits<float>::quiet_NaN();
    a[5 * K + 2] = std::numeric_limits<float>::infinity();
    k::matmul<float, K, M>(a.data(), b.data(), c.data(), 6);
    for (std::size_t i = 0; i < 6; ++i)
        for (std::size_t j = 0; j < M; ++j) {
            const float v = c[i * M + j];
            if (i == 3) BOOST_TEST(std::isnan(v));
            else if (i == 5) BOOST_TEST((std::isinf(v) && v > 0));
            else BOOST_TEST(v == 10.0f);
        }
}

BOOST_AUTO_TEST_CASE(for_each_lanes_visits_every_element_once) {
    for (std::size_t n = 0; n < 70; ++n) {
        std::vector<double> x(n), y(n, 0.0);
        for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<double>(i) + 0.25;
        std::vector<int> visits(n, 0);
        k::for_each_lanes<double>(n, [&](std::size_t i, auto lanes) {
            for (std::size_t l = 0; l < lanes.width; ++l) ++visits[i + l];
            lanes.store(&y[i], lanes.load(&x[i]) * 2.0 + 1.0);
        });
        for (std::size_t i = 0; i < n; ++i) {
            BOOST_TEST(visits[i] == 1);
            BOOST_TEST(y[i] == 2 * x[i] + 1);
        }
    }
}

BOOST_AUTO_TEST_CASE(the_vector_square_root_is_std_sqrt) {
    using simd = k::simd<float>;
    std::mt19937 rng(5);
    std::vector<float> values = {0.0f, -0.0f, 1.0f, 2.0f, 1e-45f, 1e-38f, 3.4e38f, std::numeric_limits<float>::infinity(),
                                 -1.0f, -std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()};
    std::uniform_int_distribution<std::uint32_t> bits;
    for (int i = 0; i < 4096; ++i) values.push_back(std::bit_cast<float>(bits(rng)));
    while (values.size() % simd::width) values.push_back(4.0f);
    for (std::size_t i = 0; i < values.size(); i += simd::width) {
        const simd::vector r = simd::sqrt(simd::load(&values[i]));
        for (std::size_t l = 0; l < simd::width; ++l) {
            const float want = std::sqrt(values[i + l]);
            BOOST_TEST((std::bit_cast<std::uint32_t>(r[l]) == std::bit_cast<std::uint32_t>(want) ||
                        (std::isnan(r[l]) && std::isnan(want))),
                       "sqrt(" << values[i + l] << ")");
        }
    }
}

namespace {
template <class T>
void check_row_reductions() {
    std::mt19937_64 rng(99);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    const double eps = std::numeric_limits<T>::epsilon();
    for (std::size_t n = 0; n <= 300; n += (n < 70 ? 1 : 37)) {
        std::vector<T> x(n), y(n);
        for (std::size_t i = 0; i < n; ++i) x[i] = T(u(rng)), y[i] = T(u(rng));
        long double sum = 0, dot = 0, abs_sum = 0, abs_dot = 0;
        for (std::size_t i = 0; i < n; ++i) {
            sum += x[i];
            dot += static_cast<long double>(x[i]) * y[i];
            abs_sum += std::fabs(static_cast<long double>(x[i]));
            abs_dot += std::fabs(static_cast<long double>(x[i]) * y[i]);
        }
        // The error bound of any order of summation: (n − 1)·ε·Σ|terms| (plus one rounding per product).
        BOOST_TEST(std::fabs(static_cast<double>(k::row_sum(x.data(), n) - sum)) <= double(n) * eps * double(abs_sum), "n = " << n);
        BOOST_TEST(std::fabs(static_cast<double>(k::row_dot(x.data(), y.data(), n) - dot)) <= double(n + 1) * eps * double(abs_dot),
                   "n = " << n);
        if (n == 0) continue;
        const T largest = *std::max_element(x.begin(), x.end());
        BOOST_TEST(k::row_max(x.data(), n) == largest, "n = " << n);
        // A NaN after the first entry is skipped, as the scalar loop m = p[i] > m ? p[i] : m skips it; as the
        // first entry it is the result.
        std::vector<T> with_nan = x;
        with_nan[n - 1] = std::numeric_limits<T>::quiet_NaN();
        if (n > 1)
            BOOST_TEST(k::row_max(with_nan.data(), n) == *std::max_element(x.begin(), x.end() - 1), "n = " << n);
        with_nan[0] = std::numeric_limits<T>::quiet_NaN();
        BOOST_TEST(std::isnan(k::row_max(with_nan.data(), n)), "n = " << n);
    }
    const std::vector<T> ones(77, T(0.5));
    BOOST_TEST(k::row_sum(ones.data(), ones.size()) == T(38.5));  // exact in any order
}
}  // namespace

BOOST_AUTO_TEST_CASE(row_sums_dot_products_and_maxima_in_lanes_match_long_double) {
    check_row_reductions<float>();
    check_row_reductions<double>();
    // The ops run in long double too (the tests' references): element by element, not in vectors.
    check_row_reductions<long double>();
}

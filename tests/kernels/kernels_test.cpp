#define BOOST_TEST_MODULE fusegrad kernels
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include <fusegrad/kernels/lanes.hpp>
#include <fusegrad/kernels/matmul.hpp>

// The matrix-product kernels against a long double triple loop on shapes that take every path (full register
// tiles, row tails, column tails narrower than a vector, matrix-vector, copied Bᵀ panels and the dot-product
// form for few rows), in float and double; that they write nothing outside their output; and the per-lane
// loops and square root the optimizers run on.

namespace k = fusegrad::kernels;

namespace {

/// Products of rows × K by K × M, checked to `tolerance` relative (to 1 + |exact|) for the three kernels.
template <class T, std::size_t K, std::size_t M>
void check_products(std::size_t rows) {
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
    da.resize(rows * K + guard, sentinel);
    db.resize(K * M + guard, sentinel);

    k::matmul<T, K, M>(a.data(), b.data(), c.data(), rows);
    k::matmul_add_a_bt<T, K, M>(dc.data(), b.data(), da.data(), rows);
    k::matmul_add_at_b<T, K, M>(a.data(), dc.data(), db.data(), rows);

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
            long double s = da0[i * K + p];
            for (std::size_t j = 0; j < M; ++j) s += static_cast<long double>(dc[i * M + j]) * b[p * M + j];
            bad += !close(s, da[i * K + p], M);
        }
    for (std::size_t p = 0; p < K; ++p)
        for (std::size_t j = 0; j < M; ++j) {
            long double s = db0[p * M + j];
            for (std::size_t i = 0; i < rows; ++i) s += static_cast<long double>(a[i * K + p]) * dc[i * M + j];
            bad += !close(s, db[p * M + j], rows);
        }
    for (std::size_t g = 0; g < guard; ++g) {
        bad += c[rows * M + g] != sentinel;
        bad += da[rows * K + g] != sentinel;
        bad += db[K * M + g] != sentinel;
    }
    BOOST_TEST(bad == 0u, "T = " << (sizeof(T) == 4 ? "float" : "double") << ", " << rows << "×" << K << " by " << K
                                 << "×" << M << ": " << bad << " wrong values");
}

template <class T>
void check_all_shapes() {
    for (const std::size_t rows : {0, 1, 2, 3, 4, 5, 7, 8, 9, 16, 31, 33, 100}) {
        check_products<T, 1, 1>(rows);
        check_products<T, 5, 1>(rows);
        check_products<T, 1, 7>(rows);
        check_products<T, 8, 32>(rows);
        check_products<T, 32, 32>(rows);
        check_products<T, 32, 1>(rows);
        check_products<T, 17, 3>(rows);
        check_products<T, 100, 65>(rows);
        check_products<T, 70, 129>(rows);
        check_products<T, 300, 10>(rows);  // longer than one reduction block
    }
    check_products<T, 784, 128>(33);
    check_products<T, 128, 10>(257);
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

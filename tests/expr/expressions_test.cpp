// Every kind of expression node, evaluated and differentiated on small inputs, against references computed
// in long double: by hand-written formulas (matmul, transpose, reductions) or as the long double function
// itself with its central differences (elementwise and row-wise nodes). Also batched variables, bindings,
// vjp, result types, float and double, and expressions that outlive their variables.
#define BOOST_TEST_MODULE expressions
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include "graph_check.hpp"

namespace fg = fusegrad;

namespace {

using ld = long double;
using values = std::vector<ld>;
using scalar_types = std::tuple<float, double>;

/// Relative (and, scaled by the largest entry, absolute) tolerance of a result computed in T from inputs
/// exact in T (every input below is a short binary fraction).
template <class T>
constexpr ld tolerance = std::is_same_v<T, float> ? 4e-6L : 1e-12L;

template <class T>
std::vector<T> as(const values& v) {
    return {v.begin(), v.end()};
}

/// A result of value() or a gradient as long doubles: a number, a tensor, a view or a vector.
template <class R>
values to_values(const R& r) {
    if constexpr (std::is_arithmetic_v<R>) return {static_cast<ld>(r)};
    else return values(r.begin(), r.end());
}

template <class T, class Actual>
void expect_close(const Actual& actual, const values& expected, const std::string& what) {
    const std::string failures = fgtest::compare_arrays(to_values(actual), expected, tolerance<T>, tolerance<T>, what);
    BOOST_TEST(failures.empty(), failures);
}

template <class V>
using var_t = std::remove_const_t<V>;

/// Checks value_and_grad of `expr` in T, with respect to every variable of `vars` bound to `in`, and the
/// forward-only value().
template <class T, class Expr, class... V>
void check_value_and_grad(const Expr& expr, fgtest::variable_list<V...> vars, const std::vector<values>& in,
                          ld expected_value, const std::vector<values>& expected_grads) {
    auto f = fg::compile<T>(expr);
    std::vector<std::vector<T>> data;
    for (const auto& x : in) data.push_back(as<T>(x));
    const auto [value, grad] =
        fgtest::with_bindings(vars, data, [&](const auto&... b) { return f.value_and_grad(fg::wrt(V{}...), b...); });
    expect_close<T>(value, {expected_value}, "value_and_grad value");
    expect_close<T>(fgtest::with_bindings(vars, data, [&](const auto&... b) { return f.value(b...); }),
                    {expected_value}, "value");
    std::size_t k = 0;
    ((expect_close<T>(grad[V{}], expected_grads[k], "gradient of " + std::string{V::name.view()}), ++k), ...);
}

/// The same, with the reference gradients taken as central differences of `reference` in long double.
template <class T, class Expr, class... V>
void check_against(const Expr& expr, fgtest::variable_list<V...> vars, const std::vector<values>& in,
                   const std::function<ld(const std::vector<values>&)>& reference) {
    std::vector<values> grads(in.size()), at = in;
    for (std::size_t k = 0; k < in.size(); ++k)
        for (std::size_t i = 0; i < in[k].size(); ++i) {
            grads[k].push_back(fgtest::central_difference(
                [&](ld t) {
                    at[k][i] = t;
                    const ld r = reference(at);
                    at[k][i] = in[k][i];
                    return r;
                },
                in[k][i]));
        }
    check_value_and_grad<T>(expr, vars, in, reference(in), grads);
}

// ----- long double references -----

/// Rows × cols of a node as stored (a vector is one row), with NumPy broadcasting into a larger grid.
struct grid {
    std::size_t rows, cols;
    std::size_t size() const { return rows * cols; }
    std::size_t at(std::size_t r, std::size_t c) const { return (rows == 1 ? 0 : r) * cols + (cols == 1 ? 0 : c); }
};

ld dot(const values& a, const values& b) {
    ld s = 0;
    for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
    return s;
}

struct matrix_product {
    values out, da, db;
};

/// A (m × k) · B (k × n) and, for L = Σ C ⊙ AB, dA = C·Bᵀ and dB = Aᵀ·C.
matrix_product reference_matmul(const values& a, const values& b, const values& c, std::size_t m, std::size_t k,
                                std::size_t n) {
    matrix_product p{values(m * n), values(m * k), values(k * n)};
    for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < n; ++j)
            for (std::size_t q = 0; q < k; ++q) {
                p.out[i * n + j] += a[i * k + q] * b[q * n + j];
                p.da[i * k + q] += c[i * n + j] * b[q * n + j];
                p.db[q * n + j] += a[i * k + q] * c[i * n + j];
            }
    return p;
}

/// `count` rows, row r being `row` shifted by r/4.
values rows_of(const values& row, std::size_t count) {
    values out;
    for (std::size_t r = 0; r < count; ++r)
        for (const ld x : row) out.push_back(x + ld(r) / 4);
    return out;
}

// ----- the variables used throughout -----
constexpr fg::var<"M", 2, 3> M;
constexpr fg::var<"N", 2, 3> N;
constexpr fg::var<"v", 3> v;
constexpr fg::var<"col", 2, 1> col;
constexpr fg::var<"s"> s;

const values m_values{0.5, -1.25, 2, 0.75, -0.5, 1.5};
const values n_values{1.25, 0.5, -0.75, 2.5, 1, -1.5};  // also the weights of L = Σ N ⊙ f
const values v_values{0.25, 1.5, -2};
const values positive_v{0.5, 1.25, 2};
const values positive_col{1.5, 0.75};
const values weights{0.5, -1, 2, 1.5, -0.5, 0.25, 1, -2, 0.75, 1.25, -1.5, 0.5};

/// The four arithmetic operators, each usable on expressions and on long doubles.
const auto plus = [](const auto& a, const auto& b) { return a + b; };
const auto minus = [](const auto& a, const auto& b) { return a - b; };
const auto times = [](const auto& a, const auto& b) { return a * b; };
const auto divided = [](const auto& a, const auto& b) { return a / b; };

/// L = Σ N ⊙ op(a, b) for variables of grids ga, gb broadcast to N's 2 × 3.
template <class T, class Op, class A, class B>
void check_broadcast(Op op, A a, grid ga, const values& va, B b, grid gb, const values& vb) {
    const auto reference = [=](const std::vector<values>& x) {
        ld sum = 0;
        for (std::size_t r = 0; r < 2; ++r)
            for (std::size_t c = 0; c < 3; ++c) sum += x[2][r * 3 + c] * op(x[0][ga.at(r, c)], x[1][gb.at(r, c)]);
        return sum;
    };
    check_against<T>(fg::sum(op(a, b) * N), fgtest::variable_list<A, B, var_t<decltype(N)>>{}, {va, vb, n_values},
                     reference);
}

template <class T, class A, class B>
void check_all_operators(A a, grid ga, const values& va, B b, grid gb, const values& vb) {
    BOOST_TEST_CONTEXT("a + b") { check_broadcast<T>(plus, a, ga, va, b, gb, vb); }
    BOOST_TEST_CONTEXT("a - b") { check_broadcast<T>(minus, a, ga, va, b, gb, vb); }
    BOOST_TEST_CONTEXT("a * b") { check_broadcast<T>(times, a, ga, va, b, gb, vb); }
    BOOST_TEST_CONTEXT("a / b") { check_broadcast<T>(divided, a, ga, va, b, gb, vb); }  // vb is kept away from 0
}

/// L = Σ N ⊙ f(M) for a unary f, called as fg::f on expressions and as std::f on long doubles.
template <class T, class F>
void check_unary(const char* name, F f, const values& x) {
    BOOST_TEST_CONTEXT(name) check_against<T>(fg::sum(f(M) * N), fgtest::variable_list<var_t<decltype(M)>, var_t<decltype(N)>>{},
                     {x, n_values}, [&](const std::vector<values>& in) {
                         ld sum = 0;
                         for (std::size_t i = 0; i < in[0].size(); ++i) sum += in[1][i] * f(in[0][i]);
                         return sum;
                     });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(elementwise)

BOOST_AUTO_TEST_CASE_TEMPLATE(same_shapes, T, scalar_types) {
    check_all_operators<T>(M, {2, 3}, m_values, fg::var<"P", 2, 3>{}, {2, 3}, {1.5, 0.5, -0.75, 2.5, 1, -1.5});
}

BOOST_AUTO_TEST_CASE_TEMPLATE(vector_bias_broadcasts_over_rows, T, scalar_types) {
    check_all_operators<T>(M, {2, 3}, m_values, v, {1, 3}, positive_v);
    check_all_operators<T>(v, {1, 3}, v_values, M, {2, 3}, {0.5, 1.25, 2, -0.75, 1.5, -2.5});
}

BOOST_AUTO_TEST_CASE_TEMPLATE(column_broadcasts_over_columns, T, scalar_types) {
    check_all_operators<T>(M, {2, 3}, m_values, col, {2, 1}, positive_col);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(vector_and_column_broadcast_to_a_matrix, T, scalar_types) {
    check_all_operators<T>(v, {1, 3}, v_values, col, {2, 1}, positive_col);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(scalar_variable_broadcasts_everywhere, T, scalar_types) {
    check_all_operators<T>(M, {2, 3}, m_values, s, {1, 1}, {1.25});
    check_all_operators<T>(s, {1, 1}, {-0.75}, M, {2, 3}, {0.5, 1.25, 2, -0.75, 1.5, -2.5});
}

BOOST_AUTO_TEST_CASE_TEMPLATE(runtime_constants_on_either_side, T, scalar_types) {
    // Constants are nodes too (positioned, by path): each keeps its own value.
    const auto op = [](const auto& a, const auto& b) { return (2.0 * a - b / 4.0 + 1.0) / (3.0 - b * 0.5) - a; };
    check_broadcast<T>(op, M, {2, 3}, m_values, v, {1, 3}, positive_v);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(unary_nodes, T, scalar_types) {
    const values positive{0.5, 1.25, 2, 0.75, 0.25, 1.5};
    check_unary<T>("exp", [](const auto& x) { using std::exp; return exp(x); }, m_values);
    check_unary<T>("log", [](const auto& x) { using std::log; return log(x); }, positive);
    check_unary<T>("log1p", [](const auto& x) { using std::log1p; return log1p(x); }, positive);
    check_unary<T>("expm1", [](const auto& x) { using std::expm1; return expm1(x); }, m_values);
    check_unary<T>("sqrt", [](const auto& x) { using std::sqrt; return sqrt(x); }, positive);
    check_unary<T>("abs", [](const auto& x) { using std::abs; return abs(x); }, m_values);
    check_unary<T>("tanh", [](const auto& x) { using std::tanh; return tanh(x); }, m_values);
    check_unary<T>("negate", [](const auto& x) { return -x; }, m_values);
    check_unary<T>("pow", [](const auto& x) {
        if constexpr (fg::expression<decltype(x)>) return fg::pow(x, 2.5);
        else return std::pow(x, 2.5L);
    }, positive);
    check_unary<T>("square", [](const auto& x) {
        if constexpr (fg::expression<decltype(x)>) return fg::square(x);
        else return x * x;
    }, m_values);
}

/// A user-defined elementwise op for fg::apply.
struct cube {
    template <class U> U value(U x) const { return x * x * x; }
    template <class U> U derivative(U x, U) const { return 3 * x * x; }
};

BOOST_AUTO_TEST_CASE_TEMPLATE(a_custom_op_differentiates_like_a_builtin, T, scalar_types) {
    check_unary<T>("apply(cube)", [](const auto& x) {
        if constexpr (fg::expression<decltype(x)>) return fg::apply(cube{}, x);
        else return x * x * x;
    }, m_values);
}

BOOST_AUTO_TEST_CASE(a_flat_region_gives_an_exact_zero_gradient) {
    // relu is flat left of 0: every path from x passes through a zero derivative.
    constexpr fg::var<"x", 3> x;
    auto f = fg::compile(fg::sum(fg::relu(x) * v) + fg::sum(v));
    const std::vector<double> xv{-1.5, -0.25, -3}, vv{1, 2, 3};
    const auto [value, grad] = f.value_and_grad(fg::wrt(x, v), x = xv, v = vv);
    BOOST_TEST(value == 6.0);
    for (const double g : grad[x]) BOOST_TEST(g == 0.0);
    for (const double g : grad[v]) BOOST_TEST(g == 1.0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(matrix_products)

/// L = Σ C ⊙ matmul(a, b), and value() of matmul(a, b) itself; a is m × k, b is k × n.
template <class T, class A, class B, class C>
void check_matmul(A a, const values& va, B b, const values& vb, C, const values& vc, std::size_t m, std::size_t k,
                  std::size_t n) {
    const matrix_product p = reference_matmul(va, vb, vc, m, k, n);
    check_value_and_grad<T>(fg::sum(fg::matmul(a, b) * C{}), fgtest::variable_list<A, B, C>{}, {va, vb, vc},
                            dot(p.out, vc), {p.da, p.db, p.out});
    auto f = fg::compile<T>(fg::matmul(a, b));
    const auto xa = as<T>(va), xb = as<T>(vb);
    expect_close<T>(f.value(a = xa, b = xb), p.out, "matmul value");
}

constexpr fg::var<"x4", 4> x4;
constexpr fg::var<"W", 4, 3> W;
constexpr fg::var<"A", 2, 4> A;
const values x4_values{0.5, -1, 1.5, 2};
const values w_values{0.5, -0.25, 1, 1.5, 0.75, -1, -0.5, 2, 0.25, 1.25, -1.5, 0.5};
const values a_values{1, -0.5, 0.25, 2, -1.5, 0.75, 1.25, -0.25};

BOOST_AUTO_TEST_CASE_TEMPLATE(vector_times_matrix, T, scalar_types) {
    check_matmul<T>(x4, x4_values, W, w_values, fg::var<"C", 3>{}, {0.5, -1, 2}, 1, 4, 3);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(matrix_times_matrix, T, scalar_types) {
    check_matmul<T>(A, a_values, W, w_values, fg::var<"C", 2, 3>{}, n_values, 2, 4, 3);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(matrix_times_vector, T, scalar_types) {
    // A vector on the right is a column: (3 × 4)(4 × 1), stored as a vector of 3.
    check_matmul<T>(fg::var<"Wt", 3, 4>{}, w_values, x4, x4_values, fg::var<"C", 3>{}, {0.5, -1, 2}, 3, 4, 1);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(dot_product, T, scalar_types) {
    check_matmul<T>(x4, x4_values, fg::var<"y4", 4>{}, {1.5, 0.25, -2, 0.5}, fg::var<"C">{}, {1.25}, 1, 4, 1);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(batched_matrix_times_matrix, T, scalar_types) {
    for (const std::size_t batch : {1, 3}) {
        BOOST_TEST_CONTEXT("batch " << batch) {
            check_matmul<T>(fg::var<"X", fg::batch, 4>{}, rows_of(x4_values, batch), W, w_values,
                            fg::var<"C", fg::batch, 3>{}, rows_of({0.5, -1, 2}, batch), batch, 4, 3);
        }
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(transpose_moves_gradients_back, T, scalar_types) {
    // L = Σ C ⊙ Aᵀ with C of 4 × 2: dA[r][c] = C[c][r], dC = Aᵀ.
    const values c42{0.5, 1, -1.5, 2, 0.25, -0.75, 1.25, 1.5};
    values da(8), at(8);
    for (std::size_t r = 0; r < 2; ++r)
        for (std::size_t c = 0; c < 4; ++c) {
            da[r * 4 + c] = c42[c * 2 + r];
            at[c * 2 + r] = a_values[r * 4 + c];
        }
    using C42 = fg::var<"C", 4, 2>;
    check_value_and_grad<T>(fg::sum(fg::transpose(A) * C42{}), fgtest::variable_list<var_t<decltype(A)>, C42>{},
                            {a_values, c42}, dot(at, c42), {da, at});
    static_assert(std::is_same_v<decltype(fg::transpose(x4)), var_t<decltype(x4)>>, "a vector is its own transpose");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(reductions)

enum class axis { all, rows, cols };

/// L = Σ C ⊙ reduce(x) for x of `in`: dx[r][c] = C[o(r, c)]·(1 or 1/count), dC = reduce(x); and value().
template <class T, axis Ax, class Expr, class X>
void check_reduction(const Expr& expr, X, grid in, bool mean, const values& x) {
    const std::size_t outputs = Ax == axis::all ? 1 : Ax == axis::rows ? in.cols : in.rows;
    const ld scale = mean ? ld(outputs) / ld(in.size()) : 1;
    const values w(weights.begin(), weights.begin() + outputs);
    values out(outputs), grad(in.size());
    for (std::size_t r = 0; r < in.rows; ++r)
        for (std::size_t c = 0; c < in.cols; ++c) {
            const std::size_t o = Ax == axis::all ? 0 : Ax == axis::rows ? c : r;
            out[o] += x[r * in.cols + c] * scale;
            grad[r * in.cols + c] = w[o] * scale;
        }
    using C = decltype(fgtest::variable_like<"C", Expr::shape>());
    BOOST_TEST_CONTEXT((mean ? "mean" : "sum") << " over " << (Ax == axis::all ? "all" : Ax == axis::rows ? "rows" : "columns")) {
        check_value_and_grad<T>(fg::sum(expr * C{}), fgtest::variable_list<X, C>{}, {x, w}, dot(out, w), {grad, out});
        auto f = fg::compile<T>(expr);
        const auto data = as<T>(x);
        expect_close<T>(f.value(X{} = data), out, "reduction value");
    }
}

/// fg::sum and fg::mean of x, over every element, over axis 0 or over axis −1.
template <class T, axis Ax, class X>
void check_sum_and_mean(X x, grid in, const values& xv) {
    if constexpr (Ax == axis::all) {
        check_reduction<T, Ax>(fg::sum(x), x, in, false, xv);
        check_reduction<T, Ax>(fg::mean(x), x, in, true, xv);
    } else if constexpr (Ax == axis::rows) {
        check_reduction<T, Ax>(fg::sum<0>(x), x, in, false, xv);
        check_reduction<T, Ax>(fg::mean<0>(x), x, in, true, xv);
    } else {
        check_reduction<T, Ax>(fg::sum<-1>(x), x, in, false, xv);
        check_reduction<T, Ax>(fg::mean<-1>(x), x, in, true, xv);
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(matrix_over_everything_rows_and_columns, T, scalar_types) {
    check_sum_and_mean<T, axis::all>(M, {2, 3}, m_values);
    check_sum_and_mean<T, axis::rows>(M, {2, 3}, m_values);
    check_sum_and_mean<T, axis::cols>(M, {2, 3}, m_values);
    static_assert(decltype(fg::sum<0>(M))::shape == fg::vector_shape(3));
    static_assert(decltype(fg::sum<-1>(M))::shape == fg::matrix_shape(2, 1), "kept as a column");
    static_assert(decltype(fg::sum<1>(M))::shape == fg::matrix_shape(2, 1));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_vector_or_a_scalar_reduces_to_a_scalar_on_either_axis, T, scalar_types) {
    // Rank 1 and rank 0 have one axis, 0 = −1: every reduction is over all elements.
    check_sum_and_mean<T, axis::all>(v, {1, 3}, v_values);
    check_reduction<T, axis::all>(fg::sum<0>(v), v, {1, 3}, false, v_values);
    check_reduction<T, axis::all>(fg::mean<-1>(v), v, {1, 3}, true, v_values);
    check_reduction<T, axis::all>(fg::sum<-1>(s), s, {1, 1}, false, {2.5});
    check_reduction<T, axis::all>(fg::mean<0>(s), s, {1, 1}, true, {2.5});
}

BOOST_AUTO_TEST_CASE_TEMPLATE(batched_reductions, T, scalar_types) {
    const fg::var<"B", fg::batch, 3> B;
    check_sum_and_mean<T, axis::all>(B, {4, 3}, rows_of(v_values, 4));
    check_sum_and_mean<T, axis::rows>(B, {4, 3}, rows_of(v_values, 4));
    check_sum_and_mean<T, axis::cols>(B, {4, 3}, rows_of(v_values, 4));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(rowwise)

/// The row-wise op `row` (long double) applied to each row of x (rows × cols), or to each column.
values apply_rows(const std::function<values(const values&)>& row, const values& x, std::size_t rows,
                  std::size_t cols, bool by_columns) {
    const std::size_t lines = by_columns ? cols : rows, length = by_columns ? rows : cols;
    values out(x.size());
    std::size_t out_length = 0;
    for (std::size_t l = 0; l < lines; ++l) {
        values line;
        for (std::size_t i = 0; i < length; ++i) line.push_back(by_columns ? x[i * cols + l] : x[l * cols + i]);
        const values y = row(line);
        out_length = y.size();
        for (std::size_t i = 0; i < y.size(); ++i) out[by_columns ? i * cols + l : l * y.size() + i] = y[i];
    }
    out.resize(lines * out_length);
    return out;
}

/// L = Σ C ⊙ build(X) with X of rows × cols, against `row` applied line by line.
template <class T, class X, class Build>
void check_rowwise(Build build, X x, std::size_t rows, std::size_t cols, const std::function<values(const values&)>& row,
                   bool by_columns = false) {
    using C = decltype(fgtest::variable_like<"C", decltype(build(x))::shape>());
    const values xv(weights.begin(), weights.begin() + rows * cols);
    values c;
    for (std::size_t i = 0; i < decltype(build(x))::shape.size(rows); ++i) c.push_back(n_values[i % 6] + ld(i / 6) / 2);
    check_against<T>(fg::sum(build(x) * C{}), fgtest::variable_list<X, C>{}, {xv, c}, [&](const std::vector<values>& in) {
        return dot(apply_rows(row, in[0], rows, cols, by_columns), in[1]);
    });
}

values softmax_row(const values& x) {
    ld total = 0;
    for (const ld e : x) total += std::exp(e);
    values y;
    for (const ld e : x) y.push_back(std::exp(e) / total);
    return y;
}

values log_softmax_row(const values& x) {
    values y = softmax_row(x);
    for (ld& e : y) e = std::log(e);
    return y;
}

values glu_row(const values& x) {
    values y;
    for (std::size_t i = 0; i < x.size() / 2; ++i) y.push_back(x[i] / (1 + std::exp(-x[x.size() / 2 + i])));
    return y;
}

BOOST_AUTO_TEST_CASE_TEMPLATE(softmax_and_log_softmax_along_either_axis, T, scalar_types) {
    check_rowwise<T>([](const auto& x) { return fg::softmax(x); }, M, 2, 3, softmax_row);
    check_rowwise<T>([](const auto& x) { return fg::log_softmax(x); }, M, 2, 3, log_softmax_row);
    check_rowwise<T>([](const auto& x) { return fg::softmax<0>(x); }, M, 2, 3, softmax_row, true);
    check_rowwise<T>([](const auto& x) { return fg::log_softmax<0>(x); }, M, 2, 3, log_softmax_row, true);
    check_rowwise<T>([](const auto& x) { return fg::softmax(x); }, v, 1, 3, softmax_row);
    check_rowwise<T>([](const auto& x) { return fg::log_softmax(x); }, fg::var<"B", fg::batch, 3>{}, 3, 3,
                     log_softmax_row);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(glu_halves_each_row, T, scalar_types) {
    check_rowwise<T>([](const auto& x) { return fg::glu(x); }, fg::var<"G", 2, 4>{}, 2, 4, glu_row);
}

BOOST_AUTO_TEST_CASE(sparsemax_projects_onto_the_simplex) {
    // Row [1, 0.5, -1]: support {0, 1}, τ = (1 + 0.5 − 1)/2 = 0.25, y = [0.75, 0.25, 0];
    // on the support the Jacobian is I − 1/|S|, so dL/dx = C − mean_S(C) there and 0 off it.
    constexpr fg::var<"r", 3> r;
    auto f = fg::compile(fg::sum(fg::sparsemax(r) * v));
    const std::vector<double> rv{1, 0.5, -1}, vv{2, -1, 4};
    const auto [value, grad] = f.value_and_grad(fg::wrt(r), r = rv, v = vv);
    BOOST_TEST(value == 0.75 * 2 - 0.25, boost::test_tools::tolerance(1e-15));
    expect_close<double>(grad[r], {1.5, -1.5, 0}, "sparsemax gradient");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(batches_and_bindings)

constexpr fg::var<"W", 3, 2> W;
constexpr fg::var<"b", 2> b;
const fg::var<"X", fg::batch, 3> X;
const fg::var<"Y", fg::batch, 3> Y;
const values w_values{0.5, -1, 1.5, 0.25, -0.75, 2};
const values b_values{0.25, -0.5};

/// tanh(X·W + b) for each batch size: the row count comes from the data.
template <class T>
void check_batch(std::size_t batch) {
    auto f = fg::compile<T>(fg::tanh(fg::matmul(X, W) + b));
    const values x = rows_of({0.5, -1.5, 1}, batch);
    const auto xv = as<T>(x), wv = as<T>(w_values), bv = as<T>(b_values);
    const fg::tensor_view<T> out = f.value(X = xv, W = wv, b = bv);
    BOOST_TEST(out.rows() == batch);
    BOOST_TEST(out.cols() == 2u);
    const matrix_product p = reference_matmul(x, w_values, values(batch * 2), batch, 3, 2);
    values expected;
    for (std::size_t i = 0; i < p.out.size(); ++i) expected.push_back(std::tanh(p.out[i] + b_values[i % 2]));
    expect_close<T>(out, expected, "batched value");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(the_batch_size_is_inferred_at_run_time, T, scalar_types) {
    for (const std::size_t batch : {1, 5, 2, 7}) {
        BOOST_TEST_CONTEXT("batch " << batch) { check_batch<T>(batch); }
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(two_batched_variables_that_agree, T, scalar_types) {
    // L = Σ X ⊙ Y·W-free: dX = Y, dY = X, and the batch gradient has B rows.
    const values x = rows_of({0.5, -1.5, 1}, 4), y = rows_of({2, 0.25, -0.5}, 4);
    check_value_and_grad<T>(fg::sum(X * Y), fgtest::variable_list<var_t<decltype(X)>, var_t<decltype(Y)>>{}, {x, y},
                            dot(x, y), {y, x});
}

/// The message of the std::invalid_argument that `call` throws, or "" when it throws nothing.
template <class F>
std::string invalid_argument_message(F call) {
    try {
        call();
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "";
}

BOOST_AUTO_TEST_CASE(mismatched_batch_sizes_throw_naming_a_variable) {
    auto f = fg::compile(fg::sum(X * Y));
    const std::vector<double> two_rows(6, 1.0), three_rows(9, 1.0);
    const std::string message = invalid_argument_message([&] { (void)f.value(X = two_rows, Y = three_rows); });
    BOOST_TEST_INFO("message: " << message);
    BOOST_TEST(message.starts_with("fusegrad:"));
    BOOST_TEST((message.find("'X'") != std::string::npos || message.find("'Y'") != std::string::npos));
    BOOST_TEST(message.find('2') != std::string::npos);
    BOOST_TEST(message.find('3') != std::string::npos);
}

BOOST_AUTO_TEST_CASE(wrong_sizes_throw_naming_the_variable) {
    auto f = fg::compile(fg::sum(fg::matmul(X, W) + b));
    const std::vector<double> x(6, 1.0), w(6, 1.0), b2(2, 1.0), short_w(5, 1.0), ragged_x(7, 1.0);
    const std::string wrong_w = invalid_argument_message([&] { (void)f.value(X = x, W = short_w, b = b2); });
    BOOST_TEST_INFO("message: " << wrong_w);
    BOOST_TEST(wrong_w.starts_with("fusegrad:"));
    BOOST_TEST(wrong_w.find("'W'") != std::string::npos);
    BOOST_TEST(wrong_w.find("expects 6") != std::string::npos);
    const std::string wrong_x = invalid_argument_message([&] { (void)f.value_and_grad(fg::wrt(W), X = ragged_x, W = w, b = b2); });
    BOOST_TEST_INFO("message: " << wrong_x);
    BOOST_TEST(wrong_x.find("'X'") != std::string::npos);
    BOOST_TEST(invalid_argument_message([&] { (void)f.value(X = x, W = w, b = b2); }).empty());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(bindings_are_matched_by_name_in_any_order, T, scalar_types) {
    auto f = fg::compile<T>(fg::sum(fg::tanh(fg::matmul(X, W) + b)));
    const auto x = as<T>(rows_of({0.5, -1.5, 1}, 2)), w = as<T>(w_values), bv = as<T>(b_values);
    const T in_order = f.value(X = x, W = w, b = bv);
    BOOST_TEST(f.value(b = bv, X = x, W = w) == in_order);
    BOOST_TEST(f.value(W = w, b = bv, X = x) == in_order);
    const auto [v1, g1] = f.value_and_grad(fg::wrt(b, W), W = w, X = x, b = bv);
    const auto [v2, g2] = f.value_and_grad(fg::wrt(W, b), b = bv, W = w, X = x);
    BOOST_TEST(v1 == in_order);
    BOOST_TEST(v2 == in_order);
    BOOST_TEST(g1[W] == g2[W]);
    BOOST_TEST(g1[b] == g2[b]);
}

BOOST_AUTO_TEST_CASE(value_returns_a_number_a_tensor_or_a_view) {
    auto scalar = fg::compile<float>(fg::sum(fg::matmul(X, W)));
    auto fixed = fg::compile<float>(fg::matmul(fg::transpose(W), fg::var<"x", 3>{}) + b);
    auto matrix = fg::compile(fg::transpose(W) * 2.0);
    auto batched = fg::compile(fg::matmul(X, W));
    const std::vector<float> xf(3, 1.0f), wf(6, 0.5f), bf(2, 0.25f);
    const std::vector<double> xd(9, 1.0), wd(6, 0.5);
    static_assert(std::is_same_v<decltype(scalar.value(X = xf, W = wf)), float>);
    static_assert(std::is_same_v<decltype(fixed.value(fg::var<"x", 3>{} = xf, W = wf, b = bf)), fg::tensor<float, 2>>);
    static_assert(std::is_same_v<decltype(matrix.value(W = wd)), fg::tensor<double, 2, 3>>);
    static_assert(std::is_same_v<decltype(batched.value(X = xd, W = wd)), fg::tensor_view<double>>);
    BOOST_TEST(scalar.value(X = xf, W = wf) == 3.0f);
    const fg::tensor<float, 2> t = fixed.value(fg::var<"x", 3>{} = xf, W = wf, b = bf);
    BOOST_TEST(t[0] == 1.75f);
    BOOST_TEST(matrix.value(W = wd)(1, 2) == 1.0);
    const auto view = batched.value(X = xd, W = wd);
    BOOST_TEST(view.rows() == 3u);
    BOOST_TEST(view(2, 1) == 1.5);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(vector_jacobian_products)

/// vjp of a non-scalar `expr` in double against seedᵀ·J, with J the central-difference Jacobian of value().
template <class Expr, class... V>
void check_vjp(const Expr& expr, fgtest::variable_list<V...> vars, const fgtest::flat_inputs& in,
               const std::vector<double>& seed) {
    auto f = fg::compile(expr);
    const auto jacobian = fgtest::numeric_jacobian(
        [&](const fgtest::flat_inputs& x) {
            return fgtest::with_bindings(vars, x, [&](const auto&... b) {
                const auto out = f.value(b...);
                return std::vector<double>(out.begin(), out.end());
            });
        },
        in);
    const auto [out, grad] =
        fgtest::with_bindings(vars, in, [&](const auto&... b) { return f.vjp(seed, fg::wrt(V{}...), b...); });
    BOOST_TEST(out.size() == seed.size());
    std::size_t k = 0;
    const auto expect = [&](const auto& g, std::string_view name) {
        std::vector<double> expected;
        for (const auto& column : jacobian[k++]) {
            double sum = 0;
            for (std::size_t o = 0; o < seed.size(); ++o) sum += seed[o] * column[o];
            expected.push_back(sum);
        }
        const std::string failures = fgtest::compare_arrays(g, expected, 1e-8L, 1e-10L, "vjp of " + std::string{name});
        BOOST_TEST(failures.empty(), failures);
    };
    (expect(grad[V{}], V::name.view()), ...);
}

BOOST_AUTO_TEST_CASE(fixed_and_batched_outputs) {
    constexpr fg::var<"x", 3> x;
    constexpr fg::var<"W", 3, 2> W;
    constexpr fg::var<"b", 2> b;
    const fg::var<"X", fg::batch, 3> X;
    const fgtest::flat_inputs fixed_in{{0.5, -1, 1.5}, {0.5, -1, 1.5, 0.25, -0.75, 2}, {0.25, -0.5}};
    check_vjp(fg::softmax(fg::matmul(x, W) + b), fgtest::variable_list<var_t<decltype(x)>, var_t<decltype(W)>, var_t<decltype(b)>>{},
              fixed_in, {1.5, -0.5});
    check_vjp(fg::tanh(fg::matmul(W, fg::var<"y", 2>{})) * x, fgtest::variable_list<var_t<decltype(W)>, fg::var<"y", 2>, var_t<decltype(x)>>{},
              {{0.5, -1, 1.5, 0.25, -0.75, 2}, {0.5, -0.25}, {1, 2, -1}}, {0.5, 1, -2});
    const fgtest::flat_inputs batched_in{{0.5, -1, 1.5, 1, 0.25, -2, 0, 0.5, 0.75, -1, 1, 2},
                                        {0.5, -1, 1.5, 0.25, -0.75, 2}, {0.25, -0.5}};
    check_vjp(fg::sigmoid(fg::matmul(X, W) + b), fgtest::variable_list<var_t<decltype(X)>, var_t<decltype(W)>, var_t<decltype(b)>>{},
              batched_in, {1, -1, 0.5, 2, -0.25, 0.75, 1.5, -2});
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(lifetime)

/// Builds an expression from variables and a constant local to this function and returns it.
auto make_expression(double scale) {
    fg::var<"x", 3> x;
    fg::var<"b", 3> b;
    auto e = fg::tanh(x) * scale + b;
    return e;
}

BOOST_AUTO_TEST_CASE(an_expression_owns_its_children) {
    const auto e = make_expression(3.0);
    auto f = fg::compile(fg::sum(e));
    const std::vector<double> x{0.5, -0.25, 1}, b{1, 2, 3};
    ld expected = 0;
    for (std::size_t i = 0; i < 3; ++i) expected += std::tanh(ld(x[i])) * 3 + b[i];
    const auto [value, grad] = f.value_and_grad(fg::wrt(fg::var<"x", 3>{}), fg::var<"x", 3>{} = x, fg::var<"b", 3>{} = b);
    expect_close<double>(value, {expected}, "value");
    values dx;
    for (const double xi : x) dx.push_back(3 * (1 - std::tanh(ld(xi)) * std::tanh(ld(xi))));
    expect_close<double>(grad[fg::var<"x", 3>{}], dx, "gradient");
}

BOOST_AUTO_TEST_SUITE_END()

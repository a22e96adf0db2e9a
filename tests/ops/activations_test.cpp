#define BOOST_TEST_MODULE fusegrad activations
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <fusegrad/fusegrad.hpp>

#include "ops_check.hpp"

// Every Keras activation, through compiled graphs: values and vector-Jacobian products against PyTorch
// fixtures, gradients against finite differences, float against double, extreme inputs, the kink
// conventions, the Keras defaults, and softmax at large magnitudes and along either axis.
// docs/activations.md has the formulas and conventions.
//
// Each case is instantiated (compiled into a graph) once per precision; everything else works on
// type-erased views of the cases, which keeps this file's compile time in bounds.

namespace fg = fusegrad;
using fgtest::ops::at_x;
using fgtest::ops::bound;
using fgtest::ops::check_close;
using fgtest::ops::evaluate;

namespace {

// ---------------------------------------------------------------------------------------------------
// The cases
// ---------------------------------------------------------------------------------------------------

constexpr double no_kink = std::numeric_limits<double>::quiet_NaN();

/// An elementwise activation as these tests see it. `kinks`: where f, f′ or f″ jumps (finite differences
/// and sampled points stay 1e-3 away). `odd_at_zero`: f ≈ c·x near 0 with c > 0 on the negative side, so
/// f(−0) = −0, the IEEE 754 convention of tanh, expm1 and erf. `upper`: f overflows double above it.
template <class Make>
struct elementwise_case {
    std::string_view label;
    Make make;
    std::array<double, 2> kinks;
    bool odd_at_zero;
    double upper;
};

template <class Make>
constexpr auto elementwise(std::string_view label, Make make, std::array<double, 2> kinks = {no_kink, no_kink},
                           bool odd_at_zero = false, double upper = std::numeric_limits<double>::max()) {
    return elementwise_case<Make>{label, make, kinks, odd_at_zero, upper};
}

// Labels are those of tests/fixtures/activations.txt.
constexpr auto elementwise_cases = std::tuple{
    elementwise("linear", [](const auto& x) { return fg::linear(x); }, {no_kink, no_kink}, true),
    elementwise("relu", [](const auto& x) { return fg::relu(x); }, {0.0, no_kink}),
    elementwise("relu_p",
                [](const auto& x) {
                    return fg::relu<fg::relu_options{.negative_slope = 0.1, .max_value = 5.0, .threshold = 0.5}>(x);
                },
                {0.5, 5.0}),
    elementwise("relu_max6", [](const auto& x) { return fg::relu<fg::relu_options{.max_value = 6.0}>(x); }, {0.0, 6.0}),
    elementwise("relu6", [](const auto& x) { return fg::relu6(x); }, {0.0, 6.0}),
    elementwise("leaky_relu", [](const auto& x) { return fg::leaky_relu(x); }, {0.0, no_kink}, true),
    elementwise("leaky_relu_0.1", [](const auto& x) { return fg::leaky_relu<0.1>(x); }, {0.0, no_kink}, true),
    elementwise("elu", [](const auto& x) { return fg::elu(x); }, {0.0, no_kink}, true),
    elementwise("elu_0.5", [](const auto& x) { return fg::elu<0.5>(x); }, {0.0, no_kink}, true),
    elementwise("selu", [](const auto& x) { return fg::selu(x); }, {0.0, no_kink}, true),
    elementwise("celu", [](const auto& x) { return fg::celu(x); }, {0.0, no_kink}, true),
    elementwise("celu_2", [](const auto& x) { return fg::celu<2.0>(x); }, {0.0, no_kink}, true),
    elementwise("sigmoid", [](const auto& x) { return fg::sigmoid(x); }),
    elementwise("hard_sigmoid", [](const auto& x) { return fg::hard_sigmoid(x); }, {-3.0, 3.0}),
    elementwise("log_sigmoid", [](const auto& x) { return fg::log_sigmoid(x); }),
    elementwise("sparse_sigmoid", [](const auto& x) { return fg::sparse_sigmoid(x); }, {-1.0, 1.0}),
    elementwise("tanh", [](const auto& x) { return fg::tanh(x); }, {no_kink, no_kink}, true),
    elementwise("tanh_shrink", [](const auto& x) { return fg::tanh_shrink(x); }),
    elementwise("hard_tanh", [](const auto& x) { return fg::hard_tanh(x); }, {-1.0, 1.0}, true),
    elementwise("softplus", [](const auto& x) { return fg::softplus(x); }),
    elementwise("softsign", [](const auto& x) { return fg::softsign(x); }, {0.0, no_kink}, true),
    elementwise("silu", [](const auto& x) { return fg::silu(x); }, {no_kink, no_kink}, true),
    elementwise("hard_silu", [](const auto& x) { return fg::hard_silu(x); }, {-3.0, 3.0}, true),
    elementwise("gelu", [](const auto& x) { return fg::gelu(x); }, {no_kink, no_kink}, true),
    elementwise("gelu_approx", [](const auto& x) { return fg::gelu<true>(x); }, {no_kink, no_kink}, true),
    elementwise("mish", [](const auto& x) { return fg::mish(x); }, {no_kink, no_kink}, true),
    elementwise("squareplus", [](const auto& x) { return fg::squareplus(x); }),
    elementwise("squareplus_1", [](const auto& x) { return fg::squareplus<1.0>(x); }),
    elementwise("soft_shrink", [](const auto& x) { return fg::soft_shrink(x); }, {-0.5, 0.5}, true),
    elementwise("hard_shrink", [](const auto& x) { return fg::hard_shrink(x); }, {-0.5, 0.5}, true),
    elementwise("threshold", [](const auto& x) { return fg::threshold<0.5, -1.0>(x); }, {0.5, no_kink}),
    elementwise("sparse_plus", [](const auto& x) { return fg::sparse_plus(x); }, {-1.0, 1.0}),
    elementwise("exponential", [](const auto& x) { return fg::exponential(x); }, {no_kink, no_kink}, false, 700.0),
};

/// A function of a whole row (the last axis, or axis 0 through `make.template operator()<0>`). `halving`
/// ones (glu) need an even length; `piecewise` ones (sparsemax) have kinks where an input meets τ.
enum class row_kind { smooth, halving, piecewise };

template <row_kind Kind, class Make>
struct row_case {
    static constexpr bool halving = Kind == row_kind::halving;
    static constexpr bool piecewise = Kind == row_kind::piecewise;
    std::string_view label;
    Make make;
};

template <row_kind Kind = row_kind::smooth, class Make>
constexpr row_case<Kind, Make> row_op(std::string_view label, Make make) {
    return {label, make};
}

constexpr auto row_cases = std::tuple{
    row_op("softmax", []<int Axis = -1>(const auto& x) { return fg::softmax<Axis>(x); }),
    row_op("log_softmax", []<int Axis = -1>(const auto& x) { return fg::log_softmax<Axis>(x); }),
    row_op<row_kind::halving>("glu", []<int Axis = -1>(const auto& x) { return fg::glu<Axis>(x); }),
    row_op<row_kind::piecewise>("sparsemax", []<int Axis = -1>(const auto& x) { return fg::sparsemax<Axis>(x); }),
};

/// Index of the case labelled Label, at compile time.
template <fg::fixed_string Label, class Tuple>
constexpr std::size_t index_of(const Tuple& cases) {
    const std::size_t i = std::apply(
        [](const auto&... c) {
            std::size_t k = 0, found = sizeof...(c);
            ((c.label == Label.view() ? found = k : 0, ++k), ...);
            return found;
        },
        cases);
    return i < std::tuple_size_v<Tuple> ? i : throw "no case with this label";
}

// ---------------------------------------------------------------------------------------------------
// Type-erased views: the compiled graphs behind function pointers
// ---------------------------------------------------------------------------------------------------

/// The op of an elementwise node in long double (linear has none: it is the variable itself).
template <class E>
long double op_value(const E& e, long double x) {
    if constexpr (fg::variable<E>) return x;
    else return e.op.value(x);
}
template <class E>
long double op_derivative(const E& e, long double x) {
    if constexpr (fg::variable<E>) return 1.0L;
    else return e.op.derivative(x, e.op.value(x));
}

/// What the checks need of an elementwise case.
struct elementwise_view {
    std::string_view label;
    std::array<double, 2> kinks;
    bool odd_at_zero;
    bool identity;  // linear: the node is the variable, whose derivative is the seed
    double upper;
    fgtest::ops::pointwise_functions compiled;
    long double (*value)(long double);       // the op's own value function in long double
    long double (*derivative)(long double);  // its backward rule in long double
};

template <std::size_t I>
elementwise_view elementwise_view_of() {
    constexpr const auto& c = std::get<I>(elementwise_cases);
    using make = std::remove_cvref_t<decltype(c.make)>;
    return {c.label,
            c.kinks,
            c.odd_at_zero,
            fg::variable<decltype(c.make(fgtest::ops::chunk_var))>,
            c.upper,
            fgtest::ops::pointwise_functions_of<make>(),
            [](long double x) { return op_value(make{}(fgtest::ops::chunk_var), x); },
            [](long double x) { return op_derivative(make{}(fgtest::ops::chunk_var), x); }};
}

const std::vector<elementwise_view>& elementwise_views() {
    static const auto views = []<std::size_t... I>(std::index_sequence<I...>) {
        return std::vector<elementwise_view>{elementwise_view_of<I>()...};
    }(std::make_index_sequence<std::tuple_size_v<decltype(elementwise_cases)>>{});
    return views;
}

/// Cotangent of the fixtures (and of every row check): w_j = 1 + 0.25·j.
inline double fixture_weight(std::size_t j) { return 1.0 + 0.25 * static_cast<double>(j); }

/// A row function's value and its vjp with cotangent w_j = 1 + 0.25·j.
template <class T>
struct row_result {
    std::vector<T> y, grad;
};

template <class T, std::size_t N, class Make>
row_result<T> row_evaluate(const Make& make, const std::array<T, N>& row) {
    constexpr fg::var<"x", N> x;
    auto f = fg::compile<T>(make(x));
    fg::tensor<T, decltype(make(x))::shape.cols> w;
    for (std::size_t j = 0; j < w.size(); ++j) w[j] = static_cast<T>(fixture_weight(j));
    fg::tensor<T, N> in;
    std::copy(row.begin(), row.end(), in.begin());
    const auto [y, grad] = f.vjp(w, fg::wrt(x), x = in);
    return {{y.begin(), y.end()}, {grad[x].begin(), grad[x].end()}};
}

template <class T, std::size_t N>
std::array<T, N> as_row(const std::vector<T>& v) {
    std::array<T, N> a{};
    std::copy(v.begin(), v.end(), a.begin());
    return a;
}

/// Row lengths are compile-time in fusegrad and run-time in the fixture file: a switch over the lengths
/// that occur. An odd length for a halving function is reported and gives an empty result.
template <std::size_t N, class Case>
row_result<double> row_evaluate_as(const Case& c, const std::vector<double>& x) {
    if constexpr (Case::halving && N % 2 != 0) {
        BOOST_ERROR(c.label << ": a row of odd length " << N << " cannot be split in halves");
        return {};
    } else {
        return row_evaluate<double>(c.make, as_row<double, N>(x));
    }
}

template <class Case>
row_result<double> row_evaluate_any(const Case& c, const std::vector<double>& x) {
    switch (x.size()) {
        case 2: return row_evaluate_as<2>(c, x);
        case 3: return row_evaluate_as<3>(c, x);
        case 4: return row_evaluate_as<4>(c, x);
        case 5: return row_evaluate_as<5>(c, x);
        case 6: return row_evaluate_as<6>(c, x);
        case 7: return row_evaluate_as<7>(c, x);
        default: BOOST_ERROR(c.label << ": no dispatch for rows of length " << x.size()); return {};
    }
}

/// Rows of six are the ones checked against finite differences, in float, with NaN and on matrices.
constexpr std::size_t row_length = 6;
using row = std::array<double, row_length>;
using long_row = std::array<long double, row_length>;

/// A row function along an axis of a 4 × 6 matrix (value, vjp) and the same function applied to each
/// row (axis −1) or column (axis 0) as a vector, line by line. The matrix seed varies along the axis
/// like the vector's cotangent.
struct matrix_lines {
    std::vector<std::vector<double>> y, grad, expected_y, expected_grad;
};

/// A fixed 4 × 6 matrix with one large and one very negative entry.
fg::tensor<double, 4, 6> sample_matrix() {
    fg::tensor<double, 4, 6> m;
    for (std::size_t i = 0; i < 4; ++i)
        for (std::size_t j = 0; j < 6; ++j)
            m(i, j) = 2.5 * std::sin(0.9 * static_cast<double>(i) + 1.3 * static_cast<double>(j) + 0.2);
    m(0, 0) = 30.0;
    m(3, 5) = -25.0;
    return m;
}

template <int Axis, class Case>
matrix_lines on_matrix(const Case& c) {
    constexpr fg::var<"X", 4, 6> X;
    const auto e = c.make.template operator()<Axis>(X);
    using E = decltype(e);
    constexpr bool along_rows = Axis != 0;
    fg::tensor<double, E::shape.rows, E::shape.cols> seed;
    for (std::size_t i = 0; i < seed.rows(); ++i)
        for (std::size_t j = 0; j < seed.cols(); ++j) seed(i, j) = fixture_weight(along_rows ? j : i);
    const auto data = sample_matrix();
    auto f = fg::compile<double>(e);
    const auto [y, grad] = f.vjp(seed, fg::wrt(X), X = data);
    constexpr std::size_t lines = along_rows ? 4 : 6, length = along_rows ? 6 : 4;
    constexpr std::size_t out_length = along_rows ? E::shape.cols : E::shape.rows;
    matrix_lines r;
    for (std::size_t k = 0; k < lines; ++k) {
        std::array<double, length> v;
        std::vector<double> yk, gk;
        for (std::size_t i = 0; i < length; ++i) {
            v[i] = along_rows ? data(k, i) : data(i, k);
            gk.push_back(along_rows ? grad[X](k, i) : grad[X](i, k));
        }
        for (std::size_t i = 0; i < out_length; ++i) yk.push_back(along_rows ? y(k, i) : y(i, k));
        const auto expected = row_evaluate<double>(c.make, v);
        r.y.push_back(yk);
        r.grad.push_back(gk);
        r.expected_y.push_back(expected.y);
        r.expected_grad.push_back(expected.grad);
    }
    return r;
}

/// A row case's op called directly on a row of run-time length n, as the graph calls it on each row.
template <class T>
struct row_op_functions {
    void (*forward)(const T* x, T* y, std::size_t n);
    void (*backward)(const T* x, const T* y, const T* g, T* gx, std::size_t n);
};

/// What the checks need of a row case.
struct row_view {
    std::string_view label;
    bool halving, piecewise;
    row_result<double> (*run_any)(const std::vector<double>&);  // any fixture length, double
    row_result<double> (*run_double)(const row&);
    row_result<float> (*run_float)(const std::array<float, row_length>&);
    std::size_t out_length;                                     // for rows of six
    std::size_t (*out_cols)(std::size_t n);                     // for rows of n
    void (*forward)(const long double*, long double*, std::size_t n);  // the op in long double
    row_op_functions<double> op_double;
    row_op_functions<float> op_float;
    matrix_lines (*along_rows)();
    matrix_lines (*along_columns)();
};

template <class T>
row_result<T> run(const row_view& v, const std::array<T, row_length>& x) {
    if constexpr (std::is_same_v<T, float>) return v.run_float(x);
    else return v.run_double(x);
}

template <class T>
const row_op_functions<T>& op_functions(const row_view& v) {
    if constexpr (std::is_same_v<T, float>) return v.op_float;
    else return v.op_double;
}

/// The op of row case I (the node's op does not depend on the row length).
template <std::size_t I>
auto row_op_of() {
    return std::get<I>(row_cases).make(fg::var<"x", row_length>{}).op;
}

template <std::size_t I, class T>
row_op_functions<T> row_op_functions_of() {
    return {[](const T* x, T* y, std::size_t n) { row_op_of<I>().forward(x, y, n); },
            [](const T* x, const T* y, const T* g, T* gx, std::size_t n) { row_op_of<I>().backward(x, y, g, gx, n); }};
}

template <std::size_t I>
row_view row_view_of() {
    constexpr const auto& c = std::get<I>(row_cases);
    using case_type = std::remove_cvref_t<decltype(c)>;
    constexpr fg::var<"x", row_length> x;
    return {c.label,
            case_type::halving,
            case_type::piecewise,
            [](const std::vector<double>& v) { return row_evaluate_any(std::get<I>(row_cases), v); },
            [](const row& v) { return row_evaluate<double>(std::get<I>(row_cases).make, v); },
            [](const std::array<float, row_length>& v) { return row_evaluate<float>(std::get<I>(row_cases).make, v); },
            decltype(c.make(x))::shape.cols,
            [](std::size_t n) { return decltype(row_op_of<I>())::out_cols(n); },
            [](const long double* in, long double* out, std::size_t n) { row_op_of<I>().forward(in, out, n); },
            row_op_functions_of<I, double>(),
            row_op_functions_of<I, float>(),
            [] { return on_matrix<-1>(std::get<I>(row_cases)); },
            [] { return on_matrix<0>(std::get<I>(row_cases)); }};
}

const std::vector<row_view>& row_views() {
    static const auto views = []<std::size_t... I>(std::index_sequence<I...>) {
        return std::vector<row_view>{row_view_of<I>()...};
    }(std::make_index_sequence<std::tuple_size_v<decltype(row_cases)>>{});
    return views;
}

template <class View>
const View* find_view(const std::vector<View>& views, std::string_view label) {
    const auto it = std::find_if(views.begin(), views.end(), [&](const View& v) { return v.label == label; });
    return it == views.end() ? nullptr : &*it;
}

// ---------------------------------------------------------------------------------------------------
// Points and tolerances
// ---------------------------------------------------------------------------------------------------

/// Double against the fixtures: the fixture file's own recommendation (its values carry about 1e-16
/// absolute error where they are tiny next to O(1) terms). Float: the input is rounded to float before
/// both sides are computed, so only float arithmetic inside the op is measured.
constexpr bound double_fixture{1e-12L, 1e-14L};
constexpr bound float_fixture{1e-5L, 1e-6L};
constexpr bound float_vs_double{1e-5L, 1e-6L};

/// "relu (float)": a label and the precision it was computed in.
template <class T>
std::string tagged(std::string_view label) {
    return std::string(label) + (std::is_same_v<T, float> ? " (float)" : " (double)");
}

bool near_kink(const elementwise_view& v, double x, double gap = 1e-3) {
    return std::any_of(v.kinks.begin(), v.kinks.end(), [&](double k) { return std::abs(x - k) < gap; });
}

/// 48 points over [−8, 8] (never integers or half-integers, so away from every kink) and ±0.3, ±1.5,
/// ±3.5, ±12, ±30, ±100, ±700, ±1e4.
std::vector<double> sample_points() {
    std::vector<double> p;
    for (int k = 0; k < 48; ++k) p.push_back(-8.0 + 16.0 * k / 47.0);
    for (double v : {0.3, 1.5, 3.5, 12.0, 30.0, 100.0, 700.0, 1e4}) {
        p.push_back(v);
        p.push_back(-v);
    }
    return p;
}

/// Twelve smooth pseudo-random rows in [−3, 3], and rows of large spread or one dominant entry.
std::vector<row> sample_rows() {
    std::vector<row> rows;
    for (int k = 0; k < 12; ++k) {
        row r;
        for (std::size_t i = 0; i < row_length; ++i)
            r[i] = 3.0 * std::sin(1.7 * k + 2.3 * static_cast<double>(i) + 0.4);
        rows.push_back(r);
    }
    rows.push_back({-30.0, 25.0, 3.0, -12.0, 0.5, 7.0});
    rows.push_back({40.0, -40.0, 0.25, 39.5, 1.0, -1.0});
    rows.push_back({0.05, -0.02, 0.11, 0.07, -0.04, 0.01});
    rows.push_back({12.0, 0.5, -1.0, 0.25, 1.5, -7.0});
    return rows;
}

// ---------------------------------------------------------------------------------------------------
// (a) PyTorch fixtures
// ---------------------------------------------------------------------------------------------------

struct fixture_case {
    std::string label;
    std::vector<double> x, y, g;
    int line = 0;
};

std::vector<fixture_case> read_fixtures() {
    const std::string path = std::string(FUSEGRAD_FIXTURES_DIR) + "/activations.txt";
    std::ifstream in(path);
    BOOST_REQUIRE_MESSAGE(in, "cannot open " << path);
    std::vector<fixture_case> cases;
    std::string text;
    int line = 0;
    const auto read_numbers = [](std::istringstream& s, std::size_t n) {
        std::vector<double> v(n);
        for (auto& x : v) s >> x;
        return v;
    };
    while (std::getline(in, text)) {
        ++line;
        if (text.empty() || text[0] == '#') continue;
        std::istringstream s(text);
        fixture_case c;
        c.line = line;
        std::size_t n = 0, m = 0;
        s >> c.label >> n;
        c.x = read_numbers(s, n);
        s >> m;
        c.y = read_numbers(s, m);
        c.g = read_numbers(s, n);
        std::string rest;
        BOOST_REQUIRE_MESSAGE(s && !(s >> rest), path << ":" << line << ": malformed fixture line");
        cases.push_back(std::move(c));
    }
    return cases;
}

/// All points of one elementwise label at once, in T. The fixture's g is f′(x) (its cotangent is 1 for
/// n = 1); here point k is seeded with w = 1 + 0.25·(k mod 8), so the vjp must return w·f′(x).
template <class T>
void check_elementwise_fixtures_in(const elementwise_view& v, const std::vector<const fixture_case*>& lines) {
    std::vector<T> xs, seed;
    for (std::size_t k = 0; k < lines.size(); ++k) {
        xs.push_back(static_cast<T>(lines[k]->x[0]));
        seed.push_back(static_cast<T>(fixture_weight(k % fgtest::ops::chunk)));
    }
    const auto r = v.compiled.run(xs, seed);
    const bound b = std::is_same_v<T, float> ? float_fixture : double_fixture;
    const std::string op = tagged<T>(v.label);
    for (std::size_t k = 0; k < lines.size(); ++k) {
        const long double w = seed[k];
        check_close(op, "fixture value", at_x{xs[k]}, r.value[k], lines[k]->y[0], b);
        check_close(op, "fixture vjp", at_x{xs[k]}, r.grad[k], w * lines[k]->g[0], {b.rtol, b.atol * w});
    }
}

/// "line L, y[j]": where in the fixture file a row comparison comes from.
std::string row_entry(int line, const char* what, std::size_t j) {
    return "line " + std::to_string(line) + ", " + what + "[" + std::to_string(j) + "]";
}

void check_row_fixture(const row_view& v, const fixture_case& f) {
    const auto r = v.run_any(f.x);
    if (r.y.size() != f.y.size() || r.grad.size() != f.g.size()) {
        BOOST_ERROR(v.label << ": line " << f.line << ": " << r.y.size() << " outputs, the fixture has " << f.y.size());
        return;
    }
    for (std::size_t j = 0; j < f.y.size(); ++j)
        check_close(v.label, "fixture value", row_entry(f.line, "y", j), r.y[j], f.y[j], double_fixture);
    for (std::size_t i = 0; i < f.g.size(); ++i)
        check_close(v.label, "fixture vjp", row_entry(f.line, "g", i), r.grad[i], f.g[i], double_fixture);
}

// ---------------------------------------------------------------------------------------------------
// (b) finite differences, (c) float against double, (d) extreme inputs
// ---------------------------------------------------------------------------------------------------

/// Derivative through the compiled graph (double) against a sixth-order central difference of the op's
/// own value function in long double, at ≥ 50 smooth points including ±30, ±100, ±700, ±1e4. The values
/// were checked against PyTorch in (a), so differentiating them is independent of the backward rule.
/// FD rounding is ≈ 2·1.1e-19·|f|/2⁻¹² ≈ 1e-15·|f|, hence the absolute term 1e-14·max(1, |f|); the
/// relative term leaves two digits of margin over the worst case seen (all pass at 1e-13).
void check_finite_differences(const elementwise_view& v) {
    std::vector<double> points;
    for (double x : sample_points())
        if (!near_kink(v, x) && x <= v.upper) points.push_back(x);
    BOOST_CHECK_MESSAGE(points.size() >= 50, v.label << ": only " << points.size() << " smooth points");
    const auto r = v.compiled.run(points);
    for (std::size_t k = 0; k < points.size(); ++k) {
        const long double x = points[k], fx = v.value(x);
        const long double scale = std::max(1.0L, std::fabs(fx));
        check_close(v.label, "value (double vs long double)", at_x{x}, r.value[k], fx, {1e-13L, 1e-15L * scale});
        check_close(v.label, "derivative vs finite difference", at_x{x}, r.grad[k],
                    fgtest::ops::derivative6(v.value, x), {1e-11L, 1e-14L * scale});
    }
}

/// Float against double at the same (float) points, values and derivatives.
void check_float_against_double(const elementwise_view& v) {
    std::vector<float> points;
    for (double x : sample_points())
        if (!near_kink(v, static_cast<float>(x))) points.push_back(static_cast<float>(x));
    const auto rf = v.compiled.run(points);
    const auto rd = v.compiled.run(fgtest::ops::converted<double>(points));
    for (std::size_t k = 0; k < points.size(); ++k) {
        // The double result rounded to float: it overflows to inf exactly where float must.
        check_close(tagged<float>(v.label), "value", at_x{points[k]}, rf.value[k], static_cast<float>(rd.value[k]),
                    float_vs_double);
        check_close(tagged<float>(v.label), "derivative", at_x{points[k]}, rf.grad[k], static_cast<float>(rd.grad[k]),
                    float_vs_double);
    }
}

/// ±0, ±denormal, ±1e4, ±max, ±inf, NaN in T. The reference is the op evaluated in long double, whose
/// exponent range (±4932) keeps every intermediate of a double or float input finite; an infinite input
/// is replaced by ±LDBL_MAX there, which gives the limit at infinity. Where that reference is finite in T,
/// the result must be finite and close; NaN must give NaN in value and derivative.
template <class T>
void check_extremes_in(const elementwise_view& v) {
    const auto xs = fgtest::ops::extreme_inputs<T>();
    const auto r = v.compiled.run(xs);
    constexpr long double eps = std::numeric_limits<T>::epsilon();
    const bound value_bound{64 * eps, 4.0L * std::numeric_limits<T>::denorm_min()};
    const bound derivative_bound{64 * eps, 8 * eps};
    const std::string op = tagged<T>(v.label);
    for (std::size_t k = 0; k < xs.size(); ++k) {
        const long double x = xs[k];
        if (std::isnan(x)) {
            BOOST_CHECK_MESSAGE(std::isnan(r.value[k]), op << ": value at NaN is " << r.value[k] << ", not NaN");
            // The identity's derivative is the constant 1: the seed passes through.
            if (!v.identity)
                BOOST_CHECK_MESSAGE(std::isnan(r.grad[k]), op << ": derivative at NaN is " << r.grad[k] << ", not NaN");
            continue;
        }
        const long double at = std::isinf(x) ? std::copysign(std::numeric_limits<long double>::max(), x) : x;
        const long double y = v.value(at), d = v.derivative(at);
        BOOST_CHECK_MESSAGE(!std::isnan(y) && !std::isnan(d),
                            op << ": the long double reference is undefined at " << at_x{x});
        check_close(op, "extreme value", at_x{x}, r.value[k], static_cast<T>(y), value_bound);
        check_close(op, "extreme derivative", at_x{x}, r.grad[k], static_cast<T>(d), derivative_bound);
        if (v.odd_at_zero && x == 0)
            BOOST_CHECK_MESSAGE(std::signbit(r.value[k]) == std::signbit(x),
                                op << ": f(" << (std::signbit(x) ? "-0" : "+0") << ") = " << r.value[k]
                                   << " has the wrong sign of zero");
    }
}

/// Rows of extreme numbers: ±max, ±1e4, denormals, zeros of both signs, each row several of them.
template <class T>
std::vector<std::array<T, row_length>> extreme_rows() {
    using limits = std::numeric_limits<T>;
    const T max = limits::max(), big = T(1e4), tiny = fgtest::ops::extreme_inputs<T>()[2];
    return {{max, -max, T(0), big, -big, tiny},     {max, max, max, max, max, max},
            {-max, -max, -max, -max, -max, -max},   {big, -big, big, -big, T(0), -T(0)},
            {max, T(1), T(2), T(3), T(4), T(5)},    {-max, T(1), T(2), T(3), T(4), T(5)},
            {tiny, -tiny, T(0), -T(0), tiny, T(0)}, {-big, -big, max, T(0.5), -max, big}};
}

/// On rows of extreme numbers whose outputs are finite in T (by the long double reference), values and
/// vjp are finite and raise no trappable floating-point exception.
template <class T>
void check_row_no_exception_in(const row_view& v) {
    for (const auto& x : extreme_rows<T>()) {
        long_row xl{}, yl{};
        std::copy(x.begin(), x.end(), xl.begin());
        v.forward(xl.data(), yl.data(), row_length);
        if (!std::all_of(yl.begin(), yl.begin() + static_cast<std::ptrdiff_t>(v.out_length),
                         [](long double y) { return std::isfinite(static_cast<T>(y)); }))
            continue;
        row_result<T> r;
        const int raised = fgtest::exceptions_raised_by([&] { r = run<T>(v, x); });
        std::ostringstream where;
        for (T e : x) where << ' ' << fgtest::ops::number{e};
        BOOST_CHECK_MESSAGE(raised == 0, tagged<T>(v.label) << " on the row" << where.str() << " raises "
                                                            << fgtest::exception_names(raised));
        const auto finite = [](const std::vector<T>& e) { return std::all_of(e.begin(), e.end(), [](T u) { return std::isfinite(u); }); };
        BOOST_CHECK_MESSAGE(finite(r.y) && finite(r.grad),
                            tagged<T>(v.label) << " on the row" << where.str() << ": a value or gradient is not finite");
    }
}

/// The same on rows of each of the exception lengths (twice that for a halving op, whose halves then have
/// it), the extreme rows repeated along them: the op's loops and row reductions run whole vectors and
/// then a tail, or only a tail, as the graph runs them on rows of that width.
template <class T>
void check_row_no_exception_at_lengths_in(const row_view& v) {
    const auto& op = op_functions<T>(v);
    for (const std::size_t length : fgtest::exception_lengths) {
        const std::size_t n = v.halving ? 2 * length : length, out = v.out_cols(n);
        for (const auto& pattern : extreme_rows<T>()) {
            std::vector<T> x(n), y(out), g(out), gx(n);
            std::vector<long double> xl(n), yl(out);
            for (std::size_t i = 0; i < n; ++i) xl[i] = x[i] = pattern[i % row_length];
            // The cotangent of rows of six, repeated: at most 2.25, so that (with σ′ ≤ ¼) glu's gradients of
            // a ±max input stay finite.
            for (std::size_t j = 0; j < out; ++j) g[j] = static_cast<T>(fixture_weight(j % row_length));
            v.forward(xl.data(), yl.data(), n);
            if (!std::all_of(yl.begin(), yl.end(), [](long double e) { return std::isfinite(static_cast<T>(e)); }))
                continue;
            const int raised = fgtest::exceptions_raised_by([&] {
                op.forward(x.data(), y.data(), n);
                op.backward(x.data(), y.data(), g.data(), gx.data(), n);
            });
            std::ostringstream where;
            for (T e : pattern) where << ' ' << fgtest::ops::number{e};
            BOOST_CHECK_MESSAGE(raised == 0, tagged<T>(v.label) << " on a row of " << n << " repeating" << where.str()
                                                                << " raises " << fgtest::exception_names(raised));
            const auto finite = [](T u) { return std::isfinite(u); };
            BOOST_CHECK_MESSAGE(std::all_of(y.begin(), y.end(), finite) && std::all_of(gx.begin(), gx.end(), finite),
                                tagged<T>(v.label) << " on a row of " << n << " repeating" << where.str()
                                                   << ": a value or gradient is not finite");
        }
    }
}

/// ⟨w, f(x)⟩ of a row function in long double, with the fixtures' cotangent w.
long double row_objective(const row_view& v, const long_row& x) {
    long_row y{};
    v.forward(x.data(), y.data(), row_length);
    long double s = 0;
    for (std::size_t j = 0; j < v.out_length; ++j) s += fixture_weight(j) * y[j];
    return s;
}

/// Distance of the row's entries from sparsemax's threshold τ (its kinks), in long double.
long double distance_from_tau(const row_view& v, const long_row& x) {
    long_row y{};
    v.forward(x.data(), y.data(), row_length);
    const auto k = static_cast<std::size_t>(std::max_element(y.begin(), y.end()) - y.begin());
    const long double tau = x[k] - y[k];
    long double d = std::numeric_limits<long double>::infinity();
    for (long double e : x) d = std::min(d, std::fabs(e - tau));
    return d;
}

/// The vjp of a row function (double, through the graph) against sixth-order differences of ⟨w, f(x)⟩,
/// with the tolerances of the elementwise check.
void check_row_finite_differences(const row_view& v) {
    int checked = 0;
    for (const row& r : sample_rows()) {
        long_row xl;
        std::copy(r.begin(), r.end(), xl.begin());
        if (v.piecewise && distance_from_tau(v, xl) < 1e-3L) continue;
        const auto got = v.run_double(r);
        long_row yl{};
        v.forward(xl.data(), yl.data(), row_length);
        for (std::size_t i = 0; i < row_length; ++i) {
            const std::string where = "row " + std::to_string(checked) + ", index " + std::to_string(i);
            if (i < v.out_length)
                check_close(v.label, "value (double vs long double)", where, got.y[i], yl[i], {1e-13L, 1e-15L});
            const auto along_i = [&](long double t) {
                auto p = xl;
                p[i] = t;
                return row_objective(v, p);
            };
            const long double scale = std::max(1.0L, std::fabs(row_objective(v, xl)));
            check_close(v.label, "vjp vs finite difference", where, got.grad[i],
                        fgtest::ops::derivative6(along_i, xl[i]), {1e-11L, 1e-14L * scale});
        }
        ++checked;
    }
    BOOST_CHECK_MESSAGE(checked >= 12, v.label << ": only " << checked << " rows away from kinks");
}

void check_row_float_against_double(const row_view& v) {
    for (const row& r : sample_rows()) {
        std::array<float, row_length> rf;
        std::transform(r.begin(), r.end(), rf.begin(), [](double e) { return static_cast<float>(e); });
        row rd;
        std::copy(rf.begin(), rf.end(), rd.begin());
        const auto f = run<float>(v, rf);
        const auto d = run<double>(v, rd);
        const std::string where = "the row starting " + std::to_string(r[0]);
        for (std::size_t j = 0; j < f.y.size(); ++j)
            check_close(tagged<float>(v.label), "value", where, f.y[j], static_cast<float>(d.y[j]), float_vs_double);
        for (std::size_t i = 0; i < row_length; ++i)
            check_close(tagged<float>(v.label), "vjp", where, f.grad[i], static_cast<float>(d.grad[i]), float_vs_double);
    }
}

/// A NaN anywhere in a row makes the whole row NaN (one normaliser), values and gradients; for glu only
/// the NaN's output and the gate's gradient, which involves both halves, are NaN.
template <class T>
void check_row_nan_in(const row_view& v) {
    constexpr std::size_t half = row_length / 2;
    for (std::size_t at = 0; at < row_length; ++at) {
        std::array<T, row_length> x{T(0.5), T(-1), T(2), T(0.25), T(-0.75), T(1.5)};
        x[at] = std::numeric_limits<T>::quiet_NaN();
        const auto r = run<T>(v, x);
        const std::string where = tagged<T>(v.label) + ": NaN at index " + std::to_string(at);
        for (std::size_t j = 0; j < r.y.size(); ++j)
            if (!v.halving || j == at % half)
                BOOST_CHECK_MESSAGE(std::isnan(r.y[j]), where << ": y[" << j << "] = " << r.y[j]);
        for (std::size_t i = 0; i < row_length; ++i)
            if (!v.halving || i == half + at % half)
                BOOST_CHECK_MESSAGE(std::isnan(r.grad[i]), where << ": gradient[" << i << "] = " << r.grad[i]);
    }
}

void check_matrix_lines(const std::string& op, const matrix_lines& m, const char* line) {
    for (std::size_t k = 0; k < m.y.size(); ++k) {
        const std::string where = line + std::to_string(k);
        BOOST_REQUIRE_EQUAL(m.y[k].size(), m.expected_y[k].size());
        for (std::size_t i = 0; i < m.y[k].size(); ++i)
            check_close(op, "value", where, m.y[k][i], m.expected_y[k][i], {1e-15L, 1e-16L});
        for (std::size_t i = 0; i < m.grad[k].size(); ++i)
            check_close(op, "vjp", where, m.grad[k][i], m.expected_grad[k][i], {1e-15L, 1e-16L});
    }
}

// ---------------------------------------------------------------------------------------------------
// (e) kinks, (f) defaults and names
// ---------------------------------------------------------------------------------------------------

constexpr fg::var<"s"> scalar;

void check_exact(const std::string& op, double x, long double value, long double derivative, long double expected_value,
                 long double expected_derivative) {
    BOOST_CHECK_MESSAGE(value == expected_value,
                        op << ": value at the kink " << x << " is " << value << ", expected " << expected_value);
    BOOST_CHECK_MESSAGE(derivative == expected_derivative, op << ": derivative at the kink " << x << " is "
                                                               << derivative << ", expected " << expected_derivative);
}

/// value_and_grad of make(s) at x, compared exactly with the documented numbers.
template <class T, class Make>
void check_exact_at(std::string_view label, const Make& make, double x, double value, double derivative) {
    auto f = fg::compile<T>(make(scalar));
    const auto [v, g] = f.value_and_grad(fg::wrt(scalar), scalar = static_cast<T>(x));
    check_exact(tagged<T>(label), x, v, g[scalar][0], static_cast<T>(value), static_cast<T>(derivative));
}

/// The documented value and derivative at a kink (docs/activations.md), in float and double, through
/// value_and_grad of the compiled graph: the derivative is that of the piece the strict comparisons
/// select, 0 where the function is flat on one side.
template <fg::fixed_string Label>
void check_kink(double x, double value, double derivative) {
    const auto& c = std::get<index_of<Label>(elementwise_cases)>(elementwise_cases);
    check_exact_at<double>(c.label, c.make, x, value, derivative);
    check_exact_at<float>(c.label, c.make, x, value, derivative);
}

constexpr double selu_slope_at_zero = fg::ops::selu::scale * fg::ops::selu::alpha;

/// Bitwise the same numbers (NaN equal to NaN).
template <class T>
bool identical(const std::vector<T>& a, const std::vector<T>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [](T x, T y) { return x == y ? std::signbit(x) == std::signbit(y) : (x != x && y != y); });
}

template <class E>
struct is_row_node : std::false_type {};
template <class Op, class X>
struct is_row_node<fg::rowwise<Op, X>> : std::true_type {};

/// `fg::activation<Name>` builds the same node as the function of the case `Label`, with the same numbers.
template <fg::fixed_string Name, fg::fixed_string Label = Name>
void check_activation_name() {
    const auto by_name = [](const auto& x) { return fg::activation<Name>(x); };
    const std::string what = "activation<\"" + std::string(Name.view()) + "\">";
    if constexpr (is_row_node<decltype(by_name(fgtest::ops::chunk_var))>::value) {
        const auto& c = std::get<index_of<Label>(row_cases)>(row_cases);
        constexpr fg::var<"x", row_length> x;
        BOOST_CHECK_MESSAGE((std::is_same_v<decltype(by_name(x)), decltype(c.make(x))>), what << " is not " << c.label);
        const row_view& v = *find_view(row_views(), c.label);
        for (const row& r : sample_rows()) {
            const auto a = row_evaluate<double>(by_name, r), b = v.run_double(r);
            BOOST_CHECK_MESSAGE(identical(a.y, b.y) && identical(a.grad, b.grad), what << " differs from " << c.label);
        }
    } else {
        const auto& c = std::get<index_of<Label>(elementwise_cases)>(elementwise_cases);
        constexpr auto x = fgtest::ops::chunk_var;
        BOOST_CHECK_MESSAGE((std::is_same_v<decltype(by_name(x)), decltype(c.make(x))>), what << " is not " << c.label);
        const auto points = sample_points();
        const auto a = evaluate<double>(by_name, points);
        const auto b = find_view(elementwise_views(), c.label)->compiled.run(points);
        BOOST_CHECK_MESSAGE(identical(a.value, b.value) && identical(a.grad, b.grad), what << " differs from " << c.label);
    }
}

/// A Keras default, seen through a value: label, x and the value Keras 3 gives.
struct default_case {
    std::string_view label;
    double x;
    long double value;
};

const default_case default_cases[] = {
    {"relu", -1.0, 0.0L},              // negative_slope 0
    {"relu", 1e4, 1e4L},               // max_value None
    {"leaky_relu", -1.0, -0.2L},       // negative_slope 0.2 (the LeakyReLU layer's 0.3 is not the function's)
    {"elu", -1.0, std::expm1(-1.0L)},  // alpha 1
    {"celu", -1.0, std::expm1(-1.0L)},  // alpha 1
    {"selu", 1.0, 1.0507009873554804934193349852946L},
    {"hard_sigmoid", 1.0, 1.0L / 6 + 0.5L},  // Keras 3 x/6 + 1/2; Keras 2's 0.2x + 0.5 gives 0.7
    {"hard_sigmoid", 2.6, 2.6L / 6 + 0.5L},  // Keras 2 would clip to 1
    {"hard_silu", 1.0, 1.0L / 6 + 0.5L},
    {"gelu", 1.0, 0.5L * (1 + std::erf(1 / std::sqrt(2.0L)))},  // exact, not the tanh approximation
    {"squareplus", 0.0, 1.0L},                                 // b = 4: √4/2
    {"soft_shrink", 0.4, 0.0L},                                // threshold 0.5
    {"soft_shrink", 0.7, 0.7L - 0.5L},
    {"hard_shrink", 0.4, 0.0L},
    {"hard_shrink", 0.6, 0.6L},
};

// ---------------------------------------------------------------------------------------------------
// (g) softmax at large magnitudes
// ---------------------------------------------------------------------------------------------------

/// Softmax and log_softmax in closed form, long double: values and the vjp with the fixtures' cotangent.
struct softmax_reference {
    std::vector<long double> softmax, softmax_vjp, log_softmax, log_softmax_vjp;
};

template <class T, std::size_t N>
softmax_reference softmax_closed_form(const std::array<T, N>& x) {
    const long double m = *std::max_element(x.begin(), x.end());
    long double sum = 0, w_sum = 0, yw = 0;
    for (T v : x) sum += std::exp(static_cast<long double>(v) - m);
    softmax_reference r;
    for (std::size_t i = 0; i < N; ++i) {
        r.softmax.push_back(std::exp(static_cast<long double>(x[i]) - m) / sum);
        r.log_softmax.push_back(static_cast<long double>(x[i]) - m - std::log(sum));
        w_sum += fixture_weight(i);
        yw += r.softmax[i] * fixture_weight(i);
    }
    for (std::size_t i = 0; i < N; ++i) {
        r.softmax_vjp.push_back(r.softmax[i] * (fixture_weight(i) - yw));
        r.log_softmax_vjp.push_back(fixture_weight(i) - r.softmax[i] * w_sum);
    }
    return r;
}

/// Rows whose exponentials overflow or underflow unless the maximum is subtracted.
template <class T>
void check_softmax_stability_in() {
    using R = std::array<T, 3>;
    const std::vector<R> rows = {{T(1000), T(0), T(-1000)},   {T(1e4), T(0), T(-1e4)},   {T(1e4), T(9999), T(9998)},
                                 {T(-1e4), T(-9999), T(-9998)}, {T(100), T(100), T(100)}, {T(88), T(89), T(90)},
                                 {T(-1000), T(-1000), T(1000)}};
    const bound b = std::is_same_v<T, float> ? bound{1e-5L, 1e-6L} : bound{1e-13L, 1e-15L};
    const auto softmax = [](const auto& v) { return fg::softmax(v); };
    const auto log_softmax = [](const auto& v) { return fg::log_softmax(v); };
    for (const R& x : rows) {
        const auto ref = softmax_closed_form(x);
        const auto s = row_evaluate<T>(softmax, x);
        const auto l = row_evaluate<T>(log_softmax, x);
        const std::string where =
            "row (" + std::to_string(x[0]) + ", " + std::to_string(x[1]) + ", " + std::to_string(x[2]) + ")";
        T total = 0;
        for (std::size_t i = 0; i < 3; ++i) {
            total += s.y[i];
            check_close(tagged<T>("softmax"), "value", where, s.y[i], ref.softmax[i], b);
            check_close(tagged<T>("softmax"), "vjp", where, s.grad[i], ref.softmax_vjp[i], b);
            check_close(tagged<T>("log_softmax"), "value", where, l.y[i], ref.log_softmax[i], b);
            check_close(tagged<T>("log_softmax"), "vjp", where, l.grad[i], ref.log_softmax_vjp[i], b);
        }
        check_close(tagged<T>("softmax"), "row sum", where, total, 1.0L, b);
    }
}

}  // namespace

// ---------------------------------------------------------------------------------------------------
// Test cases
// ---------------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(activations)

BOOST_AUTO_TEST_CASE(pytorch_fixtures) {
    const auto cases = read_fixtures();
    BOOST_REQUIRE(!cases.empty());
    std::map<std::string, std::vector<const fixture_case*>> by_label;
    for (const auto& c : cases) by_label[c.label].push_back(&c);

    std::set<std::string, std::less<>> known;
    for (const auto& v : elementwise_views()) known.emplace(v.label);
    for (const auto& v : row_views()) known.emplace(v.label);
    for (const auto& label : known)
        BOOST_CHECK_MESSAGE(by_label.count(label), label << ": no fixture in activations.txt");

    std::size_t checked = 0;
    for (const auto& [label, lines] : by_label) {
        if (const auto* v = find_view(elementwise_views(), label)) {
            for (const auto* l : lines)
                BOOST_REQUIRE_MESSAGE(l->x.size() == 1 && l->y.size() == 1,
                                      label << ": line " << l->line << " is not scalar");
            check_elementwise_fixtures_in<double>(*v, lines);
            check_elementwise_fixtures_in<float>(*v, lines);
            checked += lines.size();
        } else if (const auto* r = find_view(row_views(), label)) {
            for (const auto* l : lines) check_row_fixture(*r, *l);
            checked += lines.size();
        } else {
            BOOST_ERROR(label << ": fixture label unknown to the test");
        }
    }
    BOOST_TEST(checked == cases.size());
    BOOST_TEST_MESSAGE("activation fixtures checked: " << checked << " cases, " << by_label.size() << " labels");
}

BOOST_AUTO_TEST_CASE(elementwise_gradients_match_finite_differences) {
    for (const auto& v : elementwise_views()) check_finite_differences(v);
}

BOOST_AUTO_TEST_CASE(row_gradients_match_finite_differences) {
    for (const auto& v : row_views()) check_row_finite_differences(v);
}

BOOST_AUTO_TEST_CASE(float_matches_double) {
    for (const auto& v : elementwise_views()) check_float_against_double(v);
    for (const auto& v : row_views()) check_row_float_against_double(v);
}

using scalar_types = std::tuple<double, float>;

BOOST_AUTO_TEST_CASE_TEMPLATE(extreme_inputs, T, scalar_types) {
    for (const auto& v : elementwise_views()) check_extremes_in<T>(v);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(no_floating_point_exception_where_the_result_is_finite, T, scalar_types) {
    for (const auto& v : elementwise_views())
        fgtest::ops::check_no_exception_at_extremes<T>(tagged<T>(v.label), v.compiled, v.value, v.derivative);
    for (const auto& v : row_views()) {
        check_row_no_exception_in<T>(v);
        check_row_no_exception_at_lengths_in<T>(v);
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(nan_propagates_through_rows, T, scalar_types) {
    for (const auto& v : row_views()) check_row_nan_in<T>(v);
}

BOOST_AUTO_TEST_CASE(large_magnitudes_stay_finite_in_float) {
    // Design property 6: no inf/NaN for |x| up to 1e4 in float, wherever the math is finite.
    std::vector<float> xs;
    for (float m : {10.f, 20.f, 50.f, 88.f, 89.f, 100.f, 150.f, 500.f, 1e3f, 5e3f, 1e4f}) {
        xs.push_back(m);
        xs.push_back(-m);
    }
    for (const auto& v : elementwise_views()) {
        const auto r = v.compiled.run(xs);
        for (std::size_t k = 0; k < xs.size(); ++k) {
            if (xs[k] > 88.f && v.label == "exponential") continue;  // e^89 > FLT_MAX
            BOOST_CHECK_MESSAGE(std::isfinite(r.value[k]) && std::isfinite(r.grad[k]),
                                v.label << " (float) at x = " << xs[k] << ": value " << r.value[k] << ", derivative "
                                        << r.grad[k]);
        }
    }
}

BOOST_AUTO_TEST_CASE(kink_conventions) {
    check_kink<"relu">(0.0, 0.0, 0.0);
    check_kink<"relu">(-0.0, 0.0, 0.0);
    check_kink<"relu_p">(0.5, 0.0, 0.0);
    check_kink<"relu_p">(5.0, 5.0, 0.0);
    check_kink<"relu_max6">(0.0, 0.0, 0.0);
    check_kink<"relu_max6">(6.0, 6.0, 0.0);
    check_kink<"relu6">(0.0, 0.0, 0.0);
    check_kink<"relu6">(6.0, 6.0, 0.0);
    check_kink<"leaky_relu">(0.0, 0.0, 0.2);
    check_kink<"leaky_relu">(-0.0, 0.0, 0.2);
    check_kink<"leaky_relu_0.1">(0.0, 0.0, 0.1);
    check_kink<"hard_tanh">(-1.0, -1.0, 0.0);
    check_kink<"hard_tanh">(1.0, 1.0, 0.0);
    check_kink<"hard_sigmoid">(-3.0, 0.0, 0.0);
    check_kink<"hard_sigmoid">(3.0, 1.0, 0.0);
    check_kink<"sparse_sigmoid">(-1.0, 0.0, 0.0);
    check_kink<"sparse_sigmoid">(1.0, 1.0, 0.0);
    check_kink<"soft_shrink">(-0.5, 0.0, 0.0);
    check_kink<"soft_shrink">(0.5, 0.0, 0.0);
    check_kink<"hard_shrink">(-0.5, 0.0, 0.0);
    check_kink<"hard_shrink">(0.5, 0.0, 0.0);
    check_kink<"threshold">(0.5, -1.0, 0.0);
    check_kink<"hard_silu">(-3.0, 0.0, 0.0);  // PyTorch: −0.5, the middle piece (2x + 3)/6
    check_kink<"hard_silu">(3.0, 3.0, 1.0);   // PyTorch: 1.5, the middle piece again
    check_kink<"elu">(0.0, 0.0, 1.0);
    check_kink<"elu_0.5">(0.0, 0.0, 0.5);
    check_kink<"selu">(0.0, 0.0, selu_slope_at_zero);
    check_kink<"celu">(0.0, 0.0, 1.0);
    check_kink<"celu_2">(0.0, 0.0, 1.0);
    check_kink<"sparse_plus">(-1.0, 0.0, 0.0);  // continuously differentiable: both pieces agree
    check_kink<"sparse_plus">(1.0, 1.0, 1.0);
    check_kink<"softsign">(0.0, 0.0, 1.0);
    const auto abs = [](const auto& x) { return fg::abs(x); };
    check_exact_at<double>("abs", abs, 0.0, 0.0, 0.0);
    check_exact_at<double>("abs", abs, -0.0, 0.0, 0.0);
    check_exact_at<float>("abs", abs, 0.0, 0.0, 0.0);
}

BOOST_AUTO_TEST_CASE(keras_defaults) {
    constexpr auto x = fgtest::ops::chunk_var;
    static_assert(std::is_same_v<decltype(fg::leaky_relu(x)), decltype(fg::leaky_relu<0.2>(x))>);
    static_assert(std::is_same_v<decltype(fg::elu(x)), decltype(fg::elu<1.0>(x))>);
    static_assert(std::is_same_v<decltype(fg::celu(x)), decltype(fg::celu<1.0>(x))>);
    static_assert(std::is_same_v<decltype(fg::squareplus(x)), decltype(fg::squareplus<4.0>(x))>);
    static_assert(std::is_same_v<decltype(fg::soft_shrink(x)), decltype(fg::soft_shrink<0.5>(x))>);
    static_assert(std::is_same_v<decltype(fg::hard_shrink(x)), decltype(fg::hard_shrink<0.5>(x))>);
    static_assert(std::is_same_v<decltype(fg::gelu(x)), decltype(fg::gelu<false>(x))>);
    static_assert(!std::is_same_v<decltype(fg::gelu(x)), decltype(fg::gelu<true>(x))>);
    static_assert(std::is_same_v<decltype(fg::relu(x)), decltype(fg::relu<fg::relu_options{}>(x))>);
    static_assert(std::is_same_v<decltype(fg::swish(x)), decltype(fg::silu(x))>);
    static_assert(std::is_same_v<decltype(fg::hard_swish(x)), decltype(fg::hard_silu(x))>);

    for (const auto& d : default_cases) {
        const auto* v = find_view(elementwise_views(), d.label);
        BOOST_REQUIRE_MESSAGE(v, d.label << ": no such case");
        const auto r = v->compiled.run(std::vector<double>{d.x});
        check_close(d.label, "Keras 3 default", at_x{d.x}, r.value[0], d.value, {1e-15L, 1e-16L});
    }
    // The default gelu is the exact one, visibly different from the tanh approximation at x = 1.
    const auto exact = find_view(elementwise_views(), "gelu")->compiled.run(std::vector<double>{1.0});
    const auto approximate = find_view(elementwise_views(), "gelu_approx")->compiled.run(std::vector<double>{1.0});
    BOOST_TEST(std::abs(exact.value[0] - approximate.value[0]) > 1e-4);
}

BOOST_AUTO_TEST_CASE(activation_names) {
    check_activation_name<"linear">();
    check_activation_name<"relu">();
    check_activation_name<"relu6">();
    check_activation_name<"leaky_relu">();
    check_activation_name<"elu">();
    check_activation_name<"selu">();
    check_activation_name<"celu">();
    check_activation_name<"sigmoid">();
    check_activation_name<"hard_sigmoid">();
    check_activation_name<"log_sigmoid">();
    check_activation_name<"sparse_sigmoid">();
    check_activation_name<"tanh">();
    check_activation_name<"tanh_shrink">();
    check_activation_name<"hard_tanh">();
    check_activation_name<"softplus">();
    check_activation_name<"softsign">();
    check_activation_name<"silu">();
    check_activation_name<"swish", "silu">();
    check_activation_name<"hard_silu">();
    check_activation_name<"hard_swish", "hard_silu">();
    check_activation_name<"gelu">();
    check_activation_name<"mish">();
    check_activation_name<"squareplus">();
    check_activation_name<"soft_shrink">();
    check_activation_name<"hard_shrink">();
    check_activation_name<"sparse_plus">();
    check_activation_name<"exponential">();
    check_activation_name<"softmax">();
    check_activation_name<"log_softmax">();
    check_activation_name<"glu">();
    check_activation_name<"sparsemax">();
}

BOOST_AUTO_TEST_CASE_TEMPLATE(softmax_is_stable_at_large_magnitudes, T, scalar_types) {
    check_softmax_stability_in<T>();
}

BOOST_AUTO_TEST_CASE(softmax_masks_minus_infinity) {
    // −inf entries (masked positions) get probability 0 and a finite gradient; the rest is the softmax of
    // the remaining entries. log_softmax gives −inf there, with gradient w − p·Σw = w.
    const row x{-std::numeric_limits<double>::infinity(), 0.5, -0.5, 2.0, -std::numeric_limits<double>::infinity(), 1.0};
    const std::array<double, 4> rest{0.5, -0.5, 2.0, 1.0};
    const auto ref = softmax_closed_form(rest);
    const auto s = find_view(row_views(), "softmax")->run_double(x);
    const auto l = find_view(row_views(), "log_softmax")->run_double(x);
    const auto sm = find_view(row_views(), "sparsemax")->run_double(x);
    for (std::size_t i : {0, 4}) {
        BOOST_TEST(s.y[i] == 0.0);
        BOOST_TEST(sm.y[i] == 0.0);
        BOOST_TEST(l.y[i] == -std::numeric_limits<double>::infinity());
        BOOST_TEST(l.grad[i] == fixture_weight(i));
    }
    for (std::size_t i = 0; i < row_length; ++i)
        BOOST_CHECK_MESSAGE(std::isfinite(s.grad[i]) && std::isfinite(l.grad[i]) && std::isfinite(sm.grad[i]),
                            "masked row: gradient " << i << " is not finite");
    const std::size_t kept[] = {1, 2, 3, 5};
    for (std::size_t k = 0; k < 4; ++k)
        check_close("softmax", "masked row value", "index " + std::to_string(kept[k]), s.y[kept[k]], ref.softmax[k],
                    {1e-15L, 1e-16L});
}

BOOST_AUTO_TEST_CASE(row_functions_along_either_axis_of_a_matrix) {
    constexpr fg::var<"X", 4, 6> X;
    static_assert(std::is_same_v<decltype(fg::softmax<1>(X)), decltype(fg::softmax(X))>);
    for (const auto& v : row_views()) {
        check_matrix_lines(std::string(v.label) + "<-1> on a 4 x 6 matrix", v.along_rows(), "row ");
        check_matrix_lines(std::string(v.label) + "<0> on a 4 x 6 matrix", v.along_columns(), "column ");
    }
    // Softmax sums to 1 along the axis it took.
    const auto by_rows = find_view(row_views(), "softmax")->along_rows();
    const auto by_columns = find_view(row_views(), "softmax")->along_columns();
    const auto check_sums = [](const matrix_lines& m, const char* line) {
        for (std::size_t k = 0; k < m.y.size(); ++k) {
            long double s = 0;
            for (double e : m.y[k]) s += e;
            check_close("softmax", "sum", line + std::to_string(k), s, 1.0L, {4e-16L, 0});
        }
    };
    check_sums(by_rows, "row ");
    check_sums(by_columns, "column ");
}

BOOST_AUTO_TEST_CASE(softmax_of_a_batch) {
    // A batch of three rows: the gradient of Σ softmax(X)·w (w broadcast over the rows) is each row's vjp.
    constexpr fg::var<"X", fg::batch, row_length> X;
    constexpr fg::var<"w", row_length> w;
    const auto rows = sample_rows();
    std::vector<double> data;
    for (std::size_t r = 0; r < 3; ++r) data.insert(data.end(), rows[r].begin(), rows[r].end());
    fg::tensor<double, row_length> weights;
    for (std::size_t j = 0; j < row_length; ++j) weights[j] = fixture_weight(j);
    auto f = fg::compile(fg::sum(fg::softmax(X) * w));
    const auto [value, grad] = f.value_and_grad(fg::wrt(X), X = data, w = weights);
    const row_view& softmax = *find_view(row_views(), "softmax");
    long double total = 0;
    for (std::size_t r = 0; r < 3; ++r) {
        const auto ref = softmax.run_double(rows[r]);
        for (std::size_t j = 0; j < row_length; ++j) {
            total += ref.y[j] * fixture_weight(j);
            check_close("softmax of a batch", "gradient", "row " + std::to_string(r) + ", index " + std::to_string(j),
                        grad[X][r * row_length + j], ref.grad[j], {1e-15L, 1e-16L});
        }
    }
    check_close("softmax of a batch", "value", "3 rows", value, total, {1e-15L, 0});
}

BOOST_AUTO_TEST_SUITE_END()

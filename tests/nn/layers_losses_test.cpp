#define BOOST_TEST_MODULE fusegrad nn layers and losses
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <fstream>
#include <limits>
#include <span>
#include <sstream>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/mp11/algorithm.hpp>
#include <fusegrad/fusegrad.hpp>

#include "fp_exceptions.hpp"
#include "test_support.hpp"

// Dense and PReLU layers and the four Keras losses against PyTorch fixtures (tests/fixtures/nn.txt, made by
// tests/fixtures/make_nn_fixtures.py), in double and float; the losses at extreme logits and with invalid
// labels against closed forms; accuracy counting on hand-made cases; dropout's masks, its absence outside
// training and its seeding.

namespace fg = fusegrad;

namespace {

// ---------------------------------------------------------------------------------------------------
// The fixture file
// ---------------------------------------------------------------------------------------------------

/// One line of nn.txt: a label and its arrays (their meaning per label is in the script's docstring).
struct fixture_case {
    std::string label;
    std::vector<std::vector<double>> arrays;
};

const std::vector<fixture_case>& fixtures() {
    static const std::vector<fixture_case> cases = [] {
        const std::string path = std::string(FUSEGRAD_FIXTURES_DIR) + "/nn.txt";
        std::ifstream in(path);
        BOOST_REQUIRE_MESSAGE(in, "cannot open " << path);
        std::vector<fixture_case> out;
        std::string line;
        while (std::getline(in, line)) {
            if (line.empty() || line[0] == '#') continue;
            std::istringstream fields(line);
            fixture_case c;
            fields >> c.label;
            std::size_t n = 0;
            while (fields >> n) {
                std::vector<double> a(n);
                for (double& v : a) BOOST_REQUIRE(fields >> v);
                c.arrays.push_back(std::move(a));
            }
            out.push_back(std::move(c));
        }
        return out;
    }();
    return cases;
}

/// The cases of one label; fails the test when there are none (a renamed label must not pass silently).
std::vector<fixture_case> cases_of(const std::string& label) {
    std::vector<fixture_case> found;
    for (const auto& c : fixtures())
        if (c.label == label) found.push_back(c);
    BOOST_TEST_REQUIRE(!found.empty(), "no fixture labelled " << label);
    return found;
}

/// Tolerances: double agrees with float64 torch to rounding; float to float rounding.
template <class T>
constexpr long double rtol = std::is_same_v<T, float> ? 2e-5L : 1e-12L;
template <class T>
constexpr long double atol = std::is_same_v<T, float> ? 2e-6L : 1e-14L;

template <class Range>
std::vector<double> as_doubles(const Range& r) {
    std::vector<double> v;
    for (const auto& x : r) v.push_back(static_cast<double>(x));
    return v;
}

template <class T>
std::vector<T> converted(const std::vector<double>& v) {
    return std::vector<T>(v.begin(), v.end());
}

/// Compares arrays with the tolerances of T; a failure lists the first disagreeing elements.
template <class T>
void check_array(const std::vector<double>& actual, const std::vector<double>& expected, const std::string& what) {
    const std::string failures = fgtest::compare_arrays(actual, expected, rtol<T>, atol<T>, what);
    BOOST_TEST(failures.empty(), failures);
}

// ---------------------------------------------------------------------------------------------------
// Dense
// ---------------------------------------------------------------------------------------------------

/// Runs a one-dense model on a fixture case: forward and the vector-Jacobian products with respect to the
/// input, the kernel and (when present) the bias, compared with torch.
template <class T, class Model>
void check_dense_case(const Model& model, const fixture_case& c) {
    const auto& dims = c.arrays[0];
    const auto& x = c.arrays[1];
    const auto& kernel = c.arrays[2];
    const auto& bias = c.arrays[3];
    const auto& w = c.arrays[4];
    const std::size_t in = static_cast<std::size_t>(dims[1]), units = static_cast<std::size_t>(dims[2]);
    BOOST_TEST_REQUIRE(in == Model::input_features.size());
    BOOST_TEST_REQUIRE(units == Model::output_features.size());

    auto params = model.template init<T>(1);
    auto weights = params.template layer<0>();
    for (std::size_t i = 0; i < in; ++i)
        for (std::size_t j = 0; j < units; ++j) weights.kernel(i, j) = static_cast<T>(kernel[i * units + j]);
    for (std::size_t j = 0; j < bias.size(); ++j) weights.bias[j] = static_cast<T>(bias[j]);

    using vars = typename Model::parameter_variables;
    using K = boost::mp11::mp_at_c<vars, 0>;
    const typename Model::input_variable X;
    auto f = fg::compile<T>(model.output());
    const std::vector<T> xs = converted<T>(x), seed = converted<T>(w);
    const std::string where = c.label + (std::is_same_v<T, float> ? " (float)" : " (double)");
    if constexpr (Model::template layer_type<1>::use_bias) {
        using B = boost::mp11::mp_at_c<vars, 1>;
        params.with_bindings([&](const auto&... b) {
            const auto [y, grad] = f.vjp(seed, fg::wrt(X, K{}, B{}), b..., X = xs);
            check_array<T>(as_doubles(y), c.arrays[5], where + " y");
            check_array<T>(as_doubles(grad[X]), c.arrays[6], where + " dx");
            check_array<T>(as_doubles(grad[K{}]), c.arrays[7], where + " dkernel");
            check_array<T>(as_doubles(grad[B{}]), c.arrays[8], where + " dbias");
            return 0;
        });
    } else {
        BOOST_TEST(c.arrays[8].empty());
        params.with_bindings([&](const auto&... b) {
            const auto [y, grad] = f.vjp(seed, fg::wrt(X, K{}), b..., X = xs);
            check_array<T>(as_doubles(y), c.arrays[5], where + " y");
            check_array<T>(as_doubles(grad[X]), c.arrays[6], where + " dx");
            check_array<T>(as_doubles(grad[K{}]), c.arrays[7], where + " dkernel");
            return 0;
        });
    }
}

template <class Model>
void check_dense_label(const Model& model, const std::string& label) {
    for (const auto& c : cases_of(label)) {
        check_dense_case<double>(model, c);
        check_dense_case<float>(model, c);
    }
}

BOOST_AUTO_TEST_CASE(dense_matches_torch_linear_with_the_keras_kernel_layout) {
    check_dense_label(fg::sequential(fg::input<4>, fg::dense<5>()), "dense_bias");
    check_dense_label(fg::sequential(fg::input<3>, fg::dense<2, fg::bias::none>()), "dense_nobias");
    check_dense_label(fg::sequential(fg::input<4>, fg::dense<5>(fg::activation<"tanh">)), "dense_tanh");
}

BOOST_AUTO_TEST_CASE(dense_of_one_sample_is_a_row_of_the_batch) {
    // Closed form: x·kernel + bias for one sample, the model applied to a vector rather than a batch.
    constexpr auto model = fg::sequential(fg::input<2>, fg::dense<3>());
    auto params = model.init<double>(3);
    auto w = params.layer<0>();
    const double k[2][3] = {{1, -2, 0.5}, {0.25, 4, -1}};
    for (std::size_t i = 0; i < 2; ++i)
        for (std::size_t j = 0; j < 3; ++j) w.kernel(i, j) = k[i][j];
    w.bias[0] = 0.125;
    w.bias[1] = -1;
    w.bias[2] = 2;
    const fg::var<"sample", 2> s;
    auto f = fg::compile<double>(model(s));
    const fg::tensor<double, 2> x{{3, -2}};
    const auto y = params.with_bindings([&](const auto&... b) { return f.value(b..., s = x); });
    const double expected[3] = {3 * 1 - 2 * 0.25 + 0.125, 3 * -2 - 2 * 4 - 1, 3 * 0.5 - 2 * -1 + 2};
    for (std::size_t j = 0; j < 3; ++j) BOOST_TEST(y[j] == expected[j]);
}

// ---------------------------------------------------------------------------------------------------
// PReLU
// ---------------------------------------------------------------------------------------------------

constexpr auto prelu_model = fg::sequential(fg::input<3>, fg::prelu{});

template <class T>
void check_prelu_case(const fixture_case& c) {
    const auto& model = prelu_model;
    using Model = std::remove_cvref_t<decltype(prelu_model)>;
    using A = boost::mp11::mp_at_c<Model::parameter_variables, 0>;
    BOOST_TEST_REQUIRE(c.arrays[0][1] == 3.0);
    auto params = model.init<T>(0);
    for (std::size_t k = 0; k < 3; ++k) params.template layer<0>().alpha[k] = static_cast<T>(c.arrays[2][k]);
    const Model::input_variable X;
    auto f = fg::compile<T>(model.output());
    const std::vector<T> xs = converted<T>(c.arrays[1]), seed = converted<T>(c.arrays[3]);
    const std::string where = std::string("prelu") + (std::is_same_v<T, float> ? " (float)" : " (double)");
    params.with_bindings([&](const auto&... b) {
        const auto [y, grad] = f.vjp(seed, fg::wrt(X, A{}), b..., X = xs);
        check_array<T>(as_doubles(y), c.arrays[4], where + " y");
        check_array<T>(as_doubles(grad[X]), c.arrays[5], where + " dx");
        check_array<T>(as_doubles(grad[A{}]), c.arrays[6], where + " dalpha");
        return 0;
    });
}

BOOST_AUTO_TEST_CASE(prelu_matches_torch_prelu_per_feature) {
    for (const auto& c : cases_of("prelu")) {
        check_prelu_case<double>(c);
        check_prelu_case<float>(c);
    }
}

BOOST_AUTO_TEST_CASE(prelu_kink_convention_at_zero_is_leaky_relus) {
    // At x = ±0 the derivative with respect to x is α (the negative side, as leaky_relu and torch's prelu)
    // and with respect to α it is x = 0.
    constexpr auto model = fg::sequential(fg::input<2>, fg::prelu{.alpha_initializer = fg::initializers::constant(0.375)});
    using Model = std::remove_cvref_t<decltype(model)>;
    using A = boost::mp11::mp_at_c<Model::parameter_variables, 0>;
    const auto params = model.init<double>(0);
    BOOST_TEST(params.layer<0>().alpha[0] == 0.375);
    const Model::input_variable X;
    auto f = fg::compile<double>(model.output());
    const std::vector<double> xs{0.0, -0.0}, seed{1.0, 1.0};
    params.with_bindings([&](const auto&... b) {
        const auto [y, grad] = f.vjp(seed, fg::wrt(X, A{}), b..., X = xs);
        BOOST_TEST(y[0] == 0.0);
        BOOST_TEST(y[1] == 0.0);
        BOOST_TEST(grad[X][0] == 0.375);
        BOOST_TEST(grad[X][1] == 0.375);
        BOOST_TEST(grad[A{}][0] == 0.0);
        BOOST_TEST(grad[A{}][1] == 0.0);
        return 0;
    });
    // The same convention as fg::leaky_relu at 0.
    const fg::var<"x", 1> x;
    auto g = fg::compile<double>(fg::sum(fg::leaky_relu<0.375>(x)));
    const auto [value, grad] = g.value_and_grad(fg::wrt(x), x = fg::tensor<double, 1>{{0.0}});
    BOOST_TEST(value == 0.0);
    BOOST_TEST(grad[x][0] == 0.375);
}

// ---------------------------------------------------------------------------------------------------
// Losses against torch
// ---------------------------------------------------------------------------------------------------

/// A loss's value and its gradients with respect to the predictions and (for dense targets) the targets.
struct loss_result {
    double value = 0;
    std::vector<double> grad_predictions, grad_targets;
};

template <class T, std::size_t C, class Loss>
loss_result run_loss(const Loss& loss, const std::vector<double>& predictions, const std::vector<double>& targets) {
    constexpr bool sparse = std::is_same_v<Loss, fg::sparse_categorical_crossentropy>;
    constexpr fg::var<"predictions", fg::batch, C> P;
    constexpr fg::var<"targets", fg::batch, sparse ? 1 : C> Y;
    auto f = fg::compile<T>(loss(P, Y));
    const std::vector<T> p = converted<T>(predictions), y = converted<T>(targets);
    if constexpr (sparse) {
        const auto [value, grad] = f.value_and_grad(fg::wrt(P), P = p, Y = y);
        return {static_cast<double>(value), as_doubles(grad[P]), {}};
    } else {
        const auto [value, grad] = f.value_and_grad(fg::wrt(P, Y), P = p, Y = y);
        return {static_cast<double>(value), as_doubles(grad[P]), as_doubles(grad[Y])};
    }
}

template <class T, class Loss>
loss_result run_loss_any_width(const Loss& loss, std::size_t cols, const std::vector<double>& predictions,
                               const std::vector<double>& targets) {
    if (cols == 3) return run_loss<T, 3>(loss, predictions, targets);
    if constexpr (!std::is_same_v<Loss, fg::sparse_categorical_crossentropy> &&
                  !std::is_same_v<Loss, fg::categorical_crossentropy>) {
        if (cols == 1) return run_loss<T, 1>(loss, predictions, targets);
    }
    BOOST_ERROR("no dispatch for " << cols << " columns");
    return {};
}

/// Whether a probability loss's fixture touches the clamp to [1e-7, 1 − 1e-7]: 1 − 1e-7 is not a float,
/// so there the float loss legitimately differs from the float64 reference (as Keras's float32 does).
bool touches_the_clamp(const fixture_case& c) {
    if (c.label.find("probs") == std::string::npos) return false;
    const auto& dims = c.arrays[0];
    const std::size_t rows = static_cast<std::size_t>(dims[0]), cols = static_cast<std::size_t>(dims[1]);
    const auto& p = c.arrays[1];
    for (std::size_t r = 0; r < rows; ++r) {
        double sum = 0;
        for (std::size_t j = 0; j < cols; ++j) sum += p[r * cols + j];
        for (std::size_t j = 0; j < cols; ++j) {
            const double q = c.label.rfind("bce", 0) == 0 ? p[r * cols + j] : p[r * cols + j] / sum;
            if (q < 1e-6 || q > 1 - 1e-6) return true;
        }
    }
    return false;
}

template <class T, class Loss>
std::size_t check_loss_label(const Loss& loss, const std::string& label) {
    std::size_t checked = 0;
    for (const auto& c : cases_of(label)) {
        if (std::is_same_v<T, float> && touches_the_clamp(c)) continue;
        const std::size_t cols = static_cast<std::size_t>(c.arrays[0][1]);
        const loss_result r = run_loss_any_width<T>(loss, cols, c.arrays[1], c.arrays[2]);
        const std::string where = label + " (" + (std::is_same_v<T, float> ? "float" : "double") + ", " +
                                  std::to_string(static_cast<int>(c.arrays[0][0])) + " rows)";
        check_array<T>(std::vector<double>{r.value}, c.arrays[3], where + " value");
        check_array<T>(r.grad_predictions, c.arrays[4], where + " d/dpredictions");
        check_array<T>(r.grad_targets, c.arrays[5], where + " d/dtargets");
        ++checked;
    }
    return checked;
}

template <class T>
void check_every_loss_against_torch() {
    std::size_t n = 0;
    n += check_loss_label<T>(fg::mean_squared_error{}, "mse");
    n += check_loss_label<T>(fg::binary_crossentropy{.from_logits = true}, "bce_logits");
    n += check_loss_label<T>(fg::binary_crossentropy{.from_logits = false}, "bce_probs");
    n += check_loss_label<T>(fg::categorical_crossentropy{.from_logits = true}, "cce_logits");
    n += check_loss_label<T>(fg::categorical_crossentropy{.from_logits = false}, "cce_probs");
    n += check_loss_label<T>(fg::sparse_categorical_crossentropy{.from_logits = true}, "scce_logits");
    n += check_loss_label<T>(fg::sparse_categorical_crossentropy{.from_logits = false}, "scce_probs");
    BOOST_TEST_MESSAGE(n << " loss cases checked in " << (std::is_same_v<T, float> ? "float" : "double"));
    BOOST_TEST(n >= (std::is_same_v<T, float> ? 18u : 24u));
}

BOOST_AUTO_TEST_CASE(losses_match_torch_in_double) { check_every_loss_against_torch<double>(); }

BOOST_AUTO_TEST_CASE(losses_match_torch_in_float) { check_every_loss_against_torch<float>(); }

// ---------------------------------------------------------------------------------------------------
// Losses against closed forms
// ---------------------------------------------------------------------------------------------------

using scalar_types = std::tuple<double, float>;

BOOST_AUTO_TEST_CASE_TEMPLATE(extreme_logits_give_finite_losses_and_gradients_p_minus_y, T, scalar_types) {
    // Rows of logits ±1e4: every softmax probability is 0 or 1 (to the last bit), −log softmax is exactly the
    // gap to the largest logit, and the gradient is (p − y)/rows.
    const std::vector<double> z{1e4, -1e4, 0, -1e4, 1e4, 0};
    const std::vector<double> labels{1, 1};
    const std::vector<double> onehot{0, 1, 0, 0, 1, 0};
    const std::vector<double> expected_grad{0.5, -0.5, 0, 0, 0, 0};  // ([1,0,0] − [0,1,0])/2 and 0
    for (const bool sparse : {true, false}) {
        const loss_result r = sparse ? run_loss<T, 3>(fg::sparse_categorical_crossentropy{.from_logits = true}, z, labels)
                                     : run_loss<T, 3>(fg::categorical_crossentropy{.from_logits = true}, z, onehot);
        BOOST_TEST(r.value == 1e4);  // (2e4 + 0)/2
        BOOST_TEST(r.grad_predictions == expected_grad, boost::test_tools::per_element());
    }
    // Binary from logits: max(z, 0) − z·y + log1p(e^−|z|) is 1e4, 1e4, 0, 0; the gradient σ(z) − y over 4.
    const std::vector<double> bz{1e4, -1e4, 1e4, -1e4}, by{0, 1, 1, 0};
    const loss_result b = run_loss<T, 1>(fg::binary_crossentropy{.from_logits = true}, bz, by);
    BOOST_TEST(b.value == 5e3);
    const std::vector<double> b_grad{0.25, -0.25, 0, 0};
    BOOST_TEST(b.grad_predictions == b_grad, boost::test_tools::per_element());
    BOOST_TEST(std::isfinite(b.grad_targets[0]));
}

/// The loss and its gradient with respect to the predictions only (the gradient with respect to the
/// targets, −log p, is legitimately infinite for a class far below the others), with the trappable
/// floating-point exceptions they raised.
template <class T, std::size_t C, class Loss>
std::pair<loss_result, int> loss_and_exceptions(const Loss& loss, const std::vector<T>& p, const std::vector<T>& y) {
    constexpr bool sparse = std::is_same_v<Loss, fg::sparse_categorical_crossentropy>;
    constexpr fg::var<"predictions", fg::batch, C> P;
    constexpr fg::var<"targets", fg::batch, sparse ? 1 : C> Y;
    auto f = fg::compile<T>(loss(P, Y));
    loss_result r;
    const int raised = fgtest::exceptions_raised_by([&] {
        const auto [value, grad] = f.value_and_grad(fg::wrt(P), P = p, Y = y);
        r = {static_cast<double>(value), as_doubles(grad[P]), {}};
    });
    return {r, raised};
}

// Predictions of ±max, ±1e4, 0 and denormals where the loss and its gradient are finite: every loss gives
// finite numbers (the closed-form value where there is one) and raises no floating-point exception that
// feenableexcept would trap.
BOOST_AUTO_TEST_CASE_TEMPLATE(losses_at_extreme_predictions_raise_no_exception, T, scalar_types) {
    const T max = std::numeric_limits<T>::max(), tiny = std::numeric_limits<T>::denorm_min();
    const long double tolerance = std::is_same_v<T, float> ? 1e-6L : 1e-14L;
    const auto check = [&](const std::string& what, const std::pair<loss_result, int>& r, long double value) {
        BOOST_CHECK_MESSAGE(r.second == 0, what << " raises " << fgtest::exception_names(r.second));
        if (!std::isnan(value))
            BOOST_CHECK_MESSAGE(fgtest::close(r.first.value, value, tolerance, 0.0L),
                                what << ": loss " << r.first.value << ", expected " << static_cast<double>(value));
        BOOST_CHECK_MESSAGE(std::isfinite(r.first.value), what << ": the loss is " << r.first.value);
        for (double g : r.first.grad_predictions)
            BOOST_CHECK_MESSAGE(std::isfinite(g), what << ": a gradient is " << g);
    };
    const long double unknown = std::numeric_limits<long double>::quiet_NaN();
    // Logits: the target's class far above the others (−log softmax 0), a row of equal minima (log 3)
    // and two equal maxima above a minimum (log 2).
    const std::vector<T> logits{max, -max, T(0), -max, -max, -max, max, max, -max};
    const long double mean = (std::log(3.0L) + std::log(2.0L)) / 3;
    check("categorical_crossentropy(from_logits)",
          loss_and_exceptions<T, 3>(fg::categorical_crossentropy{.from_logits = true}, logits,
                                    std::vector<T>{1, 0, 0, 1, 0, 0, 0.5, 0.5, 0}),
          mean);
    check("sparse_categorical_crossentropy(from_logits)",
          loss_and_exceptions<T, 3>(fg::sparse_categorical_crossentropy{.from_logits = true}, logits,
                                    std::vector<T>{0, 0, 0}),
          mean);
    // Binary from logits: 0, 0, 1e4, 1e4 (mean 5e3), and max for a single logit of max with target 0.
    check("binary_crossentropy(from_logits)",
          loss_and_exceptions<T, 1>(fg::binary_crossentropy{.from_logits = true},
                                    std::vector<T>{max, -max, T(1e4), T(-1e4)}, std::vector<T>{1, 0, 0, 1}),
          5e3L);
    check("binary_crossentropy(from_logits) at max",
          loss_and_exceptions<T, 1>(fg::binary_crossentropy{.from_logits = true}, std::vector<T>{max},
                                    std::vector<T>{0}),
          max);
    // Probabilities: one entry of max (q = 1), zeros and denormals (clipped to 1e-7), unnormalised rows, and
    // two entries of max, whose sum overflows (q = ½, ½, 0).
    const std::vector<T> probabilities{max, T(0), tiny, tiny, T(0), T(1), T(1e4), -T(0), T(1e4), max, max, T(0)};
    check("categorical_crossentropy",
          loss_and_exceptions<T, 3>(fg::categorical_crossentropy{}, probabilities,
                                    std::vector<T>{1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0}),
          unknown);
    check("sparse_categorical_crossentropy",
          loss_and_exceptions<T, 3>(fg::sparse_categorical_crossentropy{}, probabilities, std::vector<T>{0, 2, 1, 0}),
          unknown);
    check("binary_crossentropy",
          loss_and_exceptions<T, 1>(fg::binary_crossentropy{}, std::vector<T>{max, -max, tiny, T(0)},
                                    std::vector<T>{1, 0, 1, 0}),
          unknown);
    // Squared error: a difference of 2·10^(max exponent / 2 − 1), whose square is still finite.
    const T half_range = std::is_same_v<T, float> ? T(1e18) : T(1e150);
    check("mean_squared_error",
          loss_and_exceptions<T, 1>(fg::mean_squared_error{}, std::vector<T>{half_range, tiny, T(0)},
                                    std::vector<T>{-half_range, -tiny, -T(0)}),
          4.0L * half_range * half_range / 3);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(probability_losses_clamp_at_1e_minus_7, T, scalar_types) {
    // A true class given probability 0: −log 1e-7 = 7·ln 10, and no gradient through the clamp.
    const double expected = 7 * std::log(10.0L);
    const loss_result s = run_loss<T, 3>(fg::sparse_categorical_crossentropy{}, {0, 1, 0}, {0});
    BOOST_TEST(fgtest::close(s.value, expected, std::is_same_v<T, float> ? 1e-6L : 1e-14L, 0.0L));
    BOOST_TEST(s.grad_predictions == std::vector<double>(3, 0.0), boost::test_tools::per_element());
    const loss_result c = run_loss<T, 3>(fg::categorical_crossentropy{}, {0, 1, 0}, {1, 0, 0});
    BOOST_TEST(fgtest::close(c.value, expected, std::is_same_v<T, float> ? 1e-6L : 1e-14L, 0.0L));
    // Binary: p = 0 with y = 1 is clamped alike.
    const loss_result b = run_loss<T, 1>(fg::binary_crossentropy{}, {0}, {1});
    BOOST_TEST(fgtest::close(b.value, expected, std::is_same_v<T, float> ? 1e-6L : 1e-14L, 0.0L));
    BOOST_TEST(b.grad_predictions[0] == 0.0);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(losses_are_means_over_the_batch, T, scalar_types) {
    // Row losses −log(1/3)·… worked out by hand: equal logits give log 3 whatever the label; mse of a
    // batch is the mean of its squared errors over every element.
    const loss_result s = run_loss<T, 3>(fg::sparse_categorical_crossentropy{.from_logits = true},
                                         {2, 2, 2, 0, 0, 0, -1, -1, -1}, {0, 1, 2});
    BOOST_TEST(fgtest::close(s.value, std::log(3.0L), std::is_same_v<T, float> ? 1e-6L : 1e-15L, 0.0L));
    // d/dz = (1/3 − [i = k])/3 for each row.
    for (std::size_t r = 0; r < 3; ++r)
        for (std::size_t i = 0; i < 3; ++i)
            BOOST_TEST(fgtest::close(s.grad_predictions[r * 3 + i], (1.0L / 3 - (i == r ? 1 : 0)) / 3,
                                     std::is_same_v<T, float> ? 1e-6L : 1e-15L, 1e-7L));
    const loss_result m = run_loss<T, 3>(fg::mean_squared_error{}, {1, 2, 3, 4, 5, 6}, {1, 0, 3, 0, 5, 0});
    BOOST_TEST(fgtest::close(m.value, 56.0L / 6, std::is_same_v<T, float> ? 1e-6L : 1e-15L, 0.0L));
    const std::vector<double> m_grad{0, 4.0 / 6, 0, 8.0 / 6, 0, 12.0 / 6};
    for (std::size_t i = 0; i < 6; ++i)
        BOOST_TEST(fgtest::close(m.grad_predictions[i], m_grad[i], std::is_same_v<T, float> ? 1e-6L : 1e-15L, 0.0L));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(an_invalid_label_makes_the_sparse_loss_nan, T, scalar_types) {
    for (const bool from_logits : {true, false}) {
        const fg::sparse_categorical_crossentropy loss{.from_logits = from_logits};
        const std::vector<double> row{0.2, 0.3, 0.5};
        for (const double label : {-1.0, 10.0, 3.0, 2.5, std::numeric_limits<double>::quiet_NaN()}) {
            const loss_result r = run_loss<T, 3>(loss, row, {label});
            BOOST_TEST(std::isnan(r.value), "label " << label << ", from_logits " << from_logits << ": " << r.value);
        }
        // One invalid row spoils the batch's mean; the valid labels 0, 1, 2 do not.
        BOOST_TEST(std::isnan(run_loss<T, 3>(loss, {0.2, 0.3, 0.5, 0.2, 0.3, 0.5}, {1, 2.5}).value));
        for (const double label : {0.0, 1.0, 2.0})
            BOOST_TEST(std::isfinite(run_loss<T, 3>(loss, row, {label}).value));
    }
}

// ---------------------------------------------------------------------------------------------------
// Accuracy counting
// ---------------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(count_correct_for_each_accuracy_kind) {
    using fg::accuracy_kind;
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    // Three rows of three scores; the arg-maxes are 2, 0 (a tie of 0 and 1: the first wins) and 1.
    const std::vector<double> scores{0.1, 0.2, 0.7, 0.4, 0.4, 0.2, -3, 5, nan};
    const std::vector<double> labels{2, 1, 1};
    BOOST_TEST(fg::count_correct(accuracy_kind::sparse_categorical, scores.data(), labels.data(), 3, 3, 1, 0.5) == 2u);
    const std::vector<double> onehot{0, 0, 1, 1, 0, 0, 0, 0, 1};  // rows 0 and 1 right, row 2 wrong
    BOOST_TEST(fg::count_correct(accuracy_kind::categorical, scores.data(), onehot.data(), 3, 3, 3, 0.5) == 2u);
    // by_shape with several columns is categorical: the same count.
    BOOST_TEST(fg::count_correct(accuracy_kind::by_shape, scores.data(), onehot.data(), 3, 3, 3, 0.5) == 2u);

    // Binary: every output is a prediction, thresholded at 0.5 (probabilities) or 0 (logits); targets at 0.5.
    const std::vector<double> probs{0.9, 0.4, 0.5, 0.51};
    const std::vector<double> truth{1, 0, 1, 0.7};  // 0.9 > 0.5 ✓, 0.4 ≤ 0.5 ✓, 0.5 is not > 0.5 ✗, ✓
    BOOST_TEST(fg::count_correct(accuracy_kind::binary, probs.data(), truth.data(), 2, 2, 2, 0.5) == 3u);
    const std::vector<double> logits{2.0, -0.1, 0.0, 0.3};  // the same decisions at threshold 0
    BOOST_TEST(fg::count_correct(accuracy_kind::binary, logits.data(), truth.data(), 4, 1, 1, 0.0) == 3u);
    // by_shape with one column is binary.
    BOOST_TEST(fg::count_correct(accuracy_kind::by_shape, probs.data(), truth.data(), 4, 1, 1, 0.5) == 3u);

    // The denominators: rows, or every output for binary accuracy.
    BOOST_TEST(fg::prediction_count(accuracy_kind::sparse_categorical, 5, 3) == 5u);
    BOOST_TEST(fg::prediction_count(accuracy_kind::categorical, 5, 3) == 5u);
    BOOST_TEST(fg::prediction_count(accuracy_kind::binary, 5, 3) == 15u);
    BOOST_TEST(fg::prediction_count(accuracy_kind::by_shape, 5, 1) == 5u);
    BOOST_TEST(fg::prediction_count(accuracy_kind::by_shape, 5, 3) == 5u);

    // The losses name Keras's accuracy for them.
    static_assert(fg::sparse_categorical_crossentropy::accuracy == accuracy_kind::sparse_categorical);
    static_assert(fg::categorical_crossentropy::accuracy == accuracy_kind::categorical);
    static_assert(fg::binary_crossentropy::accuracy == accuracy_kind::binary);
    static_assert(fg::mean_squared_error::accuracy == accuracy_kind::by_shape);

    // In float, a label is compared as a float.
    const std::vector<float> fscores{0.1f, 0.8f, 0.1f};
    const std::vector<float> flabel{1.0f};
    BOOST_TEST(fg::count_correct(accuracy_kind::sparse_categorical, fscores.data(), flabel.data(), 1, 3, 1, 0.5f) == 1u);
}

// fg::argmax: NaN never wins, wherever it stands in the row (a NaN first is the case `row[i] > NaN` alone
// would miss).
BOOST_AUTO_TEST_CASE(argmax_never_picks_nan) {
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    const std::vector<double> nan_last{1, 2, nan}, nan_first{nan, 1, 2};
    BOOST_TEST(fg::argmax(nan_last.data(), 3) == 1u);
    BOOST_TEST(fg::argmax(nan_first.data(), 3) == 2u);
}

// ---------------------------------------------------------------------------------------------------
// Dropout
// ---------------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE_TEMPLATE(dropout_mask_statistics, T, scalar_types) {
    // Each element is zero with probability rate, independently: the zero count of n draws is binomial,
    // within 6 standard deviations of n·rate. Kept elements are exactly 1/(1 − rate) (exact here: 1.25, 2, 4).
    constexpr std::size_t n = 200'000;
    const std::pair<double, T> cases[] = {{0.2, T(1.25)}, {0.5, T(2)}, {0.75, T(4)}};
    for (const auto& [rate, kept] : cases) {
        const fg::dropout layer{.rate = rate};
        std::vector<T> mask(n, T(-1));
        fg::random_engine engine(7);
        layer.fill_mask(std::span<T>(mask), engine);
        std::size_t zeros = 0, others = 0;
        for (const T m : mask) {
            if (m == T(0)) ++zeros;
            else if (m != kept) ++others;
        }
        const double sigma = std::sqrt(n * rate * (1 - rate));
        BOOST_TEST(std::fabs(static_cast<double>(zeros) - n * rate) <= 6 * sigma,
                   "rate " << rate << ": " << zeros << " zeros of " << n);
        BOOST_TEST(others == 0u, "rate " << rate << ": " << others << " values neither 0 nor " << kept);
    }
    // rate 0 keeps everything at 1.
    std::vector<T> all(1000);
    fg::random_engine engine(1);
    fg::dropout{.rate = 0.0}.fill_mask(std::span<T>(all), engine);
    for (const T m : all) BOOST_TEST(m == T(1));
}

BOOST_AUTO_TEST_CASE(dropout_is_absent_outside_training) {
    constexpr auto alone = fg::sequential(fg::input<4>, fg::dropout{.rate = 0.5});
    constexpr auto with = fg::sequential(fg::input<4>, fg::dense<3>(fg::activation<"tanh">), fg::dropout{.rate = 0.5},
                                         fg::dense<2>());
    constexpr auto without = fg::sequential(fg::input<4>, fg::dense<3>(fg::activation<"tanh">), fg::dense<2>());
    using X = decltype(alone)::input_variable;
    // The inference graph is the input itself, or the graph of the model without the dropout layer.
    static_assert(std::is_same_v<decltype(alone(X{})), X>);
    static_assert(std::is_same_v<decltype(with.output()), decltype(without.output())>);
    // The training graph is not: it multiplies by the mask variable.
    static_assert(!std::is_same_v<decltype(alone.training(X{})), X>);
    static_assert(boost::mp11::mp_size<decltype(with)::mask_variables>::value == 1);
    static_assert(boost::mp11::mp_size<decltype(without)::mask_variables>::value == 0);
    using M = boost::mp11::mp_at_c<decltype(alone)::mask_variables, 0>;
    static_assert(M::name.view() == "dropout/mask");

    // Values: inference returns x; training returns x·mask.
    const std::vector<double> x{1, -2, 3, -4, 0.5, 0.25, -0.125, 8};
    auto inference = fg::compile<double>(alone(X{}));
    const auto y = inference.value(X{} = x);
    BOOST_TEST(std::vector<double>(y.begin(), y.end()) == x, boost::test_tools::per_element());
    auto training = fg::compile<double>(alone.training(X{}));
    const std::vector<double> mask{2, 0, 2, 2, 0, 0, 2, 2};
    const auto t = training.value(X{} = x, M{} = mask);
    for (std::size_t i = 0; i < x.size(); ++i) BOOST_TEST(t[i] == x[i] * mask[i]);

    // The same parameters give the same outputs with and without the dropout layer.
    const auto p_with = with.init<double>(5);
    auto p_without = without.init<double>(5);
    std::copy(p_with.flat().begin(), p_with.flat().end(), p_without.flat().begin());
    const auto out_with = fg::predict(with, p_with, std::span<const double>(x));
    const auto out_without = fg::predict(without, p_without, std::span<const double>(x));
    BOOST_TEST(out_with == out_without, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(dropout_masks_are_seeded) {
    constexpr auto model = fg::sequential(fg::input<6>, fg::dropout{.rate = 0.5});
    using M = boost::mp11::mp_at_c<decltype(model)::mask_variables, 0>;
    const auto draw = [&](std::uint64_t seed) {
        std::vector<std::vector<float>> buffers(1, std::vector<float>(600));
        fg::random_engine engine(seed);
        model.fill_masks(std::span<std::vector<float>>(buffers), engine);
        return buffers[0];
    };
    BOOST_TEST(draw(11) == draw(11), boost::test_tools::per_element());
    BOOST_TEST((draw(11) != draw(12)));
    // The model draws its mask as the layer does, from the same engine.
    std::vector<float> direct(600);
    fg::random_engine engine(11);
    fg::dropout{.rate = 0.5}.fill_mask(std::span<float>(direct), engine);
    BOOST_TEST(draw(11) == direct, boost::test_tools::per_element());
    static_assert(M::shape.cols == 6);
}

BOOST_AUTO_TEST_CASE(a_training_step_applies_the_engines_mask) {
    // compiled_model::gradient draws the masks from the engine it is given: its loss equals the training
    // graph's loss evaluated with the mask drawn by hand from an engine of the same seed, and a copy of the
    // engine reproduces the step bit for bit.
    constexpr auto model = fg::sequential(fg::input<3>, fg::dense<4>(fg::activation<"tanh">), fg::dropout{.rate = 0.5},
                                          fg::dense<2>());
    using Model = std::remove_cvref_t<decltype(model)>;
    const fg::sparse_categorical_crossentropy loss{.from_logits = true};
    const auto params = model.init<double>(3);
    const std::vector<double> x{0.5, -1, 2, 1.5, 0.25, -0.75, -2, 1, 0.5};
    const std::vector<double> y{0, 1, 1};
    fg::compiled_model<Model, fg::sparse_categorical_crossentropy, double> cm(model, loss);
    fg::parameters<double, Model> g1, g2;
    std::size_t correct = 0;
    fg::random_engine e1(99), e2(99);
    const double l1 = cm.gradient(params, g1, x, y, e1, correct);
    const double l2 = cm.gradient(params, g2, x, y, e2, correct);
    BOOST_TEST(l1 == l2);
    BOOST_TEST((g1 == g2));
    BOOST_TEST((e1 == e2));

    std::vector<std::vector<double>> masks(1, std::vector<double>(3 * 4));
    fg::random_engine by_hand(99);
    model.fill_masks(std::span<std::vector<double>>(masks), by_hand);
    using M = boost::mp11::mp_at_c<Model::mask_variables, 0>;
    const Model::input_variable X;
    const fg::var<"target", fg::batch, 1> Y;
    auto f = fg::compile<double>(loss(model.training(X), Y));
    const double expected = params.with_bindings([&](const auto&... b) { return f.value(b..., M{} = masks[0], X = x, Y = y); });
    BOOST_TEST(l1 == expected);

    // Another seed draws another mask (12 elements at rate 0.5: equal masks have probability 2^-12).
    fg::random_engine e3(100);
    fg::parameters<double, Model> g3;
    cm.gradient(params, g3, x, y, e3, correct);
    BOOST_TEST(!(g3 == g1));
}

}  // namespace

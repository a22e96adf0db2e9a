#define BOOST_TEST_MODULE fusegrad_check_gradcheck
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <fusegrad/fusegrad.hpp>

#include "test_support.hpp"

namespace fg = fusegrad;

namespace {

/// Deterministic, irregular values in [-scale, scale], different for each salt.
template <class Data>
Data filled(double salt, double scale = 1.0) {
    using element = std::remove_cvref_t<decltype(Data{}[0])>;
    Data d{};
    for (std::size_t i = 0; i < d.size(); ++i) d[i] = static_cast<element>(scale * std::sin(1.7 * i + salt));
    return d;
}

std::vector<double> filled_vector(std::size_t n, double salt) {
    std::vector<double> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = std::sin(1.3 * i + salt);
    return v;
}

using fgtest::printed;

using fgtest::contains;

// Planted bugs: the value is right, the derivative is not. Both derivatives are right at 0, so data that
// is zero except at one element puts the mismatch at that element alone.
/// x² with the factor 2 of its derivative missing.
struct square_missing_factor_two {
    template <class T> T value(T x) const { return x * x; }
    template <class T> T derivative(T x, T) const { return x; }
};
/// x³ with the sign of its derivative flipped.
struct cube_wrong_sign {
    template <class T> T value(T x) const { return x * x * x; }
    template <class T> T derivative(T x, T) const { return -3 * x * x; }
};
/// Leaky relu with slope 0.1 whose derivative says 0.2 below 0.
struct leaky_relu_wrong_slope {
    template <class T> T value(T x) const { return x > 0 ? x : T(0.1) * x; }
    template <class T> T derivative(T x, T) const { return x > 0 ? T(1) : T(0.2); }
};
/// The identity, counting its evaluations: placed on the scalar output it counts forward passes.
struct counting_identity {
    static inline std::size_t calls = 0;
    template <class T> T value(T x) const {
        ++calls;
        return x;
    }
    template <class T> T derivative(T, T) const { return T(1); }
};

constexpr fg::var<"x", 4> x;
constexpr fg::var<"W", 4, 3> W;
constexpr fg::var<"b", 3> b;
constexpr auto mlp = fg::sum(fg::tanh(fg::matmul(x, W) + b));

// V passes and W fails: a report must name W, and the one nonzero element of W's data.
constexpr fg::var<"V", 4, 3> V;
constexpr auto planted_in_W =
    fg::sum(fg::tanh(fg::matmul(x, V))) + fg::sum(fg::apply(square_missing_factor_two{}, W));

}  // namespace

BOOST_AUTO_TEST_SUITE(correct_graphs_pass)

BOOST_AUTO_TEST_CASE(mlp_with_tanh_for_every_stencil_order) {
    const auto xv = filled<fg::tensor<double, 4>>(0.1, 1.5);
    const auto Wv = filled<fg::tensor<double, 4, 3>>(0.2);
    const auto bv = filled<fg::tensor<double, 3>>(0.3, 0.5);
    for (const int order : {2, 4, 6, 8}) {
        const auto report = fg::gradcheck(mlp, fg::wrt(x, W, b), {.order = order}, x = xv, W = Wv, b = bv);
        BOOST_TEST(report.passed(), report);
        BOOST_TEST(report.scalar_type == "double");
        BOOST_TEST(report.options.order == order);
        BOOST_TEST(report.blocks.size() == 3u);
        BOOST_TEST(report.blocks[0].name == "x");
        BOOST_TEST(report[W].checked == 12u);
        BOOST_TEST(report[W].rows == 4u);
        BOOST_TEST(report[W].cols == 3u);
        BOOST_TEST(report[W].max_rel_error < 1e-8);
        // One unperturbed evaluation, then `order` evaluations per element.
        BOOST_TEST(report.evaluations == 1u + 19u * static_cast<std::size_t>(order));
    }
}

// The expression form runs on the engine of the callables: Richardson extrapolation, with its error
// estimate per element, confirms the same network and catches the planted bug at the same element.
BOOST_AUTO_TEST_CASE(richardson_extrapolation) {
    const auto xv = filled<fg::tensor<double, 4>>(0.1, 1.5);
    const auto Wv = filled<fg::tensor<double, 4, 3>>(0.2);
    const auto bv = filled<fg::tensor<double, 3>>(0.3, 0.5);
    const fg::gradcheck_options richardson{.method = fg::difference_method::richardson};
    const auto report = fg::gradcheck(mlp, fg::wrt(x, W, b), richardson, x = xv, W = Wv, b = bv);
    BOOST_TEST(report.confirmed(), report);
    for (const auto& block : report.blocks) {
        BOOST_TEST(block.max_rel_error < 1e-10, block.name);
        BOOST_TEST(block.error_estimate > 0.0, block.name);  // an estimate was made ...
        BOOST_TEST(block.error_estimate < 1e-8, block.name);  // ... and it is far within the tolerance
    }
    fg::tensor<double, 4, 3> planted{};
    planted(3, 1) = 0.125;
    const auto buggy = fg::gradcheck(planted_in_W, fg::wrt(V, W), richardson, x = xv, V = Wv, W = planted);
    BOOST_TEST(buggy[W].failures == 1u);
    BOOST_TEST(buggy[W].worst_row == 3u);
    BOOST_TEST(buggy[W].worst_col == 1u);
    BOOST_TEST(buggy[V].confirmed());
}

BOOST_AUTO_TEST_CASE(defaults_are_documented_and_used) {
    const auto xv = filled<fg::tensor<double, 4>>(0.1);
    const auto Wv = filled<fg::tensor<double, 4, 3>>(0.2);
    const auto bv = filled<fg::tensor<double, 3>>(0.3);
    const auto report = fg::gradcheck(mlp, fg::wrt(W), x = xv, W = Wv, b = bv);
    BOOST_TEST(report.options.order == 4);
    BOOST_TEST(*report.options.step == std::pow(2.0, -52.0 / 5), boost::test_tools::tolerance(1e-12));
    BOOST_TEST(*report.options.rtol == 1e-6);
    BOOST_TEST(*report.options.atol == 1e-8);
    BOOST_TEST(report.options.directions == 0u);
    const auto explicit_defaults = fg::gradcheck(mlp, fg::wrt(W), {}, x = xv, W = Wv, b = bv);
    BOOST_TEST(explicit_defaults[W].max_abs_error == report[W].max_abs_error);
}

BOOST_AUTO_TEST_CASE(softmax_cross_entropy_from_log_softmax) {
    constexpr fg::var<"x", fg::batch, 4> xb;
    constexpr fg::var<"y", fg::batch, 3> labels;
    constexpr auto loss = -fg::mean(fg::sum<-1>(labels * fg::log_softmax(fg::matmul(xb, W) + b)));
    const std::vector<double> xv = filled_vector(5 * 4, 0.4);
    std::vector<double> onehot(5 * 3, 0.0);
    for (std::size_t r = 0; r < 5; ++r) onehot[r * 3 + (r * 2) % 3] = 1.0;
    const auto report = fg::gradcheck(loss, fg::wrt(W, b, xb), xb = xv, labels = onehot,
                                      W = filled<fg::tensor<double, 4, 3>>(0.5, 2.0),
                                      b = filled<fg::tensor<double, 3>>(0.6));
    BOOST_TEST(report.passed(), report);
    BOOST_TEST(report[xb].rows == 5u);
    BOOST_TEST(report[xb].checked == 20u);
}

BOOST_AUTO_TEST_CASE(rowwise_ops) {
    constexpr fg::var<"M", 3, 4> M;
    constexpr fg::var<"C", 3, 4> C;
    constexpr auto f = fg::sum(fg::softmax(M) * C) + fg::sum(fg::log_softmax<0>(M) * C) +
                       fg::sum(fg::tanh(fg::glu(M))) + fg::sum(fg::softmax<0>(M * M));
    const auto report = fg::gradcheck(f, fg::wrt(M, C), M = filled<fg::tensor<double, 3, 4>>(0.7, 2.0),
                                      C = filled<fg::tensor<double, 3, 4>>(0.8));
    BOOST_TEST(report.passed(), report);
    BOOST_TEST(report[M].kinks().empty());
}

BOOST_AUTO_TEST_CASE(batched_variable_bound_to_a_vector) {
    constexpr fg::var<"x", fg::batch, 4> xb;
    constexpr auto f = fg::mean(fg::sigmoid(fg::matmul(xb, W) + b));
    const std::vector<double> xv = filled_vector(7 * 4, 0.9);
    const auto report = fg::gradcheck(f, fg::wrt(xb, W), xb = xv, W = filled<fg::tensor<double, 4, 3>>(1.0),
                                      b = filled<fg::tensor<double, 3>>(1.1));
    BOOST_TEST(report.passed(), report);
    BOOST_TEST(report[xb].rows == 7u);
    BOOST_TEST(report[xb].checked == 28u);
}

BOOST_AUTO_TEST_CASE(scalar_variable_bound_to_a_number) {
    constexpr fg::var<"s"> s;
    constexpr auto f = fg::sum(fg::tanh(x * s));
    const auto report = fg::gradcheck(f, fg::wrt(s, x), s = 0.7, x = filled<fg::tensor<double, 4>>(1.2));
    BOOST_TEST(report.passed(), report);
    BOOST_TEST(report[s].rank == 0);
    BOOST_TEST(report[s].checked == 1u);
}

BOOST_AUTO_TEST_CASE(compiled_function_in_place_of_the_expression) {
    const auto xv = filled<fg::tensor<float, 4>>(0.1);
    const auto Wv = filled<fg::tensor<float, 4, 3>>(0.2);
    const auto bv = filled<fg::tensor<float, 3>>(0.3);
    auto f = fg::compile<float>(mlp);
    const auto from_function = fg::gradcheck(f, fg::wrt(W, b), x = xv, W = Wv, b = bv);
    const auto from_expression = fg::gradcheck(mlp, fg::wrt(W, b), x = xv, W = Wv, b = bv);
    BOOST_TEST(from_function.passed(), from_function);
    BOOST_TEST(from_function.scalar_type == "float");
    BOOST_TEST(from_function[W].max_abs_error == from_expression[W].max_abs_error);
    const auto from_temporary = fg::gradcheck(fg::compile<float>(mlp), fg::wrt(b), x = xv, W = Wv, b = bv);
    BOOST_TEST(from_temporary[b].max_abs_error == from_expression[b].max_abs_error);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(wrong_gradients_are_caught)

BOOST_AUTO_TEST_CASE(missing_factor_two_names_the_variable_and_the_element) {
    fg::tensor<double, 4, 3> Wv{};
    Wv(2, 1) = 0.7;
    const auto report = fg::gradcheck(planted_in_W, fg::wrt(V, W), x = filled<fg::tensor<double, 4>>(0.1),
                                      V = filled<fg::tensor<double, 4, 3>>(0.2), W = Wv);
    BOOST_TEST(!report.passed());
    BOOST_TEST(report[V].passed());
    const auto& w = report[W];
    BOOST_TEST(!w.passed());
    BOOST_TEST(w.failures == 1u);
    BOOST_TEST(w.kinks().empty());
    BOOST_TEST(w.worst_index == 7u);
    BOOST_TEST(w.worst_row == 2u);
    BOOST_TEST(w.worst_col == 1u);
    BOOST_TEST(w.analytic == 0.7, boost::test_tools::tolerance(1e-12));
    BOOST_TEST(w.numeric == 1.4, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(w.max_abs_error == 0.7, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(w.max_rel_error == 0.5, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(wrong_sign_names_the_variable_and_the_element) {
    constexpr auto f = fg::sum(fg::tanh(fg::matmul(x, W) + b)) + fg::sum(fg::apply(cube_wrong_sign{}, b));
    const fg::tensor<double, 3> bv{{0.0, 0.0, -0.5}};
    const auto report = fg::gradcheck(f, fg::wrt(W, b), x = filled<fg::tensor<double, 4>>(0.1),
                                      W = filled<fg::tensor<double, 4, 3>>(0.2), b = bv);
    BOOST_TEST(report[W].passed());
    BOOST_TEST(report[b].failures == 1u);
    BOOST_TEST(report[b].worst_index == 2u);
    BOOST_TEST(report[b].kinks().empty());
    // The tanh part contributes to both; the planted part is -0.75 analytic against +0.75 numeric.
    BOOST_TEST(report[b].numeric - report[b].analytic == 1.5, boost::test_tools::tolerance(1e-8));
}

BOOST_AUTO_TEST_CASE(every_element_of_a_global_bug_fails) {
    const auto report = fg::gradcheck(fg::sum(fg::apply(cube_wrong_sign{}, W)), fg::wrt(W),
                                      W = filled<fg::tensor<double, 4, 3>>(0.3));
    BOOST_TEST(report[W].failures == 12u);
    BOOST_TEST(report[W].kinks().empty());
}

BOOST_AUTO_TEST_CASE(a_bug_in_a_float_graph) {
    fg::tensor<float, 4, 3> Wv{};
    Wv(3, 0) = -1.25f;
    const auto report = fg::gradcheck(planted_in_W, fg::wrt(V, W), x = filled<fg::tensor<float, 4>>(0.1),
                                      V = filled<fg::tensor<float, 4, 3>>(0.2), W = Wv);
    BOOST_TEST(report[V].passed());
    BOOST_TEST(report[W].failures == 1u);
    BOOST_TEST(report[W].worst_row == 3u);
    BOOST_TEST(report[W].worst_col == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(kink_detection)

BOOST_AUTO_TEST_CASE(relu_at_exactly_zero) {
    const fg::tensor<double, 4> xv{{0.0, 0.5, -0.5, 2.0}};
    for (const int order : {2, 4, 6}) {
        const auto report = fg::gradcheck(fg::sum(fg::relu(x)), fg::wrt(x), {.order = order}, x = xv);
        BOOST_TEST(report.passed(), report);
        BOOST_TEST(report[x].failures == 0u);
        BOOST_TEST(report[x].kinks() == std::vector<std::size_t>{0});
    }
}

BOOST_AUTO_TEST_CASE(hard_tanh_at_exactly_one) {
    const fg::tensor<double, 4> xv{{0.25, 1.0, -3.0, 0.5}};
    for (const int order : {2, 4, 6}) {
        const auto report = fg::gradcheck(fg::sum(fg::hard_tanh(x) * x), fg::wrt(x), {.order = order}, x = xv);
        BOOST_TEST(report.passed(), report);
        BOOST_TEST(report[x].kinks() == std::vector<std::size_t>{1});
    }
}

BOOST_AUTO_TEST_CASE(hard_sigmoid_at_three_and_a_relu_kink_behind_a_matmul) {
    const fg::tensor<double, 4> xv{{3.0, -3.0, 1.0, 0.0}};
    const auto hs = fg::gradcheck(fg::sum(fg::hard_sigmoid(x)), fg::wrt(x), x = xv);
    BOOST_TEST(hs.passed(), hs);
    BOOST_TEST(hs[x].kinks() == (std::vector<std::size_t>{0, 1}));

    // A pre-activation of exactly 0 in column 0: x·W[:,0] = 1 (exact in binary) and b[0] = -1.
    const fg::tensor<double, 4> xv2{{0.5, 0.25, 0.125, 0.125}};
    fg::tensor<double, 4, 3> Wv = filled<fg::tensor<double, 4, 3>>(0.2);
    for (std::size_t r = 0; r < 4; ++r) Wv(r, 0) = 1.0;
    const fg::tensor<double, 3> bv{{-1.0, 0.3, 0.2}};
    const auto report =
        fg::gradcheck(fg::sum(fg::relu(fg::matmul(x, W) + b)), fg::wrt(W, b), x = xv2, W = Wv, b = bv);
    BOOST_TEST(report.passed(), report);
    BOOST_TEST(report[b].kinks() == std::vector<std::size_t>{0});
    BOOST_TEST(report[W].kinks() == (std::vector<std::size_t>{0, 3, 6, 9}));
}

// Perturbing one weight of the first layer moves a whole column of pre-activations, one per batch row:
// with the wide stencils of orders 4 and 6, many elements see a kink, often several, none may fail.
constexpr fg::var<"x", fg::batch, 8> xb;
constexpr fg::var<"W1", 8, 16> W1;
constexpr fg::var<"b1", 16> b1;
constexpr fg::var<"W2", 16, 4> W2;
constexpr fg::var<"y", fg::batch, 4> labels;

template <class Activation>
constexpr auto network_loss(Activation activation) {
    return -fg::mean(fg::sum<-1>(labels * fg::log_softmax(fg::matmul(activation(fg::matmul(xb, W1) + b1), W2))));
}

struct network_data {
    std::vector<double> x = filled_vector(32 * 8, 0.25);
    std::vector<double> y = [] {
        std::vector<double> onehot(32 * 4, 0.0);
        for (std::size_t r = 0; r < 32; ++r) onehot[r * 4 + (r * 3) % 4] = 1.0;
        return onehot;
    }();
    fg::tensor<double, 8, 16> w1 = filled<fg::tensor<double, 8, 16>>(1.5, 0.6);
    fg::tensor<double, 16> bias = filled<fg::tensor<double, 16>>(2.5, 0.1);
    fg::tensor<double, 16, 4> w2 = filled<fg::tensor<double, 16, 4>>(3.5, 0.5);
};

BOOST_AUTO_TEST_CASE(relu_network_over_a_batch_for_every_stencil_order) {
    const network_data d;
    constexpr auto loss = network_loss([](const auto& z) { return fg::relu(z); });
    for (const int order : {2, 4, 6}) {
        const auto report = fg::gradcheck(loss, fg::wrt(W1, b1, W2), {.order = order}, xb = d.x, labels = d.y,
                                          W1 = d.w1, b1 = d.bias, W2 = d.w2);
        BOOST_TEST(report.passed(), report);
    }
}

BOOST_AUTO_TEST_CASE(a_wrong_slope_inside_a_relu_network_is_caught) {
    const network_data d;
    constexpr auto loss = network_loss([](const auto& z) { return fg::apply(leaky_relu_wrong_slope{}, z); });
    for (const int order : {2, 4, 6}) {
        const auto report = fg::gradcheck(loss, fg::wrt(W1, b1, W2), {.order = order}, xb = d.x, labels = d.y,
                                          W1 = d.w1, b1 = d.bias, W2 = d.w2);
        BOOST_TEST(!report[W1].passed());
        BOOST_TEST(report[W1].failures > report[W1].checked / 2);
        BOOST_TEST(!report[b1].passed());
    }
}

BOOST_AUTO_TEST_CASE(in_the_fast_mode) {
    constexpr fg::var<"v", 1> v;
    const fg::tensor<double, 1> at_the_kink{};
    const auto report = fg::gradcheck(fg::sum(fg::relu(v)), fg::wrt(v), {.directions = 3}, v = at_the_kink);
    BOOST_TEST(report.passed(), report);
    BOOST_TEST(report[v].kinks() == (std::vector<std::size_t>{0, 1, 2}));
}

BOOST_AUTO_TEST_CASE(a_kink_does_not_hide_a_bug_elsewhere) {
    const fg::tensor<double, 4> xv{{0.0, 0.5, -0.5, 2.0}};
    const auto report = fg::gradcheck(fg::sum(fg::relu(x)) + fg::sum(fg::apply(square_missing_factor_two{}, x)),
                                      fg::wrt(x), x = xv);
    BOOST_TEST(report[x].kinks() == std::vector<std::size_t>{0});
    BOOST_TEST(report[x].failures == 3u);
    // Ranked by the criterion: at x = -0.5 the relative error is 0.5, at x = 2 it is 0.4.
    BOOST_TEST(report[x].worst_index == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(float_graphs)

BOOST_AUTO_TEST_CASE(checked_against_a_double_reference_with_float_tolerances) {
    const auto xv = filled<fg::tensor<float, 4>>(0.1, 1.5);
    const auto Wv = filled<fg::tensor<float, 4, 3>>(0.2);
    const auto bv = filled<fg::tensor<float, 3>>(0.3, 0.5);
    const auto report = fg::gradcheck(mlp, fg::wrt(x, W, b), x = xv, W = Wv, b = bv);
    BOOST_TEST(report.passed(), report);
    BOOST_TEST(report.scalar_type == "float");
    BOOST_TEST(*report.options.rtol == 1e-3);
    BOOST_TEST(*report.options.atol == 1e-5);
    // The float gradient carries float rounding ...
    BOOST_TEST(report[W].max_abs_error > 1e-9);
    BOOST_TEST(report[W].max_abs_error < 1e-5);

    // ... and the numeric side is a double reference: it matches the double graph's gradient at the
    // same (float-representable) point far below float precision.
    fg::tensor<double, 4> xd;
    fg::tensor<double, 4, 3> Wd;
    fg::tensor<double, 3> bd;
    std::copy(xv.begin(), xv.end(), xd.begin());
    std::copy(Wv.begin(), Wv.end(), Wd.begin());
    std::copy(bv.begin(), bv.end(), bd.begin());
    auto exact = fg::compile<double>(mlp);
    const auto result = exact.value_and_grad(fg::wrt(W), x = xd, W = Wd, b = bd);
    BOOST_TEST(report[W].numeric == result.grad[W][report[W].worst_index], boost::test_tools::tolerance(1e-9));

    // Double tolerances would reject the float rounding that the float defaults allow.
    const auto strict = fg::gradcheck(mlp, fg::wrt(W), {.rtol = 1e-9, .atol = 1e-12}, x = xv, W = Wv, b = bv);
    BOOST_TEST(!strict.passed());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(fast_mode)

template <std::size_t N>
std::size_t forward_passes_of_a_fast_check(std::size_t directions, std::size_t& evaluations) {
    constexpr fg::var<"v", N> v;
    constexpr auto f = fg::apply(counting_identity{}, fg::sum(fg::tanh(v) * v));
    fg::tensor<double, N> vv = filled<fg::tensor<double, N>>(0.4);
    counting_identity::calls = 0;
    const auto report = fg::gradcheck(f, fg::wrt(v), {.directions = directions}, v = vv);
    BOOST_TEST(report.passed(), report);
    BOOST_TEST(report[v].checked == directions);
    evaluations = report.evaluations;
    return counting_identity::calls;
}

BOOST_AUTO_TEST_CASE(evaluation_count_does_not_depend_on_input_size) {
    std::size_t small_evaluations = 0, large_evaluations = 0;
    const std::size_t small = forward_passes_of_a_fast_check<8>(5, small_evaluations);
    const std::size_t large = forward_passes_of_a_fast_check<4096>(5, large_evaluations);
    BOOST_TEST(small == large);
    BOOST_TEST(small_evaluations == large_evaluations);
    BOOST_TEST(small_evaluations == 1u + 5u * 4u);  // the unperturbed point, then order 4 per direction
    BOOST_TEST(small > small_evaluations);          // the analytic pass is counted by the op too
}

BOOST_AUTO_TEST_CASE(catches_a_bug_in_a_large_input) {
    constexpr fg::var<"A", 64, 32> A;
    const auto Av = filled<fg::tensor<double, 64, 32>>(0.5);
    const auto bad =
        fg::gradcheck(fg::sum(fg::apply(square_missing_factor_two{}, A)), fg::wrt(A), {.directions = 3}, A = Av);
    BOOST_TEST(!bad.passed());
    BOOST_TEST(bad[A].failures == 3u);
    BOOST_TEST(bad.evaluations == 1u + 3u * 4u);
    const auto good = fg::gradcheck(fg::sum(fg::tanh(A) * A), fg::wrt(A), {.directions = 3}, A = Av);
    BOOST_TEST(good.passed(), good);
}

BOOST_AUTO_TEST_CASE(directions_are_reproducible_from_the_seed) {
    const auto xv = filled<fg::tensor<double, 4>>(0.1);
    const auto Wv = filled<fg::tensor<double, 4, 3>>(0.2);
    const auto bv = filled<fg::tensor<double, 3>>(0.3);
    const auto first = fg::gradcheck(mlp, fg::wrt(W, b), {.directions = 4, .seed = 7}, x = xv, W = Wv, b = bv);
    const auto again = fg::gradcheck(mlp, fg::wrt(W, b), {.directions = 4, .seed = 7}, x = xv, W = Wv, b = bv);
    const auto other = fg::gradcheck(mlp, fg::wrt(W, b), {.directions = 4, .seed = 8}, x = xv, W = Wv, b = bv);
    const auto alone = fg::gradcheck(mlp, fg::wrt(W), {.directions = 4, .seed = 7}, x = xv, W = Wv, b = bv);
    BOOST_TEST(first.passed(), first);
    BOOST_TEST(first[W].analytic == again[W].analytic);
    BOOST_TEST(first[W].numeric == again[W].numeric);
    BOOST_TEST(first[W].analytic != other[W].analytic);
    // A variable's directions do not depend on the other variables checked.
    BOOST_TEST(first[W].analytic == alone[W].analytic);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(printing_and_lookup)

BOOST_AUTO_TEST_CASE(prints_the_mismatch_and_a_table) {
    fg::tensor<double, 4, 3> Wv{};
    Wv(3, 1) = 0.125;
    const auto report = fg::gradcheck(planted_in_W, fg::wrt(V, W), x = filled<fg::tensor<double, 4>>(0.1),
                                      V = filled<fg::tensor<double, 4, 3>>(0.2), W = Wv);
    const std::string text = printed(report);
    BOOST_TEST_MESSAGE(text);
    BOOST_TEST(contains(text, "gradcheck FAILED"));
    BOOST_TEST(contains(text, "gradient mismatch for W[3,1]: analytic 0.1250, numeric 0.2500 "), text);
    BOOST_TEST(contains(text, "(1 of 12 elements outside the tolerance)"), text);
    BOOST_TEST(!contains(text, "gradient mismatch for V"), text);
    for (const char* piece : {"block", "shape", "max abs err", "max rel err", "worst", "4x3", "ok", "FAILED"})
        BOOST_TEST(contains(text, piece), piece);
}

BOOST_AUTO_TEST_CASE(prints_a_passing_report_with_its_kinks) {
    const fg::tensor<double, 4> xv{{0.0, 0.5, -0.5, 2.0}};
    const auto report = fg::gradcheck(fg::sum(fg::relu(x)), fg::wrt(x), x = xv);
    const std::string text = printed(report);
    BOOST_TEST(contains(text, "gradcheck passed: double gradients"), text);
    BOOST_TEST(contains(text, "kinks, where the stencil crosses a point at which the function is not"), text);
    BOOST_TEST(contains(text, "x: 1 at [0]\n"), text);
    BOOST_TEST(!contains(text, "mismatch"), text);
}

BOOST_AUTO_TEST_CASE(prints_a_failing_direction) {
    constexpr fg::var<"A", 8, 8> A;
    const auto report = fg::gradcheck(fg::sum(fg::apply(square_missing_factor_two{}, A)), fg::wrt(A),
                                      {.directions = 2}, A = filled<fg::tensor<double, 8, 8>>(0.5));
    const std::string text = printed(report);
    BOOST_TEST(contains(text, "gradient mismatch for A along random direction "), text);
    BOOST_TEST(contains(text, "2 random directions per block (seed 42)"), text);
}

BOOST_AUTO_TEST_CASE(looks_up_variables_and_rejects_unchecked_ones) {
    const auto report = fg::gradcheck(mlp, fg::wrt(b), x = filled<fg::tensor<double, 4>>(0.1),
                                      W = filled<fg::tensor<double, 4, 3>>(0.2),
                                      b = filled<fg::tensor<double, 3>>(0.3));
    BOOST_TEST(report[b].name == "b");
    BOOST_CHECK_THROW(report[W], std::out_of_range);
}

BOOST_AUTO_TEST_CASE(invalid_options_are_rejected) {
    const auto xv = filled<fg::tensor<double, 4>>(0.1);
    BOOST_CHECK_THROW(fg::gradcheck(fg::sum(x), fg::wrt(x), {.order = 3}, x = xv), std::invalid_argument);
    BOOST_CHECK_THROW(fg::gradcheck(fg::sum(x), fg::wrt(x), {.step = -1e-3}, x = xv), std::invalid_argument);
    BOOST_CHECK_THROW(fg::gradcheck(fg::sum(x), fg::wrt(x), {.rtol = -1.0}, x = xv), std::invalid_argument);
    // Blocks and complex steps are for callables: an expression's blocks are its variables, and its
    // reference is the expression compiled in double.
    const auto message_of = [&](const fg::gradcheck_options& options) {
        try {
            (void)fg::gradcheck(fg::sum(x), fg::wrt(x), options, x = xv);
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("no exception");
    };
    const std::string blocks = message_of({.blocks = {{"x", 4}}});
    BOOST_TEST(contains(blocks, "a model's blocks are the variables of fg::wrt"), blocks);
    const std::string complex = message_of({.method = fg::difference_method::complex_step});
    BOOST_TEST(contains(complex, "fg::by_complex_step(f)"), complex);
}

BOOST_AUTO_TEST_SUITE_END()

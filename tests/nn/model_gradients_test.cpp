#define BOOST_TEST_MODULE fusegrad nn model gradients
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <fusegrad/fusegrad.hpp>

#include "test_support.hpp"

// Whole-model gradients (fg::gradcheck of a model: every parameter against double finite differences) for
// models using every Keras activation by name, the activation layer objects, PReLU, dropout (off in the
// check), a Lambda layer, and every loss with each from_logits value; parameters in double and in float.
// Activations are chained three or four to a model: each model type costs about four seconds of compile
// time (double and float), one model per activation would cost two minutes. A layer's gradient reaches the first kernel only
// through every activation after it, so a wrong derivative anywhere in the chain shows.

namespace fg = fusegrad;

namespace {

constexpr std::size_t rows = 4;

/// Inputs uniform in [−2, 2]: a dense layer's outputs then span both sides of every kink and threshold
/// (0, ±0.5, ±1, ±3) of the activations; finite differences that cross one are reported as kinks.
std::vector<double> inputs(std::size_t features, std::uint64_t seed) {
    fgtest::splitmix64 rng{seed};
    return rng.uniform_vector(rows * features, -2, 2);
}

/// Parameters uniform in [−1, 1], biases and PReLU slopes included: no unit sits at a symmetric point
/// (zero bias, zero slope) where a wrong rule could still give the right number.
template <class T, class Model>
fg::parameters<T, Model> random_parameters(const Model& model, std::uint64_t seed) {
    auto p = model.template init<T>(seed);
    fgtest::splitmix64 rng{seed ^ 0x5eedULL};
    for (T& v : p.flat()) v = static_cast<T>(rng.uniform(-1, 1));
    return p;
}

/// Targets for each kind of loss, four rows.
std::vector<double> targets_for(std::string_view kind, std::size_t cols) {
    if (kind == "labels") return {0, 2, 1, 1};
    std::vector<double> t;
    fgtest::splitmix64 rng{77};
    for (std::size_t r = 0; r < rows; ++r) {
        std::vector<double> row(cols);
        double sum = 0;
        for (double& v : row) sum += v = rng.uniform(0.05, 1);
        for (double& v : row) {
            if (kind == "distribution") v /= sum;         // categorical: a distribution per row
            else if (kind == "binary") v = v > 0.5 ? 1 : 0;  // binary: 0/1, one soft row below
            else v = 4 * v - 2;                           // regression
        }
        if (kind == "binary" && r == rows - 1) row.assign(cols, 0.3);
        t.insert(t.end(), row.begin(), row.end());
    }
    return t;
}

/// gradcheck of `model` with `loss` in T: passes, confirms at least one element of every parameter (the
/// others may sit on kinks), and the gradient of every parameter is non-zero somewhere (so that the
/// check compares numbers, not zeros with zeros).
template <class T, class Model, class Loss>
void check_model(const Model& model, const Loss& loss, std::string_view what, std::string_view target_kind,
                 std::uint64_t seed = 1) {
    const auto params = random_parameters<T>(model, seed);
    const std::vector<T> x = [&] {
        const auto d = inputs(Model::input_features.size(), seed);
        return std::vector<T>(d.begin(), d.end());
    }();
    const std::vector<T> y = [&] {
        const auto d = targets_for(target_kind, Model::output_features.size());
        return std::vector<T>(d.begin(), d.end());
    }();
    const std::string where = std::string(what) + (std::is_same_v<T, float> ? " (float)" : " (double)");

    const fg::gradcheck_report report =
        fg::gradcheck(model, loss, params, std::span<const T>(x), std::span<const T>(y), fg::gradcheck_options{});
    std::ostringstream text;
    text << report;
    BOOST_TEST_MESSAGE(where << ":\n" << text.str());
    BOOST_TEST(report.passed(), where << ":\n" << text.str());
    BOOST_TEST(report.blocks.size() == Model::parameter_variable_count, where);
    for (const auto& v : report.blocks)
        BOOST_TEST(v.checked > v.kinks().size(), where << ": every element of " << v.name << " is on a kink");

    const auto [value, grad] = fg::value_and_grad(model, loss, params, std::span<const T>(x), std::span<const T>(y));
    BOOST_TEST(std::isfinite(value), where);
    for (std::size_t k = 0; k < Model::parameter_variable_count; ++k) {
        bool nonzero = false;
        for (std::size_t i = Model::parameter_offsets[k]; i < Model::parameter_offsets[k + 1]; ++i)
            nonzero = nonzero || grad.flat()[i] != T(0);
        BOOST_TEST(nonzero, where << ": the gradient of " << report.blocks[k].name << " is zero");
    }
}

template <class Model, class Loss>
void check_model_both(const Model& model, const Loss& loss, std::string_view what, std::string_view target_kind) {
    check_model<double>(model, loss, what, target_kind);
    check_model<float>(model, loss, what, target_kind);
}

// ---------------------------------------------------------------------------------------------------
// Every activation by name
// ---------------------------------------------------------------------------------------------------

/// input<3> → dense<4>(Names[0]) → dense<4>(Names[1]) → … → dense<3>(): logits.
template <fg::fixed_string... Names>
constexpr auto chain() {
    return fg::sequential(fg::input<3>, fg::dense<4>(fg::activation<Names>)..., fg::dense<3>());
}

template <fg::fixed_string... Names>
void check_chain() {
    const std::string what = (std::string("activations") + ... + (" " + std::string(Names.view())));
    check_model_both(chain<Names...>(), fg::sparse_categorical_crossentropy{.from_logits = true}, what, "labels");
}

/// The 31 Keras 3 names, each once (swish and hard_swish are aliases, checked by name all the same).
/// Eight models: seven chains of four and one of three (below) that ends with glu.
BOOST_AUTO_TEST_CASE(activations_1_linear_relu_relu6_leaky_relu) { check_chain<"linear", "relu", "relu6", "leaky_relu">(); }
BOOST_AUTO_TEST_CASE(activations_2_elu_selu_celu_sigmoid) { check_chain<"elu", "selu", "celu", "sigmoid">(); }
BOOST_AUTO_TEST_CASE(activations_3_hard_sigmoid_log_sigmoid_sparse_sigmoid_tanh) {
    check_chain<"hard_sigmoid", "log_sigmoid", "sparse_sigmoid", "tanh">();
}
BOOST_AUTO_TEST_CASE(activations_4_tanh_shrink_hard_tanh_softplus_softsign) {
    check_chain<"tanh_shrink", "hard_tanh", "softplus", "softsign">();
}
BOOST_AUTO_TEST_CASE(activations_5_silu_swish_hard_silu_hard_swish) { check_chain<"silu", "swish", "hard_silu", "hard_swish">(); }
BOOST_AUTO_TEST_CASE(activations_6_gelu_mish_squareplus_soft_shrink) {
    check_chain<"gelu", "mish", "squareplus", "soft_shrink">();
}
BOOST_AUTO_TEST_CASE(activations_7_hard_shrink_sparse_plus_exponential_softmax) {
    check_chain<"hard_shrink", "sparse_plus", "exponential", "softmax">();
}
// glu halves its input: dense<6>(glu) gives 3 features, which the next layer takes.
constexpr auto glu_chain = fg::sequential(fg::input<3>, fg::dense<4>(fg::activation<"log_softmax">),
                                          fg::dense<4>(fg::activation<"sparsemax">), fg::dense<6>(fg::activation<"glu">),
                                          fg::dense<3>());

BOOST_AUTO_TEST_CASE(activations_8_log_softmax_sparsemax_glu) {
    static_assert(decltype(glu_chain.output())::shape.cols == 3);
    check_model_both(glu_chain, fg::sparse_categorical_crossentropy{.from_logits = true}, "activations log_softmax sparsemax glu",
                     "labels");
}

// A model's declared output width (what fit, predict and the summary use) is its graph's, also when an
// activation changes the width (glu in a dense layer: 6 units, 3 outputs).
BOOST_AUTO_TEST_CASE(declared_output_width_is_the_graphs) {
    BOOST_TEST(decltype(chain<"relu">())::output_features.size() == decltype(chain<"relu">().output())::shape.cols);
    BOOST_TEST(decltype(glu_chain)::output_features.size() == decltype(glu_chain.output())::shape.cols);
    constexpr auto glu_last = fg::sequential(fg::input<3>, fg::dense<6>(fg::activation<"glu">));
    BOOST_TEST(decltype(glu_last)::output_features.size() == 3u);
    BOOST_TEST(decltype(glu_last)::output_features.size() == decltype(glu_last.output())::shape.cols);
}

// ---------------------------------------------------------------------------------------------------
// Layer objects, PReLU, dropout, Lambda
// ---------------------------------------------------------------------------------------------------

constexpr auto layer_objects = fg::sequential(
    fg::input<3>, fg::dense<4>(), fg::layers::relu{.max_value = 2.5, .negative_slope = 0.1, .threshold = 0.25},
    fg::dense<4>(fg::layers::leaky_relu{}), fg::dense<4>(), fg::layers::elu{.alpha = 0.5}, fg::dropout{.rate = 0.3},
    fg::dense<4>(), fg::prelu{}, fg::dense<4>(fg::layers::relu{}),
    fg::dense<4, fg::bias::none>([](auto x) { return fg::leaky_relu<0.1>(x); }), fg::layers::leaky_relu{.negative_slope = 0.2},
    fg::dense<3>(fg::layers::elu{}), fg::dense<3>(), fg::layers::softmax{});

BOOST_AUTO_TEST_CASE(layer_objects_prelu_dropout_and_lambda) {
    // Dropout is off in a gradient check (evaluation graph), so the function is deterministic.
    check_model_both(layer_objects, fg::sparse_categorical_crossentropy{}, "layer objects", "labels");
}

BOOST_AUTO_TEST_CASE(the_fast_mode_checks_random_directions) {
    // options.directions > 0: a few random directions per variable instead of every element.
    const auto params = random_parameters<double>(layer_objects, 3);
    const auto x = inputs(3, 3);
    const auto y = targets_for("labels", 3);
    const auto report = fg::gradcheck(layer_objects, fg::sparse_categorical_crossentropy{}, params, std::span<const double>(x),
                                      std::span<const double>(y), {.directions = 3, .seed = 9});
    BOOST_TEST(report.passed());
    for (const auto& v : report.blocks) BOOST_TEST(v.checked == 3u, v.name);
}

// ---------------------------------------------------------------------------------------------------
// Every loss, from logits and from probabilities
// ---------------------------------------------------------------------------------------------------

constexpr auto logits_model = fg::sequential(fg::input<3>, fg::dense<4>(fg::activation<"tanh">), fg::dense<3>());
constexpr auto softmax_model =
    fg::sequential(fg::input<3>, fg::dense<4>(fg::activation<"tanh">), fg::dense<3>(fg::activation<"softmax">));
constexpr auto sigmoid_model =
    fg::sequential(fg::input<3>, fg::dense<4>(fg::activation<"tanh">), fg::dense<3>(fg::activation<"sigmoid">));

BOOST_AUTO_TEST_CASE(sparse_categorical_crossentropy_from_logits_and_probabilities) {
    check_model_both(logits_model, fg::sparse_categorical_crossentropy{.from_logits = true}, "scce logits", "labels");
    check_model_both(softmax_model, fg::sparse_categorical_crossentropy{.from_logits = false}, "scce probabilities", "labels");
}

BOOST_AUTO_TEST_CASE(categorical_crossentropy_from_logits_and_probabilities) {
    check_model_both(logits_model, fg::categorical_crossentropy{.from_logits = true}, "cce logits", "distribution");
    check_model_both(softmax_model, fg::categorical_crossentropy{.from_logits = false}, "cce probabilities", "distribution");
}

BOOST_AUTO_TEST_CASE(binary_crossentropy_from_logits_and_probabilities) {
    check_model_both(logits_model, fg::binary_crossentropy{.from_logits = true}, "bce logits", "binary");
    check_model_both(sigmoid_model, fg::binary_crossentropy{.from_logits = false}, "bce probabilities", "binary");
}

BOOST_AUTO_TEST_CASE(mean_squared_error_of_a_regression) {
    check_model_both(logits_model, fg::mean_squared_error{}, "mse", "regression");
}

}  // namespace

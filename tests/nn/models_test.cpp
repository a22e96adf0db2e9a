#define BOOST_TEST_MODULE fusegrad nn models
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <boost/mp11/algorithm.hpp>
#include <fusegrad/fusegrad.hpp>

#include "test_support.hpp"

// Sequential models as values: the Keras 3 summary text, Keras's variable names, the flat parameter storage
// and its named views, parameter arithmetic, seeded initialization, the one-call gradient against the
// compiled training step, and checkpoints. Gradients against finite differences: model_gradients_test.cpp.

namespace fg = fusegrad;
namespace fs = std::filesystem;

namespace {

/// The TensorFlow "basic classification" tutorial model: Flatten → Dense(128, relu) → Dense(10).
constexpr auto tutorial = fg::sequential(fg::input<28, 28>, fg::flatten(), fg::dense<128>(fg::activation<"relu">),
                                         fg::dense<10>());

/// Every kind of layer, numbered as Keras's model.layers (from the first after the input):
///   0 dense (3·4 + 4 = 16), 1 p_re_lu (4), 2 dropout, 3 leaky_re_lu, 4 dense_1 without bias (4·5 = 20),
///   5 activation, 6 re_lu, 7 elu, 8 lambda, 9 dense_2 (5·2 + 2 = 12), 10 softmax: 52 parameters.
constexpr auto every_layer = fg::sequential(
    fg::input<3>, fg::dense<4>(fg::activation<"tanh">), fg::prelu{}, fg::dropout{.rate = 0.25}, fg::layers::leaky_relu{},
    fg::dense<5, fg::bias::none>(), fg::activation<"relu">, fg::layers::relu{}, fg::layers::elu{},
    [](auto x) { return fg::leaky_relu<0.1>(x); }, fg::dense<2>(), fg::layers::softmax{});
using every_layer_model = std::remove_cvref_t<decltype(every_layer)>;

template <class Model>
std::vector<std::string> parameter_names() {
    std::vector<std::string> names;
    boost::mp11::mp_for_each<typename Model::parameter_variables>(
        [&](auto v) { names.emplace_back(decltype(v)::name.view()); });
    return names;
}

// ---------------------------------------------------------------------------------------------------
// Summary
// ---------------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(summary_of_the_tutorial_model_is_keras_3s) {
    // Keras 3's table, written out by hand: 784·128 + 128 = 100,480 and 128·10 + 10 = 1,290 parameters,
    // 101,770 in all, 4 bytes each: 407,080 B = 397.54 KB (KB of 1024 bytes).
    const std::string expected =
        "Model: \"sequential\"\n"
        "┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓\n"
        "┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃\n"
        "┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩\n"
        "│ flatten (Flatten)               │ (None, 784)            │             0 │\n"
        "├─────────────────────────────────┼────────────────────────┼───────────────┤\n"
        "│ dense (Dense)                   │ (None, 128)            │       100,480 │\n"
        "├─────────────────────────────────┼────────────────────────┼───────────────┤\n"
        "│ dense_1 (Dense)                 │ (None, 10)             │         1,290 │\n"
        "└─────────────────────────────────┴────────────────────────┴───────────────┘\n"
        " Total params: 101,770 (397.54 KB)\n"
        " Trainable params: 101,770 (397.54 KB)\n"
        " Non-trainable params: 0 (0.00 B)\n";
    BOOST_TEST(tutorial.summary() == expected);
    static_assert(decltype(tutorial)::parameter_count == 101'770);
    // With double parameters: 814,160 B = 795.08 KB.
    const std::string doubles = tutorial.summary<double>();
    BOOST_TEST(doubles.find(" Total params: 101,770 (795.08 KB)\n") != std::string::npos, doubles);
}

BOOST_AUTO_TEST_CASE(summary_of_a_model_with_every_layer_kind) {
    // 16 + 4 + 20 + 12 = 52 parameters, 208 bytes.
    const std::string expected =
        "Model: \"sequential\"\n"
        "┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓\n"
        "┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃\n"
        "┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩\n"
        "│ dense (Dense)                   │ (None, 4)              │            16 │\n"
        "├─────────────────────────────────┼────────────────────────┼───────────────┤\n"
        "│ p_re_lu (PReLU)                 │ (None, 4)              │             4 │\n"
        "├─────────────────────────────────┼────────────────────────┼───────────────┤\n"
        "│ dropout (Dropout)               │ (None, 4)              │             0 │\n"
        "├─────────────────────────────────┼────────────────────────┼───────────────┤\n"
        "│ leaky_re_lu (LeakyReLU)         │ (None, 4)              │             0 │\n"
        "├─────────────────────────────────┼────────────────────────┼───────────────┤\n"
        "│ dense_1 (Dense)                 │ (None, 5)              │            20 │\n"
        "├─────────────────────────────────┼────────────────────────┼───────────────┤\n"
        "│ activation (Activation)         │ (None, 5)              │             0 │\n"
        "├─────────────────────────────────┼────────────────────────┼───────────────┤\n"
        "│ re_lu (ReLU)                    │ (None, 5)              │             0 │\n"
        "├─────────────────────────────────┼────────────────────────┼───────────────┤\n"
        "│ elu (ELU)                       │ (None, 5)              │             0 │\n"
        "├─────────────────────────────────┼────────────────────────┼───────────────┤\n"
        "│ lambda (Lambda)                 │ (None, 5)              │             0 │\n"
        "├─────────────────────────────────┼────────────────────────┼───────────────┤\n"
        "│ dense_2 (Dense)                 │ (None, 2)              │            12 │\n"
        "├─────────────────────────────────┼────────────────────────┼───────────────┤\n"
        "│ softmax (Softmax)               │ (None, 2)              │             0 │\n"
        "└─────────────────────────────────┴────────────────────────┴───────────────┘\n"
        " Total params: 52 (208.00 B)\n"
        " Trainable params: 52 (208.00 B)\n"
        " Non-trainable params: 0 (0.00 B)\n";
    BOOST_TEST(every_layer.summary() == expected);
    static_assert(every_layer_model::parameter_count == 52);
    static_assert(every_layer_model::layer_parameter_count<1>() == 16);
    static_assert(every_layer_model::layer_parameter_count<2>() == 4);
    static_assert(every_layer_model::layer_parameter_count<5>() == 20);
    static_assert(every_layer_model::layer_parameter_count<10>() == 12);
    static_assert(every_layer_model::output_features.size() == 2);
}

BOOST_AUTO_TEST_CASE(a_named_model_and_repeated_kinds) {
    constexpr auto block = fg::sequential<"block">(fg::input<2>, fg::dense<3>(), fg::dropout{.rate = 0.1},
                                                   fg::dense<3>(), fg::dropout{.rate = 0.2}, fg::prelu{}, fg::prelu{});
    using B = std::remove_cvref_t<decltype(block)>;
    const std::string summary = block.summary();
    BOOST_TEST(summary.rfind("Model: \"block\"\n", 0) == 0u, summary);
    BOOST_TEST(summary.find("│ dropout_1 (Dropout)             │ (None, 3)              │             0 │\n") != std::string::npos,
               summary);
    BOOST_TEST(summary.find("│ p_re_lu_1 (PReLU)               │ (None, 3)              │             3 │\n") != std::string::npos,
               summary);
    BOOST_TEST(summary.find(" Total params: 27 (108.00 B)\n") != std::string::npos, summary);  // 9 + 12 + 3 + 3
    const std::vector<std::string> names{"block/dense/kernel", "block/dense/bias",  "block/dense_1/kernel",
                                         "block/dense_1/bias", "block/p_re_lu/alpha", "block/p_re_lu_1/alpha"};
    BOOST_TEST(parameter_names<B>() == names, boost::test_tools::per_element());
    static_assert(B::input_variable::name.view() == "block/input");
    static_assert(boost::mp11::mp_at_c<B::mask_variables, 0>::name.view() == "block/dropout/mask");
    static_assert(boost::mp11::mp_at_c<B::mask_variables, 1>::name.view() == "block/dropout_1/mask");
    BOOST_TEST(block.architecture() ==
               "block(input(2) dense(2,3,bias,linear) dropout(0.1) dense(3,3,bias,linear) dropout(0.2) p_re_lu(3) p_re_lu(3))");
}

// ---------------------------------------------------------------------------------------------------
// Variables and parameters
// ---------------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(variables_are_named_as_keras_names_weights) {
    const std::vector<std::string> names{"dense/kernel",   "dense/bias",      "p_re_lu/alpha",
                                         "dense_1/kernel", "dense_2/kernel", "dense_2/bias"};
    BOOST_TEST(parameter_names<every_layer_model>() == names, boost::test_tools::per_element());
    static_assert(every_layer_model::input_variable::name.view() == "input");
    static_assert(every_layer_model::input_variable::shape.batched && every_layer_model::input_variable::shape.cols == 3);
    // Kernels are (inputs, units), Keras's layout; the PReLU slope is shaped like a sample.
    using kernel = boost::mp11::mp_at_c<every_layer_model::parameter_variables, 3>;
    static_assert(kernel::shape.rows == 4 && kernel::shape.cols == 5);
    using alpha = boost::mp11::mp_at_c<every_layer_model::parameter_variables, 2>;
    static_assert(alpha::shape.rank == 1 && alpha::shape.cols == 4);
    using tutorial_vars = std::remove_cvref_t<decltype(tutorial)>::parameter_variables;
    static_assert(boost::mp11::mp_at_c<tutorial_vars, 0>::shape.rows == 784);
    BOOST_TEST(parameter_names<std::remove_cvref_t<decltype(tutorial)>>() ==
                   (std::vector<std::string>{"dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias"}),
               boost::test_tools::per_element());
    // Offsets: variables are laid out in order, each after the last.
    const std::vector<std::size_t> offsets(every_layer_model::parameter_offsets.begin(),
                                           every_layer_model::parameter_offsets.end());
    BOOST_TEST(offsets == (std::vector<std::size_t>{0, 12, 16, 20, 40, 50, 52}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(layer_views_alias_the_flat_storage) {
    auto p = every_layer.init<double>(4);
    double* base = p.flat().data();
    BOOST_TEST(p.size() == 52u);
    BOOST_TEST(p.flat().size() == 52u);

    auto d = p.layer<0>();
    for (std::size_t i = 0; i < 3; ++i)
        for (std::size_t j = 0; j < 4; ++j) BOOST_TEST(&d.kernel(i, j) == base + i * 4 + j);
    for (std::size_t j = 0; j < 4; ++j) BOOST_TEST(&d.bias[j] == base + 12 + j);
    for (std::size_t j = 0; j < 4; ++j) BOOST_TEST(&p.layer<1>().alpha[j] == base + 16 + j);
    BOOST_TEST(&p.layer<4>().kernel(3, 4) == base + 20 + 3 * 5 + 4);
    BOOST_TEST(&p.layer<9>().kernel(0, 0) == base + 40);
    BOOST_TEST(&p.layer<9>().bias[1] == base + 51);
    static_assert(std::is_same_v<decltype(p.layer<2>()), fg::no_weights>);  // dropout
    static_assert(std::is_same_v<decltype(p.layer<8>()), fg::no_weights>);  // lambda

    // A write through a view is seen in the flat vector and through params[variable], and the other way.
    p.layer<9>().kernel(2, 1) = 42.5;
    BOOST_TEST(p.flat()[40 + 2 * 2 + 1] == 42.5);
    using kernel_2 = boost::mp11::mp_at_c<every_layer_model::parameter_variables, 4>;
    BOOST_TEST(p[kernel_2{}].data() == base + 40);
    BOOST_TEST(p[kernel_2{}].size() == 10u);
    BOOST_TEST(p[kernel_2{}][5] == 42.5);
    p.flat()[17] = -3.25;
    BOOST_TEST(p.layer<1>().alpha[1] == -3.25);

    // A const model's views are read-only.
    const auto& cp = p;
    static_assert(std::is_const_v<std::remove_reference_t<decltype(cp.layer<0>().kernel(0, 0))>>);
    BOOST_TEST(cp.layer<1>().alpha[1] == -3.25);
}

BOOST_AUTO_TEST_CASE(parameters_arithmetic) {
    using P = fg::parameters<double, every_layer_model>;
    const P zero;
    for (const double v : zero.flat()) BOOST_TEST(v == 0.0);
    const P a = every_layer.init<double>(1);
    P b = every_layer.init<double>(2);
    for (std::size_t i = 0; i < P::size(); ++i) b.flat()[i] += 0.5;  // no zero entries (biases start at 0)

    const P sum = a + b, difference = a - b, scaled = a * 2.5, scaled_left = 0.5 * b;
    long double dot_reference = 0;
    for (std::size_t i = 0; i < P::size(); ++i) {
        BOOST_TEST(sum.flat()[i] == a.flat()[i] + b.flat()[i]);
        BOOST_TEST(difference.flat()[i] == a.flat()[i] - b.flat()[i]);
        BOOST_TEST(scaled.flat()[i] == a.flat()[i] * 2.5);
        BOOST_TEST(scaled_left.flat()[i] == 0.5 * b.flat()[i]);
        dot_reference += static_cast<long double>(a.flat()[i]) * b.flat()[i];
    }
    BOOST_TEST(fgtest::close(dot(a, b), dot_reference, 1e-14L, 1e-15L));
    BOOST_TEST(dot(a, zero) == 0.0);

    P c = a;
    BOOST_TEST((c == a));
    c += b;
    BOOST_TEST((c == sum));
    c -= b;
    BOOST_TEST(fgtest::compare_arrays(c.flat(), a.flat(), 1e-15L, 1e-15L).empty());
    const P before = c;
    c *= 3.0;
    BOOST_TEST((c == before * 3.0));
    BOOST_TEST(!(c == before));
    // One element differs: not equal.
    P d = a;
    d.flat()[51] = std::nextafter(d.flat()[51], 1.0);
    BOOST_TEST(!(d == a));

    // In float, dot still accumulates in double.
    const auto fa = every_layer.init<float>(1);
    double fdot = 0;
    for (const float v : fa.flat()) fdot += static_cast<double>(v) * static_cast<double>(v);
    BOOST_TEST(dot(fa, fa) == fdot);
}

// ---------------------------------------------------------------------------------------------------
// Initialization
// ---------------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(init_is_seeded_glorot_uniform_kernels_and_zero_biases) {
    const auto a = every_layer.init<double>(7);
    BOOST_TEST((a == every_layer.init<double>(7)));
    BOOST_TEST(!(a == every_layer.init<double>(8)));

    // Keras's GlorotUniform: U[−L, L), L = √(6/(fan_in + fan_out)); zeros for biases and PReLU slopes.
    const auto check_kernel = [](const auto& kernel, std::size_t in, std::size_t out, const char* what) {
        const double limit = std::sqrt(6.0 / static_cast<double>(in + out));
        double largest = 0;
        for (const double k : kernel) {
            BOOST_TEST(std::fabs(k) <= limit, what << ": " << k << " outside ±" << limit);
            largest = std::fmax(largest, std::fabs(k));
        }
        BOOST_TEST(largest > 0.5 * limit, what << ": no value beyond half the limit");
    };
    check_kernel(a.layer<0>().kernel, 3, 4, "dense");
    check_kernel(a.layer<4>().kernel, 4, 5, "dense_1");
    check_kernel(a.layer<9>().kernel, 5, 2, "dense_2");
    for (const double v : a.layer<0>().bias) BOOST_TEST(v == 0.0);
    for (const double v : a.layer<9>().bias) BOOST_TEST(v == 0.0);
    for (const double v : a.layer<1>().alpha) BOOST_TEST(v == 0.0);

    // The tutorial's kernel over 100,352 draws: the bound √(6/912), and the uniform's variance L²/3.
    const auto t = tutorial.init<float>(0);
    const double limit = std::sqrt(6.0 / 912);
    double sum_squares = 0, largest = 0;
    for (const float k : t.layer<1>().kernel) {
        sum_squares += static_cast<double>(k) * k;
        largest = std::fmax(largest, std::fabs(static_cast<double>(k)));
    }
    BOOST_TEST(largest <= limit);
    const double variance = sum_squares / (784 * 128), expected_variance = limit * limit / 3;
    // The variance of k² for k uniform is (4/45)L⁴; six standard errors of the mean.
    BOOST_TEST(std::fabs(variance - expected_variance) <= 6 * std::sqrt(4.0 / 45 / (784 * 128)) * limit * limit);
}

BOOST_AUTO_TEST_CASE(float_parameters_start_from_the_same_draws) {
    const auto d = every_layer.init<double>(3);
    const auto f = every_layer.init<float>(3);
    for (std::size_t i = 0; i < d.size(); ++i) BOOST_TEST(f.flat()[i] == static_cast<float>(d.flat()[i]));
}

BOOST_AUTO_TEST_CASE(dense_options_and_per_layer_streams) {
    constexpr auto plain = fg::sequential(fg::input<3>, fg::dense<4>(), fg::dense<2>());
    constexpr auto custom = fg::sequential(
        fg::input<3>,
        fg::dense<4>(fg::activation<"linear">, {.kernel_initializer = fg::initializers::zeros,
                                                .bias_initializer = fg::initializers::constant(0.1)}),
        fg::dense<2>());
    const auto p = plain.init<double>(5);
    const auto c = custom.init<double>(5);
    for (const double k : c.layer<0>().kernel) BOOST_TEST(k == 0.0);
    for (const double b : c.layer<0>().bias) BOOST_TEST(b == 0.1);
    // Layer 2 draws from its own stream of the seed: what layer 1 drew (or did not) does not move it.
    for (std::size_t i = 0; i < 4; ++i)
        for (std::size_t j = 0; j < 2; ++j) BOOST_TEST(c.layer<1>().kernel(i, j) == p.layer<1>().kernel(i, j));
    // The stream is random_engine::derive(seed, layer index), filled in order by the initializer.
    std::vector<double> expected(8);
    fg::random_engine engine(fg::random_engine::derive(5, 2));
    fg::initializers::glorot_uniform.fill(std::span<double>(expected), 4, 2, engine);
    for (std::size_t i = 0; i < 8; ++i) BOOST_TEST(p.layer<1>().kernel[i] == expected[i]);
    // A PReLU's alpha_initializer.
    constexpr auto slopes = fg::sequential(fg::input<2>, fg::prelu{.alpha_initializer = fg::initializers::constant(0.25)});
    const auto slope_params = slopes.init<double>(0);
    for (const double a : slope_params.layer<0>().alpha) BOOST_TEST(a == 0.25);
}

// ---------------------------------------------------------------------------------------------------
// The one-call gradient and the compiled training step
// ---------------------------------------------------------------------------------------------------

constexpr auto small = fg::sequential(fg::input<3>, fg::dense<4>(fg::activation<"tanh">), fg::dense<3>());
using small_model = std::remove_cvref_t<decltype(small)>;

std::vector<double> small_inputs() { return fgtest::splitmix64{12}.uniform_vector(5 * 3, -2, 2); }
const std::vector<double> small_labels{0, 2, 1, 1, 2};

template <class T>
void check_value_and_grad_is_the_training_step() {
    const fg::sparse_categorical_crossentropy loss{.from_logits = true};
    const auto params = small.init<T>(21);
    const std::vector<double> xd = small_inputs();
    const std::vector<T> x(xd.begin(), xd.end()), y(small_labels.begin(), small_labels.end());

    const auto [value, grad] = fg::value_and_grad(small, loss, params, std::span<const T>(x), std::span<const T>(y));
    fg::compiled_model<small_model, fg::sparse_categorical_crossentropy, T> cm(small, loss);
    fg::parameters<T, small_model> g;
    fg::random_engine engine(1);
    std::size_t correct = 0;
    const T step_value = cm.gradient(params, g, x, y, engine, correct);
    // The same graph (no dropout), so the same bits.
    BOOST_TEST(step_value == value);
    BOOST_TEST((g == grad));
    BOOST_TEST(dot(g, g) > 0);
    std::size_t eval_correct = 0;
    BOOST_TEST(cm.loss(params, x, y, eval_correct) == value);

    // Correct predictions, counted by hand from fg::predict's logits.
    const std::vector<T> logits = fg::predict(small, params, std::span<const T>(x));
    BOOST_TEST_REQUIRE(logits.size() == 15u);
    std::size_t expected_correct = 0;
    for (std::size_t r = 0; r < 5; ++r) {
        std::size_t best = 0;
        for (std::size_t j = 1; j < 3; ++j)
            if (logits[r * 3 + j] > logits[r * 3 + best]) best = j;
        expected_correct += best == static_cast<std::size_t>(small_labels[r]);
    }
    BOOST_TEST(correct == expected_correct);
    BOOST_TEST(eval_correct == expected_correct);
    const auto view = cm.predict(params, x);
    BOOST_TEST(std::vector<T>(view.begin(), view.end()) == logits, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(value_and_grad_agrees_with_compiled_model_gradient) {
    check_value_and_grad_is_the_training_step<double>();
    check_value_and_grad_is_the_training_step<float>();
}

BOOST_AUTO_TEST_CASE(value_and_grad_turns_dropout_off) {
    // With dropout, value_and_grad is the evaluation loss (deterministic); the training step is not.
    constexpr auto dropped = fg::sequential(fg::input<3>, fg::dense<4>(fg::activation<"tanh">), fg::dropout{.rate = 0.5},
                                            fg::dense<3>());
    using D = std::remove_cvref_t<decltype(dropped)>;
    const fg::sparse_categorical_crossentropy loss{.from_logits = true};
    fg::parameters<double, D> params;
    const auto small_params = small.init<double>(21);
    std::copy(small_params.flat().begin(), small_params.flat().end(), params.flat().begin());
    const std::vector<double> x = small_inputs();
    const auto with = fg::value_and_grad(dropped, loss, params, std::span<const double>(x), std::span<const double>(small_labels));
    const auto without = fg::value_and_grad(small, loss, small_params, std::span<const double>(x),
                                            std::span<const double>(small_labels));
    BOOST_TEST(with.value == without.value);
    BOOST_TEST(fgtest::compare_arrays(with.grad.flat(), without.grad.flat(), 0.0L, 0.0L).empty());
    fg::compiled_model<D, fg::sparse_categorical_crossentropy, double> cm(dropped, loss);
    fg::parameters<double, D> g;
    fg::random_engine engine(3);
    std::size_t correct = 0;
    BOOST_TEST(cm.gradient(params, g, x, small_labels, engine, correct) != with.value);
}

// ---------------------------------------------------------------------------------------------------
// Checkpoints
// ---------------------------------------------------------------------------------------------------

/// A fresh directory for one test's files, removed afterwards.
struct scratch_directory {
    fs::path path;
    scratch_directory() {
        path = fs::temp_directory_path() / ("fusegrad-models-test-" + std::to_string(std::random_device{}()));
        fs::create_directories(path);
    }
    ~scratch_directory() {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
};

/// The message of the io_error `f` throws, or "" (and a failure) when it throws none.
template <class F>
std::string io_error_of(F&& f) {
    try {
        f();
    } catch (const fg::io::io_error& e) {
        return e.what();
    }
    BOOST_ERROR("no fg::io::io_error thrown");
    return "";
}

BOOST_AUTO_TEST_CASE(checkpoint_round_trip_in_float_and_double) {
    scratch_directory dir;
    const auto f = every_layer.init<float>(31);
    fg::save_weights(dir.path / "f.ckpt", every_layer, f);
    BOOST_TEST((fg::load_weights<float>(dir.path / "f.ckpt", every_layer) == f));
    auto d = every_layer.init<double>(31);
    d.flat()[0] = 1.0 / 3.0;  // every bit of a double survives
    d.flat()[1] = -0.0;
    fg::save_weights(dir.path / "d.ckpt", every_layer, d);
    const auto back = fg::load_weights<double>(dir.path / "d.ckpt", every_layer);
    BOOST_TEST((back == d));
    BOOST_TEST(std::signbit(back.flat()[1]));
    // Saving again replaces the file.
    d.flat()[0] = 2.0;
    fg::save_weights(dir.path / "d.ckpt", every_layer, d);
    BOOST_TEST(fg::load_weights<double>(dir.path / "d.ckpt", every_layer).flat()[0] == 2.0);
}

BOOST_AUTO_TEST_CASE(checkpoint_of_another_architecture_is_refused_naming_both) {
    scratch_directory dir;
    const fs::path file = dir.path / "small.ckpt";
    fg::save_weights(file, small, small.init<float>(1));
    // Same parameter count (3·4 + 4 + 4·3 + 3 = 31), another activation: refused all the same.
    constexpr auto relu_small = fg::sequential(fg::input<3>, fg::dense<4>(fg::activation<"relu">), fg::dense<3>());
    static_assert(decltype(relu_small)::parameter_count == small_model::parameter_count);
    const std::string message = io_error_of([&] { (void)fg::load_weights<float>(file, relu_small); });
    BOOST_TEST(message.find(small.architecture()) != std::string::npos, message);
    BOOST_TEST(message.find(relu_small.architecture()) != std::string::npos, message);
    BOOST_TEST(message.find(file.string()) != std::string::npos, message);
    BOOST_TEST(small.architecture() == "sequential(input(3) dense(3,4,bias,tanh) dense(4,3,bias,linear))");
    // And another shape.
    const std::string other = io_error_of([&] { (void)fg::load_weights<float>(file, every_layer); });
    BOOST_TEST(other.find(every_layer.architecture()) != std::string::npos, other);
}

BOOST_AUTO_TEST_CASE(checkpoint_of_another_dtype_is_refused_naming_both) {
    scratch_directory dir;
    const fs::path file = dir.path / "float.ckpt";
    fg::save_weights(file, small, small.init<float>(1));
    const std::string message = io_error_of([&] { (void)fg::load_weights<double>(file, small); });
    BOOST_TEST(message.find("float32") != std::string::npos, message);
    BOOST_TEST(message.find("float64") != std::string::npos, message);
    BOOST_TEST(message.find("float32") < message.find("float64"), message);  // holds float32, wants float64
}

BOOST_AUTO_TEST_CASE(truncated_and_missing_checkpoints_fail) {
    scratch_directory dir;
    const fs::path file = dir.path / "cut.ckpt";
    fg::save_weights(file, small, small.init<double>(1));
    const auto size = fs::file_size(file);
    for (const auto keep : {size - 1, size / 2, std::uintmax_t{10}, std::uintmax_t{0}}) {
        fs::copy_file(file, dir.path / "part.ckpt", fs::copy_options::overwrite_existing);
        fs::resize_file(dir.path / "part.ckpt", keep);
        const std::string message = io_error_of([&] { (void)fg::load_weights<double>(dir.path / "part.ckpt", small); });
        BOOST_TEST(message.find("part.ckpt") != std::string::npos, "kept " << keep << " bytes: " << message);
    }
    const std::string missing = io_error_of([&] { (void)fg::load_weights<double>(dir.path / "absent.ckpt", small); });
    BOOST_TEST(missing.find("absent.ckpt") != std::string::npos, missing);
}

}  // namespace

// Training beyond fit: the loop fit runs, written by hand with fg::compiled_model and fg::optimizer_state;
// evaluate and predict; save_weights and load_weights; checkpoints and resuming; the history CSV; dropout,
// PReLU and a custom (Lambda) activation; a residual block at the expression level; gradient checks of a
// model. docs/training.md and docs/models.md quote it. Every section checks what it shows (the hand-written
// loop ends bit for bit where fit ends, a resumed run where an uninterrupted one ends, ...), and the program
// returns non-zero if a check fails.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <boost/mp11/algorithm.hpp>
#include <fusegrad/fusegrad.hpp>

namespace fg = fusegrad;

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
    if (ok) return;
    ++failures;
    std::fprintf(stderr, "training_guide: FAILED: %s\n", what.c_str());
}

/// Three classes of points in 8 dimensions, each a noisy cloud around its own centre; labels are class
/// indices stored as float.
struct samples {
    std::vector<float> x;
    std::vector<float> y;
};

samples three_clouds(std::size_t count, std::uint64_t seed) {
    fg::random_engine rng(seed);
    samples s{std::vector<float>(count * 8), std::vector<float>(count)};
    for (std::size_t n = 0; n < count; ++n) {
        const std::uint64_t label = rng.below(3);
        s.y[n] = static_cast<float>(label);
        for (std::size_t i = 0; i < 8; ++i) {
            const double centre = (i % 3 == label) ? 1.0 : -0.5;
            s.x[n * 8 + i] = static_cast<float>(centre + 0.8 * rng.normal());
        }
    }
    return s;
}

const samples train_set = three_clouds(600, 1);
const samples test_set = three_clouds(200, 2);
const fg::dataset<float> train{train_set.x, train_set.y};
const fg::dataset<float> test{test_set.x, test_set.y};

/// A directory of its own for the files this program writes, removed at the end.
const std::filesystem::path scratch =
    std::filesystem::temp_directory_path() / ("fusegrad_training_guide_" + std::to_string(std::random_device{}()));

constexpr auto model = fg::sequential(fg::input<8>,
                                      fg::dense<32>(fg::activation<"relu">),
                                      fg::dense<3>());
const auto loss = fg::sparse_categorical_crossentropy{.from_logits = true};

constexpr std::string_view expected_architecture = R"(
sequential(input(8) dense(8,32,bias,relu) dense(32,3,bias,linear))
)";

// Every kind of layer, with options.
constexpr auto every_layer = fg::sequential(
    fg::input<28, 28>,
    fg::flatten(),
    fg::dense<64>(fg::activation<"tanh">, {.kernel_initializer = fg::initializers::he_normal,
                                           .bias_initializer = fg::initializers::constant(0.1)}),
    fg::dropout{.rate = 0.2},
    fg::dense<32, fg::bias::none>(fg::layers::leaky_relu{.negative_slope = 0.1}),
    fg::prelu{},
    fg::dense<16>([](auto x) { return fg::elu<0.5>(x); }),
    fg::layers::relu{.max_value = 6.0},
    fg::dense<10>(),
    fg::layers::softmax{});

constexpr std::string_view every_layer_summary = R"(
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ flatten (Flatten)               │ (None, 784)            │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense (Dense)                   │ (None, 64)             │        50,240 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dropout (Dropout)               │ (None, 64)             │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_1 (Dense)                 │ (None, 32)             │         2,048 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ p_re_lu (PReLU)                 │ (None, 32)             │            32 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_2 (Dense)                 │ (None, 16)             │           528 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ re_lu (ReLU)                    │ (None, 16)             │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_3 (Dense)                 │ (None, 10)             │           170 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ softmax (Softmax)               │ (None, 10)             │             0 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 53,018 (207.10 KB)
 Trainable params: 53,018 (207.10 KB)
 Non-trainable params: 0 (0.00 B)
)";

constexpr std::string_view every_layer_architecture = R"(
sequential(input(28,28) flatten dense(784,64,bias,tanh) dropout(0.2) dense(64,32,nobias,leaky_re_lu(0.1)) p_re_lu(32) dense(32,16,bias,custom) re_lu(6,0,0) dense(16,10,bias,linear) softmax)
)";

constexpr std::string_view every_layer_variables = R"(
dense/kernel (784, 64)
dense/bias (64)
dense_1/kernel (64, 32)
p_re_lu/alpha (32)
dense_2/kernel (32, 16)
dense_2/bias (16)
dense_3/kernel (16, 10)
dense_3/bias (10)
)";

void layers() {
    std::cout << every_layer.summary();
    check("\n" + every_layer.summary() == every_layer_summary, "the summary of every_layer");
    check("\n" + every_layer.architecture() + "\n" == every_layer_architecture, "the architecture of every_layer");

    // The parameter variables, in the order of the flat parameter vector:
    using Model = std::remove_const_t<decltype(every_layer)>;
    std::string names = "\n";
    boost::mp11::mp_for_each<Model::parameter_variables>([&](auto variable) {
        using V = decltype(variable);
        names += std::string(V::name.view()) + " (" + (V::shape.rank == 2 ? std::to_string(V::shape.rows) + ", " : "") +
                 std::to_string(V::shape.cols) + ")\n";
    });
    std::cout << names;
    check(names == every_layer_variables, "the parameter variables of every_layer");

    // Layer I's weights as named views; I counts as Keras's model.layers, from the first layer after fg::input.
    auto params = every_layer.init<float>(42);
    auto first_dense = params.layer<1>();   // dense: kernel (784 × 64) and bias (64)
    auto slopes = params.layer<4>().alpha;  // p_re_lu: 32 slopes, zeros as in Keras
    check(first_dense.bias[0] == 0.1f && first_dense.bias[63] == 0.1f, "bias_initializer constant(0.1)");
    check(slopes[0] == 0.0f && slopes[31] == 0.0f, "PReLU's slopes start at zero");
    double sum_of_squares = 0;
    for (float w : first_dense.kernel) sum_of_squares += double(w) * w;
    const double stddev = std::sqrt(sum_of_squares / first_dense.kernel.size());
    std::printf("dense/kernel: stddev %.4f (he_normal: sqrt(2 / 784) = %.4f)\n", stddev, std::sqrt(2.0 / 784));
    check(std::fabs(stddev - std::sqrt(2.0 / 784)) < 0.002, "he_normal's standard deviation");
    check(Model::parameter_count == 53'018 && params.size() == 53'018, "53,018 parameters");

    // Softmax as the last layer: every output row sums to 1.
    const std::vector<float> images(3 * 784, 0.5f);
    const std::vector<float> out = fg::predict(every_layer, params, std::span<const float>(images));
    for (std::size_t r = 0; r < 3; ++r) {
        float row = 0;
        for (std::size_t c = 0; c < 10; ++c) row += out[r * 10 + c];
        check(std::fabs(row - 1) < 1e-5f, "a softmax row sums to 1");
    }
}

void hand_written_loop() {
    // What fg::fit(model, params, loss, fg::adam{}, train, {.epochs = 3, .shuffle = false}) does:
    using Model = std::remove_const_t<decltype(model)>;
    fg::compiled_model<Model, fg::sparse_categorical_crossentropy, float> graphs(model, loss);
    fg::optimizer_state<fg::adam, float> optimizer(fg::adam{}, Model::parameter_count);
    fg::parameters<float, Model> params = model.init<float>(42), gradients;
    fg::random_engine dropout_engine(0);  // draws dropout masks; this model has none

    const std::size_t batch_size = 32, count = train.y.size();
    for (std::size_t epoch = 1; epoch <= 3; ++epoch) {
        double loss_sum = 0;
        std::size_t correct = 0;
        for (std::size_t start = 0; start < count; start += batch_size) {
            const std::size_t rows = std::min(batch_size, count - start);
            const float batch_loss = graphs.gradient(params, gradients, train.x.subspan(start * 8, rows * 8),
                                                     train.y.subspan(start, rows), dropout_engine, correct);
            optimizer.step(params.flat(), gradients.flat());
            loss_sum += batch_loss * static_cast<double>(rows);
        }
        std::printf("epoch %zu: loss %.4f - accuracy %.4f\n", epoch, loss_sum / static_cast<double>(count),
                    static_cast<double>(correct) / static_cast<double>(count));
    }

    auto fitted = model.init<float>(42);
    fg::fit(model, fitted, loss, fg::adam{}, train,
            {.epochs = 3, .shuffle = false, .verbose = fg::verbosity::silent});
    check(fitted == params, "the hand-written loop ends where fit(shuffle = false) ends, bit for bit");
    check(optimizer.iterations() == 3 * 19, "19 steps per epoch (600 samples in batches of 32)");
}

void evaluate_and_predict() {
    auto params = model.init<float>(42);
    fg::fit(model, params, loss, fg::adam{}, train, {.epochs = 5, .seed = 1, .verbose = fg::verbosity::silent});

    const fg::evaluation result = fg::evaluate(model, params, loss, test);          // {loss, accuracy}
    const std::vector<float> logits = fg::predict(model, params, std::span<const float>(test_set.x));
    std::printf("test: loss %.4f - accuracy %.4f\n", result.loss, result.accuracy);

    // evaluate's accuracy is the share of rows whose largest logit is the label.
    std::size_t right = 0;
    for (std::size_t r = 0; r < 200; ++r) right += static_cast<float>(fg::argmax(&logits[r * 3], 3)) == test_set.y[r];
    check(static_cast<double>(right) / 200 == result.accuracy, "evaluate's accuracy matches predict's arg-maxes");
    check(result.accuracy > 0.8, "test accuracy above 0.8: " + std::to_string(result.accuracy));

    // The loss and gradient of one batch, as a value; grads has the parameters' type.
    auto [batch_loss, grads] = fg::value_and_grad(model, loss, params, std::span<const float>(test_set.x),
                                                  std::span<const float>(test_set.y));
    std::printf("loss on the test set as one batch %.4f, gradient norm %.4f\n", batch_loss, std::sqrt(dot(grads, grads)));
    check(std::fabs(batch_loss - result.loss) < 1e-5, "value_and_grad's loss is evaluate's on the same data");

    // A step downhill lowers the loss.
    const auto stepped = params - 0.01f * grads;
    const float after = fg::value_and_grad(model, loss, stepped, std::span<const float>(test_set.x),
                                           std::span<const float>(test_set.y)).value;
    check(after < batch_loss, "a small step against the gradient lowers the loss");

    check("\n" + model.architecture() + "\n" == expected_architecture, "the architecture text");
}

void save_and_load() {
    const auto params = model.init<float>(42);

    const std::filesystem::path file = scratch / "weights.fgckpt";
    fg::save_weights(file, model, params);
    const auto restored = fg::load_weights<float>(file, model);
    check(restored == params, "load_weights returns exactly what save_weights saved");

    // A file saved for another architecture is refused with both fingerprints.
    constexpr auto wider = fg::sequential(fg::input<8>, fg::dense<64>(fg::activation<"relu">), fg::dense<3>());
    try {
        fg::load_weights<float>(file, wider);
        check(false, "loading into another architecture throws");
    } catch (const fg::io::io_error& e) {
        std::cout << "load_weights into a wider model: " << e.what() << "\n";
    }
}

void checkpoint_and_resume() {
    constexpr auto dropout_model = fg::sequential(fg::input<8>,
                                                  fg::dense<32>(fg::activation<"relu">),
                                                  fg::dropout{.rate = 0.2},
                                                  fg::dense<3>());
    const std::filesystem::path checkpoint = scratch / "run.fgckpt", csv = scratch / "history.csv";

    // An uninterrupted run of 4 epochs...
    auto straight = dropout_model.init<float>(42);
    const fg::history full = fg::fit(dropout_model, straight, loss, fg::adam{}, train,
                                     {.epochs = 4, .seed = 7, .verbose = fg::verbosity::silent});

    // ...and the same run stopped after epoch 2, then resumed from its checkpoint.
    auto first = dropout_model.init<float>(42);
    fg::fit(dropout_model, first, loss, fg::adam{}, train,
            {.epochs = 2, .seed = 7, .verbose = fg::verbosity::silent, .history_csv = csv, .checkpoint = checkpoint});
    auto resumed = dropout_model.init<float>(0);  // overwritten by the checkpoint's parameters
    const fg::history h = fg::fit(dropout_model, resumed, loss, fg::adam{}, train,
                                  {.epochs = 4, .seed = 7, .history_csv = csv, .checkpoint = checkpoint, .resume = true});

    check(resumed == straight, "the resumed run ends with the uninterrupted run's parameters, bit for bit");
    check(h.epochs.size() == 4, "the resumed history holds all 4 epochs");
    for (std::size_t i = 0; i < 4 && i < h.epochs.size(); ++i)
        check(h.epochs[i].loss == full.epochs[i].loss && h.epochs[i].accuracy == full.epochs[i].accuracy,
              "epoch " + std::to_string(i + 1) + " has the same loss and accuracy in both runs");

    // The CSV log, rewritten after every epoch, reads back as the history.
    check(fg::read_history_csv(csv) == h, "history.csv holds the history fit returned");

    // The same seed gives the same shuffles and dropout masks, hence the same parameters; another seed does not.
    auto again = dropout_model.init<float>(42), other_seed = dropout_model.init<float>(42);
    fg::fit(dropout_model, again, loss, fg::adam{}, train, {.epochs = 4, .seed = 7, .verbose = fg::verbosity::silent});
    fg::fit(dropout_model, other_seed, loss, fg::adam{}, train, {.epochs = 4, .seed = 8, .verbose = fg::verbosity::silent});
    check(again == straight, "the same seed gives bit-identical parameters");
    check(!(other_seed == straight), "another seed shuffles and drops out differently");

    // Outside training, dropout is the identity: the model predicts what the same model without it predicts.
    fg::parameters<float, std::remove_const_t<decltype(model)>> same_weights;
    std::copy(straight.flat().begin(), straight.flat().end(), same_weights.flat().begin());
    const std::span<const float> x(test_set.x);
    check(fg::predict(dropout_model, straight, x) == fg::predict(model, same_weights, x), "dropout is off in predict");
}

void terminate_on_nan() {
    // A learning rate far too large: the logits overflow within a few steps.
    auto params = model.init<float>(42);
    const fg::history h = fg::fit(model, params, loss, fg::sgd{.learning_rate = 1e30}, train, {.epochs = 3});
    // fit has printed h.stop_reason: "fusegrad: fit: the loss is -nan at epoch 1, step 2 of 19; training stopped ..."

    check(!h.stop_reason.empty() && h.epochs.empty(), "fit stops in the first epoch, with a reason");
    check(std::all_of(params.flat().begin(), params.flat().end(), [](float w) { return std::isfinite(w); }),
          "the parameters are those before the bad step: all finite");
}

void prelu_and_lambda() {
    // Keras: Dense(32), PReLU(alpha_initializer=Constant(0.25)), Dense(3)
    constexpr auto prelu_model = fg::sequential(fg::input<8>,
                                                fg::dense<32>(),
                                                fg::prelu{.alpha_initializer = fg::initializers::constant(0.25)},
                                                fg::dense<3>());
    auto params = prelu_model.init<float>(42);
    const auto alpha = params.layer<1>().alpha;                          // 32 slopes, one per feature
    constexpr fg::var<"p_re_lu/alpha", 32> alpha_variable;               // the same values, by name
    check(alpha[0] == 0.25f && params[alpha_variable].size() == 32, "PReLU's slopes start at 0.25");
    fg::fit(prelu_model, params, loss, fg::adam{}, train, {.epochs = 2, .verbose = fg::verbosity::silent});
    std::printf("PReLU: after training, alpha[0] = %.4f\n", static_cast<double>(alpha[0]));
    check(alpha[0] != 0.25f, "PReLU's slopes are trained");

    // Keras: Lambda(lambda x: x * keras.activations.sigmoid(x)), i.e. swish written by hand
    constexpr auto lambda_model = fg::sequential(fg::input<8>,
                                                 fg::dense<32>(),
                                                 [](auto x) { return x * fg::sigmoid(x); },
                                                 fg::dense<3>());
    constexpr auto silu_model = fg::sequential(fg::input<8>, fg::dense<32>(), fg::activation<"silu">, fg::dense<3>());
    std::cout << lambda_model.summary();
    const auto lambda_out = fg::predict(lambda_model, lambda_model.init<float>(5), std::span<const float>(test_set.x));
    const auto silu_out = fg::predict(silu_model, silu_model.init<float>(5), std::span<const float>(test_set.x));
    double worst = 0;
    for (std::size_t i = 0; i < lambda_out.size(); ++i) worst = std::max(worst, double(std::fabs(lambda_out[i] - silu_out[i])));
    check(worst < 1e-5, "the Lambda layer x * sigmoid(x) computes silu");

    const auto report = fg::gradcheck(lambda_model, loss, lambda_model.init<double>(5),
                                      std::span<const double>(std::vector<double>(test_set.x.begin(), test_set.x.begin() + 64)),
                                      std::span<const double>(std::vector<double>(test_set.y.begin(), test_set.y.begin() + 8)));
    check(report.passed(), "the Lambda model's gradient passes gradcheck");
}

void residual_block() {
    // A block of two Dense layers, named so that its variables are "block/dense/kernel", "block/dense/bias",
    // "block/dense_1/kernel" and "block/dense_1/bias".
    constexpr auto block = fg::sequential<"block">(fg::input<8>,
                                                   fg::dense<8>(fg::activation<"relu">),
                                                   fg::dense<8>());
    constexpr fg::var<"x", fg::batch, 8> x;
    constexpr fg::var<"y", fg::batch, 8> y;
    constexpr auto output = x + block(x);                                // a skip connection
    constexpr auto residual_loss = fg::mean_squared_error{}(output, y);
    auto f = fg::compile<float>(residual_loss);

    constexpr fg::var<"block/dense/kernel", 8, 8> kernel;
    constexpr fg::var<"block/dense_1/kernel", 8, 8> kernel_1;
    const auto block_params = block.init<float>(3);
    const std::vector<float> xs(train_set.x.begin(), train_set.x.begin() + 8 * 16), ys(xs.size(), 0.5f);
    const auto [value, grad] = block_params.with_bindings([&](const auto&... weights) {
        return f.value_and_grad(fg::wrt(kernel, kernel_1), weights..., x = xs, y = ys);
    });
    std::printf("residual block: loss %.4f, d loss / d block/dense/kernel(0, 0) = %.6f\n", value,
                static_cast<double>(grad[kernel](0, 0)));

    // The same gradient, checked against finite differences in double.
    const auto report = block_params.with_bindings([&](const auto&... weights) {
        return fg::gradcheck(f, fg::wrt(kernel, kernel_1), weights..., x = xs, y = ys);
    });
    check(report.passed(), "the residual block's gradient passes gradcheck");

    // With a zero block, the output is the input: the loss is mean((x − y)²).
    const fg::parameters<float, std::remove_const_t<decltype(block)>> zero_block;
    const float identity_loss = zero_block.with_bindings([&](const auto&... weights) { return f.value(weights..., x = xs, y = ys); });
    double want = 0;
    for (std::size_t i = 0; i < xs.size(); ++i) want += (xs[i] - 0.5) * (xs[i] - 0.5);
    check(std::fabs(identity_loss - want / static_cast<double>(xs.size())) < 1e-5, "a zero block passes x through");
}

void check_model_gradients() {
    const auto params = model.init<float>(42);
    const std::span<const float> x(test_set.x.data(), 16 * 8), y(test_set.y.data(), 16);

    // Every one of the 387 parameters, on a batch of 16:
    const fg::gradcheck_report report = fg::gradcheck(model, loss, params, x, y);
    // 8 random directions per variable instead, for large models:
    const fg::gradcheck_report quick = fg::gradcheck(model, loss, params, x, y, {.directions = 8});

    std::cout << report;
    check(report.passed() && quick.passed(), "the model's gradient passes gradcheck");
    check(report.blocks.size() == 4, "gradcheck checks dense/kernel, dense/bias, dense_1/kernel, dense_1/bias");
}

}  // namespace

int main() {
    std::filesystem::create_directories(scratch);
    try {
        std::cout << "Every kind of layer:\n";
        layers();
        std::cout << "\nA hand-written training loop:\n";
        hand_written_loop();
        std::cout << "\nevaluate and predict:\n";
        evaluate_and_predict();
        std::cout << "\nsave_weights and load_weights:\n";
        save_and_load();
        std::cout << "\nA checkpoint and a resumed run:\n";
        checkpoint_and_resume();
        std::cout << "\nA loss that is not finite:\n";
        terminate_on_nan();
        std::cout << "\nPReLU and a Lambda activation:\n";
        prelu_and_lambda();
        std::cout << "\nA residual block:\n";
        residual_block();
        std::cout << "\nGradient check of a model:\n";
        check_model_gradients();
    } catch (const std::exception& e) {
        check(false, std::string("unexpected exception: ") + e.what());
    }
    std::filesystem::remove_all(scratch);
    if (failures != 0) {
        std::fprintf(stderr, "training_guide: %d checks failed\n", failures);
        return 1;
    }
    std::cout << "training_guide: all checks passed\n";
    return 0;
}

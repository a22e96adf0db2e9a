// Keras → fusegrad with the layer API: the five snippets of the blog post "Activation functions in Keras" as
// sequential models, and TensorFlow's basic-classification tutorial (Flatten → Dense(128, relu) → Dense(10),
// Adam, sparse categorical cross-entropy from logits, accuracy) trained with fg::fit. The tutorial trains on
// Fashion-MNIST for 10 epochs (scripts/demo does that); here it trains for 2 epochs on small synthetic
// images so that the program runs in seconds.
//
// docs/keras.md, docs/models.md and the README quote it. Every result is checked: the snippets' outputs
// against their formulas computed here with plain loops, the summaries against the Keras tables, the
// trained model's accuracy, and the probabilities after softmax. Returns non-zero if a check fails.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fusegrad/fusegrad.hpp>

namespace fg = fusegrad;

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
    if (ok) return;
    ++failures;
    std::fprintf(stderr, "keras_models: FAILED: %s\n", what.c_str());
}

constexpr std::size_t features = 16, num_classes = 10;

// The blog post's snippets, each `model.add(Dense(...))` then an activation layer. Keras infers the input
// size from the data; fusegrad needs it in the type: 16 features here.

// model.add(Dense(64))
// model.add(Activation('relu'))
constexpr auto relu_model = fg::sequential(fg::input<features>, fg::dense<64>(), fg::activation<"relu">);

// model.add(Dense(64))
// model.add(Activation('sigmoid'))
constexpr auto sigmoid_model = fg::sequential(fg::input<features>, fg::dense<64>(), fg::activation<"sigmoid">);

// model.add(Dense(64))
// model.add(Activation('tanh'))
constexpr auto tanh_model = fg::sequential(fg::input<features>, fg::dense<64>(), fg::activation<"tanh">);

// model.add(Dense(num_classes))
// model.add(Activation('softmax'))
constexpr auto softmax_model = fg::sequential(fg::input<features>, fg::dense<num_classes>(), fg::activation<"softmax">);

// from keras.layers.advanced_activations import LeakyReLU
// model.add(Dense(64))
// model.add(LeakyReLU(alpha=0.1))               (Keras 3: LeakyReLU(negative_slope=0.1))
constexpr auto leaky_relu_model = fg::sequential(fg::input<features>, fg::dense<64>(),
                                                 fg::layers::leaky_relu{.negative_slope = 0.1});

// Keras's shorter spelling, Dense(64, activation='relu'): the same computation in one layer.
constexpr auto fused_relu_model = fg::sequential(fg::input<features>, fg::dense<64>(fg::activation<"relu">));

// All five in one model, as the blog post's snippets would stack in a Sequential.
constexpr auto blog_model = fg::sequential(fg::input<features>,
                                           fg::dense<64>(), fg::activation<"relu">,
                                           fg::dense<64>(), fg::activation<"sigmoid">,
                                           fg::dense<64>(), fg::activation<"tanh">,
                                           fg::dense<64>(), fg::layers::leaky_relu{.negative_slope = 0.1},
                                           fg::dense<num_classes>(), fg::activation<"softmax">);

constexpr std::string_view blog_summary = R"(
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ dense (Dense)                   │ (None, 64)             │         1,088 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ activation (Activation)         │ (None, 64)             │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_1 (Dense)                 │ (None, 64)             │         4,160 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ activation_1 (Activation)       │ (None, 64)             │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_2 (Dense)                 │ (None, 64)             │         4,160 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ activation_2 (Activation)       │ (None, 64)             │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_3 (Dense)                 │ (None, 64)             │         4,160 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ leaky_re_lu (LeakyReLU)         │ (None, 64)             │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_4 (Dense)                 │ (None, 10)             │           650 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ activation_3 (Activation)       │ (None, 10)             │             0 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 14,218 (55.54 KB)
 Trainable params: 14,218 (55.54 KB)
 Non-trainable params: 0 (0.00 B)
)";

/// Runs a one-dense-layer snippet on a batch with fg::predict and compares every output with
/// `reference(z)`, z being the row x·kernel + bias computed here in double.
template <class Model, class Reference>
void check_snippet(const char* keras, const Model& model, Reference reference) {
    constexpr std::size_t batch = 4, units = Model::output_features.size();
    const auto params = model.template init<float>(7);
    const auto dense = params.template layer<0>();
    fg::random_engine rng(3);
    std::vector<float> x(batch * features);
    for (float& v : x) v = static_cast<float>(rng.normal());

    const std::vector<float> out = fg::predict(model, params, std::span<const float>(x));
    double worst = 0;
    for (std::size_t r = 0; r < batch; ++r) {
        std::vector<double> z(units);
        for (std::size_t j = 0; j < units; ++j) {
            z[j] = dense.bias[j];
            for (std::size_t i = 0; i < features; ++i) z[j] += double(x[r * features + i]) * dense.kernel(i, j);
        }
        const std::vector<double> want = reference(z);
        for (std::size_t j = 0; j < units; ++j)
            worst = std::max(worst, std::fabs(out[r * units + j] - want[j]) / (1e-6 + std::fabs(want[j])));
    }
    std::printf("%-28s %zu outputs per sample, worst relative error %.1e\n", keras, units, worst);
    check(worst < 1e-4, std::string(keras) + ": outputs differ from the formula");
}

template <class F>
auto elementwise(F f) {
    return [f](std::vector<double> z) {
        for (double& v : z) v = f(v);
        return z;
    };
}

void seed_snippets() {
    check_snippet("Activation('relu')", relu_model, elementwise([](double v) { return v > 0 ? v : 0.0; }));
    check_snippet("Activation('sigmoid')", sigmoid_model, elementwise([](double v) { return 1 / (1 + std::exp(-v)); }));
    check_snippet("Activation('tanh')", tanh_model, elementwise([](double v) { return std::tanh(v); }));
    check_snippet("Activation('softmax')", softmax_model, [](std::vector<double> z) {
        double sum = 0;
        for (double& v : z) sum += (v = std::exp(v));
        for (double& v : z) v /= sum;
        return z;
    });
    check_snippet("LeakyReLU(alpha=0.1)", leaky_relu_model, elementwise([](double v) { return v > 0 ? v : 0.1 * v; }));
    check_snippet("Dense(64, activation='relu')", fused_relu_model, elementwise([](double v) { return v > 0 ? v : 0.0; }));

    // The fused form computes exactly what the two-layer form computes, from the same initial weights.
    const std::vector<float> x(3 * features, 0.5f);
    check(fg::predict(relu_model, relu_model.init<float>(1), std::span<const float>(x)) ==
              fg::predict(fused_relu_model, fused_relu_model.init<float>(1), std::span<const float>(x)),
          "Dense(64) + Activation('relu') and Dense(64, activation='relu') differ");

    std::cout << blog_model.summary();
    check("\n" + blog_model.summary() == blog_summary, "the summary of the blog post's model");
    static_assert(blog_model.parameter_count == 14'218);
}

/// A stand-in for Fashion-MNIST: 28 × 28 images of a bar at one of ten angles, shifted and noisy. Labels are
/// class indices stored as float, the model's scalar type.
struct image_set {
    std::vector<float> images;
    std::vector<float> labels;
};

image_set synthetic_images(std::size_t count, std::uint64_t seed) {
    fg::random_engine rng(seed);
    image_set set{std::vector<float>(count * 28 * 28), std::vector<float>(count)};
    for (std::size_t n = 0; n < count; ++n) {
        const std::uint64_t label = rng.below(10);
        set.labels[n] = static_cast<float>(label);
        const double angle = 3.14159265358979 * static_cast<double>(label) / 10, shift = rng.uniform(-4, 4);
        for (std::size_t r = 0; r < 28; ++r)
            for (std::size_t c = 0; c < 28; ++c) {
                const double distance = -std::sin(angle) * (c - 13.5) + std::cos(angle) * (r - 13.5) - shift;
                const double pixel = std::exp(-distance * distance / 8) + 0.8 * rng.uniform();
                set.images[n * 784 + r * 28 + c] = static_cast<float>(std::min(pixel, 1.0));
            }
    }
    return set;
}

constexpr std::string_view tutorial_summary = R"(
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ flatten (Flatten)               │ (None, 784)            │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense (Dense)                   │ (None, 128)            │       100,480 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_1 (Dense)                 │ (None, 10)             │         1,290 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 101,770 (397.54 KB)
 Trainable params: 101,770 (397.54 KB)
 Non-trainable params: 0 (0.00 B)
)";

void basic_classification() {
    const image_set train = synthetic_images(2000, 1), test = synthetic_images(500, 2);

    // model = tf.keras.Sequential([
    //     tf.keras.layers.Flatten(input_shape=(28, 28)),
    //     tf.keras.layers.Dense(128, activation='relu'),
    //     tf.keras.layers.Dense(10)
    // ])
    constexpr auto model = fg::sequential(fg::input<28, 28>,
                                          fg::flatten(),
                                          fg::dense<128>(fg::activation<"relu">),
                                          fg::dense<10>());
    std::cout << model.summary();

    // model.compile(optimizer='adam',
    //               loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    //               metrics=['accuracy'])
    const auto optimizer = fg::adam{};  // Keras's 'adam': learning_rate 0.001
    const auto loss = fg::sparse_categorical_crossentropy{.from_logits = true};

    // model.fit(train_images, train_labels, epochs=10)
    auto params = model.init<float>(42);
    fg::history history = fg::fit(model, params, loss, optimizer, {train.images, train.labels}, {.epochs = 2});

    // test_loss, test_acc = model.evaluate(test_images,  test_labels, verbose=2)
    const auto [test_loss, test_acc] = fg::evaluate(model, params, loss, {test.images, test.labels});
    std::printf("Test accuracy: %.4f\n", test_acc);

    // probability_model = tf.keras.Sequential([model, tf.keras.layers.Softmax()])
    // predictions = probability_model.predict(test_images)
    auto probability_model = fg::compile<float>(fg::softmax(model.output()));
    const auto predictions = params.with_bindings([&](const auto&... weights) {
        return probability_model.value(weights..., decltype(model)::input_variable{} = test.images);
    });

    check("\n" + model.summary() == tutorial_summary, "the summary of the tutorial's model");
    check(model.parameter_count == 784 * 128 + 128 + 128 * 10 + 10, "the tutorial model's parameter count");
    check(history.epochs.size() == 2 && history.stop_reason.empty(), "fit ran 2 epochs");
    check(history.epochs[1].loss < history.epochs[0].loss, "the training loss decreases");
    check(test_acc > 0.8, "the test accuracy is above 0.8: " + std::to_string(test_acc));
    check(std::isfinite(test_loss) && test_loss < history.epochs[0].loss, "the test loss is below the first epoch's");

    // Each row of probabilities sums to 1, and its arg-max is the class that evaluate counted.
    const std::vector<float> logits = fg::predict(model, params, std::span<const float>(test.images));
    check(predictions.rows() == 500 && predictions.cols() == 10, "predictions are 500 x 10");
    std::size_t correct = 0;
    double worst_sum = 0;
    for (std::size_t r = 0; r < predictions.rows(); ++r) {
        double sum = 0;
        for (std::size_t c = 0; c < 10; ++c) sum += predictions(r, c);
        worst_sum = std::max(worst_sum, std::fabs(sum - 1));
        const std::size_t predicted = fg::argmax(&predictions(r, 0), 10);
        check(predicted == fg::argmax(&logits[r * 10], 10), "softmax keeps the arg-max of row " + std::to_string(r));
        correct += static_cast<float>(predicted) == test.labels[r];
    }
    std::printf("probabilities: every row sums to 1 within %.1e\n", worst_sum);
    check(worst_sum < 1e-5, "the probabilities of a row sum to 1");
    check(static_cast<double>(correct) / 500 == test_acc, "evaluate's accuracy is the share of right arg-maxes");
}

}  // namespace

int main() {
    std::cout << "The blog post's five snippets as fusegrad models:\n";
    seed_snippets();
    std::cout << "\nTensorFlow's basic classification, on synthetic 28x28 images:\n";
    basic_classification();
    if (failures != 0) {
        std::fprintf(stderr, "keras_models: %d checks failed\n", failures);
        return 1;
    }
    std::cout << "keras_models: all checks passed\n";
    return 0;
}

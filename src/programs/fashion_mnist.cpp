// The main job of scripts/demo: Keras's basic-classification model trained on Fashion-MNIST with fusegrad.
// Flatten → Dense(128, relu) → Dense(10) logits, Adam(1e-3), sparse categorical cross-entropy from logits,
// batch 32, the test set as validation; then a gradient check of the trained model on one batch.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <fusegrad/fusegrad.hpp>
#include <fusegrad/io/atomic_file.hpp>
#include <fusegrad/io/idx.hpp>
#include <fusegrad/nn/model_gradients.hpp>
#include <fusegrad/nn/training_chart.hpp>

namespace fg = fusegrad;

namespace {

constexpr std::string_view usage = R"(usage: fashion_mnist [options]
Trains Flatten -> Dense(128, relu) -> Dense(10) on Fashion-MNIST (Adam 1e-3, sparse categorical
cross-entropy from logits), validates on the test set, writes model.dot (the graph, for Graphviz),
history.csv and training.svg, then gradient-checks the trained model on one batch.

  --epochs N        epochs to train (default 10)
  --batch-size N    samples per step (default 32)
  --seed N          seed of the initial weights and the shuffling (default 42)
  --threads N       threads each batch is split over (default 1; 0: every core; results depend on N
                    in the last bits)
  --data DIR        directory of the IDX files (default /usr/share/datasets/fashion-mnist)
  --out DIR         where model.dot, history.csv, training.svg and the checkpoint go (default: .)
  --resume FILE     checkpoint to save after every epoch and to continue from if it exists
  --synthetic       train on a generated 10-class dataset instead (no download, no package)
  --help            this text
)";

struct settings {
    std::size_t epochs = 10;
    std::size_t batch_size = 32;
    std::uint64_t seed = 42;
    std::size_t threads = 1;
    std::filesystem::path data = "/usr/share/datasets/fashion-mnist";
    std::filesystem::path out = ".";
    std::filesystem::path resume;
    bool synthetic = false;
    bool data_given = false;  // --data: an error names that directory, without the Debian package hint
};

struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

std::uint64_t number(std::string_view option, std::string_view text, std::uint64_t min) {
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size() || v < min)
        throw usage_error(std::string(option) + " needs an integer of at least " + std::to_string(min) + ", got '" +
                          std::string(text) + "'");
    return v;
}

std::optional<settings> parse(int argc, char** argv) {
    settings s;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        const auto value = [&]() -> std::string_view {
            if (i + 1 >= argc) throw usage_error(std::string(a) + " needs a value");
            return argv[++i];
        };
        if (a == "--help" || a == "-h") return std::nullopt;
        else if (a == "--epochs") s.epochs = number(a, value(), 1);
        else if (a == "--batch-size") s.batch_size = number(a, value(), 1);
        else if (a == "--seed") s.seed = number(a, value(), 0);
        else if (a == "--threads") s.threads = number(a, value(), 0);
        else if (a == "--data") {
            s.data = value();
            s.data_given = true;
        }
        else if (a == "--out") s.out = value();
        else if (a == "--resume") s.resume = value();
        else if (a == "--synthetic") s.synthetic = true;
        else throw usage_error("unknown option '" + std::string(a) + "'");
    }
    return s;
}

/// Ten classes of 28 × 28 images, each a bar at its own angle plus noise: learnable, but not in one step.
fg::io::image_dataset synthetic_split(std::size_t count, std::uint64_t seed) {
    fg::random_engine rng(fg::random_engine::derive(seed, count));
    fg::io::image_dataset d{count, 28, 28, std::vector<float>(count * 784), std::vector<std::int32_t>(count)};
    for (std::size_t n = 0; n < count; ++n) {
        const auto label = static_cast<std::int32_t>(rng.below(10));
        d.labels[n] = label;
        const double angle = 3.14159265358979 * label / 10.0, c = std::cos(angle), s = std::sin(angle);
        const double shift = rng.uniform(-3, 3);
        for (std::size_t r = 0; r < 28; ++r)
            for (std::size_t k = 0; k < 28; ++k) {
                const double x = k - 13.5, y = r - 13.5, distance = std::abs(-s * x + c * y - shift);
                const double v = std::exp(-distance * distance / 8.0) + 0.3 * rng.uniform();
                d.pixels[n * 784 + r * 28 + k] = static_cast<float>(std::min(v, 1.0));
            }
    }
    return d;
}

std::vector<float> as_floats(const std::vector<std::int32_t>& labels) { return {labels.begin(), labels.end()}; }

/// A failure that ends the program with one line on stderr and status 2 (an error, not a result).
struct program_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// The program once its options are parsed: returns 0, or 1 for a run that completed but failed (training
/// stopped on a non-finite loss, the gradient check found a mismatch), having said why on stderr. Everything
/// else throws.
int run(const settings& s) {
    fg::io::image_dataset train, test;
    try {
        if (s.synthetic) {
            train = synthetic_split(6000, s.seed);
            test = synthetic_split(1000, s.seed + 1);
        } else {
            // 28 x 28 is checked from each file's header, before any of its data is read.
            const fg::io::image_dataset_options images{.rows = 28, .cols = 28, .max_bytes = fg::io::idx_default_max_bytes};
            train = fg::io::load_mnist_split(s.data, "train", images);
            test = fg::io::load_mnist_split(s.data, "t10k", images);
        }
    } catch (const fg::io::io_error& e) {
        // The hint only where the default location was tried.
        if (s.data_given) throw;
        throw program_error(std::string(e.what()) +
                            " (Fashion-MNIST is in Debian's package dataset-fashion-mnist: sudo apt-get install -y "
                            "dataset-fashion-mnist; or pass --data DIR, or --synthetic)");
    }
    std::cout << (s.synthetic ? "Synthetic data: " : "Fashion-MNIST from " + s.data.string() + ": ") << train.count
              << " training and " << test.count << " test images\n";

    constexpr auto model = fg::sequential(fg::input<28, 28>, fg::flatten(), fg::dense<128>(fg::activation<"relu">),
                                          fg::dense<10>());
    std::cout << model.summary();
    auto params = model.init<float>(s.seed);

    // The model's forward and backward graphs for Graphviz (scripts/demo turns them into model.svg).
    std::error_code error;
    std::filesystem::create_directories(s.out, error);
    if (error)
        throw program_error("--out " + fg::detail::one_line_quoted(s.out.string()) +
                            ": cannot create the directory: " + error.message());
    fg::io::write_file_atomically(s.out / "model.dot", fg::to_dot(model), "graph");

    const std::vector<float> train_labels = as_floats(train.labels), test_labels = as_floats(test.labels);
    const fg::dataset<float> train_data{train.pixels, train_labels}, test_data{test.pixels, test_labels};
    const fg::sparse_categorical_crossentropy loss{.from_logits = true};

    fg::fit_options<float> options{.epochs = s.epochs,
                                   .batch_size = s.batch_size,
                                   .seed = s.seed,
                                   .validation = test_data,
                                   .history_csv = s.out / "history.csv",
                                   .checkpoint = s.resume.empty() ? s.out / "fashion_mnist.ckpt" : s.resume,
                                   .resume = !s.resume.empty(),
                                   .threads = s.threads};
    const fg::history h = fg::fit(model, params, loss, fg::adam{.learning_rate = 1e-3}, train_data, options);
    if (!h.stop_reason.empty()) {
        std::cerr << h.stop_reason << "\n";
        return 1;
    }

    fg::write_training_svg(s.out / "training.svg", h, s.synthetic ? "Synthetic data, 784-128-10" : "Fashion-MNIST, 784-128-10");
    double seconds = 0;
    for (const auto& e : h.epochs) seconds += e.seconds;
    const fg::evaluation final_test = fg::evaluate(model, params, loss, test_data, s.batch_size);
    std::printf("test accuracy %.4f, test loss %.4f after %zu epochs; %.2f s per epoch (mean of %zu)\n",
                final_test.accuracy, final_test.loss, h.epochs.back().epoch, seconds / static_cast<double>(h.epochs.size()),
                h.epochs.size());
    std::cout << "wrote " << (s.out / "history.csv").string() << " and " << (s.out / "training.svg").string() << "\n";

    // The trained model's gradient on one test batch against finite differences in double: 16 random
    // directions over all 101,770 parameters (one element at a time would take 400,000 evaluations). Kinks
    // (relu units at exactly 0, as all-zero images make them) are reported as such and do not fail the run.
    const std::size_t rows = std::min<std::size_t>(s.batch_size, test.count);
    fg::gradcheck_options check{.directions = 16};
    const auto report = fg::gradcheck(model, loss, params, std::span<const float>(test.pixels.data(), rows * 784),
                                      std::span<const float>(test_labels.data(), rows), check);
    std::cout << "\nGradient check of the trained model on " << rows << " test images:\n" << report << std::flush;
    if (report.passed()) return 0;
    std::cerr << "fashion_mnist: the gradient check of the trained model failed (the report is on stdout)\n";
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    settings s;
    try {
        const auto parsed = parse(argc, argv);
        if (!parsed) {
            std::cout << usage;
            return 0;
        }
        s = *parsed;
    } catch (const usage_error& e) {
        std::cerr << "fashion_mnist: " << e.what() << " (see --help)\n";
        return 2;
    }
    // Every failure ends here, after the stack has unwound (so that no temporary file is left behind): one
    // line on stderr and status 2. fusegrad's messages name themselves; others get the program's name.
    try {
        return run(s);
    } catch (const std::bad_alloc&) {
        std::cerr << "fashion_mnist: out of memory\n";
    } catch (const std::exception& e) {
        const std::string_view what = e.what();
        std::cerr << (what.starts_with("fusegrad: ") ? "" : "fashion_mnist: ") << what << "\n";
    }
    return 2;
}

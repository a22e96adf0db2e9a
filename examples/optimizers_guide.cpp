// Every code block of docs/optimizers-and-initializers.md and docs/checkpoint-format.md, as one program: each
// block, and the hexadecimal dump the checkpoint page shows, is a verbatim excerpt of this file
// (examples/check_doc_blocks.sh keeps them in sync).
//
// glorot_uniform fills a Dense kernel, Adam takes a step and saves its state, and a fresh state loaded from
// those bytes continues exactly as the uninterrupted one; the optimizers' Keras defaults and slots; RMSprop
// with momentum; a checkpoint file written and read back, byte for byte as the page's dump shows. main()
// checks what the pages state and returns non-zero on any mismatch.

// For the checks in main(); the page's first block starts at <fusegrad/nn/initializers.hpp>.
#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fusegrad/fusegrad.hpp>

#include <fusegrad/nn/initializers.hpp>
#include <fusegrad/nn/optimizers/adam.hpp>
#include <fusegrad/nn/optimizers/optimizer_state.hpp>
namespace fg = fusegrad;

// Initializes w, the 784 × 128 kernel of a Dense layer, takes one Adam step and returns the optimizer's state.
std::vector<std::byte> initialize_and_step(std::vector<float>& w) {
    fg::random_engine engine(fg::random_engine::derive(42, 1));          // seed 42, stream 1
    fg::initializers::glorot_uniform.fill(std::span<float>(w), 784, 128, engine);

    fg::optimizer_state<fg::adam, float> optimizer(fg::adam{.learning_rate = 1e-3}, w.size());
    std::vector<float> g = w;                                            // the gradient of the loss ½‖w‖²
    optimizer.step(w, g);                                                // one fused pass, no allocation
    return optimizer.save();                                             // bytes for a checkpoint
}

constexpr auto hidden = fg::dense<64>(fg::activation<"relu">, {.kernel_initializer = fg::initializers::he_normal,
                                                               .bias_initializer = fg::initializers::constant(0.1)});

constexpr fg::sgd sgd{.learning_rate = 0.01, .momentum = 0.0, .nesterov = false};
constexpr fg::adam adam{.learning_rate = 0.001, .beta_1 = 0.9, .beta_2 = 0.999, .epsilon = 1e-7};
constexpr fg::adamw adamw{.learning_rate = 0.001, .beta_1 = 0.9, .beta_2 = 0.999, .epsilon = 1e-7, .weight_decay = 0.004};
constexpr fg::rmsprop rmsprop{.learning_rate = 0.001, .rho = 0.9, .momentum = 0.0, .epsilon = 1e-7, .centered = false};

#include <fusegrad/io/checkpoint_file.hpp>
namespace fg = fusegrad;

fg::io::checkpoint_contents write_then_read(const std::filesystem::path& path,
                                            const fg::io::checkpoint_contents& contents) {
    fg::io::write_checkpoint(path, contents);                       // atomic replace
    fg::io::checkpoint_contents c = fg::io::read_checkpoint(path);  // validated, or fg::io::io_error
    fg::io::read_checkpoint(path, "dense(784,10,bias)", fg::io::dtype::float32);  // also checks the model
    return c;
}

// The checkpoint docs/checkpoint-format.md dumps: dense(1,1,bias) with the parameters 0.5 and -2 and the
// training state "epoch=3".
constexpr std::string_view dump_of_the_small_checkpoint = R"dump(
00000000: 46 47 43 4b 50 54 0d 0a 01 00 00 00 01 00 00 00  magic, version 1, dtype 1 (float32)
00000010: e4 f4 99 65 0d d8 3c c0 0f 00 00 00 64 65 6e 73  FNV-1a of the text, L = 15, "dens
00000020: 65 28 31 2c 31 2c 62 69 61 73 29 02 00 00 00 00  e(1,1,bias)", parameter_count = 2
00000030: 00 00 00 00 00 00 3f 00 00 00 c0 07 00 00 00 00  ..., 0.5f, -2.0f, S = 7
00000040: 00 00 00 65 70 6f 63 68 3d 33 15 de 8a 2d        ..., "epoch=3", CRC-32 0x2D8ADE15
)dump";

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
    if (ok) return;
    ++failures;
    std::fprintf(stderr, "optimizers_guide: FAILED: %s\n", what.c_str());
}

const std::filesystem::path scratch =
    std::filesystem::temp_directory_path() / ("fusegrad_optimizers_guide_" + std::to_string(std::random_device{}()));

/// Little-endian bytes, as a checkpoint stores parameters.
std::vector<std::byte> bytes_of(std::span<const float> values) {
    std::vector<std::byte> out;
    fg::io::byte_writer(out).put_all(values);
    return out;
}

std::vector<std::byte> bytes_of(std::string_view text) {
    std::vector<std::byte> out;
    for (const char c : text) out.push_back(static_cast<std::byte>(c));
    return out;
}

std::vector<std::byte> file_bytes(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::vector<std::byte> out;
    for (auto it = std::istreambuf_iterator<char>(in); it != std::istreambuf_iterator<char>(); ++it)
        out.push_back(static_cast<std::byte>(*it));
    return out;
}

/// The bytes of an `xxd -g 1` style dump: after each "offset: ", up to 16 two-digit hexadecimal bytes.
std::vector<std::byte> bytes_of_dump(std::string_view dump) {
    std::vector<std::byte> out;
    std::size_t line_start = 0;
    while (line_start < dump.size()) {
        const std::size_t end = std::min(dump.find('\n', line_start), dump.size());
        const std::string_view line = dump.substr(line_start, end - line_start);
        line_start = end + 1;
        if (line.empty()) continue;
        check(std::stoul(std::string(line.substr(0, 8)), nullptr, 16) == out.size(), "the dump's offsets");
        for (std::size_t k = 0; k < 16; ++k) {
            const std::size_t at = 10 + 3 * k;
            if (at + 2 > line.size() || !std::isxdigit(static_cast<unsigned char>(line[at])) ||
                !std::isxdigit(static_cast<unsigned char>(line[at + 1])))
                break;
            out.push_back(static_cast<std::byte>(std::stoul(std::string(line.substr(at, 2)), nullptr, 16)));
        }
    }
    return out;
}

/// The Adam step of the first block: initial values, bounds, the step Keras's formula gives, and a state
/// loaded from its bytes continuing as the uninterrupted run.
void glorot_uniform_and_adam() {
    std::vector<float> w(784 * 128);
    const std::vector<std::byte> checkpoint = initialize_and_step(w);

    // The initial values again: the same seed gives the same numbers.
    std::vector<float> initial(784 * 128);
    fg::random_engine engine(fg::random_engine::derive(42, 1));
    fg::initializers::glorot_uniform.fill(std::span<float>(initial), 784, 128, engine);
    const double limit = std::sqrt(6.0 / (784 + 128));
    double largest = 0, sum_of_squares = 0;
    for (const float x : initial) {
        largest = std::max(largest, std::fabs(double(x)));
        sum_of_squares += double(x) * x;
    }
    const double variance = sum_of_squares / static_cast<double>(initial.size());
    std::printf("glorot_uniform(784, 128): largest |w| %.6f, limit sqrt(6/912) = %.6f; variance %.3e, 2/912 = %.3e\n",
                largest, limit, variance, 2.0 / 912);
    // Drawn in double below the limit, then rounded to float: within the limit rounded to float.
    check(largest <= double(float(limit)), "glorot_uniform values within ±sqrt(6/(784+128))");
    check(largest > 0.99 * limit, "glorot_uniform values reach close to the limit");
    check(std::fabs(variance / (2.0 / 912) - 1) < 0.02, "glorot_uniform variance L²/3 = 2/(fan_in + fan_out)");

    // One Adam step: α = lr·√(1 − β2)/(1 − β1), m = (1 − β1)·g, v = (1 − β2)·g², w −= α·m/(√v + ε).
    const double alpha = 1e-3 * std::sqrt(1 - 0.999) / (1 - 0.9);
    double largest_error = 0, largest_step = 0;
    for (std::size_t i = 0; i < w.size(); ++i) {
        const double g = initial[i], m = 0.1 * g, v = 0.001 * g * g;
        const double expected = initial[i] - alpha * m / (std::sqrt(v) + 1e-7);
        largest_error = std::max(largest_error, std::fabs(w[i] - expected));
        largest_step = std::max(largest_step, std::fabs(double(w[i]) - initial[i]));
    }
    std::printf("one Adam step: largest |Δw| %.6f (about the learning rate), largest error against the formula %.1e\n",
                largest_step, largest_error);
    check(largest_step > 0.99e-3 && largest_step < 1.01e-3, "Adam's first step moves w by about the learning rate");
    check(largest_error < 1e-8, "Adam's first step is Keras's formula");

    // The saved state: header, then the two slots.
    check(checkpoint.size() == 8 + 4 + (4 + 4) + 4 + 4 + 4 + 8 + 8 + 2 * w.size() * sizeof(float),
          "an Adam state is its header and two slots of float values");
    check(std::string_view(reinterpret_cast<const char*>(checkpoint.data()), 8) == std::string_view("fgoptim\0", 8),
          "a saved state starts with fgoptim and a zero byte");
    check(std::string_view(reinterpret_cast<const char*>(checkpoint.data()) + 16, 4) == "adam",
          "a saved state names its optimizer");

    // Loaded into a fresh state, the run continues exactly as the uninterrupted one.
    fg::optimizer_state<fg::adam, float> uninterrupted(fg::adam{.learning_rate = 1e-3}, initial.size());
    std::vector<float> straight = initial;
    for (int step = 0; step < 3; ++step) {
        const std::vector<float> g = straight;
        uninterrupted.step(straight, g);
        if (step == 0) check(straight == w, "the first block's step is the first step of an uninterrupted run");
    }
    fg::optimizer_state<fg::adam, float> resumed(fg::adam{.learning_rate = 1e-3}, w.size());
    resumed.load(checkpoint);
    check(resumed.iterations() == 1, "the loaded state has done 1 step");
    for (int step = 0; step < 2; ++step) {
        const std::vector<float> g = w;
        resumed.step(w, g);
    }
    check(w == straight && resumed.save() == uninterrupted.save(),
          "saving after 1 step and resuming gives exactly the parameters and state of 3 uninterrupted steps");

    // load refuses another optimizer's state, naming both.
    fg::optimizer_state<fg::sgd, float> other(fg::sgd{}, w.size());
    try {
        other.load(checkpoint);
        check(false, "an sgd state loads an adam state");
    } catch (const std::runtime_error& e) {
        std::printf("an adam state loaded into an sgd state: %s\n", e.what());
        check(std::string(e.what()).find("the bytes hold the state of optimizer 'adam', this state is 'sgd'") !=
                  std::string::npos,
              "load's message names both optimizers");
    }
}

/// The Dense layer of the second block: its options and the values they give.
void dense_initializers() {
    static_assert(hidden.options.kernel_initializer == fg::initializers::he_normal);
    static_assert(hidden.options.bias_initializer.name() == "constant" && hidden.options.bias_initializer.a == 0.1);
    constexpr auto model = fg::sequential(fg::input<32>, hidden);
    const auto params = model.init<float>(3);
    const auto layer = params.layer<0>();
    check(std::ranges::all_of(layer.bias, [](float b) { return b == 0.1f; }), "bias_initializer constant(0.1)");

    // he_normal: a normal truncated at two standard deviations whose variance is 2/fan_in.
    const double scale = 2.0 / 32, bound = 2 * std::sqrt(scale) / 0.87962566103423978;
    double largest = 0, sum_of_squares = 0;
    for (const float x : layer.kernel) {
        largest = std::max(largest, std::fabs(double(x)));
        sum_of_squares += double(x) * x;
    }
    const double variance = sum_of_squares / static_cast<double>(layer.kernel.size());
    std::printf("he_normal(32, 64): variance %.4f (2/32 = %.4f), largest |w| %.4f, bound %.4f\n", variance, scale,
                largest, bound);
    check(largest <= double(float(bound)), "he_normal draws within ±2·sqrt(2/fan_in)/0.8796");
    check(std::fabs(variance / scale - 1) < 0.1, "he_normal's variance is 2/fan_in");
}

/// The third block: Keras's defaults, the names and the slots.
void optimizer_defaults() {
    check(sgd.learning_rate == fg::sgd{}.learning_rate && sgd.momentum == fg::sgd{}.momentum &&
              sgd.nesterov == fg::sgd{}.nesterov,
          "sgd's defaults");
    check(adam.learning_rate == fg::adam{}.learning_rate && adam.beta_1 == fg::adam{}.beta_1 &&
              adam.beta_2 == fg::adam{}.beta_2 && adam.epsilon == fg::adam{}.epsilon,
          "adam's defaults");
    check(adamw.learning_rate == fg::adamw{}.learning_rate && adamw.beta_1 == fg::adamw{}.beta_1 &&
              adamw.beta_2 == fg::adamw{}.beta_2 && adamw.epsilon == fg::adamw{}.epsilon &&
              adamw.weight_decay == fg::adamw{}.weight_decay,
          "adamw's defaults");
    check(rmsprop.learning_rate == fg::rmsprop{}.learning_rate && rmsprop.rho == fg::rmsprop{}.rho &&
              rmsprop.momentum == fg::rmsprop{}.momentum && rmsprop.epsilon == fg::rmsprop{}.epsilon &&
              rmsprop.centered == fg::rmsprop{}.centered,
          "rmsprop's defaults");

    check(fg::sgd::name == "sgd" && fg::adam::name == "adam" && fg::adamw::name == "adamw" &&
              fg::rmsprop::name == "rmsprop",
          "the Keras identifiers");
    check(fg::sgd::slot_names == std::array<std::string_view, 1>{"momentum"} &&
              fg::adam::slot_names == std::array<std::string_view, 2>{"momentum", "velocity"} &&
              fg::rmsprop::slot_names == std::array<std::string_view, 3>{"velocity", "momentum", "average_gradient"},
          "Keras's slot names");
    check(sgd.uses_slots() == std::array{false} && fg::sgd{.momentum = 0.9}.uses_slots() == std::array{true},
          "SGD's velocity only with momentum");
    check(adam.uses_slots() == std::array{true, true} && adamw.uses_slots() == std::array{true, true},
          "Adam and AdamW always use both slots");
    check(rmsprop.uses_slots() == std::array{true, false, false} &&
              fg::rmsprop{.momentum = 0.9}.uses_slots() == std::array{true, true, false} &&
              fg::rmsprop{.centered = true}.uses_slots() == std::array{true, false, true},
          "RMSprop's momentum buffer only with momentum > 0, its average gradient only when centered");
}

/// The fourth block: an RMSprop state with momentum.
void rmsprop_with_momentum() {
    const std::size_t parameter_count = 4;
    std::vector<float> w{0.5f, -1.0f, 2.0f, 0.25f};
    const std::vector<float> g{0.1f, -0.2f, 1e-4f, 0.0f};
    const std::vector<float> w0 = w;

    fg::optimizer_state<fg::rmsprop, float> state(fg::rmsprop{.momentum = 0.9}, parameter_count);
    state.step(w, g);                                       // std::span<float>, std::span<const float>
    const std::uint64_t steps = state.iterations();         // 1
    state.set_learning_rate(1e-4);                          // for the following steps
    const std::span<const float> momentum = state.slot(1);  // the momentum buffer, read-only; empty for an unused slot

    check(steps == 1, "iterations() is 1 after one step");
    check(momentum.size() == parameter_count, "with momentum, slot(1) holds one value per parameter");
    // Keras: v = (1 − ρ)·g², Δ = lr·g/√(v + ε), b = Δ, w −= b.
    for (std::size_t i = 0; i < parameter_count; ++i) {
        const double delta = 1e-3 * g[i] / std::sqrt(0.1 * g[i] * g[i] + 1e-7);
        check(std::fabs(momentum[i] - delta) <= 1e-6 * std::fabs(delta), "RMSprop's first step, ε inside the root");
        check(w[i] == w0[i] - momentum[i], "w −= b");
    }
    const double torch_delta = 1e-3 * 1e-4 / (std::sqrt(0.1 * 1e-8) + 1e-7);
    std::printf("RMSprop's first step at g = 1e-4: %.3e; with torch's ε outside the root: %.3e\n", double(momentum[2]),
                torch_delta);
    check(torch_delta / momentum[2] > 9 && torch_delta / momentum[2] < 11, "torch's placement of ε: ten times the step");

    // The next step uses the new learning rate: b = μ·b + lr·g/√(v + ε).
    const std::vector<float> b1(momentum.begin(), momentum.end());
    state.step(w, g);
    check(state.iterations() == 2 && state.config().learning_rate == 1e-4, "the learning rate is changed");
    for (std::size_t i = 0; i < parameter_count; ++i) {
        const double v = 0.9 * (0.1 * g[i] * g[i]) + 0.1 * g[i] * g[i];
        const double b = 0.9 * b1[i] + 1e-4 * g[i] / std::sqrt(v + 1e-7);
        check(std::fabs(momentum[i] - b) <= 1e-6 * std::fabs(b), "the second step at learning rate 1e-4");
    }

    fg::optimizer_state<fg::rmsprop, float> plain(fg::rmsprop{}, parameter_count);
    check(plain.slot(0).size() == parameter_count && plain.slot(1).empty() && plain.slot(2).empty(),
          "without momentum or centering, only the velocity");
    try {
        state.step(std::span<float>(w).first(3), g);
        check(false, "a step with 3 parameters and 4 gradients");
    } catch (const std::invalid_argument& e) {
        check(std::string(e.what()).find("3 parameters and 4 gradients, but this state is for 4 parameters") !=
                  std::string::npos,
              "step's message names the three sizes");
    }
}

/// docs/checkpoint-format.md: a model's parameters and an optimizer's state through a file.
void checkpoint_file() {
    // dense(784,10,bias): 7850 parameters, and an Adam state after one step as the training state.
    std::vector<float> params(784 * 10 + 10);
    fg::random_engine engine(fg::random_engine::derive(42, 1));
    fg::initializers::glorot_uniform.fill(std::span<float>(params).first(7840), 784, 10, engine);
    fg::optimizer_state<fg::adam, float> optimizer(fg::adam{}, params.size());
    const std::vector<float> g = params;
    optimizer.step(params, g);
    const fg::io::checkpoint_contents contents{"dense(784,10,bias)", fg::io::dtype::float32, params.size(),
                                               bytes_of(params), optimizer.save()};

    const std::filesystem::path path = scratch / "model.fgc";
    const fg::io::checkpoint_contents c = write_then_read(path, contents);
    check(c.architecture == contents.architecture && c.type == contents.type &&
              c.parameter_count == contents.parameter_count && c.parameters == contents.parameters &&
              c.training_state == contents.training_state,
          "read_checkpoint returns what write_checkpoint wrote");
    check(std::filesystem::file_size(path) == 48 + 18 + 7850 * 4 + contents.training_state.size(),
          "a checkpoint is 48 + L + P + S bytes");
    fg::optimizer_state<fg::adam, float> resumed(fg::adam{}, params.size());
    resumed.load(c.training_state);
    check(resumed.iterations() == 1 && resumed.save() == optimizer.save(), "the optimizer state comes back");

    try {
        fg::io::read_checkpoint(path, "dense(784,128,bias) dense(128,10,bias)", fg::io::dtype::float32);
        check(false, "reading for another architecture");
    } catch (const fg::io::io_error& e) {
        std::printf("read for another model: %s\n", e.what());
        check(std::string(e.what()).find("made for architecture 'dense(784,10,bias)' but this model is "
                                         "'dense(784,128,bias) dense(128,10,bias)'") != std::string::npos,
              "the architecture message names both");
    }
    try {
        fg::io::read_checkpoint(path, "dense(784,10,bias)", fg::io::dtype::float64);
        check(false, "reading float32 parameters as float64");
    } catch (const fg::io::io_error& e) {
        check(std::string(e.what()).find("holds float32 parameters, this model uses float64") != std::string::npos,
              "the dtype message names both");
    }

    // The smallest checkpoint, and the one the page dumps, byte for byte.
    fg::io::write_checkpoint(scratch / "empty.fgc", {});
    check(std::filesystem::file_size(scratch / "empty.fgc") == 48, "the smallest checkpoint has 48 bytes");
    const std::vector<float> two{0.5f, -2.0f};
    fg::io::write_checkpoint(scratch / "small.fgc",
                             {"dense(1,1,bias)", fg::io::dtype::float32, 2, bytes_of(two), bytes_of("epoch=3")});
    const std::vector<std::byte> written = file_bytes(scratch / "small.fgc");
    const std::vector<std::byte> shown = bytes_of_dump(dump_of_the_small_checkpoint);
    check(shown.size() == 78, "the dump shows 48 + 15 + 8 + 7 bytes");
    check(written == shown, "the dense(1,1,bias) checkpoint is byte for byte the page's dump");
}

}  // namespace

int main() {
    std::filesystem::create_directories(scratch);
    try {
        glorot_uniform_and_adam();
        dense_initializers();
        optimizer_defaults();
        rmsprop_with_momentum();
        checkpoint_file();
    } catch (const std::exception& e) {
        check(false, std::string("unexpected exception: ") + e.what());
    }
    std::filesystem::remove_all(scratch);
    if (failures != 0) {
        std::fprintf(stderr, "optimizers_guide: %d checks failed\n", failures);
        return 1;
    }
    std::printf("optimizers_guide: all checks passed\n");
    return 0;
}

// Fuzzes fusegrad::optimizer_state<Config, T>::load. The first byte of an input chooses the state that loads
// the rest (optimizer_state_selector.hpp); the rest must load into it so that save() gives it back byte for
// byte, or be refused with a std::runtime_error that leaves the state as it was.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <fusegrad/nn/optimizers/adam.hpp>
#include <fusegrad/nn/optimizers/adamw.hpp>
#include <fusegrad/nn/optimizers/optimizer_state.hpp>
#include <fusegrad/nn/optimizers/rmsprop.hpp>
#include <fusegrad/nn/optimizers/sgd.hpp>

#include "checks.hpp"
#include "optimizer_state_selector.hpp"

namespace fg = fusegrad;

namespace {

template <class T, class Config>
void load(Config config, std::size_t parameter_count, std::span<const std::byte> bytes) {
    fg::optimizer_state<Config, T> state(config, parameter_count);
    // A step first, so that a refused load that changed anything shows in the slots or the iteration count.
    std::vector<T> parameters(parameter_count, T(1));
    const std::vector<T> gradients(parameter_count, T(0.5));
    state.step(parameters, gradients);
    const std::vector<std::byte> before = state.save();
    const std::string prefix = "fusegrad: optimizer_state<" + std::string(Config::name) + ">::load: ";
    // No one-line check of the message: load puts a refused optimizer name into it as it is, newlines and all.
    const bool loaded = fgfuzz::loads<std::runtime_error>([&] { state.load(bytes); }, prefix,
                                                          [](const std::runtime_error&) {});
    const std::vector<std::byte> after = state.save();
    if (loaded && !std::ranges::equal(after, bytes)) fgfuzz::fail("save() does not give back the bytes loaded");
    if (!loaded && after != before) fgfuzz::fail("a refused load changed the state");
}

template <class T>
void load(std::uint8_t optimizer, std::size_t parameter_count, std::span<const std::byte> bytes) {
    switch (optimizer) {
        case 0: return load<T>(fg::sgd{}, parameter_count, bytes);
        case 1: return load<T>(fg::sgd{.momentum = 0.9}, parameter_count, bytes);
        case 2: return load<T>(fg::sgd{.momentum = 0.9, .nesterov = true}, parameter_count, bytes);
        case 3: return load<T>(fg::adam{}, parameter_count, bytes);
        case 4: return load<T>(fg::adamw{}, parameter_count, bytes);
        case 5: return load<T>(fg::rmsprop{}, parameter_count, bytes);
        case 6: return load<T>(fg::rmsprop{.momentum = 0.9}, parameter_count, bytes);
        default: return load<T>(fg::rmsprop{.momentum = 0.9, .centered = true}, parameter_count, bytes);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const fgfuzz::optimizer_state_selector chosen = fgfuzz::optimizer_state_selector::from(data[0]);
    const auto bytes = std::as_bytes(std::span(data + 1, size - 1));
    if (chosen.is_double)
        load<double>(chosen.optimizer, chosen.parameter_count, bytes);
    else
        load<float>(chosen.optimizer, chosen.parameter_count, bytes);
    return 0;
}

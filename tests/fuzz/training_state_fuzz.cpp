// Fuzzes the training state that fit's checkpoints carry for --resume (detail::training_state::load in
// nn/fit.hpp: epoch count, random engines, the optimizer's bytes, the history). An input loads so that save()
// gives it back byte for byte, or is refused with a std::runtime_error naming the checkpoint on one line.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>

#include <fusegrad/nn/fit.hpp>

#include "checks.hpp"

namespace fg = fusegrad;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
    fg::detail::training_state state;
    const bool loaded = fgfuzz::loads<std::runtime_error>(
        [&] { state = fg::detail::training_state::load(bytes, "fuzz.ckpt"); }, "fusegrad: checkpoint 'fuzz.ckpt'",
        [](const std::runtime_error& error) { fgfuzz::expect_one_line(error.what()); });
    if (loaded && !std::ranges::equal(state.save(), bytes)) fgfuzz::fail("save() does not give back the bytes loaded");
    return 0;
}

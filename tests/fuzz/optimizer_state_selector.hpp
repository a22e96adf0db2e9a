#pragma once
// The first byte of an optimizer_state fuzz input, shared by the target and the corpus generator: which state
// loads the bytes after it.
#include <cstddef>
#include <cstdint>

namespace fgfuzz {

struct optimizer_state_selector {
    /// 0 sgd, 1 sgd with momentum, 2 sgd nesterov, 3 adam, 4 adamw, 5 rmsprop, 6 rmsprop with momentum,
    /// 7 rmsprop with momentum, centered: every set of slots each optimizer can have.
    std::uint8_t optimizer = 0;
    bool is_double = false;
    /// 0 to 3: enough to tell the slots apart, small enough to keep inputs short.
    std::size_t parameter_count = 0;

    /// Bits 0-2 the optimizer, bit 3 double, bits 4-5 the parameter count; bits 6-7 are ignored.
    static optimizer_state_selector from(std::uint8_t byte) {
        return {.optimizer = static_cast<std::uint8_t>(byte & 7),
                .is_double = (byte & 8) != 0,
                .parameter_count = static_cast<std::size_t>(byte >> 4 & 3)};
    }
    std::uint8_t byte() const {
        return static_cast<std::uint8_t>(optimizer | (is_double ? 8 : 0) | parameter_count << 4);
    }
};

}  // namespace fgfuzz

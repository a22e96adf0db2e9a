#pragma once
// The io_error an action throws, if any: how the io tests check a failure's message, file and offset.
#include <functional>
#include <optional>

#include <fusegrad/io/io_error.hpp>

namespace fgtest {

inline std::optional<fusegrad::io::io_error> io_error_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const fusegrad::io::io_error& e) {
        return e;
    }
    return std::nullopt;
}

}  // namespace fgtest

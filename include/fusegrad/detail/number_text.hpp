#pragma once
#include <charconv>
#include <string>

namespace fusegrad::detail {

/// The shortest text that reads back as the same double ("0.3", "inf"): numbers in architecture fingerprints.
inline std::string number_text(double v) {
    char buf[32];
    const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
    return std::string(buf, end);
}

}  // namespace fusegrad::detail

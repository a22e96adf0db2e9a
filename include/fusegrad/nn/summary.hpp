#pragma once
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace fusegrad {

/// One row of a model summary.
struct summary_row {
    std::string name;         // "dense_1"
    std::string_view type;    // "Dense"
    std::string output_shape; // "(None, 10)"
    std::size_t parameters = 0;
};

/// The Keras 3 summary table: layer (type), output shape, parameter count, then the totals with their size
/// in memory for elements of `element_bytes` bytes. Compiled once in src/summary.cpp.
std::string format_summary(std::string_view model_name, std::span<const summary_row> rows, std::size_t element_bytes);

}  // namespace fusegrad

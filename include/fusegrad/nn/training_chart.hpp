#pragma once
#include <filesystem>
#include <string_view>

#include "history.hpp"

namespace fusegrad {

/// Draws `h` as a standalone SVG chart: loss and accuracy per epoch side by side, training solid and
/// validation (when there is any) dashed, with point markers, the final values beside the plot, "nice" axis
/// ticks and a legend; `title` heads it. Non-finite values are left out. The file is replaced atomically;
/// throws std::runtime_error naming the file when it cannot be written.
void write_training_svg(const std::filesystem::path& file, const history& h, std::string_view title);

}  // namespace fusegrad

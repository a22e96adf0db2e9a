#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "io_error.hpp"

/// The checkpoint file: parameters and training state in a checked binary container. It knows nothing of
/// models; the layout, the checks on reading and every error message are in docs/checkpoint-format.md.
namespace fusegrad::io {

/// The element type of the stored parameters; the values are the codes written in the file.
enum class dtype : std::uint32_t { float32 = 1, float64 = 2 };

/// "float32" or "float64"; "unknown dtype" for any other value.
std::string_view dtype_name(dtype type);

/// The bytes of one element: 4 or 8; 0 for an unknown dtype.
std::size_t dtype_size(dtype type);

/// What a checkpoint holds.
struct checkpoint_contents {
    /// A text fingerprint of the model, written by the model layer: "dense(784,128,bias) dense(128,10,bias)".
    std::string architecture;
    dtype type = dtype::float32;
    /// The number of parameters (elements, not bytes).
    std::uint64_t parameter_count = 0;
    /// parameter_count × dtype_size(type) bytes, little-endian IEEE 754.
    std::vector<std::byte> parameters;
    /// Opaque bytes for the training loop (optimizer state, epoch...); may be empty.
    std::vector<std::byte> training_state;
};

/// Writes a checkpoint file atomically. As write_file_atomically does: a hidden temporary file
/// `.<name>.tmp-<pid>-<n>` beside `file`, fsync, rename over `file`, fsync of the directory. On failure the
/// temporary is removed, an existing `file` is left as it was, and io_error is thrown. Contents that
/// contradict themselves (a payload that is not parameter_count elements, an unknown dtype, an architecture
/// text over 4 GiB) throw std::invalid_argument before any file is touched.
void write_checkpoint(const std::filesystem::path& file, const checkpoint_contents& contents);

/// Reads and validates; throws io_error naming the file and the cause.
checkpoint_contents read_checkpoint(const std::filesystem::path& file);

/// read_checkpoint, then checks the architecture text and the dtype against what the caller expects:
/// "made for architecture 'A' but this model is 'B'", "holds float64 parameters, this model uses float32".
checkpoint_contents read_checkpoint(const std::filesystem::path& file, std::string_view expected_architecture,
                                    dtype expected);

}  // namespace fusegrad::io

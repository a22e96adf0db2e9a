#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>
#include <vector>

#include "io_error.hpp"

/// Readers for IDX files, the format of MNIST and Fashion-MNIST, gzip-compressed or raw: a big-endian magic
/// number (0, 0, data type, rank), one big-endian u32 per dimension, then the data. Every reader throws
/// fusegrad::io::io_error naming the file, the cause and, where there is one, the offset (in the decompressed
/// data for a gzip file).
namespace fusegrad::io {

/// The contents of an IDX file of unsigned bytes: its dimensions, outermost first, and the bytes in row-major order.
struct idx_array {
    std::vector<std::uint32_t> dims;
    std::vector<std::uint8_t> data;
};

/// Reads an IDX file of unsigned bytes (type 0x08) with `expected_rank` dimensions, gzip-compressed or raw.
idx_array read_idx(const std::filesystem::path& file, std::size_t expected_rank);

/// Images (count, rows, cols) with their labels, as a classifier trains on them.
struct image_dataset {
    std::size_t count = 0;
    std::size_t rows = 0;
    std::size_t cols = 0;
    /// count × rows × cols values, image after image, row after row, scaled from 0..255 to [0, 1].
    std::vector<float> pixels;
    /// count class indices, as stored (not checked against a number of classes).
    std::vector<std::int32_t> labels;
};

/// Images (n, rows, cols) and labels (n) read from two IDX files, counts checked against each other; when they
/// disagree the io_error names both files and both counts, and its path() is the labels file.
image_dataset load_idx_dataset(const std::filesystem::path& images, const std::filesystem::path& labels);

/// The Fashion-MNIST/MNIST files of one split in `dir`: `split` is "train" or "t10k"; tries
/// `<split>-images-idx3-ubyte.gz`, then `<split>-images-idx3-ubyte` (the same for `-labels-idx1-ubyte`).
/// Any other split throws std::invalid_argument.
image_dataset load_mnist_split(const std::filesystem::path& dir, std::string_view split);

}  // namespace fusegrad::io

#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>
#include <vector>

#include "io_error.hpp"

/// Readers for IDX files, the format of MNIST and Fashion-MNIST, gzip-compressed or raw: a big-endian magic
/// number (0, 0, data type, rank), one big-endian u32 per dimension, then the data. Every reader throws
/// fusegrad::io::io_error naming the file, the cause and, where there is one, the offset: in the decompressed
/// data for a problem with the IDX contents of a gzip file, in the compressed file (and the message says so)
/// for a problem with the gzip stream itself (corrupt data, trailing garbage, a read error).
///
/// A hostile file costs what it holds, not what its header claims: the data buffer grows by what has arrived,
/// a raw file smaller than its header's claim and a gzip file too small to decompress to it (deflate expands
/// at most 1032 times) are refused before any data is read, and running out of memory is an io_error too.
/// Gzip means the file starts with gzip's magic number, whatever its name; the members of a multi-member gzip
/// file (RFC 1952, as `cat a.gz b.gz` makes) are read one after the other, as gzip -d does; anything after the
/// last member is refused. Only regular files are read: a FIFO or a device is refused without blocking.
namespace fusegrad::io {

/// The default idx_read_options::max_bytes: 4 GiB, an IDX file of unsigned bytes that one u32 can count.
inline constexpr std::uint64_t idx_default_max_bytes = std::uint64_t{1} << 32;

/// What read_idx accepts, checked from the header before any data is read.
struct idx_read_options {
    /// The sizes of the dimensions after the first, outermost first: {28, 28} for MNIST's images. A 0 accepts
    /// any size in its place; an empty vector accepts any. Otherwise it has expected_rank - 1 entries.
    std::vector<std::uint32_t> inner_dims;
    /// The most data bytes the header may declare; lower it to bound what a file may make the reader allocate.
    std::uint64_t max_bytes = idx_default_max_bytes;
};

/// The contents of an IDX file of unsigned bytes: its dimensions, outermost first, and the bytes in row-major order.
struct idx_array {
    std::vector<std::uint32_t> dims;
    std::vector<std::uint8_t> data;
};

/// Reads an IDX file of unsigned bytes (type 0x08) with `expected_rank` dimensions, gzip-compressed or raw.
/// Inner dimensions other than `options.inner_dims` are refused as "the items are 32x32 (dimensions
/// 3 x 32 x 32 at offset 4), expected 28x28"; inner_dims of the wrong length throw std::invalid_argument.
idx_array read_idx(const std::filesystem::path& file, std::size_t expected_rank,
                   const idx_read_options& options = {});

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

/// What load_idx_dataset and load_mnist_split accept.
struct image_dataset_options {
    /// The size the images must have, checked from the header before any pixel is read; 0 accepts any.
    std::uint32_t rows = 0;
    std::uint32_t cols = 0;
    /// idx_read_options::max_bytes for each file. The pixels take 4 times as much again as floats.
    std::uint64_t max_bytes = idx_default_max_bytes;
};

/// Images (n, rows, cols) and labels (n) read from two IDX files, counts checked against each other; when they
/// disagree the io_error names both files and both counts, and its path() is the labels file.
image_dataset load_idx_dataset(const std::filesystem::path& images, const std::filesystem::path& labels,
                               const image_dataset_options& options = {});

/// The Fashion-MNIST/MNIST files of one split in `dir`: `split` is "train" or "t10k"; tries
/// `<split>-images-idx3-ubyte.gz`, then `<split>-images-idx3-ubyte` (the same for `-labels-idx1-ubyte`).
/// Any other split throws std::invalid_argument.
image_dataset load_mnist_split(const std::filesystem::path& dir, std::string_view split,
                               const image_dataset_options& options = {});

}  // namespace fusegrad::io

// Fuzzes fusegrad::io::read_idx. Any bytes must give an array that agrees with its header, or an io_error naming
// the file in one line; the same bytes gzip-compressed must give the same array, or fail at the same offset.
// Images read make a dataset with load_idx_dataset.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <numeric>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <zlib.h>

#include <fusegrad/io/idx.hpp>

#include "checks.hpp"
#include "scratch_directory.hpp"

namespace fg = fusegrad;

namespace {

const fgfuzz::scratch_directory scratch;

/// What reading one file came to: the array, or the offset of the error (none for a corrupt gzip stream).
struct outcome {
    std::optional<fg::io::idx_array> array;
    std::optional<std::uint64_t> error_offset;
};

outcome read(const std::filesystem::path& file, std::size_t rank) {
    outcome result;
    fg::io::idx_array array;
    const std::string prefix = "fusegrad: IDX file '" + file.string() + "': ";
    const bool loaded = fgfuzz::loads<fg::io::io_error>([&] { array = fg::io::read_idx(file, rank); }, prefix,
                                                         [&](const fg::io::io_error& error) {
                                                             fgfuzz::expect_one_line(error.what());
                                                             if (error.path() != file)
                                                                 fgfuzz::fail("the io_error names another path");
                                                             result.error_offset = error.offset();
                                                         });
    if (!loaded) return result;
    const std::uint64_t elements = std::accumulate(array.dims.begin(), array.dims.end(), std::uint64_t{1},
                                                   std::multiplies<>{});
    if (array.dims.size() != rank || array.data.size() != elements)
        fgfuzz::fail("the array read does not match its header");
    result.array = std::move(array);
    return result;
}

std::filesystem::path write_gzip(std::string_view name, std::span<const std::uint8_t> bytes) {
    const std::filesystem::path file = scratch.file(name);
    gzFile out = ::gzopen(file.c_str(), "wb");
    if (out == nullptr) fgfuzz::fail("cannot create " + file.string());
    const bool written = bytes.empty() || ::gzwrite(out, bytes.data(), static_cast<unsigned>(bytes.size())) ==
                                              static_cast<int>(bytes.size());
    if (::gzclose(out) != Z_OK || !written) fgfuzz::fail("cannot write " + file.string());
    return file;
}

/// An IDX file of `count` labels.
std::filesystem::path write_labels(std::uint32_t count) {
    std::vector<std::uint8_t> labels{0, 0, 0x08, 1};
    for (int shift = 24; shift >= 0; shift -= 8) labels.push_back(static_cast<std::uint8_t>(count >> shift));
    labels.resize(labels.size() + count, 7);
    return scratch.write("labels", labels);
}

/// load_idx_dataset on images that read as `read`: with as many labels as images it gives the dataset, with
/// one more it says they do not match.
void check_dataset(const std::filesystem::path& images, const fg::io::idx_array& read) {
    const std::uint32_t count = read.dims[0];
    fg::io::image_dataset set = fg::io::load_idx_dataset(images, write_labels(count));
    const bool in_range = std::ranges::all_of(set.pixels, [](float p) { return p >= 0 && p <= 1; });
    if (set.count != count || set.labels.size() != count || set.pixels.size() != read.data.size() ||
        set.count * set.rows * set.cols != read.data.size() || !in_range)
        fgfuzz::fail("the dataset does not match the files it was read from");

    const std::filesystem::path labels = write_labels(count + 1);
    if (fgfuzz::loads<fg::io::io_error>([&] { fg::io::load_idx_dataset(images, labels); }, "fusegrad: IDX files ",
                                        [&](const fg::io::io_error& error) {
                                            if (error.path() != labels) fgfuzz::fail("the io_error names another path");
                                        }))
        fgfuzz::fail("load_idx_dataset accepted more labels than images");
}

bool same(const outcome& a, const outcome& b) {
    if (a.array.has_value() != b.array.has_value()) return false;
    if (a.array) return a.array->dims == b.array->dims && a.array->data == b.array->data;
    return a.error_offset == b.error_offset;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> bytes(data, size);
    // The rank the magic number claims, so that most inputs get past it into the dimensions and the data.
    const std::size_t rank = size >= 4 ? data[3] : 1;
    const std::filesystem::path file = scratch.write("input", bytes);
    const outcome raw = read(file, rank);
    if (raw.array && rank == 3) check_dataset(file, *raw.array);
    // Input that is gzip already is decompressed: its offsets count decompressed bytes, and compressing it
    // again would make it mean something else.
    if (size >= 2 && data[0] == 0x1F && data[1] == 0x8B) return 0;
    if (raw.error_offset && *raw.error_offset > size) fgfuzz::fail("the io_error's offset is past the end of the file");
    if (!same(raw, read(write_gzip("input.gz", bytes), rank)))
        fgfuzz::fail("the raw file and its gzip-compressed copy read differently");
    return 0;
}

// Fuzzes fusegrad::io::read_idx. Any bytes must give an array that agrees with its header, or an io_error naming
// the file in one line. The first byte of the input chooses how the rest reaches the loader:
//   0  as a file, as it is: raw, or gzip when it starts with gzip's magic number (members, header flags, CRCs,
//      trailing garbage, as the seeds have them);
//   1  raw, and gzip-compressed by the target: both must give the same array, or fail at the same offset;
//   2  as the deflate data of a gzip member the target wraps it in, with the CRC-32 and length made right (so
//      that mutations of the compressed data are not all stopped by the CRC): it must load exactly when what
//      zlib inflates it to loads as a raw file, and give the same array. This is where bombs are made.
// Images read make a dataset with load_idx_dataset.
#include <algorithm>
#include <array>
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

// Far below the loader's default, so that no input makes it allocate more than libFuzzer's limit allows.
constexpr std::uint64_t max_bytes = std::uint64_t{64} << 20;
const fg::io::idx_read_options options{.inner_dims = {}, .max_bytes = max_bytes};

enum class mode : std::uint8_t { as_given, compressed_by_the_target, deflate_data, count };

/// What reading one file came to: the array, or the error's message and offset.
struct outcome {
    std::optional<fg::io::idx_array> array;
    std::string error;
    std::optional<std::uint64_t> error_offset;
};

outcome read(const std::filesystem::path& file, std::size_t rank) {
    outcome result;
    fg::io::idx_array array;
    const std::string prefix = "fusegrad: IDX file '" + file.string() + "': ";
    const bool loaded = fgfuzz::loads<fg::io::io_error>([&] { array = fg::io::read_idx(file, rank, options); }, prefix,
                                                         [&](const fg::io::io_error& error) {
                                                             fgfuzz::expect_one_line(error.what());
                                                             if (error.path() != file)
                                                                 fgfuzz::fail("the io_error names another path");
                                                             result.error = error.what();
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

/// What zlib makes of `deflate` as raw deflate data: the bytes it inflates to (at most `limit`), how many
/// input bytes the stream took, and whether it ended.
struct inflated {
    std::vector<std::uint8_t> bytes;
    std::size_t used = 0;
    bool complete = false;
};

inflated inflate_deflate_data(std::span<const std::uint8_t> deflate, std::size_t limit) {
    inflated result;
    z_stream stream{};
    if (::inflateInit2(&stream, -15) != Z_OK) fgfuzz::fail("zlib cannot start");
    stream.next_in = const_cast<Bytef*>(deflate.data());
    stream.avail_in = static_cast<uInt>(deflate.size());
    std::array<std::uint8_t, 1 << 16> buffer{};
    int status = Z_OK;
    while (status == Z_OK && result.bytes.size() < limit) {
        stream.next_out = buffer.data();
        stream.avail_out = static_cast<uInt>(buffer.size());
        status = ::inflate(&stream, Z_NO_FLUSH);
        result.bytes.insert(result.bytes.end(), buffer.data(), buffer.data() + (buffer.size() - stream.avail_out));
    }
    result.used = deflate.size() - stream.avail_in;
    result.complete = status == Z_STREAM_END;
    ::inflateEnd(&stream);
    return result;
}

/// A gzip member: a minimal header, `deflate`, then the CRC-32 and the length of `data`, little-endian.
std::vector<std::uint8_t> gzip_member(std::span<const std::uint8_t> deflate, std::span<const std::uint8_t> data) {
    std::vector<std::uint8_t> member{0x1F, 0x8B, 0x08, 0, 0, 0, 0, 0, 0, 0xFF};
    member.insert(member.end(), deflate.begin(), deflate.end());
    const auto crc = static_cast<std::uint32_t>(::crc32(0, data.data(), static_cast<uInt>(data.size())));
    const auto length = static_cast<std::uint32_t>(data.size());
    for (const std::uint32_t field : {crc, length})
        for (int shift = 0; shift < 32; shift += 8) member.push_back(static_cast<std::uint8_t>(field >> shift));
    return member;
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
    const fg::io::image_dataset_options limits{.rows = 0, .cols = 0, .max_bytes = max_bytes};
    fg::io::image_dataset set = fg::io::load_idx_dataset(images, write_labels(count), limits);
    const bool in_range = std::ranges::all_of(set.pixels, [](float p) { return p >= 0 && p <= 1; });
    if (set.count != count || set.labels.size() != count || set.pixels.size() != read.data.size() ||
        set.count * set.rows * set.cols != read.data.size() || !in_range)
        fgfuzz::fail("the dataset does not match the files it was read from");

    const std::filesystem::path labels = write_labels(count + 1);
    if (fgfuzz::loads<fg::io::io_error>([&] { fg::io::load_idx_dataset(images, labels, limits); }, "fusegrad: IDX files ",
                                        [&](const fg::io::io_error& error) {
                                            if (error.path() != labels) fgfuzz::fail("the io_error names another path");
                                        }))
        fgfuzz::fail("load_idx_dataset accepted more labels than images");
}

bool same_array(const outcome& a, const outcome& b) {
    if (a.array.has_value() != b.array.has_value()) return false;
    return !a.array || (a.array->dims == b.array->dims && a.array->data == b.array->data);
}

/// A raw file and its compressed copy: the same array, or errors at the same offset, except where the copy is
/// refused from its size alone (deflate expands at most 1032 times) and the raw file when its data runs out.
bool same_as_compressed(const outcome& raw, const outcome& gz) {
    if (!same_array(raw, gz)) return false;
    return raw.array || raw.error_offset == gz.error_offset ||
           gz.error.find("bytes of this gzip file decompress to at most") != std::string::npos;
}

bool starts_as_gzip(std::span<const std::uint8_t> bytes) {
    return bytes.size() >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B;
}

/// The rank the magic number claims, so that most inputs get past it into the dimensions and the data.
std::size_t claimed_rank(std::span<const std::uint8_t> idx) { return idx.size() >= 4 ? idx[3] : 1; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const auto how = static_cast<mode>(data[0] % static_cast<std::uint8_t>(mode::count));
    const std::span<const std::uint8_t> bytes(data + 1, size - 1);

    if (how == mode::deflate_data) {
        // The limit keeps the target's own inflating bounded: past it the comparison is left out.
        const inflated expected = inflate_deflate_data(bytes, max_bytes + (std::size_t{1} << 21));
        const std::size_t used = expected.complete ? expected.used : bytes.size();
        const std::filesystem::path gz =
            scratch.write("input.gz", gzip_member(bytes.first(used), expected.bytes));
        const std::size_t rank = claimed_rank(expected.bytes);
        const outcome got = read(gz, rank);
        if (got.array && rank == 3) check_dataset(gz, *got.array);
        // Inflated bytes that are gzip again would be decompressed a second time as a "raw" file.
        if (expected.bytes.size() > max_bytes || starts_as_gzip(expected.bytes)) return 0;
        const outcome raw = expected.complete ? read(scratch.write("inflated", expected.bytes), rank) : outcome{};
        if (!same_array(got, raw))
            fgfuzz::fail(got.array ? "a gzip file loaded whose data does not load raw"
                                   : "a gzip file was refused whose data loads raw");
        return 0;
    }

    const std::size_t rank = claimed_rank(bytes);
    const std::filesystem::path file = scratch.write("input", bytes);
    const outcome given = read(file, rank);
    if (given.array && rank == 3) check_dataset(file, *given.array);
    // Offsets of a gzip file count compressed or decompressed bytes, and compressing it again would make it
    // mean something else.
    if (starts_as_gzip(bytes)) return 0;
    if (given.error_offset && *given.error_offset > bytes.size())
        fgfuzz::fail("the io_error's offset is past the end of the file");
    if (how == mode::compressed_by_the_target && !same_as_compressed(given, read(write_gzip("input.gz", bytes), rank)))
        fgfuzz::fail("the raw file and its gzip-compressed copy read differently");
    return 0;
}

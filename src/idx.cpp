// Reading IDX files. Compiled once rather than in every user's translation unit, since it needs zlib. A gzip
// file is decompressed with inflate() itself rather than gzread, which would skip what follows a gzip member
// without a word: inflate says where each member ends, so that another member can be told from garbage, and a
// compressed offset can be named.
#include "fusegrad/io/idx.hpp"

#include "regular_file.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <limits>
#include <new>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <system_error>

#include <zlib.h>

namespace fusegrad::io {
namespace {

using fusegrad::detail::one_line_quoted;

constexpr std::uint8_t unsigned_byte_type = 0x08;
constexpr std::array<unsigned char, 2> gzip_magic{0x1F, 0x8B};
// A gzip file's data buffer grows by what has arrived so far, starting here, so that a header claiming
// gigabytes costs nothing until the gigabytes are actually there.
constexpr std::size_t first_chunk = std::size_t{1} << 16;
// Compressed bytes read at a time: fewer system calls for the 26 MB of a gzip-compressed MNIST file.
constexpr std::size_t input_chunk = std::size_t{1} << 17;
// inflate takes an unsigned int length.
constexpr std::size_t max_inflate_output = std::size_t{1} << 30;
// Trailing bytes are counted up to here, enough to tell a stray byte from a second dataset.
constexpr std::uint64_t trailing_count_limit = std::uint64_t{1} << 20;
// The most bytes one byte of deflate data can decompress to. Every Huffman code is at least 1 bit long; a
// match is a length code and a distance code, so at least 2 bits, and copies at most 258 bytes (length code
// 285 and distance code 0 have no extra bits): 258 bytes per 2 bits is 1032 per byte. A literal gives 1 byte
// for at least 1 bit, a stored block 1 byte per byte, and headers, trailers and block headers give none, so
// no gzip file decompresses to more than 1032 times its size.
constexpr std::uint64_t deflate_max_expansion = 1032;

std::string hex(std::uint64_t value, int digits) {
    char text[24];
    std::snprintf(text, sizeof text, "0x%0*llX", digits, static_cast<unsigned long long>(value));
    return text;
}

std::uint32_t big_endian_u32(const std::array<std::uint8_t, 4>& b) {
    return std::uint32_t{b[0]} << 24 | std::uint32_t{b[1]} << 16 | std::uint32_t{b[2]} << 8 | std::uint32_t{b[3]};
}

/// The IDX data types by their code; nullptr for a code the format does not define.
const char* type_name(std::uint8_t type) {
    switch (type) {
        case 0x08: return "unsigned byte";
        case 0x09: return "signed byte";
        case 0x0B: return "short";
        case 0x0C: return "int";
        case 0x0D: return "float";
        case 0x0E: return "double";
        default: return nullptr;
    }
}

std::string dimensions(std::size_t rank) { return std::to_string(rank) + (rank == 1 ? " dimension" : " dimensions"); }

/// "60000 x 28 x 28"
std::string joined(const std::vector<std::uint32_t>& dims) {
    std::string text;
    for (std::size_t i = 0; i < dims.size(); ++i) {
        if (i > 0) text += " x ";
        text += std::to_string(dims[i]);
    }
    return text;
}

/// "32x32"; a 0 is written as `zero`.
std::string shape(std::span<const std::uint32_t> dims, std::string_view zero = "0") {
    std::string text;
    for (std::size_t i = 0; i < dims.size(); ++i) {
        if (i > 0) text += 'x';
        text += dims[i] == 0 ? std::string(zero) : std::to_string(dims[i]);
    }
    return text;
}

/// "1 byte", "5 bytes"
std::string byte_count(std::uint64_t n) { return std::to_string(n) + (n == 1 ? " byte" : " bytes"); }

/// An open IDX file, gzip or raw, that counts the (decompressed) bytes read so that errors can say where.
class idx_reader {
public:
    explicit idx_reader(const std::filesystem::path& file) : file_(file, "IDX file") {
        std::array<unsigned char, 2> start{};
        gzip_ = file_.read_at(0, start.data(), start.size()) == start.size() && start == gzip_magic;
        if (!gzip_) return;
        try {
            input_.resize(input_chunk);
        } catch (const std::bad_alloc&) {
            fail("out of memory before any data is read", std::nullopt);
        }
        // 15 + 16: a 32 KiB window and a gzip wrapper, whose CRC-32 and length inflate checks itself.
        const int result = ::inflateInit2(&stream_, 15 + 16);
        if (result == Z_MEM_ERROR) fail("out of memory before any data is read", std::nullopt);
        if (result != Z_OK) fail("zlib cannot start decompressing (error " + std::to_string(result) + ")", std::nullopt);
        inflating_ = true;
    }
    ~idx_reader() {
        if (inflating_) ::inflateEnd(&stream_);
    }
    idx_reader(const idx_reader&) = delete;
    idx_reader& operator=(const idx_reader&) = delete;

    /// Reads up to n bytes, fewer only at the end of the data; throws on a read error, a corrupt gzip stream
    /// or bytes after the last gzip member. Running out of memory throws std::bad_alloc.
    std::size_t read(void* out, std::size_t n) {
        const std::size_t got = gzip_ ? inflate_into(static_cast<unsigned char*>(out), n) : file_.read(out, n);
        position_ += got;
        return got;
    }

    /// The (decompressed) bytes read so far.
    std::uint64_t position() const { return position_; }
    bool gzip() const { return gzip_; }
    /// The size of the file on disk (compressed, for a gzip file).
    std::uint64_t file_size() const { return file_.size(); }
    /// The bytes certain to come: what is left of a raw file; none of a gzip file, whose size is known only
    /// once its data has arrived.
    std::uint64_t surely_left() const { return gzip_ ? 0 : file_.size() - std::min(file_.size(), file_.position()); }

    /// How the end of the data is described: offsets in a gzip file count decompressed bytes.
    std::string end_at(std::uint64_t offset) const {
        return (gzip_ ? "decompressed data ends at offset " : "file ends at offset ") + std::to_string(offset);
    }

    [[noreturn]] void fail(const std::string& problem, std::optional<std::uint64_t> offset) const {
        file_.fail(problem, offset);
    }

private:
    /// Compressed bytes inflate has taken so far: the offset in the file where it stands.
    std::uint64_t consumed() const { return file_.position() - stream_.avail_in; }

    std::size_t inflate_into(unsigned char* out, std::size_t n) {
        std::size_t done = 0;
        while (done < n && !ended_) {
            if (stream_.avail_in == 0) {
                stream_.next_in = input_.data();
                stream_.avail_in = static_cast<uInt>(file_.read(input_.data(), input_.size()));
            }
            const auto room = static_cast<uInt>(std::min(n - done, max_inflate_output));
            stream_.next_out = out + done;
            stream_.avail_out = room;
            const int result = ::inflate(&stream_, Z_NO_FLUSH);
            done += room - stream_.avail_out;
            if (result == Z_STREAM_END) {
                member_ended();
            } else if (result == Z_BUF_ERROR) {
                // No progress with room to write: the input is used up, and the file has no more.
                fail("corrupt gzip stream: unexpected end of file (the compressed file ends at offset " +
                         std::to_string(consumed()) + ", inside a gzip member)",
                     consumed());
            } else if (result == Z_MEM_ERROR) {
                throw std::bad_alloc();
            } else if (result != Z_OK) {
                const std::string cause = stream_.msg != nullptr ? stream_.msg : "zlib error " + std::to_string(result);
                fail("corrupt gzip stream: " + cause + " (detected at offset " + std::to_string(consumed()) +
                         " of the compressed file)",
                     consumed());
            }
        }
        return done;
    }

    /// After a gzip member: the end of the file, another member (RFC 1952 allows a series; gzip -d writes
    /// their data one after the other), or garbage, which gzread and gzip -d would skip, refused here as a
    /// raw file's trailing bytes are.
    void member_ended() {
        const std::uint64_t end = consumed();
        std::array<unsigned char, 2> next{};
        const std::size_t got = file_.read_at(end, next.data(), next.size());
        if (got == 0) {
            ended_ = true;
        } else if (got == next.size() && next == gzip_magic) {
            ::inflateReset(&stream_);
        } else {
            const std::uint64_t garbage = std::max(file_.size(), end + got) - end;
            fail(byte_count(garbage) + " of trailing garbage at offset " + std::to_string(end) +
                     " of the compressed file, after the end of its gzip stream (not another gzip member)",
                 end);
        }
    }

    detail::regular_file file_;
    bool gzip_ = false;
    bool inflating_ = false;
    bool ended_ = false;
    z_stream stream_{};
    std::vector<unsigned char> input_;
    std::uint64_t position_ = 0;
};

/// The magic number: unsigned bytes, `expected_rank` dimensions.
void check_magic(idx_reader& in, std::size_t expected_rank) {
    std::array<std::uint8_t, 4> magic{};
    const std::size_t magic_bytes = in.read(magic.data(), magic.size());
    if (magic_bytes == 0) in.fail("the file is empty", 0);
    if (magic_bytes < magic.size())
        in.fail("truncated: the " + in.end_at(magic_bytes) + ", inside the 4-byte magic number", magic_bytes);
    const std::string found = hex(big_endian_u32(magic), 8) + " at offset 0";
    const std::string expected =
        "(expected " + hex(0x800U | expected_rank, 8) + ": unsigned bytes, " + dimensions(expected_rank) + ")";
    if (magic[0] != 0 || magic[1] != 0) in.fail("bad magic number " + found + " " + expected, 0);
    const char* type = type_name(magic[2]);
    if (type == nullptr)
        in.fail("bad magic number " + found + ": unknown data type " + hex(magic[2], 2) + " " + expected, 0);
    if (magic[2] != unsigned_byte_type)
        in.fail("magic number " + found + ": type " + hex(magic[2], 2) + " (" + type +
                    ") is not supported, only 0x08 (unsigned byte)",
                0);
    if (magic[3] != expected_rank)
        in.fail("magic number " + found + ": " + dimensions(magic[3]) + ", expected " + std::to_string(expected_rank),
                0);
}

/// The dimensions, none of them 0.
std::vector<std::uint32_t> read_dimensions(idx_reader& in, std::size_t rank) {
    const std::uint64_t header_bytes = 4 + 4 * std::uint64_t{rank};
    std::vector<std::uint32_t> dims(rank);
    for (std::size_t i = 0; i < rank; ++i) {
        std::array<std::uint8_t, 4> size{};
        const std::uint64_t offset = in.position();
        if (in.read(size.data(), size.size()) < size.size())
            in.fail("truncated: the " + in.end_at(in.position()) + ", inside the header (" +
                        std::to_string(header_bytes) + " bytes for " + dimensions(rank) + ")",
                    in.position());
        dims[i] = big_endian_u32(size);
        if (dims[i] == 0) in.fail("dimension " + std::to_string(i) + " at offset " + std::to_string(offset) + " is 0", offset);
    }
    return dims;
}

/// The checks of the header against what the caller expects: the inner dimensions, then the size.
std::uint64_t checked_data_bytes(const idx_reader& in, const std::vector<std::uint32_t>& dims,
                                 const idx_read_options& options) {
    const std::vector<std::uint32_t>& expected = options.inner_dims;
    for (std::size_t i = 0; i < expected.size(); ++i)
        if (expected[i] != 0 && expected[i] != dims[i + 1])
            in.fail("the items are " + shape(std::span(dims).subspan(1)) + " (dimensions " + joined(dims) +
                        " at offset 4), expected " + shape(expected, "*"),
                    4 + 4 * (i + 1));
    std::uint64_t elements = 1;
    for (const std::uint32_t d : dims) {
        if (elements > options.max_bytes / d)
            in.fail("the dimensions " + joined(dims) + " at offset 4 make more than " +
                        std::to_string(options.max_bytes) +
                        " elements, the most this loader reads (idx_read_options::max_bytes)",
                    4);
        elements *= d;
    }
    return elements;
}

/// Refuses, before any data is read, a header that claims more than the file can hold: a raw file holds what
/// its size on disk says, a gzip file at most deflate_max_expansion times its size.
void check_the_data_can_be_there(const idx_reader& in, std::uint64_t header_bytes, std::uint64_t elements,
                                 const std::vector<std::uint32_t>& dims) {
    const std::uint64_t size = in.file_size();
    if (!in.gzip()) {
        const std::uint64_t found = size - std::min(size, header_bytes);
        if (found < elements)
            in.fail("truncated: expected " + std::to_string(elements) + " data bytes after the header, found " +
                        std::to_string(found) + " (" + in.end_at(size) + ")",
                    size);
        return;
    }
    const std::uint64_t most = size > std::numeric_limits<std::uint64_t>::max() / deflate_max_expansion
                                   ? std::numeric_limits<std::uint64_t>::max()
                                   : size * deflate_max_expansion;
    if (most < header_bytes || most - header_bytes < elements)
        in.fail("the header declares " + std::to_string(elements) + " data bytes (" + joined(dims) + "), but the " +
                    std::to_string(size) + " bytes of this gzip file decompress to at most " + std::to_string(most) +
                    " (deflate expands at most " + std::to_string(deflate_max_expansion) + " times)",
                4);
}

/// The data, into a buffer that grows by what has arrived (raw data, whose size was checked, all at once).
void read_data(idx_reader& in, std::uint64_t elements, std::vector<std::uint8_t>& data) {
    while (data.size() < elements) {
        const std::size_t old = data.size();
        const auto step = static_cast<std::size_t>(std::min<std::uint64_t>(
            elements - old, std::max<std::uint64_t>({first_chunk, old, in.surely_left()})));
        // Exactly this much, not the library's doubling on top of it: the last step ends at the data's size.
        data.reserve(old + step);
        data.resize(old + step);
        const std::size_t got = in.read(data.data() + old, step);
        data.resize(old + got);
        if (got < step) break;
    }
}

/// Refuses bytes after the data, counting them up to trailing_count_limit.
void check_nothing_follows(idx_reader& in, const std::vector<std::uint32_t>& dims) {
    const std::uint64_t data_end = in.position();
    std::array<std::uint8_t, 4096> probe{};
    std::uint64_t trailing = 0;
    while (trailing < trailing_count_limit) {
        const std::size_t got = in.read(probe.data(), probe.size());
        if (got == 0) break;
        trailing += got;
    }
    if (trailing > 0)
        in.fail((trailing >= trailing_count_limit ? "at least " : "") + std::to_string(trailing) +
                    (trailing == 1 ? " trailing byte" : " trailing bytes") + " after the data, which ends at offset " +
                    std::to_string(data_end) + " (" + joined(dims) + " elements)",
                data_end);
}

/// The bytes of `array`, read from `file`, each made a T by `convert`. Running out of memory for them is an
/// io_error naming the file, as it is while reading.
template <class T, class Convert>
std::vector<T> converted(const idx_array& array, const std::filesystem::path& file, std::string_view as,
                         Convert convert) {
    try {
        std::vector<T> out(array.data.size());
        std::transform(array.data.begin(), array.data.end(), out.begin(), convert);
        return out;
    } catch (const std::bad_alloc&) {
        detail::throw_file_error("IDX file", file,
                                 "out of memory: its " + joined(array.dims) + " elements (" +
                                     std::to_string(array.data.size()) + " bytes, all read) take " +
                                     std::to_string(array.data.size() * sizeof(T)) + " bytes as " + std::string(as),
                                 std::nullopt);
    }
}

}  // namespace

idx_array read_idx(const std::filesystem::path& file, std::size_t expected_rank, const idx_read_options& options) {
    if (expected_rank > 0xFF)
        throw std::invalid_argument("fusegrad: read_idx: expected_rank is " + std::to_string(expected_rank) +
                                    ", an IDX file has at most 255 dimensions");
    if (!options.inner_dims.empty() && options.inner_dims.size() + 1 != expected_rank)
        throw std::invalid_argument("fusegrad: read_idx: inner_dims has " + std::to_string(options.inner_dims.size()) +
                                    " entries, but " + dimensions(expected_rank) + " have " +
                                    std::to_string(expected_rank == 0 ? 0 : expected_rank - 1) + " inner ones");
    idx_reader in(file);
    idx_array result;
    std::optional<std::uint64_t> elements;
    try {
        check_magic(in, expected_rank);
        result.dims = read_dimensions(in, expected_rank);
        elements = checked_data_bytes(in, result.dims, options);
        check_the_data_can_be_there(in, in.position(), *elements, result.dims);
        read_data(in, *elements, result.data);
        if (result.data.size() < *elements)
            in.fail("truncated: expected " + std::to_string(*elements) + " data bytes after the header, found " +
                        std::to_string(result.data.size()) + " (" + in.end_at(in.position()) + ")",
                    in.position());
        check_nothing_follows(in, result.dims);
    } catch (const std::bad_alloc&) {
        const std::size_t had = result.data.size();
        std::vector<std::uint8_t>().swap(result.data);  // the memory back before the message takes any
        if (!elements) in.fail("out of memory while reading the header", in.position());
        in.fail("out of memory with " + std::to_string(had) + " of the " + std::to_string(*elements) +
                    " data bytes the header declares (" + joined(result.dims) + ") read",
                in.position());
    }
    return result;
}

image_dataset load_idx_dataset(const std::filesystem::path& images, const std::filesystem::path& labels,
                               const image_dataset_options& options) {
    const idx_array image_file =
        read_idx(images, 3, {.inner_dims = {options.rows, options.cols}, .max_bytes = options.max_bytes});
    const idx_array label_file = read_idx(labels, 1, {.inner_dims = {}, .max_bytes = options.max_bytes});
    if (label_file.dims[0] != image_file.dims[0])
        throw io_error("fusegrad: IDX files " + one_line_quoted(images.string()) + " and " +
                           one_line_quoted(labels.string()) + " do not match: " + std::to_string(image_file.dims[0]) +
                           " images but " + std::to_string(label_file.dims[0]) + " labels",
                       labels);

    image_dataset result;
    result.count = image_file.dims[0];
    result.rows = image_file.dims[1];
    result.cols = image_file.dims[2];
    result.pixels = converted<float>(image_file, images, "floats", [](std::uint8_t b) { return static_cast<float>(b) / 255.0f; });
    result.labels = converted<std::int32_t>(label_file, labels, "32-bit labels",
                                            [](std::uint8_t b) { return static_cast<std::int32_t>(b); });
    return result;
}

image_dataset load_mnist_split(const std::filesystem::path& dir, std::string_view split,
                               const image_dataset_options& options) {
    if (split != "train" && split != "t10k")
        throw std::invalid_argument("fusegrad: load_mnist_split: the split is " + one_line_quoted(split) +
                                    ", expected 'train' or 't10k'");
    const auto fail = [&](const std::string& problem) -> io_error {
        return io_error("fusegrad: MNIST directory " + one_line_quoted(dir.string()) + ": " + problem, dir);
    };
    std::error_code error;
    if (!std::filesystem::is_directory(dir, error))
        throw fail(error ? "cannot open: " + error.message() : "not a directory");

    const auto find = [&](std::string_view contents) {
        const std::string name = std::string(split) + "-" + std::string(contents);
        for (const std::string& candidate : {name + ".gz", name}) {
            const std::filesystem::path file = dir / candidate;
            if (std::filesystem::exists(file, error)) return file;
            if (error) throw fail("cannot look for '" + candidate + "': " + error.message());
        }
        throw fail("neither '" + name + ".gz' nor '" + name + "' exists");
    };
    const std::filesystem::path images = find("images-idx3-ubyte");
    const std::filesystem::path labels = find("labels-idx1-ubyte");
    return load_idx_dataset(images, labels, options);
}

}  // namespace fusegrad::io

// Reading IDX files. Compiled once rather than in every user's translation unit, since it needs zlib, whose
// gzread decompresses a gzip file and passes a raw file through unchanged, so one code path reads both.
#include "fusegrad/io/idx.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

namespace fusegrad::io {
namespace {

using fusegrad::detail::one_line_quoted;

constexpr std::uint8_t unsigned_byte_type = 0x08;
// A larger claim is a corrupt header, or a dataset too large for a loader that holds it in memory.
constexpr std::uint64_t max_elements = std::uint64_t{1} << 32;
// The data vector grows by what has arrived so far, starting here, so that a header claiming gigabytes
// costs nothing until the gigabytes are actually there.
constexpr std::size_t first_chunk = std::size_t{1} << 16;
// gzread takes an unsigned int length.
constexpr std::size_t max_chunk = std::size_t{1} << 30;
// Trailing bytes are counted up to here, enough to tell a stray byte from a second dataset.
constexpr std::uint64_t trailing_count_limit = std::uint64_t{1} << 20;

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

/// An open IDX file, gzip or raw, that counts the (decompressed) bytes read so that errors can say where.
class idx_reader {
public:
    explicit idx_reader(const std::filesystem::path& file) : file_(file) {
        // open() rather than gzopen: its errno is reliable, and fstat can tell a directory apart.
        const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) fail("cannot open: " + std::generic_category().message(errno), std::nullopt);
        struct stat status {};
        if (::fstat(fd, &status) == 0 && S_ISDIR(status.st_mode)) {
            ::close(fd);
            fail("cannot open: it is a directory", std::nullopt);
        }
        fd_ = fd;
        gz_ = ::gzdopen(fd, "rb");
        if (gz_ == nullptr) {
            ::close(fd);
            fail("cannot open: zlib is out of memory", std::nullopt);
        }
        // Larger than zlib's 8 KiB default: fewer system calls for the 26 MB of a gzip-compressed MNIST file.
        ::gzbuffer(gz_, 1U << 17);
    }
    ~idx_reader() { ::gzclose(gz_); }
    idx_reader(const idx_reader&) = delete;
    idx_reader& operator=(const idx_reader&) = delete;

    /// Reads up to n bytes, fewer only at the end of the data; throws on a read error or a corrupt gzip stream.
    std::size_t read(void* out, std::size_t n) {
        const int got = ::gzread(gz_, out, static_cast<unsigned>(n));
        int code = Z_OK;
        const char* message = ::gzerror(gz_, &code);
        // Z_BUF_ERROR is a gzip stream that stops before its end, an error for a file that is complete. No
        // offset: zlib reads and decompresses ahead, so the bytes handed out so far do not say where it failed.
        if (got < 0 || code != Z_OK) {
            if (code == Z_ERRNO) fail("read error: " + zlib_message(message), std::nullopt);
            fail("corrupt gzip stream: " + zlib_message(message), std::nullopt);
        }
        position_ += static_cast<std::uint64_t>(got);
        return static_cast<std::size_t>(got);
    }

    std::uint64_t position() const { return position_; }

    /// How the end of the data is described: offsets in a gzip file count decompressed bytes.
    std::string end_at(std::uint64_t offset) const {
        return (::gzdirect(gz_) ? "file ends at offset " : "decompressed data ends at offset ") +
               std::to_string(offset);
    }

    [[noreturn]] void fail(const std::string& problem, std::optional<std::uint64_t> offset) const {
        throw io_error("fusegrad: IDX file " + one_line_quoted(file_.string()) + ": " + problem, file_, offset);
    }

private:
    /// zlib's message without the "<fd:3>: " it puts in front, since ours names the file already.
    std::string zlib_message(const char* message) const {
        const std::string text = message != nullptr ? message : "unknown zlib error";
        const std::string prefix = "<fd:" + std::to_string(fd_) + ">: ";
        return text.starts_with(prefix) ? text.substr(prefix.size()) : text;
    }

    std::filesystem::path file_;
    gzFile gz_ = nullptr;
    int fd_ = -1;
    std::uint64_t position_ = 0;
};

}  // namespace

idx_array read_idx(const std::filesystem::path& file, std::size_t expected_rank) {
    if (expected_rank > 0xFF)
        throw std::invalid_argument("fusegrad: read_idx: expected_rank is " + std::to_string(expected_rank) +
                                    ", an IDX file has at most 255 dimensions");
    idx_reader in(file);

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

    const std::uint64_t header_bytes = 4 + 4 * std::uint64_t{expected_rank};
    idx_array result;
    result.dims.resize(expected_rank);
    for (std::size_t i = 0; i < expected_rank; ++i) {
        std::array<std::uint8_t, 4> size{};
        const std::uint64_t offset = in.position();
        if (in.read(size.data(), size.size()) < size.size())
            in.fail("truncated: the " + in.end_at(in.position()) + ", inside the header (" +
                        std::to_string(header_bytes) + " bytes for " + dimensions(expected_rank) + ")",
                    in.position());
        result.dims[i] = big_endian_u32(size);
        if (result.dims[i] == 0)
            in.fail("dimension " + std::to_string(i) + " at offset " + std::to_string(offset) + " is 0", offset);
    }
    std::uint64_t elements = 1;
    for (const std::uint32_t d : result.dims) {
        if (elements > max_elements / d)
            in.fail("the dimensions " + joined(result.dims) + " at offset 4 make more than " +
                        std::to_string(max_elements) + " elements, the most this loader reads",
                    4);
        elements *= d;
    }

    std::vector<std::uint8_t>& data = result.data;
    while (data.size() < elements) {
        const std::size_t old = data.size();
        const std::size_t step = static_cast<std::size_t>(
            std::min<std::uint64_t>(elements - old, std::min(std::max(first_chunk, old), max_chunk)));
        // Exactly this much, not the library's doubling on top of it: the last step ends at the data's size.
        data.reserve(old + step);
        data.resize(old + step);
        const std::size_t got = in.read(data.data() + old, step);
        data.resize(old + got);
        if (got < step) break;
    }
    if (data.size() < elements)
        in.fail("truncated: expected " + std::to_string(elements) + " data bytes after the header, found " +
                    std::to_string(data.size()) + " (" + in.end_at(in.position()) + ")",
                in.position());

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
                    std::to_string(data_end) + " (" + joined(result.dims) + " elements)",
                data_end);
    return result;
}

image_dataset load_idx_dataset(const std::filesystem::path& images, const std::filesystem::path& labels) {
    const idx_array image_file = read_idx(images, 3);
    const idx_array label_file = read_idx(labels, 1);
    if (label_file.dims[0] != image_file.dims[0])
        throw io_error("fusegrad: IDX files " + one_line_quoted(images.string()) + " and " +
                           one_line_quoted(labels.string()) + " do not match: " + std::to_string(image_file.dims[0]) +
                           " images but " + std::to_string(label_file.dims[0]) + " labels",
                       labels);

    image_dataset result;
    result.count = image_file.dims[0];
    result.rows = image_file.dims[1];
    result.cols = image_file.dims[2];
    result.pixels.resize(image_file.data.size());
    std::transform(image_file.data.begin(), image_file.data.end(), result.pixels.begin(),
                   [](std::uint8_t b) { return static_cast<float>(b) / 255.0f; });
    result.labels.assign(label_file.data.begin(), label_file.data.end());
    return result;
}

image_dataset load_mnist_split(const std::filesystem::path& dir, std::string_view split) {
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
    return load_idx_dataset(images, labels);
}

}  // namespace fusegrad::io

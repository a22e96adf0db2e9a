// The checkpoint container (docs/checkpoint-format.md). Compiled once: it needs zlib's crc32 and POSIX
// calls (open, fstat, through regular_file.hpp) that have no place in a header.
#include "fusegrad/io/checkpoint_file.hpp"

#include "fusegrad/io/atomic_file.hpp"
#include "regular_file.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <limits>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>

#include <zlib.h>

namespace fusegrad::io {
namespace {

using fusegrad::detail::one_line_quoted;

// "\r\n" at the end: a file written or read in text mode on Windows loses or gains a '\r' and is caught here.
constexpr std::array<char, 8> magic{'F', 'G', 'C', 'K', 'P', 'T', '\r', '\n'};
constexpr std::uint32_t format_version = 1;
constexpr std::uint64_t version_offset = 8;
constexpr std::uint64_t dtype_offset = 12;
constexpr std::uint64_t hash_offset = 16;
constexpr std::uint64_t architecture_length_offset = 24;
constexpr std::uint64_t architecture_offset = 28;
// After the architecture text: the parameter count, the training-state length and the CRC.
constexpr std::uint64_t fields_after_text = 8 + 8 + 4;
constexpr std::uint64_t minimum_size = architecture_offset + fields_after_text;
// zlib's crc32 takes an unsigned int length.
constexpr std::size_t max_crc_piece = std::size_t{1} << 30;

std::string hex32(std::uint32_t value) {
    char text[16];
    std::snprintf(text, sizeof text, "0x%08X", static_cast<unsigned>(value));
    return text;
}

/// "1 byte", "48 bytes"
std::string byte_count(std::uint64_t n) { return std::to_string(n) + (n == 1 ? " byte" : " bytes"); }

std::string prefix(const std::filesystem::path& file) {
    return "fusegrad: checkpoint " + one_line_quoted(file.string()) + ": ";
}

std::uint64_t fnv1a_64(std::string_view text) {
    std::uint64_t hash = 0xCBF29CE484222325;
    for (const char c : text) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001B3;
    }
    return hash;
}

std::uint32_t crc_update(std::uint32_t crc, const void* data, std::size_t n) {
    auto bytes = static_cast<const Bytef*>(data);
    while (n > 0) {
        const std::size_t piece = std::min(n, max_crc_piece);
        crc = static_cast<std::uint32_t>(::crc32(crc, bytes, static_cast<uInt>(piece)));
        bytes += piece;
        n -= piece;
    }
    return crc;
}

/// Appends `value` as `Bytes` little-endian bytes, whatever the host's byte order.
template <std::size_t Bytes>
void put(std::vector<std::byte>& out, std::uint64_t value) {
    for (std::size_t i = 0; i < Bytes; ++i) out.push_back(static_cast<std::byte>((value >> (8 * i)) & 0xFF));
}

/// A checkpoint being read: the file size from fstat bounds every length before anything is allocated,
/// and the CRC accumulates over every byte read.
class checkpoint_reader {
public:
    explicit checkpoint_reader(const std::filesystem::path& file) : file_(file, "checkpoint") {}

    std::uint64_t size() const { return file_.size(); }
    std::uint64_t position() const { return file_.position(); }
    std::uint64_t remaining() const { return size() - position(); }
    /// The CRC-32 of every byte read so far.
    std::uint32_t crc() const { return crc_; }

    /// Exactly n bytes; a file that ends sooner has shrunk since fstat, and is reported as truncated.
    void read(void* out, std::size_t n, const char* what) {
        const std::uint64_t start = position();
        const std::size_t got = file_.read(out, n);
        if (got < n)
            fail("truncated: the file ends at offset " + std::to_string(start + got) + ", inside the " + what,
                 start + got);
        crc_ = crc_update(crc_, out, n);
    }

    /// A little-endian integer of `Bytes` bytes.
    template <std::size_t Bytes>
    std::uint64_t integer(const char* what) {
        std::array<unsigned char, Bytes> bytes{};
        read(bytes.data(), Bytes, what);
        std::uint64_t value = 0;
        for (std::size_t i = 0; i < Bytes; ++i) value |= std::uint64_t{bytes[i]} << (8 * i);
        return value;
    }

    [[noreturn]] void fail(const std::string& problem, std::optional<std::uint64_t> offset) const {
        file_.fail(problem, offset);
    }

private:
    fusegrad::detail::regular_file file_;
    std::uint32_t crc_ = 0;
};

/// "truncated: training-state length 900 at offset 52 exceeds the 40 bytes left for it"
[[noreturn]] void length_exceeds(const checkpoint_reader& in, const std::string& length, std::uint64_t offset,
                                 std::uint64_t available) {
    in.fail("truncated: " + length + " at offset " + std::to_string(offset) + " exceeds the " + byte_count(available) +
                " left for it",
            offset);
}

/// Reads the stored CRC (at the reader's position) and compares it with the bytes before it.
void check_crc(checkpoint_reader& in) {
    const std::uint32_t computed = in.crc();
    const std::uint64_t offset = in.position();
    const auto stored = static_cast<std::uint32_t>(in.integer<4>("CRC-32"));
    if (stored != computed)
        in.fail("checksum mismatch: the file is corrupted (the CRC-32 at offset " + std::to_string(offset) + " is " +
                    hex32(stored) + ", the bytes before it give " + hex32(computed) + ")",
                offset);
}

void check_architecture_hash(const checkpoint_reader& in, std::uint64_t stored, std::string_view architecture) {
    if (stored != fnv1a_64(architecture))
        in.fail("the architecture hash at offset " + std::to_string(hash_offset) +
                    " does not match the architecture text (written by another program?)",
                hash_offset);
}

}  // namespace

std::string_view dtype_name(dtype type) {
    switch (type) {
        case dtype::float32: return "float32";
        case dtype::float64: return "float64";
    }
    return "unknown dtype";
}

std::size_t dtype_size(dtype type) {
    switch (type) {
        case dtype::float32: return 4;
        case dtype::float64: return 8;
    }
    return 0;
}

void write_checkpoint(const std::filesystem::path& file, const checkpoint_contents& contents) {
    const std::size_t element = dtype_size(contents.type);
    const auto invalid = [&](const std::string& problem) {
        return std::invalid_argument("fusegrad: write_checkpoint " + one_line_quoted(file.string()) + ": " + problem);
    };
    if (element == 0) throw invalid("unknown dtype " + std::to_string(static_cast<std::uint32_t>(contents.type)));
    if (contents.architecture.size() > std::numeric_limits<std::uint32_t>::max())
        throw invalid("the architecture text has " + std::to_string(contents.architecture.size()) +
                      " bytes, the format allows 4294967295");
    if (contents.parameter_count > std::numeric_limits<std::size_t>::max() / element ||
        contents.parameters.size() != contents.parameter_count * element)
        throw invalid(std::to_string(contents.parameters.size()) + " parameter bytes, but " +
                      std::to_string(contents.parameter_count) + " " + std::string(dtype_name(contents.type)) +
                      " parameters take " + std::to_string(element) + " bytes each");

    std::vector<std::byte> header;
    header.reserve(architecture_offset + contents.architecture.size() + 8);
    for (const char c : magic) header.push_back(static_cast<std::byte>(c));
    put<4>(header, format_version);
    put<4>(header, static_cast<std::uint32_t>(contents.type));
    put<8>(header, fnv1a_64(contents.architecture));
    put<4>(header, contents.architecture.size());
    for (const char c : contents.architecture) header.push_back(static_cast<std::byte>(c));
    put<8>(header, contents.parameter_count);
    std::vector<std::byte> state_length;
    put<8>(state_length, contents.training_state.size());

    // In pieces, so that the parameters, the bulk of a checkpoint, are written from where they are.
    const std::array<std::span<const std::byte>, 4> body{header, contents.parameters, state_length,
                                                         contents.training_state};
    std::uint32_t crc = 0;
    for (const std::span<const std::byte> piece : body) crc = crc_update(crc, piece.data(), piece.size());
    std::vector<std::byte> crc_field;
    put<4>(crc_field, crc);
    const std::array<std::span<const std::byte>, 5> pieces{body[0], body[1], body[2], body[3], crc_field};
    write_file_atomically(file, pieces, "checkpoint");
}

checkpoint_contents read_checkpoint(const std::filesystem::path& file) {
    checkpoint_reader in(file);
    if (in.size() < minimum_size)
        in.fail("truncated: the file has " + byte_count(in.size()) + ", the smallest checkpoint has " +
                    std::to_string(minimum_size),
                in.size());

    std::array<char, magic.size()> found{};
    in.read(found.data(), found.size(), "magic number");
    if (found != magic) {
        if (std::equal(magic.begin(), magic.begin() + 6, found.begin()))
            in.fail(
                "not a fusegrad checkpoint: the \\r\\n of the magic number at offset 6 is altered (was the file "
                "copied in text mode?)",
                6);
        in.fail("not a fusegrad checkpoint (no FGCKPT magic number at offset 0)", 0);
    }
    const std::uint64_t version = in.integer<4>("format version");
    if (version != format_version)
        in.fail("format version " + std::to_string(version) + ", this build reads version " +
                    std::to_string(format_version),
                version_offset);
    const auto type = static_cast<dtype>(in.integer<4>("dtype"));
    const std::uint64_t hash = in.integer<8>("architecture hash");
    const std::uint64_t text_length = in.integer<4>("architecture text length");
    if (text_length > in.remaining() - fields_after_text)
        length_exceeds(in, "architecture text length " + std::to_string(text_length), architecture_length_offset,
                       in.remaining() - fields_after_text);

    checkpoint_contents result;
    result.type = type;
    result.architecture.resize(text_length);
    in.read(result.architecture.data(), text_length, "architecture text");
    const std::uint64_t count_offset = in.position();
    result.parameter_count = in.integer<8>("parameter count");

    const std::size_t element = dtype_size(type);
    if (element == 0) {
        // Without an element size the rest cannot be walked; if the CRC in the last four bytes holds, the file
        // is intact and simply newer than this build.
        std::array<unsigned char, 4096> buffer{};
        while (in.remaining() > 4) {
            const std::size_t piece =
                static_cast<std::size_t>(std::min<std::uint64_t>(in.remaining() - 4, buffer.size()));
            in.read(buffer.data(), piece, "parameters");
        }
        check_crc(in);
        check_architecture_hash(in, hash, result.architecture);
        in.fail("unknown dtype " + std::to_string(static_cast<std::uint32_t>(type)) + " at offset " +
                    std::to_string(dtype_offset) + " (this build knows 1 = float32 and 2 = float64)",
                dtype_offset);
    }

    const std::uint64_t parameter_room = in.remaining() - 12;
    if (result.parameter_count > parameter_room / element)
        length_exceeds(in,
                       "parameter count " + std::to_string(result.parameter_count) + " (" +
                           std::string(dtype_name(type)) + ", " + std::to_string(element) + " bytes each)",
                       count_offset, parameter_room);
    result.parameters.resize(result.parameter_count * element);
    in.read(result.parameters.data(), result.parameters.size(), "parameters");

    const std::uint64_t state_offset = in.position();
    const std::uint64_t state_length = in.integer<8>("training-state length");
    if (state_length > in.remaining() - 4)
        length_exceeds(in, "training-state length " + std::to_string(state_length), state_offset, in.remaining() - 4);
    result.training_state.resize(state_length);
    in.read(result.training_state.data(), state_length, "training state");

    const std::uint64_t crc_offset = in.position();
    check_crc(in);
    check_architecture_hash(in, hash, result.architecture);
    if (in.remaining() > 0)
        in.fail("trailing bytes: " + byte_count(in.remaining()) + " at offset " + std::to_string(in.position()) +
                    ", after the CRC-32 at offset " + std::to_string(crc_offset) + " that ends the checkpoint",
                in.position());
    return result;
}

checkpoint_contents read_checkpoint(const std::filesystem::path& file, std::string_view expected_architecture,
                                    dtype expected) {
    checkpoint_contents contents = read_checkpoint(file);
    if (contents.architecture != expected_architecture)
        throw io_error(prefix(file) + "made for architecture " + one_line_quoted(contents.architecture) +
                           " but this model is " + one_line_quoted(expected_architecture),
                       file);
    if (contents.type != expected)
        throw io_error(prefix(file) + "holds " + std::string(dtype_name(contents.type)) +
                           " parameters, this model uses " + std::string(dtype_name(expected)),
                       file);
    return contents;
}

}  // namespace fusegrad::io

#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace fusegrad::io {

/// A file fusegrad could not read or write. The message is one line that starts with `fusegrad: ` and names
/// the file and the cause; `path()` and `offset()` give the same facts to a program.
class io_error : public std::runtime_error {
public:
    /// `message` is the complete text; `offset` is the byte position of the problem, when there is one.
    io_error(const std::string& message, const std::filesystem::path& path,
             std::optional<std::uint64_t> offset = std::nullopt)
        : std::runtime_error(message), path_(std::make_shared<const std::filesystem::path>(path)), offset_(offset) {}

    /// The file the problem is in.
    const std::filesystem::path& path() const noexcept { return *path_; }

    /// The byte offset of the problem, if it has one: for a gzip file, in the decompressed data when the
    /// problem is in the contents, in the compressed file when it is in the gzip stream (the message says which).
    std::optional<std::uint64_t> offset() const noexcept { return offset_; }

private:
    // Shared, so that copying the exception cannot throw: a throwing copy while unwinding calls terminate.
    std::shared_ptr<const std::filesystem::path> path_;
    std::optional<std::uint64_t> offset_;
};

}  // namespace fusegrad::io

namespace fusegrad::detail {

/// `text` in single quotes, control characters written as \xNN, so that a message naming a file or an
/// architecture stays on one line.
inline std::string one_line_quoted(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out{"'"};
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7F) {
            out += "\\x";
            out += hex[byte >> 4];
            out += hex[byte & 0xF];
        } else {
            out += c;
        }
    }
    out += '\'';
    return out;
}

}  // namespace fusegrad::detail

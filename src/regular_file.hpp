#pragma once
// Opening a file that a loader reads: the IDX and checkpoint loaders share it. Private to src/, and inline so
// that each loader's translation unit (and its fuzz target, which compiles that unit alone) has it whole.
#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fusegrad/io/io_error.hpp"

namespace fusegrad::detail {

/// Throws io_error "fusegrad: <what> '<file>': <problem>".
[[noreturn]] inline void throw_file_error(std::string_view what, const std::filesystem::path& file,
                                          const std::string& problem, std::optional<std::uint64_t> offset) {
    throw io::io_error("fusegrad: " + std::string(what) + " " + one_line_quoted(file.string()) + ": " + problem, file,
                       offset);
}

/// A regular file open for reading, with its size as fstat gives it. Anything else is refused before a byte is
/// read: open() on a FIFO waits for a writer for ever, and a device such as /dev/zero never ends. Errors are
/// io_error "fusegrad: <what> '<file>': ...", path() being `file`.
class regular_file {
public:
    regular_file(const std::filesystem::path& file, std::string_view what) : file_(file), what_(what) {
        // O_NONBLOCK: open() on a FIFO returns at once instead of waiting for a writer. It is cleared below, once
        // the file is known to be regular (where it changes nothing, but a reader should not depend on that).
        fd_ = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd_ < 0) fail("cannot open: " + errno_text(errno), std::nullopt);
        struct stat status {};
        if (::fstat(fd_, &status) != 0) refuse("cannot open: " + errno_text(errno));
        if (S_ISDIR(status.st_mode)) refuse("cannot open: it is a directory");
        if (!S_ISREG(status.st_mode)) refuse("cannot open: not a regular file (" + kind(status.st_mode) + ")");
        const int flags = ::fcntl(fd_, F_GETFL);
        if (flags < 0 || ::fcntl(fd_, F_SETFL, flags & ~O_NONBLOCK) != 0) refuse("cannot open: " + errno_text(errno));
        size_ = static_cast<std::uint64_t>(status.st_size);
    }
    ~regular_file() { ::close(fd_); }
    regular_file(const regular_file&) = delete;
    regular_file& operator=(const regular_file&) = delete;

    /// The size when the file was opened.
    std::uint64_t size() const { return size_; }
    /// The bytes read so far by read().
    std::uint64_t position() const { return position_; }

    /// Reads up to n bytes, fewer only where the file ends; a read error throws, with the offset it was at.
    std::size_t read(void* out, std::size_t n) {
        const std::size_t done = read_at(position_, out, n);
        position_ += done;
        return done;
    }

    /// Up to n bytes from `offset`, without moving position().
    std::size_t read_at(std::uint64_t offset, void* out, std::size_t n) const {
        auto bytes = static_cast<unsigned char*>(out);
        std::size_t done = 0;
        while (done < n) {
            const ::ssize_t got =
                ::pread(fd_, bytes + done, std::min(n - done, max_transfer), static_cast<::off_t>(offset + done));
            if (got < 0 && errno == EINTR) continue;
            if (got < 0) {
                const int error = errno;
                fail("read error at offset " + std::to_string(offset + done) + ": " + errno_text(error),
                     offset + done);
            }
            if (got == 0) break;
            done += static_cast<std::size_t>(got);
        }
        return done;
    }

    [[noreturn]] void fail(const std::string& problem, std::optional<std::uint64_t> offset) const {
        throw_file_error(what_, file_, problem, offset);
    }

private:
    // Linux transfers at most 0x7FFFF000 bytes per call, and larger requests are not portable.
    static constexpr std::size_t max_transfer = std::size_t{1} << 30;

    static std::string errno_text(int error) { return std::generic_category().message(error); }

    static std::string kind(mode_t mode) {
        if (S_ISFIFO(mode)) return "a FIFO";
        if (S_ISCHR(mode)) return "a character device";
        if (S_ISBLK(mode)) return "a block device";
        if (S_ISSOCK(mode)) return "a socket";
        return "file type " + std::to_string(mode & S_IFMT);
    }

    /// The constructor's failures after open(): the destructor does not run for them.
    [[noreturn]] void refuse(const std::string& problem) {
        ::close(fd_);
        fail(problem, std::nullopt);
    }

    std::filesystem::path file_;
    std::string_view what_;
    int fd_ = -1;
    std::uint64_t size_ = 0;
    std::uint64_t position_ = 0;
};

}  // namespace fusegrad::detail

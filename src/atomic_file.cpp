// Atomic file replacement, for the files fusegrad writes (docs/checkpoint-format.md, "Writing: atomicity").
// Compiled once: open, fsync and rename have no place in a header.
#include "fusegrad/io/atomic_file.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <string>
#include <system_error>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

namespace fusegrad::io {
namespace {

using fusegrad::detail::one_line_quoted;

// Linux transfers at most 0x7FFFF000 bytes per write call, and larger requests are not portable.
constexpr std::size_t max_transfer = std::size_t{1} << 30;
// A taken name (a temporary left by a killed process whose pid has come round again) is skipped; the bound only
// stops a file system that answers EEXIST to every name from looping for ever.
constexpr int max_attempts = 100;

std::atomic<unsigned long> temporaries_made{0};

std::string errno_text(int error) { return std::generic_category().message(error); }

/// ".<name>.tmp-", which the temporaries of `target` start with (then "<pid>-<n>").
std::string temporary_prefix(const std::filesystem::path& target) {
    // Appended piecewise: g++ 12 -O3 warns falsely (-Wrestrict) on "." + std::string.
    std::string prefix{"."};
    prefix += target.filename().string();
    prefix += ".tmp-";
    return prefix;
}

/// A temporary file beside the target, removed by the destructor unless commit() has renamed it over the
/// target: every failure, thrown from anywhere, leaves the old file and no temporary behind.
class temporary_file {
public:
    temporary_file(const std::filesystem::path& target, std::string_view what) : target_(target), what_(what) {
        // In the target's directory, since rename is atomic only within one file system; hidden, so that a
        // listing does not show it; O_EXCL with the pid and a counter, so that concurrent writers, in this
        // process or another, never share one.
        for (int attempt = 1;; ++attempt) {
            std::string name = temporary_prefix(target);
            name += std::to_string(::getpid()) + "-" + std::to_string(temporaries_made++);
            temporary_ = target;
            temporary_.replace_filename(name);
            fd_ = ::open(temporary_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
            if (fd_ >= 0) return;
            if (errno != EEXIST || attempt == max_attempts) fail(errno, "cannot create the temporary file");
        }
    }
    ~temporary_file() {
        if (fd_ >= 0) ::close(fd_);
        if (!renamed_) ::unlink(temporary_.c_str());
    }
    temporary_file(const temporary_file&) = delete;
    temporary_file& operator=(const temporary_file&) = delete;

    void write(std::span<const std::byte> bytes) {
        while (!bytes.empty()) {
            const ::ssize_t put = ::write(fd_, bytes.data(), std::min(bytes.size(), max_transfer));
            if (put < 0 && errno == EINTR) continue;
            if (put < 0) fail(errno, "cannot write the temporary file");
            bytes = bytes.subspan(static_cast<std::size_t>(put));
        }
    }

    /// fsync before rename: otherwise a crash can leave the new name on a file whose data never reached the
    /// disk, with the old file already gone.
    void commit() {
        if (::fsync(fd_) != 0) fail(errno, "cannot sync the temporary file");
        // Linux releases the descriptor even when close fails: it must not be closed again.
        const int result = ::close(fd_);
        fd_ = -1;
        if (result != 0) fail(errno, "cannot close the temporary file");
        if (::rename(temporary_.c_str(), target_.c_str()) != 0)
            fail(errno, "cannot rename the temporary file", " over it");
        renamed_ = true;
        sync_directory();
    }

private:
    /// The rename is durable only once the directory entry is; a file system that cannot sync a directory
    /// (EINVAL) has no such entry to lose.
    void sync_directory() const {
        std::filesystem::path directory = target_.parent_path();
        if (directory.empty()) directory = ".";
        const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int error = fd < 0 ? errno : 0;
        if (fd >= 0) {
            if (::fsync(fd) != 0 && errno != EINVAL) error = errno;
            ::close(fd);
        }
        if (error != 0)
            throw_error("written, but syncing its directory " + one_line_quoted(directory.string()) +
                            " failed, so the new file may not survive a crash",
                        error);
    }

    /// "<step> '<temporary>'<after_name>: <system text>". `error` is errno as the failed call left it: the
    /// caller reads it before this builds strings, since allocating may change errno.
    [[noreturn]] void fail(int error, const char* step, const char* after_name = "") const {
        throw_error(step + (" " + one_line_quoted(temporary_.string())) + after_name, error);
    }

    [[noreturn]] void throw_error(const std::string& step, int error) const {
        throw io_error("fusegrad: " + std::string{what_} + " " + one_line_quoted(target_.string()) + ": " + step +
                           ": " + errno_text(error),
                       target_);
    }

    std::filesystem::path target_;
    std::string_view what_;
    std::filesystem::path temporary_;
    int fd_ = -1;
    bool renamed_ = false;
};

/// Removes the temporaries of `target` that processes no longer running left behind (a writer killed between
/// creating its temporary and renaming it). Best effort, after a successful write: an error here costs only a
/// stray hidden file, never the write. A temporary of a live process, this one included, is left alone.
void remove_stale_temporaries(const std::filesystem::path& target) {
    const std::string prefix = temporary_prefix(target);
    std::filesystem::path directory = target.parent_path();
    if (directory.empty()) directory = ".";
    std::error_code error;
    for (std::filesystem::directory_iterator it(directory, error), end; !error && it != end; it.increment(error)) {
        const std::string name = it->path().filename().string();
        if (!name.starts_with(prefix)) continue;
        const std::string rest = name.substr(prefix.size());  // "<pid>-<n>"
        const std::size_t dash = rest.find('-');
        if (dash == 0 || dash == std::string::npos ||
            !std::all_of(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(dash), [](char c) { return c >= '0' && c <= '9'; }))
            continue;
        const long pid = std::strtol(rest.substr(0, dash).c_str(), nullptr, 10);
        if (pid <= 0 || pid == ::getpid()) continue;
        if (::kill(static_cast<pid_t>(pid), 0) == -1 && errno == ESRCH) ::unlink(it->path().c_str());
    }
}

/// Refuses a path that names no file: the temporary would be "..tmp-<pid>-<n>" in whatever directory the path
/// leads to (the working directory, for an empty one), renamed over a directory or nothing, and the sweep for
/// stale temporaries would look at every "..tmp-" file there.
void check_names_a_file(const std::filesystem::path& file, std::string_view what) {
    std::string problem;
    if (file.empty()) {
        problem = "the path is empty";
    } else {
        const std::string name = file.filename().string();
        const std::string ending = name.empty() ? std::string(1, std::filesystem::path::preferred_separator) : name;
        if (name.empty() || name == "." || name == "..")
            problem = "the path ends in '" + ending + "': it names a directory, not a file";
    }
    if (!problem.empty())
        throw io_error("fusegrad: " + std::string{what} + " " + one_line_quoted(file.string()) + ": " + problem, file);
}

}  // namespace

void write_file_atomically(const std::filesystem::path& file, std::span<const std::span<const std::byte>> pieces,
                           std::string_view what) {
    check_names_a_file(file, what);
    temporary_file out(file, what);
    for (const std::span<const std::byte> piece : pieces) out.write(piece);
    out.commit();
    remove_stale_temporaries(file);
}

void write_file_atomically(const std::filesystem::path& file, std::span<const std::byte> contents,
                           std::string_view what) {
    write_file_atomically(file, std::span{&contents, 1}, what);
}

void write_file_atomically(const std::filesystem::path& file, std::string_view contents, std::string_view what) {
    write_file_atomically(file, std::as_bytes(std::span{contents}), what);
}

}  // namespace fusegrad::io

#pragma once
// A temporary directory for tests that write files, and whole files read and written as bytes or as text.
#include <stdlib.h>  // mkdtemp (POSIX)

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace fgtest {

using bytes = std::vector<std::uint8_t>;

/// A fresh directory with a unique name under the system's temporary directory, removed with everything in it
/// when the object is destroyed.
class temporary_directory {
public:
    temporary_directory() {
        // mkdtemp chooses a name nobody holds and creates it in one step: no clash with a parallel run, and no
        // leftover of an earlier one to remove.
        std::string name = (std::filesystem::temp_directory_path() / "fusegrad_test_XXXXXX").string();
        if (::mkdtemp(name.data()) == nullptr)
            throw std::system_error(errno, std::generic_category(), "fgtest: cannot create " + name);
        path_ = name;
    }
    ~temporary_directory() {
        std::error_code ignored;
        // A test may have taken the owner's write permission away to provoke an error; removal needs it back.
        std::filesystem::permissions(path_, std::filesystem::perms::owner_all, std::filesystem::perm_options::add,
                                     ignored);
        std::filesystem::remove_all(path_, ignored);
    }
    temporary_directory(const temporary_directory&) = delete;
    temporary_directory& operator=(const temporary_directory&) = delete;

    /// The directory.
    const std::filesystem::path& path() const { return path_; }

    /// The path of `name` in the directory (the file need not exist).
    std::filesystem::path file(std::string_view name) const { return path_ / name; }

    /// The names in the directory, sorted: to see that no temporary file is left behind.
    std::vector<std::string> entries() const {
        std::vector<std::string> names;
        for (const auto& entry : std::filesystem::directory_iterator(path_))
            names.push_back(entry.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    }

private:
    std::filesystem::path path_;
};

namespace detail {

template <class Container>
Container read_whole_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error("fgtest: cannot open " + file.string());
    return Container(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline std::filesystem::path write_whole_file(const std::filesystem::path& file, const char* data, std::size_t size) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(data, static_cast<std::streamsize>(size));
    out.close();
    if (!out) throw std::runtime_error("fgtest: cannot write " + file.string());
    return file;
}

}  // namespace detail

/// The whole of `file`.
inline bytes read_bytes(const std::filesystem::path& file) { return detail::read_whole_file<bytes>(file); }

/// The whole of `file`, byte for byte (no newline translation).
inline std::string read_text(const std::filesystem::path& file) { return detail::read_whole_file<std::string>(file); }

/// Makes `contents` the whole of `file`; returns `file`.
inline std::filesystem::path write_bytes(const std::filesystem::path& file, const bytes& contents) {
    return detail::write_whole_file(file, reinterpret_cast<const char*>(contents.data()), contents.size());
}

/// Makes `text` the whole of `file`, byte for byte; returns `file`.
inline std::filesystem::path write_text(const std::filesystem::path& file, std::string_view text) {
    return detail::write_whole_file(file, text.data(), text.size());
}

}  // namespace fgtest

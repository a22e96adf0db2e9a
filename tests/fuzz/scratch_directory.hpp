#pragma once
// Files for the fuzz inputs of loaders that read a path: the input is written out and the loader reads it, so
// that the real file-reading code is what gets fuzzed.
#include <stdlib.h>  // mkdtemp (POSIX)

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "checks.hpp"

namespace fgfuzz {

/// A fresh directory of the fuzzing process, in /dev/shm where there is one (memory: a million inputs cost no
/// disk writes), removed when the process exits.
class scratch_directory {
public:
    scratch_directory() {
        std::error_code error;
        const std::filesystem::path base = std::filesystem::is_directory("/dev/shm", error)
                                               ? std::filesystem::path("/dev/shm")
                                               : std::filesystem::temp_directory_path();
        std::string name = (base / "fusegrad_fuzz_XXXXXX").string();
        if (::mkdtemp(name.data()) == nullptr) fail("cannot create a directory " + name);
        path_ = name;
    }
    ~scratch_directory() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    scratch_directory(const scratch_directory&) = delete;
    scratch_directory& operator=(const scratch_directory&) = delete;

    /// The path of `name` in the directory.
    std::filesystem::path file(std::string_view name) const { return path_ / name; }

    /// Makes `bytes` the whole of the file `name`; returns its path.
    std::filesystem::path write(std::string_view name, std::span<const std::uint8_t> bytes) const {
        const std::filesystem::path path = file(name);
        std::FILE* out = std::fopen(path.c_str(), "wb");
        if (out == nullptr) fail("cannot create " + path.string());
        const bool written = bytes.empty() || std::fwrite(bytes.data(), 1, bytes.size(), out) == bytes.size();
        if (std::fclose(out) != 0 || !written) fail("cannot write " + path.string());
        return path;
    }

    /// The whole of the file `path`.
    static std::vector<std::uint8_t> read(const std::filesystem::path& path) {
        std::FILE* in = std::fopen(path.c_str(), "rb");
        if (in == nullptr) fail("cannot open " + path.string());
        std::vector<std::uint8_t> bytes;
        std::uint8_t buffer[4096];
        for (std::size_t got; (got = std::fread(buffer, 1, sizeof buffer, in)) > 0;)
            bytes.insert(bytes.end(), buffer, buffer + got);
        std::fclose(in);
        return bytes;
    }

private:
    std::filesystem::path path_;
};

}  // namespace fgfuzz

#pragma once
#include <cstddef>
#include <filesystem>
#include <span>
#include <string_view>

#include "io_error.hpp"

/// Replacing a file so that a crash leaves the old contents or the new, never part of either; the steps and
/// their error messages are in docs/checkpoint-format.md ("Writing: atomicity").
namespace fusegrad::io {

/// Writes `contents` to `file` atomically. It goes to a new temporary file `.<name>.tmp-<pid>-<n>` beside
/// `file`, fsynced, renamed over `file`, and the directory is fsynced. Throws io_error with path() = `file`,
/// and removes the temporary, on any failure; the message is "fusegrad: `what` '<file>': " and the step that
/// failed with the system's text, as in "fusegrad: checkpoint 'm.fgc': cannot rename the temporary file
/// '.m.fgc.tmp-7-0' over it: Is a directory".
void write_file_atomically(const std::filesystem::path& file, std::span<const std::byte> contents,
                           std::string_view what);

/// The same for text, written byte for byte.
void write_file_atomically(const std::filesystem::path& file, std::string_view contents, std::string_view what);

/// The same for contents made of `pieces` written one after another, so that a large buffer need not be
/// copied into one.
void write_file_atomically(const std::filesystem::path& file, std::span<const std::span<const std::byte>> pieces,
                           std::string_view what);

}  // namespace fusegrad::io

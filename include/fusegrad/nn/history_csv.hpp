#pragma once
#include <filesystem>
#include <string_view>

#include "history.hpp"

namespace fusegrad {

/// Writes `h` as a Keras CSVLogger file: the header `epoch,loss,accuracy,val_loss,val_accuracy,seconds`,
/// then one row per record with the epoch counted from 0 as Keras writes it, each number in the shortest
/// form that reads back as the same double, and empty cells for absent validation values. The file is
/// replaced atomically: a crash leaves the old file or the new one, never part of one.
/// Throws io::io_error (fusegrad/io/io_error.hpp, a std::runtime_error) naming the file when it cannot be
/// written, std::invalid_argument when the records' epochs do not increase from at least 1 (what
/// read_history_csv would refuse).
void write_history_csv(const std::filesystem::path& file, const history& h);

/// Reads a file written by write_history_csv, to resume a run; the history's stop_reason, not in the file,
/// comes back empty. Checks the header, the number of cells, every number, and that epochs increase; throws
/// std::runtime_error naming the file and line otherwise.
history read_history_csv(const std::filesystem::path& file);

/// read_history_csv on text already in memory (a log taken from an archive, a fuzzer's input): the same checks
/// and the same messages, which name `file` as if the text had been read from it.
history parse_history_csv(std::string_view text, const std::filesystem::path& file);

}  // namespace fusegrad

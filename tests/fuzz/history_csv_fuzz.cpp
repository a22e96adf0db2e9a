// Fuzzes fusegrad::parse_history_csv, the parser of read_history_csv. Any text must give a history that
// write_history_csv writes and read_history_csv reads back unchanged, or a std::runtime_error naming the file
// and line in one line.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include <fusegrad/nn/history_csv.hpp>

#include "checks.hpp"
#include "scratch_directory.hpp"

namespace fg = fusegrad;

namespace {

const fgfuzz::scratch_directory scratch;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    fg::history read;
    const bool loaded = fgfuzz::loads<std::runtime_error>(
        [&] { read = fg::parse_history_csv(text, "fuzz.csv"); }, "fusegrad: read_history_csv: fuzz.csv:",
        [](const std::runtime_error& error) { fgfuzz::expect_one_line(error.what()); });
    if (!loaded) return 0;
    // What was read is what training records: a log of it must be one that resumes to the same history.
    const std::filesystem::path file = scratch.file("log.csv");
    fg::write_history_csv(file, read);
    if (!(fg::read_history_csv(file) == read)) fgfuzz::fail("the history read does not survive writing and reading");
    return 0;
}

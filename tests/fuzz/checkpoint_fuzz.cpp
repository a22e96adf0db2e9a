// Fuzzes fusegrad::io::read_checkpoint. Any bytes must give contents that write_checkpoint turns back into the
// same bytes, or an io_error naming the file in one line, with an offset inside it.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <zlib.h>

#include <fusegrad/io/checkpoint_file.hpp>

#include "checks.hpp"
#include "scratch_directory.hpp"

namespace fg = fusegrad;

namespace {

const fgfuzz::scratch_directory scratch;

void check(std::span<const std::uint8_t> bytes) {
    const std::filesystem::path file = scratch.write("input.fgc", bytes);
    fg::io::checkpoint_contents contents;
    const std::string prefix = "fusegrad: checkpoint '" + file.string() + "': ";
    const bool loaded = fgfuzz::loads<fg::io::io_error>([&] { contents = fg::io::read_checkpoint(file); }, prefix,
                                                         [&](const fg::io::io_error& error) {
                                                             fgfuzz::expect_one_line(error.what());
                                                             if (error.path() != file)
                                                                 fgfuzz::fail("the io_error names another path");
                                                             if (error.offset() && *error.offset() > bytes.size())
                                                                 fgfuzz::fail("the io_error's offset is past the end");
                                                         });
    if (!loaded) return;
    // The overload that checks what the caller expects: the architecture read is quoted into its message, which
    // must stay on one line whatever the text holds.
    if (!fgfuzz::loads<fg::io::io_error>([&] { fg::io::read_checkpoint(file, contents.architecture, contents.type); },
                                         prefix, [](const fg::io::io_error&) {}))
        fgfuzz::fail("the checkpoint is refused for the architecture and dtype it holds");
    if (contents.architecture != "another model" &&
        fgfuzz::loads<fg::io::io_error>([&] { fg::io::read_checkpoint(file, "another model", contents.type); },
                                        prefix + "made for architecture ",
                                        [](const fg::io::io_error& error) { fgfuzz::expect_one_line(error.what()); }))
        fgfuzz::fail("the checkpoint is accepted for another architecture");
    // Everything in the file is accounted for, so writing what was read must give the file again.
    const std::filesystem::path copy = scratch.file("copy.fgc");
    fg::io::write_checkpoint(copy, contents);
    if (!std::ranges::equal(fgfuzz::scratch_directory::read(copy), bytes))
        fgfuzz::fail("write_checkpoint of what was read gives other bytes");
}

void put_le(std::vector<std::uint8_t>& bytes, std::size_t offset, std::uint64_t value, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) bytes[offset + i] = static_cast<std::uint8_t>(value >> (8 * i));
}

/// `bytes` with the architecture hash and the CRC-32 made to fit the rest, where the layout lets them be found
/// (docs/checkpoint-format.md): random bytes almost never have them right, and stop the reader before the checks
/// behind them.
std::vector<std::uint8_t> sealed(std::span<const std::uint8_t> bytes) {
    std::vector<std::uint8_t> out(bytes.begin(), bytes.end());
    if (out.size() >= 28) {
        std::uint64_t text_length = 0;
        for (std::size_t i = 0; i < 4; ++i) text_length |= std::uint64_t{out[24 + i]} << (8 * i);
        if (text_length <= out.size() - 28) {
            std::uint64_t hash = 0xCBF29CE484222325;  // FNV-1a, 64 bits
            for (std::size_t i = 0; i < text_length; ++i) hash = (hash ^ out[28 + i]) * 0x100000001B3;
            put_le(out, 16, hash, 8);
        }
    }
    if (out.size() >= 4)
        put_le(out, out.size() - 4, ::crc32(0, out.data(), static_cast<uInt>(out.size() - 4)), 4);
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> bytes(data, size);
    check(bytes);
    check(sealed(bytes));
    return 0;
}

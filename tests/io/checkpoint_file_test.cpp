#define BOOST_TEST_MODULE fusegrad_io_checkpoint_file
#include <boost/test/unit_test.hpp>

#include <bit>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <fusegrad/io/atomic_file.hpp>
#include <fusegrad/io/checkpoint_file.hpp>

#include "io_error_of.hpp"
#include "temporary_directory.hpp"

namespace fg = fusegrad;
namespace fs = std::filesystem;

namespace {

using fgtest::bytes;
using fgtest::read_bytes;
using fgtest::write_bytes;

void put_le(std::vector<std::byte>& out, std::uint64_t value, int n) {
    for (int i = 0; i < n; ++i) out.push_back(static_cast<std::byte>((value >> (8 * i)) & 0xFF));
}

/// Parameters 0.5, -1.25, 3, ... as little-endian IEEE bytes, written out independently of the library.
fg::io::checkpoint_contents sample(fg::io::dtype type, std::uint64_t count, bool with_state) {
    fg::io::checkpoint_contents c;
    c.architecture = "dense(2,1,bias)";
    c.type = type;
    c.parameter_count = count;
    for (std::uint64_t i = 0; i < count; ++i) {
        const double value = 0.5 - 1.75 * static_cast<double>(i) * (i % 2 == 0 ? 1 : -1);
        if (type == fg::io::dtype::float32)
            put_le(c.parameters, std::bit_cast<std::uint32_t>(static_cast<float>(value)), 4);
        else
            put_le(c.parameters, std::bit_cast<std::uint64_t>(value), 8);
    }
    if (with_state)
        for (const char ch : std::string("epoch=3;adam")) c.training_state.push_back(static_cast<std::byte>(ch));
    return c;
}

std::uint64_t le(const bytes& b, std::size_t offset, int n) {
    std::uint64_t value = 0;
    for (int i = 0; i < n; ++i) value |= std::uint64_t{b[offset + static_cast<std::size_t>(i)]} << (8 * i);
    return value;
}

void set_le(bytes& b, std::size_t offset, std::uint64_t value, int n) {
    for (int i = 0; i < n; ++i) b[offset + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(value >> (8 * i));
}

std::uint32_t crc_of(const bytes& b, std::size_t n) {
    return static_cast<std::uint32_t>(crc32(0, b.data(), static_cast<uInt>(n)));
}

/// A file edited on purpose and given a correct CRC again, to reach the checks behind the checksum.
void reseal(bytes& b) { set_le(b, b.size() - 4, crc_of(b, b.size() - 4), 4); }

std::uint64_t fnv1a_64(const std::string& text) {
    std::uint64_t hash = 14695981039346656037ULL;
    for (const char c : text) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    return hash;
}

bool same(const fg::io::checkpoint_contents& a, const fg::io::checkpoint_contents& b) {
    return a.architecture == b.architecture && a.type == b.type && a.parameter_count == b.parameter_count &&
           a.parameters == b.parameters && a.training_state == b.training_state;
}

using fgtest::io_error_of;

/// read_checkpoint must fail on `file` with a one-line message naming the file and containing `piece`.
fg::io::io_error expect_read_error(const fs::path& file, const std::string& piece) {
    const auto error = io_error_of([&] { fg::io::read_checkpoint(file); });
    BOOST_REQUIRE_MESSAGE(error, "read_checkpoint accepted " << file);
    const std::string message = error->what();
    BOOST_TEST_INFO("message: " << message);
    BOOST_TEST(message.starts_with("fusegrad: checkpoint '" + file.string() + "': "));
    BOOST_TEST(message.find('\n') == std::string::npos);
    BOOST_TEST(message.find(piece) != std::string::npos, "missing: " << piece);
    BOOST_TEST(error->path() == file);
    return *error;
}

/// The error's offset; a missing offset is a value no check expects.
std::uint64_t offset_of(const fg::io::io_error& error) { return error.offset().value_or(~std::uint64_t{0}); }

}  // namespace

BOOST_AUTO_TEST_CASE(round_trip_both_dtypes_with_and_without_state) {
    fgtest::temporary_directory dir;
    for (const auto type : {fg::io::dtype::float32, fg::io::dtype::float64})
        for (const bool with_state : {false, true}) {
            BOOST_TEST_CONTEXT(fg::io::dtype_name(type) << (with_state ? " with state" : " without state")) {
                const fs::path file = dir.file("model.fgc");
                const fg::io::checkpoint_contents written = sample(type, 7, with_state);
                fg::io::write_checkpoint(file, written);
                BOOST_TEST(same(fg::io::read_checkpoint(file), written));
                BOOST_TEST(same(fg::io::read_checkpoint(file, "dense(2,1,bias)", type), written));
                BOOST_TEST(fs::file_size(file) == 48 + written.architecture.size() + written.parameters.size() +
                                                      written.training_state.size());
                BOOST_TEST(dir.entries() == std::vector<std::string>{"model.fgc"}, boost::test_tools::per_element());
            }
        }
    // Empty architecture text and no parameters: the smallest checkpoint.
    fg::io::checkpoint_contents empty;
    empty.type = fg::io::dtype::float64;
    fg::io::write_checkpoint(dir.file("empty.fgc"), empty);
    BOOST_TEST(fs::file_size(dir.file("empty.fgc")) == 48u);
    BOOST_TEST(same(fg::io::read_checkpoint(dir.file("empty.fgc")), empty));
}

BOOST_AUTO_TEST_CASE(byte_layout_matches_the_documentation) {
    fgtest::temporary_directory dir;
    const fs::path file = dir.file("layout.fgc");
    const fg::io::checkpoint_contents c = sample(fg::io::dtype::float64, 2, true);
    fg::io::write_checkpoint(file, c);
    const bytes b = read_bytes(file);
    BOOST_REQUIRE_EQUAL(b.size(), 48u + 15 + 16 + 12);
    BOOST_TEST(std::string(b.begin(), b.begin() + 8) == std::string("FGCKPT\r\n"));
    BOOST_TEST(le(b, 8, 4) == 1u);   // format version
    BOOST_TEST(le(b, 12, 4) == 2u);  // float64
    BOOST_TEST(le(b, 16, 8) == fnv1a_64("dense(2,1,bias)"));
    BOOST_TEST(le(b, 24, 4) == 15u);
    BOOST_TEST(std::string(b.begin() + 28, b.begin() + 43) == "dense(2,1,bias)");
    BOOST_TEST(le(b, 43, 8) == 2u);
    BOOST_TEST(le(b, 51, 8) == std::bit_cast<std::uint64_t>(0.5));
    BOOST_TEST(le(b, 59, 8) == std::bit_cast<std::uint64_t>(2.25));
    BOOST_TEST(le(b, 67, 8) == 12u);
    BOOST_TEST(std::string(b.begin() + 75, b.begin() + 87) == "epoch=3;adam");
    BOOST_TEST(le(b, 87, 4) == crc_of(b, 87));
}

BOOST_AUTO_TEST_CASE(truncation_at_every_offset_is_reported) {
    fgtest::temporary_directory dir;
    for (const auto type : {fg::io::dtype::float32, fg::io::dtype::float64}) {
        const fs::path whole_file = dir.file("whole.fgc");
        fg::io::write_checkpoint(whole_file, sample(type, 3, true));
        const bytes whole = read_bytes(whole_file);
        const fs::path cut_file = dir.file("cut.fgc");
        for (std::size_t n = 0; n < whole.size(); ++n) {
            BOOST_TEST_CONTEXT(fg::io::dtype_name(type) << " cut to " << n << " bytes") {
                write_bytes(cut_file, bytes(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(n)));
                const fg::io::io_error error = expect_read_error(cut_file, "truncated: ");
                BOOST_TEST(error.offset().has_value());
            }
        }
    }
    const bytes whole = read_bytes(dir.file("whole.fgc"));
    write_bytes(dir.file("cut.fgc"), bytes(whole.begin(), whole.begin() + 47));
    BOOST_TEST(offset_of(expect_read_error(dir.file("cut.fgc"),
                                           "truncated: the file has 47 bytes, the smallest checkpoint has 48")) == 47u);
    write_bytes(dir.file("cut.fgc"), bytes(whole.begin(), whole.end() - 1));
    expect_read_error(dir.file("cut.fgc"), "truncated: training-state length 12 at offset ");
}

BOOST_AUTO_TEST_CASE(every_single_bit_flip_is_caught) {
    fgtest::temporary_directory dir;
    const fs::path original = dir.file("original.fgc");
    fg::io::write_checkpoint(original, sample(fg::io::dtype::float32, 3, true));
    const bytes whole = read_bytes(original);
    const std::size_t text_end = 28 + 15, payload_end = text_end + 8 + 12, state_end = payload_end + 8 + 12;
    BOOST_REQUIRE_EQUAL(whole.size(), state_end + 4);

    const fs::path flipped_file = dir.file("flipped.fgc");
    for (std::size_t i = 0; i < whole.size(); ++i)
        for (int bit = 0; bit < 8; ++bit) {
            BOOST_TEST_CONTEXT("byte " << i << " bit " << bit) {
                bytes flipped = whole;
                flipped[i] ^= static_cast<std::uint8_t>(1U << bit);
                write_bytes(flipped_file, flipped);
                const auto error = io_error_of([&] { fg::io::read_checkpoint(flipped_file); });
                BOOST_REQUIRE(error);
                const std::string message = error->what();
                BOOST_TEST_INFO("message: " << message);
                BOOST_TEST(message.starts_with("fusegrad: checkpoint '" + flipped_file.string() + "': "));
                const auto says = [&](const char* cause) { return message.find(cause) != std::string::npos; };
                const bool length_field = (i >= 24 && i < 28) || (i >= text_end && i < text_end + 8) ||
                                          (i >= payload_end && i < payload_end + 8);
                if (i < 8)
                    BOOST_TEST(says("not a fusegrad checkpoint"));
                else if (i < 12)
                    BOOST_TEST(says("format version "));
                else if (length_field)
                    // A changed length moves every field after it: short of bytes, or reading another field's
                    // bytes as the CRC, or ending before the file does.
                    BOOST_TEST((says("truncated: ") || says("checksum mismatch") || says("trailing bytes")));
                else
                    BOOST_TEST(says("checksum mismatch: the file is corrupted"));
            }
        }
}

BOOST_AUTO_TEST_CASE(checks_behind_the_checksum) {
    fgtest::temporary_directory dir;
    const fs::path file = dir.file("edited.fgc");
    fg::io::write_checkpoint(file, sample(fg::io::dtype::float32, 3, false));
    const bytes whole = read_bytes(file);

    bytes b = whole;
    set_le(b, 8, 7, 4);
    reseal(b);
    write_bytes(file, b);
    BOOST_TEST(offset_of(expect_read_error(file, "format version 7, this build reads version 1")) == 8u);

    b = whole;
    set_le(b, 16, le(b, 16, 8) + 1, 8);
    reseal(b);
    write_bytes(file, b);
    BOOST_TEST(offset_of(expect_read_error(
                   file, "the architecture hash at offset 16 does not match the architecture text")) == 16u);

    b = whole;
    set_le(b, 12, 3, 4);
    reseal(b);
    write_bytes(file, b);
    BOOST_TEST(offset_of(expect_read_error(file, "unknown dtype 3 at offset 12")) == 12u);

    b = whole;
    set_le(b, 12, 3, 4);  // an unknown dtype in a damaged file is reported as the damage
    write_bytes(file, b);
    expect_read_error(file, "checksum mismatch: the file is corrupted");

    b = whole;
    b.insert(b.end(), {0, 0, 0, 0, 0});
    write_bytes(file, b);
    BOOST_TEST(offset_of(expect_read_error(file, "trailing bytes: 5 bytes at offset " + std::to_string(whole.size()) +
                                                     ", after the CRC-32 at offset " +
                                                     std::to_string(whole.size() - 4))) == whole.size());

    b = whole;
    set_le(b, b.size() - 4, le(b, b.size() - 4, 4) ^ 1, 4);
    write_bytes(file, b);
    const std::string bad_crc =
        "checksum mismatch: the file is corrupted (the CRC-32 at offset " + std::to_string(whole.size() - 4);
    BOOST_TEST(offset_of(expect_read_error(file, bad_crc)) == whole.size() - 4);

    // What a text-mode copy does to the magic number: "\r\n" becomes "\n".
    b = whole;
    b.erase(b.begin() + 6);
    write_bytes(file, b);
    expect_read_error(file, "not a fusegrad checkpoint: the \\r\\n of the magic number at offset 6 is altered");

    b.assign(100, 'x');
    write_bytes(file, b);
    BOOST_TEST(offset_of(expect_read_error(file, "not a fusegrad checkpoint (no FGCKPT magic number at offset 0)")) ==
               0u);

    b = whole;
    set_le(b, 24, 0xFFFFFFFF, 4);
    write_bytes(file, b);
    expect_read_error(file, "truncated: architecture text length 4294967295 at offset 24 exceeds the");

    b = whole;
    set_le(b, 43, std::uint64_t{1} << 62, 8);
    write_bytes(file, b);
    expect_read_error(file, "truncated: parameter count 4611686018427387904 (float32, 4 bytes each) at offset 43");
}

BOOST_AUTO_TEST_CASE(missing_empty_and_directory_files) {
    fgtest::temporary_directory dir;
    BOOST_TEST(!expect_read_error(dir.file("absent.fgc"), "cannot open: No such file or directory").offset());
    write_bytes(dir.file("empty.fgc"), {});
    BOOST_TEST(offset_of(expect_read_error(dir.file("empty.fgc"), "truncated: the file has 0 bytes")) == 0u);
    expect_read_error(dir.path(), "cannot open: it is a directory");
}

BOOST_AUTO_TEST_CASE(expected_architecture_and_dtype) {
    fgtest::temporary_directory dir;
    const fs::path file = dir.file("model.fgc");
    fg::io::write_checkpoint(file, sample(fg::io::dtype::float64, 2, false));
    const auto wrong_model =
        io_error_of([&] { fg::io::read_checkpoint(file, "dense(784,10,bias)", fg::io::dtype::float64); });
    BOOST_REQUIRE(wrong_model);
    BOOST_TEST(std::string(wrong_model->what()) ==
               "fusegrad: checkpoint '" + file.string() +
                   "': made for architecture 'dense(2,1,bias)' but this model is 'dense(784,10,bias)'");
    const auto wrong_type = io_error_of([&] { fg::io::read_checkpoint(file, "dense(2,1,bias)", fg::io::dtype::float32); });
    BOOST_REQUIRE(wrong_type);
    BOOST_TEST(std::string(wrong_type->what()) ==
               "fusegrad: checkpoint '" + file.string() + "': holds float64 parameters, this model uses float32");

    // Control characters cannot break the message over two lines.
    const auto odd = io_error_of([&] { fg::io::read_checkpoint(file, "a\nb", fg::io::dtype::float64); });
    BOOST_REQUIRE(odd);
    BOOST_TEST(std::string(odd->what()).ends_with("this model is 'a\\x0Ab'"));
}

BOOST_AUTO_TEST_CASE(failed_writes_leave_the_previous_checkpoint) {
    fgtest::temporary_directory dir;
    const fs::path file = dir.file("model.fgc");
    const fg::io::checkpoint_contents first = sample(fg::io::dtype::float32, 4, true);
    const fg::io::checkpoint_contents second = sample(fg::io::dtype::float32, 5, false);
    fg::io::write_checkpoint(file, first);

    // Overwriting works, and leaves no temporary.
    fg::io::write_checkpoint(file, second);
    BOOST_TEST(same(fg::io::read_checkpoint(file), second));
    BOOST_TEST(dir.entries() == std::vector<std::string>{"model.fgc"}, boost::test_tools::per_element());

    const auto absent = io_error_of([&] { fg::io::write_checkpoint(dir.path() / "no" / "such" / "m.fgc", first); });
    BOOST_REQUIRE(absent);
    BOOST_TEST(std::string(absent->what()).find("cannot create the temporary file") != std::string::npos);
    BOOST_TEST(std::string(absent->what()).find("No such file or directory") != std::string::npos);
    BOOST_TEST(absent->path() == dir.path() / "no" / "such" / "m.fgc");

    // A file where the directory should be: the temporary cannot be created, even by root.
    const fs::path blocked = file / "m.fgc";
    const auto blocked_error = io_error_of([&] { fg::io::write_checkpoint(blocked, first); });
    BOOST_REQUIRE(blocked_error);
    BOOST_TEST(std::string(blocked_error->what()).starts_with("fusegrad: checkpoint '" + blocked.string() + "': "));
    BOOST_TEST(same(fg::io::read_checkpoint(file), second));

    // The rename fails (the target is a directory with files in it) after the temporary was written:
    // the temporary is removed.
    const fs::path occupied = dir.file("occupied");
    fs::create_directories(occupied / "inside");
    const auto rename_error = io_error_of([&] { fg::io::write_checkpoint(occupied, first); });
    BOOST_REQUIRE(rename_error);
    BOOST_TEST(std::string(rename_error->what()).find("cannot rename the temporary file") != std::string::npos);
    BOOST_TEST(fs::is_directory(occupied / "inside"));
    BOOST_TEST(dir.entries().size() == 2u);  // model.fgc and occupied

    if (::geteuid() == 0) {
        BOOST_TEST_MESSAGE("running as root: permissions do not apply, the read-only directory case is skipped");
    } else {
        fs::permissions(dir.path(), fs::perms::owner_read | fs::perms::owner_exec);
        const auto read_only = io_error_of([&] { fg::io::write_checkpoint(file, first); });
        fs::permissions(dir.path(), fs::perms::owner_all);
        BOOST_REQUIRE(read_only);
        BOOST_TEST(std::string(read_only->what()).find("Permission denied") != std::string::npos);
        BOOST_TEST(same(fg::io::read_checkpoint(file), second));
    }
    BOOST_TEST(same(fg::io::read_checkpoint(file), second));
}

BOOST_AUTO_TEST_CASE(inconsistent_contents_are_refused_before_writing) {
    fgtest::temporary_directory dir;
    const fs::path file = dir.file("model.fgc");
    fg::io::checkpoint_contents c = sample(fg::io::dtype::float32, 3, false);
    c.parameter_count = 4;
    BOOST_CHECK_THROW(fg::io::write_checkpoint(file, c), std::invalid_argument);
    c = sample(fg::io::dtype::float32, 3, false);
    c.type = static_cast<fg::io::dtype>(9);
    BOOST_CHECK_THROW(fg::io::write_checkpoint(file, c), std::invalid_argument);
    BOOST_TEST(dir.entries().empty());
}

BOOST_AUTO_TEST_CASE(dtype_names_and_sizes) {
    BOOST_TEST(fg::io::dtype_name(fg::io::dtype::float32) == "float32");
    BOOST_TEST(fg::io::dtype_name(fg::io::dtype::float64) == "float64");
    BOOST_TEST(fg::io::dtype_name(static_cast<fg::io::dtype>(5)) == "unknown dtype");
    BOOST_TEST(fg::io::dtype_size(fg::io::dtype::float32) == 4u);
    BOOST_TEST(fg::io::dtype_size(fg::io::dtype::float64) == 8u);
    BOOST_TEST(fg::io::dtype_size(static_cast<fg::io::dtype>(0)) == 0u);
}

BOOST_AUTO_TEST_CASE(fifos_and_devices_are_refused_without_blocking) {
    fgtest::temporary_directory dir;
    const fs::path fifo = dir.file("model.fgc");
    BOOST_REQUIRE_EQUAL(::mkfifo(fifo.c_str(), 0600), 0);
    // In a child, killed after 5 seconds: before the fix, open() waited for a writer for ever.
    BOOST_TEST(fgtest::io_error_message_in_child([&] { fg::io::read_checkpoint(fifo); }, 5) ==
               "fusegrad: checkpoint '" + fifo.string() + "': cannot open: not a regular file (a FIFO)");
    BOOST_TEST(!expect_read_error("/dev/null", "cannot open: not a regular file (a character device)").offset());
}

namespace {

/// Makes `directory` the working directory for the object's lifetime.
class working_directory {
public:
    explicit working_directory(const fs::path& directory) : previous_(fs::current_path()) {
        fs::current_path(directory);
    }
    ~working_directory() { fs::current_path(previous_); }
    working_directory(const working_directory&) = delete;
    working_directory& operator=(const working_directory&) = delete;

private:
    fs::path previous_;
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_path_that_names_no_file_is_refused_before_anything_is_written) {
    fgtest::temporary_directory dir;
    fs::create_directory(dir.file("models"));
    const working_directory inside(dir.path());
    const fg::io::checkpoint_contents contents = sample(fg::io::dtype::float32, 2, false);
    const std::string text = "x";
    const std::vector<std::pair<fs::path, std::string>> cases{
        {"", "the path is empty"},
        {"models/", "the path ends in '/': it names a directory, not a file"},
        {".", "the path ends in '.': it names a directory, not a file"},
        {"models/..", "the path ends in '..': it names a directory, not a file"},
    };
    for (const auto& named : cases) {
        // Not a structured binding: clang 14 cannot capture one in a lambda.
        const fs::path& path = named.first;
        const std::string& problem = named.second;
        BOOST_TEST_CONTEXT("path '" << path.string() << "'") {
            const auto checkpoint = io_error_of([&] { fg::io::write_checkpoint(path, contents); });
            BOOST_REQUIRE(checkpoint);
            BOOST_TEST(std::string(checkpoint->what()) == "fusegrad: checkpoint '" + path.string() + "': " + problem);
            BOOST_TEST(checkpoint->path() == path);
            BOOST_TEST(!checkpoint->offset());
            const auto chart = io_error_of([&] { fg::io::write_file_atomically(path, text, "training chart"); });
            BOOST_REQUIRE(chart);
            BOOST_TEST(std::string(chart->what()) == "fusegrad: training chart '" + path.string() + "': " + problem);
        }
    }
    BOOST_TEST(dir.entries() == std::vector<std::string>{"models"}, boost::test_tools::per_element());
    BOOST_TEST(fs::is_empty(dir.file("models")));
}

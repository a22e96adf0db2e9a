#define BOOST_TEST_MODULE fusegrad_io_idx
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>
#include <zlib.h>

#include <fusegrad/io/idx.hpp>

#include "io_error_of.hpp"
#include "temporary_directory.hpp"

namespace fg = fusegrad;
namespace fs = std::filesystem;

namespace {

using fgtest::bytes;
using fgtest::read_bytes;
using fgtest::write_bytes;

void put_u32(bytes& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

/// An IDX file: magic (0, 0, type, rank), big-endian dimensions, then `data`.
bytes idx_file(std::uint8_t type, const std::vector<std::uint32_t>& dims, const bytes& data) {
    bytes out{0, 0, type, static_cast<std::uint8_t>(dims.size())};
    for (const std::uint32_t d : dims) put_u32(out, d);
    out.insert(out.end(), data.begin(), data.end());
    return out;
}

bytes counting(std::size_t n) {
    bytes data(n);
    for (std::size_t i = 0; i < n; ++i) data[i] = static_cast<std::uint8_t>(i * 37 + 11);
    return data;
}

fs::path write_gzip(const fs::path& file, const bytes& contents) {
    gzFile out = gzopen(file.c_str(), "wb");
    BOOST_REQUIRE(out != nullptr);
    if (!contents.empty())
        BOOST_REQUIRE_EQUAL(gzwrite(out, contents.data(), static_cast<unsigned>(contents.size())),
                            static_cast<int>(contents.size()));
    BOOST_REQUIRE_EQUAL(gzclose(out), Z_OK);
    return file;
}

using fgtest::io_error_of;

/// read_idx must fail on `file` with a one-line message naming the file and containing every piece.
void expect_idx_error(const fs::path& file, std::size_t rank, std::initializer_list<std::string> pieces,
                      std::optional<std::uint64_t> offset) {
    const auto error = io_error_of([&] { fg::io::read_idx(file, rank); });
    BOOST_REQUIRE_MESSAGE(error, "read_idx accepted " << file);
    const std::string message = error->what();
    BOOST_TEST_INFO("message: " << message);
    BOOST_TEST(message.starts_with("fusegrad: IDX file '" + file.string() + "': "));
    BOOST_TEST(message.find('\n') == std::string::npos);
    for (const std::string& piece : pieces) BOOST_TEST(message.find(piece) != std::string::npos, "missing: " << piece);
    BOOST_TEST(error->path() == file);
    BOOST_TEST((error->offset() == offset), "offset " << (error->offset() ? std::to_string(*error->offset()) : "none"));
}

}  // namespace

BOOST_AUTO_TEST_CASE(round_trip_raw_and_gzip) {
    fgtest::temporary_directory dir;
    const bytes data = counting(3 * 2 * 4);
    const bytes file = idx_file(0x08, {3, 2, 4}, data);
    for (const fs::path& path :
         {write_bytes(dir.file("raw-idx3-ubyte"), file), write_gzip(dir.file("gz-idx3-ubyte.gz"), file)}) {
        BOOST_TEST_CONTEXT(path) {
            const fg::io::idx_array read = fg::io::read_idx(path, 3);
            BOOST_TEST(read.dims == (std::vector<std::uint32_t>{3, 2, 4}), boost::test_tools::per_element());
            BOOST_TEST(read.data == data, boost::test_tools::per_element());
        }
    }
    const bytes labels{7, 0, 9, 255};
    const fs::path label_file = write_gzip(dir.file("labels.gz"), idx_file(0x08, {4}, labels));
    const fg::io::idx_array read = fg::io::read_idx(label_file, 1);
    BOOST_TEST(read.dims == (std::vector<std::uint32_t>{4}), boost::test_tools::per_element());
    BOOST_TEST(read.data == labels, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(dataset_scales_pixels_and_keeps_labels) {
    fgtest::temporary_directory dir;
    const fs::path images = write_bytes(dir.file("images"), idx_file(0x08, {3, 1, 2}, {0, 255, 51, 102, 1, 254}));
    const fs::path labels = write_gzip(dir.file("labels.gz"), idx_file(0x08, {3}, {4, 0, 9}));
    const fg::io::image_dataset set = fg::io::load_idx_dataset(images, labels);
    BOOST_TEST(set.count == 3u);
    BOOST_TEST(set.rows == 1u);
    BOOST_TEST(set.cols == 2u);
    const std::vector<float> pixels{0.0f, 1.0f, 0.2f, 0.4f, 1.0f / 255.0f, 254.0f / 255.0f};
    BOOST_TEST(set.pixels == pixels, boost::test_tools::per_element());
    BOOST_TEST(set.labels == (std::vector<std::int32_t>{4, 0, 9}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(dataset_with_a_different_label_count_names_both_files) {
    fgtest::temporary_directory dir;
    const fs::path images = write_bytes(dir.file("images"), idx_file(0x08, {3, 1, 2}, counting(6)));
    const fs::path labels = write_bytes(dir.file("labels"), idx_file(0x08, {2}, {1, 2}));
    const auto error = io_error_of([&] { fg::io::load_idx_dataset(images, labels); });
    BOOST_REQUIRE(error);
    const std::string message = error->what();
    BOOST_TEST_INFO("message: " << message);
    BOOST_TEST(message == "fusegrad: IDX files '" + images.string() + "' and '" + labels.string() +
                              "' do not match: 3 images but 2 labels");
    BOOST_TEST(error->path() == labels);
    BOOST_TEST(!error->offset());
}

BOOST_AUTO_TEST_CASE(dataset_checks_the_rank_of_each_file) {
    fgtest::temporary_directory dir;
    const fs::path images = write_bytes(dir.file("images"), idx_file(0x08, {3, 1, 2}, counting(6)));
    const fs::path labels = write_bytes(dir.file("labels"), idx_file(0x08, {3}, {1, 2, 3}));
    // Swapped arguments: the images file is read as the first argument and has one dimension.
    const auto error = io_error_of([&] { fg::io::load_idx_dataset(labels, images); });
    BOOST_REQUIRE(error);
    BOOST_TEST(error->path() == labels);
    BOOST_TEST(std::string(error->what()).find("1 dimension, expected 3") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(mnist_split_takes_gzip_or_raw_names) {
    fgtest::temporary_directory dir;
    write_gzip(dir.file("t10k-images-idx3-ubyte.gz"), idx_file(0x08, {2, 2, 2}, counting(8)));
    write_bytes(dir.file("t10k-labels-idx1-ubyte"), idx_file(0x08, {2}, {3, 8}));
    const fg::io::image_dataset set = fg::io::load_mnist_split(dir.path(), "t10k");
    BOOST_TEST(set.count == 2u);
    BOOST_TEST(set.labels == (std::vector<std::int32_t>{3, 8}), boost::test_tools::per_element());

    // The .gz name wins when both exist; this raw file would fail (its label count is 1).
    write_bytes(dir.file("t10k-labels-idx1-ubyte.gz"), idx_file(0x08, {2}, {5, 6}));
    write_bytes(dir.file("t10k-labels-idx1-ubyte"), idx_file(0x08, {1}, {3}));
    BOOST_TEST(fg::io::load_mnist_split(dir.path(), "t10k").labels == (std::vector<std::int32_t>{5, 6}),
               boost::test_tools::per_element());

    const auto missing = io_error_of([&] { fg::io::load_mnist_split(dir.path(), "train"); });
    BOOST_REQUIRE(missing);
    BOOST_TEST(std::string(missing->what()) ==
               "fusegrad: MNIST directory '" + dir.path().string() +
                   "': neither 'train-images-idx3-ubyte.gz' nor 'train-images-idx3-ubyte' exists");
    BOOST_TEST(missing->path() == dir.path());

    const auto no_dir = io_error_of([&] { fg::io::load_mnist_split(dir.file("absent"), "t10k"); });
    BOOST_REQUIRE(no_dir);
    BOOST_TEST(std::string(no_dir->what()).find("absent': cannot open: No such file or directory") !=
               std::string::npos);

    BOOST_CHECK_THROW(fg::io::load_mnist_split(dir.path(), "test"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(missing_unopenable_and_empty_files) {
    fgtest::temporary_directory dir;
    expect_idx_error(dir.file("absent-idx3-ubyte"), 3, {"cannot open: No such file or directory"}, std::nullopt);
    expect_idx_error(dir.path(), 3, {"cannot open: it is a directory"}, std::nullopt);
    expect_idx_error(write_bytes(dir.file("empty"), {}), 3, {"the file is empty"}, 0);
    expect_idx_error(write_gzip(dir.file("empty.gz"), {}), 3, {"the file is empty"}, 0);
    if (::geteuid() == 0) {
        BOOST_TEST_MESSAGE("running as root: permissions do not apply, the unreadable-file case is skipped");
    } else {
        const fs::path locked = write_bytes(dir.file("locked"), idx_file(0x08, {1}, {1}));
        fs::permissions(locked, fs::perms::none);
        expect_idx_error(locked, 1, {"cannot open: Permission denied"}, std::nullopt);
    }
}

BOOST_AUTO_TEST_CASE(bad_magic_numbers) {
    fgtest::temporary_directory dir;
    bytes not_idx = idx_file(0x08, {2, 2, 2}, counting(8));
    not_idx[0] = 0x1F;
    expect_idx_error(write_bytes(dir.file("not-idx"), not_idx), 3,
                     {"bad magic number 0x1F000803 at offset 0 (expected 0x00000803: unsigned bytes, 3 dimensions)"},
                     0);
    not_idx = idx_file(0x08, {2}, {1, 2});
    not_idx[1] = 0x01;
    expect_idx_error(write_gzip(dir.file("not-idx.gz"), not_idx), 1,
                     {"bad magic number 0x00010801 at offset 0 (expected 0x00000801: unsigned bytes, 1 dimension)"}, 0);
    expect_idx_error(write_bytes(dir.file("type-01"), idx_file(0x01, {2}, {1, 2})), 1,
                     {"bad magic number 0x00000101 at offset 0: unknown data type 0x01"}, 0);
    expect_idx_error(write_bytes(dir.file("floats"), idx_file(0x0D, {2}, counting(8))), 1,
                     {"magic number 0x00000D01 at offset 0: type 0x0D (float) is not supported"}, 0);
    expect_idx_error(write_bytes(dir.file("signed"), idx_file(0x09, {2}, {1, 2})), 1,
                     {"type 0x09 (signed byte) is not supported"}, 0);
    expect_idx_error(write_bytes(dir.file("labels"), idx_file(0x08, {2}, {1, 2})), 3,
                     {"magic number 0x00000801 at offset 0: 1 dimension, expected 3"}, 0);
    expect_idx_error(write_bytes(dir.file("images"), idx_file(0x08, {1, 1, 2}, {1, 2})), 1,
                     {"magic number 0x00000803 at offset 0: 3 dimensions, expected 1"}, 0);
    BOOST_CHECK_THROW(fg::io::read_idx(dir.file("images"), 256), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(truncated_headers) {
    fgtest::temporary_directory dir;
    const bytes whole = idx_file(0x08, {2, 3, 4}, counting(24));
    expect_idx_error(write_bytes(dir.file("two-bytes"), bytes(whole.begin(), whole.begin() + 2)), 3,
                     {"truncated: the file ends at offset 2, inside the 4-byte magic number"}, 2);
    expect_idx_error(write_bytes(dir.file("ten-bytes"), bytes(whole.begin(), whole.begin() + 10)), 3,
                     {"truncated: the file ends at offset 10, inside the header (16 bytes for 3 dimensions)"}, 10);
    expect_idx_error(write_gzip(dir.file("ten-bytes.gz"), bytes(whole.begin(), whole.begin() + 10)), 3,
                     {"truncated: the decompressed data ends at offset 10, inside the header"}, 10);
}

BOOST_AUTO_TEST_CASE(zero_and_oversized_dimensions) {
    fgtest::temporary_directory dir;
    expect_idx_error(write_bytes(dir.file("zero"), idx_file(0x08, {3, 0, 4}, {})), 3, {"dimension 1 at offset 8 is 0"},
                     8);
    expect_idx_error(write_bytes(dir.file("huge"), idx_file(0x08, {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}, {})), 3,
                     {"the dimensions 4294967295 x 4294967295 x 4294967295 at offset 4 make more than "
                      "4294967296 elements"},
                     4);
    expect_idx_error(write_bytes(dir.file("over"), idx_file(0x08, {65536, 65536, 2}, {})), 3,
                     {"more than 4294967296 elements"}, 4);
    // Exactly at the limit the header is accepted, and the missing 4 GiB are found missing without first
    // being allocated.
    expect_idx_error(write_gzip(dir.file("limit.gz"), idx_file(0x08, {65536, 65536, 1}, counting(10))), 3,
                     {"truncated: expected 4294967296 data bytes after the header, found 10 (decompressed data ends "
                      "at offset 26)"},
                     26);
}

BOOST_AUTO_TEST_CASE(truncated_and_overlong_data) {
    fgtest::temporary_directory dir;
    const bytes whole = idx_file(0x08, {2, 3, 4}, counting(24));
    const bytes cut(whole.begin(), whole.begin() + 26);
    expect_idx_error(write_bytes(dir.file("cut"), cut), 3,
                     {"truncated: expected 24 data bytes after the header, found 10 (file ends at offset 26)"}, 26);
    expect_idx_error(write_gzip(dir.file("cut.gz"), cut), 3,
                     {"truncated: expected 24 data bytes after the header, found 10 (decompressed data ends at "
                      "offset 26)"},
                     26);
    expect_idx_error(write_bytes(dir.file("header-only"), bytes(whole.begin(), whole.begin() + 16)), 3,
                     {"found 0 (file ends at offset 16)"}, 16);

    bytes longer = whole;
    longer.insert(longer.end(), {1, 2, 3});
    expect_idx_error(write_bytes(dir.file("longer"), longer), 3,
                     {"3 trailing bytes after the data, which ends at offset 40 (2 x 3 x 4 elements)"}, 40);
    expect_idx_error(write_gzip(dir.file("longer.gz"), longer), 3, {"3 trailing bytes"}, 40);
}

BOOST_AUTO_TEST_CASE(corrupt_gzip_streams) {
    fgtest::temporary_directory dir;
    const bytes whole = idx_file(0x08, {2, 3, 4}, counting(24));
    const bytes gz = read_bytes(write_gzip(dir.file("good.gz"), whole));
    BOOST_REQUIRE_GT(gz.size(), 18u);

    // The last 8 bytes are the CRC-32 and the length of the data: the data all arrives, the check fails.
    bytes bad_crc = gz;
    bad_crc[gz.size() - 8] ^= 0xFF;
    expect_idx_error(write_bytes(dir.file("bad-crc.gz"), bad_crc), 3, {"corrupt gzip stream: incorrect data check"},
                     std::nullopt);

    expect_idx_error(write_bytes(dir.file("cut.gz"), bytes(gz.begin(), gz.end() - 6)), 3,
                     {"corrupt gzip stream: unexpected end of file"}, std::nullopt);

    // A gzip header followed by a deflate block of the reserved type 3.
    const bytes bad_block{0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03, 0x07, 0x00, 0x00};
    expect_idx_error(write_bytes(dir.file("bad-block.gz"), bad_block), 3, {"corrupt gzip stream: invalid block type"},
                     std::nullopt);
    const auto error = io_error_of([&] { fg::io::read_idx(dir.file("bad-block.gz"), 3); });
    BOOST_REQUIRE(error);
    BOOST_TEST(std::string(error->what()).find("<fd:") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(real_fashion_mnist_test_split) {
    const fs::path dir = "/usr/share/datasets/fashion-mnist";
    if (!fs::exists(dir / "t10k-images-idx3-ubyte.gz") && !fs::exists(dir / "t10k-images-idx3-ubyte")) {
        BOOST_TEST_MESSAGE("skipped: Fashion-MNIST is not installed in " << dir);
        return;
    }
    const fg::io::image_dataset set = fg::io::load_mnist_split(dir, "t10k");
    BOOST_TEST(set.count == 10000u);
    BOOST_TEST(set.rows == 28u);
    BOOST_TEST(set.cols == 28u);
    BOOST_TEST(set.pixels.size() == 10000u * 28 * 28);
    BOOST_TEST(set.labels.size() == 10000u);
    std::array<int, 10> per_class{};
    for (const std::int32_t label : set.labels) {
        BOOST_REQUIRE(label >= 0 && label <= 9);
        ++per_class[static_cast<std::size_t>(label)];
    }
    for (const int n : per_class) BOOST_TEST(n == 1000);  // the test split is balanced
    float lowest = 1, highest = 0;
    for (const float p : set.pixels) {
        lowest = std::min(lowest, p);
        highest = std::max(highest, p);
    }
    BOOST_TEST(lowest == 0.0f);
    BOOST_TEST(highest == 1.0f);
}

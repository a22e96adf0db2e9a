#define BOOST_TEST_MODULE fusegrad_io_idx
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <malloc.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <fusegrad/io/idx.hpp>

#include "io_error_of.hpp"
#include "temporary_directory.hpp"

namespace fg = fusegrad;
namespace fs = std::filesystem;

// The most heap bytes in use at once, for the tests that bound what a hostile file costs: global operator new
// and delete replaced to keep the count (allocation_counter.hpp counts calls, not bytes). The aligned forms are
// left to the library, which allocates them with aligned_alloc and frees them itself, outside this count.
namespace {
std::size_t heap_in_use = 0;
std::size_t heap_peak = 0;

void* counted_new(std::size_t n) {
    void* p = std::malloc(n == 0 ? 1 : n);
    if (p == nullptr) throw std::bad_alloc{};
    heap_in_use += ::malloc_usable_size(p);
    heap_peak = std::max(heap_peak, heap_in_use);
    return p;
}

void counted_delete(void* p) noexcept {
    if (p == nullptr) return;
    heap_in_use -= ::malloc_usable_size(p);
    std::free(p);
}

/// The peak of heap bytes in use while `work` runs, above what was in use when it started.
template <class F>
std::size_t peak_heap_during(F&& work) {
    const std::size_t before = heap_in_use;
    heap_peak = before;
    work();
    return heap_peak - before;
}
}  // namespace

void* operator new(std::size_t n) { return counted_new(n); }
void* operator new[](std::size_t n) { return counted_new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    try {
        return counted_new(n);
    } catch (const std::bad_alloc&) {
        return nullptr;
    }
}
void* operator new[](std::size_t n, const std::nothrow_t& tag) noexcept { return operator new(n, tag); }
void operator delete(void* p) noexcept { counted_delete(p); }
void operator delete[](void* p) noexcept { counted_delete(p); }
void operator delete(void* p, std::size_t) noexcept { counted_delete(p); }
void operator delete[](void* p, std::size_t) noexcept { counted_delete(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { counted_delete(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { counted_delete(p); }

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

/// The header of an IDX file of unsigned bytes, without its data.
bytes idx_header(const std::vector<std::uint32_t>& dims) { return idx_file(0x08, dims, {}); }

bytes counting(std::size_t n) {
    bytes data(n);
    for (std::size_t i = 0; i < n; ++i) data[i] = static_cast<std::uint8_t>(i * 37 + 11);
    return data;
}

/// `contents` as one gzip member, compressed in memory with zlib's default level, as gzip(1) writes it.
bytes gzipped(const bytes& contents) {
    z_stream stream{};
    BOOST_REQUIRE_EQUAL(deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY),
                        Z_OK);
    bytes out(deflateBound(&stream, static_cast<uLong>(contents.size())));
    stream.next_in = const_cast<Bytef*>(contents.data());
    stream.avail_in = static_cast<uInt>(contents.size());
    stream.next_out = out.data();
    stream.avail_out = static_cast<uInt>(out.size());
    BOOST_REQUIRE_EQUAL(deflate(&stream, Z_FINISH), Z_STREAM_END);
    out.resize(stream.total_out);
    deflateEnd(&stream);
    return out;
}

fs::path write_gzip(const fs::path& file, const bytes& contents) { return write_bytes(file, gzipped(contents)); }

bytes joined(std::initializer_list<bytes> parts) {
    bytes out;
    for (const bytes& part : parts) out.insert(out.end(), part.begin(), part.end());
    return out;
}

using fgtest::io_error_of;

/// read_idx must fail on `file` with a one-line message naming the file and containing every piece.
void expect_idx_error(const fs::path& file, std::size_t rank, std::initializer_list<std::string> pieces,
                      std::optional<std::uint64_t> offset, const fg::io::idx_read_options& options = {}) {
    const auto error = io_error_of([&] { fg::io::read_idx(file, rank, options); });
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
    // being allocated: from the size of the raw file, from what 1032 times the gzip file's size can hold.
    const bytes at_limit = idx_file(0x08, {65536, 65536, 1}, counting(10));
    expect_idx_error(write_bytes(dir.file("limit"), at_limit), 3,
                     {"truncated: expected 4294967296 data bytes after the header, found 10 (file ends at offset 26)"},
                     26);
    const fs::path gz = write_gzip(dir.file("limit.gz"), at_limit);
    expect_idx_error(gz, 3,
                     {"the header declares 4294967296 data bytes (65536 x 65536 x 1), but the " +
                      std::to_string(fs::file_size(gz)) + " bytes of this gzip file decompress to at most"},
                     4);
    // A lower limit of the caller's.
    expect_idx_error(write_bytes(dir.file("small"), idx_file(0x08, {4, 4}, counting(16))), 2,
                     {"the dimensions 4 x 4 at offset 4 make more than 15 elements, the most this loader reads "
                      "(idx_read_options::max_bytes)"},
                     4, {.inner_dims = {}, .max_bytes = 15});
}

BOOST_AUTO_TEST_CASE(the_expected_item_size_is_checked_before_any_data_is_read) {
    fgtest::temporary_directory dir;
    // Headers alone: the size is refused before the missing data could be found missing.
    const bytes header = idx_header({3, 32, 32});
    for (const fs::path& file : {write_bytes(dir.file("images"), header), write_gzip(dir.file("images.gz"), header)}) {
        BOOST_TEST_CONTEXT(file) {
            expect_idx_error(file, 3, {"the items are 32x32 (dimensions 3 x 32 x 32 at offset 4), expected 28x28"}, 8,
                             {.inner_dims = {28, 28}, .max_bytes = fg::io::idx_default_max_bytes});
            expect_idx_error(file, 3, {"the items are 32x32 (dimensions 3 x 32 x 32 at offset 4), expected *x28"}, 12,
                             {.inner_dims = {0, 28}, .max_bytes = fg::io::idx_default_max_bytes});
        }
    }
    const fs::path whole = write_bytes(dir.file("whole"), idx_file(0x08, {3, 32, 32}, counting(3 * 1024)));
    BOOST_TEST(fg::io::read_idx(whole, 3, {.inner_dims = {32, 0}, .max_bytes = 3 * 1024}).data.size() == 3072u);
    BOOST_CHECK_THROW(fg::io::read_idx(whole, 3, {.inner_dims = {32}, .max_bytes = 3 * 1024}), std::invalid_argument);

    // The datasets take the image size, as rows and columns.
    write_bytes(dir.file("train-images-idx3-ubyte"), idx_file(0x08, {3, 32, 32}, counting(3 * 1024)));
    write_bytes(dir.file("train-labels-idx1-ubyte"), idx_file(0x08, {3}, {1, 2, 3}));
    const fg::io::image_dataset_options mnist{.rows = 28, .cols = 28, .max_bytes = fg::io::idx_default_max_bytes};
    const auto error = io_error_of([&] { fg::io::load_mnist_split(dir.path(), "train", mnist); });
    BOOST_REQUIRE(error);
    BOOST_TEST(std::string(error->what()) == "fusegrad: IDX file '" + dir.file("train-images-idx3-ubyte").string() +
                                                 "': the items are 32x32 (dimensions 3 x 32 x 32 at offset 4), "
                                                 "expected 28x28");
    BOOST_TEST(error->path() == dir.file("train-images-idx3-ubyte"));
    BOOST_TEST(fg::io::load_mnist_split(dir.path(), "train").rows == 32u);
    // max_bytes holds for both files.
    const auto labels_error = io_error_of([&] {
        fg::io::load_idx_dataset(dir.file("train-images-idx3-ubyte"), dir.file("train-labels-idx1-ubyte"),
                                 {.rows = 0, .cols = 0, .max_bytes = 3 * 1024});
    });
    BOOST_TEST(!labels_error);
    const auto images_error = io_error_of([&] {
        fg::io::load_idx_dataset(dir.file("train-images-idx3-ubyte"), dir.file("train-labels-idx1-ubyte"),
                                 {.rows = 0, .cols = 0, .max_bytes = 3 * 1024 - 1});
    });
    BOOST_REQUIRE(images_error);
    BOOST_TEST(std::string(images_error->what()).find("make more than 3071 elements") != std::string::npos);
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
    // Offsets count bytes of the compressed file, where inflate stood when it found the fault.
    bytes bad_crc = gz;
    bad_crc[gz.size() - 8] ^= 0xFF;
    expect_idx_error(write_bytes(dir.file("bad-crc.gz"), bad_crc), 3,
                     {"corrupt gzip stream: incorrect data check (detected at offset " + std::to_string(gz.size() - 4) +
                      " of the compressed file)"},
                     gz.size() - 4);

    expect_idx_error(write_bytes(dir.file("cut.gz"), bytes(gz.begin(), gz.end() - 6)), 3,
                     {"corrupt gzip stream: unexpected end of file (the compressed file ends at offset " +
                      std::to_string(gz.size() - 6) + ", inside a gzip member)"},
                     gz.size() - 6);

    // A gzip header followed by a deflate block of the reserved type 3.
    const bytes bad_block{0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03, 0x07, 0x00, 0x00};
    expect_idx_error(write_bytes(dir.file("bad-block.gz"), bad_block), 3,
                     {"corrupt gzip stream: invalid block type (detected at offset 11 of the compressed file)"}, 11);
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

// ---- Hostile files: bombs, trailing garbage, files that are not regular files -----------------------------

namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool sanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool sanitized = true;
#else
constexpr bool sanitized = false;
#endif
#else
constexpr bool sanitized = false;
#endif

constexpr std::uint64_t mebibyte = std::uint64_t{1} << 20;

/// `members` gzip members, each holding `chunk` zero bytes, the first with `header` in front of them: a valid
/// gzip file (RFC 1952 allows any number of members) of header + members × chunk bytes, made from one
/// compression of `chunk` bytes, however large the result.
bytes gzip_of_zeros(const bytes& header, std::size_t chunk, std::size_t members) {
    const bytes zeros(chunk, 0);
    bytes out = gzipped(joined({header, zeros}));
    const bytes member = gzipped(zeros);
    for (std::size_t i = 1; i < members; ++i) out.insert(out.end(), member.begin(), member.end());
    return out;
}

/// Runs `load` in a child process whose address space is limited to `limit` bytes; the message it ends with.
std::string message_under_memory_limit(std::uint64_t limit, const std::function<void()>& load) {
    return fgtest::io_error_message_in_child([&] {
        const rlimit cap{limit, limit};
        if (::setrlimit(RLIMIT_AS, &cap) != 0) throw std::runtime_error("setrlimit failed");
        load();
    });
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_header_claiming_more_than_the_file_can_hold_is_refused_before_any_data_is_read) {
    fgtest::temporary_directory dir;
    // 16384 x 256 x 256 = 1 GiB declared; 4 MiB of zeros there, which gzip makes about 4 KiB.
    const std::vector<std::uint32_t> dims{16384, 256, 256};
    const bytes data(4 * mebibyte, 0);
    const fs::path gz = write_bytes(dir.file("bomb-idx3-ubyte.gz"), gzipped(joined({idx_header(dims), data})));
    const std::string gz_size = std::to_string(fs::file_size(gz));
    std::size_t peak = 0;
    BOOST_TEST_CONTEXT("gzip") {
        peak = peak_heap_during([&] {
            expect_idx_error(gz, 3,
                             {"the header declares 1073741824 data bytes (16384 x 256 x 256), but the " + gz_size +
                                  " bytes of this gzip file decompress to at most " +
                                  std::to_string(1032 * fs::file_size(gz)) + " (deflate expands at most 1032 times)"},
                             4);
        });
        // No data buffer: what is left is zlib's state, the input buffer and the message.
        BOOST_TEST(peak < 512 * 1024, "peak heap use " << peak);
    }
    // The same raw: its size on disk says at once that the data is not there.
    const fs::path raw = write_bytes(dir.file("bomb-idx3-ubyte"), joined({idx_header(dims), data}));
    BOOST_TEST_CONTEXT("raw") {
        peak = peak_heap_during([&] {
            expect_idx_error(raw, 3,
                             {"truncated: expected 1073741824 data bytes after the header, found 4194304 (file ends "
                              "at offset 4194320)"},
                             4194320);
        });
        BOOST_TEST(peak < 64 * 1024, "peak heap use " << peak);
    }
}

BOOST_AUTO_TEST_CASE(a_gzip_header_claiming_more_than_arrives_costs_what_arrived) {
    // Random bytes do not compress, so the 1032:1 bound cannot refuse this file at once: it is read, and the
    // memory it takes follows what arrives (the buffer doubles, so at most about three times that while it
    // grows), never the 1 GiB declared.
    fgtest::temporary_directory dir;
    bytes data(2 * mebibyte);
    std::uint32_t state = 12345;
    for (std::uint8_t& b : data) {
        state = state * 1664525u + 1013904223u;
        b = static_cast<std::uint8_t>(state >> 24);
    }
    const fs::path gz = write_gzip(dir.file("short-idx3-ubyte.gz"), joined({idx_header({16384, 256, 256}), data}));
    const std::size_t peak = peak_heap_during([&] {
        expect_idx_error(gz, 3,
                         {"truncated: expected 1073741824 data bytes after the header, found 2097152 (decompressed "
                          "data ends at offset 2097168)"},
                         2097168);
    });
    BOOST_TEST(peak < 4 * data.size(), "peak heap use " << peak);
}

BOOST_AUTO_TEST_CASE(running_out_of_memory_is_an_io_error) {
    if (sanitized) {
        BOOST_TEST_MESSAGE("skipped under a sanitizer, which reserves more address space than the limit");
        return;
    }
    fgtest::temporary_directory dir;
    // A real bomb: 1 GiB of zeros behind a consistent header of 28 x 28 images, about 1 MB of gzip (1024
    // members of 1337 images each). Under a limit of 768 MiB the data buffer cannot grow past 256 MiB.
    const std::size_t chunk = 1337 * 784;
    const std::uint32_t count = 1337 * 1024;
    const fs::path images = write_bytes(dir.file("train-images-idx3-ubyte.gz"),
                                        gzip_of_zeros(idx_header({count, 28, 28}), chunk, 1024));
    BOOST_TEST_MESSAGE("the bomb has " << fs::file_size(images) << " bytes");
    const std::string read_failure =
        message_under_memory_limit(768 * mebibyte, [&] { fg::io::read_idx(images, 3); });
    BOOST_TEST_INFO("message: " << read_failure);
    BOOST_TEST(read_failure.starts_with("fusegrad: IDX file '" + images.string() + "': out of memory with "));
    BOOST_TEST(read_failure.find(" of the 1073364992 data bytes the header declares (1369088 x 28 x 28) read") !=
               std::string::npos);

    // 160 MiB of pixels read, but not 640 MiB more of floats beside them: the conversion runs out.
    const std::uint32_t fewer = 1337 * 160;
    const fs::path smaller = write_bytes(dir.file("images-idx3-ubyte.gz"),
                                         gzip_of_zeros(idx_header({fewer, 28, 28}), chunk, 160));
    const fs::path labels = write_bytes(dir.file("labels-idx1-ubyte"), idx_file(0x08, {fewer}, bytes(fewer, 3)));
    const std::string conversion_failure =
        message_under_memory_limit(768 * mebibyte, [&] { fg::io::load_idx_dataset(smaller, labels); });
    BOOST_TEST_INFO("message: " << conversion_failure);
    BOOST_TEST(conversion_failure ==
               "fusegrad: IDX file '" + smaller.string() +
                   "': out of memory: its 213920 x 28 x 28 elements (167713280 bytes, all read) take 670853120 bytes "
                   "as floats");
}

BOOST_AUTO_TEST_CASE(trailing_garbage_after_a_gzip_stream_is_refused_at_its_compressed_offset) {
    fgtest::temporary_directory dir;
    const bytes whole = idx_file(0x08, {2, 3, 4}, counting(24));
    const bytes gz = gzipped(whole);
    const std::string end = std::to_string(gz.size());
    expect_idx_error(write_bytes(dir.file("garbage.gz"), joined({gz, {'j', 'u', 'n', 'k', '\n'}})), 3,
                     {"5 bytes of trailing garbage at offset " + end +
                      " of the compressed file, after the end of its gzip stream (not another gzip member)"},
                     gz.size());
    expect_idx_error(write_bytes(dir.file("one-byte.gz"), joined({gz, {0x1F}})), 3,
                     {"1 byte of trailing garbage at offset " + end + " of the compressed file"}, gz.size());
    expect_idx_error(write_bytes(dir.file("zeros.gz"), joined({gz, bytes(512, 0)})), 3,
                     {"512 bytes of trailing garbage at offset " + end}, gz.size());
    // The same for a raw file, which has no stream to end: the bytes after the data.
    expect_idx_error(write_bytes(dir.file("raw-garbage"), joined({whole, {'j'}})), 3,
                     {"1 trailing byte after the data, which ends at offset 40 (2 x 3 x 4 elements)"}, 40);
}

BOOST_AUTO_TEST_CASE(concatenated_gzip_members_are_one_file) {
    // RFC 1952: a gzip file is a series of members, and gzip -d writes their data one after the other.
    fgtest::temporary_directory dir;
    const bytes whole = idx_file(0x08, {2, 3, 4}, counting(24));
    for (const std::size_t cut : {std::size_t{3}, std::size_t{16}, std::size_t{30}, whole.size()}) {
        BOOST_TEST_CONTEXT("first member of " << cut << " bytes") {
            const bytes first(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(cut));
            const bytes rest(whole.begin() + static_cast<std::ptrdiff_t>(cut), whole.end());
            const fs::path file = write_bytes(dir.file("members.gz"), joined({gzipped(first), gzipped(rest)}));
            BOOST_TEST(fg::io::read_idx(file, 3).data == counting(24), boost::test_tools::per_element());
        }
    }
    // A second member that is cut short is a corrupt stream, not garbage.
    const bytes gz = gzipped(whole);
    const bytes second = gzipped({});
    const bytes cut_second = joined({gz, bytes(second.begin(), second.end() - 3)});
    expect_idx_error(write_bytes(dir.file("cut-member.gz"), cut_second), 3,
                     {"corrupt gzip stream: unexpected end of file (the compressed file ends at offset " +
                      std::to_string(cut_second.size()) + ", inside a gzip member)"},
                     cut_second.size());
}

BOOST_AUTO_TEST_CASE(fifos_and_devices_are_refused_without_blocking) {
    fgtest::temporary_directory dir;
    const fs::path fifo = dir.file("images.fifo");
    BOOST_REQUIRE_EQUAL(::mkfifo(fifo.c_str(), 0600), 0);
    // In a child, killed after 5 seconds: before the fix, open() waited for a writer for ever.
    BOOST_TEST(fgtest::io_error_message_in_child([&] { fg::io::read_idx(fifo, 3); }, 5) ==
               "fusegrad: IDX file '" + fifo.string() + "': cannot open: not a regular file (a FIFO)");
    for (const char* device : {"/dev/null", "/dev/zero"}) {
        BOOST_TEST_CONTEXT(device) {
            expect_idx_error(device, 1, {"cannot open: not a regular file (a character device)"}, std::nullopt);
        }
    }
}

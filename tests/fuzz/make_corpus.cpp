// Writes the seed corpus of the fuzz targets: small valid files, from fusegrad's own writers where it has one,
// and a few invalid ones that reach each kind of check. Run from the repository's root after a change of format:
//   build/gcc/tests/fuzz/make_corpus tests/fuzz/corpus
// Each file is written afresh; a seed renamed or dropped here must be removed from the corpus by hand.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <zlib.h>

#include <fusegrad/io/checkpoint_file.hpp>
#include <fusegrad/nn/fit.hpp>
#include <fusegrad/nn/history_csv.hpp>
#include <fusegrad/nn/optimizers/adam.hpp>
#include <fusegrad/nn/optimizers/optimizer_state.hpp>
#include <fusegrad/nn/optimizers/rmsprop.hpp>
#include <fusegrad/nn/optimizers/sgd.hpp>

#include "optimizer_state_selector.hpp"

namespace fg = fusegrad;
namespace fs = std::filesystem;

namespace {

using bytes = std::vector<std::uint8_t>;

fs::path out_dir;

fs::path seed(const std::string& target, const std::string& name) {
    fs::create_directories(out_dir / target);
    return out_dir / target / name;
}

void write(const fs::path& file, const bytes& contents) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(contents.data()), static_cast<std::streamsize>(contents.size()));
    if (!out) throw std::runtime_error("make_corpus: cannot write " + file.string());
}

bytes read(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// gzip as zlib writes it, the way MNIST's files come.
bytes gzip(const bytes& contents) {
    const fs::path file = out_dir / ".make_corpus.gz";
    gzFile out = ::gzopen(file.c_str(), "wb");
    if (out == nullptr || ::gzwrite(out, contents.data(), static_cast<unsigned>(contents.size())) <= 0 ||
        ::gzclose(out) != Z_OK)
        throw std::runtime_error("make_corpus: cannot write " + file.string());
    bytes result = read(file);
    fs::remove(file);
    return result;
}

bytes idx(std::uint8_t type, const std::vector<std::uint32_t>& dims, std::size_t data_bytes) {
    bytes out{0, 0, type, static_cast<std::uint8_t>(dims.size())};
    for (const std::uint32_t d : dims)
        for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(d >> shift));
    for (std::size_t i = 0; i < data_bytes; ++i) out.push_back(static_cast<std::uint8_t>(i * 37 + 11));
    return out;
}

/// Raw deflate data (no gzip header or trailer), as tightly as zlib packs it.
bytes deflated(const bytes& contents) {
    z_stream stream{};
    if (::deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        throw std::runtime_error("make_corpus: zlib cannot start");
    bytes out(::deflateBound(&stream, static_cast<uLong>(contents.size())));
    stream.next_in = const_cast<Bytef*>(contents.data());
    stream.avail_in = static_cast<uInt>(contents.size());
    stream.next_out = out.data();
    stream.avail_out = static_cast<uInt>(out.size());
    if (::deflate(&stream, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("make_corpus: deflate failed");
    out.resize(stream.total_out);
    ::deflateEnd(&stream);
    return out;
}

/// The idx target's first byte: how it hands the rest to the loader (idx_fuzz.cpp).
enum class idx_mode : std::uint8_t { as_given = 0, compressed_by_the_target = 1, deflate_data = 2 };

void write_idx_seed(const std::string& name, idx_mode mode, const bytes& contents) {
    bytes b{static_cast<std::uint8_t>(mode)};
    b.insert(b.end(), contents.begin(), contents.end());
    write(seed("idx", name), b);
}

/// `header` and then `zeros` zero bytes.
bytes idx_with_zeros(bytes header, std::size_t zeros) {
    header.resize(header.size() + zeros, 0);
    return header;
}

void idx_seeds() {
    const bytes images = idx(0x08, {2, 3, 4}, 24);
    const bytes labels = idx(0x08, {4}, 4);
    // Raw files, each also compressed by the target and compared.
    const auto compared = idx_mode::compressed_by_the_target;
    write_idx_seed("images-2x3x4.idx3", compared, images);
    write_idx_seed("labels-4.idx1", compared, labels);
    write_idx_seed("scalar.idx0", compared, idx(0x08, {}, 1));
    write_idx_seed("truncated-data.idx3", compared, bytes(images.begin(), images.end() - 5));
    bytes trailing = labels;
    trailing.push_back(0);
    write_idx_seed("trailing-byte.idx1", compared, trailing);
    write_idx_seed("zero-dimension.idx3", compared, idx(0x08, {3, 0, 4}, 0));
    write_idx_seed("floats.idx1", compared, idx(0x0D, {2}, 8));

    // Gzip files as they are.
    const auto given = idx_mode::as_given;
    write_idx_seed("images-2x3x4.idx3.gz", given, gzip(images));
    write_idx_seed("labels-4.idx1.gz", given, gzip(labels));
    // Two gzip members one after the other, read as one file.
    bytes members = gzip(bytes(images.begin(), images.begin() + 20));
    const bytes second = gzip(bytes(images.begin() + 20, images.end()));
    members.insert(members.end(), second.begin(), second.end());
    write_idx_seed("two-members.idx3.gz", given, members);
    write_idx_seed("limit-of-elements.idx3.gz", given, gzip(idx(0x08, {65536, 65536, 1}, 10)));
    bytes bad_crc = gzip(images);
    bad_crc[bad_crc.size() - 8] ^= 0xFF;
    write_idx_seed("bad-crc.idx3.gz", given, bad_crc);
    bytes garbage = gzip(images);
    garbage.insert(garbage.end(), {'j', 'u', 'n', 'k'});
    write_idx_seed("trailing-garbage.idx3.gz", given, garbage);
    // A header claiming 1 GiB over 64 KiB of zeros: refused from the file's size.
    write_idx_seed("bomb-header.idx3.gz", given, gzip(idx_with_zeros(idx(0x08, {16384, 256, 256}, 0), 65536)));

    // Deflate data the target wraps in a gzip member with a right CRC, for the fuzzer to vary.
    const auto wrapped = idx_mode::deflate_data;
    write_idx_seed("images-2x3x4.idx3.deflate", wrapped, deflated(images));
    // 1 MiB of zeros behind a header claiming 1 GiB.
    write_idx_seed("bomb-header.idx3.deflate", wrapped, deflated(idx_with_zeros(idx(0x08, {16384, 256, 256}, 0), 1 << 20)));
    // A consistent bomb near deflate's limit: about 1 KB that is 1,000,000 bytes of data.
    write_idx_seed("dense-bomb.idx2.deflate", wrapped, deflated(idx_with_zeros(idx(0x08, {1000, 1000}, 0), 1000000)));
}

void set_le(bytes& b, std::size_t offset, std::uint64_t value, int n) {
    for (int i = 0; i < n; ++i) b[offset + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(value >> (8 * i));
}

/// The CRC-32 made right again after an edit, to reach the checks behind it.
void reseal(bytes& b) { set_le(b, b.size() - 4, ::crc32(0, b.data(), static_cast<uInt>(b.size() - 4)), 4); }

fg::io::checkpoint_contents checkpoint(fg::io::dtype type, std::size_t count, const std::string& state) {
    fg::io::checkpoint_contents c;
    c.architecture = "dense(2,1,bias)";
    c.type = type;
    c.parameter_count = count;
    c.parameters.resize(count * fg::io::dtype_size(type));
    for (std::size_t i = 0; i < c.parameters.size(); ++i) c.parameters[i] = static_cast<std::byte>(i * 29 + 3);
    for (const char ch : state) c.training_state.push_back(static_cast<std::byte>(ch));
    return c;
}

bytes checkpoint_bytes(const fg::io::checkpoint_contents& c) {
    const fs::path file = out_dir / ".make_corpus.fgc";
    fg::io::write_checkpoint(file, c);
    bytes result = read(file);
    fs::remove(file);
    return result;
}

void checkpoint_seeds() {
    const bytes with_state = checkpoint_bytes(checkpoint(fg::io::dtype::float32, 3, "epoch=3;adam"));
    write(seed("checkpoint", "float32-with-state.fgc"), with_state);
    write(seed("checkpoint", "float64.fgc"), checkpoint_bytes(checkpoint(fg::io::dtype::float64, 2, "")));
    fg::io::checkpoint_contents empty;
    empty.type = fg::io::dtype::float64;
    write(seed("checkpoint", "smallest.fgc"), checkpoint_bytes(empty));

    bytes b = with_state;
    set_le(b, 12, 3, 4);
    reseal(b);
    write(seed("checkpoint", "unknown-dtype.fgc"), b);
    b = with_state;
    b.erase(b.begin() + 6);
    write(seed("checkpoint", "text-mode-copy.fgc"), b);
    b = with_state;
    set_le(b, 43, std::uint64_t{1} << 62, 8);
    write(seed("checkpoint", "huge-parameter-count.fgc"), b);
    b = with_state;
    b.insert(b.end(), {0, 0, 0});
    write(seed("checkpoint", "trailing-bytes.fgc"), b);
}

void write_text(const fs::path& file, const std::string& text) { write(file, bytes(text.begin(), text.end())); }

void history_csv_seeds() {
    const double absent = std::numeric_limits<double>::quiet_NaN();
    fg::write_history_csv(seed("history_csv", "validated.csv"),
                          {.epochs = {{.epoch = 1, .loss = 0.5, .accuracy = 0.75, .val_loss = 0.625,
                                       .val_accuracy = 0.7, .seconds = 4.1},
                                      {.epoch = 2, .loss = 0.1, .accuracy = 0.875, .val_loss = 0.3,
                                       .val_accuracy = 0.8, .seconds = 3.95}}});
    fg::write_history_csv(seed("history_csv", "unvalidated.csv"),
                          {.epochs = {{.epoch = 1, .loss = 2.25, .accuracy = 0.125, .seconds = 0.5},
                                      {.epoch = 5, .loss = 1.5, .accuracy = 0.25, .seconds = 0.25}}});
    fg::write_history_csv(seed("history_csv", "header-only.csv"), {});
    // Values at the edges of double, and every special one the writer can produce.
    fg::write_history_csv(seed("history_csv", "extremes.csv"),
                          {.epochs = {{.epoch = 1,
                                       .loss = std::numeric_limits<double>::infinity(),
                                       .accuracy = std::numeric_limits<double>::denorm_min(),
                                       .val_loss = std::numeric_limits<double>::max(),
                                       .val_accuracy = absent,
                                       .seconds = -0.0},
                                      {.epoch = 100000, .loss = absent, .accuracy = -1e-300, .seconds = 1e300}}});
    write_text(seed("history_csv", "keras-crlf.csv"),
               "epoch,loss,accuracy,val_loss,val_accuracy,seconds\r\n0,0.5,0.75,,,1\r\n1,0.25,0.875,0.5,0.5,2");

    const std::string header = "epoch,loss,accuracy,val_loss,val_accuracy,seconds\n";
    write_text(seed("history_csv", "epochs-backwards.csv"), header + "3,1,1,,,1\n2,1,1,,,1\n");
    write_text(seed("history_csv", "five-cells.csv"), header + "0,1,1,,1\n");
    write_text(seed("history_csv", "out-of-range.csv"), header + "0,1e999,1,,,1\n");
    write_text(seed("history_csv", "largest-epoch.csv"), header + "18446744073709551614,1,1,,,1\n");
}

bytes plain_bytes(const std::vector<std::byte>& b) {
    bytes out;
    for (const std::byte x : b) out.push_back(std::to_integer<std::uint8_t>(x));
    return out;
}

template <class T, class Config>
void optimizer_seed(const std::string& name, std::uint8_t optimizer, Config config, std::size_t count) {
    fg::optimizer_state<Config, T> state(config, count);
    std::vector<T> parameters(count), gradients(count);
    for (std::size_t i = 0; i < count; ++i) {
        parameters[i] = T(0.5) - T(i);
        gradients[i] = T(0.25) * T(i + 1);
    }
    state.step(parameters, gradients);
    state.step(parameters, gradients);
    const fgfuzz::optimizer_state_selector chosen{
        .optimizer = optimizer, .is_double = sizeof(T) == 8, .parameter_count = count};
    bytes b{chosen.byte()};
    for (const std::uint8_t x : plain_bytes(state.save())) b.push_back(x);
    write(seed("optimizer_state", name), b);
}

void optimizer_state_seeds() {
    optimizer_seed<float>("sgd-float-2", 0, fg::sgd{}, 2);
    optimizer_seed<double>("sgd-momentum-double-3", 1, fg::sgd{.momentum = 0.9}, 3);
    optimizer_seed<float>("adam-float-3", 3, fg::adam{}, 3);
    optimizer_seed<double>("adam-double-1", 3, fg::adam{}, 1);
    optimizer_seed<float>("rmsprop-centered-float-2", 7, fg::rmsprop{.momentum = 0.9, .centered = true}, 2);
    optimizer_seed<float>("adam-float-0", 3, fg::adam{}, 0);

    // An adam state offered to sgd with momentum: refused by name.
    bytes b = read(seed("optimizer_state", "adam-float-3"));
    b[0] = fgfuzz::optimizer_state_selector{.optimizer = 1, .is_double = false, .parameter_count = 3}.byte();
    write(seed("optimizer_state", "adam-into-sgd"), b);
    // One byte short of the last slot value.
    b = read(seed("optimizer_state", "adam-float-3"));
    b.pop_back();
    write(seed("optimizer_state", "adam-truncated"), b);
}

void training_state_seeds() {
    fg::detail::training_state s;
    write(seed("training_state", "fresh"), plain_bytes(s.save()));
    s.epochs_done = 2;
    s.shuffle_engine = {1, 2, 3, 4};
    s.dropout_engine = {5, 6, 7, 8};
    fg::optimizer_state<fg::adam, float> adam(fg::adam{}, 3);
    s.optimizer = adam.save();
    s.past.epochs.push_back({1, 0.9, 0.6, 0.95, 0.55, 1.5});
    s.past.epochs.push_back({2, 0.7, 0.7, std::numeric_limits<double>::quiet_NaN(), 0.6, 1.25});
    const bytes two_epochs = plain_bytes(s.save());
    write(seed("training_state", "two-epochs"), two_epochs);
    // Another version; one byte short; a history count far beyond the bytes.
    bytes b = two_epochs;
    b[0] = 7;
    write(seed("training_state", "version-7"), b);
    b = two_epochs;
    b.pop_back();
    write(seed("training_state", "truncated"), b);
    b = plain_bytes(fg::detail::training_state{}.save());
    set_le(b, b.size() - 8, std::uint64_t{1} << 40, 8);
    write(seed("training_state", "history-count-too-large"), b);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: make_corpus DIR  (writes DIR/idx, DIR/checkpoint, DIR/history_csv, ...)\n");
        return 2;
    }
    out_dir = argv[1];
    idx_seeds();
    checkpoint_seeds();
    history_csv_seeds();
    optimizer_state_seeds();
    training_state_seeds();
    return 0;
}

#pragma once
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

/// Little-endian encoding of integers and IEEE floats into bytes and back, independent of the host's order:
/// the training state inside a checkpoint, an optimizer's saved state.
namespace fusegrad::io {

/// Appends values to a byte vector.
class byte_writer {
public:
    explicit byte_writer(std::vector<std::byte>& out) : out_(&out) {}

    /// An unsigned integer in sizeof(U) bytes, least significant first.
    template <class U>
        requires std::is_unsigned_v<U>
    void put(U v) {
        for (std::size_t i = 0; i < sizeof(U); ++i) out_->push_back(static_cast<std::byte>((v >> (8 * i)) & 0xFF));
    }
    /// The IEEE 754 bits of `v`, as put(std::uint64_t) and put(std::uint32_t) write them.
    void put(double v) { put(std::bit_cast<std::uint64_t>(v)); }
    void put(float v) { put(std::bit_cast<std::uint32_t>(v)); }
    /// Bytes as they are, for magic numbers and text whose length is written separately.
    /// (resize and memcpy rather than insert: g++ 12 at -O3 warns falsely, -Wstringop-overflow, on the insert.)
    void put_bytes(std::span<const std::byte> bytes) {
        if (bytes.empty()) return;
        const std::size_t at = out_->size();
        out_->resize(at + bytes.size());
        std::memcpy(out_->data() + at, bytes.data(), bytes.size());
    }
    /// A length-prefixed block of bytes: the size as std::uint64_t, then the bytes.
    void put_block(std::span<const std::byte> bytes) {
        put(static_cast<std::uint64_t>(bytes.size()));
        put_bytes(bytes);
    }
    /// Each value in turn.
    template <class F>
        requires std::is_floating_point_v<F>
    void put_all(std::span<const F> values) {
        for (F v : values) put(v);
    }

private:
    std::vector<std::byte>* out_;
};

/// Reads values back in order, checking every read against the bytes left; errors are std::runtime_error
/// "fusegrad: <what>: ...". A read given a field name ("optimizer name") says the bytes end inside that field
/// instead of giving the offset; `expected`, when given ("a saved optimizer state"), adds that the bytes may
/// be something else entirely.
class byte_reader {
public:
    byte_reader(std::span<const std::byte> in, std::string what, std::string expected = {})
        : in_(in), what_(std::move(what)), expected_(std::move(expected)) {}

    /// An unsigned integer of sizeof(U) bytes, least significant first.
    template <class U>
        requires std::is_unsigned_v<U>
    U get(std::string_view field = {}) {
        need(sizeof(U), field);
        U v = 0;
        for (std::size_t i = 0; i < sizeof(U); ++i) v |= static_cast<U>(std::to_integer<unsigned>(in_[at_ + i])) << (8 * i);
        at_ += sizeof(U);
        return v;
    }
    /// A float or double from its IEEE 754 bits.
    template <class F>
        requires std::is_same_v<F, float> || std::is_same_v<F, double>
    F get(std::string_view field = {}) {
        if constexpr (sizeof(F) == 8) return std::bit_cast<F>(get<std::uint64_t>(field));
        else return std::bit_cast<F>(get<std::uint32_t>(field));
    }
    /// The next `n` bytes as they are, a view into the input.
    std::span<const std::byte> get_bytes(std::uint64_t n, std::string_view field = {}) {
        need(n, field);
        const auto bytes = in_.subspan(at_, static_cast<std::size_t>(n));
        at_ += static_cast<std::size_t>(n);
        return bytes;
    }
    /// A block written by byte_writer::put_block, a view into the input.
    std::span<const std::byte> get_block(std::string_view field = {}) {
        return get_bytes(get<std::uint64_t>(field), field);
    }
    /// Fills `values`, checking first that the bytes hold all of them.
    template <class F>
    void get_all(std::span<F> values, std::string_view field = {}) {
        need(values.size() * sizeof(F), field);
        for (F& v : values) v = get<F>(field);
    }
    /// The bytes not read yet.
    std::size_t remaining() const { return in_.size() - at_; }
    /// Throws unless every byte was read: trailing bytes mean a writer this reader does not know.
    void expect_end() const {
        if (at_ != in_.size()) fail(std::to_string(remaining()) + " unexpected bytes at the end");
    }
    /// Throws std::runtime_error "fusegrad: <what>: <message>", for checks on the values read.
    [[noreturn]] void fail(const std::string& message) const {
        throw std::runtime_error("fusegrad: " + what_ + ": " + message);
    }

private:
    void need(std::uint64_t n, std::string_view field) const {
        if (n <= remaining()) return;
        std::string message = field.empty()
                                  ? "truncated at byte " + std::to_string(at_) + " (needs " + std::to_string(n) +
                                        " more, " + std::to_string(remaining()) + " left)"
                                  : "the bytes end inside the " + std::string(field) + " (" +
                                        std::to_string(in_.size()) + " bytes in all): truncated";
        if (!expected_.empty()) message += ", or not " + expected_;
        fail(message);
    }

    std::span<const std::byte> in_;
    std::size_t at_ = 0;
    std::string what_;
    std::string expected_;
};

}  // namespace fusegrad::io

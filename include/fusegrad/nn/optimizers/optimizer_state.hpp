#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "../../detail/number_text.hpp"
#include "../../io/byte_stream.hpp"
#include "../../io/io_error.hpp"

namespace fusegrad {

namespace detail {

/// What optimizer_state needs of an optimizer configuration such as fg::adam.
template <class C>
concept optimizer_config = requires(const C& c) {
    { C::name } -> std::convertible_to<std::string_view>;
    { C::slots } -> std::convertible_to<std::size_t>;
    { C::slot_names } -> std::convertible_to<std::array<std::string_view, C::slots>>;
    { c.uses_slots() } -> std::same_as<std::array<bool, C::slots>>;
    { c.learning_rate } -> std::convertible_to<double>;
};

/// The first bytes of a saved optimizer state, then the format version.
inline constexpr std::array<char, 8> optimizer_state_magic{'f', 'g', 'o', 'p', 't', 'i', 'm', '\0'};
inline constexpr std::uint32_t optimizer_state_version = 1;

/// "float (4 bytes)", for messages about saved values.
inline std::string value_size_name(std::uint64_t size) {
    const std::string bytes = " (" + std::to_string(size) + " bytes)";
    return size == 4 ? "float" + bytes : size == 8 ? "double" + bytes : std::to_string(size) + "-byte values";
}

/// "velocity, momentum", the slots set in `mask`.
template <class Config>
std::string slot_list(std::uint64_t mask) {
    std::string text;
    for (std::size_t i = 0; i < Config::slots; ++i) {
        if (!(mask >> i & 1)) continue;
        if (!text.empty()) text += ", ";
        text += Config::slot_names[i];
    }
    return text.empty() ? "none" : text;
}

}  // namespace detail

/// An optimizer at work on one flat array of parameters: the configuration, its state arrays ("slots":
/// Adam's moments, SGD's velocity...) allocated once in the constructor, and the iteration count.
/// `step` runs the configuration's fused update without allocating. `save` and `load` move the state
/// through bytes for checkpoints; docs/optimizers-and-initializers.md describes the format.
template <class Config, class T>
class optimizer_state {
    static_assert(detail::optimizer_config<Config>,
                  "fusegrad::optimizer_state: Config must be an optimizer configuration: fg::sgd, fg::adam, fg::adamw "
                  "or fg::rmsprop");
    static_assert(std::is_floating_point_v<T>, "fusegrad::optimizer_state: T must be float, double or long double");

public:
    /// Zeroed slots for `parameter_count` parameters, one array per slot the configuration uses.
    optimizer_state(Config config, std::size_t parameter_count)
        : config_(config), count_(parameter_count), uses_(config.uses_slots()) {
        std::size_t used = 0;
        for (std::size_t i = 0; i < Config::slots; ++i) offsets_[i] = uses_[i] ? count_ * used++ : 0;
        storage_.assign(count_ * used, T(0));
    }

    /// One optimizer step: updates `parameters` in place from `gradients`. Throws std::invalid_argument,
    /// naming the sizes, unless both have parameter_count() elements.
    void step(std::span<T> parameters, std::span<const T> gradients) {
        step_part(parameters, gradients, 0, count_);
        finish_step();
    }

    /// One step in parts, for threads that share it: step_part updates the elements [first, last) as step()
    /// would (with the same iteration number), and once every element has been updated exactly once,
    /// finish_step() counts the step. A part touches only its own elements of the parameters, the gradients
    /// and the state, so parts on different threads need no lock. Throws std::invalid_argument as step()
    /// does, or for a range that is not within the parameters.
    void step_part(std::span<T> parameters, std::span<const T> gradients, std::size_t first, std::size_t last) {
        if (parameters.size() != count_ || gradients.size() != count_)
            throw std::invalid_argument("fusegrad: " + where("step") + ": " + std::to_string(parameters.size()) + " parameters and " +
                                        std::to_string(gradients.size()) + " gradients, but this state is for " +
                                        std::to_string(count_) + " parameters");
        if (first > last || last > count_)
            throw std::invalid_argument("fusegrad: " + where("step_part") + ": elements " + std::to_string(first) +
                                        " to " + std::to_string(last) + " are not a range within the " +
                                        std::to_string(count_) + " parameters");
        update(parameters.subspan(first, last - first), gradients.subspan(first, last - first), first,
               std::make_index_sequence<Config::slots>{});
    }
    /// Counts a step made of step_part calls.
    void finish_step() noexcept { ++iterations_; }

    /// Steps taken so far (Keras's `optimizer.iterations`); the next step is iteration iterations() + 1.
    std::uint64_t iterations() const noexcept { return iterations_; }
    /// The number of parameters this state is for.
    std::size_t parameter_count() const noexcept { return count_; }
    /// The configuration.
    const Config& config() const noexcept { return config_; }
    /// Changes the learning rate for the next steps, for schedules; the other hyperparameters are fixed
    /// because they decide which slots exist.
    void set_learning_rate(double learning_rate) noexcept { config_.learning_rate = learning_rate; }

    /// Slot `index` (its name is Config::slot_names[index]), empty when this configuration does not use
    /// it. Throws std::out_of_range for index ≥ Config::slots.
    std::span<const T> slot(std::size_t index) const {
        if (index >= Config::slots)
            throw std::out_of_range("fusegrad: " + where("slot") + ": slot " + std::to_string(index) + " of " +
                                    std::to_string(Config::slots));
        return uses_[index] ? std::span<const T>(storage_.data() + offsets_[index], count_) : std::span<const T>{};
    }

    /// The iteration count and every slot in use, as little-endian bytes headed by the optimizer's name,
    /// the value size, the slots and the parameter count, which load checks. The configuration itself is
    /// not saved (as in Keras, where it belongs to the model's config), so a resumed run may change the
    /// learning rate.
    std::vector<std::byte> save() const {
        static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                      "fusegrad::optimizer_state::save: only float and double states are saved, long double's "
                      "layout differs between platforms");
        std::vector<std::byte> out;
        out.reserve(64 + Config::name.size() + storage_.size() * sizeof(T));
        io::byte_writer w(out);
        w.put_bytes(std::as_bytes(std::span(detail::optimizer_state_magic)));
        w.put(detail::optimizer_state_version);
        w.put(static_cast<std::uint32_t>(Config::name.size()));
        w.put_bytes(std::as_bytes(std::span(Config::name)));
        w.put(std::uint32_t{sizeof(T)});
        w.put(static_cast<std::uint32_t>(Config::slots));
        w.put(static_cast<std::uint32_t>(slot_mask()));
        w.put(std::uint64_t{count_});
        w.put(iterations_);
        w.put_all(std::span<const T>(storage_));
        return out;
    }

    /// Restores what save() wrote, after checking everything: the bytes must come from save() of the same
    /// optimizer, value type, slots in use and parameter count, else std::runtime_error says which differs
    /// and the state is left unchanged.
    void load(std::span<const std::byte> bytes) {
        static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                      "fusegrad::optimizer_state::load: only float and double states are saved, long double's "
                      "layout differs between platforms");
        io::byte_reader in(bytes, where("load"), "a saved optimizer state");
        const std::span<const std::byte> magic = in.get_bytes(detail::optimizer_state_magic.size(), "header");
        if (!std::ranges::equal(magic, std::as_bytes(std::span(detail::optimizer_state_magic))))
            in.fail("these bytes are not a saved optimizer state (they do not start with \"fgoptim\")");
        const std::uint32_t version = in.get<std::uint32_t>("header");
        if (version != detail::optimizer_state_version)
            in.fail("format version " + std::to_string(version) + " is not supported (this build reads version " +
                    std::to_string(detail::optimizer_state_version) + ")");
        const std::uint32_t name_size = in.get<std::uint32_t>("optimizer name");
        const std::span<const std::byte> name_bytes = in.get_bytes(name_size, "optimizer name");
        std::string name(name_bytes.size(), ' ');
        for (std::size_t i = 0; i < name.size(); ++i) name[i] = std::to_integer<char>(name_bytes[i]);
        if (name != Config::name)
            // The name comes from the bytes: quoted on one line, and cut short, so that the message stays readable.
            in.fail("the bytes hold the state of optimizer " +
                    detail::one_line_quoted(name.size() > 64 ? name.substr(0, 64) + "..." : name) + ", this state is '" +
                    std::string(Config::name) + "'");
        const std::uint32_t value_size = in.get<std::uint32_t>("header");
        if (value_size != sizeof(T))
            in.fail("the bytes hold " + detail::value_size_name(value_size) + ", this state holds " +
                    detail::value_size_name(sizeof(T)));
        const std::uint32_t slots = in.get<std::uint32_t>("header");
        const std::uint32_t mask = in.get<std::uint32_t>("header");
        if (slots != Config::slots || mask != slot_mask())
            in.fail("the bytes hold the slots " + detail::slot_list<Config>(mask) + ", this configuration uses " +
                    detail::slot_list<Config>(slot_mask()) + " (another momentum, nesterov or centered setting?)");
        const std::uint64_t count = in.get<std::uint64_t>("header");
        if (count != count_)
            in.fail("the bytes hold the state of " + std::to_string(count) + " parameters, this state is for " +
                    std::to_string(count_));
        const std::uint64_t iterations = in.get<std::uint64_t>("header");
        const std::size_t expected = bytes.size() - in.remaining() + storage_.size() * sizeof(T);
        if (bytes.size() != expected)
            in.fail("the bytes have " + std::to_string(bytes.size()) + " bytes, a state of this size has " +
                    std::to_string(expected));
        std::vector<T> slots_read(storage_.size());
        in.get_all(std::span<T>(slots_read), "slots");
        // No step leaves a slot non-finite (a non-finite loss stops training before its step): such bytes were
        // made by something else, and would turn every parameter to NaN at the next step.
        if (const auto bad = std::ranges::find_if(slots_read, [](T v) { return !std::isfinite(v); }); bad != slots_read.end()) {
            const std::size_t at = static_cast<std::size_t>(bad - slots_read.begin());
            std::size_t slot = 0;
            while (!uses_[slot] || at >= offsets_[slot] + count_) ++slot;
            in.fail("slot '" + std::string(Config::slot_names[slot]) + "' element " + std::to_string(at - offsets_[slot]) +
                    " is " + detail::number_text(static_cast<double>(*bad)));
        }
        storage_.swap(slots_read);
        iterations_ = iterations;
    }

private:
    /// The update of w and g, the elements from `first` on.
    template <std::size_t... I>
    void update(std::span<T> w, std::span<const T> g, std::size_t first, std::index_sequence<I...>) {
        config_.update(w, g, slot_span(I, first, w.size())..., iterations_ + 1);
    }
    std::span<T> slot_span(std::size_t index, std::size_t first, std::size_t n) {
        return uses_[index] ? std::span<T>(storage_.data() + offsets_[index] + first, n) : std::span<T>{};
    }
    std::uint64_t slot_mask() const noexcept {
        std::uint64_t mask = 0;
        for (std::size_t i = 0; i < Config::slots; ++i) mask |= std::uint64_t{uses_[i]} << i;
        return mask;
    }
    /// "optimizer_state<adam>::load", naming a member in messages.
    static std::string where(std::string_view member) {
        return "optimizer_state<" + std::string(Config::name) + ">::" + std::string(member);
    }

    Config config_;
    std::size_t count_;
    std::array<bool, Config::slots> uses_;
    std::array<std::size_t, Config::slots> offsets_{};
    std::vector<T> storage_;
    std::uint64_t iterations_ = 0;
};

}  // namespace fusegrad

#pragma once
#include <algorithm>
#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

namespace fusegrad {

/// A string usable as a template argument: the name of a variable or an activation.
template <std::size_t N>
struct fixed_string {
    char chars[N]{};

    constexpr fixed_string() = default;
    constexpr fixed_string(const char (&text)[N]) { std::copy_n(text, N, chars); }

    constexpr std::string_view view() const { return {chars, N - 1}; }
    constexpr auto operator<=>(const fixed_string&) const = default;
};

template <std::size_t A, std::size_t B>
constexpr bool operator==(const fixed_string<A>& a, const fixed_string<B>& b) {
    return a.view() == b.view();
}

namespace detail {
constexpr std::size_t decimal_digits(std::size_t n) { return n < 10 ? 1 : 1 + decimal_digits(n / 10); }

/// Pieces joined into one fixed_string at compile time: `joined<"dense", "_", 2, "/kernel">()` is
/// "dense_2/kernel". Numbers are written in decimal.
template <auto... Pieces>
constexpr auto joined() {
    constexpr auto length_of = [](auto piece) {
        if constexpr (std::is_integral_v<decltype(piece)>) return decimal_digits(piece);
        else return piece.view().size();
    };
    constexpr std::size_t length = (length_of(Pieces) + ... + 0);
    fixed_string<length + 1> out;
    std::size_t at = 0;
    auto append = [&](auto piece) {
        if constexpr (std::is_integral_v<decltype(piece)>) {
            std::size_t n = piece, digits = decimal_digits(n);
            for (std::size_t d = digits; d-- > 0; n /= 10) out.chars[at + d] = static_cast<char>('0' + n % 10);
            at += digits;
        } else {
            for (char c : piece.view()) out.chars[at++] = c;
        }
    };
    (append(Pieces), ...);
    return out;
}
}  // namespace detail

}  // namespace fusegrad

namespace fusegrad {

/// A name spelled out as characters, so that both g++ and clang print it legibly in a diagnostic
/// (clang prints a fixed_string argument as a list of character codes).
template <char... Chars>
struct name {};

namespace detail {
template <fixed_string S, std::size_t... I>
constexpr auto spell(std::index_sequence<I...>) -> name<S.chars[I]...>;
}  // namespace detail

template <fixed_string S>
using spelled = decltype(detail::spell<S>(std::make_index_sequence<S.view().size()>{}));

}  // namespace fusegrad

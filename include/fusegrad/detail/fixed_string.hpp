#pragma once
#include <algorithm>
#include <cstddef>
#include <string_view>
#include <utility>

namespace fusegrad {

/// A string usable as a template argument: the name of a variable or an activation.
template <std::size_t N>
struct fixed_string {
    char chars[N]{};

    constexpr fixed_string(const char (&text)[N]) { std::copy_n(text, N, chars); }

    constexpr std::string_view view() const { return {chars, N - 1}; }
    constexpr auto operator<=>(const fixed_string&) const = default;
};

template <std::size_t A, std::size_t B>
constexpr bool operator==(const fixed_string<A>& a, const fixed_string<B>& b) {
    return a.view() == b.view();
}

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

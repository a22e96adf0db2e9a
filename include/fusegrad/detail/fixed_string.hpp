#pragma once
#include <algorithm>
#include <cstddef>
#include <string_view>

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

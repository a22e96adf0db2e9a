#pragma once
#include <string_view>

namespace fusegrad::ops {

struct add {
    static constexpr std::string_view name = "add";
    template <class T> constexpr T value(T a, T b) const { return a + b; }
    template <class T> constexpr T derivative_a(T, T, T) const { return T(1); }
    template <class T> constexpr T derivative_b(T, T, T) const { return T(1); }
};

struct subtract {
    static constexpr std::string_view name = "subtract";
    template <class T> constexpr T value(T a, T b) const { return a - b; }
    template <class T> constexpr T derivative_a(T, T, T) const { return T(1); }
    template <class T> constexpr T derivative_b(T, T, T) const { return T(-1); }
};

struct multiply {
    static constexpr std::string_view name = "multiply";
    template <class T> constexpr T value(T a, T b) const { return a * b; }
    template <class T> constexpr T derivative_a(T, T b, T) const { return b; }
    template <class T> constexpr T derivative_b(T a, T, T) const { return a; }
};

struct divide {
    static constexpr std::string_view name = "divide";
    template <class T> constexpr T value(T a, T b) const { return a / b; }
    template <class T> constexpr T derivative_a(T, T b, T) const { return T(1) / b; }
    // d(a/b)/db = −a/b² = −y/b, read from the stored output.
    template <class T> constexpr T derivative_b(T, T b, T y) const { return -y / b; }
};

struct negate {
    static constexpr std::string_view name = "negative";
    template <class T> constexpr T value(T x) const { return -x; }
    template <class T> constexpr T derivative(T, T) const { return T(-1); }
};

}  // namespace fusegrad::ops

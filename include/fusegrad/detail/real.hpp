#pragma once

namespace fusegrad {

/// A double usable as a template argument. clang 14 rejects `template <double>`, but accepts a class
/// holding one, and `fg::leaky_relu<0.1>` converts the literal implicitly.
struct real {
    double value;
    constexpr real(double v) : value(v) {}
    constexpr operator double() const { return value; }
};

}  // namespace fusegrad

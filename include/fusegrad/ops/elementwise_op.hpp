#pragma once
#include <concepts>

namespace fusegrad {

/// The protocol of an elementwise function: its value, and its derivative given the input x and the
/// stored output y (so tanh′ can be 1 − y² without recomputing tanh). Built-ins and user ops alike.
template <class Op>
concept elementwise_op = std::copy_constructible<Op> && requires(const Op op, float f, double d) {
    { op.value(f) } -> std::convertible_to<float>;
    { op.value(d) } -> std::convertible_to<double>;
    { op.derivative(f, f) } -> std::convertible_to<float>;
    { op.derivative(d, d) } -> std::convertible_to<double>;
};

/// The protocol of an elementwise function of two operands: value, and the partial derivatives.
template <class Op>
concept binary_elementwise_op = requires(const Op op, float f, double d) {
    { op.value(d, d) } -> std::convertible_to<double>;
    { op.derivative_a(d, d, d) } -> std::convertible_to<double>;
    { op.derivative_b(d, d, d) } -> std::convertible_to<double>;
    { op.value(f, f) } -> std::convertible_to<float>;
};

namespace detail {
/// A piecewise derivative must not turn NaN into a number: a NaN input yields a NaN derivative.
template <class T>
constexpr T nan_or(T x, T derivative) {
    return x != x ? x : derivative;
}
}  // namespace detail

}  // namespace fusegrad

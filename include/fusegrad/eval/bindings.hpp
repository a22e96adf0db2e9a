#pragma once
#include <array>
#include <cstddef>
#include <ranges>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

#include "../detail/fixed_string.hpp"
#include "../expr/var.hpp"
#include "tensor.hpp"

namespace fusegrad {

namespace errors {
template <class Variable, class BoundElement, class ComputeType>
constexpr bool bound_data_has_the_function_scalar_type = std::is_same_v<BoundElement, ComputeType>;
template <class Variable, class BoundShape>
constexpr bool bound_tensor_has_the_variable_shape = false;
template <class Variable, class Source>
constexpr bool bound_data_is_usable = false;
}  // namespace errors

namespace detail {
template <class T>
struct is_tensor : std::false_type {};
template <class T, std::size_t... E>
struct is_tensor<tensor<T, E...>> : std::true_type {};

template <class T>
struct is_std_array : std::false_type {};
template <class T, std::size_t N>
struct is_std_array<std::array<T, N>> : std::true_type {};

/// The caller's data for one variable, as a pointer and an element count.
template <class T>
struct bound_data {
    const T* data = nullptr;
    std::size_t size = 0;
};

/// The error of a run-time size mismatch: `expected` values in all, or per batch row when `batched`.
/// Out of line, so that the message is built only when thrown: a call allocates nothing for it, and a
/// binding instantiates no string code.
[[noreturn]] inline void throw_binding_size_error(std::string_view name, bool batched, std::size_t expected,
                                                  std::size_t bound) {
    const std::string var = "fusegrad: variable '" + std::string{name} + "' ";
    if (batched)
        throw std::invalid_argument(var + "has " + std::to_string(expected) + " features per batch row, but " +
                                    std::to_string(bound) + " values were bound, not a multiple");
    throw std::invalid_argument(var + "expects " + std::to_string(expected) + " values, but " +
                                std::to_string(bound) + " were bound");
}

/// Turns `x = source` into data for a function computing in T. Fixed sizes are checked at compile
/// time; the sizes of vectors and spans at run time, with an exception that names the variable.
/// A scalar variable accepts any number, converted into `scalar_slot`.
template <class T, class Var, class Source>
bound_data<T> resolve_binding(const Source& source, T& scalar_slot) {
    constexpr shape_info s = Var::shape;
    if constexpr (std::is_arithmetic_v<Source>) {
        static_assert(errors::bound_tensor_has_the_variable_shape<spelled<Var::name>, shape<>> || s.rank == 0,
                      "fusegrad: a plain number can only be bound to a scalar variable");
        scalar_slot = static_cast<T>(source);
        return {&scalar_slot, 1};
    } else if constexpr (is_tensor<Source>::value) {
        static_assert(errors::bound_data_has_the_function_scalar_type<spelled<Var::name>, typename decltype(source.values)::value_type, T>,
                      "fusegrad: a variable is bound to data of another scalar type than the function computes in");
        static_assert(errors::bound_tensor_has_the_variable_shape<spelled<Var::name>, shape_type<Source::shape>> ||
                          (Source::shape.rows * Source::shape.cols == s.rows * s.cols && !s.batched),
                      "fusegrad: a variable is bound to a tensor of another shape");
        return {source.data(), source.size()};
    } else if constexpr (is_std_array<Source>::value) {
        static_assert(errors::bound_data_has_the_function_scalar_type<spelled<Var::name>, typename Source::value_type, T>,
                      "fusegrad: a variable is bound to data of another scalar type than the function computes in");
        static_assert(errors::bound_tensor_has_the_variable_shape<spelled<Var::name>, shape<std::tuple_size_v<Source>>> ||
                          (std::tuple_size_v<Source> == s.rows * s.cols && !s.batched),
                      "fusegrad: a variable is bound to an array of another size");
        return {source.data(), source.size()};
    } else if constexpr (std::ranges::contiguous_range<Source> && std::ranges::sized_range<Source>) {
        using element = std::remove_cv_t<std::ranges::range_value_t<Source>>;
        static_assert(errors::bound_data_has_the_function_scalar_type<spelled<Var::name>, element, T>,
                      "fusegrad: a variable is bound to data of another scalar type than the function computes in");
        const std::size_t n = std::ranges::size(source);
        if constexpr (s.batched) {
            if (n % s.cols != 0) throw_binding_size_error(Var::name.view(), true, s.cols, n);
        } else {
            if (n != s.rows * s.cols) throw_binding_size_error(Var::name.view(), false, s.rows * s.cols, n);
        }
        return {std::ranges::data(source), n};
    } else {
        static_assert(errors::bound_data_is_usable<spelled<Var::name>, Source>,
                      "fusegrad: a variable is bound to something that is not a number, a tensor or a "
                      "contiguous range of numbers");
        return {};
    }
}
}  // namespace detail

}  // namespace fusegrad

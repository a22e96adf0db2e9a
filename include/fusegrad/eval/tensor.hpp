#pragma once
#include <array>
#include <cstddef>
#include <span>
#include <type_traits>

#include "../shape/shape.hpp"
#include "tensor_storage.hpp"

namespace fusegrad {

/// A fixed-shape tensor value, row-major: `fg::tensor<float, 4, 3>`. An aggregate:
/// `fg::tensor<double, 2, 2>{{1, 2, 3, 4}}`. Gradients come back in this type, shaped like their variable.
/// Up to FUSEGRAD_TENSOR_STACK_LIMIT bytes (256 KiB) the values are a std::array inside the object; a
/// larger tensor holds them on the heap (eval/tensor_storage.hpp), so that no fixed shape overflows the
/// stack. Either way it is a value: copies are deep.
template <class T, std::size_t... Extents>
struct tensor {
    static constexpr shape_info shape = detail::make_shape<Extents...>();
    static constexpr std::size_t count = shape.rows * shape.cols;

    detail::tensor_storage<T, count> values{};

    static constexpr std::size_t size() { return count; }
    static constexpr std::size_t rows() { return shape.rows; }
    static constexpr std::size_t cols() { return shape.cols; }

    constexpr T* data() { return values.data(); }
    constexpr const T* data() const { return values.data(); }
    constexpr T& operator[](std::size_t i) { return values[i]; }
    constexpr const T& operator[](std::size_t i) const { return values[i]; }
    constexpr T& operator()(std::size_t r, std::size_t c) { return values[r * shape.cols + c]; }
    constexpr const T& operator()(std::size_t r, std::size_t c) const { return values[r * shape.cols + c]; }
    constexpr auto begin() { return values.begin(); }
    constexpr auto end() { return values.end(); }
    constexpr auto begin() const { return values.begin(); }
    constexpr auto end() const { return values.end(); }
    constexpr bool operator==(const tensor&) const = default;
};

/// A read-only view of a result whose row count is known only at run time (a batched output). It points
/// into the compiled function's workspace and is valid until that function is called again.
template <class T>
struct tensor_view {
    const T* pointer = nullptr;
    std::size_t row_count = 0;
    std::size_t col_count = 0;

    std::size_t size() const { return row_count * col_count; }
    std::size_t rows() const { return row_count; }
    std::size_t cols() const { return col_count; }
    const T* data() const { return pointer; }
    const T& operator[](std::size_t i) const { return pointer[i]; }
    const T& operator()(std::size_t r, std::size_t c) const { return pointer[r * col_count + c]; }
    const T* begin() const { return pointer; }
    const T* end() const { return pointer + size(); }
    std::span<const T> span() const { return {pointer, size()}; }
};

namespace detail {
template <class T, shape_info S>
struct tensor_for {
    using type = std::conditional_t<S.rank == 0, tensor<T>,
                                    std::conditional_t<S.rank == 1, tensor<T, S.cols>, tensor<T, S.rows, S.cols>>>;
};
}  // namespace detail

/// The fixed-shape tensor type holding a value of shape S.
template <class T, shape_info S>
using tensor_of = typename detail::tensor_for<T, S>::type;

}  // namespace fusegrad

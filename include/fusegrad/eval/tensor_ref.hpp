#pragma once
#include <cstddef>
#include <span>

#include "../shape/shape.hpp"

namespace fusegrad {

/// A fixed-shape, non-owning view of row-major data: how a layer's weights inside a flat parameter vector
/// are read and written (`params.layer<0>().kernel(i, j)`, the first layer after the input). T may be const.
template <class T, std::size_t... Extents>
struct tensor_ref {
    static constexpr shape_info shape = detail::make_shape<Extents...>();
    static constexpr std::size_t count = shape.rows * shape.cols;

    T* pointer = nullptr;

    static constexpr std::size_t size() { return count; }
    static constexpr std::size_t rows() { return shape.rows; }
    static constexpr std::size_t cols() { return shape.cols; }

    T* data() const { return pointer; }
    T& operator[](std::size_t i) const { return pointer[i]; }
    T& operator()(std::size_t r, std::size_t c) const { return pointer[r * shape.cols + c]; }
    T* begin() const { return pointer; }
    T* end() const { return pointer + count; }
    std::span<T, count> span() const { return std::span<T, count>(pointer, count); }
};

}  // namespace fusegrad

#pragma once
#include <array>
#include <complex>
#include <cstddef>
#include <span>
#include <type_traits>
#include <vector>

#include "../eval/tensor.hpp"
#include "options.hpp"

namespace fusegrad::detail {

/// How the checks of callables handle the caller's point type P: its element type, the same container
/// over another element type U (the reference's double, long double or complex), and how to present a
/// std::vector<U> of values as such a point. Defined for std::vector, std::array, std::span and
/// fg::tensor.
template <class P>
struct point_traits {
    static constexpr bool supported = false;
};

template <class T, class A>
struct point_traits<std::vector<T, A>> {
    static constexpr bool supported = true;
    using element = T;
    template <class U>
    using with = std::vector<U>;
    /// The values themselves: no copy.
    template <class U>
    static const std::vector<U>& make(const std::vector<U>& values) {
        return values;
    }
    static input_block block(std::size_t n) { return {"x", n}; }
};

template <class T, std::size_t N>
struct point_traits<std::array<T, N>> {
    static constexpr bool supported = true;
    using element = T;
    template <class U>
    using with = std::array<U, N>;
    template <class U>
    static std::array<U, N> make(const std::vector<U>& values) {
        std::array<U, N> point;
        for (std::size_t i = 0; i < N; ++i) point[i] = values[i];
        return point;
    }
    static input_block block(std::size_t n) { return {"x", n}; }
};

template <class T, std::size_t Extent>
struct point_traits<std::span<T, Extent>> {
    static constexpr bool supported = true;
    using element = std::remove_const_t<T>;
    template <class U>
    using with = std::span<const U, Extent>;
    template <class U>
    static std::span<const U, Extent> make(const std::vector<U>& values) {
        return std::span<const U, Extent>(values.data(), values.size());
    }
    static input_block block(std::size_t n) { return {"x", n}; }
};

template <class T, std::size_t... Extents>
struct point_traits<tensor<T, Extents...>> {
    static constexpr bool supported = true;
    using element = T;
    template <class U>
    using with = tensor<U, Extents...>;
    template <class U>
    static tensor<U, Extents...> make(const std::vector<U>& values) {
        tensor<U, Extents...> point;
        for (std::size_t i = 0; i < point.size(); ++i) point[i] = values[i];
        return point;
    }
    static input_block block(std::size_t) {
        constexpr auto shape = tensor<T, Extents...>::shape;
        if constexpr (shape.rank == 0) return {"x"};
        else if constexpr (shape.rank == 1) return {"x", shape.cols};
        else return {"x", shape.rows, shape.cols};
    }
};

/// A writable container of the point's kind for results written by the caller's callbacks: the point
/// type itself, or a std::vector for a span.
template <class P, class U>
struct owning_point {
    using type = typename point_traits<P>::template with<U>;
};
template <class T, std::size_t Extent, class U>
struct owning_point<std::span<T, Extent>, U> {
    using type = std::vector<U>;
};

template <class Container>
Container sized(std::size_t n) {
    if constexpr (requires(Container c) { c.resize(n); }) return Container(n);
    else return Container{};
}

}  // namespace fusegrad::detail

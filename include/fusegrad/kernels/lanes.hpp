#pragma once
#include <cmath>
#include <cstddef>
#include <type_traits>

#include "simd.hpp"

/// Loops over arrays written once for vectors and scalars: the body is a generic lambda that reads and
/// writes through the `lanes` object it is given, and for_each_lanes calls it with whole vectors over the
/// bulk of the arrays and with single elements over the rest. The arithmetic is then the same expression
/// in both, and a compiler that will not vectorise a loop calling std::sqrt (errno) still runs in vectors.
namespace fusegrad::kernels {

/// Vector access: `simd<T>::width` elements at a time.
template <class T>
struct vector_lanes {
    using value = typename simd<T>::vector;
    static constexpr std::size_t width = simd<T>::width;
    [[gnu::always_inline]] static inline value load(const T* p) { return simd<T>::load(p); }
    [[gnu::always_inline]] static inline void store(T* p, value v) { simd<T>::template store_first<width>(p, v); }
    [[gnu::always_inline]] static inline value sqrt(value v) { return simd<T>::sqrt(v); }
};

/// Scalar access: one element at a time.
template <class T>
struct scalar_lanes {
    using value = T;
    static constexpr std::size_t width = 1;
    static T load(const T* p) { return *p; }
    static void store(T* p, T v) { *p = v; }
    static T sqrt(T v) { return std::sqrt(v); }
};

/// Calls body(i, lanes) for every i in steps of lanes.width covering 0..n: vector_lanes<T> while a whole
/// vector fits (float and double only: has_vectors), then scalar_lanes<T>.
template <class T, class Body>
void for_each_lanes(std::size_t n, Body&& body) {
    std::size_t i = 0;
    if constexpr (has_vectors<T>) {
        constexpr std::size_t w = simd<T>::width;
        for (; i + w <= n; i += w) body(i, vector_lanes<T>{});
    }
    for (; i < n; ++i) body(i, scalar_lanes<T>{});
}

}  // namespace fusegrad::kernels

#pragma once
#include <cstddef>

#include "lanes.hpp"
#include "simd.hpp"

/// Sums, dot products and maxima along a row of run-time length, in vector lanes. A loop that adds into
/// one scalar is a chain of dependent additions, one every 3–4 cycles, which a compiler may not reorder
/// (it would change the rounding); these keep 4·width partial results in independent vector lanes,
/// combine them by halves at the end and add a tail shorter than a vector one element at a time. The
/// order of the additions is fixed by n alone, so results are deterministic; they differ from a
/// left-to-right sum in the last bits (and are usually closer to the exact sum: each lane adds n/(4·width)
/// terms). What softmax, log_softmax and the cross-entropies reduce their rows with. A type without
/// vectors (long double, the tests' references) is reduced element by element, left to right.
namespace fusegrad::kernels {

namespace detail {
/// Folds `step(acc, lanes, i)` over vector offsets i with vector_lanes<T> (4 accumulators, then one), then
/// over the tail with scalar_lanes<T>, starting from `init` in every lane; `combine` joins two accumulators.
/// The step is one expression for both, so that a multiply-add contracts alike in each.
template <class T, class Step, class Combine>
[[gnu::always_inline]] inline T reduce_row(std::size_t n, T init, Step step, Combine combine) {
    std::size_t i = 0;
    T result = init;
    if constexpr (has_vectors<T>) {
        using V = simd<T>;
        using vector = typename V::vector;
        constexpr std::size_t w = V::width;
        const vector_lanes<T> lanes{};
        if (n >= w) {
            vector a0 = V::broadcast(init), a1 = a0, a2 = a0, a3 = a0;
            for (; i + 4 * w <= n; i += 4 * w) {
                a0 = step(a0, lanes, i);
                a1 = step(a1, lanes, i + w);
                a2 = step(a2, lanes, i + 2 * w);
                a3 = step(a3, lanes, i + 3 * w);
            }
            for (; i + w <= n; i += w) a0 = step(a0, lanes, i);
            vector a = combine(combine(a0, a1), combine(a2, a3));
            // The lanes by halves, as simd::sum does, with `combine` in place of +.
            for (std::size_t half = w / 2; half >= 1; half /= 2)
                for (std::size_t l = 0; l < half; ++l) a[l] = combine(a[l], a[l + half]);
            result = a[0];
        }
    }
    for (; i < n; ++i) result = step(result, scalar_lanes<T>{}, i);
    return result;
}
}  // namespace detail

/// Σ p[i] for i < n.
template <class T>
T row_sum(const T* p, std::size_t n) {
    return detail::reduce_row<T>(
        n, T(0), [&](auto acc, auto lanes, std::size_t i) { return acc + lanes.load(p + i); },
        [](auto a, auto b) { return a + b; });
}

/// Σ x[i]·y[i] for i < n.
template <class T>
T row_dot(const T* x, const T* y, std::size_t n) {
    return detail::reduce_row<T>(
        n, T(0), [&](auto acc, auto lanes, std::size_t i) { return acc + lanes.load(x + i) * lanes.load(y + i); },
        [](auto a, auto b) { return a + b; });
}

/// The largest of p[0..n), n ≥ 1, as the loop m = p[i] > m ? p[i] : m from m = p[0] finds it: a NaN is
/// skipped (comparisons with it are false) unless it is p[0], which every lane starts from.
template <class T>
T row_max(const T* p, std::size_t n) {
    const auto larger = [](auto a, auto b) { return b > a ? b : a; };
    return detail::reduce_row<T>(
        n, p[0], [&](auto acc, auto lanes, std::size_t i) { return larger(acc, lanes.load(p + i)); }, larger);
}

}  // namespace fusegrad::kernels

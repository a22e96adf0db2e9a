#pragma once
#include <cstddef>

#include "simd.hpp"

/// Sums, dot products and maxima along a row of run-time length, in vector lanes. A loop that adds into
/// one scalar is a chain of dependent additions, one every 3–4 cycles, which a compiler may not reorder
/// (it would change the rounding); these keep 4·width partial results in independent vector lanes,
/// combine them by halves at the end and add a tail shorter than a vector one element at a time. The
/// order of the additions is fixed by n alone, so results are deterministic; they differ from a
/// left-to-right sum in the last bits (and are usually closer to the exact sum: each lane adds n/(4·width)
/// terms). What softmax, log_softmax and the cross-entropies reduce their rows with.
namespace fusegrad::kernels {

namespace detail {
/// Folds `step(acc, i)` over vector offsets i (4 accumulators, then one), then `scalar_step(s, i)` over the
/// tail, starting from `init` in every lane; `combine` joins two accumulators (vectors or scalars).
template <class T, class Step, class ScalarStep, class Combine>
[[gnu::always_inline]] inline T reduce_row(std::size_t n, T init, Step step, ScalarStep scalar_step, Combine combine) {
    using V = simd<T>;
    using vector = typename V::vector;
    constexpr std::size_t w = V::width;
    std::size_t i = 0;
    T result = init;
    if (n >= w) {
        vector a0 = V::broadcast(init), a1 = a0, a2 = a0, a3 = a0;
        for (; i + 4 * w <= n; i += 4 * w) {
            a0 = step(a0, i);
            a1 = step(a1, i + w);
            a2 = step(a2, i + 2 * w);
            a3 = step(a3, i + 3 * w);
        }
        for (; i + w <= n; i += w) a0 = step(a0, i);
        vector a = combine(combine(a0, a1), combine(a2, a3));
        // The lanes by halves, as simd::sum does, with `combine` in place of +.
        for (std::size_t half = w / 2; half >= 1; half /= 2)
            for (std::size_t l = 0; l < half; ++l) a[l] = combine(a[l], a[l + half]);
        result = a[0];
    }
    for (; i < n; ++i) result = scalar_step(result, i);
    return result;
}
}  // namespace detail

/// Σ p[i] for i < n.
template <class T>
T row_sum(const T* p, std::size_t n) {
    using V = simd<T>;
    return detail::reduce_row<T>(
        n, T(0), [&](auto acc, std::size_t i) { return acc + V::load(p + i); },
        [&](T s, std::size_t i) { return s + p[i]; }, [](auto a, auto b) { return a + b; });
}

/// Σ x[i]·y[i] for i < n.
template <class T>
T row_dot(const T* x, const T* y, std::size_t n) {
    using V = simd<T>;
    return detail::reduce_row<T>(
        n, T(0), [&](auto acc, std::size_t i) { return acc + V::load(x + i) * V::load(y + i); },
        [&](T s, std::size_t i) { return s + x[i] * y[i]; }, [](auto a, auto b) { return a + b; });
}

/// The largest of p[0..n), n ≥ 1, as the loop m = p[i] > m ? p[i] : m from m = p[0] finds it: a NaN is
/// skipped (comparisons with it are false) unless it is p[0], which every lane starts from.
template <class T>
T row_max(const T* p, std::size_t n) {
    using V = simd<T>;
    const auto larger = [](auto a, auto b) { return b > a ? b : a; };
    return detail::reduce_row<T>(
        n, p[0], [&](auto acc, std::size_t i) { return larger(acc, V::load(p + i)); },
        [&](T m, std::size_t i) { return larger(m, p[i]); }, larger);
}

}  // namespace fusegrad::kernels

#pragma once
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <utility>

#include "simd.hpp"

/// Matrix products on compile-time widths, register-blocked and vectorised: the three a dense layer needs,
/// C = A·B (forward), dA (+)= dC·Bᵀ and dB (+)= Aᵀ·dC (backward), all row-major, none forming a transpose in
/// memory: Aᵀ is read through strides, Bᵀ is copied a cache-sized panel at a time into a stack buffer.
///
/// Each element of a result is one running sum over the reduction index in increasing order, started from
/// 0 (C = A·B) or from the element's old value (+=); blocking changes which sums run together, not the
/// order inside one sum. The matrix-vector cases (a one-column B or dC) sum in vector lanes instead.
namespace fusegrad::kernels {

/// The register tile for T on this target: `rows` × `cols` accumulators (`vectors` registers per row), and
/// the reduction steps taken per pass so that the B panel being read (depth × cols) stays in a 16 KiB
/// share of the L1 cache while every row tile reuses it.
template <class T>
struct tile_shape {
    static constexpr std::size_t rows = 4;
    static constexpr std::size_t vectors = vector_registers >= 32 ? 4 : 2;
    static constexpr std::size_t cols = vectors * simd<T>::width;
    static constexpr std::size_t depth = std::max<std::size_t>(16, 16384 / (cols * sizeof(T)));
};

namespace detail {

/// The first vector of a row segment of `cols` values starting at q·width: whole, or the last, partial one.
template <class T, std::size_t cols, std::size_t q>
[[gnu::always_inline]] inline typename simd<T>::vector load_segment(const T* p) {
    constexpr std::size_t w = simd<T>::width;
    return simd<T>::template load_first<std::min(w, cols - q * w)>(p + q * w);
}
template <class T, std::size_t cols, std::size_t q>
[[gnu::always_inline]] inline void store_segment(T* p, typename simd<T>::vector v) {
    constexpr std::size_t w = simd<T>::width;
    simd<T>::template store_first<std::min(w, cols - q * w)>(p + q * w, v);
}

/// Makes the compiler hold the vectors v in registers from here on: left to itself it folds their loads into
/// each multiply-add as a memory operand, loading every B vector once per tile row instead of once per step,
/// which on cores that split 512-bit loads (AMD Zen 4) makes the loads, not the multiply-adds, the limit.
template <class V, std::size_t n>
[[gnu::always_inline]] inline void keep_in_registers([[maybe_unused]] V (&v)[n]) {
#if defined(__x86_64__) || defined(__i386__)
    for (auto& x : v) asm("" : "+v"(x));
#endif
}

/// One register tile: for r < R, j < C,
///     c[r·ldc + j] = (accumulate ? c[r·ldc + j] : 0) + Σ_{s < steps} a[r·a_row + s·a_step] · b[s·ldb + j].
template <class T, std::size_t R, std::size_t C, std::size_t a_row, std::size_t a_step, std::size_t ldb, std::size_t ldc>
[[gnu::always_inline]] inline void tile(const T* a, const T* b, T* c, std::size_t steps, bool accumulate) {
    using V = simd<T>;
    using vector = typename V::vector;
    constexpr std::size_t nv = (C + V::width - 1) / V::width;
    [&]<std::size_t... Q>(std::index_sequence<Q...>) {
        vector acc[R][nv];
        for (std::size_t r = 0; r < R; ++r)
            ((acc[r][Q] = accumulate ? load_segment<T, C, Q>(c + r * ldc) : vector{}), ...);
        for (std::size_t s = 0; s < steps; ++s) {
            vector bv[nv] = {load_segment<T, C, Q>(b + s * ldb)...};
            keep_in_registers(bv);
#pragma GCC unroll 8
            for (std::size_t r = 0; r < R; ++r) {
                const vector av = V::broadcast(a[r * a_row + s * a_step]);
                ((acc[r][Q] += av * bv[Q]), ...);
            }
        }
        for (std::size_t r = 0; r < R; ++r) (store_segment<T, C, Q>(c + r * ldc, acc[r][Q]), ...);
    }(std::make_index_sequence<nv>{});
}

/// All rows of one column panel of C (C columns wide) for one block of reduction steps: full row tiles,
/// then the remaining rows one at a time.
template <class T, std::size_t C, std::size_t a_row, std::size_t a_step, std::size_t ldb, std::size_t ldc>
inline void panel(const T* a, const T* b, T* c, std::size_t rows, std::size_t steps, bool accumulate) {
    constexpr std::size_t R = tile_shape<T>::rows;
    const std::size_t full = rows - rows % R;
    for (std::size_t i = 0; i < full; i += R)
        tile<T, R, C, a_row, a_step, ldb, ldc>(a + i * a_row, b, c + i * ldc, steps, accumulate);
    for (std::size_t i = full; i < rows; ++i)
        tile<T, 1, C, a_row, a_step, ldb, ldc>(a + i * a_row, b, c + i * ldc, steps, accumulate);
}

/// Σ_{p < n} x[p]·y[p], in vector lanes.
template <class T, std::size_t n>
[[gnu::always_inline]] inline T dot(const T* x, const T* y) {
    using V = simd<T>;
    constexpr std::size_t w = V::width;
    typename V::vector acc{};
    std::size_t p = 0;
    for (; p + w <= n; p += w) acc += V::load(x + p) * V::load(y + p);
    if constexpr (n % w != 0) acc += V::template load_first<n % w>(x + p) * V::template load_first<n % w>(y + p);
    return V::sum(acc);
}

/// out[i] = (accumulate ? out[i] : 0) + Σ_{p < n} rows[i·stride + p]·x[p] for i < count: `width` rows at a
/// time, whose lane sums are reduced together (simd::sums, which sums each lane as dot() does).
template <class T, std::size_t n, std::size_t stride>
inline void dots(const T* rows, const T* x, T* out, std::size_t count, bool accumulate) {
    using V = simd<T>;
    using vector = typename V::vector;
    constexpr std::size_t w = V::width, full = n / w, tail = n % w;
    std::size_t i = 0;
    for (; i + w <= count; i += w) {
        vector acc[w] = {};
        [&]<std::size_t... R>(std::index_sequence<R...>) {
            for (std::size_t q = 0; q < full; ++q) {
                const vector xv = V::load(x + q * w);
                ((acc[R] += V::load(rows + (i + R) * stride + q * w) * xv), ...);
            }
            if constexpr (tail != 0) {
                const vector xv = V::template load_first<tail>(x + full * w);
                ((acc[R] += V::template load_first<tail>(rows + (i + R) * stride + full * w) * xv), ...);
            }
        }(std::make_index_sequence<w>{});
        vector s = V::sums(acc);
        if (accumulate) s += V::load(out + i);
        std::memcpy(out + i, &s, sizeof s);
    }
    for (; i < count; ++i) {
        const T d = dot<T, n>(rows + i * stride, x);
        out[i] = accumulate ? out[i] + d : d;
    }
}

/// dA[:, p0 .. p0+PC) (+)= dC·Bᵀ[:, p0 .. p0+PC): Bᵀ is copied a block of reduction steps at a time into a
/// stack buffer laid out as the gemm reads B, so that the product runs on the same register tiles.
template <class T, std::size_t K, std::size_t M, std::size_t PC>
inline void add_a_bt_panel(const T* dc, const T* b, T* da, std::size_t rows, std::size_t p0, bool accumulate) {
    constexpr std::size_t depth = tile_shape<T>::depth;
    alignas(64) T packed[depth * PC];
    for (std::size_t j0 = 0; j0 < M; j0 += depth) {
        const std::size_t len = std::min(depth, M - j0);
        for (std::size_t p = 0; p < PC; ++p)
            for (std::size_t j = 0; j < len; ++j) packed[j * PC + p] = b[(p0 + p) * M + j0 + j];
        panel<T, PC, M, 1, PC, K>(dc + j0, packed, da + p0, rows, len, accumulate || j0 > 0);
    }
}

}  // namespace detail

/// C (rows × M, row stride ldc) = A·B, or += A·B when `accumulate`, where A(i, s) = a[i·a_row + s·a_step]
/// (so A or Aᵀ of a row-major matrix) and B (steps × M) has row stride ldb.
template <class T, std::size_t M, std::size_t a_row, std::size_t a_step, std::size_t ldb, std::size_t ldc>
void gemm(const T* a, const T* b, T* c, std::size_t rows, std::size_t steps, bool accumulate) {
    using shape = tile_shape<T>;
    constexpr std::size_t full_panels = M / shape::cols, tail = M % shape::cols;
    if (rows == 0) return;  // nothing to write (and an empty C may be a null pointer, which takes no offset)
    if (steps == 0) {
        if (!accumulate)
            for (std::size_t i = 0; i < rows; ++i) std::fill_n(c + i * ldc, M, T(0));
        return;
    }
    for (std::size_t s0 = 0; s0 < steps; s0 += shape::depth) {
        const std::size_t len = std::min(shape::depth, steps - s0);
        const bool acc = accumulate || s0 > 0;
        const T* as = a + s0 * a_step;
        const T* bs = b + s0 * ldb;
        for (std::size_t j = 0; j < full_panels; ++j)
            detail::panel<T, shape::cols, a_row, a_step, ldb, ldc>(as, bs + j * shape::cols, c + j * shape::cols, rows,
                                                                    len, acc);
        if constexpr (tail != 0)
            detail::panel<T, tail, a_row, a_step, ldb, ldc>(as, bs + full_panels * shape::cols,
                                                            c + full_panels * shape::cols, rows, len, acc);
    }
}

/// C = A·B: A (rows × K), B (K × M), C (rows × M), all contiguous row-major.
template <class T, std::size_t K, std::size_t M>
void matmul(const T* a, const T* b, T* c, std::size_t rows) {
    if constexpr (M == 1) {  // matrix-vector: one dot product per row
        detail::dots<T, K, K>(a, b, c, rows, false);
    } else {
        gemm<T, M, K, 1, M, M>(a, b, c, rows, K, false);
    }
}

/// dA += dC·Bᵀ, or dA = dC·Bᵀ when not `accumulate`: dC (rows × M), B (K × M), dA (rows × K).
template <class T, std::size_t K, std::size_t M>
void matmul_add_a_bt(const T* dc, const T* b, T* da, std::size_t rows, bool accumulate = true) {
    using shape = tile_shape<T>;
    if constexpr (M == 1) {  // Bᵀ is B's K values as one row
        gemm<T, K, 1, 1, K, K>(dc, b, da, rows, 1, accumulate);
    } else {
        if (rows < shape::rows) {  // too few rows to pay for copying Bᵀ: dot products of B's rows
            for (std::size_t i = 0; i < rows; ++i) detail::dots<T, M, M>(b, dc + i * M, da + i * K, K, accumulate);
            return;
        }
        constexpr std::size_t full_panels = K / shape::cols, tail = K % shape::cols;
        for (std::size_t j = 0; j < full_panels; ++j)
            detail::add_a_bt_panel<T, K, M, shape::cols>(dc, b, da, rows, j * shape::cols, accumulate);
        if constexpr (tail != 0)
            detail::add_a_bt_panel<T, K, M, tail>(dc, b, da, rows, full_panels * shape::cols, accumulate);
    }
}

/// dB += Aᵀ·dC, or dB = Aᵀ·dC when not `accumulate`: A (rows × K), dC (rows × M), dB (K × M).
template <class T, std::size_t K, std::size_t M>
void matmul_add_at_b(const T* a, const T* dc, T* db, std::size_t rows, bool accumulate = true) {
    if constexpr (M == 1) {  // dBᵀ (1 × K) += dCᵀ (1 × rows) · A (rows × K)
        gemm<T, K, 0, 1, K, K>(dc, a, db, 1, rows, accumulate);
    } else {
        gemm<T, M, 1, K, M, M>(a, dc, db, K, rows, accumulate);
    }
}

}  // namespace fusegrad::kernels

#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

/// The vector registers the kernels compute in: GCC/Clang vector extensions as wide as the widest registers
/// the build targets (-march), so that one source serves SSE2, AVX2 and AVX-512 (and NEON) and a portable
/// build stays portable. Arithmetic on these types is written with the ordinary operators; `acc += a * b`
/// contracts to a fused multiply-add wherever the target has one.
namespace fusegrad::kernels {

#if defined(__AVX512F__)
inline constexpr std::size_t vector_bytes = 64;
inline constexpr std::size_t vector_registers = 32;
#elif defined(__AVX__)
inline constexpr std::size_t vector_bytes = 32;
inline constexpr std::size_t vector_registers = 16;
#else
inline constexpr std::size_t vector_bytes = 16;
inline constexpr std::size_t vector_registers = 16;
#endif

/// Loads, stores and broadcasts of the native vector of T. Partial forms move only the first n lanes (a
/// compile-time count, so that they compile to a few moves), the other lanes of a partial load being 0.
template <class T>
struct simd {
    typedef T vector __attribute__((vector_size(vector_bytes)));
    static constexpr std::size_t width = vector_bytes / sizeof(T);

    [[gnu::always_inline]] static inline vector load(const T* p) {
        vector v;
        std::memcpy(&v, p, sizeof v);
        return v;
    }
    template <std::size_t n>
    [[gnu::always_inline]] static inline vector load_first(const T* p) {
        static_assert(n >= 1 && n <= width);
        if constexpr (n == width) {
            return load(p);
        } else {
#if defined(__AVX512F__)
            if constexpr (std::is_same_v<T, float>) return _mm512_maskz_loadu_ps(mask16<n>, p);
            else return _mm512_maskz_loadu_pd(mask8<n>, p);
#elif defined(__AVX__)
            if constexpr (std::is_same_v<T, float>) return _mm256_maskload_ps(p, lanes_mask<n>());
            else return _mm256_maskload_pd(p, lanes_mask<n>());
#else
            vector v{};  // a partial copy through memory: slow, but only SSE2-only builds take it
            std::memcpy(&v, p, n * sizeof(T));
            return v;
#endif
        }
    }
    template <std::size_t n>
    [[gnu::always_inline]] static inline void store_first(T* p, vector v) {
        static_assert(n >= 1 && n <= width);
        if constexpr (n == width) {
            std::memcpy(p, &v, sizeof v);
        } else {
#if defined(__AVX512F__)
            if constexpr (std::is_same_v<T, float>) _mm512_mask_storeu_ps(p, mask16<n>, v);
            else _mm512_mask_storeu_pd(p, mask8<n>, v);
#elif defined(__AVX__)
            if constexpr (std::is_same_v<T, float>) _mm256_maskstore_ps(p, lanes_mask<n>(), v);
            else _mm256_maskstore_pd(p, lanes_mask<n>(), v);
#else
            std::memcpy(p, &v, n * sizeof(T));
#endif
        }
    }
    [[gnu::always_inline]] static inline vector broadcast(T x) { return vector{} + x; }
private:
    template <std::size_t bytes>
    [[gnu::always_inline]] static inline T sum_of_halves(const void* p) {
        if constexpr (bytes == 2 * sizeof(T)) {
            T pair[2];
            std::memcpy(pair, p, sizeof pair);
            return pair[0] + pair[1];
        } else {
            typedef T half __attribute__((vector_size(bytes / 2)));
            half low, high;
            std::memcpy(&low, p, sizeof low);
            std::memcpy(&high, static_cast<const char*>(p) + sizeof low, sizeof high);
            const half s = low + high;
            return sum_of_halves<bytes / 2>(&s);
        }
    }

    // Masked loads and stores touch only the first n lanes' memory: no read past the end of an array.
#if defined(__AVX512F__)
    template <std::size_t n>
    static constexpr __mmask16 mask16 = static_cast<__mmask16>((1u << n) - 1);
    template <std::size_t n>
    static constexpr __mmask8 mask8 = static_cast<__mmask8>((1u << n) - 1);
#elif defined(__AVX__)
    template <std::size_t n>
    [[gnu::always_inline]] static inline __m256i lanes_mask() {
        if constexpr (std::is_same_v<T, float>) return _mm256_setr_epi32(
            0 < n ? -1 : 0, 1 < n ? -1 : 0, 2 < n ? -1 : 0, 3 < n ? -1 : 0,
            4 < n ? -1 : 0, 5 < n ? -1 : 0, 6 < n ? -1 : 0, 7 < n ? -1 : 0);
        else return _mm256_setr_epi64x(0 < n ? -1 : 0, 1 < n ? -1 : 0, 2 < n ? -1 : 0, 3 < n ? -1 : 0);
    }
#endif

public:
    /// The correctly rounded square root of each lane (as std::sqrt, without errno: a negative lane gives NaN).
    [[gnu::always_inline]] static inline vector sqrt(vector v) {
#if defined(__AVX512F__)
        // The zero-masked forms with every lane selected: g++ 12's _mm512_sqrt_ps reads an "undefined"
        // vector that -Wmaybe-uninitialized reports.
        if constexpr (std::is_same_v<T, float>) return _mm512_maskz_sqrt_ps(static_cast<__mmask16>(0xFFFF), v);
        else return _mm512_maskz_sqrt_pd(static_cast<__mmask8>(0xFF), v);
#elif defined(__AVX__)
        if constexpr (std::is_same_v<T, float>) return _mm256_sqrt_ps(v);
        else return _mm256_sqrt_pd(v);
#elif defined(__SSE2__)
        if constexpr (std::is_same_v<T, float>) return _mm_sqrt_ps(v);
        else return _mm_sqrt_pd(v);
#else
        for (std::size_t i = 0; i < width; ++i) v[i] = __builtin_sqrt(v[i]);
        return v;
#endif
    }
    /// The sum of the lanes, by halves (upper half added to lower half until one lane is left): log₂(width)
    /// dependent additions instead of width − 1.
    [[gnu::always_inline]] static inline T sum(vector v) { return sum_of_halves<vector_bytes>(&v); }
};

}  // namespace fusegrad::kernels

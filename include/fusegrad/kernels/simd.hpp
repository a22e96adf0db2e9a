#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

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

/// Whether T has vectors here: float and double. Not long double: clang gives a vector of x87 long doubles
/// sizeof of an array of them, but packs its lanes 10 bytes apart, so a copy from an array (16 bytes apart)
/// puts the wrong bytes in lanes 1 and up (a row sum of 1, 2, 3, 4, 5, 6 was NaN with AVX-512). Loops over
/// other types run element by element.
template <class T>
inline constexpr bool has_vectors = std::is_same_v<T, float> || std::is_same_v<T, double>;

/// Loads, stores and broadcasts of the native vector of T. Partial forms move only the first n lanes (a
/// compile-time count, so that they compile to a few moves), the other lanes of a partial load being 0.
template <class T>
struct simd {
    static_assert(has_vectors<T>, "fusegrad::kernels::simd: T must be float or double");
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
    /// x in every lane. Written x − 0, which is x for every x, so it compiles to one broadcast; 0 + x is not x
    /// for x = −0, and compilers keep that addition as a scalar instruction before the broadcast.
    [[gnu::always_inline]] static inline vector broadcast(T x) { return x - vector{}; }
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

    /// The sums of `width` vectors at once: lane i of the result is the sum of v[i]'s lanes (v is clobbered).
    /// Each step pairs two vectors and adds the low half of every group of lanes to its high half, the pair's
    /// halved groups side by side in one vector, so `width` sums take width − 1 additions and twice as many
    /// shuffles, where `width` calls of sum() take width·log₂(width) of each. Each lane is summed by halves,
    /// as sum() does.
    [[gnu::always_inline]] static inline vector sums(vector (&v)[width]) {
        // The pairing leaves the sum of the vector with index i in lane bit_reversed(i): read the inputs in
        // that order so that the result comes out in natural order.
        vector w[width];
        for (std::size_t i = 0; i < width; ++i) w[i] = v[bit_reversed(i)];
        return fold<width>(w, width);
    }

private:
    static constexpr std::size_t bit_reversed(std::size_t i) {
        std::size_t r = 0;
        for (std::size_t bit = 1; bit < width; bit <<= 1) r = (r << 1) | ((i & bit) ? 1 : 0);
        return r;
    }
    /// Lane j of the half of x and y (lanes width.. are y's) that goes to lane j of one addend: within groups of
    /// `group` lanes, the low (or high) half of x's group k, then of y's group k.
    template <std::size_t group, bool high>
    static constexpr std::size_t half_lane(std::size_t j) {
        const std::size_t half = group / 2, k = j / group, within = j % group;
        const std::size_t from_y = within >= half ? width : 0;
        return from_y + k * group + within % half + (high ? half : 0);
    }
    template <std::size_t group>
    [[gnu::always_inline]] static inline vector fold_pair(vector x, vector y) {
        return [&]<std::size_t... J>(std::index_sequence<J...>) {
            return vector(__builtin_shufflevector(x, y, half_lane<group, false>(J)...)) +
                   vector(__builtin_shufflevector(x, y, half_lane<group, true>(J)...));
        }(std::make_index_sequence<width>{});
    }
    template <std::size_t group>
    [[gnu::always_inline]] static inline vector fold(vector* v, std::size_t count) {
        if constexpr (group == 1) {
            return v[0];
        } else {
            for (std::size_t i = 0; i < count / 2; ++i) v[i] = fold_pair<group>(v[2 * i], v[2 * i + 1]);
            return fold<group / 2>(v, count / 2);
        }
    }
};

}  // namespace fusegrad::kernels

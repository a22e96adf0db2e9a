#pragma once
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <utility>

namespace fusegrad {

namespace detail {

/// splitmix64's output function (Stafford's "mix 13"): a bijection of 64-bit words that turns even
/// consecutive inputs into statistically independent-looking outputs.
constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/// splitmix64's increment, 2⁶⁴/φ rounded to odd.
inline constexpr std::uint64_t golden_gamma = 0x9e3779b97f4a7c15ULL;

/// ln x for 0 < x ≤ 1 (finite, not NaN), built from frexp, +, −, ×, ÷ and explicit std::fma only. Each of
/// those is correctly rounded by IEEE 754, so the result is the same bits on every conforming platform:
/// std::log is not (math libraries differ in the last ulp), and a compiler may or may not contract a·b + c
/// into one fma depending on the target, which an explicit fma (or an exact product) leaves no room for.
/// Accurate to about 1 ulp.
inline double portable_log(double x) noexcept {
    int exponent = 0;
    double m = std::frexp(x, &exponent);  // x = m·2^exponent, m in [0.5, 1)
    if (m < 0.70710678118654752440) {
        m *= 2;
        --exponent;
    }
    // m in [√½, √2): f = m − 1 is exact (Sterbenz). With s = f/(2 + f), ln(1 + f) = 2s + s·R where
    // R = Σ_{k≥1} 2s²ᵏ/(2k+1) (|s| ≤ 0.1716; the first omitted term, 2s²²/23, is below 10⁻¹⁸), rearranged as in
    // fdlibm as f − (f²/2 − s·(f²/2 + R)) so that the rounding errors fall on the small terms. Every product
    // that meets a sum is inside an explicit fma: a compiler contracting across statements (GCC's
    // -ffp-contract=fast) would otherwise fuse some of them on targets with FMA and not on others.
    const double f = m - 1;
    const double s = f / (2 + f);
    const double z = s * s;
    double p = 2.0 / 21;
    p = std::fma(p, z, 2.0 / 19);
    p = std::fma(p, z, 2.0 / 17);
    p = std::fma(p, z, 2.0 / 15);
    p = std::fma(p, z, 2.0 / 13);
    p = std::fma(p, z, 2.0 / 11);
    p = std::fma(p, z, 2.0 / 9);
    p = std::fma(p, z, 2.0 / 7);
    p = std::fma(p, z, 2.0 / 5);
    p = std::fma(p, z, 2.0 / 3);
    const double half_f = 0.5 * f;  // exact
    const double half_f2 = half_f * f;
    // ln 2 split so that exponent·ln2_hi is exact (ln2_hi has 21 trailing zero bits, |exponent| < 2¹¹): the
    // last difference gives the same bits whether or not it is contracted.
    constexpr double ln2_hi = 6.93147180369123816490e-01;
    constexpr double ln2_lo = 1.90821492927058770002e-10;
    const double e = exponent;
    const double small = std::fma(s, std::fma(z, p, half_f2), e * ln2_lo);
    return e * ln2_hi - (std::fma(half_f, f, -small) - f);
}

}  // namespace detail

/// A seeded pseudo-random generator whose every output is fully specified: xoshiro256** (Blackman and Vigna)
/// with its four state words filled by splitmix64 from the seed, and distributions written here rather than
/// taken from `<random>` (whose distributions differ between standard libraries). Integer draws, uniform
/// doubles and shuffles are the same bits on every platform; normal draws too, on every platform with IEEE
/// 754 double arithmetic evaluated in double (FLT_EVAL_METHOD 0: every 64-bit target). docs/optimizers-and-
/// initializers.md lists what is bit-reproducible.
class random_engine {
public:
    /// The engine for `seed`: its state is the first four outputs of splitmix64 started at `seed`, which
    /// cannot all be zero.
    constexpr explicit random_engine(std::uint64_t seed) noexcept {
        for (std::uint64_t& word : state_) {
            seed += detail::golden_gamma;
            word = detail::mix64(seed);
        }
    }

    /// An independent seed for one purpose of one run, e.g. derive(seed, layer_index): bijective in each
    /// argument when the other is fixed, so two streams of one seed never share their engine, and mixed
    /// through mix64 so that neighbouring seeds or streams give unrelated engines.
    static constexpr std::uint64_t derive(std::uint64_t seed, std::uint64_t stream) noexcept {
        // Constants: the first hexadecimal digits of π, so that derive(s, t) and derive(t, s) differ.
        return detail::mix64(detail::mix64(seed ^ 0x243f6a8885a308d3ULL) + detail::mix64(stream ^ 0x13198a2e03707344ULL));
    }

    /// The next 64 random bits (xoshiro256**).
    constexpr std::uint64_t next_u64() noexcept {
        const std::uint64_t result = std::rotl(state_[1] * 5, 7) * 9;
        const std::uint64_t shifted = state_[1] << 17;
        state_[2] ^= state_[0];
        state_[3] ^= state_[1];
        state_[1] ^= state_[2];
        state_[0] ^= state_[3];
        state_[2] ^= shifted;
        state_[3] = std::rotl(state_[3], 45);
        return result;
    }

    /// Uniform on the grid k·2⁻⁵³ of [0, 1), from the top 53 bits of one next_u64().
    constexpr double uniform() noexcept { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

    /// Uniform in [lo, hi) for lo < hi: lo + (hi − lo)·uniform(), rounded once (an explicit fma), and moved
    /// down to the largest double below hi in the rare case where that rounding reaches hi.
    double uniform(double lo, double hi) noexcept {
        const double x = std::fma(hi - lo, uniform(), lo);
        return x < hi ? x : std::nextafter(hi, lo);
    }

    /// A standard normal draw by Marsaglia's polar method: (u, v) uniform in the square (−1, 1)², rejected
    /// outside the unit disc (probability 1 − π/4), then u·√(−2·ln s / s) with s = u² + v². The method
    /// yields a second draw, v·√(…), which is dropped: the engine's whole state stays the four words that
    /// state() returns. Only +, −, ×, ÷, √, fma and detail::portable_log are used, so the bits are the same
    /// everywhere.
    double normal() noexcept {
        for (;;) {
            // 2x − 1 is exact for x on the 2⁻⁵³ grid.
            const double u = 2 * uniform() - 1;
            const double v = 2 * uniform() - 1;
            const double s = std::fma(u, u, v * v);
            if (s > 0 && s < 1) return u * std::sqrt(-2 * detail::portable_log(s) / s);
        }
    }

    /// stddev·z with z a standard normal draw, redrawn while |z| > 2: Keras's truncated normal, whose
    /// standard deviation is about 0.88·stddev.
    double truncated_normal(double stddev) noexcept {
        for (;;) {
            const double z = normal();
            if (std::fabs(z) <= 2) return stddev * z;
        }
    }

    /// Uniform integer in [0, n), without modulo bias: draws below 2⁶⁴ mod n are rejected, so that every
    /// residue has the same number of accepted draws (at most one rejection in two, on average far fewer).
    /// Throws std::invalid_argument for n = 0.
    std::uint64_t below(std::uint64_t n) {
        if (n == 0) throw std::invalid_argument("fusegrad: random_engine::below: the range [0, 0) is empty");
        const std::uint64_t rejected = (0 - n) % n;
        for (;;) {
            const std::uint64_t x = next_u64();
            if (x >= rejected) return x % n;
        }
    }

    /// Fisher–Yates (Durstenfeld) shuffle through below(): every permutation equally likely, and the same
    /// permutation for the same state on every platform (std::shuffle's is implementation-defined).
    template <class T>
    void shuffle(std::span<T> items) {
        for (std::size_t i = items.size(); i > 1; --i) {
            using std::swap;
            swap(items[i - 1], items[static_cast<std::size_t>(below(i))]);
        }
    }

    /// The complete state, for checkpoints: an engine given it by set_state continues identically.
    constexpr std::array<std::uint64_t, 4> state() const noexcept { return state_; }

    /// Restores a state from state(). Throws std::invalid_argument for all zeros, which xoshiro never leaves.
    constexpr void set_state(const std::array<std::uint64_t, 4>& state) {
        if ((state[0] | state[1] | state[2] | state[3]) == 0)
            throw std::invalid_argument("fusegrad: random_engine::set_state: the all-zero state is not a valid state");
        state_ = state;
    }

    /// Same state, hence the same future draws.
    friend constexpr bool operator==(const random_engine&, const random_engine&) = default;

private:
    std::array<std::uint64_t, 4> state_{};
};

}  // namespace fusegrad

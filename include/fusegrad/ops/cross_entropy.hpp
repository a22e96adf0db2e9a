#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string_view>

#include "stable_math.hpp"

/// Cross-entropies in Keras 3's formulas. The `from_logits` forms fuse the softmax (or sigmoid) with the log,
/// so they neither overflow nor lose the tail, and their backward is p − y. `from_logits` is a run-time flag,
/// as in Keras; it makes the op stateful, so the node is identified by its position (graph/topology.hpp).
namespace fusegrad::ops {

/// Keras's `backend.epsilon()`: probabilities are clipped to [ε, 1 − ε] before the log.
inline constexpr double probability_epsilon = 1e-7;

}  // namespace fusegrad::ops

namespace fusegrad::detail {
/// log Σ e^(z − max) and the max of a row, for the logits forms.
template <class T>
struct row_log_sum_exp {
    shift_by_max<T> shift;
    T log_sum;
    row_log_sum_exp(const T* z, std::size_t n) : shift(row_shift(z, n)) {
        T sum = 0;
        for (std::size_t i = 0; i < n; ++i) sum += std::exp(shift(z[i]));
        log_sum = std::log(sum);
    }
    /// −log softmax(z)ᵢ = (max − zᵢ) + log Σ, written so that neither term loses the other's digits.
    T neg_log_softmax(T zi) const { return (shift.max - zi) + log_sum; }
    /// yᵢ·(−log softmax(z)ᵢ), 0 where yᵢ = 0 even if −log softmax overflows there (a logit far below the
    /// others, of a class the target does not hold); a NaN yᵢ stays NaN. The argument is chosen, not the
    /// product: a compiler may compute both sides of a conditional, and 0·∞ would raise invalid.
    T weighted_neg_log_softmax(T yi, T zi) const { return yi * neg_log_softmax(yi == T(0) ? shift.max : zi); }
    T softmax(T zi) const { return std::exp(shift(zi) - log_sum); }
};

/// Keras's probability path: q = p / Σp, then clipped to [ε, 1 − ε]. A row whose sum could overflow (an entry
/// beyond max/n: not a probability, but finite) is scaled by 1/n first, so that q stays finite and no
/// overflow is raised; other rows are summed as they are.
template <class T>
struct normalised_row {
    T scale = T(1);
    T sum = T(0);
    normalised_row(const T* p, std::size_t n) {
        T largest = T(0);
        for (std::size_t i = 0; i < n; ++i) largest = std::max(largest, std::abs(p[i]));  // NaN: skipped here
        if (largest > std::numeric_limits<T>::max() / T(n)) {
            scale = T(1) / T(n);
            for (std::size_t i = 0; i < n; ++i) sum += p[i] * scale;
        } else {
            sum = kernels::row_sum(p, n);
        }
    }
    /// qᵢ = pᵢ/Σp.
    T q(T pi) const { return (pi * scale) / sum; }
    /// x/Σp: a derivative with respect to q taken through to p (the rest of ∂q/∂p is the caller's).
    T per_sum(T x) const { return (x * scale) / sum; }
};
template <class T>
T clipped_probability(T q) {
    const T eps = T(ops::probability_epsilon);
    return q < eps ? eps : (q > T(1) - eps ? T(1) - eps : q);
}
/// d(−log clip(q))/dq: zero where the clip is active (the kink convention of the other clips). The division
/// is by the clipped q, which is the same where it is taken: a compiler may compute both sides of the
/// conditional, and −1/q would raise divide-by-zero or overflow at a tiny q.
template <class T>
T neg_log_clipped_derivative(T q) {
    const T eps = T(ops::probability_epsilon);
    return (q > eps && q < T(1) - eps) ? -T(1) / clipped_probability(q) : T(0);
}

/// The class index a label row holds, or n when it is not an integer in [0, n).
template <class T>
std::size_t label_index(T label, std::size_t n) {
    if (!(label >= T(0)) || !(label < T(n)) || label != std::floor(label)) return n;
    return static_cast<std::size_t>(label);
}
}  // namespace fusegrad::detail

namespace fusegrad::ops {

/// −Σ yᵢ log pᵢ per row, p the softmax of the logits (from_logits) or the row normalised and clipped.
/// Backward from logits: (p·Σy − y); with respect to the targets: −log p.
struct categorical_crossentropy {
    bool from_logits = false;

    static constexpr std::string_view name = "categorical_crossentropy";
    static constexpr std::size_t out_cols(std::size_t, std::size_t) { return 1; }
    static constexpr bool operands_match(std::size_t pred_cols, std::size_t target_cols) {
        return pred_cols == target_cols;
    }

    template <class T>
    void forward(const T* z, const T* y, T* out, std::size_t n, std::size_t) const {
        T loss = 0;
        if (from_logits) {
            const detail::row_log_sum_exp<T> lse(z, n);
            for (std::size_t i = 0; i < n; ++i) loss += lse.weighted_neg_log_softmax(y[i], z[i]);
        } else {
            const detail::normalised_row<T> row(z, n);
            for (std::size_t i = 0; i < n; ++i) loss -= y[i] * std::log(detail::clipped_probability(row.q(z[i])));
        }
        out[0] = loss;
    }

    template <class T>
    void backward(const T* z, const T* y, const T*, const T* g, T* dz, T* dy, std::size_t n, std::size_t) const {
        if (from_logits) {
            const detail::row_log_sum_exp<T> lse(z, n);
            const T total = kernels::row_sum(y, n);
            for (std::size_t i = 0; i < n; ++i) {
                if (dz) dz[i] += g[0] * (lse.softmax(z[i]) * total - y[i]);
                if (dy) dy[i] += g[0] * lse.neg_log_softmax(z[i]);
            }
        } else {
            // Through q = p/s: ∂/∂pⱼ = (dⱼ − Σᵢ dᵢ qᵢ)/s, with dᵢ the derivative with respect to qᵢ.
            const detail::normalised_row<T> row(z, n);
            T weighted = 0;
            for (std::size_t i = 0; i < n; ++i)
                weighted += y[i] * detail::neg_log_clipped_derivative(row.q(z[i])) * row.q(z[i]);
            for (std::size_t i = 0; i < n; ++i) {
                const T q = row.q(z[i]);
                if (dz) dz[i] += g[0] * row.per_sum(y[i] * detail::neg_log_clipped_derivative(q) - weighted);
                if (dy) dy[i] -= g[0] * std::log(detail::clipped_probability(q));
            }
        }
    }
};

/// categorical_crossentropy with the target given as a class index (one column holding 0, 1, …, n − 1).
/// A label that is not such an index makes the loss NaN (training stops on it, as Keras's TerminateOnNaN).
/// Labels are not differentiable: no gradient flows to them.
struct sparse_categorical_crossentropy {
    bool from_logits = false;

    static constexpr std::string_view name = "sparse_categorical_crossentropy";
    static constexpr std::size_t out_cols(std::size_t, std::size_t) { return 1; }
    static constexpr bool operands_match(std::size_t, std::size_t target_cols) { return target_cols == 1; }

    template <class T>
    void forward(const T* z, const T* label, T* out, std::size_t n, std::size_t) const {
        const std::size_t k = detail::label_index(label[0], n);
        if (k == n) {
            out[0] = std::numeric_limits<T>::quiet_NaN();
        } else if (from_logits) {
            out[0] = detail::row_log_sum_exp<T>(z, n).neg_log_softmax(z[k]);
        } else {
            out[0] = -std::log(detail::clipped_probability(detail::normalised_row<T>(z, n).q(z[k])));
        }
    }

    template <class T>
    void backward(const T* z, const T* label, const T*, const T* g, T* dz, T*, std::size_t n, std::size_t) const {
        const std::size_t k = detail::label_index(label[0], n);
        if (!dz) return;
        if (k == n) {
            for (std::size_t i = 0; i < n; ++i) dz[i] += std::numeric_limits<T>::quiet_NaN();
        } else if (from_logits) {
            const detail::row_log_sum_exp<T> lse(z, n);
            for (std::size_t i = 0; i < n; ++i) dz[i] += g[0] * (lse.softmax(z[i]) - (i == k ? T(1) : T(0)));
        } else {
            const detail::normalised_row<T> row(z, n);
            const T q = row.q(z[k]);
            const T dk = detail::neg_log_clipped_derivative(q);  // with respect to q_k
            for (std::size_t i = 0; i < n; ++i) dz[i] += g[0] * row.per_sum((i == k ? dk : T(0)) - dk * q);
        }
    }
};

/// Elementwise −(y log p + (1 − y) log(1 − p)). From logits z it is max(z, 0) − z·y + log1p(e^−|z|), whose
/// derivative is sigmoid(z) − y; from probabilities p is clipped to [ε, 1 − ε] first (zero slope outside).
struct binary_crossentropy {
    bool from_logits = false;

    static constexpr std::string_view name = "binary_crossentropy";

    template <class T>
    T value(T z, T y) const {
        if (from_logits) return (z > T(0) ? z : T(0)) - z * y + std::log1p(std::exp(-std::abs(z)));
        const T p = detail::clipped_probability(z);
        return -(y * std::log(p) + (T(1) - y) * std::log(T(1) - p));
    }
    template <class T>
    T derivative_a(T z, T y, T) const {
        if (from_logits) return detail::stable_sigmoid(z) - y;
        const T eps = T(ops::probability_epsilon);
        if (!(z > eps && z < T(1) - eps)) return z == z ? T(0) : z;
        return -y / z + (T(1) - y) / (T(1) - z);
    }
    template <class T>
    T derivative_b(T z, T, T) const {
        if (from_logits) return -z;
        const T p = detail::clipped_probability(z);
        return std::log(T(1) - p) - std::log(p);
    }
};

}  // namespace fusegrad::ops

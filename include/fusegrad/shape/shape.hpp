#pragma once
#include <cstddef>
#include <type_traits>

namespace fusegrad {

/// Marks the leading dimension of a variable as a batch whose size is given at run time:
/// `fg::var<"x", fg::batch, 784>` is a (B, 784) matrix.
struct batch_dim {
    constexpr bool operator==(const batch_dim&) const = default;
};
inline constexpr batch_dim batch{};

/// The shape of a node as one compile-time value. Every tensor is stored row-major as rows × cols:
/// a scalar is 1 × 1, a vector of n is 1 × n, a matrix r × c. A batched matrix has B rows at run time.
struct shape_info {
    int rank = 0;
    std::size_t rows = 1;
    std::size_t cols = 1;
    bool batched = false;

    /// Elements per batch row when batched, all elements otherwise.
    constexpr std::size_t static_size() const { return batched ? cols : rows * cols; }
    constexpr std::size_t size(std::size_t batch_rows) const {
        return batched ? batch_rows * cols : rows * cols;
    }
    constexpr std::size_t row_count(std::size_t batch_rows) const { return batched ? batch_rows : rows; }
    constexpr bool operator==(const shape_info&) const = default;
};

inline constexpr shape_info scalar_shape{0, 1, 1, false};
constexpr shape_info vector_shape(std::size_t n) { return {1, 1, n, false}; }
constexpr shape_info matrix_shape(std::size_t r, std::size_t c) { return {2, r, c, false}; }
constexpr shape_info batched_shape(std::size_t c) { return {2, 1, c, true}; }

/// The shape as a type, so that diagnostics print it: `fusegrad::shape<4, 3>`, `shape<batch, 784>`.
template <auto... Extents>
struct shape {};

namespace detail {
template <auto E>
constexpr bool is_batch_extent = std::is_same_v<std::remove_cv_t<decltype(E)>, batch_dim>;

template <auto... E>
constexpr shape_info make_shape() {
    constexpr std::size_t n = sizeof...(E);
    if constexpr (n == 0) {
        return scalar_shape;
    } else if constexpr (n == 1) {
        constexpr auto only = [](auto e) {
            static_assert(!std::is_same_v<decltype(e), batch_dim>,
                          "fusegrad: a batch dimension needs a feature extent after it: var<\"x\", batch, N>");
            return vector_shape(static_cast<std::size_t>(e));
        };
        return only(E...);
    } else {
        static_assert(n == 2, "fusegrad: tensors of rank above 2 are not supported yet");
        constexpr auto pick = [](auto first, auto second) {
            if constexpr (std::is_same_v<decltype(first), batch_dim>) {
                static_assert(!std::is_same_v<decltype(second), batch_dim>,
                              "fusegrad: only the leading dimension may be the batch");
                return batched_shape(static_cast<std::size_t>(second));
            } else {
                static_assert(!std::is_same_v<decltype(second), batch_dim>,
                              "fusegrad: only the leading dimension may be the batch");
                return matrix_shape(static_cast<std::size_t>(first), static_cast<std::size_t>(second));
            }
        };
        return pick(E...);
    }
}
}  // namespace detail

namespace detail {
template <shape_info S>
struct shape_type_of {
    using type = std::conditional_t<
        S.rank == 0, shape<>,
        std::conditional_t<S.rank == 1, shape<S.cols>,
                           std::conditional_t<S.batched, shape<batch, S.cols>, shape<S.rows, S.cols>>>>;
};
}  // namespace detail

template <shape_info S>
using shape_type = typename detail::shape_type_of<S>::type;

}  // namespace fusegrad

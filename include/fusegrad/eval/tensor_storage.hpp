#pragma once
#include <algorithm>
#include <array>
#include <cstddef>
#include <memory>
#include <type_traits>

/// The largest fg::tensor, in bytes, whose values live inside the object (on the stack for a local); a larger
/// one keeps them on the heap. Gradients come back as tensors by value, and a 4096 × 4096 float weight's is
/// 64 MiB: in place it would overflow the stack (8 MiB by default on Linux, less on other threads). Define it
/// before including fusegrad to change it (Eigen's EIGEN_STACK_ALLOCATION_LIMIT plays the same part, as a
/// compile error).
#ifndef FUSEGRAD_TENSOR_STACK_LIMIT
#define FUSEGRAD_TENSOR_STACK_LIMIT (256 * 1024)
#endif

namespace fusegrad {

inline constexpr std::size_t tensor_stack_limit = FUSEGRAD_TENSOR_STACK_LIMIT;

namespace detail {

/// std::array's interface over N values on the heap, zero-initialised, copied deeply. A moved-from one
/// holds no values (as a moved-from std::vector) until it is assigned to.
template <class T, std::size_t N>
class heap_array {
public:
    using value_type = T;
    using iterator = T*;
    using const_iterator = const T*;

    heap_array() : values_(std::make_unique<T[]>(N)) {}
    heap_array(const heap_array& other) : values_(std::make_unique_for_overwrite<T[]>(N)) {
        std::copy(other.begin(), other.end(), begin());
    }
    heap_array(heap_array&&) noexcept = default;
    heap_array& operator=(const heap_array& other) {
        if (this != &other) {
            if (!values_) values_ = std::make_unique_for_overwrite<T[]>(N);
            std::copy(other.begin(), other.end(), begin());
        }
        return *this;
    }
    heap_array& operator=(heap_array&&) noexcept = default;

    static constexpr std::size_t size() { return N; }
    T* data() { return values_.get(); }
    const T* data() const { return values_.get(); }
    T& operator[](std::size_t i) { return values_[i]; }
    const T& operator[](std::size_t i) const { return values_[i]; }
    T* begin() { return data(); }
    T* end() { return data() + N; }
    const T* begin() const { return data(); }
    const T* end() const { return data() + N; }
    friend constexpr bool operator==(const heap_array& a, const heap_array& b) {
        return std::equal(a.begin(), a.end(), b.begin());
    }

private:
    std::unique_ptr<T[]> values_;
};

/// Where a tensor of N values of T keeps them: in place up to tensor_stack_limit bytes, else on the heap.
template <class T, std::size_t N>
using tensor_storage = std::conditional_t<(N * sizeof(T) > tensor_stack_limit), heap_array<T, N>, std::array<T, N>>;

}  // namespace detail
}  // namespace fusegrad

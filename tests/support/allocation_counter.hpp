#pragma once
// Heap accounting for tests that promise "allocates nothing": every form of global operator new and delete,
// replaced so that each allocation is counted.
//
// This header DEFINES the replacement operators, which a program may define only once: include it from
// exactly one translation unit per executable (each test executable here is a single .cpp file).
#include <cstddef>
#include <cstdlib>
#include <new>

namespace fgtest {
namespace detail {

inline long allocation_count = 0;

inline void* counted_allocation(std::size_t n, std::size_t alignment = alignof(std::max_align_t)) {
    ++allocation_count;
    n = n == 0 ? 1 : n;
    if (alignment <= alignof(std::max_align_t)) return std::malloc(n);
    return std::aligned_alloc(alignment, (n + alignment - 1) / alignment * alignment);
}

inline void* checked(void* p) {
    if (!p) throw std::bad_alloc{};
    return p;
}

// Out of line, so that the compiler does not see malloc's pointer reach a `delete` and warn of a mismatch.
[[gnu::noinline]] inline void release(void* p) noexcept { std::free(p); }

}  // namespace detail

/// Heap allocations made while `work` runs.
template <class F>
long allocations_during(F&& work) {
    const long before = detail::allocation_count;
    work();
    return detail::allocation_count - before;
}

}  // namespace fgtest

void* operator new(std::size_t n) { return fgtest::detail::checked(fgtest::detail::counted_allocation(n)); }
void* operator new[](std::size_t n) { return fgtest::detail::checked(fgtest::detail::counted_allocation(n)); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return fgtest::detail::counted_allocation(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return fgtest::detail::counted_allocation(n); }
void* operator new(std::size_t n, std::align_val_t a) {
    return fgtest::detail::checked(fgtest::detail::counted_allocation(n, std::size_t(a)));
}
void* operator new[](std::size_t n, std::align_val_t a) {
    return fgtest::detail::checked(fgtest::detail::counted_allocation(n, std::size_t(a)));
}
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
    return fgtest::detail::counted_allocation(n, std::size_t(a));
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
    return fgtest::detail::counted_allocation(n, std::size_t(a));
}
void operator delete(void* p) noexcept { fgtest::detail::release(p); }
void operator delete[](void* p) noexcept { fgtest::detail::release(p); }
void operator delete(void* p, std::size_t) noexcept { fgtest::detail::release(p); }
void operator delete[](void* p, std::size_t) noexcept { fgtest::detail::release(p); }
void operator delete(void* p, std::align_val_t) noexcept { fgtest::detail::release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { fgtest::detail::release(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { fgtest::detail::release(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { fgtest::detail::release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { fgtest::detail::release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { fgtest::detail::release(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { fgtest::detail::release(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { fgtest::detail::release(p); }

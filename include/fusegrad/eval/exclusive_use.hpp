#pragma once
#include <atomic>
#include <stdexcept>
#include <string>

/// Whether a compiled function checks that no two threads call it at once (its workspace serves one call at a
/// time, and sharing it gives wrong results silently). On unless NDEBUG is defined, as assert is; define it
/// to 1 or 0 before including fusegrad to choose. The check is an atomic load and two stores per call
/// (docs/reliability.md, "Several threads", has what it costs).
#ifndef FUSEGRAD_CHECK_EXCLUSIVE_USE
#ifdef NDEBUG
#define FUSEGRAD_CHECK_EXCLUSIVE_USE 0
#else
#define FUSEGRAD_CHECK_EXCLUSIVE_USE 1
#endif
#endif

namespace fusegrad::detail {

/// Marks an object in use by one call. A call that finds it in use already (another thread is inside) throws
/// std::logic_error naming the rule, instead of sharing the workspace. Copies start unused: each copy is a new
/// object with its own workspace.
class exclusive_use {
public:
    exclusive_use() = default;
    exclusive_use(const exclusive_use&) noexcept {}
    exclusive_use& operator=(const exclusive_use&) noexcept { return *this; }

    /// Holds the object for the lifetime of the scope, also when the call throws.
    class scope {
    public:
        // A load and two stores, not an atomic exchange: plain moves on x86, where an exchange took 20 ns of a
        // 100 ns call. Two threads entering within the same few nanoseconds may both pass; any longer overlap of
        // calls, which is what sharing an object leads to, is caught.
        scope(exclusive_use& use, const char* owner) : use_(use) {
            if constexpr (FUSEGRAD_CHECK_EXCLUSIVE_USE) {
                if (use_.busy_.load(std::memory_order_relaxed)) refuse(owner);
                use_.busy_.store(true, std::memory_order_relaxed);
            }
        }
        ~scope() {
            if constexpr (FUSEGRAD_CHECK_EXCLUSIVE_USE) use_.busy_.store(false, std::memory_order_release);
        }
        scope(const scope&) = delete;
        scope& operator=(const scope&) = delete;

    private:
        [[noreturn, gnu::cold, gnu::noinline]] static void refuse(const char* owner) {
            throw std::logic_error(std::string("fusegrad: ") + owner +
                                   ": called from two threads at once; one object serves one thread at a time (its "
                                   "workspace holds the call's values): give each thread its own copy");
        }

        exclusive_use& use_;
    };

private:
    // Present whatever the setting, so that translation units built with and without NDEBUG agree on the
    // layout of every class that holds one.
    std::atomic<bool> busy_{false};
};

}  // namespace fusegrad::detail

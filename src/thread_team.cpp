#include <fusegrad/parallel/thread_team.hpp>

namespace fusegrad {

thread_team::thread_team(std::size_t size) : errors_(size == 0 ? 1 : size) {
    helpers_.reserve(errors_.size() - 1);
    for (std::size_t i = 1; i < errors_.size(); ++i)
        helpers_.emplace_back([this, i](std::stop_token stop) { serve(i, stop); });
}

thread_team::~thread_team() {
    for (auto& h : helpers_) h.request_stop();
    {
        const std::lock_guard lock(mutex_);  // no helper is between its stop check and its wait
    }
    wake_.notify_all();
    // The jthreads join as helpers_ is destroyed, before the mutex and condition variables they use.
    helpers_.clear();
}

void thread_team::run_member(std::size_t member) noexcept {
    try {
        call_(task_, member);
    } catch (...) {
        errors_[member] = std::current_exception();
    }
}

template <class Ready>
bool thread_team::spin_until(Ready ready) {
    const auto deadline = std::chrono::steady_clock::now() + spin_time;
    for (unsigned k = 1;; ++k) {
        if (ready()) return true;
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();  // tells the core this is a wait loop: less power, the sibling thread goes on
#endif
        if (k % 64 == 0 && std::chrono::steady_clock::now() >= deadline) return ready();
    }
}

void thread_team::dispatch(call_type call, void* task) {
    call_ = call;
    task_ = task;
    for (auto& e : errors_) e = nullptr;
    pending_.store(helpers_.size(), std::memory_order_relaxed);
    bool notify;
    {
        const std::lock_guard lock(mutex_);
        generation_.fetch_add(1, std::memory_order_release);  // publishes the task to the helpers
        notify = sleeping_helpers_ > 0;
    }
    if (notify) wake_.notify_all();
    run_member(0);
    const auto finished = [&] { return pending_.load(std::memory_order_acquire) == 0; };
    if (!spin_until(finished)) {
        std::unique_lock lock(mutex_);
        caller_sleeping_ = true;
        done_.wait(lock, finished);
        caller_sleeping_ = false;
    }
    for (const auto& e : errors_)
        if (e) std::rethrow_exception(e);
}

void thread_team::serve(std::size_t member, std::stop_token stop) {
    std::uint64_t seen = 0;
    const auto next_run = [&] { return stop.stop_requested() || generation_.load(std::memory_order_acquire) != seen; };
    for (;;) {
        if (!spin_until(next_run)) {
            std::unique_lock lock(mutex_);
            ++sleeping_helpers_;
            wake_.wait(lock, next_run);
            --sleeping_helpers_;
        }
        if (stop.stop_requested()) return;
        seen = generation_.load(std::memory_order_acquire);
        run_member(member);
        if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            // The last helper: wake the caller if it went to sleep (it checks pending_ under the mutex first).
            const std::lock_guard lock(mutex_);
            if (caller_sleeping_) done_.notify_one();
        }
    }
}

}  // namespace fusegrad

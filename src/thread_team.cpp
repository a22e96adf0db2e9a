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

void thread_team::dispatch(call_type call, void* task) {
    {
        const std::lock_guard lock(mutex_);
        call_ = call;
        task_ = task;
        for (auto& e : errors_) e = nullptr;
        pending_ = helpers_.size();
        ++generation_;
    }
    wake_.notify_all();
    run_member(0);
    {
        std::unique_lock lock(mutex_);
        done_.wait(lock, [&] { return pending_ == 0; });
    }
    for (const auto& e : errors_)
        if (e) std::rethrow_exception(e);
}

void thread_team::serve(std::size_t member, std::stop_token stop) {
    std::uint64_t seen = 0;
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stop.stop_requested() || generation_ != seen; });
            if (stop.stop_requested()) return;
            seen = generation_;
        }
        run_member(member);
        bool last;
        {
            const std::lock_guard lock(mutex_);
            last = --pending_ == 0;
        }
        if (last) done_.notify_one();
    }
}

}  // namespace fusegrad

#pragma once
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace fusegrad {

/// A fixed team of threads that run one task together and wait for each other: `run(task)` calls task(i)
/// for every member i in 0..size()−1, member 0 on the calling thread, and returns when all have finished.
/// The helper threads (size() − 1 std::jthreads) start once in the constructor and sleep between runs, so
/// a run costs a wake-up, not a thread start, and allocates nothing. What a batch is split over.
class thread_team {
public:
    /// A team of `size` members (at least 1; a team of 1 runs tasks on the caller alone).
    explicit thread_team(std::size_t size);
    ~thread_team();
    thread_team(const thread_team&) = delete;
    thread_team& operator=(const thread_team&) = delete;

    std::size_t size() const noexcept { return helpers_.size() + 1; }

    /// Runs task(i) for each member i and waits for all. If tasks throw, the first exception (by member
    /// index) is rethrown here after every member has finished. Not reentrant: one run at a time.
    template <class Task>
    void run(Task&& task) {
        using F = std::remove_reference_t<Task>;
        dispatch([](void* f, std::size_t i) { (*static_cast<F*>(f))(i); }, const_cast<void*>(static_cast<const void*>(&task)));
    }

private:
    using call_type = void (*)(void*, std::size_t);
    void dispatch(call_type call, void* task);
    void serve(std::size_t member, std::stop_token stop);
    void run_member(std::size_t member) noexcept;

    std::mutex mutex_;
    std::condition_variable wake_;  // helpers wait here for a new generation
    std::condition_variable done_;  // the caller waits here for pending_ to reach 0
    std::uint64_t generation_ = 0;
    std::size_t pending_ = 0;
    call_type call_ = nullptr;
    void* task_ = nullptr;
    std::vector<std::exception_ptr> errors_;
    std::vector<std::jthread> helpers_;
};

}  // namespace fusegrad

#pragma once
#include <atomic>
#include <chrono>
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
/// The helper threads (size() − 1 std::jthreads) start once in the constructor. Between runs each one first
/// spins for a short while (`spin_time`) watching for the next run, then sleeps on a condition variable; the
/// caller waits for the helpers the same way. Runs that follow each other closely (the two halves of a
/// training step, consecutive steps) thus cost no system call and no scheduler wake-up, which take tens of
/// microseconds; an idle team costs no CPU. A run allocates nothing. What a batch is split over.
class thread_team {
public:
    /// A team of `size` members (at least 1; a team of 1 runs tasks on the caller alone).
    explicit thread_team(std::size_t size);
    ~thread_team();
    thread_team(const thread_team&) = delete;
    thread_team& operator=(const thread_team&) = delete;

    std::size_t size() const noexcept { return helpers_.size() + 1; }

    /// How long a waiting thread spins before it sleeps.
    static constexpr std::chrono::microseconds spin_time{200};

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

    // Spins until ready() or spin_time has passed; returns ready().
    template <class Ready>
    static bool spin_until(Ready ready);

    std::mutex mutex_;
    std::condition_variable wake_;  // sleeping helpers wait here for a new generation
    std::condition_variable done_;  // a sleeping caller waits here for pending_ to reach 0
    std::atomic<std::uint64_t> generation_{0};  // incremented under mutex_, so that a sleeper never misses it
    std::atomic<std::size_t> pending_{0};       // helpers still running the current task
    std::size_t sleeping_helpers_ = 0;          // under mutex_: helpers the next run must notify
    bool caller_sleeping_ = false;              // under mutex_
    call_type call_ = nullptr;
    void* task_ = nullptr;
    std::vector<std::exception_ptr> errors_;
    std::vector<std::jthread> helpers_;
};

}  // namespace fusegrad

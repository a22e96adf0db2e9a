#pragma once
// The io_error an action throws, if any: how the io tests check a failure's message, file and offset.
#include <cerrno>
#include <cstddef>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <typeinfo>

#include <sys/wait.h>
#include <unistd.h>

#include <fusegrad/io/io_error.hpp>

namespace fgtest {

inline std::optional<fusegrad::io::io_error> io_error_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const fusegrad::io::io_error& e) {
        return e;
    }
    return std::nullopt;
}

/// The message of the io_error `action` throws when it runs in a forked child process, or what happened
/// instead in angle brackets: "<returned>", "<std::bad_alloc: ...>", "<killed by signal 14>". For actions that
/// may block (open() on a FIFO: the child is killed after `seconds`, so that the test fails instead of hanging)
/// or that change the process (setrlimit). The child leaves through _exit, running no test framework code.
inline std::string io_error_message_in_child(const std::function<void()>& action, unsigned seconds = 10) {
    int ends[2];
    if (::pipe(ends) != 0) return "<pipe failed>";
    const pid_t child = ::fork();
    if (child < 0) return "<fork failed>";
    if (child == 0) {
        ::close(ends[0]);
        ::alarm(seconds);
        std::string message = "<returned>";
        try {
            action();
        } catch (const fusegrad::io::io_error& e) {
            message = e.what();
        } catch (const std::exception& e) {
            message = std::string("<") + typeid(e).name() + ": " + e.what() + ">";
        }
        for (std::size_t done = 0; done < message.size();) {
            const ::ssize_t put = ::write(ends[1], message.data() + done, message.size() - done);
            if (put <= 0) break;
            done += static_cast<std::size_t>(put);
        }
        ::_exit(0);
    }
    ::close(ends[1]);
    std::string message;
    char buffer[512];
    for (::ssize_t got; (got = ::read(ends[0], buffer, sizeof buffer)) != 0;) {
        if (got > 0) message.append(buffer, static_cast<std::size_t>(got));
        else if (errno != EINTR) break;
    }
    ::close(ends[0]);
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFSIGNALED(status)) return "<killed by signal " + std::to_string(WTERMSIG(status)) + ">";
    return message;
}

}  // namespace fgtest

#pragma once
// What a fuzz target asks of every input: the loader returns, or it refuses the input with the exception and
// the message it documents. Anything else aborts, and libFuzzer saves the input that did it.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <typeinfo>

namespace fgfuzz {

/// Prints `problem` and aborts: libFuzzer treats the abort as a crash and writes the input to a crash file.
[[noreturn]] inline void fail(const std::string& problem) {
    std::fprintf(stderr, "fgfuzz: %s\n", problem.c_str());
    std::abort();
}

/// Runs `load` and returns true when it returns. An `Error` whose message starts with `prefix` is the loader
/// refusing the input: `inspect` checks it further, and the result is false. Any other exception is a bug,
/// std::bad_alloc included: a loader checks a size against the bytes it has before allocating for it.
template <class Error, class Load, class Inspect>
bool loads(Load&& load, std::string_view prefix, Inspect&& inspect) {
    try {
        load();
        return true;
    } catch (const Error& error) {
        const std::string_view message = error.what();
        if (!message.starts_with(prefix))
            fail("the message does not start with '" + std::string(prefix) + "': " + std::string(message));
        inspect(error);
        return false;
    } catch (const std::exception& error) {
        fail(std::string("an undocumented exception, ") + typeid(error).name() + ": " + error.what());
    }
}

/// Fails unless `message` is one line, as fusegrad promises for messages that quote what a file holds.
inline void expect_one_line(std::string_view message) {
    if (message.find('\n') != std::string_view::npos) fail("a message of more than one line: " + std::string(message));
}

}  // namespace fgfuzz

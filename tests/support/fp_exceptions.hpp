#pragma once
// Floating-point exception flags in tests: which of the trappable ones a piece of code raises, by name.
#include <cfenv>
#include <cstddef>
#include <string>
#include <utility>

namespace fgtest {

/// The floating-point exceptions a program can trap with feenableexcept and fusegrad must not raise where
/// the mathematics is finite. Underflow and inexact are not among them: they are ordinary rounding.
inline constexpr int trappable_exceptions = FE_INVALID | FE_DIVBYZERO | FE_OVERFLOW;

/// The array lengths exception checks run at: none but 16 a multiple of a vector width (4, 8 or 16 lanes),
/// so that vector bodies meet scalar tails, and two past 64, the elements one iteration of clang's 16-lane
/// loops takes (it interleaves four vectors).
inline constexpr std::size_t exception_lengths[] = {1, 7, 13, 16, 17, 33, 67, 259};

/// "invalid overflow" for a set of FE_* flags, "none" for none.
inline std::string exception_names(int flags) {
    std::string names;
    for (const auto& [flag, name] : {std::pair{FE_INVALID, "invalid"}, std::pair{FE_DIVBYZERO, "divide-by-zero"},
                                     std::pair{FE_OVERFLOW, "overflow"}})
        if (flags & flag) names += names.empty() ? name : std::string(" ") + name;
    return names.empty() ? "none" : names;
}

/// The trappable exceptions that f() raises: the flags are cleared, f runs, the flags are read. The same
/// operations with the exceptions enabled by feenableexcept would stop the program at the first of them.
template <class F>
int exceptions_raised_by(F&& f) {
    std::feclearexcept(FE_ALL_EXCEPT);
    f();
    const int raised = std::fetestexcept(trappable_exceptions);
    std::feclearexcept(FE_ALL_EXCEPT);
    return raised;
}

}  // namespace fgtest

#pragma once
// One-line gradient tests for Boost.Test: FUSEGRAD_CHECK_GRADIENT(f, grad_f, x) and the Jacobian,
// Hessian and model forms. Include after <boost/test/unit_test.hpp>; not part of fusegrad.hpp, which
// does not depend on Boost.Test.
#include <sstream>

#include "function_check.hpp"
#include "gradcheck.hpp"
#include "report.hpp"

/// Runs `check(...)` and fails the test case with the whole report unless it passed; a report that
/// passed with kinks or noisy entries is logged as a message. `level` is CHECK or REQUIRE.
#define FUSEGRAD_DETAIL_CHECK(level, check, what, ...)                                                        \
    do {                                                                                                      \
        const ::fusegrad::gradcheck_report fusegrad_report_ = check(__VA_ARGS__);                             \
        BOOST_##level##_MESSAGE(fusegrad_report_.passed(), what " check failed: " #__VA_ARGS__ "\n"            \
                                                                << fusegrad_report_);                         \
        if (fusegrad_report_.passed() && !fusegrad_report_.confirmed())                                       \
            BOOST_TEST_MESSAGE(what " check passed, not every entry confirmed: " #__VA_ARGS__ "\n"            \
                               << fusegrad_report_);                                                          \
    } while (false)

/// Fails the test case, with the report, unless fg::gradcheck(args...) passes: `(f, grad_f, x)`,
/// `(f, grad_f, x, options)`, or the model form `(loss, fg::wrt(W), W = data, ...)`.
#define FUSEGRAD_CHECK_GRADIENT(...) FUSEGRAD_DETAIL_CHECK(CHECK, ::fusegrad::gradcheck, "gradient", __VA_ARGS__)
/// As FUSEGRAD_CHECK_GRADIENT for fg::jacobian_check: `(f, jacobian_f, x[, options])`.
#define FUSEGRAD_CHECK_JACOBIAN(...) \
    FUSEGRAD_DETAIL_CHECK(CHECK, ::fusegrad::jacobian_check, "Jacobian", __VA_ARGS__)
/// As FUSEGRAD_CHECK_GRADIENT for fg::hessian_check: `(grad_f, hessian_f, x[, options])`.
#define FUSEGRAD_CHECK_HESSIAN(...) FUSEGRAD_DETAIL_CHECK(CHECK, ::fusegrad::hessian_check, "Hessian", __VA_ARGS__)

/// The REQUIRE forms end the test case on failure.
#define FUSEGRAD_REQUIRE_GRADIENT(...) \
    FUSEGRAD_DETAIL_CHECK(REQUIRE, ::fusegrad::gradcheck, "gradient", __VA_ARGS__)
#define FUSEGRAD_REQUIRE_JACOBIAN(...) \
    FUSEGRAD_DETAIL_CHECK(REQUIRE, ::fusegrad::jacobian_check, "Jacobian", __VA_ARGS__)
#define FUSEGRAD_REQUIRE_HESSIAN(...) \
    FUSEGRAD_DETAIL_CHECK(REQUIRE, ::fusegrad::hessian_check, "Hessian", __VA_ARGS__)

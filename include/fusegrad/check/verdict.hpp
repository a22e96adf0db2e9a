#pragma once

namespace fusegrad {

/// What gradcheck concluded about one derivative (an element, a Jacobian entry, or a direction).
enum class gradcheck_verdict {
    /// Analytic and numeric agree within the tolerance.
    agree,
    /// The stencil crosses a point where the function is not differentiable and the analytic value is
    /// one of the one-sided derivatives or between them. Not a failure, not a confirmation.
    kink,
    /// The numeric reference's own error estimate exceeds the tolerance and the analytic value lies
    /// within it: the function is too noisy to judge at this step. Not a failure, not a confirmation.
    noisy,
    /// They disagree: a failure.
    mismatch,
    /// The analytic or the numeric value is NaN or infinite: a failure.
    non_finite,
};

}  // namespace fusegrad

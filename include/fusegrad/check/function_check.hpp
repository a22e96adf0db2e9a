#pragma once
#include <complex>
#include <cstddef>
#include <limits>
#include <numeric>
#include <ranges>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "../eval/wrt.hpp"
#include "block_check.hpp"
#include "options.hpp"
#include "point.hpp"
#include "report.hpp"

namespace fusegrad {

/// f, to be differentiated by complex steps: f accepts points of std::complex (a generic lambda, or a
/// template) and is analytic there. Made by fg::by_complex_step.
template <class F>
struct complex_step_function {
    F function;
};

/// f, to be evaluated in long double for the reference. Made by fg::in_long_double.
template <class F>
struct long_double_function {
    F function;
};

/// Checks f by complex steps: Im f(x + i·h·eⱼ)/h, exact to rounding (docs/gradcheck.md). f must accept
/// a point of std::complex<double> (of long double under fg::in_long_double) and be analytic: no abs,
/// max, comparisons on the perturbed values, or conj.
template <class F>
complex_step_function<F> by_complex_step(F&& f) {
    return {std::forward<F>(f)};
}

/// Evaluates f in long double for the reference: finer differences where f's rounding, not the
/// step, limits the check. f must accept a point of long double.
template <class F>
long_double_function<F> in_long_double(F&& f) {
    return {std::forward<F>(f)};
}

namespace errors {
template <class Point>
constexpr bool point_is_a_vector_array_span_or_tensor = false;
template <class F>
constexpr bool function_accepts_the_point = false;
template <class F>
constexpr bool gradient_callback_returns_or_writes = false;
template <class Result>
constexpr bool gradcheck_function_returns_a_scalar = false;
template <class Result>
constexpr bool complex_step_function_returns_a_complex_value = false;
}  // namespace errors

namespace detail {

/// Whether the checks of callables take Point, with the error that says which points they take.
template <class Point>
constexpr bool supported_point() {
    static_assert(errors::point_is_a_vector_array_span_or_tensor<Point> || point_traits<Point>::supported,
                  "fusegrad: gradcheck: the point x must be a std::vector, std::array, std::span or "
                  "fg::tensor (of float or double)");
    return point_traits<Point>::supported;
}

template <class T>
struct is_wrt : std::false_type {};
template <class... Vars>
struct is_wrt<wrt_t<Vars...>> : std::true_type {};

/// The callable inside the wrappers, and what they ask for; const or not, as the caller passed it.
template <class F>
struct function_wrapping {
    static constexpr bool complex_steps = false;
    static constexpr bool long_double = false;
    template <class W>
    static auto& inner(W& f) {
        return f;
    }
    template <class Other>
    static Other& rewrap(Other& other) {
        return other;
    }
};
template <class F>
struct function_wrapping<complex_step_function<F>> {
    using nested = function_wrapping<std::remove_cvref_t<F>>;
    static constexpr bool complex_steps = true;
    static constexpr bool long_double = nested::long_double;
    template <class W>
    static auto& inner(W& w) {
        return nested::inner(w.function);
    }
    template <class Other>
    static auto rewrap(Other& other) {
        return complex_step_function<decltype(nested::rewrap(other))>{nested::rewrap(other)};
    }
};
template <class F>
struct function_wrapping<long_double_function<F>> {
    using nested = function_wrapping<std::remove_cvref_t<F>>;
    static constexpr bool complex_steps = nested::complex_steps;
    static constexpr bool long_double = true;
    template <class W>
    static auto& inner(W& w) {
        return nested::inner(w.function);
    }
    template <class Other>
    static auto rewrap(Other& other) {
        return long_double_function<decltype(nested::rewrap(other))>{nested::rewrap(other)};
    }
};

template <class T>
struct is_complex : std::false_type {};
template <class T>
struct is_complex<std::complex<T>> : std::true_type {};

/// A callback's result as a flat std::vector<U>: a number, a range of numbers, or a range of ranges
/// (a Jacobian's rows), row by row.
template <class U, class Result>
std::vector<U> flatten(const Result& result) {
    if constexpr (std::is_arithmetic_v<Result> || is_complex<Result>::value) {
        return {static_cast<U>(result)};
    } else {
        std::vector<U> values;
        for (const auto& item : result) {
            if constexpr (std::ranges::range<std::remove_cvref_t<decltype(item)>>)
                for (const auto& v : item) values.push_back(static_cast<U>(v));
            else
                values.push_back(static_cast<U>(item));
        }
        return values;
    }
}

/// G called on a point P returns its result or writes it (see call_returning_or_writing).
template <class G, class P>
concept returns_or_writes =
    std::is_invocable_v<G&, const P&> ||
    std::is_invocable_v<G&, const P&, typename owning_point<P, typename point_traits<P>::element>::type&> ||
    std::is_invocable_v<G&, const P&, std::span<typename point_traits<P>::element>>;

/// Calls a callback that returns its result, g(p), or writes it, g(p, out) with out a container like
/// p (a std::vector for a span) or a std::span of `expected` elements; the result flattened to U's.
template <class U, class G, class P>
std::vector<U> call_returning_or_writing(G& g, const P& p, std::size_t expected) {
    using element = typename point_traits<P>::element;
    using owning = typename owning_point<P, element>::type;
    if constexpr (std::is_invocable_v<G&, const P&>) {
        return flatten<U>(g(p));
    } else if constexpr (std::is_invocable_v<G&, const P&, owning&>) {
        owning out = sized<owning>(expected);
        g(p, out);
        return flatten<U>(out);
    } else if constexpr (std::is_invocable_v<G&, const P&, std::span<element>>) {
        std::vector<element> out(expected);
        g(p, std::span<element>(out));
        return flatten<U>(out);
    } else {
        static_assert(errors::gradient_callback_returns_or_writes<G>,
                      "fusegrad: gradcheck: a derivative callback must return its result, g(x), or write it, "
                      "g(x, out) with out a container like x (a std::vector for a span) or a std::span");
        return {};
    }
}

/// A gradient callback as a function of points of any element type (the reference's), returning the
/// n values in that type: the function whose Jacobian a Hessian is. A class rather than a constrained
/// generic lambda, which g++ 12 rejects inside a template.
template <class G>
struct gradient_at_any_point {
    G& gradient;
    std::size_t n;

    template <class P>
        requires returns_or_writes<G, P>
    auto operator()(const P& p) const {
        return call_returning_or_writing<typename point_traits<P>::element>(gradient, p, n);
    }
};

/// The type the reference is computed in: long double when asked for, else double, or the point's own
/// element type when f accepts only that (a function of float points).
template <class Wrapping, class F, class Point>
struct reference_scalar {
    using traits = point_traits<Point>;
    using wanted = std::conditional_t<Wrapping::long_double, long double, double>;
    static constexpr bool accepts_wanted =
        std::is_invocable_v<F&, const typename traits::template with<wanted>&>;
    static_assert(errors::function_accepts_the_point<F> || accepts_wanted || !Wrapping::long_double,
                  "fusegrad: gradcheck: fg::in_long_double(f) needs f to accept a point of long double");
    static_assert(errors::function_accepts_the_point<F> || accepts_wanted ||
                      std::is_invocable_v<F&, const Point&>,
                  "fusegrad: gradcheck: f must accept the point x (or the same container of double)");
    using type = std::conditional_t<accepts_wanted, wanted, typename traits::element>;
};

/// The blocks of the report: those of the options, which must cover the point exactly, or one block
/// shaped like the point.
template <class Point>
std::vector<gradcheck_block> blocks_for(const gradcheck_options& options, std::size_t n) {
    std::vector<input_block> parts = options.blocks;
    if (parts.empty()) parts.push_back(point_traits<Point>::block(n));
    std::size_t total = 0;
    for (const auto& p : parts) total += p.size();
    if (total != n)
        throw std::invalid_argument("fusegrad: gradcheck: the blocks of the options hold " + std::to_string(total) +
                                    " elements, the point " + std::to_string(n));
    std::vector<gradcheck_block> blocks;
    for (const auto& p : parts) {
        gradcheck_block b;
        b.name = p.name;
        b.rank = p.rank;
        b.rows = p.rows;
        b.cols = p.cols;
        blocks.push_back(std::move(b));
    }
    return blocks;
}

template <class Point>
std::size_t point_size(const Point& x) {
    if constexpr (requires { x.size(); }) return x.size();
    else return std::ranges::size(x);
}

/// The engine run for a callable: F evaluated at points of R's (vector outputs), checked against
/// `jacobian` (outputs × n, row-major, from the caller's callback at x).
template <bool ScalarOutput, class Point, class Wrapped, class Analytic>
gradcheck_report check_function(Wrapped& wrapped, const Point& x, const gradcheck_options& options,
                                gradcheck_kind kind, Analytic&& analytic) {
    using wrapping = function_wrapping<std::remove_cvref_t<Wrapped>>;
    auto& f = wrapping::inner(wrapped);
    using F = std::remove_reference_t<decltype(f)>;
    using traits = point_traits<Point>;
    using T = typename traits::element;
    using R = typename reference_scalar<wrapping, F, Point>::type;

    const gradcheck_options used = resolve(options, default_tolerance<T>,
                                           static_cast<double>(std::numeric_limits<R>::epsilon()),
                                           wrapping::complex_steps);
    const std::size_t n = point_size(x);
    gradcheck_report report;
    report.kind = kind;
    report.scalar_type = scalar_name<T>();
    report.reference_type = scalar_name<R>();
    report.options = used;
    report.blocks = blocks_for<Point>(used, n);

    // The number of outputs is f's at x; a function whose output count changes with the point has no
    // Jacobian, and would make the engine read past its outputs.
    std::size_t outputs = 0;
    const auto same_outputs = [&outputs](std::size_t m) {
        if (outputs == 0) outputs = m;
        if (m != outputs)
            throw std::invalid_argument("fusegrad: gradcheck: f returned " + std::to_string(outputs) +
                                        " values at x and " + std::to_string(m) + " at a point near it");
    };
    auto evaluate = [&](const std::vector<R>& values) {
        const auto& result = f(traits::template make<R>(values));
        using result_type = std::remove_cvref_t<decltype(result)>;
        static_assert(errors::gradcheck_function_returns_a_scalar<result_type> || !ScalarOutput ||
                          std::is_arithmetic_v<result_type>,
                      "fusegrad: gradcheck: f must return a number; for a vector-valued f use fg::jacobian_check");
        auto flat = flatten<R>(result);
        same_outputs(flat.size());
        return flat;
    };
    auto evaluate_complex = [&](const std::vector<std::complex<R>>& values) {
        if constexpr (wrapping::complex_steps) {
            using result_type = std::remove_cvref_t<decltype(f(traits::template make<std::complex<R>>(values)))>;
            static_assert(errors::complex_step_function_returns_a_complex_value<result_type> ||
                              !std::is_arithmetic_v<result_type>,
                          "fusegrad: gradcheck: fg::by_complex_step(f): f returns a real number for a complex "
                          "point, so it is not analytic there (abs, a comparison, a cast?)");
            auto flat = flatten<std::complex<R>>(f(traits::template make<std::complex<R>>(values)));
            same_outputs(flat.size());
            return flat;
        } else {
            return no_complex_steps<R>{}(values);
        }
    };
    std::vector<R> point(x.begin(), x.end());
    std::size_t evaluations = 1;
    checked_function<R, decltype(evaluate), decltype(evaluate_complex)> checked{evaluate, evaluate_complex,
                                                                              evaluate(point), evaluations};
    const std::vector<double> jacobian = analytic(checked.at_x.size(), n);
    std::size_t offset = 0;
    for (auto& block : report.blocks) {
        check_block(block, point, offset, jacobian, checked, used);
        offset += block.size();
    }
    report.evaluations = evaluations;
    return report;
}

/// `expected` values from a callback, or a clear error naming the callback and both counts.
inline void require_size(const std::vector<double>& values, std::size_t expected, const char* callback,
                         const std::string& because) {
    if (values.size() != expected)
        throw std::invalid_argument("fusegrad: gradcheck: " + std::string(callback) + " returned " +
                                    std::to_string(values.size()) + " values, " + because);
}

}  // namespace detail

/// Checks a hand-written gradient: `f` maps a point to a number, `grad_f` gives its gradient at x, by
/// returning it (grad_f(x): any range of numbers) or by writing it (grad_f(x, g), g a container like x,
/// or a std::span). The point is a std::vector, std::array, std::span or fg::tensor of float or double.
/// The reference differentiates f numerically in double whatever x's type when f accepts double points
/// (a generic lambda, a template), in x's own type otherwise; fg::in_long_double(f) asks for long
/// double, fg::by_complex_step(f) for complex steps. Throws std::invalid_argument for invalid options
/// or a gradient of the wrong size; see docs/gradcheck.md.
template <class F, class G, class Point>
    requires(!detail::is_wrt<std::remove_cvref_t<G>>::value)
gradcheck_report gradcheck(F&& f, G&& grad_f, const Point& x, const gradcheck_options& options = {}) {
    if constexpr (!detail::supported_point<Point>()) return {};
    else return detail::check_function<true>(
        f, x, options, gradcheck_kind::gradient,
        [&](std::size_t, std::size_t n) {
            auto gradient = detail::call_returning_or_writing<double>(grad_f, x, n);
            detail::require_size(gradient, n, "grad_f", "the point has " + std::to_string(n));
            return gradient;
        });
}

/// Checks a hand-written Jacobian: `f` maps a point to m numbers (any range), `jacobian_f` gives the
/// m × n Jacobian at x, row-major (a flat range of m·n numbers, or m rows), returned or written into a
/// container or span of m·n. Entry (i, j) is ∂fᵢ/∂xⱼ: a transposed Jacobian fails.
template <class F, class J, class Point>
gradcheck_report jacobian_check(F&& f, J&& jacobian_f, const Point& x, const gradcheck_options& options = {}) {
    if constexpr (!detail::supported_point<Point>()) return {};
    else return detail::check_function<false>(
        f, x, options, gradcheck_kind::jacobian,
        [&](std::size_t m, std::size_t n) {
            auto jacobian = detail::call_returning_or_writing<double>(jacobian_f, x, m * n);
            detail::require_size(jacobian, m * n, "jacobian_f",
                                 "f has " + std::to_string(m) + " outputs and the point " + std::to_string(n) +
                                     " elements, so " + std::to_string(m * n) + " expected (row-major)");
            return jacobian;
        });
}

namespace detail {

template <class G, class H, class Point>
gradcheck_report check_hessian(G& grad_f, H& hessian_f, const Point& x, const gradcheck_options& options) {
    const std::size_t n = detail::point_size(x);
    auto& g = detail::function_wrapping<std::remove_cvref_t<G>>::inner(grad_f);
    // The gradient as a function of points of any element type (the reference's), returning n values
    // of that type, and wrapped as grad_f was (long double, complex steps).
    detail::gradient_at_any_point<std::remove_reference_t<decltype(g)>> gradient{g, n};
    auto wrapped = detail::function_wrapping<std::remove_cvref_t<G>>::rewrap(gradient);
    std::vector<double> analytic;
    auto report = detail::check_function<false>(
        wrapped, x, options, gradcheck_kind::hessian,
        [&](std::size_t, std::size_t) {
            analytic = detail::call_returning_or_writing<double>(hessian_f, x, n * n);
            detail::require_size(analytic, n * n, "hessian_f",
                                 "the point has " + std::to_string(n) + " elements, so " + std::to_string(n * n) +
                                     " expected (row-major)");
            return analytic;
        });
    const detail::tolerance tol{*report.options.rtol, *report.options.atol};
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = i + 1; j < n; ++j) {
            const double a = analytic[i * n + j], b = analytic[j * n + i];
            if (detail::is_worse(std::abs(a - b), report.max_asymmetry)) {
                report.max_asymmetry = std::abs(a - b);
                report.asymmetry_row = i;
                report.asymmetry_col = j;
            }
            report.symmetric = report.symmetric && tol.accepts(a, b);
        }
    return report;
}

}  // namespace detail

/// Checks a hand-written Hessian against finite differences of the hand-written gradient (which
/// fg::gradcheck checks first): `grad_f` as for gradcheck, `hessian_f` the n × n Hessian as for
/// jacobian_check. The Hessian's symmetry is checked too, within the same tolerance.
template <class G, class H, class Point>
gradcheck_report hessian_check(G&& grad_f, H&& hessian_f, const Point& x, const gradcheck_options& options = {}) {
    if constexpr (!detail::supported_point<Point>()) return {};
    else return detail::check_hessian(grad_f, hessian_f, x, options);
}

}  // namespace fusegrad

#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <ranges>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/mp11/algorithm.hpp>
#include <boost/mp11/list.hpp>
#include <boost/mp11/utility.hpp>

#include "../eval/bindings.hpp"
#include "../eval/compiled.hpp"
#include "../eval/wrt.hpp"
#include "../expr/node.hpp"
#include "../expr/var.hpp"
#include "finite_difference.hpp"
#include "options.hpp"
#include "report.hpp"
#include "tolerance.hpp"

namespace fusegrad {

namespace errors {
template <class Target>
constexpr bool gradcheck_target_is_an_expression_or_a_compiled_function = false;
template <class Target>
constexpr bool gradcheck_target_is_not_const = false;
template <class Scalars>
constexpr bool bound_data_has_one_scalar_type = false;
template <class Variable>
constexpr bool checked_variable_is_bound = false;
}  // namespace errors

namespace detail {

template <class T>
struct is_compiled_function : std::false_type {};
template <class Expr, class T>
struct is_compiled_function<compiled_function<Expr, T>> : std::true_type {};

/// The element type of bound data; void for a plain number, which any function accepts.
template <class Source>
struct source_scalar {
    using type = void;
};
template <class Source>
    requires std::ranges::contiguous_range<Source>
struct source_scalar<Source> {
    using type = std::remove_cv_t<std::ranges::range_value_t<Source>>;
};

/// The scalar type the caller's data asks for: a compiled function's own, else that of the bound
/// tensors, arrays and ranges, double when every variable is bound to a plain number.
template <class Target, class... Bindings>
struct gradcheck_scalar {
    using scalars = boost::mp11::mp_unique<boost::mp11::mp_remove<
        boost::mp11::mp_list<typename source_scalar<std::remove_cvref_t<decltype(Bindings::source)>>::type...>, void>>;
    static_assert(errors::bound_data_has_one_scalar_type<scalars> || boost::mp11::mp_size<scalars>::value <= 1,
                  "fusegrad: gradcheck: the bound data mixes scalar types; bind every variable to float data "
                  "(a float graph) or to double data (a double graph)");
    using type =
        boost::mp11::mp_eval_if_c<boost::mp11::mp_empty<scalars>::value, double, boost::mp11::mp_front, scalars>;
};
template <class Expr, class T, class... Bindings>
struct gradcheck_scalar<compiled_function<Expr, T>, Bindings...> {
    using type = T;
};

/// The function giving the analytic gradient: the caller's own compiled function, or the expression
/// compiled in T.
template <class T, class Target>
decltype(auto) analytic_function(Target& target) {
    if constexpr (expression<Target>) return compile<T>(target);
    else return (target);
}

template <class Target>
const auto& expression_of(const Target& target) {
    if constexpr (expression<Target>) return target;
    else return target.expression();
}

/// A copy in double of the data bound to Var, converted exactly as the checked function sees it.
template <class T, class Var, class Source>
std::vector<double> double_copy(const Source& source) {
    T scalar{};
    const bound_data<T> data = resolve_binding<T, Var>(source, scalar);
    return std::vector<double>(data.data, data.data + data.size);
}

/// The settings every probe shares.
struct probe_settings {
    central_stencil stencil;
    double step;
    tolerance tol;
};

/// Perturbs one element at a time by h·max(1, |x|): order evaluations per element.
template <class Evaluate>
void check_elements(gradcheck_variable_report& entry, std::vector<double>& x, const auto* gradient,
                    Evaluate& evaluate, double at_x, const probe_settings& s) {
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double xi = x[i];
        const auto phi = [&](double t) {
            x[i] = xi + t;
            const double value = evaluate();
            x[i] = xi;
            return value;
        };
        const double analytic = gradient[i];
        const double scale = std::max(1.0, std::abs(xi));
        record(entry, i, false, analytic, probe(phi, at_x, analytic, s.step, scale, s.stencil, s.tol), s.tol);
    }
}

/// The signs of the random directions: SplitMix64 (Steele, Lea and Flood, 2014), a generator small
/// enough to specify here, so that directions are the same on every platform and standard library.
/// Its state starts as the FNV-1a hash of the variable's name with the seed as offset basis, so that a
/// variable's directions do not depend on which other variables are checked.
class direction_signs {
public:
    direction_signs(std::uint64_t seed, std::string_view name) : state_(seed) {
        for (const char c : name) state_ = (state_ ^ static_cast<unsigned char>(c)) * 0x100000001b3u;
    }
    double next() { return (draw() >> 63) != 0 ? 1.0 : -1.0; }

private:
    std::uint64_t draw() {
        std::uint64_t z = (state_ += 0x9e3779b97f4a7c15u);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
        return z ^ (z >> 31);
    }
    std::uint64_t state_;
};

/// The fast mode: `directions` probes along d = u ⊙ max(1, |x|), u with entries ±1/√n of random sign,
/// comparing dᵀ·grad with the directional difference; order evaluations per direction, whatever n is.
template <class Evaluate>
void check_directions(gradcheck_variable_report& entry, std::vector<double>& x, const auto* gradient,
                      Evaluate& evaluate, double at_x, const probe_settings& s, std::size_t directions,
                      std::uint64_t seed) {
    if (x.empty()) return;
    direction_signs signs(seed, entry.name);
    const std::vector<double> origin = x;
    std::vector<double> d(x.size());
    const double scale = 1 / std::sqrt(static_cast<double>(x.size()));
    for (std::size_t k = 0; k < directions; ++k) {
        double analytic = 0;
        for (std::size_t i = 0; i < x.size(); ++i) {
            d[i] = signs.next() * scale * std::max(1.0, std::abs(origin[i]));
            analytic += d[i] * static_cast<double>(gradient[i]);
        }
        const auto phi = [&](double t) {
            for (std::size_t i = 0; i < x.size(); ++i) x[i] = origin[i] + t * d[i];
            const double value = evaluate();
            x = origin;
            return value;
        };
        record(entry, k, true, analytic, probe(phi, at_x, analytic, s.step, 1.0, s.stencil, s.tol), s.tol);
    }
}

template <class Var, class Gradient, class Evaluate>
gradcheck_variable_report check_variable(std::vector<double>& x, const Gradient& gradient, Evaluate& evaluate,
                                         double at_x, const gradcheck_options& options) {
    gradcheck_variable_report entry;
    entry.name = Var::name.view();
    entry.rank = Var::shape.rank;
    entry.cols = Var::shape.cols;
    entry.rows = x.size() / Var::shape.cols;
    const probe_settings settings{stencil_of(options.order), *options.step, {*options.rtol, *options.atol}};
    if (options.directions == 0) check_elements(entry, x, gradient.data(), evaluate, at_x, settings);
    else check_directions(entry, x, gradient.data(), evaluate, at_x, settings, options.directions, options.seed);
    return entry;
}

}  // namespace detail

/// Checks the reverse-mode gradient of a scalar expression against central finite differences, for
/// the variables of `wrt` at the point given by the bindings. The gradient comes from the expression
/// compiled in the scalar type of the bound data (float or double), or from `target` itself when it is
/// a compiled_function; the differences always come from the expression compiled in double, on double
/// copies of the data, so that a float graph is judged against a reference much finer than itself.
/// Elements whose stencil crosses a kink are reported as kinks, not failures. Throws
/// std::invalid_argument for invalid options; see docs/gradcheck.md.
template <class Target, class... Vars, variable_binding... Bindings>
gradcheck_report gradcheck(Target&& target, wrt_t<Vars...> wrt, const gradcheck_options& options,
                           const Bindings&... bindings) {
    using target_type = std::remove_reference_t<Target>;
    static_assert(errors::gradcheck_target_is_an_expression_or_a_compiled_function<target_type> ||
                      expression<target_type> || detail::is_compiled_function<std::remove_cv_t<target_type>>::value,
                  "fusegrad: gradcheck: the first argument must be an expression or an fg::compiled_function");
    static_assert(errors::gradcheck_target_is_not_const<target_type> || expression<target_type> ||
                      !std::is_const_v<target_type>,
                  "fusegrad: gradcheck: a compiled_function is checked through its own workspace, so it "
                  "cannot be const");
    using bound = boost::mp11::mp_list<typename Bindings::variable...>;
    static_assert((... && (errors::checked_variable_is_bound<Vars> || boost::mp11::mp_contains<bound, Vars>::value)),
                  "fusegrad: gradcheck: a variable of wrt is not bound; pass `v = data` for it");
    using T = typename detail::gradcheck_scalar<std::remove_cv_t<target_type>, Bindings...>::type;

    const gradcheck_options used = detail::resolve(options, detail::default_tolerance<T>);
    auto&& analytic = detail::analytic_function<T>(target);
    const auto result = analytic.value_and_grad(wrt, bindings...);

    std::array<std::vector<double>, sizeof...(Bindings)> inputs{
        detail::double_copy<T, typename Bindings::variable>(bindings.source)...};
    auto reference = compile<double>(detail::expression_of(target));
    std::size_t evaluations = 0;
    auto evaluate = [&] {
        ++evaluations;
        return [&]<std::size_t... I>(std::index_sequence<I...>) {
            return reference.value(binding<typename Bindings::variable, std::vector<double>>{inputs[I]}...);
        }(std::index_sequence_for<Bindings...>{});
    };
    const double at_x = evaluate();

    gradcheck_report report{std::is_same_v<T, float> ? "float" : "double", used, 0, {}};
    (report.variables.push_back(detail::check_variable<Vars>(inputs[boost::mp11::mp_find<bound, Vars>::value],
                                                             result.grad[Vars{}], evaluate, at_x, used)),
     ...);
    report.evaluations = evaluations;
    return report;
}

/// gradcheck with the default options.
template <class Target, class... Vars, variable_binding... Bindings>
gradcheck_report gradcheck(Target&& target, wrt_t<Vars...> wrt, const Bindings&... bindings) {
    return gradcheck(std::forward<Target>(target), wrt, gradcheck_options{}, bindings...);
}

}  // namespace fusegrad

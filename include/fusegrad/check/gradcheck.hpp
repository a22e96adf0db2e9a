#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <ranges>
#include <stdexcept>
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
#include "block_check.hpp"
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

/// A variable's block in the report: its name and shape, a batched variable's rows being its batch.
template <class Var>
gradcheck_block block_of(std::size_t size) {
    gradcheck_block block;
    block.name = Var::name.view();
    block.rank = Var::shape.rank;
    block.cols = Var::shape.cols;
    block.rows = size / Var::shape.cols;
    return block;
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

    if (!options.blocks.empty())
        throw std::invalid_argument("fusegrad: gradcheck: options.blocks names the parts of a callable's point; "
                                    "a model's blocks are the variables of fg::wrt");
    const gradcheck_options used = detail::resolve(options, detail::default_tolerance<T>);
    auto&& analytic = detail::analytic_function<T>(target);
    const auto result = analytic.value_and_grad(wrt, bindings...);

    std::array<std::vector<double>, sizeof...(Bindings)> inputs{
        detail::double_copy<T, typename Bindings::variable>(bindings.source)...};
    auto reference = compile<double>(detail::expression_of(target));
    // The engine moves the elements of the variable it checks in place, in `inputs`, which the
    // bindings below read: the point passed in is that same vector.
    auto evaluate = [&](const std::vector<double>&) {
        return [&]<std::size_t... I>(std::index_sequence<I...>) {
            return std::vector<double>{
                reference.value(binding<typename Bindings::variable, std::vector<double>>{inputs[I]}...)};
        }(std::index_sequence_for<Bindings...>{});
    };
    detail::no_complex_steps<double> no_complex;
    std::size_t evaluations = 1;
    detail::checked_function<double, decltype(evaluate), decltype(no_complex)> f{evaluate, no_complex, evaluate({}),
                                                                                 evaluations};

    gradcheck_report report;
    report.scalar_type = detail::scalar_name<T>();
    report.options = used;
    const auto check = [&]<class Var>(Var) {
        auto& x = inputs[boost::mp11::mp_find<bound, Var>::value];
        const auto& gradient = result.grad[Var{}];
        report.blocks.push_back(detail::block_of<Var>(x.size()));
        detail::check_block(report.blocks.back(), x, 0, std::vector<double>(gradient.data(), gradient.data() + x.size()), f,
                            used);
    };
    (check(Vars{}), ...);
    report.evaluations = evaluations;
    return report;
}

/// gradcheck with the default options.
template <class Target, class... Vars, variable_binding... Bindings>
gradcheck_report gradcheck(Target&& target, wrt_t<Vars...> wrt, const Bindings&... bindings) {
    return gradcheck(std::forward<Target>(target), wrt, gradcheck_options{}, bindings...);
}

}  // namespace fusegrad

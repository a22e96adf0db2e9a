#pragma once
// Gradient checks of whole fusegrad graphs against finite differences, shared by the random-graph suites.
// Only what must know the graph's type is a template; comparing and reporting is compiled once, which
// keeps suites of a hundred graph types within their compile-time budget.
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/mp11/algorithm.hpp>
#include <fusegrad/fusegrad.hpp>

#include "test_support.hpp"

namespace fgtest {

/// A list of variables as types (variables are empty, so a type is all there is to one): cheaper for
/// the compiler than a std::tuple across a hundred graph types.
template <class... V>
struct variable_list {
    static constexpr std::size_t size = sizeof...(V);
};

/// A variable named Name of shape S: a scalar, a vector, a fixed matrix or a batch.
template <fusegrad::fixed_string Name, fusegrad::shape_info S>
constexpr auto variable_like() {
    if constexpr (S.rank == 0) return fusegrad::var<Name>{};
    else if constexpr (S.rank == 1) return fusegrad::var<Name, S.cols>{};
    else if constexpr (S.batched) return fusegrad::var<Name, fusegrad::batch, S.cols>{};
    else return fusegrad::var<Name, S.rows, S.cols>{};
}

/// Calls `call(v = inputs[k]...)`: the k-th variable of the list bound to `inputs[k]`.
template <class... V, class T, class F>
decltype(auto) with_bindings(variable_list<V...>, const std::vector<std::vector<T>>& inputs, F&& call) {
    return [&]<std::size_t... I>(std::index_sequence<I...>) -> decltype(auto) {
        return call((V{} = inputs[I])...);
    }(std::index_sequence_for<V...>{});
}

/// Tolerances of a check: |a − e| ≤ rtol·|e| + atol·max(1, max|e|), per array.
struct tolerance {
    long double rtol;
    long double atol;
};

/// A value and the gradients with respect to some variables, whatever precision computed them.
struct value_and_gradients {
    double value = 0;
    flat_inputs gradients;
};

/// "" when `actual` matches `expected` within `tol`, else what differs; variables named by `names`.
inline std::string compare(const value_and_gradients& actual, const value_and_gradients& expected,
                           const std::vector<std::string>& names, tolerance tol) {
    std::string failures = compare_arrays(std::vector<double>{actual.value}, std::vector<double>{expected.value},
                                          tol.rtol, tol.atol, "value");
    for (std::size_t k = 0; k < expected.gradients.size(); ++k)
        failures += compare_arrays(actual.gradients[k], expected.gradients[k], tol.rtol, tol.atol,
                                   "gradient of " + names[k]);
    return failures;
}

/// value_and_grad of `expr` compiled in T, with respect to the first R variables of `vars`.
template <class T, std::size_t R, class Expr, class... V>
value_and_gradients analytic_gradients(const Expr& expr, variable_list<V...> vars, const flat_inputs& inputs) {
    auto f = fusegrad::compile<T>(expr);
    std::vector<std::vector<T>> in;
    for (const auto& v : inputs) in.emplace_back(v.begin(), v.end());
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
        using requested = boost::mp11::mp_take_c<boost::mp11::mp_list<V...>, R>;
        const auto [value, grad] = with_bindings(vars, in, [&](const auto&... b) {
            return f.value_and_grad(fusegrad::wrt(boost::mp11::mp_at_c<requested, I>{}...), b...);
        });
        return value_and_gradients{value, {std::vector<double>(grad[boost::mp11::mp_at_c<requested, I>{}].begin(),
                                                               grad[boost::mp11::mp_at_c<requested, I>{}].end())...}};
    }(std::make_index_sequence<R>{});
}

/// The double-precision value() of `expr` (the fused forward pass), and sixth-order central differences
/// of it with respect to the first R variables of `vars`.
template <std::size_t R, class Expr, class... V>
value_and_gradients numeric_gradients(const Expr& expr, variable_list<V...> vars, const flat_inputs& inputs) {
    auto f = fusegrad::compile<double>(expr);
    const auto value_at = [&](const flat_inputs& requested) {
        flat_inputs all = inputs;
        std::copy(requested.begin(), requested.end(), all.begin());
        return with_bindings(vars, all, [&](const auto&... b) { return f.value(b...); });
    };
    return {value_at(inputs), numeric_gradient(value_at, flat_inputs(inputs.begin(), inputs.begin() + R))};
}

/// Checks `expr` at `inputs` (one vector per variable of `vars`, in order): value_and_grad computed in
/// double and in float, with respect to the first R variables, against the double value() and central
/// differences of it, within `in_double` and `in_float` (by default a relative 1e-6 in double; in float,
/// 2e-3, as float rounding compounds through a graph). Returns "" or what disagreed.
template <std::size_t R, class Expr, class... V>
std::string check_gradients(const Expr& expr, variable_list<V...> vars, const flat_inputs& inputs,
                            tolerance in_double = {1e-6L, 1e-8L}, tolerance in_float = {2e-3L, 2e-4L}) {
    static_assert(R <= sizeof...(V));
    const value_and_gradients expected = numeric_gradients<R>(expr, vars, inputs);
    const std::vector<std::string> names{std::string{V::name.view()}...};
    std::string failures;
    if (auto d = compare(analytic_gradients<double, R>(expr, vars, inputs), expected, names, in_double); !d.empty())
        failures += "double: " + d;
    if (auto f = compare(analytic_gradients<float, R>(expr, vars, inputs), expected, names, in_float); !f.empty())
        failures += "float: " + f;
    return failures;
}

/// Runs `check(seed)` for the seeds First, First + 1, … (Count of them, each a std::integral_constant),
/// after making sure at compile time that every seed gives `graph(seed)` a type of its own.
template <std::uint64_t First, std::size_t Count, class Graph, class Check>
void check_seeds(Graph graph, Check check) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        using types = boost::mp11::mp_list<decltype(graph(std::integral_constant<std::uint64_t, First + I>{}))...>;
        static_assert(boost::mp11::mp_size<boost::mp11::mp_unique<types>>::value == Count,
                      "every seed gives a graph of its own type");
        (check(std::integral_constant<std::uint64_t, First + I>{}), ...);
    }(std::make_index_sequence<Count>{});
}

}  // namespace fgtest

// Random DAGs, generated at compile time from a seed, gradient-checked against central differences.
//
// Each seed gives a graph over two or three variables of broadcast-compatible shapes ([2,3], [3], [2,1],
// scalar): a list of nodes, each a smooth unary op, a binary op (+, -, *, and a / (1 + b²) that cannot
// divide by zero), a reduction that keeps a broadcastable shape, or a run-time constant (which makes the
// nodes above it "positioned"). Operands are drawn among all earlier nodes, so subexpressions are shared;
// every node no one reads is summed into the output. A static bound on each node's magnitude keeps the
// graph finite in float: an op that could exceed it is replaced by tanh.
#define BOOST_TEST_MODULE random_graphs_dag
#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "graph_check.hpp"

namespace fg = fusegrad;

namespace {

enum class kind { variable, unary, binary, reduce, scale, shift };
constexpr int unary_ops = 14, binary_ops = 4, reduce_ops = 3;
constexpr int max_nodes = 16;
constexpr double max_bound = 20;

struct dag_node {
    kind k = kind::variable;
    int op = 0;
    int a = 0, b = 0;
    double constant = 0;
    double bound = 1.5;  // |value| ≤ bound: inputs are drawn from [-1.5, 1.5]
    bool positioned = false;
    int tree = 1;  // nodes of the expression as a tree: what the graph pass walks when it is positioned
};

struct dag_spec {
    int variables = 0;
    int size = 0;
    std::array<int, 3> var_shape{};  // 0: [2,3], 1: [3], 2: [2,1], 3: scalar
    std::array<dag_node, max_nodes> nodes{};
    std::array<bool, max_nodes> sink{};
    bool mean_output = false;
};

constexpr double unary_bound(int op, double b) {
    switch (op) {
        case 0: case 1: return 1;                // tanh, sigmoid
        case 3: return 2.72;                      // exp(tanh x)
        case 4: case 12: return b * b;            // square, log1p(square)
        case 2: case 5: case 10: return b + 1;    // softplus, log_sigmoid, squareplus
        default: return b;                        // gelu ×2, silu, mish, tanh_shrink, negate
    }
}

/// The first node before `end` that nothing reads yet, or `otherwise`: a graph with fewer loose ends
/// sums fewer of them into its output.
constexpr int unread_node(const dag_spec& s, int end, int otherwise) {
    std::array<bool, max_nodes> read{};
    for (int i = s.variables; i < end; ++i) {
        read[s.nodes[i].a] = true;
        if (s.nodes[i].k == kind::binary) read[s.nodes[i].b] = true;
    }
    for (int i = 0; i < end - 1; ++i)
        if (!read[i]) return i;
    return otherwise;
}

constexpr dag_spec make_dag(std::uint64_t seed) {
    fgtest::splitmix64 rng{seed};
    dag_spec s;
    s.variables = 2 + rng.below(2);
    for (int v = 0; v < s.variables; ++v) s.var_shape[v] = rng.below(4);
    s.size = s.variables + 3 + rng.below(6);
    s.mean_output = rng.below(4) == 0;
    // A positioned operand is walked once per path to it: keep such trees small.
    const auto pick = [&](int candidate) {
        const dag_node& n = s.nodes[candidate];
        return n.positioned && n.tree > 6 ? rng.below(s.variables) : candidate;
    };
    for (int i = s.variables; i < s.size; ++i) {
        dag_node n;
        const int roll = rng.below(20);
        n.k = roll < 8 ? kind::unary : roll < 15 ? kind::binary : roll < 17 ? kind::reduce
                                                                : roll < 19 ? kind::scale : kind::shift;
        n.a = pick(i - 1 - rng.below(i < 3 ? i : 3));  // mostly recent nodes: depth
        n.b = pick(rng.below(i));                       // anywhere before: sharing
        if (rng.below(2) == 0) n.b = pick(unread_node(s, i, n.b));
        const dag_node &a = s.nodes[n.a], &b = s.nodes[n.b];
        switch (n.k) {
            case kind::unary: n.op = rng.below(unary_ops); n.bound = unary_bound(n.op, a.bound); break;
            case kind::binary:
                n.op = rng.below(binary_ops);
                n.bound = n.op < 2 ? a.bound + b.bound : n.op == 2 ? a.bound * b.bound : a.bound;
                break;
            case kind::reduce: n.op = rng.below(reduce_ops); n.bound = n.op == 0 ? 3 * a.bound : a.bound; break;
            case kind::scale: n.constant = rng.uniform(0.5, 1.5); n.bound = 1.5 * a.bound; break;
            case kind::shift: n.constant = rng.uniform(-1, 1); n.bound = a.bound + 1; break;
            default: break;
        }
        if (n.bound > max_bound) {
            n.k = kind::unary;
            n.op = 0;
            n.bound = 1;
        }
        const bool two = n.k == kind::binary;
        n.positioned = n.k == kind::scale || n.k == kind::shift || a.positioned || (two && b.positioned);
        n.tree = 1 + a.tree + (two ? b.tree : 0);
        s.nodes[i] = n;
    }
    for (int i = 0; i < s.size; ++i) s.sink[i] = true;
    for (int i = s.variables; i < s.size; ++i) {
        s.sink[s.nodes[i].a] = false;
        if (s.nodes[i].k == kind::binary) s.sink[s.nodes[i].b] = false;
    }
    return s;
}

template <std::uint64_t Seed>
constexpr dag_spec spec = make_dag(Seed);

constexpr fg::fixed_string<2> var_name(int i) {
    fg::fixed_string<2> name("a");
    name.chars[0] = static_cast<char>('a' + i);
    return name;
}

template <int Shape, fg::fixed_string Name>
constexpr auto make_variable() {
    if constexpr (Shape == 0) return fg::var<Name, 2, 3>{};
    else if constexpr (Shape == 1) return fg::var<Name, 3>{};
    else if constexpr (Shape == 2) return fg::var<Name, 2, 1>{};
    else return fg::var<Name>{};
}

template <int Op, class X>
constexpr auto unary_node(const X& x) {
    if constexpr (Op == 0) return fg::tanh(x);
    else if constexpr (Op == 1) return fg::sigmoid(x);
    else if constexpr (Op == 2) return fg::softplus(x);
    else if constexpr (Op == 3) return fg::exp(fg::tanh(x));
    else if constexpr (Op == 4) return fg::square(x);
    else if constexpr (Op == 5) return fg::log_sigmoid(x);
    else if constexpr (Op == 6) return fg::gelu(x);
    else if constexpr (Op == 7) return fg::silu(x);
    else if constexpr (Op == 8) return fg::mish(x);
    else if constexpr (Op == 9) return fg::tanh_shrink(x);
    else if constexpr (Op == 10) return fg::squareplus(x);
    else if constexpr (Op == 11) return fg::gelu<true>(x);
    else if constexpr (Op == 12) return fg::log1p(fg::square(x));
    else return -x;
}

template <int Op, class A, class B>
constexpr auto binary_node(const A& a, const B& b) {
    if constexpr (Op == 0) return a + b;
    else if constexpr (Op == 1) return a - b;
    else if constexpr (Op == 2) return a * b;
    else return a / (fg::square(b) + 1);
}

template <int Op, class X>
constexpr auto reduce_node(const X& x) {
    if constexpr (Op == 0) return fg::sum<-1>(x);
    else if constexpr (Op == 1) return fg::mean<0>(x);
    else return fg::mean(x);
}

template <std::uint64_t Seed, int I>
constexpr auto node() {
    constexpr dag_node n = spec<Seed>.nodes[I];
    if constexpr (n.k == kind::variable) return make_variable<spec<Seed>.var_shape[I], var_name(I)>();
    else if constexpr (n.k == kind::unary) return unary_node<n.op>(node<Seed, n.a>());
    else if constexpr (n.k == kind::binary) return binary_node<n.op>(node<Seed, n.a>(), node<Seed, n.b>());
    else if constexpr (n.k == kind::reduce) return reduce_node<n.op>(node<Seed, n.a>());
    else if constexpr (n.k == kind::scale) return node<Seed, n.a>() * n.constant;
    else return node<Seed, n.a>() + n.constant;
}

template <std::uint64_t Seed>
constexpr auto graph() {
    // Summing every unread node (a variable no op picked included) makes each node and variable matter.
    constexpr auto sinks = [] {
        std::array<int, max_nodes> list{};
        int count = 0;
        for (int i = 0; i < spec<Seed>.size; ++i)
            if (spec<Seed>.sink[i]) list[count++] = i;
        return std::pair{list, count};
    }();
    return [&]<int... S>(std::integer_sequence<int, S...>) {
        if constexpr (spec<Seed>.mean_output) return (fg::mean(node<Seed, sinks.first[S]>()) + ...);
        else return (fg::sum(node<Seed, sinks.first[S]>()) + ...);
    }(std::make_integer_sequence<int, sinks.second>{});
}

template <std::uint64_t Seed>
constexpr auto variables() {
    return [&]<int... I>(std::integer_sequence<int, I...>) {
        return fgtest::variable_list<decltype(node<Seed, I>())...>{};
    }(std::make_integer_sequence<int, spec<Seed>.variables>{});
}

/// Uniform inputs in [-1.5, 1.5], one vector per variable of the given sizes.
fgtest::flat_inputs make_inputs(std::uint64_t seed, const std::vector<std::size_t>& sizes) {
    fgtest::splitmix64 rng{seed ^ 0x5eedULL};
    fgtest::flat_inputs inputs;
    for (const std::size_t n : sizes) inputs.push_back(rng.uniform_vector(n, -1.5, 1.5));
    return inputs;
}

void report(std::uint64_t seed, std::size_t nodes, const std::string& failures) {
    BOOST_TEST_CONTEXT("seed " << seed << ", " << nodes << " nodes") { BOOST_TEST(failures.empty(), failures); }
}

template <std::uint64_t Seed>
void check_dag() {
    constexpr auto expr = graph<Seed>();
    constexpr auto vars = variables<Seed>();
    const auto sizes = [&]<class... V>(fgtest::variable_list<V...>) {
        return std::vector<std::size_t>{V::shape.size(1)...};
    }(vars);
    report(Seed, decltype(fg::compile(expr))::node_count,
           fgtest::check_gradients<vars.size>(expr, vars, make_inputs(Seed, sizes)));
}

constexpr std::uint64_t first_seed = 0xda6;
constexpr std::size_t graph_count = 110;

}  // namespace

BOOST_AUTO_TEST_CASE(random_dags_match_central_differences) {
    fgtest::check_seeds<first_seed, graph_count>([](auto seed) { return graph<decltype(seed)::value>(); },
                                                 [](auto seed) { check_dag<decltype(seed)::value>(); });
}

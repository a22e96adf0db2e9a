#pragma once
#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include <boost/mp11/algorithm.hpp>

#include "../detail/number_text.hpp"
#include "../expr/node.hpp"
#include "node_kind.hpp"
#include "plan.hpp"
#include "topology.hpp"

namespace fusegrad::graph {

namespace detail {
/// A shape as the docs write it: "()", "(3)", "(4, 3)", "(B, 128)".
inline std::string shape_text(shape_info s) {
    if (s.rank == 0) return "()";
    if (s.rank == 1) return "(" + std::to_string(s.cols) + ")";
    return "(" + (s.batched ? std::string{"B"} : std::to_string(s.rows)) + ", " + std::to_string(s.cols) + ")";
}

/// Text inside a DOT double-quoted string: quotes and backslashes escaped.
inline std::string dot_quoted(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out;
}

template <class Op>
std::string op_name() {
    if constexpr (requires { Op::name; }) return std::string{Op::name};
    else return "apply";  // a user op given to fg::apply names nothing
}

/// What a node is: a variable's name, a constant's value, an op's name.
template <class Node>
std::string node_label(const Node& node) {
    constexpr node_kind k = graph::kind_of<Node>;
    if constexpr (k == node_kind::variable) {
        return std::string{Node::name.view()};
    } else if constexpr (k == node_kind::constant) {
        return fusegrad::detail::number_text(node.value);
    } else if constexpr (k == node_kind::matmul) {
        return "matmul";
    } else if constexpr (k == node_kind::transpose) {
        return "transpose";
    } else if constexpr (k == node_kind::reduce) {
        std::string name = Node::kind == reduce_kind::sum ? "sum" : "mean";
        if constexpr (Node::axis == reduce_axis::rows) name += "(axis=0)";
        else if constexpr (Node::axis == reduce_axis::cols) name += "(axis=-1)";
        return name;
    } else {
        return op_name<typename Node::op_type>();
    }
}

/// Every node depending on a variable: what value_and_grad with respect to all variables differentiates.
template <class Root>
struct all_variables_need_grad {
    using graph = graph_info<Root>;
    static constexpr std::array<bool, graph::size> value = [] {
        std::array<bool, graph::size> needs{};
        for (std::size_t i = 0; i < graph::size; ++i) {
            needs[i] = graph::nodes[i].kind == node_kind::variable;
            for (std::size_t c = 0; c < graph::nodes[i].child_count; ++c)
                needs[i] = needs[i] || needs[graph::nodes[i].children[c]];
        }
        return needs;
    }();
};

template <class Root>
std::string dot_of(const Root& root) {
    using graph = graph_info<Root>;
    using order = typename graph::order;
    using plan = gradient_plan<Root, all_variables_need_grad<Root>>;
    constexpr std::size_t size = graph::size;

    const std::array<std::string, size> names = [&]<std::size_t... I>(std::index_sequence<I...>) {
        return std::array<std::string, size>{
            dot_quoted(node_label(node_at<boost::mp11::mp_at_c<order, I>>(root)))...};
    }(std::make_index_sequence<size>{});

    // A fused chain is named by its head: the first node up the parents that is not itself fused.
    std::array<std::size_t, size> head{};
    std::array<bool, size> heads_a_chain{};
    for (std::size_t i = 0; i < size; ++i) {
        std::size_t h = i;
        while (graph::fusible[h]) h = graph::parent[h];
        head[i] = h;
        if (h != i) heads_a_chain[h] = true;
    }
    auto in_chain = [&](std::size_t i) { return graph::fusible[i] || heads_a_chain[i]; };

    auto forward_node = [&](std::size_t i, std::string_view indent) {
        const node_info& n = graph::nodes[i];
        std::string line = std::string{indent} + "n" + std::to_string(i) + " [";
        if (n.kind == node_kind::variable) line += "shape=box, ";
        else if (n.kind == node_kind::constant) line += "shape=plaintext, ";
        return line + "label=\"" + names[i] + "\\n" + shape_text(n.shape) + "\"];\n";
    };

    std::string out = "digraph fusegrad {\n  node [fontname=\"Helvetica\"];\n";
    out += "  subgraph cluster_forward {\n    label=\"forward\";\n";
    std::size_t chain = 0;
    for (std::size_t i = 0; i < size; ++i) {
        if (!in_chain(i)) {
            out += forward_node(i, "    ");
        } else if (head[i] == i) {
            out += "    subgraph cluster_" + std::to_string(chain++) + " {\n      label=\"fused\";\n      style=dashed;\n";
            for (std::size_t j = 0; j <= i; ++j)
                if (head[j] == i) out += forward_node(j, "      ");
            out += "    }\n";
        }
    }
    for (std::size_t i = 0; i < size; ++i)
        for (std::size_t c = 0; c < graph::nodes[i].child_count; ++c) {
            const std::size_t j = graph::nodes[i].children[c];
            out += "    n" + std::to_string(j) + " -> n" + std::to_string(i) + " [label=\"" +
                   shape_text(graph::nodes[j].shape) + "\"];\n";
        }
    out += "  }\n";

    // Backward, in the order backprop runs: a node passed through by its fused parent has no adjoint
    // buffer of its own and is drawn dashed.
    out += "  subgraph cluster_backward {\n    label=\"backward\";\n";
    for (std::size_t k = size; k-- > 0;) {
        if (!plan::needs_grad[k]) continue;
        const node_info& n = graph::nodes[k];
        out += "    g" + std::to_string(k) + " [";
        if (n.kind == node_kind::variable) out += "shape=box, label=\"∂/∂" + names[k];
        else out += std::string{plan::has_adjoint(k) ? "" : "style=dashed, "} + "label=\"∂ " + names[k];
        out += "\\n" + shape_text(n.shape) + "\"];\n";
    }
    for (std::size_t k = size; k-- > 0;) {
        if (!plan::needs_grad[k]) continue;
        for (std::size_t c = 0; c < graph::nodes[k].child_count; ++c) {
            const std::size_t j = graph::nodes[k].children[c];
            if (plan::needs_grad[j])
                out += "    g" + std::to_string(k) + " -> g" + std::to_string(j) + " [label=\"" +
                       shape_text(graph::nodes[j].shape) + "\"];\n";
        }
    }
    out += "  }\n}\n";
    return out;
}
}  // namespace detail

}  // namespace fusegrad::graph

namespace fusegrad {

/// The graph of an expression in Graphviz DOT: one digraph with a "forward" cluster (nodes after CSE,
/// fused chains as nested clusters) and a "backward" cluster (the adjoints of value_and_grad with respect
/// to every variable). See docs/graph-pictures.md.
template <expression Expr>
std::string to_dot(const Expr& e) {
    return graph::detail::dot_of(e);
}

/// A model's inference graph, `model.output()`, with its variables named as the model names them.
template <class Model>
    requires(!expression<Model> && requires(const Model& m) {
        { m.output() } -> expression;
    })
std::string to_dot(const Model& model) {
    return graph::detail::dot_of(model.output());
}

}  // namespace fusegrad

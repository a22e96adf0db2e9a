#define BOOST_TEST_MODULE fusegrad_graph_dot
#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <cstdlib>
#include <string>
#include <type_traits>
#include <utility>

#include <fusegrad/fusegrad.hpp>

#include "test_support.hpp"

#include "temporary_directory.hpp"

namespace fg = fusegrad;

namespace {

using fgtest::contains;

std::size_t count(const std::string& text, const std::string& piece) {
    std::size_t n = 0;
    for (std::size_t at = text.find(piece); at != std::string::npos; at = text.find(piece, at + piece.size())) ++n;
    return n;
}

/// Whether Graphviz accepts the text; false with no message when `dot` is not installed (see has_graphviz).
bool graphviz_accepts(const std::string& text) {
    fgtest::temporary_directory dir;
    const auto file = fgtest::write_text(dir.path() / "graph.dot", text);
    const std::string command = "dot -Tsvg '" + file.string() + "' -o '" + (dir.path() / "graph.svg").string() + "'";
    return std::system(command.c_str()) == 0;
}

bool has_graphviz() { return std::system("command -v dot > /dev/null 2>&1") == 0; }

constexpr fg::var<"x", 4> x;
constexpr fg::var<"W", 4, 3> W;
constexpr fg::var<"b", 3> b;
constexpr auto mlp = fg::sum(fg::tanh(fg::matmul(x, W) + b));

// Written by hand from the graph: x, W, matmul, b, add, tanh, sum in topological order; add is read once by
// tanh, an elementwise parent of its shape, so add and tanh are one fused chain. Every node depends on a
// variable, so every node gets an adjoint except add, which tanh's loop passes through.
const std::string mlp_dot = R"dot(digraph fusegrad {
  node [fontname="Helvetica"];
  subgraph cluster_forward {
    label="forward";
    n0 [shape=box, label="x\n(4)"];
    n1 [shape=box, label="W\n(4, 3)"];
    n2 [label="matmul\n(3)"];
    n3 [shape=box, label="b\n(3)"];
    subgraph cluster_0 {
      label="fused";
      style=dashed;
      n4 [label="add\n(3)"];
      n5 [label="tanh\n(3)"];
    }
    n6 [label="sum\n()"];
    n0 -> n2 [label="(4)"];
    n1 -> n2 [label="(4, 3)"];
    n2 -> n4 [label="(3)"];
    n3 -> n4 [label="(3)"];
    n4 -> n5 [label="(3)"];
    n5 -> n6 [label="(3)"];
  }
  subgraph cluster_backward {
    label="backward";
    g6 [label="∂ sum\n()"];
    g5 [label="∂ tanh\n(3)"];
    g4 [style=dashed, label="∂ add\n(3)"];
    g3 [shape=box, label="∂/∂b\n(3)"];
    g2 [label="∂ matmul\n(3)"];
    g1 [shape=box, label="∂/∂W\n(4, 3)"];
    g0 [shape=box, label="∂/∂x\n(4)"];
    g6 -> g5 [label="(3)"];
    g5 -> g4 [label="(3)"];
    g4 -> g2 [label="(3)"];
    g4 -> g3 [label="(3)"];
    g2 -> g0 [label="(4)"];
    g2 -> g1 [label="(4, 3)"];
  }
}
)dot";

constexpr auto model = fg::sequential(fg::input<784>, fg::dense<128>(fg::activation<"relu">), fg::dense<10>());

}  // namespace

BOOST_AUTO_TEST_CASE(small_graph_exact_text) {
    BOOST_TEST(fg::to_dot(mlp) == mlp_dot);
    BOOST_TEST(fg::to_dot(mlp) == fg::to_dot(mlp));
}

BOOST_AUTO_TEST_CASE(shared_subexpression_is_one_node) {
    constexpr auto t = fg::tanh(x);
    const std::string dot = fg::to_dot(fg::sum(t * t));
    BOOST_TEST(count(dot, "label=\"tanh\\n(4)\"") == 1);
    BOOST_TEST(count(dot, "n1 -> n2 ") == 2);  // multiply reads tanh twice
    BOOST_TEST(count(dot, "g2 -> g1 ") == 2);  // and sends it two contributions
}

BOOST_AUTO_TEST_CASE(constants_are_drawn_by_value_and_get_no_adjoint) {
    const std::string dot = fg::to_dot(fg::sum(x * 2.5));
    BOOST_TEST(contains(dot, "n1 [shape=plaintext, label=\"2.5\\n()\"];"));
    BOOST_TEST(!contains(dot, "g1 "));
    BOOST_TEST(contains(dot, "g0 [shape=box, label=\"∂/∂x\\n(4)\"];"));
}

BOOST_AUTO_TEST_CASE(batched_loss_graph) {
    constexpr fg::var<"logits", fg::batch, 10> logits;
    constexpr fg::var<"labels", fg::batch, 1> labels;
    const std::string dot =
        fg::to_dot(fg::sparse_categorical_crossentropy{.from_logits = true}(fg::softmax(logits), labels));
    BOOST_TEST(contains(dot, "label=\"logits\\n(B, 10)\""));
    BOOST_TEST(contains(dot, "label=\"softmax\\n(B, 10)\""));
    BOOST_TEST(contains(dot, "label=\"sparse_categorical_crossentropy\\n(B, 1)\""));
    BOOST_TEST(contains(dot, "label=\"mean\\n()\""));
    BOOST_TEST(contains(dot, "label=\"∂/∂logits\\n(B, 10)\""));
}

BOOST_AUTO_TEST_CASE(model_graph_agrees_with_summary) {
    using model_type = std::remove_cvref_t<decltype(model)>;
    const std::string dot = fg::to_dot(model);
    const std::string summary = model.summary();
    BOOST_TEST(dot == fg::to_dot(model.output()));
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (([&] {
             constexpr std::size_t layer = I + 1;
             const std::string name{model_type::layer_name<layer>().view()};
             std::string shape = model_type::features_before<layer + 1>().to_string();  // the summary's
             BOOST_TEST_CONTEXT("layer " << name << " " << shape) {
                 BOOST_TEST(contains(summary, name));
                 BOOST_TEST(contains(summary, shape));
                 if (model_type::layer_parameter_count<layer>() > 0) {
                     BOOST_TEST(contains(dot, "label=\"" + name + "/kernel\\n"));
                     BOOST_TEST(contains(dot, "label=\"∂/∂" + name + "/kernel\\n"));
                 }
                 shape.replace(shape.find("None"), 4, "B");
                 BOOST_TEST(contains(dot, "\\n" + shape + "\""));
             }
         }()),
         ...);
    }(std::make_index_sequence<model_type::layer_count - 1>{});
    BOOST_TEST(contains(dot, "label=\"input\\n(B, 784)\""));
    BOOST_TEST(contains(dot, "label=\"relu\\n(B, 128)\""));
    BOOST_TEST(contains(dot, "label=\"dense_1/bias\\n(10)\""));
}

BOOST_AUTO_TEST_CASE(graphviz_accepts_the_text) {
    if (!has_graphviz()) {
        BOOST_TEST_MESSAGE("skipped: Graphviz's dot is not installed");
        return;
    }
    BOOST_TEST(graphviz_accepts(mlp_dot));
    BOOST_TEST(graphviz_accepts(fg::to_dot(model)));
    BOOST_TEST(graphviz_accepts(fg::to_dot(fg::sum(x * 2.5))));
}

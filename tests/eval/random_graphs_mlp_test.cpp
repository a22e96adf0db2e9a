// Random multilayer perceptrons, generated at compile time from a seed, gradient-checked against central
// differences.
//
// Each seed gives 1 to 3 dense layers of width 2 to 5 over an input that is a vector, a fixed matrix or a
// batch (whose size is drawn at run time). A layer is matmul + bias + an activation; the matmul takes one
// of the forms x·W, W·x (matrix times vector), x·Wᵀ, Wᵀ·x, so every matmul shape combination and transpose
// meet the bias broadcast. Activations are the smooth Keras ones (kinks would defeat finite differences),
// by Keras name where they have one; glu halves the width. The loss is a sum, a mean, a squared error
// against a target, a cross-entropy against one-hot labels, or a row-wise reduction. Gradients are asked
// for every parameter, and for the input in some graphs; targets and labels are bound but never asked.
#define BOOST_TEST_MODULE random_graphs_mlp
#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdint>
#include <utility>

#include <boost/mp11/algorithm.hpp>

#include "graph_check.hpp"

namespace fg = fusegrad;

namespace {

enum class input_kind { vector, matrix, batch };
enum class loss_kind { sum, mean, squared_error, cross_entropy, row_norms };
constexpr int activation_count = 15;
constexpr int glu_activation = 12, exponential_activation = 13;
constexpr int max_depth = 3;

struct mlp_spec {
    input_kind input{};
    int depth = 1;
    std::array<int, max_depth + 1> width{};  // width[l]: the input of layer l; width[depth]: the output
    std::array<int, max_depth> units{};      // the affine part's outputs (twice the width after glu)
    std::array<int, max_depth> form{};       // 0: h·W, 1: W·h or h·Wᵀ, 2: Wᵀ·h (vector input only)
    std::array<int, max_depth> activation{};
    loss_kind loss{};
    bool input_gradient = false;
};

constexpr mlp_spec make_mlp(std::uint64_t seed) {
    fgtest::splitmix64 rng{seed};
    mlp_spec s;
    s.input = static_cast<input_kind>(rng.below(3));
    s.depth = 1 + rng.below(max_depth);
    s.width[0] = 2 + rng.below(4);
    for (int l = 0; l < s.depth; ++l) {
        s.form[l] = rng.below(s.input == input_kind::vector ? 3 : 2);
        int act = rng.below(activation_count);
        // e^x only where nothing follows it, so that no layer sees huge inputs.
        if (act == exponential_activation && l + 1 < s.depth) act = 0;
        s.activation[l] = act;
        s.units[l] = 2 + rng.below(4);
        if (act == glu_activation) s.units[l] += s.units[l] % 2;
        s.width[l + 1] = act == glu_activation ? s.units[l] / 2 : s.units[l];
    }
    s.loss = static_cast<loss_kind>(rng.below(5));
    s.input_gradient = rng.below(3) == 0;
    return s;
}

template <std::uint64_t Seed>
constexpr mlp_spec spec = make_mlp(Seed);

constexpr fg::fixed_string<3> layer_name(char kind, int layer) {
    fg::fixed_string<3> name("W0");
    name.chars[0] = kind;
    name.chars[1] = static_cast<char>('0' + layer);
    return name;
}

template <std::uint64_t Seed>
constexpr auto input() {
    constexpr std::size_t n = spec<Seed>.width[0];
    if constexpr (spec<Seed>.input == input_kind::vector) return fg::var<"x", n>{};
    else if constexpr (spec<Seed>.input == input_kind::matrix) return fg::var<"x", 2, n>{};
    else return fg::var<"x", fg::batch, n>{};
}

template <std::uint64_t Seed, int L>
constexpr auto weight() {
    constexpr std::size_t in = spec<Seed>.width[L], out = spec<Seed>.units[L];
    if constexpr (spec<Seed>.form[L] == 1) return fg::var<layer_name('W', L), out, in>{};
    else return fg::var<layer_name('W', L), in, out>{};
}

template <std::uint64_t Seed, int L>
constexpr auto bias() {
    return fg::var<layer_name('b', L), static_cast<std::size_t>(spec<Seed>.units[L])>{};
}

template <int Act, class X>
constexpr auto activate(const X& x) {
    if constexpr (Act == 0) return fg::activation<"tanh">(x);
    else if constexpr (Act == 1) return fg::activation<"sigmoid">(x);
    else if constexpr (Act == 2) return fg::activation<"softplus">(x);
    else if constexpr (Act == 3) return fg::activation<"gelu">(x);
    else if constexpr (Act == 4) return fg::gelu<true>(x);
    else if constexpr (Act == 5) return fg::activation<"swish">(x);
    else if constexpr (Act == 6) return fg::activation<"mish">(x);
    else if constexpr (Act == 7) return fg::activation<"log_sigmoid">(x);
    else if constexpr (Act == 8) return fg::activation<"softmax">(x);
    else if constexpr (Act == 9) return fg::activation<"log_softmax">(x);
    else if constexpr (Act == 10) return fg::activation<"squareplus">(x);
    else if constexpr (Act == 11) return fg::activation<"tanh_shrink">(x);
    else if constexpr (Act == glu_activation) return fg::activation<"glu">(x);
    else if constexpr (Act == exponential_activation) return fg::activation<"exponential">(x);
    else return fg::activation<"linear">(x);
}

template <std::uint64_t Seed, int L, class H>
constexpr auto dense(const H& h) {
    constexpr auto W = weight<Seed, L>();
    constexpr int form = spec<Seed>.form[L];
    if constexpr (form == 0) return activate<spec<Seed>.activation[L]>(fg::matmul(h, W) + bias<Seed, L>());
    else if constexpr (form == 2) return activate<spec<Seed>.activation[L]>(fg::matmul(fg::transpose(W), h) + bias<Seed, L>());
    else if constexpr (H::shape.rank == 1) return activate<spec<Seed>.activation[L]>(fg::matmul(W, h) + bias<Seed, L>());
    else return activate<spec<Seed>.activation[L]>(fg::matmul(h, fg::transpose(W)) + bias<Seed, L>());
}

template <std::uint64_t Seed, int L = 0, class H>
constexpr auto layers(const H& h) {
    if constexpr (L == spec<Seed>.depth) return h;
    else return layers<Seed, L + 1>(dense<Seed, L>(h));
}

template <std::uint64_t Seed>
using output_t = decltype(layers<Seed>(input<Seed>()));

/// The labels of the loss: a target for the squared error, one-hot rows for the cross-entropy.
template <std::uint64_t Seed>
constexpr auto labels() {
    constexpr loss_kind loss = spec<Seed>.loss;
    if constexpr (loss == loss_kind::squared_error)
        return fgtest::variable_list<decltype(fgtest::variable_like<"t", output_t<Seed>::shape>())>{};
    else if constexpr (loss == loss_kind::cross_entropy)
        return fgtest::variable_list<decltype(fgtest::variable_like<"y", output_t<Seed>::shape>())>{};
    else return fgtest::variable_list<>{};
}

template <class... V>
constexpr auto first(fgtest::variable_list<V...>) {
    return boost::mp11::mp_front<boost::mp11::mp_list<V...>>{};
}

template <std::uint64_t Seed>
constexpr auto graph() {
    constexpr auto y = layers<Seed>(input<Seed>());
    constexpr loss_kind loss = spec<Seed>.loss;
    if constexpr (loss == loss_kind::sum) return fg::sum(y);
    else if constexpr (loss == loss_kind::mean) return fg::mean(y);
    else if constexpr (loss == loss_kind::squared_error) return fg::sum(fg::square(y - first(labels<Seed>())));
    else if constexpr (loss == loss_kind::cross_entropy) return -fg::sum(first(labels<Seed>()) * fg::log_softmax(y));
    else return fg::mean(fg::sum<-1>(fg::square(y)));
}

/// The variables in binding order: first those whose gradient is checked (the parameters, and the
/// input when the spec asks), then the rest; and how many are checked.
template <std::uint64_t Seed>
constexpr auto variables() {
    constexpr auto params = []<int... L>(std::integer_sequence<int, L...>) {
        return boost::mp11::mp_append<
            fgtest::variable_list<decltype(weight<Seed, L>()), decltype(bias<Seed, L>())>...>{};
    }(std::make_integer_sequence<int, spec<Seed>.depth>{});
    return boost::mp11::mp_append<std::remove_const_t<decltype(params)>, fgtest::variable_list<decltype(input<Seed>())>,
                                  decltype(labels<Seed>())>{};
}

template <std::uint64_t Seed>
constexpr std::size_t checked_count = 2 * spec<Seed>.depth + (spec<Seed>.input_gradient ? 1 : 0);

/// Inputs in the binding order of variables(): weights and biases small, inputs in [-1.5, 1.5], targets in
/// [-1, 1], one one-hot label per row.
fgtest::flat_inputs make_inputs(std::uint64_t seed, const mlp_spec& s, std::size_t input_size, fg::shape_info out,
                                std::size_t batch) {
    fgtest::splitmix64 rng{seed ^ 0xfeedULL};
    fgtest::flat_inputs in;
    for (int l = 0; l < s.depth; ++l) {
        in.push_back(rng.uniform_vector(std::size_t(s.width[l] * s.units[l]), -0.8, 0.8));
        in.push_back(rng.uniform_vector(std::size_t(s.units[l]), -0.3, 0.3));
    }
    in.push_back(rng.uniform_vector(input_size, -1.5, 1.5));
    if (s.loss == loss_kind::squared_error) {
        in.push_back(rng.uniform_vector(out.size(batch), -1, 1));
    } else if (s.loss == loss_kind::cross_entropy) {
        std::vector<double> onehot(out.size(batch), 0.0);
        for (std::size_t r = 0; r < out.row_count(batch); ++r)
            onehot[r * out.cols + std::size_t(rng.below(int(out.cols)))] = 1;
        in.push_back(onehot);
    }
    return in;
}

void report(std::uint64_t seed, const mlp_spec& s, std::size_t batch, const std::string& failures) {
    BOOST_TEST_CONTEXT("seed " << seed << ", depth " << s.depth << ", batch " << batch) {
        BOOST_TEST(failures.empty(), failures);
    }
}

template <std::uint64_t Seed>
void check_mlp() {
    constexpr auto expr = graph<Seed>();
    constexpr auto vars = variables<Seed>();
    const std::size_t batch = 1 + Seed % 4;
    const auto inputs = make_inputs(Seed, spec<Seed>, input<Seed>().shape.size(batch), output_t<Seed>::shape, batch);
    report(Seed, spec<Seed>, batch,
           fgtest::check_gradients<checked_count<Seed>>(expr, vars, inputs));
}

constexpr std::uint64_t first_seed = 0x31f;
constexpr std::size_t graph_count = 90;

}  // namespace

BOOST_AUTO_TEST_CASE(random_mlps_match_central_differences) {
    fgtest::check_seeds<first_seed, graph_count>([](auto seed) { return graph<decltype(seed)::value>(); },
                                                 [](auto seed) { check_mlp<decltype(seed)::value>(); });
}

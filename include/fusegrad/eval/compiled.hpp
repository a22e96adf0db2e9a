#pragma once
#include <algorithm>
#include <array>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/mp11/algorithm.hpp>

#include "../graph/plan.hpp"
#include "../kernels/matmul.hpp"
#include "../shape/errors.hpp"
#include "bindings.hpp"
#include "exclusive_use.hpp"
#include "gradients.hpp"
#include "tensor.hpp"
#include "wrt.hpp"

namespace fusegrad {

namespace errors {
template <class Output>
constexpr bool value_and_grad_output_is_scalar = false;
}  // namespace errors

/// The result of value_and_grad; use as `auto [value, grad] = f.value_and_grad(...)`.
template <class Value, class Grads>
struct value_and_gradients {
    Value value;
    Grads grad;
};

/// An expression turned into straight-line forward and reverse code for scalar type T (float or double).
/// Holds a copy of the expression (for run-time constants) and a workspace sized once at compile time
/// (fixed shapes) or on first use of a batch size; calls allocate nothing else.
template <class Expr, class T>
class compiled_function {
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                  "fusegrad: compile: the scalar type must be float or double");

    using topo = graph::graph_info<Expr>;
    using order = typename topo::order;
    static constexpr std::size_t N = topo::size;
    static constexpr std::size_t root = N - 1;
    using value_plan = graph::value_plan<Expr>;

    template <class Wrt>
    struct needs_grad_of {
        static constexpr std::array<bool, N> value = [] {
            std::array<bool, N> needs{};
            constexpr auto requested = []<std::size_t... I>(std::index_sequence<I...>) {
                return std::array<bool, N>{boost::mp11::mp_contains<Wrt, graph::node_of<boost::mp11::mp_at_c<order, I>>>::value...};
            }(std::make_index_sequence<N>{});
            for (std::size_t i = 0; i < N; ++i) {
                needs[i] = requested[i] && topo::nodes[i].kind == graph::node_kind::variable;
                for (std::size_t c = 0; c < topo::nodes[i].child_count; ++c)
                    needs[i] = needs[i] || needs[topo::nodes[i].children[c]];
            }
            return needs;
        }();
    };
    template <class Wrt>
    using gradient_plan = graph::gradient_plan<Expr, needs_grad_of<Wrt>>;
    // Every variable requested: the largest workspace any gradient call can need.
    using all_variables = boost::mp11::mp_copy_if_q<boost::mp11::mp_transform<graph::node_of, order>,
                                                    boost::mp11::mp_quote_trait<detail::is_var_impl>>;
    using largest_plan = gradient_plan<all_variables>;

public:
    using scalar_type = T;
    using expression_type = Expr;
    static constexpr shape_info output_shape = Expr::shape;

    /// Distinct nodes after common-subexpression elimination.
    static constexpr std::size_t node_count = N;
    /// Workspace of a forward evaluation, in elements: fixed part, and per batch row.
    static constexpr std::size_t value_workspace_size = value_plan::plan.fixed_size;
    static constexpr std::size_t value_workspace_row_size = value_plan::plan.batched_row_size;
    /// Workspace of value_and_grad with respect to Vars..., in elements. `decltype(W)` of a constexpr
    /// variable is const: cv-qualifiers are dropped, as fg::wrt drops them.
    template <class... Vars>
    static constexpr std::size_t gradient_workspace_size =
        gradient_plan<boost::mp11::mp_list<std::remove_cvref_t<Vars>...>>::plan.fixed_size;
    template <class... Vars>
    static constexpr std::size_t gradient_workspace_row_size =
        gradient_plan<boost::mp11::mp_list<std::remove_cvref_t<Vars>...>>::plan.batched_row_size;

    explicit compiled_function(const Expr& e) : expr_(e) {
        check_variable_names();
        reserve(1);
    }

    const Expr& expression() const { return expr_; }

    /// The forward value: a T for a scalar output, a tensor for a fixed-shape one, a view into the
    /// workspace (valid until the next call) for a batched one.
    template <variable_binding... Bindings>
    auto value(const Bindings&... bindings) {
        const detail::exclusive_use::scope in_use(in_use_, "compiled_function::value");
        frame f = bind(bindings...);
        forward<value_mode>(f, std::make_index_sequence<N>{});
        record<value_mode>(f, std::make_index_sequence<N>{});
        return output<value_mode>(f);
    }

    /// The value of a scalar output and its gradient with respect to the variables named in `wrt`.
    template <class... Vars, variable_binding... Bindings>
    auto value_and_grad(wrt_t<Vars...>, const Bindings&... bindings) {
        using mode = gradient_mode<boost::mp11::mp_list<Vars...>>;
        const detail::exclusive_use::scope in_use(in_use_, "compiled_function::value_and_grad");
        // The adjoints of fixed-shape variables accumulate in the returned tensors themselves (no copy); a
        // batched variable's gradient, sized by the call, is copied in after.
        value_and_gradients<T, gradients<T, Vars...>> result{};
        const std::array<std::span<T>, sizeof...(Vars)> into{storage_of<Vars>(result.grad)...};
        const frame f = gradient_pass<mode, Vars...>(&into, true, bindings...);
        result.value = *materialized<root, mode>(f);
        collect_into<mode, Vars...>(f, result.grad);
        return result;
    }

    /// value_and_grad that writes each gradient into the caller's storage (`out`, in `wrt` order) instead of
    /// returning new tensors: what a training loop calls, allocating nothing. Returns the value.
    template <class... Vars, variable_binding... Bindings>
    T value_and_grad_into(wrt_t<Vars...>, const std::array<std::span<T>, sizeof...(Vars)>& out,
                          const Bindings&... bindings) {
        using mode = gradient_mode<boost::mp11::mp_list<Vars...>>;
        const detail::exclusive_use::scope in_use(in_use_, "compiled_function::value_and_grad_into");
        const frame f = gradient_pass<mode, Vars...>(&out, false, bindings...);
        std::size_t k = 0;
        (copy_gradient_into<mode, Vars>(f, out[k++]), ...);
        return *materialized<root, mode>(f);
    }

    /// The value a node of the expression took in the latest call (value, value_and_grad or vjp): a
    /// view into the workspace, valid until the next call. Reads the logits of a loss without a second
    /// forward pass. The node must occur once in the graph, and must not have been fused away in that call
    /// (the operand of a loss or a matmul never is).
    template <class Sub>
    tensor_view<T> last_value(const Sub&) const {
        constexpr std::size_t i = index_of_node<Sub>();
        if (!last_values_[i])
            throw std::logic_error("fusegrad: last_value: that node was fused into its parent in the latest call, "
                                   "or no call has been made yet");
        constexpr shape_info s = Sub::shape;
        return tensor_view<T>{last_values_[i], s.row_count(last_batch_), s.cols};
    }

    /// Vector-Jacobian product: the gradient of ⟨seed, output⟩ with respect to Vars. The seed has the
    /// output's shape (any contiguous range of T, or a tensor); also returns the output value.
    template <class Seed, class... Vars, variable_binding... Bindings>
    auto vjp(const Seed& seed, wrt_t<Vars...>, const Bindings&... bindings) {
        using mode = gradient_mode<boost::mp11::mp_list<Vars...>>;
        check_wrt<Vars...>();
        const detail::exclusive_use::scope in_use(in_use_, "compiled_function::vjp");
        frame f = bind(bindings...);
        // The gradients accumulate in the returned storage, sized now that the batch is known (and zero).
        gradients<T, Vars...> grads;
        (size_for_batch<Vars>(grads, f.batch), ...);
        {
            const std::array<std::span<T>, sizeof...(Vars)> into{storage_of<Vars>(grads)...};
            std::size_t k = 0;
            (accumulate_in_place<mode, Vars>(f, into[k++], true), ...);
        }
        forward<mode>(f, std::make_index_sequence<N>{});
        record<mode>(f, std::make_index_sequence<N>{});
        T seed_slot{};
        const auto s = detail::resolve_binding<T, seed_variable>(seed, seed_slot);
        if (s.size != Expr::shape.size(f.batch))
            throw std::invalid_argument("fusegrad: vjp: the seed has " + std::to_string(s.size) +
                                        " values, the output " + std::to_string(Expr::shape.size(f.batch)));
        backward<mode>(f, s.data);
        collect_into<mode, Vars...>(f, grads);
        return value_and_gradients<decltype(output<mode>(f)), gradients<T, Vars...>>{output<mode>(f), std::move(grads)};
    }

private:
    // A variable shaped like the output, so a seed is bound and checked like any input.
    using seed_variable = std::conditional_t<
        Expr::shape.rank == 0, var<"seed">,
        std::conditional_t<Expr::shape.rank == 1, var<"seed", Expr::shape.cols>,
                           std::conditional_t<Expr::shape.batched, var<"seed", batch, Expr::shape.cols>,
                                              var<"seed", Expr::shape.rows, Expr::shape.cols>>>>;

    struct frame {
        std::array<const T*, N> inputs{};
        // Where a variable's adjoint is accumulated when not in the workspace: the caller's gradient storage
        // (value_and_grad_into), which then needs no copy.
        std::array<T*, N> adjoint_in_place{};
        std::array<bool, N> adjoint_is_zero{};  // in-place storage that starts zero-filled: not cleared again
        const T* seed = nullptr;                 // the root's adjoint, read where the caller keeps it (vjp)
        T* fixed = nullptr;
        T* batched = nullptr;
        std::size_t batch = 1;
    };

    // ----- modes: where values and adjoints live, and which nodes are fused -----
    // Both modes fuse an elementwise chain into its head's loop; the gradient mode also keeps each link's
    // value, which its backward rule reads.
    struct value_mode {
        static constexpr bool fused(std::size_t i) { return topo::fusible[i]; }
        static constexpr bool keeps_values = false;
        static T* at(const frame& f, graph::slot s) {
            return s.batched ? f.batched + s.offset * f.batch : f.fixed + s.offset;
        }
        static T* value_ptr(const frame& f, std::size_t i) { return at(f, value_plan::plan.slots[i]); }
        static constexpr std::size_t fixed_size = value_plan::plan.fixed_size;
    };
    template <class Wrt>
    struct gradient_mode {
        using plan = gradient_plan<Wrt>;
        static constexpr bool fused(std::size_t i) { return topo::fusible[i]; }
        static constexpr bool keeps_values = true;
        static constexpr bool needs_grad(std::size_t i) { return plan::needs_grad[i]; }
        static constexpr bool has_adjoint(std::size_t i) { return plan::has_adjoint(i); }
        static constexpr bool written_once(std::size_t i) { return plan::written_once(i); }
        static T* value_ptr(const frame& f, std::size_t i) { return value_mode::at(f, plan::plan.values[i]); }
        static T* adjoint_ptr(const frame& f, std::size_t i) {
            return f.adjoint_in_place[i] ? f.adjoint_in_place[i] : value_mode::at(f, plan::plan.adjoints[i]);
        }
        static constexpr std::size_t fixed_size = plan::plan.fixed_size;
    };

    /// Forward and backward of a scalar output for value_and_grad and value_and_grad_into. With `into`, each
    /// variable's adjoint accumulates directly in that storage when it has the right size and overlaps no input
    /// (else it is copied there afterwards). `fresh` storage was just created by the call: zero-filled, and no
    /// input can lie in it.
    template <class Mode, class... Vars, class... Bindings>
    frame gradient_pass(const std::array<std::span<T>, sizeof...(Vars)>* into, [[maybe_unused]] bool fresh,
                        const Bindings&... bindings) {
        static_assert(errors::value_and_grad_output_is_scalar<shape_type<Expr::shape>> || Expr::shape.rank == 0,
                      "fusegrad: value_and_grad: the output is not a scalar; use vjp with a seed of the "
                      "output's shape, or reduce it with fg::sum / fg::mean");
        check_wrt<Vars...>();
        frame f = bind(bindings...);
        if (into) {
            std::size_t k = 0;
            (accumulate_in_place<Mode, Vars>(f, (*into)[k++], fresh), ...);
        }
        forward<Mode>(f, std::make_index_sequence<N>{});
        record<Mode>(f, std::make_index_sequence<N>{});
        backward<Mode>(f, nullptr);
        return f;
    }

    template <class Mode, class V>
    void accumulate_in_place(frame& f, std::span<T> dst, bool fresh) const {
        constexpr std::size_t i = boost::mp11::mp_find<order, V>::value;  // N when V is not in the graph (check_wrt)
        if constexpr (i < N && Mode::has_adjoint(i)) {
            if (dst.size() != V::shape.size(f.batch)) return;  // copy_gradient_into reports it
            // A loop, not a fold over the nodes: the fold made deep graphs compile 2-3 times slower.
            bool clash = false;
            for (std::size_t k = 0; k < variable_nodes.size() && !fresh; ++k) {
                const std::size_t j = variable_nodes[k];
                const T* p = f.inputs[j];
                clash |= p != nullptr && dst.data() < p + topo::nodes[j].shape.size(f.batch) &&
                         p < dst.data() + dst.size();
            }
            if (!clash) {
                f.adjoint_in_place[i] = dst.data();
                f.adjoint_is_zero[i] = fresh;
            }
        }
    }

    static constexpr std::size_t variable_count = [] {
        std::size_t n = 0;
        for (const auto& node : topo::nodes) n += node.kind == graph::node_kind::variable;
        return n;
    }();
    /// The indices of the variables, the only nodes with inputs: what the overlap check looks at.
    static constexpr std::array<std::size_t, variable_count> variable_nodes = [] {
        std::array<std::size_t, variable_count> v{};
        std::size_t k = 0;
        for (std::size_t i = 0; i < N; ++i)
            if (topo::nodes[i].kind == graph::node_kind::variable) v[k++] = i;
        return v;
    }();

    template <class Sub>
    static constexpr std::size_t index_of_node() {
        using nodes = boost::mp11::mp_transform<graph::node_of, order>;
        constexpr std::size_t count = boost::mp11::mp_count<nodes, Sub>::value;
        static_assert(count == 1, "fusegrad: last_value: the node must occur exactly once in the expression");
        return boost::mp11::mp_find<nodes, Sub>::value;
    }

    template <class Mode, std::size_t... I>
    void record(const frame& f, std::index_sequence<I...>) {
        ((last_values_[I] = topo::nodes[I].kind == graph::node_kind::variable ? f.inputs[I]
                            : Mode::fused(I) && !Mode::keeps_values       ? nullptr
                                                                           : Mode::value_ptr(f, I)),
         ...);
        last_batch_ = f.batch;
    }

    // ----- binding -----
    void reserve(std::size_t batch) {
        const std::size_t need = largest_plan::plan.fixed_size + largest_plan::plan.batched_row_size * batch;
        if (workspace_.size() < need) workspace_.resize(need);
        reserved_batch_ = batch;
    }

    static constexpr void check_variable_names() {
        constexpr bool unique = []<std::size_t... I>(std::index_sequence<I...>) {
            constexpr std::array<std::string_view, sizeof...(I)> names{name_of<I>()...};
            constexpr std::array<bool, sizeof...(I)> is_var{(topo::nodes[I].kind == graph::node_kind::variable)...};
            for (std::size_t a = 0; a < names.size(); ++a)
                for (std::size_t b = a + 1; b < names.size(); ++b)
                    if (is_var[a] && is_var[b] && names[a] == names[b]) return false;
            return true;
        }(std::make_index_sequence<N>{});
        static_assert(errors::variable_names_are_unique<Expr> || unique,
                      "fusegrad: compile: two variables share a name but differ in shape");
    }
    template <std::size_t I>
    static constexpr std::string_view name_of() {
        using node = graph::node_of<boost::mp11::mp_at_c<order, I>>;
        if constexpr (graph::kind_of<node> == graph::node_kind::variable) return node::name.view();
        else return {};
    }

    template <class... Vars>
    static constexpr void check_wrt() {
        (static_assert_in_graph<Vars>(), ...);
    }
    template <class V>
    static constexpr void static_assert_in_graph() {
        static_assert(errors::variable_is_in_the_graph<spelled<V::name>, shape_type<V::shape>> || boost::mp11::mp_contains<order, V>::value,
                      "fusegrad: wrt: a gradient is asked for a variable that does not appear in the expression");
    }

    template <class... Bindings>
    frame bind(const Bindings&... bindings) {
        using bound = boost::mp11::mp_list<typename Bindings::variable...>;
        static_assert(boost::mp11::mp_is_set<bound>::value, "fusegrad: the same variable is bound twice");
        frame f;
        std::size_t batch = 0;
        bool batch_known = false;
        bind_each(f, batch, batch_known, std::make_index_sequence<N>{}, bindings...);
        f.batch = batch_known ? batch : 1;
        if (f.batch > reserved_batch_) reserve(f.batch);
        f.fixed = workspace_.data();
        f.batched = workspace_.data() + largest_plan::plan.fixed_size;
        return f;
    }

    template <std::size_t... I, class... Bindings>
    void bind_each(frame& f, std::size_t& batch, bool& known, std::index_sequence<I...>, const Bindings&... b) {
        (bind_one<I>(f, batch, known, b...), ...);
    }

    template <std::size_t I, class... Bindings>
    void bind_one(frame& f, std::size_t& batch, bool& known, const Bindings&... bindings) {
        using node = graph::node_of<boost::mp11::mp_at_c<order, I>>;
        if constexpr (graph::kind_of<node> == graph::node_kind::variable) {
            using bound = boost::mp11::mp_list<typename Bindings::variable...>;
            constexpr std::size_t at = boost::mp11::mp_find<bound, node>::value;
            static_assert(errors::variable_is_bound<spelled<node::name>, shape_type<node::shape>> || at < sizeof...(Bindings),
                          "fusegrad: a variable of the expression is not bound; pass `x = data` for it");
            const auto& b = std::get<at>(std::forward_as_tuple(bindings...));
            const auto data = detail::resolve_binding<T, node>(b.source, scalars_[I]);
            f.inputs[I] = data.data;
            if constexpr (node::shape.batched) {
                const std::size_t rows = data.size / node::shape.cols;
                if (known && rows != batch)
                    throw std::invalid_argument("fusegrad: batched variables disagree on the batch size: '" +
                                                std::string{node::name.view()} + "' has " +
                                                std::to_string(rows) + " rows, another has " +
                                                std::to_string(batch));
                batch = rows;
                known = true;
            }
        }
    }

    // ----- forward -----
    template <std::size_t I, class Mode>
    const T* materialized(const frame& f) const {
        if constexpr (topo::nodes[I].kind == graph::node_kind::variable) return f.inputs[I];
        else return Mode::value_ptr(f, I);
    }

    /// Element (row, col) of node I, in I's own coordinates; a fused node computes it on the spot
    /// (and keeps it, in the gradient mode).
    template <std::size_t I, class Mode>
    T element(const frame& f, std::size_t row, std::size_t col) const {
        constexpr graph::node_info n = topo::nodes[I];
        if constexpr (Mode::fused(I)) {
            const auto& node = graph::node_at<boost::mp11::mp_at_c<order, I>>(expr_);
            T v;
            if constexpr (n.kind == graph::node_kind::unary) {
                v = node.op.value(element<n.children[0], Mode>(f, row, col));
            } else {
                v = node.op.value(child_element<I, 0, Mode>(f, row, col), child_element<I, 1, Mode>(f, row, col));
            }
            if constexpr (Mode::keeps_values) Mode::value_ptr(f, I)[row * n.shape.cols + col] = v;
            return v;
        } else {
            return stored<I, Mode>(f, row, col);
        }
    }

    /// Element (row, col) of node I as held in memory: a variable's data or a kept value.
    template <std::size_t I, class Mode>
    T stored(const frame& f, std::size_t row, std::size_t col) const {
        return materialized<I, Mode>(f)[row * topo::nodes[I].shape.cols + col];
    }

    /// Coordinates in node I's C-th child of I's element (row, col), through broadcasting.
    template <std::size_t I, std::size_t C>
    static constexpr std::pair<std::size_t, std::size_t> child_coords(std::size_t row, std::size_t col) {
        constexpr shape_info s = topo::nodes[topo::nodes[I].children[C]].shape;
        return {(s.batched || s.rows != 1) ? row : 0, s.cols == 1 ? 0 : col};
    }

    /// Element of the C-th child of elementwise node I at I's (row, col).
    template <std::size_t I, std::size_t C, class Mode>
    T child_element(const frame& f, std::size_t row, std::size_t col) const {
        const auto [r, c] = child_coords<I, C>(row, col);
        return element<topo::nodes[I].children[C], Mode>(f, r, c);
    }

    template <class Mode, std::size_t... I>
    void forward(const frame& f, std::index_sequence<I...>) {
        (compute<I, Mode>(f), ...);
    }

    template <std::size_t I, class Mode>
    void compute(const frame& f) {
        constexpr graph::node_info n = topo::nodes[I];
        if constexpr (n.kind == graph::node_kind::variable || Mode::fused(I)) {
            return;
        } else {
            using node_type = graph::node_of<boost::mp11::mp_at_c<order, I>>;
            const auto& node = graph::node_at<boost::mp11::mp_at_c<order, I>>(expr_);
            T* out = Mode::value_ptr(f, I);
            const std::size_t rows = n.shape.row_count(f.batch);
            constexpr std::size_t cols = n.shape.cols;
            if constexpr (n.kind == graph::node_kind::constant) {
                out[0] = static_cast<T>(node.value);
            } else if constexpr (n.kind == graph::node_kind::unary) {
                for (std::size_t r = 0; r < rows; ++r)
                    for (std::size_t c = 0; c < cols; ++c)
                        out[r * cols + c] = node.op.value(element<n.children[0], Mode>(f, r, c));
            } else if constexpr (n.kind == graph::node_kind::binary) {
                for (std::size_t r = 0; r < rows; ++r)
                    for (std::size_t c = 0; c < cols; ++c)
                        out[r * cols + c] =
                            node.op.value(child_element<I, 0, Mode>(f, r, c), child_element<I, 1, Mode>(f, r, c));
            } else if constexpr (n.kind == graph::node_kind::matmul) {
                constexpr shape_info sb = topo::nodes[n.children[1]].shape;
                constexpr std::size_t k = topo::nodes[n.children[0]].shape.cols;
                constexpr std::size_t m = sb.rank == 2 ? sb.cols : 1;
                const T* a = materialized<n.children[0], Mode>(f);
                const T* b = materialized<n.children[1], Mode>(f);
                kernels::matmul<T, k, m>(a, b, out, topo::nodes[n.children[0]].shape.row_count(f.batch));
            } else if constexpr (n.kind == graph::node_kind::transpose) {
                const T* x = materialized<n.children[0], Mode>(f);
                constexpr shape_info sx = topo::nodes[n.children[0]].shape;
                for (std::size_t r = 0; r < sx.rows; ++r)
                    for (std::size_t c = 0; c < sx.cols; ++c) out[c * sx.rows + r] = x[r * sx.cols + c];
            } else if constexpr (n.kind == graph::node_kind::reduce) {
                const T* x = materialized<n.children[0], Mode>(f);
                constexpr shape_info sx = topo::nodes[n.children[0]].shape;
                const std::size_t xrows = sx.row_count(f.batch);
                constexpr reduce_axis axis = node_type::axis;
                const std::size_t out_size = n.shape.size(f.batch);
                std::fill(out, out + out_size, T(0));
                for (std::size_t r = 0; r < xrows; ++r)
                    for (std::size_t c = 0; c < sx.cols; ++c) {
                        const T v = x[r * sx.cols + c];
                        if constexpr (axis == reduce_axis::all) out[0] += v;
                        else if constexpr (axis == reduce_axis::rows) out[c] += v;
                        else out[r] += v;
                    }
                if constexpr (node_type::kind == reduce_kind::mean) {
                    const T count = T(xrows * sx.cols) / T(out_size);
                    for (std::size_t i = 0; i < out_size; ++i) out[i] /= count;
                }
            } else if constexpr (n.kind == graph::node_kind::rowwise) {
                const T* x = materialized<n.children[0], Mode>(f);
                constexpr std::size_t in_cols = topo::nodes[n.children[0]].shape.cols;
                for (std::size_t r = 0; r < rows; ++r) node.op.forward(x + r * in_cols, out + r * cols, in_cols);
            } else if constexpr (n.kind == graph::node_kind::rowwise_pair) {
                const T* a = materialized<n.children[0], Mode>(f);
                const T* b = materialized<n.children[1], Mode>(f);
                constexpr std::size_t ac = topo::nodes[n.children[0]].shape.cols;
                constexpr std::size_t bc = topo::nodes[n.children[1]].shape.cols;
                for (std::size_t r = 0; r < rows; ++r) node.op.forward(a + r * ac, b + r * bc, out + r * cols, ac, bc);
            }
        }
    }

    template <class Mode>
    auto output(const frame& f) const {
        const T* out = materialized<root, Mode>(f);
        if constexpr (Expr::shape.rank == 0) {
            return *out;
        } else if constexpr (!Expr::shape.batched) {
            tensor_of<T, Expr::shape> result;
            std::copy(out, out + result.size(), result.data());
            return result;
        } else {
            return tensor_view<T>{out, f.batch, Expr::shape.cols};
        }
    }

    // ----- backward -----
    // An adjoint written once (plan::written_once) is assigned by its one writer; the others are cleared, then
    // accumulated into.
    template <class Mode>
    void backward(frame& f, const T* seed) {
        if constexpr (Mode::needs_grad(root)) {
            zero_adjoints<Mode>(f, std::make_index_sequence<N>{});
            if (!seed) {
                Mode::adjoint_ptr(f, root)[0] = T(1);
            } else if constexpr (topo::nodes[root].kind == graph::node_kind::variable) {
                std::copy(seed, seed + Expr::shape.size(f.batch), Mode::adjoint_ptr(f, root));  // the gradient itself
            } else {
                f.seed = seed;  // read in place by the root's backward rule
            }
            backprop_all<Mode>(f, std::make_index_sequence<N>{});
        }
    }

    template <class Mode, std::size_t... I>
    void zero_adjoints(const frame& f, std::index_sequence<I...>) {
        ((Mode::has_adjoint(I) && !Mode::written_once(I) && !f.adjoint_is_zero[I]
              ? std::fill_n(Mode::adjoint_ptr(f, I), topo::nodes[I].shape.size(f.batch), T(0))
              : nullptr),
         ...);
    }

    /// The adjoint of node I as its backward rule reads it.
    template <std::size_t I, class Mode>
    static const T* incoming(const frame& f) {
        if constexpr (I == root) return f.seed ? f.seed : Mode::adjoint_ptr(f, I);
        else return Mode::adjoint_ptr(f, I);
    }

    /// Writes `v` into element `at` of node I's adjoint: assigns when I is written once, else adds.
    template <std::size_t I, class Mode>
    static void deposit(T* adjoint, std::size_t at, T v) {
        if constexpr (Mode::written_once(I)) adjoint[at] = v;
        else adjoint[at] += v;
    }

    /// Before a row operation's backward rule adds into row `r` of a child's adjoint (`width` wide): a child
    /// written once is not cleared beforehand, so its row is cleared here, while it is in cache anyway.
    template <std::size_t C, class Mode>
    static void clear_row_if_written_once(T* adjoint, std::size_t r, std::size_t width) {
        if constexpr (Mode::written_once(C)) std::fill_n(adjoint + r * width, width, T(0));
    }

    template <class Mode, std::size_t... I>
    void backprop_all(const frame& f, std::index_sequence<I...>) {
        (backprop<N - 1 - I, Mode>(f), ...);
    }

    /// Adds g to the adjoint of node I at its own (row, col), or passes it through a fused node.
    template <std::size_t I, class Mode>
    void push(const frame& f, std::size_t row, std::size_t col, T g) {
        if constexpr (!Mode::needs_grad(I)) {
            return;
        } else if constexpr (Mode::has_adjoint(I)) {
            deposit<I, Mode>(Mode::adjoint_ptr(f, I), row * topo::nodes[I].shape.cols + col, g);
        } else {
            push_children<I, Mode>(f, row, col, g);
        }
    }

    /// The chain rule through elementwise node I at (row, col), given the adjoint g of that element.
    template <std::size_t I, class Mode>
    void push_children(const frame& f, std::size_t row, std::size_t col, T g) {
        constexpr graph::node_info n = topo::nodes[I];
        const auto& node = graph::node_at<boost::mp11::mp_at_c<order, I>>(expr_);
        const T y = stored<I, Mode>(f, row, col);
        if constexpr (n.kind == graph::node_kind::unary) {
            const T x = stored<n.children[0], Mode>(f, row, col);
            push<n.children[0], Mode>(f, row, col, g * node.op.derivative(x, y));
        } else {
            const auto [ra, ca] = child_coords<I, 0>(row, col);
            const auto [rb, cb] = child_coords<I, 1>(row, col);
            const T a = stored<n.children[0], Mode>(f, ra, ca);
            const T b = stored<n.children[1], Mode>(f, rb, cb);
            if constexpr (Mode::needs_grad(n.children[0]))
                push<n.children[0], Mode>(f, ra, ca, g * node.op.derivative_a(a, b, y));
            if constexpr (Mode::needs_grad(n.children[1]))
                push<n.children[1], Mode>(f, rb, cb, g * node.op.derivative_b(a, b, y));
        }
    }

    template <std::size_t I, class Mode>
    void backprop(const frame& f) {
        constexpr graph::node_info n = topo::nodes[I];
        if constexpr (!Mode::has_adjoint(I) || n.kind == graph::node_kind::variable ||
                      n.kind == graph::node_kind::constant) {
            return;
        } else {
            using node_type = graph::node_of<boost::mp11::mp_at_c<order, I>>;
            const T* g = incoming<I, Mode>(f);
            const std::size_t rows = n.shape.row_count(f.batch);
            constexpr std::size_t cols = n.shape.cols;
            if constexpr (graph::is_elementwise(n.kind)) {
                for (std::size_t r = 0; r < rows; ++r)
                    for (std::size_t c = 0; c < cols; ++c) push_children<I, Mode>(f, r, c, g[r * cols + c]);
            } else if constexpr (n.kind == graph::node_kind::matmul) {
                constexpr std::size_t ia = n.children[0], ib = n.children[1];
                constexpr shape_info sb = topo::nodes[ib].shape;
                constexpr std::size_t k = topo::nodes[ia].shape.cols;
                constexpr std::size_t m = sb.rank == 2 ? sb.cols : 1;
                const std::size_t arows = topo::nodes[ia].shape.row_count(f.batch);
                const T* a = materialized<ia, Mode>(f);
                const T* b = materialized<ib, Mode>(f);
                if constexpr (Mode::needs_grad(ia))  // dA += dC · Bᵀ
                    kernels::matmul_add_a_bt<T, k, m>(g, b, Mode::adjoint_ptr(f, ia), arows, !Mode::written_once(ia));
                if constexpr (Mode::needs_grad(ib)) {  // dB += Aᵀ · dC
                    kernels::matmul_add_at_b<T, k, m>(a, g, Mode::adjoint_ptr(f, ib), arows, !Mode::written_once(ib));
                }
            } else if constexpr (n.kind == graph::node_kind::transpose) {
                if constexpr (Mode::needs_grad(n.children[0])) {
                    T* dx = Mode::adjoint_ptr(f, n.children[0]);
                    constexpr shape_info sx = topo::nodes[n.children[0]].shape;
                    for (std::size_t r = 0; r < sx.rows; ++r)
                        for (std::size_t c = 0; c < sx.cols; ++c)
                            deposit<n.children[0], Mode>(dx, r * sx.cols + c, g[c * sx.rows + r]);
                }
            } else if constexpr (n.kind == graph::node_kind::reduce) {
                if constexpr (Mode::needs_grad(n.children[0])) {
                    T* dx = Mode::adjoint_ptr(f, n.children[0]);
                    constexpr shape_info sx = topo::nodes[n.children[0]].shape;
                    const std::size_t xrows = sx.row_count(f.batch);
                    constexpr reduce_axis axis = node_type::axis;
                    T scale = T(1);
                    if constexpr (node_type::kind == reduce_kind::mean)
                        scale = T(n.shape.size(f.batch)) / T(xrows * sx.cols);
                    for (std::size_t r = 0; r < xrows; ++r)
                        for (std::size_t c = 0; c < sx.cols; ++c) {
                            const std::size_t o = axis == reduce_axis::all ? 0 : (axis == reduce_axis::rows ? c : r);
                            deposit<n.children[0], Mode>(dx, r * sx.cols + c, g[o] * scale);
                        }
                }
            } else if constexpr (n.kind == graph::node_kind::rowwise) {
                if constexpr (Mode::needs_grad(n.children[0])) {
                    const auto& node = graph::node_at<boost::mp11::mp_at_c<order, I>>(expr_);
                    constexpr std::size_t in_cols = topo::nodes[n.children[0]].shape.cols;
                    const T* x = materialized<n.children[0], Mode>(f);
                    const T* y = Mode::value_ptr(f, I);
                    T* dx = Mode::adjoint_ptr(f, n.children[0]);
                    for (std::size_t r = 0; r < rows; ++r) {
                        clear_row_if_written_once<n.children[0], Mode>(dx, r, in_cols);
                        node.op.backward(x + r * in_cols, y + r * cols, g + r * cols, dx + r * in_cols, in_cols);
                    }
                }
            } else if constexpr (n.kind == graph::node_kind::rowwise_pair) {
                constexpr std::size_t ia = n.children[0], ib = n.children[1];
                const auto& node = graph::node_at<boost::mp11::mp_at_c<order, I>>(expr_);
                constexpr std::size_t ac = topo::nodes[ia].shape.cols, bc = topo::nodes[ib].shape.cols;
                const T* a = materialized<ia, Mode>(f);
                const T* b = materialized<ib, Mode>(f);
                const T* y = Mode::value_ptr(f, I);
                T* da = Mode::needs_grad(ia) ? Mode::adjoint_ptr(f, ia) : nullptr;
                T* db = Mode::needs_grad(ib) ? Mode::adjoint_ptr(f, ib) : nullptr;
                for (std::size_t r = 0; r < rows; ++r) {
                    if (da) clear_row_if_written_once<ia, Mode>(da, r, ac);
                    if (db) clear_row_if_written_once<ib, Mode>(db, r, bc);
                    node.op.backward(a + r * ac, b + r * bc, y + r * cols, g + r * cols, da ? da + r * ac : nullptr,
                                     db ? db + r * bc : nullptr, ac, bc);
                }
            }
        }
    }

    template <class Mode, class... Vars>
    gradients<T, Vars...> collect(const frame& f) const {
        gradients<T, Vars...> out;
        collect_into<Mode, Vars...>(f, out);
        return out;
    }
    template <class Mode, class... Vars>
    void collect_into(const frame& f, gradients<T, Vars...>& out) const {
        (copy_gradient<Mode, Vars>(f, std::get<boost::mp11::mp_find<boost::mp11::mp_list<Vars...>, Vars>::value>(out.tensors)), ...);
    }
    /// The storage of V's gradient in `g` (empty for a batched variable not yet sized).
    template <class V, class... Vars>
    static std::span<T> storage_of(gradients<T, Vars...>& g) {
        auto& t = std::get<boost::mp11::mp_find<boost::mp11::mp_list<Vars...>, V>::value>(g.tensors);
        return {t.data(), t.size()};
    }
    /// Sizes a batched variable's gradient for `batch` rows (zero-filled).
    template <class V, class... Vars>
    static void size_for_batch(gradients<T, Vars...>& g, std::size_t batch) {
        if constexpr (V::shape.batched) std::get<boost::mp11::mp_find<boost::mp11::mp_list<Vars...>, V>::value>(g.tensors).resize(V::shape.size(batch));
    }
    template <class Mode, class V, class Storage>
    void copy_gradient(const frame& f, Storage& dst) const {
        if constexpr (V::shape.batched) dst.resize(V::shape.size(f.batch));
        copy_gradient_into<Mode, V>(f, std::span<T>(dst.data(), dst.size()));
    }

    template <class Mode, class V>
    void copy_gradient_into(const frame& f, std::span<T> dst) const {
        constexpr std::size_t i = boost::mp11::mp_find<order, V>::value;
        const std::size_t n = V::shape.size(f.batch);
        if (dst.size() != n)
            throw std::invalid_argument("fusegrad: value_and_grad_into: the storage for the gradient of '" +
                                        std::string{V::name.view()} + "' has " + std::to_string(dst.size()) +
                                        " elements, the variable " + std::to_string(n));
        if constexpr (Mode::has_adjoint(i)) {
            const T* src = Mode::adjoint_ptr(f, i);
            if (src != dst.data()) std::copy(src, src + n, dst.data());
        } else {
            std::fill_n(dst.data(), n, T(0));
        }
    }

    Expr expr_;
    std::array<const T*, N> last_values_{};
    std::size_t last_batch_ = 1;
    std::vector<T> workspace_;
    std::size_t reserved_batch_ = 0;
    std::array<T, N> scalars_{};
    detail::exclusive_use in_use_;  // the workspace and last_values_ belong to one call at a time
};

/// Compiles an expression into forward and reverse code computing in T (double by default).
template <class T = double, expression Expr>
compiled_function<Expr, T> compile(const Expr& e) {
    return compiled_function<Expr, T>(e);
}

}  // namespace fusegrad

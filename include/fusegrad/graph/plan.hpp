#pragma once
#include <array>
#include <cstddef>

#include <boost/mp11/algorithm.hpp>

#include "node_kind.hpp"
#include "topology.hpp"

namespace fusegrad::graph {

/// What the planner needs to know of one node.
struct node_info {
    node_kind kind{};
    shape_info shape{};
    std::size_t children[2]{};
    std::size_t child_count = 0;
};

/// Where a buffer lives: `offset` elements into the fixed arena, or `offset`·B into the batched one.
struct slot {
    bool present = false;
    bool batched = false;
    std::size_t offset = 0;
};

/// The static part of the graph: nodes in topological order with their children's indices.
template <class Root>
struct graph_info {
    using order = topological_order<Root>;
    static constexpr std::size_t size = boost::mp11::mp_size<order>::value;

    template <class Key, std::size_t... I>
    static constexpr node_info info_of(std::index_sequence<I...>) {
        node_info n;
        n.kind = kind_of<node_of<Key>>;
        n.shape = node_of<Key>::shape;
        n.child_count = sizeof...(I);
        ((n.children[I] = key_index<order>::template of<child_key<Key, I>>), ...);
        return n;
    }
    template <class... Keys>
    static constexpr std::array<node_info, size> all_infos(boost::mp11::mp_list<Keys...>) {
        return {info_of<Keys>(std::make_index_sequence<boost::mp11::mp_size<typename node_of<Keys>::children>::value>{})...};
    }
    static constexpr std::array<node_info, size> nodes = all_infos(order{});

    /// How many times each node is read by a parent (`x * x` reads x twice).
    static constexpr std::array<std::size_t, size> use_counts = [] {
        std::array<std::size_t, size> uses{};
        for (const auto& n : nodes)
            for (std::size_t c = 0; c < n.child_count; ++c) ++uses[n.children[c]];
        return uses;
    }();

    /// The one parent of a node read once (meaningful only when use_counts[i] == 1).
    static constexpr std::array<std::size_t, size> parent = [] {
        std::array<std::size_t, size> p{};
        for (std::size_t i = 0; i < size; ++i)
            for (std::size_t c = 0; c < nodes[i].child_count; ++c) p[nodes[i].children[c]] = i;
        return p;
    }();

    /// An elementwise node read once, by an elementwise parent of the same shape, needs no buffer of
    /// its own: its parent's loop computes it in place (value mode) or pushes its adjoint through it.
    static constexpr std::array<bool, size> fusible = [] {
        std::array<bool, size> f{};
        for (std::size_t i = 0; i + 1 < size; ++i) {
            f[i] = is_elementwise(nodes[i].kind) && use_counts[i] == 1 &&
                   is_elementwise(nodes[parent[i]].kind) && nodes[parent[i]].shape == nodes[i].shape;
        }
        return f;
    }();
};

namespace detail {
/// First-fit allocation of blocks in one arena, with release; sizes in elements (per batch row when batched).
template <std::size_t N>
struct arena {
    struct block {
        std::size_t offset, size;
    };
    std::array<block, N + 1> free_blocks{};
    std::size_t free_count = 0;
    std::size_t top = 0;

    constexpr std::size_t allocate(std::size_t n) {
        for (std::size_t b = 0; b < free_count; ++b) {
            if (free_blocks[b].size >= n) {
                const std::size_t at = free_blocks[b].offset;
                free_blocks[b].offset += n;
                free_blocks[b].size -= n;
                return at;
            }
        }
        const std::size_t at = top;
        top += n;
        return at;
    }
    constexpr void release(std::size_t offset, std::size_t n) {
        if (n == 0) return;
        if (offset + n == top) {
            top = offset;
        } else {
            free_blocks[free_count++] = {offset, n};
        }
    }
};
}  // namespace detail

/// The memory plan of a forward-only evaluation: fused chains get no buffer, and a buffer is reused
/// once its last reader has run (liveness).
template <class Root>
struct value_plan {
    using graph = graph_info<Root>;
    static constexpr std::size_t size = graph::size;

    struct result {
        std::array<slot, size> slots{};
        std::size_t fixed_size = 0;
        std::size_t batched_row_size = 0;
    };

    static constexpr bool materialized(std::size_t i) {
        return graph::nodes[i].kind != node_kind::variable && !graph::fusible[i];
    }

    static constexpr result compute() {
        // The materialized node that actually reads j's buffer: fused readers hand the read upwards.
        std::array<std::size_t, size> last_use{};
        for (std::size_t i = 0; i < size; ++i) {
            std::size_t reader = i;
            while (graph::fusible[reader]) reader = graph::parent[reader];
            for (std::size_t c = 0; c < graph::nodes[i].child_count; ++c) {
                const std::size_t j = graph::nodes[i].children[c];
                if (reader > last_use[j]) last_use[j] = reader;
            }
        }
        last_use[size - 1] = size;  // the output outlives the evaluation

        // The buffers whose last reader is i, for each i, in increasing order: ends[i] .. ends[i + 1] in
        // released_after (a counting sort of the nodes by last_use, so that the loop below is linear).
        std::array<std::size_t, size + 2> ends{};
        for (std::size_t j = 0; j < size; ++j) ++ends[last_use[j] + 1];
        for (std::size_t i = 0; i <= size; ++i) ends[i + 1] += ends[i];
        std::array<std::size_t, size> released_after{};
        {
            std::array<std::size_t, size + 1> next{};
            for (std::size_t i = 0; i <= size; ++i) next[i] = ends[i];
            for (std::size_t j = 0; j < size; ++j) released_after[next[last_use[j]]++] = j;
        }

        result r;
        detail::arena<size> fixed, batched;
        for (std::size_t i = 0; i < size; ++i) {
            const shape_info s = graph::nodes[i].shape;
            if (materialized(i)) {
                auto& a = s.batched ? batched : fixed;
                r.slots[i] = {true, s.batched, a.allocate(s.static_size())};
            }
            for (std::size_t k = ends[i]; k < ends[i + 1]; ++k) {
                const std::size_t j = released_after[k];
                if (j < i && r.slots[j].present) {
                    auto& a = r.slots[j].batched ? batched : fixed;
                    a.release(r.slots[j].offset, graph::nodes[j].shape.static_size());
                }
            }
            if (fixed.top > r.fixed_size) r.fixed_size = fixed.top;
            if (batched.top > r.batched_row_size) r.batched_row_size = batched.top;
        }
        return r;
    }
    static constexpr result plan = compute();
};

/// The memory plan of value-and-gradient: every forward value is kept for the backward rules, and
/// every node on a path to a requested variable gets an adjoint, except fused links of a chain.
template <class Root, class NeedsGrad>
struct gradient_plan {
    using graph = graph_info<Root>;
    static constexpr std::size_t size = graph::size;
    static constexpr std::array<bool, size> needs_grad = NeedsGrad::value;

    struct result {
        std::array<slot, size> values{};
        std::array<slot, size> adjoints{};
        std::size_t fixed_size = 0;
        std::size_t batched_row_size = 0;
    };

    static constexpr bool has_adjoint(std::size_t i) {
        return needs_grad[i] && (!graph::fusible[i] || i + 1 == size);
    }

    /// An adjoint with one writer that sets every element exactly once: the root's (the seed), or a node
    /// read once by a parent that does not broadcast it (an elementwise parent of the same shape, whose fused
    /// chain has that shape too; a product, transpose, reduction or row operation, which covers the whole
    /// operand). That writer assigns instead of adding, so the adjoint is never cleared first: a pass over
    /// memory saved per node, which is most of a small model's reverse pass.
    static constexpr bool written_once(std::size_t i) {
        if (!has_adjoint(i)) return false;
        if (i + 1 == size) return true;
        if (graph::use_counts[i] != 1) return false;
        const node_info& p = graph::nodes[graph::parent[i]];
        return !is_elementwise(p.kind) || p.shape == graph::nodes[i].shape;
    }

    static constexpr result compute() {
        result r;
        std::size_t fixed = 0, batched = 0;
        auto place = [&](slot& s, shape_info shape) {
            s = {true, shape.batched, shape.batched ? batched : fixed};
            (shape.batched ? batched : fixed) += shape.static_size();
        };
        for (std::size_t i = 0; i < size; ++i)
            if (graph::nodes[i].kind != node_kind::variable) place(r.values[i], graph::nodes[i].shape);
        for (std::size_t i = 0; i < size; ++i)
            if (has_adjoint(i)) place(r.adjoints[i], graph::nodes[i].shape);
        r.fixed_size = fixed;
        r.batched_row_size = batched;
        return r;
    }
    static constexpr result plan = compute();
};

}  // namespace fusegrad::graph

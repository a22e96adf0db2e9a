#pragma once
#include <cstddef>
#include <type_traits>

#include <boost/mp11/algorithm.hpp>
#include <boost/mp11/list.hpp>
#include <boost/mp11/utility.hpp>

namespace fusegrad::graph {

/// The key of a node that carries run-time data: it is identified by its path from the root.
template <class Node, class Path>
struct positioned {};

/// A stateless node is its own key, so every occurrence of the same type is one node (CSE for free).
template <class Node, class Path>
using key_of = boost::mp11::mp_if_c<Node::stateless, Node, positioned<Node, Path>>;

template <class Key>
struct key_traits {
    using node = Key;
    using path = boost::mp11::mp_list<>;
};
template <class Node, class Path>
struct key_traits<positioned<Node, Path>> {
    using node = Node;
    using path = Path;
};

template <class Key>
using node_of = typename key_traits<Key>::node;

/// The key of the I-th child of the node with key Key.
template <class Key, std::size_t I>
using child_key = key_of<boost::mp11::mp_at_c<typename node_of<Key>::children, I>,
                         boost::mp11::mp_push_back<typename key_traits<Key>::path, boost::mp11::mp_size_t<I>>>;

namespace detail {
template <class Visited, class Node, class Path>
struct visit;

template <class Node, class Path>
struct visit_child {
    template <class Visited, class I>
    using fn = typename visit<Visited, boost::mp11::mp_at<typename Node::children, I>,
                              boost::mp11::mp_push_back<Path, I>>::type;
};

// Children first, then the node: a post-order walk that skips a key already seen, so a shared
// subexpression is walked once however often it is used, and the result is a topological order.
template <bool Seen, class Visited, class Node, class Path>
struct visit_unseen {
    using type = Visited;
};
template <class Visited, class Node, class Path>
struct visit_unseen<false, Visited, Node, Path> {
    using children_done =
        boost::mp11::mp_fold_q<boost::mp11::mp_iota<boost::mp11::mp_size<typename Node::children>>, Visited,
                               visit_child<Node, Path>>;
    using type = boost::mp11::mp_push_back<children_done, key_of<Node, Path>>;
};

template <class Visited, class Node, class Path>
struct visit {
    using type = typename visit_unseen<boost::mp11::mp_contains<Visited, key_of<Node, Path>>::value, Visited,
                                       Node, Path>::type;
};

template <class Path, class Node>
constexpr const auto& follow(const Node& node) {
    if constexpr (boost::mp11::mp_empty<Path>::value) {
        return node;
    } else {
        return follow<boost::mp11::mp_pop_front<Path>>(
            node.template child<boost::mp11::mp_front<Path>::value>());
    }
}
}  // namespace detail

/// Every distinct node of the expression Root, children before parents, the root last.
template <class Root>
using topological_order = typename detail::visit<boost::mp11::mp_list<>, Root, boost::mp11::mp_list<>>::type;

/// The node object behind a key: a stateless node is rebuilt from its type, a positioned one is found
/// in the root by its path.
template <class Key, class Root>
constexpr decltype(auto) node_at(const Root& root) {
    if constexpr (node_of<Key>::stateless) return node_of<Key>{};
    else return detail::follow<typename key_traits<Key>::path>(root);
}

}  // namespace fusegrad::graph

namespace fusegrad {

namespace detail {
template <class E>
struct tree_size_of;
template <template <class...> class List, class... Children>
constexpr std::size_t sum_tree_sizes(List<Children...>) {
    return (tree_size_of<Children>::value + ... + std::size_t{0});
}
template <class E>
struct tree_size_of {
    static constexpr std::size_t value = 1 + sum_tree_sizes(typename E::children{});
};
}  // namespace detail

/// Nodes of an expression counted as a tree, every occurrence of a shared subexpression included: what a
/// naive expression template would walk. Compare with `compiled_function::node_count` after CSE.
template <class Expr>
inline constexpr std::size_t tree_size = detail::tree_size_of<std::remove_cvref_t<Expr>>::value;

}  // namespace fusegrad

#pragma once
#include <cstddef>
#include <type_traits>
#include <utility>

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
// The walk below asks "seen already?" once per edge. Asking it of a type list (mp_contains) compares the key
// with every element, one std::is_same instantiation per pair: O(n²) instantiations over a walk, most of the
// compile time of a deep graph. The keys seen are kept as a chain of classes instead, each deriving from the
// previous one and from a tag of its key, so that the question is one derived-to-base conversion, which the
// compiler answers natively, and each step instantiates one small class.
template <class Key>
struct key_tag {};
struct no_keys {};
template <class Previous, class Key>
struct key_chain : Previous, key_tag<Key> {};

template <class Key>
std::true_type has_key(const key_tag<Key>*);
template <class Key>
std::false_type has_key(...);

template <class Keys, class Key>
inline constexpr bool contains_key = decltype(has_key<Key>(static_cast<const Keys*>(nullptr)))::value;

/// Where a walk stands: the keys in the order they were finished, and the same keys as a chain.
template <class Order, class Keys>
struct walk_state {
    using order = Order;
    using keys = Keys;
};

template <class State, class Node, class Path>
struct visit;

// The path of a node's I-th child, as child_key builds it: a stateless node's key is its type and records no
// path, and all of its descendants are stateless too, so below one no path grows with the depth (each would
// be a new list type per edge).
template <class Node, class Path, class I>
using child_path = boost::mp11::mp_push_back<typename key_traits<key_of<Node, Path>>::path, I>;

template <class Node, class Path>
struct visit_child {
    template <class State, class I>
    using fn = typename visit<State, boost::mp11::mp_at<typename Node::children, I>, child_path<Node, Path, I>>::type;
};

// Children first, then the node: a post-order walk that skips a key already seen, so a shared
// subexpression is walked once however often it is used, and the result is a topological order.
template <bool Seen, class State, class Node, class Path>
struct visit_unseen {
    using type = State;
};
template <class State, class Node, class Path>
struct visit_unseen<false, State, Node, Path> {
    using children_done =
        boost::mp11::mp_fold_q<boost::mp11::mp_iota<boost::mp11::mp_size<typename Node::children>>, State,
                               visit_child<Node, Path>>;
    using key = key_of<Node, Path>;
    using type = walk_state<boost::mp11::mp_push_back<typename children_done::order, key>,
                            key_chain<typename children_done::keys, key>>;
};

template <class State, class Node, class Path>
struct visit {
    using type = typename visit_unseen<contains_key<typename State::keys, key_of<Node, Path>>, State, Node, Path>::type;
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
using topological_order =
    typename detail::visit<detail::walk_state<boost::mp11::mp_list<>, detail::no_keys>, Root,
                           boost::mp11::mp_list<>>::type::order;

namespace detail {
template <class Key, std::size_t I>
struct indexed_key {};
template <class Order, class Indices>
struct index_table;
template <template <class...> class List, class... Keys, std::size_t... I>
struct index_table<List<Keys...>, std::index_sequence<I...>> : indexed_key<Keys, I>... {};

// Deduces I from the one base indexed_key<Key, I> of the table; a key that is not in it takes the second
// overload. Declared only: used unevaluated.
template <class Key, std::size_t I>
std::integral_constant<std::size_t, I> index_in(const indexed_key<Key, I>*);
template <class Key>
std::integral_constant<std::size_t, static_cast<std::size_t>(-1)> index_in(...);

constexpr std::size_t found_or(std::size_t index, std::size_t size) {
    return index == static_cast<std::size_t>(-1) ? size : index;
}
}  // namespace detail

/// The position of a type in a list of distinct types (a topological order, a list of variables), or the
/// list's size if it is not there: mp_find's answer, in one step. The table derives from one
/// indexed_key<Type, I> per element, and a lookup deduces I from the base with that type, where mp_find
/// instantiates one comparison per element for every lookup. (A type listed twice is not found.)
template <class List>
struct key_index {
    using table = detail::index_table<List, std::make_index_sequence<boost::mp11::mp_size<List>::value>>;
    template <class Key>
    static constexpr std::size_t of =
        detail::found_or(decltype(detail::index_in<Key>(static_cast<const table*>(nullptr)))::value,
                         boost::mp11::mp_size<List>::value);
};

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

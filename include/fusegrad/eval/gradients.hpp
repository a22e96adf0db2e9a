#pragma once
#include <cstddef>
#include <tuple>
#include <type_traits>
#include <vector>

#include <boost/mp11/algorithm.hpp>

#include "../detail/fixed_string.hpp"
#include "../expr/var.hpp"
#include "../shape/errors.hpp"
#include "tensor.hpp"

namespace fusegrad {

/// Gradients with respect to the requested variables, each shaped like its variable and looked up by it:
/// `grad[W]` is a `tensor<T, 4, 3>` for `var<"W", 4, 3>`; a batched variable's is a `std::vector<T>`.
template <class T, class... Vars>
struct gradients {
    template <class V>
    using tensor_type = std::conditional_t<V::shape.batched, std::vector<T>, tensor_of<T, V::shape>>;

    /// One per requested variable, in the order of `fg::wrt`.
    std::tuple<tensor_type<Vars>...> tensors;

    template <variable V>
    const auto& operator[](const V&) const { return std::get<index_of<V>()>(tensors); }
    template <variable V>
    auto& operator[](const V&) { return std::get<index_of<V>()>(tensors); }

private:
    template <class V>
    static constexpr std::size_t index_of() {
        constexpr std::size_t i = boost::mp11::mp_find<boost::mp11::mp_list<Vars...>, std::remove_cvref_t<V>>::value;
        static_assert(errors::gradient_was_requested<spelled<V::name>, shape_type<V::shape>> || i < sizeof...(Vars),
                      "fusegrad: gradients[v]: no gradient was requested for this variable (see fg::wrt)");
        return i;
    }
};

}  // namespace fusegrad

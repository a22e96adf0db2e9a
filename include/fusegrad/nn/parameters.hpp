#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include <boost/mp11/algorithm.hpp>

#include "../expr/var.hpp"
#include "layer.hpp"
#include "random.hpp"
#include "sequential.hpp"

namespace fusegrad {

namespace errors {
template <class Variable>
constexpr bool variable_is_a_parameter_of_the_model = false;
}  // namespace errors

/// A model's parameters as one value: a flat vector of T laid out variable by variable (Model::parameter_offsets),
/// with named views per layer (`params.layer<1>().kernel(i, j)`) and per variable (`params[kernel]`).
/// Gradients have the same type, and the arithmetic an update needs is defined between them.
template <class T, class Model>
class parameters {
public:
    using value_type = T;
    using model_type = Model;
    using variables = typename Model::parameter_variables;
    static constexpr std::size_t count = Model::parameter_count;

    /// All zeros; `model.init<T>(seed)` gives initialized ones.
    parameters() : values_(count, T(0)) {}

    static constexpr std::size_t size() { return count; }
    T* data() { return values_.data(); }
    const T* data() const { return values_.data(); }
    std::span<T> flat() { return values_; }
    std::span<const T> flat() const { return values_; }

    /// Layer I's weights as named views (`kernel`, `bias`, `alpha`), or fg::no_weights; layers are counted as
    /// Keras's `model.layers`, from the first after fg::input: `params.layer<0>().kernel`.
    template <std::size_t I>
    auto layer() { return weights_of<I + 1, T>(values_.data()); }
    template <std::size_t I>
    auto layer() const { return weights_of<I + 1, const T>(values_.data()); }

    /// The values of one parameter variable.
    template <variable V>
    std::span<T> operator[](const V&) { return {values_.data() + offset_of<V>(), V::shape.size(1)}; }
    template <variable V>
    std::span<const T> operator[](const V&) const { return {values_.data() + offset_of<V>(), V::shape.size(1)}; }

    /// One span per variable, in layout order: where value_and_grad_into writes gradients.
    std::array<std::span<T>, Model::parameter_variable_count> per_variable() {
        std::array<std::span<T>, Model::parameter_variable_count> spans;
        for (std::size_t k = 0; k < spans.size(); ++k)
            spans[k] = flat().subspan(Model::parameter_offsets[k], Model::parameter_offsets[k + 1] - Model::parameter_offsets[k]);
        return spans;
    }

    /// Calls f with a binding `V = values` for every parameter variable, in layout order: how parameters
    /// are handed to a compiled function (`params.with_bindings([&](auto... b) { return f.value(b..., x = xs); })`).
    template <class F>
    decltype(auto) with_bindings(F&& f) const {
        return [&]<std::size_t... I>(std::index_sequence<I...>) -> decltype(auto) {
            const std::array<std::span<const T>, sizeof...(I)> spans{
                std::span<const T>(values_.data() + Model::parameter_offsets[I],
                                   Model::parameter_offsets[I + 1] - Model::parameter_offsets[I])...};
            return std::forward<F>(f)((boost::mp11::mp_at_c<variables, I>{} = spans[I])...);
        }(std::make_index_sequence<boost::mp11::mp_size<variables>::value>{});
    }

    parameters& operator+=(const parameters& o) {
        for (std::size_t i = 0; i < count; ++i) values_[i] += o.values_[i];
        return *this;
    }
    parameters& operator-=(const parameters& o) {
        for (std::size_t i = 0; i < count; ++i) values_[i] -= o.values_[i];
        return *this;
    }
    parameters& operator*=(T s) {
        for (T& v : values_) v *= s;
        return *this;
    }
    friend parameters operator+(parameters a, const parameters& b) { return a += b; }
    friend parameters operator-(parameters a, const parameters& b) { return a -= b; }
    friend parameters operator*(parameters a, T s) { return a *= s; }
    friend parameters operator*(T s, parameters a) { return a *= s; }
    /// Exact equality of every value (what the determinism guarantee is stated in).
    friend bool operator==(const parameters&, const parameters&) = default;

    /// Σ a·b over every parameter (gradient norms, directional derivatives), accumulated in double.
    friend double dot(const parameters& a, const parameters& b) {
        double s = 0;
        for (std::size_t i = 0; i < count; ++i) s += static_cast<double>(a.values_[i]) * static_cast<double>(b.values_[i]);
        return s;
    }

private:
    template <std::size_t I, class U>
    static auto weights_of(U* base) {
        static_assert(I < Model::layer_count,
                      "fusegrad: parameters::layer<I>: I is past the model's last layer (layers count from 0, the first "
                      "layer after fg::input)");
        using L = typename Model::template layer_type<I>;
        constexpr features in = Model::template features_before<I>();
        return detail::layer_weights<L, U, in>::make(base + Model::template layer_parameter_offset<I>());
    }

    template <class V>
    static constexpr std::size_t offset_of() {
        using list = boost::mp11::mp_transform<std::remove_cvref_t, variables>;
        constexpr std::size_t k = boost::mp11::mp_find<list, std::remove_cvref_t<V>>::value;
        static_assert(errors::variable_is_a_parameter_of_the_model<spelled<std::remove_cvref_t<V>::name>> ||
                          k < boost::mp11::mp_size<list>::value,
                      "fusegrad: parameters: that variable is not a parameter of the model");
        return Model::parameter_offsets[k];
    }

    std::vector<T> values_;
};

template <fixed_string Name, class... Layers>
template <class T>
parameters<T, sequential_model<Name, Layers...>> sequential_model<Name, Layers...>::init(std::uint64_t seed) const {
    parameters<T, sequential_model> p;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (([&] {
             constexpr std::size_t layer = I + 1;
             random_engine engine(random_engine::derive(seed, layer));
             detail::layer_initialize<layer_type<layer>, features_before<layer>()>(
                 std::get<layer>(layers_),
                 std::span<T>(p.data() + layer_parameter_offset<layer>(), layer_parameter_count<layer>()), engine);
         }()),
         ...);
    }(std::make_index_sequence<layer_count - 1>{});
    return p;
}

}  // namespace fusegrad

#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <boost/mp11/list.hpp>

#include "../../detail/fixed_string.hpp"
#include "../../detail/number_text.hpp"
#include "../../expr/operators.hpp"
#include "../../expr/var.hpp"
#include "../features.hpp"
#include "../random.hpp"

namespace fusegrad {

/// Keras `Dropout(rate)`: in training, each input is zeroed with probability `rate` and the others scaled by
/// 1/(1 − rate); outside training it is the identity (and absent from the graph). The training graph reads a
/// mask variable "<name>/mask" that fit fills from its seeded engine each step.
struct dropout {
    static constexpr fixed_string kind = "dropout";
    static constexpr std::string_view keras_class = "Dropout";

    double rate = 0.5;

    template <fixed_string Prefix, features In>
    using mask_variable = var<detail::joined<Prefix, fixed_string("/mask")>(), batch, In.size()>;
    template <fixed_string Prefix, features In>
    using masks = boost::mp11::mp_list<mask_variable<Prefix, In>>;

    template <fixed_string Prefix, features In, bool Training, class X>
    constexpr auto lower(const X& x) const {
        if constexpr (Training) return x * mask_variable<Prefix, In>{};
        else return x;
    }

    /// One step's mask: 0 with probability rate, else 1/(1 − rate).
    template <class T>
    void fill_mask(std::span<T> mask, random_engine& engine) const {
        const T keep_scale = rate < 1.0 ? T(1.0 / (1.0 - rate)) : T(0);
        for (T& m : mask) m = engine.uniform() < rate ? T(0) : keep_scale;
    }

    template <features In>
    std::string describe() const { return "dropout(" + detail::number_text(rate) + ")"; }
};

}  // namespace fusegrad

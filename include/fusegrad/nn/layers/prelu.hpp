#pragma once
#include <span>
#include <string>
#include <string_view>

#include <boost/mp11/list.hpp>

#include "../../detail/fixed_string.hpp"
#include "../../eval/tensor_ref.hpp"
#include "../../expr/binary.hpp"
#include "../../expr/var.hpp"
#include "../../ops/relu.hpp"
#include "../features.hpp"
#include "../initializers.hpp"
#include "../random.hpp"

namespace fusegrad {

/// Keras `PReLU(alpha_initializer="zeros")`: x if x > 0 else α·x, with one learned slope per feature
/// (the variable "<name>/alpha", shaped like a sample).
struct prelu {
    static constexpr fixed_string kind = "p_re_lu";
    static constexpr std::string_view keras_class = "PReLU";

    initializers::initializer alpha_initializer = initializers::zeros;

    template <features In>
    static constexpr bool accepts() { return In.rank == 1; }
    template <features In>
    static constexpr features expected_input() { return flat_features(In.size()); }

    template <fixed_string Prefix, features In>
    using alpha_variable = var<detail::joined<Prefix, fixed_string("/alpha")>(), In.size()>;
    template <fixed_string Prefix, features In>
    using variables = boost::mp11::mp_list<alpha_variable<Prefix, In>>;

    template <fixed_string Prefix, features In, bool Training, class X>
    constexpr auto lower(const X& x) const {
        return binary<ops::prelu, X, alpha_variable<Prefix, In>>{{x, {}}, {}};
    }

    template <class T, features In>
    struct weights {
        tensor_ref<T, In.size()> alpha;
    };
    template <class T, features In>
    static weights<T, In> make_weights(T* p) { return {{p}}; }

    template <features In, class T>
    void initialize(std::span<T> p, random_engine& engine) const {
        alpha_initializer.fill(p, In.size(), In.size(), engine);
    }
    template <features In>
    std::string describe() const { return "p_re_lu(" + std::to_string(In.size()) + ")"; }
};

}  // namespace fusegrad

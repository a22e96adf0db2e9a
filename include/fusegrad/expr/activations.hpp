#pragma once
#include "../ops/elu.hpp"
#include "../ops/gelu.hpp"
#include "../ops/glu.hpp"
#include "../ops/relu.hpp"
#include "../ops/shrink.hpp"
#include "../ops/sigmoid.hpp"
#include "../ops/softmax.hpp"
#include "../ops/softplus.hpp"
#include "../ops/sparsemax.hpp"
#include "../ops/tanh.hpp"
#include "../shape/errors.hpp"
#include "linalg.hpp"
#include "node.hpp"
#include "rowwise.hpp"
#include "unary.hpp"

/// The Keras 3 activation set as expression builders, with Keras 3 parameter defaults. Parameters are
/// template arguments, so `fg::leaky_relu<0.1>(x)` and `fg::leaky_relu(x)` are different node types and
/// common subexpressions are found by type. Formulas and kink conventions: docs/activations.md.
namespace fusegrad {

namespace detail {
template <class Op, class X>
constexpr auto elementwise(const X& x) { return unary<Op, X>{{Op{}, x}}; }

template <class Op, int Axis, class X>
constexpr auto along_axis(const X& x) {
    constexpr int rank = X::shape.rank == 0 ? 1 : X::shape.rank;
    static_assert(Axis >= -rank && Axis < rank, "fusegrad: activation: the axis is out of range");
    constexpr bool last = Axis == -1 || Axis == rank - 1;
    if constexpr (last) {
        if constexpr (std::is_same_v<Op, ops::glu>)
            static_assert(errors::glu_axis_has_even_length<shape_type<X::shape>>,
                          "fusegrad: glu: the axis has an odd length, it cannot be split in halves");
        return rowwise<Op, X>{{Op{}, x}};
    } else {
        // Axis 0 of a matrix: transpose, apply along rows, transpose back.
        return transpose(along_axis<Op, -1>(transpose(x)));
    }
}
}  // namespace detail

/// x itself: Keras's `linear`, and `activation=None`.
template <expression X> constexpr X linear(const X& x) { return x; }

/// Keras 3 relu with `fg::relu_options{.negative_slope, .max_value, .threshold}`; relu′(0) = 0.
template <relu_options O = relu_options{}, expression X>
constexpr auto relu(const X& x) { return detail::elementwise<ops::relu<O>>(x); }
template <expression X> constexpr auto relu6(const X& x) { return detail::elementwise<ops::relu6>(x); }
/// Keras function default negative_slope = 0.2 (the LeakyReLU *layer* defaults to 0.3).
template <real NegativeSlope = 0.2, expression X>
constexpr auto leaky_relu(const X& x) { return detail::elementwise<ops::leaky_relu<NegativeSlope>>(x); }
template <real Alpha = 1.0, expression X>
constexpr auto elu(const X& x) { return detail::elementwise<ops::elu<Alpha>>(x); }
template <expression X> constexpr auto selu(const X& x) { return detail::elementwise<ops::selu>(x); }
template <real Alpha = 1.0, expression X>
constexpr auto celu(const X& x) { return detail::elementwise<ops::celu<Alpha>>(x); }

template <expression X> constexpr auto sigmoid(const X& x) { return detail::elementwise<ops::sigmoid>(x); }
template <expression X> constexpr auto hard_sigmoid(const X& x) { return detail::elementwise<ops::hard_sigmoid>(x); }
template <expression X> constexpr auto log_sigmoid(const X& x) { return detail::elementwise<ops::log_sigmoid>(x); }
template <expression X> constexpr auto sparse_sigmoid(const X& x) { return detail::elementwise<ops::sparse_sigmoid>(x); }
template <expression X> constexpr auto silu(const X& x) { return detail::elementwise<ops::silu>(x); }
/// Alias of silu, as in Keras.
template <expression X> constexpr auto swish(const X& x) { return silu(x); }
template <expression X> constexpr auto hard_silu(const X& x) { return detail::elementwise<ops::hard_silu>(x); }
/// Alias of hard_silu, as in Keras.
template <expression X> constexpr auto hard_swish(const X& x) { return hard_silu(x); }

template <expression X> constexpr auto tanh(const X& x) { return detail::elementwise<ops::tanh>(x); }
template <expression X> constexpr auto tanh_shrink(const X& x) { return detail::elementwise<ops::tanh_shrink>(x); }
template <expression X> constexpr auto hard_tanh(const X& x) { return detail::elementwise<ops::hard_tanh>(x); }
template <expression X> constexpr auto softsign(const X& x) { return detail::elementwise<ops::softsign>(x); }
template <expression X> constexpr auto mish(const X& x) { return detail::elementwise<ops::mish>(x); }

template <expression X> constexpr auto softplus(const X& x) { return detail::elementwise<ops::softplus>(x); }
template <real B = 4.0, expression X>
constexpr auto squareplus(const X& x) { return detail::elementwise<ops::squareplus<B>>(x); }
template <expression X> constexpr auto sparse_plus(const X& x) { return detail::elementwise<ops::sparse_plus>(x); }
template <expression X> constexpr auto exponential(const X& x) { return detail::elementwise<ops::exponential>(x); }

/// Exact by default, as `keras.activations.gelu`; `fg::gelu<true>` is the tanh approximation.
template <bool Approximate = false, expression X>
constexpr auto gelu(const X& x) { return detail::elementwise<ops::gelu<Approximate>>(x); }

template <real Threshold = 0.5, expression X>
constexpr auto soft_shrink(const X& x) { return detail::elementwise<ops::soft_shrink<Threshold>>(x); }
template <real Threshold = 0.5, expression X>
constexpr auto hard_shrink(const X& x) { return detail::elementwise<ops::hard_shrink<Threshold>>(x); }
/// x if x > Threshold else DefaultValue; Keras has no defaults for either.
template <real Threshold, real DefaultValue, expression X>
constexpr auto threshold(const X& x) { return detail::elementwise<ops::threshold<Threshold, DefaultValue>>(x); }

/// Along an axis, the last by default (Keras axis = −1).
template <int Axis = -1, expression X>
constexpr auto softmax(const X& x) { return detail::along_axis<ops::softmax, Axis>(x); }
template <int Axis = -1, expression X>
constexpr auto log_softmax(const X& x) { return detail::along_axis<ops::log_softmax, Axis>(x); }
template <int Axis = -1, expression X>
constexpr auto glu(const X& x) { return detail::along_axis<ops::glu, Axis>(x); }
template <int Axis = -1, expression X>
constexpr auto sparsemax(const X& x) { return detail::along_axis<ops::sparsemax, Axis>(x); }

}  // namespace fusegrad

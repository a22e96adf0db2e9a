#pragma once
#include <span>
#include <type_traits>

#include "../check/gradcheck.hpp"
#include "../check/options.hpp"
#include "../eval/compiled.hpp"
#include "compiled_model.hpp"
#include "losses.hpp"
#include "parameters.hpp"

namespace fusegrad {

/// The loss of a model on one batch and its gradient with respect to every parameter, as a parameters value
/// (dropout off, so that it is a deterministic function). Compiles the graph on each call: a training loop
/// should hold an fg::compiled_model instead.
template <class Model, loss_function Loss, class T>
value_and_gradients<T, parameters<T, Model>> value_and_grad(const Model& model, const Loss& loss,
                                                            const parameters<T, Model>& params,
                                                            std::type_identity_t<std::span<const T>> x,
                                                            std::type_identity_t<std::span<const T>> y) {
    using G = compiled_model<Model, Loss, T>;
    auto f = compile<T>(G::evaluation_expression(model, loss));
    value_and_gradients<T, parameters<T, Model>> result{};
    const auto out = result.grad.per_variable();
    result.value = params.with_bindings([&](const auto&... b) {
        return f.value_and_grad_into(boost::mp11::mp_rename<typename Model::parameter_variables, wrt_t>{}, out, b...,
                                     typename G::input_variable{} = x, typename G::target_variable{} = y);
    });
    return result;
}

/// fg::gradcheck for a model: the gradient of the loss on one batch with respect to every parameter,
/// against finite differences in double (dropout off). A model has many parameters: set
/// `options.directions` to check random directions instead of every element (docs/gradcheck.md).
template <class Model, loss_function Loss, class T>
gradcheck_report gradcheck(const Model& model, const Loss& loss, const parameters<T, Model>& params,
                           std::type_identity_t<std::span<const T>> x, std::type_identity_t<std::span<const T>> y,
                           const gradcheck_options& options = {}) {
    using G = compiled_model<Model, Loss, T>;
    auto f = compile<T>(G::evaluation_expression(model, loss));
    return params.with_bindings([&](const auto&... b) {
        return gradcheck(f, boost::mp11::mp_rename<typename Model::parameter_variables, wrt_t>{}, options, b...,
                         typename G::input_variable{} = x, typename G::target_variable{} = y);
    });
}

}  // namespace fusegrad

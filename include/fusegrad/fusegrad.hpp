#pragma once
/// fusegrad: differentiable models as C++ types. Include this header; `namespace fg = fusegrad;`.

#if !defined(__cplusplus) || __cplusplus < 202002L
#error "fusegrad: needs C++20 or later (compile with -std=c++20, or cpp_std=c++20 in Meson)"
#else
// Below C++20 nothing else is read, so the message above is all the compiler prints.

#include "version.hpp"

#include "shape/broadcast.hpp"
#include "shape/shape.hpp"

#include "expr/activation.hpp"
#include "expr/activations.hpp"
#include "expr/custom.hpp"
#include "expr/linalg.hpp"
#include "expr/math.hpp"
#include "expr/operators.hpp"
#include "expr/reductions.hpp"
#include "expr/var.hpp"

#include "eval/compiled.hpp"
#include "eval/gradients.hpp"
#include "eval/tensor.hpp"
#include "eval/wrt.hpp"
#include "graph/dot.hpp"
#include "check/function_check.hpp"
#include "check/gradcheck.hpp"

#include "nn/checkpoint.hpp"
#include "nn/compiled_model.hpp"
#include "nn/dataset.hpp"
#include "nn/fit.hpp"
#include "nn/history.hpp"
#include "nn/history_csv.hpp"
#include "nn/initializers.hpp"
#include "nn/layers/activation.hpp"
#include "nn/layers/dense.hpp"
#include "nn/layers/dropout.hpp"
#include "nn/layers/flatten.hpp"
#include "nn/layers/input.hpp"
#include "nn/layers/prelu.hpp"
#include "nn/losses.hpp"
#include "nn/metrics.hpp"
#include "nn/model_gradients.hpp"
#include "nn/optimizers/adam.hpp"
#include "nn/optimizers/adamw.hpp"
#include "nn/optimizers/optimizer_state.hpp"
#include "nn/optimizers/rmsprop.hpp"
#include "nn/optimizers/sgd.hpp"
#include "nn/parameters.hpp"
#include "nn/random.hpp"
#include "nn/sequential.hpp"

#endif

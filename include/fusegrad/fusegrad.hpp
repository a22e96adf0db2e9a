#pragma once
/// fusegrad: differentiable models as C++ types. Include this header; `namespace fg = fusegrad;`.

#if !defined(__cplusplus) || __cplusplus < 202002L
#error "fusegrad: needs C++20 or later (compile with -std=c++20, or cpp_std=c++20 in Meson)"
#endif

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
#include "check/gradcheck.hpp"

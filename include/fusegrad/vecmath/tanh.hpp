#pragma once
#include "detail/bits.hpp"
#include "detail/exp_kernel.hpp"

namespace fusegrad::vecmath {

/// Hyperbolic tangent in float, branch-free. Max error 1.02 ulp over every float (docs/vector-math.md).
/// tanh(±0) = ±0, tanh(±inf) = ±1, tanh(NaN) = NaN; ±1 from |x| = 9.01091385 on, as the C library's
/// tanhf; a subnormal x gives x. Coefficients: scripts/vecmath_coefficients.py.
[[gnu::always_inline]] inline float tanh(float x) {
    const float a = detail::abs(x);
    // |x| < 0.75: |x| + |x|·z·p(z), z = x², p minimax for the relative error (0.028 ulp); subnormals come
    // out unchanged. Both pieces are computed on |x| and take x's sign at the end, which keeps −0; each on
    // |x| limited to its own range, so that the piece not selected raises no overflow.
    const float s = detail::at_most(a, 0.75f);
    const float z = s * s;
    const float z2 = z * z;
    const float p = (-0x1.55554ap-2f + z * 0x1.110ddap-3f) + z2 * ((-0x1.b98108p-5f + z * 0x1.5f9082p-6f) +
                                                                z2 * (-0x1.f662fep-8f + z * 0x1.c8975p-10f));
    const float small = s + s * (z * p);
    // Otherwise 1 − 2/(e^{2|x|} + 1). From 0.75 on the quotient is below 0.37, so its three roundings
    // weigh at most 0.6 of an ulp of the result. The result rounds to 1 from |x| = 9.01 on, so |x| is
    // limited to 10 (which also keeps e^{2|x|} from overflowing).
    const float large = 1.0f - 2.0f / (detail::exp_in_range(2.0f * detail::at_most(a, 10.0f)) + 1.0f);
    return detail::with_sign_of(detail::select(a < 0.75f, small, large), x);
}

}  // namespace fusegrad::vecmath

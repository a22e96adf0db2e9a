// Mistake: a gradient is asked for z, which the expression does not use.
#include <fusegrad/fusegrad.hpp>
namespace fg = fusegrad;
int main() {
    constexpr fg::var<"x", 4> x;
    constexpr fg::var<"W", 4, 3> W;
    constexpr fg::var<"z", 2> z;
    auto f = fg::compile(fg::sum(fg::matmul(x, W)));
    fg::tensor<double, 4> xv{};
    fg::tensor<double, 4, 3> Wv{};
#ifdef FUSEGRAD_MISTAKE
    (void)f.value_and_grad(fg::wrt(z), x = xv, W = Wv);
#else
    (void)f.value_and_grad(fg::wrt(W), x = xv, W = Wv);
    (void)z;
#endif
}

// Mistake: value_and_grad of a vector output, which needs a seed (vjp) or a reduction.
#include <fusegrad/fusegrad.hpp>
namespace fg = fusegrad;
int main() {
    constexpr fg::var<"x", 4> x;
    fg::tensor<double, 4> xv{};
#ifdef FUSEGRAD_MISTAKE
    auto f = fg::compile(fg::tanh(x));
#else
    auto f = fg::compile(fg::sum(fg::tanh(x)));
#endif
    (void)f.value_and_grad(fg::wrt(x), x = xv);
}

// Mistake: W appears in the expression but no data is bound to it.
#include <fusegrad/fusegrad.hpp>
namespace fg = fusegrad;
int main() {
    constexpr fg::var<"x", 4> x;
    constexpr fg::var<"W", 4, 3> W;
    auto f = fg::compile(fg::sum(fg::matmul(x, W)));
    fg::tensor<double, 4> xv{};
    fg::tensor<double, 4, 3> Wv{};
#ifdef FUSEGRAD_MISTAKE
    (void)f.value(x = xv);
#else
    (void)f.value(x = xv, W = Wv);
#endif
}

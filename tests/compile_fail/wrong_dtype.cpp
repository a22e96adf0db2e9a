// Mistake: float data bound to a function that computes in double.
#include <fusegrad/fusegrad.hpp>
#include <vector>
namespace fg = fusegrad;
int main() {
    constexpr fg::var<"x", 4> x;
#ifdef FUSEGRAD_MISTAKE
    std::vector<float> xv(4);
#else
    std::vector<double> xv(4);
#endif
    auto f = fg::compile<double>(fg::sum(fg::tanh(x)));
    (void)f.value(x = xv);
}

// Mistake: gradcheck with float data for one variable and double data for another.
#include <fusegrad/fusegrad.hpp>
#include <vector>
namespace fg = fusegrad;
int main() {
    constexpr fg::var<"x", 3> x;
    constexpr fg::var<"w", 3> w;
    std::vector<double> xv{1, 2, 3};
#ifdef FUSEGRAD_MISTAKE
    std::vector<float> wv{1, 2, 3};
#else
    std::vector<double> wv{1, 2, 3};
#endif
    (void)fg::gradcheck(fg::sum(fg::tanh(x * w)), fg::wrt(w), x = xv, w = wv);
}

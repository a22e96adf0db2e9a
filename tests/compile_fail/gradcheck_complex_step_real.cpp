// Mistake: complex steps through an f that drops the imaginary part (std::abs of a complex is its modulus).
#include <fusegrad/fusegrad.hpp>
#include <cmath>
#include <vector>
namespace fg = fusegrad;
int main() {
#ifdef FUSEGRAD_MISTAKE
    auto f = [](const auto& x) { return std::abs(x[0] * x[1]); };
#else
    auto f = [](const auto& x) { return x[0] * x[1]; };
#endif
    auto grad_f = [](const std::vector<double>& x) { return std::vector<double>{x[1], x[0]}; };
    (void)fg::gradcheck(fg::by_complex_step(f), grad_f, std::vector<double>{1.0, 2.0});
}

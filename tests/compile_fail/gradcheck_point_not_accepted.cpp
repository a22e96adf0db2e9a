// Mistake: f takes a point of another kind than x (a std::array where x is a std::vector).
#include <fusegrad/fusegrad.hpp>
#include <array>
#include <vector>
namespace fg = fusegrad;
int main() {
#ifdef FUSEGRAD_MISTAKE
    auto f = [](const std::array<double, 2>& x) { return x[0] * x[1]; };
#else
    auto f = [](const std::vector<double>& x) { return x[0] * x[1]; };
#endif
    auto grad_f = [](const std::vector<double>& x) { return std::vector<double>{x[1], x[0]}; };
    (void)fg::gradcheck(f, grad_f, std::vector<double>{1.0, 2.0});
}

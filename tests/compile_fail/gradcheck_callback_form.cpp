// Mistake: a gradient callback that takes a pointer to write to, a form the checks do not know.
#include <fusegrad/fusegrad.hpp>
#include <span>
#include <vector>
namespace fg = fusegrad;
int main() {
    auto f = [](const auto& x) { return x[0] * x[1]; };
#ifdef FUSEGRAD_MISTAKE
    auto grad_f = [](const std::vector<double>& x, double* g) { g[0] = x[1], g[1] = x[0]; };
#else
    auto grad_f = [](const std::vector<double>& x, std::span<double> g) { g[0] = x[1], g[1] = x[0]; };
#endif
    (void)fg::gradcheck(f, grad_f, std::vector<double>{1.0, 2.0});
}

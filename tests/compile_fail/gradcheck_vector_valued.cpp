// Mistake: fg::gradcheck of a function with several outputs, which needs fg::jacobian_check.
#include <fusegrad/fusegrad.hpp>
#include <vector>
namespace fg = fusegrad;
int main() {
#ifdef FUSEGRAD_MISTAKE
    auto f = [](const auto& x) { return std::vector<double>{x[0] * x[1], x[0]}; };
#else
    auto f = [](const auto& x) { return x[0] * x[1]; };
#endif
    auto grad_f = [](const std::vector<double>& x) { return std::vector<double>{x[1], x[0]}; };
    (void)fg::gradcheck(f, grad_f, std::vector<double>{1.0, 2.0});
}

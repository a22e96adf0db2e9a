// Mistake: fg::in_long_double(f) for an f that takes only double points.
#include <fusegrad/fusegrad.hpp>
#include <vector>
namespace fg = fusegrad;
int main() {
#ifdef FUSEGRAD_MISTAKE
    auto f = [](const std::vector<double>& x) { return x[0] * x[1]; };
#else
    auto f = [](const auto& x) { return x[0] * x[1]; };
#endif
    auto grad_f = [](const std::vector<double>& x) { return std::vector<double>{x[1], x[0]}; };
    (void)fg::gradcheck(fg::in_long_double(f), grad_f, std::vector<double>{1.0, 2.0});
}

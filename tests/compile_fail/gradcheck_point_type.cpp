// Mistake: gradcheck of a callable at a point held in a std::list, which has no contiguous storage.
#include <fusegrad/fusegrad.hpp>
#include <list>
#include <vector>
namespace fg = fusegrad;
int main() {
    auto f = [](const auto& x) { return x.front() * x.back(); };
    auto grad_f = [](const auto& x) { return std::vector<double>{x.back(), x.front()}; };
#ifdef FUSEGRAD_MISTAKE
    std::list<double> x{1.0, 2.0};
#else
    std::vector<double> x{1.0, 2.0};
#endif
    (void)fg::gradcheck(f, grad_f, x);
}

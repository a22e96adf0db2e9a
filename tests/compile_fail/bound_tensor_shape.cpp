// Mistake: a tensor of 3 values bound to a variable of 4.
#include <fusegrad/fusegrad.hpp>
namespace fg = fusegrad;
int main() {
    constexpr fg::var<"x", 4> x;
    auto f = fg::compile(fg::sum(x));
#ifdef FUSEGRAD_MISTAKE
    fg::tensor<double, 3> data{};
#else
    fg::tensor<double, 4> data{};
#endif
    (void)f.value(x = data);
}

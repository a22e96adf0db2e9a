// Mistake: two different variables called "x" (a vector of 4 and a vector of 1) in one expression.
#include <fusegrad/fusegrad.hpp>
namespace fg = fusegrad;
int main() {
    constexpr fg::var<"x", 4> x;
#ifdef FUSEGRAD_MISTAKE
    constexpr fg::var<"x", 1> s;
#else
    constexpr fg::var<"s", 1> s;
#endif
    auto f = fg::compile(fg::sum(x * s));
    (void)f;
}

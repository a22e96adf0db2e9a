// Mistake: a custom elementwise op that has a value but no derivative.
#include <fusegrad/fusegrad.hpp>
namespace fg = fusegrad;
struct cube {
    template <class T> T value(T x) const { return x * x * x; }
#ifndef FUSEGRAD_MISTAKE
    template <class T> T derivative(T x, T) const { return 3 * x * x; }
#endif
};
constexpr fg::var<"x", 4> x;
auto y = fg::apply(cube{}, x);
int main() {}

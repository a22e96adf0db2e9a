// Mistake: a misspelt Keras activation name.
#include <fusegrad/fusegrad.hpp>
namespace fg = fusegrad;
constexpr fg::var<"x", 4> x;
#ifdef FUSEGRAD_MISTAKE
auto y = fg::activation<"rleu">(x);
#else
auto y = fg::activation<"relu">(x);
#endif
int main() {}

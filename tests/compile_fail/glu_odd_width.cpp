// Mistake: glu splits the last axis into two halves (values and gates), and 5 cannot be halved.
#include <fusegrad/fusegrad.hpp>
namespace fg = fusegrad;
#ifdef FUSEGRAD_MISTAKE
constexpr fg::var<"x", 5> x;
#else
constexpr fg::var<"x", 6> x;
#endif
auto y = fg::glu(x);
int main() {}

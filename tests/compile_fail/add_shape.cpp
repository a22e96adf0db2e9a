// Mistake: adding a vector of 4 to a vector of 3.
#include <fusegrad/fusegrad.hpp>
namespace fg = fusegrad;
constexpr fg::var<"a", 4> a;
#ifdef FUSEGRAD_MISTAKE
constexpr fg::var<"b", 3> b;
#else
constexpr fg::var<"b", 4> b;
#endif
auto y = a + b;
int main() {}

// Mistake: the left operand has 4 columns, the right operand 5 rows.
#include <fusegrad/fusegrad.hpp>
namespace fg = fusegrad;
#ifdef FUSEGRAD_MISTAKE
constexpr fg::var<"W", 5, 3> W;
#else
constexpr fg::var<"W", 4, 3> W;
#endif
constexpr fg::var<"x", 4> x;
auto y = fg::matmul(x, W);
int main() {}

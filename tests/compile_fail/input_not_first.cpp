// Mistake: a second fg::input after the first layer; fg::input is the shape of one sample and comes first only.
#include <fusegrad/fusegrad.hpp>
namespace fg = fusegrad;
#ifdef FUSEGRAD_MISTAKE
constexpr auto model = fg::sequential(fg::input<4>, fg::dense<3>(), fg::input<3>, fg::dense<2>());
#else
constexpr auto model = fg::sequential(fg::input<4>, fg::dense<3>(), fg::dense<2>());
#endif
int main() { return static_cast<int>(model.parameter_count % 2); }

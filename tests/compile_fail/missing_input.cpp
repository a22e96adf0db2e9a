// Mistake: a model without fg::input; unlike Keras, fusegrad needs the shape of one sample up front.
#include <fusegrad/fusegrad.hpp>
namespace fg = fusegrad;
#ifdef FUSEGRAD_MISTAKE
constexpr auto model = fg::sequential(fg::dense<3>(), fg::dense<2>());
#else
constexpr auto model = fg::sequential(fg::input<4>, fg::dense<3>(), fg::dense<2>());
#endif
int main() { return static_cast<int>(model.parameter_count % 2); }

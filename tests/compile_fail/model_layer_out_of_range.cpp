// Mistake: model.layer<2>() of a model with two layers after fg::input; layers count from 0, as Keras's
// model.layers does, so the last one is layer<1>.
#include <fusegrad/fusegrad.hpp>
namespace fg = fusegrad;
constexpr auto model = fg::sequential(fg::input<4>, fg::dense<3>(), fg::dense<2, fg::bias::none>());
#ifdef FUSEGRAD_MISTAKE
constexpr bool last_has_bias = model.layer<2>().use_bias;
#else
constexpr bool last_has_bias = model.layer<1>().use_bias;
#endif
int main() { return static_cast<int>(last_has_bias); }

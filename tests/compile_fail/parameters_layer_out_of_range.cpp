// Mistake: parameters::layer<2> of a model with two layers after fg::input; layers count from 0, as Keras's
// model.layers does, so the last one is layer<1>.
#include <fusegrad/fusegrad.hpp>
namespace fg = fusegrad;
constexpr auto model = fg::sequential(fg::input<4>, fg::dense<3>(), fg::dense<2>());
int main() {
    auto params = model.init<float>(1);
#ifdef FUSEGRAD_MISTAKE
    auto last = params.layer<2>();
#else
    auto last = params.layer<1>();
#endif
    return static_cast<int>(last.bias[0]);
}

// Mistake: a Softmax layer on 28 x 28 samples would normalise all 784 values together, not each row as
// Keras's last axis does; row-wise layers take flat samples.
#include <fusegrad/fusegrad.hpp>
namespace fg = fusegrad;
#ifdef FUSEGRAD_MISTAKE
constexpr auto model = fg::sequential(fg::input<28, 28>, fg::layers::softmax{});
#else
constexpr auto model = fg::sequential(fg::input<28, 28>, fg::flatten(), fg::layers::softmax{});
#endif
int main() { return static_cast<int>(model.parameter_count); }

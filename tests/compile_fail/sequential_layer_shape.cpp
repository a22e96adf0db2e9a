// Mistake: a Dense layer straight after a 28 x 28 input; Keras's tutorial puts a Flatten in between.
#include <fusegrad/fusegrad.hpp>
namespace fg = fusegrad;
#ifdef FUSEGRAD_MISTAKE
constexpr auto model = fg::sequential(fg::input<28, 28>, fg::dense<128>(fg::activation<"relu">), fg::dense<10>());
#else
constexpr auto model = fg::sequential(fg::input<28, 28>, fg::flatten(), fg::dense<128>(fg::activation<"relu">),
                                      fg::dense<10>());
#endif
int main() { return static_cast<int>(model.parameter_count % 2); }

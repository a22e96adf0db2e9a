// Mistake: the model takes samples of 784 features and is given a batch of 100-feature rows.
#include <fusegrad/fusegrad.hpp>
namespace fg = fusegrad;
constexpr auto model = fg::sequential(fg::input<784>, fg::dense<10>());
#ifdef FUSEGRAD_MISTAKE
constexpr fg::var<"x", fg::batch, 100> x;
#else
constexpr fg::var<"x", fg::batch, 784> x;
#endif
constexpr auto logits = model(x);
int main() {}

// Mistake: class indices (one column) given to categorical cross-entropy, which takes one-hot rows; indices
// are for sparse_categorical_crossentropy.
#include <fusegrad/fusegrad.hpp>
namespace fg = fusegrad;
constexpr fg::var<"logits", fg::batch, 10> logits;
#ifdef FUSEGRAD_MISTAKE
constexpr fg::var<"labels", fg::batch, 1> labels;
#else
constexpr fg::var<"labels", fg::batch, 10> labels;
#endif
constexpr auto loss = fg::categorical_crossentropy{.from_logits = true}(logits, labels);
int main() {}

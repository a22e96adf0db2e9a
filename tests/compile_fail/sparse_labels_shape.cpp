// Mistake: sparse categorical cross-entropy takes one column of class indices, not one-hot rows.
#include <fusegrad/fusegrad.hpp>
namespace fg = fusegrad;
constexpr fg::var<"logits", fg::batch, 10> logits;
#ifdef FUSEGRAD_MISTAKE
constexpr fg::var<"labels", fg::batch, 10> labels;
#else
constexpr fg::var<"labels", fg::batch, 1> labels;
#endif
constexpr auto loss = fg::sparse_categorical_crossentropy{.from_logits = true}(logits, labels);
int main() {}

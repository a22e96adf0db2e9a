// Mistake: one logit per sample and one-hot targets of two columns; binary cross-entropy takes one 0/1
// target per prediction.
#include <fusegrad/fusegrad.hpp>
namespace fg = fusegrad;
constexpr fg::var<"logits", fg::batch, 1> logits;
#ifdef FUSEGRAD_MISTAKE
constexpr fg::var<"targets", fg::batch, 2> targets;
#else
constexpr fg::var<"targets", fg::batch, 1> targets;
#endif
constexpr auto loss = fg::binary_crossentropy{.from_logits = true}(logits, targets);
int main() {}

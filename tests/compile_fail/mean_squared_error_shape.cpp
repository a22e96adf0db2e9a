// Mistake: targets of one column for predictions of three; a loss compares predictions and targets value by
// value, so their shapes must be the same.
#include <fusegrad/fusegrad.hpp>
namespace fg = fusegrad;
constexpr fg::var<"y_pred", fg::batch, 3> y_pred;
#ifdef FUSEGRAD_MISTAKE
constexpr fg::var<"y_true", fg::batch, 1> y_true;
#else
constexpr fg::var<"y_true", fg::batch, 3> y_true;
#endif
constexpr auto loss = fg::mean_squared_error{}(y_pred, y_true);
int main() {}

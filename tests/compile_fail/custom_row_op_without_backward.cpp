// Mistake: a custom row op that has a forward pass but no vector-Jacobian product.
#include <cstddef>
#include <fusegrad/fusegrad.hpp>
namespace fg = fusegrad;
struct scale_rows {
    static constexpr std::size_t out_cols(std::size_t n) { return n; }
    template <class T> void forward(const T* x, T* y, std::size_t n) const {
        for (std::size_t i = 0; i < n; ++i) y[i] = 2 * x[i];
    }
#ifndef FUSEGRAD_MISTAKE
    template <class T> void backward(const T*, const T*, const T* g, T* gx, std::size_t n) const {
        for (std::size_t i = 0; i < n; ++i) gx[i] += 2 * g[i];
    }
#endif
};
constexpr fg::var<"x", fg::batch, 4> x;
auto y = fg::apply_rows(scale_rows{}, x);
int main() {}

#include <cstdio>
#include <fusegrad/fusegrad.hpp>
namespace fg = fusegrad;

int main() {
    constexpr fg::var<"x", 4> x;                                   // named inputs with static shapes
    constexpr fg::var<"W", 4, 3> W;
    constexpr fg::var<"b", 3> b;
    constexpr auto y = fg::sum(fg::tanh(fg::matmul(x, W) + b));    // the graph is a type
    auto f = fg::compile(y);                                       // forward and reverse code, double

    fg::tensor<double, 4> xv{{1, 2, 3, 4}};
    fg::tensor<double, 4, 3> Wv{{.1, .2, .3, .4, .5, .6, -.1, -.2, -.3, 0, .1, .2}};
    fg::tensor<double, 3> bv{{0, .5, -.5}};
    auto [value, grad] = f.value_and_grad(fg::wrt(W, b), x = xv, W = Wv, b = bv);
    std::printf("y = %.6f  dy/dW(0,0) = %.6f  dy/db = [%.6f %.6f %.6f]\n", value, grad[W](0, 0), grad[b][0],
                grad[b][1], grad[b][2]);
}

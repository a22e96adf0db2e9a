// Mistake: building with a C++ standard below 20 (the mistake flag is -std=c++17).
#include <fusegrad/fusegrad.hpp>
int main() {}

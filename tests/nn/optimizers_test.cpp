// The optimizers: trajectories against torch.optim fixtures (tests/fixtures/make_optimizer_fixtures.py), the
// Keras 3 formulas written out by hand in long double where torch places ε differently, Keras's documented
// examples, float against double, Keras defaults, checkpoint round trips through save/load, the errors of
// load and step, and that a step never allocates. docs/optimizers-and-initializers.md has the formulas.
#define BOOST_TEST_MODULE fusegrad optimizers
#include <boost/test/unit_test.hpp>

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <map>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <fusegrad/nn/optimizers/adam.hpp>
#include <fusegrad/nn/optimizers/adamw.hpp>
#include <fusegrad/nn/optimizers/optimizer_state.hpp>
#include <fusegrad/nn/optimizers/rmsprop.hpp>
#include <fusegrad/nn/optimizers/sgd.hpp>

#include "allocation_counter.hpp"  // replaces global new and delete: this file is the program's only includer

namespace fg = fusegrad;

namespace {

using fgtest::allocations_during;

// ---------------------------------------------------------------------------------------------------
// The torch fixtures
// ---------------------------------------------------------------------------------------------------

struct fixture_case {
    std::string label, optimizer;
    std::map<std::string, double, std::less<>> hyper;
    double tolerance = 0;
    std::vector<double> w0;
    std::vector<std::vector<double>> gradients, expected;  // expected[t]: the parameters after step t + 1
};

std::vector<double> numbers(std::istringstream& in) {
    std::vector<double> v;
    for (double x; in >> x;) v.push_back(x);
    return v;
}

const std::vector<fixture_case>& fixture_cases() {
    static const std::vector<fixture_case> cases = [] {
        std::ifstream file(FUSEGRAD_FIXTURES_DIR "/optimizers.txt");
        if (!file) throw std::runtime_error("cannot open " FUSEGRAD_FIXTURES_DIR "/optimizers.txt");
        std::vector<fixture_case> out;
        for (std::string line; std::getline(file, line);) {
            if (line.empty() || line[0] == '#') continue;
            std::istringstream in(line);
            std::string tag;
            in >> tag;
            if (tag == "case") {
                fixture_case c;
                in >> c.label >> c.optimizer;
                for (std::string pair; in >> pair;) {
                    const auto eq = pair.find('=');
                    c.hyper[pair.substr(0, eq)] = std::stod(pair.substr(eq + 1));
                }
                c.tolerance = c.hyper.at("tolerance");
                out.push_back(std::move(c));
            } else if (tag == "w0") {
                out.back().w0 = numbers(in);
            } else if (tag == "g") {
                out.back().gradients.push_back(numbers(in));
            } else if (tag == "w") {
                out.back().expected.push_back(numbers(in));
            } else if (tag != "end") {
                throw std::runtime_error("optimizers.txt: unknown line " + line);
            }
        }
        return out;
    }();
    return cases;
}

/// Calls f with the fusegrad configuration of a fixture case.
template <class F>
void with_config(const fixture_case& c, F&& f) {
    const auto h = [&](std::string_view key) { return c.hyper.at(std::string(key)); };
    if (c.optimizer == "sgd")
        f(fg::sgd{.learning_rate = h("learning_rate"), .momentum = h("momentum"), .nesterov = h("nesterov") != 0});
    else if (c.optimizer == "adam")
        f(fg::adam{.learning_rate = h("learning_rate"), .beta_1 = h("beta_1"), .beta_2 = h("beta_2"), .epsilon = h("epsilon")});
    else if (c.optimizer == "adamw")
        f(fg::adamw{.learning_rate = h("learning_rate"),
                    .beta_1 = h("beta_1"),
                    .beta_2 = h("beta_2"),
                    .epsilon = h("epsilon"),
                    .weight_decay = h("weight_decay")});
    else if (c.optimizer == "rmsprop")
        f(fg::rmsprop{.learning_rate = h("learning_rate"),
                      .rho = h("rho"),
                      .momentum = h("momentum"),
                      .epsilon = h("epsilon"),
                      .centered = h("centered") != 0});
    else
        throw std::runtime_error("optimizers.txt: unknown optimizer " + c.optimizer);
}

/// The parameters after every step, replaying the case's gradients through optimizer_state<Config, T>.
template <class T, class Config>
std::vector<std::vector<T>> replay(const Config& config, const fixture_case& c) {
    fg::optimizer_state<Config, T> state(config, c.w0.size());
    std::vector<T> w(c.w0.begin(), c.w0.end());
    std::vector<std::vector<T>> trajectory;
    for (const auto& g : c.gradients) {
        const std::vector<T> gt(g.begin(), g.end());
        state.step(w, gt);
        trajectory.push_back(w);
    }
    BOOST_TEST(state.iterations() == c.gradients.size());
    return trajectory;
}

}  // namespace

BOOST_AUTO_TEST_CASE(fixtures_are_complete) {
    std::map<std::string, int> per_optimizer;
    for (const auto& c : fixture_cases()) {
        ++per_optimizer[c.optimizer];
        BOOST_TEST(c.gradients.size() >= 5u, c.label);
        BOOST_TEST(c.gradients.size() == c.expected.size(), c.label);
    }
    BOOST_TEST(per_optimizer["sgd"] >= 3);
    BOOST_TEST(per_optimizer["adam"] >= 2);
    BOOST_TEST(per_optimizer["adamw"] >= 2);
    BOOST_TEST(per_optimizer["rmsprop"] >= 6);
}

// Cases with tolerance 0 are those where torch computes the Keras formula: only rounding may differ, 1e-12
// of the parameters' scale (they are of order 1). The others differ by the placement of ε only, and the
// fixture's tolerance is twice that difference on this run (see make_optimizer_fixtures.py).
BOOST_AUTO_TEST_CASE(trajectories_match_torch) {
    for (const auto& c : fixture_cases()) {
        with_config(c, [&](const auto& config) {
            const auto got = replay<double>(config, c);
            double worst = 0;  // the largest error as a fraction of its tolerance
            std::ostringstream where;
            for (std::size_t t = 0; t < got.size(); ++t)
                for (std::size_t i = 0; i < got[t].size(); ++i) {
                    const double expected = c.expected[t][i];
                    const double tolerance = c.tolerance == 0 ? 1e-12 * std::fmax(1.0, std::fabs(expected)) : c.tolerance;
                    const double ratio = std::fabs(got[t][i] - expected) / tolerance;
                    if (ratio > worst || std::isnan(ratio)) {
                        worst = ratio;
                        where.str("");
                        where << "step " << t + 1 << " parameter " << i << ": " << got[t][i] << " vs torch " << expected;
                    }
                }
            BOOST_TEST(worst <= 1.0, c.label << ": " << where.str() << ", " << worst << " times the tolerance");
            BOOST_TEST_MESSAGE(c.label << ": the largest error is " << worst << " of the tolerance");
        });
    }
}

// Float rounds each operation to 2⁻²⁴ relative; over 7 steps of these O(1) parameters the float run stays
// within 16 float ulps of max(1, |w|) of the double run (observed: at most about 2).
BOOST_AUTO_TEST_CASE(float_follows_double) {
    for (const auto& c : fixture_cases()) {
        with_config(c, [&](const auto& config) {
            const auto d = replay<double>(config, c);
            const auto f = replay<float>(config, c);
            double worst = 0;  // in float ulps of max(1, |w|)
            for (std::size_t t = 0; t < d.size(); ++t)
                for (std::size_t i = 0; i < d[t].size(); ++i) {
                    const double ulps = std::fabs(double(f[t][i]) - d[t][i]) / (0x1.0p-23 * std::fmax(1.0, std::fabs(d[t][i])));
                    worst = ulps <= worst ? worst : ulps;  // NaN sticks
                }
            BOOST_TEST(worst <= 16.0, c.label << ": float is " << worst << " float ulps from double");
        });
    }
}

// ---------------------------------------------------------------------------------------------------
// Keras's formulas by hand, where torch's differ
// ---------------------------------------------------------------------------------------------------

namespace {
/// |got − w0 − displacement| within 1e-12 of the displacement: compares the move, not the parameter, so
/// that a 1e-4 step on a 0.5 parameter is still checked to 12 digits.
void check_move(double got, long double w0, long double expected, long double other_formula) {
    const long double move = expected - w0;
    BOOST_TEST(double(std::fabs((got - w0) - move)) <= 1e-12 * double(std::fabs(move)),
               "moved by " << double(got - w0) << ", Keras's formula moves by " << double(move));
    // The check can tell Keras's ε placement from torch's.
    BOOST_TEST(double(std::fabs(other_formula - expected)) > 1e-6 * double(std::fabs(move)));
}
}  // namespace

BOOST_AUTO_TEST_CASE(adam_keras_formula_by_hand) {
    // Gradients of 2e-6 and −1e-6 with ε = 1e-7: √v ≈ 6e-8 is below ε, so where ε goes matters.
    const fg::adam config{};
    const long double lr = config.learning_rate, b1 = config.beta_1, b2 = config.beta_2, eps = config.epsilon;
    const long double w0 = 0.5, g1 = 2e-6, g2 = -1e-6;  // the doubles the optimizer sees
    // Step 1: m₁ = (1 − β1)g₁, v₁ = (1 − β2)g₁², w₁ = w₀ − lr·√(1 − β2)/(1 − β1)·m₁/(√v₁ + ε).
    const long double m1 = (1 - b1) * g1, v1 = (1 - b2) * g1 * g1;
    const long double w1 = w0 - lr * std::sqrt(1 - b2) / (1 - b1) * m1 / (std::sqrt(v1) + eps);
    // Step 2, with β^2 in the corrections.
    const long double m2 = b1 * m1 + (1 - b1) * g2, v2 = b2 * v1 + (1 - b2) * g2 * g2;
    const long double w2 = w1 - lr * std::sqrt(1 - b2 * b2) / (1 - b1 * b1) * m2 / (std::sqrt(v2) + eps);
    // torch: ε added to √v̂ = √(v/(1 − β2ᵗ)), the step lr·m̂ with m̂ = m/(1 − β1ᵗ).
    const long double torch_w1 = w0 - lr * (m1 / (1 - b1)) / (std::sqrt(v1 / (1 - b2)) + eps);

    fg::optimizer_state<fg::adam, double> state(config, 1);
    std::vector<double> w{0.5};
    state.step(w, std::vector<double>{2e-6});
    check_move(w[0], w0, w1, torch_w1);
    BOOST_TEST(state.slot(0)[0] == double(m1), boost::test_tools::tolerance(1e-15));
    BOOST_TEST(state.slot(1)[0] == double(v1), boost::test_tools::tolerance(1e-15));
    const double after_one = w[0];
    state.step(w, std::vector<double>{-1e-6});
    // The second move on its own, from the double the first step left.
    const long double torch_move2 = -lr * (m2 / (1 - b1 * b1)) / (std::sqrt(v2 / (1 - b2 * b2)) + eps);
    check_move(w[0], after_one, after_one + (w2 - w1), after_one + torch_move2);

    // The same step through the pure function on spans.
    std::vector<double> u{0.5}, m{0.0}, v{0.0};
    const std::vector<double> g{2e-6};
    config.update(std::span<double>(u), std::span<const double>(g), std::span<double>(m), std::span<double>(v), 1);
    BOOST_TEST(u[0] == after_one);
}

BOOST_AUTO_TEST_CASE(adamw_keras_formula_by_hand) {
    // Keras applies w −= w·wd·lr before Adam's step, from the same w.
    const fg::adamw config{.learning_rate = 0.01, .weight_decay = 0.1};
    const long double lr = config.learning_rate, b1 = config.beta_1, b2 = config.beta_2, eps = config.epsilon,
                      wd = config.weight_decay;
    const long double w0 = -1.5, g1 = 3e-6;
    const long double m1 = (1 - b1) * g1, v1 = (1 - b2) * g1 * g1;
    const long double w1 = w0 - w0 * wd * lr - lr * std::sqrt(1 - b2) / (1 - b1) * m1 / (std::sqrt(v1) + eps);
    const long double torch_w1 = w0 * (1 - lr * wd) - lr * (m1 / (1 - b1)) / (std::sqrt(v1 / (1 - b2)) + eps);
    fg::optimizer_state<fg::adamw, double> state(config, 1);
    std::vector<double> w{-1.5};
    state.step(w, std::vector<double>{3e-6});
    check_move(w[0], w0, w1, torch_w1);
}

BOOST_AUTO_TEST_CASE(rmsprop_keras_formula_by_hand) {
    // g = 1e-4: (1 − ρ)g² = 1e-9 is far below ε = 1e-7, so √(v + ε) and torch's √v + ε differ tenfold.
    {
        const fg::rmsprop config{.learning_rate = 0.01};
        const long double lr = config.learning_rate, rho = config.rho, eps = config.epsilon;
        const long double w0 = 0.25, g = 1e-4;
        const long double v = (1 - rho) * g * g;
        fg::optimizer_state<fg::rmsprop, double> state(config, 1);
        std::vector<double> w{0.25};
        state.step(w, std::vector<double>{1e-4});
        check_move(w[0], w0, w0 - lr * g / std::sqrt(v + eps), w0 - lr * g / (std::sqrt(v) + eps));
    }
    // Centered with momentum, two steps: a = ρa + (1 − ρ)g, d = v − a² + ε, b = μb + lr·g/√d, w −= b.
    {
        const fg::rmsprop config{.learning_rate = 0.02, .rho = 0.8, .momentum = 0.5, .centered = true};
        const long double lr = config.learning_rate, rho = config.rho, mu = config.momentum, eps = config.epsilon;
        const long double w0 = -0.75, g1 = 2e-4, g2 = -5e-5;
        const long double v1 = (1 - rho) * g1 * g1, a1 = (1 - rho) * g1;
        const long double b1 = lr * g1 / std::sqrt(v1 - a1 * a1 + eps);
        const long double w1 = w0 - b1;
        const long double v2 = rho * v1 + (1 - rho) * g2 * g2, a2 = rho * a1 + (1 - rho) * g2;
        const long double b2 = mu * b1 + lr * g2 / std::sqrt(v2 - a2 * a2 + eps);
        const long double w2 = w1 - b2;
        // torch: √(v − a²) + ε.
        const long double torch_b1 = lr * g1 / (std::sqrt(v1 - a1 * a1) + eps);
        fg::optimizer_state<fg::rmsprop, double> state(config, 1);
        std::vector<double> w{-0.75};
        state.step(w, std::vector<double>{2e-4});
        check_move(w[0], w0, w1, w0 - torch_b1);
        state.step(w, std::vector<double>{-5e-5});
        const long double torch_w2 = w0 - torch_b1 - (mu * torch_b1 + lr * g2 / (std::sqrt(v2 - a2 * a2) + eps));
        check_move(w[0], w0, w2, torch_w2);
    }
}

BOOST_AUTO_TEST_CASE(keras_documented_examples) {
    // keras.optimizers.RMSprop's docstring: learning_rate 0.1, var 10, loss var²/2, one minimize → 9.683772.
    {
        fg::optimizer_state<fg::rmsprop, double> state(fg::rmsprop{.learning_rate = 0.1}, 1);
        std::vector<double> w{10.0};
        state.step(w, std::vector<double>{w[0]});
        BOOST_TEST(std::fabs(w[0] - 9.683772) < 5e-7);
    }
    // tf.keras SGD's docstring: learning_rate 0.1, momentum 0.9, var 1, loss var²/2: the first step moves 0.1,
    // the second 0.18.
    {
        fg::optimizer_state<fg::sgd, double> state(fg::sgd{.learning_rate = 0.1, .momentum = 0.9}, 1);
        std::vector<double> w{1.0};
        state.step(w, std::vector<double>{w[0]});
        BOOST_TEST(w[0] == 0.9, boost::test_tools::tolerance(1e-15));
        state.step(w, std::vector<double>{w[0]});
        BOOST_TEST(0.9 - w[0] == 0.18, boost::test_tools::tolerance(1e-14));
    }
    // Nesterov on the same problem: v₁ = −0.1, w₁ = 1 + 0.9·v₁ − 0.1 = 0.81; v₂ = 0.9·v₁ − 0.1·0.81 = −0.171,
    // w₂ = 0.81 + 0.9·v₂ − 0.081 = 0.5751.
    {
        fg::optimizer_state<fg::sgd, double> state(fg::sgd{.learning_rate = 0.1, .momentum = 0.9, .nesterov = true}, 1);
        std::vector<double> w{1.0};
        state.step(w, std::vector<double>{w[0]});
        BOOST_TEST(w[0] == 0.81, boost::test_tools::tolerance(1e-15));
        state.step(w, std::vector<double>{w[0]});
        BOOST_TEST(w[0] == 0.5751, boost::test_tools::tolerance(1e-14));
        BOOST_TEST(state.slot(0)[0] == -0.171, boost::test_tools::tolerance(1e-14));
    }
}

// ---------------------------------------------------------------------------------------------------
// Configurations and state
// ---------------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(keras_defaults_and_names) {
    static_assert(fg::sgd{}.learning_rate == 0.01 && fg::sgd{}.momentum == 0.0 && !fg::sgd{}.nesterov);
    static_assert(fg::adam{}.learning_rate == 0.001 && fg::adam{}.beta_1 == 0.9 && fg::adam{}.beta_2 == 0.999 &&
                  fg::adam{}.epsilon == 1e-7);
    static_assert(fg::adamw{}.learning_rate == 0.001 && fg::adamw{}.beta_1 == 0.9 && fg::adamw{}.beta_2 == 0.999 &&
                  fg::adamw{}.epsilon == 1e-7 && fg::adamw{}.weight_decay == 0.004);
    static_assert(fg::rmsprop{}.learning_rate == 0.001 && fg::rmsprop{}.rho == 0.9 && fg::rmsprop{}.momentum == 0.0 &&
                  fg::rmsprop{}.epsilon == 1e-7 && !fg::rmsprop{}.centered);
    static_assert(fg::sgd::name == "sgd" && fg::adam::name == "adam" && fg::adamw::name == "adamw" &&
                  fg::rmsprop::name == "rmsprop");
    static_assert(fg::sgd::slots == 1 && fg::adam::slots == 2 && fg::adamw::slots == 2 && fg::rmsprop::slots == 3);
    constexpr fg::adamw designated{.learning_rate = 3e-4, .weight_decay = 0.01};
    static_assert(designated.beta_1 == 0.9 && designated.weight_decay == 0.01);
    // Keras's variable names.
    BOOST_TEST(fg::sgd::slot_names[0] == "momentum");
    BOOST_TEST((fg::adam::slot_names[0] == "momentum" && fg::adam::slot_names[1] == "velocity"));
    BOOST_TEST((fg::rmsprop::slot_names[0] == "velocity" && fg::rmsprop::slot_names[1] == "momentum" &&
                fg::rmsprop::slot_names[2] == "average_gradient"));
}

BOOST_AUTO_TEST_CASE(slots_are_allocated_as_keras_allocates_them) {
    const auto used = [](const auto& state) {
        std::vector<bool> out;
        for (std::size_t i = 0; i < std::decay_t<decltype(state.config())>::slots; ++i) {
            out.push_back(!state.slot(i).empty());
            if (!state.slot(i).empty()) BOOST_TEST(state.slot(i).size() == state.parameter_count());
        }
        return out;
    };
    BOOST_TEST((used(fg::optimizer_state<fg::sgd, float>(fg::sgd{}, 5)) == std::vector<bool>{false}));
    BOOST_TEST((used(fg::optimizer_state<fg::sgd, float>(fg::sgd{.momentum = 0.9}, 5)) == std::vector<bool>{true}));
    BOOST_TEST((used(fg::optimizer_state<fg::adam, float>(fg::adam{}, 5)) == std::vector<bool>{true, true}));
    BOOST_TEST((used(fg::optimizer_state<fg::rmsprop, float>(fg::rmsprop{}, 5)) == std::vector<bool>{true, false, false}));
    BOOST_TEST((used(fg::optimizer_state<fg::rmsprop, float>(fg::rmsprop{.momentum = 0.5, .centered = true}, 5)) ==
                std::vector<bool>{true, true, true}));
    BOOST_TEST((used(fg::optimizer_state<fg::rmsprop, float>(fg::rmsprop{.centered = true}, 5)) ==
                std::vector<bool>{true, false, true}));
    fg::optimizer_state<fg::adam, float> state(fg::adam{}, 5);
    BOOST_CHECK_THROW(state.slot(2), std::out_of_range);
    BOOST_TEST(state.iterations() == 0u);
}

BOOST_AUTO_TEST_CASE(learning_rate_can_change_between_steps) {
    fg::optimizer_state<fg::sgd, double> state(fg::sgd{.learning_rate = 0.1}, 2);
    std::vector<double> w{1.0, 2.0};
    const std::vector<double> g{1.0, -1.0};
    state.step(w, g);
    state.set_learning_rate(0.5);
    state.step(w, g);
    BOOST_TEST(state.config().learning_rate == 0.5);
    BOOST_TEST(w[0] == 0.4, boost::test_tools::tolerance(1e-15));
    BOOST_TEST(w[1] == 2.6, boost::test_tools::tolerance(1e-15));
}

BOOST_AUTO_TEST_CASE(step_checks_sizes) {
    fg::optimizer_state<fg::adam, double> state(fg::adam{}, 10);
    std::vector<double> w9(9), w10(10), g9(9), g10(10);
    const auto names = [](std::string a, std::string b) {
        return [a, b](const std::invalid_argument& e) {
            const std::string what = e.what();
            return what.find(a) != std::string::npos && what.find(b) != std::string::npos &&
                   what.find("optimizer_state<adam>::step") != std::string::npos;
        };
    };
    BOOST_CHECK_EXCEPTION(state.step(w9, g10), std::invalid_argument, names("9 parameters", "10 parameters"));
    BOOST_CHECK_EXCEPTION(state.step(w10, g9), std::invalid_argument, names("9 gradients", "10 parameters"));
    BOOST_TEST(state.iterations() == 0u);
    state.step(w10, g10);
    BOOST_TEST(state.iterations() == 1u);
}

namespace {

/// Deterministic O(1) gradients that change sign along the run.
template <class T>
std::vector<T> gradient_at(int step, std::size_t n) {
    std::vector<T> g(n);
    for (std::size_t i = 0; i < n; ++i) g[i] = T(std::sin(1.3 * double(i) + 0.7 * step) + 0.25 * double(i % 3));
    return g;
}

template <class T, class Config>
void check_resume(const Config& config) {
    const std::size_t n = 13;
    std::vector<T> straight(n), resumed(n);
    for (std::size_t i = 0; i < n; ++i) straight[i] = resumed[i] = T(0.1 * double(i) - 0.6);

    fg::optimizer_state<Config, T> a(config, n);
    for (int t = 0; t < 6; ++t) a.step(straight, gradient_at<T>(t, n));

    std::vector<std::byte> bytes;
    {
        fg::optimizer_state<Config, T> first(config, n);
        for (int t = 0; t < 3; ++t) first.step(resumed, gradient_at<T>(t, n));
        bytes = first.save();
    }
    fg::optimizer_state<Config, T> second(config, n);
    second.load(bytes);
    BOOST_TEST(second.iterations() == 3u);
    for (int t = 3; t < 6; ++t) second.step(resumed, gradient_at<T>(t, n));

    BOOST_TEST((resumed == straight), Config::name << ": resumed parameters differ");
    BOOST_TEST(second.iterations() == 6u);
    for (std::size_t s = 0; s < Config::slots; ++s) {
        const auto x = a.slot(s), y = second.slot(s);
        BOOST_TEST((std::vector<T>(x.begin(), x.end()) == std::vector<T>(y.begin(), y.end())), Config::name << " slot " << s);
    }
    BOOST_TEST((second.save() == a.save()));
}

}  // namespace

BOOST_AUTO_TEST_CASE(save_load_resumes_bit_identically) {
    check_resume<double>(fg::sgd{.learning_rate = 0.05});
    check_resume<double>(fg::sgd{.learning_rate = 0.05, .momentum = 0.9, .nesterov = true});
    check_resume<float>(fg::sgd{.learning_rate = 0.05, .momentum = 0.8});
    check_resume<double>(fg::adam{.learning_rate = 0.01});
    check_resume<float>(fg::adam{.learning_rate = 0.01});
    check_resume<double>(fg::adamw{.learning_rate = 0.01, .weight_decay = 0.1});
    check_resume<float>(fg::adamw{});
    check_resume<double>(fg::rmsprop{.learning_rate = 0.01});
    check_resume<double>(fg::rmsprop{.learning_rate = 0.01, .momentum = 0.9, .centered = true});
    check_resume<float>(fg::rmsprop{.learning_rate = 0.01, .centered = true});
}

BOOST_AUTO_TEST_CASE(save_format_is_little_endian_with_a_header) {
    fg::optimizer_state<fg::sgd, double> state(fg::sgd{.momentum = 0.5}, 2);
    std::vector<double> w{1.0, 2.0};
    state.step(w, std::vector<double>{1.0, -2.0});
    const std::vector<std::byte> bytes = state.save();
    const auto byte = [&](std::size_t i) { return std::to_integer<unsigned>(bytes[i]); };
    // "fgoptim\0", version 1, name length 3, "sgd", value size 8, 1 slot, mask 1, 2 parameters, 1 iteration,
    // then the velocity: −0.01 and 0.02 as IEEE 754 bits, least significant byte first.
    const std::string magic = "fgoptim";
    for (std::size_t i = 0; i < magic.size(); ++i) BOOST_TEST(byte(i) == unsigned(magic[i]));
    BOOST_TEST(byte(7) == 0u);
    BOOST_TEST(byte(8) == 1u);
    BOOST_TEST(byte(12) == 3u);
    BOOST_TEST((byte(16) == 's' && byte(17) == 'g' && byte(18) == 'd'));
    BOOST_TEST(byte(19) == 8u);
    BOOST_TEST(byte(23) == 1u);
    BOOST_TEST(byte(27) == 1u);
    BOOST_TEST(byte(31) == 2u);
    BOOST_TEST(byte(39) == 1u);
    BOOST_TEST(bytes.size() == 47u + 2 * 8);
    std::uint64_t first = 0;
    for (int i = 0; i < 8; ++i) first |= std::uint64_t(byte(47 + std::size_t(i))) << (8 * i);
    BOOST_TEST(std::bit_cast<double>(first) == state.slot(0)[0]);
}

namespace {
/// A predicate for BOOST_CHECK_EXCEPTION: the message contains every part.
auto mentions(std::vector<std::string> parts) {
    return [parts](const std::runtime_error& e) {
        const std::string what = e.what();
        bool all = what.find("optimizer_state<") != std::string::npos;
        for (const auto& p : parts) all = all && what.find(p) != std::string::npos;
        if (!all) BOOST_TEST_MESSAGE("message: " << what);
        return all;
    };
}
}  // namespace

BOOST_AUTO_TEST_CASE(load_rejects_other_states_and_leaves_the_state_unchanged) {
    fg::optimizer_state<fg::adam, double> adam(fg::adam{}, 10);
    std::vector<double> w(10, 1.0);
    adam.step(w, gradient_at<double>(0, 10));
    const auto adam_bytes = adam.save();

    fg::optimizer_state<fg::sgd, double> sgd(fg::sgd{.momentum = 0.9}, 10);
    sgd.step(w, gradient_at<double>(1, 10));
    const auto sgd_before = sgd.save();
    BOOST_CHECK_EXCEPTION(sgd.load(adam_bytes), std::runtime_error, mentions({"'adam'", "'sgd'", "load"}));
    BOOST_TEST((sgd.save() == sgd_before));
    // A name from the bytes is quoted on one line (found by tests/fuzz/optimizer_state_fuzz.cpp).
    auto newline_in_name = adam_bytes;
    newline_in_name[16] = std::byte{'\n'};  // after the magic, the version and the name's length
    BOOST_CHECK_EXCEPTION(sgd.load(newline_in_name), std::runtime_error, [](const std::runtime_error& e) {
        const std::string message = e.what();
        return message.find('\n') == std::string::npos && message.find("'\\x0Adam'") != std::string::npos;
    });

    fg::optimizer_state<fg::adam, float> adam_float(fg::adam{}, 10);
    BOOST_CHECK_EXCEPTION(adam_float.load(adam_bytes), std::runtime_error, mentions({"float", "double"}));

    fg::optimizer_state<fg::adam, double> adam12(fg::adam{}, 12);
    BOOST_CHECK_EXCEPTION(adam12.load(adam_bytes), std::runtime_error, mentions({"10 parameters", "12"}));

    fg::optimizer_state<fg::rmsprop, double> with_momentum(fg::rmsprop{.momentum = 0.9}, 10);
    fg::optimizer_state<fg::rmsprop, double> centered(fg::rmsprop{.centered = true}, 10);
    BOOST_CHECK_EXCEPTION(centered.load(with_momentum.save()), std::runtime_error,
                          mentions({"velocity, momentum", "velocity, average_gradient"}));
    fg::optimizer_state<fg::sgd, double> plain(fg::sgd{}, 10);
    BOOST_CHECK_EXCEPTION(plain.load(sgd_before), std::runtime_error, mentions({"slots momentum", "uses none"}));

    auto truncated = adam_bytes;
    truncated.pop_back();
    BOOST_CHECK_EXCEPTION(adam.load(truncated), std::runtime_error, mentions({"bytes"}));
    auto longer = adam_bytes;
    longer.push_back(std::byte{0});
    BOOST_CHECK_EXCEPTION(adam.load(longer), std::runtime_error, mentions({"bytes"}));
    BOOST_CHECK_EXCEPTION(adam.load(std::span(adam_bytes).first(20)), std::runtime_error, mentions({"end inside"}));
    std::vector<std::byte> junk(100, std::byte{0x2a});
    BOOST_CHECK_EXCEPTION(adam.load(junk), std::runtime_error, mentions({"not a saved optimizer state"}));
    BOOST_CHECK_EXCEPTION(adam.load({}), std::runtime_error, mentions({"end inside"}));
    auto future = adam_bytes;
    future[8] = std::byte{2};
    BOOST_CHECK_EXCEPTION(adam.load(future), std::runtime_error, mentions({"version 2"}));
    BOOST_TEST((adam.save() == adam_bytes));
}

BOOST_AUTO_TEST_CASE(step_does_not_allocate) {
    const std::size_t n = 1000;
    const auto check = [&](const auto& config) {
        using config_type = std::decay_t<decltype(config)>;
        fg::optimizer_state<config_type, float> state(config, n);
        std::vector<float> w(n, 0.5f);
        const std::vector<float> g = gradient_at<float>(0, n);
        BOOST_TEST(allocations_during([&] {
                       for (int t = 0; t < 10; ++t) state.step(w, g);
                   }) == 0,
                   config_type::name);
    };
    check(fg::sgd{});
    check(fg::sgd{.momentum = 0.9, .nesterov = true});
    check(fg::adam{});
    check(fg::adamw{});
    check(fg::rmsprop{});
    check(fg::rmsprop{.momentum = 0.9, .centered = true});
    // The constructor allocates the slots once: one block for all of them.
    BOOST_TEST(allocations_during([&] { fg::optimizer_state<fg::rmsprop, double> s(fg::rmsprop{.momentum = 0.9, .centered = true}, n); }) == 1);
}

// Checkpoints survive a process killed at any moment. A child process writes checkpoints in a loop, each one
// a new "generation" whose every parameter and whose architecture text carry its number; the parent kills it
// with SIGKILL after a random delay, many times, and after every kill reads the file: it must load, and be one
// complete generation (never a mix, never a torn write), no older than the last one seen. The delays are drawn
// from a fixed seed; the test reports how many kills landed and how many distinct generations it read.
#define BOOST_TEST_MODULE checkpoint kill loop
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fusegrad/io/checkpoint_file.hpp>

namespace io = fusegrad::io;

namespace {

constexpr std::uint64_t parameter_count = 20000;  // 80 KB: a write takes long enough to be killed inside

io::checkpoint_contents generation(std::uint64_t g) {
    io::checkpoint_contents c;
    c.architecture = "generation " + std::to_string(g);
    c.type = io::dtype::float32;
    c.parameter_count = parameter_count;
    c.parameters.resize(parameter_count * 4);
    const float value = static_cast<float>(g);
    for (std::uint64_t i = 0; i < parameter_count; ++i) std::memcpy(&c.parameters[i * 4], &value, 4);
    c.training_state.assign(static_cast<std::size_t>(g % 97), std::byte{static_cast<unsigned char>(g)});
    return c;
}

/// The generation a checkpoint holds, after checking that every part of it belongs to that generation.
std::uint64_t generation_of(const io::checkpoint_contents& c) {
    const std::string prefix = "generation ";
    BOOST_REQUIRE(c.architecture.starts_with(prefix));
    const std::uint64_t g = std::stoull(c.architecture.substr(prefix.size()));
    const io::checkpoint_contents expected = generation(g);
    BOOST_REQUIRE(c.parameter_count == expected.parameter_count);
    BOOST_REQUIRE(c.parameters == expected.parameters);
    BOOST_REQUIRE(c.training_state == expected.training_state);
    return g;
}

/// The child: writes generations first, first + 1, ... until killed.
[[noreturn]] void write_forever(const std::filesystem::path& file, std::uint64_t first) {
    for (std::uint64_t g = first;; ++g) {
        try {
            io::write_checkpoint(file, generation(g));
        } catch (const std::exception&) {
            _exit(3);  // a write that fails without being killed is a failure the parent sees
        }
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_checkpoint_killed_mid_write_is_the_previous_or_the_next_complete_one) {
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("fusegrad_kill_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const std::filesystem::path file = dir / "model.fgc";
    io::write_checkpoint(file, generation(0));

    constexpr int kills = 300;
    std::mt19937 rng(2026);
    std::uniform_int_distribution<int> delay_us(0, 3000);
    std::uint64_t last = 0, next_first = 1;
    std::set<std::uint64_t> seen{0};
    int killed_while_running = 0;
    for (int k = 0; k < kills; ++k) {
        const pid_t child = ::fork();
        BOOST_REQUIRE(child >= 0);
        if (child == 0) write_forever(file, next_first);
        std::this_thread::sleep_for(std::chrono::microseconds(delay_us(rng)));
        ::kill(child, SIGKILL);
        int status = 0;
        BOOST_REQUIRE(::waitpid(child, &status, 0) == child);
        BOOST_REQUIRE_MESSAGE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
                              "kill " << k << ": the writer ended on its own (status " << status << ")");
        ++killed_while_running;

        io::checkpoint_contents c;
        BOOST_REQUIRE_NO_THROW(c = io::read_checkpoint(file));  // always loads
        const std::uint64_t g = generation_of(c);
        BOOST_TEST(g >= last, "kill " << k << ": generation " << g << " after " << last);
        last = g;
        seen.insert(g);
        next_first = g + 1;  // the next child goes on from what is on disk, so generations stay unique
    }
    // A killed writer leaves its hidden temporary beside the checkpoint (never read); the next successful
    // write by a live process removes those of processes that are gone.
    const auto temporaries = [&] {
        std::size_t n = 0;
        for (const auto& entry : std::filesystem::directory_iterator(dir))
            n += entry.path().filename().string().starts_with(".model.fgc.tmp-");
        return n;
    };
    const std::size_t left_by_the_last_kill = temporaries();
    io::write_checkpoint(file, generation(last + 1));
    BOOST_TEST(temporaries() == 0u);
    BOOST_TEST(generation_of(io::read_checkpoint(file)) == last + 1);
    BOOST_TEST_MESSAGE(killed_while_running << " kills, " << seen.size() << " distinct generations read, last "
                                            << last << ", " << left_by_the_last_kill
                                            << " temporaries left before the final write");
    BOOST_TEST(seen.size() > 10u);  // the kills landed at different points of the writing, not all before it began
    std::filesystem::remove_all(dir);
}

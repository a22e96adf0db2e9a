#define BOOST_TEST_MODULE fusegrad thread team
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <cstddef>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fusegrad/parallel/thread_team.hpp>

// fg::thread_team: every member runs once per run, member 0 on the caller, runs follow each other many times,
// the first exception by member index is rethrown after all have finished, and a team that never ran stops.

namespace fg = fusegrad;

BOOST_AUTO_TEST_CASE(every_member_runs_once_per_run_and_member_0_on_the_caller) {
    for (const std::size_t size : {1u, 2u, 3u, 5u}) {
        fg::thread_team team(size);
        BOOST_TEST(team.size() == size);
        for (int run = 0; run < 300; ++run) {
            std::vector<std::atomic<int>> calls(size);
            std::vector<std::thread::id> ids(size);
            team.run([&](std::size_t i) {
                calls[i].fetch_add(1);
                ids[i] = std::this_thread::get_id();
            });
            for (std::size_t i = 0; i < size; ++i) BOOST_TEST(calls[i].load() == 1);
            BOOST_TEST((ids[0] == std::this_thread::get_id()));
            BOOST_TEST(std::set<std::thread::id>(ids.begin(), ids.end()).size() == size);
        }
    }
}

BOOST_AUTO_TEST_CASE(a_team_of_zero_is_a_team_of_one) {
    fg::thread_team team(0);
    BOOST_TEST(team.size() == 1u);
    int calls = 0;
    team.run([&](std::size_t) { ++calls; });
    BOOST_TEST(calls == 1);
}

BOOST_AUTO_TEST_CASE(the_first_exception_by_member_is_rethrown_after_all_finish) {
    fg::thread_team team(3);
    std::atomic<int> finished{0};
    try {
        team.run([&](std::size_t i) {
            if (i >= 1) {
                finished.fetch_add(1);
                throw std::runtime_error("member " + std::to_string(i));
            }
            finished.fetch_add(1);
        });
        BOOST_FAIL("no exception");
    } catch (const std::runtime_error& e) {
        BOOST_TEST(std::string(e.what()) == "member 1");
    }
    BOOST_TEST(finished.load() == 3);
    int calls = 0;  // the team still works
    team.run([&](std::size_t i) {
        if (i == 0) ++calls;
    });
    BOOST_TEST(calls == 1);
}

// A destructor that failed to wake its sleeping helpers would hang: the timeout turns that into a failure.
BOOST_AUTO_TEST_CASE(a_team_that_never_ran_stops, *boost::unit_test::timeout(60)) {
    std::size_t members = 0;
    for (int i = 0; i < 50; ++i) {
        fg::thread_team team(4);
        members += team.size();
    }
    BOOST_TEST(members == 200u);
}

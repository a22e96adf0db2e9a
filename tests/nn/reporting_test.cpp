#define BOOST_TEST_MODULE fusegrad_nn_reporting
#include <boost/test/unit_test.hpp>

#include <bit>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iterator>
#include <limits>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <sys/stat.h>

#include <fusegrad/nn/history.hpp>
#include <fusegrad/nn/history_csv.hpp>
#include <fusegrad/nn/progress.hpp>
#include <fusegrad/nn/training_chart.hpp>

#include "test_support.hpp"

#include "temporary_directory.hpp"

namespace fg = fusegrad;
namespace fs = std::filesystem;

namespace {

constexpr double absent = std::numeric_limits<double>::quiet_NaN();

using fgtest::read_text;
using fgtest::write_text;

using fgtest::contains;

std::size_t occurrences(const std::string& text, const std::string& piece) {
    std::size_t n = 0;
    for (std::size_t at = text.find(piece); at != std::string::npos; at = text.find(piece, at + piece.size())) ++n;
    return n;
}

/// Three epochs, validated, with values whose shortest forms are known.
fg::history validated_history() {
    return {.epochs = {
                {.epoch = 1, .loss = 0.5, .accuracy = 0.75, .val_loss = 0.625, .val_accuracy = 0.7, .seconds = 4.1},
                {.epoch = 2, .loss = 0.1, .accuracy = 0.875, .val_loss = 0.3, .val_accuracy = 0.8, .seconds = 3.95},
                {.epoch = 3, .loss = 1e-7, .accuracy = 1, .val_loss = 12345.678, .val_accuracy = 0.9, .seconds = 4}}};
}

fg::history unvalidated_history() {
    return {.epochs = {{.epoch = 1, .loss = 2.25, .accuracy = 0.125, .seconds = 0.5},
                       {.epoch = 2, .loss = 1.5, .accuracy = 0.25, .seconds = 0.25}}};
}

/// The message of the std::runtime_error that `f` throws; fails the test when it throws none.
template <class F>
std::string runtime_error_of(F f) {
    try {
        f();
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    BOOST_ERROR("no std::runtime_error thrown");
    return {};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(history_value)

BOOST_AUTO_TEST_CASE(validation_is_absent_by_default_and_absent_equals_absent) {
    const fg::epoch_record r{.epoch = 1, .loss = 0.5, .accuracy = 0.5, .seconds = 1};
    BOOST_TEST(std::isnan(r.val_loss));
    BOOST_TEST(std::isnan(r.val_accuracy));
    BOOST_TEST(!r.has_validation());
    BOOST_TEST((r == fg::epoch_record{.epoch = 1, .loss = 0.5, .accuracy = 0.5, .seconds = 1}));
    BOOST_TEST(!(r == fg::epoch_record{.epoch = 1, .loss = 0.5, .accuracy = 0.5, .val_loss = 1, .seconds = 1}));
    BOOST_TEST(!unvalidated_history().has_validation());
    BOOST_TEST(validated_history().has_validation());
    fg::history some = unvalidated_history();
    some.epochs[1].val_accuracy = 0.5;  // Keras's validation_freq: only some epochs validated
    BOOST_TEST(some.has_validation());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(history_csv)

BOOST_AUTO_TEST_CASE(validated_history_exact_text) {
    fgtest::temporary_directory dir;
    fg::write_history_csv(dir.file("log.csv"), validated_history());
    BOOST_TEST(read_text(dir.file("log.csv")) ==
               "epoch,loss,accuracy,val_loss,val_accuracy,seconds\n"
               "0,0.5,0.75,0.625,0.7,4.1\n"
               "1,0.1,0.875,0.3,0.8,3.95\n"
               "2,1e-07,1,12345.678,0.9,4\n");
}

BOOST_AUTO_TEST_CASE(unvalidated_history_has_empty_cells) {
    fgtest::temporary_directory dir;
    fg::history h = unvalidated_history();
    h.epochs.push_back({.epoch = 3, .loss = 1, .accuracy = 0.5, .val_loss = 1.25, .val_accuracy = 0.375, .seconds = 2});
    fg::write_history_csv(dir.file("log.csv"), h);
    BOOST_TEST(read_text(dir.file("log.csv")) ==
               "epoch,loss,accuracy,val_loss,val_accuracy,seconds\n"
               "0,2.25,0.125,,,0.5\n"
               "1,1.5,0.25,,,0.25\n"
               "2,1,0.5,1.25,0.375,2\n");
}

BOOST_AUTO_TEST_CASE(empty_history_is_the_header_alone) {
    fgtest::temporary_directory dir;
    fg::write_history_csv(dir.file("log.csv"), fg::history{});
    BOOST_TEST(read_text(dir.file("log.csv")) == "epoch,loss,accuracy,val_loss,val_accuracy,seconds\n");
    BOOST_TEST(fg::read_history_csv(dir.file("log.csv")).epochs.empty());
}

BOOST_AUTO_TEST_CASE(read_back_is_bit_exact) {
    fgtest::temporary_directory dir;
    std::mt19937_64 random{42};
    const auto any_double = [&] {
        for (;;) {  // any finite double, of any exponent, subnormals included
            const double x = std::bit_cast<double>(random());
            if (std::isfinite(x)) return x;
        }
    };
    fg::history written;
    for (std::size_t e = 1; e <= 200; ++e)
        written.epochs.push_back({.epoch = e * 3,
                                  .loss = any_double(),
                                  .accuracy = std::uniform_real_distribution<double>{}(random),
                                  .val_loss = e % 3 == 0 ? absent : any_double(),
                                  .val_accuracy = e % 3 == 0 ? absent : any_double(),
                                  .seconds = e == 1 ? -0.0 : any_double()});
    written.epochs[1].loss = std::numeric_limits<double>::denorm_min();
    written.epochs[2].loss = std::numeric_limits<double>::max();
    written.epochs[3].loss = std::numeric_limits<double>::infinity();  // a diverged loss is a value, not absent
    written.epochs[4].loss = absent;
    fg::write_history_csv(dir.file("log.csv"), written);
    const fg::history read = fg::read_history_csv(dir.file("log.csv"));
    BOOST_TEST((read == written));
    BOOST_REQUIRE_EQUAL(read.epochs.size(), written.epochs.size());
    const auto bits = [](double x) { return std::isnan(x) ? 0 : std::bit_cast<std::uint64_t>(x); };
    for (std::size_t i = 0; i < read.epochs.size(); ++i) {
        const fg::epoch_record &r = read.epochs[i], &w = written.epochs[i];
        BOOST_TEST(r.epoch == w.epoch);
        BOOST_TEST(bits(r.loss) == bits(w.loss));
        BOOST_TEST(bits(r.accuracy) == bits(w.accuracy));
        BOOST_TEST(bits(r.val_loss) == bits(w.val_loss));
        BOOST_TEST(bits(r.val_accuracy) == bits(w.val_accuracy));
        BOOST_TEST(bits(r.seconds) == bits(w.seconds));
    }
    BOOST_TEST(std::signbit(read.epochs[0].seconds));
}

BOOST_AUTO_TEST_CASE(reads_keras_line_endings_and_a_last_line_without_newline) {
    fgtest::temporary_directory dir;
    write_text(dir.file("log.csv"),
               "epoch,loss,accuracy,val_loss,val_accuracy,seconds\r\n0,0.5,0.75,,,1\r\n1,0.25,0.875,0.5,0.5,2");
    const fg::history h = fg::read_history_csv(dir.file("log.csv"));
    const fg::history expected{
        .epochs = {{.epoch = 1, .loss = 0.5, .accuracy = 0.75, .seconds = 1},
                   {.epoch = 2, .loss = 0.25, .accuracy = 0.875, .val_loss = 0.5, .val_accuracy = 0.5, .seconds = 2}}};
    BOOST_TEST((h == expected));
}

BOOST_AUTO_TEST_CASE(replaces_an_existing_file_and_leaves_no_temporary) {
    fgtest::temporary_directory dir;
    write_text(dir.file("log.csv"), "an older, longer file that must disappear entirely\n");
    fg::write_history_csv(dir.file("log.csv"), unvalidated_history());
    BOOST_TEST((fg::read_history_csv(dir.file("log.csv")) == unvalidated_history()));
    BOOST_TEST(dir.entries() == std::vector<std::string>{"log.csv"});
}

BOOST_AUTO_TEST_CASE(write_failures_name_the_file) {
    fgtest::temporary_directory dir;
    const fs::path missing = dir.path() / "no_such_directory" / "log.csv";
    const std::string message = runtime_error_of([&] { fg::write_history_csv(missing, unvalidated_history()); });
    BOOST_TEST(message.starts_with("fusegrad: write_history_csv '" + missing.string() +
                                   "': cannot create the temporary file "));
    // A directory in the way: the temporary is written, the rename fails, and the temporary is removed.
    fs::create_directory(dir.file("taken"));
    fs::create_directory(dir.path() / "taken" / "log.csv");
    const std::string rename_message =
        runtime_error_of([&] { fg::write_history_csv(dir.path() / "taken" / "log.csv", unvalidated_history()); });
    BOOST_TEST(contains(rename_message,
                        "'" + (dir.path() / "taken" / "log.csv").string() + "': cannot rename the temporary file "));
    BOOST_TEST(std::distance(fs::directory_iterator(dir.file("taken")), fs::directory_iterator{}) == 1);
}

BOOST_AUTO_TEST_CASE(refuses_to_write_what_it_could_not_read) {
    fgtest::temporary_directory dir;
    fg::history zero{.epochs = {{.epoch = 0, .loss = 1, .accuracy = 0, .seconds = 1}}};
    BOOST_CHECK_THROW(fg::write_history_csv(dir.file("log.csv"), zero), std::invalid_argument);
    fg::history backwards = unvalidated_history();
    backwards.epochs[1].epoch = 1;
    BOOST_CHECK_THROW(fg::write_history_csv(dir.file("log.csv"), backwards), std::invalid_argument);
    BOOST_TEST(!fs::exists(dir.file("log.csv")));
}

BOOST_AUTO_TEST_CASE(malformed_files_name_the_file_and_line) {
    fgtest::temporary_directory dir;
    const fs::path file = dir.file("log.csv");
    const std::string header = "epoch,loss,accuracy,val_loss,val_accuracy,seconds\n";
    const auto error_for = [&](const std::string& text) {
        write_text(file, text);
        return runtime_error_of([&] { fg::read_history_csv(file); });
    };
    const std::string at = "fusegrad: read_history_csv: " + file.string() + ":";
    BOOST_TEST(error_for("") == at + "1: expected the header '" + header.substr(0, header.size() - 1) + "', found ''");
    BOOST_TEST(error_for("epoch,accuracy,loss,val_accuracy,val_loss\n0,1,1,1,1\n") ==
               at + "1: expected the header '" + header.substr(0, header.size() - 1) +
                   "', found 'epoch,accuracy,loss,val_accuracy,val_loss'");
    BOOST_TEST(error_for(header + "0,1,1,,,1\n1,1,1,,1\n") == at + "3: expected 6 cells, found 5");
    BOOST_TEST(error_for(header + "0,1,1,,,1,7\n") == at + "2: expected 6 cells, found 7");
    BOOST_TEST(error_for(header + "0,0.5x,1,,,1\n") == at + "2: loss '0.5x' is not a number");
    BOOST_TEST(error_for(header + "0,1,,,,1\n") == at + "2: the accuracy cell is empty");
    BOOST_TEST(error_for(header + "0,1,1,,,\n") == at + "2: the seconds cell is empty");
    BOOST_TEST(error_for(header + "0,1,1, 1,,1\n") == at + "2: val_loss ' 1' is not a number");
    BOOST_TEST(error_for(header + "0,1,1,,1e999,1\n") == at + "2: val_accuracy '1e999' is out of the range of double");
    BOOST_TEST(error_for(header + "-1,1,1,,,1\n") == at + "2: epoch '-1' is not a whole number from 0");
    BOOST_TEST(error_for(header + "1.5,1,1,,,1\n") == at + "2: epoch '1.5' is not a whole number from 0");
    BOOST_TEST(error_for(header + "0,1,1,,,1\n\n1,1,1,,,1\n") == at + "3: empty line");
    BOOST_TEST(error_for(header + "0,1,1,,,1\n4,1,1,,,1\n4,1,1,,,1\n") ==
               at + "4: epoch 4 after epoch 4; epochs must increase");
    BOOST_TEST(error_for(header + "0,\x01\x7f,1,,,1\n") == at + "2: loss '\\x01\\x7F' is not a number");
    BOOST_TEST(error_for(header + std::string(100, '7') + ",1,1,,,1\n") ==
               at + "2: epoch '" + std::string(60, '7') + "'... is not a whole number from 0");
    const std::string missing = runtime_error_of([&] { fg::read_history_csv(dir.file("absent.csv")); });
    BOOST_TEST(missing.starts_with("fusegrad: read_history_csv '" + dir.file("absent.csv").string() +
                                   "': cannot open: No such file or directory"),
               missing);
    // A FIFO: open() waited for a writer for ever.
    BOOST_REQUIRE(::mkfifo(dir.file("fifo.csv").c_str(), 0600) == 0);
    const std::string fifo = runtime_error_of([&] { fg::read_history_csv(dir.file("fifo.csv")); });
    BOOST_TEST(fifo.ends_with("': cannot open: not a regular file (a FIFO)"), fifo);
}

BOOST_AUTO_TEST_CASE(parse_reads_text_in_memory_as_read_reads_a_file) {
    const std::string header = "epoch,loss,accuracy,val_loss,val_accuracy,seconds\n";
    BOOST_TEST((fg::parse_history_csv(header + "0,2.25,0.125,,,0.5\n1,1.5,0.25,,,0.25\n", "log.csv") ==
                unvalidated_history()));
    BOOST_TEST(runtime_error_of([] { fg::parse_history_csv("epoch\n", "runs/log.csv"); }) ==
               "fusegrad: read_history_csv: runs/log.csv:1: expected the header '" +
                   header.substr(0, header.size() - 1) + "', found 'epoch'");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(progress)

using clock = fg::progress_bar::clock;

/// A clock that stands still until the test moves it.
struct fake_clock {
    clock::time_point now{std::chrono::hours(1)};
    fg::progress_bar::time_source source() {
        return [this] { return now; };
    }
    void advance(double seconds) {
        now += std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(seconds));
    }
};

const std::string bold = "\x1b[1m", green = "\x1b[32m", grey = "\x1b[90m", reset = "\x1b[0m", erase = "\x1b[K";

std::string drawn_bar(std::size_t done) {
    std::string text;
    if (done > 0) {
        text += green;
        for (std::size_t i = 0; i < done; ++i) text += "\u2501";
        text += reset;
    }
    if (done < 20) {
        text += grey;
        for (std::size_t i = done; i < 20; ++i) text += "\u2501";
        text += reset;
    }
    return text;
}

const fg::epoch_record third{
    .epoch = 3, .loss = 0.3521, .accuracy = 0.8712, .val_loss = 0.381, .val_accuracy = 0.8633, .seconds = 4.1};

BOOST_AUTO_TEST_CASE(plain_mode_is_one_line_per_epoch) {
    std::ostringstream out;
    fake_clock time;
    {
        fg::progress_bar bar(out, 3, 10, 1875, false, time.source());
        for (std::size_t step = 1; step <= 1875; ++step) {
            time.advance(0.002);
            bar.update(step, 0.4, 0.85);
        }
        BOOST_TEST(out.str().empty());
        bar.finish(third);
    }
    BOOST_TEST(out.str() ==
               "epoch 3/10: loss 0.3521 - accuracy 0.8712 - val_loss 0.3810 - val_accuracy 0.8633 - 4.1 s\n");
}

BOOST_AUTO_TEST_CASE(plain_mode_without_validation_and_a_short_epoch) {
    std::ostringstream out;
    fg::progress_bar bar(out, 1, 1, 10, false);
    bar.finish({.epoch = 1, .loss = 12.5, .accuracy = 0.0001234, .seconds = 0.0123});
    BOOST_TEST(out.str() == "epoch 1/1: loss 12.5000 - accuracy 1.2340e-04 - 12 ms\n");
}

BOOST_AUTO_TEST_CASE(interactive_mode_redraws_one_line) {
    std::ostringstream out;
    fake_clock time;
    fg::progress_bar bar(out, 3, 10, 10, true, time.source());
    BOOST_TEST(out.str() == "Epoch 3/10\n");

    time.advance(3.01);  // the first step, slower than the rest, sets the estimate only until the second
    bar.update(1, 0.5, 0.75);
    const std::string first = "\r" + bold + " 1/10" + reset + " " + drawn_bar(2) + " " + bold + "27s" + reset +
                              " 3s/step - accuracy: 0.7500 - loss: 0.5000" + erase;
    BOOST_TEST(out.str() == "Epoch 3/10\n" + first);

    time.advance(0.05);  // within a tenth of a second of the last drawing: not drawn
    bar.update(2, 0.45, 0.78);
    BOOST_TEST(out.str() == "Epoch 3/10\n" + first);

    time.advance(2.45);  // 1.25 s per step since the first: 7 steps left are 8.75 s
    bar.update(3, 0.4, 0.8);
    const std::string third_step = "\r" + bold + " 3/10" + reset + " " + drawn_bar(6) + " " + bold + "8s" + reset +
                                   " 1s/step - accuracy: 0.8000 - loss: 0.4000" + erase;
    BOOST_TEST(out.str() == "Epoch 3/10\n" + first + third_step);
    BOOST_TEST(occurrences(out.str(), "\n") == 1);  // the bar line stays open while it runs

    bar.finish(third);
    const std::string last = "\r" + bold + "10/10" + reset + " " + drawn_bar(20) + " " + bold + "4s" + reset +
                             " 1s/step - accuracy: 0.8712 - loss: 0.3521 - val_accuracy: 0.8633 - "
                             "val_loss: 0.3810" + erase + "\n";
    BOOST_TEST(out.str() == "Epoch 3/10\n" + first + third_step + last);
}

BOOST_AUTO_TEST_CASE(interactive_mode_draws_the_last_step_and_at_most_ten_times_a_second) {
    std::ostringstream out;
    fake_clock time;
    fg::progress_bar bar(out, 1, 1, 1000, true, time.source());
    for (std::size_t step = 1; step <= 1000; ++step) {
        time.advance(0.001);  // one second in all
        bar.update(step, 1, 0.5);
    }
    const std::string text = out.str();
    BOOST_TEST(occurrences(text, "\r") <= 12);
    BOOST_TEST(occurrences(text, "\r") >= 10);
    BOOST_TEST(contains(text, "1000/1000" + reset + " " + drawn_bar(20) + " " + bold + "0s" + reset + " 1ms/step"));
    BOOST_TEST(contains(text, "\r" + bold + "   1/1000" + reset));  // right-aligned, so the bar stays put
}

BOOST_AUTO_TEST_CASE(interactive_time_left_formats) {
    std::ostringstream out;
    fake_clock time;
    fg::progress_bar minutes(out, 1, 1, 100, true, time.source());
    time.advance(3.2);
    minutes.update(1, 1, 0.5);  // 99 × 3.2 s = 316.8 s
    BOOST_TEST(contains(out.str(), bold + "5:16" + reset + " 3s/step"));
    fg::progress_bar hours(out, 1, 1, 10000, true, time.source());
    time.advance(0.37);
    hours.update(1, 1, 0.5);  // 9999 × 0.37 s = 3699.63 s
    BOOST_TEST(contains(out.str(), bold + "1:01:39" + reset + " 370ms/step"));
    fg::progress_bar fast(out, 1, 1, 10, true, time.source());
    time.advance(0.000250);
    fast.update(1, 0.0001, 0.5);
    BOOST_TEST(contains(out.str(), bold + "0s" + reset + " 250us/step - accuracy: 0.5000 - loss: 1.0000e-04"));
}

BOOST_AUTO_TEST_CASE(interactive_finish_without_updates_and_without_validation) {
    std::ostringstream out;
    fg::progress_bar bar(out, 2, 2, 4, true);
    bar.finish({.epoch = 2, .loss = 0.25, .accuracy = 0.5, .seconds = 12.2});
    BOOST_TEST(out.str() == "Epoch 2/2\n\r" + bold + "4/4" + reset + " " + drawn_bar(20) + " " + bold + "12s" + reset +
                                " 3s/step - accuracy: 0.5000 - loss: 0.2500" + erase + "\n");
}

BOOST_AUTO_TEST_CASE(an_interrupted_epoch_ends_its_line) {
    std::ostringstream out;
    {
        fg::progress_bar bar(out, 1, 5, 100, true);
        bar.update(1, 1, 0.5);
    }
    BOOST_TEST(out.str().ends_with(erase + "\n"));
    std::ostringstream quiet;
    { fg::progress_bar bar(quiet, 1, 5, 100, true); }
    BOOST_TEST(quiet.str() == "Epoch 1/5\n");
}

BOOST_AUTO_TEST_CASE(wrong_arguments_throw) {
    std::ostringstream out;
    BOOST_CHECK_THROW(fg::progress_bar(out, 0, 10, 5, false), std::invalid_argument);
    BOOST_CHECK_THROW(fg::progress_bar(out, 11, 10, 5, false), std::invalid_argument);
    BOOST_CHECK_THROW(fg::progress_bar(out, 1, 10, 0, false), std::invalid_argument);
    fg::progress_bar bar(out, 3, 10, 5, false);
    BOOST_CHECK_THROW(bar.update(0, 1, 1), std::invalid_argument);
    BOOST_CHECK_THROW(bar.update(6, 1, 1), std::invalid_argument);
    BOOST_CHECK_THROW(bar.finish({.epoch = 4, .loss = 1, .accuracy = 1, .seconds = 1}), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(training_chart)

/// A minimal XML well-formedness check: a declaration at most, then one root element; tags balanced and
/// named alike; attributes quoted; no raw '<' in text; every '&' starts one of the five entities.
std::string xml_problem(const std::string& xml) {
    std::vector<std::string> open;
    std::size_t at = 0, roots = 0;
    if (xml.starts_with("<?xml")) at = xml.find("?>") + 2;
    const auto check_entities = [](std::string_view text) {
        for (std::size_t i = text.find('&'); i != std::string_view::npos; i = text.find('&', i + 1)) {
            bool known = false;
            for (const std::string_view e : {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"})
                known = known || text.substr(i).starts_with(e);
            if (!known) return false;
        }
        return true;
    };
    while (at < xml.size()) {
        const std::size_t lt = xml.find('<', at);
        const std::string_view text = std::string_view{xml}.substr(at, lt - at);
        if (!check_entities(text)) return "an unescaped & in text";
        if (open.empty() && text.find_first_not_of(" \n") != std::string_view::npos) return "text outside the root";
        if (lt == std::string::npos) break;
        // Find the tag's end outside quoted attribute values.
        std::size_t gt = lt + 1;
        char quote = 0;
        for (; gt < xml.size(); ++gt) {
            if (quote) {
                if (xml[gt] == '<') return "a '<' in an attribute";
                if (xml[gt] == quote) quote = 0;
            } else if (xml[gt] == '"' || xml[gt] == '\'') {
                quote = xml[gt];
            } else if (xml[gt] == '>') {
                break;
            }
        }
        if (gt == xml.size()) return "an unterminated tag";
        const std::string tag = xml.substr(lt + 1, gt - lt - 1);
        if (!check_entities(tag)) return "an unescaped & in an attribute";
        const bool closing = tag.starts_with('/'), empty = tag.ends_with('/');
        const std::string name = tag.substr(closing, tag.find_first_of(" \n/", closing) - closing);
        if (closing) {
            if (open.empty() || open.back() != name) return "</" + name + "> closes nothing open";
            open.pop_back();
        } else {
            if (open.empty() && ++roots > 1) return "more than one root";
            if (!empty) open.push_back(name);
        }
        at = gt + 1;
    }
    if (!open.empty()) return "<" + open.back() + "> is not closed";
    return roots == 1 ? "" : "no root element";
}

/// The part of the SVG from the opening of the group with this id to its end.
std::string group(const std::string& svg, const std::string& id) {
    const std::size_t start = svg.find("<g id=\"" + id + "\"");
    if (start == std::string::npos) return {};
    return svg.substr(start, svg.find("</g>", start) - start);
}

/// The texts drawn with `anchor`, in order: "end" gives the value ticks, "middle" the epoch ticks.
std::vector<std::string> labels(const std::string& svg, const std::string& anchor) {
    std::vector<std::string> found;
    const std::string marker = "text-anchor=\"" + anchor + "\">";
    for (std::size_t at = svg.find(marker); at != std::string::npos; at = svg.find(marker, at + 1)) {
        const std::size_t start = at + marker.size();
        found.push_back(svg.substr(start, svg.find('<', start) - start));
    }
    return found;
}

std::string chart_of(const fg::history& h, const std::string& title = "run") {
    fgtest::temporary_directory dir;
    fg::write_training_svg(dir.file("chart.svg"), h, title);
    const std::string svg = read_text(dir.file("chart.svg"));
    BOOST_TEST(xml_problem(svg) == "");
    // The full check when xmllint is installed; the minimal one above when not.
    if (std::system("command -v xmllint >/dev/null 2>&1") == 0)
        BOOST_TEST(std::system(("xmllint --noout '" + dir.file("chart.svg").string() + "'").c_str()) == 0);
    return svg;
}

BOOST_AUTO_TEST_CASE(both_series_with_markers_and_the_title_escaped) {
    fg::history h;
    for (std::size_t e = 1; e <= 12; ++e) {
        const double t = static_cast<double>(e);
        h.epochs.push_back({.epoch = e,
                            .loss = 0.25 + 0.6 * std::exp(-t / 3),
                            .accuracy = 0.97 - 0.25 * std::exp(-t / 2.5),
                            .val_loss = e % 4 == 0 ? absent : 0.3 + 0.55 * std::exp(-t / 3.5),
                            .val_accuracy = e % 4 == 0 ? absent : 0.95 - 0.22 * std::exp(-t / 3),
                            .seconds = 4});
    }
    const std::string svg = chart_of(h, "MNIST <784-128-10> & \"adam\"");
    BOOST_TEST(contains(svg, "<title>MNIST &lt;784-128-10&gt; &amp; &quot;adam&quot;</title>"));
    BOOST_TEST(!contains(svg, "<784"));
    BOOST_TEST(occurrences(group(svg, "loss-train"), "<circle") == 12u);
    BOOST_TEST(occurrences(group(svg, "accuracy-train"), "<circle") == 12u);
    BOOST_TEST(occurrences(group(svg, "loss-validation"), "<circle") == 9u);  // epochs 4, 8, 12 not validated
    BOOST_TEST(occurrences(group(svg, "accuracy-validation"), "<circle") == 9u);
    BOOST_TEST(occurrences(svg, "<circle") == 12u * 2 + 9u * 2 + 2);  // and one per legend entry
    BOOST_TEST(!contains(group(svg, "loss-train"), "stroke-dasharray"));
    BOOST_TEST(contains(group(svg, "loss-validation"), "stroke-dasharray"));
    BOOST_TEST(contains(svg, ">validation</text>"));
    // Value ticks at 1-2-5 steps covering the data (loss 0.26..0.72, accuracy 0.80..0.97), epoch ticks whole.
    BOOST_TEST(labels(svg, "end") == (std::vector<std::string>{"0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8",
                                                                "0.75", "0.80", "0.85", "0.90", "0.95", "1.00"}));
    BOOST_TEST(labels(svg, "middle") == (std::vector<std::string>{"2", "4", "6", "8", "10", "12", "epoch", "2", "4",
                                                                   "6", "8", "10", "12", "epoch"}));
    // The final values: epoch 12's training values, and epoch 11's validation ones.
    BOOST_TEST(contains(svg, ">0.2610</text>"));
    BOOST_TEST(contains(svg, ">0.9679</text>"));
    BOOST_TEST(contains(svg, ">0.3237</text>"));
    BOOST_TEST(contains(svg, ">0.9444</text>"));
}

BOOST_AUTO_TEST_CASE(one_epoch_without_validation) {
    const std::string svg = chart_of({.epochs = {{.epoch = 1, .loss = 0.5, .accuracy = 0.8, .seconds = 1}}});
    BOOST_TEST(occurrences(group(svg, "loss-train"), "<circle") == 1u);
    BOOST_TEST(!contains(group(svg, "loss-train"), "<polyline"));
    BOOST_TEST(group(svg, "loss-validation").empty());
    BOOST_TEST(!contains(svg, "validation"));
    BOOST_TEST(occurrences(svg, "<circle") == 3u);
    const std::vector<std::string> epochs = labels(svg, "middle");
    BOOST_TEST(epochs == (std::vector<std::string>{"1", "epoch", "1", "epoch"}));
}

BOOST_AUTO_TEST_CASE(constant_series_and_skipped_points) {
    fg::history h;
    for (std::size_t e = 1; e <= 5; ++e)
        h.epochs.push_back({.epoch = e, .loss = 0, .accuracy = 1, .seconds = 1});
    h.epochs[2].loss = std::numeric_limits<double>::quiet_NaN();
    h.epochs[3].loss = std::numeric_limits<double>::infinity();
    const std::string svg = chart_of(h);
    BOOST_TEST(occurrences(group(svg, "loss-train"), "<circle") == 3u);
    BOOST_TEST(occurrences(group(svg, "accuracy-train"), "<circle") == 5u);
    // A constant loss of 0 gets the interval 0..1, a constant accuracy of 1 the interval 0.9..1.
    BOOST_TEST(labels(svg, "end") == (std::vector<std::string>{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0", "0.90",
                                                                "0.92", "0.94", "0.96", "0.98", "1.00"}));
    BOOST_TEST(contains(svg, ">0.0000</text>"));  // the final loss
    BOOST_TEST(!contains(svg, "nan"));
    BOOST_TEST(!contains(svg, "inf"));
}

BOOST_AUTO_TEST_CASE(no_data_is_said_not_drawn) {
    const std::string svg = chart_of(fg::history{});
    BOOST_TEST(occurrences(svg, ">no data</text>") == 2u);
    BOOST_TEST(occurrences(svg, "<circle") == 1u);  // the legend's
}

BOOST_AUTO_TEST_CASE(many_epochs_get_round_ticks) {
    fg::history h;
    for (std::size_t e = 1; e <= 100; ++e)
        h.epochs.push_back({.epoch = e, .loss = 100.0 / static_cast<double>(e), .accuracy = 0.5, .seconds = 1});
    const std::string svg = chart_of(h);
    BOOST_TEST(occurrences(group(svg, "loss-train"), "<circle") == 100u);
    BOOST_TEST(labels(svg, "middle") == (std::vector<std::string>{"20", "40", "60", "80", "100", "epoch", "20", "40",
                                                                   "60", "80", "100", "epoch"}));
    BOOST_TEST(labels(svg, "end").front() == "0");
    BOOST_TEST(contains(svg, ">100</text>"));
}

BOOST_AUTO_TEST_CASE(extreme_values_keep_short_labels) {
    fg::history h;
    for (std::size_t e = 1; e <= 4; ++e) {
        const double spread = static_cast<double>(e) * 0.125;  // below double's resolution at 1e17
        const double accuracy = 1e-7 * static_cast<double>(e);
        h.epochs.push_back({.epoch = e, .loss = 1e17 + spread, .accuracy = accuracy, .seconds = 1});
    }
    const std::string svg = chart_of(h);
    for (const std::string& label : labels(svg, "end")) BOOST_TEST(label.size() <= 8u, label);
    BOOST_TEST(contains(svg, ">1e+17</text>"));
    BOOST_TEST(contains(svg, ">4e-07</text>"));
    BOOST_TEST(contains(svg, ">4.0000e-07</text>"));  // the final accuracy
}

BOOST_AUTO_TEST_CASE(write_failure_names_the_file) {
    fgtest::temporary_directory dir;
    const fs::path file = dir.path() / "missing" / "chart.svg";
    const std::string message = runtime_error_of([&] { fg::write_training_svg(file, fg::history{}, "t"); });
    BOOST_TEST(message.starts_with("fusegrad: write_training_svg '" + file.string() +
                                   "': cannot create the temporary file "));
}

BOOST_AUTO_TEST_SUITE_END()

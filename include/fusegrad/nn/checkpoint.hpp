#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include <boost/mp11/algorithm.hpp>

#include "../detail/number_text.hpp"
#include "../io/byte_stream.hpp"
#include "../io/checkpoint_file.hpp"
#include "parameters.hpp"

/// Parameters in checkpoint files (format: docs/checkpoint-format.md). The file carries the model's
/// architecture text, so loading into another architecture is an error that shows both.
namespace fusegrad {

namespace detail {
template <class T>
constexpr io::dtype dtype_of = std::is_same_v<T, float> ? io::dtype::float32 : io::dtype::float64;

template <class Model, class T>
io::checkpoint_contents checkpoint_of(const Model& model, const parameters<T, Model>& p,
                                      std::vector<std::byte> training_state) {
    io::checkpoint_contents c;
    c.architecture = model.architecture();
    c.type = dtype_of<T>;
    c.parameter_count = p.size();
    io::byte_writer(c.parameters).put_all(p.flat());
    c.training_state = std::move(training_state);
    return c;
}

/// "'dense_1/kernel' element 17", for the element at `index` of the flat parameter vector.
template <class Model>
std::string parameter_element_name(std::size_t index) {
    std::string name;
    std::size_t k = 0;
    boost::mp11::mp_for_each<typename Model::parameter_variables>([&](auto v) {
        if (name.empty() && index < Model::parameter_offsets[k + 1])
            name = one_line_quoted(decltype(v)::name.view()) + " element " +
                   std::to_string(index - Model::parameter_offsets[k]);
        ++k;
    });
    return name;
}

/// Reads the checkpoint's parameters into `p`. A count that differs from the model's, or a value that is not
/// finite (no training step fit commits produces one, so it was written by something else), is an io_error.
template <class Model, class T>
void restore_parameters(const io::checkpoint_contents& c, parameters<T, Model>& p, const std::filesystem::path& file) {
    const std::string where = "fusegrad: checkpoint " + one_line_quoted(file.string());
    if (c.parameter_count != p.size())
        throw io::io_error(where + " holds " + std::to_string(c.parameter_count) + " parameters, this model has " +
                               std::to_string(p.size()),
                           file);
    io::byte_reader in(c.parameters, "checkpoint " + one_line_quoted(file.string()) + " parameters");
    parameters<T, Model> read;
    in.get_all(read.flat());
    const std::span<const T> values = read.flat();
    if (const auto bad = std::ranges::find_if(values, [](T v) { return !std::isfinite(v); }); bad != values.end())
        throw io::io_error(where + ": parameter " + parameter_element_name<Model>(static_cast<std::size_t>(bad - values.begin())) +
                               " is " + number_text(static_cast<double>(*bad)) + "; a trained model holds finite values",
                           file);
    p = std::move(read);
}
}  // namespace detail

/// Saves the parameters atomically (temporary file, fsync, rename): the old file or the new, never part.
template <class Model, class T>
void save_weights(const std::filesystem::path& file, const Model& model, const parameters<T, Model>& p) {
    io::write_checkpoint(file, detail::checkpoint_of(model, p, {}));
}

/// Loads parameters saved for this model's architecture and scalar type; throws io::io_error naming the file
/// and the cause (missing, truncated, corrupted, another architecture or dtype).
template <class T, class Model>
parameters<T, Model> load_weights(const std::filesystem::path& file, const Model& model) {
    const io::checkpoint_contents c = io::read_checkpoint(file, model.architecture(), detail::dtype_of<T>);
    parameters<T, Model> p;
    detail::restore_parameters(c, p, file);
    return p;
}

}  // namespace fusegrad

#!/usr/bin/env bash
# Keeps the code shown in the docs real: every ```cpp block of the docs listed below, and every ```text block
# (output that a page says a program prints), must appear verbatim, as contiguous lines, in one of the example
# programs paired with its doc, which meson builds and runs as tests. Leading and trailing blank lines of a
# block are ignored. When the first line after a block names an example (`examples/NAME.cpp`), the block must
# be in that one. The `fg::` expressions of the README's "From Keras" table must appear in keras_snippets.cpp.
#
# Usage: examples/check_doc_blocks.sh [SOURCE_ROOT]      (meson runs it as the test doc_blocks_in_examples)
set -euo pipefail

root=${1:-"$(cd "$(dirname "$0")/.." && pwd)"}
cd "$root"

# doc | the examples its blocks come from
docs=(
    "README.md | examples/readme_example.cpp examples/keras_snippets.cpp examples/keras_models.cpp"
    "docs/expressions.md | examples/expressions_guide.cpp"
    "docs/activations.md | examples/activations_guide.cpp"
    "docs/gradcheck.md | examples/gradcheck_guide.cpp examples/gradcheck_research.cpp tests/check/boost_macros_example_test.cpp"
    "docs/custom-ops.md | examples/custom_ops_guide.cpp"
    "docs/getting-started.md | examples/readme_example.cpp examples/keras_models.cpp"
    "docs/models.md | examples/training_guide.cpp examples/keras_models.cpp"
    "docs/training.md | examples/training_guide.cpp examples/keras_models.cpp"
    "docs/keras.md | examples/keras_models.cpp"
    "docs/optimizers-and-initializers.md | examples/optimizers_guide.cpp"
    "docs/checkpoint-format.md | examples/optimizers_guide.cpp"
    "docs/errors.md | tests/compile_fail/add_shape.cpp tests/compile_fail/bound_tensor_shape.cpp tests/compile_fail/cpp17.cpp tests/compile_fail/custom_op_without_derivative.cpp tests/compile_fail/custom_row_op_without_backward.cpp tests/compile_fail/model_layer_out_of_range.cpp tests/compile_fail/mean_squared_error_shape.cpp tests/compile_fail/binary_crossentropy_shape.cpp tests/compile_fail/categorical_crossentropy_shape.cpp tests/compile_fail/glu_odd_width.cpp tests/compile_fail/gradcheck_mixed_types.cpp tests/compile_fail/gradcheck_point_type.cpp tests/compile_fail/gradcheck_vector_valued.cpp tests/compile_fail/gradcheck_point_not_accepted.cpp tests/compile_fail/gradcheck_long_double.cpp tests/compile_fail/gradcheck_callback_form.cpp tests/compile_fail/gradcheck_complex_step_real.cpp tests/compile_fail/input_not_first.cpp tests/compile_fail/matmul_shape.cpp tests/compile_fail/missing_input.cpp tests/compile_fail/model_input_shape.cpp tests/compile_fail/nonscalar_gradient.cpp tests/compile_fail/parameters_layer_out_of_range.cpp tests/compile_fail/sequential_layer_shape.cpp tests/compile_fail/softmax_layer_on_grid.cpp tests/compile_fail/sparse_labels_shape.cpp tests/compile_fail/unbound_variable.cpp tests/compile_fail/unknown_activation.cpp tests/compile_fail/variable_name_clash.cpp tests/compile_fail/wrong_dtype.cpp tests/compile_fail/wrt_not_in_graph.cpp"
)
# doc | example holding the table's fusegrad column: table rows ending in | `fg::...` |
tables=(
    "README.md | examples/keras_snippets.cpp"
    "docs/keras.md | examples/keras_models.cpp"
)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

errors=0
checked_blocks=0
checked_rows=0
fail() {
    echo "check_doc_blocks: $*" >&2
    errors=$((errors + 1))
}

# Writes each checked block of doc $1 to $work/block.N and, per block, "N <TAB> line <TAB> named example"
# to $work/manifest. Fences must start in column 0; other fenced blocks (```sh, unlabelled) are skipped.
extract_blocks() {
    rm -f "$work"/block.* "$work/manifest"
    : >"$work/manifest"
    awk -v dir="$work" '
        function finish(named) {
            printf "%d\t%d\t%s\n", n, start, named >> (dir "/manifest")
            pending = 0
        }
        pending && $0 !~ /^[ \t]*$/ {
            named = ""
            if (match($0, /examples\/[A-Za-z0-9_.-]+\.cpp/)) named = substr($0, RSTART, RLENGTH)
            finish(named)
        }
        !inside && /^```/ {
            inside = 1
            lang = substr($0, 4)
            gsub(/[ \t]/, "", lang)
            checked = (lang == "cpp" || lang == "text")
            if (checked) {
                n++
                start = NR
                file = dir "/block." n
                printf "" > file
            }
            next
        }
        inside && /^```[ \t]*$/ {
            inside = 0
            if (checked) {
                close(file)
                pending = 1
            }
            next
        }
        inside && checked { print > file }
        END {
            if (pending) finish("")
            if (inside) exit 2
        }
    ' "$1"
}

# Prints the first line of $2 at which the lines of block $1 (without leading and trailing blank lines)
# start, contiguously. Otherwise fails and prints, tab-separated, where the longest partial match starts in
# $2, the line of $1 at which it stops, and that line's text.
find_block() {
    awk '
        NR == FNR { block[++n] = $0; next }
        { text[++m] = $0 }
        END {
            lo = 1
            while (lo <= n && block[lo] ~ /^[ \t]*$/) lo++
            hi = n
            while (hi >= lo && block[hi] ~ /^[ \t]*$/) hi--
            len = hi - lo + 1
            best = 0
            best_at = 1
            for (s = 1; s <= m; s++) {
                k = 0
                while (k < len && s + k <= m && (text[s + k] "") == (block[lo + k] "")) k++
                if (k == len) {
                    print s
                    exit 0
                }
                if (k > best) {
                    best = k
                    best_at = s
                }
            }
            printf "%d\t%d\t%s\n", best_at, lo + best, block[lo + best]
            exit 1
        }
    ' "$1" "$2"
}

for entry in "${docs[@]}"; do
    doc=${entry%% | *}
    read -r -a paired <<<"${entry#* | }"
    if [ ! -f "$doc" ]; then
        fail "$doc: not found"
        continue
    fi
    for example in "${paired[@]}"; do
        [ -f "$example" ] || fail "$doc: its example $example is not found"
    done
    if ! extract_blocks "$doc"; then
        fail "$doc: a fenced block is not closed"
        continue
    fi
    if [ ! -s "$work/manifest" ]; then
        fail "$doc: no \`\`\`cpp or \`\`\`text block found"
        continue
    fi
    while IFS=$'\t' read -r n line named; do
        checked_blocks=$((checked_blocks + 1))
        block=$work/block.$n
        if ! grep -q '[^[:space:]]' "$block"; then
            fail "$doc:$line: the block is empty"
            continue
        fi
        candidates=("${paired[@]}")
        if [ -n "$named" ]; then
            if [[ " ${paired[*]} " != *" $named "* ]]; then
                fail "$doc:$line: the line after the block names $named, which is not paired with $doc in $0"
                continue
            fi
            candidates=("$named")
        fi
        found=""
        report=""
        for example in "${candidates[@]}"; do
            [ -f "$example" ] || continue
            if at=$(find_block "$block" "$example"); then
                found="$example:$at"
                break
            fi
            IFS=$'\t' read -r best_at stop stop_text <<<"$at"
            report+=$'\n'"    $example:$best_at: the closest match stops at $doc:$((line + stop)): $stop_text"
        done
        if [ -z "$found" ]; then
            fail "$doc:$line: the block is not a verbatim excerpt of ${candidates[*]}$report"
        fi
    done <"$work/manifest"
done

for entry in "${tables[@]}"; do
    doc=${entry%% | *}
    example=${entry#* | }
    # shellcheck disable=SC2016  # the backquotes are Markdown's, not the shell's
    rows=$(grep -E '^\|.*\| `fg::[^`]+` \|[[:space:]]*$' "$doc" | sed -E 's/.*\| `(fg::[^`]+)` \|[[:space:]]*$/\1/' || true)
    if [ -z "$rows" ]; then
        fail "$doc: no table row ending in | \`fg::...\` | found"
        continue
    fi
    while IFS= read -r expression; do
        checked_rows=$((checked_rows + 1))
        grep -qF -- "$expression" "$example" || fail "$doc: table entry \`$expression\` is not in $example"
    done <<<"$rows"
done

if [ "$errors" -ne 0 ]; then
    echo "check_doc_blocks: $errors problems; the docs must show code that is in the examples, verbatim" >&2
    exit 1
fi
echo "check_doc_blocks: $checked_blocks blocks of ${#docs[@]} docs and $checked_rows table rows are in their examples"

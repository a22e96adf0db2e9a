#!/usr/bin/env bash
# scripts/demo --data DIR on data it cannot use: the program (fashion_mnist) must print one line naming the file
# and the problem, and exit with status 2 (no core dump, no stack trace, no training on part of the data).
# Usage: tests/demo/bad_data.sh FASHION_MNIST_BINARY WORK_DIR
source "$(dirname "$0")/common.sh"

images() { { printf '\x00\x00\x08\x03'; be32 "$2"; be32 28; be32 28; head -c "$3" /dev/zero; } > "$1"; }
labels() { { printf '\x00\x00\x08\x01'; be32 "$2"; head -c "$3" /dev/zero; } > "$1"; }
# A directory with both splits valid (count images each), to be spoilt by one case.
valid() {
    mkdir -p "$1"
    for split in train t10k; do
        images "$1/$split-images-idx3-ubyte" 3 $((3 * 784))
        labels "$1/$split-labels-idx1-ubyte" 3 3
    done
}

# expect CASE DIR FILE_PATTERN PROBLEM_PATTERN: status 2 and exactly one line of error output that names the
# file and the problem.
expect() {
    local name=$1 dir=$2 file=$3 problem=$4
    local err="$work/$name.stderr"
    "$program" --data "$dir" --epochs 1 --out "$work/$name.out" > "$work/$name.stdout" 2> "$err"
    local status=$?
    local lines
    lines=$(wc -l < "$err")
    if [ "$status" -ne 2 ] || [ "$lines" -ne 1 ] || ! grep -q -- "$file" "$err" || ! grep -qi -- "$problem" "$err"; then
        echo "FAIL $name: status $status (expected 2), $lines lines of errors (expected 1), expected '$file' and '$problem' in:"
        sed 's/^/    /' "$err"
        failures=$((failures + 1))
    else
        echo "ok   $name: $(cat "$err")"
    fi
}

expect missing_directory "$work/nowhere" "nowhere" "No such file"

mkdir -p "$work/empty_directory"
expect empty_directory "$work/empty_directory" "train-images-idx3-ubyte" "exists"

valid "$work/empty_files"
: > "$work/empty_files/train-images-idx3-ubyte"
expect empty_images_file "$work/empty_files" "train-images-idx3-ubyte" "truncated\|empty\|bytes"

valid "$work/truncated"
images "$work/truncated/train-images-idx3-ubyte" 3 $((2 * 784 + 100))
expect truncated_images "$work/truncated" "train-images-idx3-ubyte" "truncated\|bytes"

valid "$work/truncated_labels"
labels "$work/truncated_labels/t10k-labels-idx1-ubyte" 3 2
expect truncated_labels "$work/truncated_labels" "t10k-labels-idx1-ubyte" "truncated\|bytes"

valid "$work/mismatched"
labels "$work/mismatched/train-labels-idx1-ubyte" 2 2
expect mismatched_counts "$work/mismatched" "train-labels-idx1-ubyte" "3"

valid "$work/wrong_magic"
{ printf '\x00\x00\x08\x01'; be32 3; be32 28; be32 28; head -c $((3 * 784)) /dev/zero; } > "$work/wrong_magic/train-images-idx3-ubyte"
expect wrong_magic "$work/wrong_magic" "train-images-idx3-ubyte" "magic\|type\|dimension"

valid "$work/not_gzip"
rm "$work/not_gzip/train-images-idx3-ubyte"
printf 'not a gzip stream' > "$work/not_gzip/train-images-idx3-ubyte.gz"
# Not gzip-compressed whatever its name: read as a raw file, whose magic number is wrong.
expect not_gzip "$work/not_gzip" "train-images-idx3-ubyte.gz" "bad magic number"

valid "$work/wrong_size"
{ printf '\x00\x00\x08\x03'; be32 3; be32 32; be32 32; head -c $((3 * 1024)) /dev/zero; } > "$work/wrong_size/train-images-idx3-ubyte"
expect wrong_image_size "$work/wrong_size" "32x32" "28x28"

[ "$failures" -eq 0 ] && echo "all cases refused as expected" || echo "$failures case(s) failed"
[ "$failures" -eq 0 ]

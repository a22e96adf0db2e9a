#!/usr/bin/env bash
# The demo program (fashion_mnist) on every way a run can go wrong other than bad data (bad_data.sh): each error
# ends in exactly one line on stderr and status 2, and leaves no temporary file behind; odd but valid inputs
# (all-zero test images, a batch larger than the data, 0 threads) train and pass.
# Usage: tests/demo/program_failures.sh FASHION_MNIST_BINARY WORK_DIR
source "$(dirname "$0")/common.sh"

# run NAME ARGS...: runs the program, leaving NAME.stdout, NAME.stderr and the status in $status.
run() {
    local name=$1
    shift
    "$program" "$@" > "$work/$name.stdout" 2> "$work/$name.stderr"
    status=$?
}
fail() {
    echo "FAIL $1"
    sed 's/^/    /' "$work/$2.stderr"
    failures=$((failures + 1))
}
# refused NAME PATTERN ARGS...: status 2 and one line on stderr matching PATTERN.
refused() {
    local name=$1 pattern=$2
    shift 2
    run "$name" "$@"
    local lines
    lines=$(wc -l < "$work/$name.stderr")
    if [ "$status" -ne 2 ] || [ "$lines" -ne 1 ] || ! grep -q -- "$pattern" "$work/$name.stderr"; then
        fail "$name: status $status (expected 2), $lines lines on stderr (expected 1 matching '$pattern'):" "$name"
    else
        echo "ok   $name: $(cat "$work/$name.stderr")"
    fi
}
# no_temporaries NAME DIR: no .*.tmp-* file left in DIR.
no_temporaries() {
    local left
    left=$(find "$2" -name '.*.tmp-*' 2> /dev/null)
    if [ -n "$left" ]; then
        echo "FAIL $1: temporaries left behind: $left"
        failures=$((failures + 1))
    fi
}

# --out below a regular file: create_directories threw std::filesystem_error out of main (SIGABRT).
touch "$work/a_file"
refused out_below_a_file "cannot create the directory: Not a directory" --synthetic --epochs 1 --out "$work/a_file/out"

# Absurd options: 100,000 threads were started (and hung the machine).
refused too_many_threads "threads is 100000, more than" --synthetic --epochs 1 --threads 100000 --out "$work/threads"

# A full disk while training.svg is written: io_error escaped main, std::terminate skipped the destructor that
# removes the temporary. A tmpfs of two pages holds model.dot and history.csv but not the chart; the checkpoint
# goes elsewhere. Mounted in a private mount namespace (unshare), so nothing outlives the test, with or without
# root (an unprivileged user namespace maps the user to root in it).
full=$work/full
mkdir -p "$full"
if unshare --map-root-user --mount true 2> /dev/null; then
    unshare --map-root-user --mount bash -c '
        mount -t tmpfs -o size=8k tmpfs "$1" || exit 99
        "$2" --synthetic --epochs 1 --out "$1" --resume "$3" > "$4.stdout" 2> "$4.stderr"
        status=$?
        find "$1" -name ".*.tmp-*" > "$4.left"
        exit $status' _ "$full" "$program" "$work/full.ckpt" "$work/full_disk"
    status=$?
    lines=$(wc -l < "$work/full_disk.stderr")
    if [ "$status" -ne 2 ] || [ "$lines" -ne 1 ] || ! grep -q "training.svg.*No space left on device" "$work/full_disk.stderr"; then
        fail "full_disk: status $status (expected 2), $lines lines on stderr (expected 1 naming training.svg):" full_disk
    elif [ -s "$work/full_disk.left" ]; then
        echo "FAIL full_disk: temporaries left behind: $(cat "$work/full_disk.left")"
        failures=$((failures + 1))
    else
        echo "ok   full_disk: $(cat "$work/full_disk.stderr")"
    fi
else
    echo "skip full_disk: no mount namespace here (unshare --map-root-user --mount failed)"
fi

# IDX files: 64 training images of noise and 32 all-zero test images. All-zero inputs put every relu unit whose
# bias is 0 exactly on its kink: the gradient check reported a mismatch there and the run exited 1 with nothing
# on stderr. Kinks are kinks: status 0.
zero=$work/zero_test_images
mkdir -p "$zero"
{ printf '\x00\x00\x08\x03'; be32 64; be32 28; be32 28; head -c $((64 * 784)) /dev/urandom; } > "$zero/train-images-idx3-ubyte"
{ printf '\x00\x00\x08\x01'; be32 64; for i in $(seq 64); do printf "\\x0$((i % 10))"; done; } > "$zero/train-labels-idx1-ubyte"
{ printf '\x00\x00\x08\x03'; be32 32; be32 28; be32 28; head -c $((32 * 784)) /dev/zero; } > "$zero/t10k-images-idx3-ubyte"
{ printf '\x00\x00\x08\x01'; be32 32; for i in $(seq 32); do printf "\\x0$((i % 10))"; done; } > "$zero/t10k-labels-idx1-ubyte"
run zero_test_images --data "$zero" --epochs 2 --out "$work/zero_out"
if [ "$status" -ne 0 ] || [ -s "$work/zero_test_images.stderr" ] || ! grep -q "gradcheck passed" "$work/zero_test_images.stdout"; then
    fail "zero_test_images: status $status (expected 0, a passed gradient check, nothing on stderr):" zero_test_images
    grep -A8 "^gradcheck" "$work/zero_test_images.stdout" | sed 's/^/    /'
else
    echo "ok   zero_test_images: $(grep -o 'gradcheck passed' "$work/zero_test_images.stdout"), $(grep -c 'kinks' "$work/zero_test_images.stdout") kink line(s)"
fi

# A batch larger than the data: the step count wrapped to 0 and the epoch's loss was NaN, without an error.
run huge_batch --synthetic --epochs 1 --batch-size 18446744073709551615 --out "$work/huge_batch"
if [ "$status" -ne 0 ] || grep -qi nan "$work/huge_batch/history.csv"; then
    fail "huge_batch: status $status (expected 0) or NaN in history.csv:" huge_batch
    sed 's/^/    /' "$work/huge_batch/history.csv"
else
    echo "ok   huge_batch: $(tail -1 "$work/huge_batch/history.csv")"
fi

# A decompression bomb: 1 GiB of zero images (28 x 28, as the header says) in 4.6 MB of gzip, read under a 1 GiB
# address-space limit. std::bad_alloc escaped as SIGABRT; now it is an io_error naming the file. Not under
# AddressSanitizer, which reserves terabytes of address space for itself (FUSEGRAD_SANITIZED, from meson).
if [ "${FUSEGRAD_SANITIZED:-0}" = 1 ]; then
    echo "skip decompression_bomb: sanitized build"
else
    bomb=$work/bomb
    mkdir -p "$bomb"
    images=$((1024 * 1024 * 1024 / 784 + 1))
    { printf '\x00\x00\x08\x03'; be32 $images; be32 28; be32 28; head -c $((images * 784)) /dev/zero; } |
        gzip -1 > "$bomb/train-images-idx3-ubyte.gz"
    { printf '\x00\x00\x08\x01'; be32 $images; } > "$bomb/train-labels-idx1-ubyte"
    cp "$zero"/t10k-* "$bomb/"
    (ulimit -v $((1024 * 1024)) && exec "$program" --data "$bomb" --epochs 1 --out "$work/bomb_out") \
        > "$work/decompression_bomb.stdout" 2> "$work/decompression_bomb.stderr"
    status=$?
    lines=$(wc -l < "$work/decompression_bomb.stderr")
    if [ "$status" -ne 2 ] || [ "$lines" -ne 1 ] || ! grep -q "train-images-idx3-ubyte.gz': out of memory" "$work/decompression_bomb.stderr"; then
        fail "decompression_bomb: status $status (expected 2), $lines lines on stderr (expected 1, out of memory):" decompression_bomb
    else
        echo "ok   decompression_bomb: $(cat "$work/decompression_bomb.stderr")"
    fi
    rm -rf "$bomb"
fi

# 0 threads: every core.
run every_core --data "$zero" --epochs 1 --threads 0 --out "$work/every_core"
[ "$status" -eq 0 ] && echo "ok   every_core" || fail "every_core: status $status (expected 0):" every_core

no_temporaries "all cases" "$work"
[ "$failures" -eq 0 ] && echo "every case ended as expected" || echo "$failures case(s) failed"
[ "$failures" -eq 0 ]

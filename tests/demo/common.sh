# Sourced by the demo's test scripts (tests/demo/*.sh), called as SCRIPT FASHION_MNIST_BINARY WORK_DIR: sets
# `program` and `work` (emptied), counts `failures`, and writes IDX headers.
set -uo pipefail
program=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
failures=0

# A big-endian u32 as four bytes, for IDX headers: images (magic 0x803, count, rows, cols), labels (0x801, count).
be32() { printf "\\x$(printf %02x $(($1 >> 24 & 255)))\\x$(printf %02x $(($1 >> 16 & 255)))\\x$(printf %02x $(($1 >> 8 & 255)))\\x$(printf %02x $(($1 & 255)))"; }

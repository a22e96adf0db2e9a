#!/usr/bin/env bash
# A compile-fail test: FILE must fail to compile with MISTAKE_FLAG (its first error line carrying the
# `fusegrad:` message, and PATTERN found on that line or on the first note after it, which is where g++
# prints the offending shapes and names; clang prints them on the error line), and must compile without it, so it cannot fail for another reason.
# The error line is the first with `: error: `: file and type names such as mean_squared_error contain "error",
# and `fusegrad::` in a type name is not the message.
# Usage: check.sh FILE MISTAKE_FLAG PATTERN COMPILER [FLAGS...]
set -u
file=$1 mistake=$2 pattern=$3
shift 3

if out=$("$@" -fsyntax-only "$mistake" "$file" 2>&1); then
    echo "FAIL: $file compiled although it contains the mistake ($mistake)"
    exit 1
fi
error_line=$(grep -m1 ': error: ' <<<"$out")
note_line=$(sed -n '/: error: /,$p' <<<"$out" | grep -m1 'note:' || true)
first="$error_line"$'\n'"$note_line"
echo "first error and note: $first"
echo "lines printed: $(wc -l <<<"$out")"
if ! grep -q 'fusegrad: ' <<<"$error_line"; then
    echo "FAIL: the first error line does not carry a 'fusegrad:' message"
    echo "$out" | head -20
    exit 1
fi
if ! grep -Eq -- "$pattern" <<<"$first"; then
    echo "FAIL: '$pattern' is not on the first error line or the first note after it"
    exit 1
fi
if ! twin=$("$@" -fsyntax-only "$file" 2>&1); then
    echo "FAIL: the twin without the mistake does not compile:"
    echo "$twin" | head -20
    exit 1
fi
echo "OK"

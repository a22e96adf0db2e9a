#!/usr/bin/env bash
# Builds and runs tests/consumer/train_and_check.cpp as an outside project would, three ways:
#   subproject: a Meson project with fusegrad copied into its subprojects/ folder, `dependency('fusegrad')`;
#   wrap:       the same with a [wrap-file] whose tarball sits in subprojects/packagecache/ (nothing is
#               downloaded: the URL in it does not even resolve);
#   installed:  fusegrad installed with `meson install` into a prefix, the program built by plain g++ with
#               `pkg-config --cflags --libs fusegrad`.
# Usage: tests/consumer/run.sh [WORK_DIR]      (prints "consumer <way>: OK" or fails)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
work="$(cd "$work" && pwd)"  # absolute: Meson's --prefix must be

# The repository as a consumer would copy it: the committed and working files, no build directories.
copy_of_fusegrad() {
    mkdir -p "$1"
    (cd "$root" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$1")
}

# 1. As a subproject: nothing of fusegrad's tests, examples or benchmarks is built.
sub="$work/subproject"
rm -rf "$sub" && mkdir -p "$sub/subprojects"
cp "$root/tests/consumer/subproject/meson.build" "$sub/"
cp "$root/tests/consumer/train_and_check.cpp" "$sub/"
copy_of_fusegrad "$sub/subprojects/fusegrad"
meson setup "$sub/build" "$sub" >/dev/null
meson compile -C "$sub/build" >/dev/null
if find "$sub/build/subprojects/fusegrad" -name '*_test' -o -name '*_bench' -o -name 'fashion_mnist' | grep -q .; then
    echo "consumer subproject: FAILED: fusegrad built its own tests, benchmarks or programs inside the parent" >&2
    exit 1
fi
"$sub/build/train_and_check"
echo "consumer subproject: OK"

# 2. Through a wrap file and a release tarball in the package cache, as docs/install.md shows.
version=$(sed -n 's/^#define FUSEGRAD_VERSION_STRING "\(.*\)"$/\1/p' "$root/include/fusegrad/version.hpp")
wrap="$work/wrap"
rm -rf "$wrap" && mkdir -p "$wrap/subprojects/packagecache"
copy_of_fusegrad "$wrap/tarball/fusegrad-$version"
tar -czf "$wrap/subprojects/packagecache/fusegrad-$version.tar.gz" -C "$wrap/tarball" "fusegrad-$version"
cat >"$wrap/subprojects/fusegrad.wrap" <<WRAP
[wrap-file]
directory = fusegrad-$version
source_url = https://fusegrad.invalid/releases/fusegrad-$version.tar.gz
source_filename = fusegrad-$version.tar.gz
source_hash = $(sha256sum "$wrap/subprojects/packagecache/fusegrad-$version.tar.gz" | cut -d' ' -f1)

[provide]
fusegrad = fusegrad_dep
WRAP
cp "$root/tests/consumer/subproject/meson.build" "$root/tests/consumer/train_and_check.cpp" "$wrap/"
meson setup "$wrap/build" "$wrap" >/dev/null
meson compile -C "$wrap/build" >/dev/null
"$wrap/build/train_and_check"
echo "consumer wrap: OK"

# 3. Installed, found through pkg-config by a build that knows nothing of Meson.
inst="$work/installed"
rm -rf "$inst" && mkdir -p "$inst"
meson setup "$inst/build" "$root" --prefix "$inst/prefix" --libdir lib -Dtests=disabled -Dexamples=disabled \
    -Dbenchmarks=disabled >/dev/null
meson install -C "$inst/build" >/dev/null
export PKG_CONFIG_PATH="$inst/prefix/lib/pkgconfig"
# shellcheck disable=SC2046
${CXX:-g++} -std=c++20 -Wall -Wextra -Werror "$root/tests/consumer/train_and_check.cpp" \
    $(pkg-config --cflags --libs fusegrad) -o "$inst/train_and_check"
"$inst/train_and_check"
echo "consumer installed: OK"

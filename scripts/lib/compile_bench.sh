#!/usr/bin/env bash
# The compile-time benchmark, run by `scripts/bench --compile`. bench/compile/generate_mlp.py writes one
# translation unit per depth (2, 8, 32) holding an MLP written by hand: that many dense tanh layers of width 64
# on a 64-wide input, an MSE loss, and value_and_grad in float with respect to every weight and bias, called
# from main. Each unit is compiled, one at a time, by g++ and by clang++ with -std=c++20 -O2 -I include, with
# -c (compile and assemble; no link: the program needs no library) under /usr/bin/time -v. Prints, per
# compiler and depth, the wall-clock and user+sys seconds and the compiler's peak resident memory (MiB), then
# the ratio depth 32 / depth 8 and PASS or MISS against the targets: depth 32 within 20 s (wall) and 2 GiB,
# and at most 5x depth 8.
# Usage: scripts/lib/compile_bench.sh [--repeat N] [--json FILE] [--keep DIR] [--include DIR]
#   --repeat N     compile each unit N times and report the medians (default 3)
#   --json FILE    also write every run and the medians to FILE
#   --keep DIR     write the generated sources and the /usr/bin/time logs to DIR instead of a temporary one
#   --include DIR  the fusegrad headers to measure (default: this checkout's include/), to compare versions
set -euo pipefail

repeat=3
json=
keep=
include=
while [ $# -gt 0 ]; do
    case "$1" in
        --repeat) [ $# -ge 2 ] || { echo "compile_bench: --repeat needs a count" >&2; exit 2; }
                  repeat=$2; shift 2 ;;
        --repeat=*) repeat=${1#--repeat=}; shift ;;
        --json) [ $# -ge 2 ] || { echo "compile_bench: --json needs a file name" >&2; exit 2; }
                json=$2; shift 2 ;;
        --json=*) json=${1#--json=}; shift ;;
        --keep) [ $# -ge 2 ] || { echo "compile_bench: --keep needs a directory" >&2; exit 2; }
                keep=$2; shift 2 ;;
        --keep=*) keep=${1#--keep=}; shift ;;
        --include) [ $# -ge 2 ] || { echo "compile_bench: --include needs a directory" >&2; exit 2; }
                   include=$2; shift 2 ;;
        --include=*) include=${1#--include=}; shift ;;
        -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "compile_bench: unknown argument '$1' (usage: scripts/lib/compile_bench.sh" \
                "[--repeat N] [--json FILE] [--keep DIR] [--include DIR])" >&2; exit 2 ;;
    esac
done
case "$repeat" in ''|*[!0-9]*|0) echo "compile_bench: --repeat needs a positive count, not '$repeat'" >&2; exit 2 ;; esac
if [ -n "$json" ]; then
    json=$(realpath -m -- "$json")  # relative to where the script was called from
    mkdir -p -- "$(dirname -- "$json")"
fi
[ -z "$keep" ] || keep=$(realpath -m -- "$keep")
if [ -n "$include" ]; then
    include=$(realpath -- "$include")
    [ -f "$include/fusegrad/fusegrad.hpp" ] || { echo "compile_bench: no fusegrad/fusegrad.hpp in $include" >&2; exit 2; }
fi
cd "$(dirname "$0")/../.."

source scripts/lib/packages.sh
# /usr/bin/time comes from `time` (the shell's keyword cannot report memory); clang++ from `clang`.
fusegrad_require_packages g++ clang time libboost-dev python3

depths=(2 8 32)
compilers=(g++ clang++)
flags=(-std=c++20 -O2 -I "${include:-include}")

if [ -n "$keep" ]; then
    work=$keep
    mkdir -p -- "$work"
else
    work=$(mktemp -d)
    trap 'rm -rf -- "$work"' EXIT
fi

echo "=== machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name:[[:space:]]*//p'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
for cxx in "${compilers[@]}"; do
    echo "=== $cxx: $("$cxx" --version | head -n 1)"
done
for d in "${depths[@]}"; do
    python3 bench/compile/generate_mlp.py "$d" "$work/mlp_depth$d.cpp"
done

# One line per run: compiler depth run log; the logs are read afterwards, so that a failure stops the run here.
runs=$work/runs.txt
: >"$runs"
for cxx in "${compilers[@]}"; do
    # Untimed: the first run of a compiler also pays for reading it and the headers from disk.
    echo "=== $cxx: warming up (depth ${depths[0]}, not timed)"
    "$cxx" "${flags[@]}" -c "$work/mlp_depth${depths[0]}.cpp" -o "$work/mlp_depth${depths[0]}.o"
    for d in "${depths[@]}"; do
        for ((r = 1; r <= repeat; r++)); do
            log=$work/time_${cxx}_depth${d}_run$r.txt
            printf '=== %-7s depth %2d, run %d of %d ... ' "$cxx" "$d" "$r" "$repeat"
            if ! /usr/bin/time -v -o "$log" "$cxx" "${flags[@]}" -c "$work/mlp_depth$d.cpp" -o "$work/mlp_depth$d.o"; then
                echo "failed"
                echo "compile_bench: $cxx ${flags[*]} -c $work/mlp_depth$d.cpp failed" >&2
                exit 1
            fi
            sed -n 's/^[[:space:]]*Elapsed (wall clock) time.*m:ss): //p' "$log"
            echo "$cxx $d $r $log" >>"$runs"
        done
    done
done
rm -f -- "$work"/mlp_depth*.o

python3 - "$runs" "$json" "${flags[*]}" "$(lscpu | sed -n 's/^Model name:[[:space:]]*//p')" "$(nproc)" \
    "$(cut -d' ' -f1-3 /proc/loadavg)" "$(g++ --version | head -n 1)" "$(clang++ --version | head -n 1)" <<'PY'
import json
import statistics
import sys

runs_file, json_path, flags, cpu, cores, load, gxx_version, clang_version = sys.argv[1:]
WALL_LIMIT, RSS_LIMIT_MIB, RATIO_LIMIT = 20.0, 2048.0, 5.0


def parse_time_log(path):
    """The fields of GNU time's -v report that the table needs."""
    fields = {}
    with open(path) as f:
        for line in f:
            key, sep, value = line.strip().rpartition(": ")
            if sep:
                fields[key] = value
    clock = [float(p) for p in fields["Elapsed (wall clock) time (h:mm:ss or m:ss)"].split(":")]
    wall = 0.0
    for part in clock:
        wall = wall * 60 + part
    return {
        "wall_s": wall,
        "user_s": float(fields["User time (seconds)"]),
        "sys_s": float(fields["System time (seconds)"]),
        "peak_rss_mib": int(fields["Maximum resident set size (kbytes)"]) / 1024.0,
    }


runs = []
with open(runs_file) as f:
    for line in f:
        cxx, depth, run, log = line.split()
        r = parse_time_log(log)
        r.update(compiler=cxx, depth=int(depth), run=int(run))
        r["cpu_s"] = r["user_s"] + r["sys_s"]
        runs.append(r)

medians = {}
for r in runs:
    medians.setdefault((r["compiler"], r["depth"]), []).append(r)
summary = []
for (cxx, depth), rs in medians.items():
    summary.append({
        "compiler": cxx,
        "depth": depth,
        "runs": len(rs),
        "wall_s": statistics.median(x["wall_s"] for x in rs),
        "cpu_s": statistics.median(x["cpu_s"] for x in rs),
        "peak_rss_mib": statistics.median(x["peak_rss_mib"] for x in rs),
    })
at = {(s["compiler"], s["depth"]): s for s in summary}

print()
print("compile time of an MLP, width 64, value_and_grad in float (%s -c; medians of %d run%s)" % (
    flags, summary[0]["runs"], "" if summary[0]["runs"] == 1 else "s"))
print("  %-8s %5s %10s %14s %14s" % ("compiler", "depth", "wall (s)", "user+sys (s)", "peak RSS (MiB)"))
for s in summary:
    print("  %-8s %5d %10.2f %14.2f %14.0f" % (s["compiler"], s["depth"], s["wall_s"], s["cpu_s"], s["peak_rss_mib"]))

print()
print("targets at depth 32: wall <= %.0f s, peak RSS <= %.0f MiB, wall(32) / wall(8) <= %.0fx" % (
    WALL_LIMIT, RSS_LIMIT_MIB, RATIO_LIMIT))
verdicts = []
all_pass = True
for cxx in dict.fromkeys(s["compiler"] for s in summary):
    d8, d32 = at.get((cxx, 8)), at.get((cxx, 32))
    if not d8 or not d32:
        continue
    ratio_wall = d32["wall_s"] / d8["wall_s"]
    ratio_cpu = d32["cpu_s"] / d8["cpu_s"]
    checks = {
        "wall": d32["wall_s"] <= WALL_LIMIT,
        "memory": d32["peak_rss_mib"] <= RSS_LIMIT_MIB,
        "ratio": ratio_wall <= RATIO_LIMIT,
    }
    all_pass = all_pass and all(checks.values())
    word = lambda ok: "PASS" if ok else "MISS"
    print("  %-8s depth 32: %6.2f s %s, %5.0f MiB %s; depth 32 / depth 8: %.2fx wall %s (%.2fx user+sys)" % (
        cxx, d32["wall_s"], word(checks["wall"]), d32["peak_rss_mib"], word(checks["memory"]),
        ratio_wall, word(checks["ratio"]), ratio_cpu))
    verdicts.append({"compiler": cxx, "ratio_wall": ratio_wall, "ratio_cpu": ratio_cpu,
                     **{k: word(v) for k, v in checks.items()}})
print("compile_bench: %s" % ("all targets met" if all_pass else "a target is missed"))

if json_path:
    with open(json_path, "w") as f:
        json.dump({
            "machine": {"cpu": cpu, "cores": int(cores), "load_average_at_end": load},
            "compilers": {"g++": gxx_version, "clang++": clang_version},
            "flags": flags + " -c",
            "targets": {"depth32_wall_s": WALL_LIMIT, "depth32_peak_rss_mib": RSS_LIMIT_MIB,
                        "depth32_over_depth8": RATIO_LIMIT},
            "runs": runs,
            "medians": summary,
            "verdicts": verdicts,
        }, f, indent=2)
    print("compile_bench: figures written to %s" % json_path)
PY

#!/bin/sh
# interleave.sh: compare builds of atlas-sim on one workload in the same sitting, interleaved,
# so that a machine's drift (other jobs, frequency, page cache) falls on every build alike.
#
#   tests/bench/interleave.sh ROUNDS BIN_A [BIN_B ...] -- ARGS...
#
# Runs `BIN ARGS` for each BIN in turn, ROUNDS times (round 1: A B ..., round 2: A B ...),
# each with its own fresh output folder appended as `-o DIR` when ARGS contain `-o @`
# (the @ is replaced), and prints per run: build, round, user and system CPU seconds,
# peak RSS; then per build the minimum and median of user+sys CPU, and the ratio of
# each build's median to the first build's. The load average before and after is printed
# too: state it with the figures (BENCHMARKS.md). /usr/bin/time counts in 10 ms steps: for
# runs under a second use `perf stat -r N` instead. Exit status: 0, or 2 on a usage error.
# A run's own exit status is reported, not judged (scale cuts may exit 1 by design).
set -eu

usage() {
    echo "usage: $0 ROUNDS BIN_A [BIN_B ...] -- ARGS... (use -o @ for a fresh output folder)" >&2
    exit 2
}

[ $# -ge 3 ] || usage
rounds=$1
shift
case $rounds in '' | *[!0-9]*) usage ;; esac
bins=""
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    [ -x "$1" ] || { echo "$0: $1: not an executable" >&2; exit 2; }
    bins="$bins $1"
    shift
done
[ $# -gt 0 ] || usage
shift # the --
[ -n "$bins" ] || usage

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-40s %5s %9s %9s %9s %6s\n' build round user_s sys_s rss_mib status
r=1
while [ "$r" -le "$rounds" ]; do
    b=0
    for bin in $bins; do
        b=$((b + 1))
        out="$work/out-$b-$r"
        args=""
        for a in "$@"; do
            [ "$a" = "@" ] && a=$out
            args="$args '$(printf %s "$a" | sed "s/'/'\\\\''/g")'"
        done
        status=0
        eval "/usr/bin/time -f '%U %S %M' -o '$work/time' '$bin' $args" >/dev/null 2>"$work/err" ||
            status=$?
        # /usr/bin/time prefixes a line when the command failed; take the last line
        line=$(tail -n 1 "$work/time")
        user=$(echo "$line" | cut -d' ' -f1)
        sys=$(echo "$line" | cut -d' ' -f2)
        rss=$(echo "$line" | cut -d' ' -f3)
        printf '%-40s %5d %9.2f %9.2f %9.1f %6d\n' "$bin" "$r" "$user" "$sys" \
            "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" "$status"
        echo "$b $user $sys" >>"$work/all"
        rm -rf "$out"
    done
    r=$((r + 1))
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
b=0
first=""
for bin in $bins; do
    b=$((b + 1))
    cpu=$(awk -v b="$b" '$1 == b { printf "%.4f\n", $2 + $3 }' "$work/all" | sort -n)
    n=$(echo "$cpu" | wc -l)
    min=$(echo "$cpu" | head -n 1)
    med=$(echo "$cpu" | sed -n "$(((n + 1) / 2))p")
    [ -n "$first" ] || first=$med
    ratio=$(awk -v m="$med" -v f="$first" 'BEGIN { if (f > 0) printf "%.3f", m / f; else print "nan" }')
    printf '%-40s min %8.2f s  median %8.2f s  median / first %s\n' "$bin" "$min" "$med" "$ratio"
done

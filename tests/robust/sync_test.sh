#!/usr/bin/env bash
# sync_test.sh: output.sync. By default `atlas-sim run` fsyncs every file it writes once and
# its folder once; with output.sync=false it fsyncs nothing, and writes the same files. Counted
# with strace (fsync, fdatasync, sync_file_range, sync, syncfs of the whole process tree).
#
# usage: sync_test.sh ATLAS_SIM
#   Exits 77 (ctest SKIP) with a SKIP line when strace is missing or cannot trace.
set -u
BIN=${1:?usage: sync_test.sh ATLAS_SIM}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d /tmp/atlas-sync-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
FAILS=0
SYNCS=fsync,fdatasync,sync_file_range,sync,syncfs
RUN=(run "$SRC/scenarios/quickstart.yaml" --quiet --set 'output.traces=[messages,heartbeats]'
     --set output.ledgers=true)

# LeakSanitizer cannot run under ptrace; the sanitized build's leaks are checked elsewhere.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

if ! command -v strace > /dev/null || ! strace -f -qq -o /dev/null true 2> /dev/null; then
    echo "SKIP: strace is missing or cannot trace here"
    exit 77
fi

fail()
{
    echo "FAIL: $*"
    FAILS=$((FAILS + 1))
}

# syncs DIR ARGS...: run into DIR under strace; COUNT = how many sync calls it made.
syncs()
{
    local dir=$1
    shift
    strace -f -qq -e trace=$SYNCS -o "$WORK/strace.out" "$BIN" "${RUN[@]}" -o "$dir" "$@" \
        || fail "run into $dir exited $?"
    COUNT=$(grep -cE "^[0-9]+ +($(echo $SYNCS | tr , '|'))\(" "$WORK/strace.out")
}

syncs "$WORK/default" # the folder is new: every file is this run's
files=$COUNT
nfiles=$(find "$WORK/default" -type f | wc -l)
[ "$nfiles" -ge 10 ] || fail "expected at least 10 files (traces, ledgers), found $nfiles"
[ "$files" -eq $((nfiles + 1)) ] \
    || fail "default: $files sync calls for $nfiles files; want one per file and one for the folder"

syncs "$WORK/nosync" --set output.sync=false
none=$COUNT
[ "$none" -eq 0 ] || fail "output.sync=false: $none sync calls; want none"

for f in "$WORK"/default/*; do
    name=$(basename "$f")
    case $name in
    scenario.resolved.yaml) # says sync: false; otherwise the same
        diff <(grep -v '^  sync: false$' "$WORK/nosync/$name") "$f" > /dev/null \
            || fail "$name differs beyond the sync key" ;;
    *) cmp -s "$f" "$WORK/nosync/$name" || fail "$name differs with output.sync=false" ;;
    esac
done
[ "$(ls -A "$WORK/nosync" | wc -l)" -eq "$(ls -A "$WORK/default" | wc -l)" ] \
    || fail "the two folders hold different numbers of entries"
grep -q '^  sync: false$' "$WORK/nosync/scenario.resolved.yaml" \
    || fail "the resolved scenario does not record output.sync: false"

echo "default: $files sync calls for $nfiles files; output.sync=false: $none"
[ "$FAILS" -eq 0 ] && echo "PASS" || echo "$FAILS failure(s)"
[ "$FAILS" -eq 0 ]

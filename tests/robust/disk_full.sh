#!/usr/bin/env bash
# disk_full.sh: writes that fail (a full disk, a file-size limit, a read-only or impossible
# folder) must end `atlas-sim run`/`sweep` with exit code 2 and the path in the message, and
# leave no half file: every visible file is complete (byte-identical to an uninterrupted
# run's or to what the folder held before) and no temporary (.NAME.tmp.PID) is left.
#
# usage: disk_full.sh ATLAS_SIM fsize|mount
#   fsize  needs no privilege: RLIMIT_FSIZE (ulimit -f) makes writes fail with EFBIG, and
#          an output path under a regular file (plus a chmod 555 folder when not root)
#   mount  needs root and mount(2) (CAP_SYS_ADMIN): a 64 KiB tmpfs (ENOSPC), a bigger one
#          for --resume after freeing space, and a read-only tmpfs (root ignores chmod).
#          Exits 77 (ctest SKIP) with a SKIP line when mounting is not permitted.
set -u
BIN=${1:?usage: disk_full.sh ATLAS_SIM fsize|mount}
MODE=${2:?usage: disk_full.sh ATLAS_SIM fsize|mount}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d /tmp/atlas-diskfull-XXXXXX)
MNT=$WORK/mnt
cleanup()
{
    mountpoint -q "$MNT" 2> /dev/null && umount "$MNT"
    rm -rf "$WORK"
}
trap cleanup EXIT
FAILS=0
CHECKS=0
TEMP_RE='^\..+\.tmp\.[0-9]+(\.tmp)?$'

RUN_BIG=(run "$SRC/scenarios/lossy-heartbeats.yaml" --quiet --set 'output.traces=[messages]'
         --set output.ledgers=true --set 'output.graph=[dot,neo4j]')
RUN_SMALL=(run "$SRC/scenarios/quickstart.yaml" --quiet)
SWEEP=(sweep "$SRC/scenarios/sweep-approval-nodes.yaml" --quiet -j 2 --set sweep.replications=4)
SWEEP_TRACES=(sweep "$SRC/scenarios/sweep-approval-nodes.yaml" --quiet -j 2 --traces
              --set sweep.replications=1 --set consensus.approval=0.5,0.9
              --set workload.generate.count=40)

fail()
{
    echo "FAIL [$CASE]: $*"
    FAILS=$((FAILS + 1))
}

# expect RC WHAT PATH REASON: the last command's exit code and message.
expect()
{
    local rc=$1 path=$2 reason=$3 before=$FAILS
    CHECKS=$((CHECKS + 1))
    [ "$rc" -eq 2 ] || fail "exit code $rc, want 2; stderr: $(head -c 300 "$WORK/err")"
    grep -qF -- "$path" "$WORK/err" || fail "message does not name $path: $(head -c 300 "$WORK/err")"
    grep -qF -- "$reason" "$WORK/err" || fail "message does not say '$reason': $(head -c 300 "$WORK/err")"
    [ $FAILS -eq $before ] && echo "  ok: exit 2: $(head -n 1 "$WORK/err")"
}

# no_half DIR REF [BEFORE]: no temporary under DIR, and every visible file under DIR equals
# REF's file of that name or BEFORE's.
no_half()
{
    local dir=$1 ref=$2 before=${3:-} rel name
    [ -d "$dir" ] || return 0
    while IFS= read -r -d '' rel; do
        name=${rel##*/}
        if [[ $name =~ $TEMP_RE ]]; then
            fail "temporary $rel left behind"
        elif [ -d "$dir/$rel" ] || [[ $name == .* ]]; then
            :
        elif cmp -s "$dir/$rel" "$ref/$rel"; then
            :
        elif [ -n "$before" ] && cmp -s "$dir/$rel" "$before/$rel"; then
            :
        else
            fail "$rel is a half or foreign file ($(stat -c %s "$dir/$rel") bytes)"
        fi
    done < <(cd "$dir" && find . -mindepth 1 -printf '%P\0')
}

# same_results DIR REF: a finished sweep's results equal the reference's.
same_results()
{
    local f
    for f in summary.csv points.csv scenario.resolved.yaml; do
        cmp -s "$1/$f" "$2/$f" || fail "$f differs from the uninterrupted sweep's"
    done
    [ -d "$2/runs" ] && { diff -rq "$2/runs" "$1/runs" > /dev/null || fail "runs/ differs"; }
    CHECKS=$((CHECKS + 1))
}

# sweep_full_then_resume WHAT SUB REF ARGS...: the sweep fails in the 64 KiB tmpfs, leaves
# no half file, and --resume after growing the tmpfs to 8 MiB gives REF's results.
sweep_full_then_resume()
{
    local what=$1 sub=$2 ref=$3
    shift 3
    CASE="$what into a full 64 KiB tmpfs"
    "$BIN" "$@" -o "$MNT/$sub" 2> "$WORK/err"
    expect $? "$MNT/$sub/" "No space left on device"
    no_half "$MNT/$sub" "$WORK/$ref"
    CASE="$what --resume after the tmpfs grows to 8 MiB"
    mount -o remount,size=8m "$MNT" || fail "remount"
    "$BIN" "$@" -o "$MNT/$sub" --resume 2> "$WORK/err" || fail "resume failed: $(cat "$WORK/err")"
    same_results "$MNT/$sub" "$WORK/$ref"
    rm -rf "${MNT:?}/$sub"
    mount -o remount,size=64k "$MNT" || fail "remount"
}

empty_dir()
{
    [ -z "$(find "$1" -mindepth 1 -print -quit 2> /dev/null)" ] || fail "$1 is not empty: $(cd "$1" && find . -mindepth 1 | head -5 | tr '\n' ' ')"
}

# References, written without limits.
"$BIN" "${RUN_BIG[@]}" -o "$WORK/ref-big" && "$BIN" "${RUN_SMALL[@]}" -o "$WORK/ref-small" &&
    "$BIN" "${SWEEP[@]}" -o "$WORK/ref-sweep" && "$BIN" "${SWEEP_TRACES[@]}" -o "$WORK/ref-traces" ||
    { echo "FAIL: a reference run failed"; exit 1; }

if [ "$MODE" = fsize ]; then
    # 64 KiB per file: votes.csv and messages.csv of RUN_BIG are larger, the journal of SWEEP
    # (280 runs of ~0.5 KB) too; every file of RUN_SMALL fits.
    LIMIT=64
    CASE="run, ulimit -f $LIMIT, fresh folder"
    (ulimit -f $LIMIT; exec "$BIN" "${RUN_BIG[@]}" -o "$WORK/a/b") 2> "$WORK/err"
    expect $? "$WORK/a/b/" "File too large"
    [ -e "$WORK/a" ] && fail "the folders it created are left: $(find "$WORK/a" | head -3)"

    CASE="run, ulimit -f $LIMIT, folder holding a previous run"
    mkdir -p "$WORK/prev" && cp -a "$WORK/ref-small/." "$WORK/prev/" && cp -a "$WORK/prev" "$WORK/before"
    (ulimit -f $LIMIT; exec "$BIN" "${RUN_BIG[@]}" -o "$WORK/prev") 2> "$WORK/err"
    expect $? "$WORK/prev/" "File too large"
    no_half "$WORK/prev" "$WORK/ref-big" "$WORK/before"
    diff -r "$WORK/before" "$WORK/prev" > /dev/null || fail "the previous files changed"

    CASE="sweep, ulimit -f $LIMIT: the journal outgrows it"
    (ulimit -f $LIMIT; exec "$BIN" "${SWEEP[@]}" -o "$WORK/s") 2> "$WORK/err"
    expect $? "$WORK/s/.journal" "File too large"
    no_half "$WORK/s" "$WORK/ref-sweep"
    [ -e "$WORK/s/summary.csv" ] && fail "summary.csv written by a failed sweep"
    CASE="sweep --resume without the limit"
    "$BIN" "${SWEEP[@]}" -o "$WORK/s" --resume 2> "$WORK/err" || fail "resume failed: $(cat "$WORK/err")"
    same_results "$WORK/s" "$WORK/ref-sweep"

    CASE="sweep --traces, ulimit -f 2: a worker's trace file outgrows it"
    (ulimit -f 2; exec "$BIN" "${SWEEP_TRACES[@]}" -o "$WORK/t") 2> "$WORK/err"
    expect $? "$WORK/t/runs/" "File too large"
    no_half "$WORK/t" "$WORK/ref-traces"

    CASE="run, output folder under a regular file"
    echo keep > "$WORK/plain"
    "$BIN" "${RUN_SMALL[@]}" -o "$WORK/plain/sub" 2> "$WORK/err"
    expect $? "$WORK/plain" "not a folder"
    [ "$(cat "$WORK/plain")" = keep ] || fail "the regular file changed"
    CASE="sweep, output folder under a regular file"
    "$BIN" "${SWEEP[@]}" -o "$WORK/plain/sub" 2> "$WORK/err"
    expect $? "$WORK/plain" "not a folder"

    if [ "$(id -u)" -ne 0 ]; then
        CASE="run, folder without write permission"
        mkdir "$WORK/ro" && chmod 555 "$WORK/ro"
        "$BIN" "${RUN_SMALL[@]}" -o "$WORK/ro" 2> "$WORK/err"
        expect $? "$WORK/ro" "not writable"
        empty_dir "$WORK/ro"
    else
        echo "  (root ignores chmod: the unwritable folder is checked by 'disk_full.sh BIN mount')"
    fi
elif [ "$MODE" = mount ]; then
    mkdir "$MNT"
    if [ "$(id -u)" -ne 0 ] || ! mount -t tmpfs -o size=64k tmpfs "$MNT" 2> "$WORK/err"; then
        echo "SKIP: cannot mount a tmpfs (needs root with CAP_SYS_ADMIN): $(cat "$WORK/err" 2> /dev/null)"
        exit 77
    fi
    CASE="run into a full 64 KiB tmpfs"
    "$BIN" "${RUN_BIG[@]}" -o "$MNT/x" 2> "$WORK/err"
    expect $? "$MNT/x/" "No space left on device"
    empty_dir "$MNT"

    CASE="run into a 64 KiB tmpfs holding a previous run"
    "$BIN" "${RUN_SMALL[@]}" -o "$MNT/p" || fail "the small run does not fit"
    cp -a "$MNT/p" "$WORK/before"
    "$BIN" "${RUN_BIG[@]}" -o "$MNT/p" 2> "$WORK/err"
    expect $? "$MNT/p/" "No space left on device"
    no_half "$MNT/p" "$WORK/ref-big" "$WORK/before"
    diff -r "$WORK/before" "$MNT/p" > /dev/null || fail "the previous files changed"
    rm -rf "$MNT/p"

    sweep_full_then_resume "sweep" s ref-sweep "${SWEEP[@]}"
    sweep_full_then_resume "sweep --traces" t ref-traces "${SWEEP_TRACES[@]}"
    umount "$MNT"

    CASE="run into a read-only tmpfs"
    mount -t tmpfs -o ro,size=64k tmpfs "$MNT" || fail "read-only mount"
    "$BIN" "${RUN_SMALL[@]}" -o "$MNT" 2> "$WORK/err"
    expect $? "$MNT" "Read-only file system"
    "$BIN" "${RUN_SMALL[@]}" -o "$MNT/new" 2> "$WORK/err"
    expect $? "$MNT/new" "Read-only file system"
    CASE="sweep into a read-only tmpfs"
    "$BIN" "${SWEEP[@]}" -o "$MNT/s" 2> "$WORK/err"
    expect $? "$MNT/s" "Read-only file system"
    empty_dir "$MNT"
    umount "$MNT"
else
    echo "usage: disk_full.sh ATLAS_SIM fsize|mount"
    exit 2
fi

if [ $FAILS -ne 0 ]; then
    echo "disk_full $MODE: $FAILS failure(s) in $CHECKS checks"
    exit 1
fi
echo "disk_full $MODE: PASS ($CHECKS checks)"

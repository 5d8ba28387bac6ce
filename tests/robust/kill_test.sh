#!/usr/bin/env bash
# kill_test.sh: kill `atlas-sim run` and `atlas-sim sweep` at random moments and check that
# the output folder never holds a half-written file and that a sweep resumes to exactly the
# files of an uninterrupted sweep.
#
# usage: kill_test.sh ATLAS_SIM [ITERATIONS [SEED]]
#   ITERATIONS  kills of `run` and, as many again, of `sweep` (default 25 each); one in four
#               is a Ctrl-C (SIGINT to the process group) instead of kill -9
#   SEED        seeds bash's $RANDOM (default: from the clock); printed, so that a failure
#               can be replayed with the same choices (the kill moments are wall-clock delays)
#
# run: the scenario is written once uninterrupted (ref) and once with another seed (prev).
# Each iteration starts from an empty folder, from prev's files, or from whatever the last
# iteration left, takes a copy (before), starts the run and kills it after a random delay
# (uniform over the last uninterrupted run's duration, or around its end, where the files
# are written and renamed). Then every visible file must be byte-identical to ref's file of
# that name or before's; hidden temporaries (.NAME.tmp.PID) are allowed after kill -9 only.
# Every third iteration and at the end a run is completed in the same folder: the folder
# must then be exactly ref (stale temporaries removed).
# sweep: the same with `sweep --resume --traces -j 2`: visible files equal the reference
# sweep's (scenario.resolved.yaml, summary.csv, points.csv, runs/RUN/*); half the iterations
# continue the interrupted folder (resume of a resume), and every completion must give the
# reference files byte for byte with no temporary left anywhere.
set -u
BIN=${1:?usage: kill_test.sh ATLAS_SIM [ITERATIONS [SEED]]}
N=${2:-25}
SEED=${3:-$(($(date +%s%N) % 1000000007))}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
RANDOM=$SEED
echo "kill_test: $N run + $N sweep iterations, seed $SEED (replay: $0 $BIN $N $SEED)"

WORK=$(mktemp -d /tmp/atlas-kill-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
FAILS=0
TEMP_RE='^\..+\.tmp\.[0-9]+(\.tmp)?$'

RUN_ARGS=(run "$SRC/scenarios/lossy-heartbeats.yaml" --quiet --set cluster.nodes=32
          --set duration=120s --set workload.generate.count=600
          --set 'output.traces=[messages]' --set 'output.graph=[dot,neo4j]'
          --set output.ledgers=true)
SWEEP_ARGS=(sweep "$SRC/scenarios/sweep-approval-nodes.yaml" --quiet --traces -j 2
            --set sweep.replications=4 --set consensus.approval=0.5,0.7,0.9 --set duration=60s
            --set workload.generate.count=240 --set workload.generate.rate=4)

fail()
{
    echo "FAIL [$CASE]: $*"
    FAILS=$((FAILS + 1))
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# Start "$@" in its own session (pid = process group), wait $1 ms, send signal $2 (KILL: to the
# main process only, as `kill -9 PID` would; INT: to the group, as Ctrl-C would), wait until
# every process of the session (sweep workers die with their parent) is gone. Sets RC.
kill_after()
{
    local ms=$1 sig=$2
    shift 2
    setsid "$@" > /dev/null 2> "$WORK/stderr" &
    local pid=$!
    sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
    if [ "$sig" = KILL ]; then kill -KILL "$pid" 2> /dev/null; else kill -INT -- "-$pid" 2> /dev/null; fi
    wait "$pid" 2> /dev/null
    RC=$?
    local t=0
    # Zombies (workers that init has not reaped yet; slow on some VMs) cannot write: ignored.
    while ps -o stat= --sid "$pid" 2> /dev/null | grep -qv '^Z' && [ $t -lt 500 ]; do
        sleep 0.01
        t=$((t + 1))
    done
}

# A delay: uniform over [0, T], or (every other time) over [0.7 T, T], where the files are
# written and renamed. T starts as an uninterrupted duration and shrinks by 1/8 whenever the
# process finished before its signal (the machine's load changes while the test runs).
pick_delay()
{
    local t=$1
    if [ $((RANDOM % 2)) -eq 0 ]; then
        echo $((RANDOM % (t + 1)))
    else
        echo $((t * 7 / 10 + RANDOM % (t * 3 / 10 + 1)))
    fi
}

# tally RC: count signalled (137, 130) and finished (0) processes for the summary line.
tally()
{
    case $1 in
        0) FINISHED=$((FINISHED + 1)) ;;
        *) STOPPED=$((STOPPED + 1)) ;;
    esac
}

# sums NAME DIR: NAME[relative path] = md5 of every visible file under DIR (one md5sum call).
sums()
{
    local -n into=$1
    local sum rel
    into=()
    [ -d "$2" ] || return 0
    while read -r sum rel; do
        into[$rel]=$sum
    done < <(cd "$2" && find . -type f ! -name '.*' -printf '%P\0' | xargs -0 -r md5sum)
}

# check_files DIR SIG REF [BEFORE]: every visible file of DIR (recursively) is REF's file of
# that name or BEFORE's; hidden entries are temporaries (allowed after KILL, or if BEFORE
# had them) or, at the top, the sweep's .sweep/.journal. REF_SUMS must hold REF's sums.
check_files()
{
    local dir=$1 sig=$2 ref=$3 before=${4:-} type rel name
    declare -A got was
    [ -d "$dir" ] || return 0
    sums got "$dir"
    [ -n "$before" ] && sums was "$before"
    while read -r type rel; do
        name=${rel##*/}
        if [ "$type" = d ]; then
            [ -d "$ref/$rel" ] || [ -n "$before" -a -d "$before/$rel" ] ||
                fail "unexpected folder $rel"
        elif [[ $name == .* ]]; then
            if [[ $name =~ $TEMP_RE ]]; then
                [ "$sig" = KILL ] || [ -n "$before" -a -e "$before/$rel" ] ||
                    fail "temporary $rel left after SIG$sig (rc $RC)"
            elif [ "$rel" != .sweep ] && [ "$rel" != .journal ]; then
                fail "unexpected hidden file $rel"
            fi
        elif [ "${got[$rel]}" != "${REF_SUMS[$rel]:-}" ] && [ "${got[$rel]}" != "${was[$rel]:-}" ]; then
            fail "$rel is neither the reference file nor the previous one ($(stat -c %s "$dir/$rel") bytes)"
        fi
    done < <(find "$dir" -mindepth 1 -printf '%y %P\n')
    # A kill between the renames: some of the files this run changes are in place, not all.
    local want=0 changed=0
    for rel in "${!REF_SUMS[@]}"; do
        [ "${was[$rel]:-}" = "${REF_SUMS[$rel]}" ] && continue
        want=$((want + 1))
        [ "${got[$rel]:-}" = "${REF_SUMS[$rel]}" ] && changed=$((changed + 1))
    done
    [ $changed -gt 0 ] && [ $changed -lt $want ] && MIDWAY=$((MIDWAY + 1))
    return 0
}

# check_exact DIR REF: the visible files of DIR are exactly REF's, and no temporary remains.
check_exact()
{
    local dir=$1 ref=$2
    local got want
    got=$(cd "$dir" && find . -mindepth 1 ! -name '.sweep' ! -name '.journal' | sort)
    want=$(cd "$ref" && find . -mindepth 1 ! -name '.sweep' ! -name '.journal' | sort)
    [ "$got" = "$want" ] || fail "completed folder differs from the reference: $(diff <(echo "$want") <(echo "$got") | head -5 | tr '\n' ' ')"
    diff -rq -x .sweep -x .journal "$ref" "$dir" > /dev/null || fail "completed folder's files differ from the reference: $(diff -rq -x .sweep -x .journal "$ref" "$dir" | head -3 | tr '\n' ' ')"
}

# ---- run ---------------------------------------------------------------------------------
t0=$(now_ms)
"$BIN" "${RUN_ARGS[@]}" -o "$WORK/ref" || { echo "FAIL: reference run failed"; exit 1; }
T=$(($(now_ms) - t0))
t0=$(now_ms)
"$BIN" "${RUN_ARGS[@]}" -o "$WORK/prev" --seed 7 || { echo "FAIL: second reference run failed"; exit 1; }
T2=$(($(now_ms) - t0))
[ "$T2" -lt "$T" ] && T=$T2
cmp -s "$WORK/ref/summary.csv" "$WORK/prev/summary.csv" && { echo "FAIL: --seed 7 changed nothing"; exit 1; }
declare -A REF_SUMS
sums REF_SUMS "$WORK/ref"
echo "run: reference takes $T ms, $(find "$WORK/ref" -type f | wc -l) files"
D=$WORK/run
STOPPED=0 FINISHED=0 MIDWAY=0
for ((i = 1; i <= N; i++)); do
    case $((RANDOM % 3)) in
        0) start=empty; rm -rf "$D" ;;
        1) start=prev; rm -rf "$D"; cp -a "$WORK/prev" "$D" ;;
        *) start=leftover ;;
    esac
    rm -rf "$WORK/before"
    [ -d "$D" ] && cp -a "$D" "$WORK/before" || mkdir "$WORK/before"
    sig=KILL
    [ $((RANDOM % 4)) -eq 0 ] && sig=INT
    ms=$(pick_delay "$T")
    CASE="run $i/$N: from $start, SIG$sig after $ms ms"
    kill_after "$ms" "$sig" "$BIN" "${RUN_ARGS[@]}" -o "$D"
    case $RC in
        0 | 137 | 130) ;;
        *) fail "exit code $RC: $(head -c 300 "$WORK/stderr")" ;;
    esac
    check_files "$D" "$sig" "$WORK/ref" "$WORK/before"
    tally "$RC"
    [ "$RC" -eq 0 ] && T=$((T * 7 / 8 + 1))
    if [ $((i % 3)) -eq 0 ] || [ "$i" -eq "$N" ]; then
        CASE="run $i/$N: completion after the kill"
        t0=$(now_ms)
        "$BIN" "${RUN_ARGS[@]}" -o "$D" || fail "completing run failed"
        T=$(($(now_ms) - t0)) # the machine's load changes: aim at the current duration
        check_exact "$D" "$WORK/ref"
    fi
done
echo "run: $STOPPED stopped by the signal ($MIDWAY of them while renaming the files into place), $FINISHED finished before it"

# ---- sweep -------------------------------------------------------------------------------
t0=$(now_ms)
"$BIN" "${SWEEP_ARGS[@]}" -o "$WORK/sref" || { echo "FAIL: reference sweep failed"; exit 1; }
T=$(($(now_ms) - t0))
sums REF_SUMS "$WORK/sref"
echo "sweep: reference takes $T ms, $(find "$WORK/sref" -type f | wc -l) files"
D=$WORK/sweep
STOPPED=0 FINISHED=0 MIDWAY=0
for ((i = 1; i <= N; i++)); do
    [ $((RANDOM % 2)) -eq 0 ] && rm -rf "$D"
    start=$([ -d "$D" ] && echo "interrupted folder" || echo empty)
    sig=KILL
    [ $((RANDOM % 4)) -eq 0 ] && sig=INT
    ms=$(pick_delay "$T")
    CASE="sweep $i/$N: from $start, SIG$sig after $ms ms"
    kill_after "$ms" "$sig" "$BIN" "${SWEEP_ARGS[@]}" --resume -o "$D"
    case $RC in
        0 | 137 | 130) ;;
        *) fail "exit code $RC: $(head -c 300 "$WORK/stderr")" ;;
    esac
    check_files "$D" "$sig" "$WORK/sref"
    tally "$RC"
    [ "$RC" -eq 0 ] && T=$((T * 7 / 8 + 1))
    if [ $((RANDOM % 2)) -eq 0 ] || [ "$i" -eq "$N" ]; then
        CASE="sweep $i/$N: --resume after the kill"
        "$BIN" "${SWEEP_ARGS[@]}" --resume -o "$D" 2> "$WORK/stderr" ||
            fail "resume failed: $(head -c 300 "$WORK/stderr")"
        check_exact "$D" "$WORK/sref"
        rm -rf "$D"
    fi
done
echo "sweep: $STOPPED stopped by the signal ($MIDWAY of them with some runs/RUN/ files in place), $FINISHED finished before it"

if [ $FAILS -ne 0 ]; then
    echo "kill_test: $FAILS failure(s); seed $SEED"
    exit 1
fi
echo "kill_test: PASS ($N run + $N sweep iterations, seed $SEED)"

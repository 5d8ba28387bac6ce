#!/usr/bin/env bash
# valgrind.sh: run atlas-sim under valgrind's memcheck into a fresh temporary folder; fail
# (exit 99) on any memory error or any definitely or indirectly lost block, in the main
# process or in a forked sweep worker (--trace-children=yes).
#
# usage: valgrind.sh ATLAS_SIM COMMAND ARGS...   (e.g. run scenarios/quickstart.yaml --quiet)
# The output folder (-o) is added by the script and removed afterwards.
set -u
BIN=${1:?usage: valgrind.sh ATLAS_SIM COMMAND ARGS...}
shift
OUT=$(mktemp -d /tmp/atlas-valgrind-XXXXXX)
trap 'rm -rf "$OUT"' EXIT
valgrind -q --trace-children=yes --leak-check=full --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
    "$BIN" "$@" -o "$OUT/out"
rc=$?
echo "valgrind: atlas-sim $* -> exit $rc"
exit $rc

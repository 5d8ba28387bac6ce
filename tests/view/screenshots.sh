#!/bin/sh
# Re-render the README's pictures of `atlas-sim view` with headless Chromium:
#   analysis/figures/view-crash-recovery.png  scenarios/crash-recovery.yaml, 2.8 s to 6.6 s
#                                             (the page opened at #view=2.8,6.6)
#   analysis/figures/view-violation.png       tests/data/violation.yaml (the checker fails)
# usage: tests/view/screenshots.sh [ATLAS_SIM] (default build/dev/atlas-sim), from anywhere.
# Look at the pictures before committing them.
set -eu
cd "$(dirname "$0")/../.."
root=$PWD
sim=$(realpath "${1:-build/dev/atlas-sim}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$sim" run scenarios/crash-recovery.yaml -o "$work/crash-recovery" --set 'output.traces=[messages]' \
    >/dev/null
"$sim" run tests/data/violation.yaml -o "$work/violation" --set 'output.traces=[messages]' \
    >/dev/null || test $? -eq 1
shot() { # PAGE PNG HEIGHT
    profile=$(mktemp -d "$work/profile.XXXXXX")
    chromium --headless --no-sandbox --disable-gpu --no-first-run --hide-scrollbars \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$profile" --window-size=1330,"$3" --screenshot="$2" "$1" \
        >/dev/null 2>&1
}
cd "$work" # the page's title is the folder as given
"$sim" view crash-recovery -o cr.html
"$sim" view violation -o violation.html
shot "file://$work/cr.html#view=2.8,6.6" "$root/analysis/figures/view-crash-recovery.png" 430
shot "file://$work/violation.html" "$root/analysis/figures/view-violation.png" 430

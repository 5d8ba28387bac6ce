#!/bin/sh
# The run viewer (issue 18) in a real browser. Renders pages with headless Chromium and
# checks the DOM after the page's script ran with tests/view/dom_check.py (lanes, one arrow
# per message placed on its lanes, kinds/proposals intact, the violation marker, filters,
# no script error); keeps screenshots under the build folder. Pages:
#   violation   tests/data/violation.yaml (the checker fails): the marker and its row shown
#   many        quickstart with 40 nodes: lanes grouped; #expand=1&node=5&view=0.104,0.111
#               (a group open, a node filter, a zoomed time window) and #hide=vote
#   hostile     tests/view/hostile: quotes, <, >, & and newlines in every text field
# Negative controls: a page with one arrow dropped, one without the violation marker and one
# whose script throws must each fail dom_check; a ShiViz log with a corrupted clock must
# fail shiviz_check. Exits 77 (ctest SKIP) only when chromium is missing.
set -eu
sim=$1 src=$2 out=$3
check="python3 $src/tests/view/dom_check.py"
rm -rf "$out" && mkdir -p "$out"
"$sim" run "$src/tests/data/violation.yaml" -o "$out/run" \
    --set 'output.traces=[messages, heartbeats]' >/dev/null 2>&1 || test $? -eq 1
"$sim" run "$src/scenarios/quickstart.yaml" -o "$out/many" --set cluster.nodes=40 \
    --set 'output.traces=[messages]' >/dev/null 2>&1
"$sim" view "$out/run" -o "$out/view.html" 2>/dev/null
"$sim" view "$out/many" -o "$out/many.html" 2>/dev/null
"$sim" view "$src/tests/view/hostile" -o "$out/hostile.html" 2>/dev/null
for d in run "$src/tests/view/hostile"; do
    case $d in /*) dir=$d ;; *) dir=$out/$d ;; esac
    "$sim" view "$dir" --format shiviz -o "$out/log.shiviz" 2>/dev/null
    python3 "$src/tests/view/shiviz_check.py" "$out/log.shiviz" "$dir/messages.csv"
done
"$sim" view "$out/run" --format shiviz -o "$out/run.shiviz" 2>/dev/null
# negative control: the same log with one clock entry corrupted must fail the checker
sed '0,/^node[0-9]* {/s/"node0":1/"node0":0/' "$out/run.shiviz" >"$out/broken.shiviz"
if python3 "$src/tests/view/shiviz_check.py" "$out/broken.shiviz" "$out/run/messages.csv" \
    2>/dev/null; then
    echo "FAIL: the ShiViz checker accepted a broken log"; exit 1
fi
chromium=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chromium" ] || { echo "SKIP: chromium not installed"; exit 77; }
run_browser() {
    profile=$(mktemp -d)
    timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --enable-logging=stderr --v=0 --user-data-dir="$profile" "$@" 2>"$out/chromium.log"
    rm -rf "$profile"
}
# render PAGE[#HASH] NAME: the DOM after the script into NAME.dom, Chromium's log NAME.log
render() {
    run_browser --dump-dom "file://$out/$1" >"$out/$2.dom"
    mv "$out/chromium.log" "$out/$2.log"
}
render view.html violation
$check "$out/violation.dom" "$out/run/messages.csv" --violation --log "$out/violation.log"
render 'many.html' many
$check "$out/many.dom" "$out/many/messages.csv" --log "$out/many.log"
render 'many.html#expand=1&node=5&view=0.104,0.111' many-expanded
$check "$out/many-expanded.dom" "$out/many/messages.csv" --expand 1 --node 5 \
    --view 0.104,0.111 --log "$out/many-expanded.log"
render 'many.html#hide=vote' many-hidden
$check "$out/many-hidden.dom" "$out/many/messages.csv" --hide vote --log "$out/many-hidden.log"
render hostile.html hostile
$check "$out/hostile.dom" "$src/tests/view/hostile/messages.csv" --violation \
    --log "$out/hostile.log"
grep -q 'second line' "$out/hostile.dom" || { echo "FAIL: hostile detail lost"; exit 1; }

# negative controls: each broken page must fail the DOM check
sed '0,/<g class="it arrow/{/<g class="it arrow/d}' "$out/view.html" >"$out/no-arrow.html"
sed 's/ id="first-violation"//' "$out/view.html" >"$out/no-marker.html"
sed 's/^  lanes();$/  lanes(); null.x();/' "$out/view.html" >"$out/throws.html"
for broken in no-arrow no-marker throws; do
    cmp -s "$out/view.html" "$out/$broken.html" && { echo "FAIL: $broken: sed changed nothing"; exit 1; }
    render "$broken.html" "$broken"
    if $check "$out/$broken.dom" "$out/run/messages.csv" --violation \
        --log "$out/$broken.log" >"$out/$broken.check"; then
        echo "FAIL: the DOM check accepted the broken page $broken.html"; exit 1
    fi
    echo "negative control $broken: rejected ($(grep FAIL "$out/$broken.check"))"
done

run_browser --screenshot="$out/view.png" --window-size=1400,700 "file://$out/view.html" >/dev/null
[ "$(wc -c <"$out/view.png")" -gt 1000 ] || { echo "FAIL: no screenshot"; exit 1; }
echo "screenshot: $out/view.png"

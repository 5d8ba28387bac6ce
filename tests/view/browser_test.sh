#!/bin/sh
# The run viewer (issue 18) in a real browser: renders the violation run with headless
# Chromium and checks the DOM after the page's script ran (lane count, one arrow per message
# of messages.csv, the first-violation marker, no script error), keeps a screenshot under
# the build folder, and runs the ShiViz log through tests/view/shiviz_check.py.
# Exits 77 (ctest SKIP) only when chromium is missing.
set -eu
sim=$1 src=$2 out=$3
rm -rf "$out" && mkdir -p "$out"
"$sim" run "$src/tests/data/violation.yaml" -o "$out/run" \
    --set 'output.traces=[messages, heartbeats]' >/dev/null 2>&1 || test $? -eq 1
"$sim" view "$out/run" -o "$out/view.html"
"$sim" view "$out/run" --format shiviz -o "$out/run.shiviz"
python3 "$src/tests/view/shiviz_check.py" "$out/run.shiviz" "$out/run/messages.csv"
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
        --enable-logging=stderr --v=0 --user-data-dir="$profile" "$@" 2>>"$out/chromium.log"
    rm -rf "$profile"
}
run_browser --dump-dom "file://$out/view.html" >"$out/dom.html"
run_browser --screenshot="$out/view.png" --window-size=1400,900 "file://$out/view.html" >/dev/null
python3 - "$out/dom.html" "$out/run/messages.csv" "$out/chromium.log" "$out/view.png" <<'PY'
import csv, re, sys, os
dom = open(sys.argv[1]).read()
rows = list(csv.DictReader(open(sys.argv[2])))
nodes = 1 + max(max(int(r["from"]), int(r["to"])) for r in rows)
def attr(name):
    m = re.search(r'<svg id="diagram"[^>]*\b%s="(\d+)"' % name, dom)
    assert m, "no %s on the diagram" % name
    return int(m.group(1))
checks = {
    "lanes": (attr("data-lanes"), nodes),
    "drawn lanes": (len(re.findall(r'class="lane"', dom)), nodes),
    "arrows": (attr("data-arrows"), len(rows)),
    "drawn arrows": (len(re.findall(r'<g class="arrow ', dom)), len(rows)),
    "violation markers": (len(re.findall(r'id="first-violation"', dom)), 1),
}
bad = [k for k, (got, want) in checks.items() if got != want]
for k, (got, want) in checks.items():
    print("%-18s %d (expected %d)" % (k, got, want))
err = re.search(r'<pre id="errors">(.*?)</pre>', dom, re.S)
assert err is not None, "no error box"
if err.group(1).strip():
    bad.append("script error: " + err.group(1))
# the script ran: it copied the violation's CSV row into #row
if not re.search(r'<pre id="row">[^<]*violation', dom):
    bad.append("script did not show the violation row")
if "Uncaught" in open(sys.argv[3]).read():
    bad.append("Uncaught in the console")
if not os.path.getsize(sys.argv[4]) > 1000:
    bad.append("no screenshot")
if bad:
    print("FAIL:", bad); sys.exit(1)
print("screenshot:", sys.argv[4])
PY

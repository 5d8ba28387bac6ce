#!/usr/bin/env python3
"""Check the DOM of an `atlas-sim view` page after its script ran (Chromium --dump-dom).

usage: dom_check.py DOM MESSAGES_CSV [--violation] [--expand G,...] [--node N] [--hide KIND]
                    [--view T0,T1] [--log CHROMIUM_LOG]

Independently of the page's script, it computes the lanes the page must show (one per node,
or one per group of data-group nodes unless the group is expanded) and checks:
  * data-lanes and the drawn lanes equal that count, in order, with their labels;
  * one arrow per row of messages.csv (data-arrows and drawn <g class="it arrow">) with
    its kind and proposal exactly as in the CSV (escaping survived), each placed by the
    script: its line starts on the lane of its sender at the x of its send time in the
    time window (data-v0..data-v1, or --view T0,T1 as the URL's #view), ends (unless lost)
    on the lane of its receiver, and goes forward in time;
  * the first-violation marker: exactly one with --violation (and its CSV row shown in
    #row), none without;
  * filters: with --node N the arrows hidden are exactly those neither from nor to N, with
    --hide KIND exactly those of that kind;
  * no script error (#errors empty, no "Uncaught" in Chromium's log).
Prints what it checked; exits 1 with the failures."""
import argparse, csv, math, sys
from html.parser import HTMLParser


class Dom(HTMLParser):
    """Elements as (tag, attrs, parent index, text); text only for pre/text/title."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.els, self.stack = [], []

    def handle_starttag(self, tag, attrs):
        parent = self.stack[-1] if self.stack else -1
        self.els.append([tag, dict(attrs), parent, ""])
        if tag not in ("input", "meta", "br", "link", "img"):  # HTML's void elements
            self.stack.append(len(self.els) - 1)

    def handle_startendtag(self, tag, attrs):
        parent = self.stack[-1] if self.stack else -1
        self.els.append([tag, dict(attrs), parent, ""])

    def handle_endtag(self, tag):
        if any(self.els[i][0] == tag for i in self.stack):
            while self.els[self.stack.pop()][0] != tag:
                pass

    def handle_data(self, data):
        if self.stack:
            self.els[self.stack[-1]][3] += data


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dom")
    ap.add_argument("messages")
    ap.add_argument("--violation", action="store_true")
    ap.add_argument("--expand", default="")
    ap.add_argument("--node")
    ap.add_argument("--hide")
    ap.add_argument("--view", help="T0,T1: the time window the URL asked for")
    ap.add_argument("--log")
    a = ap.parse_args()
    dom = Dom()
    dom.feed(open(a.dom, encoding="utf-8").read())
    els = dom.els
    rows = list(csv.DictReader(open(a.messages, encoding="utf-8")))
    bad = []

    def check(what, got, want):
        print("%-28s %s (expected %s)" % (what, got, want))
        if got != want:
            bad.append(what)

    svg = [e for e in els if e[0] == "svg" and e[1].get("id") == "diagram"]
    if len(svg) != 1:
        print("FAIL: no diagram")
        return 1
    sa = svg[0][1]
    nodes, group = int(sa["data-nodes"]), int(sa["data-group"])
    v0, v1 = (float(t) for t in (a.view.split(",") if a.view else (sa["data-v0"], sa["data-v1"])))
    left, right = 90, 1280  # the plot's x range in view_page.js
    expanded = {int(g) for g in a.expand.split(",") if g}
    lane_of, labels = {}, []
    for n in range(nodes):  # the oracle: lanes in node order, groups unless expanded
        g = n // group
        if group > 1 and g not in expanded:
            if n % group == 0:
                last = min(nodes - 1, n + group - 1)
                labels.append("nodes %d-%d" % (n, last) if last > n else "node %d" % n)
        else:
            labels.append("node %d" % n)
        lane_of[n] = len(labels) - 1
    check("nodes", nodes, 1 + max(max(int(r["from"]), int(r["to"])) for r in rows))
    check("data-lanes", sa.get("data-lanes"), str(len(labels)))
    lanes = [e for e in els if e[0] == "line" and e[1].get("class") == "lane"]
    check("drawn lanes", len(lanes), len(labels))
    lane_y = [float(e[1].get("y1", "nan")) for e in lanes]
    texts = [e[3].strip("\u25b8\u25be ") for e in els if e[0] == "text" and "lbl" in e[1].get("class", "").split()]
    check("lane labels", texts[1:], labels)  # texts[0] is the cluster row

    arrows = [i for i, e in enumerate(els) if e[0] == "g" and e[1].get("class", "").startswith("it arrow")]
    check("data-arrows", sa.get("data-arrows"), str(len(rows)))
    check("drawn arrows", len(arrows), len(rows))
    misplaced, hidden, want_hidden = 0, 0, 0
    for i in arrows:
        g = els[i][1]
        line = next((e[1] for e in els if e[2] == i and e[0] == "line"), {})
        try:
            x1, y1, x2, y2 = (float(line[k]) for k in ("x1", "y1", "x2", "y2"))
        except (KeyError, ValueError):
            misplaced += 1
            continue
        src, dst, lost = int(g["data-a"]), int(g["data-b"]), "lost" in g["class"].split()
        x_send = left + (float(g["data-t0"]) - v0) / (v1 - v0) * (right - left)
        ok = math.isclose(y1, lane_y[lane_of[src]]) and x2 >= x1
        ok = ok and math.isclose(x1, x_send, abs_tol=0.01)
        if not lost:
            ok = ok and math.isclose(y2, lane_y[lane_of[dst]])
        misplaced += not ok
        hidden += "display: none" in g.get("style", "")
        want_hidden += (a.node is not None and a.node not in (g["data-a"], g["data-b"])) or (
            a.hide is not None and g.get("data-k") == a.hide)
    check("arrows misplaced", misplaced, 0)
    got = sorted((els[i][1].get("data-k"), els[i][1].get("data-p")) for i in arrows)
    want = sorted((r["kind"], r["proposal"]) for r in rows)
    check("kinds and proposals intact", got == want, True)
    check("arrows hidden by filters", hidden, want_hidden)

    marks = [e for e in els if e[1].get("id") == "first-violation"]
    check("violation markers", len(marks), 1 if a.violation else 0)
    row = next((e[3] for e in els if e[0] == "pre" and e[1].get("id") == "row"), None)
    if a.violation and (row is None or ",violation," not in row):
        bad.append("the script did not show the violation's CSV row")
    errors = next((e[3] for e in els if e[0] == "pre" and e[1].get("id") == "errors"), None)
    if errors is None or errors.strip():
        bad.append("script error: %r" % errors)
    if a.log and "Uncaught" in open(a.log, errors="replace").read():
        bad.append("Uncaught in Chromium's log")
    if bad:
        print("FAIL:", "; ".join(bad))
        return 1
    return 0


sys.exit(main())

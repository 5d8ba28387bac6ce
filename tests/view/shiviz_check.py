#!/usr/bin/env python3
"""Parse a ShiViz log of `atlas-sim view --format shiviz` with ShiViz's own regex
(?<event>.*)\\n(?<host>\\S*) (?<clock>{.*}) and check its vector clocks: each host's own
entry counts its events 1, 2, 3, ...; clocks of one host only grow; every arrival's clock
dominates its send's (happened-before agrees with send -> receive); every delivered message
of messages.csv has its send and its arrival. Exit 1 with the reason otherwise."""
import csv, json, re, sys

def fail(msg):
    print("shiviz_check: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)

text = open(sys.argv[1]).read()
pat = re.compile(r"(?P<event>.*)\n(?P<host>\S*) (?P<clock>\{.*\})(?:\n|$)")
pos, events = 0, []
while pos < len(text):
    m = pat.match(text, pos)
    if not m:
        fail("line %d does not parse" % (text.count("\n", 0, pos) + 1))
    events.append((m.group("event"), m.group("host"), json.loads(m.group("clock"))))
    pos = m.end()
last, sends, recvs = {}, {}, {}
for ev, host, clock in events:
    prev = last.get(host, {})
    if clock.get(host, 0) != prev.get(host, 0) + 1:
        fail("%s: own entry %s after %s" % (host, clock.get(host), prev.get(host, 0)))
    if any(clock.get(h, 0) < c for h, c in prev.items()):
        fail("%s: clock went back" % host)
    last[host] = clock
    msg = re.search(r" msg=(\d+)$", ev).group(1)
    (sends if ev.startswith("send") else recvs)[msg] = clock
for msg, rc in recvs.items():
    sc = sends.get(msg)
    if sc is None or any(rc.get(h, 0) < c for h, c in sc.items()):
        fail("message %s: arrival does not happen after its send" % msg)
rows = list(csv.DictReader(open(sys.argv[2])))
delivered = sum(1 for r in rows if r["fate"] == "delivered")
if len(sends) != len(rows) or len(recvs) != delivered:
    fail("%d sends, %d arrivals for %d messages (%d delivered)" %
         (len(sends), len(recvs), len(rows), delivered))
print("shiviz log: %d events, %d messages, clocks consistent" % (len(events), len(rows)))

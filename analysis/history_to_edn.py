#!/usr/bin/env python3
"""history_to_edn: convert AtlasSim's history.csv into the EDN history Knossos and Elle read.

Usage: history_to_edn.py HISTORY.csv [--key K] [--elle] > history.edn

Each CSV row becomes one op map, in file order, e.g.
  {:type :invoke, :f :write, :value [7 1], :process 0, :time 1000000, :index 0}
  :type     the row's type (invoke, ok, fail, info)
  :f        the row's op (read, write, add, remove)
  :value    [key value] tuples as jepsen.independent writes them, for Knossos's independent
            checker; with --key K only key K's rows, with the bare value (what `knossos`'s
            command line takes). A set read's "[1 5]" becomes #{1 5}; NA becomes nil.
            With --elle (registers only): Elle's rw-register transactions, :f :txn and
            :value [[:r k v]] or [[:w k v]].
  :process  the client, renumbered as Jepsen requires: a process has one outstanding op at a
            time, and a process whose op ended :info is never used again. A client's ops use
            its own number while it is free; a concurrent op (open loop) or the op after an
            :info takes the lowest free process of that client, else a new number above every
            client's.
  :time     the row's time in integer nanoseconds (invoke_s on invoke rows, complete_s else).
  :index    the row's position in the output, from 0.
Standard library only; exit 2 with FILE:LINE: message on malformed input.
"""
import argparse
import csv
import sys

NEEDED = ("op_id", "type", "client", "op", "key", "value", "invoke_s", "complete_s")


def seconds_to_ns(text, where):
    """Exact decimal seconds ("0.000001") to integer ns."""
    whole, _, frac = text.partition(".")
    if not whole.isdigit() or (frac and not frac.isdigit()) or len(frac) > 9:
        raise ValueError(f"{where}: not a time in seconds: {text!r}")
    return int(whole) * 1_000_000_000 + int((frac or "0").ljust(9, "0"))


def edn_value(text):
    if text == "NA":
        return "nil"
    if text.startswith("["):
        return "#{" + text[1:-1] + "}"
    return text


class Processes:
    """Jepsen process numbers for clients (see the module docstring)."""

    def __init__(self, clients):
        self.next = max(clients, default=-1) + 1
        self.free = {c: [c] for c in clients}
        self.of_op = {}

    def invoke(self, op_id, client):
        pool = self.free[client]
        if pool:
            pool.sort()
            proc = pool.pop(0)
        else:
            proc = self.next
            self.next += 1
        self.of_op[op_id] = (client, proc)
        return proc

    def complete(self, op_id, kind):
        client, proc = self.of_op.pop(op_id)
        if kind != "info":
            self.free[client].append(proc)
        return proc


def convert(path, key, elle, out):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
        missing = [c for c in NEEDED if rows and c not in rows[0]]
        if missing:
            raise ValueError(f"{path}:1: no column {missing[0]!r}")
    procs = Processes(sorted({int(r["client"]) for r in rows}))
    index = 0
    for line, r in enumerate(rows, start=2):
        where = f"{path}:{line}"
        kind = r["type"]
        if kind not in ("invoke", "ok", "fail", "info"):
            raise ValueError(f"{where}: unknown type {kind!r}")
        if kind == "invoke":
            proc = procs.invoke(r["op_id"], int(r["client"]))
            t = seconds_to_ns(r["invoke_s"], where)
        elif r["op_id"] in procs.of_op:
            proc = procs.complete(r["op_id"], kind)
            t = seconds_to_ns(r["complete_s"], where)
        else:
            raise ValueError(f"{where}: a completion of op_id {r['op_id']} without an invocation")
        if key is not None and r["key"] != key:
            continue
        value = edn_value(r["value"])
        if elle and r["op"] not in ("read", "write"):
            raise ValueError(f"{where}: --elle takes register histories (read, write)")
        if elle:
            micro = ":r" if r["op"] == "read" else ":w"
            f, value = ":txn", f"[[{micro} {r['key']} {value}]]"
        else:
            f = ":" + r["op"]
            if key is None:
                value = f"[{r['key']} {value}]"
        out.write(f"{{:type :{kind}, :f {f}, :value {value}, :process {proc}, "
                  f":time {t}, :index {index}}}\n")
        index += 1


def main(argv):
    p = argparse.ArgumentParser(description="history.csv to a Knossos/Elle EDN history")
    p.add_argument("history")
    p.add_argument("--key", help="only this key, bare values (knossos's command line)")
    p.add_argument("--elle", action="store_true", help="Elle rw-register transactions")
    a = p.parse_args(argv[1:])
    try:
        convert(a.history, a.key, a.elle, sys.stdout)
    except (OSError, ValueError, KeyError) as e:
        sys.stderr.write(f"history_to_edn: {e}\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

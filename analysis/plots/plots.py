#!/usr/bin/env python3
"""Draw AtlasSim's four standard figures from a run or sweep folder, as PNG and SVG.

    python3 analysis/plots/plots.py DIR [-o OUTDIR] [--figure NAME]...

The same figures, from the same files, as the gnuplot scripts beside this file (see
README.md here):

  approval     approval rate against approval probability, one colour per (node count,
               quorum), 95% Wilson intervals as error bars, P[Bin(n, p) >= q] as curves
               (DIR/analysis.csv)
  latency_cdf  decision-latency CDF, one curve per scenario (DIR/outcomes.csv, or
               DIR/runs/RUN/outcomes.csv pooled, or DIR/NAME/... one curve per NAME)
  heatmap      approval rate over (approval probability, nodes) (DIR/analysis.csv)
  timeline     crashes, suspicions and outcomes of one run (DIR/events.csv, DIR/outcomes.csv,
               DIR/summary.csv if present)

Without --figure it draws every figure whose input files exist in DIR and says on stderr
which it skipped; with --figure a missing input is an error. Writes OUTDIR/NAME.png and
OUTDIR/NAME.svg (OUTDIR defaults to DIR). Needs Python 3, pandas and matplotlib (Debian:
apt-get install python3-pandas python3-matplotlib); reads CSV only, no network. Exit status
0 when every figure asked for was written, 1 when an input is missing or unusable (a message
names the file; nothing is written for that figure), 2 on a usage error.
"""
import argparse
import functools
import glob
import math
import os
import re
import sys

import pandas as pd

FIGURES = ("approval", "latency_cdf", "heatmap", "timeline")
COMMITTED = ("approved",)  # the latency CDF: commit latency, as latency_cdf.gp
OUTCOMES = ("approved", "rejected", "timeout", "no_quorum", "invalid", "aborted", "undecided")
OUTCOME_STYLE = {  # colour and marker, as in timeline.gp
    "approved": ("#2ca02c", "o"),
    "rejected": ("#d62728", "s"),
    "timeout": ("#ff7f0e", "^"),
    "no_quorum": ("#9467bd", "v"),
    "invalid": ("#7f7f7f", "D"),
    "aborted": ("#000000", "x"),
    "undecided": ("#8c564b", "o"),
}


class InputError(Exception):
    """A missing or unusable input file; the message names it."""


class NoMatplotlib(Exception):
    """matplotlib is not installed."""


@functools.lru_cache(maxsize=None)
def pyplot():
    """matplotlib.pyplot, imported when the first figure is drawn (after its input was
    read: a missing input is reported without the import's cost), writing files only."""
    try:
        import matplotlib
    except ImportError:
        raise NoMatplotlib() from None
    matplotlib.use("Agg")  # files only: works without a display
    import matplotlib.pyplot as plt

    # Same folder, same bytes: no date in the SVG, fixed ids. Text stays text (searchable,
    # smaller; the viewer supplies the font).
    matplotlib.rcParams["svg.hashsalt"] = "atlas-sim"
    matplotlib.rcParams["svg.fonttype"] = "none"
    return plt


def read_csv(path):
    """An AtlasSim CSV: NA (and only NA) is missing."""
    try:
        return pd.read_csv(path, na_values=["NA"], keep_default_na=False)
    except FileNotFoundError:
        raise InputError(f"{path}: not found") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: {e}") from None


def need(df, path, *columns):
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(f"{path}: no column {', '.join(repr(c) for c in missing)}")


def analysis_csv(folder):
    path = os.path.join(folder, "analysis.csv")
    if not os.path.exists(path):
        raise InputError(f"{path}: not found; run 'atlas-sim analyze {folder} --csv' first")
    df = read_csv(path)
    need(df, path, "nodes", "quorum", "approval", "approval_rate", "approval_ci95_lo",
         "approval_ci95_hi", "expected_approval")
    df = df.dropna(subset=["nodes", "approval", "approval_rate"])
    if df.empty:
        raise InputError(f"{path}: no row with nodes, approval and approval_rate")
    return df


def binomial_tail(n, p, q):
    """P[Bin(n, p) >= q]: at least q of the n voters (proposer included) say YES."""
    return sum(math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(q, n + 1))


def fig_approval(folder):
    df = analysis_csv(folder)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(9, 6))
    closed = df["expected_approval"].notna().any()
    df = df.dropna(subset=["quorum"])
    for i, ((n, q), g) in enumerate(df.groupby(["nodes", "quorum"], sort=False)):
        colour = f"C{i % 10}"
        n, q = int(n), int(q)
        err = [g["approval_rate"] - g["approval_ci95_lo"], g["approval_ci95_hi"] - g["approval_rate"]]
        ax.errorbar(g["approval"], g["approval_rate"], yerr=err, fmt="o", ms=3.5, capsize=2,
                    lw=1, color=colour, ls="none" if closed else ":", label=f"{n} ({q})")
        cf = g[g["expected_approval"].notna()]
        if not cf.empty:
            lo, hi = cf["approval"].min(), cf["approval"].max()
            xs = [lo + (hi - lo) * j / 299 for j in range(300)] if hi > lo else [lo]
            ax.plot(xs, [binomial_tail(n, x, q) for x in xs], color=colour, lw=1.5)
    if closed:
        ax.plot([], [], color="black", lw=1.5, label="P[Bin(n,p) ≥ q]")
    ax.set_title(f"Approval rate vs. approval probability ({os.path.basename(os.path.abspath(folder))})")
    ax.set_xlabel("approval probability p (P[YES] per voter)")
    ax.set_ylabel("approval rate (approved / proposals, 95% Wilson CI)")
    ax.set_ylim(top=1.02)
    ax.grid(True, alpha=0.3)
    ax.legend(title="nodes (quorum)", loc="upper left", fontsize="small")
    return fig


def outcome_sources(folder):
    """(name, [outcomes.csv paths]) per curve, as latency_cdf.gp finds them."""

    def files(f):
        if os.path.exists(os.path.join(f, "outcomes.csv")):
            return [os.path.join(f, "outcomes.csv")]
        return sorted(glob.glob(os.path.join(glob.escape(f), "runs", "*", "outcomes.csv")))

    own = files(folder)
    if own:
        return [(os.path.basename(os.path.abspath(folder)), own)]
    subs = sorted(e.name for e in os.scandir(folder) if e.is_dir()) if os.path.isdir(folder) else []
    found = [(s, files(os.path.join(folder, s))) for s in subs]
    found = [(s, f) for s, f in found if f]
    if not found:
        raise InputError(f"no outcomes.csv in {folder}, {folder}/runs/*/ or {folder}/*/")
    return found


def latencies(paths):
    parts = []
    for path in paths:
        df = read_csv(path)
        need(df, path, "submitted_s", "decided_s", "outcome")
        d = df[df["outcome"].isin(COMMITTED) & df["decided_s"].notna()]
        parts.append(d["decided_s"] - d["submitted_s"])
    return pd.concat(parts).sort_values().to_numpy() if parts else []


def fig_latency_cdf(folder):
    curves = [(name, latencies(paths)) for name, paths in outcome_sources(folder)]
    if not any(len(x) for _, x in curves):
        raise InputError(f"no approved proposal under {folder}")
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(9, 6))
    for i, (name, x) in enumerate(curves):
        colour = f"C{i % 10}"
        if len(x) == 0:
            ax.plot([], [], color=colour, label=f"{name} (0)")
            continue
        y = [(j + 1) / len(x) for j in range(len(x))]
        ax.step(x, y, where="post", color=colour, lw=2, label=f"{name} ({len(x)})")
        if len(x) <= 50:  # small samples: a point per proposal, as latency_cdf.gp
            ax.plot(x, y, "o", ms=3.5, color=colour)
    if min(x.min() for _, x in curves if len(x)) > 0:
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_ylim(0, 1.02)
    ax.set_title("Commit latency (submit to approval) "
                 f"({os.path.basename(os.path.abspath(folder))})")
    ax.set_xlabel("commit latency (s)")
    ax.set_ylabel("fraction of approved proposals ≤ x")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower right", fontsize="small")
    return fig


def edges(values):
    """Cell edges around sorted distinct values: midpoints, the ends half a step out."""
    v = sorted(values)
    if len(v) == 1:
        h = abs(v[0]) * 0.05 or 0.5
        return [v[0] - h, v[0] + h]
    mids = [(a + b) / 2 for a, b in zip(v, v[1:])]
    return [v[0] - (mids[0] - v[0])] + mids + [v[-1] + (v[-1] - mids[-1])]


def fig_heatmap(folder):
    df = analysis_csv(folder)
    # Rows that share a cell (other swept keys) are averaged; heatmap.gp draws the last one.
    grid = df.pivot_table(index="nodes", columns="approval", values="approval_rate", aggfunc="mean")
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(9, 6))
    vmin = min(grid.min().min(), 1 - 1e-9)
    mesh = ax.pcolormesh(edges(grid.columns), edges(grid.index), grid.to_numpy(), cmap="viridis",
                         vmin=vmin, vmax=1)
    for n in grid.index:
        for p in grid.columns:
            r = grid.loc[n, p]
            if r == r:
                ink = "black" if r - vmin > 0.55 * (1 - vmin) else "white"
                ax.text(p, n, f"{r:.3f}", ha="center", va="center", fontsize=7, color=ink)
    ax.set_xticks(list(grid.columns))
    ax.set_xticklabels([f"{p:g}" for p in grid.columns])
    ax.set_yticks(list(grid.index))
    ax.set_yticklabels([f"{int(n)}" for n in grid.index])
    fig.colorbar(mesh, ax=ax, label="approval rate")
    ax.set_title("Approval rate over (approval probability, nodes) "
                 f"({os.path.basename(os.path.abspath(folder))})")
    ax.set_xlabel("approval probability p (P[YES] per voter)")
    ax.set_ylabel("nodes")
    return fig


def peer(detail):
    """N of a detail "peer=N" or "peer=N (alive)" (a suspicion of a live node), else NaN."""
    m = re.match(r"peer=(\d+)", detail) if isinstance(detail, str) else None
    return int(m.group(1)) if m else float("nan")


def down_intervals(events, end):
    """(node, from, to, amnesia) from crash/recover rows; still down at the end: to = end."""
    down, out = {}, []
    for row in events.itertuples(index=False):
        if pd.isna(row.node):
            continue
        n = int(row.node)
        if row.event == "crash" and n not in down:
            down[n] = (row.time_s, row.detail == "amnesia")
        elif row.event == "recover" and n in down:
            t0, amnesia = down.pop(n)
            out.append((n, t0, row.time_s, amnesia))
    out += [(n, t0, end, amnesia) for n, (t0, amnesia) in sorted(down.items())]
    return out


def fig_timeline(folder):
    ev_path, oc_path = os.path.join(folder, "events.csv"), os.path.join(folder, "outcomes.csv")
    for path in (ev_path, oc_path):
        if not os.path.exists(path):
            raise InputError(f"{path}: not found (timeline needs a run folder, or SWEEP/runs/RUN "
                             "of a sweep run with --traces)")
    ev, oc = read_csv(ev_path), read_csv(oc_path)
    need(ev, ev_path, "time_s", "node", "event", "detail")
    need(oc, oc_path, "proposer", "submitted_s", "decided_s", "outcome")
    ev["detail"] = ev["detail"].astype(str)
    peers = ev["detail"].map(peer)
    nodes = max([1] + [int(v) + 1 for v in list(ev["node"].dropna()) + list(peers.dropna())
                       + list(oc["proposer"].dropna())])
    end = max([0.0] + list(ev["time_s"].dropna()) + list(oc["decided_s"].dropna())
              + list(oc["submitted_s"].dropna()))
    sm_path = os.path.join(folder, "summary.csv")
    if os.path.exists(sm_path):
        sm = read_csv(sm_path)
        if {"nodes", "duration_s"} <= set(sm.columns) and len(sm):
            nodes, end = int(sm["nodes"].iloc[0]), float(sm["duration_s"].iloc[0])
    end = end if end > 0 else 1.0

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(10, 5.6))
    iv = down_intervals(ev, end)
    for amnesia, colour, what in ((False, "#d62728", "durable"), (True, "#9467bd", "amnesia")):
        spans = [(n, a, b) for n, a, b, am in iv if am == amnesia]
        for j, (n, a, b) in enumerate(spans):
            ax.plot([a, b], [n, n], color=colour, lw=7, solid_capstyle="butt",
                    label=f"down, {what} ({len(spans)})" if j == 0 else None)
    for e, style in (("partition", dict(ls="--", color="#555555")), ("heal", dict(ls=":", color="#8c564b"))):
        times = ev.loc[ev["event"] == e, "time_s"]
        for j, t in enumerate(times):
            ax.axvline(t, lw=1.5, label=f"{e} ({len(times)})" if j == 0 else None, **style)
    alive = ev["detail"].str.contains("(alive)", regex=False)
    for rows, title, marker, colour, size in (
            ((ev["event"] == "suspect") & ~alive, "suspected, down", "v", "#ff7f0e", 30),
            ((ev["event"] == "suspect") & alive, "suspected, alive (false)", "v", "#e377c2", 30),
            (ev["event"] == "trust", "trusted again", "^", "#17becf", 20)):
        if rows.any():  # just above (suspicions) or below (trusts) the lane of the peer
            offset = -0.28 if title == "trusted again" else 0.28
            ax.scatter(ev.loc[rows, "time_s"], peers[rows] + offset, marker=marker, s=size,
                       color=colour, label=f"{title} ({rows.sum()})", zorder=3)
    rows = ev["event"] == "catchup"
    if rows.any():
        ax.scatter(ev.loc[rows, "time_s"], ev.loc[rows, "node"], marker="D", s=25,
                   color="#1f77b4", label=f"catch-up ({rows.sum()})", zorder=3)
    rows = ev["event"] == "violation"
    if rows.any():
        ax.scatter(ev.loc[rows, "time_s"], ev.loc[rows, "node"].fillna(-1), marker="*", s=120,
                   color="black", label=f"violation ({rows.sum()})", zorder=4)
    when = oc["decided_s"].fillna(oc["submitted_s"])
    for o in OUTCOMES:
        rows = oc["outcome"] == o
        if rows.any():
            colour, marker = OUTCOME_STYLE[o]
            ax.scatter(when[rows], [-1] * int(rows.sum()), marker=marker, s=16, color=colour,
                       label=f"{o} ({rows.sum()})", zorder=3)
    step = 1 if nodes <= 24 else math.ceil(nodes / 24)
    ax.set_yticks([-1] + list(range(0, nodes, step)))
    ax.set_yticklabels(["outcomes"] + [f"node {n}" for n in range(0, nodes, step)])
    ax.set_ylim(-1.7, nodes - 0.3)
    ax.set_xlim(0, end)
    ax.grid(True, axis="x", alpha=0.3)
    ax.set_xlabel("simulated time (s)")
    ax.set_title(f"Timeline of {os.path.basename(os.path.abspath(folder))}: crashes, suspicions and outcomes")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", frameon=False)
    return fig


DRAW = {"approval": fig_approval, "latency_cdf": fig_latency_cdf, "heatmap": fig_heatmap,
        "timeline": fig_timeline}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", help="a run or sweep folder (see README.md for what each figure reads)")
    ap.add_argument("-o", "--out", help="folder for NAME.png and NAME.svg (default: DIR)")
    ap.add_argument("--figure", action="append", choices=FIGURES,
                    help="draw this figure (repeatable); default: every one whose input exists")
    args = ap.parse_args(argv)
    out = args.out or args.dir
    if not os.path.isdir(args.dir):
        print(f"plots.py: {args.dir}: not a folder", file=sys.stderr)
        return 1

    asked = args.figure or list(FIGURES)
    made, failed = 0, 0
    for name in dict.fromkeys(asked):
        try:
            fig = DRAW[name](args.dir)
        except NoMatplotlib:
            print("plots.py needs matplotlib (Debian: apt-get install python3-matplotlib)",
                  file=sys.stderr)
            return 1
        except InputError as e:
            if args.figure:
                print(f"plots.py: {name}: {e}", file=sys.stderr)
                failed += 1
            else:
                print(f"plots.py: skipped {name}: {e}", file=sys.stderr)
            continue
        fig.tight_layout()
        os.makedirs(out, exist_ok=True)
        for fmt in ("png", "svg"):
            path = os.path.join(out, f"{name}.{fmt}")
            fig.savefig(path, dpi=100, metadata={"Date": None} if fmt == "svg" else None)
            print(f"wrote {path}")
        pyplot().close(fig)
        made += 1
    if failed or not made:
        if not made and not failed:
            print(f"plots.py: no figure could be drawn from {args.dir}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

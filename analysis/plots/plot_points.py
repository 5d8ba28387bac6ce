#!/usr/bin/env python3
"""Plot approval_rate against consensus.approval, one line per cluster.nodes, with the 95%
confidence interval of every point as error bars. Reads a sweep's points.csv only (pandas,
matplotlib; no network).

    python3 analysis/plots/plot_points.py out/sweep-approval-nodes-sweep/points.csv -o approval.png

Options pick other columns: --x KEY (a swept key), --group KEY (one line per value, or
"" for a single line), --metric NAME (any metric; its NAME_mean/_ci95_lo/_ci95_hi columns).
With --closed-form it also draws P[Bin(n, p) >= q], the exact approval probability without
faults, for comparison: q is the points' `quorum` column (a majority, n//2 + 1, when the
file has none); a group whose points have several quorums, or faults, gets no curve (a
note on stderr says so).
"""
import argparse
import math
import sys

import pandas as pd


def binomial_tail(n, p, q):
    """P[Bin(n, p) >= q]."""
    return sum(math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(q, n + 1))


def fail(message):
    """Bad input: the message on stderr, exit status 2 (as atlas-sim)."""
    print(f"plot_points.py: {message}", file=sys.stderr)
    sys.exit(2)


def main(argv=None):
    ap = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=type(
            "Help", (argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter), {}
        ),
        epilog="Exit status: 0 written; 2 bad usage, a missing column or an unreadable file.",
    )
    ap.add_argument("points", help="points.csv of a sweep (or of atlas-sim analyze -o)")
    ap.add_argument("-o", "--output", default="approval.png", help="image file (png, svg, pdf)")
    ap.add_argument("--x", default="consensus.approval", help="swept key on the x axis")
    ap.add_argument("--group", default="cluster.nodes", help="one line per value of this key")
    ap.add_argument("--metric", default="approval_rate", help="metric on the y axis")
    ap.add_argument("--closed-form", action="store_true",
                    help="overlay the binomial tail P[Bin(n, p) >= quorum] (no faults)")
    args = ap.parse_args(argv)

    import matplotlib

    matplotlib.use("Agg")  # files only: works without a display
    import matplotlib.pyplot as plt

    try:
        df = pd.read_csv(args.points, na_values=["NA"])
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        fail(f"{args.points}: {e.strerror if isinstance(e, OSError) else e}")
    mean, lo, hi = (f"{args.metric}_{s}" for s in ("mean", "ci95_lo", "ci95_hi"))
    for col in (args.x, mean, lo, hi) + ((args.group,) if args.group else ()):
        if col not in df.columns:
            fail(f"{args.points}: no column '{col}'")

    fig, ax = plt.subplots(figsize=(9, 6))
    groups = df.groupby(args.group) if args.group else [("all", df)]
    for key, g in groups:
        if pd.api.types.is_numeric_dtype(g[args.x]):
            g = g.sort_values(args.x)  # text values (100ms, 1s) keep the sweep's order
        err = [g[mean] - g[lo], g[hi] - g[mean]]
        line = ax.errorbar(g[args.x], g[mean], yerr=err, marker="o", ms=3, capsize=2,
                           label=f"{args.group}={key}" if args.group else args.metric)
        if args.closed_form and args.group == "cluster.nodes":
            n = int(key)
            quorums = set(g["quorum"]) if "quorum" in g.columns else {n // 2 + 1}
            if len(quorums) != 1 or ("faults" in g.columns and (g["faults"] != 0).any()):
                print(f"plot_points.py: no closed form for {args.group}={key}: the points have "
                      "several quorums or faults", file=sys.stderr)
                continue
            q = int(quorums.pop())
            xs = [i / 200 for i in range(int(g[args.x].min() * 200), int(g[args.x].max() * 200) + 1)]
            ax.plot(xs, [binomial_tail(n, p, q) for p in xs], ls=":", lw=1,
                    color=line[0].get_color())
    ax.set_xlabel(args.x)
    ax.set_ylabel(f"{args.metric} (mean, 95% CI)")
    ax.grid(True, alpha=0.3)
    ax.legend(title=None, fontsize="small")
    fig.tight_layout()
    fig.savefig(args.output)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()

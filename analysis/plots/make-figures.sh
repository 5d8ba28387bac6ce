#!/usr/bin/env bash
# make-figures.sh: regenerate the README's figures (analysis/figures/NAME.png and .svg) from
# the shipped scenarios, in one command, from the repository root or anywhere:
#
#   cmake --workflow --preset release && analysis/plots/make-figures.sh
#
# What it runs (scratch output in $WORK, default out/make-figures, replaced each time):
#   approval, heatmap  atlas-sim sweep scenarios/sweep-approval-nodes.yaml (2,100 runs), then
#                      atlas-sim analyze --csv, then approval.gp and heatmap.gp
#   latency_cdf        atlas-sim run of wan-lognormal (and the same with
#                      network.latency.sigma=0.2, as its header suggests), lossy-heartbeats and
#                      crash-recovery, one folder each under $WORK/scenarios, then latency_cdf.gp
#   timeline           timeline.gp on the crash-recovery run
# Environment: ATLAS_SIM (the binary, default build/release/atlas-sim), WORK, JOBS (sweep
# workers, default 2), FIGURES (where the figures go, default analysis/figures; the tests
# use a scratch folder). Needs gnuplot (apt-get install gnuplot-nox). Fails (exit 1) if any
# step fails or a PNG reaches 200 KB (the figures are committed). The same binary and the
# same gnuplot give the same files byte for byte.
set -euo pipefail
cd "$(dirname "$0")/../.."

sim=${ATLAS_SIM:-build/release/atlas-sim}
work=${WORK:-out/make-figures}
jobs=${JOBS:-2}
figures=${FIGURES:-analysis/figures}
plots=analysis/plots

if [ ! -x "$sim" ]; then
  echo "make-figures.sh: $sim not found; build it with 'cmake --workflow --preset release'" \
    "or set ATLAS_SIM" >&2
  exit 1
fi
if ! command -v gnuplot >/dev/null; then
  echo "make-figures.sh: gnuplot is not installed (apt-get install gnuplot-nox)" >&2
  exit 1
fi

rm -rf "$work"
mkdir -p "$work/scenarios" "$figures"

plot() { # plot SCRIPT DIR: figures/SCRIPT.png and .svg from DIR
  gnuplot -e "dir='$2'" -e "out='$figures'" "$plots/$1.gp"
  echo "wrote $figures/$1.png, $figures/$1.svg (from $2)"
}

"$sim" sweep scenarios/sweep-approval-nodes.yaml -o "$work/sweep-approval-nodes" -j "$jobs"
"$sim" analyze "$work/sweep-approval-nodes" --csv --quiet
plot approval "$work/sweep-approval-nodes"
plot heatmap "$work/sweep-approval-nodes"

for s in wan-lognormal lossy-heartbeats crash-recovery; do
  "$sim" run "scenarios/$s.yaml" -o "$work/scenarios/$s" --quiet
done
"$sim" run scenarios/wan-lognormal.yaml -o "$work/scenarios/wan-lognormal-sigma0.2" --quiet \
  --set network.latency.sigma=0.2
plot latency_cdf "$work/scenarios"
plot timeline "$work/scenarios/crash-recovery"

status=0
for f in "$figures"/*.png; do
  size=$(stat -c %s "$f")
  if [ "$size" -ge 204800 ]; then
    echo "make-figures.sh: $f is $size bytes (limit 200 KB)" >&2
    status=1
  fi
done
exit $status

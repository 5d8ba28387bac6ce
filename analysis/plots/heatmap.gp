# heatmap.gp: approval rate over (approval probability, node count), one cell per point,
# each labelled with its rate. Reads DIR/analysis.csv only (written by
# `atlas-sim analyze DIR --csv`); columns are found by name.
#
#   gnuplot -e "dir='out/approval'" -e "out='figures'" analysis/plots/heatmap.gp
#
# writes OUT/heatmap.png and OUT/heatmap.svg (out defaults to dir). The cell size is the
# smallest step between consecutive rows' values (the sweep's grid step); rows whose
# approval or node count is NA are left out; when other keys are swept too, several rows
# share a cell and the last one drawn shows (plot those with approval.gp or plots.py).
# Exit status 1, with a message on stderr and no file written, when DIR/analysis.csv is
# missing or has no usable row.
if (!exists("W")) W = 900
if (!exists("H")) H = 600
load system(sprintf("dirname '%s'", ARG0)) . "/common.gp"

csv = dir . "/analysis.csv"
if (!readable(csv)) {
    print sprintf('heatmap.gp: %s not found; run "atlas-sim analyze %s --csv" first', csv, dir)
    exit status 1
}

# Ranges, the grid steps (smallest non-zero change between consecutive rows) and the node
# counts in order of appearance, over the rows that have all three values.
NODES = " "
have(n) = strstrt(NODES, sprintf(" %d ", n)) > 0
ok(p, n, r) = p == p && n == n && r == r
step(d, s) = d > 1e-12 && (s != s || d < s) ? d : s
rows = 0
RMIN = NaN
PMIN = NaN; PMAX = NaN; NMIN = NaN; NMAX = NaN
DP = NaN; DN = NaN; lastp = NaN; lastn = NaN
stats csv using (p = column("approval"), n = column("nodes"), r = column("approval_rate"), \
                 ok(p, n, r) ? (rows = rows + 1, RMIN = RMIN == RMIN && RMIN < r ? RMIN : r, \
                     PMIN = PMIN == PMIN && PMIN < p ? PMIN : p, PMAX = PMAX == PMAX && PMAX > p ? PMAX : p, \
                     NMIN = NMIN == NMIN && NMIN < n ? NMIN : n, NMAX = NMAX == NMAX && NMAX > n ? NMAX : n, \
                     DP = step(abs(p - lastp), DP), DN = step(abs(n - lastn), DN), lastp = p, lastn = n, \
                     NODES = have(n) ? NODES : NODES . sprintf("%d ", n)) : 0, 0) nooutput
if (rows == 0) {
    print sprintf("heatmap.gp: %s has no row with approval, nodes and approval_rate", csv)
    exit status 1
}
if (DP != DP) { DP = 0.1 }
if (DN != DN) { DN = 2 }

set title sprintf("Approval rate over (approval probability, nodes) (%s)", basename(dir)) noenhanced
set xlabel "approval probability p (P[YES] per voter)"
set ylabel "nodes"
set cblabel "approval rate"
set xrange [PMIN - DP / 2 : PMAX + DP / 2]
set yrange [NMIN - DN / 2 : NMAX + DN / 2]
set ytics ()
do for [w in NODES] { set ytics add (w w + 0) }
set xtics PMIN, DP, PMAX
set tics out nomirror
set palette defined (0 "#440154", 0.25 "#3b528b", 0.5 "#21908d", 0.75 "#5dc963", 1 "#fde725")
CBMIN = RMIN < 1 ? RMIN : 0
set cbrange [CBMIN:1]
set style fill solid 1.0 noborder
unset key

label(r) = sprintf("%.3f", r)
# A row whose rate is NA (no proposal) gets no label: its y is NaN (was a "nan" label drawn
# over the cell of another row).
y_if_rate(y, r) = r == r ? y : NaN
ink(r) = r - CBMIN > 0.55 * (1 - CBMIN) ? 0x000000 : 0xffffff # dark text on light cells

do for [fmt in "png svg"] {
    eval TERM(fmt)
    set output output("heatmap", fmt)
    plot csv using "approval":"nodes":(DP / 2):(DN / 2):"approval_rate" with boxxyerror fc palette, \
         csv using "approval":(y_if_rate(column("nodes"), column("approval_rate"))):(label(column("approval_rate"))):(ink(column("approval_rate"))) \
             with labels tc rgb variable font ",8"
    unset output
}

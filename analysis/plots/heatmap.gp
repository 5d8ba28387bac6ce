# heatmap.gp: approval rate over (approval probability, node count), one cell per point,
# each labelled with its rate. Reads DIR/analysis.csv only (written by
# `atlas-sim analyze DIR --csv`); columns are found by name.
#
#   gnuplot -e "dir='out/approval'" -e "out='figures'" analysis/plots/heatmap.gp
#
# writes OUT/heatmap.png and OUT/heatmap.svg (out defaults to dir). Columns and rows are
# the distinct approval probabilities and node counts in order, evenly spaced whatever the
# steps between them; rows whose approval or node count is NA are left out; when other keys are swept too, several rows
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

# The distinct approval probabilities and node counts, sorted (smooth unique), become the
# columns and rows of an evenly spaced grid: uneven value lists (0.5, 0.6, 0.9; 3, 5, 11)
# get no blank columns or rows between their values.
set yrange [0:2] # the tables' y is a constant 1: no "empty y range" warning
set table $PV
plot csv using "approval":(column("nodes") == column("nodes") ? 1 : NaN) smooth unique
set table $NV
plot csv using "nodes":(column("approval") == column("approval") ? 1 : NaN) smooth unique
unset table
set datafile separator whitespace
set datafile nocolumnheaders
PV = " "
NV = " "
stats $PV using (PV = PV . sprintf("%.12g ", $1), 0) nooutput
stats $NV using (NV = NV . sprintf("%.12g ", $1), 0) nooutput
set datafile separator ","
set datafile columnheaders
# The 0-based position of v in a list " a b c " (NaN if absent).
pos(v, L) = (s = strstrt(L, sprintf(" %.12g ", v)), s > 0 ? words(L[1:s]) : NaN)
ok(p, n, r) = p == p && n == n && r == r
rows = 0
RMIN = NaN
stats csv using (p = column("approval"), n = column("nodes"), r = column("approval_rate"), \
                 ok(p, n, r) ? (rows = rows + 1, RMIN = RMIN == RMIN && RMIN < r ? RMIN : r) : 0, 0) nooutput
if (rows == 0) {
    print sprintf("heatmap.gp: %s has no row with approval, nodes and approval_rate", csv)
    exit status 1
}
NP = words(PV)
NN = words(NV)

set title sprintf("Approval rate over (approval probability, nodes) (%s)", basename(dir)) noenhanced
set xlabel "approval probability p (P[YES] per voter)"
set ylabel "nodes"
set cblabel "approval rate"
set xrange [-0.5 : NP - 0.5]
set yrange [-0.5 : NN - 0.5]
set xtics ()
do for [i = 1:NP] { set xtics add (word(PV, i) i - 1) }
set ytics ()
do for [i = 1:NN] { set ytics add (word(NV, i) i - 1) }
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
    plot csv using (pos(column("approval"), PV)):(pos(column("nodes"), NV)):(0.5):(0.5):"approval_rate" \
             with boxxyerror fc palette, \
         csv using (pos(column("approval"), PV)):(y_if_rate(pos(column("nodes"), NV), column("approval_rate"))):(label(column("approval_rate"))):(ink(column("approval_rate"))) \
             with labels tc rgb variable font ",8"
    unset output
}

# approval.gp: approval rate against the approval probability, one colour per node count
# (and quorum, when several are swept), with the 95% Wilson interval of every point as error
# bars and, where the scenario has no faults, the closed form P[Bin(n, p) >= q] drawn as a
# curve. Reads DIR/analysis.csv only (written by `atlas-sim analyze DIR --csv`); columns
# are found by name.
#
#   gnuplot -e "dir='out/approval'" -e "out='figures'" analysis/plots/approval.gp
#
# writes OUT/approval.png and OUT/approval.svg (out defaults to dir). Rows whose approval
# is NA (per-node approval overrides) are left out. Exit status 1, with a message on
# stderr and no file written, when DIR/analysis.csv is missing or has no usable row.
if (!exists("W")) W = 900
if (!exists("H")) H = 600
load system(sprintf("dirname '%s'", ARG0)) . "/common.gp"

csv = dir . "/analysis.csv"
if (!readable(csv)) {
    print sprintf('approval.gp: %s not found; run "atlas-sim analyze %s --csv" first', csv, dir)
    exit status 1
}

# Groups: (node count, quorum) pairs in order of appearance (" 3/2 5/3 "), from rows with
# an approval probability; a sweep of cluster.quorum gives a group per quorum.
GROUPS = " "
key(n, q) = sprintf("%d/%d", n, q)
have(k) = strstrt(GROUPS, " " . k . " ") > 0
stats csv using (n = column("nodes"), q = column("quorum"), p = column("approval"), \
                 GROUPS = (n == n && q == q && p == p && !have(key(n, q))) ? GROUPS . key(n, q) . " " : GROUPS, \
                 0) nooutput
K = words(GROUPS)
if (K == 0) {
    print sprintf("approval.gp: %s has no row with nodes, quorum and approval", csv)
    exit status 1
}
group(n, q) = n == n && q == q ? sum [j = 1:K] (word(GROUPS, j) eq key(n, q) ? j : 0) : 0
gn(i) = (w = word(GROUPS, i), w[1:strstrt(w, "/") - 1] + 0)
gq(i) = (w = word(GROUPS, i), w[strstrt(w, "/") + 1:] + 0)

# Per group: the approval range of the rows that have a closed form (NaN: none).
array XL[K]
array XH[K]
do for [i = 1:K] { XL[i] = NaN; XH[i] = NaN }
lower(a, b) = a == a && a < b ? a : b
upper(a, b) = a == a && a > b ? a : b
stats csv using (i = group(column("nodes"), column("quorum")), e = column("expected_approval"), \
                 p = column("approval"), \
                 (i > 0 && e == e) ? (XL[i] = lower(XL[i], p), XH[i] = upper(XH[i], p)) : 0, 0) nooutput

# P[Bin(n, p) >= q], the chance that at least q of the n voters (the proposer included)
# say YES, each independently with probability p.
comb(n, k) = exp(lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1))
tail(n, p, q) = sum [k = int(q):int(n)] comb(n, k) * p**k * (1 - p)**(n - k)
curve(x, i) = XL[i] == XL[i] && x >= XL[i] - 1e-9 && x <= XH[i] + 1e-9 ? tail(gn(i), x, gq(i)) : NaN

# The rows of each group as one block of $G (index i-1): lines join a group's points in
# file order without crossing into another group.
$G << EOD
EOD
do for [i = 1:K] {
    set table $G append
    plot csv using "approval":"approval_rate":"approval_ci95_lo":"approval_ci95_hi" \
        with table if (group(column("nodes"), column("quorum")) == i && column("approval") == column("approval"))
    unset table
    set print $G append
    print ""
    print ""
    unset print
}
set datafile separator whitespace
set datafile nocolumnheaders

closed = 0
do for [i = 1:K] { closed = closed || XL[i] == XL[i] }

set title sprintf("Approval rate vs. approval probability (%s)", basename(dir)) noenhanced
set xlabel "approval probability p (P[YES] per voter)"
set ylabel "approval rate (approved / proposals, 95% Wilson CI)"
set key left top title "nodes (quorum)" reverse Left
set grid
set yrange [*:1.02]
set offsets graph 0.02, graph 0.02, 0, 0
set samples 300

do for [fmt in "png svg"] {
    eval TERM(fmt)
    set output output("approval", fmt)
    # With curves, the measured points stand alone; without, dotted lines join them.
    plot for [i = 1:K] $G index (i - 1) using 1:2:3:4 with yerrorbars lc i pt 7 ps 0.6 lw 1 \
             title sprintf("%d (%d)", gn(i), gq(i)), \
         for [i = 1:(closed ? 0 : K)] $G index (i - 1) using 1:2 with lines lc i dt 3 notitle, \
         for [i = 1:(closed ? K : 0)] curve(x, i) with lines lc i lw 1.5 notitle, \
         NaN with lines lc "black" lw 1.5 title (closed ? "P[Bin(n,p) ≥ q]" : "")
    unset output
}

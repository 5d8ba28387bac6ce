# Approval rate against consensus.approval, one curve per cluster.nodes, with the 95%
# (Wilson) confidence interval of every point as error bars. Reads points.csv only.
#
#   gnuplot -e "points='out/sweep-approval-nodes-sweep/points.csv'" \
#           -e "out='approval.png'" analysis/approval.gp
#
# Variables (all optional): points (default points.csv), out (default approval.png; a name
# ending in .svg writes SVG), nodes (every swept cluster size in sweep order, default
# "3 5 7 9 11 13 15", as in scenarios/sweep-approval-nodes.yaml).
if (!exists("points")) points = "points.csv"
if (!exists("out")) out = "approval.png"
if (!exists("nodes")) nodes = "3 5 7 9 11 13 15"

if (out[strlen(out)-3:] eq "svg") {
    set terminal svg size 900,600 dynamic
} else {
    set terminal pngcairo size 900,600
}
set output out

set datafile separator ","
set datafile missing "NA"
set datafile columnheaders
set title "Proposals approved vs. approval probability (95% Wilson CI)"
set xlabel "consensus.approval (P[YES] per voter)"
set ylabel "approval rate"
set key left top title "cluster.nodes"
set grid
set yrange [0:1.05]

# points.csv lists the points with the last swept key (cluster.nodes) varying fastest, so
# the rows of the i-th cluster size are rows i, i + K, i + 2K, ... (K sizes): `every`.
K = words(nodes)
plot for [i=1:K] points \
     using "consensus.approval":"approval_rate_mean":"approval_rate_ci95_lo":"approval_rate_ci95_hi" \
     every K::(i-1) with yerrorlines title word(nodes, i)

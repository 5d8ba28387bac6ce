# metric.gp: any metric against any swept key: the mean over a point's runs with its
# Student-t 95% interval as error bars, one line per value of a second swept key (group)
# or a single line. Reads DIR/analysis.csv only (written by `atlas-sim analyze DIR --csv
# --metric NAME`, which adds NAME_mean, NAME_ci95_lo and NAME_ci95_hi); columns by name.
#
#   gnuplot -e "dir='out/sweep'" -e "metric='decision_p99_s'" -e "xkey='cluster.nodes'" \
#           [-e "group='consensus.approval'"] [-e "name='metric_decision_p99_s'"] \
#           analysis/plots/metric.gp
#
# writes OUT/NAME.png and OUT/NAME.svg (name defaults to metric_METRIC). The x axis has one
# place per distinct value of xkey in order of appearance (the sweep's order), so text values
# (100ms, 1s) and uneven steps plot as they were swept. Rows whose mean is NA are left out;
# when other keys are swept too, several rows share an x and a line (plot those with a
# group). Intervals are cut at 0: no metric of summary.csv is negative. Exit status 1,
# with a message on stderr and no file written, when analysis.csv or
# a column is missing, or no row has a mean.
if (!exists("W")) W = 900
if (!exists("H")) H = 600
load system(sprintf("dirname '%s'", ARG0)) . "/common.gp"
if (!exists("group")) group = ""
if (!exists("name")) name = "metric_" . metric

csv = dir . "/analysis.csv"
if (!readable(csv)) {
    print sprintf('metric.gp: %s not found; run "atlas-sim analyze %s --csv --metric %s" first', \
                  csv, dir, metric)
    exit status 1
}
header = system(sprintf("head -n 1 '%s'", csv))
has(col) = strstrt("," . header . ",", "," . col . ",") > 0
do for [col in sprintf("%s %s_mean %s_ci95_lo %s_ci95_hi", xkey, metric, metric, metric)] {
    if (!has(col)) {
        print sprintf("metric.gp: %s has no column %s (analyze with --metric %s)", csv, col, metric)
        exit status 1
    }
}
if (group ne "" && !has(group)) {
    print sprintf("metric.gp: %s has no column %s", csv, group)
    exit status 1
}

# Distinct values, in order of appearance, as word lists of double-quoted words.
XV = ""
GV = ""
q(s) = '"' . s . '"'
inlist(L, s) = strstrt(L, q(s)) > 0
M = metric . "_mean"
stats csv using (v = strcol(xkey), XV = inlist(XV, v) ? XV : XV . " " . q(v), \
                 g = group eq "" ? "all" : strcol(group), GV = inlist(GV, g) ? GV : GV . " " . q(g), \
                 0) nooutput
pos(L, s) = (p = strstrt(L, q(s)), p > 0 ? words(L[1:p]) - 1 : NaN) # 0-based
NX = words(XV)
NG = words(GV)

# One block per group: xkey place, mean, low, high (rows without a mean left out).
$D << EOD
EOD
set yrange [*:*]
do for [i = 1:NG] {
    set table $D append
    plot csv using (pos(XV, strcol(xkey))):((group eq "" || strcol(group) eq word(GV, i)) ? column(M) : NaN): \
                   (column(metric . "_ci95_lo")):(column(metric . "_ci95_hi")) with table
    unset table
    set print $D append
    print ""
    print ""
    unset print
}
set datafile separator whitespace
set datafile nocolumnheaders
undefine STATS_*
stats $D using 2 nooutput
if (!exists("STATS_records") || STATS_records == 0) {
    print sprintf("metric.gp: no row of %s has a value of %s_mean", csv, metric)
    exit status 1
}

if (STATS_min == STATS_max) { # one value: a range around it (no "empty y range" warning)
    PAD = abs(STATS_min) > 0 ? abs(STATS_min) * 0.1 : 1
    set yrange [STATS_min - PAD : STATS_max + PAD]
}
set title sprintf("%s against %s (%s; mean and 95%% interval over the runs)", metric, xkey, \
                  basename(dir)) noenhanced
set xlabel xkey noenhanced
set ylabel metric noenhanced
set xrange [-0.5 : NX - 0.5]
set xtics ()
do for [i = 1:NX] { set xtics add (word(XV, i) i - 1) }
set grid ytics
set key outside right top title (group eq "" ? "" : group) noenhanced
set offsets 0, 0, graph 0.05, graph 0.05

do for [fmt in "png svg"] {
    eval TERM(fmt)
    set output output(name, fmt)
    # An interval that is NA (one run) draws the mean alone; no metric is negative, so an
    # interval is cut at 0 (a t interval over few runs of a p99 reached below it).
    plot for [i = 1:NG] $D index (i - 1) using 1:2:($3 == $3 ? ($3 > 0 ? $3 : 0) : $2):($4 == $4 ? $4 : $2) \
             with yerrorlines lc i lw 2 pt 7 title (group eq "" ? "" : word(GV, i)) noenhanced
    unset output
}

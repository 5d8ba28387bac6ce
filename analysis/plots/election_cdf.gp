# election_cdf.gp: the empirical distribution (CDF) of the time a cluster spends without a
# leader after its leader crashes: elections.csv's downtime_s, over the won elections that
# followed a crash (the Raft paper's Figure 16, "time without leader", with its log x axis
# in milliseconds), one curve per scenario. Reads elections.csv only
# (written for leader-based protocols such as Raft); columns are found by name.
#
#   gnuplot -e "dir='out/figure16'" -e "out='figures'" analysis/plots/election_cdf.gp
#
# writes OUT/election_cdf.png and OUT/election_cdf.svg (out defaults to dir). DIR is one of
#   - a run folder (DIR/elections.csv): one curve;
#   - a sweep folder run with --traces (DIR/runs/RUN/elections.csv): one curve, every run
#     pooled;
#   - a folder of such folders (DIR/NAME/...): one curve per NAME, in name order (C locale;
#     a leading two-digit "NN " orders the curves and is not shown); runs/RUN may be symbolic
#     links, which is how `atlas-sim analyze --plot` draws one curve per sweep point.
# The legend gives each curve's number of trials. Exit status 1, with a message on stderr and
# no file written, when no elections.csv is found or none has a won election after a crash.
if (!exists("W")) W = 900
if (!exists("H")) H = 600
load system(sprintf("dirname '%s'", ARG0)) . "/common.gp"

RUNS = "'%s'/runs -mindepth 2 -maxdepth 2 -name elections.csv"
has_runs(f) = system(sprintf('find -L ' . RUNS . ' -print 2>/dev/null | head -n 1', f)) ne ""
source(f) = readable(f . "/elections.csv") ? f . "/elections.csv" : \
    has_runs(f) ? sprintf('< find -L ' . RUNS . ' -print0 | LC_ALL=C sort -z | xargs -0 awk ''FNR > 1 || NR == 1''', f) : ""

if (source(dir) ne "") {
    NAMES = "."
} else {
    NAMES = system(sprintf('cd ''%s'' 2>/dev/null && export LC_ALL=C && for d in */; do ' . \
        'if [ -r "$d/elections.csv" ] || [ -n "$(find -L "$d"runs -mindepth 2 -maxdepth 2 ' . \
        '-name elections.csv -print 2>/dev/null | head -n 1)" ]; then ' . \
        'printf "%%s\n" "${d%%/}"; fi; done | sort | sed ''s/.*/"&"/'' | tr "\n" " "', dir))
}
K = words(NAMES)
if (K == 0) {
    print sprintf("election_cdf.gp: no elections.csv in %s, %s/runs/*/ or %s/*/", dir, dir, dir)
    exit status 1
}
folder(i) = word(NAMES, i) eq "." ? dir : dir . "/" . word(NAMES, i)
digit(c) = strlen(c) == 1 && strstrt("0123456789", c) > 0
unnumbered(s) = strlen(s) > 3 && digit(s[1:1]) && digit(s[2:2]) && s[3:3] eq " " ? s[4:] : s
# A sweep of whole consensus.raft sections (scenarios/raft-figure16.yaml) is labelled by its
# timeout range and heartbeat interval, as the paper's legend: "150ms-155ms (heartbeat 75ms)";
# one of consensus.multi-paxos sections by the section itself.
SHORT = 's/^consensus[.]raft=//; s/^consensus[.]multi-paxos=//; ' . \
        's/^{election_timeout: {dist: uniform, min: \([^,]*\), ' . \
        'max: \([^}]*\)}, heartbeat_interval: \([^}]*\)}$/\1-\2 (heartbeat \3)/'
short(s) = system(sprintf("printf '%%s' '%s' | sed '%s'", s, SHORT))
name(i) = word(NAMES, i) eq "." ? basename(dir) : short(unnumbered(word(NAMES, i)))

# The downtimes of each folder (ms) as one block of $L (index i-1).
$L << EOD
EOD
do for [i = 1:K] {
    set print $L append
    print "NaN NaN" # keeps an empty block (no trial) a block of its own
    unset print
    set table $L append
    plot source(folder(i)) using (1000 * column("downtime_s")):(1) with table \
        if (strcol("result") eq "won" && column("downtime_s") == column("downtime_s"))
    unset table
    set print $L append
    print ""
    print ""
    unset print
}
set datafile separator whitespace
set datafile nocolumnheaders

array N[K]
LMIN = NaN
LMAX = NaN
do for [i = 1:K] {
    undefine STATS_*
    stats $L index (i - 1) using 1 nooutput
    N[i] = exists("STATS_records") ? STATS_records : 0
    if (N[i] > 0) {
        LMIN = LMIN == LMIN && LMIN < STATS_min ? LMIN : STATS_min
        LMAX = LMAX == LMAX && LMAX > STATS_max ? LMAX : STATS_max
    }
}
if (LMIN != LMIN) {
    print sprintf("election_cdf.gp: no won election after a leader crash under %s", dir)
    exit status 1
}

if (!exists("name")) name = basename(dir)
set title sprintf("Time without a leader after the leader crashes (%s)", name) noenhanced
set xlabel "time without leader (ms)"
set ylabel "cumulative fraction of trials"
set yrange [0:1.02]
set key left top reverse Left
set grid xtics mxtics ytics
if (LMIN > 0) {
    set logscale x 10
    set format x "%g"
    set xtics ()
    do for [e = -3:7] { set xtics add (10.0**e, 2 * 10.0**e, 5 * 10.0**e) }
    set xrange [LMIN / 1.25 : LMAX * 1.25]
} else {
    set offsets graph 0.02, graph 0.02, 0, 0
}

do for [fmt in "png svg"] {
    eval TERM(fmt)
    set output output("election_cdf", fmt)
    plot for [i = 1:K] $L index (i - 1) using 1:(N[i] > 0 ? $2 : NaN) smooth cnormal \
             with steps lc i lw 2 title sprintf("%s (%d)", name(i), N[i]) noenhanced
    unset output
}

# latency_cdf.gp: the empirical distribution (CDF) of commit latency, decided_s -
# submitted_s over the approved proposals of outcomes.csv (summary.csv's commit_*_s), one
# curve per scenario. Rejected and timed-out proposals are left out: a timeout's time is
# the vote deadline, which would pile up as a step at vote_timeout. Reads outcomes.csv only; columns are found by name.
#
#   gnuplot -e "dir='out/make-figures/scenarios'" -e "out='figures'" analysis/plots/latency_cdf.gp
#
# writes OUT/latency_cdf.png and OUT/latency_cdf.svg (out defaults to dir). DIR is one of
#   - a run folder (DIR/outcomes.csv): one curve;
#   - a sweep folder run with --traces (DIR/runs/RUN/outcomes.csv): one curve, every run
#     pooled;
#   - a folder of such folders (DIR/NAME/...): one curve per NAME, in name order (C locale;
#     a NAME may contain spaces, not double quotes); runs/RUN may be symbolic links, which is
#     how `atlas-sim analyze --plot` draws one curve per sweep point (or per --by value).
# The legend gives each curve's number of proposals. The x axis is logarithmic when every
# latency is positive. Exit status 1, with a message on stderr and no file written, when no
# outcomes.csv is found or none has a decided proposal.
if (!exists("W")) W = 900
if (!exists("H")) H = 600
load system(sprintf("dirname '%s'", ARG0)) . "/common.gp"

# A folder with outcomes: its outcomes.csv, or every runs/RUN/outcomes.csv under one header
# (find | xargs: no argument-list limit for big sweeps; a header line repeated by a second
# awk is not a decided row, so it is dropped like any other).
RUNS = "'%s'/runs -mindepth 2 -maxdepth 2 -name outcomes.csv"
has_runs(f) = system(sprintf('find -L ' . RUNS . ' -print 2>/dev/null | head -n 1', f)) ne ""
source(f) = readable(f . "/outcomes.csv") ? f . "/outcomes.csv" : \
    has_runs(f) ? sprintf('< find -L ' . RUNS . ' -print0 | LC_ALL=C sort -z | xargs -0 awk ''FNR > 1 || NR == 1''', f) : ""

if (source(dir) ne "") {
    NAMES = "."
} else {
    NAMES = system(sprintf('cd ''%s'' 2>/dev/null && export LC_ALL=C && for d in */; do ' . \
        'if [ -r "$d/outcomes.csv" ] || [ -n "$(find -L "$d"runs -mindepth 2 -maxdepth 2 ' . \
        '-name outcomes.csv -print 2>/dev/null | head -n 1)" ]; then ' . \
        'printf "%%s\n" "${d%%/}"; fi; done | sort | sed ''s/.*/"&"/'' | tr "\n" " "', dir))
}
K = words(NAMES)
if (K == 0) {
    print sprintf("latency_cdf.gp: no outcomes.csv in %s, %s/runs/*/ or %s/*/", dir, dir, dir)
    exit status 1
}
folder(i) = word(NAMES, i) eq "." ? dir : dir . "/" . word(NAMES, i)
# A leading two-digit "NN " orders the curves (analyze numbers them in sweep order) and is
# not shown.
digit(c) = strlen(c) == 1 && strstrt("0123456789", c) > 0
unnumbered(s) = strlen(s) > 3 && digit(s[1:1]) && digit(s[2:2]) && s[3:3] eq " " ? s[4:] : s
name(i) = word(NAMES, i) eq "." ? basename(dir) : unnumbered(word(NAMES, i))

# The latencies of each folder as one block of $L (index i-1).
decided(o) = o eq "approved"
$L << EOD
EOD
do for [i = 1:K] {
    set table $L append
    plot source(folder(i)) using (column("decided_s") - column("submitted_s")):(1) \
        with table if (decided(strcol("outcome")) && column("decided_s") == column("decided_s"))
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
    print sprintf("latency_cdf.gp: no approved proposal under %s", dir)
    exit status 1
}

if (!exists("name")) name = basename(dir) # analyze passes the sweep's name for its curves
set title sprintf("Commit latency (submit to approval) (%s)", name) noenhanced
set xlabel "commit latency (s)"
set ylabel "fraction of approved proposals ≤ x"
set yrange [0:1.02]
set key right bottom
set grid xtics mxtics ytics
if (LMIN > 0) {
    set logscale x 10
    set format x "%g"
    set xtics () # 1-2-5 steps, seconds
    do for [e = -9:6] { set xtics add (10.0**e, 2 * 10.0**e, 5 * 10.0**e) }
    set xrange [LMIN / 1.25 : LMAX * 1.25]
} else {
    set offsets graph 0.02, graph 0.02, 0, 0
}

do for [fmt in "png svg"] {
    eval TERM(fmt)
    set output output("latency_cdf", fmt)
    # Small samples (50 or fewer) also get a point per proposal.
    plot for [i = 1:K] $L index (i - 1) using 1:(N[i] > 0 ? $2 : NaN) smooth cnormal with steps \
             lc i lw 2 title sprintf("%s (%d)", name(i), N[i]) noenhanced, \
         for [i = 1:K] $L index (i - 1) using 1:(N[i] > 0 && N[i] <= 50 ? $2 : NaN) smooth cnormal \
             with points lc i pt 7 ps 0.7 notitle
    unset output
}

# timeline.gp: one run on a time axis: a lane per node with the time it was down (crash to
# recovery, or to the end of the run), the suspicions and trusts other nodes raised about
# it, catch-ups and checker violations; partitions and heals as vertical lines; and a lane
# of proposal outcomes at their decision time. Reads DIR/events.csv and DIR/outcomes.csv
# (and DIR/summary.csv, when present, for the node count and the run's duration); columns
# are found by name.
#
#   gnuplot -e "dir='out/crash-recovery'" -e "out='figures'" analysis/plots/timeline.gp
#
# writes OUT/timeline.png and OUT/timeline.svg (out defaults to dir). DIR is a run folder
# (`atlas-sim run`), or one run of a sweep run with --traces (DIR = SWEEP/runs/RUN). A
# suspicion is drawn just above the lane of the node suspected (detail peer=N), in its own
# colour when false (detail "peer=N (alive)": the peer was up); a trust just below it.
# Commits are not drawn (there is one per node per approved proposal). Exit status 1, with a
# message on stderr and no file written, when events.csv or outcomes.csv is missing.
if (!exists("W")) W = 1000
if (!exists("H")) H = 560
load system(sprintf("dirname '%s'", ARG0)) . "/common.gp"

ev = dir . "/events.csv"
oc = dir . "/outcomes.csv"
sm = dir . "/summary.csv"
if (!readable(ev) || !readable(oc)) {
    print sprintf("timeline.gp: %s needs events.csv and outcomes.csv (a run folder, or SWEEP/runs/RUN of a sweep run with --traces)", dir)
    exit status 1
}

# Nodes and the end of the run: from summary.csv, else the largest node and time seen.
peer(d) = d[1:5] eq "peer=" ? d[6:] + 0 : NaN
bigger(a, b) = b == b && (a != a || b > a) ? b : a
N = NaN
END = NaN
stats ev using (N = bigger(N, column("node") + 1), N = bigger(N, peer(strcol("detail")) + 1), \
                END = bigger(END, column("time_s")), 0) nooutput
stats oc using (N = bigger(N, column("proposer") + 1), END = bigger(END, column("decided_s")), \
                END = bigger(END, column("submitted_s")), 0) nooutput
if (readable(sm)) {
    stats sm using (N = column("nodes"), END = column("duration_s"), 0) nooutput
}
if (N != N) { N = 1 }
if (END != END || END <= 0) { END = 1 }
N = int(N)

# Down intervals, crash to recovery (or to END): node, from, to, amnesia (0/1).
C = 0
stats ev using (C = C + (strcol("event") eq "crash"), 0) nooutput
array IVN[C + 1]
array IVF[C + 1]
array IVT[C + 1]
array IVA[C + 1]
array DOWN[N]
array AMN[N]
do for [i = 1:C + 1] { IVN[i] = NaN; IVF[i] = NaN; IVT[i] = NaN; IVA[i] = 0 }
do for [i = 1:N] { DOWN[i] = NaN; AMN[i] = 0 }
M = 0
close(n, t) = (M = M + 1, IVN[M] = n, IVF[M] = DOWN[n + 1], IVT[M] = t, IVA[M] = AMN[n + 1], \
               DOWN[n + 1] = NaN, 0)
stats ev using (e = strcol("event"), n = column("node"), t = column("time_s"), \
                n == n && n >= 0 && n < N ? ( \
                    e eq "crash" && DOWN[n + 1] != DOWN[n + 1] ? \
                        (DOWN[n + 1] = t, AMN[n + 1] = strcol("detail") eq "amnesia", 0) : \
                    e eq "recover" && DOWN[n + 1] == DOWN[n + 1] ? close(n, t) : 0) : 0, 0) nooutput
do for [n = 0:N - 1] { if (DOWN[n + 1] == DOWN[n + 1]) { dummy = close(n, END) } }
# As a CSV datablock (an array would lose its first element to `set datafile columnheaders`).
set print $IV
print "node,from,to,amnesia"
do for [i = 1:M] { print sprintf("%d,%.17g,%.17g,%d", IVN[i], IVF[i], IVT[i], IVA[i]) }
unset print

is(e) = strcol("event") eq e
OUTCOMES = "approved rejected timeout no_quorum invalid aborted undecided"
# Counts for the legend (a kind that never happens gets no legend entry).
# A suspicion whose detail says "(alive)" is false: the peer was up.
KINDS = "partition heal suspect trust catchup violation false_suspect"
array EVN[7]
array OCN[7]
do for [i = 1:7] { EVN[i] = 0 }
do for [i = 1:7] { OCN[i] = 0 }
alive(d) = strstrt(d, "(alive)") > 0
kind(e, d) = e eq "suspect" && alive(d) ? "false_suspect" : e
stats ev using (e = kind(strcol("event"), strcol("detail")), \
                sum [i = 1:7] (e eq word(KINDS, i) ? (EVN[i] = EVN[i] + 1, 0) : 0), 0) nooutput
stats oc using (o = strcol("outcome"), sum [i = 1:7] (o eq word(OUTCOMES, i) ? (OCN[i] = OCN[i] + 1, 0) : 0), 0) nooutput
DURABLE = 0
AMNESIA = 0
do for [i = 1:M] { if (IVA[i]) { AMNESIA = AMNESIA + 1 } else { DURABLE = DURABLE + 1 } }
lane(e) = is(e) ? column("node") : NaN
# Suspicions just above the lane of the node suspected, trusts just below it.
seen(e) = kind(strcol("event"), strcol("detail")) eq e ? peer(strcol("detail")) + (e eq "trust" ? -0.28 : 0.28) : NaN
lane_or_outcomes(e) = is(e) ? (column("node") == column("node") ? column("node") : -1) : NaN
array OC[7] = ["#2ca02c", "#d62728", "#ff7f0e", "#9467bd", "#7f7f7f", "#000000", "#8c564b"]
array OP[7] = [7, 5, 9, 11, 13, 2, 6]
when(x) = column("decided_s") == column("decided_s") ? column("decided_s") : column("submitted_s")

# The run's name: -e "name='...'" (analyze passes "SWEEP, run K"), else the folder's name, or
# "SWEEP, run K" for SWEEP/runs/K (the title said "Timeline of 0").
if (!exists("name")) {
    parent = system(sprintf("dirname '%s'", dir))
    name = basename(parent) eq "runs" ? \
        sprintf("%s, run %s", basename(system(sprintf("dirname '%s'", parent))), basename(dir)) : \
        basename(dir)
}
set title sprintf("Timeline of %s: crashes, suspicions and outcomes", name) noenhanced
set xlabel "simulated time (s)"
set xrange [0:END]
set yrange [-1.7:N - 0.3]
set ytics ("outcomes" -1)
T = N <= 24 ? 1 : int(ceil(N / 24.0))
do for [n = 0:N - 1:T] { set ytics add (sprintf("node %d", n) n) }
set ytics nomirror
set grid xtics
set key outside right top Left reverse samplen 2

# The plot command, with an element only for what occurs (an empty one only warns).
P = ""
add(cond, el) = cond ? (P = P . (P eq "" ? "" : ", ") . el, 0) : 0
down(lc, what, n) = sprintf('NaN with lines lw 9 lc rgb "%s" title "down, %s (%d)"', lc, what, n)
mark(e, y, style, what, n) = sprintf('ev using "time_s":(%s("%s")) with points %s title "%s (%d)"', \
                                     y, e, style, what, n)
line(e, style, n) = sprintf('ev using "time_s":(is("%s") ? -1.7 : NaN):(0):(N + 1.4) with vectors nohead %s title "%s (%d)"', \
                            e, style, e, n)
dummy = add(M > 0, '$IV using "from":"node":(column("to") - column("from")):(0):(column("amnesia") > 0 ? 0xbcbd22 : 0x444444) with vectors nohead lw 9 lc rgb variable notitle')
# Down intervals in grey (durable) and olive (amnesia): no outcome marker uses either.
dummy = add(DURABLE > 0, down("#444444", "durable", DURABLE))
dummy = add(AMNESIA > 0, down("#bcbd22", "amnesia", AMNESIA))
dummy = add(EVN[1] > 0, line("partition", 'dt 2 lw 1.5 lc rgb "#555555"', EVN[1]))
dummy = add(EVN[2] > 0, line("heal", 'dt 3 lw 1.5 lc rgb "#8c564b"', EVN[2]))
dummy = add(EVN[3] > 0, mark("suspect", "seen", 'pt 11 ps 0.9 lc rgb "#ff7f0e"', "suspected, down", EVN[3]))
dummy = add(EVN[7] > 0, mark("false_suspect", "seen", 'pt 11 ps 0.9 lc rgb "#e377c2"', "suspected, alive (false)", EVN[7]))
dummy = add(EVN[4] > 0, mark("trust", "seen", 'pt 9 ps 0.7 lc rgb "#17becf"', "trusted again", EVN[4]))
dummy = add(EVN[5] > 0, mark("catchup", "lane", 'pt 13 ps 1.0 lc rgb "#1f77b4"', "catch-up", EVN[5]))
dummy = add(EVN[6] > 0, mark("violation", "lane_or_outcomes", 'pt 3 ps 2 lw 2 lc rgb "#000000"', "violation", EVN[6]))
do for [i = 1:7] {
    o = word(OUTCOMES, i)
    dummy = add(OCN[i] > 0, sprintf('oc using (when(0)):(strcol("outcome") eq "%s" ? -1 : NaN) with points pt %d ps 0.8 lc rgb "%s" title "%s (%d)" noenhanced', \
                                    o, OP[i], OC[i], o, OCN[i]))
}
if (P eq "") { P = "NaN notitle" }

do for [fmt in "png svg"] {
    eval TERM(fmt)
    set output output("timeline", fmt)
    eval "plot " . P
    unset output
}

# latency_throughput.gp: the figure every consensus paper has: client latency (p50 and p99 of
# ok reads and writes) against achieved throughput (ok operations per simulated second), one
# point per run of a sweep over the offered load (clients.count or clients.rate). Reads
# DIR/summary.csv with the client columns (runs with a `clients:` section); columns by name.
#
#   gnuplot -e "dir='out/clients-raft'" [-e "out='OUTDIR'"] analysis/plots/latency_throughput.gp
#
# writes OUT/latency_throughput.png and .svg. One point per run (not joined: a sweep has
# several replications per load); a throughput that falls as the load grows (congestion
# collapse) shows as points moving back left. Exit status 1, with a message on stderr and no
# file written, when summary.csv or a client column is missing.
if (!exists("W")) W = 900
if (!exists("H")) H = 600
load system(sprintf("dirname '%s'", ARG0)) . "/common.gp"

csv = dir . "/summary.csv"
if (!readable(csv)) {
    print sprintf("latency_throughput.gp: %s not found", csv)
    exit status 1
}
header = system(sprintf("head -n 1 '%s'", csv))
has(col) = strstrt("," . header . ",", "," . col . ",") > 0
do for [col in "ops_throughput read_p50_s read_p99_s write_p50_s write_p99_s"] {
    if (!has(col)) {
        print sprintf("latency_throughput.gp: %s has no column %s (a run without clients:)", csv, col)
        exit status 1
    }
}

set title "Client latency against throughput"
set xlabel "throughput (ok operations per simulated second)"
set ylabel "latency (s)"
set logscale y
set key top left
set grid
do for [fmt in "png svg"] {
    eval TERM(fmt)
    set output output("latency_throughput", fmt)
    plot csv using "ops_throughput":"read_p50_s" with points title "read p50", \
         csv using "ops_throughput":"read_p99_s" with points title "read p99", \
         csv using "ops_throughput":"write_p50_s" with points title "write p50", \
         csv using "ops_throughput":"write_p99_s" with points title "write p99"
    set output
}

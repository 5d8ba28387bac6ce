# latency_throughput.gp: the figure every consensus paper has: client latency (p50 and p99 of
# ok reads and writes) against achieved throughput (ok operations per simulated second), one
# point per run of a sweep over the offered load (clients.count or clients.rate). Reads a
# summary.csv with the client columns (runs with a `clients:` section); columns by name.
#
#   gnuplot -e "in='out/clients-raft/summary.csv'" -e "out='latency.png'" \
#           analysis/plots/latency_throughput.gp
#
# One point per run (not joined: a sweep has several replications per load); a throughput that
# falls as the load grows (congestion collapse) shows as points moving back left. Exit status
# 1, with a message on stderr and no file written, when the file or a column is missing.
if (!exists("in")) in = "summary.csv"
if (!exists("out")) out = "latency_throughput.png"
if (system(sprintf("test -r '%s' && echo 1 || echo 0", in)) != "1") {
    print sprintf("latency_throughput.gp: %s not found", in)
    exit status 1
}
header = system(sprintf("head -n 1 '%s'", in))
has(col) = strstrt("," . header . ",", "," . col . ",") > 0
if (!has("ops_throughput") || !has("read_p50_s") || !has("write_p99_s")) {
    print sprintf("latency_throughput.gp: %s has no client columns (a run without clients:)", in)
    exit status 1
}
set datafile separator ","
set datafile missing "NA"
set terminal pngcairo size 900,600 font ",11"
set output out
set title "Client latency against throughput"
set xlabel "throughput (ok operations per simulated second)"
set ylabel "latency (s)"
set logscale y
set key top left
set grid
plot in using "ops_throughput":"read_p50_s" with points title "read p50", \
     in using "ops_throughput":"read_p99_s" with points title "read p99", \
     in using "ops_throughput":"write_p50_s" with points title "write p50", \
     in using "ops_throughput":"write_p99_s" with points title "write p99"

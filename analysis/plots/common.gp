# common.gp: settings shared by approval.gp, latency_cdf.gp, heatmap.gp and timeline.gp
# (each loads it first; it draws nothing on its own). See README.md in this folder.
#
# In:  dir (the folder to read, default "."), out (the folder to write, default dir),
#      W and H (the figure size in pixels: the script's default unless given with -e).
# Out: CSV reading set up (comma separated, header row, NA = missing);
#      PNG_TERM and SVG_TERM (terminal commands for `eval`); readable(FILE);
#      basename(PATH); output(NAME, FMT), the path of OUT/NAME.FMT (creating OUT).
# Paths must not contain a single quote (they are passed to /bin/sh quoted with ').

if (!exists("dir")) dir = "."
if (!exists("out")) out = dir

readable(f) = system(sprintf("test -r '%s' && echo 1 || echo 0", f)) eq "1"
basename(p) = system(sprintf("basename '%s'", p))
# The path of OUT/NAME.FMT; OUT is created (mkdir -p) on first use, so a script that stops
# on bad input leaves nothing behind.
output(name, fmt) = system(sprintf("mkdir -p '%s'", out)) . sprintf("%s/%s.%s", out, name, fmt)

set encoding utf8
set datafile separator ","
set datafile missing "NA"
set datafile columnheaders

# gnuplot-nox on Debian 12 has pngcairo; builds without cairo fall back to libgd's png.
# -e "cairo=0" forces the fallback (the tests use it to check both).
if (!exists("cairo")) cairo = strstrt(GPVAL_TERMINALS, " pngcairo ") > 0
if (cairo) {
    PNG_TERM = sprintf("set terminal pngcairo size %d,%d enhanced font 'sans,10' background 'white'", W, H)
} else {
    PNG_TERM = sprintf("set terminal png size %d,%d enhanced background '#ffffff'", W, H)
}
SVG_TERM = sprintf("set terminal svg size %d,%d dynamic enhanced font 'sans,11' background 'white'", W, H)
TERM(fmt) = fmt eq "png" ? PNG_TERM : SVG_TERM

# matplotlib's default colour cycle (tab10), so the gnuplot and plots.py figures match.
array TAB10[10] = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", \
                   "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
do for [i = 1:10] { set linetype i lc rgb TAB10[i] lw 1 pt 7 dt solid }
set linetype cycle 10

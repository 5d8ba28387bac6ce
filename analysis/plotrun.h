/*
 * plotrun: `atlas-sim analyze DIR --plot`, the gnuplot scripts of analysis/plots/ run on a
 * folder whose analysis.csv has just been written.
 *
 * Each script NAME.gp in {approval, latency_cdf, heatmap, timeline, election_cdf} runs as
 *     gnuplot -e "dir='DIR'" -e "out='DIR/figures'" PLOTS/NAME.gp
 * and writes DIR/figures/NAME.png and NAME.svg (timeline reads one run's folder: DIR itself
 * for a run folder, else DIR/runs/RUN of --run or the first run, when the sweep kept
 * --traces, and is titled "SWEEP, run RUN"). latency_cdf of a sweep draws one curve per point
 * (per value of --by; per value of the first swept key past 12 points) from a folder of
 * links to runs/ made under DIR/figures and removed after. With --x, metric.gp draws each
 * --metric against that swept key into DIR/figures/metric_NAME.png and .svg.
 * A script that cannot apply is skipped with a line saying why: approval needs a point with
 * an approval probability (not NA); heatmap needs several node counts and several approval
 * probabilities; latency_cdf needs outcomes.csv (a run folder or a sweep run with --traces);
 * timeline needs events.csv and outcomes.csv of one run; election_cdf (drawn like latency_cdf,
 * one curve per point) needs elections.csv (a leader-based protocol's run, or its sweep
 * run with --traces).
 *
 * PLOTS is $ATLAS_PLOTS_DIR when set, else the source tree's analysis/plots (compiled in).
 * Failures (the caller exits 2): gnuplot is not on PATH (the message says how to install
 * it), a script is missing, DIR contains a single quote (the scripts pass paths to the shell
 * in single quotes), a script exits non-zero (the others still run).
 * Progress lines go to out; gnuplot's own messages to stderr.
 */
#ifndef ATLAS_ANALYSIS_PLOTRUN_H
#define ATLAS_ANALYSIS_PLOTRUN_H

#include <stdbool.h>
#include <stdio.h>

#include "analysis/errbuf.h"
#include "analysis/folder.h"
#include "analysis/report.h"

/* The folder holding the scripts (borrowed: the environment or a constant). */
const char *plotrun_scripts_dir(void);

struct plotrun_options {
    const char *run;            /* --run: the run whose timeline is drawn (NULL: the first) */
    const char *by;             /* --by: latency_cdf curves per value of this swept key */
    const char *x;              /* --x: a swept key; metric.gp draws each metric against it */
    const char *const *metrics; /* --metric names (their analysis.csv NAME_mean columns) */
    size_t nmetrics;
};

/* Whether the options fit the folder (swept keys exist, the run has traces); diagnosed. */
bool plotrun_check_options(const struct folder *f, const struct plotrun_options *po,
                           struct errbuf *e);

/* Run every applicable script; false (diagnosed) if any could not run or failed. */
bool plotrun_all(const struct folder *f, const struct report *r, const struct plotrun_options *po,
                 FILE *out, struct errbuf *e);

#endif

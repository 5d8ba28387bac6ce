/*
 * dist: duration distributions (latency, time to failure, time to repair, ...).
 *
 * Each distribution family is a const table of callbacks (struct dist_ops) that also
 * describes its parameters (name, kind, default, help), so that the scenario parser, the
 * resolved-scenario writer, scenarios/README.md and --help are driven by the same table.
 * Samples are integer nanoseconds drawn with GSL from a caller-supplied gsl_rng.
 *
 * Families (dist_find names): constant, uniform, normal (truncated at 0), lognormal (median,
 * sigma), exponential (mean, optional min), gamma, weibull, pareto, empirical (file).
 *
 * Ownership: a struct dist is caller storage; dist_fini releases an empirical table.
 */
#ifndef ATLAS_SIM_ENGINE_DIST_H
#define ATLAS_SIM_ENGINE_DIST_H

#include <gsl/gsl_rng.h>
#include <stdbool.h>
#include <stddef.h>

#include "sim/engine/time.h"

#define DIST_MAX_PARAMS 4

enum dist_param_kind {
    DIST_PARAM_DURATION, /* a duration with a unit ("20ms"); stored in ns */
    DIST_PARAM_REAL,     /* a plain real number (sigma, shape) */
    DIST_PARAM_PATH,     /* a file path (empirical samples) */
};

struct dist_param_spec {
    const char *name;          /* YAML key, e.g. "median" */
    enum dist_param_kind kind; /* how it is parsed and printed */
    bool required;             /* must be given */
    double def;                /* default when optional (ns for durations) */
    const char *help;          /* one line for docs and --help */
};

struct dist;

struct dist_ops {
    const char *name;                     /* "lognormal" */
    const char *help;                     /* one line */
    const struct dist_param_spec *params; /* nparams entries */
    size_t nparams;
    /* Check parameter values (ranges, relations). Returns false and fills err. */
    bool (*check)(const struct dist *d, char *err, size_t errlen);
    sim_time (*sample)(const struct dist *d, gsl_rng *r);
    double (*mean)(const struct dist *d);     /* closed-form mean in ns (NAN if none) */
    double (*variance)(const struct dist *d); /* closed-form variance in ns^2 (NAN/INF) */
};

struct dist_empirical; /* sorted samples loaded from a file */

struct dist {
    const struct dist_ops *ops; /* family */
    double v[DIST_MAX_PARAMS];  /* parameters in ops->params order (durations in ns) */
    char *path;                 /* empirical: the samples file (owned) */
    struct dist_empirical *emp; /* empirical: loaded samples (owned) */
};

/* All families, NULL-terminated, in documentation order. */
extern const struct dist_ops *const dist_families[];

const struct dist_ops *dist_find(const char *name); /* NULL if unknown */

/* Set d to family ops with every optional parameter at its default; required parameters
 * start as NAN, so dist_check reports one that was never set. */
void dist_init(struct dist *d, const struct dist_ops *ops);

/* A constant distribution (the default latency in tests). */
void dist_init_constant(struct dist *d, sim_time value);

/*
 * Set parameter `name` from text (a duration, a real or a path, by the parameter's kind).
 * Returns false with a reason in err for an unknown name or a malformed value.
 */
bool dist_set_param(struct dist *d, const char *name, const char *text, char *err, size_t errlen);

/*
 * Validate: every required parameter set (callers track presence), ranges, relations, and
 * for empirical, load and validate the file. Returns false with a reason in err.
 */
bool dist_check(struct dist *d, char *err, size_t errlen);

sim_time dist_sample(const struct dist *d, gsl_rng *r);

/* A normal draw with mean 0: gsl_ran_gaussian_ziggurat(r, sigma) exactly (the same value,
 * the same draws from r), its common case inline when r is sim/engine/rng.h's generator. */
double dist_gaussian(gsl_rng *r, double sigma);
double dist_mean(const struct dist *d);
double dist_variance(const struct dist *d);

/* Deep copy (empirical table shared by reference count or copied). */
void dist_copy(struct dist *dst, const struct dist *src);
void dist_fini(struct dist *d);

/* Print as a YAML flow mapping: {dist: lognormal, median: 20ms, sigma: 0.5}. */
void dist_format(const struct dist *d, char *buf, size_t len);

/*
 * A distribution from the flat flow mapping dist_format writes ("{dist: uniform, min: 150ms,
 * max: 300ms}"; scalar values only), for defaults compiled into the program. false (d
 * untouched) if the text is not such a mapping of a known family with valid parameters.
 */
bool dist_parse_flow(const char *text, struct dist *d);

#endif

/*
 * byzantine: the Byzantine voters of a run, read back from its events.csv, so that `analyze`
 * can put the approval rate beside its closed form with b Byzantine nodes.
 *
 * Why from events.csv: summary.csv's columns are fixed (goldens, scripts); a run with
 * consensus.byzantine writes one `byzantine` row per Byzantine node at time 0 (detail
 * `behaviour=NAME`), before any other time, and marks its faults column 2 when they are its
 * only fault source. The closed form (analysis/VALIDATION.md): the proposer decides approved
 * when YES >= q among n - b honest voters drawing YES with p and b fixed voters of which y
 * vote YES to it (yes-on-invalid; always-no, equivocate and silent give the proposer no YES):
 * P[Bin(n - b, p) >= q - y].
 */
#ifndef ATLAS_ANALYSIS_BYZANTINE_H
#define ATLAS_ANALYSIS_BYZANTINE_H

#include <stdbool.h>
#include <stdint.h>

#include "analysis/errbuf.h"
#include "analysis/folder.h"

struct byzantine_count {
    bool known;   /* the run's events.csv was there to read */
    uint64_t b;   /* Byzantine nodes */
    uint64_t yes; /* of those, voters that send the proposer YES */
};

/* Read the Byzantine rows of summary row `row`'s events.csv (runs/RUN/events.csv, or the
 * folder's own for a single run). No such file: true with out->known false. false (with a
 * positioned message in e) on a malformed file or an unknown behaviour. Reads only the rows
 * at time 0. */
bool byzantine_read(const struct folder *f, size_t row, struct byzantine_count *out,
                    struct errbuf *e);

/* P[Bin(n - b, p) >= q - yes]: the proposer's approval probability. */
double byzantine_approval(uint64_t n, double p, uint64_t q, const struct byzantine_count *c);

#endif

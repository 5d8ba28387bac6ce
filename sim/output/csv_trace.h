/*
 * csv_trace: a trace sink (sim/cluster/trace.h) that writes the run's records as CSV.
 *
 * Files and columns (every row led by run,rep,seed; times in exact seconds; proposals p-N):
 *   outcomes.csv    run,rep,seed,proposal,proposer,op,submitted_s,decided_s,yes,no,missing,
 *                   quorum,outcome,args
 *   votes.csv       run,rep,seed,time_s,proposal,voter,vote,arrived_s
 *   events.csv      run,rep,seed,time_s,node,event,detail
 *   messages.csv    run,rep,seed,sent_s,delivered_s,from,to,kind,proposal,fate
 *   heartbeats.csv  run,rep,seed,sent_s,delivered_s,from,to,fate
 *   elections.csv   run,rep,seed,term,candidate,start_s,end_s,votes,result,downtime_s
 *   history.csv     run,rep,seed,index,op_id,type,client,op,key,value,invoke_s,complete_s
 * A node or time that does not apply (cluster-wide event, lost message) is NA.
 *
 * Rows are formatted by hand into one large buffer per file (CSV_TRACE_BUFFER bytes; the
 * leading run,rep,seed, text is formatted once) and reach the FILE in writes of about that
 * size: when a buffer fills, and at csv_trace_flush. Write errors are the FILE's (sticky,
 * found by ferror when the file is closed: outdir_commit reports them).
 *
 * Ownership: the sink borrows the FILEs (NULL: that file is not written) until
 * csv_trace_flush has been called for the last time; the owner flushes before closing them.
 */
#ifndef ATLAS_SIM_OUTPUT_CSV_TRACE_H
#define ATLAS_SIM_OUTPUT_CSV_TRACE_H

#include <stdio.h>

#include "sim/cluster/trace.h"

struct csv_trace_files {
    FILE *outcomes, *votes, *events; /* NULL: not written */
    FILE *messages, *heartbeats;     /* optional traces; NULL: not wanted */
    FILE *elections;                 /* leader-based protocols; NULL: not written */
    FILE *history;                   /* runs with clients; NULL: not written */
};

struct csv_trace;

#define CSV_TRACE_BUFFER (256 * 1024) /* bytes of rows held per file before a write */

/* Writes each file's header row now. */
struct csv_trace *csv_trace_new(const struct run_ident *id, const struct csv_trace_files *files);

/* Hand every row held so far to its FILE (fwrite; the FILE may still buffer). */
void csv_trace_flush(struct csv_trace *t);

/* Frees t without touching the FILEs (they may be closed): rows not flushed are lost. */
void csv_trace_free(struct csv_trace *t); /* NULL is a no-op */

/* A struct trace that feeds this sink (want_* set from which files were given). */
struct trace csv_trace_sink(struct csv_trace *t);

#endif

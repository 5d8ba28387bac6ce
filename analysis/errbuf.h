/*
 * errbuf: the caller-owned error message of the analysis library.
 *
 * Every analysis function that can fail on bad input returns false (or NULL, or an error
 * status) and writes one complete message into a struct errbuf: "PATH:LINE:COL: what",
 * "PATH:LINE: what" or "PATH: what", whichever position applies. The caller prints it.
 */
#ifndef ATLAS_ANALYSIS_ERRBUF_H
#define ATLAS_ANALYSIS_ERRBUF_H

#define ERRBUF_LEN 1024

struct errbuf {
    char msg[ERRBUF_LEN]; /* NUL-terminated; truncated if longer */
};

/* Replace the message (printf-style). */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void errbuf_set(struct errbuf *e, const char *fmt, ...);

#endif

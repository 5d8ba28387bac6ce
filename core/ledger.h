/*
 * ledger: a node's append-only audit log — proposals seen, votes cast, outcomes decided,
 * operations applied — as a hash chain: every record carries the hash of the previous
 * record and its own hash covers its fields and that previous hash. Two ledgers can be
 * compared record by record and the first difference (divergence or tampering) is found
 * by hash; a ledger read from a file is verified link by link.
 *
 * Hashes are 64-bit (core/hash), not cryptographic: they reveal accidental corruption and
 * divergence between honest nodes, not a forger who recomputes the chain.
 *
 * Persistence (the only I/O here): ledger_write_file / ledger_read_file use a versioned
 * line format, one record per line, written to PATH.tmp and renamed over PATH so a crash
 * mid-write never leaves a half-written ledger under PATH. Reading checks the header and
 * version, every field, every link and record hash, and an end line carrying the record
 * count and head hash; a file cut short anywhere is reported as truncated.
 *
 * Ownership: a ledger owns copies of the record texts. Records are immutable once
 * appended; pointers from ledger_get stay valid until the ledger is freed (not across
 * appends: the record array may move).
 */
#ifndef ATLAS_CORE_LEDGER_H
#define ATLAS_CORE_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Record kinds: symbol and the name used in files. */
#define LEDGER_KIND_LIST(X)                                                                        \
    X(LEDGER_PROPOSAL, "proposal") /* a proposal was seen (or made) by this node */                \
    X(LEDGER_VOTE, "vote")         /* this node cast a vote; value 1 yes, 0 no */                  \
    X(LEDGER_OUTCOME, "outcome")   /* a decision became known; text names it */                    \
    X(LEDGER_APPLY, "apply")       /* an operation was applied; value = state hash after */        \
    X(LEDGER_NOTE, "note")         /* anything else (recovery, catch-up, ...) */

enum ledger_kind {
#define X(sym, name) sym,
    LEDGER_KIND_LIST(X)
#undef X
        LEDGER_KIND_COUNT
};
const char *ledger_kind_name(enum ledger_kind k); /* "vote"; "?" if out of range */

struct ledger_record {
    enum ledger_kind kind;
    uint64_t time;      /* simulated time, ns */
    uint64_t proposal;  /* proposal id, 0 if none */
    uint32_t node;      /* the node this is about (voter, proposer, ...) */
    uint64_t value;     /* kind-specific number (vote, outcome code, state hash, ...) */
    const char *text;   /* kind-specific text, never NULL ("" if none); owned by the ledger */
    uint64_t prev_hash; /* hash of the previous record (LEDGER_GENESIS for the first) */
    uint64_t hash;      /* hash of this record's fields and prev_hash */
};

/* prev_hash of the first record, and the head hash of an empty ledger. */
#define LEDGER_GENESIS UINT64_C(0x41544c41534c4447) /* "ATLASLDG" */

/* What went wrong reading or writing a ledger file. */
#define LEDGER_ERROR_LIST(X)                                                                       \
    X(LEDGER_OK, "ok")                                                                             \
    X(LEDGER_EIO, "input/output error")                                                            \
    X(LEDGER_EFORMAT, "not a ledger file")                                                         \
    X(LEDGER_EVERSION, "unsupported ledger format version")                                        \
    X(LEDGER_ERECORD, "malformed record")                                                          \
    X(LEDGER_ECHAIN, "hash chain broken")                                                          \
    X(LEDGER_ETRUNCATED, "file truncated")

enum ledger_error {
#define X(sym, msg) sym,
    LEDGER_ERROR_LIST(X)
#undef X
        LEDGER_ERROR_COUNT
};
const char *ledger_strerror(enum ledger_error e); /* never NULL */

#define LEDGER_FORMAT_VERSION 1
#define LEDGER_SAME           SIZE_MAX /* ledger_compare: no difference */

struct ledger;

struct ledger *ledger_new(void);
void ledger_free(struct ledger *l); /* NULL is a no-op */
struct ledger *ledger_clone(const struct ledger *l);

/* Append a record (text NULL means ""); returns its hash, the new head hash. O(|text|). */
uint64_t ledger_append(struct ledger *l, enum ledger_kind kind, uint64_t time, uint64_t proposal,
                       uint32_t node, uint64_t value, const char *text);

size_t ledger_count(const struct ledger *l);
uint64_t ledger_head_hash(const struct ledger *l); /* LEDGER_GENESIS if empty */
const struct ledger_record *ledger_get(const struct ledger *l, size_t i); /* i < count */

/*
 * Index of the first record at which a and b differ (by hash, which covers the whole
 * prefix), the shorter count if one is a prefix of the other, LEDGER_SAME if identical.
 */
size_t ledger_compare(const struct ledger *a, const struct ledger *b);

/* Recompute every link and hash; true if intact, else *bad = first bad record index. */
bool ledger_verify(const struct ledger *l, size_t *bad);

/*
 * Write l to path (via path.tmp, renamed). On error returns the reason and, if msg is not
 * NULL, a message naming the path in msg[msglen]; no file is left under path or path.tmp.
 */
enum ledger_error ledger_write_file(const struct ledger *l, const char *path, char *msg,
                                    size_t msglen);
/*
 * Read a ledger written by ledger_write_file. On success *out is a new ledger. On error
 * *out is NULL and msg names the path, the line and the record index, e.g.
 * "run/ledger-3.txt:7: record 5: hash chain broken: prev_hash ... != hash of record 4 ...".
 */
enum ledger_error ledger_read_file(const char *path, struct ledger **out, char *msg, size_t msglen);

#endif

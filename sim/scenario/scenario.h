/*
 * scenario: the typed, validated description of one simulation run.
 *
 * A struct scenario is what every part of the simulator consumes. It is produced either
 * from a YAML file (sim/scenario/scenario_yaml: load, apply --set overrides, resolve with full
 * validation) or built in C (tests): scenario_init sets every default, the caller fills
 * what it needs, scenario_validate checks the cross-field rules.
 *
 * Node indices are 0 .. cluster.nodes-1. Durations are sim_time (ns). Probabilities are in
 * [0,1]. Strings and arrays are owned by the scenario and released by scenario_fini.
 * "Never" times are SIM_TIME_MAX.
 */
#ifndef ATLAS_SIM_SCENARIO_SCENARIO_H
#define ATLAS_SIM_SCENARIO_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/op.h"
#include "core/consensus.h"
#include "sim/scenario/diag.h"
#include "sim/engine/dist.h"
#include "sim/engine/time.h"

enum quorum_kind {
    QUORUM_MAJORITY, /* n/2 + 1 */
    QUORUM_ALL,      /* n */
    QUORUM_COUNT,    /* a fixed k */
    QUORUM_FRACTION, /* ceil(n * num / den) */
};

struct quorum_spec {
    enum quorum_kind kind;
    uint32_t count;    /* QUORUM_COUNT */
    uint32_t num, den; /* QUORUM_FRACTION, e.g. 2/3 */
};

/* YES votes needed in a cluster of n nodes. */
uint32_t quorum_size(const struct quorum_spec *q, uint32_t n);

struct node_set {
    uint32_t n;    /* number of nodes */
    uint32_t *ids; /* sorted, distinct node indices (owned) */
};

struct kv {
    char *key;   /* owned */
    char *value; /* owned */
};

/* network.links[i]: latency (and optionally loss) override for messages from -> to. */
struct link_override {
    struct node_set from, to;
    struct dist latency; /* ops == NULL: keep the default latency */
    bool symmetric;      /* also applies to to -> from (default true) */
    double loss;         /* < 0: keep network.loss */
};

struct crash_spec { /* faults.crashes[i] */
    uint32_t node;
    sim_time at;
    sim_time recover; /* SIM_TIME_MAX: stays down */
    bool amnesia;     /* recovers with an empty replica and ledger */
};

struct partition_spec { /* faults.partitions[i] */
    sim_time at;
    sim_time heal; /* SIM_TIME_MAX: never heals */
    bool oneway;   /* only traffic from groups[0] to the other groups is cut */
    uint32_t ngroups;
    struct node_set *groups; /* disjoint; nodes in no group are in an implicit extra group */
    char *isolate;           /* a zone cut from the rest instead of groups (NULL: groups) */
};

struct zone_spec {         /* cluster.zones[i]: a failure domain */
    char *name;            /* unique */
    uint32_t count;        /* by count: the next `count` nodes no listed zone holds (0: listed) */
    struct node_set nodes; /* by list */
};

struct zone_latency { /* network.zone_latency[i]: one entry of the latency matrix */
    char *from, *to;  /* zone names (from == to: inside one zone) */
    struct dist latency;
    bool symmetric; /* also to -> from (default true) */
};

struct zone_crash { /* faults.zone_crashes[i]: every node of a zone at once */
    char *zone;
    sim_time at;
    sim_time recover; /* SIM_TIME_MAX: stays down */
    bool amnesia;
};

struct zone_random_faults { /* faults.zone_random: an up/down renewal process per zone */
    bool enabled;
    struct dist mttf, mttr;
    bool amnesia;
};

struct slow_spec {         /* faults.slow[i]: a gray failure, the nodes serve slowly */
    struct node_set nodes; /* these nodes ... */
    char *zone;            /* ... and/or every node of this zone */
    sim_time at, end;
    struct dist service; /* service time while slow (ops NULL: factor * cluster.service) */
    double factor;       /* multiplies cluster.service's draws (0: use service) */
};

struct clog_spec { /* faults.clogs[i]: deliveries held back until `end`, not lost */
    struct node_set from, to;
    char *from_zone, *to_zone; /* zones added to from / to */
    sim_time at, end;
    bool symmetric; /* also to -> from (default true) */
};

struct leader_faults { /* faults.leader: crash whoever leads, again and again */
    bool enabled;
    struct dist every; /* time from one leader crash to the next (the first: from 0) */
    sim_time down;     /* how long the crashed leader stays down (`never`: for good) */
    bool amnesia;      /* it recovers with an empty replica */
};

struct random_faults { /* faults.random */
    bool enabled;
    struct dist mttf; /* time to failure, drawn per node per cycle */
    struct dist mttr; /* time to repair */
    bool amnesia;     /* recoveries lose the replica */
};

enum hb_topology { HB_ALL, HB_RING, HB_RANDOM };

struct heartbeat_spec {
    bool enabled;      /* heartbeat.enabled (default true) */
    sim_time interval; /* between two heartbeats of one sender */
    sim_time timeout;  /* suspect a peer after this long without one */
    double loss;       /* extra, independent heartbeat loss probability */
    enum hb_topology topology;
    uint32_t fanout; /* HB_RANDOM: peers per node; HB_RING: neighbours each side */
};

enum clock_sign { CLOCK_SIGN_RANDOM, CLOCK_SIGN_FAST, CLOCK_SIGN_SLOW };

struct clock_override { /* clocks.nodes[i] */
    uint32_t node;
    double drift;    /* ppm, positive: fast */
    sim_time offset; /* reading at true time 0 */
};

struct clock_jump_spec { /* clocks.jumps[i] */
    uint32_t node;
    sim_time at; /* true time of the jump */
    sim_time by; /* how far the reading moves */
    bool back;   /* backwards (the reading decreases) */
};

struct clock_spec { /* clocks: per-node clocks (off unless given: every node reads true time) */
    bool enabled;
    struct dist drift; /* |drift| as time gained per second (1us = 1 ppm); ops NULL: none */
    enum clock_sign drift_sign;
    struct dist offset; /* reading at true time 0; ops NULL: 0 */
    size_t nnodes;
    struct clock_override *nodes;
    size_t njumps;
    struct clock_jump_spec *jumps;
};

/* One parameter of a protocol's consensus.<name> section, in the field of its type. */
struct proto_param {
    bool b;        /* CPARAM_BOOL */
    uint32_t u;    /* CPARAM_UINT */
    double r;      /* CPARAM_REAL */
    sim_time t;    /* CPARAM_DURATION */
    unsigned e;    /* CPARAM_ENUM: position in its choices */
    struct dist d; /* CPARAM_DIST */
};

struct approval_override {
    uint32_t node;
    double approval;
};

struct byzantine_spec { /* consensus.byzantine (off unless given) */
    bool enabled;
    struct node_set nodes;              /* the Byzantine nodes */
    enum consensus_byzantine behaviour; /* what they do (core/consensus.h) */
};

struct consensus_spec {
    unsigned protocol; /* index into core/consensus.h's consensus_protocols[] (0: quorum-vote) */
    /* every registered protocol's section, in its params[] order (all are validated; the
     * selected protocol's values reach it) */
    struct proto_param params[CONSENSUS_PROTOCOLS_MAX][CONSENSUS_PARAMS_MAX];
    struct quorum_spec quorum;
    double approval;  /* P[YES] for a valid proposal */
    size_t napproval; /* per-node overrides */
    struct approval_override *approvals;
    sim_time vote_timeout; /* proposer's deadline */
    bool durable;          /* default for recoveries: keep the replica */
    sim_time anti_entropy; /* each live node catches up from a peer this often; SIM_TIME_MAX: off */
    bool broadcast_votes;  /* quorum-vote: votes go to every node, each applies at a quorum */
    struct byzantine_spec byzantine;
};

struct vertex_spec { /* graph.vertices[i] */
    char *id, *label;
    size_t nprops;
    struct kv *props;
};

struct edge_spec { /* graph.edges[i] */
    char *from, *label, *to;
    size_t nprops;
    struct kv *props;
};

struct op_spec { /* workload.ops[i] */
    sim_time at;
    uint32_t proposer;
    enum prop_op op;
    char *id;          /* add_vertex, remove_vertex, set_property on a vertex */
    char *label;       /* add_vertex: vertex label; add_edge/remove_edge: edge label */
    char *from, *to;   /* add_edge, remove_edge, set_property on an edge */
    char *key, *value; /* set_property */
    size_t nprops;     /* add_vertex/add_edge: initial properties */
    struct kv *props;
};

#define WORKLOAD_RANDOM_PROPOSER UINT32_MAX

struct generate_spec { /* workload.generate */
    bool enabled;
    uint32_t count;            /* proposals to generate */
    double rate;               /* proposals per second (Poisson arrivals) */
    sim_time start;            /* first possible submission time */
    uint32_t proposer;         /* a node, or WORKLOAD_RANDOM_PROPOSER */
    double mix[PROP_OP_COUNT]; /* relative weights by operation */
};

/* clients: (issue 16) clients that read and write keys through the protocol. */
enum clients_attach { CLIENTS_ROUND_ROBIN, CLIENTS_NODE, CLIENTS_ZONE };
enum clients_mode { CLIENTS_CLOSED, CLIENTS_OPEN };
enum clients_model { CLIENTS_REGISTER, CLIENTS_SET };
enum clients_keydist { CLIENTS_UNIFORM, CLIENTS_ZIPF };
enum clients_read { CLIENTS_READ_LOG, CLIENTS_READ_LEASE };

#define CLIENTS_SET_ELEMENTS_MAX 64 /* a set key's elements are 0..63 (core/linearizability) */

struct clients_spec {
    bool enabled;
    uint32_t count;    /* clients */
    unsigned attach;   /* enum clients_attach: client i at node i mod n, all at `node`, or in
                          zone i mod zones (clients_new says which node) */
    uint32_t node;     /* CLIENTS_NODE: the node every client submits to */
    unsigned mode;     /* enum clients_mode */
    double rate;       /* CLIENTS_OPEN: operations per second per client (Poisson) */
    struct dist think; /* CLIENTS_CLOSED: pause after each completion (ops NULL: none) */
    uint32_t ops;      /* operations per client at most */
    sim_time start;    /* first possible invocation */
    sim_time timeout;  /* a client gives up on an op after this: the op is info */
    unsigned model;    /* enum clients_model */
    uint32_t keys;     /* keys 0..keys-1 */
    uint32_t elements; /* CLIENTS_SET: elements 0..elements-1 per key */
    unsigned keydist;  /* enum clients_keydist */
    double zipf_s;     /* CLIENTS_ZIPF: exponent s, P[key k] ~ 1/(k+1)^s */
    double read_ratio; /* probability an operation is a read */
    unsigned read;     /* enum clients_read: how reads reach the protocol */
};

struct checker_spec {     /* checker: the end-of-run checks beside the protocol invariants */
    bool enabled;         /* the section was given (it is written back only then) */
    bool linearizability; /* judge the clients' history (runs with clients only) */
    uint64_t max_steps;   /* search steps per key before the verdict is unknown */
};

struct sweep_param {
    char *path; /* key path, e.g. "consensus.approval" */
    size_t nvalues;
    char **values; /* values as scalar text, applied like --set */
};

struct output_spec {
    bool graph_dot;        /* output.graph contains dot */
    bool graph_neo4j;      /* output.graph contains neo4j */
    bool trace_messages;   /* output.traces contains messages */
    bool trace_heartbeats; /* output.traces contains heartbeats */
    bool ledgers;          /* output.ledgers: persist every node's ledger */
    bool votes;            /* output.votes: write votes.csv (default true) */
    bool sync;             /* output.sync: fsync the run's files and folder (default true) */
    /* output.progress_interval: commit/applied index rows in events.csv; 0: none */
    sim_time progress_interval;
};

struct scenario {
    char *name; /* from the file name or `name:` (owned) */
    uint64_t seed;
    sim_time duration;
    uint32_t nodes; /* cluster.nodes */
    size_t nzones;  /* cluster.zones (0: no zones) */
    struct zone_spec *zones;
    struct dist service; /* cluster.service: per-message processing time (ops NULL: none) */
    struct {
        struct dist latency;
        double loss;
        double duplicate;   /* probability a message is delivered twice */
        struct dist jitter; /* added to every delay; ops NULL: none */
        bool fifo;          /* per-pair send order kept */
        size_t nlinks;
        struct link_override *links;
        size_t nzone_latency;
        struct zone_latency *zone_latency;
    } network;
    struct heartbeat_spec heartbeat;
    struct clock_spec clocks;
    struct consensus_spec consensus;
    struct {
        size_t ncrashes;
        struct crash_spec *crashes;
        size_t npartitions;
        struct partition_spec *partitions;
        struct random_faults random;
        struct leader_faults leader;
        size_t nzone_crashes;
        struct zone_crash *zone_crashes;
        struct zone_random_faults zone_random;
        size_t nslow;
        struct slow_spec *slow;
        size_t nclogs;
        struct clog_spec *clogs;
    } faults;
    struct {
        size_t nvertices;
        struct vertex_spec *vertices;
        size_t nedges;
        struct edge_spec *edges;
    } graph;
    struct {
        size_t nops;
        struct op_spec *ops;
        struct generate_spec generate;
    } workload;
    struct clients_spec clients;
    struct checker_spec checker;
    struct {
        size_t nparams;
        struct sweep_param *params;
        uint32_t replications;
    } sweep;
    struct output_spec output;
};

/* The selected protocol's parameters as core/consensus.h hands them to it (a CPARAM_DIST
 * value is the parameter's index: the host samples consensus.params[protocol][i].d). */
void scenario_protocol_values(const struct scenario *sc,
                              union consensus_value out[CONSENSUS_PARAMS_MAX]);

/* The configuration the selected protocol is created with (params borrowed). */
void scenario_consensus_config(const struct scenario *sc, uint64_t max_proposals,
                               const double *node_approval, const union consensus_value *params,
                               struct consensus_config *cfg);

/* Is node in s (a binary search of its sorted ids)? */
bool node_set_has(const struct node_set *s, uint32_t node);

/* Zone index of a name in cluster.zones, or -1. */
int scenario_zone_index(const struct scenario *sc, const char *name);
/*
 * Every node's zone (an array of cluster.nodes entries, caller frees): listed zones hold their
 * nodes, then each zone by count takes the lowest nodes no zone holds yet, in list order.
 * A node in no zone (an invalid scenario) gets UINT32_MAX. NULL when there are no zones.
 */
uint32_t *scenario_zone_map(const struct scenario *sc);
/* Is node in set s or in the zone named zone (NULL: none)? zone_map: scenario_zone_map's. */
bool scenario_node_selected(const struct scenario *sc, const struct node_set *s, const char *zone,
                            const uint32_t *zone_map, uint32_t node);
/* Does the scenario use the slow-node queue (cluster.service or faults.slow)? */
bool scenario_has_service(const struct scenario *sc);

/* Every default filled in (5 nodes, majority quorum, constant 1ms latency, ...). */
void scenario_init(struct scenario *sc);
void scenario_fini(struct scenario *sc); /* NULL-safe; frees every owned string and array */

/* Deep copy. */
void scenario_copy(struct scenario *dst, const struct scenario *src);

/* Cross-field checks for scenarios built in C (the YAML loader runs them too, with positions). */
bool scenario_validate(const struct scenario *sc, struct diag *d);

#endif

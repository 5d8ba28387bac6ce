/*
 * Tests for sim/scenario/scenario_yaml (and the key tables in sim/scenario/scenario_keys): parsing,
 * defaults, positioned diagnostics, --set overrides, sweep ranges, the resolved-YAML round trip for
 * every shipped scenario, and that scenarios/README.md is exactly the generated reference.
 * In-process; the command-line behaviour (exit codes, no files left) is in test_run.c.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/suggest.h"
#include "sim/scenario/scenario_keys.h"
#include "sim/scenario/scenario_yaml.h"
#include "testutil.h"

#define SCENARIO(name) ATLAS_SOURCE_DIR "/scenarios/" name

static struct scenario_doc *parse(const char *text, struct diag *d)
{
    return scenario_doc_parse("t.yaml", text, strlen(text), d);
}

/* Resolve text; assert success; caller finis the scenario. */
static void resolve_ok(const char *text, struct scenario *sc)
{
    struct diag d;
    diag_init(&d);
    struct scenario_doc *doc = parse(text, &d);
    bool ok = doc && scenario_doc_resolve(doc, sc, &d);
    if (!ok)
        diag_print(&d, stderr);
    cr_assert(ok, "resolving failed for:\n%s", text);
    scenario_doc_free(doc);
    diag_fini(&d);
}

static void assert_error(const char *text, const char *expected)
{
    char *got = tu_scenario_errors(text, 0, NULL);
    cr_assert(strstr(got, expected), "expected\n  %s\nin\n%s", expected, got);
    free(got);
}

static char *yaml_of(const struct scenario *sc)
{
    char *buf;
    size_t len;
    FILE *f = open_memstream(&buf, &len);
    scenario_write_yaml(sc, f);
    fclose(f);
    return buf;
}

Test(scenario_yaml, an_empty_mapping_resolves_to_the_defaults_of_scenario_init)
{
    struct scenario sc, def;
    resolve_ok("{}", &sc);
    scenario_init(&def);
    cr_assert_str_eq(sc.name, "t");
    cr_assert_eq(sc.seed, def.seed);
    cr_assert_eq(sc.duration, def.duration);
    cr_assert_eq(sc.nodes, def.nodes);
    cr_assert_eq(sc.consensus.quorum.kind, QUORUM_MAJORITY);
    cr_assert_eq(sc.consensus.approval, def.consensus.approval);
    cr_assert_eq(sc.heartbeat.interval, def.heartbeat.interval);
    cr_assert_eq(sc.output.votes, true);
    cr_assert_eq(sc.workload.generate.enabled, false);
    scenario_fini(&def);
    scenario_fini(&sc);
}

Test(scenario_yaml, quickstart_is_atlasdbs_example)
{
    struct diag d;
    diag_init(&d);
    struct scenario sc;
    cr_assert(scenario_load(SCENARIO("quickstart.yaml"), 0, NULL, &sc, &d));
    cr_assert_eq(sc.nodes, 5);
    cr_assert_eq(quorum_size(&sc.consensus.quorum, sc.nodes), 3);
    cr_assert_float_eq(sc.consensus.approval, 0.9, 0);
    cr_assert_eq(sc.graph.nvertices, 2);
    cr_assert_str_eq(sc.graph.vertices[0].id, "A");
    cr_assert_str_eq(sc.graph.vertices[0].label, "Person");
    cr_assert_str_eq(sc.graph.vertices[1].label, "Place");
    cr_assert_eq(sc.workload.nops, 1);
    const struct op_spec *op = &sc.workload.ops[0];
    cr_assert_eq(op->op, PROP_ADD_EDGE);
    cr_assert_eq(op->proposer, 0);
    cr_assert_str_eq(op->from, "A");
    cr_assert_str_eq(op->label, "visits");
    cr_assert_str_eq(op->to, "B");
    scenario_fini(&sc);
    diag_fini(&d);
}

Test(scenario_yaml, every_field_type_is_parsed_into_the_struct)
{
    struct scenario sc;
    resolve_ok("seed: 18446744073709551615\n"
               "duration: 1.5s\n"
               "cluster: {nodes: 7, quorum: 2/3}\n"
               "network:\n"
               "  latency: 250us\n"
               "  loss: 0.25\n"
               "  links: [{from: [2, 0], to: 1, latency: {dist: uniform, min: 1ms, max: 3ms},"
               " symmetric: false}]\n"
               "heartbeat: {topology: ring, fanout: 2, enabled: false}\n"
               "consensus: {approvals: [{node: 6, approval: 0.1}], durable: false}\n"
               "faults:\n"
               "  crashes: [{node: 3, at: 1s}]\n"
               "  partitions: [{at: 0s, heal: 1s, groups: [[0, 1], [2]], oneway: true}]\n"
               "  random: {mttf: {dist: exponential, mean: 20s}, mttr: 2s}\n"
               "graph:\n"
               "  vertices: [{id: A, label: P, props: {x: '1', y: two}}, {id: B, label: Q}]\n"
               "  edges: [{from: A, label: e, to: B}]\n"
               "workload:\n"
               "  generate: {count: 9, rate: 2.5, proposer: 4, mix: {remove_edge: 3}}\n"
               "output: {graph: [neo4j], traces: [heartbeats, messages], votes: false}\n",
               &sc);
    cr_assert_eq(sc.seed, UINT64_MAX);
    cr_assert_eq(sc.duration, 1500 * SIM_MS);
    cr_assert_eq(quorum_size(&sc.consensus.quorum, 7), 5);
    cr_assert_eq(dist_mean(&sc.network.latency), 250e3);
    cr_assert_eq(sc.network.nlinks, 1);
    cr_assert_eq(sc.network.links[0].from.n, 2);
    cr_assert_eq(sc.network.links[0].from.ids[0], 0, "node sets are sorted");
    cr_assert_eq(sc.network.links[0].loss, -1.0, "loss not given: inherit");
    cr_assert_eq(sc.network.links[0].symmetric, false);
    cr_assert_eq(sc.heartbeat.topology, HB_RING);
    cr_assert_eq(sc.heartbeat.enabled, false);
    cr_assert_eq(sc.consensus.approvals[0].node, 6);
    cr_assert_eq(sc.faults.crashes[0].recover, SIM_TIME_MAX);
    cr_assert_eq(sc.faults.partitions[0].ngroups, 2);
    cr_assert(sc.faults.partitions[0].oneway);
    cr_assert(sc.faults.random.enabled);
    cr_assert_str_eq(sc.graph.vertices[0].props[1].value, "two");
    cr_assert_eq(sc.workload.generate.proposer, 4);
    cr_assert_eq(sc.workload.generate.mix[PROP_ADD_VERTEX], 0.0);
    cr_assert_eq(sc.workload.generate.mix[PROP_REMOVE_EDGE], 3.0);
    cr_assert(sc.output.graph_neo4j && !sc.output.graph_dot);
    cr_assert(sc.output.trace_messages && sc.output.trace_heartbeats && !sc.output.votes);
    scenario_fini(&sc);
}

Test(scenario_yaml, unknown_keys_name_the_position_and_suggest_the_nearest_key)
{
    assert_error("cluster:\n  nodez: 5\n",
                 "t.yaml:2:3: error: cluster.nodez: unknown key 'nodez'; did you mean 'nodes'?");
    assert_error("netwrok: {}\n", "t.yaml:1:1: error: netwrok: unknown key 'netwrok'; did you "
                                  "mean 'network'?");
}

Test(scenario_yaml, wrong_types_and_ranges_are_errors_at_the_value)
{
    assert_error("cluster: {nodes: five}\n",
                 "t.yaml:1:18: error: cluster.nodes: expected a whole number, got 'five'");
    assert_error("network: {loss: 1.5}\n",
                 "t.yaml:1:17: error: network.loss: probability 1.5 is not in [0, 1]");
    assert_error("duration: -1s\n", "t.yaml:1:11: error: duration: duration '-1s' is negative");
    assert_error("consensus: {vote_timeout: 500}\n",
                 "t.yaml:1:27: error: consensus.vote_timeout: duration '500' has no unit");
    assert_error("cluster: {nodes: 3, quorum: 4}\n",
                 "t.yaml:1:29: error: cluster.quorum: quorum 4 is larger than the cluster");
    assert_error("faults: {crashes: [{node: 5, at: 1s}]}\n",
                 "t.yaml:1:27: error: faults.crashes[0].node: node 5 does not exist");
    assert_error("cluster: {nodes: [1]}\n", "cluster.nodes: expected a whole number, got a list");
}

Test(scenario_yaml, overlapping_partition_groups_are_an_error_at_the_repeated_node)
{
    assert_error("faults:\n  partitions: [{at: 1s, groups: [[0, 1], [2, 1]]}]\n",
                 "t.yaml:2:46: error: faults.partitions[0].groups[1]: node 1 is in groups 0 and 1");
}

Test(scenario_yaml, duplicate_keys_are_errors_that_point_at_both_places)
{
    assert_error("cluster:\n  nodes: 5\n  nodes: 6\n",
                 "t.yaml:3:3: error: cluster.nodes: duplicate key 'nodes' (first given at line 2, "
                 "column 3)");
}

Test(scenario_yaml, a_duplicate_key_does_not_hide_the_other_errors)
{
    char *got = tu_scenario_errors("seed: 1\nseed: 2\nnetwork: {loss: 2}\n", 0, NULL);
    cr_assert(strstr(got, "t.yaml:2:1: error: seed: duplicate key"), "%s", got);
    cr_assert(strstr(got, "t.yaml:3:17: error: network.loss"), "%s", got);
    free(got);
}

Test(scenario_yaml, syntax_errors_carry_libyamls_position)
{
    assert_error("cluster: {nodes: 5\n", "t.yaml:2:1: error: YAML syntax error");
    assert_error("a: b\n c: d\n", "t.yaml:2:3: error: YAML syntax error");
}

Test(scenario_yaml, empty_files_and_non_mappings_are_errors)
{
    assert_error("", "t.yaml: error: the file is empty");
    assert_error("# only a comment\n\n", "t.yaml: error: the file is empty");
    assert_error("- 1\n- 2\n", "t.yaml:1:1: error: a scenario must be a mapping");
}

Test(scenario_yaml, a_missing_file_is_an_error_naming_the_path)
{
    struct diag d;
    diag_init(&d);
    cr_assert_null(scenario_doc_load("/nonexistent/x.yaml", &d));
    cr_assert_eq(d.errors, 1);
    cr_assert_str_eq(d.items[0].file, "/nonexistent/x.yaml");
    cr_assert(strstr(d.items[0].msg, "cannot open"));
    diag_fini(&d);
}

Test(scenario_yaml, every_problem_is_reported_in_one_pass)
{
    char *got = tu_scenario_errors("cluster: {nodes: 3, quorum: 9}\nnetwork: {loss: -1, lost: 0}\n"
                                   "heartbeat: {interval: 0s}\nconsensus: {protocol: no-such}\n",
                                   0, NULL);
    const char *expected[] = {"cluster.quorum", "network.loss", "network.lost",
                              "heartbeat.interval", "consensus.protocol"};
    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
        cr_assert(strstr(got, expected[i]), "%s missing in\n%s", expected[i], got);
    free(got);
}

Test(scenario_yaml, a_negative_zero_probability_is_zero)
{
    struct diag d;
    diag_init(&d);
    struct scenario_doc *doc = parse("consensus: {approval: -0}\n", &d);
    struct scenario sc;
    cr_assert(scenario_doc_resolve(doc, &sc, &d));
    cr_assert_eq(sc.consensus.approval, 0.0);
    cr_assert_not(signbit(sc.consensus.approval), "-0 printed as -0 in resolved files");
    scenario_fini(&sc);
    scenario_doc_free(doc);
    diag_fini(&d);
}

/* `--set seed=` used to run with the default seed; an empty value is an error. */
Test(scenario_yaml, an_empty_set_value_is_an_error_not_the_default)
{
    const char *sets[] = {"seed=", "cluster.nodes=   "};
    char *got = tu_scenario_errors("{}", 2, sets);
    cr_assert(strstr(got, "--set:1:1: error: seed: empty value"), "%s", got);
    cr_assert(strstr(got, "--set:1:1: error: cluster.nodes: empty value"), "%s", got);
    free(got);
}

Test(scenario_yaml, set_overrides_a_key_with_the_same_checks_and_set_as_origin)
{
    struct diag d;
    diag_init(&d);
    struct scenario_doc *doc = parse("cluster: {nodes: 5}\n", &d);
    cr_assert(scenario_doc_set(doc, "cluster.nodes", "7", "--set", &d));
    cr_assert(
        scenario_doc_set(doc, "network.latency", "{dist: constant, value: 5ms}", "--set", &d));
    struct scenario sc;
    cr_assert(scenario_doc_resolve(doc, &sc, &d));
    cr_assert_eq(sc.nodes, 7);
    cr_assert_eq(dist_mean(&sc.network.latency), 5e6);
    scenario_fini(&sc);
    scenario_doc_free(doc);
    diag_fini(&d);

    const char *sets[] = {"cluster.nodes=0", "consensus.aproval=0.5"};
    char *got = tu_scenario_errors("{}", 2, sets);
    cr_assert(strstr(got, "--set:1:1: error: cluster.nodes: 0 is out of range"), "%s", got);
    cr_assert(strstr(got, "--set:1:1: error: consensus.aproval: unknown key 'aproval'; did you "
                          "mean 'approval'?"),
              "%s", got);
    free(got);
}

Test(scenario_yaml, set_reaches_into_distributions_and_list_items)
{
    struct diag d;
    diag_init(&d);
    struct scenario_doc *doc =
        parse("network: {latency: {dist: lognormal, median: 20ms, sigma: 0.5}}\n"
              "faults: {crashes: [{node: 1, at: 1s}]}\n",
              &d);
    cr_assert(scenario_doc_set(doc, "network.latency.median", "30ms", "--set", &d));
    cr_assert(scenario_doc_set(doc, "faults.crashes.0.at", "2s", "--set", &d));
    cr_assert_not(scenario_doc_set(doc, "faults.crashes.3.at", "2s", "--set", &d));
    struct scenario sc;
    cr_assert(scenario_doc_resolve(doc, &sc, &d));
    cr_assert_eq(sc.network.latency.v[0], 30e6);
    cr_assert_eq(sc.faults.crashes[0].at, 2 * SIM_S);
    scenario_fini(&sc);
    scenario_doc_free(doc);
    diag_fini(&d);
}

Test(scenario_yaml, a_list_index_may_be_written_in_brackets)
{
    struct diag d;
    diag_init(&d);
    struct scenario_doc *doc =
        parse("faults: {crashes: [{node: 1, at: 1s}, {node: 2, at: 1s}]}\n", &d);
    cr_assert(scenario_doc_set(doc, "faults.crashes[1].at", "3s", "--set", &d));
    cr_assert_not(scenario_doc_set(doc, "faults.crashes[2].at", "2s", "--set", &d));
    struct scenario sc;
    cr_assert(scenario_doc_resolve(doc, &sc, &d));
    cr_assert_eq(sc.faults.crashes[1].at, 3 * SIM_S);
    scenario_fini(&sc);
    scenario_doc_free(doc);
    diag_fini(&d);
}

Test(scenario_yaml, errors_say_what_is_wrong_and_what_is_allowed)
{
    static const char *const unit[] = {"network.latency=40"};
    char *got = tu_scenario_errors("{}\n", 1, unit);
    cr_assert(strstr(got, "network.latency: duration '40' has no unit (use ns, us, ms, s, m or "
                          "h); a bare duration such as 5ms is a constant"),
              "%s", got);
    free(got);
    static const char *const expo[] = {"consensus.vote_timeout=1e3ms"};
    got = tu_scenario_errors("{}\n", 1, expo);
    cr_assert(strstr(got, "duration '1e3ms' uses exponent notation"), "%s", got);
    free(got);
    assert_error("heartbeat: {topology: star}\n",
                 "heartbeat.topology: 'star' is not one of the allowed values (all, ring, random)");
    assert_error("output: {traces: [mesages]}\n",
                 "output.traces: 'mesages' is not one of the allowed values (messages, "
                 "heartbeats); did you mean 'messages'?");
}

Test(scenario_yaml, a_clone_is_independent_of_its_original)
{
    struct diag d;
    diag_init(&d);
    struct scenario_doc *doc = parse("cluster: {nodes: 5}\n", &d);
    struct scenario_doc *copy = scenario_doc_clone(doc);
    cr_assert(scenario_doc_set(copy, "cluster.nodes", "9", "--set", &d));
    struct scenario a, b;
    cr_assert(scenario_doc_resolve(doc, &a, &d));
    cr_assert(scenario_doc_resolve(copy, &b, &d));
    cr_assert_eq(a.nodes, 5);
    cr_assert_eq(b.nodes, 9);
    scenario_fini(&a);
    scenario_fini(&b);
    scenario_doc_free(copy);
    scenario_doc_free(doc);
    diag_fini(&d);
}

Test(scenario_yaml, sweep_ranges_expand_exactly)
{
    struct scenario sc;
    resolve_ok("sweep:\n  params:\n"
               "    consensus.approval: {from: 0.5, to: 0.95, step: 0.05}\n"
               "    cluster.nodes: {from: 3, to: 15, step: 2}\n"
               "    network.latency.median: {from: 10ms, to: 30ms, step: 10ms}\n"
               "    network.latency: [5ms, {dist: constant, value: 7ms}]\n"
               "  replications: 30\n",
               &sc);
    cr_assert_eq(sc.sweep.nparams, 4);
    const struct sweep_param *p = &sc.sweep.params[0];
    cr_assert_str_eq(p->path, "consensus.approval");
    cr_assert_eq(p->nvalues, 10);
    const char *approvals[] = {"0.5",  "0.55", "0.6",  "0.65", "0.7",
                               "0.75", "0.8",  "0.85", "0.9",  "0.95"};
    for (size_t i = 0; i < 10; i++)
        cr_assert_str_eq(p->values[i], approvals[i]);
    cr_assert_eq(sc.sweep.params[1].nvalues, 7);
    cr_assert_str_eq(sc.sweep.params[1].values[6], "15");
    cr_assert_str_eq(sc.sweep.params[2].values[2], "30ms");
    cr_assert_str_eq(sc.sweep.params[3].values[1], "{dist: constant, value: 7ms}");
    cr_assert_eq(sc.sweep.replications, 30);
    scenario_fini(&sc);
}

Test(scenario_yaml, sweep_paths_must_be_scenario_keys)
{
    assert_error("sweep: {params: {consensus.aproval: [0.5]}}\n",
                 "t.yaml:1:18: error: sweep.params.consensus.aproval: 'consensus.aproval' is not a "
                 "scenario key; did you mean 'approval'?");
}

Test(scenario_yaml, operations_need_their_fields_and_edges_need_their_vertices)
{
    assert_error("workload: {ops: [{at: 1s, proposer: 0, op: add_edge, from: A, to: B}]}\n",
                 "workload.ops[0]: add_edge needs key 'label'");
    assert_error("graph: {vertices: [{id: A, label: P}], edges: [{from: A, label: e, to: Z}]}\n",
                 "graph.edges[0].to: vertex 'Z' does not exist");
    assert_error("graph: {vertices: [{id: A, label: P}, {id: A, label: Q}]}\n",
                 "graph.vertices[1].id: vertex 'A' is defined twice");
}

Test(scenario_yaml, distributions_are_checked_by_their_family_table)
{
    assert_error("network: {latency: {dist: lognormel, median: 1ms}}\n",
                 "network.latency.dist: unknown distribution 'lognormel'; did you mean "
                 "'lognormal'?");
    assert_error("network: {latency: {dist: lognormal, sigma: 0.5}}\n",
                 "t.yaml:1:20: error: network.latency: lognormal needs parameter 'median'");
    assert_error("network: {latency: {dist: constant, valeu: 1ms}}\n",
                 "network.latency.valeu: constant has no parameter 'valeu'; did you mean 'value'?");
}

Test(scenario_yaml, a_bare_mttf_or_mttr_is_the_mean_of_an_exponential)
{
    struct scenario sc;
    resolve_ok("faults: {random: {mttf: 30s, mttr: 2s}}\n", &sc);
    cr_assert_eq(sc.faults.random.mttf.ops, dist_find("exponential"));
    cr_assert_eq(sc.faults.random.mttr.ops, dist_find("exponential"));
    char *yaml = yaml_of(&sc);
    cr_assert(strstr(yaml, "mttf: {dist: exponential, mean: 30s"), "%s", yaml);
    cr_assert(strstr(yaml, "mttr: {dist: exponential, mean: 2s"), "%s", yaml);
    free(yaml);
    scenario_fini(&sc);
    /* written out, any family is taken as given; a latency's bare duration stays constant */
    resolve_ok("network: {latency: 5ms}\n"
               "faults: {random: {mttf: {dist: constant, value: 30s}, mttr: 2s}}\n",
               &sc);
    cr_assert_eq(sc.faults.random.mttf.ops, dist_find("constant"));
    cr_assert_eq(sc.network.latency.ops, dist_find("constant"));
    scenario_fini(&sc);
}

Test(scenario_yaml, overlapping_crash_windows_of_one_node_are_an_error_at_the_later_crash)
{
    assert_error("faults:\n"
                 "  crashes:\n"
                 "    - {node: 1, at: 4s, recover: 8s}\n"
                 "    - {node: 2, at: 3s, recover: 5s}\n"
                 "    - {node: 1, at: 2s, recover: 6s}\n",
                 "t.yaml:3:21: error: faults.crashes[0].at: node 1 is already down from 2s to 6s "
                 "(faults.crashes[2]); a node's crash windows must not overlap");
    assert_error("faults: {crashes: [{node: 0, at: 1s}, {node: 0, at: 9s, recover: 10s}]}\n",
                 "faults.crashes[1].at: node 0 is already down from 1s to the end");
    /* back to back (recover at 6s, crash again at 6s) and other nodes are fine */
    char *none =
        tu_scenario_errors("faults:\n"
                           "  crashes: [{node: 1, at: 2s, recover: 6s}, {node: 1, at: 6s},\n"
                           "            {node: 2, at: 2s, recover: 6s}]\n",
                           0, NULL);
    cr_assert_str_eq(none, "");
    free(none);
}

/* Resolve a file, write it as YAML, resolve that text, and write it again: same text. */
static void assert_round_trip(const char *path)
{
    struct diag d;
    diag_init(&d);
    struct scenario a, b;
    cr_assert(scenario_load(path, 0, NULL, &a, &d), "%s", path);
    char *first = yaml_of(&a);
    struct scenario_doc *doc = scenario_doc_parse("resolved.yaml", first, strlen(first), &d);
    cr_assert_not_null(doc);
    bool ok = scenario_doc_resolve(doc, &b, &d);
    if (!ok)
        diag_print(&d, stderr);
    cr_assert(ok, "%s: the resolved YAML does not resolve:\n%s", path, first);
    char *second = yaml_of(&b);
    cr_assert_str_eq(first, second, "%s", path);
    cr_assert_str_eq(a.name, b.name);
    cr_assert_eq(a.seed, b.seed);
    free(first);
    free(second);
    scenario_fini(&a);
    scenario_fini(&b);
    scenario_doc_free(doc);
    diag_fini(&d);
}

Test(scenario_yaml, every_shipped_scenario_round_trips_through_its_resolved_yaml)
{
    const char *names[] = {"quickstart.yaml",       "wan-lognormal.yaml",
                           "lossy-heartbeats.yaml", "crash-recovery.yaml",
                           "partition.yaml",        "sweep-approval-nodes.yaml"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char path[512];
        snprintf(path, sizeof(path), "%s/scenarios/%s", ATLAS_SOURCE_DIR, names[i]);
        assert_round_trip(path);
    }
}

Test(scenario_yaml, the_resolved_yaml_spells_out_every_default_and_the_seed)
{
    struct scenario sc;
    resolve_ok("seed: 99\n", &sc);
    char *text = yaml_of(&sc);
    const char *keys[] = {"seed: 99\n",
                          "duration: 10s\n",
                          "  nodes: 5\n",
                          "  quorum: majority\n",
                          "  latency: {dist: constant, value: 1ms}\n",
                          "  approval: 0.9\n",
                          "  votes: true\n",
                          "  replications: 1\n"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        cr_assert(strstr(text, keys[i]), "'%s' missing in\n%s", keys[i], text);
    free(text);
    scenario_fini(&sc);
}

Test(scenario_yaml, scenarios_readme_is_the_generated_reference)
{
    char *expected;
    size_t len;
    FILE *f = open_memstream(&expected, &len);
    scenario_write_reference(f);
    fclose(f);
    char *checked_in = tu_slurp(SCENARIO("README.md"), NULL);
    cr_assert(strcmp(expected, checked_in) == 0,
              "scenarios/README.md is stale: regenerate it with "
              "`atlas-sim validate --reference > scenarios/README.md`");
    free(expected);
    free(checked_in);
}

Test(scenario_yaml, the_reference_documents_every_key_path)
{
    char *ref;
    size_t len;
    FILE *f = open_memstream(&ref, &len);
    scenario_write_reference(f);
    fclose(f);
    const char *paths[] = {"`seed`",
                           "`duration`",
                           "`cluster.nodes`",
                           "`cluster.quorum`",
                           "`network.latency`",
                           "`network.loss`",
                           "`heartbeat.interval`",
                           "`heartbeat.timeout`",
                           "`heartbeat.loss`",
                           "`heartbeat.topology`",
                           "`faults.crashes`",
                           "`faults.random`",
                           "`faults.partitions`",
                           "`consensus.protocol`",
                           "`consensus.approval`",
                           "`consensus.vote_timeout`",
                           "`graph.vertices`",
                           "`graph.edges`",
                           "`workload.ops`",
                           "`workload.generate`",
                           "`sweep.params`",
                           "`sweep.replications`",
                           "`output.votes`",
                           "| `lognormal` |"};
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
        cr_assert(strstr(ref, paths[i]), "%s is not documented", paths[i]);
    free(ref);
}

Test(scenario_yaml, suggest_distance_counts_insertions_deletions_and_substitutions)
{
    cr_assert_eq(suggest_distance("nodes", "nodes"), 0);
    cr_assert_eq(suggest_distance("nodez", "nodes"), 1);
    cr_assert_eq(suggest_distance("aproval", "approval"), 1);
    cr_assert_eq(suggest_distance("", "abc"), 3);
    cr_assert_eq(suggest_distance("kitten", "sitting"), 3);
}

Test(scenario_yaml, a_collection_used_as_a_key_is_an_error_and_the_rest_is_still_checked)
{
    char *got =
        tu_scenario_errors("? [a, b]\n: 1\nseed: 1\nseed: 2\nnetwork: {loss: 3}\n", 0, NULL);
    cr_assert(strstr(got, "t.yaml:1:3: error: mapping keys must be plain names"), "%s", got);
    cr_assert(strstr(got, "t.yaml:4:1: error: seed: duplicate key"), "%s", got);
    cr_assert(strstr(got, "t.yaml:5:17: error: network.loss"), "%s", got);
    free(got);
}

/* ---- regressions found by tests/fuzz/fuzz_scenario (see TESTING.md, "Fuzzing") ---- */

/*
 * The fuzz target's property on one input: if text resolves, its resolved YAML resolves
 * again and is written identically. Returns whether text resolved; its diagnostics in *msgs.
 */
static bool fuzz_property(const char *text, char **msgs)
{
    struct diag d;
    diag_init(&d);
    struct scenario_doc *doc = parse(text, &d);
    struct scenario a;
    bool ok = doc && scenario_doc_resolve(doc, &a, &d);
    if (ok) {
        char *first = yaml_of(&a);
        struct diag d2;
        diag_init(&d2);
        struct scenario_doc *doc2 = scenario_doc_parse("resolved.yaml", first, strlen(first), &d2);
        struct scenario b;
        bool again = doc2 && scenario_doc_resolve(doc2, &b, &d2);
        if (!again)
            diag_print(&d2, stderr);
        cr_assert(again, "the resolved YAML of\n%s\ndoes not resolve:\n%s", text, first);
        char *second = yaml_of(&b);
        cr_assert_str_eq(first, second);
        free(first);
        free(second);
        scenario_fini(&b);
        scenario_doc_free(doc2);
        diag_fini(&d2);
        scenario_fini(&a);
    }
    size_t len;
    FILE *f = open_memstream(msgs, &len);
    diag_print(&d, f);
    fclose(f);
    scenario_doc_free(doc);
    diag_fini(&d);
    return ok;
}

Test(scenario_yaml, a_null_operation_field_is_missing_not_given)
{
    /* fuzz: `to: &B` (an anchored empty value) resolved to an edge without a target, whose
     * resolved YAML then lacked `to` and failed to load */
    static const char *const tos[] = {"&B", "~", "", "null"};
    for (size_t i = 0; i < sizeof(tos) / sizeof(tos[0]); i++) {
        char text[256], *msgs;
        snprintf(text, sizeof(text),
                 "graph: {vertices: [{id: A, label: P}, {id: B, label: P}]}\n"
                 "workload:\n"
                 "  ops:\n"
                 "    - {at: 1s, proposer: 0, op: add_edge, from: A, label: e, to: %s}\n",
                 tos[i]);
        cr_assert_not(fuzz_property(text, &msgs), "to: %s resolved", tos[i]);
        cr_assert(strstr(msgs, "t.yaml:4:7: error: workload.ops[0]: add_edge needs key 'to'"),
                  "to: %s\n%s", tos[i], msgs);
        free(msgs);
    }
}

Test(scenario_yaml, a_long_sweep_range_is_taken_over_whole)
{
    /* fuzz (slow unit): ranges of ~18,000 values were copied one value at a time into an
     * array regrown by one each time: 6 s and 1.5 GB under ASan for a 300-byte file */
    struct scenario sc;
    resolve_ok("sweep:\n"
               "  params:\n"
               "    consensus.approval: [0.5, 0.9]\n"
               "    heartbeat.interval: {from: 5.5ms, to: 905ms, step: 0.05ms}\n",
               &sc);
    cr_assert_eq(sc.sweep.nparams, 2);
    cr_assert_eq(sc.sweep.params[0].nvalues, 2);
    cr_assert_str_eq(sc.sweep.params[0].values[1], "0.9");
    const struct sweep_param *p = &sc.sweep.params[1];
    cr_assert_eq(p->nvalues, 17991); /* (905 - 5.5) / 0.05 + 1 */
    cr_assert_str_eq(p->values[0], "5.5ms");
    cr_assert_str_eq(p->values[p->nvalues - 1], "905ms");
    char *msgs;
    cr_assert(fuzz_property("sweep: {params: {consensus.approval: {from: 0.5, to: 0.95, step: "
                            "0.00005}}}\n",
                            &msgs),
              "%s", msgs);
    free(msgs);
    scenario_fini(&sc);
}

Test(scenario_yaml, a_sweep_of_more_points_than_allowed_stops_expanding_ranges)
{
    /* a few lines of ranges could ask for billions of value strings before the sweep plan
     * refused the point count: expansion stops at the range that goes past SWEEP_MAX_POINTS */
    char *got = tu_scenario_errors("sweep:\n"
                                   "  params:\n"
                                   "    consensus.approval: {from: 0, to: 1, step: 0.001}\n"
                                   "    network.loss: {from: 0, to: 1, step: 0.001}\n"
                                   "    cluster.nodes: {from: 1, to: 1000000, step: 1}\n"
                                   "    seed: [1, 2]\n",
                                   0, NULL);
    cr_assert(strstr(got, "t.yaml:4:19: error: sweep.params.network.loss: the sweep has more than "
                          "1000000 points"),
              "%s", got);
    cr_assert_null(strstr(got, "cluster.nodes"), "reported once: %s", got);
    free(got);
    struct scenario sc;
    resolve_ok("sweep: {params: {consensus.approval: {from: 0, to: 1, step: 0.001}, "
               "cluster.nodes: {from: 1, to: 999, step: 1}}}\n",
               &sc); /* 1,001 x 999 = 999,999 points: allowed */
    cr_assert_eq(sc.sweep.params[1].nvalues, 999);
    scenario_fini(&sc);
}

Test(scenario_yaml, a_sweep_of_more_runs_than_allowed_is_refused_at_its_replications)
{
    char *got = tu_scenario_errors("sweep:\n"
                                   "  params:\n"
                                   "    cluster.nodes: {from: 1, to: 11, step: 1}\n"
                                   "  replications: 1000000\n",
                                   0, NULL);
    cr_assert(strstr(got, "t.yaml:4:17: error: sweep.replications: the sweep has 11000000 runs "
                          "(11 points x 1000000 replications; at most 10000000)"),
              "%s", got);
    free(got);
    struct scenario sc;
    resolve_ok("sweep: {params: {cluster.nodes: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}, "
               "replications: 1000000}\n",
               &sc); /* exactly 10,000,000 runs: allowed */
    scenario_fini(&sc);
}

/* --- zones, slow periods and clogs (issue 17 items 2 and 3) --- */

static const char zones3[] = "cluster:\n"
                             "  nodes: 6\n"
                             "  zones:\n"
                             "    - {name: us, count: 2}\n"
                             "    - {name: eu, nodes: [2, 5]}\n"
                             "    - {name: ap, count: 2}\n";

Test(scenario_yaml, zones_by_count_take_the_lowest_nodes_no_listed_zone_holds)
{
    struct scenario sc;
    resolve_ok(zones3, &sc);
    uint32_t *zone = scenario_zone_map(&sc);
    const uint32_t expected[6] = {0, 0, 1, 2, 2, 1};
    for (uint32_t i = 0; i < 6; i++)
        cr_assert_eq(zone[i], expected[i], "node %u is in zone %u, not %u", i, zone[i],
                     expected[i]);
    free(zone);
    cr_assert_eq(scenario_zone_index(&sc, "ap"), 2);
    cr_assert_eq(scenario_zone_index(&sc, "mars"), -1);
    scenario_fini(&sc);
}

Test(scenario_yaml, a_node_in_two_zones_or_in_none_is_an_error_with_its_position)
{
    assert_error("cluster:\n  nodes: 4\n  zones:\n    - {name: a, nodes: [0, 1]}\n"
                 "    - {name: b, nodes: [1, 2, 3]}\n",
                 "t.yaml:5:24: error: cluster.zones[1]: node 1 is already in zone 'a'");
    assert_error("cluster:\n  nodes: 5\n  zones:\n    - {name: a, count: 2}\n"
                 "    - {name: b, nodes: [2]}\n",
                 "t.yaml:4:5: error: cluster.zones: the zones hold 3 nodes (1 listed, 2 by "
                 "count) but cluster.nodes is 5");
    assert_error("cluster:\n  nodes: 2\n  zones: [{name: a, count: 1}, {name: a, count: 1}]\n",
                 "t.yaml:3:39: error: cluster.zones[1]: zone 'a' is already cluster.zones[0]");
    assert_error("cluster:\n  nodes: 2\n  zones: [{name: a, count: 1, nodes: [1]}]\n",
                 "t.yaml:3:11: error: cluster.zones[0]: a zone needs either 'count' or 'nodes', "
                 "not both");
}

Test(scenario_yaml, an_unknown_zone_name_is_an_error_that_suggests_the_closest)
{
    char text[1024];
    snprintf(text, sizeof(text),
             "%snetwork:\n  zone_latency: [{from: us, to: ep, latency: 40ms}]\n"
             "faults:\n  partitions: [{at: 1s, isolate: eu, groups: [[0]]}]\n"
             "  zone_crashes: [{zone: asia, at: 1s}]\n",
             zones3);
    char *got = tu_scenario_errors(text, 0, NULL);
    const char *want[] = {
        "t.yaml:8:33: error: network.zone_latency[0].to: no zone named 'ep' in cluster.zones; "
        "did you mean 'eu'?",
        "t.yaml:10:16: error: faults.partitions[0]: a partition needs either 'groups' or "
        "'isolate' (a zone), not both",
        "t.yaml:11:25: error: faults.zone_crashes[0].zone: no zone named 'asia' in "
        "cluster.zones"};
    for (size_t i = 0; i < 3; i++)
        cr_assert(strstr(got, want[i]), "expected\n  %s\nin\n%s", want[i], got);
    free(got);
    assert_error("faults:\n  zone_crashes: [{zone: eu, at: 1s}]\n",
                 "t.yaml:2:25: error: faults.zone_crashes[0].zone: no zones: cluster.zones is "
                 "not given");
    assert_error("faults:\n  zone_random: {mttf: 1s, mttr: 1s}\n",
                 "t.yaml:2:16: error: faults.zone_random: random zone outages need zones: "
                 "cluster.zones is not given");
}

Test(scenario_yaml, slow_periods_need_one_service_and_must_not_overlap_on_a_node)
{
    assert_error("faults:\n  slow: [{nodes: [1], at: 1s, end: 2s, factor: 3}]\n",
                 "t.yaml:2:48: error: faults.slow[0]: 'factor' multiplies cluster.service, which "
                 "is not given (use 'service')");
    assert_error("faults:\n  slow: [{nodes: [1], at: 1s, end: 2s}]\n",
                 "t.yaml:2:10: error: faults.slow[0]: a slow period needs either 'service' or "
                 "'factor', not neither");
    assert_error("faults:\n  slow:\n    - {nodes: [1, 2], at: 1s, end: 3s, service: 5ms}\n"
                 "    - {nodes: [2], at: 2s, service: 9ms}\n",
                 "t.yaml:4:7: error: faults.slow[1]: node 2 is already slow then (faults.slow[0])");
    assert_error("faults:\n  clogs: [{from: 0, to: 1, at: 2s, end: 1s}]\n",
                 "t.yaml:2:41: error: faults.clogs[0].end: end must be later than the start (at)");
}

Test(scenario_yaml, zone_keys_round_trip_and_stay_out_of_resolved_files_when_not_given)
{
    struct scenario sc;
    char text[1024];
    snprintf(text, sizeof(text),
             "%s  service: {dist: exponential, mean: 1ms}\nnetwork:\n"
             "  zone_latency: [{from: us, to: eu, latency: 40ms}]\n"
             "faults:\n  partitions: [{at: 1s, isolate: eu}]\n"
             "  zone_random: {mttf: 10s, mttr: 1s}\n"
             "  slow: [{zone: ap, at: 1s, end: 2s, factor: 4}]\n"
             "  clogs: [{from_zone: us, to: [5], at: 1s, end: 2s}]\n",
             zones3);
    resolve_ok(text, &sc);
    char *first = yaml_of(&sc);
    scenario_fini(&sc);
    resolve_ok(first, &sc);
    char *second = yaml_of(&sc);
    cr_assert_str_eq(first, second);
    cr_assert(strstr(first, "    - {at: 1s, heal: never, isolate: \"eu\", oneway: false}\n"), "%s",
              first);
    scenario_fini(&sc);
    free(first);
    free(second);
    resolve_ok("{}", &sc);
    char *plain = yaml_of(&sc);
    const char *absent[] = {"zones",       "service", "zone_latency", "zone_crashes",
                            "zone_random", "slow",    "clogs",        "isolate"};
    for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
        cr_assert_null(strstr(plain, absent[i]), "'%s' written without being given", absent[i]);
    free(plain);
    scenario_fini(&sc);
}

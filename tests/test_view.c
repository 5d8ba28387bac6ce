/*
 * test_view: analysis/view (issue 18): the streaming window against a brute-force oracle,
 * intervals from event pairs, duplicates, errors, and escaping in every writer. The page in
 * a real browser is tests/view/browser_test.sh (ctest view_browser).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/view.h"
#include "analysis/view_impl.h"
#include "testutil.h"

static char dir[256];

static void setup(void)
{
    tu_tmpdir(dir, sizeof(dir), "view");
}

static void teardown(void)
{
    tu_rmtree(dir);
}

TestSuite(view, .init = setup, .fini = teardown);

static void put_file(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fputs(text, f);
    cr_assert(fclose(f) == 0);
}

#define MSG_HEAD "run,rep,seed,sent_s,delivered_s,from,to,kind,proposal,fate\n"
#define EV_HEAD  "run,rep,seed,time_s,node,event,detail\n"

static const struct view_window everything = {-1e300, 1e300, 1000000};

static struct view *load(const struct view_window *w)
{
    struct errbuf e = {{0}};
    struct view *v = view_load(dir, w, &e);
    cr_assert(v, "%s", e.msg);
    return v;
}

static char *load_error(void)
{
    struct errbuf e = {{0}};
    struct view *v = view_load(dir, &everything, &e);
    cr_assert_null(v);
    return strdup(e.msg);
}

static size_t count_type(const struct view *v, enum item_type t)
{
    size_t n = 0;
    for (size_t i = 0; i < v->n; i++)
        n += v->items[i].type == t;
    return n;
}

static const struct item *find(const struct view *v, enum item_type t, const char *name, long a)
{
    for (size_t i = 0; i < v->n; i++)
        if (v->items[i].type == t && !strcmp(v->items[i].name, name) && v->items[i].a == a)
            return &v->items[i];
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

Test(view, the_limit_cuts_at_an_instant_and_never_splits_it)
{
    put_file("messages.csv", MSG_HEAD "0,0,1,3,3.1,0,1,vote,p-1,delivered\n"
                                      "0,0,1,2,2.1,0,1,vote,p-1,delivered\n"
                                      "0,0,1,1,1.1,0,1,vote,p-1,delivered\n"
                                      "0,0,1,2,2.2,1,0,vote,p-1,delivered\n");
    struct view_window w = {-1e300, 1e300, 2};
    struct view *v = load(&w); /* the 3rd item is at 2 s, as is the 2nd: both go */
    cr_assert(view_narrowed(v));
    cr_assert_eq(view_messages(v), 1);
    cr_assert_float_eq(v->items[0].t0, 1.0, 0);
    cr_assert_float_eq(v->cut, 2.0, 0);
    view_free(v);
    w.max_items = 3;
    v = load(&w);
    cr_assert(view_narrowed(v));
    cr_assert_eq(view_messages(v), 3);
    view_free(v);
    w.max_items = 4;
    v = load(&w);
    cr_assert_not(view_narrowed(v));
    cr_assert_eq(view_messages(v), 4);
    cr_assert_float_eq(v->items[0].t0, 3.0, 0, "file order is kept");
    view_free(v);
}

/* The bounded heap keeps exactly what sorting everything and cutting would keep. */
Test(view, streaming_keeps_what_a_full_sort_would_keep)
{
    enum { N = 3000 };
    static double t[N], sorted[N];
    char *text = malloc(N * 64 + 128), *p = text;
    p += sprintf(p, MSG_HEAD);
    srand(7);
    for (int i = 0; i < N; i++) {
        t[i] = (double)(rand() % 500) / 100.0; /* many equal times */
        p += sprintf(p, "0,0,1,%.2f,NA,%d,%d,k,p-%d,lost\n", t[i], i % 3, (i + 1) % 3, i);
    }
    put_file("messages.csv", text);
    free(text);
    size_t limits[] = {1, 10, 999, 2999, 3000, 5000};
    for (size_t l = 0; l < sizeof(limits) / sizeof(limits[0]); l++) {
        struct view_window w = {0.5, 4.5, limits[l]};
        size_t m = 0;
        for (int i = 0; i < N; i++)
            if (t[i] >= w.from && t[i] <= w.to)
                sorted[m++] = t[i];
        qsort(sorted, m, sizeof(double), cmp_double);
        size_t want = m;
        if (m > w.max_items)
            for (want = 0; sorted[want] < sorted[w.max_items]; want++)
                continue;
        struct view *v = load(&w);
        cr_assert_eq(view_messages(v), want, "max %zu: %zu kept, %zu expected", w.max_items,
                     view_messages(v), want);
        cr_assert_eq(view_narrowed(v), m > w.max_items);
        for (size_t i = 1; i < v->n; i++)
            cr_assert_lt(v->items[i - 1].seq, v->items[i].seq, "file order");
        view_free(v);
    }
}

Test(view, event_pairs_become_intervals_and_unpaired_ones_stay_points)
{
    put_file("messages.csv", MSG_HEAD "0,0,1,0.5,0.6,0,1,vote,p-1,delivered\n");
    put_file("events.csv", EV_HEAD "0,0,1,1,2,leader,term=1\n"
                                   "0,0,1,1.5,0,suspect,peer=1 (alive)\n"
                                   "0,0,1,1.6,0,suspect,peer=2\n"
                                   "0,0,1,2,NA,partition,partition 0: 2 groups\n"
                                   "0,0,1,2.5,0,trust,peer=1\n"
                                   "0,0,1,3,1,leader,term=2\n"
                                   "0,0,1,4,1,crash,durable\n"
                                   "0,0,1,4.5,3,trust,peer=0\n"
                                   "0,0,1,5,NA,heal,partition 0: 2 groups\n"
                                   "0,0,1,6,1,recover,durable\n"
                                   "0,0,1,7,0,suspect,peer=1\n"
                                   "0,0,1,9,1,commit,p-1\n");
    struct view *v = load(&everything);
    const struct item *s = find(v, ITEM_SPAN, "leader", 2);
    cr_assert(s && s->t0 == 1 && s->t1 == 3, "a later leader ends a leadership");
    s = find(v, ITEM_SPAN, "leader", 1);
    cr_assert(s && s->t0 == 3 && s->t1 == 4, "its node's crash ends a leadership");
    s = find(v, ITEM_SPAN, "down", 1);
    cr_assert(s && s->t0 == 4 && s->t1 == 6 && !strcmp(s->proposal, "down (durable)"));
    cr_assert(strstr(s->row, ",crash,") && strstr(s->row, "\n0,0,1,6,1,recover,"));
    s = find(v, ITEM_SPAN, "partition", VIEW_CLUSTER);
    cr_assert(s && s->t0 == 2 && s->t1 == 5);
    size_t suspicions = 0;
    for (size_t i = 0; i < v->n; i++) {
        const struct item *it = &v->items[i];
        if (it->type != ITEM_SPAN || strcmp(it->name, "suspect"))
            continue;
        suspicions++;
        if (it->t0 == 1.5)
            cr_assert_float_eq(it->t1, 2.5, 0, "trust of that peer ends it");
        else if (it->t0 == 1.6)
            cr_assert_float_eq(it->t1, 9, 0, "open at the end: until the last time");
        else
            cr_assert_float_eq(it->t0, 7, 0);
    }
    cr_assert_eq(suspicions, 3);
    cr_assert(find(v, ITEM_EVENT, "trust", 3), "a trust with no suspicion is a point");
    cr_assert(find(v, ITEM_EVENT, "commit", 1));
    cr_assert_eq(count_type(v, ITEM_EVENT), 2);
    view_free(v);
}

Test(view, an_interval_that_overlaps_the_window_is_kept_and_one_outside_is_not)
{
    put_file("messages.csv", MSG_HEAD "0,0,1,5,5.1,0,1,vote,p-1,delivered\n");
    put_file("events.csv", EV_HEAD "0,0,1,1,0,crash,durable\n0,0,1,2,0,recover,durable\n"
                                   "0,0,1,3,1,crash,durable\n0,0,1,6,1,recover,durable\n");
    struct view_window w = {4, 10, 100};
    struct view *v = load(&w);
    cr_assert_null(find(v, ITEM_SPAN, "down", 0));
    const struct item *s = find(v, ITEM_SPAN, "down", 1);
    cr_assert(s && s->t0 == 3 && s->key == 4);
    view_free(v);
}

Test(view, outcomes_are_intervals_on_the_proposers_lane)
{
    put_file("messages.csv", MSG_HEAD);
    put_file("outcomes.csv", "run,rep,seed,proposal,proposer,op,submitted_s,decided_s,yes,no,"
                             "missing,quorum,outcome,args\n"
                             "0,0,1,p-1,2,add_vertex,1,1.5,3,0,0,3,approved,v\n"
                             "0,0,1,p-2,0,add_vertex,2,NA,0,0,3,3,timeout,v\n");
    struct view *v = load(&everything);
    const struct item *o = find(v, ITEM_OUTCOME, "approved", 2);
    cr_assert(o && o->t0 == 1 && o->t1 == 1.5 && !strcmp(o->proposal, "p-1"));
    o = find(v, ITEM_OUTCOME, "timeout", 0);
    cr_assert(o && o->t1 < 0, "undecided");
    view_free(v);
}

Test(view, a_second_copy_of_a_message_is_a_duplicate_and_the_first_is_not)
{
    put_file("messages.csv", MSG_HEAD "0,0,1,1,1.2,0,1,vote,p-1,delivered\n"
                                      "0,0,1,1,1.1,0,2,vote,p-1,delivered\n"
                                      "0,0,1,1,1.4,0,1,vote,p-1,delivered\n"
                                      "0,0,1,1,NA,0,1,vote,p-1,dead_receiver\n"
                                      "0,0,1,1,1.3,0,1,vote,p-2,delivered\n");
    struct view *v = load(&everything);
    bool want[] = {false, false, true, true, false};
    for (size_t i = 0; i < v->n; i++)
        cr_assert_eq(v->items[i].dup, want[i], "row %zu", i + 2);
    view_free(v);
}

Test(view, bad_input_names_the_file_and_line)
{
    char *m = load_error();
    cr_assert(strstr(m, dir) && strstr(m, ": no messages.csv (run with output.traces"), "%s", m);
    free(m);
    put_file("messages.csv", MSG_HEAD "0,0,1,1,1.2,0,1,vote,p-1,delivered\n"
                                      "0,0,1,1,1.2,NA,1,vote,p-1,delivered\n");
    m = load_error();
    cr_assert(strstr(m, "messages.csv:3: from or to is not a node number"), "%s", m);
    free(m);
    put_file("messages.csv", MSG_HEAD "0,0,1,x,1.2,0,1,vote,p-1,delivered\n");
    m = load_error();
    cr_assert(strstr(m, "messages.csv:2: sent_s is not a number"), "%s", m);
    free(m);
    put_file("messages.csv", MSG_HEAD "0,0,1,1,1.2,0,1,vote,\"p-1,delivered\n");
    m = load_error();
    cr_assert(strstr(m, "messages.csv:2:22: quoted field is never closed"), "%s", m);
    free(m);
    put_file("messages.csv", "run,rep,seed,sent_s,from,to,kind,proposal,fate\n");
    m = load_error();
    cr_assert(strstr(m, "messages.csv: no column 'delivered_s'"), "%s", m);
    free(m);
    put_file("messages.csv", MSG_HEAD);
    put_file("events.csv", EV_HEAD "0,0,1,1,node7,crash,durable\n");
    m = load_error();
    cr_assert(strstr(m, "events.csv:2: node is neither a node number nor NA"), "%s", m);
    free(m);
}

/* The writer's whole output for the view of dir. */
static char *written(bool (*write)(const struct view *, FILE *))
{
    struct view *v = load(&everything);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert(write(v, f));
    cr_assert(fclose(f) == 0);
    view_free(v);
    return buf;
}

static bool write_html(const struct view *v, FILE *f)
{
    return view_write_html(v, "run <\"&\">", f);
}

static size_t occurrences(const char *s, const char *what)
{
    size_t n = 0;
    for (; (s = strstr(s, what)) != NULL; s++)
        n++;
    return n;
}

static void put_hostile(void)
{
    put_file("messages.csv",
             MSG_HEAD "0,0,1,1,1.5,0,1,\"say \"\"hi\"\" <b>\",\"p</title><script>x</script>\","
                      "delivered\n"
                      "0,0,1,1.1,NA,1,0,\"a;b#c%%d:e\",\"line one\nline two\r\\n & 'q'\",lost\n");
    put_file("events.csv", EV_HEAD "0,0,1,1.3,NA,violation,\"</svg><x a=\"\"b\"\">&\"\n");
}

Test(view, html_escapes_every_text_from_the_csv)
{
    put_hostile();
    char *html = written(write_html);
    cr_assert_eq(occurrences(html, "<script"), 1, "only the page's own script");
    cr_assert_eq(occurrences(html, "</svg>"), 1);
    cr_assert_eq(occurrences(html, "</title>"), 4, "the page's and one per item");
    cr_assert(strstr(html, "<title>run &lt;&quot;&amp;&quot;&gt;</title>"));
    cr_assert(strstr(html, "data-k=\"say &quot;hi&quot; &lt;b&gt;\""));
    cr_assert(strstr(html, "data-p=\"p&lt;/title&gt;&lt;script&gt;x&lt;/script&gt;\""));
    cr_assert(strstr(html, "data-p=\"line one\nline two&#13;\\n &amp; &#39;q&#39;\""));
    cr_assert(strstr(html, "&lt;/svg&gt;&lt;x a=&quot;&quot;b&quot;&quot;&gt;&amp;"));
    free(html);
}

Test(view, html_without_escaping_would_be_caught)
{ /* negative control of the test above: raw text does break the page's structure */
    put_hostile();
    char *html = written(write_html);
    char *raw = strstr(html, "p&lt;/title&gt;&lt;script&gt;");
    cr_assert(raw);
    memcpy(raw, "p</title><script>", strlen("p</title><script>"));
    cr_assert_neq(occurrences(html, "<script"), 1);
    free(html);
}

Test(view, mermaid_keeps_each_message_on_one_line_with_entities)
{
    put_hostile();
    char *m = written(view_write_mermaid);
    cr_assert_str_eq(m, "sequenceDiagram\n"
                        "    participant n0 as node 0\n"
                        "    participant n1 as node 1\n"
                        "    n0->>n1: say #34;hi#34; #60;b#62; "
                        "p#60;#47;title#62;#60;script#62;x#60;#47;script#62;\n"
                        "    n1-xn0: a#59;b#35;c#37;#37;d#58;e line one#10;line two#13;#92;n "
                        "#38; #39;q#39; (lost)\n");
    free(m);
}

Test(view, shiviz_keeps_each_event_on_one_line)
{
    put_hostile();
    char *s = written(view_write_shiviz);
    cr_assert_str_eq(s, "send say \"hi\" <b> p</title><script>x</script> node1 t=1 msg=0\n"
                        "node0 {\"node0\":1}\n"
                        "send a;b#c%%d:e line one\\nline two\\r\\\\n & 'q' node0 t=1.1 msg=1\n"
                        "node1 {\"node1\":1}\n"
                        "recv say \"hi\" <b> p</title><script>x</script> node0 t=1.5 msg=0\n"
                        "node1 {\"node0\":1,\"node1\":2}\n");
    free(s);
}

/* atlas-sim view DIR -o DIR/out.html [A1 A2]: its exit code; its stderr in *err. */
static int run_view(const char *a1, const char *a2, char **err)
{
    char errpath[512], out[512];
    snprintf(errpath, sizeof(errpath), "%s/stderr", dir);
    snprintf(out, sizeof(out), "%s/out.html", dir);
    char *const argv[] = {ATLAS_BINARY, "view", dir, "-o", out, (char *)a1, (char *)a2, NULL};
    int rc = tu_run(argv, "/dev/null", errpath, NULL);
    *err = tu_slurp(errpath, NULL);
    return rc;
}

Test(view, the_command_refuses_bad_input_with_exit_2_and_writes_nothing)
{
    char out[512], *err;
    snprintf(out, sizeof(out), "%s/out.html", dir);
    put_file("messages.csv", MSG_HEAD "0,0,1,1,1.2,0,1,vote,p-1,delivered\n"
                                      "0,0,1,1,1.2,0,one,vote,p-1,delivered\n");
    cr_assert_eq(run_view(NULL, NULL, &err), 2);
    cr_assert(strstr(err, "messages.csv:3: from or to is not a node number"), "%s", err);
    cr_assert_not(tu_exists(out), "no partial page");
    free(err);
    put_file("messages.csv", MSG_HEAD "0,0,1,1,1.2,0,1,vote,p-1,delivered\n");
    cr_assert_eq(run_view("--max", "0", &err), 2);
    cr_assert(strstr(err, "--max: '0' is not a valid number"), "%s", err);
    free(err);
    cr_assert_eq(run_view(NULL, NULL, &err), 0, "%s", err);
    cr_assert(tu_exists(out));
    free(err);
}

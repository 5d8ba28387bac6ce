/*
 * cmd_view: `atlas-sim view DIR`, one run drawn as a space-time diagram (issue 18), or
 * written as a ShiViz log or a Mermaid sequence diagram (analysis/view: CSV only).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/view.h"
#include "core/xalloc.h"
#include "sim/cli/cli.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: atlas-sim view DIR [--run K] [-o FILE] [--format html|shiviz|mermaid]\n"
               "                      [--from SECONDS] [--to SECONDS] [--max N]\n"
               "\n"
               "Draw one run of DIR (a folder of 'atlas-sim run' with output.traces: [messages],\n"
               "or of 'atlas-sim sweep --traces', whose runs/K folder --run K picks; default 0)\n"
               "from its messages.csv, events.csv and outcomes.csv, read in one pass.\n"
               "\n"
               "  html     (default) one self-contained page, no network access: a lane per node\n"
               "           (per group of nodes above 24, click a group to expand it), an arrow\n"
               "           per message from send to arrival coloured by kind (lost ones dashed,\n"
               "           ending in a red x; duplicate copies dash-dotted, ending in a circle),\n"
               "           intervals as bars: down (crash..recover), suspicions (suspect..trust),\n"
               "           leadership (leader..a later leader), partitions (all lanes), proposals\n"
               "           (submitted..decided, with the outcome); other events as dots; the\n"
               "           checker's first violation in red, its row shown and scrolled to. Wheel\n"
               "           zooms the time axis, drag pans, hover or click shows the CSV row;\n"
               "           filters by node, proposal, message kind and event; the URL may carry\n"
               "           #view=T0,T1&expand=all|G,..&node=N&prop=P&hide=KIND,..\n"
               "  shiviz   a ShiViz log: per send/arrival a line of text, then 'nodeI {clock}';\n"
               "           parse it with (?<event>.*)\\n(?<host>\\S*) (?<clock>{.*})\n"
               "  mermaid  a Mermaid sequenceDiagram (for short runs)\n"
               "\n"
               "Options:\n"
               "  -o FILE       output (default DIR/view.html, .shiviz or .mmd); '-' is stdout\n"
               "  --from, --to  a time window in seconds (messages sent, events and the start of\n"
               "                intervals within it; intervals begun earlier that reach into it)\n"
               "  --max N       at most N items (default 20000): a larger window is cut at the\n"
               "                time of the (N+1)-th item by time, that instant left out, and the\n"
               "                page says so\n"
               "\n"
               "Exit codes: 0 ok; 2 bad usage, a missing or malformed CSV (path:line), or a file\n"
               "that cannot be written (nothing is left half written).\n");
}

struct options {
    const char *dir, *run, *out, *format;
    double from, to;
    size_t max;
};

static bool parse_number(const char *s, double *out)
{
    char *end;
    *out = strtod(s, &end);
    return *s && !*end;
}

static int parse_args(int argc, char **argv, struct options *o)
{
    *o = (struct options){.format = "html", .from = -1e300, .to = 1e300, .max = 20000};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        double d;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return -1;
        }
        bool takes = !strcmp(a, "--run") || !strcmp(a, "-o") || !strcmp(a, "--format") ||
                     !strcmp(a, "--from") || !strcmp(a, "--to") || !strcmp(a, "--max");
        if (takes && !val) {
            fprintf(stderr, "atlas-sim view: %s needs a value\n", a);
            return EXIT_USAGE;
        }
        if (!takes && a[0] == '-') {
            fprintf(stderr, "atlas-sim view: unknown option '%s'\n", a);
            return EXIT_USAGE;
        }
        if (!takes) {
            if (o->dir) {
                fprintf(stderr, "atlas-sim view: one folder only ('%s')\n", a);
                return EXIT_USAGE;
            }
            o->dir = a;
            continue;
        }
        i++;
        if (!strcmp(a, "--run"))
            o->run = val;
        else if (!strcmp(a, "-o"))
            o->out = val;
        else if (!strcmp(a, "--format"))
            o->format = val;
        else if (!parse_number(val, &d) || (!strcmp(a, "--max") && d < 1)) {
            fprintf(stderr, "atlas-sim view: %s: '%s' is not a valid number\n", a, val);
            return EXIT_USAGE;
        } else if (!strcmp(a, "--from"))
            o->from = d;
        else if (!strcmp(a, "--to"))
            o->to = d;
        else
            o->max = d < 1e15 ? (size_t)d : (size_t)1e15; /* no overflow in the cast */
    }
    if (strcmp(o->format, "html") && strcmp(o->format, "shiviz") && strcmp(o->format, "mermaid")) {
        fprintf(stderr, "atlas-sim view: --format must be html, shiviz or mermaid\n");
        return EXIT_USAGE;
    }
    if (!o->dir) {
        usage(stderr);
        return EXIT_USAGE;
    }
    return 0;
}

/* DIR itself when it holds messages.csv and no --run was given, else DIR/runs/K. */
static char *run_dir(const struct options *o)
{
    size_t len = strlen(o->dir) + (o->run ? strlen(o->run) : 1) + 32;
    char *p = xmalloc(len);
    snprintf(p, len, "%s/messages.csv", o->dir);
    if (!o->run && access(p, F_OK) == 0)
        snprintf(p, len, "%s", o->dir);
    else
        snprintf(p, len, "%s/runs/%s", o->dir, o->run ? o->run : "0");
    return p;
}

static bool write_out(const struct view *v, const struct options *o, const char *dir, FILE *f)
{
    if (!strcmp(o->format, "shiviz"))
        return view_write_shiviz(v, f);
    if (!strcmp(o->format, "mermaid"))
        return view_write_mermaid(v, f);
    return view_write_html(v, dir, f);
}

/* Write through a temporary beside the target, renamed when complete. */
static int emit(const struct view *v, const struct options *o, const char *dir)
{
    if (o->out && !strcmp(o->out, "-"))
        return write_out(v, o, dir, stdout) && fflush(stdout) == 0 ? 0 : EXIT_USAGE;
    const char *ext = !strcmp(o->format, "html")     ? "html"
                      : !strcmp(o->format, "shiviz") ? "shiviz"
                                                     : "mmd";
    size_t len = strlen(dir) + strlen(o->out ? o->out : "") + 64;
    char *path = xmalloc(len), *tmp = xmalloc(len + 32);
    if (o->out)
        snprintf(path, len, "%s", o->out);
    else
        snprintf(path, len, "%s/view.%s", dir, ext);
    snprintf(tmp, len + 32, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    bool ok = f && write_out(v, o, dir, f);
    ok = f && fclose(f) == 0 && ok;
    ok = ok && rename(tmp, path) == 0;
    if (!ok) {
        remove(tmp);
        fprintf(stderr, "atlas-sim view: %s: cannot write\n", path);
    } else
        fprintf(stderr, "wrote %s (%zu messages%s)\n", path, view_messages(v),
                view_narrowed(v) ? ", window cut by --max" : "");
    free(tmp);
    free(path);
    return ok ? 0 : EXIT_USAGE;
}

int cmd_view(int argc, char **argv)
{
    struct options o;
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    char *dir = run_dir(&o);
    struct errbuf e;
    struct view_window w = {.from = o.from, .to = o.to, .max_items = o.max};
    struct view *v = view_load(dir, &w, &e);
    if (!v) {
        fprintf(stderr, "atlas-sim view: %s\n", e.msg);
        free(dir);
        return EXIT_USAGE;
    }
    rc = emit(v, &o, dir);
    view_free(v);
    free(dir);
    return rc;
}

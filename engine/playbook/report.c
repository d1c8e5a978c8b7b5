/* report.c - the run report: events kept during the run, one HTML file at
 * its end (report.h). The page is built from the events alone, so it shows
 * what `--json` would have printed and nothing more. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "report.h"

struct gf_report {
    pthread_mutex_t lock;
    int64_t t0;
    time_t wall0;
    struct gf_vec events; /* struct gf_val * */
};

struct gf_report *gf_report_new(void)
{
    struct gf_report *rep = gf_xcalloc(1, sizeof(*rep));

    pthread_mutex_init(&rep->lock, NULL);
    rep->t0 = gf_now_ms();
    rep->wall0 = time(NULL);
    return rep;
}

static void unref(void *p)
{
    gf_val_unref(p);
}

void gf_report_free(struct gf_report *rep)
{
    if (rep == NULL)
        return;
    gf_vec_release(&rep->events, unref);
    pthread_mutex_destroy(&rep->lock);
    free(rep);
}

long long gf_report_ms(const struct gf_report *rep)
{
    return (long long)(gf_now_ms() - rep->t0);
}

void gf_report_add(struct gf_report *rep, struct gf_val *e)
{
    if (gf_val_map_get(e, "time_ms") == NULL)
        gf_val_map_set(e, "time_ms", gf_val_int(gf_report_ms(rep)));
    pthread_mutex_lock(&rep->lock);
    gf_vec_push(&rep->events, gf_val_ref(e));
    pthread_mutex_unlock(&rep->lock);
}

/* ---- reading events ---- */

static const char *str(const struct gf_val *e, const char *key)
{
    const struct gf_val *v = gf_val_map_get(e, key);

    return v && v->type == GF_VAL_STR ? v->u.str.s : "";
}

static long long num(const struct gf_val *e, const char *key)
{
    const struct gf_val *v = gf_val_map_get(e, key);

    return v && v->type == GF_VAL_INT ? v->u.i : 0;
}

static int is(const struct gf_val *e, const char *name)
{
    return !strcmp(str(e, "event"), name);
}

/* ---- HTML ---- */

static void esc(struct gf_buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '<': gf_buf_adds(b, "&lt;"); break;
        case '>': gf_buf_adds(b, "&gt;"); break;
        case '&': gf_buf_adds(b, "&amp;"); break;
        case '"': gf_buf_adds(b, "&quot;"); break;
        case '\'': gf_buf_adds(b, "&#39;"); break;
        default: gf_buf_addc(b, s[i]);
        }
    }
}

static void escs(struct gf_buf *b, const char *s)
{
    esc(b, s, strlen(s));
}

/* One task as the page shows it: its start event and its results. */
struct task {
    const struct gf_val *start;
    struct gf_vec results; /* const struct gf_val *: runner_result and the like */
    int failed, changed;
};

struct play {
    const struct gf_val *start;
    struct gf_vec tasks; /* struct task * */
};

static void task_free(void *p)
{
    struct task *t = p;

    gf_vec_release(&t->results, NULL);
    free(t);
}

static void play_free(void *p)
{
    struct play *pl = p;

    gf_vec_release(&pl->tasks, task_free);
    free(pl);
}

/* The task a result belongs to: the latest one started from the same
 * file and line (free strategy interleaves), else the latest one. */
static struct task *owner(struct play *pl, const struct gf_val *res)
{
    const char *file = str(res, "file");
    long long line = num(res, "line");

    for (size_t i = pl->tasks.n; i-- > 0;) {
        struct task *t = pl->tasks.v[i];
        if (line && !strcmp(str(t->start, "file"), file) && num(t->start, "line") == line)
            return t;
    }
    return pl->tasks.n ? pl->tasks.v[pl->tasks.n - 1] : NULL;
}

static const char *const css =
    "body{font:14px/1.4 sans-serif;margin:1.5em;color:#222}"
    "h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .6em;"
    "text-align:left}"
    "pre{background:#f6f6f6;padding:.5em;overflow:auto;max-height:30em;white-space:pre-wrap}"
    ".ok{color:#176117}.changed{color:#8a5a00}.failed,.unreachable{color:#b00020;"
    "font-weight:bold}.skipped,.ignored{color:#666}"
    ".task{border-left:4px solid #ccc;margin:.4em 0;padding-left:.6em}"
    ".task.has-failed{border-color:#b00020;background:#fff3f3}"
    ".task.has-changed{border-color:#d89b00}"
    ".tl{position:relative;height:16px;background:#f0f0f0;width:100%}"
    ".bar{position:absolute;top:2px;height:12px;min-width:2px}"
    ".bar.ok{background:#5aa55a}.bar.changed{background:#e0a800}"
    ".bar.failed,.bar.unreachable{background:#d0202a}.bar.skipped{background:#bbb}"
    ".bar.ignored{background:#c88}"
    "td.host{white-space:nowrap;width:1%}summary{cursor:pointer}";

/* status word of a result event, for the CSS classes */
static const char *status_of(const struct gf_val *e)
{
    const char *s = str(e, "status");

    return *s ? s : "ok";
}

static void add_recap(struct gf_buf *b, const struct gf_val *stats)
{
    static const char *const cols[] = { "ok", "changed", "unreachable", "failed", "skipped",
                                        "rescued", "ignored" };
    const struct gf_val *hosts = gf_val_map_get(stats, "hosts");

    gf_buf_adds(b, "<h2>Recap</h2>\n<table id=\"recap\"><tr><th>host</th>");
    for (size_t k = 0; k < GF_ARRAY_LEN(cols); k++)
        gf_buf_addf(b, "<th>%s</th>", cols[k]);
    gf_buf_adds(b, "</tr>\n");
    for (size_t i = 0; hosts && hosts->type == GF_VAL_MAP && i < hosts->u.map.n; i++) {
        const struct gf_val *h = hosts->u.map.ents[i].val;
        gf_buf_adds(b, "<tr><td class=\"host\">");
        escs(b, hosts->u.map.ents[i].key);
        gf_buf_adds(b, "</td>");
        for (size_t k = 0; k < GF_ARRAY_LEN(cols); k++) {
            long long n = num(h, cols[k]);
            gf_buf_addf(b, "<td class=\"%s\">%lld</td>", n ? cols[k] : "", n);
        }
        gf_buf_adds(b, "</tr>\n");
    }
    gf_buf_adds(b, "</table>\n");
}

static int by_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A row per host, a bar per task result, from its start to its end. */
static void add_timeline(struct gf_buf *b, struct gf_vec *plays, long long total)
{
    struct gf_vec hosts = GF_VEC_INIT; /* const char * */

    for (size_t p = 0; p < plays->n; p++) {
        struct play *pl = plays->v[p];
        for (size_t i = 0; i < pl->tasks.n; i++) {
            struct task *t = pl->tasks.v[i];
            for (size_t k = 0; k < t->results.n; k++) {
                const char *h = str(t->results.v[k], "host");
                int seen = 0;
                for (size_t j = 0; j < hosts.n && !seen; j++)
                    seen = !strcmp(hosts.v[j], h);
                if (!seen)
                    gf_vec_push(&hosts, (void *)h);
            }
        }
    }
    if (hosts.n)
        qsort(hosts.v, hosts.n, sizeof(void *), by_str);
    if (total <= 0)
        total = 1;
    gf_buf_addf(b, "<h2>Timeline</h2>\n<p>%.1f s in all; a bar per task on each host, from "
                "its start to its result (hover for the task).</p>\n<table id=\"timeline\" "
                "style=\"width:100%%\">\n", (double)total / 1000.0);
    for (size_t j = 0; j < hosts.n; j++) {
        gf_buf_adds(b, "<tr><td class=\"host\">");
        escs(b, hosts.v[j]);
        gf_buf_adds(b, "</td><td><div class=\"tl\">");
        for (size_t p = 0; p < plays->n; p++) {
            struct play *pl = plays->v[p];
            for (size_t i = 0; i < pl->tasks.n; i++) {
                struct task *t = pl->tasks.v[i];
                for (size_t k = 0; k < t->results.n; k++) {
                    const struct gf_val *e = t->results.v[k];
                    if (strcmp(str(e, "host"), hosts.v[j]) || !is(e, "runner_result"))
                        continue;
                    long long end = num(e, "time_ms");
                    long long start = gf_val_map_get(e, "start_ms") ? num(e, "start_ms")
                                                                      : num(t->start, "time_ms");
                    if (start > end)
                        start = end;
                    gf_buf_addf(b, "<div class=\"bar %s\" style=\"left:%.3f%%;width:%.3f%%\" "
                                "title=\"", status_of(e), 100.0 * (double)start / (double)total,
                                100.0 * (double)(end - start) / (double)total);
                    escs(b, str(t->start, "task"));
                    gf_buf_addf(b, ": %s, %.2f s\"></div>", status_of(e),
                                (double)(end - start) / 1000.0);
                }
            }
        }
        gf_buf_adds(b, "</div></td></tr>\n");
    }
    gf_buf_adds(b, "</table>\n");
    gf_vec_release(&hosts, NULL);
}

static void add_result(struct gf_buf *b, const struct gf_val *e)
{
    const struct gf_val *res = gf_val_map_get(e, "result");
    const char *st = status_of(e);
    struct gf_buf j = GF_BUF_INIT;

    gf_buf_addf(b, "<li class=\"result\"><span class=\"%s\">%s</span>: <b class=\"rhost\">", st,
                st);
    escs(b, str(e, "host"));
    gf_buf_adds(b, "</b>");
    if (gf_val_map_get(e, "delegated_to")) {
        gf_buf_adds(b, " -&gt; ");
        escs(b, str(e, "delegated_to"));
    }
    if (gf_val_map_get(e, "item")) {
        struct gf_buf it = GF_BUF_INIT;
        gf_val_to_text(gf_val_map_get(e, "item"), &it);
        gf_buf_adds(b, " (item=");
        esc(b, it.buf, it.len);
        gf_buf_adds(b, ")");
        gf_buf_release(&it);
    }
    if (res) {
        gf_json_dump(res, 4, GF_JSON_SORT, &j);
        gf_buf_addf(b, "<details%s><summary>result</summary><pre>",
                    !strcmp(st, "failed") || !strcmp(st, "unreachable") ? " open" : "");
        esc(b, j.buf, j.len);
        gf_buf_adds(b, "</pre></details>");
    }
    gf_buf_adds(b, "</li>\n");
    gf_buf_release(&j);
}

static void add_tasks(struct gf_buf *b, struct gf_vec *plays)
{
    for (size_t p = 0; p < plays->n; p++) {
        struct play *pl = plays->v[p];
        gf_buf_adds(b, "<h2 class=\"play\">PLAY [");
        escs(b, pl->start ? str(pl->start, "play") : "");
        gf_buf_adds(b, "]</h2>\n");
        for (size_t i = 0; i < pl->tasks.n; i++) {
            struct task *t = pl->tasks.v[i];
            gf_buf_addf(b, "<div class=\"task%s%s\"><details%s><summary>%s [<span "
                        "class=\"tname\">", t->failed ? " has-failed" : "",
                        t->changed ? " has-changed" : "", t->failed ? " open" : "",
                        is(t->start, "handler_start") ? "RUNNING HANDLER" : "TASK");
            escs(b, str(t->start, "task"));
            gf_buf_adds(b, "</span>]");
            for (size_t k = 0; k < t->results.n; k++) {
                const struct gf_val *e = t->results.v[k];
                if (!is(e, "runner_result"))
                    continue;
                gf_buf_addf(b, " <span class=\"%s\">", status_of(e));
                escs(b, str(e, "host"));
                gf_buf_addf(b, ":%s</span>", status_of(e));
            }
            gf_buf_adds(b, "</summary><div class=\"where\">");
            escs(b, str(t->start, "file"));
            gf_buf_addf(b, ":%lld (%s)</div>\n<ul>\n", num(t->start, "line"),
                        str(t->start, "action"));
            for (size_t k = 0; k < t->results.n; k++) {
                const struct gf_val *e = t->results.v[k];
                if (is(e, "runner_result") || is(e, "runner_item_result")) {
                    add_result(b, e);
                } else {
                    gf_buf_adds(b, "<li class=\"note\">");
                    escs(b, str(e, "event"));
                    gf_buf_adds(b, ": ");
                    if (*str(e, "host")) {
                        escs(b, str(e, "host"));
                        gf_buf_adds(b, " ");
                    }
                    escs(b, str(e, "msg"));
                    escs(b, str(e, "file"));
                    gf_buf_adds(b, "</li>\n");
                }
            }
            gf_buf_adds(b, "</ul></details></div>\n");
        }
    }
}

int gf_report_write(struct gf_report *rep, const char *path, const char *cmdline, int rc,
                    struct gf_error *err)
{
    struct gf_vec plays = GF_VEC_INIT;
    struct gf_vec loose = GF_VEC_INIT; /* messages outside a task */
    const struct gf_val *stats = NULL;
    struct play *pl = NULL;
    struct gf_buf b = GF_BUF_INIT;
    long long total = gf_report_ms(rep);
    char when[64];

    pthread_mutex_lock(&rep->lock);
    for (size_t i = 0; i < rep->events.n; i++) {
        const struct gf_val *e = rep->events.v[i];
        if (is(e, "play_start")) {
            pl = gf_xcalloc(1, sizeof(*pl));
            pl->start = e;
            gf_vec_push(&plays, pl);
        } else if (is(e, "task_start") || is(e, "handler_start")) {
            if (pl == NULL) {
                pl = gf_xcalloc(1, sizeof(*pl));
                gf_vec_push(&plays, pl);
            }
            struct task *t = gf_xcalloc(1, sizeof(*t));
            t->start = e;
            gf_vec_push(&pl->tasks, t);
        } else if (is(e, "stats")) {
            stats = e;
        } else {
            struct task *t = pl ? owner(pl, e) : NULL;
            if (t == NULL) {
                gf_vec_push(&loose, (void *)e);
                continue;
            }
            gf_vec_push(&t->results, (void *)e);
            const char *st = status_of(e);
            if (!strcmp(st, "failed") || !strcmp(st, "unreachable"))
                t->failed = 1;
            else if (!strcmp(st, "changed"))
                t->changed = 1;
        }
    }

    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", gmtime(&rep->wall0));
    gf_buf_addf(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                "style-src 'unsafe-inline'\">\n<title>gpuforge run report</title>\n"
                "<style>%s</style></head><body>\n<h1>gpuforge run report</h1>\n"
                "<table id=\"about\"><tr><th>command</th><td><code>", css);
    escs(&b, cmdline);
    gf_buf_addf(&b, "</code></td></tr>\n<tr><th>started</th><td>%s</td></tr>\n<tr><th>took"
                "</th><td>%.1f s</td></tr>\n<tr><th>exit code</th><td class=\"%s\">%d</td>"
                "</tr>\n<tr><th>version</th><td>gpuforge %s, events version 1</td></tr>"
                "</table>\n", when, (double)total / 1000.0, rc ? "failed" : "ok", rc,
                GF_VERSION);
    if (stats)
        add_recap(&b, stats);
    add_timeline(&b, &plays, total);
    for (size_t i = 0; i < loose.n; i++) {
        const struct gf_val *e = loose.v[i];
        gf_buf_adds(&b, "<p class=\"note\">");
        escs(&b, str(e, "event"));
        gf_buf_adds(&b, ": ");
        escs(&b, str(e, "msg"));
        gf_buf_adds(&b, "</p>\n");
    }
    add_tasks(&b, &plays);
    gf_buf_adds(&b, "</body></html>\n");
    pthread_mutex_unlock(&rep->lock);
    gf_vec_release(&plays, play_free);
    gf_vec_release(&loose, NULL);

    char *tmp = gf_xasprintf("%s.tmp%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    int ok = f && fwrite(b.buf, 1, b.len, f) == b.len;
    if (f && fclose(f) != 0)
        ok = 0;
    if (ok && rename(tmp, path) != 0)
        ok = 0;
    int rcw = 0;
    if (!ok) {
        rcw = gf_error_set(err, GF_EIO, path, 0, 0, "cannot write the report: %s",
                           strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    gf_buf_release(&b);
    return rcw;
}

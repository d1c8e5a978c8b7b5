/* output.c - what a run prints: Ansible's default output (banners, one line
 * per host and result, "...ignoring", diffs, the PLAY RECAP) with the same
 * text and spacing, or with --json one JSON event per line (docs/events.md),
 * and with --report the same events to the report as well. Lines are
 * written whole (gf_out_write), so results of hosts never interleave. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "run-priv.h"

#define CENSORED "the output has been hidden due to the fact that 'no_log: true' was " \
                 "specified for this result"

static size_t text_width(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

/* Appends "\nMSG ****..." up to column 80, as Ansible's banner on a
 * non-terminal. */
static void add_banner(struct gf_buf *b, const char *msg)
{
    size_t w = text_width(msg);
    size_t stars = w < 76 ? 79 - w : 3;

    gf_buf_addf(b, "\n%s ", msg);
    for (size_t i = 0; i < stars; i++)
        gf_buf_addc(b, '*');
    gf_buf_addc(b, '\n');
}

static void banner(const char *msg)
{
    struct gf_buf b = GF_BUF_INIT;

    add_banner(&b, msg);
    gf_out_write(b.buf, b.len);
    gf_buf_release(&b);
}

/* The task whose banner was printed last. Under the free strategy hosts
 * are at different tasks: as Ansible does, a result for another task than
 * the last banner's is preceded by its task's banner again. */
static pthread_mutex_t banner_lock = PTHREAD_MUTEX_INITIALIZER;
static const struct gf_task *last_banner;

static void add_task_banner(struct run *r, const struct gf_task *t, struct hstate *h,
                            struct gf_buf *b)
{
    char *name = task_display_name(r, t, h);
    char *m = gf_xasprintf("%s [%s]", gf_vec_contains(&r->play->handlers, t)
                           ? "RUNNING HANDLER" : "TASK", name);

    add_banner(b, m);
    free(m);
    free(name);
}

/* Writes a result's lines for task t, with t's banner first when another
 * task's banner was printed since (free strategy). */
static void write_result(struct run *r, const struct gf_task *t, struct hstate *h,
                         struct gf_buf *lines)
{
    pthread_mutex_lock(&banner_lock);
    if (r->play->strategy_free && last_banner != t) {
        struct gf_buf b = GF_BUF_INIT;
        add_task_banner(r, t, h, &b);
        gf_buf_add(&b, lines->buf, lines->len);
        gf_out_write(b.buf, b.len);
        gf_buf_release(&b);
        last_banner = t;
    } else {
        gf_out_write(lines->buf, lines->len);
    }
    pthread_mutex_unlock(&banner_lock);
}

/* Whether events are made: for --json, for --report, or both. */
static int evented(const struct run *r)
{
    return r->o->json || r->o->report;
}

long long out_time_ms(const struct run *r)
{
    return r->o->report ? gf_report_ms(r->o->report) : (long long)(gf_now_ms() - r->t0);
}

/* Sends event e (consumed) to the JSON stream and the report, stamped with
 * the time since the run began (docs/events.md). */
static void event(struct run *r, struct gf_val *e)
{
    gf_val_map_set(e, "time_ms", gf_val_int(out_time_ms(r)));
    if (r->o->report)
        gf_report_add(r->o->report, e);
    if (r->o->json) {
        struct gf_buf b = GF_BUF_INIT;
        gf_json_dump(e, -1, GF_JSON_COMPACT, &b);
        gf_buf_addc(&b, '\n');
        gf_out_write(b.buf, b.len);
        gf_buf_release(&b);
    }
    gf_val_unref(e);
}

static struct gf_val *ev_new(const char *name)
{
    struct gf_val *e = gf_val_map();

    gf_val_map_set(e, "event", gf_val_str(name));
    return e;
}

/* A message line: a JSON event named ev, or text (warnings on stderr, as
 * Ansible's "[WARNING]: ..."). */
static void message(struct run *r, const char *ev, int warn, const char *fmt, va_list ap)
    GF_PRINTF(4, 0);
static void message(struct run *r, const char *ev, int warn, const char *fmt, va_list ap)
{
    struct gf_buf b = GF_BUF_INIT;

    gf_buf_vaddf(&b, fmt, ap);
    if (evented(r)) {
        struct gf_val *e = ev_new(ev);
        gf_val_map_set(e, "msg", gf_val_strn(b.buf, b.len));
        event(r, e);
    }
    if (!r->o->json && warn) {
        char *w = gf_xasprintf("[WARNING]: %s\n", b.buf);
        gf_err_write(w, strlen(w));
        free(w);
    } else if (!r->o->json) {
        gf_buf_addc(&b, '\n');
        gf_out_write(b.buf, b.len);
    }
    gf_buf_release(&b);
}

void out_line(struct run *r, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    message(r, "message", 0, fmt, ap);
    va_end(ap);
}

void out_warn(struct run *r, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    message(r, "warning", 1, fmt, ap);
    va_end(ap);
}

void out_play(struct run *r, const char *name)
{
    if (evented(r)) {
        struct gf_val *e = ev_new("play_start");
        gf_val_map_set(e, "play", gf_val_str(name));
        gf_val_map_set(e, "events_version", gf_val_int(1));
        event(r, e);
    }
    if (r->o->json)
        return;
    char *m = gf_xasprintf("PLAY [%s]", name);
    banner(m);
    free(m);
}

char *task_display_name(struct run *r, const struct gf_task *t, struct hstate *h)
{
    const char *raw = t->name ? t->name : t->action ? t->action : "meta";
    char *name = NULL;

    if (t->name && gf_tpl_is_template(t->name, strlen(t->name)) && h) {
        struct vctx v;
        struct gf_buf b = GF_BUF_INIT;
        struct gf_error err = GF_ERROR_INIT;
        vctx_init(&v, r, h, t);
        if (gf_tpl_render(t->name, strlen(t->name), &v.scope, NULL, &b, &err) >= 0)
            name = gf_buf_detach(&b, NULL);
        gf_buf_release(&b);
        gf_error_clear(&err);
        vctx_release(&v);
    }
    /* include_role's own name (IncludeRole.get_name): no role prefix, and
     * "ACTION : ROLE" when it has no name */
    int inc_role = t->kind == GF_TASK_INCLUDE && t->action && gf_endswith(t->action, "include_role");
    if (name == NULL && inc_role && t->name == NULL) {
        const struct gf_val *rn = gf_val_map_get(t->include, "name");
        struct gf_buf b = GF_BUF_INIT;
        gf_buf_addf(&b, "%s : ", t->action);
        if (rn)
            gf_val_to_text(rn, &b);
        name = gf_buf_detach(&b, NULL);
    }
    if (name == NULL)
        name = gf_xstrdup(raw);
    if (t->role && !inc_role) {
        char *full = gf_xasprintf("%s : %s", t->role->name, name);
        free(name);
        name = full;
    }
    return name;
}

void out_task(struct run *r, const struct gf_task *t, const char *kind, struct hstate *h)
{
    char *name = task_display_name(r, t, h);

    if (r->progress) {
        size_t n = 0;
        for (size_t i = 0; i < r->batch.n; i++) {
            const struct hstate *b = r->batch.v[i];
            n += b->in_play && !b->failed && !b->unreachable && !b->ended;
        }
        progress_task(r, name, n);
    }
    if (evented(r)) {
        struct gf_val *e = ev_new(strcmp(kind, "TASK") ? "handler_start" : "task_start");
        gf_val_map_set(e, "task", gf_val_str(name));
        gf_val_map_set(e, "action", gf_val_str(t->action ? t->action : "meta"));
        gf_val_map_set(e, "file", gf_val_str(t->file));
        gf_val_map_set(e, "line", gf_val_int(t->line));
        event(r, e);
    }
    if (!r->o->json) {
        pthread_mutex_lock(&banner_lock);
        if (!r->play->strategy_free || last_banner != t) {
            char *m = gf_xasprintf("%s [%s]", kind, name);
            banner(m);
            free(m);
            last_banner = t;
        }
        pthread_mutex_unlock(&banner_lock);
    }
    free(name);
}

static int is_debug(const struct gf_task *t)
{
    return t->module && !strcmp(t->module->name, "debug");
}

/* Modules whose result Ansible always shows, indented. */
static int verbose_always(const struct gf_task *t)
{
    return t->module && (!strcmp(t->module->name, "debug") || !strcmp(t->module->name, "assert"));
}

/* The result as Ansible shows it: internal keys dropped; debug keeps only
 * its message (or its var); no_log hides everything. New reference. */
static struct gf_val *clean(const struct gf_task *t, const struct gf_val *res)
{
    struct gf_val *c = gf_val_map();

    if (t->no_log) {
        struct gf_val *ch = gf_val_map_get(res, "changed");
        gf_val_map_set(c, "censored", gf_val_str(CENSORED));
        gf_val_map_set(c, "changed", ch ? gf_val_ref(ch) : gf_val_bool(0));
        return c;
    }
    int dbg = is_debug(t), has_msg = gf_val_map_get(res, "msg") != NULL;
    for (size_t i = 0; res && i < res->u.map.n; i++) {
        const char *k = res->u.map.ents[i].key;
        /* Ansible shows a clean copy: no failed/skipped flags, no internals */
        if (k[0] == '_' || !strcmp(k, "diff") || !strcmp(k, "invocation") ||
            !strcmp(k, "exception") || !strcmp(k, "failed") || !strcmp(k, "skipped"))
            continue;
        if (dbg && has_msg && strcmp(k, "msg") && strcmp(k, "warnings"))
            continue;
        if (dbg && !has_msg && (!strcmp(k, "changed") || !strcmp(k, "failed") ||
                                !strcmp(k, "skipped") || !strcmp(k, "skip_reason")))
            continue;
        gf_val_map_set(c, k, gf_val_ref(res->u.map.ents[i].val));
    }
    return c;
}

static void dump(const struct gf_task *t, const struct gf_val *res, struct gf_buf *b)
{
    struct gf_val *c = clean(t, res);
    int indent = (verbose_always(t) && !t->no_log) || gf_verbosity > 2 ? 4 : -1;

    gf_json_dump(c, indent, GF_JSON_SORT, b);
    gf_val_unref(c);
}

static void host_label(struct gf_buf *b, const struct hstate *h, const char *delegated)
{
    if (delegated && strcmp(delegated, h->host->name))
        gf_buf_addf(b, "[%s -> %s]", h->host->name, delegated);
    else
        gf_buf_addf(b, "[%s]", h->host->name);
}

/* The diff a module made (--diff), unless no_log hides the task's values:
 * a diff shows them as much as the result does. */
static void add_diff(struct gf_buf *b, const struct gf_task *t, const struct gf_val *res)
{
    const struct gf_val *d = gf_val_map_get(res, "_gf_diff");

    if (t->no_log)
        return;
    if (d && d->type == GF_VAL_STR && d->u.str.len) {
        gf_buf_add(b, d->u.str.s, d->u.str.len);
        if (d->u.str.s[d->u.str.len - 1] != '\n')
            gf_buf_addc(b, '\n');
    }
}

static const char *status_word(const struct outcome *o)
{
    if (o->status == GF_ST_UNREACHABLE)
        return "unreachable";
    if (o->status == GF_ST_FAILED)
        return o->ignored ? "ignored" : "failed";
    if (o->skipped)
        return "skipped";
    return o->changed ? "changed" : "ok";
}

static void json_result(struct run *r, const char *ev, struct hstate *h,
                        const struct gf_task *t, const char *status, const char *delegated,
                        const struct gf_val *res, const struct gf_val *label)
{
    struct gf_val *e = ev_new(ev);

    gf_val_map_set(e, "host", gf_val_str(h->host->name));
    gf_val_map_set(e, "task", gf_val_str(t->name ? t->name : t->action ? t->action : "meta"));
    gf_val_map_set(e, "file", gf_val_str(t->file));
    gf_val_map_set(e, "line", gf_val_int(t->line));
    if (!strcmp(ev, "runner_result"))
        gf_val_map_set(e, "start_ms", gf_val_int(h->task_start_ms));
    gf_val_map_set(e, "status", gf_val_str(status));
    if (delegated)
        gf_val_map_set(e, "delegated_to", gf_val_str(delegated));
    if (label)
        gf_val_map_set(e, "item", gf_val_ref((struct gf_val *)label));
    gf_val_map_set(e, "result", clean(t, res));
    event(r, e);
}

void out_result(struct run *r, struct hstate *h, const struct gf_task *t,
                const struct outcome *o)
{
    struct gf_buf b = GF_BUF_INIT;

    progress_host(r, h, o->status != GF_ST_OK && !o->ignored ? PROGRESS_FAILED : PROGRESS_DONE);
    if (evented(r))
        json_result(r, "runner_result", h, t, status_word(o), o->delegated, o->result, NULL);
    if (r->o->json)
        return;
    /* the items were shown one by one; a loop whose items were all skipped
     * (or that had none) then shows the host skipped, as Ansible does */
    if (o->looped && o->status != GF_ST_UNREACHABLE && !(o->skipped && o->status == GF_ST_OK)) {
        if (o->ignored) {
            gf_buf_adds(&b, "...ignoring\n");
            write_result(r, t, h, &b);
            gf_buf_release(&b);
        }
        return;
    }
    add_diff(&b, t, o->result);
    if (o->status == GF_ST_UNREACHABLE || o->status == GF_ST_FAILED) {
        gf_buf_adds(&b, "fatal: ");
        host_label(&b, h, o->delegated);
        gf_buf_addf(&b, ": %s! => ", o->status == GF_ST_FAILED ? "FAILED" : "UNREACHABLE");
        dump(t, o->result, &b);
        gf_buf_addc(&b, '\n');
        if (o->ignored || o->ignored_unreachable)
            gf_buf_adds(&b, "...ignoring\n");
    } else {
        gf_buf_adds(&b, o->skipped ? "skipping: " : o->changed ? "changed: " : "ok: ");
        /* (Ansible's skip line names no delegate) */
        host_label(&b, h, o->skipped ? NULL : o->delegated);
        if (gf_verbosity > 0 || (verbose_always(t) && !o->skipped)) {
            gf_buf_adds(&b, " => ");
            dump(t, o->result, &b);
        }
        gf_buf_addc(&b, '\n');
    }
    write_result(r, t, h, &b);
    gf_buf_release(&b);
}

void out_item(struct run *r, struct hstate *h, const struct gf_task *t, const char *delegated,
              const struct gf_val *label, const struct gf_val *ir, enum gf_status st,
              int skipped, int changed)
{
    struct gf_buf b = GF_BUF_INIT, lb = GF_BUF_INIT;

    if (t->no_log) /* Ansible: the censored result has no item */
        gf_buf_adds(&lb, "None");
    else
        gf_val_to_text(label, &lb);
    if (evented(r)) {
        const char *s = st == GF_ST_UNREACHABLE ? "unreachable" : st == GF_ST_FAILED
                        ? "failed" : skipped ? "skipped" : changed ? "changed" : "ok";
        struct gf_val *l = gf_val_strn(lb.buf, lb.len);
        json_result(r, "runner_item_result", h, t, s, delegated, ir, l);
        gf_val_unref(l);
    }
    if (r->o->json) {
        gf_buf_release(&lb);
        return;
    }
    add_diff(&b, t, ir);
    if (st != GF_ST_OK) {
        gf_buf_adds(&b, "failed: ");
        host_label(&b, h, delegated);
        gf_buf_addf(&b, " (item=%s) => ", lb.buf ? lb.buf : "");
        dump(t, ir, &b);
    } else if (skipped) {
        gf_buf_adds(&b, "skipping: ");
        host_label(&b, h, delegated);
        gf_buf_addf(&b, " => (item=%s) ", lb.buf ? lb.buf : "");
        if (gf_verbosity > 0) {
            gf_buf_adds(&b, " => ");
            dump(t, ir, &b);
        }
    } else {
        gf_buf_adds(&b, changed ? "changed: " : "ok: ");
        host_label(&b, h, delegated);
        gf_buf_addf(&b, " => (item=%s)", lb.buf ? lb.buf : "");
        if (gf_verbosity > 0 || verbose_always(t)) {
            gf_buf_adds(&b, " => ");
            dump(t, ir, &b);
        }
    }
    gf_buf_addc(&b, '\n');
    write_result(r, t, h, &b);
    gf_buf_release(&b);
    gf_buf_release(&lb);
}

void out_retry(struct run *r, struct hstate *h, const struct gf_task *t, int attempt, int max)
{
    char *name = task_display_name(r, t, NULL);

    if (evented(r)) {
        struct gf_val *e = ev_new("retry");
        gf_val_map_set(e, "host", gf_val_str(h->host->name));
        gf_val_map_set(e, "task", gf_val_str(name));
        gf_val_map_set(e, "file", gf_val_str(t->file));
        gf_val_map_set(e, "line", gf_val_int(t->line));
        gf_val_map_set(e, "retries_left", gf_val_int(max - attempt + 1));
        event(r, e);
    }
    if (!r->o->json) {
        struct gf_buf b = GF_BUF_INIT;
        gf_buf_addf(&b, "FAILED - RETRYING: [%s]: %s (%d retries left).\n", h->host->name,
                    name, max - attempt + 1);
        write_result(r, t, h, &b);
        gf_buf_release(&b);
    }
    free(name);
}

void out_included(struct run *r, const struct gf_task *t, const char *file,
                  const struct gf_vec *hosts, const struct gf_val *label)
{
    struct gf_buf b = GF_BUF_INIT, lb = GF_BUF_INIT;

    if (label && t->no_log)
        gf_buf_adds(&lb, "(censored due to no_log)");
    else if (label)
        gf_val_to_text(label, &lb);
    if (evented(r)) {
        struct gf_val *e = ev_new("included");
        struct gf_val *l = gf_val_list();
        for (size_t i = 0; i < hosts->n; i++)
            gf_val_list_push(l, gf_val_str(((struct hstate *)hosts->v[i])->host->name));
        gf_val_map_set(e, "file", gf_val_str(file));
        gf_val_map_set(e, "hosts", l);
        if (label)
            gf_val_map_set(e, "item", gf_val_strn(lb.buf ? lb.buf : "", lb.len));
        event(r, e);
    }
    if (r->o->json) {
        gf_buf_release(&lb);
        return;
    }
    gf_buf_addf(&b, "included: %s for ", file);
    for (size_t i = 0; i < hosts->n; i++)
        gf_buf_addf(&b, "%s%s", i ? ", " : "", ((struct hstate *)hosts->v[i])->host->name);
    if (label)
        gf_buf_addf(&b, " => (item=%s)", lb.buf ? lb.buf : "");
    gf_buf_release(&lb);
    gf_buf_addc(&b, '\n');
    gf_out_write(b.buf, b.len);
    gf_buf_release(&b);
}

void out_skip_host(struct run *r, struct hstate *h, const struct gf_task *t)
{
    progress_host(r, h, PROGRESS_RUNNING);
    progress_host(r, h, PROGRESS_DONE);
    if (evented(r)) {
        struct gf_val *res = gf_val_map();
        gf_val_map_set(res, "skipped", gf_val_bool(1));
        h->task_start_ms = out_time_ms(r);
        json_result(r, "runner_result", h, t, "skipped", NULL, res, NULL);
        gf_val_unref(res);
    }
    if (r->o->json)
        return;
    struct gf_buf b = GF_BUF_INIT;
    gf_buf_addf(&b, "skipping: [%s]\n", h->host->name);
    write_result(r, t, h, &b);
    gf_buf_release(&b);
}

static int by_name(const void *a, const void *b)
{
    const struct hstate *x = *(const struct hstate *const *)a, *y = *(const struct hstate *const *)b;

    return strcmp(x->host->name, y->host->name);
}

void out_recap(struct run *r)
{
    struct gf_vec hosts = GF_VEC_INIT;

    for (size_t i = 0; i < r->nhs; i++)
        if (r->hs[i].seen)
            gf_vec_push(&hosts, &r->hs[i]);
    if (hosts.n)
        qsort(hosts.v, hosts.n, sizeof(void *), by_name);
    if (evented(r)) {
        struct gf_val *e = ev_new("stats"), *m = gf_val_map();
        for (size_t i = 0; i < hosts.n; i++) {
            struct hstate *h = hosts.v[i];
            struct gf_val *s = gf_val_map();
            gf_val_map_set(s, "ok", gf_val_int((long long)h->st.ok));
            gf_val_map_set(s, "changed", gf_val_int((long long)h->st.changed));
            gf_val_map_set(s, "unreachable", gf_val_int((long long)h->st.unreachable));
            gf_val_map_set(s, "failed", gf_val_int((long long)h->st.failed));
            gf_val_map_set(s, "skipped", gf_val_int((long long)h->st.skipped));
            gf_val_map_set(s, "rescued", gf_val_int((long long)h->st.rescued));
            gf_val_map_set(s, "ignored", gf_val_int((long long)h->st.ignored));
            gf_val_map_set(m, h->host->name, s);
        }
        gf_val_map_set(e, "hosts", m);
        gf_val_map_set(e, "events_version", gf_val_int(1));
        event(r, e);
    }
    if (r->o->json) {
        gf_vec_release(&hosts, NULL);
        return;
    }
    banner("PLAY RECAP");
    struct gf_buf b = GF_BUF_INIT;
    for (size_t i = 0; i < hosts.n; i++) {
        struct hstate *h = hosts.v[i];
        char n[7][24];
        size_t v[7] = { h->st.ok, h->st.changed, h->st.unreachable, h->st.failed,
                        h->st.skipped, h->st.rescued, h->st.ignored };
        for (int k = 0; k < 7; k++)
            snprintf(n[k], sizeof(n[k]), "%zu", v[k]);
        gf_buf_addf(&b, "%-26s : ok=%-4s changed=%-4s unreachable=%-4s failed=%-4s "
                    "skipped=%-4s rescued=%-4s ignored=%-4s\n", h->host->name, n[0], n[1],
                    n[2], n[3], n[4], n[5], n[6]);
    }
    gf_buf_addc(&b, '\n');
    gf_out_write(b.buf, b.len);
    gf_buf_release(&b);
    gf_vec_release(&hosts, NULL);
}

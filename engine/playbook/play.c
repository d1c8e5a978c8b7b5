/* play.c - plays in order, each over its hosts in serial batches: fact
 * gathering, the task sections with the linear strategy, blocks with
 * rescue/always, dynamic includes, meta actions, handlers, and the barrier
 * after each task where results become host state (register, set_fact,
 * facts, failures, notifications) and the stats of the recap. */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run-priv.h"

/* Ansible's names for the controller (C.LOCALHOST) */
static int is_localhost(const char *name)
{
    return !strcmp(name, "localhost") || !strcmp(name, "127.0.0.1") || !strcmp(name, "::1");
}

struct hstate *run_host_by_name(struct run *r, const char *name)
{
    struct gf_host *h = gf_inventory_host(r->inv, name);

    if (h)
        return &r->hs[h->index];
    /* as Ansible: a name for the controller that the inventory lacks is the
     * implicit localhost, reached through the local connection */
    if (is_localhost(name) && r->hs[r->nhs].host)
        return &r->hs[r->nhs];
    return NULL;
}

static int host_active(const struct hstate *h)
{
    return h->in_play && !h->failed && !h->unreachable && !h->ended;
}

static void active_of(const struct gf_vec *in, struct gf_vec *out)
{
    for (size_t i = 0; i < in->n; i++)
        if (host_active(in->v[i]))
            gf_vec_push(out, in->v[i]);
}

static int has_tag(const struct gf_task *t, const char *tag)
{
    for (size_t i = 0; i < t->tags.n; i++)
        if (!strcmp(t->tags.v[i], tag))
            return 1;
    return 0;
}

/* --tags / --skip-tags as Ansible: always, never, all, tagged, untagged. */
static int tag_selected(const struct run *r, const struct gf_task *t)
{
    const struct gf_vec *sel = &r->o->tags, *skip = &r->o->skip_tags;

    for (size_t i = 0; i < skip->n; i++) {
        const char *s = skip->v[i];
        if (!strcmp(s, "all") || (!strcmp(s, "tagged") && t->tags.n) ||
            (!strcmp(s, "untagged") && !t->tags.n) || has_tag(t, s))
            return 0;
    }
    if (sel->n == 0)
        return !has_tag(t, "never");
    if (has_tag(t, "always"))
        return 1;
    for (size_t i = 0; i < sel->n; i++) {
        const char *s = sel->v[i];
        if ((!strcmp(s, "all") && !has_tag(t, "never")) || (!strcmp(s, "tagged") && t->tags.n) ||
            (!strcmp(s, "untagged") && !t->tags.n) || has_tag(t, s))
            return 1;
    }
    return 0;
}

/* The magic variables of the current batch. */
static void set_magic(struct run *r)
{
    struct gf_val *m = gf_val_map(), *groups = gf_val_map();
    struct gf_val *ph = gf_val_list(), *pb = gf_val_list(), *all = gf_val_list();

    for (size_t i = 0; i < r->inv->groups.n; i++) {
        struct gf_group *g = r->inv->groups.ents[i].val;
        struct gf_vec hosts = GF_VEC_INIT;
        struct gf_val *l = gf_val_list();
        gf_inventory_match(r->inv, g->name, &hosts, NULL);
        for (size_t j = 0; j < hosts.n; j++)
            gf_val_list_push(l, gf_val_str(((struct gf_host *)hosts.v[j])->name));
        gf_vec_release(&hosts, NULL);
        gf_val_map_set(groups, g->name, l);
    }
    for (size_t i = 0; i < r->batch.n; i++) {
        struct hstate *h = r->batch.v[i];
        gf_val_list_push(pb, gf_val_str(h->host->name));
        if (!h->failed && !h->unreachable)
            gf_val_list_push(ph, gf_val_str(h->host->name));
    }
    for (size_t i = 0; i < r->nhs; i++)
        if (r->hs[i].in_play || r->hs[i].seen)
            gf_val_list_push(all, gf_val_str(r->hs[i].host->name));
    gf_val_map_set(m, "groups", groups);
    gf_val_map_set(m, "play_hosts", gf_val_ref(ph));
    gf_val_map_set(m, "ansible_play_hosts", ph);
    gf_val_map_set(m, "ansible_play_batch", pb);
    gf_val_map_set(m, "ansible_play_hosts_all", all);
    gf_val_map_set(m, "ansible_check_mode", gf_val_bool(r->o->check));
    gf_val_map_set(m, "ansible_diff_mode", gf_val_bool(r->o->diff));
    gf_val_map_set(m, "playbook_dir", gf_val_str(r->pb->dir));
    gf_val_map_set(m, "omit", gf_val_str("__omit_place_holder__gpuforge"));
    gf_val_map_set(m, "ansible_play_name", gf_val_str(r->play->name ? r->play->name
                                                                       : r->play->hosts));
    struct gf_val *ver = gf_val_map();
    gf_val_map_set(ver, "full", gf_val_str("2.14.0"));
    gf_val_map_set(ver, "major", gf_val_int(2));
    gf_val_map_set(ver, "minor", gf_val_int(14));
    gf_val_map_set(ver, "revision", gf_val_int(0));
    gf_val_map_set(ver, "string", gf_val_str("2.14.0 (gpuforge " GF_VERSION ")"));
    gf_val_map_set(m, "ansible_version", ver);
    gf_val_map_set(m, "gpuforge_version", gf_val_str(GF_VERSION));
    gf_val_unref(r->magic);
    r->magic = m;
    run_changed(r);
}

/* Whether handler ht exists yet: an include_role's handlers are added to
 * the play when the include runs, as Ansible's strategy adds them. */
static int handler_loaded(struct run *r, const struct gf_task *ht)
{
    int yes = 1;

    if (ht->late_of) {
        pthread_mutex_lock(&r->sh->lock);
        yes = gf_vec_contains(&r->roles_in, (void *)ht->late_of);
        pthread_mutex_unlock(&r->sh->lock);
    }
    return yes;
}

/* Handlers a notify name reaches, as Ansible's strategy finds them: of
 * the handlers loaded so far, the one of that name ("name" or "role :
 * name") loaded last (a role in roles: and again in an include_role has
 * its handlers twice: a notify before the include reaches the first
 * copy, one after it the second), and every handler listening to it. */
static void notify(struct run *r, struct hstate *h, const char *name)
{
    struct gf_task *byname = NULL;
    int found = 0;

    for (size_t i = r->play->handlers.n; i-- > 0 && byname == NULL;) {
        struct gf_task *ht = r->play->handlers.v[i];
        if (((ht->name && !strcmp(ht->name, name)) || gf_task_role_named(ht, name)) &&
            handler_loaded(r, ht))
            byname = ht;
    }
    for (size_t i = 0; i < r->play->handlers.n; i++) {
        struct gf_task *ht = r->play->handlers.v[i];
        int match = ht == byname;
        if (!match && ht->listen.n && !handler_loaded(r, ht))
            continue;
        for (size_t j = 0; !match && j < ht->listen.n; j++)
            match = !strcmp(ht->listen.v[j], name);
        if (match) {
            found = 1;
            if (!gf_vec_contains(&h->notified, ht))
                gf_vec_push(&h->notified, ht);
        }
    }
    if (!found)
        out_warn(r, "the handler '%s' was not found in the handlers nor in their listen "
                 "topics", name);
}

static void set_host_var(struct hstate *h, const char *k, struct gf_val *v)
{
    struct gf_val *m = gf_val_map_merge(h->hvars, NULL);

    gf_val_map_set(m, k, v);
    gf_val_unref(h->hvars);
    h->hvars = m;
}

/* The barrier: results become state. ran is the hosts that ran the task;
 * for run_once, `to` is every host the result applies to. */
static void apply(struct run *r, const struct gf_task *t, struct gf_vec *ran, struct gf_vec *to,
                  int *any_failed)
{
    for (size_t i = 0; i < ran->n; i++) {
        struct hstate *h = ran->v[i];
        struct outcome *o = &h->out;
        h->seen = 1;
        if (o->status == GF_ST_UNREACHABLE) {
            if (o->ignored_unreachable) {
                h->st.ignored++;
            } else {
                h->unreachable = 1;
                h->st.unreachable++;
            }
        } else if (o->status == GF_ST_FAILED) {
            if (o->ignored) {
                h->st.ok++;
                h->st.ignored++;
                if (o->changed) /* Ansible counts changed for ignored failures only */
                    h->st.changed++;
            } else {
                h->failed = 1;
                h->st.failed++;
                *any_failed = 1;
            }
        } else if (o->skipped) {
            h->st.skipped++;
        } else {
            h->st.ok++;
            if (o->changed)
                h->st.changed++;
        }
        struct gf_vec *targets = to ? to : NULL;
        size_t nt = to ? to->n : 1;
        /* what a node returned is data, down to each item and fact */
        if (t->register_var && o->result)
            o->result = gf_val_unsafe(o->result);
        if (o->facts && o->facts->type == GF_VAL_MAP)
            o->facts = gf_val_unsafe(o->facts);
        pthread_mutex_lock(&r->sh->lock); /* other hosts' threads build hostvars from it */
        for (size_t k = 0; k < nt; k++) {
            struct hstate *d = targets ? targets->v[k] : h;
            if (t->register_var && o->result)
                set_host_var(d, t->register_var, gf_val_ref(o->result));
            for (size_t j = 0; o->set_facts && j < o->set_facts->u.map.n; j++)
                set_host_var(d, o->set_facts->u.map.ents[j].key,
                             gf_val_ref(o->set_facts->u.map.ents[j].val));
            if (o->include_vars) { /* replaced whole, name by name */
                struct gf_val *m = gf_val_map_merge(d->ivars, o->include_vars);
                gf_val_unref(d->ivars);
                d->ivars = m;
            }
            if (t->module && !strcmp(t->module->name, "setup") && o->status == GF_ST_OK &&
                !o->skipped)
                d->gathered = 1;
            if (o->facts && o->facts->type == GF_VAL_MAP) {
                struct gf_val *f = gf_val_unsafe(gf_val_map_merge(d->facts, o->facts));
                gf_val_unref(d->facts);
                d->facts = f;
                struct gf_val *af = gf_val_map();
                for (size_t j = 0; j < f->u.map.n; j++) {
                    const char *key = f->u.map.ents[j].key;
                    gf_val_map_set(af, gf_startswith(key, "ansible_") ? key + 8 : key,
                                   gf_val_ref(f->u.map.ents[j].val));
                }
                gf_val_unref(d->ansible_facts);
                d->ansible_facts = gf_val_unsafe(af);
            }
        }
        pthread_mutex_unlock(&r->sh->lock);
        for (size_t k = 0; k < nt; k++) {
            struct hstate *d = targets ? targets->v[k] : h;
            if (o->changed && (o->status == GF_ST_OK || o->ignored))
                for (size_t j = 0; j < t->notify.n; j++)
                    notify(r, d, t->notify.v[j]);
        }
        gf_val_unref(o->result);
        gf_val_unref(o->set_facts);
        gf_val_unref(o->include_vars);
        gf_val_unref(o->facts);
        free(o->delegated);
        memset(o, 0, sizeof(*o));
    }
    run_changed(r);
}

/* Host h fails with err's message, before any module ran (a keyword or
 * include that cannot be evaluated). */
static void fail_host(struct run *r, struct hstate *h, const struct gf_error *err)
{
    struct gf_buf m = GF_BUF_INIT, j = GF_BUF_INIT;

    gf_error_format(err, &m);
    gf_json_str(m.buf, m.len, &j);
    out_line(r, "fatal: [%s]: FAILED! => {\"msg\": %s}", h->host->name, j.buf);
    gf_buf_release(&m);
    gf_buf_release(&j);
    h->failed = 1;
    h->st.failed++;
    h->seen = 1;
    run_changed(r);
}

static void run_list(struct run *r, const struct gf_vec *tasks, const struct gf_vec *hosts);

struct taskjob {
    struct run *r;
    const struct gf_task *t;
    struct gf_vec *hosts;
};

static void task_worker(size_t i, void *ctx)
{
    struct taskjob *j = ctx;

    run_task_host(j->r, j->t, j->hosts->v[i]);
}

static int step_ask(struct run *r, const struct gf_task *t, struct hstate *h)
{
    char *name = task_display_name(r, t, h), line[64];
    FILE *tty = fopen("/dev/tty", "r+");
    int go = 1;

    if (tty == NULL) {
        free(name);
        return 1;
    }
    fprintf(tty, "Perform task: TASK: %s (N)o/(y)es/(c)ontinue: ", name);
    fflush(tty);
    if (fgets(line, sizeof(line), tty)) {
        if (line[0] == 'c' || line[0] == 'C')
            r->step_all = 1;
        else if (line[0] != 'y' && line[0] != 'Y')
            go = 0;
    } else {
        go = 0;
    }
    fclose(tty);
    free(name);
    return go;
}

/* Is t the task --start-at-task names? Its name or its shown name ("role :
 * name"), equal or matching as a shell pattern, as Ansible tells. */
static int start_hit(struct run *r, const struct gf_task *t, struct hstate *h)
{
    const char *want = r->o->start_at_task;
    char *name = task_display_name(r, t, h);
    int hit = !strcmp(name, want) || fnmatch(want, name, 0) == 0 ||
              (t->name && (!strcmp(t->name, want) || fnmatch(want, t->name, 0) == 0));

    free(name);
    return hit;
}

/* Does the task list hold the task --start-at-task names (blocks and
 * static includes searched)? */
static int holds_start(struct run *r, const struct gf_vec *tasks, struct hstate *h)
{
    for (size_t i = 0; i < tasks->n; i++) {
        const struct gf_task *t = tasks->v[i];
        if (t->kind == GF_TASK_MODULE && start_hit(r, t, h))
            return 1;
        if ((t->kind == GF_TASK_BLOCK || t->kind == GF_TASK_INCLUDE) &&
            (holds_start(r, &t->block, h) || holds_start(r, &t->rescue, h) ||
             holds_start(r, &t->always, h)))
            return 1;
    }
    return 0;
}

/* A module task over hosts, then the barrier. */
static void run_module_task(struct run *r, const struct gf_task *t, struct gf_vec *hosts,
                            int handler)
{
    struct gf_vec ran = GF_VEC_INIT;
    int any_failed = 0;

    if (!handler && !t->handler && !tag_selected(r, t))
        return;
    /* the play that holds the start task gathers facts first (run_sections) */
    if (r->o->start_at_task && !r->started && t != r->facts_task) {
        if (!start_hit(r, t, hosts->v[0]))
            return;
        r->started = 1;
    }
    if (r->o->step && !r->step_all && !step_ask(r, t, hosts->v[0]))
        return;
    out_task(r, t, handler ? "RUNNING HANDLER" : "TASK", hosts->v[0]);
    /* run_once and any_errors_fatal, when templates, as the first host sees them */
    struct gf_error err = GF_ERROR_INIT;
    int once = 0, fatal = 0;
    if (run_kw(r, hosts->v[0], t, "run_once", t->run_once, &once, &err) < 0 ||
        run_kw(r, hosts->v[0], t, "any_errors_fatal", t->any_errors_fatal < 0
               ? r->play->any_errors_fatal : t->any_errors_fatal, &fatal, &err) < 0) {
        for (size_t i = 0; i < hosts->n; i++)
            fail_host(r, hosts->v[i], &err);
        gf_error_clear(&err);
        return;
    }
    if (once)
        gf_vec_push(&ran, hosts->v[0]);
    else
        for (size_t i = 0; i < hosts->n; i++)
            gf_vec_push(&ran, hosts->v[i]);
    struct taskjob j = { r, t, &ran };
    gf_parallel(ran.n, r->o->exec->forks, task_worker, &j);
    apply(r, t, &ran, once ? hosts : NULL, &any_failed);
    gf_vec_release(&ran, NULL);
    int tripped = any_failed && fatal, maxfail = 0;
    if (r->play->max_fail_percentage >= 0 && r->batch.n) {
        size_t nf = 0;
        for (size_t i = 0; i < r->batch.n; i++)
            nf += ((struct hstate *)r->batch.v[i])->failed ||
                  ((struct hstate *)r->batch.v[i])->unreachable;
        if ((double)nf * 100.0 / (double)r->batch.n > r->play->max_fail_percentage)
            tripped = maxfail = 1;
    }
    /* as Ansible's linear strategy: the play ends for every host, the run
     * after this batch, and it says so (twice for max_fail_percentage, as
     * ansible-playbook 2.14 does: once for the percentage, once because no
     * host is left) */
    if (tripped && !r->break_play) {
        r->end_play = r->break_play = 1;
        for (int i = 0; i < 1 + maxfail && !r->o->json; i++)
            out_line(r, "\nNO MORE HOSTS LEFT %s",
                     "*************************************************************");
    } else if (tripped) {
        r->end_play = 1;
    }
}

static void run_include(struct run *r, const struct gf_task *t, struct gf_vec *act);

static void run_handlers(struct run *r, const struct gf_vec *hosts)
{
    for (int pass = 0; pass < 64; pass++) {
        int ran = 0;
        for (size_t i = 0; i < r->play->handlers.n && !r->end_play; i++) {
            struct gf_task *ht = r->play->handlers.v[i];
            struct gf_vec hs = GF_VEC_INIT;
            for (size_t k = 0; k < hosts->n; k++) {
                struct hstate *h = hosts->v[k];
                for (size_t n = 0; n < h->notified.n; n++)
                    if (h->notified.v[n] == ht) {
                        h->notified.v[n] = h->notified.v[--h->notified.n];
                        if (host_active(h))
                            gf_vec_push(&hs, h);
                        break;
                    }
            }
            if (hs.n) {
                if (ht->kind == GF_TASK_INCLUDE) /* its tasks run as the handler */
                    run_include(r, ht, &hs);
                else
                    run_module_task(r, ht, &hs, 1);
                ran = 1;
            }
            gf_vec_release(&hs, NULL);
        }
        if (!ran)
            break;
    }
}

static void run_meta(struct run *r, const struct gf_task *t, struct gf_vec *act)
{
    if (!tag_selected(r, t))
        return;
    out_task(r, t, "TASK", act->n ? act->v[0] : NULL); /* Ansible shows meta tasks too */
    if (!strcmp(t->meta, "flush_handlers")) {
        run_handlers(r, &r->batch);
        return;
    }
    if (!strcmp(t->meta, "noop"))
        return;
    for (size_t i = 0; i < act->n; i++) {
        struct hstate *h = act->v[i];
        struct gf_error err = GF_ERROR_INIT;
        int ok = 0;
        if (run_when(r, h, t, &ok, &err) < 0) {
            gf_error_print(&err);
            ok = 0;
        }
        gf_error_clear(&err);
        if (!ok) {
            /* Ansible's _execute_meta reports the skip (and counts nothing) */
            out_skip_host(r, h, t);
            continue;
        }
        if (!strcmp(t->meta, "end_play"))
            r->end_play = 1;
        else if (!strcmp(t->meta, "end_host"))
            h->ended = 1;
        else if (!strcmp(t->meta, "reset_connection")) {
            /* the next task opens a new session (new logins, groups, env) */
            pthread_mutex_lock(&h->lock);
            gf_session_close(h->sess);
            h->sess = NULL;
            pthread_mutex_unlock(&h->lock);
        }
        else if (!strcmp(t->meta, "clear_host_errors"))
            for (size_t k = 0; k < r->batch.n; k++)
                ((struct hstate *)r->batch.v[k])->failed = 0;
    }
    run_changed(r);
}

/* One run of a looped or late include: the hosts that include the same
 * file for the same loop item (index), each with its own loop variables,
 * in the order Ansible runs them (first seen first). */
struct incgrp {
    char *name;                  /* the templated name (late), or NULL */
    struct gf_val *opts;         /* the templated options (late), or NULL */
    size_t idx;                  /* the loop item's index */
    struct gf_vec hosts;         /* struct hstate * */
    struct gf_vec vars;          /* struct gf_val *: each host's loop variables, or NULL */
    struct gf_val *label;        /* the first host's item or loop_control.label, or NULL */
};

/* The include's options with its file or name and tasks_from templated
 * for v's host and item. Returns 0 with *opts (caller unrefs) and *name
 * (borrowed from it), or -GF_E* with err. */
static int include_opts(struct vctx *v, struct gf_val **opts, const char **name,
                        struct gf_error *err)
{
    const struct gf_task *t = v->t;
    const char *key = strstr(t->action, "role") ? "name" : "file";
    struct gf_val *m = gf_val_map_merge(t->include, NULL);
    static const char *const keys[] = { "name", "file", "tasks_from", "vars_from",
                                        "defaults_from", "handlers_from", NULL };

    for (size_t i = 0; keys[i]; i++) {
        struct gf_val *x = gf_val_map_get(t->include, keys[i]), *res = NULL;
        if (x == NULL)
            continue;
        if (tpl_val(v, x, &res, err) < 0) {
            gf_val_unref(m);
            return -GF_EINVAL;
        }
        if (res->type != GF_VAL_STR) {
            struct gf_buf b = GF_BUF_INIT;
            gf_val_to_text(res, &b);
            gf_val_unref(res);
            res = gf_val_str(b.buf ? b.buf : "");
            gf_buf_release(&b);
        }
        gf_val_map_set(m, keys[i], res);
    }
    *opts = m;
    *name = gf_val_map_get(m, key)->u.str.s;
    return 0;
}

/* include_tasks / include_role with a loop or a templated name: resolved
 * for each host and item, then run group by group. */
/* include_role, unlike include_tasks, prints no "included:" line and
 * counts nothing itself in the recap (Ansible's strategy loads a role's
 * blocks without the included-file step that counts and reports). */
static int include_is_role(const struct gf_task *t)
{
    return t->action && gf_endswith(t->action, "include_role");
}

static void run_include_each(struct run *r, const struct gf_task *t, struct gf_vec *act)
{
    struct gf_vec groups = GF_VEC_INIT, no = GF_VEC_INIT;

    for (size_t i = 0; i < act->n; i++) {
        struct hstate *h = act->v[i];
        struct gf_error err = GF_ERROR_INIT;
        struct gf_val *items = NULL;
        struct vctx v;
        int any = 0, rc = 0;
        vctx_init(&v, r, h, t);
        if (t->loop)
            rc = run_loop_items(&v, &items, &err);
        size_t n = t->loop ? (rc == 0 ? items->u.list.n : 0) : 1;
        for (size_t k = 0; k < n && rc == 0; k++) {
            int ok = 0;
            struct gf_val *opts = NULL;
            const char *name = NULL;
            if (t->loop)
                vctx_set_item(&v, items->u.list.v[k], k);
            if ((rc = vctx_when(&v, &ok, &err)) < 0 || !ok)
                continue;
            if (t->include_late && (rc = include_opts(&v, &opts, &name, &err)) < 0)
                break;
            struct incgrp *g = NULL;
            for (size_t j = 0; j < groups.n && g == NULL; j++) {
                struct incgrp *c = groups.v[j];
                if (c->idx == k && (!name || !strcmp(c->name, name)) &&
                    !gf_vec_contains(&c->hosts, h))
                    g = c;
            }
            if (g == NULL) {
                g = gf_xcalloc(1, sizeof(*g));
                g->idx = k;
                g->name = name ? gf_xstrdup(name) : NULL;
                g->opts = opts ? gf_val_ref(opts) : NULL;
                if (t->loop && t->loop_label && tpl_val(&v, t->loop_label, &g->label, &err) < 0)
                    gf_error_clear(&err);
                if (t->loop && g->label == NULL)
                    g->label = gf_val_ref(items->u.list.v[k]);
                gf_vec_push(&groups, g);
            }
            gf_vec_push(&g->hosts, h);
            gf_vec_push(&g->vars, v.loopvars ? gf_val_ref(v.loopvars) : NULL);
            gf_val_unref(opts);
            any = 1;
        }
        if (rc < 0)
            fail_host(r, h, &err);
        else if (!any)
            gf_vec_push(&no, h);
        h->seen = 1;
        gf_val_unref(items);
        gf_error_clear(&err);
        vctx_release(&v);
    }
    out_task(r, t, "TASK", act->n ? act->v[0] : NULL);
    for (size_t i = 0; i < no.n; i++) {
        out_skip_host(r, no.v[i], t);
        ((struct hstate *)no.v[i])->st.skipped++;
    }
    for (size_t i = 0; i < groups.n; i++) {
        struct incgrp *g = groups.v[i];
        struct gf_vec hosts = GF_VEC_INIT, saved = GF_VEC_INIT;
        const struct gf_vec *tasks = &t->block;
        const char *shown = t->meta ? t->meta : "";
        char *lshown = NULL;
        struct gf_error err = GF_ERROR_INIT;
        if (g->name && gf_playbook_load_include(r->pb, r->play, t, g->name, g->opts, &tasks,
                                                &lshown, &err) < 0) {
            for (size_t k = 0; k < g->hosts.n; k++)
                if (host_active(g->hosts.v[k]))
                    fail_host(r, g->hosts.v[k], &err);
            gf_error_clear(&err);
            continue;
        }
        if (lshown)
            shown = lshown;
        for (size_t k = 0; k < g->hosts.n; k++) {
            struct hstate *h = g->hosts.v[k];
            if (!host_active(h) || r->end_play)
                continue;
            gf_vec_push(&hosts, h);
            gf_vec_push(&saved, h->incvars);
            struct gf_val *m = gf_val_map_merge(h->incvars, g->vars.v[k]);
            h->incvars = m;
            h->st.ok += !include_is_role(t);
        }
        if (hosts.n) {
            if (!include_is_role(t))
                out_included(r, t, shown, &hosts, g->label);
            run_list(r, tasks, &hosts);
        }
        for (size_t k = 0; k < hosts.n; k++) {
            struct hstate *h = hosts.v[k];
            gf_val_unref(h->incvars);
            h->incvars = saved.v[k];
        }
        run_changed(r);
        gf_vec_release(&hosts, NULL);
        gf_vec_release(&saved, NULL);
    }
    for (size_t i = 0; i < groups.n; i++) {
        struct incgrp *g = groups.v[i];
        free(g->name);
        gf_val_unref(g->opts);
        gf_val_unref(g->label);
        gf_vec_release(&g->hosts, NULL);
        for (size_t k = 0; k < g->vars.n; k++)
            gf_val_unref(g->vars.v[k]);
        gf_vec_release(&g->vars, NULL);
        free(g);
    }
    gf_vec_release(&groups, NULL);
    gf_vec_release(&no, NULL);
}

static void run_include(struct run *r, const struct gf_task *t, struct gf_vec *act)
{
    struct gf_vec yes = GF_VEC_INIT, no = GF_VEC_INIT;

    if (!t->handler && !tag_selected(r, t))
        return;
    if (include_is_role(t)) {
        pthread_mutex_lock(&r->sh->lock);
        if (!gf_vec_contains(&r->roles_in, (void *)t))
            gf_vec_push(&r->roles_in, (void *)t);
        pthread_mutex_unlock(&r->sh->lock);
    }
    if (t->loop || t->include_late) {
        run_include_each(r, t, act);
        return;
    }
    for (size_t i = 0; i < act->n; i++) {
        struct hstate *h = act->v[i];
        struct gf_error err = GF_ERROR_INIT;
        int ok = 0;
        if (run_when(r, h, t, &ok, &err) < 0) {
            fail_host(r, h, &err);
            ok = -1;
        }
        gf_error_clear(&err);
        h->seen = 1;
        if (ok == 1)
            gf_vec_push(&yes, h);
        else if (ok == 0)
            gf_vec_push(&no, h);
    }
    out_task(r, t, "TASK", act->n ? act->v[0] : NULL);
    for (size_t i = 0; i < no.n; i++) {
        out_skip_host(r, no.v[i], t);
        ((struct hstate *)no.v[i])->st.skipped++;
    }
    if (yes.n) {
        if (!include_is_role(t)) {
            out_included(r, t, t->meta ? t->meta : "", &yes, NULL);
            for (size_t i = 0; i < yes.n; i++)
                ((struct hstate *)yes.v[i])->st.ok++;
        }
        run_list(r, &t->block, &yes);
    }
    gf_vec_release(&yes, NULL);
    gf_vec_release(&no, NULL);
}

static void run_block(struct run *r, const struct gf_task *t, struct gf_vec *act)
{
    struct gf_vec entered = GF_VEC_INIT, failed = GF_VEC_INIT, always = GF_VEC_INIT;

    for (size_t i = 0; i < act->n; i++)
        gf_vec_push(&entered, act->v[i]);
    run_list(r, &t->block, &entered);
    if (t->rescue.n) {
        for (size_t i = 0; i < entered.n; i++) {
            struct hstate *h = entered.v[i];
            if (h->failed && !h->unreachable) {
                h->failed = 0;
                if (h->st.failed)
                    h->st.failed--;
                h->st.rescued++;
                gf_vec_push(&failed, h);
            }
        }
        run_changed(r);
        if (failed.n && !r->end_play)
            run_list(r, &t->rescue, &failed);
    }
    if (t->always.n) {
        /* always runs for every host that entered, failed or not */
        int *was = gf_xcalloc(entered.n + 1, sizeof(int));
        for (size_t i = 0; i < entered.n; i++) {
            struct hstate *h = entered.v[i];
            was[i] = h->failed;
            if (!h->unreachable && !h->ended)
                gf_vec_push(&always, h);
            h->failed = 0;
        }
        int end = r->end_play;
        r->end_play = 0;
        run_list(r, &t->always, &always);
        r->end_play |= end;
        for (size_t i = 0; i < entered.n; i++)
            ((struct hstate *)entered.v[i])->failed |= was[i];
        free(was);
    }
    gf_vec_release(&entered, NULL);
    gf_vec_release(&failed, NULL);
    gf_vec_release(&always, NULL);
}

static void run_list(struct run *r, const struct gf_vec *tasks, const struct gf_vec *hosts)
{
    for (size_t i = 0; i < tasks->n && !r->end_play; i++) {
        const struct gf_task *t = tasks->v[i];
        struct gf_vec act = GF_VEC_INIT;
        active_of(hosts, &act);
        if (act.n == 0) {
            gf_vec_release(&act, NULL);
            break;
        }
        switch (t->kind) {
        case GF_TASK_MODULE: run_module_task(r, t, &act, 0); break;
        case GF_TASK_BLOCK: run_block(r, t, &act); break;
        case GF_TASK_INCLUDE: run_include(r, t, &act); break;
        case GF_TASK_META: run_meta(r, t, &act); break;
        }
        gf_vec_release(&act, NULL);
    }
}

/* Batch sizes from serial: numbers and percentages, the last repeating. */
static size_t batch_size(const struct gf_play *pl, size_t k, size_t total)
{
    if (pl->serial == NULL || pl->serial->u.list.n == 0)
        return total;
    size_t n = pl->serial->u.list.n;
    const struct gf_val *e = pl->serial->u.list.v[k < n ? k : n - 1];
    size_t size;
    if (e->type == GF_VAL_INT)
        size = (size_t)e->u.i;
    else {
        double d = strtod(e->u.str.s, NULL);
        size = strchr(e->u.str.s, '%') ? (size_t)(d * (double)total / 100.0) : (size_t)d;
    }
    if (size == 0)
        size = 1; /* Ansible runs at least one host */
    return size > total ? total : size;
}

static struct gf_task *setup_task(struct run *r, struct gf_play *pl)
{
    const struct gf_module *m = gf_module_find("setup");
    struct gf_task *t;

    if (m == NULL)
        return NULL;
    t = gf_xcalloc(1, sizeof(*t));
    t->kind = GF_TASK_MODULE;
    t->name = gf_xstrdup("Gathering Facts");
    t->action = gf_xstrdup("gather_facts");
    t->module = m;
    t->args = gf_val_map();
    t->when = gf_val_list();
    t->become = -1;
    t->check_mode = -1;
    t->diff = -1;
    t->any_errors_fatal = -1;
    t->retries = -1;
    t->remote_user = pl->remote_user ? gf_xstrdup(pl->remote_user) : NULL;
    gf_vec_push(&t->tags, gf_xstrdup("always"));
    t->file = gf_xstrdup(pl->file);
    t->dir = gf_xstrdup(r->pb->dir);
    t->line = pl->line;
    t->col = pl->col;
    gf_vec_push(&r->pb->tasks, t); /* freed with the playbook */
    return t;
}

/* Facts, then the three sections with their handlers, for the hosts of a
 * batch (linear) or for one host (free). st: the fact-gathering task. */
static void run_sections(struct run *r, struct gf_play *pl, struct gf_vec *hosts,
                         struct gf_task *st)
{
    /* with --start-at-task, Ansible gathers facts in the play that holds the
     * start task and skips earlier plays whole */
    int skip_facts = r->o->start_at_task && !r->started;
    for (int s = 0; s < 3 && skip_facts && hosts->n; s++)
        skip_facts = !holds_start(r, &pl->sections[s], hosts->v[0]);
    if (st && !skip_facts) {
        struct gf_vec act = GF_VEC_INIT;
        active_of(hosts, &act);
        if (r->o->gathering == 2) { /* smart: only hosts without facts from this run */
            size_t k = 0;
            for (size_t i = 0; i < act.n; i++)
                if (!((struct hstate *)act.v[i])->gathered)
                    act.v[k++] = act.v[i];
            act.n = k;
        }
        if (act.n)
            run_module_task(r, st, &act, 0);
        gf_vec_release(&act, NULL);
    }
    for (int s = 0; s < 3 && !r->end_play; s++) {
        run_list(r, &pl->sections[s], hosts);
        if (!r->end_play)
            run_handlers(r, hosts);
    }
}

struct freejob {
    struct run *r;
    struct gf_play *pl;
    struct gf_vec *hosts;
    struct gf_task *st;
};

/* strategy: free - one host through the whole play on its own thread,
 * with its own copy of the run (its batch is itself). */
static void free_host(size_t i, void *ctx)
{
    struct freejob *j = ctx;
    struct run c = *j->r;
    struct gf_vec one = GF_VEC_INIT;

    gf_vec_push(&one, j->hosts->v[i]);
    c.batch = one;
    c.end_play = 0;
    run_sections(&c, j->pl, &one, j->st);
    gf_vec_release(&one, NULL);
}

static void run_batch(struct run *r, struct gf_play *pl, struct gf_vec *batch)
{
    struct gf_task *st = NULL;

    gf_vec_release(&r->batch, NULL);
    for (size_t i = 0; i < batch->n; i++) {
        struct hstate *h = batch->v[i];
        h->in_play = 1;
        h->ended = 0;
        h->seen = 1;
        gf_vec_push(&r->batch, h);
    }
    set_magic(r);
    /* ansible.cfg's gathering: implicit gathers unless gather_facts is
     * false, explicit only when it is true, smart as implicit but once per
     * host */
    int gather = pl->gather_facts > 0 || (pl->gather_facts < 0 && r->o->gathering != 1);
    if (gather && (st = setup_task(r, pl)) == NULL) {
        out_warn(r, "%s:%d:%d: fact gathering is not available in this build: set "
                 "'gather_facts: false'", pl->file, pl->line, pl->col);
        for (size_t i = 0; i < batch->n; i++) {
            ((struct hstate *)batch->v[i])->failed = 1;
            ((struct hstate *)batch->v[i])->st.failed++;
        }
    }
    r->facts_task = st;
    if (pl->strategy_free) {
        struct freejob j = { r, pl, batch, st };
        gf_parallel(batch->n, r->o->exec->forks, free_host, &j);
    } else {
        run_sections(r, pl, batch, st);
    }
    for (size_t i = 0; i < batch->n; i++)
        ((struct hstate *)batch->v[i])->in_play = 0;
}

/* The play's host pattern with its templates rendered as Ansible renders
 * `hosts:` before the play: from extra vars, the play's vars, vars_files
 * and roles' vars and defaults, and magic variables (groups, playbook_dir,
 * ...); inventory variables are not defined there. A list joins with
 * commas. Returns 0 and *out (malloc'd), or -1 with err set. */
static int play_pattern(struct run *r, struct gf_play *pl, char **out, struct gf_error *err)
{
    struct gf_tpl_scope magic, defaults, vars, rvars, extra;
    struct gf_val *in = NULL, *v = NULL;
    struct gf_buf b = GF_BUF_INIT;
    struct gf_error e = GF_ERROR_INIT;

    if (!gf_tpl_is_template(pl->hosts, strlen(pl->hosts))) {
        *out = gf_xstrdup(pl->hosts);
        return 0;
    }
    r->play = pl;
    set_magic(r);
    gf_tpl_scope_map(&magic, r->magic, NULL);
    gf_tpl_scope_map(&defaults, pl->role_defaults, &magic);
    gf_tpl_scope_map(&vars, pl->vars, &defaults);
    gf_tpl_scope_map(&rvars, pl->role_vars, &vars);
    gf_tpl_scope_map(&extra, r->o->extra_vars, &rvars);
    struct gf_tpl_opts o = { 0, pl->file, pl->line, pl->col, r->pb->cache };
    in = gf_val_str(pl->hosts);
    if (gf_tpl_template_val(in, &extra, &o, &v, &e) < 0) {
        gf_error_set(err, GF_EINVAL, pl->file, pl->line, pl->col,
                     "the field 'hosts' has an invalid value: %s", e.msg ? e.msg : "");
        gf_error_clear(&e);
        gf_val_unref(in);
        return -1;
    }
    for (size_t i = 0; v->type == GF_VAL_LIST && i < v->u.list.n; i++) {
        if (i)
            gf_buf_addc(&b, ',');
        gf_val_to_text(v->u.list.v[i], &b);
    }
    if (v->type != GF_VAL_LIST)
        gf_val_to_text(v, &b);
    gf_val_unref(v);
    gf_val_unref(in);
    *out = b.buf ? gf_buf_detach(&b, NULL) : gf_xstrdup("");
    return 0;
}

/* Warns, as Ansible does, for each term of the pattern that matches no
 * host ("web,nosuch", "web:&nosuch"), once per run. */
static void warn_unmatched(struct run *r, const char *pattern)
{
    int commas = strchr(pattern, ',') != NULL, depth = 0;
    const char *p = pattern;

    while (*p) {
        const char *e = p;
        for (; *e; e++) {
            depth += *e == '[' ? 1 : *e == ']' ? -1 : 0;
            if (*e == ',' || (!commas && *e == ':' && depth <= 0))
                break;
        }
        char *term = gf_xstrndup(p, (size_t)(e - p));
        char *t = term + strspn(term, " ");
        t += *t == '&' || *t == '!';
        if (*t && strcmp(t, "all")) {
            struct gf_vec m = GF_VEC_INIT;
            if (gf_inventory_match(r->inv, t, &m, NULL) == 0 && m.n == 0 &&
                gf_map_get(&r->warned, t) == NULL) {
                out_warn(r, "Could not match supplied host pattern, ignoring: %s", t);
                gf_map_set(&r->warned, t, (void *)1);
            }
            gf_vec_release(&m, NULL);
        }
        free(term);
        p = *e ? e + 1 : e;
    }
}

static void run_play(struct run *r, struct gf_play *pl)
{
    struct gf_vec hosts = GF_VEC_INIT, sel = GF_VEC_INIT;
    struct gf_error err = GF_ERROR_INIT;
    char *pattern = NULL;

    if (play_pattern(r, pl, &pattern, &err) < 0) {
        gf_error_print(&err);
        gf_error_clear(&err);
        r->abort = 1;
        return;
    }
    r->play = pl;
    r->end_play = 0;
    warn_unmatched(r, pattern);
    out_play(r, pl->name ? pl->name : pattern);
    if (gf_inventory_match(r->inv, pattern, &sel, &err) < 0) {
        gf_error_print(&err);
        gf_error_clear(&err);
    }
    free(pattern);
    if (r->o->limit) {
        struct gf_vec lim = GF_VEC_INIT;
        gf_inventory_match(r->inv, r->o->limit, &lim, NULL);
        char *in = gf_xcalloc(r->nhs + 1, 1);
        for (size_t i = 0; i < lim.n; i++)
            in[((struct gf_host *)lim.v[i])->index] = 1;
        for (size_t i = 0; i < sel.n; i++)
            if (!in[((struct gf_host *)sel.v[i])->index])
                sel.v[i] = NULL;
        free(in);
        gf_vec_release(&lim, NULL);
    }
    for (size_t i = 0; i < sel.n; i++) {
        struct gf_host *gh = sel.v[i];
        if (gh == NULL)
            continue;
        struct hstate *h = &r->hs[gh->index];
        if (!h->failed && !h->unreachable)
            gf_vec_push(&hosts, h);
    }
    gf_vec_release(&sel, NULL);
    if (hosts.n == 0) {
        out_line(r, "skipping: no hosts matched");
        gf_vec_release(&hosts, NULL);
        return;
    }
    r->break_play = 0;
    for (size_t start = 0, k = 0; start < hosts.n && !r->end_play; k++) {
        size_t n = batch_size(pl, k, hosts.n);
        if (start + n > hosts.n)
            n = hosts.n - start;
        struct gf_vec batch = GF_VEC_INIT;
        for (size_t i = start; i < start + n; i++)
            gf_vec_push(&batch, hosts.v[i]);
        run_batch(r, pl, &batch);
        int left = 0;
        for (size_t i = 0; i < batch.n; i++)
            left |= !((struct hstate *)batch.v[i])->failed &&
                    !((struct hstate *)batch.v[i])->unreachable;
        gf_vec_release(&batch, NULL);
        start += n;
        /* Ansible's playbook executor: a batch whose every host failed, or
         * a tripped any_errors_fatal or max_fail_percentage, ends the
         * play and every play after it */
        if (!left || r->break_play) {
            r->stop = 1;
            break;
        }
    }
    gf_vec_release(&hosts, NULL);
}

static void close_worker(size_t i, void *ctx)
{
    struct run *r = ctx;

    if (r->hs[i].sess)
        gf_session_close(r->hs[i].sess);
    r->hs[i].sess = NULL;
}

static void list_task_names(struct run *r, const struct gf_vec *tasks, struct gf_buf *b)
{
    for (size_t i = 0; i < tasks->n; i++) {
        const struct gf_task *t = tasks->v[i];
        if (t->kind == GF_TASK_BLOCK) {
            list_task_names(r, &t->block, b);
            list_task_names(r, &t->rescue, b);
            list_task_names(r, &t->always, b);
            continue;
        }
        if (t->kind == GF_TASK_META || !tag_selected(r, t))
            continue;
        char *name = task_display_name(r, t, NULL);
        gf_buf_addf(b, "      %s\tTAGS: [", name);
        for (size_t k = 0; k < t->tags.n; k++)
            gf_buf_addf(b, "%s%s", k ? ", " : "", (char *)t->tags.v[k]);
        gf_buf_adds(b, "]\n");
        free(name);
        if (t->kind == GF_TASK_INCLUDE)
            list_task_names(r, &t->block, b);
    }
}

static int list_only(struct run *r)
{
    struct gf_buf b = GF_BUF_INIT;

    gf_buf_addf(&b, "\nplaybook: %s\n", r->pb->path);
    for (size_t p = 0; p < r->pb->plays.n; p++) {
        struct gf_play *pl = r->pb->plays.v[p];
        struct gf_error err = GF_ERROR_INIT;
        char *pattern = NULL;
        if (play_pattern(r, pl, &pattern, &err) < 0) {
            gf_out_write(b.buf, b.len);
            gf_buf_release(&b);
            gf_error_print(&err);
            gf_error_clear(&err);
            return 4; /* GF_EXIT_USAGE */
        }
        gf_out_write(b.buf, b.len); /* the warnings come between plays */
        gf_buf_reset(&b);
        warn_unmatched(r, pattern);
        gf_buf_addf(&b, "\n  play #%zu (%s): %s\tTAGS: []\n", p + 1, pattern,
                    pl->name ? pl->name : pattern);
        if (r->o->list_hosts) {
            struct gf_vec sel = GF_VEC_INIT, lim = GF_VEC_INIT;
            gf_inventory_match(r->inv, pattern, &sel, NULL);
            if (r->o->limit)
                gf_inventory_match(r->inv, r->o->limit, &lim, NULL);
            struct gf_buf hb = GF_BUF_INIT;
            size_t n = 0;
            for (size_t i = 0; i < sel.n; i++) {
                if (r->o->limit && !gf_vec_contains(&lim, sel.v[i]))
                    continue;
                gf_buf_addf(&hb, "      %s\n", ((struct gf_host *)sel.v[i])->name);
                n++;
            }
            gf_buf_addf(&b, "    pattern: ['%s']\n    hosts (%zu):\n%s", pattern, n,
                        hb.buf ? hb.buf : "");
            gf_buf_release(&hb);
            gf_vec_release(&sel, NULL);
            gf_vec_release(&lim, NULL);
        }
        free(pattern);
        if (r->o->list_tasks) {
            gf_buf_adds(&b, "    tasks:\n");
            for (int s = 0; s < 3; s++)
                list_task_names(r, &pl->sections[s], &b);
        }
    }
    gf_out_write(b.buf, b.len);
    gf_buf_release(&b);
    return 0;
}

int gf_playbook_run(struct gf_playbook *pb, struct gf_inventory *inv,
                    const struct gf_run_opts *opts)
{
    struct run r = { 0 };
    struct gf_host *implicit = NULL; /* the implicit localhost, when made */
    int rc = 0;

    r.o = opts;
    r.t0 = gf_now_ms();
    r.pb = pb;
    r.inv = inv;
    r.nhs = inv->order.n;
    r.hs = gf_xcalloc(r.nhs + 1, sizeof(*r.hs));
    struct shared sh = { .lock = PTHREAD_MUTEX_INITIALIZER };
    r.sh = &sh;
    if (opts->list_hosts || opts->list_tasks) {
        rc = list_only(&r);
        goto out;
    }
    /* the implicit localhost (delegate_to: localhost), in the spare slot
     * after the inventory's hosts: vars of the group all and its own, the
     * local connection; in no group, pattern or recap */
    if (gf_inventory_host(inv, "localhost") == NULL) {
        implicit = gf_xcalloc(1, sizeof(*implicit));
        implicit->name = gf_xstrdup("localhost");
        implicit->index = r.nhs;
        implicit->vars = gf_val_map();
        gf_val_map_set(implicit->vars, "ansible_connection", gf_val_str("local"));
    }
    for (size_t i = 0; i < r.nhs + (implicit != NULL); i++) {
        struct hstate *h = &r.hs[i];
        struct gf_error err = GF_ERROR_INIT;
        h->host = i < r.nhs ? inv->order.v[i] : implicit;
        pthread_mutex_init(&h->lock, NULL);
        h->inv_vars = gf_inventory_host_vars(inv, h->host, 1);
        h->facts = gf_val_map();
        h->ansible_facts = gf_val_map();
        h->hvars = gf_val_map();
        h->ivars = gf_val_map();
        h->homes = gf_val_map();
        if (gf_target_from_vars(&h->target, h->host->name, h->inv_vars, opts->exec, &err) == 0) {
            h->target_ok = 1;
            h->inv_user = gf_val_map_get(h->inv_vars, "ansible_user") ||
                          gf_val_map_get(h->inv_vars, "ansible_ssh_user");
            h->base_user = h->target.user ? gf_xstrdup(h->target.user) : NULL;
        } else {
            struct gf_buf m = GF_BUF_INIT;
            gf_error_format(&err, &m);
            h->target_err = gf_buf_detach(&m, NULL);
        }
        gf_error_clear(&err);
    }
    progress_start(&r);
    for (size_t p = 0; p < pb->plays.n && !r.abort && !r.stop; p++)
        run_play(&r, pb->plays.v[p]);
    progress_stop(&r);
    if (r.abort) { /* as Ansible: an error between plays ends the run, no recap */
        rc = 4;    /* GF_EXIT_USAGE */
        gf_parallel(r.nhs + 1, opts->exec->forks, close_worker, &r);
        goto out;
    }
    if (opts->start_at_task && !r.started) /* Ansible says so and exits 0 too */
        out_warn(&r, "No matching task \"%s\" found. Note: --start-at-task can only follow "
                 "static includes.", opts->start_at_task);
    out_recap(&r);
    int failed = 0, unreachable = 0;
    FILE *retry = NULL;
    for (size_t i = 0; i < r.nhs; i++) {
        struct hstate *h = &r.hs[i];
        failed |= h->st.failed > 0;
        unreachable |= h->st.unreachable > 0;
        if ((h->st.failed || h->st.unreachable) && opts->retry_file) {
            if (retry == NULL && (retry = fopen(opts->retry_file, "w")) == NULL)
                gf_warn("cannot write the retry file '%s'", opts->retry_file);
            if (retry)
                fprintf(retry, "%s\n", h->host->name);
        }
    }
    if (retry)
        fclose(retry);
    rc = unreachable ? 3 : failed ? 2 : 0; /* the exit codes of engine/cli/cli.h */
    gf_parallel(r.nhs + 1, opts->exec->forks, close_worker, &r);
out:
    for (size_t i = 0; i < r.nhs + 1; i++) {
        struct hstate *h = &r.hs[i];
        if (h->host == NULL)
            continue;
        gf_target_release(&h->target);
        free(h->target_err);
        free(h->base_user);
        gf_val_unref(h->inv_vars);
        gf_val_unref(h->facts);
        gf_val_unref(h->ansible_facts);
        gf_val_unref(h->hvars);
        gf_val_unref(h->ivars);
        gf_val_unref(h->incvars);
        gf_val_unref(h->homes);
        gf_vec_release(&h->notified, NULL);
        pthread_mutex_destroy(&h->lock);
    }
    free(r.hs);
    if (implicit) {
        free(implicit->name);
        gf_val_unref(implicit->vars);
        free(implicit);
    }
    gf_val_unref(r.magic);
    gf_map_release(&r.warned, NULL);
    gf_val_unref(sh.hostvars);
    for (size_t i = 0; i < sh.old_hostvars.n; i++)
        gf_val_unref(sh.old_hostvars.v[i]);
    gf_vec_release(&sh.old_hostvars, NULL);
    gf_vec_release(&r.batch, NULL);
    gf_vec_release(&r.roles_in, NULL);
    pthread_mutex_destroy(&sh.lock);
    return rc;
}

/* check.c - what can be known wrong before anything runs: module arguments
 * that are not templated (unknown or missing parameters, wrong types, bad
 * choices) and notify names no handler answers to. Each is an error at the
 * file:line:col of the argument or task. */
#include <stdlib.h>
#include <string.h>

#include "playbook.h"

/* The position of the argument an error message names ('key'), else the
 * arguments' own. */
static void arg_pos(const struct gf_task *t, const char *msg, int *line, int *col)
{
    *line = t->args && t->args->line ? t->args->line : t->line;
    *col = t->args && t->args->line ? t->args->col : t->col;
    for (size_t i = 0; t->args && msg && i < t->args->u.map.n; i++) {
        char *q = gf_xasprintf("'%s'", t->args->u.map.ents[i].key);
        const struct gf_val *v = t->args->u.map.ents[i].val;
        int hit = strstr(msg, q) != NULL;
        free(q);
        if (hit && v->kline) {
            *line = v->kline;
            *col = v->kcol;
            return;
        }
        if (hit && v->line) {
            *line = v->line;
            *col = v->col;
            return;
        }
    }
}

static int handler_known(const struct gf_play *pl, const char *name)
{
    for (size_t i = 0; i < pl->handlers.n; i++) {
        const struct gf_task *h = pl->handlers.v[i];
        if (h->name && !strcmp(h->name, name))
            return 1;
        if (h->name && h->role) {
            char *full = gf_xasprintf("%s : %s", h->role->name, h->name);
            int hit = !strcmp(full, name);
            free(full);
            if (hit)
                return 1;
        }
        for (size_t j = 0; j < h->listen.n; j++)
            if (!strcmp(h->listen.v[j], name))
                return 1;
    }
    return 0;
}

static int check_list(const struct gf_play *pl, const struct gf_vec *tasks, struct gf_error *err);

static int check_task(const struct gf_play *pl, const struct gf_task *t, struct gf_error *err)
{
    if (t->kind == GF_TASK_BLOCK || t->kind == GF_TASK_INCLUDE) {
        int rc = check_list(pl, &t->block, err);
        if (rc == 0)
            rc = check_list(pl, &t->rescue, err);
        if (rc == 0)
            rc = check_list(pl, &t->always, err);
        return rc;
    }
    if (t->kind != GF_TASK_MODULE)
        return 0;
    struct gf_error e = GF_ERROR_INIT;
    struct gf_val *ok = gf_module_check_args_static(t->module, t->args, &e);
    if (ok == NULL) {
        int line, col;
        arg_pos(t, e.msg, &line, &col);
        int rc = gf_error_set(err, GF_EINVAL, t->file, line, col, "%s", e.msg);
        gf_error_clear(&e);
        return rc;
    }
    gf_val_unref(ok);
    for (size_t i = 0; i < t->notify.n; i++)
        if (!handler_known(pl, t->notify.v[i]))
            return gf_error_set(err, GF_EINVAL, t->file, t->line, t->col,
                                "notify: no handler is named or listens to '%s'",
                                (const char *)t->notify.v[i]);
    return 0;
}

static int check_list(const struct gf_play *pl, const struct gf_vec *tasks, struct gf_error *err)
{
    for (size_t i = 0; i < tasks->n; i++) {
        int rc = check_task(pl, tasks->v[i], err);
        if (rc)
            return rc;
    }
    return 0;
}

int gf_playbook_check(struct gf_playbook *pb, struct gf_inventory *inv,
                      const struct gf_val *extra_vars, struct gf_error *err)
{
    (void)inv;
    (void)extra_vars;
    for (size_t p = 0; p < pb->plays.n; p++) {
        const struct gf_play *pl = pb->plays.v[p];
        for (int s = 0; s < 3; s++) {
            int rc = check_list(pl, &pl->sections[s], err);
            if (rc)
                return rc;
        }
        int rc = check_list(pl, &pl->handlers, err);
        if (rc)
            return rc;
    }
    return 0;
}

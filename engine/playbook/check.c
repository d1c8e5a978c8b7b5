/* check.c - what can be known wrong before anything runs: module arguments
 * that are not templated (unknown or missing parameters, wrong types, bad
 * choices), notify names no handler answers to, template syntax, and
 * variables that no source (extra vars, inventory, play, role, task, loop,
 * register, set_fact, facts, magic variables) can define. Each is an error
 * at the file:line:col of the argument or task. */
#include <ctype.h>
#include <stdint.h>
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
        if (gf_task_role_named(h, name))
            return 1;
        for (size_t j = 0; j < h->listen.n; j++)
            if (!strcmp(h->listen.v[j], name))
                return 1;
    }
    return 0;
}

struct known {
    struct gf_map global;   /* names every task may read */
    struct gf_map play;     /* the current play's vars and roles' */
    const struct gf_task *t;
    struct gf_playbook *pb;
    const char *undefined;  /* first name found undefined */
    size_t pos;
    struct gf_map guarded;  /* names the task's `when` tests with `is defined` */
    int any_name;           /* include_vars without name: any variable may exist */
    struct gf_map scoped;   /* name -> count: loop variables and `is defined` guards of the
                             * includes around the task */
};

static const char *const magic_names[] = {
    "inventory_hostname", "inventory_hostname_short", "group_names", "groups", "hostvars",
    "inventory_dir", "inventory_file", "play_hosts", "ansible_play_hosts", "ansible_play_batch",
    "ansible_play_hosts_all", "ansible_check_mode", "ansible_diff_mode", "playbook_dir", "omit",
    "ansible_play_name", "ansible_version", "gpuforge_version", "ansible_facts",
    "ansible_loop_var", "ansible_index_var", "ansible_search_path", NULL,
};

static void add_keys(struct gf_map *m, const struct gf_val *map)
{
    for (size_t i = 0; map && map->type == GF_VAL_MAP && i < map->u.map.n; i++)
        gf_map_set(m, map->u.map.ents[i].key, (void *)1);
}

static int is_known(const struct known *k, const char *name)
{
    const struct gf_task *t = k->t;

    if (k->any_name || gf_map_get(&k->global, name) || gf_map_get(&k->play, name) ||
        gf_map_get(&k->guarded, name) || gf_map_get(&k->scoped, name))
        return 1;
    if (gf_startswith(name, "ansible_") || gf_startswith(name, "gpuforge_"))
        return 1; /* facts: gathered at run time */
    if (t->vars && gf_val_map_get(t->vars, name))
        return 1;
    if (t->loop && !strcmp(name, t->loop_var ? t->loop_var : "item"))
        return 1;
    if (t->index_var && !strcmp(name, t->index_var))
        return 1;
    if (t->role && (gf_val_map_get(t->role->defaults, name) || gf_val_map_get(t->role->vars,
                                                                               name) ||
                    !strcmp(name, "role_path") || !strcmp(name, "role_name") ||
                    !strcmp(name, "ansible_role_name")))
        return 1;
    return 0;
}

static void on_name(const char *name, size_t pos, void *ctx)
{
    struct known *k = ctx;

    if (k->undefined == NULL && !is_known(k, name)) {
        k->undefined = name;
        k->pos = pos;
    }
}

/* Checks one string of the task, written in file: template syntax and
 * variables. expr: a condition (a bare expression unless it holds {{ }}). */
static int check_string_in(struct known *k, const char *file, const struct gf_val *v, int expr,
                           struct gf_error *err)
{
    const struct gf_task *t = k->t;
    const struct gf_tpl *tpl = NULL;

    if (v == NULL || v->type != GF_VAL_STR)
        return 0;
    int is_tpl = gf_tpl_is_template(v->u.str.s, v->u.str.len);
    if (!is_tpl && !expr)
        return 0;
    struct gf_tpl_opts o = { 0, file, v->line ? v->line : t->line,
                             v->line ? v->col + !!(v->flags & GF_VAL_QUOTED) : t->col,
                             k->pb->cache };
    if (gf_tpl_cache_get(k->pb->cache, v->u.str.s, v->u.str.len, expr && !is_tpl, &o, &tpl,
                         err) < 0)
        return -GF_EPARSE;
    k->undefined = NULL;
    gf_tpl_free_names(tpl, on_name, k);
    if (k->undefined == NULL)
        return 0;
    int line = o.line, col = o.col;
    for (size_t i = 0; i < k->pos && i < v->u.str.len; i++) {
        if (v->u.str.s[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    return gf_error_set(err, GF_EINVAL, file, line, col, "undefined variable '%s'",
                        k->undefined);
}

static int check_string(struct known *k, const struct gf_val *v, int expr, struct gf_error *err)
{
    return check_string_in(k, k->t->file, v, expr, err);
}


static int check_strings(struct known *k, const struct gf_val *v, struct gf_error *err)
{
    if (v == NULL)
        return 0;
    if (v->type == GF_VAL_STR)
        return check_string(k, v, 0, err);
    if (v->type == GF_VAL_LIST)
        for (size_t i = 0; i < v->u.list.n; i++) {
            int rc = check_strings(k, v->u.list.v[i], err);
            if (rc)
                return rc;
        }
    if (v->type == GF_VAL_MAP)
        for (size_t i = 0; i < v->u.map.n; i++) {
            int rc = check_strings(k, v->u.map.ents[i].val, err);
            if (rc)
                return rc;
        }
    return 0;
}

static int check_conds(struct known *k, const struct gf_val *list, struct gf_error *err)
{
    for (size_t i = 0; list && i < list->u.list.n; i++) {
        int rc = check_string(k, list->u.list.v[i], 1, err);
        if (rc)
            return rc;
    }
    return 0;
}

/* Names a condition tests with "NAME is defined" (not "is not defined"): the
 * task runs only where they are defined, so its arguments may use them
 * (`when: nfs_server is defined` then `src: "{{ nfs_server }}"`). */
static void note_guards(struct gf_map *m, const struct gf_val *conds)
{
    for (size_t i = 0; conds && conds->type == GF_VAL_LIST && i < conds->u.list.n; i++) {
        const struct gf_val *c = conds->u.list.v[i];
        if (c->type != GF_VAL_STR)
            continue;
        for (const char *p = strstr(c->u.str.s, " is defined"); p;
             p = strstr(p + 1, " is defined")) {
            const char *e = p, *b;
            while (e > c->u.str.s && e[-1] == ' ')
                e--;
            for (b = e; b > c->u.str.s && (isalnum((unsigned char)b[-1]) || b[-1] == '_'); b--)
                ;
            if (b < e && !isdigit((unsigned char)*b) && (b == c->u.str.s || b[-1] != '.')) {
                char *name = gf_xstrndup(b, (size_t)(e - b));
                if (gf_map_get(m, name) == NULL)
                    gf_map_set(m, name, (void *)1);
                free(name);
            }
        }
    }
}

static int check_vars(struct known *k, const struct gf_task *t, struct gf_error *err)
{
    int rc;

    k->t = t;
    gf_map_release(&k->guarded, NULL);
    note_guards(&k->guarded, t->when);
    for (size_t i = 0; i < t->when->u.list.n; i++)
        if ((rc = check_string_in(k, gf_task_cond_file(k->pb, t, t->when->u.list.v[i]),
                                  t->when->u.list.v[i], 1, err)))
            return rc;
    if ((rc = check_conds(k, t->changed_when, err)) ||
        (rc = check_conds(k, t->failed_when, err)) || (rc = check_conds(k, t->until, err)))
        return rc;
    /* with_first_found drops the terms it cannot template: it names files
     * that may use variables defined only on some hosts */
    int lenient = t->loop_lookup && (!strcmp(t->loop_lookup, "first_found") ||
                                     !strcmp(t->loop_lookup, "ansible.builtin.first_found"));
    if (t->loop && !lenient && (rc = t->loop->type == GF_VAL_STR
                                     ? check_string(k, t->loop, 0, err)
                                     : check_strings(k, t->loop, err)))
        return rc;
    if ((rc = check_strings(k, t->environment, err)) ||
        (rc = check_strings(k, t->loop_label, err)) || (rc = check_strings(k, t->kw_tpl, err)))
        return rc;
    if (t->kind != GF_TASK_MODULE)
        return 0;
    if (!strcmp(t->module->name, "debug"))
        return check_string(k, gf_val_map_get(t->args, "msg") ? gf_val_map_get(t->args, "msg")
                            : gf_val_map_get(t->args, "_raw_params"), 0, err) ;
    if (!strcmp(t->module->name, "assert")) {
        const struct gf_val *that = gf_val_map_get(t->args, "that");
        /* assert stops at the first false condition: "x is defined" guards
         * the ones after it (kubespray: cluster_id is defined, then is ipv4) */
        note_guards(&k->guarded, that);
        if (that && that->type == GF_VAL_LIST && (rc = check_conds(k, that, err)))
            return rc;
        if (that && that->type == GF_VAL_STR && (rc = check_string(k, that, 1, err)))
            return rc;
        for (size_t i = 0; i < t->args->u.map.n; i++)
            if (strcmp(t->args->u.map.ents[i].key, "that") &&
                (rc = check_strings(k, t->args->u.map.ents[i].val, err)))
                return rc;
        return 0;
    }
    return check_strings(k, t->args, err);
}

static int check_list(struct known *k, const struct gf_play *pl, const struct gf_vec *tasks,
                      struct gf_error *err);

/* What an include gives the tasks it includes (add 1) or stops giving
 * (add -1): its loop variables, and the names its own `when` guards with
 * "is defined" (they run only where those are defined). */
static void include_scope(struct known *k, const struct gf_task *t, int add)
{
    struct gf_map names = GF_MAP_INIT;

    note_guards(&names, t->when);
    if (t->loop) {
        gf_map_set(&names, t->loop_var ? t->loop_var : "item", (void *)1);
        gf_map_set(&names, "ansible_loop_var", (void *)1);
        if (t->index_var)
            gf_map_set(&names, t->index_var, (void *)1);
    }
    for (size_t i = 0; i < names.n; i++) {
        const char *n = names.ents[i].key;
        intptr_t c = (intptr_t)gf_map_get(&k->scoped, n) + add;
        if (c > 0)
            gf_map_set(&k->scoped, n, (void *)c);
        else
            gf_map_del(&k->scoped, n);
    }
    gf_map_release(&names, NULL);
}

static int check_task(struct known *k, const struct gf_play *pl, const struct gf_task *t,
                      struct gf_error *err)
{
    int vrc = check_vars(k, t, err);
    if (vrc)
        return vrc;
    if (t->kind == GF_TASK_BLOCK || t->kind == GF_TASK_INCLUDE) {
        if (t->kind == GF_TASK_INCLUDE)
            include_scope(k, t, 1);
        int rc = check_list(k, pl, &t->block, err);
        if (t->kind == GF_TASK_INCLUDE)
            include_scope(k, t, -1);
        if (rc == 0)
            rc = check_list(k, pl, &t->rescue, err);
        if (rc == 0)
            rc = check_list(k, pl, &t->always, err);
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

static int check_list(struct known *k, const struct gf_play *pl, const struct gf_vec *tasks,
                      struct gf_error *err)
{
    for (size_t i = 0; i < tasks->n; i++) {
        int rc = check_task(k, pl, tasks->v[i], err);
        if (rc)
            return rc;
    }
    return 0;
}

/* Adds the top-level keys of the YAML (or JSON) file path to m; a file
 * that does not load adds nothing (include_vars reports it when it runs). */
static void add_file_keys(struct gf_map *m, const char *path)
{
    struct gf_val *doc = NULL;
    struct gf_error e = GF_ERROR_INIT;

    if (gf_yaml_load_file(path, &doc, &e) == 0)
        add_keys(m, doc);
    gf_val_unref(doc);
    gf_error_clear(&e);
}

static void add_dir_keys(struct gf_map *m, const char *dir)
{
    struct gf_vec files = GF_VEC_INIT;

    gf_playbook_vars_files(dir, &files);
    for (size_t i = 0; i < files.n; i++)
        add_file_keys(m, files.v[i]);
    gf_vec_release(&files, free);
}

/* The variables an include_vars task may define, as names every task may
 * read (the order of tasks decides at run time): the keys of the file it
 * names; when that name is a template (the OS family) or a loop item
 * (with_first_found), the keys of every vars file it could name: those of
 * the role's vars/ and of vars/ beside the task file and the playbook.
 * With `name: X` they go to *named (what a templated set_fact key may
 * lift out of X) and X to m. */
static int include_vars_keys(struct gf_map *m, struct gf_map *named,
                              const struct gf_playbook *pb, const struct gf_task *t)
{
    const struct gf_val *name = gf_val_map_get(t->args, "name");
    const struct gf_val *f = gf_val_map_get(t->args, "file");
    const struct gf_val *d = gf_val_map_get(t->args, "dir");
    const char *dirs[] = { t->role ? t->role->path : NULL, t->dir, pb->dir };

    int named_lit = 0;

    if (name && name->type == GF_VAL_STR) {
        if (!gf_tpl_is_template(name->u.str.s, name->u.str.len)) {
            gf_map_set(m, name->u.str.s, (void *)1);
            named_lit = 1; /* whatever the file holds goes under that one name */
        }
        m = named;
    }
    if (f == NULL)
        f = gf_val_map_get(t->args, "_raw_params");
    if (f && f->type == GF_VAL_STR && !t->loop &&
        !gf_tpl_is_template(f->u.str.s, f->u.str.len)) {
        for (size_t i = 0; i < GF_ARRAY_LEN(dirs); i++) {
            char *p = f->u.str.s[0] == '/' ? gf_xstrdup(f->u.str.s) : dirs[i]
                      ? gf_xasprintf("%s/vars/%s", dirs[i], f->u.str.s) : NULL;
            int found = p && gf_is_file(p);
            if (!found && p && f->u.str.s[0] != '/') {
                free(p);
                p = gf_xasprintf("%s/%s", dirs[i], f->u.str.s);
                found = gf_is_file(p);
            }
            if (found)
                add_file_keys(m, p);
            free(p);
            if (found)
                return 1;
        }
        return named_lit;
    }
    if (d && d->type == GF_VAL_STR && !gf_tpl_is_template(d->u.str.s, d->u.str.len)) {
        for (size_t i = 0; i < GF_ARRAY_LEN(dirs); i++) {
            char *p = d->u.str.s[0] == '/' ? gf_xstrdup(d->u.str.s) : dirs[i]
                      ? gf_xasprintf("%s/%s", dirs[i], d->u.str.s) : NULL;
            int found = p && gf_is_dir(p);
            if (found)
                add_dir_keys(m, p);
            free(p);
            if (found)
                return 1;
        }
        return named_lit;
    }
    for (size_t i = 0; i < GF_ARRAY_LEN(dirs); i++) {
        if (dirs[i] == NULL)
            continue;
        char *p = gf_xasprintf("%s/vars", dirs[i]);
        if (gf_is_dir(p))
            add_dir_keys(m, p);
        free(p);
    }
    return named_lit; /* a templated path may name a file outside them */
}

/* Facts modules return (ansible_facts), which become variables by name. */
static const struct {
    const char *module, *fact;
} fact_modules[] = {
    { "service_facts", "services" },
    { "package_facts", "packages" },
    { "getent", "getent_passwd" }, /* getent_DATABASE: the common ones */
    { "getent", "getent_group" },
    { "getent", "getent_shadow" },
    { "getent", "getent_hosts" },
    { NULL, NULL },
};

struct play_names {
    const struct gf_play *pl;
    const struct gf_val *extra;
    const char *undefined;
};

static void on_play_name(const char *name, size_t pos, void *ctx)
{
    struct play_names *n = ctx;
    const struct gf_play *pl = n->pl;
    int known = gf_val_map_get(n->extra, name) || gf_val_map_get(pl->vars, name) ||
                gf_val_map_get(pl->role_vars, name) || gf_val_map_get(pl->role_defaults, name);

    (void)pos;
    for (size_t i = 0; magic_names[i] && !known; i++)
        known = !strcmp(magic_names[i], name);
    if (!known && n->undefined == NULL)
        n->undefined = name;
}

/* The play's hosts: template syntax, and variables that a play may read
 * there (extra vars, the play's vars and vars_files, roles' vars and
 * defaults, magic variables; not the inventory's, as in Ansible). */
static int check_play_hosts(struct gf_playbook *pb, const struct gf_play *pl,
                            const struct gf_val *extra, struct gf_error *err)
{
    const struct gf_tpl *tpl = NULL;
    struct play_names n = { pl, extra, NULL };
    size_t len = strlen(pl->hosts);

    if (!gf_tpl_is_template(pl->hosts, len))
        return 0;
    struct gf_tpl_opts o = { 0, pl->file, pl->line, pl->col, pb->cache };
    if (gf_tpl_cache_get(pb->cache, pl->hosts, len, 0, &o, &tpl, err) < 0)
        return -GF_EPARSE;
    gf_tpl_free_names(tpl, on_play_name, &n);
    if (n.undefined == NULL)
        return 0;
    return gf_error_set(err, GF_EINVAL, pl->file, pl->line, pl->col,
                        "undefined variable '%s' in the play's 'hosts' (only extra vars, the "
                        "play's vars and magic variables are defined there)", n.undefined);
}

int gf_playbook_check(struct gf_playbook *pb, struct gf_inventory *inv,
                      const struct gf_val *extra_vars, struct gf_error *err)
{
    struct known k = { .pb = pb };
    struct gf_map named = GF_MAP_INIT;
    int rc = 0, templated_fact = 0;

    for (size_t i = 0; magic_names[i]; i++)
        gf_map_set(&k.global, magic_names[i], (void *)1);
    add_keys(&k.global, extra_vars);
    for (size_t i = 0; i < inv->groups.n; i++)
        add_keys(&k.global, ((struct gf_group *)inv->groups.ents[i].val)->vars);
    for (size_t i = 0; i < inv->file_group_vars.n; i++)
        add_keys(&k.global, inv->file_group_vars.ents[i].val);
    for (size_t i = 0; i < inv->file_host_vars.n; i++)
        add_keys(&k.global, inv->file_host_vars.ents[i].val);
    for (size_t i = 0; i < inv->order.n; i++)
        add_keys(&k.global, ((struct gf_host *)inv->order.v[i])->vars);
    /* register and set_fact anywhere: the order of plays decides at run time */
    for (size_t i = 0; i < pb->tasks.n; i++) {
        const struct gf_task *t = pb->tasks.v[i];
        if (t->register_var)
            gf_map_set(&k.global, t->register_var, (void *)1);
        if (t->module && !strcmp(t->module->name, "set_fact")) {
            add_keys(&k.global, t->args);
            for (size_t j = 0; t->args && j < t->args->u.map.n; j++) /* "v_{{ item }}": */
                if (gf_tpl_is_template(t->args->u.map.ents[j].key,
                                       strlen(t->args->u.map.ents[j].key)))
                    templated_fact = k.any_name = 1;
        }
        /* what a file include_vars cannot find now, or names by a template,
         * holds is known at run time only: any name may then exist */
        if (t->module && !strcmp(t->module->name, "include_vars") &&
            !include_vars_keys(&k.global, &named, pb, t))
            k.any_name = 1;
        for (size_t j = 0; t->module && fact_modules[j].module; j++)
            if (!strcmp(t->module->name, fact_modules[j].module))
                gf_map_set(&k.global, fact_modules[j].fact, (void *)1);
        /* getent sets the fact getent_DATABASE */
        const struct gf_val *db = t->module && !strcmp(t->module->name, "getent")
                                  ? gf_val_map_get(t->args, "database") : NULL;
        if (db && db->type == GF_VAL_STR) {
            char *f = gf_xasprintf("getent_%s", db->u.str.s);
            gf_map_set(&k.global, f, (void *)1);
            free(f);
        }
    }
    /* a set_fact whose name is a template ("{{ item.key }}" over a dict
     * that include_vars loaded under a name) may define any of them */
    for (size_t i = 0; templated_fact && i < named.n; i++)
        gf_map_set(&k.global, named.ents[i].key, (void *)1);
    gf_map_release(&named, NULL);
    for (size_t p = 0; p < pb->plays.n && !rc; p++) {
        const struct gf_play *pl = pb->plays.v[p];
        gf_map_release(&k.play, NULL);
        add_keys(&k.play, pl->vars);
        add_keys(&k.play, pl->role_defaults);
        add_keys(&k.play, pl->role_vars);
        rc = check_play_hosts(pb, pl, extra_vars, err);
        for (int s = 0; s < 3 && !rc; s++)
            rc = check_list(&k, pl, &pl->sections[s], err);
        if (!rc)
            rc = check_list(&k, pl, &pl->handlers, err);
    }
    gf_map_release(&k.global, NULL);
    gf_map_release(&k.play, NULL);
    gf_map_release(&k.guarded, NULL);
    gf_map_release(&k.scoped, NULL);
    return rc;
}

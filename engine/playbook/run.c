/* run.c - the executor: plays over their hosts in serial batches, tasks with
 * the linear strategy (every host runs a task in parallel, the next task
 * starts when all have finished), blocks with rescue/always, includes,
 * handlers, loops, conditions, register/set_fact, and Ansible's variable
 * precedence through one scope per host and task. Results are printed as
 * each host finishes; state changes (registered results, facts, failures)
 * are applied between tasks, by this thread alone. */
#include <pthread.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run-priv.h"

#define OMIT "__omit_place_holder__gpuforge"

/* ---- variables ---- */

/* Lookup for one host and task, highest precedence first. */
static struct gf_val *vlookup(void *ctx, const char *name)
{
    struct vctx *v = ctx;
    struct run *r = v->r;
    struct hstate *h = v->h;
    const struct gf_task *t = v->t;
    struct gf_val *x;

    if (v->loopvars && (x = gf_val_map_get(v->loopvars, name)))
        return x;
    if (v->regtmp && (x = gf_val_map_get(v->regtmp, name)))
        return x;
    if (v->loopfacts && (x = gf_val_map_get(v->loopfacts, name)))
        return x;
    if (r->o->extra_vars && (x = gf_val_map_get(r->o->extra_vars, name)))
        return x;
    if (h->incvars && (x = gf_val_map_get(h->incvars, name))) /* include params */
        return x;
    if ((x = gf_val_map_get(h->hvars, name)))
        return x;
    if ((x = gf_val_map_get(h->ivars, name)))
        return x;
    if (t && t->vars && (x = gf_val_map_get(t->vars, name)))
        return x;
    if (t && t->role && (x = gf_val_map_get(t->role->vars, name)))
        return x;
    if (r->play && (x = gf_val_map_get(r->play->role_vars, name)))
        return x;
    if (r->play && (x = gf_val_map_get(r->play->vars, name)))
        return x;
    if ((x = gf_val_map_get(h->facts, name)))
        return x;
    if (!strcmp(name, "ansible_facts"))
        return h->ansible_facts;
    if ((x = gf_val_map_get(h->inv_vars, name)))
        return x;
    if (t && t->role && (x = gf_val_map_get(t->role->defaults, name)))
        return x;
    if (r->play && (x = gf_val_map_get(r->play->role_defaults, name)))
        return x;
    if ((x = gf_val_map_get(r->magic, name)))
        return x;
    if (!strcmp(name, "hostvars"))
        return run_hostvars(r);
    if (t && !strcmp(name, "ansible_search_path")) {
        /* Task.get_search_path: the role's path, then the task file's directory */
        if (v->search_path == NULL) {
            v->search_path = gf_val_list();
            if (t->role)
                gf_val_list_push(v->search_path, gf_val_str(t->role->path));
            if (t->dir && !(t->role && !strcmp(t->dir, t->role->path)))
                gf_val_list_push(v->search_path, gf_val_str(t->dir));
        }
        return v->search_path;
    }
    if (t && t->role) {
        if (!strcmp(name, "role_path"))
            return v->role_path ? v->role_path : (v->role_path = gf_val_str(t->role->path));
        if (!strcmp(name, "role_name"))
            return v->role_name ? v->role_name : (v->role_name = gf_val_str(t->role->short_name));
        if (!strcmp(name, "ansible_role_name")) /* the full name (with its collection) */
            return v->ansible_role_name ? v->ansible_role_name
                                        : (v->ansible_role_name = gf_val_str(t->role->name));
    }
    return NULL;
}

/* Every name vlookup can answer, lowest precedence first (varnames). */
static void vnames(void *ctx, void (*fn)(const char *name, void *arg), void *arg)
{
    struct vctx *v = ctx;
    struct run *r = v->r;
    const struct gf_task *t = v->t;
    const struct gf_val *maps[] = {
        r->magic, r->play ? r->play->role_defaults : NULL,
        t && t->role ? t->role->defaults : NULL, v->h->inv_vars, v->h->facts,
        r->play ? r->play->vars : NULL, r->play ? r->play->role_vars : NULL,
        t && t->role ? t->role->vars : NULL, t ? t->vars : NULL, v->h->ivars, v->h->hvars,
        r->o->extra_vars, v->regtmp, v->loopvars,
    };
    static const char *const special[] = { "hostvars", "ansible_facts", "ansible_search_path" };

    for (size_t i = 0; i < GF_ARRAY_LEN(special); i++)
        fn(special[i], arg);
    if (t && t->role) {
        fn("role_path", arg);
        fn("role_name", arg);
        fn("ansible_role_name", arg);
    }
    for (size_t i = 0; i < GF_ARRAY_LEN(maps); i++)
        for (size_t j = 0; maps[i] && maps[i]->type == GF_VAL_MAP && j < maps[i]->u.map.n; j++)
            fn(maps[i]->u.map.ents[j].key, arg);
}

void vctx_init(struct vctx *v, struct run *r, struct hstate *h, const struct gf_task *t)
{
    memset(v, 0, sizeof(*v));
    v->r = r;
    v->h = h;
    v->t = t;
    v->scope.lookup = vlookup;
    v->scope.names = vnames;
    v->scope.ctx = v;
}

void vctx_set_item(struct vctx *v, struct gf_val *item, size_t i)
{
    const struct gf_task *t = v->t;
    const char *lv = t->loop_var ? t->loop_var : "item";

    gf_val_unref(v->loopvars);
    v->loopvars = gf_val_map();
    gf_val_map_set(v->loopvars, lv, gf_val_ref(item));
    if (t->index_var)
        gf_val_map_set(v->loopvars, t->index_var, gf_val_int((long long)i));
    gf_val_map_set(v->loopvars, "ansible_loop_var", gf_val_str(lv));
}

void vctx_release(struct vctx *v)
{
    gf_val_unref(v->loopvars);
    gf_val_unref(v->regtmp);
    gf_val_unref(v->loopfacts);
    gf_val_unref(v->role_path);
    gf_val_unref(v->role_name);
    gf_val_unref(v->ansible_role_name);
    gf_val_unref(v->search_path);
}

/* hostvars: each host's inventory vars, facts and set_fact/register
 * results, rebuilt when those changed since the last build (between tasks,
 * so a build is never torn). */
struct gf_val *run_hostvars(struct run *r)
{
    struct shared *sh = r->sh;

    pthread_mutex_lock(&sh->lock);
    if (sh->hostvars == NULL || sh->hv_gen != sh->gen) {
        struct gf_val *hv = gf_val_map();
        for (size_t i = 0; i < r->nhs; i++) {
            struct hstate *h = &r->hs[i];
            struct gf_val *a = gf_val_map_merge(h->inv_vars, h->facts);
            struct gf_val *ai = gf_val_map_merge(a, h->ivars);
            struct gf_val *b = gf_val_map_merge(ai, h->hvars);
            gf_val_unref(ai);
            gf_val_map_set(b, "ansible_facts", gf_val_ref(h->ansible_facts));
            gf_val_map_set(hv, h->host->name, b);
            gf_val_unref(a);
        }
        gf_vec_push(&sh->old_hostvars, sh->hostvars); /* may still be borrowed: freed at the end */
        sh->hostvars = hv;
        sh->hv_gen = sh->gen;
    }
    struct gf_val *out = sh->hostvars;
    pthread_mutex_unlock(&sh->lock);
    return out;
}

void run_changed(struct run *r)
{
    pthread_mutex_lock(&r->sh->lock);
    r->sh->gen++;
    pthread_mutex_unlock(&r->sh->lock);
}

/* ---- per-host state ---- */

/* Returns the host's session, opening it on first use; NULL with the reason
 * in *msg when the host cannot be reached. Called with h->lock held. */
static struct gf_session *host_session(struct run *r, struct hstate *h, char **msg,
                                       enum gf_status *st)
{
    struct gf_result res;

    if (h->sess)
        return h->sess;
    if (!h->target_ok) {
        *msg = gf_xstrdup(h->target_err ? h->target_err : "no connection settings");
        *st = GF_ST_FAILED;
        return NULL;
    }
    gf_result_init(&res, 4096);
    h->sess = gf_session_open(&h->target, r->o->exec, &res);
    if (h->sess == NULL) {
        *msg = gf_xstrdup(res.msg ? res.msg : "cannot connect");
        *st = res.status;
    }
    gf_result_release(&res);
    return h->sess;
}

/* ---- conditions and templating ---- */

static int eval_conds(struct vctx *v, const struct gf_val *conds, size_t from, int *out,
                      const struct gf_val **failed_cond, struct gf_error *err)
{
    const struct gf_task *t = v->t;

    *out = 1;
    for (size_t i = from; conds && i < conds->u.list.n; i++) {
        const struct gf_val *c = conds->u.list.v[i];
        int res;
        if (c->type == GF_VAL_BOOL) {
            res = c->u.b;
        } else if (c->type == GF_VAL_NULL) {
            res = 0;
        } else {
            struct gf_buf b = GF_BUF_INIT;
            gf_val_to_text(c, &b);
            struct gf_tpl_opts o = { 0, t->file, c->line, c->col + !!(c->flags & GF_VAL_QUOTED),
                                     v->r->pb->cache };
            int rc = gf_tpl_eval_cond(b.buf, b.len, &v->scope, &o, &res, err);
            gf_buf_release(&b);
            if (rc < 0 && conds == t->when && err && err->file && !strcmp(err->file, t->file)) {
                /* an inherited condition: name the file it is written in */
                free(err->file);
                err->file = gf_xstrdup(gf_task_cond_file(v->r->pb, t, c));
            }
            if (rc < 0) {
                if (failed_cond)
                    *failed_cond = c;
                return rc;
            }
        }
        if (!res) {
            *out = 0;
            if (failed_cond)
                *failed_cond = c;
            return 0;
        }
    }
    return 0;
}

int vctx_when(struct vctx *v, int *ok, struct gf_error *err)
{
    return eval_conds(v, v->t->when, 0, ok, NULL, err);
}

int run_when(struct run *r, struct hstate *h, const struct gf_task *t, int *ok,
             struct gf_error *err)
{
    struct vctx v;

    vctx_init(&v, r, h, t);
    int rc = eval_conds(&v, t->when, 0, ok, NULL, err);
    vctx_release(&v);
    return rc;
}

/* Templates v with the task's position for errors. */
int tpl_val(struct vctx *v, const struct gf_val *x, struct gf_val **out, struct gf_error *err)
{
    struct gf_tpl_opts o = { 0, v->t ? v->t->file : NULL, x->line,
                             x->col + !!(x->flags & GF_VAL_QUOTED), v->r->pb->cache };

    return gf_tpl_template_val(x, &v->scope, &o, out, err);
}

/* A templated retries/delay as a non-negative integer. */
static int tpl_count(struct vctx *v, const struct gf_val *x, const char *key, int *out,
                     struct gf_error *err)
{
    struct gf_val *r = NULL;
    long long n = -1;
    char *end;

    if (tpl_val(v, x, &r, err) < 0)
        return -1;
    if (r->type == GF_VAL_INT)
        n = r->u.i;
    else if (r->type == GF_VAL_STR && *r->u.str.s && (n = strtoll(r->u.str.s, &end, 10), *end))
        n = -1;
    gf_val_unref(r);
    if (n < 0 || n > INT_MAX)
        return gf_error_set(err, GF_EINVAL, v->t ? v->t->file : NULL, x->line, x->col,
                            "'%s' must be a non-negative integer", key);
    *out = (int)n;
    return 0;
}

static void drop_omitted(struct gf_val *args)
{
    for (size_t i = 0; args && args->type == GF_VAL_MAP && i < args->u.map.n;) {
        struct gf_val *x = args->u.map.ents[i].val;
        if (x->type == GF_VAL_STR && strcmp(x->u.str.s, OMIT) == 0) {
            gf_val_unref(gf_map_del(&args->u.map, args->u.map.ents[i].key));
            continue;
        }
        i++;
    }
}

/* The shell text that sets a task's environment before each command. */
static char *env_text(struct vctx *v, struct gf_error *err, int *rc)
{
    const struct gf_task *t = v->t;
    struct gf_val *env = NULL;
    struct gf_buf b = GF_BUF_INIT;

    *rc = 0;
    if (t->environment == NULL || (t->environment->type == GF_VAL_MAP &&
                                   t->environment->u.map.n == 0))
        return NULL;
    if ((*rc = tpl_val(v, t->environment, &env, err)) < 0)
        return NULL;
    if (env->type == GF_VAL_LIST) { /* environments from the play down: merged in order */
        struct gf_val *m = gf_val_map();
        for (size_t i = 0; i < env->u.list.n && *rc == 0; i++) {
            struct gf_val *e = env->u.list.v[i], *mm;
            if (e->type == GF_VAL_NULL)
                continue;
            if (e->type != GF_VAL_MAP) {
                *rc = gf_error_set(err, GF_EINVAL, t->file, t->line, t->col, "'environment' "
                                   "must give a mapping, not %s", gf_val_typename(e));
                break;
            }
            mm = gf_val_map_merge(m, e);
            gf_val_unref(m);
            m = mm;
        }
        gf_val_unref(env);
        env = m;
        if (*rc < 0) {
            gf_val_unref(env);
            return NULL;
        }
    }
    for (size_t i = 0; i < env->u.map.n; i++) {
        const char *k = env->u.map.ents[i].key;
        struct gf_buf val = GF_BUF_INIT;
        int ok = *k && !(*k >= '0' && *k <= '9');
        for (const char *p = k; *p; p++)
            ok &= *p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                  (*p >= '0' && *p <= '9');
        if (!ok) {
            *rc = gf_error_set(err, GF_EINVAL, t->file, t->line, t->col,
                               "environment variable name '%s' is not valid", k);
            break;
        }
        gf_val_to_text(env->u.map.ents[i].val, &val);
        gf_buf_addf(&b, "export %s=", k);
        gf_sh_quote(&b, val.buf ? val.buf : "");
        gf_buf_adds(&b, "; ");
        gf_buf_release(&val);
    }
    gf_val_unref(env);
    if (*rc < 0) {
        gf_buf_release(&b);
        return NULL;
    }
    return gf_buf_detach(&b, NULL);
}

int task_kw(struct vctx *v, const char *key, int def, int *out, struct gf_error *err)
{
    const struct gf_task *t = v->t;
    const struct gf_val *x = t->kw_tpl ? gf_val_map_get(t->kw_tpl, key) : NULL;
    struct gf_val *res = NULL;

    *out = def;
    if (x == NULL)
        return 0;
    struct gf_tpl_opts o = { 0, t->file, x->line, x->col + !!(x->flags & GF_VAL_QUOTED),
                             v->r->pb->cache };
    int rc = gf_tpl_eval_value(x->u.str.s, x->u.str.len, &v->scope, &o, &res, err);
    if (rc == 0 && gf_val_bool_ansible(res, out) < 0) {
        struct gf_buf b = GF_BUF_INIT;
        gf_val_to_text(res, &b);
        rc = gf_error_set(err, GF_EINVAL, t->file, x->line, x->col, "'%s' must be a boolean, "
                          "not '%s'", key, b.buf ? b.buf : "");
        gf_buf_release(&b);
    }
    gf_val_unref(res);
    return rc;
}

int run_kw(struct run *r, struct hstate *h, const struct gf_task *t, const char *key, int def,
           int *out, struct gf_error *err)
{
    struct vctx v;

    vctx_init(&v, r, h, t);
    int rc = task_kw(&v, key, def, out, err);
    vctx_release(&v);
    return rc;
}

static int task_become(struct vctx *v, const struct hstate *eh, int *out, struct gf_error *err)
{
    const struct gf_task *t = v->t;
    const struct run *r = v->r;
    int def = t->become >= 0 ? t->become : r->play->become >= 0 ? r->play->become
              : eh->target.become;

    return task_kw(v, "become", def, out, err);
}

/* A keyword's string (become_user, remote_user), templated for v's host.
 * Returns 0 with *out (caller frees), or -GF_E* with err. */
static int tpl_string(struct vctx *v, const char *s, char **out, struct gf_error *err)
{
    const struct gf_task *t = v->t;
    struct gf_val *res = NULL;

    *out = NULL;
    if (!gf_tpl_is_template(s, strlen(s)))
        return *out = gf_xstrdup(s), 0;
    struct gf_tpl_opts o = { 0, t->file, t->line, t->col, v->r->pb->cache };
    int rc = gf_tpl_eval_value(s, strlen(s), &v->scope, &o, &res, err);
    if (rc == 0) {
        struct gf_buf b = GF_BUF_INIT;
        gf_val_to_text(res, &b);
        *out = gf_buf_detach(&b, NULL);
    }
    gf_val_unref(res);
    return rc;
}

/* become_user, templated; NULL: the target's. Returns 0 with *out (caller
 * frees), or -GF_E* with err. */
static int task_become_user(struct vctx *v, char **out, struct gf_error *err)
{
    const char *u = v->t->become_user ? v->t->become_user : v->r->play->become_user;

    *out = NULL;
    return u ? tpl_string(v, u, out, err) : 0;
}

int task_check_mode(const struct run *r, const struct gf_task *t)
{
    return t->check_mode >= 0 ? t->check_mode : r->o->check;
}

static int task_diff(const struct run *r, const struct gf_task *t)
{
    return t->diff >= 0 ? t->diff : r->o->diff;
}

/* ---- running one task on one host ---- */

static void set_err_result(struct gf_modres *res, const struct gf_error *err)
{
    struct gf_buf m = GF_BUF_INIT;

    gf_error_format(err, &m);
    res->failed = 1;
    gf_val_map_set(res->data, "msg", gf_val_strn(m.buf, m.len));
    gf_buf_release(&m);
}

/* Makes user the host's SSH user (remote_user), closing a session opened
 * as another: the next use logs in again. Called with h->lock held. */
static void use_user(struct hstate *h, const char *user)
{
    const char *cur = h->target.user;

    if ((cur == NULL && user == NULL) || (cur && user && !strcmp(cur, user)))
        return;
    gf_session_close(h->sess);
    h->sess = NULL;
    free(h->target.user);
    h->target.user = user ? gf_xstrdup(user) : NULL;
}

/* Runs the module once with args already templated; fills res. Returns the
 * host status (OK, FAILED, UNREACHABLE). */
static enum gf_status run_module_once(struct vctx *v, struct hstate *eh, const struct gf_val *targs,
                                      struct gf_modres *res)
{
    struct run *r = v->r;
    const struct gf_task *t = v->t;
    struct gf_error err = GF_ERROR_INIT;
    struct gf_val *args;
    enum gf_status st = GF_ST_OK;
    int rc = 0;

    if (t->async > 0 && t->poll == 0) {
        gf_modres_fail(res, "async with poll: 0 (a background job checked later with "
                       "async_status) is not supported by gpuforge (task at %s:%d:%d, host "
                       "'%s')", t->file, t->line, t->col, eh->host->name);
        return GF_ST_FAILED;
    }
    if (t->module->unimplemented) {
        gf_modres_fail(res, "module '%s' %s (task at %s:%d:%d, host '%s')",
                       t->action ? t->action : t->module->name,
                       t->module->name[0] == '(' ? "is a Python module of the content's "
                       "library/, which gpuforge cannot run" : "is not implemented by gpuforge",
                       t->file, t->line, t->col, eh->host->name);
        return GF_ST_FAILED;
    }
    args = gf_module_check_args(t->module, targs, &err);
    if (args == NULL) {
        char *why = gf_xstrdup(err.msg ? err.msg : "bad arguments"); /* set frees err.msg */
        gf_error_set(&err, err.code, t->file, t->args ? t->args->line : t->line,
                     t->args ? t->args->col : t->col, "%s", why);
        free(why);
        set_err_result(res, &err);
        gf_error_clear(&err);
        return GF_ST_FAILED;
    }
    char *env = env_text(v, &err, &rc), *become_user = NULL;
    int become = 0, check = 0, diff = 0;
    if (rc < 0 || task_become(v, eh, &become, &err) < 0 ||
        task_become_user(v, &become_user, &err) < 0 ||
        task_kw(v, "check_mode", task_check_mode(r, t), &check, &err) < 0 ||
        task_kw(v, "diff", task_diff(r, t), &diff, &err) < 0) {
        set_err_result(res, &err);
        gf_error_clear(&err);
        gf_val_unref(args);
        free(env);
        free(become_user);
        return GF_ST_FAILED;
    }
    const char *dirs_role = t->role ? t->role->path : NULL;
    struct gf_modctx mc = {
        .host = v->h->host->name,
        .target = &eh->target,
        .become = become,
        .become_user = become_user,
        .check = check,
        .diff = diff,
        .scope = &v->scope,
        .tpl_cache = r->pb->cache,
        .search_dirs = { dirs_role ? dirs_role : t->dir, dirs_role ? t->dir : r->pb->dir,
                         r->pb->dir, NULL },
        .file = t->file, .line = t->line, .col = t->col,
        .env = env,
        .opts = r->o->exec,
    };
    int locked = 0;
    if (!t->module->controller_only) {
        char *msg = NULL, *user = NULL;
        if (t->remote_user && !eh->inv_user && tpl_string(v, t->remote_user, &user, &err) < 0) {
            set_err_result(res, &err);
            gf_error_clear(&err);
            st = GF_ST_FAILED;
            goto out;
        }
        pthread_mutex_lock(&eh->lock);
        locked = 1;
        use_user(eh, user ? user : eh->base_user);
        free(user);
        mc.session = host_session(r, eh, &msg, &st);
        if (mc.session == NULL) {
            res->failed = 1;
            gf_val_map_set(res->data, "msg", gf_val_str(msg));
            if (st != GF_ST_FAILED) {
                st = GF_ST_UNREACHABLE;
                gf_val_map_set(res->data, "unreachable", gf_val_bool(1));
            }
            free(msg);
            goto out;
        }
    }
    if (mc.check && !t->module->supports_check) {
        res->skipped = 1;
        gf_val_map_set(res->data, "msg", gf_val_str("this module does not support check mode"));
        goto out;
    }
    if (t->async > 0) /* poll > 0: wait for it, up to async seconds */
        mc.deadline_ms = gf_now_ms() + t->async * 1000LL;
    gf_exec_trace_module(t->module->name);
    if (gf_module_expand_paths(&mc, t->module, args, eh->homes, res) < 0) {
        gf_exec_trace_module(NULL);
        rc = gf_val_map_get(res->data, "unreachable") ? -GF_ECONNECT : 0;
        goto lost;
    }
    rc = t->module->run(&mc, args, res);
    gf_exec_trace_module(NULL);
    if (t->async > 0 && rc != -GF_ECONNECT && gf_now_ms() >= mc.deadline_ms) {
        gf_modres_release(res); /* as Ansible: the job was killed, its result is this */
        gf_modres_init(res);
        gf_modres_fail(res, "async task did not complete within the requested time - %ds",
                       t->async);
        rc = 0;
    } else if (t->async > 0) {
        gf_val_map_set(res->data, "started", gf_val_int(1));
        gf_val_map_set(res->data, "finished", gf_val_int(1));
    }
    if (mc.session && mc.session != eh->sess) { /* reconnected: reboot, wait_for_connection */
        if (!locked)
            pthread_mutex_lock(&eh->lock);
        gf_session_close(eh->sess);
        eh->sess = mc.session;
        if (!locked)
            pthread_mutex_unlock(&eh->lock);
    }
lost:
    if (rc == -GF_ECONNECT || gf_val_map_get(res->data, "unreachable")) {
        st = GF_ST_UNREACHABLE;
        res->failed = 1;
        gf_val_map_set(res->data, "unreachable", gf_val_bool(1));
        if (eh->sess) { /* the connection is gone: a later task reconnects */
            gf_session_close(eh->sess);
            eh->sess = NULL;
        }
    } else if (rc < 0 && !res->failed) {
        gf_modres_fail(res, "module '%s' failed: %s", t->module->name, gf_strerror(-rc));
    }
    if (res->failed && st == GF_ST_OK)
        st = GF_ST_FAILED;
out:
    if (locked)
        pthread_mutex_unlock(&eh->lock);
    free(env);
    free(become_user);
    gf_val_unref(args);
    return st;
}

/* One loop item (or the task without a loop): when, templating, the module,
 * until/retries, changed_when/failed_when. Fills *out (the result dict) and
 * returns the status; *skipped is set when `when` was false. */
static enum gf_status run_item(struct vctx *v, struct hstate *eh, struct gf_val **out,
                               int *skipped, int *changed)
{
    const struct gf_task *t = v->t;
    struct gf_error err = GF_ERROR_INIT;
    struct gf_modres res;
    enum gf_status st = GF_ST_OK;
    int ok;
    const struct gf_val *fc = NULL;

    *skipped = *changed = 0;
    gf_modres_init(&res);
    if (eval_conds(v, t->when, 0, &ok, &fc, &err) < 0) {
        set_err_result(&res, &err);
        st = GF_ST_FAILED;
        goto done;
    }
    if (!ok) {
        *skipped = 1;
        res.skipped = 1;
        struct gf_buf b = GF_BUF_INIT;
        gf_val_to_text(fc, &b);
        gf_val_map_set(res.data, "false_condition", gf_val_strn(b.buf, b.len));
        gf_val_map_set(res.data, "skip_reason", gf_val_str("Conditional result was False"));
        gf_buf_release(&b);
        goto done;
    }
    int retries = t->retries, delay = t->delay;
    if ((t->retries_tpl && tpl_count(v, t->retries_tpl, "retries", &retries, &err) < 0) ||
        (t->delay_tpl && tpl_count(v, t->delay_tpl, "delay", &delay, &err) < 0)) {
        set_err_result(&res, &err);
        st = GF_ST_FAILED;
        goto done;
    }
    int attempts = 0, max = t->until ? (retries >= 0 ? retries : 3) : 0;
    for (;;) {
        struct gf_val *targs = NULL;
        attempts++;
        if (tpl_val(v, t->args, &targs, &err) < 0) {
            set_err_result(&res, &err);
            st = GF_ST_FAILED;
            goto done;
        }
        if (targs == t->args) { /* shared with the task: copy before editing */
            gf_val_unref(targs);
            targs = gf_val_map_merge(t->args, NULL);
        }
        drop_omitted(targs);
        st = run_module_once(v, eh, targs, &res);
        gf_val_unref(targs);
        if (st == GF_ST_UNREACHABLE || t->until == NULL)
            break;
        /* until: the result is visible under the register name */
        struct gf_val *d = gf_val_unsafe(gf_modres_dict(&res));
        gf_val_unref(v->regtmp);
        v->regtmp = gf_val_map();
        if (t->register_var)
            gf_val_map_set(v->regtmp, t->register_var, d);
        else
            gf_val_unref(d);
        int done;
        if (eval_conds(v, t->until, 0, &done, NULL, &err) < 0) {
            gf_modres_release(&res);
            gf_modres_init(&res);
            set_err_result(&res, &err);
            st = GF_ST_FAILED;
            goto done;
        }
        if (done || attempts > max) {
            if (!done) {
                res.failed = 1;
                st = GF_ST_FAILED;
                gf_val_map_set(res.data, "msg", gf_val_str("Retry limit reached"));
            } else if (st == GF_ST_FAILED) { /* until decides, as in Ansible */
                res.failed = 0;
                st = GF_ST_OK;
            }
            break;
        }
        if (gf_verbosity >= 0)
            out_retry(v->r, v->h, t, attempts, max);
        gf_modres_release(&res);
        gf_modres_init(&res);
        sleep((unsigned)delay);
    }
    if (t->until)
        gf_val_map_set(res.data, "attempts", gf_val_int(attempts));
    /* as Ansible: a skipped result (a command in check mode) is not judged */
    if (st != GF_ST_UNREACHABLE && !res.skipped && (t->changed_when || t->failed_when)) {
        struct gf_val *d = gf_val_unsafe(gf_modres_dict(&res));
        gf_val_unref(v->regtmp);
        v->regtmp = gf_val_map();
        if (t->register_var)
            gf_val_map_set(v->regtmp, t->register_var, d);
        else
            gf_val_unref(d);
        int c;
        if (t->changed_when) {
            if (eval_conds(v, t->changed_when, 0, &c, NULL, &err) < 0) {
                set_err_result(&res, &err);
                st = GF_ST_FAILED;
                goto done;
            }
            res.changed = c;
        }
        if (t->failed_when) {
            /* failed_when's conditions are or-ed */
            int any = 0;
            for (size_t i = 0; i < t->failed_when->u.list.n && !any; i++) {
                struct gf_val *one = gf_val_list();
                gf_val_list_push(one, gf_val_ref(t->failed_when->u.list.v[i]));
                int rc = eval_conds(v, one, 0, &c, NULL, &err);
                gf_val_unref(one);
                if (rc < 0) {
                    set_err_result(&res, &err);
                    st = GF_ST_FAILED;
                    goto done;
                }
                any |= c;
            }
            res.failed = any;
            st = any ? GF_ST_FAILED : GF_ST_OK;
            gf_val_map_set(res.data, "failed_when_result", gf_val_bool(any));
        }
    }
done:
    *changed = res.changed;
    *skipped |= res.skipped; /* e.g. a command in check mode */
    *out = gf_modres_dict(&res);
    if (res.diff.len)
        gf_val_map_set(*out, "_gf_diff", gf_val_strn(res.diff.buf, res.diff.len));
    if (st == GF_ST_UNREACHABLE)
        gf_val_map_set(*out, "unreachable", gf_val_bool(1));
    gf_modres_release(&res);
    gf_error_clear(&err);
    return st;
}

/* with_NAME: the items the lookup plugin NAME gives for the task's terms,
 * as Ansible's loop_with: the terms are templated and made a list (a
 * string or mapping is one term); for first_found a term using an
 * undefined variable is dropped instead of failing. */
static int lookup_items(struct vctx *v, struct gf_val **items, struct gf_error *err)
{
    const struct gf_task *t = v->t;
    struct gf_val *terms = gf_val_list(), *x = NULL;
    int lenient = !strcmp(t->loop_lookup, "first_found") ||
                  !strcmp(t->loop_lookup, "ansible.builtin.first_found");
    int one = t->loop->type != GF_VAL_LIST, rc = 0;
    size_t n = one ? 1 : t->loop->u.list.n;

    for (size_t i = 0; i < n && rc == 0; i++) {
        const struct gf_val *term = one ? t->loop : t->loop->u.list.v[i];
        struct gf_error e = GF_ERROR_INIT;
        if (term->type == GF_VAL_STR) {
            struct gf_tpl_opts o = { 0, t->file, term->line, term->col, v->r->pb->cache };
            rc = gf_tpl_eval_value(term->u.str.s, term->u.str.len, &v->scope, &o, &x, &e);
        } else {
            rc = tpl_val(v, term, &x, &e);
        }
        if (rc == -GF_ENOTFOUND && lenient) {
            rc = 0;
        } else if (rc < 0) {
            gf_error_set(err, e.code, e.file, e.line, e.col, "with_%s: %s", t->loop_lookup,
                         e.msg);
        } else if (one && x->type == GF_VAL_LIST) { /* a template giving the list */
            for (size_t j = 0; j < x->u.list.n; j++)
                gf_val_list_push(terms, gf_val_ref(x->u.list.v[j]));
        } else {
            gf_val_list_push(terms, gf_val_ref(x));
        }
        gf_val_unref(x);
        x = NULL;
        gf_error_clear(&e);
    }
    if (rc == 0) {
        struct gf_error e = GF_ERROR_INIT;
        /* the context Ansible gives a loop's lookup (first_found): templates
         * for an action naming "template", vars for "var", else files */
        static const char *const subdirs[] = { "template", "var", "file" };
        size_t sd = 0;
        while (sd < 2 && !(t->action && strstr(t->action, subdirs[sd])))
            sd++;
        struct gf_val *kw = gf_val_map();
        char *sdname = gf_xasprintf("%ss", subdirs[sd]);
        gf_val_map_set(kw, "_subdir", gf_val_str_own(sdname, strlen(sdname)));
        rc = gf_tpl_lookup(t->loop_lookup, terms, kw, &v->scope, &x, &e);
        gf_val_unref(kw);
        if (rc < 0)
            gf_error_set(err, e.code ? e.code : GF_EINVAL, t->file, t->loop->line,
                         t->loop->col, "with_%s: %s", t->loop_lookup,
                         e.msg ? e.msg : "the lookup failed");
        else if (x == NULL || x->type != GF_VAL_LIST)
            rc = gf_error_set(err, GF_EINVAL, t->file, t->loop->line, t->loop->col,
                              "with_%s: the lookup gave %s, not a list", t->loop_lookup,
                              x ? gf_val_typename(x) : "nothing");
        gf_error_clear(&e);
    }
    gf_val_unref(terms);
    if (rc < 0) {
        gf_val_unref(x);
        return rc;
    }
    *items = x;
    return 0;
}

int run_loop_items(struct vctx *v, struct gf_val **items, struct gf_error *err)
{
    const struct gf_task *t = v->t;
    struct gf_val *x = NULL;
    int rc;

    if (t->loop_lookup)
        return lookup_items(v, items, err);
    if (t->loop->type == GF_VAL_STR) {
        struct gf_tpl_opts o = { 0, t->file, t->loop->line, t->loop->col, v->r->pb->cache };
        rc = gf_tpl_eval_value(t->loop->u.str.s, t->loop->u.str.len, &v->scope, &o, &x, err);
    } else {
        rc = tpl_val(v, t->loop, &x, err);
    }
    if (rc < 0)
        return rc;
    if (x->type == GF_VAL_STR && t->loop_flatten) { /* with_items: "a" is ["a"] */
        struct gf_val *l = gf_val_list();
        gf_val_list_push(l, x);
        x = l;
    }
    if (x->type != GF_VAL_LIST) {
        rc = gf_error_set(err, GF_EINVAL, t->file, t->loop->line, t->loop->col,
                          "loop needs a list, got %s", gf_val_typename(x));
        gf_val_unref(x);
        return rc;
    }
    if (t->loop_flatten) {
        struct gf_val *flat = gf_val_list();
        for (size_t i = 0; i < x->u.list.n; i++) {
            struct gf_val *e = x->u.list.v[i];
            if (e->type == GF_VAL_LIST)
                for (size_t j = 0; j < e->u.list.n; j++)
                    gf_val_list_push(flat, gf_val_ref(e->u.list.v[j]));
            else
                gf_val_list_push(flat, gf_val_ref(e));
        }
        flat->flags = x->flags;
        gf_val_unref(x);
        x = flat;
    }
    *items = x;
    return 0;
}

/* The outcome of a task that failed before its module ran: err's message
 * at the task's position. */
static void fail_outcome(struct outcome *o, const struct gf_error *err)
{
    struct gf_modres res;

    gf_modres_init(&res);
    set_err_result(&res, err);
    o->result = gf_modres_dict(&res);
    gf_modres_release(&res);
    o->status = GF_ST_FAILED;
}

/* The ansible_facts of a result, or of each of a loop's items merged in
 * order (as Ansible applies them item by item). New map or NULL. */
static struct gf_val *facts_of(const struct gf_val *result)
{
    const struct gf_val *f = gf_val_map_get(result, "ansible_facts");
    const struct gf_val *items = gf_val_map_get(result, "results");
    struct gf_val *m = NULL;

    if (f && f->type == GF_VAL_MAP)
        return gf_val_ref((struct gf_val *)f);
    for (size_t i = 0; items && items->type == GF_VAL_LIST && i < items->u.list.n; i++) {
        f = gf_val_map_get(items->u.list.v[i], "ansible_facts");
        if (f && f->type == GF_VAL_MAP) {
            struct gf_val *n = gf_val_map_merge(m, f);
            gf_val_unref(m);
            m = n;
        }
    }
    return m;
}

/* As Ansible runs a loop's items in one set of variables: the facts of a
 * set_fact or include_vars item, and the item's result under the task's
 * register, are variables of the items after it. */
static void loop_item_vars(struct vctx *v, const struct gf_val *ir, enum gf_status st, int sk)
{
    const struct gf_task *t = v->t;
    const struct gf_val *f = gf_val_map_get(ir, "ansible_facts");
    int clean = t->module && (!strcmp(t->module->name, "set_fact") ||
                              !strcmp(t->module->name, "include_vars"));
    struct gf_val *m = v->loopfacts ? v->loopfacts : gf_val_map();

    if (clean && st == GF_ST_OK && !sk && f && f->type == GF_VAL_MAP) {
        struct gf_val *n = gf_val_map_merge(m, f);
        gf_val_unref(m);
        m = n;
    }
    if (t->register_var)
        gf_val_map_set(m, t->register_var, gf_val_unsafe(gf_val_ref((struct gf_val *)ir)));
    v->loopfacts = m;
}

/* Before the task can run at all: when its when, evaluated without an
 * item, is false, fills o as a skip (Ansible's result: false_condition,
 * skip_reason) and returns 1; else returns 0 (an error in the condition
 * included: the caller reports its own). */
static int skipped_by_when(struct vctx *v, struct outcome *o)
{
    const struct gf_val *fc = NULL;
    struct gf_error werr = GF_ERROR_INIT;
    int ok = 1;

    if (!v->t->when || eval_conds(v, v->t->when, 0, &ok, &fc, &werr) < 0 || ok) {
        gf_error_clear(&werr);
        return 0;
    }
    struct gf_buf b = GF_BUF_INIT;
    gf_val_to_text(fc, &b);
    o->result = gf_val_map();
    gf_val_map_set(o->result, "changed", gf_val_bool(0));
    gf_val_map_set(o->result, "false_condition", gf_val_strn(b.buf, b.len));
    gf_val_map_set(o->result, "skip_reason", gf_val_str("Conditional result was False"));
    gf_buf_release(&b);
    o->status = GF_ST_OK;
    o->skipped = 1;
    return 1;
}

/* Runs task t on host h (worker thread): prints the result lines and leaves
 * the outcome in h->out for the barrier. */
void run_task_host(struct run *r, const struct gf_task *t, struct hstate *h)
{
    struct vctx v;
    struct gf_error err = GF_ERROR_INIT;
    struct hstate *eh = h;
    struct outcome *o = &h->out;

    h->task_start_ms = out_time_ms(r);
    progress_host(r, h, PROGRESS_RUNNING);
    memset(o, 0, sizeof(*o));
    vctx_init(&v, r, h, t);
    if (t->delegate_to) {
        struct gf_val *d = NULL;
        struct gf_val *s = gf_val_str(t->delegate_to);
        s->line = t->line, s->col = t->col;
        if (tpl_val(&v, s, &d, &err) < 0 || d->type != GF_VAL_STR) {
            if (err.msg == NULL)
                gf_error_set(&err, GF_EINVAL, t->file, t->line, t->col,
                             "delegate_to must name a host");
            fail_outcome(o, &err);
            gf_val_unref(s);
            gf_val_unref(d);
            goto print;
        }
        eh = run_host_by_name(r, d->u.str.s);
        o->delegated = gf_xstrdup(d->u.str.s);
        gf_val_unref(s);
        gf_val_unref(d);
        /* as in Ansible, a task its when skips needs no connection */
        if (eh == NULL && t->loop == NULL && skipped_by_when(&v, o))
            goto print;
        if (eh == NULL) {
            gf_error_set(&err, GF_EINVAL, t->file, t->line, t->col, "delegate_to host '%s' "
                         "is not in the inventory",
                         o->delegated);
            fail_outcome(o, &err);
            goto print;
        }
    }
    if (t->loop == NULL) {
        o->status = run_item(&v, eh, &o->result, &o->skipped, &o->changed);
        goto print;
    }
    /* a loop: `when` is checked per item */
    struct gf_val *items = NULL;
    if (run_loop_items(&v, &items, &err) < 0) {
        /* Ansible's TaskExecutor keeps an undefined loop for later: the
         * task's when, evaluated without an item, may still skip it */
        if (err.msg && (strstr(err.msg, "undefined variable") || strstr(err.msg, "has no attr") ||
                        strstr(err.msg, "has no element")) && skipped_by_when(&v, o))
            gf_error_clear(&err);
        else
            fail_outcome(o, &err);
        goto print;
    }
    struct gf_val *results = gf_val_list();
    const char *lv = t->loop_var ? t->loop_var : "item";
    /* no items: skipped, as Ansible reports it */
    int all_skipped = 1, any_failed = 0, any_changed = 0;
    o->status = GF_ST_OK;
    for (size_t i = 0; i < items->u.list.n; i++) {
        struct gf_val *item = items->u.list.v[i], *ir = NULL;
        vctx_set_item(&v, item, i);
        int sk, ch;
        enum gf_status st = run_item(&v, eh, &ir, &sk, &ch);
        gf_val_map_set(ir, lv, gf_val_ref(item));
        gf_val_map_set(ir, "ansible_loop_var", gf_val_str(lv));
        if (t->index_var)
            gf_val_map_set(ir, "ansible_index_var", gf_val_str(t->index_var));
        struct gf_val *label = NULL;
        if (t->loop_label) {
            if (tpl_val(&v, t->loop_label, &label, &err) < 0) {
                gf_error_clear(&err);
                label = NULL;
            }
        }
        out_item(r, h, t, o->delegated, label ? label : item, ir, st, sk, ch);
        loop_item_vars(&v, ir, st, sk);
        gf_val_unref(label);
        all_skipped &= sk;
        any_failed |= st != GF_ST_OK;
        any_changed |= ch;
        gf_val_list_push(results, ir);
        if (st == GF_ST_UNREACHABLE) {
            o->status = GF_ST_UNREACHABLE;
            break;
        }
    }
    if (o->status != GF_ST_UNREACHABLE && any_failed)
        o->status = GF_ST_FAILED;
    o->result = gf_val_map();
    gf_val_map_set(o->result, "changed", gf_val_bool(any_changed));
    /* Ansible's TaskExecutor: no items is a skip with a reason, no msg */
    if (items->u.list.n == 0)
        gf_val_map_set(o->result, "skipped_reason", gf_val_str("No items in the list"));
    else
        gf_val_map_set(o->result, "msg", gf_val_str(any_failed ? "One or more items failed"
                                                    : all_skipped ? "All items skipped"
                                                    : "All items completed"));
    if (any_failed)
        gf_val_map_set(o->result, "failed", gf_val_bool(1));
    if (all_skipped)
        gf_val_map_set(o->result, "skipped", gf_val_bool(1));
    gf_val_map_set(o->result, "results", results);
    o->changed = any_changed;
    o->skipped = all_skipped;
    o->looped = 1;
    gf_val_unref(items);
print:
    /* set_fact's facts, evaluated with this host's scope, go to the barrier */
    if (t->module && !strcmp(t->module->name, "set_fact") && o->status == GF_ST_OK && !o->skipped)
        o->set_facts = facts_of(o->result);
    else if (t->module && !strcmp(t->module->name, "include_vars") && o->status == GF_ST_OK &&
             !o->skipped)
        o->include_vars = facts_of(o->result);
    else if (o->status == GF_ST_OK && !o->skipped && gf_val_map_get(o->result, "ansible_facts"))
        o->facts = gf_val_ref(gf_val_map_get(o->result, "ansible_facts"));
    int ign = 0;
    if (o->status == GF_ST_FAILED && task_kw(&v, "ignore_errors", t->ignore_errors, &ign,
                                             &err) < 0) {
        gf_val_unref(o->result);
        fail_outcome(o, &err); /* as Ansible: the keyword's error is the task's */
        gf_error_clear(&err);
    }
    o->ignored = o->status == GF_ST_FAILED && ign;
    if (o->status == GF_ST_UNREACHABLE &&
        task_kw(&v, "ignore_unreachable", t->ignore_unreachable, &ign, &err) == 0 && ign)
        o->ignored_unreachable = 1;
    out_result(r, h, t, o);
    gf_error_clear(&err);
    vctx_release(&v);
}

/* load.c - playbooks, plays, tasks, blocks and roles from Ansible-syntax YAML
 * into the structures of playbook.h. Every problem is an error at the
 * file:line:col of the offending key or value; nothing runs before loading
 * has succeeded. Static constructs (import_*, roles:, role dependencies) are
 * expanded here, and what a parent gives its children is pushed down. */
#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "playbook.h"

#define MAX_IMPORT_DEPTH 64

static char *exe_dir;
static struct gf_vec roles_path; /* char *: the user's roles_path */
static int roles_path_set;

void gf_playbook_set_exe_dir(const char *dir)
{
    free(exe_dir);
    exe_dir = dir ? gf_xstrdup(dir) : NULL;
}

void gf_playbook_set_roles_path(const struct gf_vec *dirs)
{
    gf_vec_release(&roles_path, free);
    for (size_t i = 0; dirs && i < dirs->n; i++)
        gf_vec_push(&roles_path, gf_xstrdup(dirs->v[i]));
    roles_path_set = 1;
}

struct ld {
    struct gf_playbook *pb;
    struct gf_error *err;
    int depth;
    struct gf_play *play;        /* the play being loaded */
    struct gf_vec role_stack;    /* struct gf_role *: dependency cycle detection */
    struct gf_map play_roles;    /* role path -> 1: roles: and dependencies run once */
    const struct gf_val *collections; /* the play's collections: (borrowed), or NULL */
    const struct gf_task *include_role; /* loading what this include_role names, or NULL */
    int in_play;                 /* parse_play is loading a play (not a late include) */
    struct gf_vec late_handlers; /* struct gf_task *: include_role's, while the play loads */
};

/* What a block, import or role gives each task under it. */
struct inh {
    struct gf_val *when;         /* list */
    struct gf_vec tags;          /* char *, borrowed */
    int become;
    const char *become_user;
    int ignore_errors, ignore_unreachable, no_log, run_once, check_mode, diff, any_errors_fatal;
    const char *delegate_to;
    const char *remote_user;
    int async, poll;
    struct gf_val *vars;         /* map or NULL */
    struct gf_val *environment;  /* map, list (see gf_task) or NULL */
    struct gf_val *kw_tpl;       /* map: templated keywords, or NULL */
    const struct gf_vec *notify; /* char *: a block's notify, or NULL */
    struct gf_role *role;
    const char *dir;             /* directory of the file the tasks come from */
    int handler;
};

/* A module of the content's own (Python, in a role's or the playbook's
 * library/): gpuforge cannot run it, but, as with Ansible's modules it
 * lacks, a task naming it passes the static checks and fails only on the
 * node it reaches (run.c), naming it. */
static const struct gf_param library_params[] = { { NULL, 0, 0, NULL, NULL } };
static const struct gf_module library_module_entry = {
    .name = "(a module of the content's library/)",
    .params = library_params,
    .free_params = 1,
    .unimplemented = 1,
};

static const struct gf_module *library_module(struct ld *l, const struct inh *in,
                                              const char *name)
{
    const char *dirs[2] = { in && in->role ? in->role->path : NULL, l->pb->dir };
    int found = 0;

    if (strchr(name, '/') || strchr(name, '.'))
        return NULL;
    for (int i = 0; i < 2 && !found; i++) {
        if (dirs[i] == NULL)
            continue;
        char *p = gf_xasprintf("%s/library/%s.py", dirs[i], name), *q = gf_xasprintf(
            "%s/library/%s", dirs[i], name);
        found = access(p, F_OK) == 0 || access(q, F_OK) == 0;
        free(p);
        free(q);
    }
    return found ? &library_module_entry : NULL;
}

static int perr(struct ld *l, const char *file, const struct gf_val *v, const char *fmt, ...)
    GF_PRINTF(4, 5);
static int perr(struct ld *l, const char *file, const struct gf_val *v, const char *fmt, ...)
{
    struct gf_buf b = GF_BUF_INIT;
    va_list ap;

    va_start(ap, fmt);
    gf_buf_vaddf(&b, fmt, ap);
    va_end(ap);
    int rc = gf_error_set(l->err, GF_EPARSE, file, v ? v->line : 0, v ? v->col : 0, "%s", b.buf);
    gf_buf_release(&b);
    return rc;
}

/* An error at the key a value was loaded under (the value's place when the
 * key's is unknown). */
static int kerr(struct ld *l, const char *file, const struct gf_val *v, const char *fmt, ...)
    GF_PRINTF(4, 5);
static int kerr(struct ld *l, const char *file, const struct gf_val *v, const char *fmt, ...)
{
    struct gf_buf b = GF_BUF_INIT;
    va_list ap;

    va_start(ap, fmt);
    gf_buf_vaddf(&b, fmt, ap);
    va_end(ap);
    int line = v->kline ? v->kline : v->line, col = v->kline ? v->kcol : v->col;
    int rc = gf_error_set(l->err, GF_EPARSE, file, line, col, "%s", b.buf);
    gf_buf_release(&b);
    return rc;
}

static char *dir_of(const char *path)
{
    const char *s = strrchr(path, '/');

    return s ? gf_xstrndup(path, s == path ? 1 : (size_t)(s - path)) : gf_xstrdup(".");
}

/* Loads a YAML file, remembering its name (errors point into it). */
static int load_yaml(struct ld *l, const char *path, struct gf_val **out)
{
    gf_vec_push(&l->pb->files, gf_xstrdup(path));
    return gf_yaml_load_file(path, out, l->err);
}

static int is_tpl(const struct gf_val *v)
{
    return v && v->type == GF_VAL_STR && gf_tpl_is_template(v->u.str.s, v->u.str.len);
}

static int get_bool(struct ld *l, const char *file, const struct gf_val *v, const char *key,
                    int *out)
{
    if (is_tpl(v))
        return perr(l, file, v, "'%s' must be a boolean: templated values are not supported "
                    "here", key);
    if (gf_val_bool_ansible(v, out) < 0)
        return perr(l, file, v, "'%s' must be a boolean, not %s", key, gf_val_typename(v));
    return 0;
}

/* A copy of map (NULL: a new one) with key set to v, or removed when v is
 * NULL: the maps are shared with the parent's children. */
static struct gf_val *map_with(struct gf_val *map, const char *key, struct gf_val *v)
{
    struct gf_val *m = gf_val_map_merge(map, NULL);

    if (v)
        gf_val_map_set(m, key, gf_val_ref(v));
    else
        gf_val_unref(gf_map_del(&m->u.map, key));
    gf_val_unref(map);
    return m;
}

/* A boolean keyword Ansible templates (become, ignore_errors, ...): a
 * template is kept in *tpl under key and evaluated per host when the task
 * runs; a plain value goes to *out and drops an inherited template. */
static int get_kw_bool(struct ld *l, const char *file, struct gf_val *v, const char *key,
                       int *out, struct gf_val **tpl)
{
    if (is_tpl(v)) {
        *tpl = map_with(*tpl, key, v);
        return 0;
    }
    int rc = get_bool(l, file, v, key, out);
    if (rc == 0 && *tpl && gf_val_map_get(*tpl, key))
        *tpl = map_with(*tpl, key, NULL);
    return rc;
}

/* Adds an environment (a mapping, or a template giving one) to *env. They
 * are Ansible's list of environments, merged in order at run time: kept as
 * one mapping while none is a template. */
static int add_env(struct ld *l, const char *file, struct gf_val *x, struct gf_val **env)
{
    if (x->type == GF_VAL_NULL)
        return 0;
    if (x->type != GF_VAL_MAP && !is_tpl(x))
        return perr(l, file, x, "'environment' must be a mapping or a template giving one, "
                    "not %s", gf_val_typename(x));
    struct gf_val *e = *env;
    if (x->type == GF_VAL_MAP && (e == NULL || e->type == GF_VAL_MAP)) {
        *env = gf_val_map_merge(e, x);
    } else {
        *env = gf_val_list();
        if (e && e->type == GF_VAL_MAP)
            gf_val_list_push(*env, gf_val_ref(e));
        for (size_t i = 0; e && e->type == GF_VAL_LIST && i < e->u.list.n; i++)
            gf_val_list_push(*env, gf_val_ref(e->u.list.v[i]));
        gf_val_list_push(*env, gf_val_ref(x));
    }
    gf_val_unref(e);
    return 0;
}

static int get_str(struct ld *l, const char *file, const struct gf_val *v, const char *key,
                   char **out)
{
    if (v->type == GF_VAL_LIST || v->type == GF_VAL_MAP || v->type == GF_VAL_NULL)
        return perr(l, file, v, "'%s' must be a string, not %s", key, gf_val_typename(v));
    struct gf_buf b = GF_BUF_INIT;
    gf_val_to_text(v, &b);
    free(*out);
    *out = gf_buf_detach(&b, NULL);
    return 0;
}

static int get_int(struct ld *l, const char *file, const struct gf_val *v, const char *key,
                   int *out)
{
    if (v->type == GF_VAL_INT && v->u.i >= 0 && v->u.i <= INT_MAX)
        return *out = (int)v->u.i, 0;
    if (v->type == GF_VAL_STR) {
        char *end;
        long n = strtol(v->u.str.s, &end, 10);
        if (*v->u.str.s && *end == '\0' && n >= 0 && n <= INT_MAX)
            return *out = (int)n, 0;
    }
    return perr(l, file, v, "'%s' must be a non-negative integer", key);
}

static int get_map(struct ld *l, const char *file, const struct gf_val *v, const char *key)
{
    if (v->type != GF_VAL_MAP && v->type != GF_VAL_NULL)
        return perr(l, file, v, "'%s' must be a mapping, not %s", key, gf_val_typename(v));
    return 0;
}

/* A list of conditions from a string, bool or list. */
static int get_conds(struct ld *l, const char *file, struct gf_val *v, const char *key,
                     struct gf_val **out)
{
    struct gf_val *list = gf_val_list();

    if (v->type == GF_VAL_LIST) {
        for (size_t i = 0; i < v->u.list.n; i++) {
            struct gf_val *c = v->u.list.v[i];
            if (c->type == GF_VAL_LIST || c->type == GF_VAL_MAP) {
                gf_val_unref(list);
                return perr(l, file, c, "'%s' entries must be conditions, not %s", key,
                            gf_val_typename(c));
            }
            gf_val_list_push(list, gf_val_ref(c));
        }
    } else if (v->type == GF_VAL_MAP) {
        gf_val_unref(list);
        return perr(l, file, v, "'%s' must be a condition or a list of them", key);
    } else if (v->type != GF_VAL_NULL) {
        gf_val_list_push(list, gf_val_ref(v));
    }
    gf_val_unref(*out);
    *out = list;
    return 0;
}

/* Tags from "a,b", a scalar, or a list. Appended as malloc'd strings. */
static int get_tags(struct ld *l, const char *file, const struct gf_val *v, struct gf_vec *out)
{
    if (v->type == GF_VAL_LIST) {
        for (size_t i = 0; i < v->u.list.n; i++)
            if (get_tags(l, file, v->u.list.v[i], out) < 0)
                return -GF_EPARSE;
        return 0;
    }
    if (v->type == GF_VAL_MAP)
        return perr(l, file, v, "'tags' must be a string or a list");
    struct gf_buf b = GF_BUF_INIT;
    gf_val_to_text(v, &b);
    for (char *s = b.buf, *save = NULL, *t; (t = strtok_r(s, ",", &save)); s = NULL) {
        while (*t == ' ')
            t++;
        size_t n = strlen(t);
        while (n && t[n - 1] == ' ')
            t[--n] = '\0';
        if (n && !gf_vec_contains(out, t)) {
            int dup = 0;
            for (size_t i = 0; i < out->n; i++)
                dup |= strcmp(out->v[i], t) == 0;
            if (!dup)
                gf_vec_push(out, gf_xstrdup(t));
        }
    }
    gf_buf_release(&b);
    return 0;
}

/* How the loader parses a keyword: one case of task_keywords() or
 * parse_play() each. */
enum {
    K_REFUSED,         /* refused wherever it is valid */
    K_PART,            /* block/rescue/always, action/args, the play's task
                        * lists: parse_task() and parse_play() read them */
    K_NAME, K_HOSTS, K_VARS, K_VARS_FILES, K_BECOME, K_BECOME_USER, K_BECOME_METHOD,
    K_GATHER_FACTS, K_GATHER_SUBSET, K_SERIAL, K_MAX_FAIL_PERCENTAGE, K_ANY_ERRORS_FATAL,
    K_STRATEGY, K_ENVIRONMENT, K_TAGS, K_CHECK_MODE, K_DIFF, K_IGNORE_ERRORS,
    K_IGNORE_UNREACHABLE, K_NO_LOG, K_COLLECTIONS, K_REMOTE_USER, K_RUN_ONCE, K_WHEN, K_LOOP,
    K_LOOP_CONTROL, K_REGISTER, K_NOTIFY, K_CHANGED_WHEN, K_FAILED_WHEN, K_UNTIL, K_RETRIES,
    K_DELAY, K_DELEGATE_TO, K_ASYNC, K_POLL,
};

#define P GF_KW_PLAY
#define B GF_KW_BLOCK
#define T GF_KW_TASK
#define H GF_KW_HANDLER
#define R GF_KW_ROLE
#define I GF_KW_INCLUDE
#define ALL (P | B | T | H | R) /* Ansible's Base attributes */
#define TH (T | H)

/* Every keyword of Ansible's plays, blocks, tasks and handlers (ansible-core
 * 2.14's attributes; an include_tasks or include_role takes only those of
 * its TaskInclude.VALID_INCLUDE_KEYWORDS), as OpenSSH's readconf.c keeps its
 * keywords: where Ansible takes it, where gpuforge refuses it, and how it is
 * parsed. A key that is in no entry is a module on a task and an error on a
 * play. */
const struct gf_keyword gf_keywords[] = {
    { "name", ALL | I, 0, K_NAME, "the name shown; on a role reference, the role" },
    { "hosts", P, 0, K_HOSTS, "a host pattern, or a list of them" },
    { "vars", ALL | I, 0, K_VARS, "variables; on a role reference, role parameters" },
    { "vars_files", P, 0, K_VARS_FILES, "files of variables, a list entry may list "
      "alternatives" },
    { "vars_prompt", P, P, K_REFUSED, "runs are unattended: give the values with -e" },
    { "pre_tasks", P, 0, K_PART, "tasks before the roles" },
    { "roles", P, 0, K_PART, "roles, by name or as a mapping with keywords and parameters" },
    { "tasks", P, 0, K_PART, "tasks after the roles" },
    { "post_tasks", P, 0, K_PART, "tasks after tasks, once the handlers have run" },
    { "handlers", P, 0, K_PART, "handlers" },
    { "gather_facts", P, 0, K_GATHER_FACTS, "run setup first (ansible.cfg's gathering when "
      "unset)" },
    { "gather_subset", P, 0, K_GATHER_SUBSET, "accepted; setup gathers its one set" },
    { "gather_timeout", P, P, K_REFUSED, "no time limit on fact gathering" },
    { "fact_path", P, P, K_REFUSED, "no local facts (facts.d)" },
    { "serial", P, 0, K_SERIAL, "batches: numbers, percentages or a list of them" },
    { "max_fail_percentage", P, 0, K_MAX_FAIL_PERCENTAGE, "0..100" },
    { "strategy", P, 0, K_STRATEGY, "linear or free" },
    { "order", P, P, K_REFUSED, "hosts run in inventory order" },
    { "force_handlers", P, P, K_REFUSED, "handlers of a failed host do not run" },
    { "block", B, 0, K_PART, "the tasks of a block" },
    { "rescue", B, 0, K_PART, "tasks run when a task of the block fails" },
    { "always", B, 0, K_PART, "tasks run after the block, failed or not" },
    { "action", TH | I, 0, K_PART, "the module and its arguments as 'module k=v ...'" },
    { "args", TH | I, 0, K_PART, "module arguments, merged with the module's own" },
    { "local_action", TH, TH, K_REFUSED, "use delegate_to: localhost" },
    { "when", B | T | H | R | I, 0, K_WHEN, "conditions, all of which must hold" },
    { "loop", TH | I, 0, K_LOOP, "a list, or a template giving one" },
    { "with_", TH | I, 0, K_LOOP, "loop over what the lookup plugin returns" },
    { "loop_control", TH | I, 0, K_LOOP_CONTROL, "loop_var, index_var, label (pause and "
      "extended are refused)" },
    { "register", TH | I, 0, K_REGISTER, "keep the result in a variable" },
    { "notify", B | T | H, 0, K_NOTIFY, "handlers (names or listen topics) to run when "
      "changed" },
    { "listen", H, 0, K_NOTIFY, "topics a handler answers besides its name" },
    { "changed_when", TH, 0, K_CHANGED_WHEN, "conditions" },
    { "failed_when", TH, 0, K_FAILED_WHEN, "conditions" },
    { "until", TH, 0, K_UNTIL, "retry until the conditions hold" },
    { "retries", TH, 0, K_RETRIES, "a number or a template" },
    { "delay", TH, 0, K_DELAY, "seconds between retries, a number or a template" },
    { "async", TH, 0, K_ASYNC, "run in the background, seconds" },
    { "poll", TH, 0, K_POLL, "seconds between checks of an async task" },
    { "tags", ALL | I, 0, K_TAGS, "a string, a comma-separated string or a list" },
    { "become", ALL, 0, K_BECOME, "sudo to become_user" },
    { "become_user", ALL, 0, K_BECOME_USER, "the user to become (root)" },
    { "become_method", ALL, 0, K_BECOME_METHOD, "sudo only" },
    { "become_flags", ALL, ALL, K_REFUSED, "sudo runs with gpuforge's own flags" },
    { "become_exe", ALL, ALL, K_REFUSED, "sudo is the node's, found on its PATH" },
    { "remote_user", ALL, 0, K_REMOTE_USER, "the SSH user" },
    { "connection", ALL, ALL, K_REFUSED, "the connection comes from the inventory "
      "(ansible_connection)" },
    { "port", ALL, ALL, K_REFUSED, "set ansible_port in the inventory" },
    { "delegate_to", B | T | H | R, 0, K_DELEGATE_TO, "run on another host" },
    { "delegate_facts", B | T | H | R, B | T | H | R, K_REFUSED, "facts go to the host "
      "the task runs for" },
    { "run_once", ALL | I, P, K_RUN_ONCE, "on the first host of the batch; refused on a play" },
    { "ignore_errors", ALL | I, 0, K_IGNORE_ERRORS, "a failure does not stop the host" },
    { "ignore_unreachable", ALL, 0, K_IGNORE_UNREACHABLE, "unreachable does not stop the "
      "host" },
    { "any_errors_fatal", ALL, 0, K_ANY_ERRORS_FATAL, "a failure stops every host" },
    { "no_log", ALL | I, 0, K_NO_LOG, "results hidden; a template hides them everywhere" },
    { "check_mode", ALL, 0, K_CHECK_MODE, "force check mode on or off" },
    { "diff", ALL, 0, K_DIFF, "force --diff on or off" },
    { "environment", ALL, 0, K_ENVIRONMENT, "environment variables of the module" },
    { "collections", ALL | I, 0, K_COLLECTIONS, "accepted; FQCNs resolve from the module table" },
    { "module_defaults", ALL, ALL, K_REFUSED, "no module defaults: give the parameters" },
    { "throttle", ALL, ALL, K_REFUSED, "no per-task limit: use serial or --forks" },
    { "timeout", ALL | I, ALL | I, K_REFUSED, "no per-task time limit" },
    { "debugger", ALL | I, ALL | I, K_REFUSED, "no interactive debugger" },
    { NULL, 0, 0, 0, NULL },
};

#undef P
#undef B
#undef T
#undef H
#undef R
#undef I
#undef ALL
#undef TH

const struct gf_keyword *gf_keyword_find(const char *k)
{
    const struct gf_keyword *kw;

    for (kw = gf_keywords; kw->name; kw++)
        if (strcmp(kw->name, k) == 0)
            return kw;
    if (gf_startswith(k, "with_") && k[5])
        for (kw = gf_keywords; kw->name; kw++)
            if (strcmp(kw->name, "with_") == 0)
                return kw;
    return NULL;
}

/* Whether k is a keyword in one of the places where (GF_KW_*). */
static int is_keyword(const char *k, unsigned where)
{
    const struct gf_keyword *kw = gf_keyword_find(k);

    return kw && (kw->where & where);
}

static int in_list(const char *const *list, const char *s)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(list[i], s) == 0)
            return 1;
    return 0;
}

static const char *const include_actions[] = {
    "import_tasks", "include_tasks", "import_role", "include_role", "include",
    "ansible.builtin.import_tasks", "ansible.builtin.include_tasks",
    "ansible.builtin.import_role", "ansible.builtin.include_role", NULL,
};

static const char *short_action(const char *a)
{
    return gf_startswith(a, "ansible.builtin.") ? a + 16 : gf_startswith(a, "ansible.legacy.")
           ? a + 15 : a;
}

static void task_free(void *p)
{
    struct gf_task *t = p;

    free(t->name);
    free(t->action);
    gf_val_unref(t->args);
    gf_val_unref(t->when);
    gf_val_unref(t->loop);
    free(t->loop_lookup);
    free(t->loop_var);
    free(t->index_var);
    gf_val_unref(t->loop_label);
    free(t->register_var);
    gf_vec_release(&t->notify, free);
    gf_vec_release(&t->listen, free);
    gf_vec_release(&t->tags, free);
    free(t->become_user);
    gf_val_unref(t->changed_when);
    gf_val_unref(t->failed_when);
    gf_val_unref(t->until);
    gf_val_unref(t->retries_tpl);
    gf_val_unref(t->delay_tpl);
    free(t->delegate_to);
    free(t->remote_user);
    gf_val_unref(t->environment);
    gf_val_unref(t->kw_tpl);
    gf_val_unref(t->vars);
    free(t->meta);
    gf_val_unref(t->include);
    gf_vec_release(&t->block, NULL);
    gf_vec_release(&t->rescue, NULL);
    gf_vec_release(&t->always, NULL);
    free(t->dir);
    free(t->file);
    free(t);
}

static struct gf_task *task_new(struct ld *l, const char *file, const struct gf_val *v,
                                const struct inh *in)
{
    struct gf_task *t = gf_xcalloc(1, sizeof(*t));

    gf_vec_push(&l->pb->tasks, t);
    t->file = gf_xstrdup(file);
    t->line = v->line;
    t->col = v->col;
    t->dir = gf_xstrdup(in->dir);
    t->role = in->role;
    t->handler = in->handler;
    t->when = gf_val_list();
    for (size_t i = 0; in->when && i < in->when->u.list.n; i++)
        gf_val_list_push(t->when, gf_val_ref(in->when->u.list.v[i]));
    for (size_t i = 0; i < in->tags.n; i++)
        gf_vec_push(&t->tags, gf_xstrdup(in->tags.v[i]));
    t->become = in->become;
    t->become_user = in->become_user ? gf_xstrdup(in->become_user) : NULL;
    t->ignore_errors = in->ignore_errors;
    t->ignore_unreachable = in->ignore_unreachable;
    t->no_log = in->no_log;
    t->run_once = in->run_once;
    t->check_mode = in->check_mode;
    t->diff = in->diff;
    t->any_errors_fatal = in->any_errors_fatal;
    t->delegate_to = in->delegate_to ? gf_xstrdup(in->delegate_to) : NULL;
    t->remote_user = in->remote_user ? gf_xstrdup(in->remote_user) : NULL;
    t->async = in->async;
    t->poll = in->poll;
    t->vars = in->vars ? gf_val_ref(in->vars) : NULL;
    t->environment = in->environment ? gf_val_ref(in->environment) : NULL;
    t->kw_tpl = in->kw_tpl ? gf_val_ref(in->kw_tpl) : NULL;
    for (size_t i = 0; in->notify && i < in->notify->n; i++)
        gf_vec_push(&t->notify, gf_xstrdup(in->notify->v[i]));
    t->retries = -1;
    t->delay = 5;
    return t;
}

static int parse_tasks(struct ld *l, const char *file, struct gf_val *list, const struct inh *in,
                       struct gf_vec *out);
static int load_role(struct ld *l, const char *file, struct gf_val *where, const char *name,
                     struct gf_val *params, const struct gf_val *from, const struct inh *in,
                     int dedup, struct gf_vec *out);

/* Finds a task file named by an import: relative to the including file's
 * directory, then the role's tasks/ directory, then the playbook's. */
static char *find_tasks_file(struct ld *l, const char *dir, const char *name)
{
    if (name[0] == '/')
        return gf_is_file(name) ? gf_xstrdup(name) : NULL;
    char *p = gf_xasprintf("%s/%s", dir, name);
    if (gf_is_file(p))
        return p;
    free(p);
    p = gf_xasprintf("%s/%s", l->pb->dir, name);
    if (gf_is_file(p))
        return p;
    free(p);
    return NULL;
}

/* Loads a list of tasks from path into out with the inheritance in. */
static int load_tasks_file(struct ld *l, const char *path, const struct inh *in,
                           struct gf_vec *out)
{
    struct gf_val *doc = NULL;
    int rc;

    if (++l->depth > MAX_IMPORT_DEPTH) {
        l->depth--;
        return gf_error_set(l->err, GF_EPARSE, path, 0, 0, "imports nested deeper than %d "
                            "(an import loop?)", MAX_IMPORT_DEPTH);
    }
    if ((rc = load_yaml(l, path, &doc)) == 0) {
        const char *fname = l->pb->files.v[l->pb->files.n - 1];
        struct inh sub = *in;
        char *dir = dir_of(path);
        sub.dir = dir;
        if (doc == NULL)
            rc = 0; /* an empty file has no tasks */
        else if (doc->type != GF_VAL_LIST)
            rc = perr(l, fname, doc, "a task file must hold a list of tasks, not %s",
                      gf_val_typename(doc));
        else
            rc = parse_tasks(l, fname, doc, &sub, out);
        free(dir);
    }
    gf_val_unref(doc);
    l->depth--;
    return rc;
}

/* Applies the keywords every task-like entry accepts (when, tags, become,
 * vars, ...) to t, and builds the inheritance its children get. */
static int task_keywords(struct ld *l, const char *file, struct gf_val *v, struct gf_task *t)
{
    const char *sa = t->action ? short_action(t->action) : "";
    int include = !strcmp(sa, "include_tasks") || !strcmp(sa, "include_role");
    unsigned ctx = t->kind == GF_TASK_BLOCK ? GF_KW_BLOCK : include ? GF_KW_INCLUDE
                   : t->handler ? GF_KW_HANDLER : GF_KW_TASK;
    const char *what = ctx == GF_KW_BLOCK ? "block" : include ? sa : ctx == GF_KW_HANDLER
                       ? "handler" : "task";

    for (size_t i = 0; i < v->u.map.n; i++) {
        const char *k = v->u.map.ents[i].key;
        struct gf_val *x = v->u.map.ents[i].val;
        const struct gf_keyword *kw = gf_keyword_find(k);
        int rc = 0;

        if (kw == NULL || !(kw->where & (GF_KW_BLOCK | GF_KW_TASK | GF_KW_HANDLER)))
            continue; /* the action: parse_task() found it */
        if (!(kw->where & ctx))
            return kerr(l, file, x, "'%s' is not a%s %s keyword%s", k, include ? "n" : "", what,
                        kw->where == GF_KW_HANDLER ? " (a handler's only)"
                        : ctx == GF_KW_BLOCK ? " (it belongs on the tasks of the block)"
                        : include ? " (give it to the included tasks with 'apply')" : "");
        if (kw->refused & ctx)
            return kerr(l, file, x, "%s keyword '%s' is not supported by gpuforge: %s",
                        ctx == GF_KW_BLOCK ? "block" : "task", k, kw->doc);
        switch (kw->op) {
        case K_NAME:
            rc = get_str(l, file, x, k, &t->name);
            break;
        case K_WHEN: {
            struct gf_val *own = NULL;
            if ((rc = get_conds(l, file, x, k, &own)) == 0) {
                for (size_t j = 0; j < own->u.list.n; j++)
                    gf_val_list_push(t->when, gf_val_ref(own->u.list.v[j]));
                t->own_when = (int)own->u.list.n;
            }
            gf_val_unref(own);
            break;
        }
        case K_LOOP:
            if (t->loop)
                return kerr(l, file, x, "only one of loop and with_* may be given");
            if (!strcmp(k, "with_dict") && x->type == GF_VAL_STR) {
                char *expr = NULL;
                /* with_dict is loop over the dict's items */
                const char *s = x->u.str.s;
                size_t n = strlen(s);
                if (gf_startswith(s, "{{") && gf_endswith(s, "}}") && n > 4)
                    expr = gf_xasprintf("{{ (%.*s) | dict2items }}", (int)(n - 4), s + 2);
                else
                    expr = gf_xasprintf("{{ %s | dict2items }}", s);
                t->loop = gf_val_str(expr);
                t->loop->line = x->line, t->loop->col = x->col;
                free(expr);
            } else if (!strcmp(k, "loop") || !strcmp(k, "with_items") ||
                       !strcmp(k, "with_list")) {
                if (x->type != GF_VAL_LIST && x->type != GF_VAL_STR && x->type != GF_VAL_MAP)
                    return kerr(l, file, x, "'%s' must be a list or a template giving one", k);
                t->loop = gf_val_ref(x);
                t->loop_flatten = !strcmp(k, "with_items");
            } else {
                /* with_NAME: the terms go to the lookup plugin NAME at run time */
                t->loop = gf_val_ref(x);
                free(t->loop_lookup);
                t->loop_lookup = gf_xstrdup(k + 5);
            }
            break;
        case K_LOOP_CONTROL:
            if ((rc = get_map(l, file, x, k)))
                return rc;
            for (size_t j = 0; x->type == GF_VAL_MAP && j < x->u.map.n; j++) {
                const char *lk = x->u.map.ents[j].key;
                struct gf_val *lv = x->u.map.ents[j].val;
                if (!strcmp(lk, "loop_var"))
                    rc = get_str(l, file, lv, lk, &t->loop_var);
                else if (!strcmp(lk, "index_var"))
                    rc = get_str(l, file, lv, lk, &t->index_var);
                else if (!strcmp(lk, "label"))
                    t->loop_label = gf_val_ref(lv);
                else if (!strcmp(lk, "pause") || !strcmp(lk, "extended"))
                    rc = kerr(l, file, lv, "loop_control '%s' is not supported by gpuforge", lk);
                else
                    rc = kerr(l, file, lv, "unknown loop_control key '%s'", lk);
                if (rc)
                    return rc;
            }
            break;
        case K_REGISTER:
            if ((rc = get_str(l, file, x, k, &t->register_var)) == 0) {
                const char *s = t->register_var;
                int ok = *s && !(*s >= '0' && *s <= '9');
                for (; *s; s++)
                    ok &= *s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                          (*s >= '0' && *s <= '9');
                if (!ok)
                    rc = perr(l, file, x, "'register' needs a variable name, not '%s'",
                              t->register_var);
            }
            break;
        case K_NOTIFY: {
            struct gf_vec *dst = !strcmp(k, "notify") ? &t->notify : &t->listen;
            /* a task's own notify replaces its block's, as in Ansible */
            if (dst == &t->notify)
                gf_vec_release(&t->notify, free);
            if (x->type == GF_VAL_LIST) {
                for (size_t j = 0; j < x->u.list.n; j++) {
                    char *s = NULL;
                    if ((rc = get_str(l, file, x->u.list.v[j], k, &s)))
                        return rc;
                    gf_vec_push(dst, s);
                }
            } else {
                char *s = NULL;
                if ((rc = get_str(l, file, x, k, &s)))
                    return rc;
                gf_vec_push(dst, s);
            }
            break;
        }
        case K_TAGS:
            rc = get_tags(l, file, x, &t->tags);
            break;
        case K_BECOME:
            rc = get_kw_bool(l, file, x, k, &t->become, &t->kw_tpl);
            break;
        case K_BECOME_USER:
            rc = get_str(l, file, x, k, &t->become_user);
            break;
        case K_BECOME_METHOD:
            if (x->type != GF_VAL_STR || strcmp(x->u.str.s, "sudo"))
                rc = perr(l, file, x, "only become_method 'sudo' is supported");
            break;
        case K_IGNORE_ERRORS:
            rc = get_kw_bool(l, file, x, k, &t->ignore_errors, &t->kw_tpl);
            break;
        case K_IGNORE_UNREACHABLE:
            rc = get_kw_bool(l, file, x, k, &t->ignore_unreachable, &t->kw_tpl);
            break;
        case K_CHANGED_WHEN:
            rc = get_conds(l, file, x, k, &t->changed_when);
            break;
        case K_FAILED_WHEN:
            rc = get_conds(l, file, x, k, &t->failed_when);
            break;
        case K_UNTIL:
            rc = get_conds(l, file, x, k, &t->until);
            break;
        case K_RETRIES:
        case K_DELAY:
            if (is_tpl(x)) {
                /* a template: its number is known when the task runs */
                struct gf_val **slot = kw->op == K_RETRIES ? &t->retries_tpl : &t->delay_tpl;
                gf_val_unref(*slot);
                *slot = gf_val_ref(x);
            } else {
                rc = get_int(l, file, x, k, kw->op == K_RETRIES ? &t->retries : &t->delay);
            }
            break;
        case K_DELEGATE_TO:
            rc = get_str(l, file, x, k, &t->delegate_to);
            break;
        case K_REMOTE_USER:
            rc = get_str(l, file, x, k, &t->remote_user);
            break;
        case K_ASYNC:
            rc = get_int(l, file, x, k, &t->async);
            break;
        case K_POLL:
            rc = get_int(l, file, x, k, &t->poll);
            break;
        case K_RUN_ONCE:
            rc = get_kw_bool(l, file, x, k, &t->run_once, &t->kw_tpl);
            break;
        case K_NO_LOG:
            /* a templated no_log hides the output on every host: showing
             * what Ansible would hide is the worse mistake */
            rc = get_kw_bool(l, file, x, k, &t->no_log, &t->kw_tpl);
            if (rc == 0 && is_tpl(x))
                t->no_log = 1;
            break;
        case K_CHECK_MODE:
            rc = get_kw_bool(l, file, x, k, &t->check_mode, &t->kw_tpl);
            break;
        case K_DIFF:
            rc = get_kw_bool(l, file, x, k, &t->diff, &t->kw_tpl);
            break;
        case K_ANY_ERRORS_FATAL:
            rc = get_kw_bool(l, file, x, k, &t->any_errors_fatal, &t->kw_tpl);
            break;
        case K_ENVIRONMENT:
            rc = add_env(l, file, x, &t->environment);
            break;
        case K_VARS:
            if ((rc = get_map(l, file, x, k)) == 0) {
                struct gf_val *m = gf_val_map_merge(t->vars, x);
                gf_val_unref(t->vars);
                t->vars = m;
            }
            break;
        case K_COLLECTIONS: /* FQCN names are resolved from the module table */
        case K_PART:        /* parse_task() reads them */
        default:            /* play keywords: not valid here (above) */
            break;
        }
        if (rc)
            return rc;
    }
    return 0;
}

static void inh_from_task(struct inh *sub, const struct inh *in, struct gf_task *t)
{
    *sub = *in;
    sub->when = t->when;
    sub->tags.v = t->tags.v;
    sub->tags.n = t->tags.n;
    sub->tags.alloc = 0;
    sub->become = t->become;
    sub->become_user = t->become_user;
    sub->ignore_errors = t->ignore_errors;
    sub->ignore_unreachable = t->ignore_unreachable;
    sub->no_log = t->no_log;
    sub->run_once = t->run_once;
    sub->check_mode = t->check_mode;
    sub->diff = t->diff;
    sub->any_errors_fatal = t->any_errors_fatal;
    sub->delegate_to = t->delegate_to;
    sub->remote_user = t->remote_user;
    sub->async = t->async;
    sub->poll = t->poll;
    sub->vars = t->vars;
    sub->environment = t->environment;
    sub->kw_tpl = t->kw_tpl;
    sub->notify = &t->notify;
}

static int keywords_inh(struct ld *l, const char *file, struct gf_val *kw, const struct inh *in,
                        struct inh *sub);

/* The options of import_role/include_role (Ansible's names) and of
 * import_tasks/include_tasks. */
static const char *const role_include_opts[] = {
    "name", "tasks_from", "vars_from", "defaults_from", "handlers_from", "apply", "public",
    "allow_duplicates", "rolespec_validate", "vars", NULL,
};
static const char *const tasks_include_opts[] = { "file", "_raw_params", "apply", NULL };

/* The target of an import/include as a mapping of its options: a file
 * name (a string) or a mapping (file:, or name: and the role options),
 * with extra (the task's args:, may be NULL) merged in. Returns 0 with *out
 * (a new map holding "file" or "name"), or -GF_EPARSE. */
static int include_target(struct ld *l, const char *file, struct gf_val *x, struct gf_val *extra,
                          const char *action, struct gf_val **out)
{
    int role = strstr(action, "role") != NULL;
    const char *const *opts = role ? role_include_opts : tasks_include_opts;
    struct gf_val *m = gf_val_map();

    *out = m;
    m->line = x->line, m->col = x->col;
    if (x->type == GF_VAL_STR && !role)
        gf_val_map_set(m, "file", gf_val_ref(x));
    else if (x->type != GF_VAL_MAP)
        return perr(l, file, x, "'%s' needs %s", action,
                    role ? "a mapping with 'name'" : "a file name");
    for (int pass = 0; pass < 2; pass++) {
        struct gf_val *src = pass ? extra : x;
        for (size_t i = 0; src && src->type == GF_VAL_MAP && i < src->u.map.n; i++) {
            const char *k = src->u.map.ents[i].key;
            struct gf_val *v = src->u.map.ents[i].val;
            if (!in_list(opts, k)) {
                struct gf_buf b = GF_BUF_INIT;
                for (size_t j = 0; opts[j]; j++)
                    if (opts[j][0] != '_')
                        gf_buf_addf(&b, "%s%s", b.len ? ", " : "", opts[j]);
                int rc = kerr(l, file, v, "'%s' does not take '%s' (supported: %s)", action, k,
                              b.buf);
                gf_buf_release(&b);
                return rc;
            }
            if (!strcmp(k, "apply") && v->type != GF_VAL_MAP)
                return perr(l, file, v, "'apply' must be a mapping of task keywords");
            if (!strcmp(k, "vars") && v->type != GF_VAL_MAP && v->type != GF_VAL_NULL)
                return perr(l, file, v, "'vars' must be a mapping");
            if (strcmp(k, "apply") && strcmp(k, "vars") &&
                (v->type == GF_VAL_LIST || v->type == GF_VAL_MAP))
                return perr(l, file, v, "'%s' must be a string", k);
            gf_val_map_set(m, !strcmp(k, "_raw_params") ? "file" : k, gf_val_ref(v));
        }
    }
    const struct gf_val *apply = gf_val_map_get(m, "apply");
    for (size_t i = 0; apply && i < apply->u.map.n; i++) {
        const char *k = apply->u.map.ents[i].key;
        if (!is_keyword(k, GF_KW_TASK) || !strcmp(k, "name") || !strcmp(k, "action") ||
            !strcmp(k, "args"))
            return kerr(l, file, apply->u.map.ents[i].val, "'apply' takes task keywords, not "
                        "'%s'", k);
    }
    if (apply && !gf_startswith(action, "include"))
        return perr(l, file, apply, "'apply' is for include_tasks and include_role (an import "
                    "takes the keywords itself)");
    if (gf_val_map_get(m, role ? "name" : "file") == NULL)
        return perr(l, file, x, "'%s' needs %s", action, role ? "'name'" : "'file'");
    return 0;
}

/* The inheritance of what an include loads: the conditions from above it
 * (its own were checked when it was reached) and its other keywords, then
 * apply:'s keywords. *inherited is a new list the caller unrefs. */
static int include_inh(struct ld *l, const struct gf_task *t, const struct inh *in,
                       struct inh *sub, struct gf_val **inherited)
{
    const struct gf_val *apply = gf_val_map_get(t->include, "apply");
    size_t n = t->when->u.list.n - (size_t)t->own_when;

    inh_from_task(sub, in, (struct gf_task *)t);
    *inherited = gf_val_list();
    for (size_t i = 0; i < n; i++)
        gf_val_list_push(*inherited, gf_val_ref(t->when->u.list.v[i]));
    sub->when = *inherited;
    if (apply == NULL)
        return 0;
    struct inh base = *sub;
    return keywords_inh(l, t->file, (struct gf_val *)apply, &base, sub);
}

/* Loads what include or import t names (name: a file, or a role, with the
 * role options in opts) into dst. *shown: what "included: ..." names
 * (caller frees). */
static int load_target(struct ld *l, const struct gf_task *t, const struct inh *sub,
                       const char *name, const struct gf_val *opts, struct gf_vec *dst,
                       char **shown)
{
    struct gf_val *where = t->include;
    int rc;

    *shown = NULL;
    if (strstr(short_action(t->action), "role")) {
        const struct gf_task *was = l->include_role;
        if (gf_endswith(t->action, "include_role"))
            l->include_role = t;
        rc = load_role(l, t->file, where, name, gf_val_map_get(t->include, "vars"), opts,
                       sub, 0, dst);
        l->include_role = was;
        *shown = gf_xstrdup(name);
        return rc;
    }
    char *path = find_tasks_file(l, sub->dir, name);
    char real[PATH_MAX];
    if (path == NULL)
        return perr(l, t->file, gf_val_map_get(where, "file"), "task file '%s' not found "
                    "(looked in %s and %s)", name, sub->dir, l->pb->dir);
    rc = load_tasks_file(l, path, sub, dst);
    *shown = gf_xstrdup(realpath(path, real) ? real : path);
    free(path);
    return rc;
}

static int parse_include(struct ld *l, const char *file, struct gf_val *v, const struct inh *in,
                         const char *action, struct gf_val *x, struct gf_val *extra,
                         struct gf_vec *out)
{
    struct gf_task *t = task_new(l, file, v, in);
    const char *a = short_action(action);
    int dynamic = gf_startswith(a, "include"), role = strstr(a, "role") != NULL, rc;
    struct inh sub;

    if (!strcmp(a, "include"))
        return kerr(l, file, x, "'include' was removed from Ansible: use import_tasks or "
                    "include_tasks");
    t->action = gf_xstrdup(action);
    if ((rc = task_keywords(l, file, v, t)))
        return rc;
    if ((rc = include_target(l, file, x, extra, a, &t->include)))
        return rc;
    const struct gf_val *nv = gf_val_map_get(t->include, role ? "name" : "file");
    int late = is_tpl(nv) || is_tpl(gf_val_map_get(t->include, "tasks_from"));
    if (!dynamic && late)
        return perr(l, file, nv, "templated names in '%s' are not supported by gpuforge: "
                    "use include_%s, resolved when it runs", a, role ? "role" : "tasks");
    if (!dynamic && t->loop)
        return kerr(l, file, t->loop, "'%s' cannot loop (Ansible refuses it too): use "
                    "include_%s", a, role ? "role" : "tasks");
    char *name = NULL, *shown = NULL;
    if ((rc = get_str(l, file, nv, role ? "name" : "file", &name)))
        return rc;
    struct gf_val *inherited = NULL;
    if (dynamic) {
        if ((rc = include_inh(l, t, in, &sub, &inherited)) == 0 && !late)
            rc = load_target(l, t, &sub, name, t->include, &t->block, &shown);
        /* as in Ansible, a role include_role cannot find is an error only
         * where the include runs (a RedHat-only include of a collection's
         * role must not stop a run on Debian): loaded then, per host */
        if (rc < 0 && role && !late && l->err->msg && gf_startswith(l->err->msg, "role '") &&
            strstr(l->err->msg, "' not found (looked in ")) {
            gf_error_clear(l->err);
            rc = 0;
            late = 1;
        }
    } else {
        inh_from_task(&sub, in, t);
        rc = load_target(l, t, &sub, name, t->include, out, &shown);
    }
    gf_val_unref(inherited);
    if (rc == 0 && dynamic) {
        /* a templated name is loaded per host when the include runs */
        t->kind = GF_TASK_INCLUDE;
        t->include_late = late;
        if (!late) { /* else freed below: a late include names its file when it runs */
            t->meta = shown;
            shown = NULL;
        }
        gf_vec_push(out, t);
    }
    free(shown);
    free(name);
    return rc;
}

static int parse_task(struct ld *l, const char *file, struct gf_val *v, const struct inh *in,
                      struct gf_vec *out)
{
    const char *action = NULL;
    struct gf_val *actval = NULL, *extra_args = NULL;
    int rc;

    if (v->type != GF_VAL_MAP)
        return perr(l, file, v, "a task must be a mapping, not %s", gf_val_typename(v));
    if (v->u.map.n == 0)
        return perr(l, file, v, "empty task");
    /* find the action: the one key that is not a keyword */
    for (size_t i = 0; i < v->u.map.n; i++) {
        const char *k = v->u.map.ents[i].key;
        struct gf_val *x = v->u.map.ents[i].val;
        if (!strcmp(k, "block") || !strcmp(k, "rescue") || !strcmp(k, "always"))
            continue;
        if (!strcmp(k, "action")) {
            if (x->type != GF_VAL_STR)
                return kerr(l, file, x, "'action' must be a string 'module k=v ...'");
            if (action)
                return kerr(l, file, x, "conflicting action statements: %s, action", action);
            action = "action";
            actval = x;
            continue;
        }
        if (!strcmp(k, "args")) {
            if (x->type != GF_VAL_MAP)
                return kerr(l, file, x, "'args' must be a mapping");
            extra_args = x;
            continue;
        }
        if (is_keyword(k, GF_KW_BLOCK | GF_KW_TASK | GF_KW_HANDLER))
            continue;
        if (action)
            return kerr(l, file, x, "conflicting action statements: %s, %s", action, k);
        action = k;
        actval = x;
    }
    if (gf_val_map_get(v, "block")) {
        if (action)
            return kerr(l, file, actval, "'%s' cannot be used in a block: a block holds tasks "
                        "under 'block'", action);
        struct gf_task *t = task_new(l, file, v, in);
        struct inh sub;
        t->kind = GF_TASK_BLOCK;
        if ((rc = task_keywords(l, file, v, t)))
            return rc;
        inh_from_task(&sub, in, t);
        static const char *const parts[] = { "block", "rescue", "always" };
        struct gf_vec *dst[] = { &t->block, &t->rescue, &t->always };
        for (int p = 0; p < 3; p++) {
            struct gf_val *x = gf_val_map_get(v, parts[p]);
            if (x == NULL || x->type == GF_VAL_NULL)
                continue;
            if (x->type != GF_VAL_LIST)
                return perr(l, file, x, "'%s' must be a list of tasks", parts[p]);
            if ((rc = parse_tasks(l, file, x, &sub, dst[p])))
                return rc;
        }
        gf_vec_push(out, t);
        return 0;
    }
    if (gf_val_map_get(v, "rescue") || gf_val_map_get(v, "always"))
        return perr(l, file, v, "'rescue' and 'always' need a 'block'");
    if (action == NULL)
        return perr(l, file, v, "no module/action detected in task");

    char *modname = NULL;
    struct gf_val *args = NULL;
    if (!strcmp(action, "action")) {
        const char *s = actval->u.str.s;
        size_t n = strcspn(s, " \t\n");
        modname = gf_xstrndup(s, n);
        actval = gf_val_str(s + n);
        const struct gf_val *orig = gf_val_map_get(v, "action");
        actval->line = orig->line;
        actval->col = orig->col + (int)n;
    } else {
        modname = gf_xstrdup(action);
        gf_val_ref(actval);
    }
    if (in_list(include_actions, modname)) {
        rc = parse_include(l, file, v, in, modname, actval, extra_args, out);
        goto out;
    }
    const char *sa = short_action(modname);
    if (!strcmp(sa, "meta")) {
        static const char *const metas[] = { "flush_handlers", "noop", "end_play", "end_host",
                                             "clear_host_errors", "reset_connection",
                                             "refresh_inventory", "end_batch", "clear_facts",
                                             NULL };
        static const char *const refused[] = { "refresh_inventory", "end_batch",
                                               "clear_facts", NULL };
        struct gf_task *t = task_new(l, file, v, in);
        t->kind = GF_TASK_META;
        t->action = gf_xstrdup(modname);
        if ((rc = task_keywords(l, file, v, t)))
            goto out;
        if (actval->type != GF_VAL_STR || !in_list(metas, actval->u.str.s)) {
            rc = perr(l, file, actval, "meta action must be one of flush_handlers, noop, "
                      "end_play, end_host, clear_host_errors, reset_connection");
            goto out;
        }
        if (in_list(refused, actval->u.str.s)) {
            rc = perr(l, file, actval, "'meta: %s' is not supported by gpuforge",
                      actval->u.str.s);
            goto out;
        }
        t->meta = gf_xstrdup(actval->u.str.s);
        gf_vec_push(out, t);
        rc = 0;
        goto out;
    }
    const struct gf_module *m = gf_module_find(modname);
    if (m == NULL)
        m = library_module(l, in, modname);
    if (m == NULL) {
        const char *near = gf_module_suggest(modname);
        rc = kerr(l, file, actval, "unknown module '%s'%s%s%s", modname,
                  near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
        goto out;
    }
    struct gf_task *t = task_new(l, file, v, in);
    t->kind = GF_TASK_MODULE;
    t->module = m;
    t->action = gf_xstrdup(modname);
    if ((rc = task_keywords(l, file, v, t)))
        goto out;
    if (actval->type == GF_VAL_STR) {
        int bad = 0;
        if (gf_parse_kv(actval->u.str.s, m, &args, &bad, l->err) < 0) {
            /* a multi-line value (block scalar): name the line of the text */
            const char *s0 = actval->u.str.s, *ls = s0 + bad;
            int nl = 0;
            for (const char *q = s0; q < s0 + bad; q++)
                nl += *q == '\n';
            while (ls > s0 && ls[-1] != '\n')
                ls--;
            char *why = gf_xstrdup(l->err->msg);
            if (nl)
                rc = gf_error_set(l->err, GF_EPARSE, file, actval->line, actval->col,
                                  "%s, in line %d of the text: %.*s", why, nl + 1,
                                  (int)strcspn(ls, "\n"), ls);
            else
                rc = gf_error_set(l->err, GF_EPARSE, file, actval->line, actval->col + bad, "%s",
                                  why);
            free(why);
            goto out;
        }
    } else if (actval->type == GF_VAL_MAP) {
        args = gf_val_map_merge(actval, NULL);
    } else if (actval->type == GF_VAL_NULL) {
        args = gf_val_map();
    } else {
        rc = perr(l, file, actval, "arguments of '%s' must be a mapping or 'k=v' text", modname);
        goto out;
    }
    if (extra_args) {
        struct gf_val *m2 = gf_val_map_merge(args, extra_args);
        gf_val_unref(args);
        args = m2;
    }
    args->line = actval->line;
    args->col = actval->col;
    t->args = args;
    args = NULL;
    if (!m->free_form && gf_val_map_get(t->args, "_raw_params")) {
        rc = perr(l, file, actval, "module '%s' takes key=value arguments, not free text '%s'",
                  m->name, gf_val_map_get(t->args, "_raw_params")->u.str.s);
        goto out;
    }
    gf_vec_push(out, t);
    rc = 0;
out:
    gf_val_unref(args);
    gf_val_unref(actval);
    free(modname);
    return rc;
}

static int parse_tasks(struct ld *l, const char *file, struct gf_val *list, const struct inh *in,
                       struct gf_vec *out)
{
    if (list->type == GF_VAL_NULL)
        return 0;
    if (list->type != GF_VAL_LIST)
        return perr(l, file, list, "expected a list of tasks, not %s", gf_val_typename(list));
    for (size_t i = 0; i < list->u.list.n; i++) {
        int rc = parse_task(l, file, list->u.list.v[i], in, out);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- roles ---- */

/* The collection the shipped roles/ make. */
#define SHIPPED_COLLECTION "gpuforge.cluster"

static void push_path_list(struct gf_vec *dirs, const char *list)
{
    char *copy = list ? gf_xstrdup(list) : NULL;

    for (char *s = copy, *save = NULL, *d; copy && (d = strtok_r(s, ":", &save)); s = NULL)
        gf_vec_push(dirs, gf_xstrdup(d));
    free(copy);
}

/* Whether name is NS.COLLECTION.ROLE; *coll_len is the length of NS.COLLECTION. */
static int is_fqcn(const char *name, size_t *coll_len)
{
    const char *p = name;

    for (int part = 0; part < 2; part++) {
        if (!(islower((unsigned char)*p) || *p == '_'))
            return 0;
        while (islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_')
            p++;
        if (*p++ != '.')
            return 0;
    }
    *coll_len = (size_t)(p - 1 - name);
    return *p != '\0' && strchr(p, '/') == NULL;
}

/* The first DIR/name that is a directory, DIR from dirs (released here);
 * every DIR tried goes to looked. NULL when none is. */
static char *first_dir(struct gf_vec *dirs, const char *name, struct gf_vec *looked)
{
    char *found = NULL;

    for (size_t i = 0; i < dirs->n && !found; i++) {
        char *p = gf_xasprintf("%s/%s", (char *)dirs->v[i], name);
        if (gf_is_dir(p))
            found = p;
        else
            free(p);
        gf_vec_push(looked, gf_xstrdup(dirs->v[i]));
    }
    gf_vec_release(dirs, free);
    return found;
}

/* ROLE of collection coll (NS.COLLECTION): gpuforge.cluster is the shipped
 * roles/ beside the executable; another collection is looked for in
 * PLAYBOOK_DIR/collections/ansible_collections. NULL when absent. */
static char *collection_role(struct ld *l, const char *coll, size_t coll_len, const char *role,
                             struct gf_vec *looked)
{
    struct gf_vec dirs = GF_VEC_INIT;

    if (coll_len == strlen(SHIPPED_COLLECTION) && !strncmp(coll, SHIPPED_COLLECTION, coll_len)) {
        if (exe_dir) {
            gf_vec_push(&dirs, gf_xasprintf("%s/roles", exe_dir));
            gf_vec_push(&dirs, gf_xasprintf("%s/../share/gpuforge/roles", exe_dir));
        }
    } else {
        size_t ns = strcspn(coll, ".");
        gf_vec_push(&dirs, gf_xasprintf("%s/collections/ansible_collections/%.*s/%.*s/roles",
                                        l->pb->dir, (int)ns, coll, (int)(coll_len - ns - 1),
                                        coll + ns + 1));
    }
    return first_dir(&dirs, role, looked);
}

/* Finds a role as Ansible does. NS.COLLECTION.ROLE: in its collection
 * (the shipped roles are gpuforge.cluster), else as a directory of that
 * name in the places below. A bare name referenced from a collection's
 * role: that collection first; from the play, the collections its
 * collections: keyword names first. Then PLAYBOOK_DIR/roles,
 * GPUFORGE_ROLES_PATH, the roles path, for a dependency the directory
 * holding the role that depends on it, and PLAYBOOK_DIR: the user's
 * places only, so that a user's role never loses to a shipped one of the
 * same name. *collection gets the collection of a collection's role.
 * looked gets the directories searched (char *). */
static char *role_dir(struct ld *l, const char *name, const struct gf_role *from, int dep,
                      char **collection, struct gf_vec *looked)
{
    struct gf_vec dirs = GF_VEC_INIT;
    char *found = NULL;
    size_t clen;

    *collection = NULL;
    if (name[0] == '/' || gf_startswith(name, "./") || gf_startswith(name, "../")) {
        char *p = name[0] == '/' ? gf_xstrdup(name) : gf_xasprintf("%s/%s", l->pb->dir, name);
        if (gf_is_dir(p))
            return p;
        gf_vec_push(looked, p);
        return NULL;
    }
    if (is_fqcn(name, &clen) &&
        (found = collection_role(l, name, clen, name + clen + 1, looked))) {
        *collection = gf_xstrndup(name, clen);
        return found;
    }
    if (!strchr(name, '.') && from && from->collection &&
        (found = collection_role(l, from->collection, strlen(from->collection), name, looked))) {
        *collection = gf_xstrdup(from->collection);
        return found;
    }
    /* the play's collections: keyword names where bare names are looked
     * for first (outside roles, which search their own collection) */
    const struct gf_val *cl = l->collections;
    for (size_t i = 0; !strchr(name, '.') && !from && cl && cl->type == GF_VAL_LIST &&
                       i < cl->u.list.n; i++) {
        const struct gf_val *c = cl->u.list.v[i];
        char *full = c->type == GF_VAL_STR ? gf_xasprintf("%s.%s", c->u.str.s, name) : NULL;
        if (full && is_fqcn(full, &clen) && clen == c->u.str.len &&
            (found = collection_role(l, full, clen, name, looked)))
            *collection = gf_xstrndup(full, clen);
        free(full);
        if (found)
            return found;
    }
    gf_vec_push(&dirs, gf_xasprintf("%s/roles", l->pb->dir));
    push_path_list(&dirs, getenv("GPUFORGE_ROLES_PATH"));
    if (roles_path_set) {
        for (size_t i = 0; i < roles_path.n; i++)
            gf_vec_push(&dirs, gf_xstrdup(roles_path.v[i]));
    } else {
        push_path_list(&dirs, getenv("ANSIBLE_ROLES_PATH"));
    }
    if (dep && from && !from->collection) {
        char *slash = strrchr(from->path, '/');
        if (slash)
            gf_vec_push(&dirs, gf_xstrndup(from->path, (size_t)(slash - from->path)));
    }
    gf_vec_push(&dirs, gf_xstrdup(l->pb->dir));
    return first_dir(&dirs, name, looked);
}

int gf_task_role_named(const struct gf_task *t, const char *name)
{
    const char *sep;

    if (t->role == NULL || t->name == NULL || (sep = strstr(name, " : ")) == NULL ||
        strcmp(sep + 3, t->name) != 0)
        return 0;
    size_t n = (size_t)(sep - name);
    return (strlen(t->role->name) == n && !strncmp(t->role->name, name, n)) ||
           (strlen(t->role->short_name) == n && !strncmp(t->role->short_name, name, n));
}

/* A role's DIR/SUB/NAME as Ansible 2.14 finds it: main with .yml, .yaml,
 * .json, then no extension; a name given by *_from with no extension
 * first. Returns the first path that exists (a file, or a directory when
 * allow_dir), or NULL. */
static char *role_path_of(const char *dir, const char *sub, const char *name, int from,
                          int allow_dir)
{
    static const char *const main_exts[] = { ".yml", ".yaml", ".json", "" };
    static const char *const from_exts[] = { "", ".yml", ".yaml", ".json" };
    const char *const *exts = from ? from_exts : main_exts;

    for (size_t i = 0; i < 4; i++) {
        char *p = gf_xasprintf("%s/%s/%s%s", dir, sub, name, exts[i]);
        if (gf_is_file(p) || (gf_is_dir(p) && allow_dir))
            return p;
        free(p);
    }
    return NULL;
}

/* DIR/SUB/NAME as a file (tasks, handlers, meta); NULL when none exists. */
static char *role_file(const char *dir, const char *sub, const char *name)
{
    return role_path_of(dir, sub, name, strcmp(name, "main") != 0, 0);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void gf_playbook_vars_files(const char *path, struct gf_vec *out)
{
    DIR *d = opendir(path);
    struct dirent *e;
    struct gf_vec names = GF_VEC_INIT;

    if (d == NULL)
        return;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.' && !gf_endswith(e->d_name, "~"))
            gf_vec_push(&names, gf_xstrdup(e->d_name));
    closedir(d);
    if (names.n)
        qsort(names.v, names.n, sizeof(names.v[0]), cmp_str);
    for (size_t i = 0; i < names.n; i++) {
        const char *n = names.v[i], *ext = strrchr(n, '.');
        char *p = gf_xasprintf("%s/%s", path, n);
        if (gf_is_dir(p) && ext == NULL) {
            gf_playbook_vars_files(p, out);
            free(p);
        } else if (gf_is_file(p) && (ext == NULL || !strcmp(ext, ".yml") ||
                                     !strcmp(ext, ".yaml") || !strcmp(ext, ".json"))) {
            gf_vec_push(out, p);
        } else {
            free(p);
        }
    }
    gf_vec_release(&names, free);
}

/* A role's defaults or vars (sub), from SUB/NAME (main, or *_from): one
 * file, or every file of the directory SUB/main/ merged in sorted order.
 * Empty files and files of comments add nothing. */
static int role_map_file(struct ld *l, const char *dir, const char *sub, const char *name,
                         struct gf_val **out)
{
    char *p = role_path_of(dir, sub, name ? name : "main", name != NULL, 1);
    struct gf_vec files = GF_VEC_INIT;
    int rc = 0;

    *out = gf_val_map();
    if (p == NULL && name)
        return gf_error_set(l->err, GF_ENOTFOUND, NULL, 0, 0, "the role has no %s/%s", sub,
                            name);
    if (p && gf_is_dir(p))
        gf_playbook_vars_files(p, &files);
    else if (p)
        gf_vec_push(&files, gf_xstrdup(p));
    for (size_t i = 0; i < files.n && rc == 0; i++) {
        struct gf_val *doc = NULL;
        if ((rc = load_yaml(l, files.v[i], &doc)) == 0 && doc && doc->type != GF_VAL_NULL) {
            if (doc->type != GF_VAL_MAP) {
                rc = perr(l, l->pb->files.v[l->pb->files.n - 1], doc, "a role's %s file must "
                          "hold a mapping of variables, not %s", sub, gf_val_typename(doc));
            } else {
                struct gf_val *m = gf_val_map_merge(*out, doc);
                gf_val_unref(*out);
                *out = m;
            }
        }
        gf_val_unref(doc);
    }
    gf_vec_release(&files, free);
    free(p);
    return rc;
}

/* Builds in *sub what the keywords in kw (a mapping of task keywords: a
 * role reference's, include's apply:) give on top of in, as a block's
 * keywords give its tasks. The holder task keeps what sub borrows (it is
 * owned by the playbook and runs nothing). */
static int keywords_inh(struct ld *l, const char *file, struct gf_val *kw, const struct inh *in,
                        struct inh *sub)
{
    struct gf_task *h = task_new(l, file, kw, in);
    int rc;

    h->kind = GF_TASK_META;
    h->meta = gf_xstrdup("noop");
    if ((rc = task_keywords(l, file, kw, h)))
        return rc;
    inh_from_task(sub, in, h);
    return 0;
}

/* A role reference in roles: or dependencies: a name, or a mapping with
 * role:/name:, keywords (into *kw, a new map) and parameters. */
static int role_ref(struct ld *l, const char *file, struct gf_val *x, char **name,
                    struct gf_val **params, struct gf_val **kw)
{
    *kw = gf_val_map();
    (*kw)->line = x->line, (*kw)->col = x->col;
    if (x->type == GF_VAL_STR)
        return get_str(l, file, x, "role", name);
    if (x->type != GF_VAL_MAP)
        return perr(l, file, x, "a role must be a name or a mapping with 'role'");
    *params = gf_val_map();
    for (size_t i = 0; i < x->u.map.n; i++) {
        const char *k = x->u.map.ents[i].key;
        struct gf_val *v = x->u.map.ents[i].val;
        int rc = 0;
        if (!strcmp(k, "role") || !strcmp(k, "name"))
            rc = get_str(l, file, v, k, name);
        else if (!strcmp(k, "vars")) {
            if ((rc = get_map(l, file, v, k)) == 0 && v->type == GF_VAL_MAP) {
                struct gf_val *m = gf_val_map_merge(*params, v);
                gf_val_unref(*params);
                *params = m;
            }
        } else if (is_keyword(k, GF_KW_ROLE)) /* Ansible's Role attributes */
            gf_val_map_set(*kw, k, gf_val_ref(v));
        else
            gf_val_map_set(*params, k, gf_val_ref(v)); /* a role parameter */
        if (rc)
            return rc;
    }
    if (*name == NULL)
        return perr(l, file, x, "role reference without 'role'");
    return 0;
}

static void role_free(void *p)
{
    struct gf_role *r = p;

    free(r->name);
    free(r->collection);
    free(r->path);
    gf_val_unref(r->defaults);
    gf_val_unref(r->vars);
    gf_val_unref(r->params);
    free(r);
}

/* A role with an argument spec for its entry point (meta/argument_specs.yml,
 * else the argument_specs of meta/main.yml) starts, as in Ansible, with a
 * validate_argument_spec task of the spec's options, named after the entry
 * point and its short_description and tagged always. */
static int role_argspec_task(struct ld *l, const struct gf_role *r, const char *entry,
                             struct gf_val *params, const struct inh *in, struct gf_vec *out)
{
    char *path = role_file(r->path, "meta", "argument_specs");
    struct gf_val *doc = NULL;
    int rc;

    if (path == NULL)
        path = role_file(r->path, "meta", "main");
    if (path == NULL)
        return 0;
    if ((rc = load_yaml(l, path, &doc)) == 0 && doc && doc->type == GF_VAL_MAP) {
        const char *fname = l->pb->files.v[l->pb->files.n - 1];
        const struct gf_val *specs = gf_val_map_get(doc, "argument_specs");
        const struct gf_val *spec = specs && specs->type == GF_VAL_MAP ?
                                    gf_val_map_get(specs, entry) : NULL;
        if (spec && spec->type == GF_VAL_MAP && spec->u.map.n) {
            const struct gf_val *sd = gf_val_map_get(spec, "short_description");
            struct gf_val *opts = gf_val_map_get(spec, "options");
            struct gf_buf tname = GF_BUF_INIT;
            gf_buf_addf(&tname, "Validating arguments against arg spec '%s'", entry);
            if (sd) {
                gf_buf_adds(&tname, " - ");
                gf_val_to_text(sd, &tname);
            }
            struct gf_val *vctx = gf_val_map(), *args = gf_val_map(), *task = gf_val_map();
            gf_val_map_set(vctx, "type", gf_val_str("role"));
            gf_val_map_set(vctx, "name", gf_val_str(r->name));
            gf_val_map_set(vctx, "argument_spec_name", gf_val_str(entry));
            gf_val_map_set(vctx, "path", gf_val_str(r->path));
            gf_val_map_set(args, "argument_spec", opts && opts->type != GF_VAL_NULL ?
                           gf_val_ref(opts) : gf_val_map());
            gf_val_map_set(args, "provided_arguments", params ? gf_val_ref(params) :
                           gf_val_map());
            gf_val_map_set(args, "validate_args_context", vctx);
            struct gf_val *tags = gf_val_list();
            gf_val_list_push(tags, gf_val_str("always"));
            gf_val_map_set(task, "name", gf_val_strn(tname.buf, tname.len));
            gf_val_map_set(task, "ansible.builtin.validate_argument_spec", args);
            gf_val_map_set(task, "tags", tags);
            task->line = spec->kline ? spec->kline : spec->line;
            task->col = spec->kline ? spec->kcol : spec->col;
            struct inh sub = *in;
            sub.dir = r->path;
            rc = parse_task(l, fname, task, &sub, out);
            gf_val_unref(task);
            gf_buf_release(&tname);
        }
    }
    gf_val_unref(doc);
    free(path);
    return rc;
}

static int load_role(struct ld *l, const char *file, struct gf_val *where, const char *name,
                     struct gf_val *params, const struct gf_val *from, const struct inh *in,
                     int dedup, struct gf_vec *out)
{
    /* the role whose tasks or dependencies name this one */
    const struct gf_role *parent = l->role_stack.n ? l->role_stack.v[l->role_stack.n - 1] : NULL;
    const char *tasks_from = gf_arg_str(from, "tasks_from", NULL);
    const char *vars_from = gf_arg_str(from, "vars_from", NULL);
    const char *defaults_from = gf_arg_str(from, "defaults_from", NULL);
    const char *handlers_from = gf_arg_str(from, "handlers_from", NULL);
    struct gf_vec looked = GF_VEC_INIT;
    char *collection = NULL;
    char *dir = role_dir(l, name, parent, dedup, &collection, &looked);
    int rc = 0;

    if (dir == NULL) {
        struct gf_buf b = GF_BUF_INIT;
        for (size_t i = 0; i < looked.n; i++)
            gf_buf_addf(&b, "%s%s", i ? ", " : "", (const char *)looked.v[i]);
        size_t clen;
        char *shipped = NULL;
        if (!strchr(name, '.') && !strchr(name, '/') && exe_dir) {
            struct gf_vec ignore = GF_VEC_INIT;
            shipped = collection_role(l, SHIPPED_COLLECTION, strlen(SHIPPED_COLLECTION), name,
                                      &ignore);
            gf_vec_release(&ignore, free);
        }
        rc = perr(l, file, where, "role '%s' not found (looked in %s)%s%s%s", name, b.buf,
                  shipped ? "; gpuforge's own role of that name is '" SHIPPED_COLLECTION "."
                          : is_fqcn(name, &clen) ? "; collections other than "
                            SHIPPED_COLLECTION " are looked for in the playbook's "
                            "collections/ansible_collections" : "",
                  shipped ? name : "", shipped ? "'" : "");
        free(shipped);
        gf_buf_release(&b);
        gf_vec_release(&looked, free);
        return rc;
    }
    gf_vec_release(&looked, free);
    for (size_t i = 0; i < l->role_stack.n; i++)
        if (!strcmp(((struct gf_role *)l->role_stack.v[i])->path, dir)) {
            free(dir);
            free(collection);
            return perr(l, file, where, "role '%s' depends on itself", name);
        }
    int has_params = params && params->type == GF_VAL_MAP && params->u.map.n;
    if (dedup && !has_params && from == NULL) {
        if (gf_map_get(&l->play_roles, dir)) {
            free(dir);
            free(collection);
            return 0;
        }
        gf_map_set(&l->play_roles, dir, (void *)1);
    }
    struct gf_role *r = gf_xcalloc(1, sizeof(*r));
    gf_vec_push(&l->pb->roles, r);
    if (collection) {
        /* shown as Ansible shows it; role_name is the part after the collection */
        r->name = gf_xasprintf("%s.%s", collection, strrchr(dir, '/') + 1);
        r->short_name = r->name + strlen(collection) + 1;
        r->collection = collection;
    } else {
        /* as Ansible: a name found under a roles path is kept as written
         * ("network_plugin/calico"); a path given as such is its basename */
        int as_path = name[0] == '/' || name[0] == '~' || !strncmp(name, "./", 2) ||
                      !strncmp(name, "../", 3);
        r->name = gf_xstrdup(as_path && strrchr(name, '/') ? strrchr(name, '/') + 1 : name);
        r->short_name = r->name;
    }
    r->path = dir;
    r->params = has_params ? gf_val_ref(params) : NULL;
    const char *const subs[] = { "defaults", "vars", "handlers" };
    const char *const froms[] = { defaults_from, vars_from, handlers_from };
    for (int i = 0; i < 3; i++) {
        char *p = froms[i] ? role_path_of(dir, subs[i], froms[i], 1, i < 2) : NULL;
        if (froms[i] && p == NULL)
            return perr(l, file, where, "role '%s' has no %s/%s", name, subs[i], froms[i]);
        free(p);
    }
    if ((rc = role_map_file(l, dir, "defaults", defaults_from, &r->defaults)) ||
        (rc = role_map_file(l, dir, "vars", vars_from, &r->vars)))
        return rc;
    gf_vec_push(&l->play->roles, r);
    gf_vec_push(&l->role_stack, r);

    /* dependencies first */
    char *meta = role_file(dir, "meta", "main");
    if (meta) {
        struct gf_val *doc = NULL;
        if ((rc = load_yaml(l, meta, &doc)) == 0 && doc && doc->type == GF_VAL_MAP) {
            const char *mf = l->pb->files.v[l->pb->files.n - 1];
            struct gf_val *deps = gf_val_map_get(doc, "dependencies");
            for (size_t i = 0; deps && deps->type == GF_VAL_LIST && i < deps->u.list.n && !rc;
                 i++) {
                char *dn = NULL;
                struct gf_val *dp = NULL, *dkw = NULL;
                struct inh sub;
                rc = role_ref(l, mf, deps->u.list.v[i], &dn, &dp, &dkw);
                if (rc == 0)
                    rc = keywords_inh(l, mf, dkw, in, &sub);
                if (rc == 0)
                    rc = load_role(l, mf, deps->u.list.v[i], dn, dp, NULL, &sub, 1, out);
                free(dn);
                gf_val_unref(dp);
                gf_val_unref(dkw);
            }
        } else if (rc == 0 && doc && doc->type != GF_VAL_MAP) {
            rc = perr(l, l->pb->files.v[l->pb->files.n - 1], doc, "meta/main.yml must be a "
                      "mapping");
        }
        gf_val_unref(doc);
        free(meta);
        if (rc)
            return rc;
    }

    struct inh sub = *in;
    sub.role = r;
    struct gf_val *vars = NULL;
    if (has_params) {
        vars = gf_val_map_merge(in->vars, params);
        sub.vars = vars;
    }
    char *tf = role_file(dir, "tasks", tasks_from ? tasks_from : "main");
    if (tf == NULL && tasks_from)
        rc = perr(l, file, where, "role '%s' has no tasks/%s.yml", name, tasks_from);
    const struct gf_val *validate = gf_val_map_get(from, "rolespec_validate");
    int off = 0;
    if (rc == 0 && validate && (rc = get_bool(l, file, validate, "rolespec_validate", &off)) == 0)
        off = !off;
    if (rc == 0 && !off)
        rc = role_argspec_task(l, r, tasks_from ? tasks_from : "main", from ? NULL : params,
                               &sub, out); /* include_role's vars are no role parameters */
    if (rc == 0 && tf)
        rc = load_tasks_file(l, tf, &sub, out);
    free(tf);
    char *hf = rc ? NULL : role_file(dir, "handlers", handlers_from ? handlers_from : "main");
    if (hf) {
        struct inh hs = sub;
        hs.handler = 1;
        hs.when = NULL;
        hs.tags.n = 0;
        /* Ansible adds an include_role's handlers when it runs, after the
         * play's own; those of roles: and import_role come before them */
        int late = l->include_role && l->in_play;
        size_t n0 = l->late_handlers.n;
        rc = load_tasks_file(l, hf, &hs, late ? &l->late_handlers : &l->play->handlers);
        for (size_t i = n0; late && i < l->late_handlers.n; i++)
            ((struct gf_task *)l->late_handlers.v[i])->late_of = l->include_role;
        free(hf);
    }
    gf_val_unref(vars);
    l->role_stack.n--;
    return rc;
}

/* ---- plays ---- */

static void play_free(void *p)
{
    struct gf_play *pl = p;

    free(pl->name);
    free(pl->hosts);
    gf_val_unref(pl->vars);
    free(pl->become_user);
    free(pl->remote_user);
    gf_val_unref(pl->serial);
    gf_val_unref(pl->environment);
    for (int i = 0; i < 3; i++)
        gf_vec_release(&pl->sections[i], NULL);
    gf_vec_release(&pl->handlers, NULL);
    gf_vec_release(&pl->roles, NULL);
    gf_val_unref(pl->role_defaults);
    gf_val_unref(pl->role_vars);
    free(pl->file);
    free(pl);
}

static int load_vars_files(struct ld *l, const char *file, struct gf_val *x, struct gf_play *pl)
{
    struct gf_val *list = x;

    if (x->type == GF_VAL_STR) {
        list = gf_val_list();
        gf_val_list_push(list, gf_val_ref(x));
    } else if (x->type != GF_VAL_LIST) {
        return perr(l, file, x, "'vars_files' must be a list of file names");
    } else {
        gf_val_ref(list);
    }
    int rc = 0;
    for (size_t i = 0; i < list->u.list.n && !rc; i++) {
        struct gf_val *f = list->u.list.v[i], *doc = NULL;
        if (f->type != GF_VAL_STR || is_tpl(f)) {
            rc = perr(l, file, f, "'vars_files' entries must be plain file names (templated "
                      "names and lists of alternatives are not supported)");
            break;
        }
        char *p = f->u.str.s[0] == '/' ? gf_xstrdup(f->u.str.s)
                  : gf_xasprintf("%s/%s", l->pb->dir, f->u.str.s);
        if (!gf_is_file(p))
            rc = perr(l, file, f, "vars file '%s' not found", f->u.str.s);
        else if ((rc = load_yaml(l, p, &doc)) == 0 && doc) {
            if (doc->type != GF_VAL_MAP)
                rc = perr(l, l->pb->files.v[l->pb->files.n - 1], doc,
                          "a vars file must hold a mapping");
            else {
                struct gf_val *m = gf_val_map_merge(pl->vars, doc);
                gf_val_unref(pl->vars);
                pl->vars = m;
            }
        }
        gf_val_unref(doc);
        free(p);
    }
    gf_val_unref(list);
    return rc;
}

/* Handlers as Ansible takes them: a block's tasks are handlers each (its
 * keywords already pushed down), an include_tasks/include_role handler
 * runs what it includes when notified by its name; imports were expanded
 * when loaded. */
static int flatten_handlers(struct ld *l, struct gf_vec *hs)
{
    struct gf_vec out = GF_VEC_INIT;
    int rc = 0;

    for (size_t i = 0; i < hs->n && rc == 0; i++) {
        struct gf_task *h = hs->v[i];
        if (h->kind == GF_TASK_BLOCK) {
            if (h->rescue.n || h->always.n)
                rc = gf_error_set(l->err, GF_EPARSE, h->file, h->line, h->col, "a handler "
                                  "block with rescue or always is not supported by gpuforge");
            else if ((rc = flatten_handlers(l, &h->block)) == 0)
                for (size_t j = 0; j < h->block.n; j++) {
                    struct gf_task *c = h->block.v[j];
                    if (h->late_of)
                        c->late_of = h->late_of;
                    gf_vec_push(&out, c);
                }
        } else if (h->kind == GF_TASK_META) {
            rc = gf_error_set(l->err, GF_EPARSE, h->file, h->line, h->col, "'meta: %s' as a "
                              "handler is not supported by gpuforge", h->meta);
        } else {
            gf_vec_push(&out, h);
        }
    }
    gf_vec_release(hs, NULL);
    *hs = out;
    return rc;
}

static int parse_serial(struct ld *l, const char *file, struct gf_val *x, struct gf_play *pl)
{
    struct gf_val *list = gf_val_list();
    struct gf_val *one = x->type == GF_VAL_LIST ? NULL : x;
    size_t n = one ? 1 : x->u.list.n;

    for (size_t i = 0; i < n; i++) {
        struct gf_val *e = one ? one : x->u.list.v[i];
        int ok = 0;
        if (e->type == GF_VAL_INT && e->u.i >= 0)
            ok = 1;
        else if (e->type == GF_VAL_STR) {
            char *end;
            double d = strtod(e->u.str.s, &end);
            ok = end != e->u.str.s && d >= 0 && (*end == '\0' || (end[0] == '%' && !end[1]));
        }
        if (!ok) {
            gf_val_unref(list);
            return perr(l, file, e, "'serial' takes numbers or percentages like \"30%%\"");
        }
        gf_val_list_push(list, gf_val_ref(e));
    }
    pl->serial = list;
    return 0;
}

static int parse_play(struct ld *l, const char *file, struct gf_val *v)
{
    struct gf_play *pl = gf_xcalloc(1, sizeof(*pl));
    struct gf_vec play_tags = GF_VEC_INIT;
    char *play_remote_user = NULL;
    int rc = 0;

    gf_vec_push(&l->pb->plays, pl);
    l->play = pl;
    l->in_play = 1;
    gf_map_release(&l->play_roles, NULL);
    pl->file = gf_xstrdup(file);
    pl->line = v->line;
    pl->col = v->col;
    pl->become = -1;
    pl->gather_facts = -1; /* unset: ansible.cfg's gathering decides */
    pl->max_fail_percentage = -1;
    pl->check_mode = pl->diff = -1;
    pl->vars = gf_val_map();
    struct inh in = { 0 };
    in.become = -1;
    in.poll = 15; /* Ansible's default poll interval, for async tasks */
    in.check_mode = in.diff = in.any_errors_fatal = -1;
    in.dir = l->pb->dir;

    for (size_t i = 0; i < v->u.map.n && !rc; i++) {
        const char *k = v->u.map.ents[i].key;
        struct gf_val *x = v->u.map.ents[i].val;
        const struct gf_keyword *kw = gf_keyword_find(k);
        if (kw == NULL || !(kw->where & GF_KW_PLAY)) {
            if (gf_module_find(k) || kw)
                rc = kerr(l, file, x, "'%s' is not a play keyword: is this a task outside "
                          "'tasks:'?", k);
            else
                rc = kerr(l, file, x, "unknown play keyword '%s'", k);
            break;
        }
        if (kw->refused & GF_KW_PLAY) {
            rc = kerr(l, file, x, "play keyword '%s' is not supported by gpuforge: %s", k,
                      kw->doc);
            break;
        }
        switch (kw->op) {
        case K_NAME:
            rc = get_str(l, file, x, k, &pl->name);
            break;
        case K_HOSTS:
            if (x->type == GF_VAL_LIST) {
                struct gf_buf hb = GF_BUF_INIT;
                for (size_t j = 0; j < x->u.list.n; j++) {
                    if (j)
                        gf_buf_addc(&hb, ',');
                    gf_val_to_text(x->u.list.v[j], &hb);
                }
                pl->hosts = gf_buf_detach(&hb, NULL);
            } else {
                rc = get_str(l, file, x, k, &pl->hosts);
            }
            break;
        case K_VARS:
            if ((rc = get_map(l, file, x, k)) == 0) {
                struct gf_val *m = gf_val_map_merge(pl->vars, x);
                gf_val_unref(pl->vars);
                pl->vars = m;
            }
            break;
        case K_VARS_FILES:
            rc = load_vars_files(l, file, x, pl);
            break;
        case K_BECOME:
            /* a template is the tasks' own: the play's become stays unset */
            rc = get_kw_bool(l, file, x, k, &pl->become, &in.kw_tpl);
            break;
        case K_BECOME_USER:
            rc = get_str(l, file, x, k, &pl->become_user);
            break;
        case K_REMOTE_USER:
            rc = get_str(l, file, x, k, &play_remote_user);
            break;
        case K_BECOME_METHOD:
            if (x->type != GF_VAL_STR || strcmp(x->u.str.s, "sudo"))
                rc = perr(l, file, x, "only become_method 'sudo' is supported");
            break;
        case K_GATHER_FACTS:
            rc = get_bool(l, file, x, k, &pl->gather_facts);
            break;
        case K_GATHER_SUBSET:
            rc = 0; /* the setup module gathers its one set */
            break;
        case K_SERIAL:
            rc = parse_serial(l, file, x, pl);
            break;
        case K_MAX_FAIL_PERCENTAGE: {
            double d = x->type == GF_VAL_INT ? (double)x->u.i : x->type == GF_VAL_FLOAT
                       ? x->u.f : -1;
            if (d < 0 || d > 100)
                rc = perr(l, file, x, "'max_fail_percentage' must be a number in 0..100");
            pl->max_fail_percentage = (int)d;
            break;
        }
        case K_ANY_ERRORS_FATAL:
            rc = get_kw_bool(l, file, x, k, &pl->any_errors_fatal, &in.kw_tpl);
            break;
        case K_STRATEGY:
            if (x->type != GF_VAL_STR || (strcmp(x->u.str.s, "linear") &&
                                          strcmp(x->u.str.s, "free")))
                rc = perr(l, file, x, "'strategy' must be 'linear' or 'free'");
            else
                pl->strategy_free = !strcmp(x->u.str.s, "free");
            break;
        case K_ENVIRONMENT:
            rc = add_env(l, file, x, &pl->environment);
            break;
        case K_TAGS:
            rc = get_tags(l, file, x, &play_tags);
            break;
        case K_CHECK_MODE:
            rc = get_kw_bool(l, file, x, k, &pl->check_mode, &in.kw_tpl);
            break;
        case K_DIFF:
            rc = get_kw_bool(l, file, x, k, &pl->diff, &in.kw_tpl);
            break;
        case K_IGNORE_ERRORS:
            rc = get_kw_bool(l, file, x, k, &in.ignore_errors, &in.kw_tpl);
            break;
        case K_IGNORE_UNREACHABLE:
            rc = get_kw_bool(l, file, x, k, &in.ignore_unreachable, &in.kw_tpl);
            break;
        case K_NO_LOG:
            rc = get_kw_bool(l, file, x, k, &in.no_log, &in.kw_tpl);
            if (rc == 0 && is_tpl(x))
                in.no_log = 1;
            break;
        case K_COLLECTIONS: /* read below */
        case K_PART:
        default:
            break;
        }
    }
    if (rc == 0 && pl->hosts == NULL)
        rc = perr(l, file, v, "the play needs 'hosts'");
    in.tags = play_tags;
    in.remote_user = play_remote_user;
    in.environment = pl->environment;
    in.check_mode = pl->check_mode;
    in.diff = pl->diff;
    /* sections in Ansible's order: pre_tasks, roles, tasks, post_tasks */
    struct gf_val *x;
    l->collections = gf_val_map_get(v, "collections");
    if (rc == 0 && (x = gf_val_map_get(v, "pre_tasks")))
        rc = parse_tasks(l, file, x, &in, &pl->sections[0]);
    if (rc == 0 && (x = gf_val_map_get(v, "roles"))) {
        if (x->type != GF_VAL_LIST && x->type != GF_VAL_NULL)
            rc = perr(l, file, x, "'roles' must be a list");
        for (size_t i = 0; rc == 0 && x->type == GF_VAL_LIST && i < x->u.list.n; i++) {
            char *name = NULL;
            struct gf_val *params = NULL, *kw = NULL;
            struct inh sub;
            rc = role_ref(l, file, x->u.list.v[i], &name, &params, &kw);
            if (rc == 0)
                rc = keywords_inh(l, file, kw, &in, &sub);
            if (rc == 0)
                rc = load_role(l, file, x->u.list.v[i], name, params, NULL, &sub, 1,
                               &pl->sections[1]);
            free(name);
            gf_val_unref(params);
            gf_val_unref(kw);
        }
    }
    if (rc == 0 && (x = gf_val_map_get(v, "tasks")))
        rc = parse_tasks(l, file, x, &in, &pl->sections[1]);
    if (rc == 0 && (x = gf_val_map_get(v, "post_tasks")))
        rc = parse_tasks(l, file, x, &in, &pl->sections[2]);
    if (rc == 0 && (x = gf_val_map_get(v, "handlers"))) {
        struct inh hs = in;
        hs.handler = 1;
        hs.tags.n = 0;
        rc = parse_tasks(l, file, x, &hs, &pl->handlers);
    }
    for (size_t i = 0; i < l->late_handlers.n; i++)
        gf_vec_push(&pl->handlers, l->late_handlers.v[i]);
    l->late_handlers.n = 0;
    l->in_play = 0;
    if (rc == 0)
        rc = flatten_handlers(l, &pl->handlers);
    pl->role_defaults = gf_val_map();
    pl->role_vars = gf_val_map();
    for (size_t i = 0; i < pl->roles.n; i++) {
        struct gf_role *r = pl->roles.v[i];
        struct gf_val *d = gf_val_map_merge(pl->role_defaults, r->defaults);
        struct gf_val *vv = gf_val_map_merge(pl->role_vars, r->vars);
        gf_val_unref(pl->role_defaults);
        gf_val_unref(pl->role_vars);
        pl->role_defaults = d;
        pl->role_vars = vv;
    }
    gf_vec_release(&play_tags, free);
    l->collections = NULL;
    gf_val_unref(in.kw_tpl);
    pl->remote_user = play_remote_user;
    return rc;
}

static int load_playbook_file(struct ld *l, const char *path, struct gf_val *where,
                              const char *from)
{
    struct gf_val *doc = NULL;
    int rc;

    if (++l->depth > MAX_IMPORT_DEPTH)
        return perr(l, from, where, "import_playbook nested deeper than %d (a loop?)",
                    MAX_IMPORT_DEPTH);
    if ((rc = load_yaml(l, path, &doc)))
        return rc;
    const char *file = l->pb->files.v[l->pb->files.n - 1];
    if (doc == NULL || doc->type != GF_VAL_LIST) {
        rc = perr(l, file, doc, "a playbook must be a list of plays");
        gf_val_unref(doc);
        return rc;
    }
    char *dir = dir_of(path);
    for (size_t i = 0; i < doc->u.list.n && !rc; i++) {
        struct gf_val *p = doc->u.list.v[i];
        if (p->type != GF_VAL_MAP) {
            rc = perr(l, file, p, "a play must be a mapping, not %s", gf_val_typename(p));
            break;
        }
        struct gf_val *imp = gf_val_map_get(p, "import_playbook");
        if (!imp)
            imp = gf_val_map_get(p, "ansible.builtin.import_playbook");
        if (imp) {
            if (imp->type != GF_VAL_STR || is_tpl(imp)) {
                rc = perr(l, file, imp, "'import_playbook' needs a plain file name");
                break;
            }
            for (size_t j = 0; j < p->u.map.n; j++) {
                const char *k = p->u.map.ents[j].key;
                if (strcmp(k, "import_playbook") && strcmp(k, "ansible.builtin.import_playbook")
                    && strcmp(k, "name"))
                    rc = kerr(l, file, p->u.map.ents[j].val, "'%s' on import_playbook is not "
                              "supported by gpuforge", k);
            }
            if (rc)
                break;
            char *ip = imp->u.str.s[0] == '/' ? gf_xstrdup(imp->u.str.s)
                       : gf_xasprintf("%s/%s", dir, imp->u.str.s);
            if (!gf_is_file(ip))
                rc = perr(l, file, imp, "playbook '%s' not found", imp->u.str.s);
            else
                rc = load_playbook_file(l, ip, imp, file);
            free(ip);
            continue;
        }
        rc = parse_play(l, file, p);
    }
    free(dir);
    gf_val_unref(doc);
    l->depth--;
    return rc;
}

const char *gf_task_cond_file(const struct gf_playbook *pb, const struct gf_task *t,
                              const struct gf_val *cond)
{
    size_t n = t->when->u.list.n;

    for (size_t i = n - (size_t)t->own_when; i < n; i++)
        if (t->when->u.list.v[i] == cond)
            return t->file;
    for (size_t i = 0; i < pb->tasks.n; i++) {
        const struct gf_task *o = pb->tasks.v[i];
        size_t on = o->when ? o->when->u.list.n : 0;
        for (size_t j = on - (size_t)o->own_when; j < on; j++)
            if (o->when->u.list.v[j] == cond)
                return o->file;
    }
    return t->file;
}

static pthread_mutex_t late_lock = PTHREAD_MUTEX_INITIALIZER;

int gf_playbook_load_include(struct gf_playbook *pb, struct gf_play *play,
                             const struct gf_task *t, const char *name,
                             const struct gf_val *opts, const struct gf_vec **tasks,
                             char **shown, struct gf_error *err)
{
    const char *from = gf_arg_str(opts, "tasks_from", "");
    char *key = gf_xasprintf("%p\n%s\n%s", (const void *)t, name, from);
    struct late *lt;
    int rc = 0;

    pthread_mutex_lock(&late_lock);
    if ((lt = gf_map_get(&pb->late, key)) == NULL) {
        struct ld l = { .pb = pb, .err = err, .play = play };
        struct inh in = { 0 }, sub;
        struct gf_val *inherited = NULL;
        lt = gf_xcalloc(1, sizeof(*lt));
        in.dir = t->dir;
        in.role = t->role;
        in.handler = t->handler;
        if ((rc = include_inh(&l, t, &in, &sub, &inherited)) == 0)
            rc = load_target(&l, t, &sub, name, opts, &lt->tasks, &lt->shown);
        gf_val_unref(inherited);
        gf_vec_release(&l.role_stack, NULL);
        gf_vec_release(&l.late_handlers, NULL);
        gf_map_release(&l.play_roles, NULL);
        if (rc) {
            gf_vec_release(&lt->tasks, NULL);
            free(lt->shown);
            free(lt);
            lt = NULL;
        } else {
            gf_map_set(&pb->late, key, lt);
        }
    }
    pthread_mutex_unlock(&late_lock);
    free(key);
    if (lt) {
        *tasks = &lt->tasks;
        *shown = lt->shown;
    }
    return rc;
}

static void late_free(void *p)
{
    struct late *lt = p;

    gf_vec_release(&lt->tasks, NULL);
    free(lt->shown);
    free(lt);
}

int gf_playbook_load(const char *path, const struct gf_val *extra_vars, struct gf_playbook **out,
                     struct gf_error *err)
{
    struct gf_playbook *pb = gf_xcalloc(1, sizeof(*pb));
    struct ld l = { .pb = pb, .err = err };
    int rc;

    (void)extra_vars;
    *out = NULL;
    pb->path = gf_xstrdup(path);
    char *d = dir_of(path);
    char real[PATH_MAX];
    pb->dir = realpath(d, real) ? gf_xstrdup(real) : gf_xstrdup(d);
    free(d);
    pb->cache = gf_tpl_cache_new();
    if (!gf_is_file(path))
        rc = gf_error_set(err, GF_ENOTFOUND, NULL, 0, 0, "playbook '%s' not found", path);
    else
        rc = load_playbook_file(&l, path, NULL, path);
    gf_vec_release(&l.role_stack, NULL);
    gf_vec_release(&l.late_handlers, NULL);
    gf_map_release(&l.play_roles, NULL);
    if (rc) {
        gf_playbook_free(pb);
        return rc;
    }
    *out = pb;
    return 0;
}

void gf_playbook_free(struct gf_playbook *pb)
{
    if (pb == NULL)
        return;
    gf_vec_release(&pb->plays, play_free);
    gf_vec_release(&pb->roles, role_free);
    gf_vec_release(&pb->tasks, task_free);
    gf_vec_release(&pb->files, free);
    gf_map_release(&pb->late, late_free);
    gf_tpl_cache_free(pb->cache);
    free(pb->path);
    free(pb->dir);
    free(pb);
}

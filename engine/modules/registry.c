/* registry.c - the table of modules, lookup by name or FQCN alias, the
 * closest-name suggestion for unknown modules, parameter validation from each
 * module's table, and helpers shared by modules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "module.h"
#include "nodesh.h"

extern const struct gf_module gf_module_command, gf_module_shell, gf_module_raw,
    gf_module_debug, gf_module_set_fact, gf_module_assert, gf_module_fail, gf_module_ping,
    gf_module_copy, gf_module_file, gf_module_stat, gf_module_template;
extern const struct gf_module gf_module_lineinfile, gf_module_blockinfile, gf_module_slurp,
    gf_module_fetch, gf_module_script, gf_module_wait_for, gf_module_pause;
/* MODULES-A */
extern const struct gf_module gf_module_systemd, gf_module_service, gf_module_apt,
    gf_module_package, gf_module_sysctl, gf_module_modprobe, gf_module_reboot;
/* MODULES-B */
extern const struct gf_module gf_module_setup, gf_module_user, gf_module_group,
    gf_module_mount, gf_module_unarchive;
/* MODULES-C */
extern const struct gf_module gf_module_gpuforge_bundle, gf_module_gpuforge_kubeconfig;
extern const struct gf_module gf_module_include_vars;
extern const struct gf_module gf_module_wait_for_connection;
/* MODULES-D */
extern const struct gf_module gf_module_replace;
extern const struct gf_module gf_module_ini_file;
extern const struct gf_module gf_module_pam_limits;
extern const struct gf_module gf_module_kernel_blacklist;
extern const struct gf_module gf_module_authorized_key;
extern const struct gf_module gf_module_find_files;
extern const struct gf_module gf_module_getent;
extern const struct gf_module gf_module_timezone;
/* MODULES-NET */
extern const struct gf_module gf_module_get_url;
extern const struct gf_module gf_module_service_facts;
extern const struct gf_module gf_module_package_facts;
extern const struct gf_module gf_module_dpkg_selections;
extern const struct gf_module gf_module_iptables;
extern const struct gf_module gf_module_apt_repository;
extern const struct gf_module gf_module_deb822_repository;
extern const struct gf_module gf_module_selinux;
extern const struct gf_module gf_module_uri;
extern const struct gf_module gf_module_openssh_keypair;
extern const struct gf_module gf_module_ufw;
extern const struct gf_module gf_module_apt_key;
extern const struct gf_module gf_module_validate_argument_spec;
extern const struct gf_module gf_module_pamd;
extern const struct gf_module gf_module_tempfile;

const struct gf_module *const gf_modules[] = {
    &gf_module_command, &gf_module_shell, &gf_module_raw, &gf_module_debug,
    &gf_module_set_fact, &gf_module_assert, &gf_module_fail, &gf_module_ping,
    &gf_module_copy, &gf_module_file, &gf_module_stat, &gf_module_template,
    &gf_module_lineinfile, &gf_module_blockinfile, &gf_module_slurp, &gf_module_fetch,
    &gf_module_script, &gf_module_wait_for, &gf_module_pause,
    /* MODULES-A */
    &gf_module_systemd, &gf_module_service, &gf_module_apt, &gf_module_package,
    &gf_module_sysctl, &gf_module_modprobe, &gf_module_reboot,
    /* MODULES-B */
    &gf_module_setup, &gf_module_user, &gf_module_group, &gf_module_mount,
    &gf_module_unarchive,
    /* MODULES-C */
    &gf_module_gpuforge_bundle, &gf_module_gpuforge_kubeconfig,
    &gf_module_include_vars,
    &gf_module_wait_for_connection,
    /* MODULES-D */
    &gf_module_replace,
    &gf_module_ini_file,
    &gf_module_pam_limits,
    &gf_module_kernel_blacklist,
    &gf_module_authorized_key,
    &gf_module_find_files,
    &gf_module_getent,
    &gf_module_timezone,
    /* MODULES-NET */
    &gf_module_get_url,
    &gf_module_service_facts,
    &gf_module_package_facts,
    &gf_module_dpkg_selections,
    &gf_module_iptables,
    &gf_module_apt_repository,
    &gf_module_deb822_repository,
    &gf_module_selinux,
    &gf_module_uri,
    &gf_module_openssh_keypair,
    &gf_module_ufw,
    &gf_module_apt_key,
    &gf_module_validate_argument_spec,
    &gf_module_pamd,
    &gf_module_tempfile,
    NULL,
};

static int module_named(const struct gf_module *m, const char *name)
{
    if (strcmp(m->name, name) == 0)
        return 1;
    for (size_t j = 0; m->aliases && m->aliases[j]; j++)
        if (strcmp(m->aliases[j], name) == 0)
            return 1;
    return 0;
}

const struct gf_module *gf_module_find(const char *name)
{
    for (size_t i = 0; gf_modules[i]; i++)
        if (module_named(gf_modules[i], name))
            return gf_modules[i];
    for (size_t i = 0; gf_modules_unimplemented[i].name; i++)
        if (module_named(&gf_modules_unimplemented[i], name))
            return &gf_modules_unimplemented[i];
    /* ansible.legacy.NAME: NAME as a playbook without collections finds it */
    if (strncmp(name, "ansible.legacy.", 15) == 0 && name[15])
        return gf_module_find(name + 15);
    return NULL;
}

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t *prev = gf_xcalloc(lb + 1, sizeof(*prev)), *cur = gf_xcalloc(lb + 1, sizeof(*cur));

    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        size_t *t = prev;
        prev = cur;
        cur = t;
    }
    size_t d = prev[lb];
    free(prev);
    free(cur);
    return d;
}

const char *gf_module_suggest(const char *name)
{
    const char *best = NULL, *n = strrchr(name, '.');
    size_t bestd = (size_t)-1;

    n = n ? n + 1 : name; /* compare the short name of an FQCN */
    for (size_t i = 0; gf_modules[i]; i++) {
        size_t d = edit_distance(n, gf_modules[i]->name);
        if (d < bestd)
            bestd = d, best = gf_modules[i]->name;
    }
    return bestd <= 3 ? best : NULL;
}

static int list_has(const char *csv, const char *word)
{
    size_t n = strlen(word);

    for (const char *p = csv; p && *p;) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        if (len == n && strncmp(p, word, n) == 0)
            return 1;
        p = c ? c + 1 : NULL;
    }
    return 0;
}

int gf_val_bool_ansible(const struct gf_val *v, int *out)
{
    static const char *const yes[] = { "yes", "on", "1", "true", "y", "t", NULL };
    static const char *const no[] = { "no", "off", "0", "false", "n", "f", "", NULL };

    if (v == NULL || v->type == GF_VAL_NULL)
        return *out = 0, 0;
    if (v->type == GF_VAL_BOOL)
        return *out = v->u.b, 0;
    if (v->type == GF_VAL_INT && (v->u.i == 0 || v->u.i == 1))
        return *out = (int)v->u.i, 0;
    if (v->type == GF_VAL_FLOAT && (v->u.f == 0.0 || v->u.f == 1.0))
        return *out = v->u.f == 1.0, 0;
    if (v->type == GF_VAL_STR) {
        for (int i = 0; yes[i]; i++)
            if (strcasecmp(v->u.str.s, yes[i]) == 0)
                return *out = 1, 0;
        for (int i = 0; no[i]; i++)
            if (strcasecmp(v->u.str.s, no[i]) == 0)
                return *out = 0, 0;
    }
    return -1;
}

/* Moves the buffer's text into a new string value. */
static struct gf_val *text_val(struct gf_buf *b)
{
    size_t n;
    char *s = gf_buf_detach(b, &n);

    return gf_val_str_own(s, n);
}

static struct gf_val *convert(const struct gf_module *m, const struct gf_param *p,
                              const struct gf_val *v, int lenient, struct gf_error *err)
{
    struct gf_buf b = GF_BUF_INIT;
    int bv;

    if (v->type == GF_VAL_NULL)
        return gf_val_ref((struct gf_val *)v);
    /* before templating, a template may become any type */
    if (lenient && v->type == GF_VAL_STR && gf_tpl_is_template(v->u.str.s, v->u.str.len))
        return gf_val_ref((struct gf_val *)v);
    switch (p->type) {
    case GF_P_RAW:
        return gf_val_ref((struct gf_val *)v);
    case GF_P_STR:
    case GF_P_PATH:
    case GF_P_CPATH:
        if (v->type == GF_VAL_LIST || v->type == GF_VAL_MAP)
            break;
        if (v->type == GF_VAL_STR)
            return gf_val_ref((struct gf_val *)v);
        gf_val_to_text(v, &b);
        return text_val(&b);
    case GF_P_MODE:
        if (v->type == GF_VAL_INT) /* YAML 0644 is already the octal value */
        {
            gf_buf_addf(&b, "0%llo", v->u.i);
            return text_val(&b);
        }
        if (v->type == GF_VAL_STR)
            return gf_val_ref((struct gf_val *)v);
        break;
    case GF_P_BOOL:
        if (gf_val_bool_ansible(v, &bv) == 0)
            return gf_val_bool(bv);
        break;
    case GF_P_INT:
        if (v->type == GF_VAL_INT)
            return gf_val_ref((struct gf_val *)v);
        if (v->type == GF_VAL_STR && v->u.str.len) {
            char *end;
            long long i = strtoll(v->u.str.s, &end, 10);
            if (*end == '\0')
                return gf_val_int(i);
        }
        break;
    case GF_P_LIST:
        if (v->type == GF_VAL_LIST)
            return gf_val_ref((struct gf_val *)v);
        if (v->type == GF_VAL_STR) {
            struct gf_val *l = gf_val_list();
            for (const char *s = v->u.str.s; *s;) {
                const char *c = strchr(s, ',');
                size_t len = c ? (size_t)(c - s) : strlen(s);
                gf_val_list_push(l, gf_val_strn(s, len));
                s = c ? c + 1 : s + len;
            }
            return l;
        }
        break;
    case GF_P_DICT:
        if (v->type == GF_VAL_MAP)
            return gf_val_ref((struct gf_val *)v);
        break;
    }
    gf_error_set(err, GF_EINVAL, NULL, 0, 0, "module '%s': parameter '%s' has the wrong type (%s)",
                 m->name, p->name, gf_val_typename(v));
    return NULL;
}

static struct gf_val *check_args(const struct gf_module *m, const struct gf_val *args,
                                 int lenient, struct gf_error *err);

/* Whether Ansible's module m takes parameter k (that gpuforge's lacks). */
static int ansible_param(const struct gf_module *m, const char *k)
{
    for (size_t i = 0; gf_modules_unimplemented_params[i].module; i++)
        if (!strcmp(gf_modules_unimplemented_params[i].module, m->name))
            return list_has(gf_modules_unimplemented_params[i].params, k);
    return 0;
}

struct gf_val *gf_module_check_args(const struct gf_module *m, const struct gf_val *args,
                                    struct gf_error *err)
{
    return check_args(m, args, 0, err);
}

struct gf_val *gf_module_check_args_static(const struct gf_module *m, const struct gf_val *args,
                                           struct gf_error *err)
{
    return check_args(m, args, 1, err);
}

static struct gf_val *check_args(const struct gf_module *m, const struct gf_val *args,
                                 int lenient, struct gf_error *err)
{
    struct gf_val *out = gf_val_map();
    int ansible_only = 0;

    for (size_t i = 0; args && args->type == GF_VAL_MAP && i < args->u.map.n; i++) {
        const char *k = args->u.map.ents[i].key;
        const struct gf_val *v = args->u.map.ents[i].val;
        const struct gf_param *p = m->params;
        for (; p->name; p++)
            if (strcmp(p->name, k) == 0 || (p->aliases && list_has(p->aliases, k)))
                break;
        if (p->name == NULL && m->free_params) {
            gf_val_map_set(out, k, gf_val_ref((struct gf_val *)v));
            continue;
        }
        if (p->name == NULL && ansible_param(m, k)) {
            if (lenient) { /* Ansible takes it: refused where the task runs */
                gf_val_map_set(out, k, gf_val_ref((struct gf_val *)v));
                ansible_only = 1;
                continue;
            }
            gf_error_set(err, GF_EUNSUPPORTED, NULL, 0, 0, "module '%s': Ansible's parameter "
                         "'%s' is not implemented by gpuforge", m->name, k);
            goto fail;
        }
        if (p->name == NULL) {
            struct gf_buf names = GF_BUF_INIT;
            for (const struct gf_param *q = m->params; q->name; q++)
                gf_buf_addf(&names, "%s%s", names.len ? ", " : "", q->name);
            gf_error_set(err, GF_EINVAL, NULL, 0, 0,
                         "module '%s' has no parameter '%s' (supported: %s)", m->name, k,
                         names.buf);
            gf_buf_release(&names);
            goto fail;
        }
        struct gf_val *cv = convert(m, p, v, lenient, err);
        if (cv == NULL)
            goto fail;
        if (p->choices && cv->type == GF_VAL_STR && !list_has(p->choices, cv->u.str.s) &&
            !(lenient && gf_tpl_is_template(cv->u.str.s, cv->u.str.len))) {
            gf_error_set(err, GF_EINVAL, NULL, 0, 0,
                         "module '%s': parameter '%s' must be one of %s, not '%s'", m->name,
                         p->name, p->choices, cv->u.str.s);
            gf_val_unref(cv);
            goto fail;
        }
        gf_val_map_set(out, p->name, cv);
    }
    /* with one of Ansible's parameters it lacks, what gpuforge's module
     * requires says nothing of Ansible's (systemd's daemon_reload needs no
     * name): the task fails where it runs in any case */
    for (const struct gf_param *p = m->params; p->name && !ansible_only; p++)
        if (p->required && !gf_val_map_get(out, p->name)) {
            gf_error_set(err, GF_EINVAL, NULL, 0, 0, "module '%s': missing required parameter '%s'",
                         m->name, p->name);
            goto fail;
        }
    return out;
fail:
    gf_val_unref(out);
    return NULL;
}

void gf_modres_init(struct gf_modres *r)
{
    memset(r, 0, sizeof(*r));
    r->data = gf_val_map();
    gf_buf_init(&r->diff);
}

void gf_modres_release(struct gf_modres *r)
{
    gf_val_unref(r->data);
    gf_buf_release(&r->diff);
    r->data = NULL;
}

int gf_modres_fail(struct gf_modres *r, const char *fmt, ...)
{
    struct gf_buf b = GF_BUF_INIT;
    va_list ap;

    va_start(ap, fmt);
    gf_buf_vaddf(&b, fmt, ap);
    va_end(ap);
    r->failed = 1;
    gf_val_map_set(r->data, "msg", text_val(&b));
    return 0;
}

int gf_mod_sh(struct gf_modctx *ctx, const char *cmd, const char *input, size_t len,
              struct gf_result *r)
{
    const char *user = ctx->become_user ? ctx->become_user
                       : ctx->target ? ctx->target->become_user : NULL;

    if (ctx->deadline_ms) { /* an async task: the command dies with its time */
        int64_t left = ctx->deadline_ms - gf_now_ms();
        if (left <= 0) {
            r->status = GF_ST_FAILED;
            r->rc = 137;
            free(r->msg);
            r->msg = gf_xstrdup("async task time is up");
            return 0;
        }
        struct gf_buf b = GF_BUF_INIT, text = GF_BUF_INIT;
        char secs[32];
        snprintf(secs, sizeof(secs), "%lld", (long long)((left + 999) / 1000));
        gf_buf_addf(&text, "%s%s", ctx->env ? ctx->env : "", cmd);
        gf_sh_assign(&b, "gf_async_secs", secs);
        gf_sh_assign(&b, "gf_async_cmd", text.buf);
        gf_nodesh_add(&b, "async");
        int rc = gf_session_run_as(ctx->session, b.buf, input, len, user, ctx->become, r);
        gf_buf_release(&b);
        gf_buf_release(&text);
        return rc;
    }
    if (ctx->env && *ctx->env) {
        char *full = gf_xasprintf("%s%s", ctx->env, cmd);
        int rc = gf_session_run_as(ctx->session, full, input, len, user, ctx->become, r);
        free(full);
        return rc;
    }
    return gf_session_run_as(ctx->session, cmd, input, len, user, ctx->become, r);
}

int gf_mod_become_failed(struct gf_modres *res, int sh_rc, const struct gf_result *r)
{
    if (sh_rc != -GF_EAUTH)
        return 0;
    res->changed = 0;
    gf_modres_fail(res, "%s", r->msg ? r->msg : "sudo failed");
    gf_val_map_set(res->data, "rc", gf_val_int(r->rc));
    gf_val_map_set(res->data, "module_stdout", gf_val_strn(r->out.buf, r->out.len));
    gf_val_map_set(res->data, "module_stderr", gf_val_strn(r->err.buf, r->err.len));
    return 1;
}

struct gf_val *gf_mod_line_val(const char *p)
{
    return gf_val_strn(p, strcspn(p, "\n"));
}

const char *gf_arg_str(const struct gf_val *args, const char *name, const char *def)
{
    const struct gf_val *v = gf_val_map_get(args, name);

    return v && v->type == GF_VAL_STR ? v->u.str.s : def;
}

int gf_arg_bool(const struct gf_val *args, const char *name, int def)
{
    const struct gf_val *v = gf_val_map_get(args, name);

    return v && v->type == GF_VAL_BOOL ? v->u.b : def;
}

long long gf_arg_int(const struct gf_val *args, const char *name, long long def)
{
    const struct gf_val *v = gf_val_map_get(args, name);

    return v && v->type == GF_VAL_INT ? v->u.i : def;
}

char *gf_mod_find_src(const struct gf_modctx *ctx, const char *sub, const char *src)
{
    if (src[0] == '/')
        return gf_is_file(src) || gf_is_dir(src) ? gf_xstrdup(src) : NULL;
    for (size_t i = 0; i < GF_ARRAY_LEN(ctx->search_dirs) && ctx->search_dirs[i]; i++) {
        char *p = gf_xasprintf("%s/%s/%s", ctx->search_dirs[i], sub, src);
        if (gf_is_file(p) || gf_is_dir(p))
            return p;
        free(p);
        p = gf_xasprintf("%s/%s", ctx->search_dirs[i], src);
        if (gf_is_file(p) || gf_is_dir(p))
            return p;
        free(p);
    }
    return NULL;
}

struct gf_val *gf_modres_dict(const struct gf_modres *res)
{
    struct gf_val *d = gf_val_map_merge(res->data, NULL);

    gf_val_map_set(d, "changed", gf_val_bool(res->changed));
    if (res->failed)
        gf_val_map_set(d, "failed", gf_val_bool(1));
    if (res->skipped)
        gf_val_map_set(d, "skipped", gf_val_bool(1));
    return d;
}

/* paths.c - ~ and ~user in the path parameters of every module, expanded in
 * one place before the module runs, as Ansible's modules do with
 * os.path.expanduser: a node path (GF_P_PATH) on the node, as the user the
 * module runs as (the become user when become is on, else the login user);
 * a controller path (GF_P_CPATH) on the controller. A user nobody knows
 * leaves the path as it is. The node is asked once per host and user: the
 * answers stay in the caller's cache. Before that, as Ansible's path type
 * does, $NAME in a node path is expanded from the module's environment. */
#include <stdlib.h>
#include <string.h>

#include "module.h"
#include "nodesh.h"

/* The "~" or "~user" a path starts with (malloc'd), or NULL when the path
 * does not start with ~. */
static char *tilde_word(const char *p)
{
    if (p[0] != '~')
        return NULL;
    return gf_xstrndup(p, strcspn(p, "/"));
}

/* The user the word "~" means for this module: the become user when
 * become is on, else NULL (the login user). */
static const char *module_user(const struct gf_modctx *ctx)
{
    if (!ctx->become)
        return NULL;
    if (ctx->become_user)
        return ctx->become_user;
    if (ctx->target && ctx->target->become_user)
        return ctx->target->become_user;
    return "root";
}

/* The word as the node sees it: "~" as the module's user. */
static char *node_word(const struct gf_modctx *ctx, const char *word)
{
    const char *u = module_user(ctx);

    if (word[1] == '\0' && u)
        return gf_xasprintf("~%s", u);
    return gf_xstrdup(word);
}

/* Asks the node for the homes of the words in need (one per line) and adds
 * them to homes. Returns 0, or -1 with res failed. */
static int ask_node(struct gf_modctx *ctx, const char *need, struct gf_val *homes,
                    struct gf_modres *res)
{
    struct gf_buf cmd = GF_BUF_INIT;
    struct gf_result r;
    int rc = 0;

    gf_result_init(&r, 65536);
    gf_sh_assign(&cmd, "gf_users", need);
    gf_nodesh_add(&cmd, "home");
    /* the user database is readable by all: no become needed */
    gf_session_run_as(ctx->session, cmd.buf, NULL, 0, NULL, 0, &r);
    if (r.status == GF_ST_UNREACHABLE) {
        gf_modres_fail(res, "%s", r.msg ? r.msg : "unreachable");
        gf_val_map_set(res->data, "unreachable", gf_val_bool(1));
        rc = -1;
        goto out;
    }
    for (const char *p = r.out.buf; p && (p = gf_mod_tagged(p, "GF ")) != NULL;) {
        const char *eq = strchr(p, '='), *nl = strchr(p, '\n');
        if (eq && (nl == NULL || eq < nl)) {
            char *w = gf_xstrndup(p, (size_t)(eq - p));
            gf_val_map_set(homes, w, gf_mod_line_val(eq + 1));
            free(w);
        }
        p = nl;
    }
    if (r.rc != 0) {
        gf_modres_fail(res, "cannot expand ~ on the node: %s",
                       r.err.len ? r.err.buf : r.msg ? r.msg : "no answer");
        rc = -1;
    }
out:
    gf_result_release(&r);
    gf_buf_release(&cmd);
    return rc;
}

/* path with its word (the first len bytes) replaced by home, as Python's
 * expanduser joins them: home's trailing slashes dropped, "/" when nothing
 * is left. */
static struct gf_val *joined(const char *home, const char *path, size_t len)
{
    size_t n = strlen(home);

    while (n > 0 && home[n - 1] == '/')
        n--;
    char *s = gf_xasprintf("%.*s%s", (int)n, home, path + len);
    if (*s == '\0') {
        free(s);
        s = gf_xstrdup("/");
    }
    return gf_val_str_own(s, strlen(s));
}

/* Does this parameter name a path on the node? A controller path does,
 * for the task that sets remote_src (copy, unarchive). */
static int on_node(const struct gf_param *p, const struct gf_val *args)
{
    if (p->type == GF_P_PATH)
        return 1;
    return p->type == GF_P_CPATH && gf_arg_bool(args, "remote_src", 0);
}

/* $NAME and ${NAME} in the node paths of args, expanded on the node in the
 * module's environment (its user, the task's environment), as Python's
 * os.path.expandvars does there before expanduser. Returns 0, or -1 with
 * res failed. */
static int expand_vars(struct gf_modctx *ctx, const struct gf_module *m, struct gf_val *args,
                       struct gf_modres *res)
{
    struct gf_buf cmd = GF_BUF_INIT, name = GF_BUF_INIT;
    const struct gf_param *which[64];
    struct gf_result r;
    size_t n = 0;
    int rc = 0;

    for (const struct gf_param *p = m->params; p->name && n < GF_ARRAY_LEN(which); p++) {
        const char *v = gf_arg_str(args, p->name, NULL);
        if (v && strchr(v, '$') && !strchr(v, '\n') && on_node(p, args)) {
            gf_buf_reset(&name);
            gf_buf_addf(&name, "gf_v%zu", n);
            gf_sh_assign(&cmd, name.buf, v);
            which[n++] = p;
        }
    }
    gf_buf_release(&name);
    if (n == 0 || ctx->session == NULL) {
        gf_buf_release(&cmd);
        return 0;
    }
    gf_buf_addf(&cmd, "gf_n=%zu\n", n);
    gf_nodesh_add(&cmd, "expandvars");
    gf_result_init(&r, 65536);
    gf_mod_sh(ctx, cmd.buf, NULL, 0, &r);
    if (r.status == GF_ST_UNREACHABLE) {
        gf_modres_fail(res, "%s", r.msg ? r.msg : "unreachable");
        gf_val_map_set(res->data, "unreachable", gf_val_bool(1));
        rc = -1;
    } else if (r.rc != 0) {
        gf_modres_fail(res, "cannot expand variables in paths on the node: %s",
                       r.err.len ? r.err.buf : r.msg ? r.msg : "no answer");
        rc = -1;
    }
    for (const char *p = r.out.buf; rc == 0 && p && (p = gf_mod_tagged(p, "GF ")) != NULL;) {
        char *end;
        unsigned long i = strtoul(p, &end, 10);
        if (*end == '=' && i < n)
            gf_val_map_set(args, which[i]->name, gf_mod_line_val(end + 1));
        p = strchr(p, '\n');
    }
    gf_result_release(&r);
    gf_buf_release(&cmd);
    return rc;
}

int gf_module_expand_paths(struct gf_modctx *ctx, const struct gf_module *m, struct gf_val *args,
                           struct gf_val *homes, struct gf_modres *res)
{
    struct gf_buf need = GF_BUF_INIT;
    int rc = 0;

    if (expand_vars(ctx, m, args, res) < 0)
        return -1;

    /* first pass: the controller's, and the words the node must answer */
    for (int pass = 0; pass < 2 && rc == 0; pass++) {
        for (const struct gf_param *p = m->params; p->name; p++) {
            const char *v = gf_arg_str(args, p->name, NULL);
            char *w = v ? tilde_word(v) : NULL;
            if (w == NULL || (p->type != GF_P_PATH && p->type != GF_P_CPATH)) {
                free(w);
                continue;
            }
            if (!on_node(p, args)) {
                if (pass == 0) {
                    char *e = gf_expand_home(v);
                    gf_val_map_set(args, p->name, gf_val_str_own(e, strlen(e)));
                }
                free(w);
                continue;
            }
            char *nw = node_word(ctx, w);
            const struct gf_val *h = gf_val_map_get(homes, nw);
            if (pass == 0 && h == NULL && ctx->session)
                gf_buf_addf(&need, "%s%s", need.len ? "\n" : "", nw);
            else if (pass == 1 && h && h->type == GF_VAL_STR && strcmp(h->u.str.s, nw))
                gf_val_map_set(args, p->name, joined(h->u.str.s, v, strlen(w)));
            free(nw);
            free(w);
        }
        if (pass == 0 && need.len)
            rc = ask_node(ctx, need.buf, homes, res);
    }
    gf_buf_release(&need);
    return rc;
}

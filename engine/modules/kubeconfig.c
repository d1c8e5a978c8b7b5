/* kubeconfig.c - the `gpuforge_kubeconfig` module (controller side): merges
 * the clusters, users and contexts of the kubeconfig src into the
 * kubeconfig dest, replacing entries of the same name and keeping every
 * other one; dest's current-context is set only when it has none. dest is
 * written atomically with mode 0600 and only when its content changes. The
 * result never holds the files' content (client keys). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "module.h"

static const struct gf_param kubeconfig_params[] = {
    { "src", GF_P_CPATH, 1, NULL, NULL },
    { "dest", GF_P_CPATH, 1, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

static const char *entry_name(const struct gf_val *e)
{
    const struct gf_val *n = gf_val_map_get(e, "name");
    return n && n->type == GF_VAL_STR ? n->u.str.s : NULL;
}

/* dest[key] gets src[key]'s entries by name. Returns how many changed. */
static int merge_list(struct gf_val *dest, const struct gf_val *src, const char *key)
{
    const struct gf_val *from = gf_val_map_get(src, key);
    struct gf_val *to = gf_val_map_get(dest, key);
    int changed = 0;

    if (from == NULL || from->type != GF_VAL_LIST)
        return 0;
    if (to == NULL || to->type != GF_VAL_LIST) {
        to = gf_val_list();
        gf_val_map_set(dest, key, to);
    }
    for (size_t i = 0; i < from->u.list.n; i++) {
        struct gf_val *e = from->u.list.v[i];
        const char *name = entry_name(e);
        size_t k;
        if (name == NULL)
            continue;
        for (k = 0; k < to->u.list.n; k++)
            if (entry_name(to->u.list.v[k]) && !strcmp(entry_name(to->u.list.v[k]), name))
                break;
        if (k == to->u.list.n) {
            gf_val_list_push(to, gf_val_ref(e));
            changed++;
        } else if (!gf_val_equal(to->u.list.v[k], e)) {
            gf_val_unref(to->u.list.v[k]);
            to->u.list.v[k] = gf_val_ref(e);
            changed++;
        }
    }
    return changed;
}

static int kubeconfig_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    char *src = gf_xstrdup(gf_arg_str(args, "src", ""));
    char *dest = gf_xstrdup(gf_arg_str(args, "dest", ""));
    struct gf_val *in = NULL, *out = NULL;
    struct gf_error err = GF_ERROR_INIT;
    struct gf_buf text = GF_BUF_INIT, werr = GF_BUF_INIT;
    struct stat st;

    if (stat(src, &st) < 0) {
        if (ctx->check) /* fetched by an earlier task that --check skips */
            res->changed = 1;
        else
            gf_modres_fail(res, "cannot read %s", src);
        goto done;
    }
    if (gf_yaml_load_file(src, &in, &err) < 0 || in == NULL || in->type != GF_VAL_MAP) {
        gf_modres_fail(res, "%s is no kubeconfig%s%s", src, err.msg ? ": " : "", err.msg ? err.msg : "");
        goto done;
    }
    if (stat(dest, &st) == 0) {
        if (gf_yaml_load_file(dest, &out, &err) < 0 || (out && out->type != GF_VAL_MAP)) {
            gf_modres_fail(res, "%s is no kubeconfig%s%s (left as it is)", dest,
                           err.msg ? ": " : "", err.msg ? err.msg : "");
            goto done;
        }
    }
    if (out == NULL) {
        out = gf_val_map();
        gf_val_map_set(out, "apiVersion", gf_val_str("v1"));
        gf_val_map_set(out, "kind", gf_val_str("Config"));
        gf_val_map_set(out, "preferences", gf_val_map());
    }
    int n = merge_list(out, in, "clusters") + merge_list(out, in, "users") +
            merge_list(out, in, "contexts");
    const struct gf_val *cur = gf_val_map_get(out, "current-context");
    const struct gf_val *want = gf_val_map_get(in, "current-context");
    if ((cur == NULL || cur->type != GF_VAL_STR || cur->u.str.len == 0) && want) {
        gf_val_map_set(out, "current-context", gf_val_ref((struct gf_val *)want));
        n++;
    }
    gf_val_map_set(res->data, "dest", gf_val_str(dest));
    if (want)
        gf_val_map_set(res->data, "context", gf_val_ref((struct gf_val *)want));
    if (n == 0)
        goto done;
    res->changed = 1;
    if (ctx->check)
        goto done;
    if (gf_tpl_yaml_dump(out, &text) < 0 ||
        gf_mod_write_local(dest, text.buf, text.len, 0600, &werr) < 0)
        gf_modres_fail(res, "%s", werr.len ? werr.buf : "cannot write the kubeconfig");
done:
    gf_val_unref(in);
    gf_val_unref(out);
    gf_error_clear(&err);
    gf_buf_release(&text);
    gf_buf_release(&werr);
    free(src);
    free(dest);
    return 0;
}

const struct gf_module gf_module_gpuforge_kubeconfig = {
    .name = "gpuforge_kubeconfig",
    .aliases = (const char *const[]){ "gpuforge.core.kubeconfig", NULL },
    .params = kubeconfig_params,
    .controller_only = 1,
    .supports_check = 1,
    .run = kubeconfig_run,
};

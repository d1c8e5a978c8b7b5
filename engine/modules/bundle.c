/* bundle.c - the `gpuforge_bundle` module: a signed air-gap bundle onto the
 * host, the way `gpuforge bundle push` does it (verified on the controller
 * before the node is contacted, sha256 checked on the node, activated
 * atomically, skipped when held, resumed when partial), over the host's own
 * session. Reports the active copy's path for later tasks. */
#include <stdlib.h>

#include "../bundle/push.h"
#include "module.h"

static const struct gf_param bundle_params[] = {
    { "src", GF_P_CPATH, 1, NULL, NULL },
    { "pubkey", GF_P_CPATH, 1, NULL, NULL },
    { "dest", GF_P_PATH, 0, NULL, NULL },
    { "allow_downgrade", GF_P_BOOL, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

static int bundle_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    struct gf_bundle_push_args a = {
        .dest = gf_arg_str(args, "dest", "/var/lib/gpuforge/bundles"),
        .downgrade = gf_arg_bool(args, "allow_downgrade", 0),
        .check = ctx->check,
    };
    struct gf_bundle_push_res r;
    char *src = gf_mod_find_src(ctx, "files", gf_arg_str(args, "src", ""));
    char *key = gf_mod_find_src(ctx, "files", gf_arg_str(args, "pubkey", ""));
    int rc = 0;

    if (src == NULL || key == NULL) {
        gf_modres_fail(res, "cannot find %s on the controller",
                       src ? gf_arg_str(args, "pubkey", "") : gf_arg_str(args, "src", ""));
        goto out;
    }
    a.path = src;
    a.pubkey = key;
    if (gf_bundle_push_session(ctx->session, ctx->target, &a, &r) < 0) {
        gf_modres_fail(res, "%s", r.msg ? r.msg : "push failed");
        if (r.status == GF_ST_UNREACHABLE)
            rc = -GF_ECONNECT;
    } else {
        res->changed = r.changed;
        gf_val_map_set(res->data, "name", gf_val_str(r.name));
        gf_val_map_set(res->data, "version", gf_val_str(r.version));
        gf_val_map_set(res->data, "path", gf_val_str(r.path));
        gf_val_map_set(res->data, "sent_bytes", gf_val_int((long long)r.sent));
    }
    free(r.name);
    free(r.version);
    free(r.path);
    free(r.msg);
out:
    free(src);
    free(key);
    return rc;
}

const struct gf_module gf_module_gpuforge_bundle = {
    .name = "gpuforge_bundle",
    .aliases = (const char *const[]){ "gpuforge.core.bundle", NULL },
    .params = bundle_params,
    .supports_check = 1,
    .run = bundle_run,
};

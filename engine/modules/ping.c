/* ping.c - the `ping` module: proves a command runs on the node. */
#include "module.h"

static const struct gf_param ping_params[] = {
    { "data", GF_P_STR, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

static int ping_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    struct gf_result r;
    int rc = 0;

    gf_result_init(&r, 4096);
    gf_mod_sh(ctx, "true", NULL, 0, &r);
    if (r.status == GF_ST_UNREACHABLE) {
        gf_modres_fail(res, "%s", r.msg ? r.msg : "unreachable");
        rc = -GF_ECONNECT;
    } else if (r.status != GF_ST_OK) {
        gf_modres_fail(res, "%s", r.msg ? r.msg : "ping failed");
    } else {
        gf_val_map_set(res->data, "ping", gf_val_str(gf_arg_str(args, "data", "pong")));
    }
    gf_result_release(&r);
    return rc;
}

const struct gf_module gf_module_ping = {
    .name = "ping",
    .aliases = (const char *const[]){ "ansible.builtin.ping", NULL },
    .params = ping_params,
    .supports_check = 1,
    .run = ping_run,
};

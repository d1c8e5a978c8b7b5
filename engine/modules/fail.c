/* fail.c - the `fail` module: fails the task with msg. */
#include "module.h"

static const struct gf_param fail_params[] = {
    { "msg", GF_P_RAW, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

static int fail_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    struct gf_val *msg = gf_val_map_get(args, "msg");

    (void)ctx;
    res->failed = 1;
    gf_val_map_set(res->data, "msg", msg ? gf_val_ref(msg)
                                         : gf_val_str("Failed as requested from task"));
    return 0;
}

const struct gf_module gf_module_fail = {
    .name = "fail",
    .aliases = (const char *const[]){ "ansible.builtin.fail", NULL },
    .params = fail_params,
    .controller_only = 1,
    .supports_check = 1,
    .run = fail_run,
};

/* raw.c - the `raw` module: the string goes to the remote login shell as it
 * is, with no processing (for bootstrapping). */
#include "module.h"

static const struct gf_param raw_params[] = {
    { "_raw_params", GF_P_STR, 1, NULL, NULL },
    { "executable", GF_P_STR, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

static int raw_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    return gf_mod_command_run(ctx, args, res, 2);
}

const struct gf_module gf_module_raw = {
    .name = "raw",
    .aliases = (const char *const[]){ "ansible.builtin.raw", "ansible.legacy.raw", NULL },
    .params = raw_params,
    .free_form = "_raw_params",
    .run = raw_run,
};

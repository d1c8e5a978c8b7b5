/* debug.c - the `debug` module: prints msg (already templated) or the value
 * of var, on the controller. */
#include <string.h>

#include "module.h"

static const struct gf_param debug_params[] = {
    { "msg", GF_P_RAW, 0, NULL, NULL },
    { "var", GF_P_STR, 0, NULL, NULL },
    { "verbosity", GF_P_INT, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

static int debug_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    const char *var = gf_arg_str(args, "var", NULL);
    struct gf_val *msg = gf_val_map_get(args, "msg");

    if (var && msg)
        return gf_modres_fail(res, "'msg' and 'var' are incompatible options");
    if (gf_arg_int(args, "verbosity", 0) > gf_verbosity) {
        res->skipped = 1;
        gf_val_map_set(res->data, "skipped_reason", gf_val_str("Verbosity threshold not met."));
        return 0;
    }
    if (var) {
        struct gf_val *v = NULL;
        struct gf_error err = GF_ERROR_INIT;
        if (gf_tpl_eval_expr(var, strlen(var), ctx->scope, NULL, &v, &err) < 0) {
            gf_val_map_set(res->data, var, gf_val_str("VARIABLE IS NOT DEFINED!"));
            gf_error_clear(&err);
            return 0;
        }
        gf_val_map_set(res->data, var, v);
        return 0;
    }
    gf_val_map_set(res->data, "msg", msg ? gf_val_ref(msg) : gf_val_str("Hello world!"));
    return 0;
}

const struct gf_module gf_module_debug = {
    .name = "debug",
    .aliases = (const char *const[]){ "ansible.builtin.debug", NULL },
    .params = debug_params,
    .controller_only = 1,
    .supports_check = 1,
    .run = debug_run,
};

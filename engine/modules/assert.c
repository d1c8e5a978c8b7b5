/* assert.c - the `assert` module: every condition in `that` must hold. */
#include <string.h>

#include "module.h"

static const struct gf_param assert_params[] = {
    { "that", GF_P_RAW, 1, NULL, NULL },
    { "fail_msg", GF_P_RAW, 0, "msg", NULL },
    { "success_msg", GF_P_RAW, 0, NULL, NULL },
    { "quiet", GF_P_BOOL, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

static int one(struct gf_modctx *ctx, const struct gf_val *cond, struct gf_modres *res,
               const struct gf_val *fail_msg, int *ok)
{
    struct gf_buf text = GF_BUF_INIT;
    struct gf_error err = GF_ERROR_INIT;
    int r = 0;

    gf_val_to_text(cond, &text);
    if (cond->type == GF_VAL_BOOL) {
        r = cond->u.b;
    } else if (gf_tpl_eval_cond(text.buf, text.len, ctx->scope, NULL, &r, &err) < 0) {
        gf_modres_fail(res, "the conditional check '%s' failed: %s", text.buf, err.msg);
        gf_error_clear(&err);
        gf_buf_release(&text);
        *ok = 0;
        return 0;
    }
    if (!r) {
        *ok = 0;
        res->failed = 1;
        gf_val_map_set(res->data, "assertion", gf_val_str(text.buf));
        gf_val_map_set(res->data, "evaluated_to", gf_val_bool(0));
        gf_val_map_set(res->data, "msg", fail_msg ? gf_val_ref((struct gf_val *)fail_msg)
                                                  : gf_val_str("Assertion failed"));
    }
    gf_buf_release(&text);
    return 0;
}

static int assert_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    const struct gf_val *that = gf_val_map_get(args, "that");
    const struct gf_val *fail_msg = gf_val_map_get(args, "fail_msg");
    const struct gf_val *success = gf_val_map_get(args, "success_msg");
    int ok = 1;

    if (that->type == GF_VAL_LIST) {
        for (size_t i = 0; i < that->u.list.n && ok; i++)
            one(ctx, that->u.list.v[i], res, fail_msg, &ok);
    } else {
        one(ctx, that, res, fail_msg, &ok);
    }
    if (ok)
        gf_val_map_set(res->data, "msg", success ? gf_val_ref((struct gf_val *)success)
                                                 : gf_val_str("All assertions passed"));
    return 0;
}

const struct gf_module gf_module_assert = {
    .name = "assert",
    .aliases = (const char *const[]){ "ansible.builtin.assert", NULL },
    .params = assert_params,
    .controller_only = 1,
    .supports_check = 1,
    .run = assert_run,
};

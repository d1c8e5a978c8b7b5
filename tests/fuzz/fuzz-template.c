/* fuzz-template.c - template compile and render, and expressions, with a
 * few variables of each type in scope (one of them unsafe). The first
 * byte chooses the entry point and flags; the rest is the template. */
#include "../../engine/template/template.h"
#include "fuzz.h"

static struct gf_val *vars;

static void make_vars(void)
{
    struct gf_val *l = gf_val_list();
    struct gf_val *m = gf_val_map();
    struct gf_val *u = gf_val_str("{{ secret }}");

    vars = gf_val_map();
    gf_val_list_push(l, gf_val_int(1));
    gf_val_list_push(l, gf_val_str("two"));
    gf_val_list_push(l, gf_val_float(3.5));
    gf_val_map_set(m, "k", gf_val_str("v"));
    gf_val_map_set(m, "n", gf_val_null());
    u->flags |= GF_VAL_UNSAFE;
    gf_val_map_set(vars, "l", l);
    gf_val_map_set(vars, "m", m);
    gf_val_map_set(vars, "s", gf_val_str("text"));
    gf_val_map_set(vars, "i", gf_val_int(42));
    gf_val_map_set(vars, "b", gf_val_bool(1));
    gf_val_map_set(vars, "lazy", gf_val_str("{{ s }}-{{ i }}"));
    gf_val_map_set(vars, "u", u);
    gf_val_map_set(vars, "secret", gf_val_str("not-for-nodes"));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct gf_tpl_scope scope;
    struct gf_tpl_opts opts = { 0, "fuzz.j2", 1, 1, NULL };
    struct gf_error err = GF_ERROR_INIT;
    struct gf_val *out = NULL;
    struct gf_buf b = GF_BUF_INIT;
    int cond;

    if (size < 1)
        return 0;
    if (vars == NULL)
        make_vars();
    gf_tpl_scope_map(&scope, vars, NULL);
    opts.flags = data[0] & (GF_TPL_FILE | GF_TPL_NO_CONVERT | GF_TPL_NO_TRIM | GF_TPL_LSTRIP);
    const char *src = (const char *)data + 1;
    size_t len = size - 1;
    switch (data[0] >> 6) {
    case 0:
        gf_tpl_render(src, len, &scope, &opts, &b, &err);
        break;
    case 1:
        gf_tpl_eval_value(src, len, &scope, &opts, &out, &err);
        break;
    case 2:
        gf_tpl_eval_expr(src, len, &scope, &opts, &out, &err);
        break;
    default:
        gf_tpl_eval_cond(src, len, &scope, &opts, &cond, &err);
        break;
    }
    gf_val_unref(out);
    gf_buf_release(&b);
    gf_error_clear(&err);
    return 0;
}

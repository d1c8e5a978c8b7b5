/* template.c - the `template` module: renders a controller-side Jinja2
 * template with the host's variables and writes it like `copy`. */
#include <stdlib.h>
#include <string.h>

#include "module.h"

static const struct gf_param template_params[] = {
    { "src", GF_P_CPATH, 1, NULL, NULL },
    { "dest", GF_P_PATH, 1, NULL, NULL },
    { "mode", GF_P_MODE, 0, NULL, NULL },
    { "owner", GF_P_STR, 0, NULL, NULL },
    { "group", GF_P_STR, 0, NULL, NULL },
    { "force", GF_P_BOOL, 0, NULL, NULL },
    { "backup", GF_P_BOOL, 0, NULL, NULL },
    { "validate", GF_P_STR, 0, NULL, NULL },
    { "trim_blocks", GF_P_BOOL, 0, NULL, NULL },
    { "lstrip_blocks", GF_P_BOOL, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

static int template_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    const char *src = gf_arg_str(args, "src", NULL);
    char *path = gf_mod_find_src(ctx, "templates", src);
    struct gf_buf text = GF_BUF_INIT, out = GF_BUF_INIT;
    struct gf_error err = GF_ERROR_INIT;
    int rc = 0;

    if (path == NULL) {
        gf_modres_fail(res, "could not find template '%s'", src);
        goto done;
    }
    if (gf_read_file(path, &text, 64u << 20, &err) < 0) {
        gf_modres_fail(res, "%s", err.msg);
        goto done;
    }
    struct gf_tpl_opts o = { .flags = GF_TPL_FILE, .file = path, .line = 1, .col = 1 };
    if (!gf_arg_bool(args, "trim_blocks", 1))
        o.flags |= GF_TPL_NO_TRIM;
    if (gf_arg_bool(args, "lstrip_blocks", 0))
        o.flags |= GF_TPL_LSTRIP;
    /* Ansible's template variables (ansible_managed, template_path, ...) win */
    struct gf_val *fvars = gf_tpl_file_vars(src, path, gf_arg_str(args, "dest", NULL));
    struct gf_tpl_scope top;
    gf_tpl_scope_map(&top, fvars, ctx->scope);
    rc = gf_tpl_render(text.buf, text.len, &top, &o, &out, &err);
    gf_val_unref(fvars);
    if (rc < 0) {
        rc = 0;
        struct gf_buf m = GF_BUF_INIT;
        gf_error_format(&err, &m);
        gf_modres_fail(res, "%s", m.buf);
        gf_buf_release(&m);
        goto done;
    }
    rc = gf_mod_put_file(ctx, gf_arg_str(args, "dest", NULL), NULL, out.buf, out.len, args, res);
    gf_val_map_set(res->data, "src", gf_val_str(path));
done:
    free(path);
    gf_error_clear(&err);
    gf_buf_release(&text);
    gf_buf_release(&out);
    return rc;
}

const struct gf_module gf_module_template = {
    .name = "template",
    .aliases = (const char *const[]){ "ansible.builtin.template", NULL },
    .params = template_params,
    .supports_check = 1,
    .run = template_run,
};

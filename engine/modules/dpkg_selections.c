/* dpkg_selections.c - the `dpkg_selections` module
 * (ansible.builtin.dpkg_selections): a package's dpkg selection (install,
 * hold, deinstall, purge), as Ansible sets it with dpkg --set-selections;
 * before/after in the result. */
#include <stdlib.h>
#include <string.h>

#include "nodesh.h"
#include "sysmod.h"

static const struct gf_param dpkg_selections_params[] = {
    { "name", GF_P_STR, 1, NULL, NULL },
    { "selection", GF_P_STR, 1, NULL, "install,hold,deinstall,purge" },
    { NULL, 0, 0, NULL, NULL },
};

static int dpkg_selections_run(struct gf_modctx *ctx, const struct gf_val *args,
                               struct gf_modres *res)
{
    const char *name = gf_arg_str(args, "name", "");
    const char *sel = gf_arg_str(args, "selection", "");
    struct gf_buf s = GF_BUF_INIT;
    struct gf_result r;
    int rc;

    gf_sh_assign(&s, "gf_name", name);
    gf_sh_assign(&s, "gf_selection", sel);
    gf_sh_assign(&s, "gf_check", ctx->check ? "1" : "0");
    gf_nodesh_add(&s, "lib");
    gf_nodesh_add(&s, "dpkg_selections");
    rc = gf_sys_run(ctx, s.buf, NULL, 0, &r, res, "dpkg_selections failed");
    if (rc == 0) {
        const char *e = gf_mod_tagged(r.out.buf, "GFRC ");
        const char *cur = gf_mod_tagged(r.out.buf, "GFCUR ");
        const char *ch = gf_mod_tagged(r.out.buf, "GFCHANGED ");
        if (cur) {
            gf_val_map_set(res->data, "before", gf_mod_line_val(cur));
            gf_val_map_set(res->data, "after", gf_val_str(sel));
            res->changed = ch && *ch == '1';
        }
        if (e) {
            const char *err = gf_mod_tagged(r.out.buf, "GFSTDERR\n");
            size_t n = err ? strlen(err) : 0;
            while (n > 0 && (err[n - 1] == '\n' || err[n - 1] == ' '))
                n--;
            gf_val_map_set(res->data, "rc", gf_val_int(atoi(e)));
            gf_val_map_set(res->data, "stderr", gf_val_str(err ? err : ""));
            gf_modres_fail(res, "%.*s", (int)n, err ? err : "");
        }
    }
    gf_result_release(&r);
    gf_buf_release(&s);
    return rc < 0 ? rc : 0;
}

const struct gf_module gf_module_dpkg_selections = {
    .name = "dpkg_selections",
    .aliases = (const char *const[]){ "ansible.builtin.dpkg_selections", NULL },
    .params = dpkg_selections_params,
    .supports_check = 1,
    .run = dpkg_selections_run,
};

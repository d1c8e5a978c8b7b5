/* group.c - the `group` module: a local group present (with gid) or absent,
 * through getent, groupadd, groupmod and groupdel in one script
 * (sh/group.sh). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "module.h"
#include "nodesh.h"
#include "sysmod.h"

static const struct gf_param group_params[] = {
    { "name", GF_P_STR, 1, NULL, NULL },
    { "state", GF_P_STR, 0, NULL, "present,absent" },
    { "gid", GF_P_INT, 0, NULL, NULL },
    { "system", GF_P_BOOL, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

static int group_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    const char *name = gf_arg_str(args, "name", NULL);
    const char *state = gf_arg_str(args, "state", "present");
    const struct gf_val *gid = gf_val_map_get(args, "gid");
    struct gf_buf script = GF_BUF_INIT;
    struct gf_result r;
    char num[32] = "";
    int rc;

    if (gid && gid->type == GF_VAL_INT)
        snprintf(num, sizeof(num), "%lld", gid->u.i);
    gf_sh_assign(&script, "gf_name", name);
    gf_sh_assign(&script, "gf_state", state);
    gf_sh_assign(&script, "gf_gid", num);
    gf_sh_assign(&script, "gf_system", gf_arg_bool(args, "system", 0) ? "1" : "0");
    gf_sh_assign(&script, "gf_check", ctx->check ? "1" : "0");
    gf_nodesh_add(&script, "lib");
    gf_nodesh_add(&script, "group"); /* "GF <changed> <gid>" */
    rc = gf_sys_run(ctx, script.buf, NULL, 0, &r, res, "group");
    if (rc == 0) {
        const char *ok = gf_mod_tagged(r.out.buf, "GF ");
        if (ok == NULL) {
            gf_modres_fail(res, "group: unexpected output from the node");
        } else {
            res->changed = ok[0] == '1';
            gf_val_map_set(res->data, "name", gf_val_str(name));
            gf_val_map_set(res->data, "state", gf_val_str(state));
            if (strcmp(state, "present") == 0) {
                gf_val_map_set(res->data, "system", gf_val_bool(gf_arg_bool(args, "system", 0)));
                if (ok[2] >= '0' && ok[2] <= '9')
                    gf_val_map_set(res->data, "gid", gf_val_int(atoll(ok + 2)));
                else if (gid)
                    gf_val_map_set(res->data, "gid", gf_val_ref((struct gf_val *)gid));
            }
        }
    }
    gf_result_release(&r);
    gf_buf_release(&script);
    return rc < 0 ? rc : 0;
}

const struct gf_module gf_module_group = {
    .name = "group",
    .aliases = (const char *const[]){ "ansible.builtin.group", NULL },
    .params = group_params,
    .supports_check = 1,
    .run = group_run,
};

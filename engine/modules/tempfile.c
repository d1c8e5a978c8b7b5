/* tempfile.c - the `tempfile` module (ansible.builtin.tempfile): a new
 * temporary file or directory on the node (sh/tempfile.sh), its path
 * returned with the attributes Ansible adds to a result with a path. As
 * in Ansible it always changes something, and check mode skips it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "module.h"
#include "nodesh.h"
#include "sysmod.h"

static const struct gf_param tempfile_params[] = {
    { "state", GF_P_STR, 0, NULL, "file,directory" },
    { "path", GF_P_PATH, 0, NULL, NULL },
    { "prefix", GF_P_STR, 0, NULL, NULL },
    { "suffix", GF_P_STR, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

static int tempfile_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    const char *state = gf_arg_str(args, "state", "file");
    struct gf_buf sc = GF_BUF_INIT;
    struct gf_result r;
    int rc;

    gf_sh_assign(&sc, "gf_state", state);
    gf_sh_assign(&sc, "gf_dir", gf_arg_str(args, "path", ""));
    gf_sh_assign(&sc, "gf_prefix", gf_arg_str(args, "prefix", "ansible."));
    gf_sh_assign(&sc, "gf_suffix", gf_arg_str(args, "suffix", ""));
    gf_nodesh_add(&sc, "lib");
    gf_nodesh_add(&sc, "tempfile");
    if ((rc = gf_sys_run(ctx, sc.buf, NULL, 0, &r, res, "tempfile failed")) != 0)
        goto out;
    const char *p = gf_mod_tagged(r.out.buf, "GFPATH ");
    const char *st = gf_mod_tagged(r.out.buf, "GFSTAT ");
    char uid[32], gid[32], owner[64], group[64], mode[16];
    unsigned long long size = 0;
    if (p == NULL || st == NULL ||
        sscanf(st, "%31[^|]|%31[^|]|%63[^|]|%63[^|]|%15[^|]|%llu", uid, gid, owner, group, mode,
               &size) != 6) {
        gf_modres_fail(res, "tempfile: unexpected answer from the node");
        goto out;
    }
    char omode[20];
    snprintf(omode, sizeof(omode), "%04o", (unsigned)strtoul(mode, NULL, 8));
    res->changed = 1;
    gf_val_map_set(res->data, "path", gf_mod_line_val(p));
    gf_val_map_set(res->data, "uid", gf_val_int(atoll(uid)));
    gf_val_map_set(res->data, "gid", gf_val_int(atoll(gid)));
    gf_val_map_set(res->data, "owner", gf_val_str(owner));
    gf_val_map_set(res->data, "group", gf_val_str(group));
    gf_val_map_set(res->data, "mode", gf_val_str(omode));
    gf_val_map_set(res->data, "state", gf_val_str(strcmp(state, "directory") ? "file"
                                                  : "directory"));
    gf_val_map_set(res->data, "size", gf_val_int((long long)size));
out:
    gf_result_release(&r);
    gf_buf_release(&sc);
    return rc < 0 ? rc : 0;
}

const struct gf_module gf_module_tempfile = {
    .name = "tempfile",
    .aliases = (const char *const[]){ "ansible.builtin.tempfile", "ansible.legacy.tempfile",
                                      NULL },
    .params = tempfile_params,
    .run = tempfile_run,
};

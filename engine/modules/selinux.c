/* selinux.c - the `selinux` module (ansible.posix.selinux). On a node
 * without SELinux (Debian and Ubuntu as installed) Ansible's module stops
 * at its first step: libselinux's Python binding is missing, and the task
 * fails. gpuforge fails there too, for the same reason (the node has no
 * libselinux tools), with a message that says so; a node whose tools are
 * there but whose configuration file is not fails as Ansible does. A node
 * that runs SELinux is not handled yet: the task fails naming that, so
 * that nothing is reported as done that was not. */
#include <string.h>

#include "nodesh.h"
#include "sysmod.h"

static const struct gf_param selinux_params[] = {
    { "policy", GF_P_STR, 0, NULL, NULL },
    { "state", GF_P_STR, 1, NULL, "enforcing,permissive,disabled" },
    { "configfile", GF_P_STR, 0, "conf,file", NULL },
    { "update_kernel_param", GF_P_BOOL, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

static int selinux_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    const char *conf = gf_arg_str(args, "configfile", "/etc/selinux/config");
    struct gf_buf s = GF_BUF_INIT;
    struct gf_result r;
    const char *t;
    int rc;

    gf_sh_assign(&s, "gf_configfile", conf);
    gf_nodesh_add(&s, "lib");
    gf_nodesh_add(&s, "selinux");
    rc = gf_sys_run(ctx, s.buf, NULL, 0, &r, res, "selinux failed");
    if (rc != 0)
        goto out;
    if (!((t = gf_mod_tagged(r.out.buf, "GFTOOLS ")) && *t == '1')) {
        gf_modres_fail(res, "SELinux is not installed on %s: no libselinux (the selinux-utils "
                       "tools); Ansible's selinux module fails here too, for want of "
                       "libselinux-python", ctx->host ? ctx->host : "the node");
        goto out;
    }
    if (!((t = gf_mod_tagged(r.out.buf, "GFCONFIG ")) && *t == '1')) {
        gf_modres_fail(res, "Unable to find file %s", conf);
        gf_val_map_set(res->data, "details", gf_val_str("Please install SELinux-policy package, "
                       "if this package is not installed previously."));
        goto out;
    }
    gf_modres_fail(res, "gpuforge does not implement the selinux module on a node that has "
                   "SELinux (%s exists)", conf);
out:
    gf_result_release(&r);
    gf_buf_release(&s);
    return rc < 0 ? rc : 0;
}

const struct gf_module gf_module_selinux = {
    .name = "selinux",
    .aliases = (const char *const[]){ "ansible.posix.selinux", NULL },
    .params = selinux_params,
    .supports_check = 1,
    .run = selinux_run,
};

/* apt_key.c - the `apt_key` module (ansible.builtin.apt_key) as far as
 * Ansible 2.14 goes on Debian 12 nodes as installed: its first step
 * requires both apt-key (deprecated, gone after Debian 12) and gpg (not in
 * a minimal install), and fails naming the one that is missing; gpuforge
 * fails the same way. Adding and removing keys through apt-key on a node
 * that has both is not implemented: the task fails saying so (use
 * deb822_repository's signed_by, or get_url into /etc/apt/keyrings, as
 * Ansible's documentation advises). */
#include <stdio.h>
#include <string.h>

#include "nodesh.h"
#include "sysmod.h"

static const struct gf_param apt_key_params[] = {
    { "id", GF_P_STR, 0, NULL, NULL },
    { "url", GF_P_STR, 0, NULL, NULL },
    { "data", GF_P_STR, 0, NULL, NULL },
    { "file", GF_P_PATH, 0, NULL, NULL },
    { "keyring", GF_P_PATH, 0, NULL, NULL },
    { "validate_certs", GF_P_BOOL, 0, NULL, NULL },
    { "keyserver", GF_P_STR, 0, NULL, NULL },
    { "state", GF_P_STR, 0, NULL, "absent,present" },
    { NULL, 0, 0, NULL, NULL },
};

static int apt_key_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    static const char *const excl[] = { "data", "file", "keyserver", "url", NULL };
    struct gf_buf s = GF_BUF_INIT, names = GF_BUF_INIT;
    struct gf_result r;
    const char *t;
    int n = 0, rc;

    for (size_t i = 0; excl[i]; i++)
        if (gf_arg_str(args, excl[i], NULL)) {
            gf_buf_addf(&names, "%s%s", n ? "|" : "", excl[i]);
            n++;
        }
    if (n > 1) {
        gf_modres_fail(res, "parameters are mutually exclusive: %s", names.buf);
        gf_buf_release(&names);
        return 0;
    }
    gf_buf_release(&names);
    gf_nodesh_add(&s, "lib");
    gf_nodesh_add(&s, "apt_key");
    rc = gf_sys_run(ctx, s.buf, NULL, 0, &r, res, "apt_key failed");
    if (rc == 0) {
        const char *path = gf_mod_tagged(r.out.buf, "GFPATH ");
        if ((t = gf_mod_tagged(r.out.buf, "GFMISSING ")))
            gf_modres_fail(res, "Failed to find required executable \"%.*s\" in paths: %.*s",
                           (int)strcspn(t, "\n"), t, path ? (int)strcspn(path, "\n") : 0,
                           path ? path : "");
        else
            gf_modres_fail(res, "gpuforge does not implement apt_key on a node with apt-key "
                           "and gpg (apt-key is deprecated: use deb822_repository signed_by, or "
                           "get_url into /etc/apt/keyrings)");
    }
    gf_result_release(&r);
    gf_buf_release(&s);
    return rc < 0 ? rc : 0;
}

const struct gf_module gf_module_apt_key = {
    .name = "apt_key",
    .aliases = (const char *const[]){ "ansible.builtin.apt_key", NULL },
    .params = apt_key_params,
    .supports_check = 1,
    .run = apt_key_run,
};

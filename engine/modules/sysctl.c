/* sysctl.c - the `sysctl` module (ansible.posix.sysctl): keeps one key in a
 * sysctl.conf-style file (edited on the controller, written atomically by
 * the file writer copy uses) and applies it with sysctl -p / sysctl -w. */
#include <stdlib.h>
#include <string.h>

#include "nodesh.h"
#include "sysmod.h"

static const struct gf_param sysctl_params[] = {
    { "name", GF_P_STR, 1, "key", NULL },
    { "value", GF_P_STR, 0, "val", NULL },
    { "state", GF_P_STR, 0, NULL, "present,absent" },
    { "reload", GF_P_BOOL, 0, NULL, NULL },
    { "sysctl_file", GF_P_PATH, 0, NULL, NULL },
    { "sysctl_set", GF_P_BOOL, 0, NULL, NULL },
    { "ignoreerrors", GF_P_BOOL, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

/* Writes text to the file through copy's atomic writer; 0 or fails res. */
static int write_conf(struct gf_modctx *ctx, const char *file, const struct gf_buf *text,
                      const struct gf_val *args, struct gf_modres *res)
{
    struct gf_modres w;
    int rc;

    gf_modres_init(&w);
    rc = gf_mod_put_file(ctx, file, NULL, text->buf, text->len, args, &w);
    if (w.failed) {
        const struct gf_val *m = gf_val_map_get(w.data, "msg");
        gf_modres_fail(res, "cannot write %s: %s", file, m ? m->u.str.s : "write failed");
    }
    gf_modres_release(&w);
    return rc < 0 ? rc : res->failed ? 1 : 0;
}

/* Runs the reload of the file or the setting of the live value. */
static int sysctl_apply(struct gf_modctx *ctx, const char *name, const char *value, const char *file,
                        int reload, int setp, const struct gf_val *args, struct gf_result *r,
                        struct gf_modres *res)
{
    struct gf_buf script = GF_BUF_INIT;

    gf_sh_assign(&script, "gf_name", name);
    gf_sh_assign(&script, "gf_value", value);
    gf_sh_assign(&script, "gf_file", file);
    gf_sh_assign(&script, "gf_reload", reload ? "1" : "0");
    gf_sh_assign(&script, "gf_setp", setp ? "1" : "0");
    gf_sh_assign(&script, "gf_e", gf_arg_bool(args, "ignoreerrors", 0) ? "-e" : "");
    gf_nodesh_add(&script, "lib");
    gf_nodesh_add(&script, "sysctl_apply");
    gf_result_release(r);
    int rc = gf_sys_run(ctx, script.buf, NULL, 0, r, res, "applying sysctl failed");
    gf_buf_release(&script);
    return rc;
}

static int sysctl_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    const char *name = gf_arg_str(args, "name", NULL);
    const char *file = gf_arg_str(args, "sysctl_file", "/etc/sysctl.conf");
    int absent = strcmp(gf_arg_str(args, "state", "present"), "absent") == 0;
    int set = gf_arg_bool(args, "sysctl_set", 0) && !absent;
    struct gf_buf value = GF_BUF_INIT, script = GF_BUF_INIT, text = GF_BUF_INIT;
    struct gf_buf edited = GF_BUF_INIT, diff = GF_BUF_INIT;
    const struct gf_val *v = gf_val_map_get(args, "value");
    struct gf_result r;
    int rc = 0;

    gf_result_init(&r, 0);
    if (v && v->type != GF_VAL_NULL)
        gf_sysctl_value(v, &value);
    if (!absent && value.len == 0) {
        gf_modres_fail(res, "state is present but all of the following are missing: value");
        goto out;
    }
    if (name[strcspn(name, "= \t\n")] != '\0' || name[0] == '-' || name[0] == '\0') {
        gf_modres_fail(res, "'%s' is not a sysctl key", name);
        goto out;
    }
    gf_sh_assign(&script, "gf_name", name);
    gf_sh_assign(&script, "gf_file", file);
    gf_sh_assign(&script, "gf_set", set ? "1" : "0");
    gf_nodesh_add(&script, "lib");
    /* GFV <live value> (with sysctl_set), the file as GFF plus its base64,
     * or GFN when there is no file */
    gf_nodesh_add(&script, "sysctl_read");
    gf_result_release(&r);
    if ((rc = gf_sys_run(ctx, script.buf, NULL, 0, &r, res, "reading sysctl state failed")))
        goto out;
    const char *f = gf_mod_tagged(r.out.buf, "GFF\n");
    if (f && gf_sys_b64_decode(f, &text) < 0) {
        gf_modres_fail(res, "cannot read %s: bad data from the host", file);
        goto out;
    }
    int fchanged = gf_sysctl_edit(text.buf, name, absent ? NULL : value.buf, &edited, &diff);
    const char *live = gf_mod_tagged(r.out.buf, "GFV ");
    struct gf_val *lv = live ? gf_mod_line_val(live) : NULL;
    int setp = set && (lv == NULL || !gf_sysctl_same(lv->u.str.s, value.buf));
    gf_val_unref(lv);
    res->changed = fchanged || setp;
    if (ctx->diff && fchanged)
        gf_buf_addf(&res->diff, "--- before: %s\n+++ after: %s\n%s", file, file, diff.buf);
    if (ctx->check || !res->changed)
        goto out;
    /* Ansible's order: the live value first (a key that cannot be set
     * leaves the file alone), then the file, then its reload. */
    if (setp && (rc = sysctl_apply(ctx, name, value.buf, file, 0, 1, args, &r, res)))
        goto failed;
    if (fchanged && (rc = write_conf(ctx, file, &edited, args, res)))
        goto out;
    if (gf_arg_bool(args, "reload", 1))
        rc = sysctl_apply(ctx, name, value.buf, file, 1, 0, args, &r, res);
failed:
    if (res->failed)
        res->changed = 0; /* Ansible's fail_json reports changed false */
out:
    gf_result_release(&r);
    gf_buf_release(&value);
    gf_buf_release(&script);
    gf_buf_release(&text);
    gf_buf_release(&edited);
    gf_buf_release(&diff);
    return rc < 0 ? rc : 0;
}

const struct gf_module gf_module_sysctl = {
    .name = "sysctl",
    .aliases = (const char *const[]){ "ansible.posix.sysctl", NULL },
    .params = sysctl_params,
    .supports_check = 1,
    .run = sysctl_run,
};

/* authorized_key.c - the `authorized_key` module (ansible.posix
 * .authorized_key): SSH keys in a user's authorized_keys on the node. The
 * file is found and prepared by sh/authorized_key.sh, read in one command,
 * edited on the controller (confedit.c) and written back atomically. */
#include <stdlib.h>
#include <string.h>

#include "confedit.h"
#include "nodefile.h"
#include "nodesh.h"
#include "sysmod.h"

static const struct gf_param authorized_key_params[] = {
    { "user", GF_P_STR, 1, NULL, NULL },
    { "key", GF_P_STR, 1, NULL, NULL },
    { "path", GF_P_PATH, 0, NULL, NULL },
    { "manage_dir", GF_P_BOOL, 0, NULL, NULL },
    { "state", GF_P_STR, 0, NULL, "absent,present" },
    { "key_options", GF_P_STR, 0, NULL, NULL },
    { "exclusive", GF_P_BOOL, 0, NULL, NULL },
    { "comment", GF_P_STR, 0, NULL, NULL },
    { "validate_certs", GF_P_BOOL, 0, NULL, NULL },
    { "follow", GF_P_BOOL, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

/* Runs sh/authorized_key.sh; returns 0 with *file (malloc'd) or as
 * gf_sys_run. */
static int keyfile(struct gf_modctx *ctx, const struct gf_val *args, int write, char **file,
                   struct gf_modres *res)
{
    struct gf_buf sc = GF_BUF_INIT;
    struct gf_result r;
    int rc;

    gf_sh_assign(&sc, "gf_user", gf_arg_str(args, "user", NULL));
    gf_sh_assign(&sc, "gf_path", gf_arg_str(args, "path", NULL));
    gf_sh_assign(&sc, "gf_manage_dir", gf_arg_bool(args, "manage_dir", 1) ? "1" : "0");
    gf_sh_assign(&sc, "gf_follow", gf_arg_bool(args, "follow", 0) ? "1" : "0");
    gf_sh_assign(&sc, "gf_write", write ? "1" : "0");
    gf_sh_assign(&sc, "gf_check", ctx->check ? "1" : "0");
    gf_nodesh_add(&sc, "lib");
    gf_nodesh_add(&sc, "authorized_key");
    rc = gf_sys_run(ctx, sc.buf, NULL, 0, &r, res, "finding the authorized_keys file failed");
    const char *f = rc == 0 ? gf_mod_tagged(r.out.buf, "GFFILE ") : NULL;
    if (rc == 0 && f == NULL)
        rc = (gf_modres_fail(res, "finding the authorized_keys file failed: no answer"), 1);
    if (f)
        *file = gf_xstrndup(f, strcspn(f, "\n"));
    gf_result_release(&r);
    gf_buf_release(&sc);
    return rc;
}

static int authorized_key_run(struct gf_modctx *ctx, const struct gf_val *args,
                              struct gf_modres *res)
{
    struct gf_authkey_opts o = {
        .key = gf_arg_str(args, "key", NULL),
        .key_options = gf_arg_str(args, "key_options", NULL),
        .comment = gf_arg_str(args, "comment", NULL),
        .absent = strcmp(gf_arg_str(args, "state", "present"), "absent") == 0,
        .exclusive = gf_arg_bool(args, "exclusive", 0),
    };
    struct gf_remote_file rf;
    struct gf_textedit te;
    char *file = NULL, *target = NULL;
    int rc;

    memset(&rf, 0, sizeof(rf));
    gf_textedit_init(&te);
    for (size_t i = 0; i < args->u.map.n; i++)
        gf_val_map_set(res->data, args->u.map.ents[i].key,
                       gf_val_ref(args->u.map.ents[i].val));
    if (strncmp(o.key, "http", 4) == 0) {
        rc = gf_modres_fail(res, "authorized_key: fetching the key from a URL (%s) is not "
                            "supported: give the key itself (%s:%d, host %s)", o.key,
                            ctx->file ? ctx->file : "?", ctx->line, ctx->host);
        goto out;
    }
    if ((rc = keyfile(ctx, args, 0, &file, res)) != 0)
        goto out;
    gf_val_map_set(res->data, "keyfile", gf_val_str(file));
    if ((rc = gf_mod_read_file(ctx, file, NULL, 16u << 20, &rf, res)) != 0)
        goto out;
    if (rf.kind == GF_RF_FILE && !rf.sent) {
        rc = gf_modres_fail(res, "%s is too large to edit in memory", file);
        goto out;
    }
    if (rf.kind == GF_RF_UNREADABLE) {
        rc = gf_modres_fail(res, "%s is not readable", file);
        goto out;
    }
    if (gf_authkey_edit(rf.content.buf, rf.content.len, &o, &te) < 0) {
        rc = gf_modres_fail(res, "%s", te.err.msg);
        goto out;
    }
    if (!te.changed)
        goto out;
    res->changed = 1;
    if (ctx->check) {
        target = gf_xstrdup(file);
    } else if ((rc = keyfile(ctx, args, 1, &target, res)) != 0) {
        goto out;
    }
    if (ctx->diff) {
        gf_buf_addf(&res->diff, "--- before: %s\n+++ after: %s\n", file, target);
        struct gf_buf d = GF_BUF_INIT;
        gf_text_udiff(rf.content.buf, rf.content.len, te.out.buf, te.out.len, "", &d);
        /* the headers differ when follow resolved a link: keep the hunks only */
        const char *h = strstr(d.buf ? d.buf : "", "+++ after\n");
        if (h)
            gf_buf_adds(&res->diff, h + strlen("+++ after\n"));
        gf_buf_release(&d);
    }
    if (!ctx->check) {
        struct gf_modres put;
        struct gf_val *none = gf_val_map();
        gf_modres_init(&put);
        rc = gf_mod_put_file(ctx, target, NULL, te.out.buf, te.out.len, none, &put);
        if (put.failed) {
            const struct gf_val *m = gf_val_map_get(put.data, "msg");
            res->changed = 0;
            gf_modres_fail(res, "Failed to write to file %s: %s", target,
                           m && m->type == GF_VAL_STR ? m->u.str.s : "write failed");
        }
        gf_modres_release(&put);
        gf_val_unref(none);
    }
out:
    if (rc > 0)
        rc = 0;
    free(file);
    free(target);
    gf_remote_file_release(&rf);
    gf_textedit_release(&te);
    return rc;
}

const struct gf_module gf_module_authorized_key = {
    .name = "authorized_key",
    .aliases = (const char *const[]){ "ansible.posix.authorized_key", NULL },
    .params = authorized_key_params,
    .supports_check = 1,
    .run = authorized_key_run,
};

/* pam_limits.c - the `pam_limits` module (community.general.pam_limits):
 * one limit line of limits.conf on the node, edited on the controller
 * (confedit.c) and written back atomically (nodefile.c). */
#include <stdlib.h>
#include <string.h>

#include "confedit.h"
#include "nodefile.h"

static const struct gf_param pam_limits_params[] = {
    { "domain", GF_P_STR, 1, NULL, NULL },
    { "limit_type", GF_P_STR, 1, NULL, "soft,hard,-" },
    { "limit_item", GF_P_STR, 1, NULL,
      "core,data,fsize,memlock,nofile,rss,stack,cpu,nproc,as,maxlogins,maxsyslogins,priority,"
      "locks,sigpending,msgqueue,nice,rtprio,chroot" },
    { "value", GF_P_STR, 1, NULL, NULL },
    { "use_max", GF_P_BOOL, 0, NULL, NULL },
    { "use_min", GF_P_BOOL, 0, NULL, NULL },
    { "backup", GF_P_BOOL, 0, NULL, NULL },
    { "dest", GF_P_STR, 0, NULL, NULL },
    { "comment", GF_P_STR, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

static int pam_edit(const char *text, size_t len, int exists, const void *opts,
                    struct gf_textedit *te)
{
    (void)exists;
    return gf_pam_limits_edit(text, len, opts, te);
}

static int pam_limits_run(struct gf_modctx *ctx, const struct gf_val *args,
                          struct gf_modres *res)
{
    struct gf_pam_limits_opts o = {
        .domain = gf_arg_str(args, "domain", NULL),
        .type = gf_arg_str(args, "limit_type", NULL),
        .item = gf_arg_str(args, "limit_item", NULL),
        .value = gf_arg_str(args, "value", NULL),
        .use_max = gf_arg_bool(args, "use_max", 0),
        .use_min = gf_arg_bool(args, "use_min", 0),
        .comment = gf_arg_str(args, "comment", ""),
        .dest = gf_arg_str(args, "dest", "/etc/security/limits.conf"),
    };
    struct gf_text_job job = {
        .path = o.dest,
        .create = 1,
        .backup_key = "backup_file",
        .edit = pam_edit,
        .opts = &o,
        .diff_header = "",
        .plain_msg = 1,
        .changed_if_created = 1,
    };
    char *bad, *no_dir, *dir = gf_xstrdup(o.dest), *slash = strrchr(dir, '/');
    int rc = 0;

    if (o.use_max && o.use_min) {
        gf_modres_fail(res, "Cannot use use_min and use_max at the same time.");
        goto out;
    }
    if ((bad = gf_pam_limits_bad_value(o.item, o.value, "")) != NULL) {
        gf_modres_fail(res, "%s", bad);
        free(bad);
        goto out;
    }
    if (slash)
        *slash = '\0';
    no_dir = gf_xasprintf("directory %s is not writable (check presence, access rights, use "
                          "sudo)", slash ? dir : "");
    job.no_dir = no_dir;
    rc = gf_mod_edit_text(ctx, args, &job, res);
    free(no_dir);
out:
    free(dir);
    return rc;
}

const struct gf_module gf_module_pam_limits = {
    .name = "pam_limits",
    .aliases = (const char *const[]){ "community.general.pam_limits",
                                      "community.general.system.pam_limits", NULL },
    .params = pam_limits_params,
    .supports_check = 1,
    .run = pam_limits_run,
};

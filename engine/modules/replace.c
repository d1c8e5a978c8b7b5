/* replace.c - the `replace` module: replaces every match of a Python
 * regular expression in a file of the node (optionally only between the
 * after and before patterns). The file is read in one command, edited on
 * the controller (textedit.c) and written back atomically only when it
 * changes (nodefile.c), after the validate command accepted it. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nodefile.h"

static const struct gf_param replace_params[] = {
    { "path", GF_P_PATH, 1, "dest,destfile,name", NULL },
    { "regexp", GF_P_STR, 1, NULL, NULL },
    { "replace", GF_P_STR, 0, NULL, NULL },
    { "after", GF_P_STR, 0, NULL, NULL },
    { "before", GF_P_STR, 0, NULL, NULL },
    { "backup", GF_P_BOOL, 0, NULL, NULL },
    { "validate", GF_P_STR, 0, NULL, NULL },
    { "encoding", GF_P_STR, 0, NULL, NULL },
    { "mode", GF_P_MODE, 0, NULL, NULL },
    { "owner", GF_P_STR, 0, NULL, NULL },
    { "group", GF_P_STR, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

static int replace_edit(const char *text, size_t len, int exists, const void *opts,
                        struct gf_textedit *te)
{
    (void)exists;
    return gf_replace_edit(text, len, opts, te);
}

static int replace_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    const char *enc = gf_arg_str(args, "encoding", "utf-8");
    struct gf_replace_opts o = {
        .regexp = gf_arg_str(args, "regexp", NULL),
        .replace = gf_arg_str(args, "replace", ""),
        .after = gf_arg_str(args, "after", NULL),
        .before = gf_arg_str(args, "before", NULL),
    };
    struct gf_text_job job = {
        .path = gf_arg_str(args, "path", NULL),
        .backup_key = "backup_file",
        .edit = replace_edit,
        .opts = &o,
    };

    if (strcasecmp(enc, "utf-8") && strcasecmp(enc, "utf8") && strcasecmp(enc, "ascii"))
        return gf_modres_fail(res, "replace: encoding '%s' is not supported (only utf-8)", enc);
    job.diff_header = job.path;
    if (o.after && !*o.after)
        o.after = NULL;
    if (o.before && !*o.before)
        o.before = NULL;
    char *no_file = gf_xasprintf("Path %s does not exist !", job.path);
    job.no_file = no_file;
    int rc = gf_mod_edit_text(ctx, args, &job, res);
    if (!res->failed)
        gf_val_map_set(res->data, "rc", gf_val_int(0));
    free(no_file);
    return rc;
}

const struct gf_module gf_module_replace = {
    .name = "replace",
    .aliases = (const char *const[]){ "ansible.builtin.replace", NULL },
    .params = replace_params,
    .supports_check = 1,
    .run = replace_run,
};

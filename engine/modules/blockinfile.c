/* blockinfile.c - the `blockinfile` module: a block of lines between two
 * marker lines, inserted, updated or removed. Read in one command, edited
 * on the controller (textedit.c), written back atomically on change. */
#include <stdlib.h>
#include <string.h>

#include "nodefile.h"

static const struct gf_param blockinfile_params[] = {
    GF_TEXT_FILE_PARAMS,
    { "block", GF_P_STR, 0, "content", NULL },
    { "marker", GF_P_STR, 0, NULL, NULL },
    { "marker_begin", GF_P_STR, 0, NULL, NULL },
    { "marker_end", GF_P_STR, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

static int blockinfile_run(struct gf_modctx *ctx, const struct gf_val *args,
                           struct gf_modres *res)
{
    struct gf_blockinfile_opts o = {
        .block = gf_arg_str(args, "block", NULL),
        .marker = gf_arg_str(args, "marker", NULL),
        .marker_begin = gf_arg_str(args, "marker_begin", NULL),
        .marker_end = gf_arg_str(args, "marker_end", NULL),
        .insertafter = gf_arg_str(args, "insertafter", NULL),
        .insertbefore = gf_arg_str(args, "insertbefore", NULL),
        .absent = strcmp(gf_arg_str(args, "state", "present"), "absent") == 0,
    };
    const char *path = gf_arg_str(args, "path", NULL);
    char *no_file = gf_xasprintf("Path %s does not exist !", path);
    char *gone = gf_xasprintf("File %s not present", path);
    struct gf_text_job job = {
        .path = path,
        .create = gf_arg_bool(args, "create", 0),
        .absent = o.absent,
        .no_file = no_file,
        .gone = gone,
        .backup_key = "backup_file",
        .block = &o,
    };
    int rc = 0;

    if (o.insertafter && o.insertbefore)
        gf_modres_fail(res, "parameters are mutually exclusive: insertbefore|insertafter");
    else
        rc = gf_mod_edit_text(ctx, args, &job, res);
    free(no_file);
    free(gone);
    return rc;
}

const struct gf_module gf_module_blockinfile = {
    .name = "blockinfile",
    .aliases = (const char *const[]){ "ansible.builtin.blockinfile", NULL },
    .params = blockinfile_params,
    .supports_check = 1,
    .run = blockinfile_run,
};

/* lineinfile.c - the `lineinfile` module: make sure one line is in a file
 * (or is not). The file is read in one command, edited on the controller
 * (textedit.c) and written back atomically only when it changes. */
#include <stdlib.h>
#include <string.h>

#include "nodefile.h"

static const struct gf_param lineinfile_params[] = {
    GF_TEXT_FILE_PARAMS,
    { "regexp", GF_P_STR, 0, "regex", NULL },
    { "search_string", GF_P_STR, 0, NULL, NULL },
    { "line", GF_P_STR, 0, "value", NULL },
    { "backrefs", GF_P_BOOL, 0, NULL, NULL },
    { "firstmatch", GF_P_BOOL, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

static int lineinfile_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    struct gf_lineinfile_opts o = {
        .regexp = gf_arg_str(args, "regexp", NULL),
        .search_string = gf_arg_str(args, "search_string", NULL),
        .line = gf_arg_str(args, "line", NULL),
        .insertafter = gf_arg_str(args, "insertafter", NULL),
        .insertbefore = gf_arg_str(args, "insertbefore", NULL),
        .absent = strcmp(gf_arg_str(args, "state", "present"), "absent") == 0,
        .backrefs = gf_arg_bool(args, "backrefs", 0),
        .firstmatch = gf_arg_bool(args, "firstmatch", 0),
    };
    struct gf_text_job job = {
        .path = gf_arg_str(args, "path", NULL),
        .create = gf_arg_bool(args, "create", 0),
        .absent = o.absent,
        .absent_first = 1,
        .gone = "file not present",
        .backup_key = "backup",
        .line = &o,
    };
    const char *bad = gf_lineinfile_invalid(&o);

    if (bad)
        return gf_modres_fail(res, "%s", bad);
    char *no_file = gf_xasprintf("Destination %s does not exist !", job.path);
    job.no_file = no_file;
    int rc = gf_mod_edit_text(ctx, args, &job, res);
    /* "backup" is "" unless one was made; a failure has none */
    if (!res->failed && !gf_val_map_get(res->data, "backup"))
        gf_val_map_set(res->data, "backup", gf_val_str(""));
    free(no_file);
    return rc;
}

const struct gf_module gf_module_lineinfile = {
    .name = "lineinfile",
    .aliases = (const char *const[]){ "ansible.builtin.lineinfile", NULL },
    .params = lineinfile_params,
    .supports_check = 1,
    .run = lineinfile_run,
};

/* ini_file.c - the `ini_file` module (community.general.ini_file): one
 * option of one section of an INI file on the node, edited on the
 * controller (confedit.c) and written back atomically (nodefile.c). */
#include <stdlib.h>
#include <string.h>

#include "confedit.h"
#include "nodefile.h"

static const struct gf_param ini_file_params[] = {
    { "path", GF_P_PATH, 1, "dest", NULL },
    { "section", GF_P_STR, 0, NULL, NULL },
    { "option", GF_P_STR, 0, NULL, NULL },
    { "value", GF_P_STR, 0, NULL, NULL },
    { "values", GF_P_LIST, 0, NULL, NULL },
    { "state", GF_P_STR, 0, NULL, "absent,present" },
    { "exclusive", GF_P_BOOL, 0, NULL, NULL },
    { "no_extra_spaces", GF_P_BOOL, 0, NULL, NULL },
    { "allow_no_value", GF_P_BOOL, 0, NULL, NULL },
    { "modify_inactive_option", GF_P_BOOL, 0, NULL, NULL },
    { "create", GF_P_BOOL, 0, NULL, NULL },
    { "backup", GF_P_BOOL, 0, NULL, NULL },
    { "mode", GF_P_MODE, 0, NULL, NULL },
    { "owner", GF_P_STR, 0, NULL, NULL },
    { "group", GF_P_STR, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

static int ini_edit(const char *text, size_t len, int exists, const void *opts,
                    struct gf_textedit *te)
{
    return gf_ini_edit(text, len, exists, opts, te);
}

static int ini_file_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    const struct gf_val *value = gf_val_map_get(args, "value");
    const struct gf_val *values = gf_val_map_get(args, "values");
    struct gf_ini_opts o = {
        .section = gf_arg_str(args, "section", NULL),
        .option = gf_arg_str(args, "option", NULL),
        .absent = strcmp(gf_arg_str(args, "state", "present"), "absent") == 0,
        .exclusive = gf_arg_bool(args, "exclusive", 1),
        .no_extra_spaces = gf_arg_bool(args, "no_extra_spaces", 0),
        .allow_no_value = gf_arg_bool(args, "allow_no_value", 0),
        .modify_inactive = gf_arg_bool(args, "modify_inactive_option", 1),
    };
    struct gf_text_job job = {
        .path = gf_arg_str(args, "path", NULL),
        .create = gf_arg_bool(args, "create", 1),
        .backup_key = "backup_file",
        .edit = ini_edit,
        .opts = &o,
        .plain_msg = 1,
    };
    char **vs = NULL;
    int nvals = values && values->type == GF_VAL_LIST ? (int)values->u.list.n : 0;

    if (value && value->type != GF_VAL_NULL && values && values->type != GF_VAL_NULL)
        return gf_modres_fail(res, "parameters are mutually exclusive: value|values");
    if (value && value->type == GF_VAL_NULL)
        value = NULL;
    if (!o.absent && !o.allow_no_value && value == NULL && nvals == 0)
        return gf_modres_fail(res, "Parameter 'value(s)' must be defined if state=present and "
                              "allow_no_value=False.");
    vs = gf_xcalloc((size_t)nvals + 2, sizeof(*vs));
    if (value) {
        vs[0] = gf_xstrdup(gf_arg_str(args, "value", NULL));
        o.nvalues = 1;
    }
    for (int i = 0; !value && i < nvals; i++) {
        const struct gf_val *v = values->u.list.v[i];
        struct gf_buf b = GF_BUF_INIT;
        if (v->type == GF_VAL_NULL)
            continue;
        gf_val_to_text(v, &b);
        vs[o.nvalues++] = gf_buf_detach(&b, NULL);
    }
    o.values = (const char *const *)vs;
    char *no_file = gf_xasprintf("Destination %s does not exist!", job.path);
    job.no_file = no_file;
    gf_val_map_set(res->data, "path", gf_val_str(job.path));
    int rc = gf_mod_edit_text(ctx, args, &job, res);
    free(no_file);
    for (size_t i = 0; i < o.nvalues; i++)
        free(vs[i]);
    free(vs);
    return rc;
}

const struct gf_module gf_module_ini_file = {
    .name = "ini_file",
    .aliases = (const char *const[]){ "community.general.ini_file",
                                      "community.general.files.ini_file", NULL },
    .params = ini_file_params,
    .supports_check = 1,
    .run = ini_file_run,
};

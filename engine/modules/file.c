/* file.c - the `file` module: directory, file, absent, link, hard, touch,
 * with mode/owner/group (recursively for directories on request) and
 * modification and access times (sh/file_times.sh); the check and the
 * change happen in one shell script on the node. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "module.h"
#include "nodesh.h"

static const struct gf_param file_params[] = {
    { "path", GF_P_PATH, 1, "dest,name", NULL },
    { "state", GF_P_STR, 0, NULL, "file,directory,absent,link,hard,touch" },
    { "src", GF_P_PATH, 0, NULL, NULL },
    { "mode", GF_P_MODE, 0, NULL, NULL },
    { "owner", GF_P_STR, 0, NULL, NULL },
    { "group", GF_P_STR, 0, NULL, NULL },
    { "recurse", GF_P_BOOL, 0, NULL, NULL },
    { "force", GF_P_BOOL, 0, NULL, NULL },
    { "follow", GF_P_BOOL, 0, NULL, NULL },
    { "modification_time", GF_P_STR, 0, NULL, NULL },
    { "modification_time_format", GF_P_STR, 0, NULL, NULL },
    { "access_time", GF_P_STR, 0, NULL, NULL },
    { "access_time_format", GF_P_STR, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

/* get_timestamp_for_time(): "" for preserve, "now", or the time as a
 * local "YYYY-MM-DD HH:MM:SS" for touch -d (the node's time zone, as
 * time.mktime() has it there). Returns 0, or -1 with res failed. */
static int timestamp(const char *t, const char *fmt, char *out, size_t n, struct gf_modres *res)
{
    struct tm tm;
    const char *end;

    if (strcmp(t, "preserve") == 0) {
        out[0] = '\0';
        return 0;
    }
    if (strcmp(t, "now") == 0) {
        snprintf(out, n, "now");
        return 0;
    }
    memset(&tm, 0, sizeof(tm));
    tm.tm_mday = 1;
    tm.tm_year = 1900 - 1900; /* Python's strptime defaults: 1900-01-01 00:00:00 */
    if ((end = strptime(t, fmt, &tm)) == NULL || *end) {
        gf_modres_fail(res, "Error while obtaining timestamp for time %s using format %s: time "
                       "data '%s' does not match format '%s'", t, fmt, t, fmt);
        return -1;
    }
    snprintf(out, n, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return 0;
}

static int file_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    struct gf_buf script = GF_BUF_INIT;
    struct gf_result r;
    const char *path = gf_arg_str(args, "path", NULL);
    const char *state = gf_arg_str(args, "state", NULL);
    int touch = state && strcmp(state, "touch") == 0;
    const char *mt = gf_arg_str(args, "modification_time", touch ? "now" : "preserve");
    const char *at = gf_arg_str(args, "access_time", touch ? "now" : "preserve");
    char mtime[64], atime[64];
    int rc = 0;

    if (timestamp(mt, gf_arg_str(args, "modification_time_format", "%Y%m%d%H%M.%S"), mtime,
                  sizeof(mtime), res) < 0 ||
        timestamp(at, gf_arg_str(args, "access_time_format", "%Y%m%d%H%M.%S"), atime,
                  sizeof(atime), res) < 0)
        return 0;

    gf_sh_assign(&script, "gf_path", path);
    gf_sh_assign(&script, "gf_state", gf_arg_str(args, "state", NULL));
    gf_sh_assign(&script, "gf_src", gf_arg_str(args, "src", NULL));
    gf_sh_assign(&script, "gf_mode", gf_arg_str(args, "mode", NULL));
    gf_sh_assign(&script, "gf_owner", gf_arg_str(args, "owner", NULL));
    gf_sh_assign(&script, "gf_group", gf_arg_str(args, "group", NULL));
    gf_sh_assign(&script, "gf_recurse", gf_arg_bool(args, "recurse", 0) ? "1" : "0");
    gf_sh_assign(&script, "gf_force", gf_arg_bool(args, "force", 0) ? "1" : "0");
    gf_sh_assign(&script, "gf_check", ctx->check ? "1" : "0");
    gf_sh_assign(&script, "gf_touch_now", touch && !strcmp(mt, "now") && !strcmp(at, "now")
                                          ? "1" : "0");
    gf_sh_assign(&script, "gf_mtime", touch && !strcmp(mt, "now") && !strcmp(at, "now")
                                      ? "" : mtime);
    gf_sh_assign(&script, "gf_atime", touch && !strcmp(mt, "now") && !strcmp(at, "now")
                                      ? "" : atime);
    gf_nodesh_add(&script, "file");
    gf_nodesh_add(&script, "file_times");
    gf_buf_adds(&script, "echo \"GF $ch $st\"\n");
    gf_result_init(&r, 65536);
    gf_mod_sh(ctx, script.buf, NULL, 0, &r);
    const char *out = r.out.buf;
    const char *e = strstr(out, "GFERR ");
    const char *ok = strstr(out, "GF ");
    if (r.status == GF_ST_UNREACHABLE) {
        gf_modres_fail(res, "%s", r.msg ? r.msg : "unreachable");
        rc = -GF_ECONNECT;
    } else if (e || ok == NULL || r.rc != 0) {
        if (e)
            gf_modres_fail(res, "%.*s", (int)strcspn(e + 6, "\n"), e + 6);
        else
            gf_modres_fail(res, "%s", r.err.len ? r.err.buf : "file operation failed");
    } else {
        res->changed = ok[3] == '1';
        gf_val_map_set(res->data, "path", gf_val_str(path));
        gf_val_map_set(res->data, "state", gf_val_strn(ok + 5, strcspn(ok + 5, "\n")));
    }
    gf_result_release(&r);
    gf_buf_release(&script);
    return rc;
}

const struct gf_module gf_module_file = {
    .name = "file",
    .aliases = (const char *const[]){ "ansible.builtin.file", NULL },
    .params = file_params,
    .supports_check = 1,
    .run = file_run,
};

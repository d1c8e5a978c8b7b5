/* stat.c - the `stat` module: facts about a path on the node (type, mode,
 * owner, size, mtime, SHA-1 checksum of regular files, link target,
 * lsattr's attributes through sh/stat_attrs.sh and file(1)'s mime type
 * through sh/stat_mime.sh). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "module.h"
#include "nodesh.h"

static const struct gf_param stat_params[] = {
    { "path", GF_P_PATH, 1, "dest,name", NULL },
    { "follow", GF_P_BOOL, 0, NULL, NULL },
    { "get_checksum", GF_P_BOOL, 0, NULL, NULL },
    { "checksum_algorithm", GF_P_STR, 0, "checksum,checksum_algo", "sha1,sha256" },
    { "get_attributes", GF_P_BOOL, 0, "attr,attributes", NULL },
    { "get_mime", GF_P_BOOL, 0, "mime,mime_type,mime-type", NULL },
    { NULL, 0, 0, NULL, NULL },
};

/* lsattr's flags as Ansible names them (module_utils FILE_ATTRIBUTES) */
static const char *const attr_names[][2] = {
    { "A", "noatime" }, { "a", "append" }, { "c", "compressed" }, { "C", "nocow" },
    { "d", "nodump" }, { "D", "dirsync" }, { "e", "extents" }, { "E", "encrypted" },
    { "h", "blocksize" }, { "i", "immutable" }, { "I", "indexed" }, { "j", "journalled" },
    { "N", "inline" }, { "s", "zero" }, { "S", "synchronous" }, { "t", "notail" },
    { "T", "blockroot" }, { "u", "undelete" }, { "X", "compressedraw" },
    { "Z", "compresseddirty" },
};

/* version, attr_flags and attributes from "VERSION FLAGS PATH" (lsattr
 * -vd), or their empty values when lsattr could not read them. */
static void set_attributes(struct gf_val *st, const char *line)
{
    char ver[64] = "", flags[64] = "", clean[64];
    struct gf_val *names = gf_val_list();
    size_t n = 0;

    if (line == NULL || sscanf(line, "%63s %63s", ver, flags) != 2) {
        gf_val_map_set(st, "version", gf_val_null());
        gf_val_map_set(st, "attributes", names);
        gf_val_map_set(st, "attr_flags", gf_val_str(""));
        return;
    }
    for (const char *f = flags; *f; f++)
        if (*f != '-')
            clean[n++] = *f;
    clean[n] = '\0';
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < GF_ARRAY_LEN(attr_names); j++)
            if (clean[i] == attr_names[j][0][0])
                gf_val_list_push(names, gf_val_str(attr_names[j][1]));
    gf_val_map_set(st, "version", gf_val_str(ver));
    gf_val_map_set(st, "attributes", names);
    gf_val_map_set(st, "attr_flags", gf_val_str(clean));
}

/* A copy of s[0..n) without Python's strip() whitespace at either end. */
static char *strip_dup(const char *s, size_t n)
{
    while (n && strchr(" \t\n\r\v\f", *s)) {
        s++;
        n--;
    }
    while (n && strchr(" \t\n\r\v\f", s[n - 1]))
        n--;
    return gf_xstrndup(s, n);
}

/* mimetype and charset from file(1)'s "PATH: TYPE; charset=CHARSET", taken
 * apart as Ansible does (after the last ':', exactly one ';', the charset
 * up to a second '='); "unknown" without file(1) or another answer. */
static void set_mime(struct gf_val *st, const char *line)
{
    const char *colon = line ? strrchr(line, ':') : NULL;
    const char *semi = colon ? strchr(colon, ';') : NULL;
    const char *eq = semi && !strchr(semi + 1, ';') ? strchr(semi, '=') : NULL;
    char *type = NULL, *charset = NULL;

    if (eq) {
        type = strip_dup(colon + 1, (size_t)(semi - colon - 1));
        charset = strip_dup(eq + 1, strcspn(eq + 1, "="));
    }
    gf_val_map_set(st, "mimetype", gf_val_str(type ? type : "unknown"));
    gf_val_map_set(st, "charset", gf_val_str(charset ? charset : "unknown"));
    free(type);
    free(charset);
}

static int stat_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    const char *path = gf_arg_str(args, "path", NULL);
    const char *algo = gf_arg_str(args, "checksum_algorithm", "sha1");
    int attrs = gf_arg_bool(args, "get_attributes", 1);
    int mime = gf_arg_bool(args, "get_mime", 1);
    char *attr_line = NULL, *mime_line = NULL;
    struct gf_buf cmd = GF_BUF_INIT;
    struct gf_result r;
    int rc = 0;

    char *tool = gf_arg_bool(args, "get_checksum", 1) ? gf_xasprintf("%ssum", algo) : NULL;
    gf_sh_assign(&cmd, "p", path);
    gf_sh_assign(&cmd, "gf_follow", gf_arg_bool(args, "follow", 0) ? "-L" : "");
    gf_sh_assign(&cmd, "gf_sum", tool);
    free(tool);
    gf_nodesh_add(&cmd, "stat");
    if (mime)
        gf_nodesh_add(&cmd, "stat_mime");
    if (attrs)
        gf_nodesh_add(&cmd, "stat_attrs");
    gf_result_init(&r, 65536);
    gf_mod_sh(ctx, cmd.buf, NULL, 0, &r);
    /* the attribute line comes last: take it off before the rest is read */
    char *al = r.out.buf ? strstr(r.out.buf, "GFATTR ") : NULL;
    if (al && (al == r.out.buf || al[-1] == '\n')) {
        attr_line = gf_xstrndup(al + 7, strcspn(al + 7, "\n"));
        *al = '\0';
        r.out.len = (size_t)(al - r.out.buf);
    }
    /* and the mime line before it */
    char *ml = r.out.buf ? strstr(r.out.buf, "GFMIME ") : NULL;
    if (ml && (ml == r.out.buf || ml[-1] == '\n')) {
        mime_line = gf_xstrndup(ml + 7, strcspn(ml + 7, "\n"));
        *ml = '\0';
        r.out.len = (size_t)(ml - r.out.buf);
    }
    struct gf_val *st = gf_val_map();
    if (r.status == GF_ST_UNREACHABLE) {
        gf_modres_fail(res, "%s", r.msg ? r.msg : "unreachable");
        rc = -GF_ECONNECT;
    } else if (r.rc != 0) {
        gf_modres_fail(res, "stat of '%s' failed: %s", path, r.err.buf);
    } else if (strncmp(r.out.buf, "GFABSENT", 8) == 0) {
        gf_val_map_set(st, "exists", gf_val_bool(0));
    } else {
        char *f[10] = { 0 }, *save = NULL;
        char *line = r.out.buf, *nl = strchr(line, '\n');
        char *sum = nl ? nl + 1 : NULL, *lnk = NULL;
        if (nl)
            *nl = '\0';
        if (sum && (nl = strchr(sum, '\n'))) {
            *nl = '\0';
            lnk = nl + 1;
            lnk[strcspn(lnk, "\n")] = '\0';
        }
        f[0] = strtok_r(line, "|", &save);
        for (int i = 1; i < 10 && f[i - 1]; i++)
            f[i] = strtok_r(NULL, "|", &save);
        if (f[9] == NULL) {
            gf_modres_fail(res, "unexpected stat output for '%s'", path);
        } else {
            char mode[16];
            snprintf(mode, sizeof(mode), "%04o", (unsigned)strtoul(f[1], NULL, 8));
            gf_val_map_set(st, "exists", gf_val_bool(1));
            gf_val_map_set(st, "path", gf_val_str(path));
            gf_val_map_set(st, "isdir", gf_val_bool(strcmp(f[0], "directory") == 0));
            gf_val_map_set(st, "isreg", gf_val_bool(strncmp(f[0], "regular", 7) == 0));
            gf_val_map_set(st, "islnk", gf_val_bool(strcmp(f[0], "symbolic link") == 0));
            gf_val_map_set(st, "mode", gf_val_str(mode));
            gf_val_map_set(st, "uid", gf_val_int(atoll(f[2])));
            gf_val_map_set(st, "gid", gf_val_int(atoll(f[3])));
            gf_val_map_set(st, "pw_name", gf_val_str(f[4]));
            gf_val_map_set(st, "gr_name", gf_val_str(f[5]));
            gf_val_map_set(st, "size", gf_val_int(atoll(f[6])));
            gf_val_map_set(st, "mtime", gf_val_float((double)atoll(f[7])));
            gf_val_map_set(st, "nlink", gf_val_int(atoll(f[8])));
            gf_val_map_set(st, "inode", gf_val_int(atoll(f[9])));
            if (sum && *sum)
                gf_val_map_set(st, "checksum", gf_val_str(sum));
            if (lnk && *lnk)
                gf_val_map_set(st, "lnk_source", gf_val_str(lnk));
            if (mime)
                set_mime(st, mime_line);
            if (attrs)
                set_attributes(st, attr_line);
        }
    }
    gf_val_map_set(res->data, "stat", st);
    free(attr_line);
    free(mime_line);
    gf_result_release(&r);
    gf_buf_release(&cmd);
    return rc;
}

const struct gf_module gf_module_stat = {
    .name = "stat",
    .aliases = (const char *const[]){ "ansible.builtin.stat", NULL },
    .params = stat_params,
    .supports_check = 1,
    .run = stat_run,
};

/*
 * unarchive.c - the `unarchive` module: unpacks an archive into an
 * existing directory on the node, which needs only GNU tar.
 *
 * A controller-side archive (the default) is read with libarchive, whatever
 * its format (tar with any compression, zip, 7z, cpio, ...), and re-streamed
 * as a pax tar, with owner, group and mode (octal) written into each header
 * when they are given; the node keeps the stream in a temporary file and
 * unpacks it with `tar -x -p` (modes as in the archive). With remote_src the
 * archive is a tar (any compression its tar reads) already on the node, and
 * owner, group and mode are applied to the listed members after unpacking.
 *
 * Idempotence, honestly by content: `creates` skips the task when that path
 * exists. Otherwise `tar --diff` compares the archive with the directory:
 * contents, sizes, types, symlink targets, modes, and owners when owner or
 * group is asked for (remote_src: checked with stat); modification times
 * are not compared, so an unchanged tree is "ok" whatever its mtimes. A
 * tar without --diff (busybox) makes every run "changed". In check mode the
 * comparison runs and nothing is unpacked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "module.h"
#include "nodesh.h"
#include "sysmod.h"
#include "unarchive-private.h"

static const struct gf_param unarchive_params[] = {
    { "src", GF_P_CPATH, 1, NULL, NULL },
    { "dest", GF_P_PATH, 1, NULL, NULL },
    { "remote_src", GF_P_BOOL, 0, NULL, NULL },
    { "creates", GF_P_PATH, 0, NULL, NULL },
    { "extra_opts", GF_P_LIST, 0, NULL, NULL },
    { "list_files", GF_P_BOOL, 0, NULL, NULL },
    { "mode", GF_P_MODE, 0, NULL, NULL },
    { "owner", GF_P_STR, 0, NULL, NULL },
    { "group", GF_P_STR, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

/* ---- pure parts ---- */

static int member_path_ok(const char *p)
{
    if (p[0] == '/')
        return 0;
    for (const char *s = p; *s;) {
        size_t len = strcspn(s, "/");
        if (len == 2 && s[0] == '.' && s[1] == '.')
            return 0;
        s += len + (s[len] == '/');
    }
    return 1;
}

static la_ssize_t buf_writer(struct archive *a, void *ctx, const void *data, size_t n)
{
    (void)a;
    gf_buf_add(ctx, data, n);
    return (la_ssize_t)n;
}

static int copy_member(struct archive *in, struct archive *out, struct archive_entry *e,
                       const struct gf_restream_opts *o, struct gf_error *err)
{
    const char *name = archive_entry_pathname(e);
    mode_t type = archive_entry_filetype(e);
    char buf[65536];
    la_ssize_t n;

    if (name == NULL || !member_path_ok(name))
        return gf_error_set(err, GF_EINVAL, NULL, 0, 0,
                            "archive member '%s' is absolute or leaves the destination",
                            name ? name : "");
    if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK)
        return gf_error_set(err, GF_EINVAL, NULL, 0, 0,
                            "archive member '%s' is a device, fifo or socket", name);
    if (o->owner)
        archive_entry_set_uname(e, o->owner);
    if (o->group)
        archive_entry_set_gname(e, o->group);
    if (o->mode >= 0 && type != AE_IFLNK)
        archive_entry_set_perm(e, (mode_t)o->mode);
    if (archive_write_header(out, e) != ARCHIVE_OK)
        return gf_error_set(err, GF_EIO, NULL, 0, 0, "cannot re-stream '%s': %s", name,
                            archive_error_string(out));
    while ((n = archive_read_data(in, buf, sizeof(buf))) > 0)
        if (archive_write_data(out, buf, (size_t)n) != n)
            return gf_error_set(err, GF_EIO, NULL, 0, 0, "cannot re-stream '%s': %s", name,
                                archive_error_string(out));
    if (n < 0)
        return gf_error_set(err, GF_EIO, NULL, 0, 0, "cannot read '%s' from the archive: %s",
                            name, archive_error_string(in));
    return 0;
}

int gf_unarchive_restream(const char *path, const struct gf_restream_opts *o, struct gf_buf *out,
                          struct gf_val *files, struct gf_error *err)
{
    struct archive *in = archive_read_new(), *wr = archive_write_new();
    struct archive_entry *e;
    int rc = 0, r;

    if (in == NULL || wr == NULL)
        gf_die("out of memory");
    archive_read_support_format_all(in);
    archive_read_support_filter_all(in);
    if (archive_read_open_filename(in, path, 65536) != ARCHIVE_OK) {
        rc = gf_error_set(err, GF_EIO, path, 0, 0, "cannot read the archive: %s",
                          archive_error_string(in));
        goto out;
    }
    if (archive_write_set_format_pax_restricted(wr) != ARCHIVE_OK ||
        archive_write_open(wr, out, NULL, buf_writer, NULL) != ARCHIVE_OK) {
        rc = gf_error_set(err, GF_EIO, path, 0, 0, "cannot start the tar stream: %s",
                          archive_error_string(wr));
        goto out;
    }
    while ((r = archive_read_next_header(in, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        if ((rc = copy_member(in, wr, e, o, err)) < 0)
            goto out;
        if (files)
            gf_val_list_push(files, gf_val_str(archive_entry_pathname(e)));
    }
    if (r != ARCHIVE_EOF) {
        rc = gf_error_set(err, GF_EIO, path, 0, 0, "cannot read the archive: %s",
                          archive_error_string(in));
        goto out;
    }
    if (archive_write_close(wr) != ARCHIVE_OK)
        rc = gf_error_set(err, GF_EIO, path, 0, 0, "cannot finish the tar stream: %s",
                          archive_error_string(wr));
out:
    if (rc < 0 && err->file == NULL)
        err->file = gf_xstrdup(path);
    archive_read_free(in);
    archive_write_free(wr);
    return rc;
}

int gf_tar_diff_changed(const char *out, int check_owner)
{
    static const char *const never[] = {
        ": Mod time differs", "tar: Exiting with failure status due to previous errors",
    };
    static const char *const owner[] = { ": Uid differs", ": Gid differs" };

    for (const char *p = out; p && *p;) {
        size_t len = strcspn(p, "\n");
        /* with --strip-components the stripped top directory is "" */
        int counts = len > 0 && strncmp(p, "tar: : ", 7) != 0;
        for (size_t i = 0; i < GF_ARRAY_LEN(never) && counts; i++) {
            size_t n = strlen(never[i]);
            counts = !(len >= n && strncmp(p + len - n, never[i], n) == 0);
        }
        for (size_t i = 0; i < GF_ARRAY_LEN(owner) && counts && !check_owner; i++) {
            size_t n = strlen(owner[i]);
            counts = !(len >= n && strncmp(p + len - n, owner[i], n) == 0);
        }
        if (counts)
            return 1;
        p = p[len] ? p + len + 1 : NULL;
    }
    return 0;
}

/* ---- the node side ---- */

/* Round 1 (sh/unarchive_diff.sh): keep the stream (or find the remote
 * archive), compare. Round 2 (sh/unarchive_extract.sh): unpack (gf_do=1)
 * and drop the kept stream. */

/* The extra options, quoted for `eval set --`; and --strip-components,
 * which `tar -t` does not apply, for the remote owner/mode loops. */
static void assign_extra(struct gf_buf *script, const struct gf_val *extra)
{
    struct gf_buf q = GF_BUF_INIT, one = GF_BUF_INIT;
    char strip[16] = "0";

    for (size_t i = 0; extra && extra->type == GF_VAL_LIST && i < extra->u.list.n; i++) {
        gf_buf_reset(&one);
        gf_val_to_text(extra->u.list.v[i], &one);
        if (gf_startswith(one.buf, "--strip-components=") || gf_startswith(one.buf, "--strip="))
            snprintf(strip, sizeof(strip), "%d", atoi(strchr(one.buf, '=') + 1));
        if (q.len)
            gf_buf_addc(&q, ' ');
        gf_sh_quote(&q, one.buf);
    }
    gf_sh_assign(script, "gf_extra", q.buf);
    gf_sh_assign(script, "gf_strip", strip);
    gf_buf_release(&q);
    gf_buf_release(&one);
}

static void assign_common(struct gf_buf *s, struct gf_modctx *ctx, const struct gf_val *args)
{
    gf_sh_assign(s, "gf_dest", gf_arg_str(args, "dest", NULL));
    gf_sh_assign(s, "gf_src", gf_arg_str(args, "src", NULL));
    gf_sh_assign(s, "gf_remote", gf_arg_bool(args, "remote_src", 0) ? "1" : "0");
    gf_sh_assign(s, "gf_owner", gf_arg_str(args, "owner", NULL));
    gf_sh_assign(s, "gf_group", gf_arg_str(args, "group", NULL));
    gf_sh_assign(s, "gf_mode", gf_arg_str(args, "mode", NULL));
    gf_sh_assign(s, "gf_check", ctx->check ? "1" : "0");
    assign_extra(s, gf_val_map_get(args, "extra_opts"));
}

/* `creates`: returns 1 (and fills res) when the task is to be skipped. As
 * Ansible's action plugin, a path that exists (tested literally: no
 * pattern) makes the task skipped, not ok. */
static int creates_exists(struct gf_modctx *ctx, const char *creates, struct gf_modres *res,
                          int *rc)
{
    struct gf_buf s = GF_BUF_INIT;
    struct gf_result r;
    int skip = 0;

    gf_sh_assign(&s, "c", creates);
    gf_buf_adds(&s, "if [ -e \"$c\" ]; then echo GFSKIP; fi\n");
    *rc = gf_sys_run(ctx, s.buf, NULL, 0, &r, res, "unarchive");
    if (*rc == 0 && gf_mod_tagged(r.out.buf, "GFSKIP")) {
        char *m = gf_xasprintf("skipped, since %s exists", creates);
        gf_val_map_set(res->data, "msg", gf_val_str_own(m, strlen(m)));
        res->skipped = 1;
        skip = 1;
    }
    gf_result_release(&r);
    gf_buf_release(&s);
    return skip || *rc != 0;
}

/* Lines between "tag\n" and the next line starting with end, as a list. */
static struct gf_val *lines_between(const char *out, const char *tag, const char *end)
{
    struct gf_val *l = gf_val_list();
    const char *p = gf_mod_tagged(out, tag);

    while (p && *p && strncmp(p, end, strlen(end)) != 0) {
        size_t n = strcspn(p, "\n");
        gf_val_list_push(l, gf_val_strn(p, n));
        p = p[n] ? p + n + 1 : NULL;
    }
    return l;
}

static int unarchive_extract(struct gf_modctx *ctx, const struct gf_val *args, const char *tmp,
                             int doit, struct gf_modres *res)
{
    struct gf_buf s = GF_BUF_INIT;
    struct gf_result r;
    int rc;

    assign_common(&s, ctx, args);
    gf_sh_assign(&s, "gf_archive", tmp ? tmp : gf_arg_str(args, "src", NULL));
    gf_sh_assign(&s, "gf_do", doit ? "1" : "0");
    gf_nodesh_add(&s, "unarchive_extract");
    rc = gf_sys_run(ctx, s.buf, NULL, 0, &r, res, "unarchive");
    if (rc == 0 && doit) {
        const char *o = gf_mod_tagged(r.out.buf, "GFOUT\n");
        const char *st = gf_mod_tagged(r.out.buf, "GFRC ");
        int trc = st ? atoi(st) : -1;
        struct gf_val *er = gf_val_map();
        gf_val_map_set(er, "cmd", gf_val_str("tar -x -p -f ARCHIVE -C DEST"));
        gf_val_map_set(er, "rc", gf_val_int(trc));
        gf_val_map_set(er, "out", o && st ? gf_val_strn(o, (size_t)(st - 5 - o)) : gf_val_str(""));
        gf_val_map_set(er, "err", gf_val_str(""));
        gf_val_map_set(res->data, "extract_results", er);
        if (trc != 0)
            gf_modres_fail(res, "failed to unpack into %s: %.*s", gf_arg_str(args, "dest", ""),
                           o && st ? (int)(st - 5 - o) : 0, o ? o : "");
    }
    gf_result_release(&r);
    gf_buf_release(&s);
    return rc < 0 ? rc : 0;
}

/* Reads the controller-side archive into a tar stream. Returns 0, or 1
 * with res failed. */
static int local_stream(struct gf_modctx *ctx, const struct gf_val *args, struct gf_buf *tar,
                        struct gf_val *files, struct gf_modres *res)
{
    const char *src = gf_arg_str(args, "src", NULL), *mode = gf_arg_str(args, "mode", NULL);
    struct gf_restream_opts o = { gf_arg_str(args, "owner", NULL), gf_arg_str(args, "group", NULL),
                                  -1 };
    struct gf_error err = GF_ERROR_INIT;
    char *path, *end = NULL;

    if (mode) {
        o.mode = (int)strtol(mode, &end, 8);
        if (*mode == '\0' || *end || o.mode < 0 || o.mode > 07777)
            return gf_modres_fail(res, "mode '%s': only octal modes are supported here", mode), 1;
    }
    if ((path = gf_mod_find_src(ctx, "files", src)) == NULL)
        return gf_modres_fail(res, "Could not find or access '%s' on the controller", src), 1;
    if (gf_unarchive_restream(path, &o, tar, files, &err) < 0) {
        struct gf_buf m = GF_BUF_INIT;
        gf_error_format(&err, &m);
        gf_modres_fail(res, "%s", m.buf);
        gf_buf_release(&m);
    }
    free(path);
    gf_error_clear(&err);
    return res->failed;
}

static int unarchive_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    const char *creates = gf_arg_str(args, "creates", NULL);
    int remote = gf_arg_bool(args, "remote_src", 0), rc = 0;
    struct gf_buf tar = GF_BUF_INIT, s = GF_BUF_INIT;
    struct gf_val *files = gf_val_list();
    struct gf_result r;
    char *tmp = NULL;

    gf_val_map_set(res->data, "dest", gf_val_str(gf_arg_str(args, "dest", "")));
    gf_val_map_set(res->data, "src", gf_val_str(gf_arg_str(args, "src", "")));
    if (creates && creates_exists(ctx, creates, res, &rc))
        goto out;
    if (!remote && local_stream(ctx, args, &tar, files, res))
        goto out;
    assign_common(&s, ctx, args);
    gf_nodesh_add(&s, "unarchive_diff");
    rc = gf_sys_run(ctx, s.buf, remote ? NULL : tar.buf, remote ? 0 : tar.len, &r, res,
                    "unarchive");
    const char *t = rc == 0 ? gf_mod_tagged(r.out.buf, "GFTMP ") : NULL;
    tmp = t ? gf_xstrndup(t, strcspn(t, "\n")) : NULL;
    if (rc == 0) {
        const char *d = gf_mod_tagged(r.out.buf, "GFDIFF\n");
        const char *st = gf_mod_tagged(r.out.buf, "GFRC ");
        char *diff = d && st ? gf_xstrndup(d, (size_t)(st - 5 - d)) : gf_xstrdup("?");
        int owner = (gf_arg_str(args, "owner", NULL) || gf_arg_str(args, "group", NULL)) && !remote;
        res->changed = (st && atoi(st) != 0 && gf_tar_diff_changed(diff, owner)) ||
                       gf_mod_tagged(r.out.buf, "GFATTR ") != NULL || d == NULL;
        free(diff);
        if (remote) {
            gf_val_unref(files);
            files = lines_between(r.out.buf, "GFLIST\n", "GFLISTEND");
        }
        /* round 2 unpacks, or only drops the kept stream */
        if (tmp || (remote && res->changed && !ctx->check))
            rc = unarchive_extract(ctx, args, tmp, res->changed && !ctx->check, res);
    }
    gf_result_release(&r);
out:
    if (gf_arg_bool(args, "list_files", 0) && !res->failed)
        gf_val_map_set(res->data, "files", files);
    else
        gf_val_unref(files);
    free(tmp);
    gf_buf_release(&tar);
    gf_buf_release(&s);
    return rc < 0 ? rc : 0;
}

const struct gf_module gf_module_unarchive = {
    .name = "unarchive",
    .aliases = (const char *const[]){ "ansible.builtin.unarchive", NULL },
    .params = unarchive_params,
    .supports_check = 1,
    .run = unarchive_run,
};

/* copy.c - the `copy` module (content, a controller file, or with
 * remote_src a file of the node to the node) and the atomic,
 * checksum-idempotent file writer it shares with `template`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "module.h"
#include "nodefile.h"
#include "nodesh.h"
#include "sysmod.h"

static const struct gf_param copy_params[] = {
    { "src", GF_P_CPATH, 0, NULL, NULL },
    { "content", GF_P_RAW, 0, NULL, NULL },
    { "dest", GF_P_PATH, 1, NULL, NULL },
    { "mode", GF_P_MODE, 0, NULL, NULL },
    { "owner", GF_P_STR, 0, NULL, NULL },
    { "group", GF_P_STR, 0, NULL, NULL },
    { "force", GF_P_BOOL, 0, "thirsty", NULL },
    { "backup", GF_P_BOOL, 0, NULL, NULL },
    { "validate", GF_P_STR, 0, NULL, NULL },
    { "remote_src", GF_P_BOOL, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

/* Bigger payloads are probed first so a converged file is not re-sent. */
#define REMOTE_MAX (64u << 20)  /* remote_src files are read into memory */
#define INLINE_MAX 65536
/* Content up to this size with no NUL byte is compared on the node as text. */
#define TEXT_MAX 1024

static void hex_digest(const EVP_MD *md, const char *data, size_t len, char *out)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    EVP_Digest(data, len, d, &n, md, NULL);
    for (unsigned int i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", d[i]);
}

/* The value of the base64 line "TAG <base64>" of out, decoded. */
static struct gf_val *b64_line(const char *out, const char *tag)
{
    const char *p = gf_mod_tagged(out, tag);
    struct gf_buf line = GF_BUF_INIT, dec = GF_BUF_INIT;

    if (p)
        gf_buf_add(&line, p, strcspn(p, "\n"));
    if (line.len && gf_sys_b64_decode(line.buf, &dec) < 0)
        gf_buf_reset(&dec);
    struct gf_val *v = gf_val_strn(dec.buf ? dec.buf : "", dec.len);
    gf_buf_release(&line);
    gf_buf_release(&dec);
    return v;
}

/* Python's str.splitlines() of s, as the *_lines keys hold it. */
static struct gf_val *split_lines(const struct gf_val *s)
{
    struct gf_val *l = gf_val_list();

    for (const char *p = s->u.str.s; *p;) {
        size_t n = strcspn(p, "\r\n");
        gf_val_list_push(l, gf_val_strn(p, n));
        p += n;
        p += *p == '\r' && p[1] == '\n' ? 2 : *p ? 1 : 0;
    }
    return l;
}

/* copy's result when the validate command refused the new content. */
static void validate_failed(const struct gf_result *r, struct gf_modres *res)
{
    struct gf_val *out = b64_line(r->out.buf, "GFVALOUT ");
    struct gf_val *err = b64_line(r->out.buf, "GFVALERR ");

    res->failed = 1;
    gf_val_map_set(res->data, "msg", gf_val_str("failed to validate"));
    gf_val_map_set(res->data, "exit_status",
                   gf_val_int(atoll(gf_mod_tagged(r->out.buf, "GFVALFAIL "))));
    gf_val_map_set(res->data, "stdout_lines", split_lines(out));
    gf_val_map_set(res->data, "stderr_lines", split_lines(err));
    gf_val_map_set(res->data, "stdout", out);
    gf_val_map_set(res->data, "stderr", err);
}

int gf_mod_put_file(struct gf_modctx *ctx, const char *dest, const char *basename,
                    const char *data, size_t len, const struct gf_val *args,
                    struct gf_modres *res)
{
    char sum[EVP_MAX_MD_SIZE * 2 + 1], sha1[EVP_MAX_MD_SIZE * 2 + 1];
    struct gf_buf script = GF_BUF_INIT;
    struct gf_result r;
    int rc = 0, probe = len > INLINE_MAX;

    const char *validate = gf_arg_str(args, "validate", NULL);

    hex_digest(EVP_sha256(), data, len, sum);
    hex_digest(EVP_sha1(), data, len, sha1);
    if (validate && !strstr(validate, "%s")) {
        gf_val_map_set(res->data, "checksum", gf_val_str(sha1));
        return gf_modres_fail(res, "validate must contain %%s: %s", validate);
    }
    for (int pass = 0; pass < 2; pass++) {
        gf_buf_reset(&script);
        gf_sh_assign(&script, "gf_dest", dest);
        gf_sh_assign(&script, "gf_base", basename);
        gf_sh_assign(&script, "gf_sum", sum);
        gf_sh_assign(&script, "gf_mode", gf_arg_str(args, "mode", NULL));
        gf_sh_assign(&script, "gf_owner", gf_arg_str(args, "owner", NULL));
        gf_sh_assign(&script, "gf_group", gf_arg_str(args, "group", NULL));
        gf_sh_assign(&script, "gf_force", gf_arg_bool(args, "force", 1) ? "1" : "0");
        gf_sh_assign(&script, "gf_backup", gf_arg_bool(args, "backup", 0) ? "1" : "0");
        gf_sh_assign(&script, "gf_check", ctx->check ? "1" : "0");
        gf_sh_assign(&script, "gf_probe", probe ? "1" : "0");
        gf_sh_assign(&script, "gf_validate", validate);
        /* short text: compared and written by the node's shell (copy_put.sh) */
        int text = !probe && len <= TEXT_MAX && memchr(data, '\0', len) == NULL;
        char size[32];
        snprintf(size, sizeof(size), "%zu", len);
        gf_sh_assign(&script, "gf_text", text ? "1" : "0");
        gf_sh_assign(&script, "gf_size", size);
        if (validate)
            gf_nodesh_add(&script, "validate");
        gf_nodesh_add(&script, "tmpfile");
        /* prints "GF <changed> <path>", "GFNEED" (probe) or "GFERR text" */
        gf_nodesh_add(&script, "copy_put");
        gf_result_init(&r, 65536);
        gf_mod_sh(ctx, script.buf, probe ? NULL : data, probe ? 0 : len, &r);
        if (r.status == GF_ST_UNREACHABLE) {
            gf_modres_fail(res, "%s", r.msg ? r.msg : "unreachable");
            rc = -GF_ECONNECT;
            break;
        }
        if (probe && gf_mod_tagged(r.out.buf, "GFNEED")) {
            probe = 0;
            gf_result_release(&r);
            continue;
        }
        if (gf_mod_tagged(r.out.buf, "GFVALFAIL ")) {
            gf_val_map_set(res->data, "checksum", gf_val_str(sha1));
            validate_failed(&r, res);
            break;
        }
        const char *e = gf_mod_tagged(r.out.buf, "GFERR ");
        const char *ok = gf_mod_tagged(r.out.buf, "GF ");
        if (e || ok == NULL || r.rc != 0) {
            res->failed = 1;
            gf_val_map_set(res->data, "msg", e ? gf_mod_line_val(e)
                           : gf_val_str(r.msg ? r.msg : r.err.len ? r.err.buf : "write failed"));
            break;
        }
        res->changed = ok[0] == '1';
        gf_val_map_set(res->data, "dest", gf_mod_line_val(ok + 2));
        gf_val_map_set(res->data, "checksum", gf_val_str(sha1));
        gf_val_map_set(res->data, "size", gf_val_int((long long)len));
        const char *bk = gf_mod_tagged(r.out.buf, "GFBACKUP ");
        if (bk)
            gf_val_map_set(res->data, "backup_file", gf_mod_line_val(bk));
        break;
    }
    gf_result_release(&r);
    gf_buf_release(&script);
    return rc;
}

/* remote_src: src is a file of the node. It is read and written through
 * the same writer (check and diff mode, attributes, backup, validate),
 * then takes src's times (sh/copy_times.sh); mode=preserve takes src's
 * mode as Ansible does on the node. */
static int copy_remote(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    const char *src = gf_arg_str(args, "src", NULL), *dest = gf_arg_str(args, "dest", NULL);
    const char *mode = gf_arg_str(args, "mode", NULL);
    struct gf_remote_file rf;
    struct gf_val *a = NULL;
    int rc;

    if (src == NULL)
        return gf_modres_fail(res, "src is required with remote_src");
    if ((rc = gf_mod_read_file(ctx, src, NULL, REMOTE_MAX, &rf, res)) != 0)
        goto out;
    if (rf.kind == GF_RF_NONE) {
        gf_modres_fail(res, "Source %s not found", src);
    } else if (rf.kind == GF_RF_UNREADABLE) {
        gf_modres_fail(res, "Source %s not readable", src);
    } else if (rf.kind == GF_RF_DIR) {
        gf_modres_fail(res, "copy: remote_src of a directory ('%s') is not supported yet "
                       "(%s:%d, host %s)", src, ctx->file ? ctx->file : "?", ctx->line,
                       ctx->host);
    } else if (!rf.sent) {
        gf_modres_fail(res, "copy: remote_src '%s' is larger than %u MiB (%s:%d, host %s)", src,
                       REMOTE_MAX >> 20, ctx->file ? ctx->file : "?", ctx->line, ctx->host);
    } else {
        if (mode && strcmp(mode, "preserve") == 0) {
            char m[16];
            snprintf(m, sizeof(m), "0%s", rf.mode);
            a = gf_val_map_merge(args, NULL);
            gf_val_map_set(a, "mode", gf_val_str(m));
            args = a;
        }
        const char *base = strrchr(src, '/');
        rc = gf_mod_put_file(ctx, dest, base ? base + 1 : src, rf.content.buf, rf.content.len,
                             args, res);
        const struct gf_val *d = gf_val_map_get(res->data, "dest");
        if (rc == 0 && res->changed && !res->failed && !ctx->check && d) {
            struct gf_buf sc = GF_BUF_INIT;
            struct gf_result r;
            gf_sh_assign(&sc, "gf_src", rf.path);
            gf_sh_assign(&sc, "gf_dest", d->u.str.s);
            gf_nodesh_add(&sc, "lib");
            gf_nodesh_add(&sc, "copy_times");
            rc = gf_sys_run(ctx, sc.buf, NULL, 0, &r, res, "copying the times failed");
            gf_result_release(&r);
            gf_buf_release(&sc);
        }
        gf_val_map_set(res->data, "src", gf_val_str(src));
    }
out:
    gf_val_unref(a);
    gf_remote_file_release(&rf);
    return rc > 0 ? 0 : rc;
}

static int copy_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    const char *src = gf_arg_str(args, "src", NULL);
    const struct gf_val *content = gf_val_map_get(args, "content");
    const char *dest = gf_arg_str(args, "dest", NULL);
    struct gf_buf data = GF_BUF_INIT;
    struct gf_error err = GF_ERROR_INIT;
    int rc = 0;

    if (gf_arg_bool(args, "remote_src", 0) && content == NULL)
        return copy_remote(ctx, args, res);
    if ((src == NULL) == (content == NULL))
        return gf_modres_fail(res, "give exactly one of 'src' and 'content'");
    if (content) {
        if (content->type == GF_VAL_MAP || content->type == GF_VAL_LIST)
            gf_json_dump(content, -1, 0, &data); /* Ansible writes JSON for data content */
        else
            gf_val_to_text(content, &data);
        rc = gf_mod_put_file(ctx, dest, NULL, data.buf, data.len, args, res);
    } else {
        char *path = gf_mod_find_src(ctx, "files", src);
        if (path == NULL) {
            gf_modres_fail(res, "could not find src '%s'", src);
        } else if (gf_is_dir(path)) {
            gf_modres_fail(res, "src '%s' is a directory: directory copies are not supported "
                           "yet (use a bundle or unarchive)", src);
        } else if (gf_read_file(path, &data, 0, &err) < 0) {
            gf_modres_fail(res, "%s", err.msg);
        } else {
            const char *base = strrchr(path, '/');
            base = base ? base + 1 : path;
            rc = gf_mod_put_file(ctx, dest, base, data.buf, data.len, args, res);
            gf_val_map_set(res->data, "src", gf_val_str(path));
        }
        free(path);
    }
    gf_error_clear(&err);
    gf_buf_release(&data);
    return rc;
}

const struct gf_module gf_module_copy = {
    .name = "copy",
    .aliases = (const char *const[]){ "ansible.builtin.copy", NULL },
    .params = copy_params,
    .supports_check = 1,
    .run = copy_run,
};

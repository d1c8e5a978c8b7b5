/* fetch.c - the `fetch` module: a file of the node copied to the
 * controller, by default to DEST/<inventory_hostname>/<src path>. One
 * command (nodefile.c) reports the SHA-1 and sends the content only when it
 * differs from the controller's copy, which is replaced atomically. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "nodefile.h"

static const struct gf_param fetch_params[] = {
    { "src", GF_P_PATH, 1, NULL, NULL },
    { "dest", GF_P_CPATH, 1, NULL, NULL },
    { "flat", GF_P_BOOL, 0, NULL, NULL },
    { "fail_on_missing", GF_P_BOOL, 0, "fail_when_missing", NULL },
    { "validate_checksum", GF_P_BOOL, 0, "validate_md5", NULL },
    { "mode", GF_P_MODE, 0, NULL, NULL }, /* gpuforge: the local copy's mode (secrets: "0600") */
    { NULL, 0, 0, NULL, NULL },
};

/* Files bigger than this are not held in memory. */
#define FETCH_MAX (256u << 20)

/* Hex digest of data into out (2 * EVP_MAX_MD_SIZE + 1 bytes); "" when the
 * digest is unavailable (md5 under FIPS). */
static void digest_hex(const char *name, const void *data, size_t len, char *out)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_MD *alg = EVP_MD_fetch(NULL, name, NULL);

    out[0] = '\0';
    if (alg && EVP_Digest(data, len, md, &n, alg, NULL)) {
        for (unsigned int i = 0; i < n; i++) {
            out[2 * i] = hex[md[i] >> 4];
            out[2 * i + 1] = hex[md[i] & 15];
        }
        out[2 * n] = '\0';
    }
    EVP_MD_free(alg);
}

/* path with "." and empty parts dropped; NULL when a ".." part would
 * climb out of the destination directory. Caller frees. */
static char *clean_rel(const char *path)
{
    struct gf_buf b = GF_BUF_INIT;

    for (const char *p = path; *p;) {
        size_t n = strcspn(p, "/");
        if (n == 2 && strncmp(p, "..", 2) == 0) {
            gf_buf_release(&b);
            return NULL;
        }
        if (n && !(n == 1 && *p == '.'))
            gf_buf_addf(&b, "%s%.*s", b.len ? "/" : "", (int)n, p);
        p += n + (p[n] == '/');
    }
    return gf_buf_detach(&b, NULL);
}

/* Where the file goes on the controller, or NULL with res failed. rpath
 * is the node's path of the file. */
static char *local_dest(const struct gf_modctx *ctx, const struct gf_val *args,
                        const char *rpath, struct gf_modres *res)
{
    const char *dest = gf_arg_str(args, "dest", NULL), *base = NULL;
    char *out, *rel;

    /* relative destinations are relative to the playbook's directory */
    for (size_t i = 0; i < GF_ARRAY_LEN(ctx->search_dirs) && ctx->search_dirs[i]; i++)
        base = ctx->search_dirs[i];
    if (gf_arg_bool(args, "flat", 0)) {
        size_t n = strlen(dest);
        if (n && dest[n - 1] != '/' && gf_is_dir(dest)) {
            gf_modres_fail(res, "dest is an existing directory, use a trailing slash if you "
                           "want to fetch src into that directory");
            return NULL;
        }
        const char *file = strrchr(rpath, '/');
        out = n && dest[n - 1] == '/' ? gf_xasprintf("%s%s", dest, file ? file + 1 : rpath)
                                      : gf_xstrdup(dest);
    } else if ((rel = clean_rel(rpath)) == NULL || strchr(ctx->host, '/')) {
        free(rel);
        gf_modres_fail(res, "Detected directory traversal, expected to be contained in '%s' "
                       "but got '%s'", dest, rpath);
        return NULL;
    } else {
        size_t n = strlen(dest);
        while (n > 1 && dest[n - 1] == '/')
            n--;
        out = gf_xasprintf("%.*s/%s/%s", (int)n, dest, ctx->host, rel);
        free(rel);
    }
    if (out[0] != '/' && base) {
        char *abs = gf_xasprintf("%s/%s", base, out);
        free(out);
        out = abs;
    }
    return out;
}

/* mkdir -p of path's directory. Returns 0 or -1 with errno. */
static int make_dirs(const char *path)
{
    char *d = gf_xstrdup(path), *slash = strrchr(d, '/');
    int rc = 0;

    if (slash && slash != d) {
        *slash = '\0';
        for (char *p = d + 1; rc == 0; p++) {
            char c = *p;
            if (c != '/' && c != '\0')
                continue;
            *p = '\0';
            if (mkdir(d, 0777) < 0 && errno != EEXIST)
                rc = -1;
            else if (!gf_is_dir(d))
                rc = -1, errno = ENOTDIR;
            *p = c;
            if (c == '\0')
                break;
        }
    }
    free(d);
    return rc;
}

/* The process umask, read without changing it (umask() would race with
 * other hosts' threads). */
static mode_t current_umask(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    unsigned m = 022;

    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "Umask: %o", &m) == 1)
            break;
    if (f)
        fclose(f);
    return (mode_t)m;
}

/* The mode parameter as a number (octal text), or -1 when absent or not
 * octal (symbolic modes are not taken here). */
static int local_mode(const struct gf_val *args)
{
    const char *m = gf_arg_str(args, "mode", NULL);
    char *end;
    long v;

    if (m == NULL || *m == '\0')
        return -1;
    v = strtol(m, &end, 8);
    return *end || v < 0 || v > 07777 ? -1 : (int)v;
}

/* Replaces path with data atomically: a temporary file beside it, synced,
 * renamed over it, with mode (or, when mode < 0, the mode of a file it
 * replaces). Returns 0 or -1 with a message in err. */
int gf_mod_write_local(const char *path, const char *data, size_t len, int mode,
                       struct gf_buf *err)
{
    char *tmp = gf_xasprintf("%s.gf-tmp-XXXXXX", path);
    struct stat st;
    int fd = -1, rc = -1;
    size_t off = 0;

    if (make_dirs(path) < 0) {
        gf_buf_addf(err, "cannot create the directory of %s: %s", path, strerror(errno));
        goto out;
    }
    if ((fd = mkstemp(tmp)) < 0) {
        gf_buf_addf(err, "cannot create a file beside %s: %s", path, strerror(errno));
        goto out;
    }
    fchmod(fd, mode >= 0 ? (mode_t)mode
                         : stat(path, &st) == 0 ? st.st_mode & 07777 : 0666 & ~current_umask());
    while (off < len) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    if (off < len || fsync(fd) < 0 || close(fd) < 0 || (fd = -1, rename(tmp, path) < 0)) {
        gf_buf_addf(err, "cannot write %s: %s", path, strerror(errno));
        goto out;
    }
    fd = -1;
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    if (rc < 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

/* The SHA-1 and MD5 of the controller's file at path; "" when absent. */
static void local_sums(const char *path, char *sha1, char *md5)
{
    struct gf_buf b = GF_BUF_INIT;
    struct gf_error err = GF_ERROR_INIT;

    sha1[0] = md5[0] = '\0';
    if (path && gf_is_file(path) && gf_read_file(path, &b, 0, &err) == 0) {
        digest_hex("SHA1", b.buf, b.len, sha1);
        digest_hex("MD5", b.buf, b.len, md5);
    }
    gf_error_clear(&err);
    gf_buf_release(&b);
}

/* A missing, unreadable or directory source: a failure only with
 * fail_on_missing, else a note. */
static int fetch_missing(const struct gf_val *args, const char *src, const char *msg,
                         const char *suffix, struct gf_modres *res)
{
    gf_val_map_set(res->data, "file", gf_val_str(src));
    if (gf_arg_bool(args, "fail_on_missing", 1))
        return gf_modres_fail(res, "%s", msg);
    char *m = gf_xasprintf("%s%s", msg, suffix);
    gf_val_map_set(res->data, "msg", gf_val_str(m));
    free(m);
    return 0;
}

/* Takes a file the node read: unchanged when the controller's copy has
 * its checksum, else checked and written there. */
static void fetch_take(const struct gf_modctx *ctx, const struct gf_val *args,
                       const struct gf_remote_file *rf, struct gf_modres *res)
{
    char sum[2 * EVP_MAX_MD_SIZE + 1], md5[2 * EVP_MAX_MD_SIZE + 1];
    const char *data = rf->content.buf;
    size_t len = rf->content.len;
    struct gf_buf err = GF_BUF_INIT;
    char *dest = local_dest(ctx, args, rf->path, res);

    if (dest == NULL)
        return;
    local_sums(dest, sum, md5);
    gf_val_map_set(res->data, "dest", gf_val_str(dest));
    if (strcmp(sum, rf->sha1) == 0) {
        gf_val_map_set(res->data, "md5sum", md5[0] ? gf_val_str(md5) : gf_val_null());
        gf_val_map_set(res->data, "file", gf_val_str(rf->path));
        gf_val_map_set(res->data, "checksum", gf_val_str(sum));
    } else if (!rf->sent) {
        gf_modres_fail(res, "%s is too large to fetch (%llu bytes, at most %u MiB)", rf->path,
                       rf->size, FETCH_MAX >> 20);
    } else {
        digest_hex("SHA1", data, len, sum);
        digest_hex("MD5", data, len, md5);
        gf_val_map_set(res->data, "md5sum", md5[0] ? gf_val_str(md5) : gf_val_null());
        gf_val_map_set(res->data, "remote_md5sum", gf_val_null());
        gf_val_map_set(res->data, "checksum", gf_val_str(sum));
        gf_val_map_set(res->data, "remote_checksum", gf_val_str(rf->sha1));
        /* a file that changed while it was read fails here too */
        if (strcmp(sum, rf->sha1) && gf_arg_bool(args, "validate_checksum", 1))
            gf_modres_fail(res, "checksum mismatch");
        else if (gf_mod_write_local(dest, data, len, local_mode(args), &err) < 0)
            gf_modres_fail(res, "%s", err.buf);
        else
            res->changed = 1;
    }
    gf_buf_release(&err);
    free(dest);
}

static int fetch_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    const char *src = gf_arg_str(args, "src", NULL);
    char have[2 * EVP_MAX_MD_SIZE + 1] = "", md5[2 * EVP_MAX_MD_SIZE + 1];
    struct gf_remote_file rf;
    int rc;

    /* the controller's copy is known before the trip (~ is expanded) */
    struct gf_modres scratch;
    gf_modres_init(&scratch);
    char *known = local_dest(ctx, args, src, &scratch);
    gf_modres_release(&scratch);
    local_sums(known, have, md5);
    free(known);
    if ((rc = gf_mod_read_file(ctx, src, have, FETCH_MAX, &rf, res)) != 0)
        rc = rc < 0 ? rc : 0;
    else if (rf.kind == GF_RF_NONE)
        fetch_missing(args, src, "the remote file does not exist, not transferring, ignored", "",
                      res);
    else if (rf.kind == GF_RF_DIR)
        fetch_missing(args, src, "remote file is a directory, fetch cannot work on directories",
                      ", not transferring, ignored", res);
    else if (rf.kind == GF_RF_UNREADABLE)
        fetch_missing(args, src, "file is not readable", "", res);
    else
        fetch_take(ctx, args, &rf, res);
    gf_remote_file_release(&rf);
    return rc;
}

const struct gf_module gf_module_fetch = {
    .name = "fetch",
    .aliases = (const char *const[]){ "ansible.builtin.fetch", NULL },
    .params = fetch_params,
    .run = fetch_run, /* skipped in check mode, as in Ansible */
};

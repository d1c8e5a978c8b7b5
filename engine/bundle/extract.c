/* extract.c - safe controller-side extraction: the verifying reader feeds
 * libarchive's disk writer (SECURE_NODOTDOT | SECURE_SYMLINKS |
 * SECURE_NOABSOLUTEPATHS, no owner or permission restore) inside a fresh
 * staging directory; modes come from the manifest, everything is fsync'd and
 * the staging directory is renamed into place. Also the directory helpers
 * (fsync a parent, remove a tree) the layer shares. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle-private.h"

#define DISK_FLAGS (ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS | \
                    ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS | ARCHIVE_EXTRACT_NO_OVERWRITE)

int gf_bundle_fsync_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? gf_xstrndup(path, slash == path ? 1 : (size_t)(slash - path))
                      : gf_xstrdup(".");
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = -1;

    if (fd >= 0) {
        rc = fsync(fd);
        close(fd);
    }
    free(dir);
    return rc;
}

int gf_bundle_rm_tree(int at, const char *name)
{
    struct gf_vec names = GF_VEC_INIT;
    struct stat st;
    struct dirent *de;
    DIR *d;
    int fd, rc = 0;

    if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode))
        return unlinkat(at, name, 0);
    fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == EACCES && fchmodat(at, name, 0700, 0) == 0)
        fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    fchmod(fd, 0700);
    d = fdopendir(fd);
    if (d == NULL) {
        close(fd);
        return -1;
    }
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            gf_vec_push(&names, gf_xstrdup(de->d_name));
    for (size_t i = 0; i < names.n; i++)
        if (gf_bundle_rm_tree(dirfd(d), names.v[i]) < 0)
            rc = -1;
    closedir(d);
    gf_vec_release(&names, free);
    if (unlinkat(at, name, AT_REMOVEDIR) < 0)
        rc = -1;
    return rc;
}

struct xctx {
    struct archive *disk;
    int stage;          /* staging directory */
    const char *path;   /* the bundle, for messages */
    const char *member; /* payload path being written, for messages */
};

static int xerr(struct xctx *x, struct gf_error *err, const char *what, const char *name)
{
    return gf_error_set(err, GF_EIO, x->path, 0, 0, "cannot extract '%s': %s%s%s", name, what,
                        archive_error_string(x->disk) ? ": " : "",
                        archive_error_string(x->disk) ? archive_error_string(x->disk) : "");
}

/* Opens name under the staging directory (never following a final
 * symlink), sets the manifest's mode and fsyncs it. */
static int settle(struct xctx *x, const char *name, const struct gf_bundle_file *f,
                  struct gf_error *err)
{
    int dir = f == NULL || f->type == GF_BUNDLE_DIR;
    int fd = openat(x->stage, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (dir ? O_DIRECTORY : 0));
    struct stat st;
    int rc = 0;

    if (fd < 0)
        return gf_error_set(err, GF_EIO, x->path, 0, 0, "cannot open extracted '%s': %s", name,
                            strerror(errno));
    if (fstat(fd, &st) < 0 || (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) ||
        (!dir && (uint64_t)st.st_size != f->size))
        rc = gf_error_set(err, GF_EIO, x->path, 0, 0, "extracted '%s' is not what was written",
                          name);
    else if (fchmod(fd, f ? f->mode : 0755) < 0 || fsync(fd) < 0)
        rc = gf_error_set(err, GF_EIO, x->path, 0, 0, "cannot settle extracted '%s': %s", name,
                          strerror(errno));
    close(fd);
    return rc;
}

static int x_begin(void *ctx, const struct gf_bundle_file *f, struct gf_error *err)
{
    struct xctx *x = ctx;
    struct archive_entry *e = archive_entry_new();
    char *name = gf_xasprintf("%s%s", GF_BUNDLE_PAYLOAD_DIR, f->path);
    int rc = 0;

    if (e == NULL)
        gf_die("out of memory");
    x->member = f->path;
    /* A fresh entry: nothing of the archive's header (owner, mode, times)
     * reaches the disk. Owner-only modes until settle() sets the manifest's. */
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, f->type == GF_BUNDLE_DIR ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(e, f->type == GF_BUNDLE_DIR ? 0700 : 0600);
    archive_entry_set_size(e, (la_int64_t)f->size);
    if (archive_write_header(x->disk, e) != ARCHIVE_OK)
        rc = xerr(x, err, "refused by the disk writer", name);
    archive_entry_free(e);
    free(name);
    return rc;
}

static int x_data(void *ctx, const void *p, size_t n, struct gf_error *err)
{
    struct xctx *x = ctx;

    if (archive_write_data(x->disk, p, n) != (la_ssize_t)n)
        return xerr(x, err, "write failed", x->member);
    return 0;
}

static int x_end(void *ctx, const struct gf_bundle_file *f, struct gf_error *err)
{
    struct xctx *x = ctx;
    char *name = gf_xasprintf("%s%s", GF_BUNDLE_PAYLOAD_DIR, f->path);
    int rc = 0;

    if (archive_write_finish_entry(x->disk) != ARCHIVE_OK)
        rc = xerr(x, err, "write failed", name);
    else if (f->type == GF_BUNDLE_REG)
        rc = settle(x, name, f, err);
    free(name);
    return rc;
}

/* Writes a leading member (MANIFEST, ...) into the staging directory. */
static int put_file(struct xctx *x, const char *name, const struct gf_buf *b,
                    struct gf_error *err)
{
    int fd = openat(x->stage, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    size_t off = 0;

    if (fd < 0)
        return gf_error_set(err, GF_EIO, x->path, 0, 0, "cannot write '%s': %s", name,
                            strerror(errno));
    while (off < b->len) {
        ssize_t n = write(fd, b->buf + off, b->len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    if (off != b->len || fchmod(fd, 0644) < 0 || fsync(fd) < 0) {
        int e = errno;
        close(fd);
        return gf_error_set(err, GF_EIO, x->path, 0, 0, "cannot write '%s': %s", name,
                            strerror(e));
    }
    close(fd);
    return 0;
}

/* Everything after a successful read: directory modes (deepest first),
 * the leading members, fsyncs. */
static int finish_stage(struct xctx *x, const struct gf_bundle_manifest *m,
                        const struct gf_bundle_raw *raw, struct gf_error *err)
{
    int rc = 0;

    for (size_t i = m->files.n; i-- > 0 && rc == 0;) {
        const struct gf_bundle_file *f = m->files.v[i];
        if (f->type == GF_BUNDLE_DIR) {
            char *name = gf_xasprintf("%s%s", GF_BUNDLE_PAYLOAD_DIR, f->path);
            rc = settle(x, name, f, err);
            free(name);
        }
    }
    if (rc == 0)
        rc = settle(x, "files", NULL, err);
    if (rc == 0)
        rc = put_file(x, "MANIFEST", &raw->manifest, err);
    if (rc == 0 && raw->sig.len)
        rc = put_file(x, GF_BUNDLE_SIG_NAME, &raw->sig, err);
    if (rc == 0)
        rc = put_file(x, GF_BUNDLE_SUMS_NAME, &raw->sums, err);
    if (rc == 0 && (fchmod(x->stage, 0755) < 0 || fsync(x->stage) < 0))
        rc = gf_error_set(err, GF_EIO, x->path, 0, 0, "cannot settle the staging directory: %s",
                          strerror(errno));
    return rc;
}

int gf_bundle_extract(const char *path, const char *dest_in, const struct gf_bundle_verify_opts *o,
                      struct gf_bundle_manifest **out, struct gf_error *err)
{
    struct gf_bundle_raw raw = { GF_BUF_INIT, GF_BUF_INIT, GF_BUF_INIT };
    struct gf_bundle_manifest *m = NULL;
    struct xctx x = { NULL, -1, path, "" };
    struct gf_bundle_sink sink = { &x, x_begin, x_data, x_end };
    char *dest = gf_xstrdup(dest_in), *stage = NULL;
    int cwd = -1, bfd = -1, rc = 0, in_stage = 0;
    size_t dl = strlen(dest);
    struct stat st;

    if (out)
        *out = NULL;
    while (dl > 1 && dest[dl - 1] == '/')
        dest[--dl] = '\0';
    if (dl == 0 || lstat(dest, &st) == 0) {
        rc = gf_error_set(err, GF_EINVAL, dest_in, 0, 0, "destination exists; refusing to "
                          "extract over it");
        goto out;
    }
    /* Opened before changing directory: path may be relative. */
    bfd = open(path, O_RDONLY | O_CLOEXEC);
    if (bfd < 0) {
        rc = gf_error_set(err, errno == ENOENT ? GF_ENOTFOUND : GF_EIO, path, 0, 0,
                          "cannot open bundle: %s", strerror(errno));
        goto out;
    }
    stage = gf_xasprintf("%s.tmp.XXXXXX", dest);
    if (mkdtemp(stage) == NULL) {
        rc = gf_error_set(err, GF_EIO, dest_in, 0, 0, "cannot create a staging directory: %s",
                          strerror(errno));
        free(stage);
        stage = NULL;
        goto out;
    }
    x.stage = open(stage, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (x.stage < 0 || cwd < 0 || mkdirat(x.stage, "files", 0700) < 0 || fchdir(x.stage) < 0) {
        rc = gf_error_set(err, GF_EIO, stage, 0, 0, "cannot prepare staging: %s",
                          strerror(errno));
        goto out;
    }
    in_stage = 1;
    x.disk = archive_write_disk_new();
    if (x.disk == NULL || archive_write_disk_set_options(x.disk, DISK_FLAGS) != ARCHIVE_OK)
        gf_die("libarchive disk writer unavailable");
    if ((rc = gf_bundle_read(path, bfd, o, &sink, 0, &raw, &m, err)) < 0)
        goto out;
    if (archive_write_close(x.disk) != ARCHIVE_OK) {
        rc = xerr(&x, err, "close failed", "files");
        goto out;
    }
    if ((rc = finish_stage(&x, m, &raw, err)) < 0)
        goto out;
    if (fchdir(cwd) < 0) {
        rc = gf_error_set(err, GF_EIO, NULL, 0, 0, "cannot return to the working directory: %s",
                          strerror(errno));
        goto out;
    }
    in_stage = 0;
    if (renameat2(AT_FDCWD, stage, AT_FDCWD, dest, RENAME_NOREPLACE) < 0) {
        /* Filesystems without RENAME_NOREPLACE: check, then plain rename. */
        int e = errno;
        if ((e != EINVAL && e != ENOSYS) || lstat(dest, &st) == 0 || rename(stage, dest) < 0) {
            rc = gf_error_set(err, GF_EIO, dest_in, 0, 0, "cannot move the staging directory "
                              "into place: %s", strerror(e == EINVAL || e == ENOSYS ? errno : e));
            goto out;
        }
    }
    free(stage);
    stage = NULL;
    gf_bundle_fsync_parent(dest);
    if (out) {
        *out = m;
        m = NULL;
    }
out:
    if (x.disk)
        archive_write_free(x.disk);
    if (in_stage && fchdir(cwd) < 0)
        gf_warn("cannot return to the working directory: %s", strerror(errno));
    if (x.stage >= 0)
        close(x.stage);
    if (cwd >= 0)
        close(cwd);
    if (bfd >= 0)
        close(bfd);
    if (stage) {
        if (gf_bundle_rm_tree(AT_FDCWD, stage) < 0)
            gf_warn("could not remove staging directory '%s'", stage);
        free(stage);
    }
    gf_bundle_manifest_free(m);
    gf_buf_release(&raw.manifest);
    gf_buf_release(&raw.sig);
    gf_buf_release(&raw.sums);
    free(dest);
    return rc;
}

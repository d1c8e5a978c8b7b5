/* tree.c - verifies an extracted payload directory against a manifest:
 * exactly the listed entries, with their types, modes, sizes and sha256,
 * walked with openat/fstatat so that no symlink is ever followed. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle-private.h"

#define HASH_BLOCK (1u << 20)

struct tctx {
    const struct gf_bundle_manifest *m;
    const char *root;
    unsigned flags;
    char *seen;            /* one flag per manifest file */
    unsigned char *buf;
    struct gf_error *err;
};

static int terr(struct tctx *t, int code, const char *fmt, ...) GF_PRINTF(3, 4);
static int terr(struct tctx *t, int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int rc = gf_error_vset(t->err, code, t->root, 0, 0, fmt, ap);
    va_end(ap);
    return rc;
}

/* Hashes the regular file name under dfd, which lstat said is st. */
static int check_content(struct tctx *t, int dfd, const char *name, const char *rel,
                         const struct stat *st, const struct gf_bundle_file *f)
{
    struct gf_bundle_hash h;
    unsigned char sha[32];
    struct stat st2;
    uint64_t got = 0;
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), rc = 0;

    if (fd < 0)
        return terr(t, GF_EIO, "cannot open '%s': %s", rel, strerror(errno));
    if (fstat(fd, &st2) < 0 || st2.st_ino != st->st_ino || st2.st_dev != st->st_dev) {
        close(fd);
        return terr(t, GF_EINVAL, "'%s' changed while it was verified", rel);
    }
    gf_bundle_hash_init(&h);
    for (;;) {
        ssize_t n = read(fd, t->buf, HASH_BLOCK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = terr(t, GF_EIO, "cannot read '%s': %s", rel, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        if (got + (uint64_t)n > f->size) {
            rc = terr(t, GF_EINVAL, "'%s' is larger than the manifest says", rel);
            break;
        }
        gf_bundle_hash_update(&h, t->buf, (size_t)n);
        got += (uint64_t)n;
    }
    close(fd);
    if (rc < 0) {
        gf_bundle_hash_release(&h);
        return rc;
    }
    gf_bundle_hash_final(&h, sha);
    if (got != f->size || memcmp(sha, f->sha256, sizeof(sha)) != 0)
        return terr(t, GF_EINVAL, "sha256 of '%s' does not match the manifest", rel);
    return 0;
}

static int walk(struct tctx *t, int dfd, const char *prefix)
{
    struct gf_vec names = GF_VEC_INIT;
    struct dirent *de;
    int dup_fd = dup(dfd), rc = 0;
    DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;

    if (d == NULL) {
        if (dup_fd >= 0)
            close(dup_fd);
        return terr(t, GF_EIO, "cannot read directory '%s': %s", prefix[0] ? prefix : ".",
                    strerror(errno));
    }
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            gf_vec_push(&names, gf_xstrdup(de->d_name));
    closedir(d);
    gf_sort_strings((char **)names.v, names.n);
    for (size_t i = 0; i < names.n && rc == 0; i++) {
        const char *name = names.v[i];
        char *rel = prefix[0] ? gf_xasprintf("%s/%s", prefix, name) : gf_xstrdup(name);
        const struct gf_bundle_file *f = gf_bundle_manifest_find(t->m, rel);
        struct stat st;
        unsigned perm;
        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            rc = terr(t, GF_EIO, "cannot stat '%s': %s", rel, strerror(errno));
            goto next;
        }
        perm = (unsigned)st.st_mode & 07777;
        if (S_ISLNK(st.st_mode)) {
            rc = terr(t, GF_EINVAL, "'%s' is a symlink", rel);
        } else if (f == NULL) {
            rc = terr(t, GF_EINVAL, "'%s' is not in the manifest", rel);
        } else if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
            rc = terr(t, GF_EINVAL, "'%s' is a special file", rel);
        } else if (S_ISDIR(st.st_mode) != (f->type == GF_BUNDLE_DIR)) {
            rc = terr(t, GF_EINVAL, "'%s' is a %s, the manifest says %s", rel,
                      S_ISDIR(st.st_mode) ? "directory" : "regular file",
                      f->type == GF_BUNDLE_DIR ? "directory" : "regular file");
        } else if (perm != f->mode) {
            rc = terr(t, GF_EINVAL, "'%s' has mode %04o, the manifest says %04o", rel, perm,
                      f->mode);
        } else if (S_ISDIR(st.st_mode)) {
            int sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            t->seen[f->index] = 1;
            if (sub < 0) {
                rc = terr(t, GF_EIO, "cannot open '%s': %s", rel, strerror(errno));
            } else {
                rc = walk(t, sub, rel);
                close(sub);
            }
        } else if ((uint64_t)st.st_size != f->size) {
            rc = terr(t, GF_EINVAL, "'%s' has %lld bytes, the manifest says %llu", rel,
                      (long long)st.st_size, (unsigned long long)f->size);
        } else {
            t->seen[f->index] = 1;
            if (!(t->flags & GF_BUNDLE_TREE_NOHASH))
                rc = check_content(t, dfd, name, rel, &st, f);
        }
next:
        free(rel);
    }
    gf_vec_release(&names, free);
    return rc;
}

int gf_bundle_verify_tree(const struct gf_bundle_manifest *m, const char *root, unsigned flags,
                          struct gf_error *err)
{
    struct tctx t = { m, root, flags, NULL, NULL, err };
    int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

    if (fd < 0)
        return gf_error_set(err, errno == ENOENT ? GF_ENOTFOUND : GF_EIO, root, 0, 0,
                            "cannot open: %s", strerror(errno));
    t.seen = gf_xcalloc(m->files.n + 1, 1);
    t.buf = gf_xmalloc(HASH_BLOCK);
    rc = walk(&t, fd, "");
    for (size_t i = 0; rc == 0 && i < m->files.n; i++)
        if (!t.seen[i])
            rc = terr(&t, GF_EINVAL, "'%s' listed in the manifest is missing",
                      ((const struct gf_bundle_file *)m->files.v[i])->path);
    close(fd);
    free(t.seen);
    free(t.buf);
    return rc;
}

/* verify.c - the verifying bundle reader: libarchive's tar reader driven
 * member by member with every check of the format (signature first, then the
 * manifest, then each payload member's path, type, bits, owner, size and
 * sha256), plus a raw check of the tar framing (header checksum fields, zero
 * padding, the exact end of archive) so that no byte of a bundle is
 * unchecked. gf_bundle_verify_file and gf_bundle_read_manifest live here. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bundle-private.h"

#define TAR_BLOCK 512
#define READ_BLOCK (1u << 20)
#define SIG_MAX 1024
#define PAX_MAX (1u << 20)
#define ROUNDUP(n) (((n) + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK)

struct reader {
    const char *path;
    int fd;
    int own_fd;             /* fd opened here (closed at the end) */
    off_t fsize;
    struct archive *a;
    struct archive_entry *e;
    const char *name;       /* current member's name as stored (owned by e) */
    off_t expect;           /* offset where the next member's headers must start */
    off_t data_start;       /* offset of the current member's data */
    struct gf_error *err;
};

static int rej(struct reader *r, const char *fmt, ...) GF_PRINTF(2, 3);
static int rej(struct reader *r, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int rc = gf_error_vset(r->err, GF_EINVAL, r->path, 0, 0, fmt, ap);
    va_end(ap);
    return rc;
}

/* Re-sets err (from a helper that knows no file) under the bundle's name,
 * keeping its code and prefixing its message. */
static int rewrap(struct reader *r, const char *prefix)
{
    struct gf_buf b = GF_BUF_INIT;
    int code = r->err->code ? r->err->code : GF_EINVAL, rc;

    gf_error_format(r->err, &b);
    rc = gf_error_set(r->err, code, r->path, 0, 0, "%s%s", prefix, b.buf);
    gf_buf_release(&b);
    return rc;
}

/* ---- raw framing ---- */

static int raw_read(struct reader *r, off_t off, void *buf, size_t n)
{
    size_t got = 0;

    while (got < n) {
        ssize_t k = pread(r->fd, (char *)buf + got, n - got, off + (off_t)got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        got += (size_t)k;
    }
    return 0;
}

/* Returns 1 when bytes [from, to) of the file are all zero. */
static int zero_range(struct reader *r, off_t from, off_t to)
{
    unsigned char buf[4096];

    while (from < to) {
        size_t n = (size_t)(to - from) < sizeof(buf) ? (size_t)(to - from) : sizeof(buf);
        if (raw_read(r, from, buf, n) < 0)
            return 0;
        for (size_t i = 0; i < n; i++)
            if (buf[i])
                return 0;
        from += (off_t)n;
    }
    return 1;
}

static int octal(const unsigned char *p, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    size_t i = 0;

    for (; i < n && p[i] >= '0' && p[i] <= '7'; i++)
        v = v * 8 + (uint64_t)(p[i] - '0');
    if (i == 0 || (i < n && p[i] != '\0' && p[i] != ' '))
        return -1;
    *out = v;
    return 0;
}

/* Checks the headers of the current member, which libarchive has parsed:
 * they start where the previous member ended, each header block's checksum
 * field ends in NUL and space as every tar writer leaves it (the checksum
 * covers every other byte), pax extension data is zero-padded. Sets
 * r->data_start. */
static int frame_check(struct reader *r)
{
    unsigned char h[TAR_BLOCK];
    off_t pos = (off_t)archive_read_header_position(r->a);

    if (pos != r->expect)
        return rej(r, "unexpected data before member '%s'", r->name);
    for (int k = 0; k < 4; k++) {
        uint64_t size;
        if (raw_read(r, pos, h, sizeof(h)) < 0)
            return rej(r, "archive truncated in the header of member '%s'", r->name);
        if (h[154] != '\0' || h[155] != ' ')
            return rej(r, "member '%s' has a malformed tar header", r->name);
        if (h[156] != 'x') {
            /* Any other extension (GNU 'L'/'K' long names, 'g' globals,
             * sparse maps) is not something the builder writes. */
            if (h[156] != '0' && h[156] != '5')
                return rej(r, "member '%s' uses an unsupported tar header type '%c'", r->name,
                           h[156] >= 0x20 && h[156] < 0x7f ? h[156] : '?');
            r->data_start = pos + TAR_BLOCK;
            return 0;
        }
        if (octal(h + 124, 12, &size) < 0 || size > PAX_MAX)
            return rej(r, "member '%s' has a malformed pax header", r->name);
        if (!zero_range(r, pos + TAR_BLOCK + (off_t)size, pos + TAR_BLOCK + ROUNDUP((off_t)size)))
            return rej(r, "member '%s' has non-zero padding in its pax header", r->name);
        pos += TAR_BLOCK + ROUNDUP((off_t)size);
    }
    return rej(r, "member '%s' has too many pax headers", r->name);
}

/* After a member's data: its padding must be zero. */
static int frame_end(struct reader *r, uint64_t size)
{
    off_t end = r->data_start + (off_t)size, padded = r->data_start + ROUNDUP((off_t)size);

    if (!zero_range(r, end, padded))
        return rej(r, "member '%s' has non-zero padding after its data", r->name);
    r->expect = padded;
    return 0;
}

/* At the end: exactly two zero blocks and nothing after them. */
static int frame_tail(struct reader *r)
{
    off_t tail = r->fsize - r->expect;

    if (tail < 2 * TAR_BLOCK)
        return rej(r, "archive is truncated: the end-of-archive blocks are missing");
    if (!zero_range(r, r->expect, r->expect + 2 * TAR_BLOCK))
        return rej(r, "unexpected data after the last member");
    if (tail > 2 * TAR_BLOCK)
        return rej(r, "%lld unexpected bytes after the end of the archive",
                   (long long)(tail - 2 * TAR_BLOCK));
    return 0;
}

/* ---- members ---- */

/* Advances to the next member. Returns 1 with r->e and r->name set, 0 at the
 * end of the archive, or -GF_EINVAL. */
static int next_member(struct reader *r, const char *after)
{
    int rc = archive_read_next_header(r->a, &r->e);

    r->name = NULL;
    if (rc == ARCHIVE_EOF)
        return 0;
    if (rc != ARCHIVE_OK)
        return rej(r, "damaged or truncated archive after '%s': %s", after,
                   archive_error_string(r->a) ? archive_error_string(r->a) : "read error");
    r->name = archive_entry_pathname(r->e);
    if (r->name == NULL || *r->name == '\0')
        return rej(r, "member after '%s' has no readable name", after);
    return 1;
}

static int has_dotdot(const char *p)
{
    for (;;) {
        size_t len = strcspn(p, "/");
        if (len == 2 && p[0] == '.' && p[1] == '.')
            return 1;
        if (p[len] == '\0')
            return 0;
        p += len + 1;
    }
}

/* The checks every member gets, whatever its name, before anything of it
 * is used: safe name, regular file or directory, no special bits, owner
 * 0:0, no extended attributes, ACLs or holes; then its framing. */
static int check_member(struct reader *r)
{
    struct archive_entry *e = r->e;
    const char *link = archive_entry_hardlink(e);
    unsigned perm = (unsigned)archive_entry_mode(e) & 07777;

    if (r->name[0] == '/')
        return rej(r, "member '%s' has an absolute path", r->name);
    if (has_dotdot(r->name))
        return rej(r, "member '%s' has a '..' component", r->name);
    if (link)
        return rej(r, "member '%s' is a hard link to '%s'", r->name, link);
    switch (archive_entry_filetype(e)) {
    case AE_IFREG:
    case AE_IFDIR:
        break;
    case AE_IFLNK:
        return rej(r, "member '%s' is a symlink to '%s'", r->name,
                   archive_entry_symlink(e) ? archive_entry_symlink(e) : "");
    case AE_IFCHR:
        return rej(r, "member '%s' is a character device", r->name);
    case AE_IFBLK:
        return rej(r, "member '%s' is a block device", r->name);
    case AE_IFIFO:
        return rej(r, "member '%s' is a FIFO", r->name);
    case AE_IFSOCK:
        return rej(r, "member '%s' is a socket", r->name);
    default:
        return rej(r, "member '%s' has an unsupported type", r->name);
    }
    if (perm & 07000)
        return rej(r, "member '%s' has setuid, setgid or sticky bits (mode %04o)", r->name,
                   perm);
    if (archive_entry_uid(e) != 0 || archive_entry_gid(e) != 0)
        return rej(r, "member '%s' is owned by %lld:%lld, not 0:0", r->name,
                   (long long)archive_entry_uid(e), (long long)archive_entry_gid(e));
    if (archive_entry_xattr_count(e) > 0)
        return rej(r, "member '%s' carries extended attributes", r->name);
    if (archive_entry_acl_count(e, ARCHIVE_ENTRY_ACL_TYPE_ACCESS |
                                       ARCHIVE_ENTRY_ACL_TYPE_DEFAULT |
                                       ARCHIVE_ENTRY_ACL_TYPE_NFS4) > 0)
        return rej(r, "member '%s' carries ACLs", r->name);
    if (archive_entry_sparse_count(e) > 0)
        return rej(r, "member '%s' is a sparse file", r->name);
    if (!archive_entry_size_is_set(e) || archive_entry_size(e) < 0)
        return rej(r, "member '%s' has no size", r->name);
    if (archive_entry_filetype(e) == AE_IFDIR && archive_entry_size(e) != 0)
        return rej(r, "directory member '%s' has a size", r->name);
    return frame_check(r);
}

/* Reads the data of the current member, which must be at most max bytes,
 * into b. */
static int read_small(struct reader *r, size_t max, struct gf_buf *b)
{
    int64_t size = archive_entry_size(r->e);

    if (archive_entry_filetype(r->e) != AE_IFREG)
        return rej(r, "member '%s' is not a regular file", r->name);
    if (size > (int64_t)max)
        return rej(r, "member '%s' is larger than %zu bytes", r->name, max);
    gf_buf_reset(b);
    while (b->len < (size_t)size) {
        const void *p;
        size_t n;
        la_int64_t off;
        int rc = archive_read_data_block(r->a, &p, &n, &off);
        if (rc == ARCHIVE_EOF)
            break;
        if (rc != ARCHIVE_OK)
            return rej(r, "damaged or truncated archive in member '%s': %s", r->name,
                       archive_error_string(r->a) ? archive_error_string(r->a) : "read error");
        if (off != (la_int64_t)b->len || n > (size_t)size - b->len)
            return rej(r, "member '%s' does not match its header size", r->name);
        gf_buf_add(b, p, n);
    }
    if (b->len != (size_t)size)
        return rej(r, "member '%s' is truncated", r->name);
    return frame_end(r, (uint64_t)size);
}

/* Checks, streams (to sink) and hashes one payload member against f. Data is
 * never read past the size the manifest declares. */
static int read_payload(struct reader *r, const struct gf_bundle_file *f,
                        const struct gf_bundle_sink *sink)
{
    struct gf_bundle_hash h = { NULL };
    unsigned char sha[32];
    uint64_t got = 0;
    int64_t size = archive_entry_size(r->e);
    int rc = 0;

    if (size > 0 && (uint64_t)size > f->size)
        return rej(r, "member '%s' is larger than declared (%lld > %llu bytes)", r->name,
                   (long long)size, (unsigned long long)f->size);
    if ((uint64_t)size < f->size)
        return rej(r, "member '%s' is smaller than declared (%lld < %llu bytes)", r->name,
                   (long long)size, (unsigned long long)f->size);
    if (sink && sink->begin && (rc = sink->begin(sink->ctx, f, r->err)) < 0)
        return rc;
    if (f->type == GF_BUNDLE_DIR)
        goto done;
    gf_bundle_hash_init(&h);
    while (got < f->size) {
        const void *p;
        size_t n;
        la_int64_t off;
        int arc = archive_read_data_block(r->a, &p, &n, &off);
        if (arc == ARCHIVE_EOF)
            break;
        if (arc != ARCHIVE_OK) {
            rc = rej(r, "damaged or truncated archive in member '%s': %s", r->name,
                     archive_error_string(r->a) ? archive_error_string(r->a) : "read error");
            goto out;
        }
        if (off < 0 || (uint64_t)off != got) {
            rc = rej(r, "member '%s' has holes", r->name);
            goto out;
        }
        if (n > f->size - got) {
            rc = rej(r, "member '%s' is larger than declared (%llu bytes)", r->name,
                     (unsigned long long)f->size);
            goto out;
        }
        gf_bundle_hash_update(&h, p, n);
        if (sink && sink->data && (rc = sink->data(sink->ctx, p, n, r->err)) < 0)
            goto out;
        got += n;
    }
    if (got != f->size) {
        rc = rej(r, "member '%s' is truncated (%llu of %llu bytes)", r->name,
                 (unsigned long long)got, (unsigned long long)f->size);
        goto out;
    }
    gf_bundle_hash_final(&h, sha);
    if (memcmp(sha, f->sha256, sizeof(sha)) != 0) {
        rc = rej(r, "sha256 of member '%s' does not match the manifest", r->name);
        goto out;
    }
done:
    if ((rc = frame_end(r, f->size)) < 0)
        goto out;
    if (sink && sink->end && (rc = sink->end(sink->ctx, f, r->err)) < 0)
        goto out;
out:
    gf_bundle_hash_release(&h);
    return rc;
}

/* Matches the current member (a payload member, in manifest order) to the
 * manifest entry next in line. */
static int payload_member(struct reader *r, const struct gf_bundle_manifest *m, size_t *next,
                          const struct gf_bundle_sink *sink)
{
    const size_t plen = strlen(GF_BUNDLE_PAYLOAD_DIR);
    const struct gf_bundle_file *f;
    const char *why;
    unsigned perm = (unsigned)archive_entry_mode(r->e) & 07777;
    int is_dir = archive_entry_filetype(r->e) == AE_IFDIR;
    char *rel;
    int rc = 0;

    if (strncmp(r->name, GF_BUNDLE_PAYLOAD_DIR, plen) != 0)
        return rej(r, "member '%s' is not in the manifest", r->name);
    rel = gf_xstrdup(r->name + plen);
    if (is_dir && gf_endswith(rel, "/"))
        rel[strlen(rel) - 1] = '\0';
    if ((why = gf_bundle_path_problem(rel)) != NULL) {
        rc = rej(r, "member '%s' has an invalid path: it %s", r->name, why);
        goto out;
    }
    f = gf_bundle_manifest_find(m, rel);
    if (f == NULL) {
        rc = rej(r, "member '%s' is not in the manifest", r->name);
        goto out;
    }
    if (f->index < *next) {
        rc = rej(r, "duplicate member '%s'", r->name);
        goto out;
    }
    if (f->index > *next) {
        rc = rej(r, "'%s' listed in the manifest is missing from the archive (found '%s')",
                 ((const struct gf_bundle_file *)m->files.v[*next])->path, r->name);
        goto out;
    }
    if (is_dir != (f->type == GF_BUNDLE_DIR)) {
        rc = rej(r, "member '%s' is a %s, the manifest says %s", r->name,
                 is_dir ? "directory" : "regular file",
                 f->type == GF_BUNDLE_DIR ? "directory" : "regular file");
        goto out;
    }
    if (perm != f->mode) {
        rc = rej(r, "member '%s' has mode %04o, the manifest says %04o", r->name, perm, f->mode);
        goto out;
    }
    if ((rc = read_payload(r, f, sink)) < 0)
        goto out;
    (*next)++;
out:
    free(rel);
    return rc;
}

static int open_reader(struct reader *r, const char *path, int fd, struct gf_error *err)
{
    struct stat st;

    memset(r, 0, sizeof(*r));
    r->path = path;
    r->err = err;
    r->fd = fd;
    if (fd < 0) {
        r->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (r->fd < 0)
            return gf_error_set(err, errno == ENOENT ? GF_ENOTFOUND : GF_EIO, path, 0, 0,
                                "cannot open bundle: %s", strerror(errno));
        r->own_fd = 1;
    }
    if (fstat(r->fd, &st) < 0 || !S_ISREG(st.st_mode))
        return gf_error_set(err, GF_EINVAL, path, 0, 0, "bundle is not a regular file");
    r->fsize = st.st_size;
    r->a = archive_read_new();
    if (r->a == NULL)
        gf_die("out of memory");
    /* Uncompressed tar only: no filter is registered, so compressed input
     * and every other archive format are refused. */
    if (archive_read_support_format_tar(r->a) != ARCHIVE_OK ||
        archive_read_open_fd(r->a, r->fd, READ_BLOCK) != ARCHIVE_OK)
        return rej(r, "not a tar archive: %s",
                   archive_error_string(r->a) ? archive_error_string(r->a) : "open failed");
    return 0;
}

static void close_reader(struct reader *r)
{
    if (r->a)
        archive_read_free(r->a);
    if (r->own_fd)
        close(r->fd);
}

/* Decides on the signature. */
static int check_signature(struct reader *r, const struct gf_bundle_verify_opts *o,
                           const struct gf_buf *manifest, const struct gf_buf *sig, int has_sig,
                           int *checked)
{
    *checked = 0;
    if (!has_sig) {
        if (!o->insecure_unsigned)
            return rej(r, "bundle is unsigned (no MANIFEST.sig); only --insecure-unsigned "
                          "accepts it");
        return 0;
    }
    if (o->pubkey == NULL) {
        if (!o->insecure_unsigned)
            return gf_error_set(r->err, GF_EINVAL, r->path, 0, 0,
                                "no public key to verify the signature with");
        return 0;
    }
    if (gf_bundle_sig_check(o->pubkey, manifest->buf, manifest->len, sig->buf, sig->len,
                            r->err) < 0)
        return rewrap(r, "");
    *checked = 1;
    return 0;
}

int gf_bundle_read(const char *path, int fd, const struct gf_bundle_verify_opts *o,
                   const struct gf_bundle_sink *sink, int manifest_only, struct gf_bundle_raw *raw,
                   struct gf_bundle_manifest **out, struct gf_error *err)
{
    static const struct gf_bundle_verify_opts none = { 0 };
    struct reader r;
    struct gf_bundle_raw own = { GF_BUF_INIT, GF_BUF_INIT, GF_BUF_INIT };
    struct gf_bundle_raw *rw = raw ? raw : &own;
    struct gf_bundle_manifest *m = NULL;
    struct gf_buf want = GF_BUF_INIT;
    size_t next = 0;
    int rc, has_sig = 0, checked = 0;

    if (out)
        *out = NULL;
    if (o == NULL)
        o = &none;
    if ((rc = open_reader(&r, path, fd, err)) < 0)
        goto out;
    /* 1. MANIFEST, 2. MANIFEST.sig: the signature is decided before anything
     * else is parsed or read. */
    if ((rc = next_member(&r, "the start")) <= 0) {
        if (rc == 0)
            rc = rej(&r, "archive is empty");
        goto out;
    }
    if ((rc = check_member(&r)) < 0)
        goto out;
    if (strcmp(r.name, "MANIFEST") != 0) {
        rc = rej(&r, "first member is '%s', not MANIFEST", r.name);
        goto out;
    }
    if ((rc = read_small(&r, GF_BUNDLE_MANIFEST_MAX, &rw->manifest)) < 0)
        goto out;
    if ((rc = next_member(&r, "MANIFEST")) < 0)
        goto out;
    if (rc > 0 && (rc = check_member(&r)) < 0)
        goto out;
    if (r.name && strcmp(r.name, GF_BUNDLE_SIG_NAME) == 0) {
        has_sig = 1;
        if ((rc = read_small(&r, SIG_MAX, &rw->sig)) < 0)
            goto out;
    }
    if (!manifest_only && (rc = check_signature(&r, o, &rw->manifest, &rw->sig, has_sig,
                                                &checked)) < 0)
        goto out;
    /* Only now the next member's header (SHA256SUMS) is read. */
    if (has_sig && !manifest_only) {
        if ((rc = next_member(&r, GF_BUNDLE_SIG_NAME)) < 0)
            goto out;
        if (rc > 0 && (rc = check_member(&r)) < 0)
            goto out;
    }
    /* The manifest, now trusted as far as the options ask. */
    if (gf_bundle_manifest_parse(rw->manifest.buf, rw->manifest.len, &m, err) < 0) {
        rc = rewrap(&r, "");
        goto out;
    }
    m->sig_checked = checked;
    if (has_sig && (m->signer = gf_bundle_sig_signer(rw->sig.buf, rw->sig.len)) == NULL)
        m->signer = gf_xstrdup("(malformed MANIFEST.sig)");
    if (manifest_only) {
        rc = 0;
        goto done;
    }
    if (gf_bundle_check_expiry(m, o->now ? o->now : (int64_t)time(NULL), err) < 0 ||
        gf_bundle_check_version(m, o->installed, o->allow_downgrade, err) < 0) {
        rc = rewrap(&r, "");
        goto out;
    }
    /* 3. SHA256SUMS, exactly as derived from the manifest. */
    if (r.name == NULL || strcmp(r.name, GF_BUNDLE_SUMS_NAME) != 0) {
        rc = rej(&r, "member '%s' where SHA256SUMS belongs", r.name ? r.name : "(end)");
        goto out;
    }
    gf_bundle_manifest_sums(m, &want);
    if (archive_entry_size(r.e) != (int64_t)want.len) {
        rc = rej(&r, "SHA256SUMS does not match the manifest");
        goto out;
    }
    if ((rc = read_small(&r, want.len, &rw->sums)) < 0)
        goto out;
    if (rw->sums.len != want.len || memcmp(rw->sums.buf, want.buf, want.len) != 0) {
        rc = rej(&r, "SHA256SUMS does not match the manifest");
        goto out;
    }
    /* 4. The payload, in manifest order. */
    for (;;) {
        char *prev = gf_xstrdup(r.name);
        rc = next_member(&r, prev);
        free(prev);
        if (rc < 0)
            goto out;
        if (rc == 0)
            break;
        if ((rc = check_member(&r)) < 0 || (rc = payload_member(&r, m, &next, sink)) < 0)
            goto out;
    }
    if (next < m->files.n) {
        rc = rej(&r, "'%s' listed in the manifest is missing from the archive",
                 ((const struct gf_bundle_file *)m->files.v[next])->path);
        goto out;
    }
    if ((rc = frame_tail(&r)) < 0)
        goto out;
    rc = 0;
done:
    if (out) {
        *out = m;
        m = NULL;
    }
out:
    close_reader(&r);
    gf_bundle_manifest_free(m);
    gf_buf_release(&want);
    gf_buf_release(&own.manifest);
    gf_buf_release(&own.sig);
    gf_buf_release(&own.sums);
    return rc;
}

int gf_bundle_verify_file(const char *path, const struct gf_bundle_verify_opts *o,
                          struct gf_bundle_manifest **out, struct gf_error *err)
{
    return gf_bundle_read(path, -1, o, NULL, 0, NULL, out, err);
}

int gf_bundle_read_manifest(const char *path, struct gf_bundle_manifest **out,
                            struct gf_error *err)
{
    return gf_bundle_read(path, -1, NULL, NULL, 1, NULL, out, err);
}

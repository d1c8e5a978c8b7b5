/* test-bundle-reject.c - unit tests for every bundle rejection: malicious
 * archives are crafted here with libarchive's writer around a correctly
 * signed manifest, so that each test reaches the one check it is about and
 * asserts that check's message (removing the check makes the test fail). */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../../engine/bundle/bundle-private.h"
#include "harness.h"

#define LONG_NAME "etc/a-file-name-long-enough-to-need-a-pax-header-because-ustar-names-stop-" \
                  "at-one-hundred-bytes-0123456789abcdef.txt"

/* The fixture's payload: what a good bundle holds. */
static const struct {
    const char *path;
    int dir;
    unsigned mode;
    const char *data;
} payload[] = {
    { "etc", 1, 0755, NULL },
    { "etc/a.conf", 0, 0644, "alpha\n" },
    { "etc/b.sh", 0, 0755, "#!/bin/sh\necho b\n" },
    { LONG_NAME, 0, 0644, "long\n" },
};
#define NPAYLOAD GF_ARRAY_LEN(payload)

/* One tar member to write. */
struct member {
    char name[512];
    unsigned type;          /* AE_IFREG, AE_IFDIR, AE_IFLNK, ... */
    unsigned mode;          /* permission bits, special bits included */
    const char *data;
    size_t len;
    const char *link;       /* symlink target */
    const char *hardlink;   /* hard link target */
    long uid;
    int64_t size;           /* header size when >= 0 (else len) */
    const char *xattr;      /* an extended attribute's name */
    int acl;                /* add an ACL entry */
    int sparse;             /* describe the data as sparse */
};

struct fx {
    char dir[64];
    char bundle[128];
    struct gf_bundle_key *key;  /* private */
    struct gf_bundle_key *pub;
    struct gf_bundle_manifest *m;
    struct gf_buf mtext, sig, sums;
    struct member mem[16];
    size_t n;
};

static char cleanup_dir[64];
static int cleanup_registered;

static void cleanup(void)
{
    if (cleanup_dir[0])
        gf_bundle_rm_tree(AT_FDCWD, cleanup_dir);
}

static void fx_tmpdir(char *dir, size_t size)
{
    snprintf(dir, size, "/tmp/gf-test-bundle-XXXXXX");
    if (mkdtemp(dir) == NULL)
        FAILF("mkdtemp: %s", strerror(errno));
    snprintf(cleanup_dir, sizeof(cleanup_dir), "%s", dir);
    if (!cleanup_registered++)
        atexit(cleanup);
}

static struct gf_bundle_key *fx_key(const char *dir, const char *name, struct gf_bundle_key **pub)
{
    struct gf_error err = GF_ERROR_INIT;
    struct gf_bundle_key *k = NULL;
    char path[128], pubpath[140];

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    snprintf(pubpath, sizeof(pubpath), "%s.pub", path);
    if (gf_bundle_keygen(path, NULL, &err) < 0 || gf_bundle_key_load(path, 1, &k, &err) < 0 ||
        (pub && gf_bundle_key_load(pubpath, 0, pub, &err) < 0))
        FAILF("key setup: %s", err.msg);
    return k;
}

static void sha_of(const char *data, size_t len, unsigned char out[32])
{
    struct gf_bundle_hash h;

    gf_bundle_hash_init(&h);
    gf_bundle_hash_update(&h, data, len);
    gf_bundle_hash_final(&h, out);
}

/* The fixture's manifest (version given), before signing. */
static struct gf_bundle_manifest *fx_manifest(const char *version)
{
    struct gf_bundle_manifest *m = gf_bundle_manifest_new("gpu-stack", version, 1700000000);
    unsigned char sha[32];

    gf_bundle_manifest_add_component(m, "base");
    for (size_t i = 0; i < NPAYLOAD; i++) {
        if (payload[i].dir) {
            gf_bundle_manifest_add_file(m, payload[i].path, GF_BUNDLE_DIR, payload[i].mode, 0,
                                        NULL);
            continue;
        }
        sha_of(payload[i].data, strlen(payload[i].data), sha);
        gf_bundle_manifest_add_file(m, payload[i].path, GF_BUNDLE_REG, payload[i].mode,
                                    strlen(payload[i].data), sha);
    }
    return m;
}

static void set_member(struct member *mb, const char *name, unsigned type, unsigned mode,
                       const char *data, size_t len)
{
    memset(mb, 0, sizeof(*mb));
    snprintf(mb->name, sizeof(mb->name), "%s", name);
    mb->type = type;
    mb->mode = mode;
    mb->data = data;
    mb->len = len;
    mb->size = -1;
}

/* Serialises and signs f->m and lays out the members a good bundle has. */
static void fx_members(struct fx *f)
{
    struct gf_error err = GF_ERROR_INIT;
    char name[512];

    gf_buf_reset(&f->mtext);
    gf_buf_reset(&f->sig);
    gf_buf_reset(&f->sums);
    gf_bundle_manifest_serialize(f->m, &f->mtext);
    if (gf_bundle_sign(f->key, f->mtext.buf, f->mtext.len, &f->sig, &err) < 0)
        FAILF("sign: %s", err.msg);
    gf_bundle_manifest_sums(f->m, &f->sums);
    f->n = 0;
    set_member(&f->mem[f->n++], "MANIFEST", AE_IFREG, 0644, f->mtext.buf, f->mtext.len);
    set_member(&f->mem[f->n++], "MANIFEST.sig", AE_IFREG, 0644, f->sig.buf, f->sig.len);
    set_member(&f->mem[f->n++], "SHA256SUMS", AE_IFREG, 0644, f->sums.buf, f->sums.len);
    for (size_t i = 0; i < NPAYLOAD; i++) {
        snprintf(name, sizeof(name), "files/%s", payload[i].path);
        set_member(&f->mem[f->n++], name, payload[i].dir ? AE_IFDIR : AE_IFREG, payload[i].mode,
                   payload[i].data, payload[i].data ? strlen(payload[i].data) : 0);
    }
}

static void fx_init(struct fx *f)
{
    memset(f, 0, sizeof(*f));
    fx_tmpdir(f->dir, sizeof(f->dir));
    snprintf(f->bundle, sizeof(f->bundle), "%s/b.gfb", f->dir);
    f->key = fx_key(f->dir, "key", &f->pub);
    f->m = fx_manifest("1.4.0");
    gf_buf_init(&f->mtext);
    gf_buf_init(&f->sig);
    gf_buf_init(&f->sums);
    fx_members(f);
}

static void fx_release(struct fx *f)
{
    gf_bundle_rm_tree(AT_FDCWD, f->dir);
    cleanup_dir[0] = '\0';
    gf_bundle_key_free(f->key);
    gf_bundle_key_free(f->pub);
    gf_bundle_manifest_free(f->m);
    gf_buf_release(&f->mtext);
    gf_buf_release(&f->sig);
    gf_buf_release(&f->sums);
}

/* Index of the member named name. */
static size_t fx_find(struct fx *f, const char *name)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->mem[i].name, name) == 0)
            return i;
    FAILF("no member '%s'", name);
}

static void fx_remove(struct fx *f, size_t i)
{
    memmove(&f->mem[i], &f->mem[i + 1], (f->n - i - 1) * sizeof(f->mem[0]));
    f->n--;
}

static struct member *fx_insert(struct fx *f, size_t i)
{
    memmove(&f->mem[i + 1], &f->mem[i], (f->n - i) * sizeof(f->mem[0]));
    f->n++;
    return &f->mem[i];
}

/* Output that stops (fails) after `limit` bytes: a stream cut short. */
struct sink_fd {
    int fd;
    int64_t left;
};

static int use_gnutar; /* write GNU tar headers instead of pax */

static la_ssize_t limited_write(struct archive *a, void *ctx, const void *buf, size_t n)
{
    struct sink_fd *s = ctx;
    size_t k = (int64_t)n > s->left ? (size_t)s->left : n;

    (void)a;
    if (k && write(s->fd, buf, k) != (ssize_t)k)
        return -1;
    s->left -= (int64_t)k;
    return k == n ? (la_ssize_t)n : -1;
}

/* Writes the members as a tar like the builder does (pax restricted, no
 * record padding). limit > 0 cuts the output after that many bytes. */
static void write_tar_limit(const char *path, const struct member *mem, size_t n, int64_t limit)
{
    struct archive *a = archive_write_new();
    struct sink_fd s = { open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644), limit > 0 ? limit
                                                                                   : INT64_MAX };

    if (s.fd < 0)
        FAILF("open %s: %s", path, strerror(errno));
    if (use_gnutar)
        archive_write_set_format_gnutar(a);
    else
        archive_write_set_format_pax_restricted(a);
    archive_write_set_bytes_in_last_block(a, 1);
    if (archive_write_open(a, &s, NULL, limited_write, NULL) != ARCHIVE_OK)
        FAILF("archive_write_open: %s", archive_error_string(a));
    for (size_t i = 0; i < n; i++) {
        const struct member *mb = &mem[i];
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, mb->name);
        archive_entry_set_filetype(e, mb->type);
        archive_entry_set_perm(e, mb->mode);
        archive_entry_set_uid(e, mb->uid);
        archive_entry_set_gid(e, 0);
        archive_entry_set_uname(e, "root");
        archive_entry_set_gname(e, "root");
        archive_entry_set_mtime(e, 1700000000, 0);
        if (mb->link)
            archive_entry_set_symlink(e, mb->link);
        if (mb->hardlink)
            archive_entry_set_hardlink(e, mb->hardlink);
        if (mb->type == AE_IFCHR || mb->type == AE_IFBLK)
            archive_entry_set_rdev(e, makedev(1, 3));
        archive_entry_set_size(e, mb->size >= 0 ? mb->size : (int64_t)mb->len);
        if (mb->xattr)
            archive_entry_xattr_add_entry(e, mb->xattr, "\x01\x00\x00\x02", 4);
        if (mb->acl)
            archive_entry_acl_add_entry(e, ARCHIVE_ENTRY_ACL_TYPE_ACCESS,
                                        ARCHIVE_ENTRY_ACL_READ, ARCHIVE_ENTRY_ACL_USER, 1000,
                                        "nobody");
        if (mb->sparse) {
            archive_entry_sparse_add_entry(e, 0, 1);
            archive_entry_sparse_add_entry(e, (int64_t)mb->len - 1, 1);
        }
        int rc = archive_write_header(a, e);
        archive_entry_free(e);
        if (rc != ARCHIVE_OK) {
            if (limit > 0)
                break;
            FAILF("archive_write_header %s: %s", mb->name, archive_error_string(a));
        }
        if (mb->len && archive_write_data(a, mb->data, mb->len) != (la_ssize_t)mb->len &&
            limit <= 0)
            FAILF("archive_write_data %s: %s", mb->name, archive_error_string(a));
    }
    if (limit <= 0 && archive_write_close(a) != ARCHIVE_OK)
        FAILF("archive_write_close: %s", archive_error_string(a));
    archive_write_free(a);
    close(s.fd);
}

static void fx_write(struct fx *f)
{
    write_tar_limit(f->bundle, f->mem, f->n, 0);
}

static int fx_verify(struct fx *f, const struct gf_bundle_verify_opts *o, struct gf_error *err)
{
    struct gf_bundle_verify_opts def = { 0 };

    if (o == NULL) {
        def.pubkey = f->pub;
        o = &def;
    }
    return gf_bundle_verify_file(f->bundle, o, NULL, err);
}

/* Writes the fixture's members, verifies and expects a rejection whose
 * message contains want. */
static void expect_reject_opts(struct fx *f, const struct gf_bundle_verify_opts *o,
                               const char *want, int line)
{
    struct gf_error err = GF_ERROR_INIT;
    int rc = fx_verify(f, o, &err);

    if (rc != -GF_EINVAL || err.msg == NULL || strstr(err.msg, want) == NULL)
        FAILF("line %d: want -GF_EINVAL with '%s', got rc=%d '%s'", line, want, rc,
              err.msg ? err.msg : "(no message)");
    if (!gf_streq(err.file, f->bundle))
        FAILF("line %d: error names '%s', not the bundle", line, err.file ? err.file : "");
    gf_error_clear(&err);
}

#define EXPECT_REJECT(f, want) do { fx_write(f); expect_reject_opts(f, NULL, want, __LINE__); } \
    while (0)

static void expect_ok(struct fx *f, const struct gf_bundle_verify_opts *o)
{
    struct gf_error err = GF_ERROR_INIT;

    if (fx_verify(f, o, &err) < 0)
        FAILF("verify failed: %s", err.msg);
}

static int count_prefixed(const char *dir, const char *prefix);

/* ---- the fixture itself is good ---- */

TEST(bundle_reject_fixture_is_valid)
{
    struct fx f;
    struct gf_error err = GF_ERROR_INIT;
    struct gf_bundle_manifest *m = NULL;
    struct gf_bundle_verify_opts o = { 0 };

    fx_init(&f);
    fx_write(&f);
    o.pubkey = f.pub;
    ASSERT_EQ(gf_bundle_verify_file(f.bundle, &o, &m, &err), 0);
    ASSERT_EQ(m->files.n, NPAYLOAD);
    ASSERT(m->sig_checked);
    ASSERT_STREQ(m->signer, gf_bundle_key_fingerprint(f.pub));
    gf_bundle_manifest_free(m);
    fx_release(&f);
}

/* ---- signature ---- */

TEST(bundle_reject_wrong_key)
{
    struct fx f;
    struct gf_bundle_key *other_pub = NULL;
    struct gf_bundle_key *other = NULL;
    struct gf_bundle_verify_opts o = { 0 };

    fx_init(&f);
    other = fx_key(f.dir, "other", &other_pub);
    /* The member after MANIFEST.sig is hostile too: the signature must be
     * refused before that member's header is even looked at. */
    struct member *sums = &f.mem[fx_find(&f, "SHA256SUMS")];
    set_member(sums, "SHA256SUMS", AE_IFLNK, 0777, NULL, 0);
    sums->link = "/etc/shadow";
    fx_write(&f);
    o.pubkey = other_pub;
    expect_reject_opts(&f, &o, "signature does not verify with key", __LINE__);
    /* And extraction creates nothing at all. */
    struct gf_error err = GF_ERROR_INIT;
    char dest[160];
    snprintf(dest, sizeof(dest), "%s/inst", f.dir);
    ASSERT_EQ(gf_bundle_extract(f.bundle, dest, &o, NULL, &err), -GF_EINVAL);
    ASSERT(strstr(err.msg, "signature does not verify") != NULL);
    ASSERT_EQ(count_prefixed(f.dir, "inst"), 0);
    gf_error_clear(&err);
    gf_bundle_key_free(other);
    gf_bundle_key_free(other_pub);
    fx_release(&f);
}

TEST(bundle_reject_sig_names_other_signer)
{
    struct fx f;
    char *p;

    fx_init(&f);
    /* A valid signature, but the fingerprint hint is altered. */
    p = f.sig.buf + strlen("ed25519 SHA256:");
    *p = *p == 'A' ? 'B' : 'A';
    EXPECT_REJECT(&f, "names signer");
    fx_release(&f);
}

TEST(bundle_reject_unsigned_without_flag)
{
    struct fx f;
    struct gf_bundle_verify_opts o = { 0 };

    fx_init(&f);
    fx_remove(&f, fx_find(&f, "MANIFEST.sig"));
    EXPECT_REJECT(&f, "bundle is unsigned");
    o.insecure_unsigned = 1;
    expect_ok(&f, &o);
    fx_release(&f);
}

TEST(bundle_reject_flipped_byte_in_manifest)
{
    struct fx f;
    struct gf_error err = GF_ERROR_INIT;
    size_t at;

    fx_init(&f);
    /* Same length, still valid JSON: only the signature can tell. */
    at = (size_t)(strstr(f.mtext.buf, "gpu-stack") - f.mtext.buf);
    f.mtext.buf[at] = 'G';
    EXPECT_REJECT(&f, "signature does not verify with key");
    /* The same text is a valid manifest: the signature is what refused it. */
    struct gf_bundle_manifest *m = NULL;
    ASSERT_EQ(gf_bundle_manifest_parse(f.mtext.buf, f.mtext.len, &m, &err), 0);
    gf_bundle_manifest_free(m);
    fx_release(&f);
}

TEST(bundle_reject_signature_checked_before_manifest_is_parsed)
{
    struct fx f;

    fx_init(&f);
    /* Garbage in MANIFEST: the signature check must speak first. */
    f.mtext.buf[0] = '[';
    EXPECT_REJECT(&f, "signature does not verify");
    fx_release(&f);
}

/* ---- order and membership ---- */

TEST(bundle_reject_oversized_signature_member)
{
    struct fx f;
    static char big[2000];

    fx_init(&f);
    /* Bounded before anything is parsed: never read into memory whole. */
    memset(big, 'A', sizeof(big));
    struct member *mb = &f.mem[fx_find(&f, "MANIFEST.sig")];
    mb->data = big;
    mb->len = sizeof(big);
    EXPECT_REJECT(&f, "member 'MANIFEST.sig' is larger than 1024 bytes");
    fx_release(&f);
}

TEST(bundle_reject_manifest_not_first)
{
    struct fx f;
    struct member sums;

    fx_init(&f);
    sums = f.mem[2];
    memmove(&f.mem[1], &f.mem[0], 2 * sizeof(f.mem[0]));
    f.mem[0] = sums;
    EXPECT_REJECT(&f, "first member is 'SHA256SUMS', not MANIFEST");
    fx_release(&f);
}

TEST(bundle_reject_extra_member)
{
    struct fx f;

    fx_init(&f);
    set_member(fx_insert(&f, f.n), "files/etc/extra", AE_IFREG, 0644, "x\n", 2);
    EXPECT_REJECT(&f, "member 'files/etc/extra' is not in the manifest");
    fx_release(&f);
}

TEST(bundle_reject_member_outside_files)
{
    struct fx f;

    fx_init(&f);
    /* A second MANIFEST after the payload is just an unknown member. */
    set_member(fx_insert(&f, f.n), "MANIFEST", AE_IFREG, 0644, "{}\n", 3);
    EXPECT_REJECT(&f, "member 'MANIFEST' is not in the manifest");
    fx_release(&f);
}

TEST(bundle_reject_missing_member)
{
    struct fx f;

    fx_init(&f);
    fx_remove(&f, fx_find(&f, "files/etc/b.sh"));
    EXPECT_REJECT(&f, "'etc/b.sh' listed in the manifest is missing from the archive");
    fx_release(&f);
}

TEST(bundle_reject_missing_last_member)
{
    struct fx f;

    fx_init(&f);
    f.n--;
    EXPECT_REJECT(&f, "listed in the manifest is missing from the archive");
    fx_release(&f);
}

TEST(bundle_reject_duplicate_member)
{
    struct fx f;
    size_t i;

    fx_init(&f);
    i = fx_find(&f, "files/etc/a.conf");
    *fx_insert(&f, i + 1) = f.mem[i];
    EXPECT_REJECT(&f, "duplicate member 'files/etc/a.conf'");
    fx_release(&f);
}

TEST(bundle_reject_sums_mismatch)
{
    struct fx f;
    struct member *sums;

    fx_init(&f);
    f.sums.buf[0] = f.sums.buf[0] == '0' ? '1' : '0';
    EXPECT_REJECT(&f, "SHA256SUMS does not match the manifest");
    fx_release(&f);
    /* One line more (a file the manifest does not list), one line less. */
    fx_init(&f);
    gf_buf_adds(&f.sums, "0000000000000000000000000000000000000000000000000000000000000000  "
                         "files/etc/extra\n");
    sums = &f.mem[fx_find(&f, "SHA256SUMS")];
    sums->data = f.sums.buf;
    sums->len = f.sums.len;
    EXPECT_REJECT(&f, "SHA256SUMS does not match the manifest");
    sums->len = (size_t)(strchr(f.sums.buf, '\n') - f.sums.buf) + 1;
    EXPECT_REJECT(&f, "SHA256SUMS does not match the manifest");
    fx_release(&f);
}

/* ---- unsafe members ---- */

TEST(bundle_reject_dotdot_member)
{
    struct fx f;

    fx_init(&f);
    set_member(fx_insert(&f, 3), "files/../evil", AE_IFREG, 0644, "x\n", 2);
    EXPECT_REJECT(&f, "member 'files/../evil' has a '..' component");
    fx_release(&f);
    fx_init(&f);
    set_member(fx_insert(&f, 4), "files/etc/../../evil", AE_IFREG, 0644, "x\n", 2);
    EXPECT_REJECT(&f, "has a '..' component");
    fx_release(&f);
}

TEST(bundle_reject_absolute_member)
{
    struct fx f;

    fx_init(&f);
    set_member(fx_insert(&f, 3), "/tmp/evil", AE_IFREG, 0644, "x\n", 2);
    EXPECT_REJECT(&f, "member '/tmp/evil' has an absolute path");
    fx_release(&f);
}

TEST(bundle_reject_symlink_member)
{
    struct fx f;
    struct member *mb;

    fx_init(&f);
    mb = &f.mem[fx_find(&f, "files/etc/a.conf")];
    set_member(mb, "files/etc/a.conf", AE_IFLNK, 0777, NULL, 0);
    mb->link = "/etc/shadow";
    EXPECT_REJECT(&f, "member 'files/etc/a.conf' is a symlink to '/etc/shadow'");
    fx_release(&f);
}

TEST(bundle_reject_hardlink_member)
{
    struct fx f;
    struct member *mb;

    fx_init(&f);
    mb = &f.mem[fx_find(&f, "files/etc/b.sh")];
    set_member(mb, "files/etc/b.sh", AE_IFREG, 0755, NULL, 0);
    mb->hardlink = "files/etc/a.conf";
    EXPECT_REJECT(&f, "member 'files/etc/b.sh' is a hard link to 'files/etc/a.conf'");
    fx_release(&f);
}

TEST(bundle_reject_fifo_member)
{
    struct fx f;

    fx_init(&f);
    set_member(&f.mem[fx_find(&f, "files/etc/a.conf")], "files/etc/a.conf", AE_IFIFO, 0644,
               NULL, 0);
    EXPECT_REJECT(&f, "member 'files/etc/a.conf' is a FIFO");
    fx_release(&f);
}

TEST(bundle_reject_device_members)
{
    struct fx f;

    fx_init(&f);
    set_member(&f.mem[fx_find(&f, "files/etc/a.conf")], "files/etc/a.conf", AE_IFCHR, 0644,
               NULL, 0);
    EXPECT_REJECT(&f, "member 'files/etc/a.conf' is a character device");
    fx_release(&f);
    fx_init(&f);
    set_member(&f.mem[fx_find(&f, "files/etc/a.conf")], "files/etc/a.conf", AE_IFBLK, 0644,
               NULL, 0);
    EXPECT_REJECT(&f, "member 'files/etc/a.conf' is a block device");
    fx_release(&f);
}

TEST(bundle_reject_setuid_member)
{
    struct fx f;

    fx_init(&f);
    f.mem[fx_find(&f, "files/etc/b.sh")].mode = 04755;
    EXPECT_REJECT(&f, "member 'files/etc/b.sh' has setuid, setgid or sticky bits (mode 4755)");
    fx_release(&f);
    fx_init(&f);
    f.mem[fx_find(&f, "files/etc")].mode = 01777;
    EXPECT_REJECT(&f, "member 'files/etc/' has setuid, setgid or sticky bits");
    fx_release(&f);
}

TEST(bundle_reject_setuid_mode_in_manifest)
{
    struct fx f;
    struct gf_bundle_file *bsh;

    fx_init(&f);
    bsh = (struct gf_bundle_file *)gf_bundle_manifest_find(f.m, "etc/b.sh");
    bsh->mode = 04755;
    fx_members(&f);
    f.mem[fx_find(&f, "files/etc/b.sh")].mode = 0755;
    EXPECT_REJECT(&f, "'etc/b.sh' has mode 4755: setuid, setgid and sticky bits are not allowed");
    fx_release(&f);
}

TEST(bundle_reject_mode_differs_from_manifest)
{
    struct fx f;

    fx_init(&f);
    f.mem[fx_find(&f, "files/etc/a.conf")].mode = 0666;
    EXPECT_REJECT(&f, "member 'files/etc/a.conf' has mode 0666, the manifest says 0644");
    fx_release(&f);
}

TEST(bundle_reject_owner_not_root)
{
    struct fx f;

    fx_init(&f);
    f.mem[fx_find(&f, "files/etc/a.conf")].uid = 1000;
    EXPECT_REJECT(&f, "member 'files/etc/a.conf' is owned by 1000:0, not 0:0");
    fx_release(&f);
}

TEST(bundle_reject_xattr_acl_sparse_members)
{
    struct fx f;

    fx_init(&f);
    f.mem[fx_find(&f, "files/etc/b.sh")].xattr = "security.capability";
    EXPECT_REJECT(&f, "member 'files/etc/b.sh' carries extended attributes");
    fx_release(&f);
    fx_init(&f);
    f.mem[fx_find(&f, "files/etc/b.sh")].acl = 1;
    EXPECT_REJECT(&f, "member 'files/etc/b.sh' carries ACLs");
    fx_release(&f);
    fx_init(&f);
    f.mem[fx_find(&f, "files/etc/b.sh")].sparse = 1;
    EXPECT_REJECT(&f, "member 'files/etc/b.sh' is a sparse file");
    fx_release(&f);
}

TEST(bundle_reject_gnu_long_name_header)
{
    struct fx f;

    fx_init(&f);
    use_gnutar = 1; /* the long name becomes a GNU 'L' header */
    EXPECT_REJECT(&f, "uses an unsupported tar header type 'L'");
    use_gnutar = 0;
    fx_release(&f);
}

TEST(bundle_reject_type_differs_from_manifest)
{
    struct fx f;

    fx_init(&f);
    set_member(&f.mem[fx_find(&f, "files/etc/a.conf")], "files/etc/a.conf", AE_IFDIR, 0644,
               NULL, 0);
    EXPECT_REJECT(&f, "member 'files/etc/a.conf/' is a directory, the manifest says regular");
    fx_release(&f);
}

/* ---- sizes and contents ---- */

TEST(bundle_reject_oversized_member)
{
    struct fx f;
    char big[700];

    fx_init(&f);
    /* Starts with the declared content: only the size check can refuse it. */
    memset(big, 'A', sizeof(big));
    memcpy(big, "alpha\n", 6);
    struct member *mb = &f.mem[fx_find(&f, "files/etc/a.conf")];
    mb->data = big;
    mb->len = sizeof(big);
    EXPECT_REJECT(&f, "member 'files/etc/a.conf' is larger than declared (700 > 6 bytes)");
    fx_release(&f);
}

TEST(bundle_reject_endless_member)
{
    struct fx f;
    static char chunk[65536];
    struct gf_error err = GF_ERROR_INIT;
    struct stat st;

    fx_init(&f);
    /* A header claiming 1 TiB (a pax size record) and a stream that ends
     * after 64 KiB: refused from the header, before any data is read. */
    struct member *mb = &f.mem[fx_find(&f, "files/etc/a.conf")];
    mb->data = chunk;
    mb->len = sizeof(chunk);
    mb->size = (int64_t)1 << 40;
    write_tar_limit(f.bundle, f.mem, fx_find(&f, "files/etc/a.conf") + 1, 128 * 1024);
    ASSERT(stat(f.bundle, &st) == 0 && st.st_size <= 128 * 1024);
    expect_reject_opts(&f, NULL, "is larger than declared (1099511627776 > 6 bytes)", __LINE__);
    gf_error_clear(&err);
    fx_release(&f);
}

TEST(bundle_reject_smaller_member)
{
    struct fx f;

    fx_init(&f);
    f.mem[fx_find(&f, "files/etc/a.conf")].len = 3;
    EXPECT_REJECT(&f, "member 'files/etc/a.conf' is smaller than declared (3 < 6 bytes)");
    fx_release(&f);
}

TEST(bundle_reject_flipped_byte_in_payload)
{
    struct fx f;

    fx_init(&f);
    f.mem[fx_find(&f, "files/etc/a.conf")].data = "alphA\n";
    EXPECT_REJECT(&f, "sha256 of member 'files/etc/a.conf' does not match the manifest");
    fx_release(&f);
}

/* Reads the whole file. */
static char *slurp(const char *path, size_t *len)
{
    struct gf_buf b = GF_BUF_INIT;
    struct gf_error err = GF_ERROR_INIT;

    if (gf_read_file(path, &b, 0, &err) < 0)
        FAILF("read %s: %s", path, err.msg);
    return gf_buf_detach(&b, len);
}

static void spit(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

    if (fd < 0 || write(fd, data, len) != (ssize_t)len)
        FAILF("write %s: %s", path, strerror(errno));
    close(fd);
}

TEST(bundle_reject_any_flipped_byte)
{
    struct fx f;
    struct gf_bundle_verify_opts o = { 0 };
    struct gf_error err = GF_ERROR_INIT;
    size_t len, accepted = 0;
    char *good;

    fx_init(&f);
    fx_write(&f);
    good = slurp(f.bundle, &len);
    o.pubkey = f.pub;
    /* A third of the bytes of the bundle (every region: headers, pax
     * records, manifest, signature, sums, payload, padding, end blocks; each
     * verify costs an Ed25519 check, so not all of them) and every byte of
     * each block's checksum field and type flag. */
    int fd = open(f.bundle, O_WRONLY);
    ASSERT(fd >= 0);
    for (size_t i = 0; i < len; i++) {
        if (i % 3 != 0 && (i % 512 < 148 || i % 512 > 156))
            continue;
        char c = (char)(good[i] ^ (i % 7 == 3 ? 0x01 : 0x20));
        ASSERT_EQ(pwrite(fd, &c, 1, (off_t)i), 1);
        if (gf_bundle_verify_file(f.bundle, &o, NULL, &err) == 0) {
            fprintf(stderr, "    flipping byte %zu of %zu was accepted\n", i, len);
            accepted++;
        }
        gf_error_clear(&err);
        ASSERT_EQ(pwrite(fd, &good[i], 1, (off_t)i), 1);
    }
    close(fd);
    ASSERT_EQ(accepted, 0);
    ASSERT_EQ(gf_bundle_verify_file(f.bundle, &o, NULL, &err), 0);
    free(good);
    fx_release(&f);
}

TEST(bundle_reject_truncated)
{
    struct fx f;
    struct gf_bundle_verify_opts o = { 0 };
    struct gf_error err = GF_ERROR_INIT;
    size_t len;
    char *good;

    fx_init(&f);
    fx_write(&f);
    good = slurp(f.bundle, &len);
    o.pubkey = f.pub;
    for (size_t cut = 0; cut < len; cut += (cut < 2048 || len - cut < 2048) ? 1 : 97) {
        ASSERT_EQ(truncate(f.bundle, (off_t)cut), 0);
        if (gf_bundle_verify_file(f.bundle, &o, NULL, &err) == 0)
            FAILF("bundle cut to %zu of %zu bytes was accepted", cut, len);
        gf_error_clear(&err);
    }
    /* Cut inside the last payload member, and inside the end blocks. */
    spit(f.bundle, good, len - 1024 - 512 + 3);
    expect_reject_opts(&f, NULL, "truncated", __LINE__);
    spit(f.bundle, good, len - 512);
    expect_reject_opts(&f, NULL, "end-of-archive blocks are missing", __LINE__);
    free(good);
    fx_release(&f);
}

TEST(bundle_reject_trailing_data)
{
    struct fx f;
    size_t len;
    char *good, *more;

    fx_init(&f);
    fx_write(&f);
    good = slurp(f.bundle, &len);
    more = gf_xcalloc(len + 1024, 1);
    memcpy(more, good, len);
    spit(f.bundle, more, len + 512);
    expect_reject_opts(&f, NULL, "512 unexpected bytes after the end of the archive", __LINE__);
    more[len + 7] = 'x';
    spit(f.bundle, more, len + 1024);
    expect_reject_opts(&f, NULL, "unexpected bytes after the end", __LINE__);
    free(more);
    free(good);
    fx_release(&f);
}

TEST(bundle_reject_nonzero_padding)
{
    struct fx f;
    size_t len;
    char *data, *p;

    fx_init(&f);
    fx_write(&f);
    data = slurp(f.bundle, &len);
    p = memmem(data, len, "alpha\n", 6);
    ASSERT(p != NULL);
    p[6 + 100] = 'z'; /* in the zero padding after the member's data */
    spit(f.bundle, data, len);
    expect_reject_opts(&f, NULL, "member 'files/etc/a.conf' has non-zero padding", __LINE__);
    free(data);
    fx_release(&f);
}

/* Rewrites the checksum of the tar header block at h. */
static void tar_checksum(unsigned char *h)
{
    unsigned sum = 0;

    memset(h + 148, ' ', 8);
    for (int i = 0; i < 512; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    h[155] = ' ';
}

TEST(bundle_reject_header_libarchive_only_warns_about)
{
    struct fx f;
    size_t len;
    unsigned char *data, *h = NULL;

    fx_init(&f);
    fx_write(&f);
    data = (unsigned char *)slurp(f.bundle, &len);
    for (size_t off = 0; off + 512 <= len; off += 512)
        if (data[off + 156] == 'x' && memcmp(data + off + 257, "ustar", 5) == 0) {
            h = data + off;
            break;
        }
    ASSERT(h != NULL);
    /* Append a malformed record after the valid path record, inside the
     * padding, and fix the header: libarchive keeps the path and only warns. */
    unsigned long size = strtoul((char *)h + 124, NULL, 8);
    ASSERT(size + 8 < 512);
    memcpy(h + 512 + size, "9 x=y\n", 6);
    snprintf((char *)h + 124, 12, "%011lo", size + 6);
    tar_checksum(h);
    spit(f.bundle, (char *)data, len);
    expect_reject_opts(&f, NULL, "damaged or truncated archive after 'files/etc/b.sh'", __LINE__);
    free(data);
    fx_release(&f);
}

/* ---- manifest-level rules ---- */

TEST(bundle_reject_expired)
{
    struct fx f;
    struct gf_bundle_verify_opts o = { 0 };

    fx_init(&f);
    f.m->has_expires = 1;
    f.m->expires = 1800000000;
    fx_members(&f);
    fx_write(&f);
    o.pubkey = f.pub;
    o.now = 1800000000;
    expect_reject_opts(&f, &o, "bundle 'gpu-stack' 1.4.0 expired at 2027-01-15T08:00:00Z",
                       __LINE__);
    o.now = 1799999999;
    expect_ok(&f, &o);
    fx_release(&f);
}

TEST(bundle_reject_rollback)
{
    struct fx f;
    struct gf_bundle_verify_opts o = { 0 };

    fx_init(&f);
    gf_bundle_manifest_free(f.m);
    f.m = fx_manifest("1.9.3");
    fx_members(&f);
    fx_write(&f);
    o.pubkey = f.pub;
    o.installed = "1.10.0";
    expect_reject_opts(&f, &o, "version 1.9.3 is older than the installed 1.10.0", __LINE__);
    o.allow_downgrade = 1;
    expect_ok(&f, &o);
    o.allow_downgrade = 0;
    o.installed = "1.9.3";
    expect_ok(&f, &o);
    fx_release(&f);
}

TEST(bundle_reject_noncanonical_manifest)
{
    struct fx f;
    struct gf_buf spaced = GF_BUF_INIT;

    fx_init(&f);
    /* Same content with a space after the first colon, correctly signed. */
    const char *colon = strchr(f.mtext.buf, ':');
    gf_buf_add(&spaced, f.mtext.buf, (size_t)(colon - f.mtext.buf) + 1);
    gf_buf_addc(&spaced, ' ');
    gf_buf_adds(&spaced, colon + 1);
    gf_buf_reset(&f.sig);
    struct gf_error err = GF_ERROR_INIT;
    ASSERT_EQ(gf_bundle_sign(f.key, spaced.buf, spaced.len, &f.sig, &err), 0);
    f.mem[0].data = spaced.buf;
    f.mem[0].len = spaced.len;
    f.mem[1].data = f.sig.buf;
    f.mem[1].len = f.sig.len;
    EXPECT_REJECT(&f, "MANIFEST: not in canonical form");
    gf_buf_release(&spaced);
    fx_release(&f);
}

/* ---- release A's manifest with release B's files ---- */

static void write_text(const char *path, const char *text)
{
    spit(path, text, strlen(text));
}

/* Builds a real bundle from a spec whose one file holds `content`. */
static void build_release(const char *dir, const char *version, const char *content,
                          const struct gf_bundle_key *key, const char *out)
{
    struct gf_bundle_build_opts o = { 0 };
    struct gf_error err = GF_ERROR_INIT;
    char path[256], spec[256];

    snprintf(path, sizeof(path), "%s/conf-%s", dir, version);
    write_text(path, content);
    snprintf(spec, sizeof(spec), "%s/spec-%s.yml", dir, version);
    snprintf(path, sizeof(path), "name: gpu-stack\nversion: '%s'\ncomponents:\n"
             "  - name: base\n    files:\n      - {src: conf-%s, dest: etc/gpu.conf}\n",
             version, version);
    write_text(spec, path);
    o.spec = spec;
    o.out = out;
    o.key = key;
    o.created = 1700000000;
    if (gf_bundle_build(&o, NULL, &err) < 0)
        FAILF("build %s: %s", version, err.msg);
}

/* Copies members [0, split) of a and [split, end) of b into out. */
static void splice_bundles(const char *a, const char *b, size_t split, const char *out)
{
    struct archive *w = archive_write_new();
    const char *src[2] = { a, b };

    archive_write_set_format_pax_restricted(w);
    archive_write_set_bytes_in_last_block(w, 1);
    if (archive_write_open_filename(w, out) != ARCHIVE_OK)
        FAILF("open %s", out);
    for (int s = 0; s < 2; s++) {
        struct archive *r = archive_read_new();
        struct archive_entry *e;
        size_t i = 0;
        archive_read_support_format_tar(r);
        if (archive_read_open_filename(r, src[s], 10240) != ARCHIVE_OK)
            FAILF("open %s", src[s]);
        for (; archive_read_next_header(r, &e) == ARCHIVE_OK; i++) {
            if ((s == 0) != (i < split))
                continue;
            char buf[4096];
            la_ssize_t n;
            if (archive_write_header(w, e) != ARCHIVE_OK)
                FAILF("splice header: %s", archive_error_string(w));
            while ((n = archive_read_data(r, buf, sizeof(buf))) > 0)
                archive_write_data(w, buf, (size_t)n);
        }
        archive_read_free(r);
    }
    archive_write_close(w);
    archive_write_free(w);
}

TEST(bundle_reject_manifest_of_release_a_with_files_of_release_b)
{
    struct fx f;
    char a[128], b[128];

    fx_init(&f);
    snprintf(a, sizeof(a), "%s/a.gfb", f.dir);
    snprintf(b, sizeof(b), "%s/b-release.gfb", f.dir);
    /* Same paths and sizes, different content. */
    build_release(f.dir, "1.4.0", "driver=550.54\n", f.key, a);
    build_release(f.dir, "1.5.0", "driver=560.11\n", f.key, b);
    splice_bundles(a, b, 3, f.bundle); /* A's MANIFEST, sig, sums; B's payload */
    expect_reject_opts(&f, NULL, "sha256 of member 'files/etc/gpu.conf' does not match the "
                       "manifest", __LINE__);
    /* Both releases are fine on their own. */
    struct gf_bundle_verify_opts o = { 0 };
    struct gf_error err = GF_ERROR_INIT;
    o.pubkey = f.pub;
    ASSERT_EQ(gf_bundle_verify_file(a, &o, NULL, &err), 0);
    ASSERT_EQ(gf_bundle_verify_file(b, &o, NULL, &err), 0);
    fx_release(&f);
}

/* ---- extraction: nothing escapes the staging directory ---- */

static void expect_extract_refused(struct fx *f, const char *sentinel, const char *dest,
                                   const char *want, int line)
{
    struct gf_bundle_verify_opts o = { 0 };
    struct gf_error err = GF_ERROR_INIT;
    size_t len;
    char *s;

    fx_write(f);
    o.pubkey = f->pub;
    int rc = gf_bundle_extract(f->bundle, dest, &o, NULL, &err);
    if (rc == 0 || strstr(err.msg, want) == NULL)
        FAILF("line %d: want '%s', got rc=%d '%s'", line, want, rc, err.msg ? err.msg : "");
    gf_error_clear(&err);
    s = slurp(sentinel, &len);
    if (len != 5 || memcmp(s, "keep\n", 5) != 0)
        FAILF("line %d: sentinel changed", line);
    free(s);
    struct stat st;
    if (lstat(dest, &st) == 0)
        FAILF("line %d: destination created", line);
}

/* Counts entries of dir whose name starts with prefix. */
static int count_prefixed(const char *dir, const char *prefix)
{
    char cmd[256];
    int n = 0;
    FILE *p;

    snprintf(cmd, sizeof(cmd), "ls -a '%s'", dir);
    p = popen(cmd, "r");
    ASSERT(p != NULL);
    char line[256];
    while (fgets(line, sizeof(line), p))
        if (gf_startswith(line, prefix))
            n++;
    pclose(p);
    return n;
}

TEST(bundle_extract_sentinel_outside_staging_is_untouched)
{
    struct fx f;
    char sentinel[128], outdir[128], dest[160], abs[200];
    struct member *mb;

    fx_init(&f);
    snprintf(sentinel, sizeof(sentinel), "%s/sentinel", f.dir);
    write_text(sentinel, "keep\n");
    snprintf(outdir, sizeof(outdir), "%s/out", f.dir);
    ASSERT_EQ(mkdir(outdir, 0755), 0);
    snprintf(dest, sizeof(dest), "%s/inst", outdir);

    /* staging/files/../../../sentinel is f.dir/sentinel */
    set_member(fx_insert(&f, 3), "files/../../../sentinel", AE_IFREG, 0644, "evil\n", 5);
    expect_extract_refused(&f, sentinel, dest, "'..' component", __LINE__);

    fx_members(&f);
    snprintf(abs, sizeof(abs), "%s", sentinel);
    set_member(fx_insert(&f, 3), abs, AE_IFREG, 0644, "evil\n", 5);
    expect_extract_refused(&f, sentinel, dest, "absolute path", __LINE__);

    /* A symlink to the directory holding the sentinel, then a file through it. */
    fx_members(&f);
    mb = fx_insert(&f, 4);
    set_member(mb, "files/etc/escape", AE_IFLNK, 0777, NULL, 0);
    mb->link = f.dir;
    set_member(fx_insert(&f, 5), "files/etc/escape/sentinel", AE_IFREG, 0644, "evil\n", 5);
    expect_extract_refused(&f, sentinel, dest, "is a symlink", __LINE__);

    /* A hard link to the sentinel. */
    fx_members(&f);
    mb = fx_insert(&f, 4);
    set_member(mb, "files/etc/hl", AE_IFREG, 0644, NULL, 0);
    mb->hardlink = sentinel;
    expect_extract_refused(&f, sentinel, dest, "hard link", __LINE__);

    /* A bad hash in the last member: extraction had begun; all removed. */
    fx_members(&f);
    f.mem[f.n - 1].data = "lonG\n";
    expect_extract_refused(&f, sentinel, dest, "does not match the manifest", __LINE__);
    ASSERT_EQ(count_prefixed(outdir, "inst"), 0);
    fx_release(&f);
}

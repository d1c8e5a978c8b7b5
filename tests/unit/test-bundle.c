/* test-bundle.c - unit tests for bundles: the manifest (serialise, parse,
 * canonical form, rules), versions and times, keys and signatures, building
 * from a spec (and spec errors from tests/data/bundle), the build -> verify
 * round trip, extraction and verification of an extracted tree. Malicious
 * archives are in test-bundle-reject.c. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../engine/bundle/bundle-private.h"
#include "harness.h"

static char cleanup_dir[64];
static int cleanup_registered;

static void cleanup(void)
{
    if (cleanup_dir[0])
        gf_bundle_rm_tree(AT_FDCWD, cleanup_dir);
}

/* A temporary directory removed when the test ends (even on failure). */
static void tmpdir(char *dir, size_t size)
{
    snprintf(dir, size, "/tmp/gf-test-bundle-XXXXXX");
    if (mkdtemp(dir) == NULL)
        FAILF("mkdtemp: %s", strerror(errno));
    snprintf(cleanup_dir, sizeof(cleanup_dir), "%s", dir);
    if (!cleanup_registered++)
        atexit(cleanup);
}

static void write_file(const char *dir, const char *name, const char *text, mode_t mode)
{
    char path[512];
    int fd;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
        FAILF("write %s: %s", path, strerror(errno));
    fchmod(fd, mode);
    close(fd);
}

static void make_dir(const char *dir, const char *name)
{
    char path[512];

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (mkdir(path, 0755) < 0)
        FAILF("mkdir %s: %s", path, strerror(errno));
}

static char *slurp(const char *path, size_t *len)
{
    struct gf_buf b = GF_BUF_INIT;
    struct gf_error err = GF_ERROR_INIT;

    if (gf_read_file(path, &b, 0, &err) < 0)
        FAILF("read %s: %s", path, err.msg);
    return gf_buf_detach(&b, len);
}

static struct gf_bundle_key *keypair(const char *dir, struct gf_bundle_key **pub)
{
    struct gf_error err = GF_ERROR_INIT;
    struct gf_bundle_key *k = NULL;
    char path[128], pubpath[140];

    snprintf(path, sizeof(path), "%s/key", dir);
    snprintf(pubpath, sizeof(pubpath), "%s/key.pub", dir);
    if (gf_bundle_keygen(path, NULL, &err) < 0 || gf_bundle_key_load(path, 1, &k, &err) < 0 ||
        gf_bundle_key_load(pubpath, 0, pub, &err) < 0)
        FAILF("keys: %s", err.msg);
    return k;
}

/* ---- manifest ---- */

static struct gf_bundle_manifest *sample_manifest(void)
{
    struct gf_bundle_manifest *m = gf_bundle_manifest_new("gpu-stack", "1.4.0", 1767225600);
    unsigned char sha[32];
    struct gf_bundle_component *c;

    for (int i = 0; i < 32; i++)
        sha[i] = (unsigned char)(i * 7);
    m->has_expires = 1;
    m->expires = 1811808000;
    c = gf_bundle_manifest_add_component(m, "driver");
    gf_bundle_manifest_add_file(m, "images", GF_BUNDLE_DIR, 0755, 0, NULL);
    gf_bundle_manifest_add_file(m, "images/a.img", GF_BUNDLE_REG, 0644, 12345, sha);
    gf_bundle_manifest_add_file(m, "debs", GF_BUNDLE_DIR, 0755, 0, NULL);
    gf_bundle_manifest_add_file(m, "debs/driver", GF_BUNDLE_DIR, 0750, 0, NULL);
    gf_bundle_manifest_add_file(m, "debs/driver/nv_1.0+cu12_amd64.deb", GF_BUNDLE_REG, 0600, 7,
                                sha);
    gf_vec_push(&c->debs, gf_xstrdup("debs/driver/nv_1.0+cu12_amd64.deb"));
    gf_bundle_manifest_add_component(m, "tools");
    gf_bundle_manifest_add_file(m, "images/tool.sh", GF_BUNDLE_REG, 0755, 0, sha);
    return m;
}

TEST(bundle_manifest_serialize_exact_text)
{
    struct gf_bundle_manifest *m = gf_bundle_manifest_new("n", "1", 0);
    struct gf_buf b = GF_BUF_INIT;

    gf_bundle_manifest_add_component(m, "c");
    gf_bundle_manifest_add_file(m, "d", GF_BUNDLE_DIR, 0755, 0, NULL);
    gf_bundle_manifest_add_file(m, "d/f", GF_BUNDLE_REG, 0644, 3, NULL);
    gf_bundle_manifest_serialize(m, &b);
    ASSERT_STREQ(b.buf, "{\"components\":[{\"debs\":[],\"files\":[{\"mode\":\"0755\","
                        "\"path\":\"d\",\"type\":\"directory\"},{\"mode\":\"0644\","
                        "\"path\":\"d/f\",\"sha256\":"
                        "\"0000000000000000000000000000000000000000000000000000000000000000\","
                        "\"size\":3,\"type\":\"regular\"}],\"name\":\"c\"}],\"created\":"
                        "\"1970-01-01T00:00:00Z\",\"format\":1,\"name\":\"n\",\"version\":\"1\"}"
                        "\n");
    gf_buf_reset(&b);
    gf_bundle_manifest_sums(m, &b);
    ASSERT_STREQ(b.buf, "0000000000000000000000000000000000000000000000000000000000000000  "
                        "files/d/f\n");
    gf_buf_release(&b);
    gf_bundle_manifest_free(m);
}

TEST(bundle_manifest_roundtrip_is_byte_identical)
{
    struct gf_bundle_manifest *m = sample_manifest(), *p = NULL;
    struct gf_buf a = GF_BUF_INIT, b = GF_BUF_INIT;
    struct gf_error err = GF_ERROR_INIT;

    gf_bundle_manifest_serialize(m, &a);
    if (gf_bundle_manifest_parse(a.buf, a.len, &p, &err) < 0)
        FAILF("parse: %s", err.msg);
    gf_bundle_manifest_serialize(p, &b);
    ASSERT_EQ(a.len, b.len);
    ASSERT(memcmp(a.buf, b.buf, a.len) == 0);
    ASSERT_STREQ(p->name, "gpu-stack");
    ASSERT_STREQ(p->version, "1.4.0");
    ASSERT_EQ(p->created, 1767225600);
    ASSERT(p->has_expires);
    ASSERT_EQ(p->expires, 1811808000);
    ASSERT_EQ(p->components.n, 2);
    ASSERT_EQ(p->files.n, 6);
    const struct gf_bundle_file *f =
        gf_bundle_manifest_find(p, "debs/driver/nv_1.0+cu12_amd64.deb");
    ASSERT(f != NULL);
    ASSERT_EQ(f->mode, 0600);
    ASSERT_EQ(f->size, 7);
    ASSERT_EQ(f->component, 0);
    ASSERT_EQ(f->sha256[3], 21);
    ASSERT_EQ(gf_bundle_manifest_find(p, "images/tool.sh")->component, 1);
    ASSERT_EQ(gf_bundle_manifest_find(p, "debs/driver")->mode, 0750);
    ASSERT_STREQ(((struct gf_bundle_component *)p->components.v[0])->debs.v[0],
                 "debs/driver/nv_1.0+cu12_amd64.deb");
    ASSERT_EQ(gf_bundle_manifest_bytes(p), 12345 + 7);
    gf_buf_release(&a);
    gf_buf_release(&b);
    gf_bundle_manifest_free(m);
    gf_bundle_manifest_free(p);
}

/* Parses text with `from` replaced by `to` everywhere; returns the error. */
static char *parse_variant(const char *from, const char *to)
{
    struct gf_bundle_manifest *m = sample_manifest(), *p = NULL;
    struct gf_buf a = GF_BUF_INIT, b = GF_BUF_INIT;
    struct gf_error err = GF_ERROR_INIT;
    const char *s, *hit;

    gf_bundle_manifest_serialize(m, &a);
    if (strstr(a.buf, from) == NULL)
        FAILF("'%s' not in the sample manifest", from);
    for (s = a.buf; (hit = strstr(s, from)) != NULL; s = hit + strlen(from)) {
        gf_buf_add(&b, s, (size_t)(hit - s));
        gf_buf_adds(&b, to);
    }
    gf_buf_adds(&b, s);
    if (gf_bundle_manifest_parse(b.buf, b.len, &p, &err) == 0)
        FAILF("variant %s -> %s was accepted", from, to);
    gf_buf_release(&a);
    gf_buf_release(&b);
    gf_bundle_manifest_free(m);
    char *msg = gf_xstrdup(err.msg);
    gf_error_clear(&err);
    return msg;
}

TEST(bundle_manifest_parse_rejects_bad_fields)
{
    static const struct { const char *from, *to, *want; } cases[] = {
        { "\"0755\",\"path\":\"images\"", "\"4755\",\"path\":\"images\"",
          "'images' has mode 4755: setuid, setgid and sticky bits are not allowed" },
        { "\"0644\"", "\"1644\"", "setuid, setgid and sticky bits are not allowed" },
        { "images/a.img", "../a.img", "path '../a.img' has a '..' component" },
        { "images/a.img", "/etc/a.img", "path '/etc/a.img' is absolute" },
        { "images/a.img", "images//a.img", "has an empty or '.' component" },
        { "images/a.img", "images/a b", "has a character outside" },
        { "images/a.img", "images/tool.sh", "'images/tool.sh' appears twice" },
        { "images/a.img", "nodir/a.img", "parent directory 'nodir' of 'nodir/a.img' is not "
          "listed before it" },
        { "\"type\":\"regular\"", "\"type\":\"symlink\"", "has type 'symlink'" },
        { "\"format\":1", "\"format\":2", "unsupported manifest format 2" },
        { "\"version\":\"1.4.0\"", "\"version\":\"1.4.x\"", "invalid version '1.4.x'" },
        { "\"name\":\"gpu-stack\"", "\"name\":\"gpu stack\"", "invalid bundle name" },
        { "\"created\":\"2026-01-01T00:00:00Z\"", "\"created\":\"2026-02-30T00:00:00Z\"",
          "invalid created time" },
        { "\"format\":1", "\"format\":1,\"extra\":1", "unknown key 'extra' in the manifest" },
        { "\"size\":12345", "\"size\":-1", "has no valid size" },
        { "\"name\":\"tools\"", "\"name\":\"driver\"", "component 'driver' appears twice" },
        { "{\"debs\":[],", "{\"debs\":[\"images/tool.sh\"],",
          "deb 'images/tool.sh' of component 'tools' is not one of its regular .deb files" },
        { "\"format\":1", "\"format\": 1", "not in canonical form" },
        { "{\"components\"", "{\"format\":1,\"components\"", "duplicate key" },
        { "\"size\":7,", "\"size\":07,", "not in canonical form" },
    };

    for (size_t i = 0; i < GF_ARRAY_LEN(cases); i++) {
        char *msg = parse_variant(cases[i].from, cases[i].to);
        if (strstr(msg, cases[i].want) == NULL)
            FAILF("case %zu: want '%s', got '%s'", i, cases[i].want, msg);
        free(msg);
    }
}

TEST(bundle_manifest_parse_rejects_reordered_keys)
{
    struct gf_bundle_manifest *p = NULL;
    struct gf_error err = GF_ERROR_INIT;
    const char *text = "{\"created\":\"1970-01-01T00:00:00Z\",\"components\":[],\"format\":1,"
                       "\"name\":\"n\",\"version\":\"1\"}\n";

    ASSERT(gf_bundle_manifest_parse(text, strlen(text), &p, &err) < 0);
    ASSERT_STREQ(err.msg, "not in canonical form");
    gf_error_clear(&err);
    /* Without the final newline, and with two of them. */
    const char *ok = "{\"components\":[],\"created\":\"1970-01-01T00:00:00Z\",\"format\":1,"
                     "\"name\":\"n\",\"version\":\"1\"}\n\n";
    ASSERT(gf_bundle_manifest_parse(ok, strlen(ok) - 2, &p, &err) < 0);
    ASSERT(gf_bundle_manifest_parse(ok, strlen(ok), &p, &err) < 0);
    ASSERT_EQ(gf_bundle_manifest_parse(ok, strlen(ok) - 1, &p, &err), 0);
    gf_bundle_manifest_free(p);
    gf_error_clear(&err);
}

TEST(bundle_versions_compare_numerically)
{
    ASSERT(gf_bundle_version_cmp("1.10.0", "1.9.3") > 0);
    ASSERT(gf_bundle_version_cmp("1.4", "1.4.0") == 0);
    ASSERT(gf_bundle_version_cmp("1.4.0", "1.4.0.1") < 0);
    ASSERT(gf_bundle_version_cmp("2", "10") < 0);
    ASSERT(gf_bundle_version_cmp("0.0.1", "0.0.0") > 0);
    ASSERT(gf_bundle_version_valid("1.4.0"));
    ASSERT(gf_bundle_version_valid("0"));
    ASSERT(gf_bundle_version_valid("2024.06.1") == 0); /* leading zero */
    ASSERT(gf_bundle_version_valid("1..2") == 0);
    ASSERT(gf_bundle_version_valid("1.2.") == 0);
    ASSERT(gf_bundle_version_valid("v1.2") == 0);
    ASSERT(gf_bundle_version_valid("1.2-rc1") == 0);
    ASSERT(gf_bundle_version_valid("") == 0);
    ASSERT(gf_bundle_version_valid("1234567890") == 0);
    ASSERT(gf_bundle_name_valid("gpu-stack_2.x+1"));
    ASSERT(gf_bundle_name_valid("-x") == 0);
    ASSERT(gf_bundle_name_valid("a/b") == 0);
}

TEST(bundle_rollback_and_expiry_checks)
{
    struct gf_bundle_manifest *m = gf_bundle_manifest_new("s", "1.4.0", 0);
    struct gf_error err = GF_ERROR_INIT;

    ASSERT_EQ(gf_bundle_check_version(m, NULL, 0, &err), 0);
    ASSERT_EQ(gf_bundle_check_version(m, "1.4.0", 0, &err), 0);
    ASSERT_EQ(gf_bundle_check_version(m, "1.3.9", 0, &err), 0);
    ASSERT_EQ(gf_bundle_check_version(m, "1.10", 0, &err), -GF_EINVAL);
    ASSERT(strstr(err.msg, "older than the installed 1.10") != NULL);
    ASSERT_EQ(gf_bundle_check_version(m, "1.10", 1, &err), 0);
    ASSERT_EQ(gf_bundle_check_version(m, "x", 0, &err), -GF_EINVAL);
    ASSERT_EQ(gf_bundle_check_expiry(m, 4000000000, &err), 0);
    m->has_expires = 1;
    ASSERT_EQ(gf_bundle_time_parse("2027-06-01", 1, &m->expires), 0);
    ASSERT_EQ(gf_bundle_check_expiry(m, m->expires - 1, &err), 0);
    ASSERT_EQ(gf_bundle_check_expiry(m, m->expires, &err), -GF_EINVAL);
    ASSERT_STREQ(err.msg, "bundle 's' 1.4.0 expired at 2027-06-01T00:00:00Z");
    gf_error_clear(&err);
    gf_bundle_manifest_free(m);
}

TEST(bundle_times_parse_strictly)
{
    int64_t t;
    char buf[32];

    ASSERT_EQ(gf_bundle_time_parse("2027-06-01T12:34:56Z", 0, &t), 0);
    gf_bundle_time_format(t, buf, sizeof(buf));
    ASSERT_STREQ(buf, "2027-06-01T12:34:56Z");
    ASSERT_EQ(gf_bundle_time_parse("2027-06-01", 0, &t), -1);
    ASSERT_EQ(gf_bundle_time_parse("2027-06-01", 1, &t), 0);
    ASSERT_EQ(t, 1811808000);
    ASSERT_EQ(gf_bundle_time_parse("2027-02-29", 1, &t), -1);
    ASSERT_EQ(gf_bundle_time_parse("2027-06-01T24:00:00Z", 0, &t), -1);
    ASSERT_EQ(gf_bundle_time_parse("2027-6-01", 1, &t), -1);
    ASSERT_EQ(gf_bundle_time_parse(" 027-06-01", 1, &t), -1);
    ASSERT_EQ(gf_bundle_time_parse("2027-06-01T00:00:00+01", 0, &t), -1);
}

TEST(bundle_path_rules)
{
    ASSERT(gf_bundle_path_problem("a/b.c-d_e+f@g=h,i:j~k%l") == NULL);
    ASSERT_STREQ(gf_bundle_path_problem(""), "is empty");
    ASSERT_STREQ(gf_bundle_path_problem("/a"), "is absolute");
    ASSERT_STREQ(gf_bundle_path_problem("a/../b"), "has a '..' component");
    ASSERT_STREQ(gf_bundle_path_problem(".."), "has a '..' component");
    ASSERT_STREQ(gf_bundle_path_problem("a/./b"), "has an empty or '.' component");
    ASSERT_STREQ(gf_bundle_path_problem("a/"), "has an empty or '.' component");
    ASSERT_STREQ(gf_bundle_path_problem("a\\b"), "has a character outside A-Za-z0-9._-+@=,:~%");
    ASSERT_STREQ(gf_bundle_path_problem("a\nb"), "has a character outside A-Za-z0-9._-+@=,:~%");
    char longc[300];
    memset(longc, 'x', sizeof(longc) - 1);
    longc[sizeof(longc) - 1] = '\0';
    ASSERT_STREQ(gf_bundle_path_problem(longc), "has a component longer than 255 bytes");
    char longp[1100];
    for (size_t i = 0; i < sizeof(longp) - 1; i++)
        longp[i] = i % 100 == 99 ? '/' : 'p';
    longp[sizeof(longp) - 1] = '\0';
    ASSERT_STREQ(gf_bundle_path_problem(longp), "is longer than 1024 bytes");
    longp[1024] = '\0';
    ASSERT(gf_bundle_path_problem(longp) == NULL);
}

/* ---- keys ---- */

TEST(bundle_keygen_modes_and_no_overwrite)
{
    char dir[64], path[128], pubpath[140];
    struct gf_error err = GF_ERROR_INIT;
    struct gf_bundle_key *k = NULL, *pub = NULL;
    struct stat st;
    char *fp = NULL, *before, *after;
    size_t n1, n2;

    tmpdir(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/k", dir);
    snprintf(pubpath, sizeof(pubpath), "%s/k.pub", dir);
    umask(0);
    ASSERT_EQ(gf_bundle_keygen(path, &fp, &err), 0);
    ASSERT(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600);
    ASSERT(stat(pubpath, &st) == 0 && (st.st_mode & 07777) == 0644);
    before = slurp(path, &n1);
    ASSERT(strstr(before, "-----BEGIN PRIVATE KEY-----") != NULL);
    ASSERT_EQ(gf_bundle_keygen(path, NULL, &err), -GF_EINVAL);
    ASSERT(strstr(err.msg, "refusing to overwrite") != NULL);
    after = slurp(path, &n2);
    ASSERT(n1 == n2 && memcmp(before, after, n1) == 0);
    ASSERT_EQ(gf_bundle_key_load(path, 1, &k, &err), 0);
    ASSERT_EQ(gf_bundle_key_load(pubpath, 0, &pub, &err), 0);
    ASSERT_STREQ(gf_bundle_key_fingerprint(k), fp);
    ASSERT_STREQ(gf_bundle_key_fingerprint(pub), fp);
    ASSERT_EQ(strlen(fp), 50);
    /* Sign with the private key, check with the public one. */
    struct gf_buf sig = GF_BUF_INIT;
    ASSERT_EQ(gf_bundle_sign(k, "data", 4, &sig, &err), 0);
    ASSERT_EQ(gf_bundle_sig_check(pub, "data", 4, sig.buf, sig.len, &err), 0);
    ASSERT_EQ(gf_bundle_sig_check(pub, "datb", 4, sig.buf, sig.len, &err), -GF_EINVAL);
    ASSERT_EQ(gf_bundle_sign(pub, "data", 4, &sig, &err), -GF_EINVAL);
    char *signer = gf_bundle_sig_signer(sig.buf, sig.len);
    ASSERT_STREQ(signer, fp);
    free(signer);
    /* The last base64 character carries 2 ignored bits: changing them must
     * not give a second valid form of the same signature. */
    char *last = sig.buf + sig.len - 4;
    ASSERT(strchr("AQgw", *last) != NULL); /* 2 data bits, then 4 zero bits */
    *last = (char)(*last + 1);             /* A->B, Q->R, g->h, w->x: same data bits */
    ASSERT_EQ(gf_bundle_sig_check(pub, "data", 4, sig.buf, sig.len, &err), -GF_EINVAL);
    gf_buf_release(&sig);
    /* A private key readable by others is refused. */
    ASSERT_EQ(chmod(path, 0644), 0);
    gf_bundle_key_free(k);
    ASSERT_EQ(gf_bundle_key_load(path, 1, &k, &err), -GF_EINVAL);
    ASSERT(strstr(err.msg, "accessible by group or others") != NULL);
    gf_error_clear(&err);
    free(fp);
    free(before);
    free(after);
    gf_bundle_key_free(pub);
}

/* ---- build and verify ---- */

static void source_tree(const char *dir)
{
    make_dir(dir, "dl");
    make_dir(dir, "dl/images");
    make_dir(dir, "dl/images/sub");
    make_dir(dir, "dl/images/empty");
    make_dir(dir, "dl/debs");
    make_dir(dir, "conf");
    write_file(dir, "dl/images/a.img", "image a\n", 0644);
    write_file(dir, "dl/images/sub/b.img", "image b\n", 0600);
    write_file(dir, "dl/images/run", "#!/bin/sh\n", 0700);
    write_file(dir, "dl/debs/zz_1.0_amd64.deb", "deb z\n", 0644);
    write_file(dir, "dl/debs/aa_2.0_amd64.deb", "deb a\n", 0644);
    write_file(dir, "dl/debs/README", "not a deb\n", 0644);
    write_file(dir, "conf/x.conf", "x=1\n", 0644);
    write_file(dir, "spec.yml",
               "name: gpu-stack\n"
               "version: 1.4.0\n"
               "expires: 2099-06-01\n"
               "components:\n"
               "  - name: driver\n"
               "    files:\n"
               "      - {src: dl/images/, dest: images/}\n"
               "      - {src: conf/x.conf, dest: etc/gpu/x.conf, mode: '0640'}\n"
               "    debs: {from: dl/debs}\n"
               "  - name: tools\n"
               "    files:\n"
               "      - {src: conf/x.conf, dest: images/, dir_mode: '0700'}\n", 0644);
}

static int build(const char *dir, const char *out, const struct gf_bundle_key *key,
                 struct gf_bundle_manifest **m, struct gf_error *err)
{
    struct gf_bundle_build_opts o = { 0 };
    char spec[128];

    snprintf(spec, sizeof(spec), "%s/spec.yml", dir);
    o.spec = spec;
    o.out = out;
    o.key = key;
    o.insecure_unsigned = key == NULL;
    o.created = 1767225600;
    return gf_bundle_build(&o, m, err);
}

TEST(bundle_build_verify_roundtrip)
{
    char dir[64], out[128], out2[128];
    struct gf_bundle_key *pub = NULL, *key;
    struct gf_bundle_manifest *m = NULL, *v = NULL;
    struct gf_bundle_verify_opts o = { 0 };
    struct gf_error err = GF_ERROR_INIT;
    static const char *const order[] = {
        "images", "images/a.img", "images/empty", "images/run", "images/sub", "images/sub/b.img",
        "etc", "etc/gpu", "etc/gpu/x.conf", "debs", "debs/driver",
        "debs/driver/aa_2.0_amd64.deb", "debs/driver/zz_1.0_amd64.deb", "images/x.conf",
    };

    tmpdir(dir, sizeof(dir));
    source_tree(dir);
    key = keypair(dir, &pub);
    snprintf(out, sizeof(out), "%s/out.gfb", dir);
    if (build(dir, out, key, &m, &err) < 0)
        FAILF("build: %s", err.msg);
    ASSERT_EQ(m->files.n, GF_ARRAY_LEN(order));
    for (size_t i = 0; i < m->files.n; i++)
        ASSERT_STREQ(((struct gf_bundle_file *)m->files.v[i])->path, order[i]);
    ASSERT_EQ(gf_bundle_manifest_find(m, "images/run")->mode, 0755);
    ASSERT_EQ(gf_bundle_manifest_find(m, "images/sub/b.img")->mode, 0644);
    ASSERT_EQ(gf_bundle_manifest_find(m, "etc/gpu/x.conf")->mode, 0640);
    ASSERT_EQ(gf_bundle_manifest_find(m, "images/x.conf")->component, 1);
    ASSERT_EQ(gf_bundle_manifest_find(m, "images/empty")->type, GF_BUNDLE_DIR);
    struct gf_bundle_component *c = m->components.v[0];
    ASSERT_EQ(c->debs.n, 2);
    ASSERT_STREQ(c->debs.v[0], "debs/driver/aa_2.0_amd64.deb");

    o.pubkey = pub;
    if (gf_bundle_verify_file(out, &o, &v, &err) < 0)
        FAILF("verify: %s", err.msg);
    ASSERT(v->sig_checked);
    struct gf_buf a = GF_BUF_INIT, b = GF_BUF_INIT;
    gf_bundle_manifest_serialize(m, &a);
    gf_bundle_manifest_serialize(v, &b);
    ASSERT_STREQ(a.buf, b.buf);

    /* Deterministic: the same inputs and time give the same bytes. */
    snprintf(out2, sizeof(out2), "%s/out2.gfb", dir);
    ASSERT_EQ(build(dir, out2, key, NULL, &err), 0);
    size_t n1, n2;
    char *x = slurp(out, &n1), *y = slurp(out2, &n2);
    ASSERT(n1 == n2 && memcmp(x, y, n1) == 0);
    ASSERT_EQ(n1 % 512, 0);

    /* inspect's reader sees the signer without a key. */
    struct gf_bundle_manifest *r = NULL;
    ASSERT_EQ(gf_bundle_read_manifest(out, &r, &err), 0);
    ASSERT_STREQ(r->signer, gf_bundle_key_fingerprint(pub));
    ASSERT_EQ(r->sig_checked, 0);

    /* No temporary files are left beside the output. */
    DIR *d = opendir(dir);
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        ASSERT(strstr(de->d_name, ".tmp.") == NULL);
    closedir(d);
    free(x);
    free(y);
    gf_buf_release(&a);
    gf_buf_release(&b);
    gf_bundle_manifest_free(m);
    gf_bundle_manifest_free(v);
    gf_bundle_manifest_free(r);
    gf_bundle_key_free(key);
    gf_bundle_key_free(pub);
}

TEST(bundle_unsigned_needs_the_flag_on_both_sides)
{
    char dir[64], out[128];
    struct gf_bundle_build_opts bo = { 0 };
    struct gf_bundle_verify_opts o = { 0 };
    struct gf_error err = GF_ERROR_INIT;
    struct gf_bundle_manifest *m = NULL;

    tmpdir(dir, sizeof(dir));
    source_tree(dir);
    snprintf(out, sizeof(out), "%s/spec.yml", dir);
    bo.spec = out;
    bo.out = "/nonexistent/never-written.gfb";
    bo.created = -1;
    ASSERT_EQ(gf_bundle_build(&bo, NULL, &err), -GF_EINVAL);
    ASSERT(strstr(err.msg, "--insecure-unsigned") != NULL);
    snprintf(out, sizeof(out), "%s/out.gfb", dir);
    ASSERT_EQ(build(dir, out, NULL, NULL, &err), 0);
    ASSERT_EQ(gf_bundle_verify_file(out, &o, NULL, &err), -GF_EINVAL);
    ASSERT(strstr(err.msg, "bundle is unsigned") != NULL);
    o.insecure_unsigned = 1;
    ASSERT_EQ(gf_bundle_verify_file(out, &o, &m, &err), 0);
    ASSERT(m->signer == NULL && !m->sig_checked);
    gf_bundle_manifest_free(m);
    gf_error_clear(&err);
}

TEST(bundle_build_refuses_symlinked_source)
{
    char dir[64], out[128], link[128];
    struct gf_error err = GF_ERROR_INIT;

    tmpdir(dir, sizeof(dir));
    source_tree(dir);
    snprintf(link, sizeof(link), "%s/dl/images/sub/escape", dir);
    ASSERT_EQ(symlink("/etc", link), 0);
    snprintf(out, sizeof(out), "%s/out.gfb", dir);
    ASSERT_EQ(build(dir, out, NULL, NULL, &err), -GF_EINVAL);
    ASSERT(strstr(err.msg, "is a symlink; bundles hold regular files and directories only"));
    ASSERT_EQ(err.line, 7);
    ASSERT(access(out, F_OK) < 0);
    gf_error_clear(&err);
}

/* Every tests/data/bundle/spec/NNN-*.yml fails to build with the error text
 * in the .err file beside it ("LINE:COL: message"). */
TEST(bundle_spec_errors_from_data)
{
    char dir[256], out[128], tmp[64];
    struct dirent *de;
    DIR *d;
    int cases = 0;

    snprintf(dir, sizeof(dir), "%s/bundle/spec", gf_test_data());
    d = opendir(dir);
    ASSERT(d != NULL);
    tmpdir(tmp, sizeof(tmp));
    snprintf(out, sizeof(out), "%s/out.gfb", tmp);
    while ((de = readdir(d)) != NULL) {
        if (!gf_endswith(de->d_name, ".yml"))
            continue;
        char spec[512], errpath[512];
        struct gf_bundle_build_opts o = { 0 };
        struct gf_error err = GF_ERROR_INIT;
        struct gf_buf got = GF_BUF_INIT;
        size_t len;
        snprintf(spec, sizeof(spec), "%s/%s", dir, de->d_name);
        snprintf(errpath, sizeof(errpath), "%.*s.err", (int)(strlen(spec) - 4), spec);
        char *want = slurp(errpath, &len);
        while (len && want[len - 1] == '\n')
            want[--len] = '\0';
        o.spec = spec;
        o.out = out;
        o.insecure_unsigned = 1;
        o.created = 1767225600;
        if (gf_bundle_build(&o, NULL, &err) == 0)
            FAILF("%s: built", de->d_name);
        gf_buf_addf(&got, "%d:%d: %s", err.line, err.col, err.msg);
        if (strcmp(got.buf, want) != 0)
            FAILF("%s:\n      got:  %s\n      want: %s", de->d_name, got.buf, want);
        ASSERT_STREQ(err.file, spec);
        ASSERT_EQ(gf_errexit(err.code), 4);
        gf_buf_release(&got);
        gf_error_clear(&err);
        free(want);
        cases++;
    }
    closedir(d);
    ASSERT(cases >= 10);
}

TEST(bundle_build_good_spec_from_data)
{
    char spec[256], tmp[64], out[128];
    struct gf_bundle_build_opts o = { 0 };
    struct gf_bundle_verify_opts vo = { 0 };
    struct gf_error err = GF_ERROR_INIT;
    struct gf_bundle_manifest *m = NULL;

    snprintf(spec, sizeof(spec), "%s/bundle/good.yml", gf_test_data());
    tmpdir(tmp, sizeof(tmp));
    snprintf(out, sizeof(out), "%s/out.gfb", tmp);
    o.spec = spec;
    o.out = out;
    o.insecure_unsigned = 1;
    o.created = 1767225600;
    if (gf_bundle_build(&o, NULL, &err) < 0)
        FAILF("build: %s", err.msg);
    vo.insecure_unsigned = 1;
    vo.now = 1767225600;
    if (gf_bundle_verify_file(out, &vo, &m, &err) < 0)
        FAILF("verify: %s", err.msg);
    ASSERT_STREQ(m->name, "cuda-stack");
    ASSERT(gf_bundle_manifest_find(m, "opt/cuda/bin/tool.sh") != NULL);
    ASSERT_EQ(gf_bundle_manifest_find(m, "opt/cuda/bin/tool.sh")->mode, 0755);
    ASSERT_EQ(((struct gf_bundle_component *)m->components.v[1])->debs.n, 2);
    gf_bundle_manifest_free(m);
}

/* ---- extraction and trees ---- */

static void extract_fixture(char *dir, size_t size, char *dest, size_t dsize,
                            struct gf_bundle_manifest **m)
{
    char out[128];
    struct gf_bundle_key *pub = NULL, *key;
    struct gf_bundle_verify_opts o = { 0 };
    struct gf_error err = GF_ERROR_INIT;

    tmpdir(dir, size);
    source_tree(dir);
    key = keypair(dir, &pub);
    snprintf(out, sizeof(out), "%s/out.gfb", dir);
    snprintf(dest, dsize, "%s/inst", dir);
    if (build(dir, out, key, NULL, &err) < 0)
        FAILF("build: %s", err.msg);
    umask(077); /* modes must come from the manifest, not the umask */
    o.pubkey = pub;
    if (gf_bundle_extract(out, dest, &o, m, &err) < 0)
        FAILF("extract: %s", err.msg);
    gf_bundle_key_free(key);
    gf_bundle_key_free(pub);
}

static unsigned mode_of(const char *dest, const char *rel)
{
    char path[512];
    struct stat st;

    snprintf(path, sizeof(path), "%s/%s", dest, rel);
    if (lstat(path, &st) < 0)
        FAILF("lstat %s: %s", path, strerror(errno));
    return (unsigned)st.st_mode & 07777;
}

TEST(bundle_extract_roundtrip)
{
    char dir[64], dest[128], files[160];
    struct gf_bundle_manifest *m = NULL;
    struct gf_error err = GF_ERROR_INIT;
    size_t len;

    extract_fixture(dir, sizeof(dir), dest, sizeof(dest), &m);
    ASSERT_EQ(mode_of(dest, "files/images/run"), 0755);
    ASSERT_EQ(mode_of(dest, "files/etc/gpu/x.conf"), 0640);
    ASSERT_EQ(mode_of(dest, "files/images/a.img"), 0644);
    ASSERT_EQ(mode_of(dest, "files/images/sub"), 0755);
    ASSERT_EQ(mode_of(dest, "files"), 0755);
    ASSERT_EQ(mode_of(dest, "MANIFEST"), 0644);
    ASSERT_EQ(mode_of(dest, "."), 0755);
    snprintf(files, sizeof(files), "%s/files/images/sub/b.img", dest);
    char *b = slurp(files, &len);
    ASSERT_STREQ(b, "image b\n");
    free(b);
    snprintf(files, sizeof(files), "%s/files", dest);
    if (gf_bundle_verify_tree(m, files, 0, &err) < 0)
        FAILF("verify_tree: %s", err.msg);
    /* A second extraction to the same place is refused. */
    char out[128];
    struct gf_bundle_verify_opts o = { 0 };
    snprintf(out, sizeof(out), "%s/out.gfb", dir);
    o.insecure_unsigned = 1;
    ASSERT_EQ(gf_bundle_extract(out, dest, &o, NULL, &err), -GF_EINVAL);
    ASSERT(strstr(err.msg, "destination exists") != NULL);
    gf_error_clear(&err);
    gf_bundle_manifest_free(m);
}

static void expect_tree_error(const struct gf_bundle_manifest *m, const char *root,
                              const char *want, int line)
{
    struct gf_error err = GF_ERROR_INIT;

    if (gf_bundle_verify_tree(m, root, 0, &err) == 0 || strstr(err.msg, want) == NULL)
        FAILF("line %d: want '%s', got '%s'", line, want, err.msg ? err.msg : "success");
    gf_error_clear(&err);
}

TEST(bundle_verify_tree_rejects_changes)
{
    char dir[64], dest[128], root[160], p[256], q[256];
    struct gf_bundle_manifest *m = NULL;

    extract_fixture(dir, sizeof(dir), dest, sizeof(dest), &m);
    snprintf(root, sizeof(root), "%s/files", dest);
    snprintf(p, sizeof(p), "%s/images/a.img", root);

    write_file(root, "images/a.img", "image A\n", 0644);   /* same size */
    expect_tree_error(m, root, "sha256 of 'images/a.img' does not match", __LINE__);
    write_file(root, "images/a.img", "image a!\n", 0644);  /* one byte more */
    expect_tree_error(m, root, "'images/a.img' has 9 bytes, the manifest says 8", __LINE__);
    write_file(root, "images/a.img", "image a\n", 0600);
    expect_tree_error(m, root, "'images/a.img' has mode 0600, the manifest says 0644", __LINE__);
    ASSERT_EQ(chmod(p, 0644), 0);
    ASSERT_EQ(gf_bundle_verify_tree(m, root, 0, NULL), 0);

    write_file(root, "images/extra", "x", 0644);
    expect_tree_error(m, root, "'images/extra' is not in the manifest", __LINE__);
    snprintf(q, sizeof(q), "%s/images/extra", root);
    ASSERT_EQ(unlink(q), 0);

    snprintf(q, sizeof(q), "%s/images/a.img.bak", root);
    ASSERT_EQ(rename(p, q), 0);
    ASSERT_EQ(symlink(q, p), 0);
    expect_tree_error(m, root, "'images/a.img' is a symlink", __LINE__);
    ASSERT_EQ(unlink(p), 0);
    ASSERT_EQ(rename(q, p), 0);

    snprintf(p, sizeof(p), "%s/etc/gpu/x.conf", root);
    ASSERT_EQ(unlink(p), 0);
    expect_tree_error(m, root, "'etc/gpu/x.conf' listed in the manifest is missing", __LINE__);
    gf_bundle_manifest_free(m);
}

/* keys.c - Ed25519 keys and manifest signatures through OpenSSL 3's EVP
 * interface: key generation into new files, loading PEM keys, fingerprints,
 * and the one-line MANIFEST.sig format. Secrets are wiped with
 * OPENSSL_cleanse. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "bundle-private.h"

#define KEY_FILE_MAX 16384
#define SIG_LEN 64
#define SIG_B64_LEN 88           /* base64 of 64 bytes, padded */
#define FP_LEN 50                /* "SHA256:" + 43 */
#define SIG_PREFIX "ed25519 "
#define SIG_LINE_LEN (8 + FP_LEN + 1 + SIG_B64_LEN + 1)

struct gf_bundle_key {
    EVP_PKEY *pkey;
    int has_private;
    char fp[FP_LEN + 1];
};

/* ---- hashing and encoding helpers (shared through bundle-private.h) ---- */

void gf_bundle_hash_init(struct gf_bundle_hash *h)
{
    h->ctx = EVP_MD_CTX_new();
    if (h->ctx == NULL || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1)
        gf_die("sha256 initialisation failed");
}

void gf_bundle_hash_update(struct gf_bundle_hash *h, const void *p, size_t n)
{
    if (n && EVP_DigestUpdate(h->ctx, p, n) != 1)
        gf_die("sha256 update failed");
}

void gf_bundle_hash_final(struct gf_bundle_hash *h, unsigned char out[32])
{
    unsigned n = 32;

    if (EVP_DigestFinal_ex(h->ctx, out, &n) != 1 || n != 32)
        gf_die("sha256 final failed");
    gf_bundle_hash_release(h);
}

void gf_bundle_hash_release(struct gf_bundle_hash *h)
{
    EVP_MD_CTX_free(h->ctx);
    h->ctx = NULL;
}

void gf_bundle_hex(const unsigned char *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

/* Base64 of n bytes into out (room for 4 * ((n + 2) / 3) + 1); returns its length. */
static size_t b64(const unsigned char *p, size_t n, char *out)
{
    return (size_t)EVP_EncodeBlock((unsigned char *)out, p, (int)n);
}

static void fingerprint(EVP_PKEY *pkey, char out[FP_LEN + 1])
{
    unsigned char raw[32], digest[32];
    size_t rawlen = sizeof(raw);
    char enc[48];
    size_t n;

    if (EVP_PKEY_get_raw_public_key(pkey, raw, &rawlen) != 1 || rawlen != 32)
        gf_die("ed25519 raw public key unavailable");
    if (EVP_Digest(raw, rawlen, digest, NULL, EVP_sha256(), NULL) != 1)
        gf_die("sha256 failed");
    n = b64(digest, sizeof(digest), enc);
    while (n && enc[n - 1] == '=')
        n--;
    snprintf(out, FP_LEN + 1, "SHA256:%.*s", (int)n, enc);
}

/* The most recent OpenSSL error as text, clearing the queue. */
static const char *ssl_error(char *buf, size_t size)
{
    unsigned long e = ERR_get_error();

    if (e == 0)
        snprintf(buf, size, "unknown error");
    else
        ERR_error_string_n(e, buf, size);
    ERR_clear_error();
    return buf;
}

/* ---- key files ---- */

/* Creates path (must not exist) with mode and writes data; fsyncs it. */
static int write_new(const char *path, const void *data, size_t len, mode_t mode,
                     struct gf_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    const char *p = data;

    if (fd < 0) {
        if (errno == EEXIST)
            return gf_error_set(err, GF_EINVAL, path, 0, 0,
                                "exists; refusing to overwrite a key file");
        return gf_error_set(err, GF_EIO, path, 0, 0, "cannot create: %s", strerror(errno));
    }
    if (fchmod(fd, mode) < 0)
        goto fail;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            goto fail;
        p += n;
        len -= (size_t)n;
    }
    if (fsync(fd) < 0)
        goto fail;
    if (close(fd) < 0) {
        fd = -1;
        goto fail;
    }
    return 0;
fail:;
    int e = errno;
    if (fd >= 0)
        close(fd);
    unlink(path);
    return gf_error_set(err, GF_EIO, path, 0, 0, "cannot write: %s", strerror(e));
}

/* Returns a PEM rendering of pkey in a secure memory BIO (caller frees with
 * BIO_free after wiping), or NULL. */
static BIO *pem_of(EVP_PKEY *pkey, int private_key)
{
    BIO *bio = BIO_new(private_key ? BIO_s_secmem() : BIO_s_mem());

    if (bio == NULL)
        return NULL;
    if ((private_key ? PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL)
                     : PEM_write_bio_PUBKEY(bio, pkey)) != 1) {
        BIO_free(bio);
        return NULL;
    }
    return bio;
}

static void bio_wipe_free(BIO *bio)
{
    char *p = NULL;
    long n;

    if (bio == NULL)
        return;
    n = BIO_get_mem_data(bio, &p);
    if (p && n > 0)
        OPENSSL_cleanse(p, (size_t)n);
    BIO_free(bio);
}

int gf_bundle_keygen(const char *path, char **fp_out, struct gf_error *err)
{
    /* Both files are created with O_EXCL: an existing one is never touched,
     * and the private key is removed again when the public one exists. */
    EVP_PKEY *pkey = NULL;
    BIO *priv = NULL, *pub = NULL;
    char *pubpath = gf_xasprintf("%s.pub", path), *p = NULL, ebuf[256];
    char fp[FP_LEN + 1];
    long n;
    int rc = 0;

    if (fp_out)
        *fp_out = NULL;
    pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    if (pkey == NULL || (priv = pem_of(pkey, 1)) == NULL || (pub = pem_of(pkey, 0)) == NULL) {
        rc = gf_error_set(err, GF_EFAIL, path, 0, 0, "ed25519 key generation failed: %s",
                          ssl_error(ebuf, sizeof(ebuf)));
        goto out;
    }
    n = BIO_get_mem_data(priv, &p);
    if ((rc = write_new(path, p, (size_t)n, 0600, err)) < 0)
        goto out;
    n = BIO_get_mem_data(pub, &p);
    if ((rc = write_new(pubpath, p, (size_t)n, 0644, err)) < 0) {
        unlink(path);
        goto out;
    }
    gf_bundle_fsync_parent(path);
    fingerprint(pkey, fp);
    if (fp_out)
        *fp_out = gf_xstrdup(fp);
out:
    bio_wipe_free(priv);
    BIO_free(pub);
    EVP_PKEY_free(pkey);
    free(pubpath);
    return rc;
}

/* Never prompts for a passphrase: encrypted keys are refused. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

int gf_bundle_key_load(const char *path, int private_key, struct gf_bundle_key **out,
                       struct gf_error *err)
{
    char data[KEY_FILE_MAX], ebuf[256];
    size_t len = 0;
    struct stat st;
    EVP_PKEY *pkey = NULL;
    BIO *bio = NULL;
    int fd, rc = 0, is_private = 0;

    *out = NULL;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return gf_error_set(err, errno == ENOENT ? GF_ENOTFOUND : GF_EIO, path, 0, 0,
                            "cannot open key: %s", strerror(errno));
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        rc = gf_error_set(err, GF_EINVAL, path, 0, 0, "key is not a regular file");
        goto out;
    }
    if (private_key && (st.st_mode & 077)) {
        rc = gf_error_set(err, GF_EINVAL, path, 0, 0,
                          "private key is accessible by group or others (mode %04o); "
                          "chmod 600 it", (unsigned)(st.st_mode & 07777));
        goto out;
    }
    for (;;) {
        ssize_t n = read(fd, data + len, sizeof(data) - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = gf_error_set(err, GF_EIO, path, 0, 0, "cannot read key: %s", strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len == sizeof(data)) {
            rc = gf_error_set(err, GF_EINVAL, path, 0, 0, "key file is too large");
            goto out;
        }
    }
    bio = BIO_new_mem_buf(data, (int)len);
    if (bio == NULL)
        gf_die("out of memory");
    if (private_key || memmem(data, len, "PRIVATE KEY-----", 16)) {
        pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
        is_private = 1;
    } else {
        pkey = PEM_read_bio_PUBKEY(bio, NULL, no_passphrase, NULL);
    }
    if (pkey == NULL) {
        rc = gf_error_set(err, GF_EINVAL, path, 0, 0, "not a PEM %s key (%s)",
                          private_key ? "private" : "public", ssl_error(ebuf, sizeof(ebuf)));
        goto out;
    }
    if (EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) {
        rc = gf_error_set(err, GF_EINVAL, path, 0, 0, "not an Ed25519 key");
        goto out;
    }
    struct gf_bundle_key *k = gf_xcalloc(1, sizeof(*k));
    k->pkey = pkey;
    k->has_private = is_private;
    fingerprint(pkey, k->fp);
    pkey = NULL;
    *out = k;
out:
    OPENSSL_cleanse(data, sizeof(data));
    BIO_free(bio);
    EVP_PKEY_free(pkey);
    close(fd);
    return rc;
}

void gf_bundle_key_free(struct gf_bundle_key *k)
{
    if (k == NULL)
        return;
    EVP_PKEY_free(k->pkey);
    free(k);
}

const char *gf_bundle_key_fingerprint(const struct gf_bundle_key *k)
{
    return k->fp;
}

/* ---- signatures ---- */

int gf_bundle_sign(const struct gf_bundle_key *k, const void *data, size_t len,
                   struct gf_buf *sig, struct gf_error *err)
{
    unsigned char raw[SIG_LEN];
    size_t rawlen = sizeof(raw);
    char enc[SIG_B64_LEN + 4], ebuf[256];
    EVP_MD_CTX *ctx;
    int ok;

    if (!k->has_private)
        return gf_error_set(err, GF_EINVAL, NULL, 0, 0, "signing needs a private key");
    ctx = EVP_MD_CTX_new();
    ok = ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
         EVP_DigestSign(ctx, raw, &rawlen, data, len) == 1 && rawlen == SIG_LEN;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return gf_error_set(err, GF_EFAIL, NULL, 0, 0, "ed25519 signing failed: %s",
                            ssl_error(ebuf, sizeof(ebuf)));
    b64(raw, sizeof(raw), enc);
    gf_buf_addf(sig, "%s%s %s\n", SIG_PREFIX, k->fp, enc);
    return 0;
}

static int b64_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/';
}

/* Splits a MANIFEST.sig line into the fingerprint and the raw signature.
 * Returns 0, or -1 when the line is not exactly in canonical form. */
static int sig_parse(const char *sig, size_t siglen, char fp[FP_LEN + 1],
                     unsigned char raw[SIG_LEN])
{
    unsigned char dec[SIG_B64_LEN];
    char again[SIG_B64_LEN + 4];
    const char *enc;

    if (siglen != SIG_LINE_LEN || memcmp(sig, SIG_PREFIX "SHA256:", 15) != 0 ||
        sig[8 + FP_LEN] != ' ' || sig[siglen - 1] != '\n')
        return -1;
    for (size_t i = 15; i < 8 + FP_LEN; i++)
        if (!b64_char(sig[i]))
            return -1;
    memcpy(fp, sig + 8, FP_LEN);
    fp[FP_LEN] = '\0';
    enc = sig + 8 + FP_LEN + 1;
    for (size_t i = 0; i < SIG_B64_LEN; i++)
        if (!b64_char(enc[i]) && !(enc[i] == '=' && i >= SIG_B64_LEN - 2))
            return -1;
    if (EVP_DecodeBlock(dec, (const unsigned char *)enc, SIG_B64_LEN) != 66)
        return -1;
    memcpy(raw, dec, SIG_LEN);
    /* Canonical: re-encoding gives the same text (no ignored low bits). */
    b64(raw, SIG_LEN, again);
    return memcmp(again, enc, SIG_B64_LEN) == 0 ? 0 : -1;
}

char *gf_bundle_sig_signer(const char *sig, size_t siglen)
{
    char fp[FP_LEN + 1];
    unsigned char raw[SIG_LEN];

    if (sig_parse(sig, siglen, fp, raw) < 0)
        return NULL;
    return gf_xstrdup(fp);
}

int gf_bundle_sig_check(const struct gf_bundle_key *k, const void *data, size_t len,
                        const char *sig, size_t siglen, struct gf_error *err)
{
    char fp[FP_LEN + 1];
    unsigned char raw[SIG_LEN];
    EVP_MD_CTX *ctx;
    int ok;

    if (sig_parse(sig, siglen, fp, raw) < 0)
        return gf_error_set(err, GF_EINVAL, NULL, 0, 0, "MANIFEST.sig is malformed");
    ctx = EVP_MD_CTX_new();
    ok = ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
         EVP_DigestVerify(ctx, raw, SIG_LEN, data, len) == 1;
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    if (!ok) {
        if (strcmp(fp, k->fp) != 0)
            return gf_error_set(err, GF_EINVAL, NULL, 0, 0,
                                "signature does not verify with key %s (wrong key? the bundle "
                                "names signer %s)", k->fp, fp);
        return gf_error_set(err, GF_EINVAL, NULL, 0, 0,
                            "signature does not verify with key %s: MANIFEST or MANIFEST.sig "
                            "was altered", k->fp);
    }
    if (strcmp(fp, k->fp) != 0)
        return gf_error_set(err, GF_EINVAL, NULL, 0, 0,
                            "MANIFEST.sig names signer %s but was made by %s", fp, k->fp);
    return 0;
}

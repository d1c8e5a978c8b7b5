/*
 * bundle-private.h - helpers shared by the bundle layer's files (not part of
 * its interface): SHA-256 streams, hex, directory fsync and removal, and the
 * verifying archive reader that verify, inspect and extract are built on.
 */
#ifndef GF_BUNDLE_PRIVATE_H
#define GF_BUNDLE_PRIVATE_H

#include <openssl/evp.h>

#include "bundle.h"

/* ---- node-side scripts ---- */
/* The bundle push's node-side scripts (engine/bundle/sh/NAME.sh), embedded
 * at build time like the modules' (engine/modules/nodesh.h); the table
 * ends with a zeroed entry. */
struct gf_bundlesh {
    const char *name;   /* the file's name without .sh */
    const char *text;   /* comment lines left out */
    size_t len;
};
extern const struct gf_bundlesh gf_bundlesh_table[];

/* ---- SHA-256 (OpenSSL EVP) ---- */
struct gf_bundle_hash {
    EVP_MD_CTX *ctx;
};
void gf_bundle_hash_init(struct gf_bundle_hash *h);
void gf_bundle_hash_update(struct gf_bundle_hash *h, const void *p, size_t n);
/* Writes the digest into out and releases h. */
void gf_bundle_hash_final(struct gf_bundle_hash *h, unsigned char out[32]);
/* Releases h without a digest; NULL-safe on a released hash. */
void gf_bundle_hash_release(struct gf_bundle_hash *h);
/* Writes 2n lowercase hex digits and a NUL into out. */
void gf_bundle_hex(const unsigned char *p, size_t n, char *out);

/* ---- files ---- */
/* fsyncs the directory holding path ("." when path has no '/'). Returns 0 or -1. */
int gf_bundle_fsync_parent(const char *path);
/* Removes name under dirfd recursively without following symlinks (making
 * directories writable first). Best effort; returns 0 or -1. */
int gf_bundle_rm_tree(int dirfd, const char *name);

/* ---- the verifying reader ---- */
/* Receives every payload member as it is verified (extraction writes it). The
 * member is only trustworthy once end() has been called for it: end() runs
 * after its size and sha256 were checked. Each callback returns 0 or -GF_E*. */
struct gf_bundle_sink {
    void *ctx;
    int (*begin)(void *ctx, const struct gf_bundle_file *f, struct gf_error *err);
    int (*data)(void *ctx, const void *p, size_t n, struct gf_error *err);
    int (*end)(void *ctx, const struct gf_bundle_file *f, struct gf_error *err);
};

/* The leading members' bytes, for extraction to write out. */
struct gf_bundle_raw {
    struct gf_buf manifest;
    struct gf_buf sig;   /* empty when unsigned */
    struct gf_buf sums;
};

/* Reads and verifies the bundle at path (or, when fd >= 0, the file open on
 * fd, which stays the caller's; path then only names it), passing payload
 * members to sink (may be NULL). With manifest_only, stops after MANIFEST and
 * MANIFEST.sig without checking the signature (inspect). Returns 0 with *out
 * (caller frees; out may be NULL) and raw filled when not NULL (caller
 * releases its buffers); else -GF_E* with err (file = path). */
int gf_bundle_read(const char *path, int fd, const struct gf_bundle_verify_opts *o,
                   const struct gf_bundle_sink *sink, int manifest_only, struct gf_bundle_raw *raw,
                   struct gf_bundle_manifest **out, struct gf_error *err);

#endif

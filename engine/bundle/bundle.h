/*
 * bundle.h - the bundle layer's interface: air-gap bundles built from a spec,
 * signed with Ed25519, verified member by member and extracted safely on the
 * controller. The push code (nodes) builds on the manifest and verify API.
 *
 * FILE FORMAT (manifest format 1)
 *
 * A bundle (.gfb) is an uncompressed POSIX tar (libarchive's "pax restricted"
 * writer: plain ustar headers, a pax 'x' header only for long paths or sizes
 * of 8 GiB and more), so a node needs only coreutils and tar:
 *     tar -xf B.gfb -C STAGE && (cd STAGE && sha256sum --strict -c SHA256SUMS)
 * Members, in this order and nothing else:
 *   1. MANIFEST      canonical JSON (below), at most GF_BUNDLE_MANIFEST_MAX bytes
 *   2. MANIFEST.sig  one line "ed25519 SHA256:<fp> <base64 signature>\n": an
 *                    Ed25519 signature over the exact MANIFEST bytes; <fp> names
 *                    the signing key (a hint for messages; the signature decides).
 *                    Absent in an unsigned bundle (--insecure-unsigned).
 *   3. SHA256SUMS    coreutils format, "<hex>  files/<path>\n" per regular file in
 *                    manifest order; derived from MANIFEST and checked byte for byte.
 *   4. files/<path>  the payload, one member per manifest entry, in manifest order:
 *                    regular files and directories only.
 * Every member has owner 0:0 (root/root), mtime = the manifest's created time and
 * the permission bits of its manifest entry (setuid, setgid and sticky bits are
 * never allowed). The archive ends with exactly two zero blocks: no record
 * padding, so any appended or removed byte is detected. A build from the same
 * inputs and created time is byte-identical (Ed25519 signatures are
 * deterministic; SOURCE_DATE_EPOCH sets the created time on the command line).
 *
 * MANIFEST is gf_json_dump(sorted keys, compact separators) plus "\n":
 *   {"components":[{"debs":["debs/cuda/x_1.0_amd64.deb"],
 *                   "files":[{"mode":"0755","path":"debs","type":"directory"},
 *                            {"mode":"0644","path":"debs/cuda/x_1.0_amd64.deb",
 *                             "sha256":"<64 hex>","size":1234,"type":"regular"}],
 *                   "name":"cuda"}],
 *    "created":"2025-01-31T12:00:00Z","expires":"2027-06-01T00:00:00Z",
 *    "format":1,"name":"gpu-stack","version":"1.4.0"}
 * - "expires" is optional; a bundle is expired from that instant on (a spec date
 *   2027-06-01 means 2027-06-01T00:00:00Z).
 * - Payload order is components in order, each component's files in order. A
 *   directory a component creates first belongs to it; every entry's parent
 *   directory is listed before it. Debs live under debs/<component>/ and are
 *   also listed in the component's "debs" (install order).
 * - Paths are relative to files/, use only A-Za-z0-9 and ._-+@=,:~% , have no
 *   empty, "." or ".." component, at most 1024 bytes and 255 per component.
 * - Names (bundle, components): [A-Za-z0-9][A-Za-z0-9._+-]*, at most 64 bytes.
 *   Versions: numbers separated by dots, no leading zeros, compared part by part
 *   (1.10.0 > 1.9.3, 1.4 == 1.4.0).
 * - A reader parses MANIFEST and serialises it again: anything not in
 *   canonical form (spacing, key order, unknown keys) is rejected.
 *
 * KEYS: Ed25519 through OpenSSL 3's EVP_PKEY. The private key is unencrypted
 * PKCS#8 PEM, created 0600 with O_EXCL (never overwritten) and refused when
 * group or others may read it; the public key is SubjectPublicKeyInfo PEM
 * (`openssl pkey -pubin -in KEY.pub` reads it). A key's fingerprint is
 * "SHA256:" + unpadded base64 of SHA-256 over the 32 raw public key bytes.
 *
 * VERIFY order (gf_bundle_verify_file): MANIFEST must be the first member and
 * MANIFEST.sig the second (both size-capped before they are read); the
 * signature is checked before MANIFEST is even parsed and before the header
 * of any later member is read. Then the manifest (canonical, valid), expiry,
 * rollback, SHA256SUMS, and every payload member: safe path, regular file or
 * directory only (no symlink, hard link, device, FIFO, socket, sparse file,
 * xattrs or ACLs), no setuid/setgid/sticky bits, owner 0:0, next in manifest
 * order with the same type and mode (an unlisted, duplicate or missing member
 * is named as such), size not larger than declared (checked from the header;
 * data is never read past the declared size), sha256 equal; then nothing
 * missing, zero padding and the exact end of archive. libarchive warnings
 * count as errors. Every rejection is -GF_EINVAL (exit 4) with err->file = the
 * bundle and a lowercase message naming the member.
 *
 * EXTRACTION on the controller (gf_bundle_extract) verifies while it writes
 * into a fresh staging directory beside DEST through libarchive's disk writer
 * with ARCHIVE_EXTRACT_SECURE_NODOTDOT | SECURE_SYMLINKS | SECURE_NOABSOLUTEPATHS
 * and neither ARCHIVE_EXTRACT_OWNER nor _PERM: modes come from the manifest
 * (set with fchmod), owners are the caller's. Files and directories are
 * fsync'd and the staging directory is renamed to DEST (which must not exist);
 * on any failure the staging directory is removed and DEST is never created.
 */
#ifndef GF_BUNDLE_H
#define GF_BUNDLE_H

#include <stdint.h>

#include "../core/core.h"

#define GF_BUNDLE_FORMAT 1
#define GF_BUNDLE_MANIFEST_MAX (16u << 20)
#define GF_BUNDLE_PATH_MAX 1024
#define GF_BUNDLE_NAME_MAX 64
#define GF_BUNDLE_SIG_NAME "MANIFEST.sig"
#define GF_BUNDLE_SUMS_NAME "SHA256SUMS"
#define GF_BUNDLE_PAYLOAD_DIR "files/"

enum gf_bundle_ftype {
    GF_BUNDLE_REG,  /* "regular" */
    GF_BUNDLE_DIR   /* "directory" */
};

struct gf_bundle_file {
    char *path;                 /* relative to files/, no leading or trailing '/' */
    enum gf_bundle_ftype type;
    unsigned mode;              /* permission bits only, <= 0777 */
    uint64_t size;              /* 0 for directories */
    unsigned char sha256[32];   /* zero for directories */
    size_t component;           /* index into manifest components */
    size_t index;               /* index into manifest files */
};

struct gf_bundle_component {
    char *name;
    struct gf_vec debs;         /* char *: paths of the component's .deb files */
};

struct gf_bundle_manifest {
    int format;                 /* GF_BUNDLE_FORMAT */
    char *name;
    char *version;
    int64_t created;            /* seconds since the epoch, UTC */
    int has_expires;
    int64_t expires;
    struct gf_vec components;   /* struct gf_bundle_component * */
    struct gf_vec files;        /* struct gf_bundle_file *, in archive order */
    struct gf_map index;        /* path -> struct gf_bundle_file * (borrowed) */
    /* Filled by the readers, not part of MANIFEST: */
    char *signer;               /* fingerprint MANIFEST.sig names, or NULL (unsigned) */
    int sig_checked;            /* 1 when the signature was verified with a key */
};

/* ---- manifest ---- */
/* Returns a new empty manifest; caller frees with gf_bundle_manifest_free. */
struct gf_bundle_manifest *gf_bundle_manifest_new(const char *name, const char *version,
                                                  int64_t created);
void gf_bundle_manifest_free(struct gf_bundle_manifest *m);
/* Appends a component; returns it (owned by m). */
struct gf_bundle_component *gf_bundle_manifest_add_component(struct gf_bundle_manifest *m,
                                                            const char *name);
/* Appends a file to the last component added. sha256 may be NULL (zero).
 * Returns the entry (owned by m), or NULL when path is already listed. */
struct gf_bundle_file *gf_bundle_manifest_add_file(struct gf_bundle_manifest *m,
                                                   const char *path,
                                                   enum gf_bundle_ftype type, unsigned mode,
                                                   uint64_t size,
                                                   const unsigned char *sha256);
/* Borrowed lookup by path; NULL when absent. */
const struct gf_bundle_file *gf_bundle_manifest_find(const struct gf_bundle_manifest *m,
                                                     const char *path);
/* Checks every rule of the format (names, version, times, paths, parents,
 * modes, debs). Returns 0 or -GF_EINVAL with err (file "MANIFEST"). */
int gf_bundle_manifest_check(const struct gf_bundle_manifest *m, struct gf_error *err);
/* Appends the canonical MANIFEST bytes to out. */
void gf_bundle_manifest_serialize(const struct gf_bundle_manifest *m, struct gf_buf *out);
/* Parses MANIFEST bytes strictly (valid, canonical). Returns 0 with *out
 * (caller frees) or -GF_EPARSE / -GF_EINVAL with err. */
int gf_bundle_manifest_parse(const char *data, size_t len, struct gf_bundle_manifest **out,
                             struct gf_error *err);
/* Appends the SHA256SUMS text derived from m to out. */
void gf_bundle_manifest_sums(const struct gf_bundle_manifest *m, struct gf_buf *out);
/* Total bytes of the regular files. */
uint64_t gf_bundle_manifest_bytes(const struct gf_bundle_manifest *m);

/* ---- names, versions, times ---- */
/* Return 1 when s is a valid bundle/component name, version, payload path. */
int gf_bundle_name_valid(const char *s);
int gf_bundle_version_valid(const char *s);
/* Returns NULL when path is valid, else a static reason ("has a '..' component"). */
const char *gf_bundle_path_problem(const char *path);
/* Compares two valid versions: <0, 0 or >0. */
int gf_bundle_version_cmp(const char *a, const char *b);
/* Refuses a manifest older than `installed` (NULL: nothing installed) unless
 * allow_downgrade. Returns 0 or -GF_EINVAL with err. */
int gf_bundle_check_version(const struct gf_bundle_manifest *m, const char *installed,
                            int allow_downgrade, struct gf_error *err);
/* Refuses a manifest expired at `now` (seconds since the epoch). Returns 0 or
 * -GF_EINVAL with err. */
int gf_bundle_check_expiry(const struct gf_bundle_manifest *m, int64_t now,
                           struct gf_error *err);
/* Writes t as "YYYY-MM-DDTHH:MM:SSZ" into buf (at least 32 bytes). */
void gf_bundle_time_format(int64_t t, char *buf, size_t size);
/* Parses "YYYY-MM-DDTHH:MM:SSZ" (or "YYYY-MM-DD" when date_ok) strictly.
 * Returns 0 with *t, or -1. */
int gf_bundle_time_parse(const char *s, int date_ok, int64_t *t);

/* ---- keys and signatures ---- */
struct gf_bundle_key; /* opaque: an Ed25519 key, public or private */
/* Writes a new key pair: path (private, 0600) and path.pub. Refuses to
 * overwrite either. Returns 0 and *fingerprint (malloc'd, caller frees; may
 * be NULL) or -GF_EINVAL / -GF_EIO with err. */
int gf_bundle_keygen(const char *path, char **fingerprint, struct gf_error *err);
/* Loads a PEM key: a private key when private_key, else a public key (a
 * private key file is accepted there too). Returns 0 with *out (caller frees
 * with gf_bundle_key_free) or -GF_E* with err. */
int gf_bundle_key_load(const char *path, int private_key, struct gf_bundle_key **out,
                       struct gf_error *err);
void gf_bundle_key_free(struct gf_bundle_key *k);
/* Borrowed "SHA256:..." fingerprint of the key. */
const char *gf_bundle_key_fingerprint(const struct gf_bundle_key *k);
/* Appends the MANIFEST.sig line for data to sig. Needs a private key.
 * Returns 0 or -GF_E* with err. */
int gf_bundle_sign(const struct gf_bundle_key *k, const void *data, size_t len,
                   struct gf_buf *sig, struct gf_error *err);
/* Checks a MANIFEST.sig line against data with key k. Returns 0 or -GF_EINVAL
 * with err (no file set). */
int gf_bundle_sig_check(const struct gf_bundle_key *k, const void *data, size_t len,
                        const char *sig, size_t siglen, struct gf_error *err);
/* Returns the malloc'd signer fingerprint a MANIFEST.sig line names (caller
 * frees), or NULL when the line is malformed. Nothing is verified. */
char *gf_bundle_sig_signer(const char *sig, size_t siglen);

/* ---- build ---- */
struct gf_bundle_build_opts {
    const char *spec;              /* spec YAML file */
    const char *out;               /* bundle to write (replaced atomically) */
    const struct gf_bundle_key *key; /* private key; NULL only with insecure_unsigned */
    int insecure_unsigned;         /* write no MANIFEST.sig */
    int64_t created;               /* seconds since the epoch; < 0: now */
};
/* Builds a bundle from a spec:
 *   name: gpu-stack
 *   version: "1.4.0"
 *   expires: 2027-06-01            # optional
 *   components:
 *     - name: driver
 *       files:                     # src relative to the spec's directory
 *         - {src: dl/images/, dest: images/}           # a directory, recursively
 *         - {src: conf/x.conf, dest: etc/x.conf, mode: "0644"}
 *       debs: {from: dl/debs}      # every *.deb directly in the folder
 * A file's mode is `mode` when given, else 0755 when the source is executable
 * by its owner and 0644 otherwise; directories get `dir_mode` (default 0755).
 * Sources must be regular files and directories (no symlinks). Spec errors
 * are -GF_EPARSE/-GF_EINVAL with err at spec:line:col. Returns 0 and, when
 * out is not NULL, the manifest written (caller frees). */
int gf_bundle_build(const struct gf_bundle_build_opts *o, struct gf_bundle_manifest **out,
                    struct gf_error *err);

/* ---- verify and extract ---- */
struct gf_bundle_verify_opts {
    const struct gf_bundle_key *pubkey; /* NULL only with insecure_unsigned */
    int insecure_unsigned;  /* accept a bundle whose signature is absent or not checked */
    int64_t now;            /* expiry reference, seconds since the epoch; 0: time(NULL) */
    const char *installed;  /* version installed at the destination, or NULL */
    int allow_downgrade;    /* accept a version older than installed */
};
/* Verifies a bundle file completely (see VERIFY above). Returns 0 and, when
 * out is not NULL, its manifest (caller frees); or -GF_EINVAL (rejected),
 * -GF_ENOTFOUND, -GF_EIO with err. */
int gf_bundle_verify_file(const char *path, const struct gf_bundle_verify_opts *o,
                          struct gf_bundle_manifest **out, struct gf_error *err);
/* Reads and parses MANIFEST (and the signer MANIFEST.sig names) without
 * verifying anything else: for display only. Returns 0 with *out (caller
 * frees) or -GF_E* with err. */
int gf_bundle_read_manifest(const char *path, struct gf_bundle_manifest **out,
                            struct gf_error *err);
/* Verifies and extracts path into dest (see EXTRACTION above): dest then holds
 * MANIFEST, MANIFEST.sig (when signed), SHA256SUMS and files/. Not thread-safe
 * with respect to the working directory (libarchive's disk writer resolves
 * relative paths from it, so the call changes into the staging directory and
 * back). Returns 0 and, when out is not NULL, the manifest (caller frees);
 * or -GF_E* with err, dest absent and the staging directory removed. */
int gf_bundle_extract(const char *path, const char *dest, const struct gf_bundle_verify_opts *o,
                      struct gf_bundle_manifest **out, struct gf_error *err);

#define GF_BUNDLE_TREE_NOHASH 1u /* check types, modes and sizes but not contents */
/* Verifies that the tree under root (the payload, e.g. DEST/files) holds
 * exactly the manifest's entries with their types, modes, sizes and sha256
 * (never following symlinks). Returns 0 or -GF_EINVAL / -GF_EIO with err. */
int gf_bundle_verify_tree(const struct gf_bundle_manifest *m, const char *root, unsigned flags,
                          struct gf_error *err);

#endif

/* knownhosts.c - known_hosts files read once per process into a hash table
 * keyed by host name ("addr" or "[addr]:port"), looked up for every host
 * key a server offers, and the accept-new writer (lock, temp file, rename).
 *
 * A file is parsed again only when it changed on disk (device, inode, size,
 * mtime); a line this process adds is put into the table as it is written.
 * Hashed names (|1|salt|hash) and patterns (*, ?, !) cannot be keys: those
 * lines are kept in a list that every lookup scans. The system-wide file
 * (/etc/ssh/ssh_known_hosts) is consulted after the user's, as libssh does. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libssh/libssh.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "exec-priv.h"

#define GLOBAL_KNOWN_HOSTS "/etc/ssh/ssh_known_hosts"

/* One key line: its hosts field (for the scan list), key type and key. */
struct kh_key {
    char *hosts;          /* the first field as written */
    int type;             /* enum ssh_keytypes_e of the type field */
    char *b64;            /* the key as written, for fingerprints in messages */
    unsigned char *blob;  /* decoded */
    size_t len;
};

struct kh_file {
    char *path;
    int exists;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    struct gf_map names;  /* lowercased name -> struct gf_vec of struct kh_key * */
    struct gf_vec scan;   /* struct kh_key * with hashed or pattern hosts */
    struct gf_vec all;    /* every struct kh_key *, owned */
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct gf_map cache = GF_MAP_INIT; /* path -> struct kh_file * */
/* Serialises writers of this process; flock serialises processes. */
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;

/* Decodes base64 into a malloc'd buffer. Returns it (length in *len) or
 * NULL. */
static unsigned char *b64_decode(const char *in, size_t n, size_t *len)
{
    unsigned char *out;
    int k;

    if (n == 0 || n > (1u << 20))
        return NULL;
    out = gf_xmalloc(n / 4 * 3 + 4);
    k = EVP_DecodeBlock(out, (const unsigned char *)in, (int)n);
    if (k < 0) {
        free(out);
        return NULL;
    }
    while (n > 0 && in[n - 1] == '=') /* DecodeBlock counts padding */
        n--, k--;
    *len = (size_t)k;
    return out;
}

static void kh_key_free(void *p)
{
    struct kh_key *k = p;

    free(k->hosts);
    free(k->b64);
    free(k->blob);
    free(k);
}

static void vec_free(void *p)
{
    gf_vec_release(p, NULL);
    free(p);
}

static void kh_file_clear(struct kh_file *f)
{
    gf_map_release(&f->names, vec_free);
    gf_vec_release(&f->scan, NULL);
    gf_vec_release(&f->all, kh_key_free);
    memset(&f->names, 0, sizeof(f->names));
    memset(&f->scan, 0, sizeof(f->scan));
    memset(&f->all, 0, sizeof(f->all));
}

static char *lowercase(const char *s, size_t n)
{
    char *o = gf_xstrndup(s, n);

    for (char *p = o; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return o;
}

/* Adds one known_hosts line to f; comments, markers (@cert-authority,
 * @revoked: libssh honours neither) and lines it cannot read are skipped. */
static void kh_file_add_line(struct kh_file *f, const char *line, size_t n)
{
    const char *fld[3];
    size_t flen[3];
    const char *p = line, *end = line + n;
    int k = 0;

    while (p < end && isspace((unsigned char)*p))
        p++;
    if (p == end || *p == '#' || *p == '@')
        return;
    for (; k < 3 && p < end; k++) {
        fld[k] = p;
        while (p < end && !isspace((unsigned char)*p))
            p++;
        flen[k] = (size_t)(p - fld[k]);
        while (p < end && isspace((unsigned char)*p))
            p++;
    }
    if (k < 3)
        return;
    char *type = gf_xstrndup(fld[1], flen[1]);
    int kt = (int)ssh_key_type_from_name(type);
    free(type);
    if (kt == SSH_KEYTYPE_UNKNOWN)
        return;
    struct kh_key *key = gf_xcalloc(1, sizeof(*key));
    key->blob = b64_decode(fld[2], flen[2], &key->len);
    if (key->blob == NULL) {
        free(key);
        return;
    }
    key->type = kt;
    key->hosts = gf_xstrndup(fld[0], flen[0]);
    key->b64 = gf_xstrndup(fld[2], flen[2]);
    gf_vec_push(&f->all, key);
    if (key->hosts[0] == '|' || strpbrk(key->hosts, "*?!") != NULL) {
        gf_vec_push(&f->scan, key);
        return;
    }
    for (const char *h = key->hosts; *h;) {
        size_t len = strcspn(h, ",");
        if (len > 0) {
            char *name = lowercase(h, len);
            struct gf_vec *v = gf_map_get(&f->names, name);
            if (v == NULL) {
                v = gf_xcalloc(1, sizeof(*v));
                gf_map_set(&f->names, name, v);
            }
            if (!gf_vec_contains(v, key))
                gf_vec_push(v, key);
            free(name);
        }
        h += len + (h[len] == ',');
    }
}

static void kh_file_parse(struct kh_file *f, const char *text, size_t len)
{
    for (const char *p = text, *end = text + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        kh_file_add_line(f, p, n);
        p += n + 1;
    }
}

static int same_file(const struct kh_file *f, const struct stat *st)
{
    return f->exists && f->dev == st->st_dev && f->ino == st->st_ino &&
           f->size == st->st_size && f->mtime.tv_sec == st->st_mtim.tv_sec &&
           f->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

static void remember_stat(struct kh_file *f, const struct stat *st)
{
    f->exists = 1;
    f->dev = st->st_dev;
    f->ino = st->st_ino;
    f->size = st->st_size;
    f->mtime = st->st_mtim;
}

/* The table of path, read again when the file changed. Called with
 * cache_lock held; the table stays valid until it is released. */
static struct kh_file *kh_file_get(const char *path)
{
    struct kh_file *f = gf_map_get(&cache, path);
    struct stat st;
    int have = stat(path, &st) == 0 && S_ISREG(st.st_mode);

    if (f == NULL) {
        f = gf_xcalloc(1, sizeof(*f));
        f->path = gf_xstrdup(path);
        gf_map_set(&cache, path, f);
    } else if (have ? same_file(f, &st) : !f->exists) {
        return f;
    }
    kh_file_clear(f);
    f->exists = 0;
    if (!have)
        return f;
    struct gf_buf text = GF_BUF_INIT;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && fstat(fd, &st) == 0) {
        char chunk[65536];
        ssize_t n;
        while ((n = read(fd, chunk, sizeof(chunk))) > 0)
            gf_buf_add(&text, chunk, (size_t)n);
        if (n == 0) {
            kh_file_parse(f, text.buf, text.len);
            remember_stat(f, &st);
        }
    }
    if (fd >= 0)
        close(fd);
    gf_buf_release(&text);
    return f;
}

/* OpenSSH's pattern match: '*' any run, '?' one character. */
static int pattern_match(const char *s, const char *p, size_t plen)
{
    if (plen == 0)
        return *s == '\0';
    if (*p == '*') {
        for (;; s++) {
            if (pattern_match(s, p + 1, plen - 1))
                return 1;
            if (*s == '\0')
                return 0;
        }
    }
    if (*s == '\0' || (*p != '?' && tolower((unsigned char)*p) != tolower((unsigned char)*s)))
        return 0;
    return pattern_match(s + 1, p + 1, plen - 1);
}

/* Whether the hosts field of a scan-list line names `name`: hashed, or a
 * comma list of patterns where a matching negated one wins. */
static int scan_matches(const char *field, const char *name)
{
    size_t flen = strlen(field);
    int hit = 0;

    if (flen > 3 && memcmp(field, "|1|", 3) == 0) {
        const char *salt = field + 3, *bar = strchr(salt, '|');
        unsigned char mac[EVP_MAX_MD_SIZE];
        unsigned int maclen = 0;
        size_t sl = 0, hl = 0;
        if (bar == NULL)
            return 0;
        unsigned char *rs = b64_decode(salt, (size_t)(bar - salt), &sl);
        unsigned char *rh = b64_decode(bar + 1, strlen(bar + 1), &hl);
        if (rs && rh)
            HMAC(EVP_sha1(), rs, (int)sl, (const unsigned char *)name, strlen(name), mac,
                 &maclen);
        hit = rs && rh && maclen == hl && memcmp(mac, rh, maclen) == 0;
        free(rs);
        free(rh);
        return hit;
    }
    for (const char *p = field; *p;) {
        size_t len = strcspn(p, ",");
        int neg = *p == '!';
        if (pattern_match(name, p + neg, len - (size_t)neg)) {
            if (neg)
                return 0;
            hit = 1;
        }
        p += len + (p[len] == ',');
    }
    return hit;
}

/* Folds one recorded key into *st: OK beats CHANGED (same type, other
 * key) beats OTHER (another type). */
static void judge(const struct kh_key *k, int type, const unsigned char *blob, size_t len,
                  enum gf_kh_status *st)
{
    if (k->type == type && k->len == len && memcmp(k->blob, blob, len) == 0)
        *st = GF_KH_OK;
    else if (k->type == type && *st != GF_KH_OK)
        *st = GF_KH_CHANGED;
    else if (*st == GF_KH_UNKNOWN)
        *st = GF_KH_OTHER;
}

static enum gf_kh_status check_file(const char *path, const char *name, int type,
                                    const unsigned char *blob, size_t len)
{
    enum gf_kh_status st = GF_KH_UNKNOWN;
    struct kh_file *f = kh_file_get(path);
    const struct gf_vec *v = gf_map_get(&f->names, name);

    for (size_t i = 0; v && i < v->n; i++)
        judge(v->v[i], type, blob, len, &st);
    for (size_t i = 0; i < f->scan.n && st != GF_KH_OK; i++) {
        const struct kh_key *k = f->scan.v[i];
        if (scan_matches(k->hosts, name))
            judge(k, type, blob, len, &st);
    }
    return st;
}

enum gf_kh_status gf_known_hosts_check(const char *file, const char *name, ssh_key key)
{
    char *b64 = NULL, *lname = lowercase(name, strlen(name));
    unsigned char *blob = NULL;
    size_t len = 0;
    enum gf_kh_status st = GF_KH_ERROR;

    if (key && ssh_pki_export_pubkey_base64(key, &b64) == SSH_OK)
        blob = b64_decode(b64, strlen(b64), &len);
    if (blob) {
        int type = (int)ssh_key_type(key);
        pthread_mutex_lock(&cache_lock);
        st = check_file(file, lname, type, blob, len);
        if (st != GF_KH_OK && strcmp(file, GLOBAL_KNOWN_HOSTS) != 0) {
            enum gf_kh_status g = check_file(GLOBAL_KNOWN_HOSTS, lname, type, blob, len);
            if (g == GF_KH_OK || st == GF_KH_UNKNOWN)
                st = g;
        }
        pthread_mutex_unlock(&cache_lock);
    }
    ssh_string_free_char(b64);
    free(blob);
    free(lname);
    return st;
}

void gf_known_hosts_recorded(const char *file, const char *name, struct gf_buf *out)
{
    char *lname = lowercase(name, strlen(name));
    size_t before = out->len;

    pthread_mutex_lock(&cache_lock);
    struct kh_file *f = kh_file_get(file);
    const struct gf_vec *v = gf_map_get(&f->names, lname);
    struct gf_vec keys = GF_VEC_INIT;
    for (size_t i = 0; v && i < v->n; i++)
        gf_vec_push(&keys, v->v[i]);
    for (size_t i = 0; i < f->scan.n; i++)
        if (scan_matches(((struct kh_key *)f->scan.v[i])->hosts, lname))
            gf_vec_push(&keys, f->scan.v[i]);
    for (size_t i = 0; i < keys.n; i++) {
        const struct kh_key *k = keys.v[i];
        ssh_key key = NULL;
        if (ssh_pki_import_pubkey_base64(k->b64, k->type, &key) == SSH_OK) {
            char *fp = gf_key_fingerprint(key);
            gf_buf_addf(out, "%s%s", out->len > before ? " and " : "", fp);
            free(fp);
        }
        ssh_key_free(key);
    }
    gf_vec_release(&keys, NULL);
    pthread_mutex_unlock(&cache_lock);
    if (out->len == before)
        gf_buf_adds(out, "(none found)");
    free(lname);
}

/* Removes FILE.gf-XXXXXX temp files that a writer killed before its rename
 * left beside file. Called under the directory's lock, which every writer
 * holds for as long as its temp file exists, so each one found is stale. */
static void sweep(const char *dir, const char *file)
{
    const char *base = strrchr(file, '/');
    size_t n;
    DIR *d = opendir(dir);
    struct dirent *e;

    base = base ? base + 1 : file;
    n = strlen(base);
    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, base, n) != 0 || strncmp(e->d_name + n, ".gf-", 4) != 0 ||
            strlen(e->d_name + n + 4) != 6)
            continue;
        struct gf_buf p = GF_BUF_INIT;
        gf_buf_addf(&p, "%s/%s", dir, e->d_name);
        unlink(p.buf);
        gf_buf_release(&p);
    }
    closedir(d);
}

/* After line was written to file (whose state before was `before`, or
 * none): the cached table takes the line when it was current, else it is
 * read again on the next lookup. */
static void cache_after_write(const char *file, const struct stat *before, int had,
                              const char *line)
{
    struct stat st;

    pthread_mutex_lock(&cache_lock);
    struct kh_file *f = gf_map_get(&cache, file);
    if (f && (had ? same_file(f, before) : !f->exists) && stat(file, &st) == 0) {
        kh_file_add_line(f, line, strlen(line));
        remember_stat(f, &st);
    } else if (f) {
        f->exists = 1;
        f->ino = 0; /* differs from any file: read again */
        f->size = -1;
    }
    pthread_mutex_unlock(&cache_lock);
}

int gf_known_hosts_add(const char *file, const char *line, struct gf_buf *why)
{
    struct gf_buf dir = GF_BUF_INIT, cur = GF_BUF_INIT, tmp = GF_BUF_INIT;
    struct gf_error err = GF_ERROR_INIT;
    struct stat before;
    int dfd = -1, fd = -1, rc = -1, had = 0;
    const char *slash = strrchr(file, '/');

    if (slash)
        gf_buf_add(&dir, file, (size_t)(slash - file) + (slash == file));
    else
        gf_buf_adds(&dir, ".");
    pthread_mutex_lock(&write_lock);
    dfd = open(dir.buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || flock(dfd, LOCK_EX) < 0) {
        gf_buf_addf(why, "cannot lock %s: %s", dir.buf, strerror(errno));
        goto out;
    }
    sweep(dir.buf, file);
    had = stat(file, &before) == 0 && S_ISREG(before.st_mode);
    if (had && gf_read_file(file, &cur, 64u << 20, &err) < 0) {
        gf_buf_addf(why, "%s", err.msg);
        goto out;
    }
    /* Another worker or process may have recorded it meanwhile. */
    for (const char *p = cur.buf; *p;) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == strlen(line) && memcmp(p, line, n) == 0) {
            rc = 0;
            goto out;
        }
        p += n + (e != NULL);
    }
    if (cur.len && cur.buf[cur.len - 1] != '\n')
        gf_buf_addc(&cur, '\n');
    gf_buf_addf(&cur, "%s\n", line);
    gf_buf_addf(&tmp, "%s.gf-XXXXXX", file);
    fd = mkstemp(tmp.buf);
    if (fd < 0) {
        gf_buf_addf(why, "cannot create %s: %s", tmp.buf, strerror(errno));
        goto out;
    }
    if (write(fd, cur.buf, cur.len) != (ssize_t)cur.len || fchmod(fd, 0600) < 0 ||
        fsync(fd) < 0 || rename(tmp.buf, file) < 0) {
        gf_buf_addf(why, "cannot write %s: %s", file, strerror(errno));
        unlink(tmp.buf);
        goto out;
    }
    fsync(dfd);
    cache_after_write(file, &before, had, line);
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    if (dfd >= 0)
        close(dfd); /* releases the flock */
    pthread_mutex_unlock(&write_lock);
    gf_error_clear(&err);
    gf_buf_release(&dir);
    gf_buf_release(&cur);
    gf_buf_release(&tmp);
    return rc;
}

/* The host key algorithms of a recorded key type, or NULL. */
static const char *type_algorithms(int type)
{
    switch (type) {
    case SSH_KEYTYPE_ED25519: return "ssh-ed25519";
    case SSH_KEYTYPE_ECDSA_P256: return "ecdsa-sha2-nistp256";
    case SSH_KEYTYPE_ECDSA_P384: return "ecdsa-sha2-nistp384";
    case SSH_KEYTYPE_ECDSA_P521: return "ecdsa-sha2-nistp521";
    case SSH_KEYTYPE_RSA: return "rsa-sha2-512,rsa-sha2-256";
    default: return NULL;
    }
}

/* Whether the comma list `list` has the entry name of length n. */
static int list_has(const char *list, const char *name, size_t n)
{
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && memcmp(p, name, n) == 0)
            return 1;
        p += len + (p[len] == ',');
    }
    return 0;
}

/* Adds the algorithms of the keys f records for name to out, keeping only
 * those in `offer` and not in out yet. */
static void file_algorithms(const char *path, const char *name, const char *offer,
                            struct gf_buf *out)
{
    struct kh_file *f = kh_file_get(path);
    const struct gf_vec *v = gf_map_get(&f->names, name);
    struct gf_vec keys = GF_VEC_INIT;

    for (size_t i = 0; v && i < v->n; i++)
        gf_vec_push(&keys, v->v[i]);
    for (size_t i = 0; i < f->scan.n; i++)
        if (scan_matches(((struct kh_key *)f->scan.v[i])->hosts, name))
            gf_vec_push(&keys, f->scan.v[i]);
    for (size_t i = 0; i < keys.n; i++) {
        const char *algs = type_algorithms(((struct kh_key *)keys.v[i])->type);
        for (const char *p = algs; p && *p;) {
            size_t len = strcspn(p, ",");
            if (list_has(offer, p, len) && !list_has(out->buf, p, len))
                gf_buf_addf(out, "%s%.*s", out->len ? "," : "", (int)len, p);
            p += len + (p[len] == ',');
        }
    }
    gf_vec_release(&keys, NULL);
}

void gf_known_hosts_algorithms(const char *file, const char *name, const char *offer,
                               struct gf_buf *out)
{
    char *lname = lowercase(name, strlen(name));

    pthread_mutex_lock(&cache_lock);
    file_algorithms(file, lname, offer, out);
    if (strcmp(file, GLOBAL_KNOWN_HOSTS) != 0)
        file_algorithms(GLOBAL_KNOWN_HOSTS, lname, offer, out);
    pthread_mutex_unlock(&cache_lock);
    for (const char *p = offer; *p;) {
        size_t len = strcspn(p, ",");
        if (!list_has(out->buf, p, len))
            gf_buf_addf(out, "%s%.*s", out->len ? "," : "", (int)len, p);
        p += len + (p[len] == ',');
    }
    free(lname);
}

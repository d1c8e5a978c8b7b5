/* build.c - `bundle build`: reads a bundle spec (YAML, errors at
 * spec:line:col), plans the payload (components, directories walked in
 * sorted order, debs), hashes every source, then writes the signed tar
 * through libarchive into a temporary file that is fsync'd and renamed. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bundle-private.h"

#define COPY_BLOCK (1u << 20)

struct plan {
    const char *spec;
    char *base;                  /* directory sources are relative to */
    struct gf_bundle_manifest *m;
    struct gf_vec srcs;          /* char *, parallel to m->files; NULL for directories */
    struct gf_error *err;
};

static int serr(struct plan *p, const struct gf_val *v, const char *fmt, ...) GF_PRINTF(3, 4);
static int serr(struct plan *p, const struct gf_val *v, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int rc = gf_error_vset(p->err, GF_EINVAL, p->spec, v ? v->line : 0, v ? v->col : 0, fmt, ap);
    va_end(ap);
    return rc;
}

static int only_keys(struct plan *p, const struct gf_val *v, const char *what,
                     const char *const *keys)
{
    for (size_t i = 0; i < v->u.map.n; i++) {
        size_t k = 0;
        while (keys[k] && strcmp(keys[k], v->u.map.ents[i].key) != 0)
            k++;
        if (keys[k] == NULL)
            return serr(p, v->u.map.ents[i].val, "unknown key '%s' in %s",
                        v->u.map.ents[i].key, what);
    }
    return 0;
}

/* A required (or optional) string value. */
static int spec_str(struct plan *p, const struct gf_val *map, const char *key, const char *what,
                    int required, const struct gf_val **out)
{
    const struct gf_val *v = gf_val_map_get(map, key);

    *out = NULL;
    if (v == NULL)
        return required ? serr(p, map, "%s needs '%s'", what, key) : 0;
    if (v->type != GF_VAL_STR || v->u.str.len == 0)
        return serr(p, v, "'%s' must be a non-empty string", key);
    if (strlen(v->u.str.s) != v->u.str.len)
        return serr(p, v, "'%s' holds a NUL byte", key);
    *out = v;
    return 0;
}

/* mode / dir_mode: a quoted octal string, because YAML turns an unquoted
 * 0644 into the number 420 and 644 into 644: neither can be trusted. */
static int spec_mode(struct plan *p, const struct gf_val *map, const char *key, int *mode)
{
    const struct gf_val *v = gf_val_map_get(map, key);
    unsigned long m;
    char *end;

    if (v == NULL)
        return 0;
    if (v->type != GF_VAL_STR)
        return serr(p, v, "%s must be a quoted octal string like '0644' (YAML reads an "
                          "unquoted 0644 as the number 420)", key);
    errno = 0;
    m = strtoul(v->u.str.s, &end, 8);
    if (v->u.str.len == 0 || v->u.str.len > 4 || *end || errno || v->u.str.s[0] == '-' ||
        v->u.str.s[0] == '+' || v->u.str.s[0] == ' ')
        return serr(p, v, "%s '%s' is not an octal mode like '0644'", key, v->u.str.s);
    if (m & 07000)
        return serr(p, v, "%s '%s': setuid, setgid and sticky bits are not allowed", key,
                    v->u.str.s);
    *mode = (int)m;
    return 0;
}

static char *src_path(struct plan *p, const char *src)
{
    if (src[0] == '/')
        return gf_xstrdup(src);
    return gf_xasprintf("%s/%s", p->base, src);
}

/* ---- planning the payload ---- */

static struct gf_bundle_file *entry(struct plan *p, const char *path)
{
    return (struct gf_bundle_file *)gf_bundle_manifest_find(p->m, path);
}

static int add_dir(struct plan *p, const char *path, unsigned mode, const struct gf_val *v)
{
    struct gf_bundle_file *f = entry(p, path);

    if (f) {
        if (f->type == GF_BUNDLE_DIR)
            return 0;
        return serr(p, v, "'%s' is a file in the bundle and cannot also be a directory", path);
    }
    gf_bundle_manifest_add_file(p->m, path, GF_BUNDLE_DIR, mode, 0, NULL);
    gf_vec_push(&p->srcs, NULL);
    return 0;
}

/* Adds the directories above path that are not in the bundle yet. */
static int add_parents(struct plan *p, const char *path, unsigned dir_mode,
                       const struct gf_val *v)
{
    char *tmp = gf_xstrdup(path);
    int rc = 0;

    for (char *s = strchr(tmp, '/'); s && rc == 0; s = strchr(s + 1, '/')) {
        *s = '\0';
        rc = add_dir(p, tmp, dir_mode, v);
        *s = '/';
    }
    free(tmp);
    return rc;
}

static int add_file(struct plan *p, const char *path, const char *src, unsigned mode,
                    const struct gf_val *v)
{
    struct gf_bundle_file *f = entry(p, path);

    if (f)
        return serr(p, v, "'%s' is already in the bundle (from component '%s')", path,
                    ((const struct gf_bundle_component *)p->m->components.v[f->component])->name);
    gf_bundle_manifest_add_file(p->m, path, GF_BUNDLE_REG, mode, 0, NULL);
    gf_vec_push(&p->srcs, gf_xstrdup(src));
    return 0;
}

static int check_dest(struct plan *p, const char *path, const char *src, const struct gf_val *v)
{
    const char *why = gf_bundle_path_problem(path);

    if (why)
        return serr(p, v, "cannot bundle '%s': its path '%s' %s", src, path, why);
    return 0;
}

/* Sorted names in dir (without . and ..); caller frees each and the vector. */
static int list_dir(struct plan *p, const char *dir, struct gf_vec *names, const struct gf_val *v)
{
    DIR *d = opendir(dir);
    struct dirent *de;

    if (d == NULL)
        return serr(p, v, "cannot read directory '%s': %s", dir, strerror(errno));
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            gf_vec_push(names, gf_xstrdup(de->d_name));
    closedir(d);
    gf_sort_strings((char **)names->v, names->n);
    return 0;
}

static int walk(struct plan *p, const char *src, const char *dest, int mode, unsigned dir_mode,
                const struct gf_val *v)
{
    struct gf_vec names = GF_VEC_INIT;
    int rc;

    if ((rc = list_dir(p, src, &names, v)) < 0)
        return rc;
    for (size_t i = 0; i < names.n && rc == 0; i++) {
        char *s = gf_xasprintf("%s/%s", src, (char *)names.v[i]);
        char *d = gf_xasprintf("%s/%s", dest, (char *)names.v[i]);
        struct stat st;
        if (lstat(s, &st) < 0) {
            rc = serr(p, v, "cannot stat '%s': %s", s, strerror(errno));
        } else if ((rc = check_dest(p, d, s, v)) < 0) {
            /* reported */
        } else if (S_ISDIR(st.st_mode)) {
            if ((rc = add_dir(p, d, dir_mode, v)) == 0)
                rc = walk(p, s, d, mode, dir_mode, v);
        } else if (S_ISREG(st.st_mode)) {
            rc = add_file(p, d, s, mode >= 0 ? (unsigned)mode
                                             : (st.st_mode & S_IXUSR) ? 0755u : 0644u, v);
        } else {
            rc = serr(p, v, "'%s' is a %s; bundles hold regular files and directories only", s,
                      S_ISLNK(st.st_mode) ? "symlink" : "special file");
        }
        free(s);
        free(d);
    }
    gf_vec_release(&names, free);
    return rc;
}

static int plan_files_entry(struct plan *p, const struct gf_val *fv)
{
    static const char *const keys[] = { "src", "dest", "mode", "dir_mode", NULL };
    const struct gf_val *srcv, *destv;
    int mode = -1, dir_mode = 0755, rc;
    struct stat st;
    char *src = NULL, *dest = NULL;

    if (fv->type != GF_VAL_MAP)
        return serr(p, fv, "a files entry must be a mapping {src, dest, mode}");
    if ((rc = only_keys(p, fv, "a files entry", keys)) < 0 ||
        (rc = spec_str(p, fv, "src", "a files entry", 1, &srcv)) < 0 ||
        (rc = spec_str(p, fv, "dest", "a files entry", 1, &destv)) < 0 ||
        (rc = spec_mode(p, fv, "mode", &mode)) < 0 ||
        (rc = spec_mode(p, fv, "dir_mode", &dir_mode)) < 0)
        return rc;
    src = src_path(p, srcv->u.str.s);
    dest = gf_xstrdup(destv->u.str.s);
    size_t dl = strlen(dest);
    int dest_is_dir = dest[dl - 1] == '/';
    while (dl > 0 && dest[dl - 1] == '/')
        dest[--dl] = '\0';
    if (lstat(src, &st) < 0) {
        rc = errno == ENOENT ? serr(p, srcv, "src '%s' does not exist", srcv->u.str.s)
                             : serr(p, srcv, "src '%s': %s", srcv->u.str.s, strerror(errno));
        goto out;
    }
    if (S_ISREG(st.st_mode) && dest_is_dir) {
        const char *b = strrchr(src, '/') ? strrchr(src, '/') + 1 : src;
        char *full = gf_xasprintf("%s/%s", dest, b);
        free(dest);
        dest = full;
    }
    if (gf_bundle_path_problem(dest)) {
        rc = serr(p, destv, "dest '%s' %s", destv->u.str.s, gf_bundle_path_problem(dest));
        goto out;
    }
    if ((rc = add_parents(p, dest, (unsigned)dir_mode, destv)) < 0)
        goto out;
    if (S_ISDIR(st.st_mode)) {
        if ((rc = add_dir(p, dest, (unsigned)dir_mode, destv)) == 0)
            rc = walk(p, src, dest, mode, (unsigned)dir_mode, srcv);
    } else if (S_ISREG(st.st_mode)) {
        rc = add_file(p, dest, src, mode >= 0 ? (unsigned)mode
                                              : (st.st_mode & S_IXUSR) ? 0755u : 0644u, destv);
    } else {
        rc = serr(p, srcv, "src '%s' is a %s; bundles hold regular files and directories only",
                  srcv->u.str.s, S_ISLNK(st.st_mode) ? "symlink" : "special file");
    }
out:
    free(src);
    free(dest);
    return rc;
}

static int plan_debs(struct plan *p, struct gf_bundle_component *c, const struct gf_val *dv)
{
    static const char *const keys[] = { "from", NULL };
    const struct gf_val *fromv;
    struct gf_vec names = GF_VEC_INIT;
    char *dir = NULL;
    size_t found = 0;
    int rc;

    if (dv->type != GF_VAL_MAP)
        return serr(p, dv, "debs must be a mapping {from: DIR}");
    if ((rc = only_keys(p, dv, "debs", keys)) < 0 ||
        (rc = spec_str(p, dv, "from", "debs", 1, &fromv)) < 0)
        return rc;
    dir = src_path(p, fromv->u.str.s);
    if (!gf_is_dir(dir)) {
        rc = serr(p, fromv, "debs folder '%s' is not a directory", fromv->u.str.s);
        goto out;
    }
    if ((rc = list_dir(p, dir, &names, fromv)) < 0)
        goto out;
    for (size_t i = 0; i < names.n && rc == 0; i++) {
        const char *n = names.v[i];
        struct stat st;
        if (!gf_endswith(n, ".deb"))
            continue;
        char *s = gf_xasprintf("%s/%s", dir, n);
        char *d = gf_xasprintf("debs/%s/%s", c->name, n);
        if (lstat(s, &st) < 0)
            rc = serr(p, fromv, "cannot stat '%s': %s", s, strerror(errno));
        else if (!S_ISREG(st.st_mode))
            rc = serr(p, fromv, "'%s' is not a regular file", s);
        else if ((rc = check_dest(p, d, s, fromv)) == 0 &&
                 (rc = add_parents(p, d, 0755, fromv)) == 0 &&
                 (rc = add_file(p, d, s, 0644, fromv)) == 0) {
            gf_vec_push(&c->debs, gf_xstrdup(d));
            found++;
        }
        free(s);
        free(d);
    }
    if (rc == 0 && found == 0)
        rc = serr(p, fromv, "no .deb files in '%s'", fromv->u.str.s);
out:
    gf_vec_release(&names, free);
    free(dir);
    return rc;
}

static int plan_component(struct plan *p, const struct gf_val *cv)
{
    static const char *const keys[] = { "name", "files", "debs", NULL };
    const struct gf_val *namev, *files, *debs;
    struct gf_bundle_component *c;
    int rc;

    if (cv->type != GF_VAL_MAP)
        return serr(p, cv, "a component must be a mapping {name, files, debs}");
    if ((rc = only_keys(p, cv, "a component", keys)) < 0 ||
        (rc = spec_str(p, cv, "name", "a component", 1, &namev)) < 0)
        return rc;
    if (!gf_bundle_name_valid(namev->u.str.s))
        return serr(p, namev, "invalid component name '%s' (letters, digits and ._+-, "
                              "at most 64)", namev->u.str.s);
    for (size_t i = 0; i < p->m->components.n; i++)
        if (strcmp(((struct gf_bundle_component *)p->m->components.v[i])->name,
                   namev->u.str.s) == 0)
            return serr(p, namev, "component '%s' appears twice", namev->u.str.s);
    files = gf_val_map_get(cv, "files");
    debs = gf_val_map_get(cv, "debs");
    if (files == NULL && debs == NULL)
        return serr(p, cv, "component '%s' has neither files nor debs", namev->u.str.s);
    c = gf_bundle_manifest_add_component(p->m, namev->u.str.s);
    if (files) {
        if (files->type != GF_VAL_LIST)
            return serr(p, files, "files must be a list");
        for (size_t i = 0; i < files->u.list.n; i++)
            if ((rc = plan_files_entry(p, files->u.list.v[i])) < 0)
                return rc;
    }
    if (debs && (rc = plan_debs(p, c, debs)) < 0)
        return rc;
    return 0;
}

static int plan_spec(struct plan *p, const struct gf_val *root, int64_t created)
{
    static const char *const keys[] = { "name", "version", "expires", "components", NULL };
    const struct gf_val *namev, *vv, *ev, *comps;
    char *version = NULL;
    int64_t expires = 0;
    int rc;

    if (root == NULL || root->type != GF_VAL_MAP)
        return serr(p, root, "a bundle spec must be a mapping {name, version, components}");
    if ((rc = only_keys(p, root, "the bundle spec", keys)) < 0 ||
        (rc = spec_str(p, root, "name", "the bundle spec", 1, &namev)) < 0)
        return rc;
    if (!gf_bundle_name_valid(namev->u.str.s))
        return serr(p, namev, "invalid bundle name '%s' (letters, digits and ._+-, at most 64)",
                    namev->u.str.s);
    vv = gf_val_map_get(root, "version");
    if (vv == NULL)
        return serr(p, root, "the bundle spec needs 'version'");
    if (vv->type == GF_VAL_INT)
        version = gf_xasprintf("%lld", vv->u.i);
    else if (vv->type == GF_VAL_STR)
        version = gf_xstrdup(vv->u.str.s);
    else
        return serr(p, vv, "version must be a quoted string like '1.4.0' (YAML reads 1.10 as "
                           "the number 1.1)");
    if (!gf_bundle_version_valid(version)) {
        rc = serr(p, vv, "invalid version '%s' (numbers separated by dots, like 1.4.0)",
                  version);
        free(version);
        return rc;
    }
    p->m = gf_bundle_manifest_new(namev->u.str.s, version, created);
    free(version);
    if ((rc = spec_str(p, root, "expires", "the bundle spec", 0, &ev)) < 0)
        return rc;
    if (ev) {
        if (gf_bundle_time_parse(ev->u.str.s, 1, &expires) < 0)
            return serr(p, ev, "expires '%s' is not a date like 2027-06-01 or "
                               "2027-06-01T00:00:00Z", ev->u.str.s);
        if (expires <= created)
            return serr(p, ev, "expires '%s' is not after the build time", ev->u.str.s);
        p->m->has_expires = 1;
        p->m->expires = expires;
    }
    comps = gf_val_map_get(root, "components");
    if (comps == NULL || comps->type != GF_VAL_LIST || comps->u.list.n == 0)
        return serr(p, comps ? comps : root, "the bundle spec needs a non-empty 'components' "
                                             "list");
    for (size_t i = 0; i < comps->u.list.n; i++)
        if ((rc = plan_component(p, comps->u.list.v[i])) < 0)
            return rc;
    return 0;
}

/* ---- hashing and writing ---- */

/* Streams src through the hash, and into the archive when a is not NULL.
 * When size_known, src must still be *size bytes long; else *size is set.
 * Returns 0 with the digest in sha, or -GF_EIO with err. */
static int stream_file(const char *src, struct archive *a, unsigned char *buf, uint64_t *size,
                       int size_known, unsigned char sha[32], struct gf_error *err)
{
    struct gf_bundle_hash h;
    struct stat st;
    uint64_t got = 0;
    int fd = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), rc = 0;

    if (fd < 0)
        return gf_error_set(err, GF_EIO, src, 0, 0, "cannot open: %s", strerror(errno));
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return gf_error_set(err, GF_EIO, src, 0, 0, "not a regular file any more");
    }
    if (size_known && (uint64_t)st.st_size != *size) {
        close(fd);
        return gf_error_set(err, GF_EIO, src, 0, 0, "changed while the bundle was built");
    }
    gf_bundle_hash_init(&h);
    for (;;) {
        ssize_t n = read(fd, buf, COPY_BLOCK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = gf_error_set(err, GF_EIO, src, 0, 0, "read failed: %s", strerror(errno));
            break;
        }
        if (n == 0)
            break;
        if (size_known && got + (uint64_t)n > *size) {
            rc = gf_error_set(err, GF_EIO, src, 0, 0, "changed while the bundle was built");
            break;
        }
        gf_bundle_hash_update(&h, buf, (size_t)n);
        if (a && archive_write_data(a, buf, (size_t)n) != n) {
            rc = gf_error_set(err, GF_EIO, src, 0, 0, "cannot write to the bundle: %s",
                              archive_error_string(a) ? archive_error_string(a) : "error");
            break;
        }
        got += (uint64_t)n;
    }
    close(fd);
    if (rc == 0 && size_known && got != *size)
        rc = gf_error_set(err, GF_EIO, src, 0, 0, "changed while the bundle was built");
    if (rc < 0) {
        gf_bundle_hash_release(&h);
        return rc;
    }
    gf_bundle_hash_final(&h, sha);
    *size = got;
    return 0;
}

static struct archive_entry *new_entry(const char *name, enum gf_bundle_ftype type,
                                       unsigned mode, uint64_t size, int64_t mtime)
{
    struct archive_entry *e = archive_entry_new();

    if (e == NULL)
        gf_die("out of memory");
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, type == GF_BUNDLE_DIR ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(e, mode & 0777);
    archive_entry_set_size(e, (la_int64_t)size);
    archive_entry_set_uid(e, 0);
    archive_entry_set_gid(e, 0);
    archive_entry_set_uname(e, "root");
    archive_entry_set_gname(e, "root");
    archive_entry_set_mtime(e, (time_t)mtime, 0);
    return e;
}

static int write_header(struct archive *a, struct archive_entry *e, const char *out,
                        struct gf_error *err)
{
    int rc = archive_write_header(a, e);

    if (rc != ARCHIVE_OK)
        return gf_error_set(err, GF_EIO, out, 0, 0, "cannot write member '%s': %s",
                            archive_entry_pathname(e),
                            archive_error_string(a) ? archive_error_string(a) : "error");
    return 0;
}

static int write_mem(struct archive *a, const char *name, const struct gf_buf *b, int64_t mtime,
                     const char *out, struct gf_error *err)
{
    struct archive_entry *e = new_entry(name, GF_BUNDLE_REG, 0644, b->len, mtime);
    int rc = write_header(a, e, out, err);

    archive_entry_free(e);
    if (rc == 0 && b->len && archive_write_data(a, b->buf, b->len) != (la_ssize_t)b->len)
        rc = gf_error_set(err, GF_EIO, out, 0, 0, "cannot write member '%s': %s", name,
                          archive_error_string(a) ? archive_error_string(a) : "error");
    return rc;
}

static int write_bundle(struct plan *p, const struct gf_bundle_build_opts *o, int fd,
                        unsigned char *buf)
{
    const struct gf_bundle_manifest *m = p->m;
    struct gf_buf manifest = GF_BUF_INIT, sig = GF_BUF_INIT, sums = GF_BUF_INIT;
    struct archive *a = archive_write_new();
    int rc = 0;

    if (a == NULL)
        gf_die("out of memory");
    /* Big output blocks (fewer write calls); no padding after the end
     * blocks, so the file ends exactly where the archive does. */
    if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
        archive_write_set_bytes_per_block(a, COPY_BLOCK) != ARCHIVE_OK ||
        archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
        archive_write_open_fd(a, fd) != ARCHIVE_OK) {
        rc = gf_error_set(p->err, GF_EIO, o->out, 0, 0, "cannot start the archive: %s",
                          archive_error_string(a) ? archive_error_string(a) : "error");
        goto out;
    }
    gf_bundle_manifest_serialize(m, &manifest);
    gf_bundle_manifest_sums(m, &sums);
    if (o->key && (rc = gf_bundle_sign(o->key, manifest.buf, manifest.len, &sig, p->err)) < 0)
        goto out;
    if ((rc = write_mem(a, "MANIFEST", &manifest, m->created, o->out, p->err)) < 0 ||
        (o->key && (rc = write_mem(a, GF_BUNDLE_SIG_NAME, &sig, m->created, o->out,
                                   p->err)) < 0) ||
        (rc = write_mem(a, GF_BUNDLE_SUMS_NAME, &sums, m->created, o->out, p->err)) < 0)
        goto out;
    for (size_t i = 0; i < m->files.n && rc == 0; i++) {
        const struct gf_bundle_file *f = m->files.v[i];
        char *name = gf_xasprintf("%s%s", GF_BUNDLE_PAYLOAD_DIR, f->path);
        struct archive_entry *e = new_entry(name, f->type, f->mode, f->size, m->created);
        rc = write_header(a, e, o->out, p->err);
        archive_entry_free(e);
        free(name);
        if (rc == 0 && f->type == GF_BUNDLE_REG) {
            uint64_t size = f->size;
            unsigned char sha[32];
            rc = stream_file(p->srcs.v[i], a, buf, &size, 1, sha, p->err);
            if (rc == 0 && memcmp(sha, f->sha256, sizeof(sha)) != 0)
                rc = gf_error_set(p->err, GF_EIO, p->srcs.v[i], 0, 0,
                                  "changed while the bundle was built");
        }
    }
    if (rc == 0 && archive_write_close(a) != ARCHIVE_OK)
        rc = gf_error_set(p->err, GF_EIO, o->out, 0, 0, "cannot finish the archive: %s",
                          archive_error_string(a) ? archive_error_string(a) : "error");
out:
    archive_write_free(a);
    gf_buf_release(&manifest);
    gf_buf_release(&sig);
    gf_buf_release(&sums);
    return rc;
}

int gf_bundle_build(const struct gf_bundle_build_opts *o, struct gf_bundle_manifest **out,
                    struct gf_error *err)
{
    struct plan p = { 0 };
    struct gf_val *root = NULL;
    unsigned char *buf = NULL;
    char *tmp = NULL;
    int fd = -1, rc;
    int64_t created = o->created >= 0 ? o->created : (int64_t)time(NULL);

    if (out)
        *out = NULL;
    if (o->key == NULL && !o->insecure_unsigned)
        return gf_error_set(err, GF_EINVAL, NULL, 0, 0,
                            "a signing key is needed (or --insecure-unsigned)");
    p.spec = o->spec;
    p.err = err;
    const char *slash = strrchr(o->spec, '/');
    p.base = slash ? gf_xstrndup(o->spec, (size_t)(slash - o->spec + (slash == o->spec)))
                   : gf_xstrdup(".");
    if (access(o->spec, F_OK) < 0 && errno == ENOENT) {
        rc = gf_error_set(err, GF_ENOTFOUND, o->spec, 0, 0, "spec file does not exist");
        goto out;
    }
    if ((rc = gf_yaml_load_file(o->spec, &root, err)) < 0 ||
        (rc = plan_spec(&p, root, created)) < 0)
        goto out;
    buf = gf_xmalloc(COPY_BLOCK);
    for (size_t i = 0; i < p.m->files.n; i++) {
        struct gf_bundle_file *f = p.m->files.v[i];
        if (f->type == GF_BUNDLE_REG &&
            (rc = stream_file(p.srcs.v[i], NULL, buf, &f->size, 0, f->sha256, err)) < 0)
            goto out;
    }
    if ((rc = gf_bundle_manifest_check(p.m, err)) < 0)
        goto out;
    tmp = gf_xasprintf("%s.tmp.XXXXXX", o->out);
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        rc = gf_error_set(err, GF_EIO, o->out, 0, 0, "cannot create: %s", strerror(errno));
        free(tmp);
        tmp = NULL;
        goto out;
    }
    if (fchmod(fd, 0644) < 0) {
        rc = gf_error_set(err, GF_EIO, tmp, 0, 0, "chmod failed: %s", strerror(errno));
        goto out;
    }
    if ((rc = write_bundle(&p, o, fd, buf)) < 0)
        goto out;
    if (fsync(fd) < 0 || close(fd) < 0) {
        fd = -1;
        rc = gf_error_set(err, GF_EIO, o->out, 0, 0, "cannot write: %s", strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(tmp, o->out) < 0) {
        rc = gf_error_set(err, GF_EIO, o->out, 0, 0, "cannot rename into place: %s",
                          strerror(errno));
        goto out;
    }
    free(tmp);
    tmp = NULL;
    gf_bundle_fsync_parent(o->out);
    if (out) {
        *out = p.m;
        p.m = NULL;
    }
out:
    if (fd >= 0)
        close(fd);
    if (tmp) {
        unlink(tmp);
        free(tmp);
    }
    free(buf);
    gf_val_unref(root);
    gf_bundle_manifest_free(p.m);
    gf_vec_release(&p.srcs, free);
    free(p.base);
    return rc;
}

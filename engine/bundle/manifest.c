/* manifest.c - the bundle manifest: building it in memory, its canonical JSON
 * form (serialise, and a strict parse that insists on that form), the derived
 * SHA256SUMS text, and the rules for names, paths, versions and times. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bundle-private.h"

struct gf_bundle_manifest *gf_bundle_manifest_new(const char *name, const char *version,
                                                  int64_t created)
{
    struct gf_bundle_manifest *m = gf_xcalloc(1, sizeof(*m));

    m->format = GF_BUNDLE_FORMAT;
    m->name = gf_xstrdup(name);
    m->version = gf_xstrdup(version);
    m->created = created;
    return m;
}

static void file_free(void *p)
{
    struct gf_bundle_file *f = p;

    free(f->path);
    free(f);
}

static void component_free(void *p)
{
    struct gf_bundle_component *c = p;

    free(c->name);
    gf_vec_release(&c->debs, free);
    free(c);
}

void gf_bundle_manifest_free(struct gf_bundle_manifest *m)
{
    if (m == NULL)
        return;
    free(m->name);
    free(m->version);
    free(m->signer);
    gf_vec_release(&m->components, component_free);
    gf_vec_release(&m->files, file_free);
    gf_map_release(&m->index, NULL);
    free(m);
}

struct gf_bundle_component *gf_bundle_manifest_add_component(struct gf_bundle_manifest *m,
                                                            const char *name)
{
    struct gf_bundle_component *c = gf_xcalloc(1, sizeof(*c));

    c->name = gf_xstrdup(name);
    gf_vec_push(&m->components, c);
    return c;
}

struct gf_bundle_file *gf_bundle_manifest_add_file(struct gf_bundle_manifest *m,
                                                   const char *path,
                                                   enum gf_bundle_ftype type, unsigned mode,
                                                   uint64_t size,
                                                   const unsigned char *sha256)
{
    struct gf_bundle_file *f;

    if (m->components.n == 0)
        gf_die("gf_bundle_manifest_add_file: no component");
    if (gf_map_get(&m->index, path))
        return NULL;
    f = gf_xcalloc(1, sizeof(*f));
    f->path = gf_xstrdup(path);
    f->type = type;
    f->mode = mode;
    f->size = size;
    if (sha256)
        memcpy(f->sha256, sha256, sizeof(f->sha256));
    f->component = m->components.n - 1;
    f->index = m->files.n;
    gf_vec_push(&m->files, f);
    gf_map_set(&m->index, path, f);
    return f;
}

const struct gf_bundle_file *gf_bundle_manifest_find(const struct gf_bundle_manifest *m,
                                                     const char *path)
{
    return gf_map_get(&m->index, path);
}

uint64_t gf_bundle_manifest_bytes(const struct gf_bundle_manifest *m)
{
    uint64_t n = 0;

    for (size_t i = 0; i < m->files.n; i++)
        n += ((const struct gf_bundle_file *)m->files.v[i])->size;
    return n;
}

/* ---- names, paths, versions, times ---- */

static int name_char(char c, int first)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return 1;
    return !first && (c == '.' || c == '_' || c == '+' || c == '-');
}

int gf_bundle_name_valid(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > GF_BUNDLE_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!name_char(s[i], i == 0))
            return 0;
    return 1;
}

int gf_bundle_version_valid(const char *s)
{
    size_t digits = 0, parts = 0;

    for (const char *p = s;; p++) {
        if (*p >= '0' && *p <= '9') {
            if (digits == 1 && p[-1] == '0')
                return 0; /* leading zero */
            if (++digits > 9)
                return 0;
            continue;
        }
        if (digits == 0 || ++parts > 8)
            return 0;
        if (*p == '\0')
            return 1;
        if (*p != '.')
            return 0;
        digits = 0;
    }
}

int gf_bundle_version_cmp(const char *a, const char *b)
{
    while (*a || *b) {
        char *ea, *eb;
        unsigned long x = strtoul(a, &ea, 10), y = strtoul(b, &eb, 10);
        if (x != y)
            return x < y ? -1 : 1;
        if (ea == a && eb == b)
            break; /* not a version: stop rather than loop */
        a = *ea == '.' ? ea + 1 : ea;
        b = *eb == '.' ? eb + 1 : eb;
    }
    return 0;
}

static int path_char(char c)
{
    return name_char(c, 0) || c == '@' || c == '=' || c == ',' || c == ':' || c == '~' ||
           c == '%';
}

const char *gf_bundle_path_problem(const char *path)
{
    size_t n = strlen(path);

    if (n == 0)
        return "is empty";
    if (path[0] == '/')
        return "is absolute";
    for (const char *p = path;; p++) {
        size_t len = strcspn(p, "/");
        if (len == 2 && p[0] == '.' && p[1] == '.')
            return "has a '..' component";
        if (len == 0 || (len == 1 && p[0] == '.'))
            return "has an empty or '.' component";
        if (len > 255)
            return "has a component longer than 255 bytes";
        p += len;
        if (*p == '\0')
            break;
    }
    if (n > GF_BUNDLE_PATH_MAX)
        return "is longer than 1024 bytes";
    for (size_t i = 0; i < n; i++)
        if (path[i] != '/' && !path_char(path[i]))
            return "has a character outside A-Za-z0-9._-+@=,:~%";
    return NULL;
}

void gf_bundle_time_format(int64_t t, char *buf, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (gmtime_r(&tt, &tm) == NULL || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, size, "@%lld", (long long)t);
}

int gf_bundle_time_parse(const char *s, int date_ok, int64_t *t)
{
    struct tm tm = { 0 };
    char back[32];
    int y, mo, d, h = 0, mi = 0, sec = 0, used = 0;
    size_t n = strlen(s);

    if (n == 10 && date_ok) {
        if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &used) != 3 || used != 10)
            return -1;
    } else if (n == 20) {
        if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &sec, &used) != 6 ||
            used != 20)
            return -1;
    } else {
        return -1;
    }
    for (size_t i = 0; i < n; i++) /* sscanf would take signs and spaces */
        if (!((s[i] >= '0' && s[i] <= '9') || strchr("-T:Z", s[i])))
            return -1;
    if (y < 1970 || y > 9999)
        return -1;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    time_t tt = timegm(&tm);
    if (tt == (time_t)-1)
        return -1;
    /* Round trip: rejects 2027-02-30 and 25:00:00. */
    gf_bundle_time_format((int64_t)tt, back, sizeof(back));
    if (strncmp(back, s, n) != 0)
        return -1;
    *t = (int64_t)tt;
    return 0;
}

int gf_bundle_check_version(const struct gf_bundle_manifest *m, const char *installed,
                            int allow_downgrade, struct gf_error *err)
{
    if (installed == NULL || allow_downgrade)
        return 0;
    if (!gf_bundle_version_valid(installed))
        return gf_error_set(err, GF_EINVAL, NULL, 0, 0, "invalid installed version '%s'",
                            installed);
    if (gf_bundle_version_cmp(m->version, installed) < 0)
        return gf_error_set(err, GF_EINVAL, NULL, 0, 0,
                            "bundle '%s' version %s is older than the installed %s "
                            "(rollback refused; --allow-downgrade installs it anyway)",
                            m->name, m->version, installed);
    return 0;
}

int gf_bundle_check_expiry(const struct gf_bundle_manifest *m, int64_t now, struct gf_error *err)
{
    char when[32];

    if (!m->has_expires || now < m->expires)
        return 0;
    gf_bundle_time_format(m->expires, when, sizeof(when));
    return gf_error_set(err, GF_EINVAL, NULL, 0, 0, "bundle '%s' %s expired at %s", m->name,
                        m->version, when);
}

/* ---- validation ---- */

int gf_bundle_manifest_check(const struct gf_bundle_manifest *m, struct gf_error *err)
{
    const char *why;

    if (m->format != GF_BUNDLE_FORMAT)
        return gf_error_set(err, GF_EINVAL, "MANIFEST", 0, 0, "unsupported format %d",
                            m->format);
    if (!gf_bundle_name_valid(m->name))
        return gf_error_set(err, GF_EINVAL, "MANIFEST", 0, 0,
                            "invalid bundle name '%s'", m->name);
    if (!gf_bundle_version_valid(m->version))
        return gf_error_set(err, GF_EINVAL, "MANIFEST", 0, 0, "invalid version '%s'",
                            m->version);
    for (size_t i = 0; i < m->components.n; i++) {
        const struct gf_bundle_component *c = m->components.v[i];
        if (!gf_bundle_name_valid(c->name))
            return gf_error_set(err, GF_EINVAL, "MANIFEST", 0, 0,
                                "invalid component name '%s'", c->name);
        for (size_t j = 0; j < i; j++)
            if (strcmp(((const struct gf_bundle_component *)m->components.v[j])->name,
                       c->name) == 0)
                return gf_error_set(err, GF_EINVAL, "MANIFEST", 0, 0,
                                    "component '%s' appears twice", c->name);
    }
    for (size_t i = 0; i < m->files.n; i++) {
        const struct gf_bundle_file *f = m->files.v[i];
        if ((why = gf_bundle_path_problem(f->path)) != NULL)
            return gf_error_set(err, GF_EINVAL, "MANIFEST", 0, 0, "path '%s' %s", f->path, why);
        if (f->mode & 07000)
            return gf_error_set(err, GF_EINVAL, "MANIFEST", 0, 0,
                                "'%s' has mode %04o: setuid, setgid and sticky bits are not "
                                "allowed", f->path, f->mode);
        if (f->mode > 0777)
            return gf_error_set(err, GF_EINVAL, "MANIFEST", 0, 0, "'%s' has invalid mode %o",
                                f->path, f->mode);
        if (f->type == GF_BUNDLE_DIR && f->size != 0)
            return gf_error_set(err, GF_EINVAL, "MANIFEST", 0, 0,
                                "directory '%s' has a size", f->path);
        if (f->size > (uint64_t)INT64_MAX)
            return gf_error_set(err, GF_EINVAL, "MANIFEST", 0, 0, "'%s' is too large",
                                f->path);
        const char *slash = strrchr(f->path, '/');
        if (slash) {
            char *parent = gf_xstrndup(f->path, (size_t)(slash - f->path));
            const struct gf_bundle_file *p = gf_map_get(&m->index, parent);
            int bad = p == NULL || p->type != GF_BUNDLE_DIR || p->index >= f->index;
            int rc = bad ? gf_error_set(err, GF_EINVAL, "MANIFEST", 0, 0,
                                        "parent directory '%s' of '%s' is not listed before it",
                                        parent, f->path) : 0;
            free(parent);
            if (rc)
                return rc;
        }
    }
    for (size_t i = 0; i < m->components.n; i++) {
        const struct gf_bundle_component *c = m->components.v[i];
        for (size_t j = 0; j < c->debs.n; j++) {
            const char *d = c->debs.v[j];
            const struct gf_bundle_file *f = gf_map_get(&m->index, d);
            if (f == NULL || f->type != GF_BUNDLE_REG || f->component != i ||
                !gf_endswith(d, ".deb"))
                return gf_error_set(err, GF_EINVAL, "MANIFEST", 0, 0,
                                    "deb '%s' of component '%s' is not one of its regular "
                                    ".deb files", d, c->name);
            for (size_t k = 0; k < j; k++)
                if (strcmp(c->debs.v[k], d) == 0)
                    return gf_error_set(err, GF_EINVAL, "MANIFEST", 0, 0,
                                        "deb '%s' appears twice", d);
        }
    }
    return 0;
}

/* ---- serialise ---- */

static struct gf_val *file_val(const struct gf_bundle_file *f)
{
    struct gf_val *o = gf_val_map();
    char mode[8], hex[65];

    snprintf(mode, sizeof(mode), "%04o", f->mode & 07777);
    gf_val_map_set(o, "mode", gf_val_str(mode));
    gf_val_map_set(o, "path", gf_val_str(f->path));
    if (f->type == GF_BUNDLE_REG) {
        gf_bundle_hex(f->sha256, sizeof(f->sha256), hex);
        gf_val_map_set(o, "sha256", gf_val_str(hex));
        gf_val_map_set(o, "size", gf_val_int((long long)f->size));
        gf_val_map_set(o, "type", gf_val_str("regular"));
    } else {
        gf_val_map_set(o, "type", gf_val_str("directory"));
    }
    return o;
}

void gf_bundle_manifest_serialize(const struct gf_bundle_manifest *m, struct gf_buf *out)
{
    struct gf_val *root = gf_val_map(), *comps = gf_val_list();
    char when[32];
    size_t fi = 0;

    for (size_t i = 0; i < m->components.n; i++) {
        const struct gf_bundle_component *c = m->components.v[i];
        struct gf_val *cv = gf_val_map(), *debs = gf_val_list(), *files = gf_val_list();
        for (size_t j = 0; j < c->debs.n; j++)
            gf_val_list_push(debs, gf_val_str(c->debs.v[j]));
        for (; fi < m->files.n && ((struct gf_bundle_file *)m->files.v[fi])->component == i;
             fi++)
            gf_val_list_push(files, file_val(m->files.v[fi]));
        gf_val_map_set(cv, "debs", debs);
        gf_val_map_set(cv, "files", files);
        gf_val_map_set(cv, "name", gf_val_str(c->name));
        gf_val_list_push(comps, cv);
    }
    gf_val_map_set(root, "components", comps);
    gf_bundle_time_format(m->created, when, sizeof(when));
    gf_val_map_set(root, "created", gf_val_str(when));
    if (m->has_expires) {
        gf_bundle_time_format(m->expires, when, sizeof(when));
        gf_val_map_set(root, "expires", gf_val_str(when));
    }
    gf_val_map_set(root, "format", gf_val_int(m->format));
    gf_val_map_set(root, "name", gf_val_str(m->name));
    gf_val_map_set(root, "version", gf_val_str(m->version));
    gf_json_dump(root, -1, GF_JSON_SORT | GF_JSON_COMPACT, out);
    gf_buf_addc(out, '\n');
    gf_val_unref(root);
}

void gf_bundle_manifest_sums(const struct gf_bundle_manifest *m, struct gf_buf *out)
{
    char hex[65];

    for (size_t i = 0; i < m->files.n; i++) {
        const struct gf_bundle_file *f = m->files.v[i];
        if (f->type != GF_BUNDLE_REG)
            continue;
        gf_bundle_hex(f->sha256, sizeof(f->sha256), hex);
        gf_buf_addf(out, "%s  %s%s\n", hex, GF_BUNDLE_PAYLOAD_DIR, f->path);
    }
}

/* ---- parse ---- */

/* Sets a parse error at v's position in MANIFEST. */
static int perr(struct gf_error *err, const struct gf_val *v, const char *fmt, ...)
    GF_PRINTF(3, 4);
static int perr(struct gf_error *err, const struct gf_val *v, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int rc = gf_error_vset(err, GF_EINVAL, "MANIFEST", v ? v->line : 0, v ? v->col : 0, fmt, ap);
    va_end(ap);
    return rc;
}

/* Checks that map v has only the keys listed (NULL-terminated). */
static int only_keys(const struct gf_val *v, const char *what, const char *const *keys,
                     struct gf_error *err)
{
    for (size_t i = 0; i < v->u.map.n; i++) {
        size_t k = 0;
        while (keys[k] && strcmp(keys[k], v->u.map.ents[i].key) != 0)
            k++;
        if (keys[k] == NULL)
            return perr(err, v, "unknown key '%s' in %s", v->u.map.ents[i].key, what);
    }
    return 0;
}

static int get_str(const struct gf_val *map, const char *key, const char *what, int required,
                   const char **out, struct gf_error *err)
{
    const struct gf_val *v = gf_val_map_get(map, key);

    *out = NULL;
    if (v == NULL)
        return required ? perr(err, map, "%s has no '%s'", what, key) : 0;
    if (v->type != GF_VAL_STR)
        return perr(err, v, "'%s' of %s is not a string", key, what);
    *out = v->u.str.s;
    return 0;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static int parse_file(struct gf_bundle_manifest *m, const struct gf_val *fv, struct gf_error *err)
{
    static const char *const keys[] = { "mode", "path", "sha256", "size", "type", NULL };
    const char *path, *type, *mode, *hex;
    const struct gf_val *size;
    unsigned char sha[32] = { 0 };
    unsigned long modev;
    char *end;
    int rc;

    if (fv->type != GF_VAL_MAP)
        return perr(err, fv, "a file entry is not an object");
    if ((rc = only_keys(fv, "a file entry", keys, err)) ||
        (rc = get_str(fv, "path", "a file entry", 1, &path, err)) ||
        (rc = get_str(fv, "type", path, 1, &type, err)) ||
        (rc = get_str(fv, "mode", path, 1, &mode, err)) ||
        (rc = get_str(fv, "sha256", path, 0, &hex, err)))
        return rc;
    size = gf_val_map_get(fv, "size");
    errno = 0;
    modev = strtoul(mode, &end, 8);
    if (strlen(mode) != 4 || *end || errno)
        return perr(err, fv, "'%s' has invalid mode '%s'", path, mode);
    if (strcmp(type, "directory") == 0) {
        if (size || hex)
            return perr(err, fv, "directory '%s' has a size or sha256", path);
        if (!gf_bundle_manifest_add_file(m, path, GF_BUNDLE_DIR, (unsigned)modev, 0, NULL))
            return perr(err, fv, "'%s' appears twice", path);
        return 0;
    }
    if (strcmp(type, "regular") != 0)
        return perr(err, fv, "'%s' has type '%s' (only regular and directory are allowed)",
                    path, type);
    if (size == NULL || size->type != GF_VAL_INT || size->u.i < 0)
        return perr(err, fv, "'%s' has no valid size", path);
    if (hex == NULL || strlen(hex) != 64)
        return perr(err, fv, "'%s' has no valid sha256", path);
    for (size_t i = 0; i < 32; i++) {
        int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return perr(err, fv, "'%s' has no valid sha256", path);
        sha[i] = (unsigned char)(hi << 4 | lo);
    }
    if (!gf_bundle_manifest_add_file(m, path, GF_BUNDLE_REG, (unsigned)modev,
                                     (uint64_t)size->u.i, sha))
        return perr(err, fv, "'%s' appears twice", path);
    return 0;
}

static int parse_component(struct gf_bundle_manifest *m, const struct gf_val *cv,
                           struct gf_error *err)
{
    static const char *const keys[] = { "debs", "files", "name", NULL };
    const struct gf_val *files, *debs;
    const char *name;
    int rc;

    if (cv->type != GF_VAL_MAP)
        return perr(err, cv, "a component is not an object");
    if ((rc = only_keys(cv, "a component", keys, err)) ||
        (rc = get_str(cv, "name", "a component", 1, &name, err)))
        return rc;
    files = gf_val_map_get(cv, "files");
    debs = gf_val_map_get(cv, "debs");
    if (files == NULL || files->type != GF_VAL_LIST || debs == NULL || debs->type != GF_VAL_LIST)
        return perr(err, cv, "component '%s' needs 'files' and 'debs' lists", name);
    struct gf_bundle_component *c = gf_bundle_manifest_add_component(m, name);
    for (size_t i = 0; i < debs->u.list.n; i++) {
        const struct gf_val *d = debs->u.list.v[i];
        if (d->type != GF_VAL_STR)
            return perr(err, d, "a deb of component '%s' is not a string", name);
        gf_vec_push(&c->debs, gf_xstrdup(d->u.str.s));
    }
    for (size_t i = 0; i < files->u.list.n; i++)
        if ((rc = parse_file(m, files->u.list.v[i], err)))
            return rc;
    return 0;
}

static int parse_root(struct gf_bundle_manifest *m, const struct gf_val *v, struct gf_error *err)
{
    static const char *const keys[] = { "components", "created", "expires", "format", "name",
                                        "version", NULL };
    const struct gf_val *fmt, *comps;
    const char *s;
    int rc;

    if (v == NULL || v->type != GF_VAL_MAP)
        return perr(err, v, "MANIFEST is not a JSON object");
    if ((rc = only_keys(v, "the manifest", keys, err)))
        return rc;
    fmt = gf_val_map_get(v, "format");
    if (fmt == NULL || fmt->type != GF_VAL_INT)
        return perr(err, v, "manifest has no format number");
    if (fmt->u.i != GF_BUNDLE_FORMAT)
        return perr(err, fmt, "unsupported manifest format %lld (this gpuforge reads %d)",
                    fmt->u.i, GF_BUNDLE_FORMAT);
    m->format = (int)fmt->u.i;
    if ((rc = get_str(v, "name", "the manifest", 1, &s, err)))
        return rc;
    free(m->name);
    m->name = gf_xstrdup(s);
    if ((rc = get_str(v, "version", "the manifest", 1, &s, err)))
        return rc;
    free(m->version);
    m->version = gf_xstrdup(s);
    if ((rc = get_str(v, "created", "the manifest", 1, &s, err)))
        return rc;
    if (gf_bundle_time_parse(s, 0, &m->created) < 0)
        return perr(err, gf_val_map_get(v, "created"), "invalid created time '%s'", s);
    if ((rc = get_str(v, "expires", "the manifest", 0, &s, err)))
        return rc;
    if (s) {
        if (gf_bundle_time_parse(s, 0, &m->expires) < 0)
            return perr(err, gf_val_map_get(v, "expires"), "invalid expires time '%s'", s);
        m->has_expires = 1;
    }
    comps = gf_val_map_get(v, "components");
    if (comps == NULL || comps->type != GF_VAL_LIST)
        return perr(err, v, "manifest has no 'components' list");
    for (size_t i = 0; i < comps->u.list.n; i++)
        if ((rc = parse_component(m, comps->u.list.v[i], err)))
            return rc;
    return 0;
}

int gf_bundle_manifest_parse(const char *data, size_t len, struct gf_bundle_manifest **out,
                             struct gf_error *err)
{
    struct gf_bundle_manifest *m = NULL;
    struct gf_val *v = NULL;
    struct gf_buf canon = GF_BUF_INIT;
    int rc;

    *out = NULL;
    if (len > GF_BUNDLE_MANIFEST_MAX)
        return gf_error_set(err, GF_EINVAL, "MANIFEST", 0, 0, "larger than %u bytes",
                            GF_BUNDLE_MANIFEST_MAX);
    if (memchr(data, '\0', len))
        return gf_error_set(err, GF_EPARSE, "MANIFEST", 0, 0, "holds a NUL byte");
    if ((rc = gf_yaml_load(data, len, "MANIFEST", &v, err)) < 0)
        goto out;
    m = gf_bundle_manifest_new("", "", 0);
    if ((rc = parse_root(m, v, err)) < 0 || (rc = gf_bundle_manifest_check(m, err)) < 0)
        goto out;
    gf_bundle_manifest_serialize(m, &canon);
    if (canon.len != len || memcmp(canon.buf, data, len) != 0) {
        rc = gf_error_set(err, GF_EINVAL, "MANIFEST", 0, 0, "not in canonical form");
        goto out;
    }
    *out = m;
    m = NULL;
out:
    gf_bundle_manifest_free(m);
    gf_val_unref(v);
    gf_buf_release(&canon);
    return rc;
}

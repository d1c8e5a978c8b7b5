/*
 * spec.c - cluster.yml: which plugin, region and nodes a cluster has. Keys
 * come from one table; settings given at the top are defaults that master:,
 * worker: and each pools: entry may override. Sizes and GPUs resolve through
 * the provider's tables (tables.c). Errors point at the key or value.
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud.h"

enum ktype { K_STR, K_INT, K_BOOL, K_NUM, K_LABELS, K_GROUP, K_POOLS };
/* where a key may appear */
#define AT_TOP 1
#define AT_GROUP 2
#define AT_POOL 4

static const struct key {
    const char *name;
    enum ktype type;
    unsigned where;
} keys[] = {
    { "name", K_STR, AT_TOP },
    { "plugin", K_STR, AT_TOP },
    { "region", K_STR, AT_TOP },
    { "user", K_STR, AT_TOP },
    { "state", K_STR, AT_TOP },
    { "labels", K_LABELS, AT_TOP },
    { "startup_script", K_STR, AT_TOP },
    { "copy_dir", K_STR, AT_TOP },
    { "copy_dest", K_STR, AT_TOP },
    { "master", K_GROUP, AT_TOP },
    { "worker", K_GROUP, AT_TOP },
    { "pools", K_POOLS, AT_TOP },
    { "pool", K_STR, AT_POOL },
    { "count", K_INT, AT_GROUP | AT_POOL },
    { "has_gpu", K_BOOL, AT_GROUP | AT_POOL },
    { "instance_type", K_STR, AT_TOP | AT_GROUP | AT_POOL },
    { "instance_gpu", K_STR, AT_TOP | AT_GROUP | AT_POOL },
    { "gpu_count", K_INT, AT_TOP | AT_GROUP | AT_POOL },
    { "spot", K_BOOL, AT_TOP | AT_GROUP | AT_POOL },
    { "spot_price", K_NUM, AT_TOP | AT_GROUP | AT_POOL },
    { "disk_gb", K_INT, AT_TOP | AT_GROUP | AT_POOL },
    { "image", K_STR, AT_TOP | AT_GROUP | AT_POOL },
};

#define MAX_COUNT 1000

static int verr(struct gf_cloud_spec *s, const struct gf_val *v, int at_key,
                struct gf_error *err, const char *fmt, ...) GF_PRINTF(5, 6);
static int verr(struct gf_cloud_spec *s, const struct gf_val *v, int at_key,
                struct gf_error *err, const char *fmt, ...)
{
    struct gf_buf m = GF_BUF_INIT;
    va_list ap;
    int line = 0, col = 0;

    if (v) {
        line = at_key && v->kline ? v->kline : v->line;
        col = at_key && v->kline ? v->kcol : v->col;
    }
    va_start(ap, fmt);
    gf_buf_vaddf(&m, fmt, ap);
    va_end(ap);
    int rc = gf_error_set(err, GF_EINVAL, s->path, line, col, "%s", m.buf);
    gf_buf_release(&m);
    return rc;
}

static const struct key *key_find(const char *name)
{
    for (size_t i = 0; i < GF_ARRAY_LEN(keys); i++)
        if (strcmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

/* Checks every key of map m against the table for place `where`, and the
 * type of its value. */
static int check_keys(struct gf_cloud_spec *s, const struct gf_val *m, unsigned where,
                      const char *ctx, struct gf_error *err)
{
    for (size_t i = 0; i < m->u.map.n; i++) {
        const char *name = m->u.map.ents[i].key;
        const struct gf_val *v = m->u.map.ents[i].val;
        const struct key *k = key_find(name);

        if (k == NULL || !(k->where & where))
            return verr(s, v, 1, err, "%s: unknown key '%s'%s", ctx, name,
                        k ? " here" : "");
        const char *want = NULL;
        switch (k->type) {
        case K_STR:
            if (v->type != GF_VAL_STR || v->u.str.len == 0)
                want = "a non-empty string";
            break;
        case K_INT:
            if (v->type != GF_VAL_INT || v->u.i < 0 || v->u.i > MAX_COUNT * 100)
                want = "a non-negative integer";
            break;
        case K_BOOL:
            if (v->type != GF_VAL_BOOL)
                want = "true or false";
            break;
        case K_NUM:
            if ((v->type != GF_VAL_INT && v->type != GF_VAL_FLOAT) ||
                (v->type == GF_VAL_INT ? v->u.i < 0 : !(v->u.f >= 0)))
                want = "a non-negative number";
            break;
        case K_LABELS:
            if (v->type != GF_VAL_MAP) {
                want = "a mapping of strings";
                break;
            }
            for (size_t j = 0; j < v->u.map.n; j++) {
                const struct gf_val *l = v->u.map.ents[j].val;
                if (l->type != GF_VAL_STR && l->type != GF_VAL_INT && l->type != GF_VAL_BOOL)
                    return verr(s, l, 0, err, "labels: '%s' must be a string",
                                v->u.map.ents[j].key);
            }
            break;
        case K_GROUP:
            if (v->type != GF_VAL_MAP)
                want = "a mapping";
            break;
        case K_POOLS:
            if (v->type != GF_VAL_LIST)
                want = "a list of pools";
            break;
        }
        if (want)
            return verr(s, v, 0, err, "%s: '%s' must be %s, not %s", ctx, name, want,
                        gf_val_typename(v));
    }
    return 0;
}

/* The value of key from the group g, else the top level, else NULL. */
static const struct gf_val *setting(const struct gf_val *top, const struct gf_val *g,
                                    const char *key)
{
    const struct gf_val *v = g ? gf_val_map_get(g, key) : NULL;
    return v ? v : gf_val_map_get(top, key);
}

static const char *sget(const struct gf_val *top, const struct gf_val *g, const char *key)
{
    const struct gf_val *v = setting(top, g, key);
    return v && v->type == GF_VAL_STR ? v->u.str.s : NULL;
}

static int names_ok(const char *s)
{
    if (!*s || strlen(s) > 40 || !islower((unsigned char)*s))
        return 0;
    for (; *s; s++)
        if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '-')
            return 0;
    return s[-1] != '-';
}

static void node_free(void *p)
{
    struct gf_cloud_node *n = p;

    if (n == NULL)
        return;
    free(n->name);
    free(n->role);
    free(n->pool);
    free(n->field);
    free(n->instance_type);
    free(n->gpu);
    free(n->image);
    free(n);
}

/* Adds count nodes for group g (master:, worker: or one pools: entry). */
static int add_group(struct gf_cloud_spec *s, const struct gf_val *top, const struct gf_val *g,
                     const char *role, const char *pool, const char *field, int def_count,
                     struct gf_error *err)
{
    const struct gf_val *cv = gf_val_map_get(g, "count");
    long long count = cv ? cv->u.i : def_count;
    const char *size = sget(top, g, "instance_type");
    const char *gpu = sget(top, g, "instance_gpu");
    const struct gf_val *hv = gf_val_map_get(g, "has_gpu");
    const struct gf_val *gcv = setting(top, g, "gpu_count");
    const struct gf_val *sv = setting(top, g, "spot");
    const struct gf_val *pv = setting(top, g, "spot_price");
    const struct gf_val *dv = setting(top, g, "disk_gb");
    struct gf_cloud_shape shape;
    const char *which = NULL;
    char *msg = NULL;

    if (count > MAX_COUNT)
        return verr(s, cv, 0, err, "%s: count %lld is more than %d", field, count, MAX_COUNT);
    if (size == NULL)
        size = "s";
    if (gf_cloud_shape_resolve(s->plugin, s->region, size, gpu, &shape, &which, &msg) < 0) {
        const struct gf_val *at = setting(top, g, which);
        if (at == NULL)
            at = gf_val_map_get(top, "region");
        int rc = verr(s, at ? at : g, 0, err, "%s: %s", field, msg);
        free(msg);
        return rc;
    }
    int has_gpu = hv ? hv->u.b : shape.gpu_count > 0;
    if (hv && hv->u.b && shape.gpu_count == 0 && gpu == NULL)
        return verr(s, hv, 0, err, "%s: has_gpu is true but no instance_gpu is given", field);
    int gpu_count = shape.gpu_count;
    if (gcv && gpu) {
        if (shape.gpu_count_fixed && gcv->u.i != shape.gpu_count)
            return verr(s, gcv, 0, err,
                        "%s: %s has %d GPU(s); gpu_count %lld needs another instance_type",
                        field, shape.instance_type, shape.gpu_count, gcv->u.i);
        if (gcv->u.i < 1)
            return verr(s, gcv, 0, err, "%s: gpu_count must be at least 1", field);
        gpu_count = (int)gcv->u.i;
    } else if (gcv && gf_val_map_get(g, "gpu_count")) {
        return verr(s, gcv, 0, err, "%s: gpu_count without instance_gpu", field);
    }
    if (pv && !(sv && sv->u.b))
        return verr(s, pv, 0, err, "%s: spot_price needs spot: true", field);
    for (long long i = 1; i <= count; i++) {
        struct gf_cloud_node *n = gf_xcalloc(1, sizeof(*n));
        n->name = gf_xasprintf("%s-%s-%lld", s->name, pool ? pool : role, i);
        if (gf_cloud_spec_node(s, n->name)) {
            int rc = verr(s, g, 1, err, "%s: node name '%s' is used twice", field, n->name);
            node_free(n);
            return rc;
        }
        n->role = gf_xstrdup(role);
        n->pool = pool ? gf_xstrdup(pool) : NULL;
        n->has_gpu = has_gpu;
        n->field = gf_xstrdup(field);
        n->instance_type = gf_xstrdup(shape.instance_type);
        n->gpu = shape.gpu ? gf_xstrdup(shape.gpu) : NULL;
        n->gpu_count = gpu_count;
        n->spot = sv ? sv->u.b : 0;
        n->spot_price = pv ? (pv->type == GF_VAL_INT ? (double)pv->u.i : pv->u.f) : 0;
        n->disk_gb = dv ? (int)dv->u.i : 0;
        n->image = sget(top, g, "image") ? gf_xstrdup(sget(top, g, "image")) : NULL;
        gf_vec_push(&s->nodes, n);
    }
    return 0;
}

static char *dir_of(const char *path)
{
    char *abs = realpath(path, NULL);
    if (abs == NULL)
        return gf_xstrdup(".");
    char *slash = strrchr(abs, '/');
    if (slash == abs)
        slash[1] = '\0';
    else
        *slash = '\0';
    return abs;
}

/* path relative to the spec's directory made absolute (malloc'd). */
static char *rel_path(const char *base, const char *p)
{
    if (p[0] == '/')
        return gf_xstrdup(p);
    if (p[0] == '~')
        return gf_expand_home(p);
    return gf_xasprintf("%s/%s", base, p);
}

int gf_cloud_spec_load(const char *path, const char *state_dir, struct gf_cloud_spec *s,
                       struct gf_error *err)
{
    struct gf_val *top = NULL;
    char *base = NULL;
    int rc;

    memset(s, 0, sizeof(*s));
    s->path = gf_xstrdup(path);
    s->labels = gf_val_map();
    if ((rc = gf_yaml_load_file(path, &top, err)) < 0)
        goto out;
    s->root = top;
    if (top == NULL || top->type != GF_VAL_MAP) {
        rc = verr(s, top, 0, err, "a cluster spec must be a mapping");
        goto out;
    }
    if ((rc = check_keys(s, top, AT_TOP, "cluster", err)) < 0)
        goto out;
    static const char *const required[] = { "name", "plugin", "region" };
    for (size_t i = 0; i < GF_ARRAY_LEN(required); i++)
        if (gf_val_map_get(top, required[i]) == NULL) {
            rc = verr(s, top, 0, err, "cluster: '%s' is required", required[i]);
            goto out;
        }
    s->name = gf_xstrdup(sget(top, NULL, "name"));
    if (!names_ok(s->name)) {
        rc = verr(s, gf_val_map_get(top, "name"), 0, err,
                  "cluster: name '%s' must be 1-40 lowercase letters, digits or '-', "
                  "starting with a letter", s->name);
        goto out;
    }
    s->plugin = gf_xstrdup(sget(top, NULL, "plugin"));
    if (!names_ok(s->plugin)) {
        rc = verr(s, gf_val_map_get(top, "plugin"), 0, err,
                  "cluster: plugin '%s' must be lowercase letters, digits or '-'", s->plugin);
        goto out;
    }
    s->region = gf_xstrdup(gf_cloud_region_resolve(s->plugin, sget(top, NULL, "region")));
    s->user = gf_xstrdup(sget(top, NULL, "user") ? sget(top, NULL, "user") : "gpuforge");
    if (!names_ok(s->user)) {
        rc = verr(s, gf_val_map_get(top, "user"), 0, err,
                  "cluster: user '%s' must be lowercase letters, digits or '-'", s->user);
        goto out;
    }
    base = dir_of(path);
    if (state_dir) {
        s->state_dir = rel_path(".", state_dir);
    } else if (sget(top, NULL, "state")) {
        s->state_dir = rel_path(base, sget(top, NULL, "state"));
    } else {
        const char *b = strrchr(path, '/');
        b = b ? b + 1 : path;
        size_t bl = strlen(b);
        if (gf_endswith(b, ".yml"))
            bl -= 4;
        else if (gf_endswith(b, ".yaml"))
            bl -= 5;
        s->state_dir = gf_xasprintf("%s/%.*s.state", base, (int)bl, b);
    }
    struct gf_val *lv = gf_val_map_get(top, "labels");
    for (size_t i = 0; lv && i < lv->u.map.n; i++) {
        struct gf_buf t = GF_BUF_INIT;
        gf_val_to_text(lv->u.map.ents[i].val, &t);
        gf_val_map_set(s->labels, lv->u.map.ents[i].key, gf_val_strn(t.buf, t.len));
        gf_buf_release(&t);
    }
    if (sget(top, NULL, "startup_script")) {
        s->startup_script = rel_path(base, sget(top, NULL, "startup_script"));
        if (!gf_is_file(s->startup_script)) {
            rc = verr(s, gf_val_map_get(top, "startup_script"), 0, err,
                      "cluster: startup_script '%s' is not a readable file", s->startup_script);
            goto out;
        }
    }
    if (sget(top, NULL, "copy_dir")) {
        s->copy_dir = rel_path(base, sget(top, NULL, "copy_dir"));
        if (!gf_is_dir(s->copy_dir)) {
            rc = verr(s, gf_val_map_get(top, "copy_dir"), 0, err,
                      "cluster: copy_dir '%s' is not a directory", s->copy_dir);
            goto out;
        }
        const char *dest = sget(top, NULL, "copy_dest");
        if (dest == NULL || dest[0] != '/') {
            rc = verr(s, dest ? gf_val_map_get(top, "copy_dest") : gf_val_map_get(top, "copy_dir"),
                      0, err, "cluster: copy_dir needs copy_dest, an absolute path on the nodes");
            goto out;
        }
        s->copy_dest = gf_xstrdup(dest);
    } else if (gf_val_map_get(top, "copy_dest")) {
        rc = verr(s, gf_val_map_get(top, "copy_dest"), 1, err,
                  "cluster: copy_dest without copy_dir");
        goto out;
    }
    const struct gf_val *m = gf_val_map_get(top, "master");
    if (m == NULL) {
        rc = verr(s, top, 0, err, "cluster: 'master' is required (a mapping with count:)");
        goto out;
    }
    if ((rc = check_keys(s, m, AT_GROUP, "master", err)) < 0 ||
        (rc = add_group(s, top, m, "master", NULL, "master", 1, err)) < 0)
        goto out;
    const struct gf_val *w = gf_val_map_get(top, "worker");
    if (w && ((rc = check_keys(s, w, AT_GROUP, "worker", err)) < 0 ||
              (rc = add_group(s, top, w, "worker", NULL, "worker", 1, err)) < 0))
        goto out;
    const struct gf_val *pools = gf_val_map_get(top, "pools");
    for (size_t i = 0; pools && i < pools->u.list.n; i++) {
        const struct gf_val *p = pools->u.list.v[i];
        char field[32];
        snprintf(field, sizeof(field), "pools[%zu]", i);
        if (p->type != GF_VAL_MAP) {
            rc = verr(s, p, 0, err, "%s: a pool must be a mapping", field);
            goto out;
        }
        if ((rc = check_keys(s, p, AT_POOL, field, err)) < 0)
            goto out;
        const char *pool = sget(p, NULL, "pool");
        if (pool == NULL || !names_ok(pool) || strcmp(pool, "master") == 0) {
            rc = verr(s, pool ? gf_val_map_get(p, "pool") : p, 0, err,
                      "%s: 'pool' (lowercase letters, digits, '-'; not 'master') is required",
                      field);
            goto out;
        }
        if ((rc = add_group(s, top, p, "worker", pool, field, 1, err)) < 0)
            goto out;
    }
    rc = 0;
out:
    free(base);
    return rc;
}

void gf_cloud_spec_release(struct gf_cloud_spec *s)
{
    free(s->path);
    gf_val_unref(s->root);
    free(s->name);
    free(s->plugin);
    free(s->region);
    free(s->user);
    free(s->state_dir);
    gf_val_unref(s->labels);
    free(s->startup_script);
    free(s->copy_dir);
    free(s->copy_dest);
    gf_vec_release(&s->nodes, node_free);
    memset(s, 0, sizeof(*s));
}

struct gf_cloud_node *gf_cloud_spec_node(const struct gf_cloud_spec *s, const char *name)
{
    for (size_t i = 0; i < s->nodes.n; i++) {
        struct gf_cloud_node *n = s->nodes.v[i];
        if (strcmp(n->name, name) == 0)
            return n;
    }
    return NULL;
}

int gf_cloud_spec_pos(const struct gf_cloud_spec *s, const char *field, int *line, int *col)
{
    const struct gf_val *v = s->root;
    const char *p = field;
    int found = 0;

    *line = *col = 0;
    while (v && p && *p) {
        char part[64];
        size_t n = strcspn(p, ".[");
        const struct gf_val *next = NULL;
        if (n >= sizeof(part))
            break;
        if (n > 0) {
            memcpy(part, p, n);
            part[n] = '\0';
            next = v->type == GF_VAL_MAP ? gf_val_map_get(v, part) : NULL;
            p += n;
        } else if (*p == '[') {
            char *end;
            unsigned long i = strtoul(p + 1, &end, 10);
            if (*end != ']')
                break;
            next = v->type == GF_VAL_LIST && i < v->u.list.n ? v->u.list.v[i] : NULL;
            p = end + 1;
        }
        if (*p == '.')
            p++;
        if (next == NULL)
            break;
        v = next;
        *line = v->line;
        *col = v->col;
        found = 1;
    }
    return found;
}

/* val.c - reference-counted values: null, bool, int, float, string, list and
 * insertion-ordered map, with merging, equality and Python-like text form. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

static struct gf_val *val_new(enum gf_val_type t)
{
    struct gf_val *v = gf_xcalloc(1, sizeof(*v));

    v->type = t;
    v->refs = 1;
    return v;
}

struct gf_val *gf_val_null(void)
{
    return val_new(GF_VAL_NULL);
}

struct gf_val *gf_val_bool(int b)
{
    struct gf_val *v = val_new(GF_VAL_BOOL);

    v->u.b = b != 0;
    return v;
}

struct gf_val *gf_val_int(long long i)
{
    struct gf_val *v = val_new(GF_VAL_INT);

    v->u.i = i;
    return v;
}

struct gf_val *gf_val_float(double f)
{
    struct gf_val *v = val_new(GF_VAL_FLOAT);

    v->u.f = f;
    return v;
}

struct gf_val *gf_val_str_own(char *s, size_t n)
{
    struct gf_val *v = val_new(GF_VAL_STR);

    v->u.str.s = s;
    v->u.str.len = n;
    return v;
}

struct gf_val *gf_val_strn(const char *s, size_t n)
{
    return gf_val_str_own(gf_xstrndup(s, n), n);
}

struct gf_val *gf_val_str(const char *s)
{
    return gf_val_strn(s, strlen(s));
}

struct gf_val *gf_val_list(void)
{
    return val_new(GF_VAL_LIST);
}

struct gf_val *gf_val_map(void)
{
    return val_new(GF_VAL_MAP);
}

struct gf_val *gf_val_ref(struct gf_val *v)
{
    if (v) /* atomic: hosts rendered on several threads share values */
        __atomic_add_fetch(&v->refs, 1, __ATOMIC_RELAXED);
    return v;
}

static void unref_void(void *p)
{
    gf_val_unref(p);
}

void gf_val_unref(struct gf_val *v)
{
    if (v == NULL || __atomic_sub_fetch(&v->refs, 1, __ATOMIC_ACQ_REL) > 0)
        return;
    switch (v->type) {
    case GF_VAL_STR:
        free(v->u.str.s);
        break;
    case GF_VAL_LIST:
        gf_vec_release(&v->u.list, unref_void);
        break;
    case GF_VAL_MAP:
        gf_map_release(&v->u.map, unref_void);
        break;
    default:
        break;
    }
    free(v);
}

void gf_val_list_push(struct gf_val *list, struct gf_val *item)
{
    if (list->type != GF_VAL_LIST)
        gf_die("gf_val_list_push on a %s", gf_val_typename(list));
    gf_vec_push(&list->u.list, item);
}

void gf_val_map_set(struct gf_val *map, const char *key, struct gf_val *v)
{
    if (map->type != GF_VAL_MAP)
        gf_die("gf_val_map_set on a %s", gf_val_typename(map));
    gf_val_unref(gf_map_set(&map->u.map, key, v));
}

struct gf_val *gf_val_map_get(const struct gf_val *map, const char *key)
{
    if (map == NULL || map->type != GF_VAL_MAP)
        return NULL;
    return gf_map_get(&map->u.map, key);
}

struct gf_val *gf_val_map_merge(const struct gf_val *base, const struct gf_val *over)
{
    struct gf_val *m = gf_val_map();

    if (base && base->type == GF_VAL_MAP)
        for (size_t i = 0; i < base->u.map.n; i++)
            gf_val_map_set(m, base->u.map.ents[i].key, gf_val_ref(base->u.map.ents[i].val));
    if (over && over->type == GF_VAL_MAP)
        for (size_t i = 0; i < over->u.map.n; i++)
            gf_val_map_set(m, over->u.map.ents[i].key, gf_val_ref(over->u.map.ents[i].val));
    return m;
}

struct gf_val *gf_val_map_combine(const struct gf_val *base, const struct gf_val *over)
{
    struct gf_val *m = gf_val_map_merge(base, NULL);

    if (over == NULL || over->type != GF_VAL_MAP)
        return m;
    for (size_t i = 0; i < over->u.map.n; i++) {
        const char *k = over->u.map.ents[i].key;
        struct gf_val *ov = over->u.map.ents[i].val;
        struct gf_val *bv = gf_val_map_get(m, k);
        if (bv && bv->type == GF_VAL_MAP && ov->type == GF_VAL_MAP)
            gf_val_map_set(m, k, gf_val_map_combine(bv, ov));
        else
            gf_val_map_set(m, k, gf_val_ref(ov));
    }
    return m;
}

/* A copy of v's node: scalars duplicated, containers holding new references
 * to v's items. */
static struct gf_val *val_copy_node(const struct gf_val *v)
{
    struct gf_val *c;

    switch (v->type) {
    case GF_VAL_STR:
        c = gf_val_strn(v->u.str.s, v->u.str.len);
        break;
    case GF_VAL_LIST:
        c = gf_val_list();
        for (size_t i = 0; i < v->u.list.n; i++)
            gf_val_list_push(c, gf_val_ref(v->u.list.v[i]));
        break;
    case GF_VAL_MAP:
        c = gf_val_map_merge(v, NULL);
        break;
    default:
        c = val_new(v->type);
        c->u = v->u;
        break;
    }
    c->line = v->line;
    c->col = v->col;
    c->kline = v->kline;
    c->kcol = v->kcol;
    c->flags = v->flags;
    return c;
}

/* shared: some holder of an enclosing value may reach v, so v is copied
 * rather than changed even when its own count is 1. */
static struct gf_val *val_unsafe(struct gf_val *v, int shared)
{
    if (v->flags & GF_VAL_UNSAFE) /* and so is everything inside it */
        return v;
    shared |= __atomic_load_n(&v->refs, __ATOMIC_ACQUIRE) > 1;
    if (shared) {
        struct gf_val *c = val_copy_node(v);
        gf_val_unref(v);
        v = c;
    }
    v->flags |= GF_VAL_UNSAFE;
    if (v->type == GF_VAL_LIST)
        for (size_t i = 0; i < v->u.list.n; i++)
            v->u.list.v[i] = val_unsafe(v->u.list.v[i], shared);
    else if (v->type == GF_VAL_MAP)
        for (size_t i = 0; i < v->u.map.n; i++)
            v->u.map.ents[i].val = val_unsafe(v->u.map.ents[i].val, shared);
    return v;
}

struct gf_val *gf_val_unsafe(struct gf_val *v)
{
    return v ? val_unsafe(v, 0) : NULL;
}

int gf_val_equal(const struct gf_val *a, const struct gf_val *b)
{
    if (a == b)
        return 1;
    if (a == NULL || b == NULL)
        return 0;
    /* Python: 1 == 1.0 == True */
    if ((a->type == GF_VAL_INT || a->type == GF_VAL_FLOAT || a->type == GF_VAL_BOOL) &&
        (b->type == GF_VAL_INT || b->type == GF_VAL_FLOAT || b->type == GF_VAL_BOOL)) {
        double x = a->type == GF_VAL_FLOAT ? a->u.f : a->type == GF_VAL_INT ? (double)a->u.i : a->u.b;
        double y = b->type == GF_VAL_FLOAT ? b->u.f : b->type == GF_VAL_INT ? (double)b->u.i : b->u.b;
        if (a->type == GF_VAL_INT && b->type == GF_VAL_INT)
            return a->u.i == b->u.i;
        return x == y;
    }
    if (a->type != b->type)
        return 0;
    switch (a->type) {
    case GF_VAL_NULL:
        return 1;
    case GF_VAL_STR:
        return a->u.str.len == b->u.str.len && memcmp(a->u.str.s, b->u.str.s, a->u.str.len) == 0;
    case GF_VAL_LIST:
        if (a->u.list.n != b->u.list.n)
            return 0;
        for (size_t i = 0; i < a->u.list.n; i++)
            if (!gf_val_equal(a->u.list.v[i], b->u.list.v[i]))
                return 0;
        return 1;
    case GF_VAL_MAP:
        if (a->u.map.n != b->u.map.n)
            return 0;
        for (size_t i = 0; i < a->u.map.n; i++) {
            struct gf_val *o = gf_map_get(&b->u.map, a->u.map.ents[i].key);
            if (o == NULL || !gf_val_equal(a->u.map.ents[i].val, o))
                return 0;
        }
        return 1;
    default:
        return 0;
    }
}

const char *gf_val_typename(const struct gf_val *v)
{
    static const char *names[] = { "null", "bool", "int", "float", "str", "list", "dict" };

    return v ? names[v->type] : "undefined";
}

int gf_val_truthy(const struct gf_val *v)
{
    if (v == NULL)
        return 0;
    switch (v->type) {
    case GF_VAL_NULL:
        return 0;
    case GF_VAL_BOOL:
        return v->u.b;
    case GF_VAL_INT:
        return v->u.i != 0;
    case GF_VAL_FLOAT:
        return v->u.f != 0.0;
    case GF_VAL_STR:
        return v->u.str.len > 0;
    case GF_VAL_LIST:
        return v->u.list.n > 0;
    case GF_VAL_MAP:
        return v->u.map.n > 0;
    }
    return 0;
}

/* Python repr() of a string, single-quoted unless it holds ' and no ". */
static void py_repr_str(const char *s, size_t n, struct gf_buf *b)
{
    char q = (memchr(s, '\'', n) && !memchr(s, '"', n)) ? '"' : '\'';

    gf_buf_addc(b, q);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == (unsigned char)q || c == '\\')
            gf_buf_addc(b, '\\'), gf_buf_addc(b, (char)c);
        else if (c == '\n')
            gf_buf_adds(b, "\\n");
        else if (c == '\r')
            gf_buf_adds(b, "\\r");
        else if (c == '\t')
            gf_buf_adds(b, "\\t");
        else if (c < 0x20 || c == 0x7f)
            gf_buf_addf(b, "\\x%02x", c);
        else
            gf_buf_addc(b, (char)c);
    }
    gf_buf_addc(b, q);
}

static void py_repr(const struct gf_val *v, struct gf_buf *b)
{
    if (v->type == GF_VAL_STR)
        py_repr_str(v->u.str.s, v->u.str.len, b);
    else
        gf_val_to_text(v, b);
}

void gf_val_to_text(const struct gf_val *v, struct gf_buf *b)
{
    if (v == NULL) {
        gf_buf_adds(b, "None");
        return;
    }
    switch (v->type) {
    case GF_VAL_NULL:
        gf_buf_adds(b, "None");
        break;
    case GF_VAL_BOOL:
        gf_buf_adds(b, v->u.b ? "True" : "False");
        break;
    case GF_VAL_INT:
        gf_buf_addf(b, "%lld", v->u.i);
        break;
    case GF_VAL_FLOAT:
        if (isinf(v->u.f))
            gf_buf_adds(b, v->u.f > 0 ? "inf" : "-inf");
        else if (isnan(v->u.f))
            gf_buf_adds(b, "nan");
        else
            gf_float_repr(v->u.f, b);
        break;
    case GF_VAL_STR:
        gf_buf_add(b, v->u.str.s, v->u.str.len);
        break;
    case GF_VAL_LIST:
        gf_buf_addc(b, '[');
        for (size_t i = 0; i < v->u.list.n; i++) {
            if (i)
                gf_buf_adds(b, ", ");
            py_repr(v->u.list.v[i], b);
        }
        gf_buf_addc(b, ']');
        break;
    case GF_VAL_MAP:
        gf_buf_addc(b, '{');
        for (size_t i = 0; i < v->u.map.n; i++) {
            if (i)
                gf_buf_adds(b, ", ");
            py_repr_str(v->u.map.ents[i].key, strlen(v->u.map.ents[i].key), b);
            gf_buf_adds(b, ": ");
            py_repr(v->u.map.ents[i].val, b);
        }
        gf_buf_addc(b, '}');
        break;
    }
}

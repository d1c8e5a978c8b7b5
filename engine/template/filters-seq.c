/*
 * filters-seq.c - the filters on sequences and dicts (first, sort, unique,
 * union, map, select, flatten, zip, combine, dict2items, ...), with the
 * stable merge sort and the value hashing and sets they use.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "template-priv.h"

#define FAIL(...) tpl_fail(r, a->pos, __VA_ARGS__)

static struct gf_val *need_list(struct rctx *r, struct fargs *a, struct gf_val *in)
{
    if (in->type != GF_VAL_LIST)
        return FAIL("'%s' expects a list, got %s", a->name, tpl_pytype(in));
    return in;
}

/* Jinja's make_attrgetter: "a.b.0" through items and attributes. New ref. */
static struct gf_val *attr_path(struct rctx *r, struct gf_val *item, const struct gf_val *attr,
                                uint32_t pos)
{
    struct gf_val *cur = gf_val_ref(item);

    if (attr->type == GF_VAL_INT) {
        struct gf_val *res = tpl_getitem(r, cur, (struct gf_val *)attr, pos);
        gf_val_unref(cur);
        return res;
    }
    const char *s = attr->u.str.s, *end = s + attr->u.str.len;
    while (cur && s <= end) {
        const char *dot = memchr(s, '.', (size_t)(end - s));
        size_t n = dot ? (size_t)(dot - s) : (size_t)(end - s);
        struct gf_val *key = NULL;
        int digits = n > 0;
        for (size_t i = 0; i < n; i++)
            digits &= s[i] >= '0' && s[i] <= '9';
        key = digits ? gf_val_int(strtoll(s, NULL, 10)) : gf_val_strn(s, n);
        struct gf_val *next = tpl_getitem(r, cur, key, pos);
        gf_val_unref(key);
        gf_val_unref(cur);
        cur = next;
        if (dot == NULL)
            break;
        s = dot + 1;
    }
    return cur;
}

static int check_attr(struct rctx *r, struct fargs *a, const struct gf_val *attr)
{
    if (attr && attr->type != GF_VAL_STR && attr->type != GF_VAL_INT) {
        FAIL("'%s': attribute must be a string", a->name);
        return -1;
    }
    return 0;
}

/* ---- stable merge sort of (key, item) pairs ---- */
struct skey {
    struct gf_val *key, *item;
};

struct sorter {
    struct rctx *r;
    uint32_t pos;
    int reverse, bad;
    const struct gf_val *ba, *bb;
};

static int skey_cmp(struct sorter *s, const struct skey *x, const struct skey *y)
{
    int bad = 0, c = tpl_compare(x->key, y->key, &bad);

    if (bad && !s->bad) {
        s->bad = 1;
        s->ba = x->key;
        s->bb = y->key;
    }
    return s->reverse ? -c : c;
}

static void msort(struct sorter *s, struct skey *v, struct skey *tmp, size_t n)
{
    if (n < 2 || s->bad)
        return;
    size_t h = n / 2;
    msort(s, v, tmp, h);
    msort(s, v + h, tmp, n - h);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = skey_cmp(s, &v[j], &v[i]) < 0 ? v[j++] : v[i++];
    while (i < h)
        tmp[k++] = v[i++];
    while (j < n)
        tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof(*v));
}

/* Builds keys (attribute, lowercase) for items of list l. */
static struct skey *make_keys(struct rctx *r, struct fargs *a, struct gf_val *l,
                              const struct gf_val *attr, int ci)
{
    struct skey *k = gf_xcalloc(l->u.list.n + 1, sizeof(*k));
    struct gf_buf tmp = GF_BUF_INIT;

    for (size_t i = 0; i < l->u.list.n; i++) {
        struct gf_val *item = l->u.list.v[i], *key;
        key = attr ? attr_path(r, item, attr, a->pos) : gf_val_ref(item);
        if (key == NULL || tpl_need_def(r, key) < 0) {
            gf_val_unref(key);
            for (size_t j = 0; j < i; j++)
                gf_val_unref(k[j].key);
            free(k);
            gf_buf_release(&tmp);
            return NULL;
        }
        if (ci && key->type == GF_VAL_STR) {
            struct gf_val *low = tpl_map_case(key, &tmp, 0);
            gf_val_unref(key);
            key = low;
        }
        k[i].key = key;
        k[i].item = item;
    }
    gf_buf_release(&tmp);
    return k;
}

static void free_keys(struct skey *k, size_t n)
{
    for (size_t i = 0; i < n; i++)
        gf_val_unref(k[i].key);
    free(k);
}

static int sort_keys(struct rctx *r, struct fargs *a, struct skey *k, size_t n, int reverse)
{
    struct sorter s = { r, a->pos, reverse, 0, NULL, NULL };
    struct skey *tmp = gf_xcalloc(n + 1, sizeof(*tmp));

    msort(&s, k, tmp, n);
    free(tmp);
    if (s.bad) {
        FAIL("'<' not supported between instances of '%s' and '%s'", tpl_pytype(s.ba),
             tpl_pytype(s.bb));
        return -1;
    }
    return 0;
}

/* ---- hashing values for unique and set operations ---- */
static uint64_t vhash(const struct gf_val *v, int ci)
{
    uint64_t h = 1469598103934665603ull;

    switch (v->type) {
    case GF_VAL_NULL:
        return 0x9e3779b97f4a7c15ull;
    case GF_VAL_BOOL:
    case GF_VAL_INT:
    case GF_VAL_FLOAT: {
        double f = v->type == GF_VAL_FLOAT ? v->u.f : 0;
        long long i = v->type == GF_VAL_INT ? v->u.i : v->type == GF_VAL_BOOL ? v->u.b : 0;
        if (v->type == GF_VAL_FLOAT) {
            if (f == floor(f) && fabs(f) < 9e18)
                i = (long long)f;
            else {
                uint64_t bits;
                memcpy(&bits, &f, sizeof(bits));
                return bits * 0xff51afd7ed558ccdull;
            }
        }
        return (uint64_t)i * 0xc4ceb9fe1a85ec53ull + 7;
    }
    case GF_VAL_STR:
        for (size_t i = 0; i < v->u.str.len; i++) {
            unsigned char c = (unsigned char)v->u.str.s[i];
            h = (h ^ (ci ? (unsigned char)tolower(c) : c)) * 1099511628211ull;
        }
        return h;
    case GF_VAL_LIST:
        for (size_t i = 0; i < v->u.list.n; i++)
            h = (h ^ vhash(v->u.list.v[i], 0)) * 1099511628211ull;
        return h + 3;
    case GF_VAL_MAP: {
        uint64_t sum = 0;
        for (size_t i = 0; i < v->u.map.n; i++)
            sum += (uint64_t)gf_hash(v->u.map.ents[i].key) * 31 +
                   vhash(v->u.map.ents[i].val, 0);
        return sum + 5;
    }
    }
    return h;
}

static int veq(const struct gf_val *x, const struct gf_val *y, int ci)
{
    if (ci && x->type == GF_VAL_STR && y->type == GF_VAL_STR)
        return x->u.str.len == y->u.str.len &&
               strncasecmp(x->u.str.s, y->u.str.s, x->u.str.len) == 0 &&
               memchr(x->u.str.s, '\0', x->u.str.len) == NULL;
    return gf_val_equal(x, y);
}


void tpl_vset_init(struct tpl_vset *s, size_t n, int ci)
{
    s->cap = 16;
    while (s->cap < 2 * n + 2)
        s->cap *= 2;
    s->v = gf_xcalloc(s->cap, sizeof(*s->v));
    s->ci = ci;
}

/* Returns 1 when x was added, 0 when an equal value was there. */
int tpl_vset_add(struct tpl_vset *s, const struct gf_val *x, int add)
{
    size_t i = (size_t)vhash(x, s->ci) & (s->cap - 1);

    while (s->v[i]) {
        if (veq(s->v[i], x, s->ci))
            return 0;
        i = (i + 1) & (s->cap - 1);
    }
    if (add)
        s->v[i] = x;
    return 1;
}

int tpl_vset_has(struct tpl_vset *s, const struct gf_val *x)
{
    return !tpl_vset_add(s, x, 0);
}


/* ---- sequences ---- */
struct gf_val *tpl_f_length(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    switch (in->type) {
    case GF_VAL_STR:
        return gf_val_int((long long)tpl_utf8_len(in->u.str.s, in->u.str.len));
    case GF_VAL_LIST:
        return gf_val_int((long long)in->u.list.n);
    case GF_VAL_MAP:
        return gf_val_int((long long)in->u.map.n);
    default:
        return FAIL("object of type '%s' has no len()", tpl_pytype(in));
    }
}

static struct gf_val *f_first_last(struct rctx *r, struct gf_val *in, struct fargs *a, int last)
{
    struct gf_val *l = tpl_as_list(r, a, in), *v;

    if (l == NULL)
        return NULL;
    if (l->u.list.n == 0)
        v = tpl_undef(r, a->pos, "No %s item, sequence was empty.", last ? "last" : "first");
    else
        v = gf_val_ref(l->u.list.v[last ? l->u.list.n - 1 : 0]);
    gf_val_unref(l);
    return v;
}

struct gf_val *tpl_f_first(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return f_first_last(r, in, a, 0);
}

struct gf_val *tpl_f_last(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return f_first_last(r, in, a, 1);
}

struct gf_val *tpl_f_list(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct gf_val *l = tpl_as_list(r, a, in);

    if (l && l == in && (in->flags & TV_TUPLE)) { /* list() of a tuple: a plain list */
        struct gf_val *c = gf_val_list();
        for (size_t i = 0; i < in->u.list.n; i++)
            gf_val_list_push(c, gf_val_ref(in->u.list.v[i]));
        gf_val_unref(l);
        return c;
    }
    return l;
}

struct gf_val *tpl_f_reverse(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    if (in->type == GF_VAL_STR) {
        struct gf_buf out = GF_BUF_INIT;
        const char *s = in->u.str.s;
        size_t n = in->u.str.len;
        for (size_t j = n; j > 0;) {
            size_t i = j - 1;
            while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80)
                i--;
            gf_buf_add(&out, s + i, j - i);
            j = i;
        }
        return tpl_str_from(&out);
    }
    struct gf_val *l = tpl_as_list(r, a, in), *v;
    if (l == NULL)
        return NULL;
    v = gf_val_list();
    for (size_t i = l->u.list.n; i-- > 0;)
        gf_val_list_push(v, gf_val_ref(l->u.list.v[i]));
    gf_val_unref(l);
    return v;
}

struct gf_val *tpl_f_join(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct gf_buf out = GF_BUF_INIT, t = GF_BUF_INIT;
    struct gf_val *l;
    size_t sn = 0;
    const char *sep = a->a[0] ? tpl_text_of(a->a[0], &t, &sn) : "";

    if (check_attr(r, a, a->a[1]) < 0 || (l = tpl_as_list(r, a, in)) == NULL) {
        gf_buf_release(&t);
        return NULL;
    }
    for (size_t i = 0; i < l->u.list.n; i++) {
        struct gf_val *item = a->a[1] ? attr_path(r, l->u.list.v[i], a->a[1], a->pos)
                                      : gf_val_ref(l->u.list.v[i]);
        if (item == NULL || tpl_need_def(r, item) < 0) {
            gf_val_unref(item);
            gf_val_unref(l);
            gf_buf_release(&out);
            gf_buf_release(&t);
            return NULL;
        }
        if (i)
            gf_buf_add(&out, sep, sn);
        tpl_text(item, &out);
        gf_val_unref(item);
    }
    gf_val_unref(l);
    gf_buf_release(&t);
    return tpl_str_from(&out);
}

struct gf_val *tpl_f_unique(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct gf_val *l, *out;
    int explicit_ci = a->a[0] && a->a[0]->type != GF_VAL_NULL && !gf_val_truthy(a->a[0]);
    int ci = !tpl_opt_bool(a->a[0], 0);

    if (check_attr(r, a, a->a[1]) < 0 || (l = tpl_as_list(r, a, in)) == NULL)
        return NULL;
    struct skey *k = make_keys(r, a, l, a->a[1], 0);
    if (k == NULL) {
        gf_val_unref(l);
        return NULL;
    }
    int hashable = 1;
    for (size_t i = 0; i < l->u.list.n; i++)
        if (k[i].key->type == GF_VAL_LIST || k[i].key->type == GF_VAL_MAP)
            hashable = 0;
    if (!hashable) { /* Jinja's unique fails; Ansible falls back to exact equality */
        if (explicit_ci || a->a[1]) {
            free_keys(k, l->u.list.n);
            gf_val_unref(l);
            return FAIL("Jinja2's unique filter failed and we cannot fall back to Ansible's "
                        "version as it does not support the parameters supplied");
        }
        ci = 0;
    }
    struct tpl_vset set;
    tpl_vset_init(&set, l->u.list.n, ci);
    out = gf_val_list();
    for (size_t i = 0; i < l->u.list.n; i++)
        if (tpl_vset_add(&set, k[i].key, 1))
            gf_val_list_push(out, gf_val_ref(k[i].item));
    free(set.v);
    free_keys(k, l->u.list.n);
    gf_val_unref(l);
    return out;
}

struct gf_val *tpl_f_sort(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct gf_val *l, *out = NULL;

    if (check_attr(r, a, a->a[2]) < 0 || (l = tpl_as_list(r, a, in)) == NULL)
        return NULL;
    size_t n = l->u.list.n;
    struct skey *k = make_keys(r, a, l, a->a[2], !tpl_opt_bool(a->a[1], 0));
    if (k && sort_keys(r, a, k, n, tpl_opt_bool(a->a[0], 0)) == 0) {
        out = gf_val_list();
        for (size_t i = 0; i < n; i++)
            gf_val_list_push(out, gf_val_ref(k[i].item));
    }
    if (k)
        free_keys(k, n);
    gf_val_unref(l);
    return out;
}

static struct gf_val *minmax(struct rctx *r, struct gf_val *in, struct fargs *a, int max)
{
    struct gf_val *l, *out = NULL;

    if (check_attr(r, a, a->a[1]) < 0 || (l = tpl_as_list(r, a, in)) == NULL)
        return NULL;
    size_t n = l->u.list.n;
    if (n == 0) {
        gf_val_unref(l);
        return tpl_undef(r, a->pos, "No aggregated item, sequence was empty.");
    }
    struct skey *k = make_keys(r, a, l, a->a[1], !tpl_opt_bool(a->a[0], 0));
    if (k) {
        size_t best = 0;
        int bad = 0;
        for (size_t i = 1; i < n && !bad; i++) {
            int c = tpl_compare(k[i].key, k[best].key, &bad);
            if (max ? c > 0 : c < 0)
                best = i;
        }
        if (bad)
            FAIL("'<' not supported between these values");
        else
            out = gf_val_ref(k[best].item);
        free_keys(k, n);
    }
    gf_val_unref(l);
    return out;
}

struct gf_val *tpl_f_min(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return minmax(r, in, a, 0);
}

struct gf_val *tpl_f_max(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return minmax(r, in, a, 1);
}

struct gf_val *tpl_f_sum(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct gf_val *l, *acc;

    if (check_attr(r, a, a->a[0]) < 0 || (l = tpl_as_list(r, a, in)) == NULL)
        return NULL;
    acc = a->a[1] ? gf_val_ref(a->a[1]) : gf_val_int(0);
    if (acc->type == GF_VAL_LIST) { /* sum(start=[]): concatenate in one pass */
        struct gf_val *out = gf_val_list();
        for (size_t i = 0; i < acc->u.list.n; i++)
            gf_val_list_push(out, gf_val_ref(acc->u.list.v[i]));
        gf_val_unref(acc);
        acc = out;
    }
    for (size_t i = 0; i < l->u.list.n && acc; i++) {
        struct gf_val *item = a->a[0] ? attr_path(r, l->u.list.v[i], a->a[0], a->pos)
                                      : gf_val_ref(l->u.list.v[i]);
        if (item == NULL) {
            gf_val_unref(acc);
            acc = NULL;
            break;
        }
        if (acc->type == GF_VAL_LIST && item->type == GF_VAL_LIST) {
            for (size_t j = 0; j < item->u.list.n; j++)
                gf_val_list_push(acc, gf_val_ref(item->u.list.v[j]));
        } else {
            struct gf_val *next = tpl_arith(r, OP_ADD, acc, item, a->pos);
            gf_val_unref(acc);
            acc = next;
        }
        gf_val_unref(item);
    }
    gf_val_unref(l);
    return acc;
}

struct gf_val *tpl_f_abs(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    if (in->type == GF_VAL_INT)
        return in->u.i == LLONG_MIN ? FAIL("integer overflow") : gf_val_int(llabs(in->u.i));
    if (in->type == GF_VAL_BOOL)
        return gf_val_int(in->u.b);
    if (in->type == GF_VAL_FLOAT)
        return gf_val_float(fabs(in->u.f));
    return FAIL("bad operand type for abs(): '%s'", tpl_pytype(in));
}

struct gf_val *tpl_f_round(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    long long prec;
    const char *method = tpl_opt_str(r, a, a->a[1], "common");

    if (method == NULL || tpl_opt_int(r, a, a->a[0], 0, &prec) < 0)
        return NULL;
    if (strcmp(method, "common") && strcmp(method, "ceil") && strcmp(method, "floor"))
        return FAIL("method must be 'common', 'ceil' or 'floor'");
    if (in->type != GF_VAL_INT && in->type != GF_VAL_FLOAT && in->type != GF_VAL_BOOL)
        return FAIL("type %s doesn't define __round__ method", tpl_pytype(in));
    double x = in->type == GF_VAL_FLOAT ? in->u.f : in->type == GF_VAL_INT ? (double)in->u.i
             : in->u.b;
    if (strcmp(method, "common") != 0) {
        double p = pow(10.0, (double)prec);
        double v = strcmp(method, "ceil") == 0 ? ceil(x * p) : floor(x * p);
        return gf_val_float(v / p);
    }
    if (in->type != GF_VAL_FLOAT && prec >= 0)
        return gf_val_int(in->type == GF_VAL_INT ? in->u.i : in->u.b);
    if (!isfinite(x))
        return gf_val_float(x);
    if (prec >= 0 && prec < 300) {
        char buf[400];
        snprintf(buf, sizeof(buf), "%.*f", (int)prec, x); /* exact, ties to even */
        return gf_val_float(strtod(buf, NULL));
    }
    double p = pow(10.0, (double)-prec);
    return gf_val_float(nearbyint(x / p) * p);
}

/* map('filter', args) or map(attribute='x', default=v). */
struct gf_val *tpl_f_map(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct gf_val *l = tpl_as_list(r, a, in), *out;

    if (l == NULL)
        return NULL;
    out = gf_val_list();
    if (a->nrest == 0 && a->a[1] == NULL) {
        gf_val_unref(l);
        gf_val_unref(out);
        return FAIL("map requires a filter name or attribute=");
    }
    const struct tpl_filter *f = NULL;
    if (a->nrest) {
        if (a->a[1])
            FAIL("map takes a filter name or attribute=, not both");
        else if (a->rest[0]->type != GF_VAL_STR)
            FAIL("map: the filter name must be a string");
        else if ((f = tpl_find_filter(a->rest[0]->u.str.s)) == NULL)
            FAIL("no filter named '%s'", a->rest[0]->u.str.s);
        if (f == NULL) {
            gf_val_unref(l);
            gf_val_unref(out);
            return NULL;
        }
    } else if (check_attr(r, a, a->a[1]) < 0) {
        gf_val_unref(l);
        gf_val_unref(out);
        return NULL;
    }
    for (size_t i = 0; i < l->u.list.n; i++) {
        struct gf_val *item = l->u.list.v[i], *v;
        if (f) {
            v = tpl_call_filter(r, f, item, a->rest + 1, a->nrest - 1, a->pos);
        } else {
            v = attr_path(r, item, a->a[1], a->pos);
            if (v && tv_undef(v) && a->a[2]) {
                gf_val_unref(v);
                v = gf_val_ref(a->a[2]);
            }
        }
        if (v == NULL) {
            gf_val_unref(l);
            gf_val_unref(out);
            return NULL;
        }
        tpl_stored(r, v);
        gf_val_list_push(out, v);
    }
    gf_val_unref(l);
    return out;
}

/* select/reject/selectattr/rejectattr */
static struct gf_val *selector(struct rctx *r, struct gf_val *in, struct fargs *a, int keep,
                               int byattr)
{
    struct gf_val *l = tpl_as_list(r, a, in), *out;
    const struct tpl_test *t = NULL;
    size_t targ = byattr ? 1 : 0;
    const struct gf_val *attr = NULL;

    if (l == NULL)
        return NULL;
    if (byattr) {
        if (a->nrest == 0 || (a->rest[0]->type != GF_VAL_STR && a->rest[0]->type != GF_VAL_INT)) {
            gf_val_unref(l);
            return FAIL("%s requires an attribute name", a->name);
        }
        attr = a->rest[0];
    }
    if (a->nrest > targ) {
        if (a->rest[targ]->type != GF_VAL_STR ||
            (t = tpl_find_test(a->rest[targ]->u.str.s)) == NULL) {
            gf_val_unref(l);
            return FAIL("no test named '%s'", a->rest[targ]->type == GF_VAL_STR
                        ? a->rest[targ]->u.str.s : "?");
        }
    }
    out = gf_val_list();
    for (size_t i = 0; i < l->u.list.n; i++) {
        struct gf_val *item = l->u.list.v[i];
        struct gf_val *v = attr ? attr_path(r, item, attr, a->pos) : gf_val_ref(item);
        int res = -1;
        if (v) {
            if (t)
                res = tpl_call_test(r, t, v, a->rest + targ + 1, a->nrest - targ - 1, a->pos);
            else
                res = tpl_truth(r, v);
        }
        gf_val_unref(v);
        if (res < 0) {
            gf_val_unref(l);
            gf_val_unref(out);
            return NULL;
        }
        if (res == keep) {
            tpl_stored(r, item);
            gf_val_list_push(out, gf_val_ref(item));
        }
    }
    gf_val_unref(l);
    return out;
}

struct gf_val *tpl_f_select(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return selector(r, in, a, 1, 0);
}

struct gf_val *tpl_f_reject(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return selector(r, in, a, 0, 0);
}

struct gf_val *tpl_f_selectattr(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return selector(r, in, a, 1, 1);
}

struct gf_val *tpl_f_rejectattr(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return selector(r, in, a, 0, 1);
}

static struct gf_val *f_flatten_rec(struct gf_val *out, const struct gf_val *l, long long levels,
                                    int skip_nulls)
{
    for (size_t i = 0; i < l->u.list.n; i++) {
        struct gf_val *e = l->u.list.v[i];
        if (skip_nulls && (e->type == GF_VAL_NULL ||
                           (e->type == GF_VAL_STR && (strcmp(e->u.str.s, "None") == 0 ||
                                                      strcmp(e->u.str.s, "null") == 0))))
            continue;
        if (e->type == GF_VAL_LIST && (levels < 0 || levels >= 1))
            f_flatten_rec(out, e, levels < 0 ? -1 : levels - 1, skip_nulls);
        else
            gf_val_list_push(out, gf_val_ref(e));
    }
    return out;
}

struct gf_val *tpl_f_flatten(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    long long levels;

    if (need_list(r, a, in) == NULL || tpl_opt_int(r, a, a->a[0], -1, &levels) < 0)
        return NULL;
    return f_flatten_rec(gf_val_list(), in, levels, tpl_opt_bool(a->a[1], 1));
}

/* unique(a + b) etc. with case-sensitive equality, keeping order. */
static struct gf_val *setop(struct rctx *r, struct gf_val *in, struct fargs *a, int op)
{
    struct gf_val *b = a->a[0], *out = gf_val_list();
    struct tpl_vset seen, inb;

    if (need_list(r, a, in) == NULL || need_list(r, a, b) == NULL) {
        gf_val_unref(out);
        return NULL;
    }
    tpl_vset_init(&seen, in->u.list.n + b->u.list.n, 0);
    tpl_vset_init(&inb, b->u.list.n, 0);
    for (size_t i = 0; i < b->u.list.n; i++)
        tpl_vset_add(&inb, b->u.list.v[i], 1);
    if (op == 0 || op == 3) { /* union; symmetric difference */
        struct tpl_vset ina;
        tpl_vset_init(&ina, in->u.list.n, 0);
        for (size_t i = 0; i < in->u.list.n; i++)
            tpl_vset_add(&ina, in->u.list.v[i], 1);
        for (int pass = 0; pass < 2; pass++) {
            const struct gf_val *src = pass ? b : in;
            for (size_t i = 0; i < src->u.list.n; i++) {
                const struct gf_val *x = src->u.list.v[i];
                if (op == 3 && tpl_vset_has(&ina, x) && tpl_vset_has(&inb, x))
                    continue;
                if (tpl_vset_add(&seen, x, 1))
                    gf_val_list_push(out, gf_val_ref(src->u.list.v[i]));
            }
        }
        free(ina.v);
    } else {
        for (size_t i = 0; i < in->u.list.n; i++) {
            const struct gf_val *x = in->u.list.v[i];
            if ((op == 1) == tpl_vset_has(&inb, x) && tpl_vset_add(&seen, x, 1))
                gf_val_list_push(out, gf_val_ref(in->u.list.v[i]));
        }
    }
    free(seen.v);
    free(inb.v);
    return out;
}

struct gf_val *tpl_f_union(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return setop(r, in, a, 0);
}

struct gf_val *tpl_f_intersect(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return setop(r, in, a, 1);
}

struct gf_val *tpl_f_difference(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return setop(r, in, a, 2);
}

struct gf_val *tpl_f_symmetric_difference(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return setop(r, in, a, 3);
}

struct gf_val *tpl_f_zip(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct gf_val *lists[TPL_MAX_PARAMS + 1], *out;
    size_t nl = 0, n = SIZE_MAX;

    if (a->nrest + 1 > GF_ARRAY_LEN(lists))
        return FAIL("zip: too many lists");
    lists[nl++] = in;
    for (size_t i = 0; i < a->nrest; i++)
        lists[nl++] = a->rest[i];
    for (size_t i = 0; i < nl; i++) {
        if (lists[i]->type != GF_VAL_LIST)
            return FAIL("zip argument #%zu must support iteration", i + 1);
        if (lists[i]->u.list.n < n)
            n = lists[i]->u.list.n;
    }
    out = gf_val_list();
    for (size_t k = 0; k < n; k++) {
        struct gf_val *t = gf_val_list();
        t->flags |= TV_TUPLE;
        for (size_t i = 0; i < nl; i++)
            gf_val_list_push(t, gf_val_ref(lists[i]->u.list.v[k]));
        gf_val_list_push(out, t);
    }
    return out;
}

struct gf_val *tpl_f_product(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct gf_val *lists[TPL_MAX_PARAMS + 1], *out;
    size_t nl = 0, idx[TPL_MAX_PARAMS + 1] = { 0 }, total = 1;

    if (a->nrest + 1 > GF_ARRAY_LEN(lists))
        return FAIL("product: too many lists");
    lists[nl++] = in;
    for (size_t i = 0; i < a->nrest; i++)
        lists[nl++] = a->rest[i];
    for (size_t i = 0; i < nl; i++) {
        if (lists[i]->type != GF_VAL_LIST)
            return FAIL("product argument #%zu must be a list", i + 1);
        if (lists[i]->u.list.n && total > 10000000 / lists[i]->u.list.n)
            return FAIL("product is too large");
        total *= lists[i]->u.list.n;
    }
    out = gf_val_list();
    for (size_t k = 0; k < total; k++) {
        struct gf_val *t = gf_val_list();
        t->flags |= TV_TUPLE;
        for (size_t i = 0; i < nl; i++)
            gf_val_list_push(t, gf_val_ref(lists[i]->u.list.v[idx[i]]));
        gf_val_list_push(out, t);
        for (size_t i = nl; i-- > 0;) {
            if (++idx[i] < lists[i]->u.list.n)
                break;
            idx[i] = 0;
        }
    }
    return out;
}

struct gf_val *tpl_f_batch(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    long long size;
    struct gf_val *l = tpl_as_list(r, a, in), *out, *cur = NULL;

    if (l == NULL)
        return NULL;
    if (tpl_opt_int(r, a, a->a[0], 1, &size) < 0 || size <= 0) {
        gf_val_unref(l);
        return r->failed ? NULL : FAIL("batch size must be positive");
    }
    out = gf_val_list();
    for (size_t i = 0; i < l->u.list.n; i++) {
        if (cur == NULL)
            cur = gf_val_list();
        gf_val_list_push(cur, gf_val_ref(l->u.list.v[i]));
        if ((long long)cur->u.list.n == size) {
            gf_val_list_push(out, cur);
            cur = NULL;
        }
    }
    if (cur) {
        while (a->a[1] && (long long)cur->u.list.n < size)
            gf_val_list_push(cur, gf_val_ref(a->a[1]));
        gf_val_list_push(out, cur);
    }
    gf_val_unref(l);
    return out;
}

/* ---- dicts ---- */
struct gf_val *tpl_f_dict2items(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    const char *kn = tpl_opt_str(r, a, a->a[0], "key"), *vn = kn ? tpl_opt_str(r, a, a->a[1], "value")
                                                              : NULL;

    if (vn == NULL)
        return NULL;
    if (in->type != GF_VAL_MAP)
        return FAIL("dict2items requires a dictionary, got %s instead.", tpl_pytype(in));
    struct gf_val *out = gf_val_list();
    for (size_t i = 0; i < in->u.map.n; i++) {
        struct gf_val *m = gf_val_map();
        gf_val_map_set(m, kn, gf_val_str(in->u.map.ents[i].key));
        gf_val_map_set(m, vn, gf_val_ref(in->u.map.ents[i].val));
        gf_val_list_push(out, m);
    }
    return out;
}

struct gf_val *tpl_f_items2dict(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    const char *kn = tpl_opt_str(r, a, a->a[0], "key"), *vn = kn ? tpl_opt_str(r, a, a->a[1], "value")
                                                              : NULL;
    struct gf_buf t = GF_BUF_INIT;

    if (vn == NULL)
        return NULL;
    if (in->type != GF_VAL_LIST)
        return FAIL("items2dict requires a list, got %s instead.", tpl_pytype(in));
    struct gf_val *out = gf_val_map();
    for (size_t i = 0; i < in->u.list.n; i++) {
        struct gf_val *item = in->u.list.v[i];
        struct gf_val *k = gf_val_map_get(item, kn), *v = gf_val_map_get(item, vn);
        if (item->type != GF_VAL_MAP || k == NULL || v == NULL) {
            gf_val_unref(out);
            gf_buf_release(&t);
            if (item->type != GF_VAL_MAP)
                return FAIL("items2dict requires a list of dictionaries");
            return FAIL("items2dict requires each dictionary in the list to contain the keys "
                        "'%s' and '%s'", kn, vn);
        }
        gf_buf_reset(&t);
        tpl_text(k, &t);
        gf_val_map_set(out, t.buf, gf_val_ref(v));
    }
    gf_buf_release(&t);
    return out;
}

struct gf_val *tpl_f_items(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    if (tv_undef(in))
        return gf_val_list();
    if (in->type != GF_VAL_MAP)
        return FAIL("Can only get item pairs from a mapping.");
    struct gf_val *out = gf_val_list();
    for (size_t i = 0; i < in->u.map.n; i++) {
        struct gf_val *t = gf_val_list();
        t->flags |= TV_TUPLE;
        gf_val_list_push(t, gf_val_str(in->u.map.ents[i].key));
        gf_val_list_push(t, gf_val_ref(in->u.map.ents[i].val));
        gf_val_list_push(out, t);
    }
    return out;
}

struct gf_val *tpl_f_dictsort(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    const char *by = tpl_opt_str(r, a, a->a[1], "key");

    if (by == NULL)
        return NULL;
    if (in->type != GF_VAL_MAP)
        return FAIL("dictsort requires a dictionary");
    if (strcmp(by, "key") && strcmp(by, "value"))
        return FAIL("You can only sort by either \"key\" or \"value\"");
    struct gf_val *pairs = tpl_f_items(r, in, a), *out = NULL;
    struct gf_val *attr = gf_val_int(strcmp(by, "key") ? 1 : 0);
    size_t n = pairs->u.list.n;
    struct skey *k = make_keys(r, a, pairs, attr, !tpl_opt_bool(a->a[0], 0));
    if (k && sort_keys(r, a, k, n, tpl_opt_bool(a->a[2], 0)) == 0) {
        out = gf_val_list();
        for (size_t i = 0; i < n; i++)
            gf_val_list_push(out, gf_val_ref(k[i].item));
    }
    if (k)
        free_keys(k, n);
    gf_val_unref(attr);
    gf_val_unref(pairs);
    return out;
}

/* Ansible's merge_hash(x, y, recursive, list_merge). */
static struct gf_val *merge_hash(const struct gf_val *x, const struct gf_val *y, int recursive,
                                 int lm)
{
    struct gf_val *out = gf_val_map_merge(x, NULL);

    for (size_t i = 0; i < y->u.map.n; i++) {
        const char *key = y->u.map.ents[i].key;
        struct gf_val *yv = y->u.map.ents[i].val, *xv = gf_val_map_get(out, key);
        if (xv == NULL) {
            gf_val_map_set(out, key, gf_val_ref(yv));
        } else if (xv->type == GF_VAL_MAP && yv->type == GF_VAL_MAP) {
            gf_val_map_set(out, key, recursive ? merge_hash(xv, yv, recursive, lm)
                                               : gf_val_ref(yv));
        } else if (xv->type == GF_VAL_LIST && yv->type == GF_VAL_LIST) {
            /* lm: 0 replace, 1 keep, 2 append, 3 prepend, 4 append_rp, 5 prepend_rp */
            if (lm == 0) {
                gf_val_map_set(out, key, gf_val_ref(yv));
            } else if (lm >= 2) {
                struct gf_val *l = gf_val_list();
                struct tpl_vset ys;
                tpl_vset_init(&ys, yv->u.list.n, 0);
                for (size_t k = 0; k < yv->u.list.n; k++)
                    tpl_vset_add(&ys, yv->u.list.v[k], 1);
                const struct gf_val *first = lm == 2 || lm == 4 ? xv : yv;
                const struct gf_val *second = first == xv ? yv : xv;
                for (int pass = 0; pass < 2; pass++) {
                    const struct gf_val *src = pass ? second : first;
                    for (size_t k = 0; k < src->u.list.n; k++) {
                        if (lm >= 4 && src == xv && tpl_vset_has(&ys, src->u.list.v[k]))
                            continue;
                        gf_val_list_push(l, gf_val_ref(src->u.list.v[k]));
                    }
                }
                free(ys.v);
                gf_val_map_set(out, key, l);
            }
        } else {
            gf_val_map_set(out, key, gf_val_ref(yv));
        }
    }
    return out;
}

struct gf_val *tpl_f_combine(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    static const char *const modes[] = { "replace", "keep", "append", "prepend", "append_rp",
                                         "prepend_rp" };
    const char *mode = tpl_opt_str(r, a, a->a[2], "replace");
    struct gf_vec dicts = GF_VEC_INIT;
    int lm = -1;

    if (mode == NULL)
        return NULL;
    for (size_t i = 0; i < GF_ARRAY_LEN(modes); i++)
        if (strcmp(mode, modes[i]) == 0)
            lm = (int)i;
    if (lm < 0)
        return FAIL("merge_hash: 'list_merge' argument can only be equal to 'replace', 'keep', "
                    "'append', 'prepend', 'append_rp' or 'prepend_rp'");
    for (size_t i = 0; i <= a->nrest; i++) {
        struct gf_val *t = i == 0 ? in : a->rest[i - 1];
        if (t->type == GF_VAL_LIST)
            for (size_t k = 0; k < t->u.list.n; k++)
                gf_vec_push(&dicts, t->u.list.v[k]);
        else
            gf_vec_push(&dicts, t);
    }
    for (size_t i = 0; i < dicts.n; i++) {
        const struct gf_val *d = dicts.v[i];
        if (d->type != GF_VAL_MAP) {
            gf_vec_release(&dicts, NULL);
            return FAIL("failed to combine variables, expected dicts but got a '%s'",
                        tpl_pytype(d));
        }
    }
    struct gf_val *res = NULL;
    if (dicts.n == 0)
        res = gf_val_map();
    else if (dicts.n == 1)
        res = gf_val_ref(dicts.v[0]);
    else {
        res = gf_val_ref(dicts.v[dicts.n - 1]);
        for (size_t i = dicts.n - 1; i-- > 0;) {
            struct gf_val *m = merge_hash(dicts.v[i], res, tpl_opt_bool(a->a[1], 0), lm);
            gf_val_unref(res);
            res = m;
        }
    }
    gf_vec_release(&dicts, NULL);
    return res;
}

struct gf_val *tpl_f_extract(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct gf_val *cur = tpl_getitem(r, a->a[0], in, a->pos);
    const struct gf_val *more = a->a[1];

    if (cur == NULL || more == NULL)
        return cur;
    size_t n = more->type == GF_VAL_LIST ? more->u.list.n : 1;
    for (size_t i = 0; i < n && cur; i++) {
        struct gf_val *key = more->type == GF_VAL_LIST ? more->u.list.v[i] : (struct gf_val *)more;
        struct gf_val *next = tpl_getitem(r, cur, key, a->pos);
        gf_val_unref(cur);
        cur = next;
    }
    return cur;
}

struct gf_val *tpl_f_subelements(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct gf_val *elems, *out;
    const struct gf_val *sub = a->a[0];
    struct gf_vec keys = GF_VEC_INIT;
    int skip = tpl_opt_bool(a->a[1], 0);

    if (in->type == GF_VAL_MAP) {
        elems = gf_val_list();
        for (size_t i = 0; i < in->u.map.n; i++)
            gf_val_list_push(elems, gf_val_ref(in->u.map.ents[i].val));
    } else if (in->type == GF_VAL_LIST) {
        elems = gf_val_ref(in);
    } else {
        return FAIL("obj must be a list of dicts or a nested dict");
    }
    if (sub->type == GF_VAL_LIST) {
        for (size_t i = 0; i < sub->u.list.n; i++)
            gf_vec_push(&keys, gf_val_ref(sub->u.list.v[i]));
    } else if (sub->type == GF_VAL_STR) {
        struct gf_val *parts = tpl_py_split(sub->u.str.s, sub->u.str.len, ".", 1, -1, 0);
        for (size_t i = 0; i < parts->u.list.n; i++)
            gf_vec_push(&keys, gf_val_ref(parts->u.list.v[i]));
        gf_val_unref(parts);
    } else {
        gf_val_unref(elems);
        return FAIL("subelements must be a list or a string");
    }
    out = gf_val_list();
    for (size_t i = 0; i < elems->u.list.n && out; i++) {
        struct gf_val *e = elems->u.list.v[i], *vals = e;
        for (size_t k = 0; k < keys.n; k++) {
            struct gf_val *key = keys.v[k];
            struct gf_val *next = vals->type == GF_VAL_MAP && key->type == GF_VAL_STR
                                ? gf_val_map_get(vals, key->u.str.s) : NULL;
            if (vals->type != GF_VAL_MAP) {
                FAIL("the key %s should point to a dictionary", key->type == GF_VAL_STR
                     ? key->u.str.s : "?");
                gf_val_unref(out);
                out = NULL;
                break;
            }
            if (next == NULL) {
                if (skip) {
                    vals = NULL;
                    break;
                }
                FAIL("could not find '%s' key in iterated item", key->type == GF_VAL_STR
                     ? key->u.str.s : "?");
                gf_val_unref(out);
                out = NULL;
                break;
            }
            vals = next;
        }
        if (out == NULL || vals == NULL)
            continue;
        if (vals->type != GF_VAL_LIST) {
            FAIL("the key should point to a list, got %s", tpl_pytype(vals));
            gf_val_unref(out);
            out = NULL;
            break;
        }
        for (size_t k = 0; k < vals->u.list.n; k++) {
            struct gf_val *t = gf_val_list();
            t->flags |= TV_TUPLE;
            gf_val_list_push(t, gf_val_ref(e));
            gf_val_list_push(t, gf_val_ref(vals->u.list.v[k]));
            gf_val_list_push(out, t);
        }
    }
    for (size_t k = 0; k < keys.n; k++)
        gf_val_unref(keys.v[k]);
    gf_vec_release(&keys, NULL);
    gf_val_unref(elems);
    return out;
}

struct gf_val *tpl_f_safe(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    (void)r, (void)a;
    return gf_val_ref(in);
}

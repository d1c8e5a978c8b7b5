/*
 * filters.c - the filters templates can call, as Jinja2 3.1 and
 * ansible-core 2.14 define them: strings, lists, dicts and types, and the
 * one table of filters and tests (with filters-net.c's). Other kinds live
 * apart: the tests in tests.c, serialisers and digests in filters-data.c,
 * regular expressions in filters-regex.c, version comparison in
 * filters-version.c, Python's "%" formatting in pyformat.c, the IP filters
 * in filters-net.c, the str, dict and list methods in methods.c.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "template-priv.h"

#define FAIL(...) tpl_fail(r, a->pos, __VA_ARGS__)

/* ---- small helpers ---- */
struct gf_val *tpl_str_from(struct gf_buf *b)
{
    size_t len;
    char *s = gf_buf_detach(b, &len);

    return gf_val_str_own(s, len);
}

/* The text of v: v's own bytes for a string, else str(v) in tmp. */
const char *tpl_text_of(const struct gf_val *v, struct gf_buf *tmp, size_t *len)
{
    if (v->type == GF_VAL_STR) {
        *len = v->u.str.len;
        return v->u.str.s;
    }
    gf_buf_reset(tmp);
    tpl_text(v, tmp);
    *len = tmp->len;
    return tmp->buf;
}

void tpl_repr(const struct gf_val *v, struct gf_buf *b)
{
    if (v->type != GF_VAL_STR) {
        tpl_text(v, b);
        return;
    }
    if (tv_undef(v)) { /* only reachable through a bug: never print the message */
        gf_buf_adds(b, "Undefined");
        return;
    }
    /* gf_val_to_text writes list items with repr(): borrow that */
    struct gf_val tmp;
    struct gf_val *item = (struct gf_val *)v;
    memset(&tmp, 0, sizeof(tmp));
    tmp.type = GF_VAL_LIST;
    tmp.u.list.v = (void **)&item;
    tmp.u.list.n = 1;
    size_t start = b->len;
    gf_val_to_text(&tmp, b);
    memmove(b->buf + start, b->buf + start + 1, b->len - start - 2);
    gf_buf_setlen(b, b->len - 2);
}

int tpl_opt_bool(const struct gf_val *v, int dflt)
{
    return v ? gf_val_truthy(v) : dflt;
}

int tpl_opt_int(struct rctx *r, struct fargs *a, const struct gf_val *v, long long dflt,
                long long *out)
{
    if (v == NULL || v->type == GF_VAL_NULL) {
        *out = dflt;
        return 0;
    }
    if (v->type == GF_VAL_INT || v->type == GF_VAL_BOOL) {
        *out = v->type == GF_VAL_INT ? v->u.i : v->u.b;
        return 0;
    }
    FAIL("'%s' expects an integer argument, got %s", a->name, tpl_pytype(v));
    return -1;
}

const char *tpl_opt_str(struct rctx *r, struct fargs *a, const struct gf_val *v,
                        const char *dflt)
{
    if (v == NULL)
        return dflt;
    if (v->type != GF_VAL_STR) {
        FAIL("'%s' expects a string argument, got %s", a->name, tpl_pytype(v));
        return NULL;
    }
    return v->u.str.s;
}

static int ascii_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' ||
           (c >= 0x1c && c <= 0x1f);
}

static struct gf_val *need_list(struct rctx *r, struct fargs *a, struct gf_val *in)
{
    if (in->type != GF_VAL_LIST)
        return FAIL("'%s' expects a list, got %s", a->name, tpl_pytype(in));
    return in;
}

/* Items of a list, the keys of a map, the characters of a string: a new list. */
struct gf_val *tpl_as_list(struct rctx *r, struct fargs *a, struct gf_val *in)
{
    struct gf_val *l;

    switch (in->type) {
    case GF_VAL_LIST:
        return gf_val_ref(in);
    case GF_VAL_MAP:
        l = gf_val_list();
        for (size_t i = 0; i < in->u.map.n; i++)
            gf_val_list_push(l, gf_val_str(in->u.map.ents[i].key));
        return l;
    case GF_VAL_STR:
        l = gf_val_list();
        for (size_t i = 0; i < in->u.str.len;) {
            size_t j = i + 1;
            while (j < in->u.str.len && ((unsigned char)in->u.str.s[j] & 0xc0) == 0x80)
                j++;
            gf_val_list_push(l, gf_val_strn(in->u.str.s + i, j - i));
            i = j;
        }
        return l;
    default:
        return FAIL("'%s' object is not iterable", tpl_pytype(in));
    }
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

/* ---- case mapping: ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic ---- */
static unsigned long cp_lower(unsigned long c)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 0xc0 && c <= 0xde && c != 0xd7) ||
        (c >= 0x391 && c <= 0x3ab && c != 0x3a2) || (c >= 0x410 && c <= 0x42f))
        return c + 0x20;
    if (c >= 0x400 && c <= 0x40f)
        return c + 0x50;
    if (((c >= 0x100 && c <= 0x137) || (c >= 0x14a && c <= 0x177)) && c % 2 == 0 && c != 0x130)
        return c + 1;
    if (((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e)) && c % 2 == 1)
        return c + 1;
    if (c == 0x178)
        return 0xff;
    return c;
}

static unsigned long cp_upper(unsigned long c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 0xe0 && c <= 0xfe && c != 0xf7) ||
        (c >= 0x3b1 && c <= 0x3cb && c != 0x3c2) || (c >= 0x430 && c <= 0x44f))
        return c - 0x20;
    if (c >= 0x450 && c <= 0x45f)
        return c - 0x50;
    if (((c >= 0x101 && c <= 0x137) || (c >= 0x14b && c <= 0x177)) && c % 2 == 1 && c != 0x131)
        return c - 1;
    if (((c >= 0x13a && c <= 0x148) || (c >= 0x17a && c <= 0x17e)) && c % 2 == 0)
        return c - 1;
    if (c == 0xff)
        return 0x178;
    return c;
}

/* Decodes the code point at s[i] (a bad byte stands for itself). */
static size_t get_cp(const char *s, size_t n, size_t i, unsigned long *cp)
{
    unsigned char c = (unsigned char)s[i];
    size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;

    if (len == 1 || i + len > n || !gf_utf8_valid(s + i, len)) {
        *cp = c;
        return 1;
    }
    *cp = c & (0xff >> (len + 1));
    for (size_t k = 1; k < len; k++)
        *cp = (*cp << 6) | ((unsigned char)s[i + k] & 0x3f);
    return len;
}

static void put_cp(struct gf_buf *b, const char *orig, size_t len, unsigned long cp,
                   unsigned long mapped)
{
    if (mapped == cp)
        gf_buf_add(b, orig, len); /* unchanged: keep the bytes as they were */
    else
        gf_buf_add_utf8(b, mapped);
}

/* mode: 0 lower, 1 upper, 2 capitalize (first upper, rest lower), 3 Python str.title,
 * 4 Jinja's title (words start after -, space, (, {, [, <). */
struct gf_val *tpl_map_case_mode(const struct gf_val *v, struct gf_buf *tmp, int mode)
{
    size_t n;
    const char *s = tpl_text_of(v, tmp, &n);
    struct gf_buf out = GF_BUF_INIT;
    int start = 1;

    for (size_t i = 0; i < n;) {
        unsigned long cp, m;
        size_t len = get_cp(s, n, i, &cp);
        int up = mode == 1 || ((mode == 2 || mode >= 3) && start);
        m = up ? cp_upper(cp) : cp_lower(cp);
        put_cp(&out, s + i, len, cp, m);
        if (mode == 2)
            start = 0;
        else if (mode == 3)
            start = cp_lower(cp) == cp && cp_upper(cp) == cp;
        else if (mode == 4)
            start = cp == '-' || cp == '(' || cp == '{' || cp == '[' || cp == '<' ||
                    (cp < 0x80 && ascii_space((char)cp));
        i += len;
    }
    return tpl_str_from(&out);
}

struct gf_val *tpl_map_case(const struct gf_val *v, struct gf_buf *tmp, int upper)
{
    return tpl_map_case_mode(v, tmp, upper);
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

/* ---- string filters ---- */
static struct gf_val *f_lower(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct gf_buf t = GF_BUF_INIT;
    struct gf_val *v = tpl_map_case(in, &t, 0);

    (void)r, (void)a;
    gf_buf_release(&t);
    return v;
}

static struct gf_val *f_upper(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct gf_buf t = GF_BUF_INIT;
    struct gf_val *v = tpl_map_case(in, &t, 1);

    (void)r, (void)a;
    gf_buf_release(&t);
    return v;
}

static struct gf_val *f_capitalize(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct gf_buf t = GF_BUF_INIT;
    struct gf_val *v = tpl_map_case_mode(in, &t, 2);

    (void)r, (void)a;
    gf_buf_release(&t);
    return v;
}

static struct gf_val *f_title(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct gf_buf t = GF_BUF_INIT;
    struct gf_val *v = tpl_map_case_mode(in, &t, 4);

    (void)r, (void)a;
    gf_buf_release(&t);
    return v;
}

/* Python str.strip(chars) on s[0..n): start and length. */
void tpl_strip_range(const char *s, size_t n, const char *chars, size_t cn, int left,
                     int right, size_t *a, size_t *b)
{
    size_t i = 0, j = n;

    if (chars == NULL) {
        while (left && i < j && ascii_space(s[i]))
            i++;
        while (right && j > i && ascii_space(s[j - 1]))
            j--;
    } else {
        while (left && i < j && memchr(chars, s[i], cn))
            i++;
        while (right && j > i && memchr(chars, s[j - 1], cn))
            j--;
    }
    *a = i;
    *b = j;
}

static struct gf_val *f_trim(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct gf_buf t = GF_BUF_INIT;
    size_t n, i, j;
    const char *s = tpl_text_of(in, &t, &n);
    const char *chars = NULL;

    if (a->a[0] && a->a[0]->type != GF_VAL_NULL) {
        if ((chars = tpl_opt_str(r, a, a->a[0], NULL)) == NULL) {
            gf_buf_release(&t);
            return NULL;
        }
    }
    tpl_strip_range(s, n, chars, chars ? a->a[0]->u.str.len : 0, 1, 1, &i, &j);
    struct gf_val *v = gf_val_strn(s + i, j - i);
    gf_buf_release(&t);
    return v;
}

/* Python str.replace(old, new, count). */
struct gf_val *tpl_py_replace(const char *s, size_t n, const char *old, size_t on,
                              const char *nw, size_t nn, long long count)
{
    struct gf_buf out = GF_BUF_INIT;
    size_t i = 0;

    if (on == 0) {
        for (size_t k = 0; k <= n; k++) {
            if (count != 0 && (k == n || ((unsigned char)s[k] & 0xc0) != 0x80)) {
                gf_buf_add(&out, nw, nn);
                if (count > 0)
                    count--;
            }
            if (k < n)
                gf_buf_addc(&out, s[k]);
        }
        return tpl_str_from(&out);
    }
    while (i < n) {
        const char *hit = count != 0 ? memmem(s + i, n - i, old, on) : NULL;
        if (hit == NULL)
            break;
        gf_buf_add(&out, s + i, (size_t)(hit - s) - i);
        gf_buf_add(&out, nw, nn);
        i = (size_t)(hit - s) + on;
        if (count > 0)
            count--;
    }
    gf_buf_add(&out, s + i, n - i);
    return tpl_str_from(&out);
}

static struct gf_val *f_replace(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct gf_buf t1 = GF_BUF_INIT, t2 = GF_BUF_INIT, t3 = GF_BUF_INIT;
    size_t n, on, nn;
    long long count;
    struct gf_val *v = NULL;

    if (tpl_opt_int(r, a, a->a[2], -1, &count) == 0) {
        const char *s = tpl_text_of(in, &t1, &n), *old = tpl_text_of(a->a[0], &t2, &on);
        const char *nw = tpl_text_of(a->a[1], &t3, &nn);
        v = tpl_py_replace(s, n, old, on, nw, nn, count);
    }
    gf_buf_release(&t1);
    gf_buf_release(&t2);
    gf_buf_release(&t3);
    return v;
}

/* Python str.split / rsplit. */
struct gf_val *tpl_py_split(const char *s, size_t n, const char *sep, size_t sn,
                            long long maxsplit, int right)
{
    struct gf_val *l = gf_val_list();
    struct gf_vec parts = GF_VEC_INIT; /* pairs of (start, end) for rsplit */

    if (sep == NULL) {
        size_t i = right ? n : 0;
        if (!right) {
            while (i < n) {
                while (i < n && ascii_space(s[i]))
                    i++;
                if (i >= n)
                    break;
                if (maxsplit == 0) {
                    size_t j = n;
                    while (j > i && ascii_space(s[j - 1]))
                        j--;
                    gf_val_list_push(l, gf_val_strn(s + i, j - i));
                    break;
                }
                size_t j = i;
                while (j < n && !ascii_space(s[j]))
                    j++;
                gf_val_list_push(l, gf_val_strn(s + i, j - i));
                if (maxsplit > 0)
                    maxsplit--;
                i = j;
            }
            return l;
        }
        while (i > 0) {
            while (i > 0 && ascii_space(s[i - 1]))
                i--;
            if (i == 0)
                break;
            size_t j = i;
            if (maxsplit == 0) {
                size_t k = 0;
                while (k < j && ascii_space(s[k]))
                    k++;
                gf_vec_push(&parts, gf_val_strn(s + k, j - k));
                break;
            }
            while (i > 0 && !ascii_space(s[i - 1]))
                i--;
            gf_vec_push(&parts, gf_val_strn(s + i, j - i));
            if (maxsplit > 0)
                maxsplit--;
        }
    } else if (!right) {
        size_t i = 0;
        for (;;) {
            const char *hit = maxsplit != 0 ? memmem(s + i, n - i, sep, sn) : NULL;
            if (hit == NULL) {
                gf_val_list_push(l, gf_val_strn(s + i, n - i));
                break;
            }
            gf_val_list_push(l, gf_val_strn(s + i, (size_t)(hit - s) - i));
            i = (size_t)(hit - s) + sn;
            if (maxsplit > 0)
                maxsplit--;
        }
        return l;
    } else {
        size_t j = n;
        for (;;) {
            const char *hit = NULL;
            if (maxsplit != 0 && j >= sn)
                for (size_t k = j - sn + 1; k-- > 0;)
                    if (memcmp(s + k, sep, sn) == 0) {
                        hit = s + k;
                        break;
                    }
            if (hit == NULL) {
                gf_vec_push(&parts, gf_val_strn(s, j));
                break;
            }
            gf_vec_push(&parts, gf_val_strn(hit + sn, j - (size_t)(hit - s) - sn));
            j = (size_t)(hit - s);
            if (maxsplit > 0)
                maxsplit--;
        }
    }
    for (size_t k = parts.n; k-- > 0;)
        gf_val_list_push(l, parts.v[k]);
    gf_vec_release(&parts, NULL);
    return l;
}

struct gf_val *tpl_split_common(struct rctx *r, struct fargs *a, const struct gf_val *in,
                                const struct gf_val *sepv, const struct gf_val *maxv, int right)
{
    struct gf_buf t = GF_BUF_INIT;
    size_t n;
    long long max;
    const char *sep = NULL;
    size_t sn = 0;

    if (tpl_opt_int(r, a, maxv, -1, &max) < 0)
        return NULL;
    if (sepv && sepv->type != GF_VAL_NULL) {
        if (sepv->type != GF_VAL_STR)
            return FAIL("must be str or None, not %s", tpl_pytype(sepv));
        sep = sepv->u.str.s;
        sn = sepv->u.str.len;
        if (sn == 0)
            return FAIL("empty separator");
    }
    const char *s = tpl_text_of(in, &t, &n);
    struct gf_val *v = tpl_py_split(s, n, sep, sn, max, right);
    gf_buf_release(&t);
    return v;
}

static struct gf_val *f_split(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    if (in->type != GF_VAL_STR)
        return FAIL("descriptor 'split' for 'str' objects doesn't apply to a '%s' object",
                    tpl_pytype(in));
    return tpl_split_common(r, a, in, a->a[0], a->a[1], 0);
}

static struct gf_val *f_quote(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct gf_buf t = GF_BUF_INIT, out = GF_BUF_INIT;
    size_t n;
    const char *s = in->type == GF_VAL_NULL ? "" : tpl_text_of(in, &t, &n);
    int safe = 1;

    (void)r, (void)a;
    if (in->type == GF_VAL_NULL)
        n = 0;
    for (size_t i = 0; i < n && safe; i++) {
        unsigned char c = (unsigned char)s[i];
        safe = isalnum(c) || c == '_' || strchr("@%+=:,./-", c);
        if (c == 0 || c >= 0x80)
            safe = 0;
    }
    if (n && safe) {
        gf_buf_add(&out, s, n);
    } else {
        gf_buf_addc(&out, '\'');
        for (size_t i = 0; i < n; i++)
            if (s[i] == '\'')
                gf_buf_adds(&out, "'\"'\"'");
            else
                gf_buf_addc(&out, s[i]);
        gf_buf_addc(&out, '\'');
    }
    gf_buf_release(&t);
    return tpl_str_from(&out);
}

static struct gf_val *f_basename(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct gf_buf t = GF_BUF_INIT;
    size_t n;
    const char *s = tpl_text_of(in, &t, &n);
    const char *slash = NULL;

    (void)r, (void)a;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '/')
            slash = s + i;
    struct gf_val *v = slash ? gf_val_strn(slash + 1, n - (size_t)(slash + 1 - s))
                             : gf_val_strn(s, n);
    gf_buf_release(&t);
    return v;
}

static struct gf_val *f_dirname(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct gf_buf t = GF_BUF_INIT;
    size_t n, head = 0;
    const char *s = tpl_text_of(in, &t, &n);

    (void)r, (void)a;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '/')
            head = i + 1;
    size_t h = head;
    int all_slash = 1;
    for (size_t i = 0; i < head; i++)
        all_slash &= s[i] == '/';
    if (head && !all_slash)
        while (h > 0 && s[h - 1] == '/')
            h--;
    struct gf_val *v = gf_val_strn(s, h);
    gf_buf_release(&t);
    return v;
}

static struct gf_val *f_splitext(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct gf_buf t = GF_BUF_INIT;
    size_t n, base = 0, dot = (size_t)-1;
    const char *s = tpl_text_of(in, &t, &n);

    (void)r, (void)a;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '/')
            base = i + 1;
    for (size_t i = base; i < n; i++)
        if (s[i] == '.')
            dot = i;
    if (dot != (size_t)-1) { /* a dot that only follows dots does not start an extension */
        size_t i = base;
        while (i < dot && s[i] == '.')
            i++;
        if (i == dot)
            dot = (size_t)-1;
    }
    struct gf_val *l = gf_val_list();
    l->flags |= TV_TUPLE;
    if (dot == (size_t)-1) {
        gf_val_list_push(l, gf_val_strn(s, n));
        gf_val_list_push(l, gf_val_str(""));
    } else {
        gf_val_list_push(l, gf_val_strn(s, dot));
        gf_val_list_push(l, gf_val_strn(s + dot, n - dot));
    }
    gf_buf_release(&t);
    return l;
}

static struct gf_val *f_path_join(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct gf_buf out = GF_BUF_INIT;

    if (in->type == GF_VAL_STR)
        return gf_val_ref(in);
    if (in->type != GF_VAL_LIST)
        return FAIL("|path_join expects string or sequence, got %s instead", tpl_pytype(in));
    for (size_t i = 0; i < in->u.list.n; i++) {
        const struct gf_val *p = in->u.list.v[i];
        if (p->type != GF_VAL_STR) {
            gf_buf_release(&out);
            return FAIL("path_join: expected str, got %s", tpl_pytype(p));
        }
        if (p->u.str.len && p->u.str.s[0] == '/')
            gf_buf_reset(&out);
        else if (out.len && out.buf[out.len - 1] != '/')
            gf_buf_addc(&out, '/');
        gf_buf_add(&out, p->u.str.s, p->u.str.len);
    }
    return tpl_str_from(&out);
}

static struct gf_val *f_indent(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct gf_buf t = GF_BUF_INIT, ind = GF_BUF_INIT, out = GF_BUF_INIT;
    size_t n;
    const char *s = tpl_text_of(in, &t, &n);
    long long w = 4;

    if (a->a[0] && a->a[0]->type == GF_VAL_STR) {
        gf_buf_add(&ind, a->a[0]->u.str.s, a->a[0]->u.str.len);
    } else {
        if (tpl_opt_int(r, a, a->a[0], 4, &w) < 0)
            goto fail;
        for (long long i = 0; i < w && i < 4096; i++)
            gf_buf_addc(&ind, ' ');
    }
    int first = tpl_opt_bool(a->a[1], 0), blank = tpl_opt_bool(a->a[2], 0);
    /* lines as str.splitlines() of s + "\n" */
    size_t i = 0, line = 0;
    if (first)
        gf_buf_add(&out, ind.buf, ind.len);
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] != '\n' && s[j] != '\r' && s[j] != '\v' && s[j] != '\f' &&
               !(s[j] >= 0x1c && s[j] <= 0x1e))
            j++;
        if (line > 0) {
            gf_buf_addc(&out, '\n');
            if (blank || j > i)
                gf_buf_add(&out, ind.buf, ind.len);
        }
        gf_buf_add(&out, s + i, j - i);
        line++;
        if (j < n && s[j] == '\r' && j + 1 < n && s[j + 1] == '\n')
            j++;
        i = j + 1;
    }
    gf_buf_release(&t);
    gf_buf_release(&ind);
    return tpl_str_from(&out);
fail:
    gf_buf_release(&t);
    gf_buf_release(&ind);
    return NULL;
}

static struct gf_val *f_format(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct gf_buf t = GF_BUF_INIT, out = GF_BUF_INIT;
    size_t n;
    const char *s = tpl_text_of(in, &t, &n);
    struct gf_val *args = gf_val_list();

    args->flags |= TV_TUPLE;
    for (size_t i = 0; i < a->nrest; i++)
        gf_val_list_push(args, gf_val_ref(a->rest[i]));
    int rc = tpl_py_format(r, s, n, args, &out, a->pos);
    gf_val_unref(args);
    gf_buf_release(&t);
    if (rc < 0) {
        gf_buf_release(&out);
        return NULL;
    }
    return tpl_str_from(&out);
}

/* ---- type filters ---- */
static struct gf_val *f_default(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    (void)r;
    if (tv_undef(in) || (tpl_opt_bool(a->a[1], 0) && !gf_val_truthy(in)))
        return a->a[0] ? gf_val_ref(a->a[0]) : gf_val_str("");
    return gf_val_ref(in);
}

static struct gf_val *f_mandatory(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    if (!tv_undef(in))
        return gf_val_ref(in);
    if (a->a[0]) {
        struct gf_buf t = GF_BUF_INIT;
        tpl_text(a->a[0], &t);
        FAIL("%s", t.buf);
        gf_buf_release(&t);
        return NULL;
    }
    const char *m = in->u.str.s, *q = strstr(m, "undefined variable '");
    if (q == m) {
        const char *e = strchr(m + 20, '\'');
        return FAIL("Mandatory variable '%.*s' not defined.", (int)(e ? e - m - 20 : 0), m + 20);
    }
    return FAIL("Mandatory variable not defined.");
}

struct gf_val *tpl_f_bool(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    (void)r, (void)a;
    switch (in->type) {
    case GF_VAL_NULL:
    case GF_VAL_BOOL:
        return gf_val_ref(in);
    case GF_VAL_STR: {
        static const char *const yes[] = { "yes", "on", "1", "true" };
        for (size_t i = 0; i < GF_ARRAY_LEN(yes); i++)
            if (in->u.str.len == strlen(yes[i]) && strncasecmp(in->u.str.s, yes[i],
                                                               in->u.str.len) == 0)
                return gf_val_bool(1);
        return gf_val_bool(0);
    }
    case GF_VAL_INT:
        return gf_val_bool(in->u.i == 1);
    case GF_VAL_FLOAT:
        return gf_val_bool(in->u.f == 1.0);
    default:
        return gf_val_bool(0);
    }
}

/* Python float(str): whitespace around, '_' between digits, inf/nan. */
static int py_float(const char *s, size_t n, double *out)
{
    char buf[128];
    size_t i = 0, j = n, k = 0;

    while (i < j && ascii_space(s[i]))
        i++;
    while (j > i && ascii_space(s[j - 1]))
        j--;
    if (j == i || j - i >= sizeof(buf))
        return -1;
    for (size_t q = i; q < j; q++) {
        if (s[q] == '_') {
            if (q == i || q + 1 == j || !isdigit((unsigned char)s[q - 1]) ||
                !isdigit((unsigned char)s[q + 1]))
                return -1;
            continue;
        }
        buf[k++] = s[q];
    }
    buf[k] = '\0';
    const char *b = buf + (buf[0] == '+' || buf[0] == '-');
    if (strncasecmp(b, "0x", 2) == 0)
        return -1;
    int named = strcasecmp(b, "inf") == 0 || strcasecmp(b, "infinity") == 0 ||
                strcasecmp(b, "nan") == 0;
    for (const char *p = b; *p && !named; p++)
        if (!isdigit((unsigned char)*p) && !strchr(".eE+-", *p))
            return -1;
    char *end;
    errno = 0;
    *out = strtod(buf, &end);
    return *end ? -1 : 0;
}

/* Python int(str, base). */
static int py_int(const char *s, size_t n, int base, long long *out)
{
    char buf[128];
    size_t i = 0, j = n, k = 0;

    while (i < j && ascii_space(s[i]))
        i++;
    while (j > i && ascii_space(s[j - 1]))
        j--;
    if (j == i || j - i >= sizeof(buf))
        return -1;
    int neg = 0;
    if (s[i] == '+' || s[i] == '-')
        neg = s[i++] == '-';
    if ((base == 16 || base == 8 || base == 2 || base == 0) && j - i > 2 && s[i] == '0' &&
        strchr(base == 16 ? "xX" : base == 8 ? "oO" : base == 2 ? "bB" : "xXoObB", s[i + 1])) {
        char p = (char)tolower((unsigned char)s[i + 1]);
        base = p == 'x' ? 16 : p == 'o' ? 8 : 2;
        i += 2;
        if (i < j && s[i] == '_')
            i++;
    } else if (base == 0) {
        base = 10;
    }
    for (size_t q = i; q < j; q++) {
        if (s[q] == '_' && q > i && q + 1 < j && s[q + 1] != '_')
            continue;
        int d = isdigit((unsigned char)s[q]) ? s[q] - '0'
              : isalpha((unsigned char)s[q]) ? tolower((unsigned char)s[q]) - 'a' + 10 : 99;
        if (d >= base)
            return -1;
        buf[k++] = s[q];
    }
    if (k == 0)
        return -1;
    buf[k] = '\0';
    errno = 0;
    long long v = strtoll(buf, NULL, base);
    if (errno == ERANGE)
        return -1;
    *out = neg ? -v : v;
    return 0;
}

static struct gf_val *f_int(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    long long base, v;
    double f;

    if (tpl_opt_int(r, a, a->a[1], 10, &base) < 0)
        return NULL;
    if (base != 0 && (base < 2 || base > 36))
        return FAIL("int() base must be >= 2 and <= 36, or 0");
    switch (in->type) {
    case GF_VAL_INT:
        return gf_val_ref(in);
    case GF_VAL_BOOL:
        return gf_val_int(in->u.b);
    case GF_VAL_FLOAT:
        if (isfinite(in->u.f) && fabs(in->u.f) < 9.2e18)
            return gf_val_int((long long)in->u.f);
        if (isinf(in->u.f))
            return FAIL("cannot convert float infinity to integer");
        break;
    case GF_VAL_STR:
        if (py_int(in->u.str.s, in->u.str.len, (int)base, &v) == 0)
            return gf_val_int(v);
        if (py_float(in->u.str.s, in->u.str.len, &f) == 0 && isfinite(f) && fabs(f) < 9.2e18)
            return gf_val_int((long long)f);
        if (py_float(in->u.str.s, in->u.str.len, &f) == 0 && isinf(f))
            return FAIL("cannot convert float infinity to integer");
        break;
    default:
        break;
    }
    return a->a[0] ? gf_val_ref(a->a[0]) : gf_val_int(0);
}

static struct gf_val *f_float(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    double f;

    (void)r;
    switch (in->type) {
    case GF_VAL_FLOAT:
        return gf_val_ref(in);
    case GF_VAL_INT:
        return gf_val_float((double)in->u.i);
    case GF_VAL_BOOL:
        return gf_val_float(in->u.b);
    case GF_VAL_STR:
        if (py_float(in->u.str.s, in->u.str.len, &f) == 0)
            return gf_val_float(f);
        break;
    default:
        break;
    }
    return a->a[0] ? gf_val_ref(a->a[0]) : gf_val_float(0.0);
}

static struct gf_val *f_string(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct gf_buf t = GF_BUF_INIT;

    (void)r, (void)a;
    tpl_text(in, &t);
    struct gf_val *v = tpl_str_from(&t);
    v->flags |= TV_NATIVE; /* Ansible's STRING_TYPE_FILTERS */
    return v;
}

static struct gf_val *f_type_debug(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    (void)r, (void)a;
    return gf_val_str(tpl_pytype(in));
}

static struct gf_val *f_ternary(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    (void)r;
    if (in->type == GF_VAL_NULL && a->a[2] && a->a[2]->type != GF_VAL_NULL)
        return gf_val_ref(a->a[2]);
    return gf_val_ref(gf_val_truthy(in) ? a->a[0] : a->a[1]);
}

/* ---- sequences ---- */
static struct gf_val *f_length(struct rctx *r, struct gf_val *in, struct fargs *a)
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

static struct gf_val *f_first(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return f_first_last(r, in, a, 0);
}

static struct gf_val *f_last(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return f_first_last(r, in, a, 1);
}

static struct gf_val *f_list(struct rctx *r, struct gf_val *in, struct fargs *a)
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

static struct gf_val *f_reverse(struct rctx *r, struct gf_val *in, struct fargs *a)
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

static struct gf_val *f_join(struct rctx *r, struct gf_val *in, struct fargs *a)
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

static struct gf_val *f_unique(struct rctx *r, struct gf_val *in, struct fargs *a)
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

static struct gf_val *f_sort(struct rctx *r, struct gf_val *in, struct fargs *a)
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

static struct gf_val *f_min(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return minmax(r, in, a, 0);
}

static struct gf_val *f_max(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return minmax(r, in, a, 1);
}

static struct gf_val *f_sum(struct rctx *r, struct gf_val *in, struct fargs *a)
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

static struct gf_val *f_abs(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    if (in->type == GF_VAL_INT)
        return in->u.i == LLONG_MIN ? FAIL("integer overflow") : gf_val_int(llabs(in->u.i));
    if (in->type == GF_VAL_BOOL)
        return gf_val_int(in->u.b);
    if (in->type == GF_VAL_FLOAT)
        return gf_val_float(fabs(in->u.f));
    return FAIL("bad operand type for abs(): '%s'", tpl_pytype(in));
}

static struct gf_val *f_round(struct rctx *r, struct gf_val *in, struct fargs *a)
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
static struct gf_val *f_map(struct rctx *r, struct gf_val *in, struct fargs *a)
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

static struct gf_val *f_select(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return selector(r, in, a, 1, 0);
}

static struct gf_val *f_reject(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return selector(r, in, a, 0, 0);
}

static struct gf_val *f_selectattr(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return selector(r, in, a, 1, 1);
}

static struct gf_val *f_rejectattr(struct rctx *r, struct gf_val *in, struct fargs *a)
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

static struct gf_val *f_flatten(struct rctx *r, struct gf_val *in, struct fargs *a)
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

static struct gf_val *f_union(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return setop(r, in, a, 0);
}

static struct gf_val *f_intersect(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return setop(r, in, a, 1);
}

static struct gf_val *f_difference(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return setop(r, in, a, 2);
}

static struct gf_val *f_symmetric_difference(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return setop(r, in, a, 3);
}

static struct gf_val *f_zip(struct rctx *r, struct gf_val *in, struct fargs *a)
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

static struct gf_val *f_product(struct rctx *r, struct gf_val *in, struct fargs *a)
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

static struct gf_val *f_batch(struct rctx *r, struct gf_val *in, struct fargs *a)
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
static struct gf_val *f_dict2items(struct rctx *r, struct gf_val *in, struct fargs *a)
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

static struct gf_val *f_items2dict(struct rctx *r, struct gf_val *in, struct fargs *a)
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

static struct gf_val *f_items(struct rctx *r, struct gf_val *in, struct fargs *a)
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

static struct gf_val *f_dictsort(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    const char *by = tpl_opt_str(r, a, a->a[1], "key");

    if (by == NULL)
        return NULL;
    if (in->type != GF_VAL_MAP)
        return FAIL("dictsort requires a dictionary");
    if (strcmp(by, "key") && strcmp(by, "value"))
        return FAIL("You can only sort by either \"key\" or \"value\"");
    struct gf_val *pairs = f_items(r, in, a), *out = NULL;
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

static struct gf_val *f_combine(struct rctx *r, struct gf_val *in, struct fargs *a)
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

static struct gf_val *f_extract(struct rctx *r, struct gf_val *in, struct fargs *a)
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

static struct gf_val *f_subelements(struct rctx *r, struct gf_val *in, struct fargs *a)
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

static struct gf_val *f_safe(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    (void)r, (void)a;
    return gf_val_ref(in);
}

/* ---- data filters (filters-data.c does the formats) ---- */
static struct gf_val *f_to_json(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct gf_buf out = GF_BUF_INIT;
    long long indent;

    if (a->a[0] && a->a[0]->type != GF_VAL_NULL) {
        if (tpl_opt_int(r, a, a->a[0], -1, &indent) < 0)
            return NULL;
    } else {
        indent = -1;
    }
    tpl_to_json(in, (int)(indent > 64 ? 64 : indent), tpl_opt_bool(a->a[1], 0),
                tpl_opt_bool(a->a[2], 1), &out);
    struct gf_val *v = tpl_str_from(&out);
    v->flags |= TV_NATIVE;
    return v;
}

static struct gf_val *f_to_nice_json(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct gf_buf out = GF_BUF_INIT;
    long long indent;

    if (tpl_opt_int(r, a, a->a[0], 4, &indent) < 0)
        return NULL;
    tpl_to_json(in, (int)(indent < 0 ? 0 : indent > 64 ? 64 : indent), tpl_opt_bool(a->a[1], 1),
                tpl_opt_bool(a->a[2], 1), &out);
    struct gf_val *v = tpl_str_from(&out);
    v->flags |= TV_NATIVE;
    return v;
}

static struct gf_val *yaml_common(struct rctx *r, struct gf_val *in, struct fargs *a, int nice)
{
    struct gf_buf out = GF_BUF_INIT;
    long long indent;
    int flow = nice ? 0 : -1;

    if (tpl_opt_int(r, a, a->a[0], nice ? 4 : 2, &indent) < 0)
        return NULL;
    if (!nice && a->a[1] && a->a[1]->type != GF_VAL_NULL)
        flow = gf_val_truthy(a->a[1]);
    if (indent < 2 || indent > 9)
        indent = 2;
    if (tpl_to_yaml(in, flow, (int)indent, &out) < 0) {
        gf_buf_release(&out);
        return FAIL("%s - cannot represent the value", a->name);
    }
    struct gf_val *v = tpl_str_from(&out);
    v->flags |= TV_NATIVE;
    return v;
}

static struct gf_val *f_to_yaml(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return yaml_common(r, in, a, 0);
}

static struct gf_val *f_to_nice_yaml(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return yaml_common(r, in, a, 1);
}

static struct gf_val *f_from_json(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    const char *msg = NULL;

    if (in->type != GF_VAL_STR)
        return FAIL("the JSON object must be str, bytes or bytearray, not %s", tpl_pytype(in));
    struct gf_val *v = tpl_from_json(in->u.str.s, in->u.str.len, &msg);
    if (v == NULL)
        return FAIL("from_json: %s", msg ? msg : "invalid JSON");
    return v;
}

static struct gf_val *f_from_yaml(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct gf_error err = GF_ERROR_INIT;
    struct gf_val *v = NULL;

    if (in->type != GF_VAL_STR)
        return gf_val_ref(in);
    if (gf_yaml_load(in->u.str.s, in->u.str.len, NULL, &v, &err) < 0) {
        FAIL("from_yaml: %s%s", err.msg ? err.msg : "invalid YAML",
             err.line ? "" : "");
        gf_error_clear(&err);
        return NULL;
    }
    return v ? v : gf_val_null();
}

/* ---- tables ---- */
#define VERSION_PARAMS { "!version", "operator", "strict", "version_type" }

const struct tpl_filter tpl_filters[] = {
    { "abs", f_abs, 0, { NULL } },
    { "b64decode", tpl_f_b64decode, 0, { "encoding" } },
    { "b64encode", tpl_f_b64encode, 0, { "encoding" } },
    { "basename", f_basename, 0, { NULL } },
    { "batch", f_batch, F_ELEMS, { "!linecount", "fill_with" } },
    { "bool", tpl_f_bool, 0, { NULL } },
    { "capitalize", f_capitalize, 0, { NULL } },
    { "checksum", tpl_f_sha1, 0, { NULL } },
    { "combine", f_combine, 0, { "*", "recursive", "list_merge" } },
    { "count", f_length, F_ELEMS, { NULL } },
    { "d", f_default, F_UNDEF | F_ARGUNDEF, { "default_value", "boolean" } },
    { "default", f_default, F_UNDEF | F_ARGUNDEF, { "default_value", "boolean" } },
    { "dict2items", f_dict2items, 0, { "key_name", "value_name" } },
    { "dictsort", f_dictsort, 0, { "case_sensitive", "by", "reverse" } },
    { "difference", f_difference, 0, { "!b" } },
    { "dirname", f_dirname, 0, { NULL } },
    { "extract", f_extract, 0, { "!container", "morekeys" } },
    { "first", f_first, F_ELEMS, { NULL } },
    { "flatten", f_flatten, 0, { "levels", "skip_nulls" } },
    { "float", f_float, 0, { "default" } },
    { "format", f_format, 0, { "*" } },
    { "from_json", f_from_json, 0, { NULL } },
    { "from_yaml", f_from_yaml, 0, { NULL } },
    { "hash", tpl_f_hash, 0, { "hashtype" } },
    { "indent", f_indent, 0, { "width", "first", "blank" } },
    { "int", f_int, 0, { "default", "base" } },
    { "intersect", f_intersect, 0, { "!b" } },
    { "items", f_items, F_UNDEF, { NULL } },
    { "items2dict", f_items2dict, 0, { "key_name", "value_name" } },
    { "join", f_join, 0, { "d", "attribute" } },
    { "last", f_last, F_ELEMS, { NULL } },
    { "length", f_length, F_ELEMS, { NULL } },
    { "list", f_list, F_ELEMS, { NULL } },
    { "lower", f_lower, 0, { NULL } },
    { "mandatory", f_mandatory, F_UNDEF, { "msg" } },
    { "map", f_map, F_ELEMS, { "*", "attribute", "default" } },
    { "max", f_max, 0, { "case_sensitive", "attribute" } },
    { "md5", tpl_f_md5, 0, { NULL } },
    { "min", f_min, 0, { "case_sensitive", "attribute" } },
    { "path_join", f_path_join, 0, { NULL } },
    { "product", f_product, 0, { "*" } },
    { "quote", f_quote, 0, { NULL } },
    { "regex_escape", tpl_f_regex_escape, 0, { "re_type" } },
    { "regex_findall", tpl_f_regex_findall, 0, { "!regex", "multiline", "ignorecase" } },
    { "regex_replace", tpl_f_regex_replace, 0, { "pattern", "replacement", "ignorecase",
                                             "multiline" } },
    { "regex_search", tpl_f_regex_search, 0, { "!regex", "*", "ignorecase", "multiline" } },
    { "reject", f_reject, F_ELEMS, { "*" } },
    { "rejectattr", f_rejectattr, F_ELEMS, { "*" } },
    { "replace", f_replace, 0, { "!old", "!new", "count" } },
    { "reverse", f_reverse, F_ELEMS, { NULL } },
    { "round", f_round, 0, { "precision", "method" } },
    { "safe", f_safe, 0, { NULL } },
    { "select", f_select, F_ELEMS, { "*" } },
    { "selectattr", f_selectattr, F_ELEMS, { "*" } },
    { "sha1", tpl_f_sha1, 0, { NULL } },
    { "sort", f_sort, 0, { "reverse", "case_sensitive", "attribute" } },
    { "split", f_split, 0, { "sep", "maxsplit" } },
    { "splitext", f_splitext, 0, { NULL } },
    { "string", f_string, 0, { NULL } },
    { "subelements", f_subelements, 0, { "!subelements", "skip_missing" } },
    { "sum", f_sum, 0, { "attribute", "start" } },
    { "symmetric_difference", f_symmetric_difference, 0, { "!b" } },
    { "ternary", f_ternary, 0, { "!true_val", "!false_val", "none_val" } },
    { "title", f_title, 0, { NULL } },
    { "to_json", f_to_json, 0, { "indent", "sort_keys", "ensure_ascii" } },
    { "to_nice_json", f_to_nice_json, 0, { "indent", "sort_keys", "ensure_ascii" } },
    { "to_nice_yaml", f_to_nice_yaml, 0, { "indent" } },
    { "to_yaml", f_to_yaml, 0, { "indent", "default_flow_style" } },
    { "trim", f_trim, 0, { "chars" } },
    { "type_debug", f_type_debug, 0, { NULL } },
    { "union", f_union, 0, { "!b" } },
    { "unique", f_unique, 0, { "case_sensitive", "attribute" } },
    { "upper", f_upper, 0, { NULL } },
    { "version", tpl_f_version, 0, VERSION_PARAMS },
    { "version_compare", tpl_f_version, 0, VERSION_PARAMS },
    { "zip", f_zip, 0, { "*" } },
};
const size_t tpl_nfilters = GF_ARRAY_LEN(tpl_filters);

const struct tpl_test tpl_tests[] = {
    { "!=", tpl_t_ne, 0, { "!other" } },
    { "<", tpl_t_lt, 0, { "!other" } },
    { "<=", tpl_t_le, 0, { "!other" } },
    { "==", tpl_t_eq, 0, { "!other" } },
    { ">", tpl_t_gt, 0, { "!other" } },
    { ">=", tpl_t_ge, 0, { "!other" } },
    { "all", tpl_t_all, 0, { NULL } },
    { "any", tpl_t_any, 0, { NULL } },
    { "boolean", tpl_t_boolean, 0, { NULL } },
    { "change", tpl_t_changed, 0, { NULL } },
    { "changed", tpl_t_changed, 0, { NULL } },
    { "contains", tpl_t_contains, 0, { "!value" } },
    { "defined", tpl_t_defined, F_UNDEF, { NULL } },
    { "divisibleby", tpl_t_divisibleby, 0, { "!num" } },
    { "eq", tpl_t_eq, 0, { "!other" } },
    { "equalto", tpl_t_eq, 0, { "!other" } },
    { "even", tpl_t_even, 0, { NULL } },
    { "failed", tpl_t_failed, 0, { NULL } },
    { "failure", tpl_t_failed, 0, { NULL } },
    { "false", tpl_t_false, 0, { NULL } },
    { "falsy", tpl_t_falsy, 0, { "convert_bool" } },
    { "finished", tpl_t_finished, 0, { NULL } },
    { "float", tpl_t_float, 0, { NULL } },
    { "ge", tpl_t_ge, 0, { "!other" } },
    { "greaterthan", tpl_t_gt, 0, { "!other" } },
    { "gt", tpl_t_gt, 0, { "!other" } },
    { "in", tpl_t_in, 0, { "!seq" } },
    { "integer", tpl_t_integer, 0, { NULL } },
    { "issubset", tpl_t_subset, 0, { "!b" } },
    { "issuperset", tpl_t_superset, 0, { "!b" } },
    { "iterable", tpl_t_iterable, 0, { NULL } },
    { "le", tpl_t_le, 0, { "!other" } },
    { "lessthan", tpl_t_lt, 0, { "!other" } },
    { "lower", tpl_t_lower, 0, { NULL } },
    { "lt", tpl_t_lt, 0, { "!other" } },
    { "mapping", tpl_t_mapping, 0, { NULL } },
    { "match", tpl_t_match, 0, { "pattern", "ignorecase", "multiline" } },
    { "ne", tpl_t_ne, 0, { "!other" } },
    { "none", tpl_t_none, 0, { NULL } },
    { "number", tpl_t_number, 0, { NULL } },
    { "odd", tpl_t_odd, 0, { NULL } },
    { "reachable", tpl_t_reachable, 0, { NULL } },
    { "regex", tpl_t_regex, 0, { "pattern", "ignorecase", "multiline", "match_type" } },
    { "sameas", tpl_t_sameas, 0, { "!other" } },
    { "search", tpl_t_search, 0, { "pattern", "ignorecase", "multiline" } },
    { "sequence", tpl_t_iterable, 0, { NULL } },
    { "skip", tpl_t_skipped, 0, { NULL } },
    { "skipped", tpl_t_skipped, 0, { NULL } },
    { "started", tpl_t_finished, 0, { NULL } },
    { "string", tpl_t_string, 0, { NULL } },
    { "subset", tpl_t_subset, 0, { "!b" } },
    { "succeeded", tpl_t_succeeded, 0, { NULL } },
    { "success", tpl_t_succeeded, 0, { NULL } },
    { "successful", tpl_t_succeeded, 0, { NULL } },
    { "superset", tpl_t_superset, 0, { "!b" } },
    { "true", tpl_t_true, 0, { NULL } },
    { "truthy", tpl_t_truthy, 0, { "convert_bool" } },
    { "undefined", tpl_t_undefined, F_UNDEF, { NULL } },
    { "unreachable", tpl_t_unreachable, 0, { NULL } },
    { "upper", tpl_t_upper, 0, { NULL } },
    { "version", tpl_t_version, 0, VERSION_PARAMS },
    { "version_compare", tpl_t_version, 0, VERSION_PARAMS },
};
const size_t tpl_ntests = GF_ARRAY_LEN(tpl_tests);

static const char *strip_fqcn(const char *name)
{
    if (strncmp(name, "ansible.builtin.", 16) == 0)
        return name + 16;
    if (strncmp(name, "ansible.legacy.", 15) == 0)
        return name + 15;
    return name;
}

const char *gf_tpl_filter_name(size_t i)
{
    if (i < tpl_nfilters)
        return tpl_filters[i].name;
    i -= tpl_nfilters;
    return i < tpl_nfilters_net ? tpl_filters_net[i].name : NULL;
}

const char *gf_tpl_test_name(size_t i)
{
    if (i < tpl_ntests)
        return tpl_tests[i].name;
    i -= tpl_ntests;
    return i < tpl_ntests_net ? tpl_tests_net[i].name : NULL;
}

const struct tpl_filter *tpl_find_filter(const char *name)
{
    name = strip_fqcn(name);
    for (size_t i = 0; i < tpl_nfilters; i++)
        if (strcmp(tpl_filters[i].name, name) == 0)
            return &tpl_filters[i];
    for (size_t i = 0; i < tpl_nfilters_net; i++)
        if (strcmp(tpl_filters_net[i].name, name) == 0)
            return &tpl_filters_net[i];
    return NULL;
}

const struct tpl_test *tpl_find_test(const char *name)
{
    name = strip_fqcn(name);
    for (size_t i = 0; i < tpl_ntests; i++)
        if (strcmp(tpl_tests[i].name, name) == 0)
            return &tpl_tests[i];
    for (size_t i = 0; i < tpl_ntests_net; i++)
        if (strcmp(tpl_tests_net[i].name, name) == 0)
            return &tpl_tests_net[i];
    return NULL;
}

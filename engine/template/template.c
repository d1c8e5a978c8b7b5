/*
 * template.c - the template engine's evaluator and entry points: renders a
 * compiled tree against variable scopes with Jinja2/Python semantics
 * (operators, Undefined, loops, set), templates variables lazily when they
 * are used, keeps unsafe data out of templating, converts text results as
 * Ansible does, and caches compiled templates for many hosts.
 */
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template-priv.h"

#define MAX_SEQ (64u << 20) /* largest string or list "*" may build */
#define MAX_RANGE 10000000

static struct gf_val *eval(struct rctx *r, const struct node *n);
static int render_body(struct rctx *r, const struct body *b, struct gf_buf *out);

/* ---- UTF-8 ---- */
size_t tpl_utf8_len(const char *s, size_t n)
{
    size_t k = 0;

    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80)
            k++;
    return k;
}

size_t tpl_utf8_off(const char *s, size_t n, size_t idx)
{
    size_t k = 0;

    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80) {
            if (k == idx)
                return i;
            k++;
        }
    return n;
}

/* ---- errors ---- */
static void linecol(const struct rctx *r, uint32_t pos, int *line, int *col)
{
    const char *s = r->top ? r->top->src : "";
    size_t len = r->top ? r->top->len : 0;
    const char *nl = NULL;
    int l = r->line > 0 ? r->line : 1;

    if (pos > len)
        pos = (uint32_t)len;
    for (size_t i = 0; i < pos; i++)
        if (s[i] == '\n')
            l++, nl = s + i;
    *line = l;
    *col = nl ? (int)(s + pos - nl) : (r->col > 0 ? r->col : 1) + (int)pos;
}

static void add_context(const struct rctx *r, struct gf_buf *b)
{
    if (r->depth == 0)
        return;
    gf_buf_adds(b, " (in variable ");
    for (int i = 0; i < r->depth; i++)
        gf_buf_addf(b, "%s'%s'", i ? " -> " : "", r->resolving[i]);
    gf_buf_addc(b, ')');
}

static struct gf_val *vfail(struct rctx *r, int code, uint32_t pos, int context, const char *fmt,
                            va_list ap) GF_PRINTF(5, 0);

static struct gf_val *vfail(struct rctx *r, int code, uint32_t pos, int context, const char *fmt,
                            va_list ap)
{
    struct gf_buf b = GF_BUF_INIT;
    int line, col;

    if (r->failed)
        return NULL;
    r->failed = 1;
    gf_buf_vaddf(&b, fmt, ap);
    if (context)
        add_context(r, &b);
    linecol(r, r->depth > 0 ? r->ref_pos : pos, &line, &col);
    gf_error_set(r->err, code, r->file, line, col, "%s", b.buf);
    gf_buf_release(&b);
    return NULL;
}

struct gf_val *tpl_fail(struct rctx *r, uint32_t pos, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfail(r, GF_EINVAL, pos, 1, fmt, ap);
    va_end(ap);
    return NULL;
}

static struct gf_val *fail_code(struct rctx *r, int code, uint32_t pos, const char *fmt, ...)
    GF_PRINTF(4, 5);

static struct gf_val *fail_code(struct rctx *r, int code, uint32_t pos, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfail(r, code, pos, 1, fmt, ap);
    va_end(ap);
    return NULL;
}

static struct gf_val *fail_plain(struct rctx *r, int code, uint32_t pos, const char *fmt, ...)
    GF_PRINTF(4, 5);

static struct gf_val *fail_plain(struct rctx *r, int code, uint32_t pos, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfail(r, code, pos, 0, fmt, ap);
    va_end(ap);
    return NULL;
}

struct gf_val *tpl_undef(struct rctx *r, uint32_t pos, const char *fmt, ...)
{
    struct gf_buf b = GF_BUF_INIT;
    va_list ap;

    va_start(ap, fmt);
    gf_buf_vaddf(&b, fmt, ap);
    va_end(ap);
    add_context(r, &b);
    size_t len;
    char *s = gf_buf_detach(&b, &len);
    struct gf_val *v = gf_val_str_own(s, len);
    v->flags |= TV_UNDEF;
    v->col = (int)(r->depth > 0 ? r->ref_pos : pos);
    return v;
}

struct gf_val *tpl_undef_fail(struct rctx *r, const struct gf_val *u)
{
    fail_plain(r, GF_ENOTFOUND, (uint32_t)u->col, "%s", u->u.str.s);
    r->undef_failed = 1;
    return NULL;
}

static int has_undef(const struct gf_val *v, const struct gf_val **found)
{
    if (tv_undef(v)) {
        *found = v;
        return 1;
    }
    if (v->type == GF_VAL_LIST) {
        for (size_t i = 0; i < v->u.list.n; i++)
            if (has_undef(v->u.list.v[i], found))
                return 1;
    } else if (v->type == GF_VAL_MAP) {
        for (size_t i = 0; i < v->u.map.n; i++)
            if (has_undef(v->u.map.ents[i].val, found))
                return 1;
    }
    return 0;
}

int tpl_need_def(struct rctx *r, const struct gf_val *v)
{
    const struct gf_val *u = NULL;

    if (tv_undef(v)) {
        tpl_undef_fail(r, v);
        return -1;
    }
    if (r->undef_nested && (v->type == GF_VAL_LIST || v->type == GF_VAL_MAP) &&
        has_undef(v, &u)) {
        tpl_undef_fail(r, u);
        return -1;
    }
    return 0;
}

int tpl_truth(struct rctx *r, const struct gf_val *v)
{
    if (tv_undef(v)) {
        if (v->flags & TV_LENIENT)
            return 0;
        tpl_undef_fail(r, v);
        return -1;
    }
    return gf_val_truthy(v);
}

/* ---- values ---- */
void tpl_text(const struct gf_val *v, struct gf_buf *b)
{
    switch (v->type) {
    case GF_VAL_STR:
        gf_buf_add(b, v->u.str.s, v->u.str.len);
        break;
    case GF_VAL_LIST: {
        int tuple = (v->flags & TV_TUPLE) != 0;
        gf_buf_addc(b, tuple ? '(' : '[');
        for (size_t i = 0; i < v->u.list.n; i++) {
            if (i)
                gf_buf_adds(b, ", ");
            tpl_repr(v->u.list.v[i], b);
        }
        if (tuple && v->u.list.n == 1)
            gf_buf_addc(b, ',');
        gf_buf_addc(b, tuple ? ')' : ']');
        break;
    }
    case GF_VAL_MAP:
        gf_buf_addc(b, '{');
        for (size_t i = 0; i < v->u.map.n; i++) {
            struct gf_val key;
            memset(&key, 0, sizeof(key));
            key.type = GF_VAL_STR;
            key.u.str.s = v->u.map.ents[i].key;
            key.u.str.len = strlen(key.u.str.s);
            if (i)
                gf_buf_adds(b, ", ");
            tpl_repr(&key, b);
            gf_buf_adds(b, ": ");
            tpl_repr(v->u.map.ents[i].val, b);
        }
        gf_buf_addc(b, '}');
        break;
    default:
        gf_val_to_text(v, b);
    }
}

const char *tpl_pytype(const struct gf_val *v)
{
    static const char *names[] = { "NoneType", "bool", "int", "float", "str", "list", "dict" };

    if (tv_undef(v))
        return "AnsibleUndefined";
    if (v->type == GF_VAL_LIST && (v->flags & TV_TUPLE))
        return "tuple";
    return names[v->type];
}

const char *tpl_objdesc(const struct gf_val *v)
{
    static const char *names[] = { "None", "bool object", "int object", "float object",
                                   "str object", "list object", "dict object" };

    return names[v->type];
}

static struct gf_val *const_val(const struct node *n)
{
    switch (n->u.c.type) {
    case GF_VAL_NULL:
        return gf_val_null();
    case GF_VAL_BOOL:
        return gf_val_bool((int)n->u.c.i);
    case GF_VAL_INT:
        return gf_val_int(n->u.c.i);
    case GF_VAL_FLOAT:
        return gf_val_float(n->u.c.f);
    default:
        return gf_val_strn(n->u.c.s, n->u.c.len);
    }
}

/* The first map key equal to the text of a non-string key. */
static struct gf_val *map_get_key(const struct gf_val *m, const struct gf_val *key)
{
    if (key->type == GF_VAL_STR)
        return gf_val_map_get(m, key->u.str.s);
    if (key->type == GF_VAL_LIST || key->type == GF_VAL_MAP)
        return NULL;
    struct gf_buf b = GF_BUF_INIT;
    gf_val_to_text(key, &b);
    struct gf_val *v = gf_val_map_get(m, b.buf);
    gf_buf_release(&b);
    return v;
}

struct gf_val *tpl_getattr(struct rctx *r, struct gf_val *obj, const char *name, uint32_t pos)
{
    if (tv_undef(obj))
        return gf_val_ref(obj);
    if (obj->type == GF_VAL_MAP) {
        struct gf_val *v = gf_val_map_get(obj, name);
        if (v)
            return gf_val_ref(v);
    }
    return tpl_undef(r, pos, "'%s' has no attribute '%s'", tpl_objdesc(obj), name);
}

struct gf_val *tpl_getitem(struct rctx *r, struct gf_val *obj, struct gf_val *key, uint32_t pos)
{
    if (tv_undef(obj))
        return gf_val_ref(obj);
    if (tpl_need_def(r, key) < 0)
        return NULL;
    if (obj->type == GF_VAL_MAP) {
        struct gf_val *v = map_get_key(obj, key);
        if (v)
            return gf_val_ref(v);
    } else if ((obj->type == GF_VAL_LIST || obj->type == GF_VAL_STR) &&
               (key->type == GF_VAL_INT || key->type == GF_VAL_BOOL)) {
        long long i = key->type == GF_VAL_INT ? key->u.i : key->u.b;
        long long n = obj->type == GF_VAL_LIST ? (long long)obj->u.list.n
                    : (long long)tpl_utf8_len(obj->u.str.s, obj->u.str.len);
        if (i < 0)
            i += n;
        if (i >= 0 && i < n) {
            if (obj->type == GF_VAL_LIST)
                return gf_val_ref(obj->u.list.v[i]);
            size_t a = tpl_utf8_off(obj->u.str.s, obj->u.str.len, (size_t)i);
            size_t b = tpl_utf8_off(obj->u.str.s, obj->u.str.len, (size_t)i + 1);
            return gf_val_strn(obj->u.str.s + a, b - a);
        }
    }
    if (key->type == GF_VAL_STR)
        return tpl_undef(r, pos, "'%s' has no attribute '%s'", tpl_objdesc(obj), key->u.str.s);
    struct gf_buf b = GF_BUF_INIT;
    tpl_text(key, &b);
    struct gf_val *u = tpl_undef(r, pos, "%s has no element %s", tpl_objdesc(obj), b.buf);
    gf_buf_release(&b);
    return u;
}

/* Python slice indices for a sequence of length n. */
static void slice_range(long long n, const struct gf_val *a, const struct gf_val *b, long long step,
                        long long *start, long long *stop)
{
    long long lo = step < 0 ? -1 : 0, hi = step < 0 ? n - 1 : n;

    if (a == NULL) {
        *start = step < 0 ? hi : lo;
    } else {
        *start = a->u.i < 0 ? a->u.i + n : a->u.i;
        *start = *start < lo ? lo : *start > hi ? hi : *start;
    }
    if (b == NULL) {
        *stop = step < 0 ? lo : hi;
    } else {
        *stop = b->u.i < 0 ? b->u.i + n : b->u.i;
        *stop = *stop < lo ? lo : *stop > hi ? hi : *stop;
    }
}

static struct gf_val *do_slice(struct rctx *r, struct gf_val *obj, struct gf_val *parts[3],
                               uint32_t pos)
{
    long long step = 1, start, stop;

    for (int i = 0; i < 3; i++)
        if (parts[i] && parts[i]->type == GF_VAL_NULL)
            parts[i] = NULL;
        else if (parts[i] && parts[i]->type != GF_VAL_INT)
            return tpl_fail(r, pos, "slice indices must be integers or None");
    if (parts[2])
        step = parts[2]->u.i;
    if (step == 0)
        return tpl_fail(r, pos, "slice step cannot be zero");
    if (obj->type == GF_VAL_LIST) {
        struct gf_val *l = gf_val_list();
        slice_range((long long)obj->u.list.n, parts[0], parts[1], step, &start, &stop);
        for (long long i = start; step > 0 ? i < stop : i > stop; i += step)
            gf_val_list_push(l, gf_val_ref(obj->u.list.v[i]));
        return l;
    }
    if (obj->type == GF_VAL_STR) {
        const char *s = obj->u.str.s;
        size_t n = obj->u.str.len, cps = tpl_utf8_len(s, n);
        struct gf_buf b = GF_BUF_INIT;
        slice_range((long long)cps, parts[0], parts[1], step, &start, &stop);
        if (step == 1 && cps == n) {
            if (stop > start)
                gf_buf_add(&b, s + start, (size_t)(stop - start));
        } else {
            for (long long i = start; step > 0 ? i < stop : i > stop; i += step) {
                size_t a = tpl_utf8_off(s, n, (size_t)i), e = tpl_utf8_off(s, n, (size_t)i + 1);
                gf_buf_add(&b, s + a, e - a);
            }
        }
        size_t len;
        char *t = gf_buf_detach(&b, &len);
        return gf_val_str_own(t, len);
    }
    return tpl_undef(r, pos, "%s has no element slice", tpl_objdesc(obj));
}

/* ---- equality, ordering, membership ---- */
int tpl_equal(struct rctx *r, const struct gf_val *a, const struct gf_val *b, uint32_t pos)
{
    (void)pos;
    if (tpl_need_def(r, a) < 0 || tpl_need_def(r, b) < 0)
        return -1;
    return gf_val_equal(a, b);
}

static int is_num(const struct gf_val *v)
{
    return v->type == GF_VAL_INT || v->type == GF_VAL_FLOAT || v->type == GF_VAL_BOOL;
}

static double num_f(const struct gf_val *v)
{
    return v->type == GF_VAL_FLOAT ? v->u.f : v->type == GF_VAL_INT ? (double)v->u.i : v->u.b;
}

static long long num_i(const struct gf_val *v)
{
    return v->type == GF_VAL_INT ? v->u.i : v->u.b;
}

int tpl_compare(const struct gf_val *a, const struct gf_val *b, int *bad)
{
    if (is_num(a) && is_num(b)) {
        if (a->type != GF_VAL_FLOAT && b->type != GF_VAL_FLOAT) {
            long long x = num_i(a), y = num_i(b);
            return x < y ? -1 : x > y;
        }
        double x = num_f(a), y = num_f(b);
        return x < y ? -1 : x > y;
    }
    if (a->type == GF_VAL_STR && b->type == GF_VAL_STR) {
        size_t n = a->u.str.len < b->u.str.len ? a->u.str.len : b->u.str.len;
        int c = memcmp(a->u.str.s, b->u.str.s, n);
        if (c)
            return c < 0 ? -1 : 1;
        return a->u.str.len < b->u.str.len ? -1 : a->u.str.len > b->u.str.len;
    }
    if (a->type == GF_VAL_LIST && b->type == GF_VAL_LIST) {
        size_t n = a->u.list.n < b->u.list.n ? a->u.list.n : b->u.list.n;
        for (size_t i = 0; i < n; i++)
            if (!gf_val_equal(a->u.list.v[i], b->u.list.v[i]))
                return tpl_compare(a->u.list.v[i], b->u.list.v[i], bad);
        return a->u.list.n < b->u.list.n ? -1 : a->u.list.n > b->u.list.n;
    }
    *bad = 1;
    return 0;
}

int tpl_contains(struct rctx *r, const struct gf_val *c, const struct gf_val *x, uint32_t pos)
{
    if (tpl_need_def(r, c) < 0 || tpl_need_def(r, x) < 0)
        return -1;
    switch (c->type) {
    case GF_VAL_STR:
        if (x->type != GF_VAL_STR) {
            tpl_fail(r, pos, "'in <string>' requires string as left operand, not %s",
                     tpl_pytype(x));
            return -1;
        }
        return x->u.str.len == 0 ||
               memmem(c->u.str.s, c->u.str.len, x->u.str.s, x->u.str.len) != NULL;
    case GF_VAL_LIST:
        for (size_t i = 0; i < c->u.list.n; i++)
            if (gf_val_equal(c->u.list.v[i], x))
                return 1;
        return 0;
    case GF_VAL_MAP:
        return map_get_key(c, x) != NULL;
    default:
        tpl_fail(r, pos, "argument of type '%s' is not iterable", tpl_pytype(c));
        return -1;
    }
}

/* ---- arithmetic ---- */
static struct gf_val *type_error(struct rctx *r, const char *op, const struct gf_val *a,
                                 const struct gf_val *b, uint32_t pos)
{
    return tpl_fail(r, pos, "unsupported operand type(s) for %s: '%s' and '%s'", op,
                    tpl_pytype(a), tpl_pytype(b));
}

static struct gf_val *repeat(struct rctx *r, const struct gf_val *seq, long long k, uint32_t pos)
{
    size_t unit = seq->type == GF_VAL_STR ? seq->u.str.len : seq->u.list.n;

    if (k < 0 || unit == 0) /* "" * 10**18 is "", at once */
        k = 0;
    if (unit && (unsigned long long)k > MAX_SEQ / unit)
        return tpl_fail(r, pos, "result of '*' is too large");
    if (seq->type == GF_VAL_STR) {
        size_t len = unit * (size_t)k, have = unit;
        char *s = gf_xmalloc(len + 1);
        if (len) /* the first copy, then doubling: log2(k) copies, not k */
            memcpy(s, seq->u.str.s, unit);
        while (have < len) {
            size_t n = have < len - have ? have : len - have;
            memcpy(s + have, s, n);
            have += n;
        }
        s[len] = '\0';
        return gf_val_str_own(s, len);
    }
    struct gf_val *l = gf_val_list();
    for (long long i = 0; i < k; i++)
        for (size_t j = 0; j < unit; j++)
            gf_val_list_push(l, gf_val_ref(seq->u.list.v[j]));
    return l;
}

static long long floordiv_ll(long long a, long long b)
{
    long long q = a / b;

    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

struct gf_val *tpl_arith(struct rctx *r, int op, struct gf_val *a, struct gf_val *b,
                         uint32_t pos)
{
    static const char *const names[] = { "+", "-", "*", "/", "//", "%", "**", "~" };

    if (tpl_need_def(r, a) < 0 || tpl_need_def(r, b) < 0)
        return NULL;
    if (op == OP_CONCAT) {
        struct gf_buf t = GF_BUF_INIT;
        tpl_text(a, &t);
        tpl_text(b, &t);
        size_t len;
        char *s = gf_buf_detach(&t, &len);
        return gf_val_str_own(s, len);
    }
    if (is_num(a) && is_num(b)) {
        int ints = a->type != GF_VAL_FLOAT && b->type != GF_VAL_FLOAT;
        long long x = ints ? num_i(a) : 0, y = ints ? num_i(b) : 0, z;
        double fx = num_f(a), fy = num_f(b);
        switch (op) {
        case OP_ADD:
            if (!ints)
                return gf_val_float(fx + fy);
            if (__builtin_add_overflow(x, y, &z))
                return tpl_fail(r, pos, "integer overflow");
            return gf_val_int(z);
        case OP_SUB:
            if (!ints)
                return gf_val_float(fx - fy);
            if (__builtin_sub_overflow(x, y, &z))
                return tpl_fail(r, pos, "integer overflow");
            return gf_val_int(z);
        case OP_MUL:
            if (!ints)
                return gf_val_float(fx * fy);
            if (__builtin_mul_overflow(x, y, &z))
                return tpl_fail(r, pos, "integer overflow");
            return gf_val_int(z);
        case OP_DIV:
            if (fy == 0)
                return tpl_fail(r, pos, "division by zero");
            return gf_val_float(fx / fy);
        case OP_FLOORDIV:
            if (fy == 0)
                return tpl_fail(r, pos, ints ? "integer division or modulo by zero"
                                             : "float floor division by zero");
            if (ints) {
                if (x == LLONG_MIN && y == -1)
                    return tpl_fail(r, pos, "integer overflow");
                return gf_val_int(floordiv_ll(x, y));
            }
            return gf_val_float(floor(fx / fy));
        case OP_MOD:
            if (fy == 0)
                return tpl_fail(r, pos, ints ? "integer division or modulo by zero"
                                             : "float modulo");
            if (ints) {
                if (y == -1)
                    return gf_val_int(0);
                long long m = x % y;
                if (m != 0 && ((m < 0) != (y < 0)))
                    m += y;
                return gf_val_int(m);
            } else {
                double m = fmod(fx, fy);
                if (m != 0 && ((m < 0) != (fy < 0)))
                    m += fy;
                return gf_val_float(m);
            }
        case OP_POW:
            if (ints && y >= 0) {
                long long res = 1, base = x;
                for (long long e = y; e > 0; e >>= 1) {
                    if ((e & 1) && __builtin_mul_overflow(res, base, &res))
                        return tpl_fail(r, pos, "integer overflow");
                    if (e > 1 && __builtin_mul_overflow(base, base, &base))
                        return tpl_fail(r, pos, "integer overflow");
                }
                return gf_val_int(res);
            }
            if (fx == 0 && fy < 0)
                return tpl_fail(r, pos, "0.0 cannot be raised to a negative power");
            return gf_val_float(pow(fx, fy));
        }
    }
    if (op == OP_ADD && a->type == b->type && a->type == GF_VAL_STR) {
        size_t n = a->u.str.len + b->u.str.len;
        char *s = gf_xmalloc(n + 1);
        memcpy(s, a->u.str.s, a->u.str.len);
        memcpy(s + a->u.str.len, b->u.str.s, b->u.str.len);
        s[n] = '\0';
        return gf_val_str_own(s, n);
    }
    if (op == OP_ADD && a->type == b->type && a->type == GF_VAL_LIST) {
        struct gf_val *l = gf_val_list();
        for (size_t i = 0; i < a->u.list.n; i++)
            gf_val_list_push(l, gf_val_ref(a->u.list.v[i]));
        for (size_t i = 0; i < b->u.list.n; i++)
            gf_val_list_push(l, gf_val_ref(b->u.list.v[i]));
        return l;
    }
    if (op == OP_MUL) {
        if ((a->type == GF_VAL_STR || a->type == GF_VAL_LIST) &&
            (b->type == GF_VAL_INT || b->type == GF_VAL_BOOL))
            return repeat(r, a, num_i(b), pos);
        if ((b->type == GF_VAL_STR || b->type == GF_VAL_LIST) &&
            (a->type == GF_VAL_INT || a->type == GF_VAL_BOOL))
            return repeat(r, b, num_i(a), pos);
    }
    if (op == OP_MOD && a->type == GF_VAL_STR) {
        struct gf_buf t = GF_BUF_INIT;
        if (tpl_py_format(r, a->u.str.s, a->u.str.len, b, &t, pos) < 0) {
            gf_buf_release(&t);
            return NULL;
        }
        size_t len;
        char *s = gf_buf_detach(&t, &len);
        return gf_val_str_own(s, len);
    }
    return type_error(r, op >= 0 && op < 8 ? names[op] : "?", a, b, pos);
}

static int compare_op(struct rctx *r, int op, struct gf_val *a, struct gf_val *b, uint32_t pos)
{
    static const char *const names[] = { "==", "!=", "<", "<=", ">", ">=" };
    int bad = 0, c;

    switch (op) {
    case CMP_EQ:
    case CMP_NE: {
        int e = tpl_equal(r, a, b, pos);
        return e < 0 ? -1 : op == CMP_EQ ? e : !e;
    }
    case CMP_IN:
    case CMP_NOTIN: {
        int e = tpl_contains(r, b, a, pos);
        return e < 0 ? -1 : op == CMP_IN ? e : !e;
    }
    default:
        if (tpl_need_def(r, a) < 0 || tpl_need_def(r, b) < 0)
            return -1;
        c = tpl_compare(a, b, &bad);
        if (bad) {
            tpl_fail(r, pos, "'%s' not supported between instances of '%s' and '%s'",
                     names[op], tpl_pytype(a), tpl_pytype(b));
            return -1;
        }
        return op == CMP_LT ? c < 0 : op == CMP_LE ? c <= 0 : op == CMP_GT ? c > 0 : c >= 0;
    }
}

/* ---- locals ---- */
static struct local *find_local(const struct rctx *r, const char *name)
{
    for (struct frame *f = r->frame; f; f = f->up)
        for (size_t i = f->n; i-- > 0;)
            if (strcmp(f->v[i].name, name) == 0)
                return &f->v[i];
    return NULL;
}

/* Sets name in frame f, taking the reference to v (v NULL: a loop object). */
static void frame_set(struct frame *f, const char *name, struct gf_val *v, struct loopstate *ls)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->v[i].name, name) == 0) {
            gf_val_unref(f->v[i].val);
            f->v[i].val = v;
            f->v[i].loop = ls;
            return;
        }
    if (f->n == f->alloc) {
        f->alloc = f->alloc ? 2 * f->alloc : 8;
        f->v = gf_xrealloc(f->v, f->alloc * sizeof(*f->v));
    }
    f->v[f->n].name = name;
    f->v[f->n].val = v;
    f->v[f->n].loop = ls;
    f->n++;
}

static void frame_clear(struct frame *f)
{
    for (size_t i = 0; i < f->n; i++)
        gf_val_unref(f->v[i].val);
    f->n = 0;
}

static void frame_release(struct frame *f)
{
    frame_clear(f);
    free(f->v);
    f->v = NULL;
    f->alloc = 0;
}

/* ---- variables ---- */
struct gf_val *tpl_scope_get(const struct gf_tpl_scope *s, const char *name)
{
    for (; s; s = s->parent)
        if (s->lookup) {
            struct gf_val *v = s->lookup(s->ctx, name);
            if (v)
                return v;
        }
    return NULL;
}

static struct gf_val *map_scope_lookup(void *ctx, const char *name)
{
    return gf_val_map_get(ctx, name);
}

static void map_scope_names(void *ctx, void (*fn)(const char *name, void *arg), void *arg)
{
    const struct gf_val *m = ctx;

    for (size_t i = 0; m && m->type == GF_VAL_MAP && i < m->u.map.n; i++)
        fn(m->u.map.ents[i].key, arg);
}

void gf_tpl_scope_map(struct gf_tpl_scope *s, const struct gf_val *vars,
                      const struct gf_tpl_scope *parent)
{
    s->names = map_scope_names;
    s->lookup = map_scope_lookup;
    s->ctx = (void *)vars;
    s->parent = parent;
}

int gf_tpl_is_template(const char *s, size_t len)
{
    const char *p = s, *end = s + len;

    while (p + 1 < end && (p = memchr(p, '{', (size_t)(end - p - 1))) != NULL) {
        if (p[1] == '{' || p[1] == '%' || p[1] == '#')
            return 1;
        p++;
    }
    return 0;
}

static int needs_tpl(const struct gf_val *v)
{
    if (v->flags & GF_VAL_UNSAFE)
        return 0;
    switch (v->type) {
    case GF_VAL_STR:
        return gf_tpl_is_template(v->u.str.s, v->u.str.len);
    case GF_VAL_LIST:
        for (size_t i = 0; i < v->u.list.n; i++)
            if (needs_tpl(v->u.list.v[i]))
                return 1;
        return 0;
    case GF_VAL_MAP:
        for (size_t i = 0; i < v->u.map.n; i++)
            if (needs_tpl(v->u.map.ents[i].val))
                return 1;
        return 0;
    default:
        return 0;
    }
}

/* The compiled form of a playbook string: from the cache when there is one
 * (then *owned = NULL), else compiled here (*owned to free). */
static const struct gf_tpl *get_tpl(const struct gf_tpl_opts *opts, const char *s, size_t n,
                                    int expr, unsigned flags, struct gf_tpl **owned,
                                    struct gf_error *err)
{
    struct gf_tpl_opts o = opts ? *opts : (struct gf_tpl_opts){ 0 };
    const struct gf_tpl *t = NULL;

    o.flags = flags;
    *owned = NULL;
    if (o.cache) {
        if (gf_tpl_cache_get(o.cache, s, n, expr, &o, &t, err) < 0)
            return NULL;
        return t;
    }
    if ((expr ? gf_tpl_compile_expr : gf_tpl_compile)(s, n, &o, owned, err) < 0)
        return NULL;
    return *owned;
}

static struct gf_val *value_of(struct rctx *r, const struct gf_tpl *t, int convert);

/* Templates one variable string; errors get the variable's context. */
static struct gf_val *tpl_string(struct rctx *r, const struct gf_val *v)
{
    struct gf_error cerr = GF_ERROR_INIT;
    struct gf_tpl *owned = NULL;
    const struct gf_tpl *t = get_tpl(r->opts, v->u.str.s, v->u.str.len, 0, 0, &owned, &cerr);

    if (t == NULL) {
        fail_code(r, cerr.code, 0, "%s", cerr.msg ? cerr.msg : "template error");
        gf_error_clear(&cerr);
        return NULL;
    }
    struct gf_val *res = value_of(r, t, 1);
    gf_tpl_free(owned);
    return res;
}

/* Templates every string in v that holds a template; shares what it can. */
static struct gf_val *deep(struct rctx *r, struct gf_val *v)
{
    struct gf_val *out = NULL;

    if (v->flags & GF_VAL_UNSAFE) {
        r->tainted = 1;
        return gf_val_ref(v);
    }
    switch (v->type) {
    case GF_VAL_STR:
        if (!gf_tpl_is_template(v->u.str.s, v->u.str.len))
            return gf_val_ref(v);
        return tpl_string(r, v);
    case GF_VAL_LIST:
        for (size_t i = 0; i < v->u.list.n; i++) {
            struct gf_val *c = deep(r, v->u.list.v[i]);
            if (c == NULL) {
                gf_val_unref(out);
                return NULL;
            }
            if (out == NULL && c != v->u.list.v[i]) {
                out = gf_val_list();
                for (size_t j = 0; j < i; j++)
                    gf_val_list_push(out, gf_val_ref(v->u.list.v[j]));
            }
            if (out)
                gf_val_list_push(out, c);
            else
                gf_val_unref(c);
        }
        return out ? out : gf_val_ref(v);
    case GF_VAL_MAP:
        for (size_t i = 0; i < v->u.map.n; i++) {
            struct gf_val *c = deep(r, v->u.map.ents[i].val);
            if (c == NULL) {
                gf_val_unref(out);
                return NULL;
            }
            if (out == NULL && c != v->u.map.ents[i].val) {
                out = gf_val_map();
                for (size_t j = 0; j < i; j++)
                    gf_val_map_set(out, v->u.map.ents[j].key, gf_val_ref(v->u.map.ents[j].val));
            }
            if (out)
                gf_val_map_set(out, v->u.map.ents[i].key, c);
            else
                gf_val_unref(c);
        }
        return out ? out : gf_val_ref(v);
    default:
        return gf_val_ref(v);
    }
}

struct gf_val *tpl_lazy(struct rctx *r, struct gf_val *v, const char *name, uint32_t pos)
{
    if (v->flags & GF_VAL_UNSAFE) {
        r->tainted = 1;
        return gf_val_ref(v);
    }
    if (!needs_tpl(v))
        return gf_val_ref(v);
    for (int i = 0; i < r->depth; i++)
        if (strcmp(r->resolving[i], name) == 0) {
            struct gf_buf b = GF_BUF_INIT;
            for (int j = i; j < r->depth; j++)
                gf_buf_addf(&b, "'%s' -> ", r->resolving[j]);
            gf_buf_addf(&b, "'%s'", name);
            fail_plain(r, GF_EINVAL, pos, "recursive loop detected in template: %s", b.buf);
            gf_buf_release(&b);
            return NULL;
        }
    if (r->depth >= GF_TPL_MAX_DEPTH)
        return fail_plain(r, GF_EINVAL, pos, "template recursion depth exceeded (%d variables "
                          "referencing variables, from '%s')", GF_TPL_MAX_DEPTH,
                          r->resolving[0]);
    if (r->depth == 0)
        r->ref_pos = pos;
    r->resolving[r->depth++] = name;
    struct frame *saved = r->frame;
    r->frame = NULL;
    struct gf_val *res = deep(r, v);
    r->frame = saved;
    r->depth--;
    if (res == NULL && r->undef_failed) {
        /* As Ansible: a variable whose template uses something undefined is
         * itself undefined (so "default" and "is defined" still work). */
        struct gf_error *e = r->err;
        res = gf_val_str(e->msg ? e->msg : "undefined variable");
        res->flags |= TV_UNDEF;
        res->col = (int)(r->depth > 0 ? r->ref_pos : pos);
        gf_error_clear(e);
        r->failed = 0;
        r->undef_failed = 0;
    }
    return res;
}

/* ---- loop object ---- */
static struct gf_val *loop_attr(struct rctx *r, const struct loopstate *ls, const char *a,
                                uint32_t pos)
{
    size_t i = ls->index0, n = ls->length;

    if (strcmp(a, "index") == 0)
        return gf_val_int((long long)i + 1);
    if (strcmp(a, "index0") == 0)
        return gf_val_int((long long)i);
    if (strcmp(a, "revindex") == 0)
        return gf_val_int((long long)(n - i));
    if (strcmp(a, "revindex0") == 0)
        return gf_val_int((long long)(n - i - 1));
    if (strcmp(a, "first") == 0)
        return gf_val_bool(i == 0);
    if (strcmp(a, "last") == 0)
        return gf_val_bool(i + 1 == n);
    if (strcmp(a, "length") == 0)
        return gf_val_int((long long)n);
    if (strcmp(a, "depth") == 0)
        return gf_val_int(1);
    if (strcmp(a, "depth0") == 0)
        return gf_val_int(0);
    if (strcmp(a, "previtem") == 0)
        return i > 0 ? gf_val_ref(ls->items->u.list.v[i - 1])
                     : tpl_undef(r, pos, "there is no previous item");
    if (strcmp(a, "nextitem") == 0)
        return i + 1 < n ? gf_val_ref(ls->items->u.list.v[i + 1])
                         : tpl_undef(r, pos, "there is no next item");
    return tpl_undef(r, pos, "'LoopContext' has no attribute '%s'", a);
}

/* ---- names and access chains ---- */
/* Evaluates a variable, attribute or item chain. Values read from the scope
 * are not templated on the way down: *raw says the result still must be. */
static struct gf_val *eval_ref(struct rctx *r, const struct node *n, int *raw, const char **root)
{
    struct gf_val *obj, *res;
    int oraw = 0;

    switch (n->kind) {
    case N_NAME: {
        const char *name = n->u.name.name;
        struct local *l = find_local(r, name);
        *root = name;
        *raw = 0;
        if (l) {
            if (l->loop)
                return tpl_fail(r, n->pos, "the loop object cannot be used as a value");
            return gf_val_ref(l->val);
        }
        if (r->cache.n && (res = gf_map_get(&r->cache, name)) != NULL)
            return gf_val_ref(res);
        struct gf_val *v = tpl_scope_get(r->scope, name);
        if (v == NULL)
            return tpl_undef(r, n->pos, "undefined variable '%s'", name);
        if (v->flags & GF_VAL_UNSAFE)
            r->tainted = 1;
        else
            *raw = 1;
        return gf_val_ref(v);
    }
    case N_GETATTR:
    case N_GETITEM: {
        const struct node *on = n->kind == N_GETATTR ? n->u.attr.obj : n->u.item.obj;
        if (n->kind == N_GETATTR && on->kind == N_NAME) {
            struct local *l = find_local(r, on->u.name.name);
            if (l && l->loop) {
                *raw = 0;
                *root = "loop";
                return loop_attr(r, l->loop, n->u.attr.name, n->pos);
            }
        }
        obj = eval_ref(r, on, &oraw, root);
        if (obj == NULL)
            return NULL;
        if (oraw && obj->type == GF_VAL_STR && needs_tpl(obj)) {
            struct gf_val *t = tpl_lazy(r, obj, *root, n->pos);
            gf_val_unref(obj);
            if ((obj = t) == NULL)
                return NULL;
            oraw = 0;
        }
        if (n->kind == N_GETATTR) {
            res = tpl_getattr(r, obj, n->u.attr.name, n->pos);
        } else {
            struct gf_val *key = eval(r, n->u.item.idx);
            res = key ? tpl_getitem(r, obj, key, n->pos) : NULL;
            gf_val_unref(key);
        }
        gf_val_unref(obj);
        if (res && (res->flags & GF_VAL_UNSAFE)) {
            r->tainted = 1;
            oraw = 0;
        }
        *raw = oraw;
        return res;
    }
    default:
        *raw = 0;
        return eval(r, n);
    }
}

static struct gf_val *eval_access(struct rctx *r, const struct node *n)
{
    int raw = 0;
    const char *root = NULL;
    struct gf_val *v = eval_ref(r, n, &raw, &root);

    if (v == NULL || !raw)
        return v;
    struct gf_val *t = tpl_lazy(r, v, root, n->pos);
    /* Whole variables that needed a scan are kept for the rest of the call. */
    if (t && n->kind == N_NAME && (t != v || v->type == GF_VAL_LIST || v->type == GF_VAL_MAP) &&
        !tv_undef(t))
        gf_val_unref(gf_map_set(&r->cache, n->u.name.name, gf_val_ref(t)));
    gf_val_unref(v);
    return t;
}

/* ---- calls ---- */
struct argv {
    struct gf_val **pos, **kw;
    size_t npos, nkw;
};

static void argv_release(struct argv *a)
{
    for (size_t i = 0; i < a->npos; i++)
        gf_val_unref(a->pos[i]);
    for (size_t i = 0; i < a->nkw; i++)
        gf_val_unref(a->kw[i]);
    free(a->pos);
    free(a->kw);
}

static int eval_args(struct rctx *r, const struct args *a, struct argv *out)
{
    out->pos = gf_xcalloc(a->npos + 1, sizeof(*out->pos));
    out->kw = gf_xcalloc(a->nkw + 1, sizeof(*out->kw));
    out->npos = out->nkw = 0;
    for (size_t i = 0; i < a->npos; i++) {
        if ((out->pos[i] = eval(r, a->pos[i])) == NULL)
            return -1;
        out->npos++;
    }
    for (size_t i = 0; i < a->nkw; i++) {
        if ((out->kw[i] = eval(r, a->kw[i])) == NULL)
            return -1;
        out->nkw++;
    }
    return 0;
}

static int bind(struct rctx *r, const char *what, const char *name,
                const char *const params[TPL_MAX_PARAMS], struct gf_val **pos, size_t npos,
                const char *const *kwname, struct gf_val **kw, size_t nkw, struct fargs *fa,
                uint32_t at)
{
    size_t np = 0, star = TPL_MAX_PARAMS;

    memset(fa, 0, sizeof(*fa));
    fa->name = name;
    fa->pos = at;
    while (np < TPL_MAX_PARAMS && params[np]) {
        if (strcmp(params[np], "*") == 0 && star == TPL_MAX_PARAMS)
            star = np;
        np++;
    }
    size_t fixed = star < np ? star : np;
    for (size_t i = 0; i < npos; i++) {
        if (i < fixed) {
            fa->a[i] = pos[i];
        } else if (star < np) {
            fa->rest = pos + i;
            fa->nrest = npos - i;
            break;
        } else {
            tpl_fail(r, at, "%s '%s' got too many arguments (%zu, at most %zu)", what, name,
                     npos, fixed);
            return -1;
        }
    }
    for (size_t k = 0; k < nkw; k++) {
        size_t i;
        for (i = 0; i < np; i++) {
            const char *p = params[i][0] == '!' ? params[i] + 1 : params[i];
            if (strcmp(p, kwname[k]) == 0 && i != star)
                break;
        }
        if (i == np) {
            tpl_fail(r, at, "%s '%s' got an unexpected keyword argument '%s'", what, name,
                     kwname[k]);
            return -1;
        }
        if (fa->a[i]) {
            tpl_fail(r, at, "%s '%s' got multiple values for argument '%s'", what, name,
                     kwname[k]);
            return -1;
        }
        fa->a[i] = kw[k];
    }
    for (size_t i = 0; i < np; i++)
        if (params[i][0] == '!' && fa->a[i] == NULL) {
            tpl_fail(r, at, "%s '%s' is missing the argument '%s'", what, name, params[i] + 1);
            return -1;
        }
    return 0;
}

static int check_args(struct rctx *r, unsigned flags, struct gf_val *in, struct argv *a)
{
    if (!(flags & F_UNDEF) && tv_undef(in)) {
        tpl_undef_fail(r, in);
        return -1;
    }
    if (!(flags & (F_UNDEF | F_ELEMS)) && tpl_need_def(r, in) < 0)
        return -1;
    if (flags & F_ARGUNDEF)
        return 0;
    for (size_t i = 0; i < a->npos; i++)
        if (tpl_need_def(r, a->pos[i]) < 0)
            return -1;
    for (size_t i = 0; i < a->nkw; i++)
        if (tpl_need_def(r, a->kw[i]) < 0)
            return -1;
    return 0;
}

struct gf_val *tpl_call_filter(struct rctx *r, const struct tpl_filter *f, struct gf_val *in,
                               struct gf_val **argv, size_t argc, uint32_t pos)
{
    struct argv a = { argv, NULL, argc, 0 };
    struct fargs fa;

    if (check_args(r, f->flags, in, &a) < 0 ||
        bind(r, "filter", f->name, f->params, argv, argc, NULL, NULL, 0, &fa, pos) < 0)
        return NULL;
    return f->fn(r, in, &fa);
}

int tpl_call_test(struct rctx *r, const struct tpl_test *t, struct gf_val *in,
                  struct gf_val **argv, size_t argc, uint32_t pos)
{
    struct argv a = { argv, NULL, argc, 0 };
    struct fargs fa;

    if (check_args(r, t->flags, in, &a) < 0 ||
        bind(r, "test", t->name, t->params, argv, argc, NULL, NULL, 0, &fa, pos) < 0)
        return -1;
    return t->fn(r, in, &fa);
}

static struct gf_val *eval_filter(struct rctx *r, const struct node *n)
{
    const struct tpl_filter *f = n->u.call.f;
    struct gf_val *in = eval(r, n->u.call.in), *res = NULL;
    struct argv a = { NULL, NULL, 0, 0 };
    struct fargs fa;

    if (in == NULL)
        return NULL;
    if (eval_args(r, &n->u.call.args, &a) == 0 && check_args(r, f->flags, in, &a) == 0 &&
        bind(r, "filter", n->u.call.name, f->params, a.pos, a.npos, n->u.call.args.kwname,
             a.kw, a.nkw, &fa, n->pos) == 0)
        res = f->fn(r, in, &fa);
    argv_release(&a);
    gf_val_unref(in);
    return res;
}

static int eval_test(struct rctx *r, const struct node *n)
{
    const struct tpl_test *t = n->u.call.t;
    struct gf_val *in = eval(r, n->u.call.in);
    struct argv a = { NULL, NULL, 0, 0 };
    struct fargs fa;
    int res = -1;

    if (in == NULL)
        return -1;
    if (eval_args(r, &n->u.call.args, &a) == 0 && check_args(r, t->flags, in, &a) == 0 &&
        bind(r, "test", n->u.call.name, t->params, a.pos, a.npos, n->u.call.args.kwname,
             a.kw, a.nkw, &fa, n->pos) == 0)
        res = t->fn(r, in, &fa);
    argv_release(&a);
    gf_val_unref(in);
    if (res >= 0 && n->u.call.negate)
        res = !res;
    return res;
}

static struct gf_val *fn_range(struct rctx *r, struct argv *a, uint32_t pos)
{
    long long v[3] = { 0, 0, 1 };

    if (a->nkw || a->npos < 1 || a->npos > 3)
        return tpl_fail(r, pos, "range expected 1 to 3 integer arguments");
    for (size_t i = 0; i < a->npos; i++) {
        if (tpl_need_def(r, a->pos[i]) < 0)
            return NULL;
        if (a->pos[i]->type != GF_VAL_INT && a->pos[i]->type != GF_VAL_BOOL)
            return tpl_fail(r, pos, "'%s' object cannot be interpreted as an integer",
                            tpl_pytype(a->pos[i]));
    }
    if (a->npos == 1) {
        v[1] = num_i(a->pos[0]);
    } else {
        v[0] = num_i(a->pos[0]);
        v[1] = num_i(a->pos[1]);
        if (a->npos == 3)
            v[2] = num_i(a->pos[2]);
    }
    if (v[2] == 0)
        return tpl_fail(r, pos, "range() arg 3 must not be zero");
    double count = ((double)v[1] - (double)v[0]) / (double)v[2];
    if (count > MAX_RANGE)
        return tpl_fail(r, pos, "range() is too large (over %d items)", MAX_RANGE);
    struct gf_val *l = gf_val_list();
    for (long long i = v[0]; v[2] > 0 ? i < v[1] : i > v[1]; i += v[2])
        gf_val_list_push(l, gf_val_int(i));
    return l;
}

static struct gf_val *kw_map(struct rctx *r, const struct args *na, struct argv *a)
{
    struct gf_val *m = gf_val_map();

    for (size_t i = 0; i < a->nkw; i++) {
        gf_val_map_set(m, na->kwname[i], gf_val_ref(a->kw[i]));
        tpl_stored(r, a->kw[i]);
    }
    return m;
}

static struct gf_val *fn_dict(struct rctx *r, const struct args *na, struct argv *a,
                              uint32_t pos)
{
    if (a->npos > 1)
        return tpl_fail(r, pos, "dict expected at most 1 argument, got %zu", a->npos);
    struct gf_val *m = gf_val_map();
    if (a->npos == 1) {
        struct gf_val *src = a->pos[0];
        if (tpl_need_def(r, src) < 0) {
            gf_val_unref(m);
            return NULL;
        }
        if (src->type == GF_VAL_MAP) {
            for (size_t i = 0; i < src->u.map.n; i++)
                gf_val_map_set(m, src->u.map.ents[i].key, gf_val_ref(src->u.map.ents[i].val));
        } else if (src->type == GF_VAL_LIST) {
            for (size_t i = 0; i < src->u.list.n; i++) {
                struct gf_val *p = src->u.list.v[i];
                if (p->type != GF_VAL_LIST || p->u.list.n != 2) {
                    gf_val_unref(m);
                    return tpl_fail(r, pos, "dictionary update sequence element #%zu has the "
                                    "wrong length or type", i);
                }
                struct gf_buf k = GF_BUF_INIT;
                tpl_text(p->u.list.v[0], &k);
                gf_val_map_set(m, k.buf, gf_val_ref(p->u.list.v[1]));
                gf_buf_release(&k);
            }
        } else {
            gf_val_unref(m);
            return tpl_fail(r, pos, "'%s' object is not iterable", tpl_pytype(src));
        }
    }
    for (size_t i = 0; i < a->nkw; i++) {
        gf_val_map_set(m, na->kwname[i], gf_val_ref(a->kw[i]));
        tpl_stored(r, a->kw[i]);
    }
    return m;
}

/* lookup(name, terms..., wantlist=, allow_unsafe=, errors=, options...) and
 * query()/q() (want: wantlist=True) as Ansible's Templar._lookup. */
static struct gf_val *fn_lookup(struct rctx *r, const struct args *na, struct argv *a, int want,
                                uint32_t pos)
{
    struct gf_val *kwargs = gf_val_map(), *ran = NULL, *res = NULL;
    struct gf_error e = GF_ERROR_INIT;
    const char *errors = "strict";
    int unsafe = 1;

    for (size_t i = 0; i < a->npos; i++)
        if (tpl_need_def(r, a->pos[i]) < 0)
            goto out;
    for (size_t i = 0; i < a->nkw; i++)
        if (tpl_need_def(r, a->kw[i]) < 0)
            goto out;
    if (a->npos == 0 || a->pos[0]->type != GF_VAL_STR) {
        tpl_fail(r, pos, "lookup() needs the plugin's name as its first argument");
        goto out;
    }
    for (size_t i = 0; i < a->nkw; i++) {
        const char *k = na->kwname[i];
        const struct gf_val *v = a->kw[i];
        if (strcmp(k, "wantlist") == 0) {
            want = gf_val_truthy(v);
        } else if (strcmp(k, "allow_unsafe") == 0) {
            unsafe = v->type == GF_VAL_BOOL && !v->u.b; /* Ansible tests "is False" */
        } else if (strcmp(k, "errors") == 0) {
            if (v->type != GF_VAL_STR || (strcmp(v->u.str.s, "strict") &&
                                          strcmp(v->u.str.s, "warn") &&
                                          strcmp(v->u.str.s, "ignore"))) {
                tpl_fail(r, pos, "lookup(): errors must be 'strict', 'warn' or 'ignore'");
                goto out;
            }
            errors = v->u.str.s;
        } else {
            gf_val_map_set(kwargs, k, gf_val_ref(a->kw[i]));
        }
    }
    struct gf_val *terms = gf_val_list();
    for (size_t i = 1; i < a->npos; i++)
        gf_val_list_push(terms, gf_val_ref(a->pos[i]));
    int rc = tpl_lookup_run(a->pos[0]->u.str.s, terms, kwargs, r->scope, unsafe, &ran, &e);
    gf_val_unref(terms);
    if (rc < 0) {
        /* a plugin's failure obeys errors=; unknown plugins and bad options do not */
        if (e.code == GF_EFAIL && strcmp(errors, "strict")) {
            if (strcmp(errors, "warn") == 0)
                gf_warn("Lookup failed but the error is being ignored: %s", e.msg);
            else
                gf_log(1, "Lookup failed but the error is being ignored: %s", e.msg);
            res = want ? gf_val_list() : gf_val_null();
        } else {
            fail_code(r, e.code, pos, "%s", e.msg ? e.msg : "lookup failed");
        }
        goto out;
    }
    if (ran->u.list.n == 0) { /* returned as it is: not marked */
        res = gf_val_list();
        goto out;
    }
    if (!unsafe || want) {
        res = ran;
        ran = NULL;
        goto out;
    }
    struct gf_val **items = (struct gf_val **)ran->u.list.v;
    int all_str = 1, native = (items[0]->flags & TV_NATIVE) != 0;
    for (size_t i = 0; i < ran->u.list.n && all_str; i++)
        all_str = items[i]->type == GF_VAL_STR;
    if (all_str) {
        struct gf_buf b = GF_BUF_INIT;
        for (size_t i = 0; i < ran->u.list.n; i++) {
            if (i)
                gf_buf_addc(&b, ',');
            gf_buf_add(&b, items[i]->u.str.s, items[i]->u.str.len);
        }
        size_t len;
        char *txt = gf_buf_detach(&b, &len);
        res = gf_val_str_own(txt, len);
        res->flags |= GF_VAL_UNSAFE | (native ? TV_NATIVE : 0);
    } else if (ran->u.list.n == 1) {
        res = gf_val_ref(ran->u.list.v[0]);
    } else {
        res = ran;
        ran = NULL;
    }
out:
    gf_val_unref(ran);
    gf_val_unref(kwargs);
    gf_error_clear(&e);
    return res;
}

static struct gf_val *eval_call(struct rctx *r, const struct node *n)
{
    const struct node *c = n->u.fcall.callee;
    struct argv a = { NULL, NULL, 0, 0 };
    struct gf_val *res = NULL, *obj = NULL;

    if (c->kind == N_NAME) {
        const char *name = c->u.name.name;
        if (strcmp(name, "lookup") == 0 || strcmp(name, "query") == 0 ||
            strcmp(name, "q") == 0) {
            if (eval_args(r, &n->u.fcall.args, &a) == 0)
                res = fn_lookup(r, &n->u.fcall.args, &a, name[0] != 'l', n->pos);
            argv_release(&a);
            return res;
        }
        if (strcmp(name, "range") && strcmp(name, "dict") && strcmp(name, "namespace")) {
            if (find_local(r, name) || tpl_scope_get(r->scope, name)) {
                obj = eval(r, c);
                if (obj && !tv_undef(obj))
                    tpl_fail(r, n->pos, "'%s' object is not callable", tpl_pytype(obj));
                else if (obj)
                    tpl_undef_fail(r, obj);
                gf_val_unref(obj);
                return NULL;
            }
            if (strcmp(name, "now") == 0 || strcmp(name, "lipsum") == 0 ||
                strcmp(name, "cycler") == 0 || strcmp(name, "joiner") == 0)
                return fail_code(r, GF_EUNSUPPORTED, n->pos, "the function '%s' is not "
                                 "supported", name);
            obj = tpl_undef(r, c->pos, "undefined variable '%s'", name);
            tpl_undef_fail(r, obj);
            gf_val_unref(obj);
            return NULL;
        }
        if (eval_args(r, &n->u.fcall.args, &a) == 0) {
            if (strcmp(name, "range") == 0)
                res = fn_range(r, &a, n->pos);
            else if (strcmp(name, "dict") == 0)
                res = fn_dict(r, &n->u.fcall.args, &a, n->pos);
            else if (a.npos)
                tpl_fail(r, n->pos, "namespace() takes keyword arguments only");
            else {
                res = kw_map(r, &n->u.fcall.args, &a);
                res->flags |= TV_NS;
            }
        }
        argv_release(&a);
        return res;
    }
    if (c->kind != N_GETATTR) {
        obj = eval(r, c);
        if (obj)
            tpl_fail(r, n->pos, "'%s' object is not callable", tpl_pytype(obj));
        gf_val_unref(obj);
        return NULL;
    }
    if (n->u.fcall.args.nkw)
        return tpl_fail(r, n->pos, "keyword arguments to '%s()' are not supported",
                        c->u.attr.name);
    const struct node *on = c->u.attr.obj;
    if (on->kind == N_NAME) {
        struct local *l = find_local(r, on->u.name.name);
        if (l && l->loop) {
            if (strcmp(c->u.attr.name, "cycle") != 0)
                return tpl_fail(r, n->pos, "'LoopContext' has no method '%s'", c->u.attr.name);
            if (eval_args(r, &n->u.fcall.args, &a) == 0) {
                if (a.npos == 0)
                    tpl_fail(r, n->pos, "no items for cycling given");
                else
                    res = gf_val_ref(a.pos[l->loop->index0 % a.npos]);
            }
            argv_release(&a);
            return res;
        }
    }
    obj = eval(r, on);
    if (obj == NULL)
        return NULL;
    if (tv_undef(obj)) {
        tpl_undef_fail(r, obj);
    } else if (eval_args(r, &n->u.fcall.args, &a) == 0) {
        int ok = 1;
        for (size_t i = 0; i < a.npos && ok; i++)
            ok = tpl_need_def(r, a.pos[i]) == 0;
        if (ok)
            res = tpl_call_method(r, obj, c->u.attr.name, a.pos, a.npos, n->pos);
    }
    argv_release(&a);
    gf_val_unref(obj);
    return res;
}

/* ---- expressions ---- */
static struct gf_val *eval_seq(struct rctx *r, const struct node *n)
{
    struct gf_val *l = gf_val_list();

    if (n->kind == N_TUPLE)
        l->flags |= TV_TUPLE;
    for (size_t i = 0; i < n->u.list.n; i++) {
        struct gf_val *v = eval(r, n->u.list.v[i]);
        if (v == NULL) {
            gf_val_unref(l);
            return NULL;
        }
        tpl_stored(r, v);
        gf_val_list_push(l, v);
    }
    return l;
}

static struct gf_val *eval_dict(struct rctx *r, const struct node *n)
{
    struct gf_val *m = gf_val_map();

    for (size_t i = 0; i < n->u.list.n; i++) {
        struct gf_val *k = eval(r, n->u.list.v[2 * i]);
        if (k == NULL || tpl_need_def(r, k) < 0) {
            gf_val_unref(k);
            gf_val_unref(m);
            return NULL;
        }
        if (k->type == GF_VAL_LIST || k->type == GF_VAL_MAP) {
            tpl_fail(r, n->u.list.v[2 * i]->pos, "unhashable type: '%s'", tpl_pytype(k));
            gf_val_unref(k);
            gf_val_unref(m);
            return NULL;
        }
        struct gf_val *v = eval(r, n->u.list.v[2 * i + 1]);
        if (v == NULL) {
            gf_val_unref(k);
            gf_val_unref(m);
            return NULL;
        }
        struct gf_buf kb = GF_BUF_INIT;
        tpl_text(k, &kb);
        tpl_stored(r, v);
        gf_val_map_set(m, kb.buf, v);
        gf_buf_release(&kb);
        gf_val_unref(k);
    }
    return m;
}

static struct gf_val *eval_compare(struct rctx *r, const struct node *n)
{
    struct gf_val *left = eval(r, n->u.cmp.first);

    if (left == NULL)
        return NULL;
    for (size_t i = 0; i < n->u.cmp.n; i++) {
        struct gf_val *right = eval(r, n->u.cmp.rest[i]);
        if (right == NULL) {
            gf_val_unref(left);
            return NULL;
        }
        int c = compare_op(r, n->u.cmp.ops[i], left, right, n->pos);
        gf_val_unref(left);
        left = right;
        if (c <= 0) {
            gf_val_unref(left);
            return c < 0 ? NULL : gf_val_bool(0);
        }
    }
    gf_val_unref(left);
    return gf_val_bool(1);
}

static struct gf_val *eval_inner(struct rctx *r, const struct node *n)
{
    struct gf_val *a, *b, *res;
    int t;

    switch (n->kind) {
    case N_CONST:
        return const_val(n);
    case N_NAME:
    case N_GETATTR:
    case N_GETITEM:
        return eval_access(r, n);
    case N_SLICE: {
        struct gf_val *parts[3] = { NULL, NULL, NULL }, *obj;
        const struct node *pn[3] = { n->u.slice.start, n->u.slice.stop, n->u.slice.step };
        if ((obj = eval(r, n->u.slice.obj)) == NULL)
            return NULL;
        res = NULL;
        int ok = 1;
        for (int i = 0; i < 3 && ok; i++)
            if (pn[i] && ((parts[i] = eval(r, pn[i])) == NULL || tpl_need_def(r, parts[i]) < 0))
                ok = 0;
        struct gf_val *keep[3] = { parts[0], parts[1], parts[2] };
        if (ok)
            res = tv_undef(obj) ? gf_val_ref(obj) : do_slice(r, obj, parts, n->pos);
        for (int i = 0; i < 3; i++)
            gf_val_unref(keep[i]);
        gf_val_unref(obj);
        return res;
    }
    case N_LIST:
    case N_TUPLE:
        return eval_seq(r, n);
    case N_DICT:
        return eval_dict(r, n);
    case N_NEG:
    case N_POS:
        if ((a = eval(r, n->u.un.a)) == NULL)
            return NULL;
        res = NULL;
        if (tpl_need_def(r, a) == 0) {
            if (!is_num(a))
                tpl_fail(r, n->pos, "bad operand type for unary %c: '%s'",
                         n->kind == N_NEG ? '-' : '+', tpl_pytype(a));
            else if (a->type == GF_VAL_FLOAT)
                res = gf_val_float(n->kind == N_NEG ? -a->u.f : a->u.f);
            else if (n->kind == N_NEG && num_i(a) == LLONG_MIN)
                tpl_fail(r, n->pos, "integer overflow");
            else
                res = gf_val_int(n->kind == N_NEG ? -num_i(a) : num_i(a));
        }
        gf_val_unref(a);
        return res;
    case N_NOT:
        if ((a = eval(r, n->u.un.a)) == NULL)
            return NULL;
        t = tpl_truth(r, a);
        gf_val_unref(a);
        return t < 0 ? NULL : gf_val_bool(!t);
    case N_AND:
    case N_OR:
        if ((a = eval(r, n->u.bin.l)) == NULL)
            return NULL;
        t = tpl_truth(r, a);
        if (t < 0) {
            gf_val_unref(a);
            return NULL;
        }
        if ((n->kind == N_AND) != (t != 0))
            return a;
        gf_val_unref(a);
        return eval(r, n->u.bin.r);
    case N_BINOP:
        if ((a = eval(r, n->u.bin.l)) == NULL)
            return NULL;
        if ((b = eval(r, n->u.bin.r)) == NULL) {
            gf_val_unref(a);
            return NULL;
        }
        res = tpl_arith(r, n->u.bin.op, a, b, n->pos);
        gf_val_unref(a);
        gf_val_unref(b);
        return res;
    case N_COMPARE:
        return eval_compare(r, n);
    case N_COND:
        if ((a = eval(r, n->u.cond.test)) == NULL)
            return NULL;
        t = tpl_truth(r, a);
        gf_val_unref(a);
        if (t < 0)
            return NULL;
        if (t)
            return eval(r, n->u.cond.then);
        if (n->u.cond.other)
            return eval(r, n->u.cond.other);
        res = tpl_undef(r, n->pos, "the inline if-expression evaluated to false and no else "
                        "section was defined");
        res->flags |= TV_LENIENT;
        return res;
    case N_FILTER:
        return eval_filter(r, n);
    case N_TEST:
        t = eval_test(r, n);
        return t < 0 ? NULL : gf_val_bool(t);
    case N_CALL:
        return eval_call(r, n);
    default:
        return tpl_fail(r, n->pos, "statement used as an expression");
    }
}

/* 1 when v is unsafe or holds an unsafe value (a list a filter built from
 * unsafe items, a map with a fact in it). */
static int holds_unsafe(const struct gf_val *v)
{
    if (v->flags & GF_VAL_UNSAFE)
        return 1;
    if (v->type == GF_VAL_LIST) {
        for (size_t i = 0; i < v->u.list.n; i++)
            if (holds_unsafe(v->u.list.v[i]))
                return 1;
    } else if (v->type == GF_VAL_MAP) {
        for (size_t i = 0; i < v->u.map.n; i++)
            if (holds_unsafe(v->u.map.ents[i].val))
                return 1;
    }
    return 0;
}

/* Every value an expression computes passes here: one that is or holds
 * unsafe data taints the result, whatever filter, method or operator
 * derives a value from it next (join, "~", string methods, ...). */
static struct gf_val *eval(struct rctx *r, const struct node *n)
{
    if (tpl_stack_deep(r->stack_base))
        return tpl_fail(r, n->pos, "expression nested too deeply");
    struct gf_val *v = eval_inner(r, n);

    if (v && !r->tainted && holds_unsafe(v))
        r->tainted = 1;
    if (v == NULL && !r->failed)
        tpl_fail(r, n->pos, "internal error: evaluation failed without a message");
    return v;
}

/* ---- statements ---- */
/* Appends v as Jinja prints it with Ansible's finalize (None -> ""). */
static int out_value(struct rctx *r, const struct gf_val *v, struct gf_buf *out)
{
    if (tv_undef(v)) {
        if (v->flags & TV_LENIENT)
            return 0;
        tpl_undef_fail(r, v);
        return -1;
    }
    if (v->type == GF_VAL_NULL)
        return 0;
    if (tpl_need_def(r, v) < 0)
        return -1;
    tpl_text(v, out);
    return 0;
}

/* Binds targets (one name, or several unpacked from a sequence) in f. */
static int assign(struct rctx *r, struct frame *f, const char *const *targets, size_t n,
                  struct gf_val *v, uint32_t pos)
{
    if (n == 1) {
        frame_set(f, targets[0], gf_val_ref(v), NULL);
        return 0;
    }
    if (tpl_need_def(r, v) < 0)
        return -1;
    if (v->type != GF_VAL_LIST) {
        tpl_fail(r, pos, "cannot unpack non-iterable %s object", tpl_pytype(v));
        return -1;
    }
    if (v->u.list.n != n) {
        if (v->u.list.n > n)
            tpl_fail(r, pos, "too many values to unpack (expected %zu)", n);
        else
            tpl_fail(r, pos, "not enough values to unpack (expected %zu, got %zu)", n,
                     v->u.list.n);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        frame_set(f, targets[i], gf_val_ref(v->u.list.v[i]), NULL);
    return 0;
}

/* The items a for loop walks: a new list. */
static struct gf_val *iter_items(struct rctx *r, struct gf_val *it, uint32_t pos)
{
    struct gf_val *l;

    if (tv_undef(it)) {
        if (it->flags & TV_LENIENT)
            return gf_val_list();
        return tpl_undef_fail(r, it);
    }
    switch (it->type) {
    case GF_VAL_LIST:
        return gf_val_ref(it);
    case GF_VAL_MAP:
        l = gf_val_list();
        for (size_t i = 0; i < it->u.map.n; i++)
            gf_val_list_push(l, gf_val_str(it->u.map.ents[i].key));
        return l;
    case GF_VAL_STR:
        l = gf_val_list();
        for (size_t i = 0; i < it->u.str.len;) {
            size_t j = i + 1;
            while (j < it->u.str.len && ((unsigned char)it->u.str.s[j] & 0xc0) == 0x80)
                j++;
            gf_val_list_push(l, gf_val_strn(it->u.str.s + i, j - i));
            i = j;
        }
        return l;
    default:
        return tpl_fail(r, pos, "'%s' object is not iterable", tpl_pytype(it));
    }
}

/* Counts one loop iteration against the render's budget. */
static int step(struct rctx *r, uint32_t pos)
{
    if (++r->steps <= TPL_MAX_STEPS)
        return 0;
    tpl_fail(r, pos, "template too costly: over %lu loop iterations", TPL_MAX_STEPS);
    return -1;
}

static int render_for(struct rctx *r, const struct node *n, struct gf_buf *out)
{
    struct gf_val *it = eval(r, n->u.fors.iter), *items = NULL;
    struct frame f = { r->frame, NULL, 0, 0 };
    struct loopstate ls = { 0, 0, NULL };
    int rc = -1;

    if (it == NULL)
        return -1;
    items = iter_items(r, it, n->u.fors.iter->pos);
    gf_val_unref(it);
    if (items == NULL)
        return -1;
    if (n->u.fors.filter) {
        struct gf_val *kept = gf_val_list();
        r->frame = &f;
        for (size_t i = 0; i < items->u.list.n; i++) {
            struct gf_val *item = items->u.list.v[i], *c;
            frame_clear(&f);
            if (step(r, n->pos) < 0 ||
                assign(r, &f, n->u.fors.targets, n->u.fors.ntargets, item, n->pos) < 0 ||
                (c = eval(r, n->u.fors.filter)) == NULL) {
                gf_val_unref(kept);
                goto out;
            }
            int t = tpl_truth(r, c);
            gf_val_unref(c);
            if (t < 0) {
                gf_val_unref(kept);
                goto out;
            }
            if (t)
                gf_val_list_push(kept, gf_val_ref(item));
        }
        r->frame = f.up;
        gf_val_unref(items);
        items = kept;
    }
    if (items->u.list.n == 0) {
        rc = render_body(r, &n->u.fors.other, out);
        goto out;
    }
    ls.length = items->u.list.n;
    ls.items = items;
    r->frame = &f;
    for (size_t i = 0; i < items->u.list.n; i++) {
        ls.index0 = i;
        frame_clear(&f);
        frame_set(&f, "loop", NULL, &ls);
        if (step(r, n->pos) < 0 || assign(r, &f, n->u.fors.targets, n->u.fors.ntargets, items->u.list.v[i],
                   n->pos) < 0 || render_body(r, &n->u.fors.body, out) < 0)
            goto out;
    }
    rc = 0;
out:
    r->frame = f.up;
    frame_release(&f);
    gf_val_unref(items);
    return rc;
}

static int render_set(struct rctx *r, const struct node *n)
{
    struct gf_val *v;

    if (n->kind == N_SETBLOCK) {
        struct gf_buf b = GF_BUF_INIT;
        if (render_body(r, &n->u.set.body, &b) < 0) {
            gf_buf_release(&b);
            return -1;
        }
        size_t len;
        char *s = gf_buf_detach(&b, &len);
        v = gf_val_str_own(s, len);
    } else if ((v = eval(r, n->u.set.e)) == NULL) {
        return -1;
    }
    int rc = 0;
    if (n->u.set.attr) {
        struct local *l = find_local(r, n->u.set.targets[0]);
        if (l == NULL || l->val == NULL || !(l->val->flags & TV_NS)) {
            tpl_fail(r, n->pos, "cannot assign attribute on non-namespace object '%s'",
                     n->u.set.targets[0]);
            rc = -1;
        } else {
            tpl_stored(r, v);
            gf_val_map_set(l->val, n->u.set.attr, gf_val_ref(v));
        }
    } else {
        rc = assign(r, r->frame, n->u.set.targets, n->u.set.ntargets, v, n->pos);
    }
    gf_val_unref(v);
    return rc;
}

static int render_node(struct rctx *r, const struct node *n, struct gf_buf *out)
{
    struct gf_val *v;
    int rc, t;

    switch (n->kind) {
    case N_TEXT:
        gf_buf_add(out, n->u.text.s, n->u.text.len);
        return 0;
    case N_OUTPUT:
        if ((v = eval(r, n->u.out.e)) == NULL)
            return -1;
        rc = out_value(r, v, out);
        gf_val_unref(v);
        return rc;
    case N_IF:
        if ((v = eval(r, n->u.ifs.cond)) == NULL)
            return -1;
        t = tpl_truth(r, v);
        gf_val_unref(v);
        if (t < 0)
            return -1;
        return render_body(r, t ? &n->u.ifs.then : &n->u.ifs.other, out);
    case N_FOR:
        return render_for(r, n, out);
    case N_SET:
    case N_SETBLOCK:
        return render_set(r, n);
    default:
        tpl_fail(r, n->pos, "expression used as a statement");
        return -1;
    }
}

static int render_body(struct rctx *r, const struct body *b, struct gf_buf *out)
{
    for (size_t i = 0; i < b->n; i++) {
        if (render_node(r, b->v[i], out) < 0)
            return -1;
        if (out->len > TPL_MAX_OUTPUT) {
            tpl_fail(r, b->v[i]->pos, "template too large: its text is over %u MiB",
                     TPL_MAX_OUTPUT >> 20);
            return -1;
        }
    }
    return 0;
}

/* ---- text to value, as Ansible's ansible_eval_concat ---- */
static struct gf_val *lit_value(const struct node *n)
{
    struct gf_val *v, *c;

    switch (n->kind) {
    case N_CONST:
        return const_val(n);
    case N_LIST:
    case N_TUPLE:
        v = gf_val_list();
        for (size_t i = 0; i < n->u.list.n; i++) {
            if ((c = lit_value(n->u.list.v[i])) == NULL) {
                gf_val_unref(v);
                return NULL;
            }
            gf_val_list_push(v, c);
        }
        return v;
    case N_DICT:
        v = gf_val_map();
        for (size_t i = 0; i < n->u.list.n; i++) {
            const struct node *k = n->u.list.v[2 * i];
            struct gf_buf kb = GF_BUF_INIT;
            if (k->kind != N_CONST || (c = lit_value(n->u.list.v[2 * i + 1])) == NULL) {
                gf_val_unref(v);
                return NULL;
            }
            struct gf_val *kv = const_val(k);
            tpl_text(kv, &kb);
            gf_val_unref(kv);
            gf_val_map_set(v, kb.buf, c);
            gf_buf_release(&kb);
        }
        return v;
    case N_NEG:
    case N_POS: {
        const struct node *a = n->u.un.a;
        if (a->kind != N_CONST || (a->u.c.type != GF_VAL_INT && a->u.c.type != GF_VAL_FLOAT))
            return NULL;
        if (a->u.c.type == GF_VAL_FLOAT)
            return gf_val_float(n->kind == N_NEG ? -a->u.c.f : a->u.c.f);
        if (n->kind == N_NEG && a->u.c.i == LLONG_MIN)
            return NULL;
        return gf_val_int(n->kind == N_NEG ? -a->u.c.i : a->u.c.i);
    }
    default:
        return NULL;
    }
}

struct gf_val *tpl_literal_eval(const char *s, size_t n)
{
    struct arena a = { NULL };
    struct node *root = tpl_parse_literal(&a, s, n);
    struct gf_val *v = root ? lit_value(root) : NULL;

    tpl_arena_release(&a);
    return v;
}

/* Ansible turns text that reads as a list, dict or bool into that value. */
static struct gf_val *convert_text(struct gf_val *s)
{
    const char *t = s->u.str.s;
    size_t n = s->u.str.len;

    if (n == 0 || (s->flags & TV_NATIVE))
        return s;
    if (!(t[0] == '[' || t[0] == '{' || (n == 4 && memcmp(t, "True", 4) == 0) ||
          (n == 5 && memcmp(t, "False", 5) == 0)))
        return s;
    struct gf_val *v = tpl_literal_eval(t, n);
    if (v == NULL)
        return s;
    gf_val_unref(s);
    return v;
}

static void fix_newlines(const struct gf_tpl *t, struct gf_buf *b, size_t start)
{
    int have = 0;

    for (size_t i = b->len; i > start && b->buf[i - 1] == '\n'; i--)
        have++;
    for (; have < t->trailing_nl; have++)
        gf_buf_addc(b, '\n');
}

static struct gf_val *value_of(struct rctx *r, const struct gf_tpl *t, int convert)
{
    struct frame root = { NULL, NULL, 0, 0 };
    struct frame *saved = r->frame;
    struct gf_val *v = NULL;

    if (t->plain)
        return gf_val_strn(t->src, t->len);
    r->frame = &root;
    if (t->body.n == 1 && t->body.v[0]->kind == N_OUTPUT) {
        v = eval(r, t->body.v[0]->u.out.e);
        if (v && tv_undef(v)) {
            if (v->flags & TV_LENIENT) {
                gf_val_unref(v);
                v = gf_val_str("");
            } else {
                tpl_undef_fail(r, v);
                gf_val_unref(v);
                v = NULL;
            }
        } else if (v && tpl_need_def(r, v) < 0) {
            gf_val_unref(v);
            v = NULL;
        }
        if (v && !t->expr && v->type == GF_VAL_NULL &&
            t->body.v[0]->u.out.e->kind != N_NAME) {
            /* Ansible's finalize: None prints as ""; only "{{ var }}" keeps None */
            gf_val_unref(v);
            v = gf_val_str("");
        }
        if (v && !t->expr && v->type == GF_VAL_STR) {
            if (convert)
                v = convert_text(v);
            if (v->type == GF_VAL_STR && t->trailing_nl) {
                struct gf_buf b = GF_BUF_INIT;
                gf_buf_add(&b, v->u.str.s, v->u.str.len);
                fix_newlines(t, &b, 0);
                size_t len;
                char *s = gf_buf_detach(&b, &len);
                unsigned flags = v->flags;
                gf_val_unref(v);
                v = gf_val_str_own(s, len);
                v->flags = flags & (GF_VAL_UNSAFE | TV_NATIVE);
            }
        }
    } else {
        struct gf_buf b = GF_BUF_INIT;
        if (render_body(r, &t->body, &b) == 0) {
            size_t len;
            char *s = gf_buf_detach(&b, &len);
            v = gf_val_str_own(s, len);
            if (convert)
                v = convert_text(v);
            if (v->type == GF_VAL_STR && t->trailing_nl) {
                gf_buf_add(&b, v->u.str.s, v->u.str.len);
                fix_newlines(t, &b, 0);
                gf_val_unref(v);
                s = gf_buf_detach(&b, &len);
                v = gf_val_str_own(s, len);
            }
        }
        gf_buf_release(&b);
    }
    frame_release(&root);
    r->frame = saved;
    return v;
}

/* ---- entry points ---- */
static void rctx_init(struct rctx *r, const struct gf_tpl_scope *scope,
                      const struct gf_tpl_opts *opts, const struct gf_tpl *top,
                      struct gf_error *err, struct gf_error *local_err)
{
    memset(r, 0, sizeof(*r));
    r->scope = scope;
    r->opts = opts;
    r->err = err ? err : local_err;
    r->top = top;
    r->stack_base = __builtin_frame_address(0);
    if (opts) {
        r->file = opts->file;
        r->line = opts->line;
        r->col = opts->col;
    }
}

static void unref_void(void *p)
{
    gf_val_unref(p);
}

static void rctx_release(struct rctx *r)
{
    gf_map_release(&r->cache, unref_void);
}

static int result_code(const struct rctx *r)
{
    return r->err->code ? -r->err->code : -GF_EINVAL;
}

static unsigned parse_flags(const struct gf_tpl_opts *opts)
{
    return opts ? opts->flags & (GF_TPL_FILE | GF_TPL_NO_TRIM | GF_TPL_LSTRIP) : 0;
}

static int compile(const char *src, size_t len, int expr, const struct gf_tpl_opts *opts,
                   struct gf_tpl **out, struct gf_error *err)
{
    struct gf_tpl *t = gf_xcalloc(1, sizeof(*t));

    *out = NULL;
    t->flags = parse_flags(opts);
    t->expr = expr;
    if (!expr && !gf_tpl_is_template(src, len)) {
        t->plain = 1;
        t->src = gf_xstrndup(src, len);
        t->len = len;
        *out = t;
        return 0;
    }
    for (size_t i = len; i > 0 && src[i - 1] == '\n'; i--)
        t->trailing_nl++;
    /* Jinja's lexer: CRLF and CR become LF, then one final newline goes. */
    char *s = gf_xmalloc(len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (src[i] == '\r') {
            s[n++] = '\n';
            if (i + 1 < len && src[i + 1] == '\n')
                i++;
        } else {
            s[n++] = src[i];
        }
    }
    if (!expr && n > 0 && s[n - 1] == '\n')
        n--;
    s[n] = '\0';
    t->src = s;
    t->len = n;
    int rc = tpl_parse(t, expr, opts, err);
    if (rc < 0) {
        gf_tpl_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

int gf_tpl_compile(const char *src, size_t len, const struct gf_tpl_opts *opts,
                   struct gf_tpl **out, struct gf_error *err)
{
    return compile(src, len, 0, opts, out, err);
}

int gf_tpl_compile_expr(const char *src, size_t len, const struct gf_tpl_opts *opts,
                        struct gf_tpl **out, struct gf_error *err)
{
    return compile(src, len, 1, opts, out, err);
}

void gf_tpl_free(struct gf_tpl *t)
{
    if (t == NULL)
        return;
    tpl_arena_release(&t->arena);
    free(t->src);
    free(t);
}

int gf_tpl_render_compiled(const struct gf_tpl *t, const struct gf_tpl_scope *scope,
                           const struct gf_tpl_opts *opts, struct gf_buf *out,
                           struct gf_error *err)
{
    struct gf_error lerr = GF_ERROR_INIT;
    struct rctx r;
    struct frame root = { NULL, NULL, 0, 0 };
    int rc;

    if (t->plain) {
        gf_buf_add(out, t->src, t->len);
        return 0;
    }
    rctx_init(&r, scope, opts, t, err, &lerr);
    size_t start = out->len;
    r.frame = &root;
    if (t->expr) {
        struct gf_val *v = eval(&r, t->body.v[0]->u.out.e);
        rc = v ? out_value(&r, v, out) : -1;
        gf_val_unref(v);
    } else {
        rc = render_body(&r, &t->body, out);
    }
    frame_release(&root);
    if (rc == 0 && !t->expr)
        fix_newlines(t, out, start);
    rc = rc < 0 ? result_code(&r) : r.tainted ? GF_TPL_TAINTED : 0;
    rctx_release(&r);
    gf_error_clear(&lerr);
    return rc;
}

int gf_tpl_eval_compiled(const struct gf_tpl *t, const struct gf_tpl_scope *scope,
                         const struct gf_tpl_opts *opts, struct gf_val **out,
                         struct gf_error *err)
{
    struct gf_error lerr = GF_ERROR_INIT;
    struct rctx r;
    int rc = 0;

    rctx_init(&r, scope, opts, t, err, &lerr);
    struct gf_val *v = value_of(&r, t, !(opts && (opts->flags & GF_TPL_NO_CONVERT)));
    if (v == NULL)
        rc = result_code(&r);
    else if (r.tainted)
        v = gf_val_unsafe(v);
    if (v && (v->flags & TV_PRIVATE) && v->refs == 1)
        v->flags &= ~TV_PRIVATE;
    *out = v;
    rctx_release(&r);
    gf_error_clear(&lerr);
    return rc;
}

/* ---- cache ---- */
struct gf_tpl_cache {
    pthread_mutex_t lock;
    struct gf_map map; /* key: flags char, expr char, source -> struct gf_tpl * */
};

struct gf_tpl_cache *gf_tpl_cache_new(void)
{
    struct gf_tpl_cache *c = gf_xcalloc(1, sizeof(*c));

    pthread_mutex_init(&c->lock, NULL);
    return c;
}

static void free_tpl_void(void *p)
{
    gf_tpl_free(p);
}

void gf_tpl_cache_free(struct gf_tpl_cache *c)
{
    if (c == NULL)
        return;
    gf_map_release(&c->map, free_tpl_void);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

int gf_tpl_cache_get(struct gf_tpl_cache *c, const char *src, size_t len, int expr,
                     const struct gf_tpl_opts *opts, const struct gf_tpl **out,
                     struct gf_error *err)
{
    struct gf_tpl *t = NULL;
    int rc;

    *out = NULL;
    /* key: flags, kind, then the source with NUL and \1 escaped */
    struct gf_buf kb = GF_BUF_INIT;
    gf_buf_addc(&kb, (char)('@' + parse_flags(opts)));
    gf_buf_addc(&kb, expr ? 'e' : 't');
    for (const char *p = src, *end = src + len; p < end;) {
        const char *q = p;
        while (q < end && *q != '\0' && *q != '\1')
            q++;
        gf_buf_add(&kb, p, (size_t)(q - p));
        if (q < end)
            gf_buf_add(&kb, *q ? "\1\2" : "\1\3", 2);
        p = q + (q < end);
    }
    char *key = gf_buf_detach(&kb, NULL);
    pthread_mutex_lock(&c->lock);
    t = gf_map_get(&c->map, key);
    pthread_mutex_unlock(&c->lock);
    if (t == NULL) {
        if ((rc = compile(src, len, expr, opts, &t, err)) < 0) {
            free(key);
            return rc;
        }
        pthread_mutex_lock(&c->lock);
        struct gf_tpl *other = gf_map_get(&c->map, key);
        if (other) {
            gf_tpl_free(t);
            t = other;
        } else {
            gf_map_set(&c->map, key, t);
        }
        pthread_mutex_unlock(&c->lock);
    }
    free(key);
    *out = t;
    return 0;
}

/* ---- one-shot helpers ---- */
int gf_tpl_render(const char *src, size_t len, const struct gf_tpl_scope *scope,
                  const struct gf_tpl_opts *opts, struct gf_buf *out, struct gf_error *err)
{
    struct gf_tpl *owned = NULL;

    if (!gf_tpl_is_template(src, len)) {
        gf_buf_add(out, src, len);
        return 0;
    }
    const struct gf_tpl *t = get_tpl(opts, src, len, 0, parse_flags(opts), &owned, err);
    if (t == NULL)
        return err && err->code ? -err->code : -GF_EPARSE;
    int rc = gf_tpl_render_compiled(t, scope, opts, out, err);
    gf_tpl_free(owned);
    return rc;
}

int gf_tpl_eval_value(const char *src, size_t len, const struct gf_tpl_scope *scope,
                      const struct gf_tpl_opts *opts, struct gf_val **out,
                      struct gf_error *err)
{
    struct gf_tpl *owned = NULL;

    *out = NULL;
    if (!gf_tpl_is_template(src, len)) {
        *out = gf_val_strn(src, len);
        return 0;
    }
    const struct gf_tpl *t = get_tpl(opts, src, len, 0, parse_flags(opts), &owned, err);
    if (t == NULL)
        return err && err->code ? -err->code : -GF_EPARSE;
    int rc = gf_tpl_eval_compiled(t, scope, opts, out, err);
    gf_tpl_free(owned);
    return rc;
}

int gf_tpl_eval_expr(const char *src, size_t len, const struct gf_tpl_scope *scope,
                     const struct gf_tpl_opts *opts, struct gf_val **out,
                     struct gf_error *err)
{
    struct gf_tpl *owned = NULL;

    *out = NULL;
    const struct gf_tpl *t = get_tpl(opts, src, len, 1, parse_flags(opts), &owned, err);
    if (t == NULL)
        return err && err->code ? -err->code : -GF_EPARSE;
    int rc = gf_tpl_eval_compiled(t, scope, opts, out, err);
    gf_tpl_free(owned);
    return rc;
}

static int only_space(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strchr(" \t\r\n", s[i]))
            return 0;
    return 1;
}

int gf_tpl_eval_cond(const char *src, size_t len, const struct gf_tpl_scope *scope,
                     const struct gf_tpl_opts *opts, int *result, struct gf_error *err)
{
    struct gf_val *v = NULL, *pre = NULL;
    int rc;

    *result = 0;
    if (gf_tpl_is_template(src, len)) {
        if ((rc = gf_tpl_eval_value(src, len, scope, opts, &pre, err)) < 0)
            return rc;
        if (pre->type != GF_VAL_STR) {
            *result = gf_val_truthy(pre);
            gf_val_unref(pre);
            return 0;
        }
        if (pre->flags & GF_VAL_UNSAFE) {
            gf_val_unref(pre);
            return gf_error_set(err, GF_EINVAL, opts ? opts->file : NULL, opts ? opts->line : 0,
                                opts ? opts->col : 0, "conditional is marked as unsafe, and "
                                "cannot be evaluated");
        }
        src = pre->u.str.s;
        len = pre->u.str.len;
    }
    if (only_space(src, len)) {
        gf_val_unref(pre);
        return 0;
    }
    rc = gf_tpl_eval_expr(src, len, scope, opts, &v, err);
    if (rc == 0)
        *result = gf_val_truthy(v);
    gf_val_unref(v);
    gf_val_unref(pre);
    return rc;
}

static struct gf_val *template_tree(struct rctx *r, struct gf_val *v, const struct gf_tpl_opts *o)
{
    struct gf_val *out = NULL;

    if (v->flags & GF_VAL_UNSAFE)
        return gf_val_ref(v);
    switch (v->type) {
    case GF_VAL_STR: {
        if (!gf_tpl_is_template(v->u.str.s, v->u.str.len))
            return gf_val_ref(v);
        struct gf_tpl_opts lo = o ? *o : (struct gf_tpl_opts){ 0 };
        if (v->line > 0) {
            lo.line = v->line;
            lo.col = v->col;
        }
        struct gf_tpl *owned = NULL;
        const struct gf_tpl *t = get_tpl(&lo, v->u.str.s, v->u.str.len, 0, parse_flags(&lo),
                                         &owned, r->err);
        if (t == NULL) {
            r->failed = 1;
            return NULL;
        }
        r->top = t;
        r->line = lo.line;
        r->col = lo.col;
        r->tainted = 0;
        struct gf_val *res = value_of(r, t, !(lo.flags & GF_TPL_NO_CONVERT));
        if (res && r->tainted)
            res = gf_val_unsafe(res);
        gf_tpl_free(owned);
        return res;
    }
    case GF_VAL_LIST:
        for (size_t i = 0; i < v->u.list.n; i++) {
            struct gf_val *c = template_tree(r, v->u.list.v[i], o);
            if (c == NULL) {
                gf_val_unref(out);
                return NULL;
            }
            if (out == NULL && c != v->u.list.v[i]) {
                out = gf_val_list();
                for (size_t j = 0; j < i; j++)
                    gf_val_list_push(out, gf_val_ref(v->u.list.v[j]));
            }
            if (out)
                gf_val_list_push(out, c);
            else
                gf_val_unref(c);
        }
        return out ? out : gf_val_ref(v);
    case GF_VAL_MAP:
        for (size_t i = 0; i < v->u.map.n; i++) {
            struct gf_val *c = template_tree(r, v->u.map.ents[i].val, o);
            if (c == NULL) {
                gf_val_unref(out);
                return NULL;
            }
            if (out == NULL && c != v->u.map.ents[i].val) {
                out = gf_val_map();
                for (size_t j = 0; j < i; j++)
                    gf_val_map_set(out, v->u.map.ents[j].key, gf_val_ref(v->u.map.ents[j].val));
            }
            if (out)
                gf_val_map_set(out, v->u.map.ents[i].key, c);
            else
                gf_val_unref(c);
        }
        return out ? out : gf_val_ref(v);
    default:
        return gf_val_ref(v);
    }
}

int gf_tpl_template_val(const struct gf_val *v, const struct gf_tpl_scope *scope,
                        const struct gf_tpl_opts *opts, struct gf_val **out,
                        struct gf_error *err)
{
    struct gf_error lerr = GF_ERROR_INIT;
    struct rctx r;

    rctx_init(&r, scope, opts, NULL, err, &lerr);
    *out = template_tree(&r, (struct gf_val *)v, opts);
    int rc = *out ? 0 : result_code(&r);
    rctx_release(&r);
    gf_error_clear(&lerr);
    return rc;
}

/*
 * tests.c - the Jinja2 and Ansible tests templates call with "is"
 * (x is defined, x is version(...), result is failed, ...): comparisons,
 * types, sets, paths, task results. Their table is filters.c's, with the
 * filters'; the regex and version tests live with their filters.
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

int tpl_t_defined(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    (void)r, (void)a;
    return !tv_undef(in);
}

int tpl_t_undefined(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    (void)r, (void)a;
    return tv_undef(in);
}

int tpl_t_none(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    (void)r, (void)a;
    return in->type == GF_VAL_NULL;
}

#define TYPE_TEST(fn, expr) \
    int fn(struct rctx *r, struct gf_val *in, struct fargs *a) \
    { \
        (void)r, (void)a; \
        return (expr); \
    }

TYPE_TEST(tpl_t_string, in->type == GF_VAL_STR)
TYPE_TEST(tpl_t_number, in->type == GF_VAL_INT || in->type == GF_VAL_FLOAT || in->type == GF_VAL_BOOL)
TYPE_TEST(tpl_t_integer, in->type == GF_VAL_INT)
TYPE_TEST(tpl_t_float, in->type == GF_VAL_FLOAT)
TYPE_TEST(tpl_t_boolean, in->type == GF_VAL_BOOL)
TYPE_TEST(tpl_t_mapping, in->type == GF_VAL_MAP)
TYPE_TEST(tpl_t_iterable, in->type == GF_VAL_STR || in->type == GF_VAL_LIST || in->type == GF_VAL_MAP)
TYPE_TEST(tpl_t_true, in->type == GF_VAL_BOOL && in->u.b)
TYPE_TEST(tpl_t_false, in->type == GF_VAL_BOOL && !in->u.b)
TYPE_TEST(tpl_t_even, (in->type == GF_VAL_INT && in->u.i % 2 == 0) ||
                  (in->type == GF_VAL_BOOL && !in->u.b))
TYPE_TEST(tpl_t_odd, (in->type == GF_VAL_INT && in->u.i % 2 != 0) ||
                 (in->type == GF_VAL_BOOL && in->u.b))

int tpl_t_truthy(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    if (tpl_opt_bool(a->a[0], 0)) {
        struct gf_val *b = tpl_f_bool(r, in, a);
        int t = gf_val_truthy(b);
        gf_val_unref(b);
        return t;
    }
    return gf_val_truthy(in);
}

int tpl_t_falsy(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return !tpl_t_truthy(r, in, a);
}

int tpl_t_eq(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return tpl_equal(r, in, a->a[0], a->pos);
}

int tpl_t_ne(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    int e = tpl_equal(r, in, a->a[0], a->pos);

    return e < 0 ? -1 : !e;
}

static int ordering(struct rctx *r, struct gf_val *in, struct fargs *a, const char *op)
{
    int bad = 0, c = tpl_compare(in, a->a[0], &bad);

    if (bad) {
        FAIL("'%s' not supported between instances of '%s' and '%s'", op, tpl_pytype(in),
             tpl_pytype(a->a[0]));
        return INT_MIN;
    }
    return c;
}

int tpl_t_lt(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    int c = ordering(r, in, a, "<");
    return c == INT_MIN ? -1 : c < 0;
}

int tpl_t_le(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    int c = ordering(r, in, a, "<=");
    return c == INT_MIN ? -1 : c <= 0;
}

int tpl_t_gt(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    int c = ordering(r, in, a, ">");
    return c == INT_MIN ? -1 : c > 0;
}

int tpl_t_ge(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    int c = ordering(r, in, a, ">=");
    return c == INT_MIN ? -1 : c >= 0;
}

int tpl_t_in(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return tpl_contains(r, a->a[0], in, a->pos);
}

int tpl_t_contains(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return tpl_contains(r, in, a->a[0], a->pos);
}

static int subset(struct rctx *r, struct fargs *a, const struct gf_val *x, const struct gf_val *y)
{
    struct tpl_vset s;

    if (x->type != GF_VAL_LIST || y->type != GF_VAL_LIST) {
        FAIL("'%s' expects lists", a->name);
        return -1;
    }
    tpl_vset_init(&s, y->u.list.n, 0);
    for (size_t i = 0; i < y->u.list.n; i++)
        tpl_vset_add(&s, y->u.list.v[i], 1);
    int ok = 1;
    for (size_t i = 0; i < x->u.list.n && ok; i++)
        ok = tpl_vset_has(&s, x->u.list.v[i]);
    free(s.v);
    return ok;
}

int tpl_t_subset(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return subset(r, a, in, a->a[0]);
}

int tpl_t_superset(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return subset(r, a, a->a[0], in);
}

int tpl_t_divisibleby(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    const struct gf_val *d = a->a[0];

    if ((in->type != GF_VAL_INT && in->type != GF_VAL_BOOL) ||
        (d->type != GF_VAL_INT && d->type != GF_VAL_BOOL)) {
        FAIL("divisibleby expects integers");
        return -1;
    }
    long long x = in->type == GF_VAL_INT ? in->u.i : in->u.b;
    long long y = d->type == GF_VAL_INT ? d->u.i : d->u.b;
    if (y == 0) {
        FAIL("integer division or modulo by zero");
        return -1;
    }
    return y == -1 || x % y == 0;
}

int tpl_t_sameas(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    const struct gf_val *o = a->a[0];

    (void)r;
    if (in->type == GF_VAL_NULL || in->type == GF_VAL_BOOL)
        return in->type == o->type && (in->type == GF_VAL_NULL || in->u.b == o->u.b);
    return in == o;
}

int tpl_case_test(struct gf_val *in, int upper)
{
    struct gf_buf t = GF_BUF_INIT;
    size_t n;
    const char *s = tpl_text_of(in, &t, &n);
    int cased = 0, ok = 1;

    for (size_t i = 0; i < n && ok; i++) {
        if (isupper((unsigned char)s[i]))
            cased = 1, ok = upper;
        else if (islower((unsigned char)s[i]))
            cased = 1, ok = !upper;
    }
    gf_buf_release(&t);
    return ok && cased;
}

int tpl_t_lower(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    (void)r, (void)a;
    return tpl_case_test(in, 0);
}

int tpl_t_upper(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    (void)r, (void)a;
    return tpl_case_test(in, 1);
}

static int result_flag(struct rctx *r, struct gf_val *in, struct fargs *a, const char *key)
{
    if (in->type != GF_VAL_MAP) {
        FAIL("The '%s' test expects a dictionary", a->name);
        return -1;
    }
    return gf_val_truthy(gf_val_map_get(in, key));
}

int tpl_t_failed(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return result_flag(r, in, a, "failed");
}

int tpl_t_succeeded(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    int f = result_flag(r, in, a, "failed");

    return f < 0 ? -1 : !f;
}

int tpl_t_skipped(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return result_flag(r, in, a, "skipped");
}

int tpl_t_unreachable(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return result_flag(r, in, a, "unreachable");
}

int tpl_t_reachable(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    int f = result_flag(r, in, a, "unreachable");

    return f < 0 ? -1 : !f;
}

int tpl_t_changed(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    if (in->type != GF_VAL_MAP) {
        FAIL("The 'changed' test expects a dictionary");
        return -1;
    }
    struct gf_val *c = gf_val_map_get(in, "changed");
    if (c)
        return gf_val_truthy(c);
    struct gf_val *res = gf_val_map_get(in, "results");
    if (res && res->type == GF_VAL_LIST && res->u.list.n &&
        ((struct gf_val *)res->u.list.v[0])->type == GF_VAL_MAP)
        for (size_t i = 0; i < res->u.list.n; i++)
            if (gf_val_truthy(gf_val_map_get(res->u.list.v[i], "changed")))
                return 1;
    return 0;
}

int tpl_t_finished(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    if (in->type != GF_VAL_MAP) {
        FAIL("The '%s' test expects a dictionary", a->name);
        return -1;
    }
    struct gf_val *v = gf_val_map_get(in, a->name[0] == 'f' ? "finished" : "started");
    if (v == NULL)
        return 1;
    return (v->type == GF_VAL_INT && v->u.i == 1) || (v->type == GF_VAL_BOOL && v->u.b) ||
           (v->type == GF_VAL_FLOAT && v->u.f == 1.0);
}

static int all_any(struct rctx *r, struct gf_val *in, struct fargs *a, int all)
{
    struct gf_val *l = tpl_as_list(r, a, in);

    if (l == NULL)
        return -1;
    int res = all;
    for (size_t i = 0; i < l->u.list.n; i++)
        if (gf_val_truthy(l->u.list.v[i]) != all) {
            res = !all;
            break;
        }
    gf_val_unref(l);
    return res;
}

int tpl_t_all(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return all_any(r, in, a, 1);
}

int tpl_t_any(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return all_any(r, in, a, 0);
}

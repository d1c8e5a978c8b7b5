/*
 * filters-version.c - version comparison: the version filter (and its old
 * name version_compare) and test, with Ansible's LooseVersion and
 * StrictVersion semantics.
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

/* ---- version comparison ---- */
/* LooseVersion components: digit runs become numbers, letters and other
 * runs stay strings, dots separate. */
struct vpart {
    int num;
    long long n;
    const char *s;
    size_t len;
};

static size_t loose_parse(const char *s, size_t n, struct vpart *v, size_t max)
{
    size_t k = 0, i = 0, other = 0;

    while (i < n && k < max) {
        size_t j = i;
        int kind = 0;
        if (s[i] >= '0' && s[i] <= '9') {
            while (j < n && s[j] >= '0' && s[j] <= '9')
                j++;
            kind = 1;
        } else if (s[i] >= 'a' && s[i] <= 'z') {
            while (j < n && s[j] >= 'a' && s[j] <= 'z')
                j++;
            kind = 2;
        } else if (s[i] == '.') {
            j = i + 1;
            kind = 3;
        }
        if (kind == 0) {
            if (other == 0)
                other = i + 1;
            i++;
            continue;
        }
        if (other && k < max) { /* the unmatched run before this token */
            v[k].num = 0;
            v[k].s = s + other - 1;
            v[k].len = i - (other - 1);
            k++;
            other = 0;
        }
        if (kind == 1 && k < max) {
            v[k].num = 1;
            v[k].n = 0;
            for (size_t q = i; q < j; q++)
                v[k].n = v[k].n < LLONG_MAX / 10 ? v[k].n * 10 + (s[q] - '0') : LLONG_MAX;
            k++;
        } else if (kind == 2 && k < max) {
            v[k].num = 0;
            v[k].s = s + i;
            v[k].len = j - i;
            k++;
        }
        i = j;
    }
    if (other && k < max) {
        v[k].num = 0;
        v[k].s = s + other - 1;
        v[k].len = n - (other - 1);
        k++;
    }
    return k;
}

static int vpart_eq(const struct vpart *x, const struct vpart *y)
{
    if (x->num != y->num)
        return 0;
    if (x->num)
        return x->n == y->n;
    return x->len == y->len && memcmp(x->s, y->s, x->len) == 0;
}

/* Returns <0, 0, >0, or INT_MIN when a number meets a string. */
static int loose_cmp(const char *x, size_t xn, const char *y, size_t yn)
{
    struct vpart a[64], b[64];
    size_t na = loose_parse(x, xn, a, 64), nb = loose_parse(y, yn, b, 64);
    size_t n = na < nb ? na : nb;

    for (size_t i = 0; i < n; i++) {
        if (vpart_eq(&a[i], &b[i]))
            continue;
        if (a[i].num != b[i].num)
            return INT_MIN;
        if (a[i].num)
            return a[i].n < b[i].n ? -1 : 1;
        size_t m = a[i].len < b[i].len ? a[i].len : b[i].len;
        int c = memcmp(a[i].s, b[i].s, m);
        if (c)
            return c < 0 ? -1 : 1;
        return a[i].len < b[i].len ? -1 : 1;
    }
    return na < nb ? -1 : na > nb;
}

/* StrictVersion: N.N[.N][(a|b)N]. Returns 0 and fills v[5] or -1. */
static int strict_parse(const char *s, long long v[5])
{
    char *end;

    memset(v, 0, 5 * sizeof(*v));
    v[3] = 'z'; /* no prerelease sorts after any */
    for (int i = 0; i < 3; i++) {
        if (!(*s >= '0' && *s <= '9'))
            return i == 2 ? 0 : -1;
        v[i] = strtoll(s, &end, 10);
        s = end;
        if (i < 2) {
            if (*s != '.')
                return i == 1 && (*s == '\0' || *s == 'a' || *s == 'b') ? (*s ? -2 : 0) : -1;
            s++;
        }
    }
    return -2;
}

static int strict_full(const char *s, long long v[5])
{
    int rc = strict_parse(s, v);
    const char *p = s;

    if (rc == -1)
        return -1;
    /* re-scan for the prerelease tail */
    for (int dots = 0; *p; p++) {
        if (*p == '.')
            dots++;
        if (*p == 'a' || *p == 'b')
            break;
        if (!(*p >= '0' && *p <= '9') && *p != '.')
            return -1;
        if (dots > 2)
            return -1;
    }
    if (*p == 'a' || *p == 'b') {
        v[3] = *p;
        char *end;
        if (!(p[1] >= '0' && p[1] <= '9'))
            return -1;
        v[4] = strtoll(p + 1, &end, 10);
        if (*end)
            return -1;
    }
    return 0;
}

static int version_cmp(struct rctx *r, struct fargs *a, struct gf_val *in, int *res)
{
    static const struct { const char *name; int op; } ops[] = {
        { "==", 0 }, { "=", 0 }, { "eq", 0 }, { "<", 1 }, { "lt", 1 }, { "<=", 2 },
        { "le", 2 }, { ">", 3 }, { "gt", 3 }, { ">=", 4 }, { "ge", 4 }, { "!=", 5 },
        { "<>", 5 }, { "ne", 5 },
    };
    struct gf_buf t1 = GF_BUF_INIT, t2 = GF_BUF_INIT;
    size_t xn, yn;
    const char *opname = a->a[1] ? (a->a[1]->type == GF_VAL_STR ? a->a[1]->u.str.s : "?")
                                 : "eq";
    const char *vt = a->a[3] && a->a[3]->type == GF_VAL_STR ? a->a[3]->u.str.s : NULL;
    int strict = tpl_opt_bool(a->a[2], 0), op = -1, c, rc = -1;

    for (size_t i = 0; i < GF_ARRAY_LEN(ops); i++)
        if (strcmp(opname, ops[i].name) == 0)
            op = ops[i].op;
    if (a->a[2] && a->a[2]->type != GF_VAL_NULL && vt) {
        FAIL("Cannot specify both 'strict' and 'version_type'");
        return -1;
    }
    if (!gf_val_truthy(in)) {
        FAIL("Input version value cannot be empty");
        return -1;
    }
    if (!gf_val_truthy(a->a[0])) {
        FAIL("Version parameter to compare against cannot be empty");
        return -1;
    }
    if (vt && strcmp(vt, "loose") == 0)
        vt = NULL;
    else if (vt && strcmp(vt, "strict") == 0)
        strict = 1, vt = NULL;
    if (vt) {
        FAIL("version_type '%s' is not supported (loose and strict are)", vt);
        return -1;
    }
    if (op < 0) {
        FAIL("Invalid operator type (%s). Must be one of '==', '=', 'eq', '<', 'lt', '<=', "
             "'le', '>', 'gt', '>=', 'ge', '!=', '<>', 'ne'", opname);
        return -1;
    }
    const char *x = tpl_text_of(in, &t1, &xn), *y = tpl_text_of(a->a[0], &t2, &yn);
    if (strict) {
        long long vx[5], vy[5];
        if (strict_full(x, vx) < 0 || strict_full(y, vy) < 0) {
            FAIL("Version comparison failed: invalid version number '%s'",
                 strict_full(x, vx) < 0 ? x : y);
            goto out;
        }
        c = 0;
        for (int i = 0; i < 5 && c == 0; i++)
            c = vx[i] < vy[i] ? -1 : vx[i] > vy[i];
    } else {
        c = loose_cmp(x, xn, y, yn);
        if (c == INT_MIN) {
            if (op == 0 || op == 5) {
                c = 1; /* == and != only need equality */
            } else {
                FAIL("Version comparison failed: '<' not supported between instances of "
                     "'int' and 'str'");
                goto out;
            }
        }
    }
    *res = op == 0 ? c == 0 : op == 1 ? c < 0 : op == 2 ? c <= 0 : op == 3 ? c > 0
         : op == 4 ? c >= 0 : c != 0;
    rc = 0;
out:
    gf_buf_release(&t1);
    gf_buf_release(&t2);
    return rc;
}

int tpl_t_version(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    int res;

    return version_cmp(r, a, in, &res) < 0 ? -1 : res;
}

struct gf_val *tpl_f_version(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    int res;

    return version_cmp(r, a, in, &res) < 0 ? NULL : gf_val_bool(res);
}

/*
 * filters-str.c - the string filters (lower, upper, title, trim, replace,
 * split, indent, quote, path filters, ...) and the Python str semantics
 * they share with the methods: case mapping, strip, split, replace.
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
                    (cp < 0x80 && tpl_ascii_space((char)cp));
        i += len;
    }
    return tpl_str_from(&out);
}

struct gf_val *tpl_map_case(const struct gf_val *v, struct gf_buf *tmp, int upper)
{
    return tpl_map_case_mode(v, tmp, upper);
}


/* ---- string filters ---- */
struct gf_val *tpl_f_lower(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct gf_buf t = GF_BUF_INIT;
    struct gf_val *v = tpl_map_case(in, &t, 0);

    (void)r, (void)a;
    gf_buf_release(&t);
    return v;
}

struct gf_val *tpl_f_upper(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct gf_buf t = GF_BUF_INIT;
    struct gf_val *v = tpl_map_case(in, &t, 1);

    (void)r, (void)a;
    gf_buf_release(&t);
    return v;
}

struct gf_val *tpl_f_capitalize(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct gf_buf t = GF_BUF_INIT;
    struct gf_val *v = tpl_map_case_mode(in, &t, 2);

    (void)r, (void)a;
    gf_buf_release(&t);
    return v;
}

struct gf_val *tpl_f_title(struct rctx *r, struct gf_val *in, struct fargs *a)
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
        while (left && i < j && tpl_ascii_space(s[i]))
            i++;
        while (right && j > i && tpl_ascii_space(s[j - 1]))
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

struct gf_val *tpl_f_trim(struct rctx *r, struct gf_val *in, struct fargs *a)
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

struct gf_val *tpl_f_replace(struct rctx *r, struct gf_val *in, struct fargs *a)
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
                while (i < n && tpl_ascii_space(s[i]))
                    i++;
                if (i >= n)
                    break;
                if (maxsplit == 0) {
                    size_t j = n;
                    while (j > i && tpl_ascii_space(s[j - 1]))
                        j--;
                    gf_val_list_push(l, gf_val_strn(s + i, j - i));
                    break;
                }
                size_t j = i;
                while (j < n && !tpl_ascii_space(s[j]))
                    j++;
                gf_val_list_push(l, gf_val_strn(s + i, j - i));
                if (maxsplit > 0)
                    maxsplit--;
                i = j;
            }
            return l;
        }
        while (i > 0) {
            while (i > 0 && tpl_ascii_space(s[i - 1]))
                i--;
            if (i == 0)
                break;
            size_t j = i;
            if (maxsplit == 0) {
                size_t k = 0;
                while (k < j && tpl_ascii_space(s[k]))
                    k++;
                gf_vec_push(&parts, gf_val_strn(s + k, j - k));
                break;
            }
            while (i > 0 && !tpl_ascii_space(s[i - 1]))
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

struct gf_val *tpl_f_split(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    if (in->type != GF_VAL_STR)
        return FAIL("descriptor 'split' for 'str' objects doesn't apply to a '%s' object",
                    tpl_pytype(in));
    return tpl_split_common(r, a, in, a->a[0], a->a[1], 0);
}

struct gf_val *tpl_f_quote(struct rctx *r, struct gf_val *in, struct fargs *a)
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

struct gf_val *tpl_f_basename(struct rctx *r, struct gf_val *in, struct fargs *a)
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

struct gf_val *tpl_f_dirname(struct rctx *r, struct gf_val *in, struct fargs *a)
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

struct gf_val *tpl_f_splitext(struct rctx *r, struct gf_val *in, struct fargs *a)
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

struct gf_val *tpl_f_path_join(struct rctx *r, struct gf_val *in, struct fargs *a)
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

struct gf_val *tpl_f_indent(struct rctx *r, struct gf_val *in, struct fargs *a)
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

struct gf_val *tpl_f_format(struct rctx *r, struct gf_val *in, struct fargs *a)
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

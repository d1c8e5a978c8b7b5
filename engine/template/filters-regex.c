/*
 * filters-regex.c - the regular expression filters and tests
 * (regex_search, regex_replace, regex_findall, regex_escape; match,
 * search, regex) on pcre2, with Python's re semantics for replacement
 * templates and empty matches, and the process-wide cache of compiled
 * patterns they share.
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

/* ---- regular expressions ---- */
struct rx {
    pcre2_code *code;
    int owned;
};

#define RX_CACHE_MAX 1024
static pthread_mutex_t rx_lock = PTHREAD_MUTEX_INITIALIZER;
static struct gf_map rx_cache;

static void code_free_void(void *p)
{
    pcre2_code_free(p);
}

void gf_tpl_global_cleanup(void)
{
    pthread_mutex_lock(&rx_lock);
    gf_map_release(&rx_cache, code_free_void);
    pthread_mutex_unlock(&rx_lock);
}

/* Compiles a Python pattern (\Z becomes \z). */
static int rx_get(struct rctx *r, struct fargs *a, const char *pat, size_t n, int icase,
                  int mline, int utf, struct rx *out)
{
    struct gf_buf p = GF_BUF_INIT;
    int nul = memchr(pat, '\0', n) != NULL;

    gf_buf_addc(&p, (char)('A' + icase + 2 * mline + 4 * utf));
    for (size_t i = 0; i < n; i++) {
        if (pat[i] == '\\' && i + 1 < n) {
            gf_buf_addc(&p, '\\');
            gf_buf_addc(&p, pat[i + 1] == 'Z' ? 'z' : pat[i + 1]);
            i++;
        } else {
            gf_buf_addc(&p, pat[i]);
        }
    }
    out->owned = 0;
    if (!nul) {
        pthread_mutex_lock(&rx_lock);
        out->code = gf_map_get(&rx_cache, p.buf);
        pthread_mutex_unlock(&rx_lock);
        if (out->code) {
            gf_buf_release(&p);
            return 0;
        }
    }
    int ec;
    PCRE2_SIZE off;
    uint32_t opts = (icase ? PCRE2_CASELESS : 0) | (mline ? PCRE2_MULTILINE : 0) |
                    (utf ? PCRE2_UTF | PCRE2_UCP : 0);
    out->code = pcre2_compile((PCRE2_SPTR)p.buf + 1, p.len - 1, opts, &ec, &off, NULL);
    if (out->code == NULL) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(ec, msg, sizeof(msg));
        FAIL("invalid regular expression '%.*s': %s at position %zu", (int)n, pat,
             (const char *)msg, (size_t)off);
        gf_buf_release(&p);
        return -1;
    }
    out->owned = 1;
    if (!nul) {
        pthread_mutex_lock(&rx_lock);
        if (rx_cache.n < RX_CACHE_MAX && gf_map_get(&rx_cache, p.buf) == NULL) {
            gf_map_set(&rx_cache, p.buf, out->code);
            out->owned = 0;
        }
        pthread_mutex_unlock(&rx_lock);
    }
    gf_buf_release(&p);
    return 0;
}

static void rx_put(struct rx *x)
{
    if (x->owned)
        pcre2_code_free(x->code);
}

static int rx_utf(const char *pat, size_t pn, const char *s, size_t n)
{
    return gf_utf8_valid(pat, pn) && gf_utf8_valid(s, n);
}

/* One match from start; returns pcre2_match's code. */
static int rx_exec(const struct rx *x, const char *s, size_t n, size_t start, uint32_t opts,
                   pcre2_match_data *md, int utf)
{
    return pcre2_match(x->code, (PCRE2_SPTR)s, n, start, opts | (utf ? PCRE2_NO_UTF_CHECK : 0),
                       md, NULL);
}

static int rx_error(struct rctx *r, struct fargs *a, int rc)
{
    PCRE2_UCHAR msg[256];

    pcre2_get_error_message(rc, msg, sizeof(msg));
    FAIL("regular expression failed: %s", (const char *)msg);
    return -1;
}

/* Length of the UTF-8 character at s[i] (1 outside UTF mode). */
static size_t char_len(const char *s, size_t n, size_t i, int utf)
{
    size_t j = i + 1;

    if (utf)
        while (j < n && ((unsigned char)s[j] & 0xc0) == 0x80)
            j++;
    return j - i;
}

/* Walks the matches of x in s as Python's finditer (3.7+ empty-match rules);
 * calls fn for each. Returns 0 or -1. */
typedef int (*match_fn)(void *ctx, const char *s, PCRE2_SIZE *ov, int rc);

static int rx_each(struct rctx *r, struct fargs *a, const struct rx *x, const char *s, size_t n,
                   int utf, match_fn fn, void *ctx, size_t *copied, struct gf_buf *between)
{
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(x->code, NULL);
    size_t start = 0, last = 0;
    int rc = 0, empty_prev = 0;

    for (;;) {
        uint32_t opts = empty_prev ? PCRE2_NOTEMPTY_ATSTART | PCRE2_ANCHORED : 0;
        if (start > n)
            break;
        int m = rx_exec(x, s, n, start, opts, md, utf);
        if (m == PCRE2_ERROR_NOMATCH) {
            if (!empty_prev)
                break;
            empty_prev = 0;
            if (start >= n)
                break;
            start += char_len(s, n, start, utf);
            continue;
        }
        if (m < 0) {
            rc = rx_error(r, a, m);
            break;
        }
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        if (between)
            gf_buf_add(between, s + last, ov[0] - last);
        last = ov[1];
        if (fn(ctx, s, ov, m) < 0) {
            rc = -1;
            break;
        }
        empty_prev = ov[0] == ov[1];
        start = ov[1];
    }
    if (copied)
        *copied = last;
    pcre2_match_data_free(md);
    return rc;
}

struct subst {
    struct rctx *r;
    struct fargs *a;
    const struct rx *x;
    const char *rep;
    size_t rn;
    struct gf_buf *out;
};

static int group_num(const struct rx *x, const char *name, size_t n)
{
    char buf[128];

    if (n == 0 || n >= sizeof(buf))
        return -1;
    memcpy(buf, name, n);
    buf[n] = '\0';
    int digits = 1;
    for (size_t i = 0; i < n; i++)
        digits &= name[i] >= '0' && name[i] <= '9';
    if (digits)
        return atoi(buf);
    int g = pcre2_substring_number_from_name(x->code, (PCRE2_SPTR)buf);
    return g < 0 ? -1 : g;
}

/* Python's expand of a replacement template for one match. */
static int expand(struct subst *st, const char *s, PCRE2_SIZE *ov)
{
    struct rctx *r = st->r;
    struct fargs *a = st->a;
    const char *p = st->rep;
    size_t n = st->rn;
    uint32_t ngroups = 0;

    pcre2_pattern_info(st->x->code, PCRE2_INFO_CAPTURECOUNT, &ngroups);
    for (size_t i = 0; i < n; i++) {
        if (p[i] != '\\' || i + 1 >= n) {
            if (p[i] == '\\') {
                FAIL("bad escape (end of pattern) in replacement");
                return -1;
            }
            gf_buf_addc(st->out, p[i]);
            continue;
        }
        char c = p[++i];
        int g = -1;
        if (c == 'g') {
            const char *lt = i + 1 < n && p[i + 1] == '<' ? p + i + 2 : NULL;
            const char *gt = lt ? memchr(lt, '>', (size_t)(p + n - lt)) : NULL;
            if (gt == NULL || (g = group_num(st->x, lt, (size_t)(gt - lt))) < 0) {
                FAIL("bad group name in replacement");
                return -1;
            }
            i = (size_t)(gt - p);
        } else if (c == '0' || (c >= '1' && c <= '7' && i + 2 < n && p[i + 1] >= '0' &&
                                p[i + 1] <= '7' && p[i + 2] >= '0' && p[i + 2] <= '7')) {
            unsigned v = 0;
            int k = 0;
            while (k < 3 && i < n && p[i] >= '0' && p[i] <= '7')
                v = v * 8 + (unsigned)(p[i++] - '0'), k++;
            i--;
            gf_buf_addc(st->out, (char)v);
            continue;
        } else if (c >= '1' && c <= '9') {
            g = c - '0';
            if (i + 1 < n && p[i + 1] >= '0' && p[i + 1] <= '9')
                g = g * 10 + (p[++i] - '0');
        } else {
            const char *esc = strchr("n\nt\tr\rf\fv\va\a\\\\", c);
            if (esc && (esc - "n\nt\tr\rf\fv\va\a\\\\") % 2 == 0) {
                gf_buf_addc(st->out, esc[1]);
            } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
                FAIL("bad escape \\%c in replacement", c);
                return -1;
            } else {
                gf_buf_addc(st->out, '\\');
                gf_buf_addc(st->out, c);
            }
            continue;
        }
        if (g < 0 || (uint32_t)g > ngroups) {
            FAIL("invalid group reference %d in replacement", g);
            return -1;
        }
        if (ov[2 * g] != PCRE2_UNSET)
            gf_buf_add(st->out, s + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
    }
    return 0;
}

static int subst_cb(void *ctx, const char *s, PCRE2_SIZE *ov, int rc)
{
    (void)rc;
    return expand(ctx, s, ov);
}

struct gf_val *tpl_f_regex_replace(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct gf_buf t1 = GF_BUF_INIT, t2 = GF_BUF_INIT, t3 = GF_BUF_INIT, out = GF_BUF_INIT;
    size_t n, pn = 0, rn = 0, copied = 0;
    const char *s = tpl_text_of(in, &t1, &n);
    const char *pat = a->a[0] ? tpl_text_of(a->a[0], &t2, &pn) : "";
    const char *rep = a->a[1] ? tpl_text_of(a->a[1], &t3, &rn) : "";
    struct gf_val *res = NULL;
    struct rx x;

    if (!a->a[0])
        pn = 0;
    if (!a->a[1])
        rn = 0;
    int utf = rx_utf(pat, pn, s, n);
    if (rx_get(r, a, pat, pn, tpl_opt_bool(a->a[2], 0), tpl_opt_bool(a->a[3], 0), utf, &x) == 0) {
        struct subst st = { r, a, &x, rep, rn, &out };
        if (rx_each(r, a, &x, s, n, utf, subst_cb, &st, &copied, &out) == 0) {
            gf_buf_add(&out, s + copied, n - copied);
            res = tpl_str_from(&out);
        }
        rx_put(&x);
    }
    gf_buf_release(&out);
    gf_buf_release(&t1);
    gf_buf_release(&t2);
    gf_buf_release(&t3);
    return res;
}

static struct gf_val *group_val(const char *s, PCRE2_SIZE *ov, int g)
{
    if (ov[2 * g] == PCRE2_UNSET)
        return gf_val_null();
    return gf_val_strn(s + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
}

struct gf_val *tpl_f_regex_search(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct gf_buf t1 = GF_BUF_INIT, t2 = GF_BUF_INIT;
    size_t n, pn;
    const char *s = tpl_text_of(in, &t1, &n), *pat = tpl_text_of(a->a[0], &t2, &pn);
    struct gf_val *res = NULL;
    int groups[64];
    size_t ng = 0;
    struct rx x;

    if (a->nrest > GF_ARRAY_LEN(groups)) {
        FAIL("too many groups");
        goto out;
    }
    int utf = rx_utf(pat, pn, s, n);
    if (rx_get(r, a, pat, pn, tpl_opt_bool(a->a[2], 0), tpl_opt_bool(a->a[3], 0), utf, &x) < 0)
        goto out;
    for (size_t i = 0; i < a->nrest; i++) {
        const struct gf_val *g = a->rest[i];
        const char *gs = g->type == GF_VAL_STR ? g->u.str.s : "";
        int num = -1;
        if (strncmp(gs, "\\g<", 3) == 0 && strchr(gs, '>'))
            num = group_num(&x, gs + 3, (size_t)(strchr(gs, '>') - gs - 3));
        else if (gs[0] == '\\' && gs[1] >= '0' && gs[1] <= '9')
            num = atoi(gs + 1);
        else {
            FAIL("Unknown argument");
            rx_put(&x);
            goto out;
        }
        uint32_t cnt = 0;
        pcre2_pattern_info(x.code, PCRE2_INFO_CAPTURECOUNT, &cnt);
        if (num < 0 || (uint32_t)num > cnt) {
            FAIL("no such group");
            rx_put(&x);
            goto out;
        }
        groups[ng++] = num;
    }
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(x.code, NULL);
    int m = rx_exec(&x, s, n, 0, 0, md, utf);
    if (m == PCRE2_ERROR_NOMATCH) {
        res = gf_val_null();
    } else if (m < 0) {
        rx_error(r, a, m);
    } else {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        if (ng == 0) {
            res = group_val(s, ov, 0);
        } else {
            res = gf_val_list();
            for (size_t i = 0; i < ng; i++)
                gf_val_list_push(res, group_val(s, ov, groups[i]));
        }
    }
    pcre2_match_data_free(md);
    rx_put(&x);
out:
    gf_buf_release(&t1);
    gf_buf_release(&t2);
    return res;
}

struct findall {
    struct gf_val *list;
    uint32_t ngroups;
};

static int findall_cb(void *ctx, const char *s, PCRE2_SIZE *ov, int rc)
{
    struct findall *f = ctx;

    (void)rc;
    if (f->ngroups == 0) {
        gf_val_list_push(f->list, group_val(s, ov, 0));
    } else if (f->ngroups == 1) {
        struct gf_val *g = group_val(s, ov, 1);
        if (g->type == GF_VAL_NULL) {
            gf_val_unref(g);
            g = gf_val_str("");
        }
        gf_val_list_push(f->list, g);
    } else {
        struct gf_val *t = gf_val_list();
        t->flags |= TV_TUPLE;
        for (uint32_t i = 1; i <= f->ngroups; i++) {
            struct gf_val *g = group_val(s, ov, (int)i);
            if (g->type == GF_VAL_NULL) {
                gf_val_unref(g);
                g = gf_val_str("");
            }
            gf_val_list_push(t, g);
        }
        gf_val_list_push(f->list, t);
    }
    return 0;
}

struct gf_val *tpl_f_regex_findall(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct gf_buf t1 = GF_BUF_INIT, t2 = GF_BUF_INIT;
    size_t n, pn;
    const char *s = tpl_text_of(in, &t1, &n), *pat = tpl_text_of(a->a[0], &t2, &pn);
    struct findall f = { NULL, 0 };
    struct rx x;
    int utf = rx_utf(pat, pn, s, n);

    if (rx_get(r, a, pat, pn, tpl_opt_bool(a->a[2], 0), tpl_opt_bool(a->a[1], 0), utf, &x) == 0) {
        f.list = gf_val_list();
        pcre2_pattern_info(x.code, PCRE2_INFO_CAPTURECOUNT, &f.ngroups);
        if (rx_each(r, a, &x, s, n, utf, findall_cb, &f, NULL, NULL) < 0) {
            gf_val_unref(f.list);
            f.list = NULL;
        }
        rx_put(&x);
    }
    gf_buf_release(&t1);
    gf_buf_release(&t2);
    return f.list;
}

struct gf_val *tpl_f_regex_escape(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct gf_buf t = GF_BUF_INIT, out = GF_BUF_INIT;
    size_t n;
    const char *s = tpl_text_of(in, &t, &n);
    const char *type = tpl_opt_str(r, a, a->a[0], "python");
    const char *special;

    if (type == NULL)
        return NULL;
    if (strcmp(type, "python") == 0)
        special = "()[]{}?*+-|^$\\.&~# \t\n\r\v\f";
    else if (strcmp(type, "posix_basic") == 0)
        special = "].[^$*\\";
    else {
        gf_buf_release(&t);
        return FAIL("Invalid regex type (%s)", type);
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] && strchr(special, s[i]))
            gf_buf_addc(&out, '\\');
        gf_buf_addc(&out, s[i]);
    }
    gf_buf_release(&t);
    return tpl_str_from(&out);
}

/* match/search/regex tests */
static int regex_test(struct rctx *r, struct gf_val *in, struct fargs *a, int anchored)
{
    struct gf_buf t1 = GF_BUF_INIT, t2 = GF_BUF_INIT;
    size_t n, pn = 0;
    const char *s = tpl_text_of(in, &t1, &n);
    const char *pat = a->a[0] ? tpl_text_of(a->a[0], &t2, &pn) : "";
    struct rx x;
    int res = -1;

    if (!a->a[0])
        pn = 0;
    int utf = rx_utf(pat, pn, s, n);
    if (rx_get(r, a, pat, pn, tpl_opt_bool(a->a[1], 0), tpl_opt_bool(a->a[2], 0), utf, &x) == 0) {
        pcre2_match_data *md = pcre2_match_data_create_from_pattern(x.code, NULL);
        int m = rx_exec(&x, s, n, 0, anchored ? PCRE2_ANCHORED : 0, md, utf);
        if (m >= 0)
            res = 1;
        else if (m == PCRE2_ERROR_NOMATCH)
            res = 0;
        else
            rx_error(r, a, m);
        pcre2_match_data_free(md);
        rx_put(&x);
    }
    gf_buf_release(&t1);
    gf_buf_release(&t2);
    return res;
}

int tpl_t_match(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return regex_test(r, in, a, 1);
}

int tpl_t_search(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return regex_test(r, in, a, 0);
}

int tpl_t_regex(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    const char *type = tpl_opt_str(r, a, a->a[3], "search");

    if (type == NULL)
        return -1;
    return regex_test(r, in, a, strcmp(type, "match") == 0);
}

/*
 * pattern.c - host patterns as Ansible's InventoryManager resolves them:
 * splitting on ',' (or ':' and whitespace when the whole is not an
 * address), union then '&' intersections then '!' exclusions, exact host
 * names first, groups (with their descendants' hosts) and hosts by fnmatch
 * glob or '~' regex (re.match: anchored at the start only), subscripts
 * g[0], g[-1], g[1:3], g[2:], and @file (one pattern per line). Linear in
 * the number of hosts per pattern term.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <limits.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "inv-private.h"

/* ---- fnmatch, as Python's fnmatch.translate compiles it ---- */

enum { G_LIT, G_ANY, G_STAR, G_CLASS };

struct gtok {
    int kind;
    unsigned cp;          /* G_LIT */
    int neg;              /* G_CLASS */
    unsigned *ranges;     /* G_CLASS: lo, hi pairs */
    size_t nranges;
};

struct glob {
    struct gtok *t;
    size_t n;
};

static size_t decode(const char *s, unsigned **out)
{
    size_t n = 0, len = strlen(s);

    *out = gf_xmalloc((len + 1) * sizeof(**out));
    while (*s)
        s += inv_utf8_next(s, &(*out)[n++]);
    return n;
}

static void glob_free(struct glob *g)
{
    for (size_t i = 0; i < g->n; i++)
        free(g->t[i].ranges);
    free(g->t);
}

static void glob_compile(const char *pat, struct glob *g)
{
    unsigned *p;
    size_t n = decode(pat, &p), i = 0;

    g->t = gf_xcalloc(n + 1, sizeof(*g->t));
    g->n = 0;
    while (i < n) {
        unsigned c = p[i++];
        struct gtok *t = &g->t[g->n];
        if (c == '*') {
            if (g->n == 0 || g->t[g->n - 1].kind != G_STAR)
                t->kind = G_STAR, g->n++;
            continue;
        }
        if (c == '?') {
            t->kind = G_ANY, g->n++;
            continue;
        }
        if (c == '[') {
            size_t j = i;
            if (j < n && p[j] == '!')
                j++;
            if (j < n && p[j] == ']')
                j++;
            while (j < n && p[j] != ']')
                j++;
            if (j < n) {
                size_t k = i;
                t->kind = G_CLASS;
                if (p[k] == '!')
                    t->neg = 1, k++;
                t->ranges = gf_xcalloc(2 * (j - k) + 2, sizeof(unsigned));
                while (k < j) {
                    if (k + 2 < j && p[k + 1] == '-') {
                        if (p[k] <= p[k + 2]) { /* Python drops reversed ranges */
                            t->ranges[2 * t->nranges] = p[k];
                            t->ranges[2 * t->nranges++ + 1] = p[k + 2];
                        }
                        k += 3;
                    } else {
                        t->ranges[2 * t->nranges] = t->ranges[2 * t->nranges + 1] = p[k];
                        t->nranges++;
                        k++;
                    }
                }
                i = j + 1;
                g->n++;
                continue;
            }
        }
        t->kind = G_LIT;
        t->cp = c;
        g->n++;
    }
    free(p);
}

static int class_has(const struct gtok *t, unsigned c)
{
    int in = 0;

    for (size_t i = 0; i < t->nranges && !in; i++)
        in = c >= t->ranges[2 * i] && c <= t->ranges[2 * i + 1];
    return in != t->neg;
}

/* Whole-string match; the usual backtracking to the last star. */
static int glob_match(const struct glob *g, const char *str)
{
    unsigned *s;
    size_t n = decode(str, &s), si = 0, ti = 0, star_t = (size_t)-1, star_s = 0;
    int ok;

    for (;;) {
        if (ti < g->n && g->t[ti].kind == G_STAR) {
            star_t = ti++;
            star_s = si;
            continue;
        }
        if (si == n && ti == g->n) {
            ok = 1;
            break;
        }
        if (si < n && ti < g->n) {
            const struct gtok *t = &g->t[ti];
            if (t->kind == G_ANY || (t->kind == G_LIT && t->cp == s[si]) ||
                (t->kind == G_CLASS && class_has(t, s[si]))) {
                si++, ti++;
                continue;
            }
        }
        if (star_t != (size_t)-1 && star_s < n) {
            ti = star_t + 1;
            si = ++star_s;
            continue;
        }
        ok = 0;
        break;
    }
    free(s);
    return ok;
}

/* ---- one pattern term ---- */

struct matcher {
    int regex;
    pcre2_code *re;
    pcre2_match_data *md;
    struct glob glob;
    int exact;            /* no glob characters: plain equality */
    const char *text;
};

static int matcher_init(struct matcher *m, const char *expr, struct gf_error *err)
{
    memset(m, 0, sizeof(*m));
    m->text = expr;
    if (expr[0] == '~') {
        int ec;
        PCRE2_SIZE off;
        m->regex = 1;
        m->re = pcre2_compile((PCRE2_SPTR)expr + 1, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP,
                              &ec, &off, NULL);
        if (m->re == NULL) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(ec, msg, sizeof(msg));
            return gf_error_set(err, GF_EINVAL, NULL, 0, 0, "invalid host pattern '%s': %s at "
                                "offset %zu", expr, (const char *)msg, (size_t)off);
        }
        m->md = pcre2_match_data_create_from_pattern(m->re, NULL);
        return 0;
    }
    m->exact = strpbrk(expr, "*?[") == NULL;
    if (!m->exact)
        glob_compile(expr, &m->glob);
    return 0;
}

static void matcher_release(struct matcher *m)
{
    pcre2_match_data_free(m->md);
    pcre2_code_free(m->re);
    glob_free(&m->glob);
}

static int matches(struct matcher *m, const char *name)
{
    if (m->regex)
        return pcre2_match(m->re, (PCRE2_SPTR)name, strlen(name), 0, PCRE2_ANCHORED, m->md,
                           NULL) >= 0;
    if (m->exact)
        return strcmp(m->text, name) == 0;
    return glob_match(&m->glob, name);
}

/* Scratch marks, one per host and per group, reset by generation. */
struct marks {
    unsigned *host, *group;
    unsigned gen;
};

/* Group.get_hosts(): the group and its descendants breadth first, direct
 * hosts of each in order, each host once. Appends to out. */
static void group_hosts(const struct gf_group *g, struct marks *mk, struct gf_vec *out)
{
    struct gf_vec order = GF_VEC_INIT;

    mk->gen++;
    gf_vec_push(&order, (void *)g);
    mk->group[g->index] = mk->gen;
    for (size_t i = 0; i < order.n; i++) {
        const struct gf_group *x = order.v[i];
        for (size_t c = 0; c < x->children.n; c++) {
            const struct gf_group *k = x->children.v[c];
            if (mk->group[k->index] != mk->gen) {
                mk->group[k->index] = mk->gen;
                gf_vec_push(&order, (void *)k);
            }
        }
    }
    for (size_t i = 0; i < order.n; i++) {
        const struct gf_group *x = order.v[i];
        for (size_t h = 0; h < x->hosts.n; h++) {
            const struct gf_host *host = x->hosts.v[h];
            if (mk->host[host->index] != mk->gen) {
                mk->host[host->index] = mk->gen;
                gf_vec_push(out, (void *)host);
            }
        }
    }
    gf_vec_release(&order, NULL);
}

/* _enumerate_matches: hosts of matching groups, then matching hosts. */
static int enumerate(const struct gf_inventory *inv, const char *expr, struct marks *mk,
                     struct gf_vec *out, struct gf_error *err)
{
    struct matcher m;
    size_t ngroups = 0;
    int rc = matcher_init(&m, expr, err);

    if (rc < 0)
        return rc;
    if (m.exact) {
        const struct gf_group *g = gf_inventory_group(inv, expr);
        if (g) {
            group_hosts(g, mk, out);
            ngroups++;
        }
    } else {
        for (size_t i = 0; i < inv->groups.n; i++)
            if (matches(&m, inv->groups.ents[i].key)) {
                group_hosts(inv->groups.ents[i].val, mk, out);
                ngroups++;
            }
    }
    if (ngroups == 0 || expr[0] == '~' || strpbrk(expr, ".?*[")) {
        if (m.exact) {
            struct gf_host *h = gf_inventory_host(inv, expr);
            if (h)
                gf_vec_push(out, h);
        } else {
            for (size_t i = 0; i < inv->order.n; i++)
                if (matches(&m, ((struct gf_host *)inv->order.v[i])->name))
                    gf_vec_push(out, inv->order.v[i]);
        }
    }
    matcher_release(&m);
    return 0;
}

static long long clamp_digits(const char *a, const char *b)
{
    long long v = 0;

    for (; a < b; a++)
        v = v > (LLONG_MAX - 9) / 10 ? LLONG_MAX : v * 10 + (*a - '0');
    return v;
}

static int all_digits(const char *a, const char *b)
{
    if (a == b)
        return 0;
    for (; a < b; a++)
        if (*a < '0' || *a > '9')
            return 0;
    return 1;
}

/* _split_subscript + _match_one_pattern + _apply_subscript. */
static int match_one(const struct gf_inventory *inv, const char *pattern, struct marks *mk,
                     struct gf_vec *out, struct gf_error *err)
{
    char *expr = gf_xstrdup(pattern[0] == '&' || pattern[0] == '!' ? pattern + 1 : pattern);
    size_t n = strlen(expr);
    int has_sub = 0, single = 0, rc;
    long long start = 0, end = 0;
    struct gf_vec hosts = GF_VEC_INIT;

    if (n && expr[0] != '~' && expr[n - 1] == ']') {
        char *open = strrchr(expr, '[');
        if (open && open > expr && !memchr(expr, '\n', (size_t)(open - expr))) {
            const char *in = open + 1, *ie = expr + n - 1, *sep;
            if (all_digits(in + (*in == '-'), ie)) {
                start = clamp_digits(in + (*in == '-'), ie);
                if (*in == '-')
                    start = -start;
                has_sub = single = 1;
            } else if ((sep = strpbrk(in, ":-")) && sep < ie && all_digits(in, sep) &&
                       (sep + 1 == ie || all_digits(sep + 1, ie))) {
                start = clamp_digits(in, sep);
                end = sep + 1 == ie ? -1 : clamp_digits(sep + 1, ie);
                has_sub = 1;
                single = end == 0; /* Python's "if end:" */
                if (*sep == '-')
                    gf_warn("Use [x:y] inclusive subscripts instead of [x-y] which has been "
                            "removed");
            }
            if (has_sub)
                *open = '\0';
        }
    }
    rc = enumerate(inv, expr, mk, &hosts, err);
    if (rc == 0 && has_sub && hosts.n) {
        long long len = (long long)hosts.n;
        if (single) {
            long long i = start < 0 ? start + len : start;
            if (i < 0 || i >= len) {
                rc = gf_error_set(err, GF_EINVAL, NULL, 0, 0,
                                  "no hosts matched the subscripted pattern '%s'",
                                  pattern[0] == '&' || pattern[0] == '!' ? pattern + 1 : pattern);
            } else {
                gf_vec_push(out, hosts.v[i]);
            }
        } else {
            if (end == -1)
                end = len - 1;
            for (long long i = start; i <= end && i < len; i++)
                gf_vec_push(out, hosts.v[i]);
        }
    } else if (rc == 0) {
        for (size_t i = 0; i < hosts.n; i++)
            gf_vec_push(out, hosts.v[i]);
    }
    gf_vec_release(&hosts, NULL);
    free(expr);
    return rc;
}

/* ---- splitting ---- */

static void push_stripped(struct gf_vec *out, const char *a, const char *b)
{
    size_t off, n = inv_py_strip(a, (size_t)(b - a), &off);

    if (n)
        gf_vec_push(out, gf_xstrndup(a + off, n));
}

/* split_host_pattern */
static void split_pattern(const char *pattern, struct gf_vec *out)
{
    char *host = NULL;
    long long port;

    if (strchr(pattern, ',')) {
        for (const char *p = pattern, *e;; p = e + 1) {
            e = strchr(p, ',');
            push_stripped(out, p, e ? e : p + strlen(p));
            if (e == NULL)
                break;
        }
        return;
    }
    if (inv_parse_address(pattern, 1, &host, &port) == 0) {
        free(host);
        push_stripped(out, pattern, pattern + strlen(pattern));
        return;
    }
    /* re.findall(r'(?:[^\s:\[\]]|\[[^\]]*\])+') */
    const char *p = pattern, *tok = NULL;
    while (*p) {
        unsigned c;
        size_t k = inv_utf8_next(p, &c);
        if (c == '[' && strchr(p, ']')) {
            if (tok == NULL)
                tok = p;
            p = strchr(p, ']') + 1;
            continue;
        }
        if (inv_py_space(c) || c == ':' || c == '[' || c == ']') {
            if (tok)
                push_stripped(out, tok, p);
            tok = NULL;
        } else if (tok == NULL) {
            tok = p;
        }
        p += k;
    }
    if (tok)
        push_stripped(out, tok, p);
}

/* Replaces "@file" terms by the file's lines. */
static int expand_files(struct gf_vec *terms, struct gf_error *err)
{
    struct gf_vec out = GF_VEC_INIT;
    int rc = 0;

    for (size_t i = 0; i < terms->n; i++) {
        char *t = terms->v[i];
        if (t[0] != '@' || rc < 0) {
            gf_vec_push(&out, t);
            continue;
        }
        struct gf_buf b = GF_BUF_INIT;
        if (!gf_is_file(t + 1))
            rc = gf_error_set(err, GF_EIO, t + 1, 0, 0, "cannot read host list file (from "
                              "the pattern '%s')", t);
        else
            rc = inv_read(t + 1, &b, err);
        for (char *p = b.buf, *e; rc == 0 && *p; p = e ? e + 1 : p + strlen(p)) {
            e = strchr(p, '\n');
            push_stripped(&out, p, e ? e : p + strlen(p));
            if (e == NULL)
                break;
        }
        gf_buf_release(&b);
        free(t);
    }
    gf_vec_release(terms, NULL);
    *terms = out;
    return rc;
}

int gf_inventory_match(const struct gf_inventory *inv, const char *pattern, struct gf_vec *out,
                       struct gf_error *err)
{
    struct gf_vec terms = GF_VEC_INIT, ordered = GF_VEC_INIT, res = GF_VEC_INIT;
    struct marks mk = { NULL, NULL, 0 };
    unsigned char *in = gf_xcalloc(inv->order.n + 1, 1), *that = NULL;
    int rc;

    split_pattern(pattern, &terms);
    if ((rc = expand_files(&terms, err)) < 0)
        goto out;
    /* order_patterns: plain terms, then '&' terms, then '!' terms */
    for (int pass = 0; pass < 3; pass++)
        for (size_t i = 0; i < terms.n; i++) {
            const char *t = terms.v[i];
            int kind = t[0] == '&' ? 1 : t[0] == '!' ? 2 : 0;
            if (kind == pass)
                gf_vec_push(&ordered, (void *)t);
        }
    if (ordered.n == 0 || ((const char *)ordered.v[0])[0] == '&' ||
        ((const char *)ordered.v[0])[0] == '!') {
        static char all[] = "all";
        gf_vec_push(&ordered, NULL);
        memmove(&ordered.v[1], &ordered.v[0], (ordered.n - 1) * sizeof(ordered.v[0]));
        ordered.v[0] = all;
    }
    mk.host = gf_xcalloc(inv->order.n + 1, sizeof(unsigned));
    mk.group = gf_xcalloc(inv->groups.n + 1, sizeof(unsigned));
    that = gf_xcalloc(inv->order.n + 1, 1);
    for (size_t i = 0; i < ordered.n && rc == 0; i++) {
        const char *p = ordered.v[i];
        struct gf_host *exact = gf_inventory_host(inv, p);
        struct gf_vec hits = GF_VEC_INIT;
        if (exact) { /* an exact host name wins, whatever its prefix */
            if (!in[exact->index]) {
                in[exact->index] = 1;
                gf_vec_push(&res, exact);
            }
            continue;
        }
        if ((rc = match_one(inv, p, &mk, &hits, err)) < 0) {
            gf_vec_release(&hits, NULL);
            break;
        }
        if (p[0] == '&' || p[0] == '!') {
            int keep_in = p[0] == '&';
            size_t k = 0;
            for (size_t j = 0; j < hits.n; j++)
                that[((struct gf_host *)hits.v[j])->index] = 1;
            for (size_t j = 0; j < res.n; j++) {
                struct gf_host *h = res.v[j];
                if (that[h->index] == keep_in)
                    res.v[k++] = h;
                else
                    in[h->index] = 0;
            }
            res.n = k;
            for (size_t j = 0; j < hits.n; j++)
                that[((struct gf_host *)hits.v[j])->index] = 0;
        } else {
            for (size_t j = 0; j < hits.n; j++) {
                struct gf_host *h = hits.v[j];
                if (!in[h->index]) {
                    in[h->index] = 1;
                    gf_vec_push(&res, h);
                }
            }
        }
        gf_vec_release(&hits, NULL);
    }
    if (rc == 0)
        for (size_t i = 0; i < res.n; i++)
            gf_vec_push(out, res.v[i]);
out:
    free(mk.host);
    free(mk.group);
    free(in);
    free(that);
    gf_vec_release(&res, NULL);
    gf_vec_release(&ordered, NULL);
    gf_vec_release(&terms, free);
    return rc;
}

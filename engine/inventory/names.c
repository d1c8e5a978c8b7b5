/*
 * names.c - host names in inventories: Ansible's address parser (host:port,
 * [v6]:port, IPv4/IPv6/host name validation with its own regexes), host
 * range expansion ("node[01:20]", "[a:f]", strides, several ranges), the
 * safety rule that refuses shell and SSH metacharacters in host names and
 * connection variables, and Python-compatible character classes.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <limits.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inv-private.h"

/* ---- Python character classes ---- */

size_t inv_utf8_next(const char *str, unsigned *cp)
{
    const unsigned char *s = (const unsigned char *)str;

    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if ((s[0] & 0xe0) == 0xc0 && s[1]) {
        *cp = (unsigned)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
        return 2;
    }
    if ((s[0] & 0xf0) == 0xe0 && s[1] && s[2]) {
        *cp = (unsigned)(s[0] & 0x0f) << 12 | (unsigned)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
        return 3;
    }
    if ((s[0] & 0xf8) == 0xf0 && s[1] && s[2] && s[3]) {
        *cp = (unsigned)(s[0] & 0x07) << 18 | (unsigned)(s[1] & 0x3f) << 12 |
              (unsigned)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
        return 4;
    }
    *cp = s[0];
    return 1;
}

int inv_py_space(unsigned c)
{
    return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0 ||
           c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 ||
           c == 0x202f || c == 0x205f || c == 0x3000;
}

size_t inv_py_strip(const char *s, size_t n, size_t *start)
{
    size_t a = 0, e = n;
    unsigned c;

    while (a < e && (inv_utf8_next(s + a, &c), inv_py_space(c)))
        a += inv_utf8_next(s + a, &c);
    while (e > a) {
        size_t q = e - 1;
        while (q > a && ((unsigned char)s[q] & 0xc0) == 0x80)
            q--;
        inv_utf8_next(s + q, &c);
        if (!inv_py_space(c))
            break;
        e = q;
    }
    *start = a;
    return e - a;
}

int inv_cols(const char *a, const char *b)
{
    int n = 0;

    for (; a < b; a++)
        if (((unsigned char)*a & 0xc0) != 0x80)
            n++;
    return n;
}

/* ---- the safety rule (reliability item 13) ---- */

/* Returns a description of the first character of s that may not appear in
 * a host name or connection variable, or NULL. */
static const char *bad_char(const char *s, size_t n)
{
    static char one[8];
    const char *end = s + n;

    while (s < end) {
        unsigned c;
        size_t k = inv_utf8_next(s, &c);
        if (c == '\n')
            return "a newline";
        if (c == ' ')
            return "a space";
        if (c == '\t')
            return "a tab";
        if (inv_py_space(c))
            return "whitespace";
        if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0))
            return "a control character";
        if (c < 0x80 && strchr("$\\;%'\"`", (int)c)) {
            if (c == '\'')
                return "a quote (')";
            if (c == '"')
                return "a quote (\")";
            if (c == '`')
                return "a backtick";
            one[0] = '\'';
            one[1] = (char)c;
            one[2] = '\'';
            one[3] = '\0';
            return one;
        }
        s += k;
    }
    return NULL;
}

/* Appends s single-quoted with control characters escaped. */
static void quote(const char *s, size_t n, struct gf_buf *b)
{
    gf_buf_addc(b, '\'');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n')
            gf_buf_adds(b, "\\n");
        else if (c == '\t')
            gf_buf_adds(b, "\\t");
        else if (c == '\r')
            gf_buf_adds(b, "\\r");
        else if (c < 0x20 || c == 0x7f)
            gf_buf_addf(b, "\\x%02x", c);
        else
            gf_buf_addc(b, (char)c);
    }
    gf_buf_addc(b, '\'');
}

int inv_check_host_name(const char *name, const char *file, int line, int col,
                        struct gf_error *err)
{
    struct gf_buf q = GF_BUF_INIT;
    const char *what;
    int rc;

    if (*name == '\0')
        return gf_error_set(err, GF_EPARSE, file, line, col, "empty host name");
    what = bad_char(name, strlen(name));
    if (what == NULL)
        return 0;
    quote(name, strlen(name), &q);
    rc = gf_error_set(err, GF_EPARSE, file, line, col,
                      "host name %s contains %s; host names may not contain whitespace, "
                      "quotes, backticks or any of $ \\ ; %%", q.buf, what);
    gf_buf_release(&q);
    return rc;
}

static const char *const conn_vars[] = {
    "ansible_host", "ansible_ssh_host", "ansible_user", "ansible_ssh_user",
};

int inv_check_conn_var(const char *key, const struct gf_val *v, const char *file, int line,
                       int col, struct gf_error *err)
{
    struct gf_buf q = GF_BUF_INIT;
    const char *what;
    int rc, known = 0;

    for (size_t i = 0; i < GF_ARRAY_LEN(conn_vars); i++)
        known |= strcmp(key, conn_vars[i]) == 0;
    if (!known || v == NULL || v->type != GF_VAL_STR)
        return 0;
    what = bad_char(v->u.str.s, v->u.str.len);
    if (what == NULL && memchr(v->u.str.s, '\0', v->u.str.len))
        what = "a control character";
    if (what == NULL)
        return 0;
    quote(v->u.str.s, v->u.str.len, &q);
    rc = gf_error_set(err, GF_EPARSE, file, line, col,
                      "%s value %s contains %s; it may not contain whitespace, quotes, "
                      "backticks or any of $ \\ ; %%", key, q.buf, what);
    gf_buf_release(&q);
    return rc;
}

/* ---- Ansible's address regexes (ansible/parsing/utils/addresses.py) ---- */

#define NUMRANGE "\\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\\]"
#define HEXRANGE "\\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\\]"
#define ALNUMRANGE "\\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\\]"
#define V6C "(?:[0-9a-f]{1,4}|" HEXRANGE ")"
#define V4C "(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|" NUMRANGE ")"
#define LABEL "(?:[\\w]|" ALNUMRANGE ")(?:[\\w_-]|" ALNUMRANGE ")*(?<![_-])"

enum { RE_BRACKETED, RE_HOSTPORT, RE_IPV4, RE_IPV6, RE_HOSTNAME, RE_N };

static const struct {
    const char *src;
    uint32_t flags;
} re_tab[RE_N] = {
    [RE_BRACKETED] = { "^\\[(.+)\\]:([0-9]+)$", 0 },
    [RE_HOSTPORT] = { "^((?:[^:\\[\\]]|\\[[^\\]]*\\])*):([0-9]+)$", 0 },
    [RE_IPV4] = { "^(?:" V4C "\\.){3}" V4C "$", PCRE2_CASELESS },
    /* Python's pattern is "^a|b|...|z$": only the last branch is anchored
     * at the end, so most branches accept any suffix. Kept as it is. */
    [RE_IPV6] = { "^(?:(?:" V6C ":){7}" V6C "|(?:" V6C ":){1,6}:|(?:" V6C ":)(?::" V6C "){1,6}"
                  "|(?:" V6C ":){2}(?::" V6C "){1,5}|(?:" V6C ":){3}(?::" V6C "){1,4}"
                  "|(?:" V6C ":){4}(?::" V6C "){1,3}|(?:" V6C ":){5}(?::" V6C "){1,2}"
                  "|(?:" V6C ":){6}(?::" V6C ")|:(?::" V6C "){1,6}|" V6C "?::"
                  "|(?:0:){6}(?:" V6C "\\.){3}" V6C "|::(?:ffff:)?(?:" V6C "\\.){3}" V6C
                  "|(?:0:){5}ffff:(?:" V6C "\\.){3}" V6C "$)", PCRE2_CASELESS },
    [RE_HOSTNAME] = { "^" LABEL "(?:\\." LABEL ")*$", PCRE2_CASELESS | PCRE2_UCP },
};
static pcre2_code *re_code[RE_N];
static pthread_once_t re_once = PTHREAD_ONCE_INIT;

static void re_init(void)
{
    for (int i = 0; i < RE_N; i++) {
        int ec;
        PCRE2_SIZE off;
        re_code[i] = pcre2_compile((PCRE2_SPTR)re_tab[i].src, PCRE2_ZERO_TERMINATED,
                                   re_tab[i].flags | PCRE2_UTF, &ec, &off, NULL);
        if (re_code[i] == NULL)
            gf_die("inventory address regex %d does not compile (offset %zu)", i, (size_t)off);
    }
}

/* Matches regex `which` against s; on success returns 1 and, when groups is
 * not NULL, the first two groups as malloc'd strings. */
static int re_run(int which, const char *s, char **g1, char **g2)
{
    pcre2_match_data *md;
    int rc;

    pthread_once(&re_once, re_init);
    md = pcre2_match_data_create_from_pattern(re_code[which], NULL);
    rc = pcre2_match(re_code[which], (PCRE2_SPTR)s, strlen(s), 0, 0, md, NULL);
    if (rc >= 3 && g1 && g2) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        *g1 = gf_xstrndup(s + ov[2], ov[3] - ov[2]);
        *g2 = gf_xstrndup(s + ov[4], ov[5] - ov[4]);
    }
    pcre2_match_data_free(md);
    return rc >= 0;
}

int inv_is_ip(const char *name)
{
    return re_run(RE_IPV4, name, NULL, NULL) || re_run(RE_IPV6, name, NULL, NULL);
}

/* Python's int() of an all-digit string; -1 when it does not fit. */
static long long digits_value(const char *s)
{
    long long v = 0;

    for (; *s; s++) {
        if (v > (LLONG_MAX - 9) / 10)
            return -1;
        v = v * 10 + (*s - '0');
    }
    return v;
}

int inv_parse_address(const char *s, int allow_ranges, char **host, long long *port)
{
    char *addr = gf_xstrdup(s);
    long long p = -1;
    static const int splits[] = { RE_BRACKETED, RE_HOSTPORT };

    for (size_t i = 0; i < GF_ARRAY_LEN(splits); i++) {
        char *a, *num;
        if (!re_run(splits[i], addr, &a, &num))
            continue;
        p = digits_value(num);
        free(num);
        free(addr);
        addr = a;
        if (p < 0) { /* Python has big ints; we call such ports invalid */
            free(addr);
            return -1;
        }
    }
    if (!re_run(RE_IPV4, addr, NULL, NULL) && !re_run(RE_IPV6, addr, NULL, NULL) &&
        !re_run(RE_HOSTNAME, addr, NULL, NULL)) {
        free(addr);
        return -1;
    }
    if (!allow_ranges && strchr(addr, '[')) {
        free(addr);
        return -1;
    }
    *host = addr;
    *port = p;
    return 0;
}

/* ---- host ranges (expand_hostname_range in plugins/inventory/__init__.py) ---- */

static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

int inv_py_int(const char *s, long long *out)
{
    size_t off, len = inv_py_strip(s, strlen(s), &off);
    const char *p = s + off, *end = p + len;
    int neg = 0, digits = 0;
    long long v = 0;

    if (p < end && (*p == '+' || *p == '-'))
        neg = *p++ == '-';
    for (; p < end; p++) {
        if (*p == '_' && digits && p + 1 < end && p[1] >= '0' && p[1] <= '9')
            continue;
        if (*p < '0' || *p > '9')
            return -1;
        if (v > (LLONG_MAX - 9) / 10)
            return -1;
        v = v * 10 + (*p - '0');
        digits++;
    }
    if (!digits)
        return -1;
    *out = neg ? -v : v;
    return 0;
}

static size_t py_len(const char *s)
{
    return (size_t)inv_cols(s, s + strlen(s));
}

struct expand {
    struct gf_vec *out;
    char **msg;
    size_t count;
};

static int expand(struct expand *x, const char *line, int depth);

static int expand_one(struct expand *x, const char *head, size_t hlen, const char *item,
                      const char *tail, int depth)
{
    struct gf_buf b = GF_BUF_INIT;
    int rc = 0;

    gf_buf_add(&b, head, hlen);
    gf_buf_adds(&b, item);
    gf_buf_adds(&b, tail);
    if (strchr(b.buf, '[')) {
        rc = expand(x, b.buf, depth + 1);
        gf_buf_release(&b);
        return rc;
    }
    if (++x->count > INV_MAX_EXPANSION) {
        *x->msg = gf_xasprintf("host range expands to more than %d hosts", INV_MAX_EXPANSION);
        gf_buf_release(&b);
        return -1;
    }
    gf_vec_push(x->out, gf_buf_detach(&b, NULL));
    return 0;
}

/* Python's str(n).zfill(width). */
static void zfill(long long n, size_t width, char *out, size_t cap)
{
    char digits[32];
    int neg = n < 0;
    unsigned long long u = neg ? 0ull - (unsigned long long)n : (unsigned long long)n;
    size_t nd = (size_t)snprintf(digits, sizeof(digits), "%llu", u), o = 0;

    if (neg)
        out[o++] = '-';
    for (size_t i = nd + (size_t)neg; i < width && o < cap - 1 - nd; i++)
        out[o++] = '0';
    memcpy(out + o, digits, nd + 1);
}

static int expand(struct expand *x, const char *line, int depth)
{
    const char *open = strchr(line, '['), *close = strchr(line, ']');
    char *nrange = NULL, *bounds[4] = { NULL };
    size_t nb = 0;
    int rc = -1;

    if (depth > 64) {
        *x->msg = gf_xasprintf("too many ranges in one host name");
        return -1;
    }
    if (strchr(line, '|')) {
        *x->msg = gf_xasprintf("'|' cannot appear in a host name with a range");
        return -1;
    }
    if (close == NULL) {
        *x->msg = gf_xasprintf("host range is missing its closing ']'");
        return -1;
    }
    const char *a = open < close ? open : close, *b = open < close ? close : open;
    nrange = gf_xstrndup(a + 1, (size_t)(b - a - 1));
    for (char *p = nrange, *q;; p = q + 1) {
        q = strchr(p, ':');
        if (nb < 4)
            bounds[nb] = gf_xstrndup(p, q ? (size_t)(q - p) : strlen(p));
        nb++;
        if (q == NULL)
            break;
    }
    if (nb != 2 && nb != 3) {
        *x->msg = gf_xasprintf("host range must be begin:end or begin:end:step");
        goto out;
    }
    const char *beg = *bounds[0] ? bounds[0] : "0", *end = bounds[1];
    const char *stepstr = nb == 3 ? bounds[2] : "1";
    if (*end == '\0') {
        *x->msg = gf_xasprintf("host range must specify end value");
        goto out;
    }
    size_t rlen = 0;
    if (beg[0] == '0' && py_len(beg) > 1) {
        rlen = py_len(beg);
        if (rlen != py_len(end)) {
            *x->msg = gf_xasprintf("host range must specify equal-length begin and end formats");
            goto out;
        }
    }
    long long step, ib, ie;
    const char *lb = strstr(letters, beg), *le = strstr(letters, end);
    if (lb && le) {
        if (lb > le) {
            *x->msg = gf_xasprintf("host range must have begin <= end");
            goto out;
        }
        if (inv_py_int(stepstr, &step) < 0 || step == 0) {
            *x->msg = gf_xasprintf("host range step '%s' is not a non-zero integer", stepstr);
            goto out;
        }
        size_t n = 0;
        for (const char *c = lb; step > 0 && c <= le; c += step) {
            char item[2] = { *c, '\0' };
            if (expand_one(x, line, (size_t)(a - line), item, b + 1, depth) < 0)
                goto out;
            n++;
            if (le - c < step)
                break;
        }
        if (n == 0) {
            *x->msg = gf_xasprintf("host range [%s] selects no hosts", nrange);
            goto out;
        }
        rc = 0;
        goto out;
    }
    if (inv_py_int(beg, &ib) < 0 || inv_py_int(end, &ie) < 0) {
        *x->msg = gf_xasprintf("host range [%s] is neither numeric nor alphabetic", nrange);
        goto out;
    }
    if (inv_py_int(stepstr, &step) < 0 || step == 0) {
        *x->msg = gf_xasprintf("host range step '%s' is not a non-zero integer", stepstr);
        goto out;
    }
    /* Ansible silently expands an empty range to no hosts; a typo there
     * must not quietly drop machines, so it is an error here. */
    if (ie < ib || step < 0) {
        *x->msg = gf_xasprintf("host range [%s] selects no hosts", nrange);
        goto out;
    }
    if ((unsigned long long)(ie - ib) / (unsigned long long)step >= INV_MAX_EXPANSION) {
        *x->msg = gf_xasprintf("host range expands to more than %d hosts", INV_MAX_EXPANSION);
        goto out;
    }
    for (long long i = ib; i <= ie; i += step) {
        char item[48];
        if (rlen)
            zfill(i, rlen, item, sizeof(item));
        else
            snprintf(item, sizeof(item), "%lld", i);
        if (expand_one(x, line, (size_t)(a - line), item, b + 1, depth) < 0)
            goto out;
        if (ie - i < step)
            break;
    }
    rc = 0;
out:
    free(nrange);
    for (size_t i = 0; i < 4; i++)
        free(bounds[i]);
    return rc;
}

int inv_expand_hosts(const char *pattern, struct gf_vec *names, long long *port, char **msg)
{
    char *host = NULL;
    struct expand x = { names, msg, 0 };
    int rc = 0;

    *msg = NULL;
    if (inv_parse_address(pattern, 1, &host, port) < 0) {
        host = gf_xstrdup(pattern);
        *port = -1;
    }
    if (strchr(host, '['))
        rc = expand(&x, host, 0);
    else
        gf_vec_push(names, gf_xstrdup(host));
    free(host);
    return rc;
}

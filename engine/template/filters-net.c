/* filters-net.c - filters from outside ansible.builtin's core that Ansible
 * content uses: ansible.utils' ipaddr, ipwrap, ipv4, ipv6, ipmath and
 * ipsubnet (also under ansible.netcommon. and their short names, as
 * ansible-core's routing redirects them), and core's comment, random and
 * urlsplit. Semantics follow ansible.utils 2.x on netaddr (addresses as
 * inet_pton reads them) and ansible-core 2.14; queries and options that are
 * not implemented are errors naming them. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "template-priv.h"

#define FAIL(...) tpl_fail(r, a->pos, __VA_ARGS__)

typedef unsigned __int128 u128;

/* An address or network as netaddr's IPNetwork holds it. */
struct ipn {
    int version;   /* 4 or 6 */
    u128 ip;
    int prefix;
    int bits;      /* 32 or 128 */
};

static u128 mask_of(const struct ipn *n)
{
    if (n->prefix == 0)
        return 0;
    u128 all = n->bits == 32 ? (u128)0xffffffffu : ~(u128)0;
    return all & ~(((u128)1 << (n->bits - n->prefix)) - 1) & all;
}

static u128 net_of(const struct ipn *n)
{
    return n->ip & mask_of(n);
}

static u128 last_of(const struct ipn *n)
{
    u128 all = n->bits == 32 ? (u128)0xffffffffu : ~(u128)0;
    return net_of(n) | (~mask_of(n) & all);
}

/* The number of addresses; saturates at 2^127 for a /0 IPv6 network. */
static u128 size_of(const struct ipn *n)
{
    int host = n->bits - n->prefix;
    return host >= 128 ? (u128)1 << 127 : (u128)1 << host;
}

static void addr_text(int version, u128 ip, struct gf_buf *b)
{
    char s[INET6_ADDRSTRLEN];

    if (version == 4) {
        struct in_addr a;
        a.s_addr = htonl((uint32_t)ip);
        inet_ntop(AF_INET, &a, s, sizeof(s));
    } else {
        unsigned char a[16];
        for (int i = 15; i >= 0; i--, ip >>= 8)
            a[i] = (unsigned char)(ip & 0xff);
        inet_ntop(AF_INET6, a, s, sizeof(s));
    }
    gf_buf_adds(b, s);
}

static int parse_addr(const char *s, struct ipn *n)
{
    struct in_addr a4;
    unsigned char a6[16];

    if (inet_pton(AF_INET, s, &a4) == 1) {
        n->version = 4, n->bits = 32;
        n->ip = ntohl(a4.s_addr);
        return 0;
    }
    if (inet_pton(AF_INET6, s, a6) == 1) {
        n->version = 6, n->bits = 128;
        n->ip = 0;
        for (int i = 0; i < 16; i++)
            n->ip = (n->ip << 8) | a6[i];
        return 0;
    }
    return -1;
}

/* "addr", "addr/prefix" or "addr/netmask"; *is_net when a prefix was given.
 * Returns 0 or -1. */
static int parse_ipn(const char *s, struct ipn *n, int *is_net)
{
    const char *slash = strchr(s, '/');
    char *addr = slash ? gf_xstrndup(s, (size_t)(slash - s)) : gf_xstrdup(s);
    int rc = parse_addr(addr, n);

    free(addr);
    *is_net = slash != NULL;
    if (rc < 0)
        return -1;
    n->prefix = n->bits;
    if (slash) {
        const char *p = slash + 1;
        if (*p && strspn(p, "0123456789") == strlen(p) && strlen(p) <= 3) {
            n->prefix = atoi(p);
            if (n->prefix > n->bits)
                return -1;
        } else if (n->version == 4) {
            struct ipn m;
            if (parse_addr(p, &m) < 0 || m.version != 4)
                return -1;
            u128 v = m.ip;
            int bitsset = 0;
            while (bitsset < 32 && (v & ((u128)1 << (31 - bitsset))))
                bitsset++;
            if ((v & ~mask_of(&(struct ipn){ 4, 0, bitsset, 32 }) & 0xffffffffu) != 0)
                return -1; /* not a contiguous netmask */
            n->prefix = bitsset;
        } else {
            return -1;
        }
    }
    return 0;
}

/* Reads value as ipaddr() does: an address, a network, or an integer (IPv4
 * when it fits, else IPv6). Returns 1 and *n / *vtype_net, or 0 when it is
 * not one. */
static int read_value(const struct gf_val *in, struct ipn *n, int *is_net)
{
    struct gf_buf t = GF_BUF_INIT;
    int ok = 0;

    if (in->type == GF_VAL_INT && in->u.i >= 0) {
        gf_buf_addf(&t, "%lld", in->u.i);
    } else if (in->type == GF_VAL_STR) {
        gf_buf_add(&t, in->u.str.s, in->u.str.len);
    } else {
        return 0;
    }
    if (t.len && strspn(t.buf, "0123456789") == t.len) {
        /* str(value).isdigit(): an integer address */
        if (t.len <= 39) {
            u128 v = 0;
            int over = 0;
            for (size_t i = 0; i < t.len; i++) {
                u128 nv = v * 10 + (u128)(t.buf[i] - '0');
                over |= nv / 10 != v;
                v = nv;
            }
            if (!over) {
                *is_net = 0;
                n->ip = v;
                if (v <= 0xffffffffu)
                    n->version = 4, n->bits = 32;
                else
                    n->version = 6, n->bits = 128;
                n->prefix = n->bits;
                ok = 1;
            }
        }
    } else if (t.len) {
        ok = parse_ipn(t.buf, n, is_net) == 0;
    }
    gf_buf_release(&t);
    return ok;
}

static struct gf_val *text_val(struct gf_buf *b)
{
    size_t len;
    char *s = gf_buf_detach(b, &len);

    return gf_val_str_own(s, len);
}

static struct gf_val *addr_val(int version, u128 ip, int prefix)
{
    struct gf_buf b = GF_BUF_INIT;

    addr_text(version, ip, &b);
    if (prefix >= 0)
        gf_buf_addf(&b, "/%d", prefix);
    return text_val(&b);
}

/* Whether the network n holds all of m. */
static int holds(const struct ipn *n, const struct ipn *m)
{
    return n->version == m->version && m->prefix >= n->prefix &&
           net_of(m) >= net_of(n) && last_of(m) <= last_of(n);
}

/* One value through ipaddr(value, query, version). Returns a new value
 * (False, None or the result), or NULL with the error raised. */
static struct gf_val *ipaddr_one(struct rctx *r, struct fargs *a, const struct gf_val *in,
                                 const struct gf_val *query, int version, const char *alias)
{
    struct ipn n;
    int is_net = 0;
    struct gf_buf q = GF_BUF_INIT;

    if (in->type == GF_VAL_NULL || (in->type == GF_VAL_BOOL) ||
        (in->type == GF_VAL_STR && in->u.str.len == 0) || (in->type == GF_VAL_INT && !in->u.i))
        return gf_val_bool(0); /* "not a valid IP address": Ansible warns and gives False */
    if (!read_value(in, &n, &is_net))
        return gf_val_bool(0);
    if (query && query->type != GF_VAL_NULL)
        tpl_text(query, &q);
    const char *qs = q.buf;
    struct gf_val *res = NULL;

    /* a query that is a network: is the value inside it (cidr_lookup) */
    struct ipn qn;
    int qnet = 0;
    if (*qs && strspn(qs, "0123456789") != strlen(qs) && parse_ipn(qs, &qn, &qnet) == 0 &&
        qnet) {
        if (version && n.version != version)
            res = gf_val_bool(0);
        else
            res = holds(&qn, &n) ? gf_val_ref((struct gf_val *)in) : gf_val_bool(0);
        goto out;
    }
    if (version && n.version != version) {
        res = gf_val_bool(0);
        goto out;
    }
    u128 net = net_of(&n), size = size_of(&n);
    int has_bcast = n.bits - n.prefix > 1;
    if (!strcmp(qs, "")) {
        res = is_net ? addr_val(n.version, n.ip, n.prefix) : addr_val(n.version, n.ip, -1);
    } else if (!strcmp(qs, "address") || !strcmp(qs, "ip")) {
        if (size == 1 || n.ip != net || !has_bcast || n.version == 6)
            res = addr_val(n.version, n.ip, -1);
        else
            res = gf_val_null();
    } else if (!strcmp(qs, "net")) {
        res = size > 1 && n.ip == net ? addr_val(n.version, net, n.prefix) : gf_val_null();
    } else if (!strcmp(qs, "network") || !strcmp(qs, "network_id")) {
        res = addr_val(n.version, net, -1);
    } else if (!strcmp(qs, "subnet") || !strcmp(qs, "network/prefix")) {
        res = addr_val(n.version, net, n.prefix);
    } else if (!strcmp(qs, "cidr")) {
        res = addr_val(n.version, n.ip, n.prefix);
    } else if (!strcmp(qs, "prefix")) {
        res = gf_val_int(n.prefix);
    } else if (!strcmp(qs, "netmask")) {
        res = addr_val(n.version, mask_of(&n), -1);
    } else if (!strcmp(qs, "broadcast")) {
        res = size > 2 ? addr_val(n.version, last_of(&n), -1) : gf_val_null();
    } else if (!strcmp(qs, "host")) {
        if (size == 1)
            res = addr_val(n.version, n.ip, n.prefix);
        else if (n.ip != net || !has_bcast)
            res = addr_val(n.version, n.ip, n.prefix);
        else
            res = gf_val_null();
    } else if (!strcmp(qs, "host/prefix") || !strcmp(qs, "address/prefix") ||
               !strcmp(qs, "gateway") || !strcmp(qs, "gw") || !strcmp(qs, "router") ||
               !strcmp(qs, "hostnet")) {
        if (size > 2 && (n.ip == net || n.ip == last_of(&n)))
            res = gf_val_bool(0);
        else
            res = addr_val(n.version, n.ip, n.prefix);
    } else if (!strcmp(qs, "ip/prefix")) {
        /* netaddr: an address inside a network that is neither end */
        if (size > 2 && n.ip != net && n.ip != last_of(&n))
            res = addr_val(n.version, n.ip, n.prefix);
        else if (size == 2 || size == 1)
            res = addr_val(n.version, n.ip, n.prefix);
        else
            res = gf_val_null();
    } else if (!strcmp(qs, "version")) {
        res = gf_val_int(n.version);
    } else if (!strcmp(qs, "size")) {
        res = size > (u128)0x7fffffffffffffffLL ? NULL : gf_val_int((long long)size);
        if (res == NULL)
            FAIL("%s: the size of an IPv6 network this large is not supported", alias);
    } else if (!strcmp(qs, "bool")) {
        res = gf_val_bool(1);
    } else if (!strcmp(qs, "wrap")) {
        if (n.version == 6) {
            struct gf_buf b = GF_BUF_INIT;
            gf_buf_addc(&b, '[');
            addr_text(6, n.ip, &b);
            gf_buf_addc(&b, ']');
            if (is_net)
                gf_buf_addf(&b, "/%d", n.prefix);
            res = text_val(&b);
        } else {
            res = gf_val_ref((struct gf_val *)in);
        }
    } else if (!strcmp(qs, "ipv4") || !strcmp(qs, "v4")) {
        if (n.version == 4)
            res = gf_val_ref((struct gf_val *)in);
        else if ((n.ip >> 32) == 0xffff || (n.ip >> 32) == 0) /* mapped/compatible */
            res = addr_val(4, n.ip & 0xffffffffu, n.prefix - 96); /* an IPNetwork */
        else
            res = gf_val_bool(0);
        if (res->type == GF_VAL_STR && n.version == 6 && n.prefix < 96) {
            gf_val_unref(res);
            res = gf_val_bool(0);
        }
    } else if (!strcmp(qs, "ipv6") || !strcmp(qs, "v6")) {
        if (n.version == 6)
            res = gf_val_ref((struct gf_val *)in);
        else
            res = addr_val(6, ((u128)0xffff << 32) | n.ip, n.prefix + 96);
    } else {
        char *end;
        long long idx = strtoll(qs, &end, 10);
        if (*qs && *end == '\0') {
            /* an index into the network */
            if (size == 1) {
                res = is_net ? addr_val(n.version, n.ip, n.prefix) : addr_val(n.version, n.ip, -1);
            } else {
                u128 off = idx >= 0 ? (u128)idx : size - (u128)(-idx);
                if ((idx >= 0 && (u128)idx >= size) || (idx < 0 && (u128)(-idx) > size))
                    res = gf_val_bool(0);
                else
                    res = addr_val(n.version, net + off, n.prefix);
            }
        } else {
            FAIL("%s: the query '%s' is not supported", alias, qs);
        }
    }
out:
    gf_buf_release(&q);
    return res;
}

/* ipaddr, ipv4, ipv6: lists are filtered (falsy results dropped). */
static struct gf_val *ip_filter(struct rctx *r, struct gf_val *in, struct fargs *a, int version,
                                const char *alias)
{
    if (in->type == GF_VAL_LIST) {
        struct gf_val *out = gf_val_list();
        for (size_t i = 0; i < in->u.list.n; i++) {
            struct gf_val *v = ipaddr_one(r, a, in->u.list.v[i], a->a[0], version, alias);
            if (v == NULL) {
                gf_val_unref(out);
                return NULL;
            }
            if (gf_val_truthy(v))
                gf_val_list_push(out, v);
            else
                gf_val_unref(v);
        }
        return out;
    }
    return ipaddr_one(r, a, in, a->a[0], version, alias);
}

static struct gf_val *f_ipaddr(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return ip_filter(r, in, a, 0, "ipaddr");
}

static struct gf_val *f_ipv4(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return ip_filter(r, in, a, 4, "ipv4");
}

static struct gf_val *f_ipv6(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    return ip_filter(r, in, a, 6, "ipv6");
}

/* ipwrap: IPv6 addresses in brackets; anything else unchanged. */
static struct gf_val *wrap_one(struct rctx *r, struct fargs *a, struct gf_val *in)
{
    struct gf_val *v = ipaddr_one(r, a, in, a->a[0], 0, "ipwrap");

    if (v == NULL)
        return NULL;
    if (!gf_val_truthy(v)) {
        gf_val_unref(v);
        return gf_val_ref(in);
    }
    struct gf_val *q = gf_val_str("wrap");
    struct gf_val *w = ipaddr_one(r, a, v, q, 0, "ipwrap");
    gf_val_unref(q);
    gf_val_unref(v);
    return w;
}

static struct gf_val *f_ipwrap(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    if (in->type == GF_VAL_LIST) {
        struct gf_val *out = gf_val_list();
        for (size_t i = 0; i < in->u.list.n; i++) {
            struct gf_val *v = wrap_one(r, a, in->u.list.v[i]);
            if (v == NULL) {
                gf_val_unref(out);
                return NULL;
            }
            gf_val_list_push(out, v);
        }
        return out;
    }
    return wrap_one(r, a, in);
}

static struct gf_val *f_ipmath(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct ipn n;
    int is_net;
    struct gf_buf t = GF_BUF_INIT;

    if (in->type == GF_VAL_STR)
        gf_buf_add(&t, in->u.str.s, in->u.str.len);
    int ok = in->type == GF_VAL_STR && parse_ipn(t.buf, &n, &is_net) == 0;
    if (ok && !strchr(t.buf, '/') && is_net)
        ok = 0;
    if (!ok) {
        struct gf_val *e = FAIL("You must pass a valid IP address; %s is invalid", t.buf);
        gf_buf_release(&t);
        return e;
    }
    gf_buf_release(&t);
    const struct gf_val *amt = a->a[0];
    if (amt->type != GF_VAL_INT) {
        struct gf_buf b = GF_BUF_INIT;
        tpl_text(amt, &b);
        struct gf_val *e = FAIL("You must pass an integer for arithmetic; %s is not a valid "
                                "integer", b.buf);
        gf_buf_release(&b);
        return e;
    }
    u128 max = n.bits == 32 ? (u128)0xffffffffu : ~(u128)0;
    long long d = amt->u.i;
    if ((d < 0 && (u128)(-(d + 1)) + 1 > n.ip) || (d > 0 && (u128)d > max - n.ip))
        return FAIL("result outside valid IP address boundary");
    return addr_val(n.version, d >= 0 ? n.ip + (u128)d : n.ip - ((u128)(-(d + 1)) + 1), -1);
}

/* ipsubnet(value, query, index) for its common forms: no query (the
 * network), a prefix length (how many such subnets, or with index the
 * subnet at that index), for an address the subnet of that length holding
 * it. */
static struct gf_val *f_ipsubnet(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    struct ipn n;
    int is_net = 0;

    if (!read_value(in, &n, &is_net))
        return gf_val_bool(0);
    const struct gf_val *q = a->a[0], *idx = a->a[1];
    if (q == NULL || (q->type == GF_VAL_STR && q->u.str.len == 0))
        return addr_val(n.version, net_of(&n), n.prefix);
    long long plen;
    char *end;
    if (q->type == GF_VAL_INT)
        plen = q->u.i;
    else if (q->type == GF_VAL_STR && (plen = strtoll(q->u.str.s, &end, 10), *end == '\0'))
        ;
    else
        return FAIL("ipsubnet: a query other than a prefix length is not supported");
    if (plen < 0 || plen > n.bits)
        return gf_val_bool(0);
    if (!is_net) { /* an address: the subnet of that size holding it */
        if (idx)
            return FAIL("ipsubnet: an index with an address is not supported");
        struct ipn s = n;
        s.prefix = (int)plen;
        return addr_val(n.version, net_of(&s), s.prefix);
    }
    if (plen < n.prefix)
        return gf_val_bool(0);
    int shift = (int)plen - n.prefix;
    if (idx == NULL) {
        if (shift >= 63)
            return FAIL("ipsubnet: too many subnets to count");
        char *c = gf_xasprintf("%lld", 1LL << shift);
        return gf_val_str_own(c, strlen(c));
    }
    if (idx->type != GF_VAL_INT)
        return FAIL("ipsubnet: the index must be an integer");
    if (shift >= 63)
        return FAIL("ipsubnet: too many subnets to index");
    long long count = 1LL << shift, i = idx->u.i;
    if (i < 0)
        i += count;
    if (i < 0 || i >= count)
        return gf_val_bool(0);
    struct ipn s = n;
    s.prefix = (int)plen;
    int host = n.bits - (int)plen;
    u128 start = net_of(&n) + ((u128)i << host);
    return addr_val(n.version, start, s.prefix);
}

/* ---- comment ---- */

static const char *kwtext(struct fargs *a, int i, const char *def, struct gf_buf *b)
{
    if (a->a[i] == NULL)
        return def;
    tpl_text(a->a[i], b);
    return b->buf;
}

static void rstrip_into(const char *s, struct gf_buf *b)
{
    size_t n = strlen(s);

    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    gf_buf_add(b, s, n);
}

/* Replaces every "from" in s with "to" into out. */
static void replace_all(const char *s, const char *from, const char *to, struct gf_buf *out)
{
    size_t fl = strlen(from);
    const char *p;

    if (fl == 0) {
        gf_buf_adds(out, s);
        return;
    }
    while ((p = strstr(s, from)) != NULL) {
        gf_buf_add(out, s, (size_t)(p - s));
        gf_buf_adds(out, to);
        s = p + fl;
    }
    gf_buf_adds(out, s);
}

static struct gf_val *f_comment(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    static const char *const styles[][4] = { /* name, beginning, decoration, end */
        { "plain", "", "# ", "" },
        { "erlang", "", "% ", "" },
        { "c", "", "// ", "" },
        { "cblock", "/*", " * ", " */" },
        { "xml", "<!--", " - ", "-->" },
    };
    struct gf_buf sb = GF_BUF_INIT, bufs[8], text = GF_BUF_INIT, out = GF_BUF_INIT;
    const char *style = kwtext(a, 0, "plain", &sb);
    size_t si = 0;

    while (si < GF_ARRAY_LEN(styles) && strcmp(styles[si][0], style))
        si++;
    if (si == GF_ARRAY_LEN(styles)) {
        struct gf_val *e = FAIL("comment: unknown style '%s'", style);
        gf_buf_release(&sb);
        return e;
    }
    for (size_t i = 0; i < GF_ARRAY_LEN(bufs); i++)
        gf_buf_init(&bufs[i]);
    /* params: style newline beginning prefix prefix_count decoration postfix postfix_count end */
    const char *newline = kwtext(a, 1, "\n", &bufs[0]);
    const char *beginning = kwtext(a, 2, styles[si][1], &bufs[1]);
    const char *deco_given = a->a[5] ? kwtext(a, 5, "", &bufs[2]) : NULL;
    const char *prepost = deco_given ? deco_given : styles[si][2];
    struct gf_buf pp = GF_BUF_INIT;
    rstrip_into(prepost, &pp);
    const char *prefix = kwtext(a, 3, pp.buf, &bufs[3]);
    const char *decoration = deco_given ? deco_given : styles[si][2];
    const char *postfix = kwtext(a, 6, pp.buf, &bufs[4]);
    const char *end = kwtext(a, 8, styles[si][3], &bufs[5]);
    long long pc = 1, qc = 1;
    if ((a->a[4] && a->a[4]->type != GF_VAL_INT) || (a->a[7] && a->a[7]->type != GF_VAL_INT)) {
        FAIL("comment: prefix_count and postfix_count must be integers");
        goto fail;
    }
    if (a->a[4])
        pc = a->a[4]->u.i;
    if (a->a[7])
        qc = a->a[7]->u.i;
    tpl_text(in, &text);
    if (*beginning)
        gf_buf_addf(&out, "%s%s", beginning, newline);
    if (*prefix)
        for (long long i = 0; i < pc; i++) {
            if (strcmp(prefix, newline))
                gf_buf_adds(&out, prefix);
            gf_buf_adds(&out, newline);
        }
    struct gf_buf body = GF_BUF_INIT, nd = GF_BUF_INIT, from = GF_BUF_INIT, to = GF_BUF_INIT;
    gf_buf_adds(&body, decoration);
    gf_buf_addf(&nd, "%s%s", newline, decoration);
    replace_all(text.buf, newline, nd.buf, &body);
    gf_buf_addf(&from, "%s%s", decoration, newline);
    rstrip_into(decoration, &to);
    gf_buf_adds(&to, newline);
    replace_all(body.buf, from.buf, to.buf, &out);
    for (long long i = 0; i < qc; i++) {
        gf_buf_adds(&out, newline);
        gf_buf_adds(&out, postfix);
    }
    if (*end)
        gf_buf_addf(&out, "%s%s", newline, end);
    gf_buf_release(&body);
    gf_buf_release(&nd);
    gf_buf_release(&from);
    gf_buf_release(&to);
    gf_buf_release(&text);
    gf_buf_release(&pp);
    gf_buf_release(&sb);
    for (size_t i = 0; i < GF_ARRAY_LEN(bufs); i++)
        gf_buf_release(&bufs[i]);
    return text_val(&out);
fail:
    gf_buf_release(&pp);
    gf_buf_release(&sb);
    for (size_t i = 0; i < GF_ARRAY_LEN(bufs); i++)
        gf_buf_release(&bufs[i]);
    return NULL;
}

/* ---- random ---- */

static unsigned long long rand_below(unsigned long long n)
{
    unsigned long long limit = ~0ULL - (~0ULL % n), v;

    do {
        if (RAND_bytes((unsigned char *)&v, sizeof(v)) != 1)
            gf_die("the random number generator failed");
    } while (v >= limit);
    return v % n;
}

static struct gf_val *f_random(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    const struct gf_val *start = a->a[0], *step = a->a[1], *seed = a->a[2];

    if (seed && seed->type != GF_VAL_NULL)
        return FAIL("random: a seed is not supported (Python's generator cannot be "
                    "reproduced)");
    if (in->type == GF_VAL_INT) {
        if ((start && start->type != GF_VAL_INT && start->type != GF_VAL_NULL) ||
            (step && step->type != GF_VAL_INT && step->type != GF_VAL_NULL))
            return FAIL("random: start and step must be integers");
        long long s = start && gf_val_truthy(start) ? start->u.i : 0;
        long long st = step && gf_val_truthy(step) ? step->u.i : 1;
        long long n = st > 0 ? (in->u.i - s + st - 1) / st : (s - in->u.i - st - 1) / -st;
        if (n <= 0)
            return FAIL("empty range for randrange() (%lld, %lld, %lld)", s, in->u.i, st);
        return gf_val_int(s + st * (long long)rand_below((unsigned long long)n));
    }
    if ((start && gf_val_truthy(start)) || (step && gf_val_truthy(step)))
        return FAIL("start and step can only be used with integer values");
    if (in->type == GF_VAL_LIST) {
        if (in->u.list.n == 0)
            return FAIL("Cannot choose from an empty sequence");
        return gf_val_ref(in->u.list.v[rand_below(in->u.list.n)]);
    }
    if (in->type == GF_VAL_STR) {
        size_t n = tpl_utf8_len(in->u.str.s, in->u.str.len);
        if (n == 0)
            return FAIL("Cannot choose from an empty sequence");
        size_t i = (size_t)rand_below(n);
        size_t o = tpl_utf8_off(in->u.str.s, in->u.str.len, i);
        size_t e = tpl_utf8_off(in->u.str.s, in->u.str.len, i + 1);
        return gf_val_strn(in->u.str.s + o, e - o);
    }
    return FAIL("random can only be used on sequences and integers");
}

/* ---- urlsplit (Python's urllib.parse.urlsplit) ---- */

static struct gf_val *part(const char *s, size_t n)
{
    return gf_val_strn(s, n);
}

static struct gf_val *f_urlsplit(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    if (in->type != GF_VAL_STR)
        return FAIL("urlsplit: the value must be a string");
    const char *s = in->u.str.s, *e = s + in->u.str.len;
    struct gf_val *m = gf_val_map();
    const char *p = s;
    /* scheme */
    size_t i = 0;
    if (isalpha((unsigned char)*s)) {
        while (s + i < e && (isalnum((unsigned char)s[i]) || strchr("+-.", s[i])))
            i++;
        if (s + i < e && s[i] == ':') {
            struct gf_buf b = GF_BUF_INIT;
            for (size_t k = 0; k < i; k++)
                gf_buf_addc(&b, (char)tolower((unsigned char)s[k]));
            gf_val_map_set(m, "scheme", text_val(&b));
            p = s + i + 1;
        }
    }
    if (!gf_val_map_get(m, "scheme"))
        gf_val_map_set(m, "scheme", gf_val_str(""));
    const char *net = p, *nete = p;
    if (e - p >= 2 && p[0] == '/' && p[1] == '/') {
        net = p + 2;
        nete = net;
        while (nete < e && !strchr("/?#", *nete))
            nete++;
        p = nete;
    }
    gf_val_map_set(m, "netloc", part(net, (size_t)(nete - net)));
    const char *hash = memchr(p, '#', (size_t)(e - p));
    const char *pe = hash ? hash : e;
    const char *qm = memchr(p, '?', (size_t)(pe - p));
    gf_val_map_set(m, "path", part(p, (size_t)((qm ? qm : pe) - p)));
    gf_val_map_set(m, "query", qm ? part(qm + 1, (size_t)(pe - qm - 1)) : gf_val_str(""));
    gf_val_map_set(m, "fragment", hash ? part(hash + 1, (size_t)(e - hash - 1)) : gf_val_str(""));
    /* userinfo@host:port */
    const char *at = NULL;
    for (const char *c = net; c < nete; c++)
        if (*c == '@')
            at = c;
    const char *host = at ? at + 1 : net;
    if (at) {
        const char *colon = memchr(net, ':', (size_t)(at - net));
        gf_val_map_set(m, "username", part(net, (size_t)((colon ? colon : at) - net)));
        gf_val_map_set(m, "password", colon ? part(colon + 1, (size_t)(at - colon - 1))
                                            : gf_val_null());
    } else {
        gf_val_map_set(m, "username", gf_val_null());
        gf_val_map_set(m, "password", gf_val_null());
    }
    const char *hs = host, *he, *port = NULL;
    if (host < nete && *host == '[') {
        const char *rb = memchr(host, ']', (size_t)(nete - host));
        hs = host + 1;
        he = rb ? rb : nete;
        if (rb && rb + 1 < nete && rb[1] == ':')
            port = rb + 2;
    } else {
        const char *colon = memchr(host, ':', (size_t)(nete - host));
        he = colon ? colon : nete;
        if (colon)
            port = colon + 1;
    }
    if (he > hs) {
        struct gf_buf b = GF_BUF_INIT;
        for (const char *c = hs; c < he; c++)
            gf_buf_addc(&b, (char)tolower((unsigned char)*c));
        gf_val_map_set(m, "hostname", text_val(&b));
    } else {
        gf_val_map_set(m, "hostname", gf_val_null());
    }
    if (port && port < nete) {
        size_t n = (size_t)(nete - port);
        if (strspn(port, "0123456789") < n || n > 5 || atoi(port) > 65535) {
            gf_val_unref(m);
            return FAIL("Port out of range 0-65535");
        }
        gf_val_map_set(m, "port", gf_val_int(atoi(port)));
    } else {
        gf_val_map_set(m, "port", gf_val_null());
    }
    /* the attributes in dir() order, as Ansible's object_to_dict lists them */
    static const char *const order[] = { "fragment", "hostname", "netloc", "password", "path",
                                         "port", "query", "scheme", "username" };
    struct gf_val *sorted = gf_val_map();
    for (size_t k = 0; k < GF_ARRAY_LEN(order); k++)
        gf_val_map_set(sorted, order[k], gf_val_ref(gf_val_map_get(m, order[k])));
    gf_val_unref(m);
    m = sorted;
    if (a->a[0] && gf_val_truthy(a->a[0])) {
        struct gf_buf q = GF_BUF_INIT;
        tpl_text(a->a[0], &q);
        struct gf_val *v = gf_val_map_get(m, q.buf);
        if (v == NULL) {
            FAIL("urlsplit: unknown URL component: %s", q.buf);
            gf_buf_release(&q);
            gf_val_unref(m);
            return NULL;
        }
        gf_val_ref(v);
        gf_buf_release(&q);
        gf_val_unref(m);
        return v;
    }
    return m;
}

#define IPADDR_PARAMS { "query" }
const struct tpl_filter tpl_filters_net[] = {
    { "ansible.netcommon.ipaddr", f_ipaddr, 0, IPADDR_PARAMS },
    { "ansible.netcommon.ipv4", f_ipv4, 0, IPADDR_PARAMS },
    { "ansible.netcommon.ipv6", f_ipv6, 0, IPADDR_PARAMS },
    { "ansible.netcommon.ipwrap", f_ipwrap, 0, IPADDR_PARAMS },
    { "ansible.utils.ipaddr", f_ipaddr, 0, IPADDR_PARAMS },
    { "ansible.utils.ipmath", f_ipmath, 0, { "!amount" } },
    { "ansible.utils.ipsubnet", f_ipsubnet, 0, { "query", "index" } },
    { "ansible.utils.ipv4", f_ipv4, 0, IPADDR_PARAMS },
    { "ansible.utils.ipv6", f_ipv6, 0, IPADDR_PARAMS },
    { "ansible.utils.ipwrap", f_ipwrap, 0, IPADDR_PARAMS },
    { "comment", f_comment, 0, { "style", "newline", "beginning", "prefix", "prefix_count",
                                 "decoration", "postfix", "postfix_count", "end" } },
    { "ipaddr", f_ipaddr, 0, IPADDR_PARAMS },
    { "ipmath", f_ipmath, 0, { "!amount" } },
    { "ipsubnet", f_ipsubnet, 0, { "query", "index" } },
    { "ipv4", f_ipv4, 0, IPADDR_PARAMS },
    { "ipv6", f_ipv6, 0, IPADDR_PARAMS },
    { "ipwrap", f_ipwrap, 0, IPADDR_PARAMS },
    { "random", f_random, 0, { "start", "step", "seed" } },
    { "urlsplit", f_urlsplit, 0, { "query" } },
};
const size_t tpl_nfilters_net = GF_ARRAY_LEN(tpl_filters_net);

/* ---- ansible.utils' IP tests ---- */

/* Parses "ADDR" or "ADDR/PREFIX" (text only). Returns the family (4 or 6)
 * and fills addr (16 bytes), *prefix (-1 when none); 0 when it is not one. */
static int ip_parse(const struct gf_val *in, unsigned char *addr, int *prefix)
{
    char buf[64];

    if (in->type != GF_VAL_STR || in->u.str.len == 0 || in->u.str.len >= sizeof buf)
        return 0;
    memcpy(buf, in->u.str.s, in->u.str.len);
    buf[in->u.str.len] = '\0';
    *prefix = -1;
    char *slash = strchr(buf, '/');
    if (slash) {
        char *end;
        *slash++ = '\0';
        if (!isdigit((unsigned char)*slash))
            return 0;
        long p = strtol(slash, &end, 10);
        if (*end || p < 0 || p > 128)
            return 0;
        *prefix = (int)p;
    }
    if (inet_pton(AF_INET, buf, addr) == 1)
        return *prefix <= 32 ? 4 : 0;
    if (inet_pton(AF_INET6, buf, addr) == 1)
        return 6;
    return 0;
}

/* ip, ipv4, ipv6: an address or a network; *_address: an address only. */
static int ip_test(struct gf_val *in, int want, int address_only)
{
    unsigned char addr[16];
    int prefix, fam = ip_parse(in, addr, &prefix);

    if (fam == 0 || (want && fam != want))
        return 0;
    return !address_only || prefix < 0; /* "a/32" is a network to ansible.utils */
}

static int t_ip(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    (void)r, (void)a;
    return ip_test(in, 0, 0);
}

static int t_ipv4(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    (void)r, (void)a;
    return ip_test(in, 4, 0);
}

static int t_ipv6(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    (void)r, (void)a;
    return ip_test(in, 6, 0);
}

static int t_ip_address(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    (void)r, (void)a;
    return ip_test(in, 0, 1);
}

static int t_ipv4_address(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    (void)r, (void)a;
    return ip_test(in, 4, 1);
}

static int t_ipv6_address(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    (void)r, (void)a;
    return ip_test(in, 6, 1);
}

/* in_network(NETWORK): the address (or network) lies inside NETWORK. */
static int t_in_network(struct rctx *r, struct gf_val *in, struct fargs *a)
{
    unsigned char x[16], n[16];
    int px, pn, fx = ip_parse(in, x, &px), fn = ip_parse(a->a[0], n, &pn);

    if (fn == 0) {
        tpl_fail(r, a->pos, "in_network: '%s' is not a network",
                 a->a[0]->type == GF_VAL_STR ? a->a[0]->u.str.s : "(not text)");
        return -1;
    }
    if (fx != fn)
        return 0;
    int bits = fn == 4 ? 32 : 128;
    if (pn < 0)
        pn = bits;
    if (px >= 0 && px < pn)
        return 0; /* a larger network is not inside a smaller one */
    for (int i = 0; i < pn; i++) {
        int m = 0x80 >> (i % 8);
        if ((x[i / 8] & m) != (n[i / 8] & m))
            return 0;
    }
    return 1;
}

#define IP_TEST(n, f) { n, f, 0, { NULL } }, { "ansible.utils." n, f, 0, { NULL } }
const struct tpl_test tpl_tests_net[] = {
    IP_TEST("ip", t_ip),
    IP_TEST("ip_address", t_ip_address),
    IP_TEST("ipv4", t_ipv4),
    IP_TEST("ipv4_address", t_ipv4_address),
    IP_TEST("ipv6", t_ipv6),
    IP_TEST("ipv6_address", t_ipv6_address),
    { "in_network", t_in_network, 0, { "!network" } },
    { "ansible.utils.in_network", t_in_network, 0, { "!network" } },
};
const size_t tpl_ntests_net = GF_ARRAY_LEN(tpl_tests_net);

/* http.c - the controller's HTTP/1.1 client (see http.h): one request per
 * connection ("Connection: close"), the answer read to the end of the
 * connection or of its Content-Length, then parsed. */
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "http.h"

static char *dupn(const char *s, size_t n)
{
    char *p = gf_xmalloc(n + 1);

    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void gf_http_url_release(struct gf_http_url *u)
{
    free(u->scheme);
    free(u->host);
    free(u->port);
    free(u->path);
    if (u->userinfo)
        OPENSSL_cleanse(u->userinfo, strlen(u->userinfo));
    free(u->userinfo);
    memset(u, 0, sizeof(*u));
}

int gf_http_parse_url(const char *url, struct gf_http_url *u, const char **why)
{
    const char *p = strstr(url, "://"), *auth, *end, *at, *hp;

    memset(u, 0, sizeof(*u));
    if (!p) {
        *why = "not a URL (no scheme://)";
        return -1;
    }
    u->scheme = dupn(url, (size_t)(p - url));
    for (char *c = u->scheme; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    if (strcmp(u->scheme, "http") != 0 && strcmp(u->scheme, "https") != 0) {
        *why = "only http and https URLs are fetched over the network";
        goto bad;
    }
    auth = p + 3;
    end = auth + strcspn(auth, "/?#");
    at = NULL;
    for (const char *c = auth; c < end; c++)
        if (*c == '@')
            at = c;
    hp = auth;
    if (at) {
        u->userinfo = dupn(auth, (size_t)(at - auth));
        hp = at + 1;
    }
    if (*hp == '[') {
        const char *rb = memchr(hp, ']', (size_t)(end - hp));
        if (!rb) {
            *why = "unterminated IPv6 address";
            goto bad;
        }
        u->host = dupn(hp + 1, (size_t)(rb - hp - 1));
        hp = rb + 1;
        if (hp < end && *hp != ':') {
            *why = "junk after the IPv6 address";
            goto bad;
        }
    } else {
        const char *colon = memchr(hp, ':', (size_t)(end - hp));
        u->host = dupn(hp, (size_t)((colon ? colon : end) - hp));
        hp = colon ? colon : end;
    }
    if (!*u->host) {
        *why = "no host in the URL";
        goto bad;
    }
    if (hp < end && *hp == ':' && hp + 1 < end) {
        u->port = dupn(hp + 1, (size_t)(end - hp - 1));
        if (u->port[strspn(u->port, "0123456789")] != '\0') {
            *why = "the port is not a number";
            goto bad;
        }
    } else {
        u->port = gf_xstrdup(strcmp(u->scheme, "https") == 0 ? "443" : "80");
    }
    size_t plen = strcspn(end, "#");
    if (plen == 0 || *end != '/') {
        struct gf_buf b = GF_BUF_INIT;
        gf_buf_addc(&b, '/');
        gf_buf_add(&b, end, plen);
        u->path = gf_buf_detach(&b, NULL);
    } else {
        u->path = dupn(end, plen);
    }
    return 0;
bad:
    gf_http_url_release(u);
    return -1;
}

char *gf_http_resolve(const char *base, const char *ref)
{
    struct gf_buf b = GF_BUF_INIT;
    const char *s = strstr(base, "://");

    if (strstr(ref, "://") || !s) {
        gf_buf_adds(&b, ref);
    } else if (ref[0] == '/' && ref[1] == '/') {
        gf_buf_add(&b, base, (size_t)(s - base) + 1);
        gf_buf_adds(&b, ref);
    } else if (ref[0] == '/') {
        const char *e = s + 3 + strcspn(s + 3, "/?#");
        gf_buf_add(&b, base, (size_t)(e - base));
        gf_buf_adds(&b, ref);
    } else {
        const char *e = s + 3 + strcspn(s + 3, "?#"), *slash = e;
        while (slash > s + 3 && slash[-1] != '/')
            slash--;
        if (slash == s + 3) { /* no path */
            gf_buf_add(&b, base, (size_t)(e - base));
            gf_buf_addc(&b, '/');
        } else {
            gf_buf_add(&b, base, (size_t)(slash - base));
        }
        gf_buf_adds(&b, ref);
    }
    return gf_buf_detach(&b, NULL);
}

void gf_http_date(long long t, char *out, size_t n)
{
    time_t tt = (time_t)t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    strftime(out, n, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

int gf_http_parse_head(const char *head, size_t len, int *status, char **reason,
                       struct gf_val **headers)
{
    const char *p = head, *end = head + len, *eol;
    struct gf_val *h = NULL;

    eol = memchr(p, '\n', (size_t)(end - p));
    if (!eol || len < 12 || strncmp(p, "HTTP/1.", 7) != 0 || p[8] != ' ' ||
        !isdigit((unsigned char)p[9]) || !isdigit((unsigned char)p[10]) ||
        !isdigit((unsigned char)p[11]))
        return -1;
    *status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
    const char *r = p + 12, *re = eol;
    while (r < re && *r == ' ')
        r++;
    while (re > r && (re[-1] == '\r' || re[-1] == ' '))
        re--;
    *reason = dupn(r, (size_t)(re - r));
    h = gf_val_map();
    for (p = eol + 1; p < end; p = eol + 1) {
        eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        const char *le = eol;
        if (le > p && le[-1] == '\r')
            le--;
        if (le == p)
            break;
        const char *colon = memchr(p, ':', (size_t)(le - p));
        if (!colon)
            continue;
        char *name = dupn(p, (size_t)(colon - p));
        for (char *c = name; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        const char *v = colon + 1;
        while (v < le && (*v == ' ' || *v == '\t'))
            v++;
        const char *ve = le;
        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
            ve--;
        struct gf_val *old = gf_val_map_get(h, name);
        if (old && old->type == GF_VAL_STR) {
            struct gf_buf b = GF_BUF_INIT;
            gf_buf_add(&b, old->u.str.s, old->u.str.len);
            gf_buf_adds(&b, ", ");
            gf_buf_add(&b, v, (size_t)(ve - v));
            size_t n;
            char *s = gf_buf_detach(&b, &n);
            gf_val_map_set(h, name, gf_val_str_own(s, n));
        } else {
            gf_val_map_set(h, name, gf_val_strn(v, (size_t)(ve - v)));
        }
        free(name);
        if (eol == end)
            break;
    }
    *headers = h;
    return 0;
}

int gf_http_dechunk(struct gf_buf *b)
{
    size_t in = 0, out = 0;

    for (;;) {
        char *e = NULL;
        if (in >= b->len)
            return -1;
        unsigned long long n = strtoull(b->buf + in, &e, 16);
        if (e == b->buf + in)
            return -1;
        char *nl = memchr(e, '\n', b->len - (size_t)(e - b->buf));
        if (!nl)
            return -1;
        in = (size_t)(nl - b->buf) + 1;
        if (n == 0)
            break;
        if (n > b->len - in)
            return -1;
        memmove(b->buf + out, b->buf + in, (size_t)n);
        out += (size_t)n;
        in += (size_t)n;
        if (in < b->len && b->buf[in] == '\r')
            in++;
        if (in < b->len && b->buf[in] == '\n')
            in++;
        else
            return -1;
    }
    gf_buf_setlen(b, out);
    return 0;
}

/* ---- one connection ---- */

struct conn {
    int fd;
    SSL_CTX *ctx;
    SSL *ssl;
};

static void conn_close(struct conn *c)
{
    if (c->ssl) {
        SSL_shutdown(c->ssl);
        SSL_free(c->ssl);
    }
    if (c->ctx)
        SSL_CTX_free(c->ctx);
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->ssl = NULL;
    c->ctx = NULL;
}

static char *ssl_why(const char *what)
{
    struct gf_buf b = GF_BUF_INIT;
    unsigned long e = ERR_get_error();
    char s[256];

    gf_buf_adds(&b, what);
    if (e) {
        ERR_error_string_n(e, s, sizeof(s));
        gf_buf_addf(&b, ": %s", s);
    }
    ERR_clear_error();
    return gf_buf_detach(&b, NULL);
}

static char *conn_open(struct conn *c, const struct gf_http_url *u, int timeout, int verify,
                       int *sys_errno)
{
    struct addrinfo hints, *res = NULL;
    struct timeval tv = { .tv_sec = timeout > 0 ? timeout : 10, .tv_usec = 0 };
    struct gf_buf why = GF_BUF_INIT;
    int e;

    c->fd = -1;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    e = getaddrinfo(u->host, u->port, &hints, &res);
    if (e != 0) {
        gf_buf_addf(&why, "cannot resolve %s: %s", u->host, gai_strerror(e));
        return gf_buf_detach(&why, NULL);
    }
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0)
            continue;
        /* Linux bounds connect() by the send timeout. */
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
            c->fd = fd;
            break;
        }
        e = errno;
        close(fd);
    }
    freeaddrinfo(res);
    if (c->fd < 0) {
        *sys_errno = e;
        gf_buf_addf(&why, "cannot connect to %s port %s: %s", u->host, u->port,
                    e == EINPROGRESS || e == EAGAIN ? "timed out" : strerror(e));
        return gf_buf_detach(&why, NULL);
    }
    if (strcmp(u->scheme, "https") != 0)
        return NULL;
    c->ctx = SSL_CTX_new(TLS_client_method());
    if (!c->ctx)
        return ssl_why("TLS setup failed");
    SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
    if (verify) {
        SSL_CTX_set_default_verify_paths(c->ctx);
        SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
    }
    c->ssl = SSL_new(c->ctx);
    if (!c->ssl)
        return ssl_why("TLS setup failed");
    SSL_set_tlsext_host_name(c->ssl, u->host);
    if (verify)
        SSL_set1_host(c->ssl, u->host);
    SSL_set_fd(c->ssl, c->fd);
    if (SSL_connect(c->ssl) != 1) {
        long vr = SSL_get_verify_result(c->ssl);
        if (verify && vr != X509_V_OK) {
            ERR_clear_error();
            gf_buf_addf(&why, "certificate verify failed for %s: %s (validate_certs=false "
                        "turns the check off)", u->host, X509_verify_cert_error_string(vr));
            return gf_buf_detach(&why, NULL);
        }
        return ssl_why("TLS handshake failed");
    }
    return NULL;
}

static int conn_write(struct conn *c, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w;
        if (c->ssl) {
            size_t done = 0;
            w = SSL_write_ex(c->ssl, p, n, &done) == 1 ? (ssize_t)done : -1;
        } else {
            w = send(c->fd, p, n, MSG_NOSIGNAL);
        }
        if (w <= 0) {
            if (w < 0 && !c->ssl && errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads once: bytes read, 0 at the end, -1 on error (timeout included). */
static ssize_t conn_read(struct conn *c, char *p, size_t n)
{
    if (c->ssl) {
        size_t got = 0;
        if (SSL_read_ex(c->ssl, p, n, &got) == 1)
            return (ssize_t)got;
        int e = SSL_get_error(c->ssl, 0);
        ERR_clear_error();
        return e == SSL_ERROR_ZERO_RETURN || e == SSL_ERROR_SYSCALL ? 0 : -1;
    }
    for (;;) {
        ssize_t r = recv(c->fd, p, n, 0);
        if (r < 0 && errno == EINTR)
            continue;
        return r;
    }
}

static void basic_auth(struct gf_buf *b, const char *user, const char *pw)
{
    struct gf_buf raw = GF_BUF_INIT;
    unsigned char *enc;
    int n;

    gf_buf_addf(&raw, "%s:%s", user, pw ? pw : "");
    enc = gf_xmalloc(4 * ((raw.len + 2) / 3) + 1);
    n = EVP_EncodeBlock(enc, (const unsigned char *)raw.buf, (int)raw.len);
    gf_buf_adds(b, "Authorization: Basic ");
    gf_buf_add(b, enc, (size_t)n);
    gf_buf_adds(b, "\r\n");
    OPENSSL_cleanse(enc, (size_t)n);
    free(enc);
    gf_buf_release_secret(&raw);
}

static int has_header(const struct gf_val *h, const char *name)
{
    for (size_t i = 0; h && h->type == GF_VAL_MAP && i < h->u.map.n; i++)
        if (strcasecmp(h->u.map.ents[i].key, name) == 0)
            return 1;
    return 0;
}

/* One exchange with url. Returns 0 with resp filled, or -1 with resp->msg. */
static int exchange(const struct gf_http_req *q, const char *url, const char *method, int auth,
                    int send_body, struct gf_http_resp *resp)
{
    struct gf_http_url u;
    struct conn c = { .fd = -1 };
    struct gf_buf out = GF_BUF_INIT, in = GF_BUF_INIT;
    const char *why = NULL, *user = q->user, *pw = q->password;
    char *err = NULL, *head_end;
    int rc = -1;

    if (gf_http_parse_url(url, &u, &why) < 0) {
        struct gf_buf m = GF_BUF_INIT;
        gf_buf_addf(&m, "%s: %s", url, why);
        resp->msg = gf_buf_detach(&m, NULL);
        return -1;
    }
    char *ui_user = NULL;
    if (u.userinfo && !user) {
        char *colon = strchr(u.userinfo, ':');
        ui_user = gf_xstrdup(u.userinfo);
        if (colon) {
            ui_user[colon - u.userinfo] = '\0';
            pw = colon + 1;
        }
        user = ui_user;
    }
    int host_v6 = strchr(u.host, ':') != NULL;
    gf_buf_addf(&out, "%s %s HTTP/1.1\r\nHost: %s%s%s", method, u.path, host_v6 ? "[" : "",
                u.host, host_v6 ? "]" : "");
    if (strcmp(u.port, strcmp(u.scheme, "https") == 0 ? "443" : "80") != 0)
        gf_buf_addf(&out, ":%s", u.port);
    gf_buf_adds(&out, "\r\nConnection: close\r\n");
    if (!has_header(q->headers, "user-agent"))
        gf_buf_adds(&out, "User-Agent: ansible-httpget\r\n");
    if (!has_header(q->headers, "accept-encoding"))
        gf_buf_adds(&out, "Accept-Encoding: identity\r\n");
    for (size_t i = 0; q->headers && q->headers->type == GF_VAL_MAP && i < q->headers->u.map.n;
         i++) {
        struct gf_buf v = GF_BUF_INIT;
        gf_val_to_text(q->headers->u.map.ents[i].val, &v);
        gf_buf_addf(&out, "%s: %s\r\n", q->headers->u.map.ents[i].key, v.buf ? v.buf : "");
        gf_buf_release(&v);
    }
    if (user && (auth || q->force_basic_auth) && !has_header(q->headers, "authorization"))
        basic_auth(&out, user, pw);
    if (q->if_modified_since)
        gf_buf_addf(&out, "If-Modified-Since: %s\r\n", q->if_modified_since);
    if (send_body && (q->body || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
                      strcmp(method, "PATCH") == 0))
        gf_buf_addf(&out, "Content-Length: %zu\r\n", q->body ? q->body_len : 0);
    gf_buf_adds(&out, "\r\n");
    if (send_body && q->body)
        gf_buf_add(&out, q->body, q->body_len);

    err = conn_open(&c, &u, q->timeout, q->validate_certs, &resp->sys_errno);
    if (err)
        goto out;
    if (conn_write(&c, out.buf, out.len) < 0) {
        err = gf_xstrdup("sending the request failed");
        goto out;
    }
    size_t want = (size_t)-1, hlen = 0;
    int is_head = strcmp(method, "HEAD") == 0;
    for (;;) {
        char chunk[16384];
        ssize_t n = conn_read(&c, chunk, sizeof(chunk));
        if (n < 0) {
            struct gf_buf m = GF_BUF_INIT;
            gf_buf_addf(&m, "reading the answer from %s failed: %s", u.host,
                        errno == EAGAIN || errno == EWOULDBLOCK ? "timed out" : "connection error");
            err = gf_buf_detach(&m, NULL);
            goto out;
        }
        if (n == 0)
            break;
        gf_buf_add(&in, chunk, (size_t)n);
        if (q->max_body && in.len > q->max_body + 65536) {
            err = gf_xstrdup("the answer is larger than the controller accepts");
            goto out;
        }
        if (hlen == 0 && (head_end = strstr(in.buf, "\r\n\r\n")) != NULL) {
            hlen = (size_t)(head_end - in.buf) + 4;
            int st = 0;
            char *rs = NULL;
            struct gf_val *h = NULL;
            if (gf_http_parse_head(in.buf, hlen, &st, &rs, &h) == 0) {
                struct gf_val *cl = gf_val_map_get(h, "content-length");
                struct gf_val *te = gf_val_map_get(h, "transfer-encoding");
                if (is_head || st == 204 || st == 304 || (st >= 100 && st < 200))
                    want = 0;
                else if (cl && cl->type == GF_VAL_STR && !te)
                    want = (size_t)strtoull(cl->u.str.s, NULL, 10);
            }
            free(rs);
            gf_val_unref(h);
        }
        if (hlen && want != (size_t)-1 && in.len - hlen >= want)
            break;
    }
    if (hlen == 0 || gf_http_parse_head(in.buf, hlen, &resp->status, &resp->reason,
                                        &resp->headers) < 0) {
        struct gf_buf m = GF_BUF_INIT;
        gf_buf_addf(&m, "%s answered with no HTTP response", u.host);
        err = gf_buf_detach(&m, NULL);
        goto out;
    }
    gf_buf_reset(&resp->body);
    size_t blen = in.len - hlen;
    if (want != (size_t)-1 && blen > want)
        blen = want;
    gf_buf_add(&resp->body, in.buf + hlen, blen);
    struct gf_val *te = gf_val_map_get(resp->headers, "transfer-encoding");
    if (te && te->type == GF_VAL_STR && strcasestr(te->u.str.s, "chunked") &&
        gf_http_dechunk(&resp->body) < 0) {
        err = gf_xstrdup("malformed chunked answer");
        goto out;
    }
    rc = 0;
out:
    if (err) {
        resp->status = -1;
        resp->msg = err;
    }
    conn_close(&c);
    gf_http_url_release(&u);
    if (ui_user) {
        OPENSSL_cleanse(ui_user, strlen(ui_user));
        free(ui_user);
    }
    gf_buf_release_secret(&out);
    gf_buf_release(&in);
    return rc;
}

int gf_http_request(const struct gf_http_req *q, struct gf_http_resp *resp)
{
    char *url = gf_xstrdup(q->url);
    const char *method = q->method ? q->method : "GET";
    int auth = 0, hops = 0, send_body = 1;

    memset(resp, 0, sizeof(*resp));
    resp->status = -1;
    gf_buf_init(&resp->body);
    for (;;) {
        free(resp->reason);
        resp->reason = NULL;
        gf_val_unref(resp->headers);
        resp->headers = NULL;
        if (exchange(q, url, method, auth, send_body, resp) < 0)
            break;
        int st = resp->status;
        if (st == 401 && !auth && (q->user || strchr(url, '@')) && !q->force_basic_auth) {
            auth = 1;
            continue;
        }
        struct gf_val *loc = gf_val_map_get(resp->headers, "location");
        int redir = (st == 301 || st == 302 || st == 303 || st == 307 || st == 308) && loc &&
                    loc->type == GF_VAL_STR;
        int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
        if (redir && hops < 10 &&
            (q->redirects == GF_HTTP_REDIR_ALL ||
             ((q->redirects == GF_HTTP_REDIR_SAFE || q->redirects == GF_HTTP_REDIR_URLLIB2) &&
              get) ||
             (q->redirects == GF_HTTP_REDIR_URLLIB2 && st != 307 && st != 308))) {
            char *next = gf_http_resolve(url, loc->u.str.s);
            free(url);
            url = next;
            if (st == 303 || (strcmp(method, "POST") == 0 && st != 307 && st != 308))
                method = strcmp(method, "HEAD") == 0 ? "HEAD" : "GET", send_body = 0;
            hops++;
            resp->redirected = 1;
            continue;
        }
        break;
    }
    resp->url = url;
    return resp->status < 0 ? -1 : 0;
}

void gf_http_resp_release(struct gf_http_resp *r)
{
    free(r->reason);
    free(r->url);
    free(r->msg);
    gf_val_unref(r->headers);
    gf_buf_release(&r->body);
    memset(r, 0, sizeof(*r));
}

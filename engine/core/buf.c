/* buf.c - growable, optionally capped, always NUL-terminated byte buffers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core.h"

char gf_buf_empty[1];

void gf_buf_init(struct gf_buf *b)
{
    b->buf = gf_buf_empty;
    b->len = 0;
    b->alloc = 0;
    b->cap = 0;
    b->truncated = 0;
}

void gf_buf_grow(struct gf_buf *b, size_t extra)
{
    size_t want = b->len + extra + 1;

    if (want <= b->alloc)
        return;
    if (b->alloc == 0) {
        size_t n = want < 64 ? 64 : want;
        b->buf = gf_xmalloc(n);
        b->buf[0] = '\0';
        b->alloc = n;
        return;
    }
    size_t n = b->alloc * 2;
    if (n < want)
        n = want;
    b->buf = gf_xrealloc(b->buf, n);
    b->alloc = n;
}

void gf_buf_add(struct gf_buf *b, const void *data, size_t n)
{
    if (b->cap && b->len + n > b->cap) {
        b->truncated = 1;
        n = b->cap > b->len ? b->cap - b->len : 0;
    }
    if (n == 0)
        return;
    gf_buf_grow(b, n);
    memcpy(b->buf + b->len, data, n);
    b->len += n;
    b->buf[b->len] = '\0';
}

void gf_buf_adds(struct gf_buf *b, const char *s)
{
    gf_buf_add(b, s, strlen(s));
}

void gf_buf_addc(struct gf_buf *b, char c)
{
    gf_buf_add(b, &c, 1);
}

void gf_buf_vaddf(struct gf_buf *b, const char *fmt, va_list ap)
{
    char small[256];
    va_list cp;
    int n;

    va_copy(cp, ap);
    n = vsnprintf(small, sizeof(small), fmt, cp);
    va_end(cp);
    if (n < 0)
        return;
    if ((size_t)n < sizeof(small)) {
        gf_buf_add(b, small, (size_t)n);
        return;
    }
    char *big = gf_xmalloc((size_t)n + 1);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    gf_buf_add(b, big, (size_t)n);
    free(big);
}

void gf_buf_addf(struct gf_buf *b, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    gf_buf_vaddf(b, fmt, ap);
    va_end(ap);
}

void gf_buf_add_utf8(struct gf_buf *b, unsigned long cp)
{
    char u[4];
    size_t n;

    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xe0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        u[0] = (char)(0xf0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    gf_buf_add(b, u, n);
}

void gf_buf_reset(struct gf_buf *b)
{
    gf_buf_setlen(b, 0);
    b->truncated = 0;
}

void gf_buf_setlen(struct gf_buf *b, size_t len)
{
    if (b->alloc == 0)
        return;
    if (len > b->len)
        gf_die("gf_buf_setlen beyond length");
    b->len = len;
    b->buf[len] = '\0';
}

void gf_buf_release(struct gf_buf *b)
{
    size_t cap = b->cap;

    if (b->alloc)
        free(b->buf);
    gf_buf_init(b);
    b->cap = cap;
}

void gf_buf_release_secret(struct gf_buf *b)
{
    if (b->alloc)
        OPENSSL_cleanse(b->buf, b->alloc);
    gf_buf_release(b);
}

char *gf_buf_detach(struct gf_buf *b, size_t *len)
{
    char *s;

    if (len)
        *len = b->len;
    if (b->alloc == 0)
        s = gf_xstrdup("");
    else
        s = b->buf;
    size_t cap = b->cap;
    gf_buf_init(b);
    b->cap = cap;
    return s;
}

void gf_vec_push(struct gf_vec *vec, void *p)
{
    if (vec->n == vec->alloc) {
        vec->alloc = vec->alloc ? vec->alloc * 2 : 8;
        vec->v = gf_xrealloc(vec->v, vec->alloc * sizeof(*vec->v));
    }
    vec->v[vec->n++] = p;
}

void gf_vec_release(struct gf_vec *vec, void (*fn)(void *))
{
    if (fn)
        for (size_t i = 0; i < vec->n; i++)
            fn(vec->v[i]);
    free(vec->v);
    vec->v = NULL;
    vec->n = vec->alloc = 0;
}

int gf_vec_contains(const struct gf_vec *vec, const void *p)
{
    for (size_t i = 0; i < vec->n; i++)
        if (vec->v[i] == p)
            return 1;
    return 0;
}

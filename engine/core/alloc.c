/* alloc.c - allocation wrappers whose failure is fatal, and secret wiping. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core.h"

void gf_die(const char *fmt, ...)
{
    va_list ap;

    fputs("gpuforge: fatal: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

void *gf_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (p == NULL)
        gf_die("out of memory allocating %zu bytes", n);
    return p;
}

void *gf_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);

    if (p == NULL)
        gf_die("out of memory allocating %zu x %zu bytes", n, size);
    return p;
}

void *gf_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);

    if (q == NULL)
        gf_die("out of memory allocating %zu bytes", n);
    return q;
}

char *gf_xstrdup(const char *s)
{
    return gf_xstrndup(s, strlen(s));
}

char *gf_xstrndup(const char *s, size_t n)
{
    char *p = gf_xmalloc(n + 1);

    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *gf_xasprintf(const char *fmt, ...)
{
    struct gf_buf b = GF_BUF_INIT;
    va_list ap;

    va_start(ap, fmt);
    gf_buf_vaddf(&b, fmt, ap);
    va_end(ap);
    return gf_buf_detach(&b, NULL);
}

void gf_free_secret(void *p, size_t n)
{
    if (p == NULL)
        return;
    OPENSSL_cleanse(p, n);
    free(p);
}

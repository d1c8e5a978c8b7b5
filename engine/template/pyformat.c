/*
 * pyformat.c - Python's "%" string formatting (printf-style), as the
 * template's % operator and the format filter use it.
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

/* ---- Python "%" formatting ---- */
/* The conversion specs below are built here from checked characters only. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void add_s(struct gf_buf *b, const char *spec, const char *s)
{
    gf_buf_addf(b, spec, s);
}

static void add_ll(struct gf_buf *b, const char *spec, long long v)
{
    gf_buf_addf(b, spec, v);
}

static void add_f(struct gf_buf *b, const char *spec, double v)
{
    gf_buf_addf(b, spec, v);
}
#pragma GCC diagnostic pop

/* "%d" of a float: Python truncates it to an int of any size; gpuforge's
 * integers are 64-bit, so one outside their range is an error, never a
 * wrapped or undefined conversion. Returns 0 or -1 with the error raised. */
static int fmt_float_int(struct rctx *r, char conv, double f, long long *iv, uint32_t pos)
{
    if (isnan(f)) {
        tpl_fail(r, pos, "cannot convert float NaN to integer");
        return -1;
    }
    if (isinf(f)) {
        tpl_fail(r, pos, "cannot convert float infinity to integer");
        return -1;
    }
    if (!(f >= -9223372036854775808.0 && f < 9223372036854775808.0)) {
        tpl_fail(r, pos, "%%%c format: %g is out of the range of 64-bit integers", conv, f);
        return -1;
    }
    *iv = (long long)f;
    return 0;
}

/* "%c": a code point (0 to 0x10ffff, written as UTF-8) or a one-character
 * string, padded to the width in wp (characters, as Python counts them).
 * Returns 0 or -1 with the error raised. */
static int fmt_char(struct rctx *r, const struct gf_val *v, const char *wp, int left,
                    struct gf_buf *out, uint32_t pos)
{
    char u[4];
    const char *c = u;
    size_t len = 0;

    if (v->type == GF_VAL_STR && tpl_utf8_len(v->u.str.s, v->u.str.len) == 1) {
        c = v->u.str.s;
        len = v->u.str.len;
    } else if (v->type == GF_VAL_INT || v->type == GF_VAL_BOOL) {
        long long cp = v->type == GF_VAL_INT ? v->u.i : v->u.b;
        if (cp < 0 || cp >= 0x110000) {
            tpl_fail(r, pos, "%%c arg not in range(0x110000)");
            return -1;
        }
        if (cp < 0x80) {
            u[len++] = (char)cp;
        } else if (cp < 0x800) {
            u[len++] = (char)(0xc0 | (cp >> 6));
            u[len++] = (char)(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            u[len++] = (char)(0xe0 | (cp >> 12));
            u[len++] = (char)(0x80 | ((cp >> 6) & 0x3f));
            u[len++] = (char)(0x80 | (cp & 0x3f));
        } else {
            u[len++] = (char)(0xf0 | (cp >> 18));
            u[len++] = (char)(0x80 | ((cp >> 12) & 0x3f));
            u[len++] = (char)(0x80 | ((cp >> 6) & 0x3f));
            u[len++] = (char)(0x80 | (cp & 0x3f));
        }
    } else {
        tpl_fail(r, pos, "%%c requires int or char");
        return -1;
    }
    long width = strtol(wp, NULL, 10); /* digits before any ".precision" */
    if (!left)
        for (long i = 1; i < width; i++)
            gf_buf_addc(out, ' ');
    gf_buf_add(out, c, len);
    if (left)
        for (long i = 1; i < width; i++)
            gf_buf_addc(out, ' ');
    return 0;
}

int tpl_py_format(struct rctx *r, const char *fmt, size_t n, const struct gf_val *args,
                  struct gf_buf *out, uint32_t pos)
{
    const struct gf_val *const *argv = NULL;
    const struct gf_val *single = args;
    size_t argc = 1, next = 0;
    int mapping = args->type == GF_VAL_MAP;
    struct gf_buf tmp = GF_BUF_INIT;
    int rc = -1;

    if (args->type == GF_VAL_LIST && (args->flags & TV_TUPLE)) {
        argv = (const struct gf_val *const *)args->u.list.v;
        argc = args->u.list.n;
    } else {
        argv = &single;
    }
    for (size_t i = 0; i < n; i++) {
        if (fmt[i] != '%') {
            gf_buf_addc(out, fmt[i]);
            continue;
        }
        if (++i >= n) {
            tpl_fail(r, pos, "incomplete format");
            goto out;
        }
        const struct gf_val *v = NULL;
        if (fmt[i] == '(') {
            const char *close = memchr(fmt + i, ')', n - i);
            if (!mapping || close == NULL) {
                tpl_fail(r, pos, "format requires a mapping");
                goto out;
            }
            char *key = gf_xstrndup(fmt + i + 1, (size_t)(close - fmt - i - 1));
            v = gf_val_map_get(args, key);
            if (v == NULL) {
                tpl_fail(r, pos, "KeyError: '%s'", key);
                free(key);
                goto out;
            }
            free(key);
            i = (size_t)(close - fmt) + 1;
        }
        char fl[8] = "", wp[48] = "";
        size_t nf = 0, nw = 0;
        while (i < n && fmt[i] && strchr("-+ #0", fmt[i])) {
            if (nf < sizeof(fl) - 1 && !memchr(fl, fmt[i], nf))
                fl[nf++] = fmt[i];
            i++;
        }
        for (int part = 0; part < 2; part++) {
            if (part == 1) {
                if (i >= n || fmt[i] != '.')
                    break;
                wp[nw++] = fmt[i++];
            }
            if (i < n && fmt[i] == '*') {
                if (next >= argc || (argv[next]->type != GF_VAL_INT)) {
                    tpl_fail(r, pos, "* wants int");
                    goto out;
                }
                nw += (size_t)snprintf(wp + nw, sizeof(wp) - nw, "%lld",
                                       argv[next++]->u.i % 10000);
                i++;
            } else {
                size_t d = 0;
                while (i < n && fmt[i] >= '0' && fmt[i] <= '9') {
                    if (d++ < 4 && nw < sizeof(wp) - 8)
                        wp[nw++] = fmt[i];
                    i++;
                }
            }
        }
        wp[nw] = '\0';
        while (i < n && strchr("hlL", fmt[i]))
            i++;
        if (i >= n) {
            tpl_fail(r, pos, "incomplete format");
            goto out;
        }
        char conv = fmt[i];
        if (conv == '%') {
            gf_buf_addc(out, '%');
            continue;
        }
        if (v == NULL) {
            if (next >= argc) {
                tpl_fail(r, pos, "not enough arguments for format string");
                goto out;
            }
            v = argv[next++];
        }
        if (tpl_need_def(r, v) < 0)
            goto out;
        gf_buf_reset(&tmp);
        char spec[80];
        const char *allowed = strchr("sra", conv) || conv == 'c' ? "-"
                            : strchr("diuo", conv) ? "-+ 0" : "-+ 0#";
        size_t k = 0;
        spec[k++] = '%';
        for (size_t q = 0; q < nf; q++)
            if (strchr(allowed, fl[q]))
                spec[k++] = fl[q];
        memcpy(spec + k, wp, nw);
        k += nw;
        switch (conv) {
        case 's':
        case 'r':
        case 'a': {
            if (conv == 's')
                tpl_text(v, &tmp);
            else
                tpl_repr(v, &tmp);
            spec[k++] = 's';
            spec[k] = '\0';
            char *text = gf_xstrndup(tmp.buf, tmp.len);
            add_s(out, spec, text);
            free(text);
            break;
        }
        case 'd': case 'i': case 'u': case 'o': case 'x': case 'X': case 'c': {
            long long iv = 0;
            if (conv == 'c') {
                if (fmt_char(r, v, wp, memchr(fl, '-', nf) != NULL, out, pos) < 0)
                    goto out;
                break;
            }
            if (v->type == GF_VAL_FLOAT && strchr("diu", conv)) {
                if (fmt_float_int(r, conv, v->u.f, &iv, pos) < 0)
                    goto out;
            } else if (v->type == GF_VAL_INT || v->type == GF_VAL_BOOL) {
                iv = v->type == GF_VAL_INT ? v->u.i : v->u.b;
            } else {
                tpl_fail(r, pos, "%%%c format: %s is required, not %s", conv,
                         v->type == GF_VAL_FLOAT ? "an integer" : "a number", tpl_pytype(v));
                goto out;
            }
            spec[k++] = 'l';
            spec[k++] = 'l';
            spec[k++] = conv == 'i' || conv == 'u' ? 'd' : conv;
            spec[k] = '\0';
            add_ll(out, spec, iv);
            break;
        }
        case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': {
            if (v->type != GF_VAL_FLOAT && v->type != GF_VAL_INT && v->type != GF_VAL_BOOL) {
                tpl_fail(r, pos, "must be real number, not %s", tpl_pytype(v));
                goto out;
            }
            double f = v->type == GF_VAL_FLOAT ? v->u.f : v->type == GF_VAL_INT ? (double)v->u.i
                     : v->u.b;
            spec[k++] = conv;
            spec[k] = '\0';
            add_f(out, spec, f);
            break;
        }
        default:
            tpl_fail(r, pos, "unsupported format character '%c'", conv);
            goto out;
        }
    }
    if (!mapping && next < argc) {
        tpl_fail(r, pos, "not all arguments converted during string formatting");
        goto out;
    }
    rc = 0;
out:
    gf_buf_release(&tmp);
    return rc;
}

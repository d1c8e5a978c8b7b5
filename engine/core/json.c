/* json.c - JSON output byte-compatible with Python's json.dumps as Ansible
 * calls it (indent, sort_keys, ensure_ascii=False), and Python float repr. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

void gf_float_repr(double f, struct gf_buf *b)
{
    char tmp[64], digits[32];
    int prec, exp10;

    if (f == 0.0) {
        gf_buf_adds(b, signbit(f) ? "-0.0" : "0.0");
        return;
    }
    /* Shortest %.*e that reads back as the same double. */
    for (prec = 0; prec < 17; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*e", prec, f);
        if (strtod(tmp, NULL) == f)
            break;
    }
    snprintf(tmp, sizeof(tmp), "%.*e", prec, f);
    /* tmp: [-]d[.ddd]e[+-]XX */
    const char *p = tmp;
    int neg = 0, nd = 0;
    if (*p == '-')
        neg = 1, p++;
    for (; *p && *p != 'e'; p++)
        if (*p != '.')
            digits[nd++] = *p;
    digits[nd] = '\0';
    exp10 = atoi(p + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        digits[--nd] = '\0';
    if (neg)
        gf_buf_addc(b, '-');
    if (exp10 >= -4 && exp10 < 16) { /* Python switches to exponent form outside this */
        if (exp10 < 0) {
            gf_buf_adds(b, "0.");
            for (int i = -1; i > exp10; i--)
                gf_buf_addc(b, '0');
            gf_buf_adds(b, digits);
        } else if (nd <= exp10 + 1) {
            gf_buf_adds(b, digits);
            for (int i = nd; i <= exp10; i++)
                gf_buf_addc(b, '0');
            gf_buf_adds(b, ".0");
        } else {
            gf_buf_add(b, digits, (size_t)exp10 + 1);
            gf_buf_addc(b, '.');
            gf_buf_adds(b, digits + exp10 + 1);
        }
    } else {
        gf_buf_addc(b, digits[0]);
        if (nd > 1) {
            gf_buf_addc(b, '.');
            gf_buf_adds(b, digits + 1);
        }
        gf_buf_addf(b, "e%c%02d", exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
    }
}

void gf_json_str(const char *s, size_t len, struct gf_buf *b)
{
    gf_buf_addc(b, '"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': gf_buf_adds(b, "\\\""); break;
        case '\\': gf_buf_adds(b, "\\\\"); break;
        case '\n': gf_buf_adds(b, "\\n"); break;
        case '\r': gf_buf_adds(b, "\\r"); break;
        case '\t': gf_buf_adds(b, "\\t"); break;
        case '\b': gf_buf_adds(b, "\\b"); break;
        case '\f': gf_buf_adds(b, "\\f"); break;
        default:
            if (c < 0x20)
                gf_buf_addf(b, "\\u%04x", c);
            else
                gf_buf_addc(b, (char)c);
        }
    }
    gf_buf_addc(b, '"');
}

static void newline(struct gf_buf *b, int indent, int depth)
{
    if (indent < 0)
        return;
    gf_buf_addc(b, '\n');
    for (int i = 0; i < indent * depth; i++)
        gf_buf_addc(b, ' ');
}

static int cmp_ent(const void *a, const void *b)
{
    return strcmp((*(struct gf_map_ent *const *)a)->key, (*(struct gf_map_ent *const *)b)->key);
}

static void dump(const struct gf_val *v, int indent, int flags, int depth, struct gf_buf *b)
{
    const char *sep = flags & GF_JSON_COMPACT ? "," : indent >= 0 ? "," : ", ";
    const char *colon = flags & GF_JSON_COMPACT ? ":" : ": ";

    if (v == NULL) {
        gf_buf_adds(b, "null");
        return;
    }
    switch (v->type) {
    case GF_VAL_NULL:
        gf_buf_adds(b, "null");
        break;
    case GF_VAL_BOOL:
        gf_buf_adds(b, v->u.b ? "true" : "false");
        break;
    case GF_VAL_INT:
        gf_buf_addf(b, "%lld", v->u.i);
        break;
    case GF_VAL_FLOAT:
        if (isnan(v->u.f))
            gf_buf_adds(b, "NaN");
        else if (isinf(v->u.f))
            gf_buf_adds(b, v->u.f > 0 ? "Infinity" : "-Infinity");
        else
            gf_float_repr(v->u.f, b);
        break;
    case GF_VAL_STR:
        gf_json_str(v->u.str.s, v->u.str.len, b);
        break;
    case GF_VAL_LIST:
        if (v->u.list.n == 0) {
            gf_buf_adds(b, "[]");
            break;
        }
        gf_buf_addc(b, '[');
        for (size_t i = 0; i < v->u.list.n; i++) {
            if (i)
                gf_buf_adds(b, sep);
            newline(b, indent, depth + 1);
            dump(v->u.list.v[i], indent, flags, depth + 1, b);
        }
        newline(b, indent, depth);
        gf_buf_addc(b, ']');
        break;
    case GF_VAL_MAP: {
        size_t n = v->u.map.n;
        if (n == 0) {
            gf_buf_adds(b, "{}");
            break;
        }
        const struct gf_map_ent **ents = gf_xmalloc(n * sizeof(*ents));
        for (size_t i = 0; i < n; i++)
            ents[i] = &v->u.map.ents[i];
        if (flags & GF_JSON_SORT)
            qsort(ents, n, sizeof(*ents), cmp_ent);
        gf_buf_addc(b, '{');
        for (size_t i = 0; i < n; i++) {
            if (i)
                gf_buf_adds(b, sep);
            newline(b, indent, depth + 1);
            gf_json_str(ents[i]->key, strlen(ents[i]->key), b);
            gf_buf_adds(b, colon);
            dump(ents[i]->val, indent, flags, depth + 1, b);
        }
        free(ents);
        newline(b, indent, depth);
        gf_buf_addc(b, '}');
        break;
    }
    }
}

void gf_json_dump(const struct gf_val *v, int indent, int flags, struct gf_buf *b)
{
    dump(v, indent, flags, 0, b);
}

/* kv.c - module arguments given as one string ("src=a dest='/b c'"), split
 * the way Ansible splits them: on blanks outside quotes and outside Jinja
 * blocks, "k=v" words become parameters, the other words are joined into
 * the free-form text (_raw_params) for modules that take one. */
#include <stdlib.h>
#include <string.h>

#include "module.h"

/* Keys that stay parameters even in the free-form text of command-like
 * modules ("echo a=b" is a command; "chdir=/tmp ls" is not), as Ansible. */
static const char *const raw_keys[] = {
    "creates", "removes", "chdir", "executable", "warn", "stdin", "stdin_add_newline",
    "strip_empty_ends", NULL,
};

/* Splits s into words: a word ends at a blank outside quotes and outside
 * {{ }}, {% %} and {# #}. Quotes stay in the words. Returns 0, or -1 on an
 * unterminated quote or block (*bad then points at its start). */
static int split_words(const char *s, struct gf_vec *out, struct gf_vec *starts,
                       const char **bad)
{
    const char *p = s;

    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        if (*p == '\0')
            return 0;
        const char *start = p, *open = NULL;
        char quote = 0;
        int depth = 0;
        for (; *p; p++) {
            if (quote) {
                if (*p == '\\' && p[1])
                    p++;
                else if (*p == quote)
                    quote = 0;
                continue;
            }
            if (*p == '{' && (p[1] == '{' || p[1] == '%' || p[1] == '#')) {
                if (depth++ == 0)
                    open = p;
                p++;
                continue;
            }
            if (depth && (*p == '}' || *p == '%' || *p == '#') && p[1] == '}') {
                depth--;
                p++;
                continue;
            }
            if (depth)
                continue;
            if (*p == '"' || *p == '\'') {
                quote = *p;
                open = p;
                continue;
            }
            if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
                break;
        }
        if (quote || depth) {
            *bad = open;
            return -1;
        }
        gf_vec_push(out, gf_xstrndup(start, (size_t)(p - start)));
        gf_vec_push(starts, (void *)start);
    }
}

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decodes the escapes Ansible decodes in k=v values (\\n, \\t, \\\\, \\xHH,
 * \\uHHHH; not octal) in v[0..n) into b; unknown escapes stay. */
static void decode_escapes(struct gf_buf *b, const char *v, size_t n)
{
    static const char from[] = "abfnrtv\\'\"", to[] = "\a\b\f\n\r\t\v\\'\"";

    for (size_t i = 0; i < n; i++) {
        if (v[i] != '\\' || i + 1 >= n) {
            gf_buf_addc(b, v[i]);
            continue;
        }
        char c = v[i + 1];
        const char *k = strchr(from, c);
        if (k && c) {
            gf_buf_addc(b, to[k - from]);
            i++;
            continue;
        }
        int digits = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : 0;
        if (digits && i + 1 + (size_t)digits < n) {
            unsigned long cp = 0;
            int ok = 1;
            for (int d = 0; d < digits; d++) {
                int h = hexval((unsigned char)v[i + 2 + d]);
                ok &= h >= 0;
                cp = cp * 16 + (unsigned long)(h < 0 ? 0 : h);
            }
            if (ok) {
                gf_buf_add_utf8(b, cp);
                i += 1 + (size_t)digits;
                continue;
            }
        }
        gf_buf_addc(b, v[i]);
    }
}

/* The value of a k=v word: escapes decoded, then one pair of matching
 * outer quotes stripped (Ansible's unquote). */
static struct gf_val *kv_value(const char *v)
{
    struct gf_buf b = GF_BUF_INIT;
    size_t n = strlen(v), len;

    decode_escapes(&b, v, n);
    if (b.len >= 2 && (b.buf[0] == '"' || b.buf[0] == '\'') && b.buf[b.len - 1] == b.buf[0]) {
        memmove(b.buf, b.buf + 1, b.len - 2);
        gf_buf_setlen(&b, b.len - 2);
    }
    char *s = gf_buf_detach(&b, &len);
    return gf_val_str_own(s, len);
}

static int is_key(const char *w, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(w[i] == '_' || (w[i] >= 'a' && w[i] <= 'z') || (w[i] >= 'A' && w[i] <= 'Z') ||
              (i && w[i] >= '0' && w[i] <= '9')))
            return 0;
    return 1;
}

/* Whether word w is a parameter (k=v) rather than free-form text for m. */
static int is_param(const char *w, const struct gf_module *m)
{
    const char *eq = strchr(w, '=');
    int kv = eq && is_key(w, (size_t)(eq - w));

    if (kv && m && m->free_form) {
        int known = 0;
        for (size_t j = 0; raw_keys[j]; j++)
            known |= strlen(raw_keys[j]) == (size_t)(eq - w) &&
                     strncmp(raw_keys[j], w, (size_t)(eq - w)) == 0;
        kv = known;
    }
    return kv;
}

int gf_parse_kv(const char *s, const struct gf_module *m, struct gf_val **out, int *bad_off,
                struct gf_error *err)
{
    struct gf_vec words = GF_VEC_INIT, starts = GF_VEC_INIT;
    struct gf_buf raw = GF_BUF_INIT;
    const char *bad = NULL;
    struct gf_val *map;

    *out = NULL;
    if (split_words(s, &words, &starts, &bad) < 0) {
        gf_vec_release(&words, free);
        gf_vec_release(&starts, NULL);
        if (bad_off)
            *bad_off = (int)(bad - s);
        return gf_error_set(err, GF_EPARSE, NULL, 0, 0, "unterminated %s in module arguments",
                            *bad == '{' ? "template block" : "quote");
    }
    map = gf_val_map();
    for (size_t i = 0; i < words.n; i++) {
        const char *w = words.v[i], *eq = strchr(w, '=');
        if (is_param(w, m)) {
            char *k = gf_xstrndup(w, (size_t)(eq - w));
            gf_val_map_set(map, k, kv_value(eq + 1));
            free(k);
        } else {
            /* the free-form text keeps its own spacing and newlines (a
             * multi-line shell script stays one), as Ansible's join_args:
             * the blanks up to the next word go with it when that word is
             * free-form too */
            const char *from = starts.v[i], *to = from + strlen(w);
            if (i + 1 < words.n && !is_param(words.v[i + 1], m))
                to = starts.v[i + 1];
            if (raw.len && !strchr(" \t\n\r", raw.buf[raw.len - 1]))
                gf_buf_addc(&raw, ' ');
            gf_buf_add(&raw, from, (size_t)(to - from));
        }
    }
    gf_vec_release(&words, free);
    gf_vec_release(&starts, NULL);
    if (raw.len) {
        size_t len;
        char *r = gf_buf_detach(&raw, &len);
        gf_val_map_set(map, "_raw_params", gf_val_str_own(r, len));
    }
    *out = map;
    return 0;
}

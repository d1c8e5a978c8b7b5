/* confedit.c - what ini_file, pam_limits, kernel_blacklist and
 * authorized_key do to a file's text, as pure functions that follow the
 * Python modules step by step (their quirks included, where a quirk does
 * not corrupt the file). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confedit.h"

#define edit_fail(te, ...) gf_error_set(&(te)->err, GF_EINVAL, NULL, 0, 0, __VA_ARGS__)

/* ---- a list of malloc'd lines ---- */

struct slist {
    char **v;
    size_t n, alloc;
};

static void sl_insert(struct slist *l, size_t at, char *s)
{
    if (l->n == l->alloc) {
        l->alloc = l->alloc ? 2 * l->alloc : 32;
        l->v = gf_xrealloc(l->v, l->alloc * sizeof(*l->v));
    }
    memmove(l->v + at + 1, l->v + at, (l->n - at) * sizeof(*l->v));
    l->v[at] = s;
    l->n++;
}

static void sl_push(struct slist *l, char *s)
{
    sl_insert(l, l->n, s);
}

static void sl_del(struct slist *l, size_t at)
{
    free(l->v[at]);
    memmove(l->v + at, l->v + at + 1, (l->n - at - 1) * sizeof(*l->v));
    l->n--;
}

static void sl_release(struct slist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

/* Python's readlines(): lines keep their "\n". */
static void sl_split(struct slist *l, const char *t, size_t len)
{
    for (size_t i = 0, j; i < len; i = j) {
        const char *nl = memchr(t + i, '\n', len - i);
        j = nl ? (size_t)(nl - t) + 1 : len;
        sl_push(l, gf_xstrndup(t + i, j - i));
    }
}

static void sl_join(const struct slist *l, struct gf_buf *out)
{
    for (size_t i = 0; i < l->n; i++)
        gf_buf_adds(out, l->v[i]);
}

/* Text read in Python's text mode: "\r\n" and "\r" become "\n", a UTF-8
 * byte order mark is dropped (utf-8-sig). */
static void universal_newlines(const char *t, size_t len, struct gf_buf *out)
{
    if (len >= 3 && memcmp(t, "\xef\xbb\xbf", 3) == 0)
        t += 3, len -= 3;
    for (size_t i = 0; i < len; i++) {
        if (t[i] == '\r') {
            gf_buf_addc(out, '\n');
            if (i + 1 < len && t[i + 1] == '\n')
                i++;
        } else {
            gf_buf_addc(out, t[i]);
        }
    }
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* ---- ini_file ---- */

/* re.match('[#;]?( |\t)*(OPT)( |\t)*(=|$)( |\t)*(.*)', line), inactive_ok
 * allowing the leading '#' or ';'. Sets *val and *vlen to group 6. */
static int ini_match(const char *opt, const char *line, int inactive_ok, const char **val,
                     size_t *vlen)
{
    size_t ol;
    const char *p = line;

    if (opt == NULL)
        return 0;
    ol = strlen(opt);
    for (int pass = 0; pass < 2; pass++) {
        p = line;
        if (pass == 0) {
            if (!inactive_ok || (*p != '#' && *p != ';'))
                continue;
            p++;
        }
        while (is_blank(*p))
            p++;
        if (strncmp(p, opt, ol))
            continue;
        p += ol;
        while (is_blank(*p))
            p++;
        if (*p == '=')
            p++;
        else if (!(*p == '\0' || (*p == '\n' && p[1] == '\0')))
            continue;
        while (is_blank(*p))
            p++;
        *val = p;
        *vlen = strcspn(p, "\n");
        return 1;
    }
    return 0;
}

/* ^[ \t]*([#;].*)?$ : a blank or comment line */
static int ini_blank_or_comment(const char *line)
{
    while (is_blank(*line))
        line++;
    return *line == '#' || *line == ';' || *line == '\0' || (*line == '\n' && !line[1]);
}

static int in_values(const struct gf_vec *vals, const char *v, size_t n)
{
    for (size_t i = 0; i < vals->n; i++)
        if (strlen(vals->v[i]) == n && memcmp(vals->v[i], v, n) == 0)
            return (int)i;
    return -1;
}

static char *ini_assign(const struct gf_ini_opts *o, const char *v)
{
    return gf_xasprintf(o->no_extra_spaces ? "%s=%s\n" : "%s = %s\n", o->option, v);
}

/* update_section_line() */
static void ini_update(struct slist *sec, char *changed_lines, size_t i, char *nl,
                       struct gf_textedit *te)
{
    if (strcmp(sec->v[i], nl)) {
        te->changed = 1;
        strcpy(te->msg, "option changed");
    }
    free(sec->v[i]);
    sec->v[i] = nl;
    changed_lines[i] = 1;
}

static void ini_present(const struct gf_ini_opts *o, struct slist *sec, struct gf_vec *vals,
                        int *no_value_present, struct gf_textedit *te)
{
    char *cl = gf_xcalloc(sec->n + 1, 1);
    const char *v;
    size_t vl;
    int inact = o->modify_inactive;

    for (size_t i = 0; i < sec->n && o->option; i++) {
        if (!ini_match(o->option, sec->v[i], inact, &v, &vl))
            continue;
        int k = vals->n ? in_values(vals, v, vl) : -1;
        if (k >= 0) {
            char *mv = vals->v[k];
            ini_update(sec, cl, i, !*mv && o->allow_no_value ? gf_xasprintf("%s\n", o->option)
                                                              : ini_assign(o, mv), te);
            if (!*mv && o->allow_no_value)
                *no_value_present = 1;
            memmove(vals->v + k, vals->v + k + 1, (vals->n - (size_t)k - 1) * sizeof(void *));
            vals->n--;
            free(mv);
        } else if (!vals->n && o->allow_no_value) {
            ini_update(sec, cl, i, gf_xasprintf("%s\n", o->option), te);
            *no_value_present = 1;
            break;
        }
    }
    if (o->exclusive && !o->allow_no_value && o->option) {
        for (size_t i = 0; i < sec->n && vals->n; i++) {
            if (cl[i] || !ini_match(o->option, sec->v[i], inact, &v, &vl))
                continue;
            char *first = vals->v[0];
            memmove(vals->v, vals->v + 1, (vals->n - 1) * sizeof(void *));
            vals->n--;
            ini_update(sec, cl, i, ini_assign(o, first), te);
            free(first);
        }
        for (size_t i = sec->n ? sec->n - 1 : 0; i >= 1 && i < sec->n; i--) {
            if (!cl[i] && ini_match(o->option, sec->v[i], inact, &v, &vl)) {
                sl_del(sec, i);
                memmove(cl + i, cl + i + 1, sec->n - i);
                te->changed = 1;
                strcpy(te->msg, "option changed");
            }
        }
    }
    free(cl);
    /* missing option lines go after the section's last non-blank line */
    for (size_t i = sec->n; i > 0; i--) {
        if (ini_blank_or_comment(sec->v[i - 1]))
            continue;
        if (o->option && vals->n) {
            for (size_t k = vals->n; k > 0; k--)
                sl_insert(sec, i, ini_assign(o, vals->v[k - 1]));
            strcpy(te->msg, "option added");
            te->changed = 1;
        } else if (o->option && !vals->n && o->allow_no_value && !*no_value_present) {
            sl_insert(sec, i, gf_xasprintf("%s\n", o->option));
            strcpy(te->msg, "option added");
            te->changed = 1;
        }
        break;
    }
}

static void ini_absent(const struct gf_ini_opts *o, struct slist *sec, const struct gf_vec *vals,
                       struct gf_textedit *te)
{
    const char *v;
    size_t vl;

    if (o->option == NULL) {
        if (sec->n) {
            while (sec->n)
                sl_del(sec, sec->n - 1);
            strcpy(te->msg, "section removed");
            te->changed = 1;
        }
        return;
    }
    if (!o->exclusive && !vals->n)
        return;
    for (size_t i = sec->n; i > 0; i--) {
        if (ini_match(o->option, sec->v[i - 1], 0, &v, &vl) &&
            (o->exclusive || in_values(vals, v, vl) >= 0)) {
            sl_del(sec, i - 1);
            te->changed = 1;
            strcpy(te->msg, "option changed");
        }
    }
}

int gf_ini_edit(const char *text, size_t len, int exists, const struct gf_ini_opts *o,
                struct gf_textedit *te)
{
    static const char fake[] = "ad01e11446efb704fcdbdb21f2c43757423d91c5";
    struct gf_buf norm = GF_BUF_INIT;
    struct slist all = { 0 }, sec = { 0 };
    struct gf_vec vals = GF_VEC_INIT;
    const char *section = o->section && *o->section ? o->section : fake;
    size_t start = 0, end = 0;
    int within = 0, no_value_present = 0;

    for (size_t i = 0; i < o->nvalues; i++)
        if (o->values[i] && in_values(&vals, o->values[i], strlen(o->values[i])) < 0)
            gf_vec_push(&vals, gf_xstrdup(o->values[i]));
    if (exists)
        universal_newlines(text, len, &norm);
    sl_split(&all, norm.buf, norm.len);
    if (all.n == 0)
        sl_push(&all, gf_xstrdup("\n"));
    char *last = all.v[all.n - 1];
    if (!*last || last[strlen(last) - 1] != '\n') {
        all.v[all.n - 1] = gf_xasprintf("%s\n", last);
        free(last);
        te->changed = 1;
    }
    sl_insert(&all, 0, gf_xasprintf("[%s]", fake));
    sl_push(&all, gf_xstrdup("["));
    strcpy(te->msg, "OK");
    char *head = gf_xasprintf("[%s]", section);
    for (size_t i = 0; i < all.n; i++) {
        if (strncmp(all.v[i], head, strlen(head)) == 0) {
            within = 1;
            start = i;
        } else if (all.v[i][0] == '[' && within) {
            end = i;
            break;
        }
    }
    free(head);
    /* the section's lines move to sec; they go back at start */
    for (size_t i = start; i < end; i++)
        sl_push(&sec, all.v[i]);
    memmove(all.v + start, all.v + end, (all.n - end) * sizeof(char *));
    all.n -= end - start;
    if (!o->absent)
        ini_present(o, &sec, &vals, &no_value_present, te);
    else
        ini_absent(o, &sec, &vals, te);
    for (size_t i = sec.n; i > 0; i--)
        sl_insert(&all, start, sec.v[i - 1]);
    free(sec.v);
    sl_del(&all, 0);
    sl_del(&all, all.n - 1);
    if (!within && !o->absent) {
        sl_push(&all, gf_xasprintf("[%s]\n", section));
        strcpy(te->msg, "section and option added");
        if (o->option && vals.n) {
            for (size_t k = 0; k < vals.n; k++)
                sl_push(&all, ini_assign(o, vals.v[k]));
        } else if (o->option && o->allow_no_value) {
            sl_push(&all, gf_xasprintf("%s\n", o->option));
        } else {
            strcpy(te->msg, "only section added");
        }
        te->changed = 1;
    }
    sl_join(&all, &te->out);
    sl_release(&all);
    gf_vec_release(&vals, free);
    gf_buf_release(&norm);
    return 0;
}

/* ---- pam_limits ---- */

/* Python's repr() of a str, for the messages. */
static void py_repr(struct gf_buf *b, const char *s)
{
    char q = strchr(s, '\'') && !strchr(s, '"') ? '"' : '\'';

    gf_buf_addc(b, q);
    for (; *s; s++) {
        if (*s == q || *s == '\\')
            gf_buf_addc(b, '\\');
        if (*s == '\n')
            gf_buf_adds(b, "\\n");
        else if (*s == '\t')
            gf_buf_adds(b, "\\t");
        else
            gf_buf_addc(b, *s);
    }
    gf_buf_addc(b, q);
}

static int all_digits(const char *s)
{
    return *s && strspn(s, "0123456789") == strlen(s);
}

/* Python's int() of a str: blanks around, a sign, digits. */
static int py_int(const char *s, long long *out)
{
    char *end;

    while (isspace((unsigned char)*s))
        s++;
    if (!*s)
        return -1;
    *out = strtoll(s, &end, 10);
    while (isspace((unsigned char)*end))
        end++;
    return *end || end == s ? -1 : 0;
}

char *gf_pam_limits_bad_value(const char *item, const char *value, const char *prefix)
{
    struct gf_buf b = GF_BUF_INIT;
    long long n;

    if (!strcmp(item, "nice") || !strcmp(item, "priority")) {
        if (py_int(value, &n) == 0 && n >= -20 && n <= 19)
            return NULL;
        gf_buf_addf(&b, "%s Value of ", prefix);
        py_repr(&b, value);
        gf_buf_adds(&b, " for item ");
        py_repr(&b, item);
        gf_buf_adds(&b, " is invalid. Value must be a number in the range -20 to 19 inclusive. "
                    "Refer to the limits.conf(5) manual pages for more details.");
        return gf_buf_detach(&b, NULL);
    }
    if (!strcmp(value, "unlimited") || !strcmp(value, "infinity") || !strcmp(value, "-1") ||
        all_digits(value))
        return NULL;
    gf_buf_addf(&b, "%s Value of ", prefix);
    py_repr(&b, value);
    gf_buf_adds(&b, " for item ");
    py_repr(&b, item);
    gf_buf_adds(&b, " is invalid. Value must either be 'unlimited', 'infinity' or -1, all of "
                "which indicate no limit, or a limit of 0 or larger. Refer to the "
                "limits.conf(5) manual pages for more details.");
    return gf_buf_detach(&b, NULL);
}

static int unlimited(const char *v)
{
    return !strcmp(v, "unlimited") || !strcmp(v, "infinity") || !strcmp(v, "-1");
}

/* re.sub(r'\s+', ' ', line).strip() */
static char *squeeze(const char *line)
{
    struct gf_buf b = GF_BUF_INIT;

    for (const char *p = line; *p;) {
        if (isspace((unsigned char)*p)) {
            while (isspace((unsigned char)*p))
                p++;
            if (b.len && *p)
                gf_buf_addc(&b, ' ');
        } else {
            gf_buf_addc(&b, *p++);
        }
    }
    return gf_buf_detach(&b, NULL);
}

/* Sets *out to the limit line the module writes, comment as it has it. */
static char *pam_line(const struct gf_pam_limits_opts *o, const char *value, const char *comment)
{
    return gf_xasprintf("%s\t%s\t%s\t%s%s%s\n", o->domain, o->type, o->item, value,
                        *comment ? "\t#" : "", comment);
}

int gf_pam_limits_edit(const char *text, size_t len, const struct gf_pam_limits_opts *o,
                       struct gf_textedit *te)
{
    struct slist l = { 0 };
    char *comment = gf_xstrdup(o->comment ? o->comment : ""), *new_value = gf_xstrdup(o->value);
    char *prefix = gf_xasprintf("Invalid configuration found in '%s'.", o->dest);
    int found = 0, rc = 0;

    sl_split(&l, text, len);
    te->msg[0] = '\0';
    for (size_t i = 0; i < l.n; i++) {
        const char *line = l.v[i];
        if (line[0] == '#')
            continue;
        char *nl = squeeze(line);
        if (!*nl) {
            free(nl);
            continue;
        }
        nl[strcspn(nl, "#")] = '\0';
        while (*nl && nl[strlen(nl) - 1] == ' ')
            nl[strlen(nl) - 1] = '\0';
        const char *hash = strchr(line, '#');
        if (!*comment && hash) {
            free(comment);
            comment = gf_xstrdup(hash + 1);
        }
        char *f[5] = { 0 };
        int nf = 0;
        for (char *p = nl, *sp; nf < 5; p = sp + 1) {
            f[nf++] = p;
            if ((sp = strchr(p, ' ')) == NULL)
                break;
            *sp = '\0';
        }
        if (nf != 4) {
            free(nl);
            continue;
        }
        char *bad = gf_pam_limits_bad_value(f[2], f[3], prefix);
        if (bad) {
            rc = edit_fail(te, "%s", bad);
            free(bad);
            free(nl);
            goto out;
        }
        if (strcmp(f[0], o->domain) || strcmp(f[1], o->type) || strcmp(f[2], o->item)) {
            free(nl);
            continue;
        }
        found = 1;
        const char *actual = f[3];
        if (strcmp(o->value, actual) == 0) {
            snprintf(te->msg, sizeof(te->msg), "%s", line);
            free(nl);
            continue;
        }
        int au = unlimited(actual), vu = unlimited(o->value);
        char num[32];
        if (o->use_max) {
            const char *nv = au ? actual : vu ? o->value : num;
            snprintf(num, sizeof(num), "%lld",
                     atoll(o->value) > atoll(actual) ? atoll(o->value) : atoll(actual));
            free(new_value);
            new_value = gf_xstrdup(nv);
        }
        if (o->use_min) {
            const char *nv = au && vu ? actual : au ? o->value : vu ? actual : num;
            snprintf(num, sizeof(num), "%lld",
                     atoll(o->value) < atoll(actual) ? atoll(o->value) : atoll(actual));
            free(new_value);
            new_value = gf_xstrdup(nv);
        }
        if (strcmp(new_value, actual)) {
            te->changed = 1;
            /* Ansible keeps the old comment's line end: one line more */
            char *nline = pam_line(o, new_value, comment);
            snprintf(te->msg, sizeof(te->msg), "%s", nline);
            free(l.v[i]);
            l.v[i] = nline;
        } else {
            snprintf(te->msg, sizeof(te->msg), "%s", line);
        }
        free(nl);
    }
    if (!found) {
        te->changed = 1;
        char *nline = pam_line(o, new_value, comment);
        snprintf(te->msg, sizeof(te->msg), "%s", nline);
        sl_push(&l, nline);
    }
    sl_join(&l, &te->out);
out:
    sl_release(&l);
    free(comment);
    free(new_value);
    free(prefix);
    return rc;
}

/* ---- kernel_blacklist ---- */

static char *rstrip_dup(const char *s, size_t n)
{
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    return gf_xstrndup(s, n);
}

/* re.match(r'^blacklist\s+NAME$', line.strip()) */
static int blacklists(const char *line, const char *name)
{
    while (isspace((unsigned char)*line))
        line++;
    size_t n = strlen(line);
    while (n && isspace((unsigned char)line[n - 1]))
        n--;
    if (n < 9 || strncmp(line, "blacklist", 9) || !isspace((unsigned char)line[9]))
        return 0;
    size_t i = 9;
    while (i < n && isspace((unsigned char)line[i]))
        i++;
    return n - i == strlen(name) && memcmp(line + i, name, n - i) == 0;
}

int gf_blacklist_edit(const char *text, size_t len, int exists, const char *name, int absent,
                      struct gf_textedit *te)
{
    struct gf_buf norm = GF_BUF_INIT;
    struct slist l = { 0 };
    int listed = 0;

    universal_newlines(text, len, &norm);
    for (size_t i = 0; i < norm.len;) {
        const char *nl = memchr(norm.buf + i, '\n', norm.len - i);
        size_t j = nl ? (size_t)(nl - norm.buf) + 1 : norm.len;
        sl_push(&l, rstrip_dup(norm.buf + i, j - i));
        i = j;
    }
    for (size_t i = 0; i < l.n && !listed; i++) {
        const char *s = l.v[i];
        while (isspace((unsigned char)*s))
            s++;
        listed = *s != '#' && blacklists(s, name);
    }
    te->changed = !exists;
    if (absent && listed) {
        for (size_t i = l.n; i > 0; i--)
            if (blacklists(l.v[i - 1], name))
                sl_del(&l, i - 1);
        te->changed = 1;
    } else if (!absent && !listed) {
        sl_push(&l, gf_xasprintf("blacklist %s", name));
        te->changed = 1;
    }
    te->found = !absent;
    for (size_t i = 0; i < l.n; i++)
        gf_buf_addf(&te->out, "%s\n", l.v[i]);
    if (!te->changed) {
        gf_buf_reset(&te->out);
        gf_buf_add(&te->out, text, len);
    }
    sl_release(&l);
    gf_buf_release(&norm);
    return 0;
}

/* ---- authorized_key ---- */

/* An option list: key, value (NULL: a flag) pairs, in order. */
struct akopt {
    struct gf_vec k, v;
};

/* One entry of the module's key dictionary. */
struct akey {
    char *id;       /* the key's base64, or the raw line */
    char *type;     /* NULL: a line kept as it is ("skipped") */
    struct akopt *opts;
    char *comment;
    long rank;
};

struct akeys {
    struct akey *v;
    size_t n, alloc;
};

static void akopt_free(struct akopt *o)
{
    if (o == NULL)
        return;
    gf_vec_release(&o->k, free);
    gf_vec_release(&o->v, free);
    free(o);
}

static void akey_release(struct akey *k)
{
    free(k->id);
    free(k->type);
    free(k->comment);
    akopt_free(k->opts);
    memset(k, 0, sizeof(*k));
}

/* parseoptions(): splits on commas outside "..." and '...'. */
static struct akopt *ak_parse_options(const char *s)
{
    struct akopt *o = gf_xcalloc(1, sizeof(*o));
    struct gf_vec parts = GF_VEC_INIT;
    size_t n = s ? strlen(s) : 0, i = 0, sep = 0;
    int matches = 0;

    /* re.split of ((?:[^,"']|"[^"]*"|'[^']*')+) keeping matches and the
     * separators between them */
    while (i < n) {
        size_t j = i;
        for (;;) {
            if (j < n && !strchr(",\"'", s[j])) {
                j++;
            } else if (j < n && s[j] != ',' && strchr(s + j + 1, s[j])) {
                j = (size_t)(strchr(s + j + 1, s[j]) - s) + 1;
            } else {
                break;
            }
        }
        if (j == i) {
            i++;
            continue;
        }
        if (matches++)
            gf_vec_push(&parts, gf_xstrndup(s + sep, i - sep));
        gf_vec_push(&parts, gf_xstrndup(s + i, j - i));
        sep = i = j;
    }
    for (size_t p = 0; p < parts.n; p++) {
        char *part = parts.v[p], *eq = strchr(part, '=');
        if (eq) {
            gf_vec_push(&o->k, gf_xstrndup(part, (size_t)(eq - part)));
            gf_vec_push(&o->v, gf_xstrdup(eq + 1));
        } else if (strcmp(part, ",")) {
            gf_vec_push(&o->k, gf_xstrdup(part));
            gf_vec_push(&o->v, NULL);
        }
    }
    gf_vec_release(&parts, free);
    return o;
}

static int streq_null(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* keydict equality: the same keys, each with the same values in order. */
static int akopt_eq(const struct akopt *a, const struct akopt *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    for (int pass = 0; pass < 2; pass++) {
        const struct akopt *x = pass ? b : a, *y = pass ? a : b;
        for (size_t i = 0; i < x->k.n; i++) {
            size_t ix = 0, iy = 0, cx = 0, cy = 0;
            for (size_t j = 0; j < x->k.n; j++)
                cx += strcmp(x->k.v[j], x->k.v[i]) == 0;
            for (size_t j = 0; j < y->k.n; j++)
                cy += strcmp(y->k.v[j], x->k.v[i]) == 0;
            if (cx != cy)
                return 0;
            while (ix < x->k.n && iy < y->k.n) {
                while (ix < x->k.n && strcmp(x->k.v[ix], x->k.v[i]))
                    ix++;
                while (iy < y->k.n && strcmp(y->k.v[iy], x->k.v[i]))
                    iy++;
                if (ix < x->k.n && iy < y->k.n && !streq_null(x->v.v[ix], y->v.v[iy]))
                    return 0;
                ix++, iy++;
            }
        }
    }
    return 1;
}

static const char *const ssh_key_types[] = {
    "sk-ecdsa-sha2-nistp256@openssh.com", "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "webauthn-sk-ecdsa-sha2-nistp256@openssh.com", "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp384-cert-v01@openssh.com", "ecdsa-sha2-nistp521",
    "ecdsa-sha2-nistp521-cert-v01@openssh.com", "sk-ssh-ed25519@openssh.com",
    "sk-ssh-ed25519-cert-v01@openssh.com", "ssh-ed25519", "ssh-ed25519-cert-v01@openssh.com",
    "ssh-dss", "ssh-rsa", "ssh-xmss@openssh.com", "ssh-xmss-cert-v01@openssh.com",
    "rsa-sha2-256", "rsa-sha2-512", "ssh-rsa-cert-v01@openssh.com",
    "rsa-sha2-256-cert-v01@openssh.com", "rsa-sha2-512-cert-v01@openssh.com",
    "ssh-dss-cert-v01@openssh.com", NULL,
};

static void join_words(struct gf_buf *b, char **w, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        if (i > from)
            gf_buf_addc(b, ' ');
        gf_buf_adds(b, w[i]);
    }
}

/* parsekey(): 0 and k filled, or -1 for a line that is no key. A comment
 * line ("# ...") is kept as it is (k->type NULL). */
static int ak_parse_key(const char *line, long rank, struct akey *k)
{
    struct gf_buf raw = GF_BUF_INIT, b = GF_BUF_INIT;
    struct gf_vec w = GF_VEC_INIT;
    long t = -1;
    int rc = 0;

    for (const char *p = line; *p; p++) {
        if (p[0] == '\\' && p[1] == '#')
            continue;
        gf_buf_addc(&raw, *p);
    }
    for (const char *p = raw.buf; *p;) {
        size_t n = strspn(p, " \t\r\n\v\f");
        p += n;
        if (!*p)
            break;
        n = strcspn(p, " \t\r\n\v\f");
        gf_vec_push(&w, gf_xstrndup(p, n));
        p += n;
    }
    memset(k, 0, sizeof(*k));
    k->rank = rank;
    if (w.n && strcmp(w.v[0], "#") == 0) {
        k->id = gf_buf_detach(&raw, NULL);
        goto out;
    }
    for (size_t i = 0; i < w.n && t < 0; i++)
        for (size_t j = 0; ssh_key_types[j]; j++)
            if (strcmp(w.v[i], ssh_key_types[j]) == 0)
                t = (long)i;
    if (t < 0 || (size_t)t + 1 >= w.n) {
        rc = -1;
        goto out;
    }
    join_words(&b, (char **)w.v, 0, (size_t)t);
    k->opts = ak_parse_options(t > 0 ? b.buf : NULL);
    k->type = gf_xstrdup(w.v[t]);
    k->id = gf_xstrdup(w.v[t + 1]);
    gf_buf_reset(&b);
    join_words(&b, (char **)w.v, (size_t)t + 2, w.n);
    k->comment = gf_buf_detach(&b, NULL);
out:
    gf_vec_release(&w, free);
    gf_buf_release(&raw);
    gf_buf_release(&b);
    return rc;
}

static long ak_find(const struct akeys *ks, const char *id)
{
    for (size_t i = 0; i < ks->n; i++)
        if (strcmp(ks->v[i].id, id) == 0)
            return (long)i;
    return -1;
}

/* keys[id] = k: a known id keeps its place, with the new value */
static void ak_set(struct akeys *ks, struct akey *k)
{
    long at = ak_find(ks, k->id);

    if (at >= 0) {
        akey_release(&ks->v[at]);
        ks->v[at] = *k;
        return;
    }
    if (ks->n == ks->alloc) {
        ks->alloc = ks->alloc ? 2 * ks->alloc : 16;
        ks->v = gf_xrealloc(ks->v, ks->alloc * sizeof(*ks->v));
    }
    ks->v[ks->n++] = *k;
}

static void ak_del(struct akeys *ks, size_t at)
{
    akey_release(&ks->v[at]);
    memmove(ks->v + at, ks->v + at + 1, (ks->n - at - 1) * sizeof(*ks->v));
    ks->n--;
}

static int rank_cmp(const void *a, const void *b)
{
    const struct akey *x = *(const struct akey *const *)a, *y = *(const struct akey *const *)b;

    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    return x < y ? -1 : x > y; /* sorted() is stable */
}

/* serialize() */
static void ak_serialize(const struct akeys *ks, struct gf_buf *out)
{
    const struct akey **s = gf_xcalloc(ks->n + 1, sizeof(*s));

    for (size_t i = 0; i < ks->n; i++)
        s[i] = &ks->v[i];
    qsort(s, ks->n, sizeof(*s), rank_cmp);
    for (size_t i = 0; i < ks->n; i++) {
        const struct akey *k = s[i];
        if (k->type == NULL) {
            /* Ansible glues the next key to a last line without its end */
            gf_buf_adds(out, k->id);
            if (i + 1 < ks->n && out->len && out->buf[out->len - 1] != '\n')
                gf_buf_addc(out, '\n');
            continue;
        }
        for (size_t j = 0; k->opts && j < k->opts->k.n; j++) {
            gf_buf_adds(out, k->opts->k.v[j]);
            if (k->opts->v.v[j])
                gf_buf_addf(out, "=%s", (const char *)k->opts->v.v[j]);
            gf_buf_adds(out, j + 1 < k->opts->k.n ? "," : " ");
        }
        gf_buf_addf(out, "%s %s %s\n", k->type, k->id, k->comment ? k->comment : "");
    }
    free(s);
}

/* str.splitlines(): lines without their ends */
static void split_lines(const char *t, struct gf_vec *out, int keep_ends)
{
    for (const char *p = t; *p;) {
        size_t n = strcspn(p, "\r\n");
        size_t e = n + (p[n] == '\r' && p[n + 1] == '\n' ? 2 : p[n] ? 1 : 0);
        gf_vec_push(out, gf_xstrndup(p, keep_ends ? e : n));
        p += e;
    }
}

int gf_authkey_edit(const char *text, size_t len, const struct gf_authkey_opts *o,
                    struct gf_textedit *te)
{
    struct gf_vec lines = GF_VEC_INIT, want = GF_VEC_INIT, exist_ids = GF_VEC_INIT;
    struct akeys ks = { 0 };
    char *content = gf_xstrndup(text, len);
    int rc = 0;

    split_lines(content, &lines, 1);
    for (size_t i = 0; i < lines.n; i++) {
        struct akey k;
        if (ak_parse_key(lines.v[i], (long)i, &k) < 0) {
            akey_release(&k);
            k.id = gf_xstrdup(lines.v[i]);
            k.rank = (long)i;
        }
        ak_set(&ks, &k);
    }
    long max_rank = (long)ks.n;
    struct gf_vec nk = GF_VEC_INIT;
    split_lines(o->key, &nk, 0);
    for (size_t i = 0; i < nk.n; i++)
        if (*(char *)nk.v[i] && *(char *)nk.v[i] != '#')
            gf_vec_push(&want, gf_xstrdup(nk.v[i]));
    gf_vec_release(&nk, free);
    for (size_t r = 0; r < want.n; r++) {
        struct akey k;
        if (ak_parse_key(want.v[r], (long)r, &k) < 0) {
            akey_release(&k);
            rc = edit_fail(te, "invalid key specified: %s", (char *)want.v[r]);
            goto out;
        }
        if (o->key_options) {
            akopt_free(k.opts);
            k.opts = ak_parse_options(o->key_options);
        }
        if (o->comment) {
            free(k.comment);
            k.comment = gf_xstrdup(o->comment);
        }
        long at = ak_find(&ks, k.id);
        int matched = 0;
        if (at >= 0) {
            const struct akey *e = &ks.v[at];
            if (!o->absent && !(streq_null(k.type, e->type) && akopt_eq(k.opts, e->opts) &&
                                streq_null(k.comment, e->comment))) {
                ak_del(&ks, (size_t)at);
                te->changed = 1;
            } else {
                matched = 1;
            }
        }
        if (!o->absent) {
            gf_vec_push(&exist_ids, gf_xstrdup(k.id));
            if (!matched) {
                k.rank += max_rank;
                ak_set(&ks, &k);
                te->changed = 1;
                continue;
            }
        } else if (matched) {
            ak_del(&ks, (size_t)ak_find(&ks, k.id));
            te->changed = 1;
        }
        akey_release(&k);
    }
    if (!o->absent && o->exclusive) {
        for (size_t i = ks.n; i > 0; i--) {
            int keep = 0;
            for (size_t j = 0; j < exist_ids.n && !keep; j++)
                keep = strcmp(exist_ids.v[j], ks.v[i - 1].id) == 0;
            if (!keep) {
                ak_del(&ks, i - 1);
                te->changed = 1;
            }
        }
    }
    if (te->changed)
        ak_serialize(&ks, &te->out);
    else
        gf_buf_add(&te->out, text, len);
out:
    for (size_t i = 0; i < ks.n; i++)
        akey_release(&ks.v[i]);
    free(ks.v);
    gf_vec_release(&lines, free);
    gf_vec_release(&want, free);
    gf_vec_release(&exist_ids, free);
    free(content);
    return rc;
}

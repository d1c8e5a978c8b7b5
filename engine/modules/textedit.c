/* textedit.c - what lineinfile, blockinfile and replace do to a file's text, as
 * pure functions checked against Ansible's modules (lines, Python-style
 * regular expressions through PCRE2, backreference templates), and the
 * unified diff of diff mode. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textedit.h"

void gf_textedit_init(struct gf_textedit *te)
{
    memset(te, 0, sizeof(*te));
    gf_buf_init(&te->out);
}

void gf_textedit_release(struct gf_textedit *te)
{
    gf_buf_release(&te->out);
    gf_error_clear(&te->err);
}

/* Sets te's error; returns -GF_EINVAL. */
#define edit_fail(te, ...) gf_error_set(&(te)->err, GF_EINVAL, NULL, 0, 0, __VA_ARGS__)

/* ---- a file as an editable list of lines, each with its line end ---- */

struct line {
    const char *s;
    size_t n;
};

struct lines {
    struct line *v;
    size_t n, alloc;
    struct gf_vec owned;  /* texts of the lines the edit made */
};

static void lines_insert(struct lines *l, size_t at, const char *s, size_t n)
{
    if (l->n == l->alloc) {
        l->alloc = l->alloc ? 2 * l->alloc : 32;
        l->v = gf_xrealloc(l->v, l->alloc * sizeof(*l->v));
    }
    memmove(l->v + at + 1, l->v + at, (l->n - at) * sizeof(*l->v));
    l->v[at] = (struct line){ s, n };
    l->n++;
}

static void lines_remove(struct lines *l, size_t from, size_t to)
{
    memmove(l->v + from, l->v + to, (l->n - to) * sizeof(*l->v));
    l->n -= to - from;
}

/* Returns a copy of s[0..n), plus "\n" when nl, that lives as long as l. */
static struct line lines_text(struct lines *l, const char *s, size_t n, int nl)
{
    char *c = gf_xmalloc(n + 2);

    memcpy(c, s, n);
    if (nl)
        c[n++] = '\n';
    c[n] = '\0';
    gf_vec_push(&l->owned, c);
    return (struct line){ c, n };
}

/* Python's readlines() (any_eol 0: only "\n" ends a line) or
 * bytes.splitlines(True) (any_eol 1: "\r\n", "\r" and "\n"). */
static void lines_split(struct lines *l, const char *t, size_t len, int any_eol)
{
    for (size_t i = 0, j; i < len; i = j) {
        for (j = i; j < len && t[j] != '\n' && !(any_eol && t[j] == '\r'); j++)
            ;
        if (j < len && t[j] == '\r' && j + 1 < len && t[j + 1] == '\n')
            j++;
        if (j < len)
            j++;
        lines_insert(l, l->n, t + i, j - i);
    }
}

static void lines_join(const struct lines *l, struct gf_buf *out)
{
    for (size_t i = 0; i < l->n; i++)
        gf_buf_add(out, l->v[i].s, l->v[i].n);
}

static void lines_release(struct lines *l)
{
    free(l->v);
    gf_vec_release(&l->owned, free);
}

static int line_eq(struct line a, const char *s, size_t n)
{
    return a.n == n && memcmp(a.s, s, n) == 0;
}

/* line.rstrip(b'\r\n') == s */
static int line_is(struct line a, const char *s, size_t n)
{
    while (a.n && (a.s[a.n - 1] == '\n' || a.s[a.n - 1] == '\r'))
        a.n--;
    return line_eq(a, s, n);
}

static int ends_nl(struct line a)
{
    return a.n && a.s[a.n - 1] == '\n';
}

/* ---- Python regular expressions through PCRE2 ---- */

struct rx {
    pcre2_code *code;
    pcre2_match_data *md;
};

static int rx_compile_opts(struct rx *r, const char *what, const char *pat, uint32_t opts,
                           struct gf_textedit *te)
{
    struct gf_buf p = GF_BUF_INIT;
    PCRE2_UCHAR m[256];
    PCRE2_SIZE off;
    int ec;

    /* Python's \Z is PCRE2's \z; the rest users write here reads the same */
    for (const char *s = pat; *s; s++) {
        if (s[0] == '\\' && s[1]) {
            gf_buf_addc(&p, '\\');
            gf_buf_addc(&p, *++s == 'Z' ? 'z' : *s);
        } else {
            gf_buf_addc(&p, *s);
        }
    }
    r->code = pcre2_compile((PCRE2_SPTR)p.buf, p.len, opts, &ec, &off, NULL);
    gf_buf_release(&p);
    if (r->code == NULL) {
        pcre2_get_error_message(ec, m, sizeof(m));
        return edit_fail(te, "invalid regular expression in %s '%s': %s at offset %zu", what,
                         pat, (const char *)m, (size_t)off);
    }
    r->md = pcre2_match_data_create_from_pattern(r->code, NULL);
    return 0;
}

static int rx_compile(struct rx *r, const char *what, const char *pat, struct gf_textedit *te)
{
    return rx_compile_opts(r, what, pat, 0, te);
}

/* re.search(): 1 when the pattern matches somewhere in s[0..n). */
static int rx_search(const struct rx *r, const char *s, size_t n)
{
    return pcre2_match(r->code, (PCRE2_SPTR)s, n, 0, 0, r->md, NULL) > 0;
}

static void rx_free(struct rx *r)
{
    pcre2_match_data_free(r->md);
    pcre2_code_free(r->code);
}

/* Python sees re.MULTILINE in a pattern's flags only from a leading (?m). */
static int rx_multiline(const char *pat)
{
    size_t n = strspn(pat + 2, "aiLmsux");

    return strncmp(pat, "(?", 2) == 0 && pat[2 + n] == ')' && memchr(pat + 2, 'm', n);
}

static int is_oct(char c)
{
    return c >= '0' && c <= '7';
}

/* Adds one octal escape of up to max digits at *p (advanced past it). */
static int expand_octal(const char **p, int max, struct gf_buf *out, struct gf_textedit *te)
{
    unsigned v = 0;

    for (int i = 0; i < max && is_oct(**p); i++)
        v = v * 8 + (unsigned)(*(*p)++ - '0');
    if (v > 0377)
        return edit_fail(te, "octal escape value \\%o outside of range 0-0o377", v);
    gf_buf_addc(out, (char)v);
    return 0;
}

/* Reads the group of "\g<...>" at p ('<' next); returns it or -1. */
static long expand_group_name(const struct rx *r, const char **p, struct gf_textedit *te)
{
    const char *name = *p + 1, *end = strchr(name, '>');

    if (**p != '<' || end == NULL || end == name)
        return edit_fail(te, "bad group reference in the line template"), -1;
    *p = end + 1;
    char *nm = gf_xstrndup(name, (size_t)(end - name));
    long g = strspn(nm, "0123456789") == strlen(nm) ? atol(nm)
             : pcre2_substring_number_from_name(r->code, (PCRE2_SPTR)nm);
    if (g < 0)
        edit_fail(te, "unknown group name '%s' in the line template", nm);
    free(nm);
    return g < 0 ? -1 : g;
}

/* match.expand(tpl) as Python does for the match in r->md on subj:
 * \1..\99, \g<n>, \g<name>, \n-style and octal escapes; unmatched
 * groups are empty. Returns 0, or -GF_EINVAL with te->err. */
static int rx_expand(const struct rx *r, const char *subj, const char *tpl, struct gf_buf *out,
                     struct gf_textedit *te)
{
    static const char from[] = "abfnrtv\\", to[] = "\a\b\f\n\r\t\v\\";
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(r->md);
    uint32_t ngroups = 0;

    pcre2_pattern_info(r->code, PCRE2_INFO_CAPTURECOUNT, &ngroups);
    for (const char *p = tpl; *p;) {
        if (*p != '\\') {
            gf_buf_addc(out, *p++);
            continue;
        }
        char c = p[1];
        long g;
        p += 2;
        if (c == '\0')
            return edit_fail(te, "bad escape (end of the line template)");
        if (c == 'g') {
            if ((g = expand_group_name(r, &p, te)) < 0)
                return -GF_EINVAL;
        } else if (c == '0') {
            p--;
            if (expand_octal(&p, 3, out, te) < 0)
                return -GF_EINVAL;
            continue;
        } else if (isdigit((unsigned char)c)) {
            if (is_oct(c) && is_oct(p[0]) && is_oct(p[1])) {
                p--;
                if (expand_octal(&p, 3, out, te) < 0)
                    return -GF_EINVAL;
                continue;
            }
            g = c - '0';
            if (isdigit((unsigned char)*p))
                g = g * 10 + (*p++ - '0');
        } else if (strchr(from, c)) {
            gf_buf_addc(out, to[strchr(from, c) - from]);
            continue;
        } else if (isalpha((unsigned char)c)) {
            return edit_fail(te, "bad escape \\%c in the line template", c);
        } else {
            gf_buf_addc(out, '\\');
            gf_buf_addc(out, c);
            continue;
        }
        if (g > (long)ngroups)
            return edit_fail(te, "invalid group reference %ld in the line template", g);
        if (ov[2 * g] != PCRE2_UNSET)
            gf_buf_add(out, subj + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
    }
    return 0;
}

/* ---- lineinfile ---- */

const char *gf_lineinfile_invalid(const struct gf_lineinfile_opts *o)
{
    if (o->insertbefore && o->insertafter)
        return "parameters are mutually exclusive: insertbefore|insertafter";
    if (o->regexp && o->search_string)
        return "parameters are mutually exclusive: regexp|search_string";
    if (o->backrefs && o->search_string)
        return "parameters are mutually exclusive: backrefs|search_string";
    if (!o->absent && o->backrefs && o->regexp == NULL)
        return "regexp is required with backrefs=true";
    if (!o->absent && o->line == NULL)
        return "line is required with state=present";
    if (o->absent && !o->regexp && !o->search_string && !o->line)
        return "one of line, search_string, or regexp is required with state=absent";
    return NULL;
}

/* Where the line goes: index of the line to replace (-1: none) and the
 * insertion point (-1: none), as Ansible's two scans find them. */
struct lif_pos {
    long replace, insert;
    int matched;   /* regexp or search_string found a line */
};

static void lif_scan(const struct lines *l, const struct rx *re, const struct rx *ins,
                     const struct gf_lineinfile_opts *o, struct lif_pos *pos)
{
    size_t sl = o->search_string ? strlen(o->search_string) : 0, ll = strlen(o->line);

    pos->replace = pos->insert = -1;
    pos->matched = 0;
    for (size_t i = 0; i < l->n && (o->regexp || o->search_string); i++) {
        int hit = o->regexp ? rx_search(re, l->v[i].s, l->v[i].n)
                            : memmem(l->v[i].s, l->v[i].n, o->search_string, sl) != NULL;
        if (hit) {
            pos->replace = (long)i;
            pos->matched = 1;
            if (o->firstmatch)
                break;
        }
    }
    if (pos->matched)
        return;
    for (size_t i = 0; i < l->n; i++) {
        if (line_is(l->v[i], o->line, ll)) {
            pos->replace = (long)i;
        } else if (ins->code && rx_search(ins, l->v[i].s, l->v[i].n) &&
                   ((o->insertafter && *o->insertafter) || o->insertbefore)) {
            pos->insert = (long)i + (o->insertafter != NULL);
            if (o->firstmatch)
                break;
        }
    }
}

/* Adds "line\n" at `at` unless the line beside it (prev: the one before)
 * already is the line. */
static void lif_insert_once(struct lines *l, size_t at, int prev, const char *line,
                            struct gf_textedit *te)
{
    size_t ll = strlen(line);
    size_t near = prev ? at - 1 : at;

    if (near < l->n && line_is(l->v[near], line, ll))
        return;
    /* Ansible 2.14 glues the line to a last line that has no line end;
     * that corrupts the file, so here the last line gets its end first */
    if (prev && at > 0 && !ends_nl(l->v[at - 1]))
        l->v[at - 1] = lines_text(l, l->v[at - 1].s, l->v[at - 1].n, 1);
    struct line t = lines_text(l, line, ll, 1);
    lines_insert(l, at, t.s, t.n);
    te->changed = 1;
}

static int lif_present(struct lines *l, const struct rx *re, const struct gf_lineinfile_opts *o,
                       struct gf_textedit *te)
{
    const char *after = o->insertafter, *before = o->insertbefore, *ipat = NULL;
    struct rx ins = { 0 };
    struct lif_pos pos;
    int rc = 0;

    if (!after && !before)
        after = "EOF";
    if (after && strcmp(after, "BOF") && strcmp(after, "EOF"))
        ipat = after;
    else if (before && strcmp(before, "BOF"))
        ipat = before;
    if (ipat && (rc = rx_compile(&ins, after ? "insertafter" : "insertbefore", ipat, te)))
        return rc;
    lif_scan(l, re, &ins, o, &pos);
    if (pos.replace >= 0) {
        struct line *cur = &l->v[pos.replace];
        struct gf_buf nl = GF_BUF_INIT;
        if (o->backrefs && pos.matched) {
            rx_search(re, cur->s, cur->n); /* the match data of this very line */
            rc = rx_expand(re, cur->s, o->line, &nl, te);
        } else {
            gf_buf_adds(&nl, o->line);
        }
        if (nl.len == 0 || nl.buf[nl.len - 1] != '\n')
            gf_buf_addc(&nl, '\n');
        if (rc == 0 && !line_eq(*cur, nl.buf, nl.len)) {
            *cur = lines_text(l, nl.buf, nl.len, 0);
            te->changed = 1;
            strcpy(te->msg, "line replaced");
        }
        gf_buf_release(&nl);
    } else if (o->backrefs) {
        /* without a match there is nothing to fill the backreferences with */
    } else if ((before && !strcmp(before, "BOF")) || (after && !strcmp(after, "BOF"))) {
        struct line t = lines_text(l, o->line, strlen(o->line), 1);
        lines_insert(l, 0, t.s, t.n);
        te->changed = 1;
    } else if ((after && !strcmp(after, "EOF")) || pos.insert < 0) {
        struct line t = lines_text(l, o->line, strlen(o->line), 1);
        if (l->n && !ends_nl(l->v[l->n - 1]) && l->v[l->n - 1].s[l->v[l->n - 1].n - 1] != '\r')
            lines_insert(l, l->n, "\n", 1);
        lines_insert(l, l->n, t.s, t.n);
        te->changed = 1;
    } else if (after && *after) {
        lif_insert_once(l, (size_t)pos.insert, (size_t)pos.insert == l->n, o->line, te);
    } else {
        struct line t = lines_text(l, o->line, strlen(o->line), 1);
        lines_insert(l, (size_t)pos.insert, t.s, t.n);
        te->changed = 1;
    }
    if (te->changed && !te->msg[0])
        strcpy(te->msg, "line added");
    if (ins.code)
        rx_free(&ins);
    return rc;
}

static void lif_absent(struct lines *l, const struct rx *re, const struct gf_lineinfile_opts *o,
                       struct gf_textedit *te)
{
    size_t sl = o->search_string ? strlen(o->search_string) : 0;
    size_t ll = o->line ? strlen(o->line) : 0, keep = 0;

    for (size_t i = 0; i < l->n; i++) {
        struct line c = l->v[i];
        int hit = o->regexp ? rx_search(re, c.s, c.n)
                  : o->search_string ? memmem(c.s, c.n, o->search_string, sl) != NULL
                  : line_is(c, o->line, ll);
        if (hit)
            te->found++;
        else
            l->v[keep++] = c;
    }
    l->n = keep;
    te->changed = te->found > 0;
    if (te->changed)
        snprintf(te->msg, sizeof(te->msg), "%ld line(s) removed", te->found);
}

int gf_lineinfile_edit(const char *text, size_t len, const struct gf_lineinfile_opts *o,
                       struct gf_textedit *te)
{
    const char *bad = gf_lineinfile_invalid(o);
    struct lines l = { 0 };
    struct rx re = { 0 };
    int rc = 0;

    if (bad)
        return edit_fail(te, "%s", bad);
    lines_split(&l, text, len, 0);
    if (o->regexp && (rc = rx_compile(&re, "regexp", o->regexp, te)))
        goto out;
    if (o->absent)
        lif_absent(&l, &re, o, te);
    else
        rc = lif_present(&l, &re, o, te);
    if (rc == 0)
        lines_join(&l, &te->out);
out:
    if (re.code)
        rx_free(&re);
    lines_release(&l);
    return rc;
}

/* ---- blockinfile ---- */

/* marker with every "{mark}" replaced by mark, and a line end. */
static struct line bif_marker(struct lines *l, const char *marker, const char *mark)
{
    struct gf_buf b = GF_BUF_INIT;

    for (const char *p = marker; *p;) {
        if (strncmp(p, "{mark}", 6) == 0) {
            gf_buf_adds(&b, mark);
            p += 6;
        } else {
            gf_buf_addc(&b, *p++);
        }
    }
    struct line t = lines_text(l, b.buf, b.len, 1);
    gf_buf_release(&b);
    return t;
}

/* Where a new block goes when the file has none: after the last line
 * insertafter matches (before the last one insertbefore matches), or, for
 * a pattern starting with (?m), around its first match in the whole text. */
static size_t bif_where(const struct lines *l, const char *text, size_t len, const struct rx *ins,
                        const char *ipat, int after)
{
    long n0 = -1;

    if (rx_multiline(ipat)) {
        if (rx_search(ins, text, len)) {
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(ins->md);
            size_t end = after ? ov[1] : ov[0];
            n0 = 0;
            for (size_t i = 0; i < end; i++)
                n0 += text[i] == '\n';
        }
    } else {
        for (size_t i = 0; i < l->n; i++)
            if (rx_search(ins, l->v[i].s, l->v[i].n))
                n0 = (long)i;
    }
    if (n0 < 0)
        return l->n;
    return (size_t)n0 + (after != 0);
}

int gf_blockinfile_edit(const char *text, size_t len, int exists,
                        const struct gf_blockinfile_opts *o, struct gf_textedit *te)
{
    const char *after = o->insertafter, *before = o->insertbefore, *ipat = NULL;
    const char *block = o->block ? o->block : "";
    struct lines l = { 0 }, blk = { 0 };
    struct rx ins = { 0 };
    long n0 = -1, n1 = -1;
    int rc = 0;

    if (after && before)
        return edit_fail(te, "parameters are mutually exclusive: insertbefore|insertafter");
    if (!after && !before)
        after = "EOF";
    if (after && strcmp(after, "EOF"))
        ipat = after;
    else if (before && strcmp(before, "BOF"))
        ipat = before;
    if (ipat && (rc = rx_compile(&ins, after ? "insertafter" : "insertbefore", ipat, te)))
        return rc;
    lines_split(&l, text, len, 1);
    struct line m0 = bif_marker(&l, o->marker ? o->marker : "# {mark} ANSIBLE MANAGED BLOCK",
                                o->marker_begin ? o->marker_begin : "BEGIN");
    struct line m1 = bif_marker(&l, o->marker ? o->marker : "# {mark} ANSIBLE MANAGED BLOCK",
                                o->marker_end ? o->marker_end : "END");
    if (!o->absent && *block) {
        size_t bl = strlen(block);
        struct line b = lines_text(&l, block, bl, block[bl - 1] != '\n');
        lines_insert(&blk, 0, m0.s, m0.n);
        lines_split(&blk, b.s, b.n, 1);
        lines_insert(&blk, blk.n, m1.s, m1.n);
    }
    for (size_t i = 0; i < l.n; i++) {
        if (line_eq(l.v[i], m0.s, m0.n))
            n0 = (long)i;
        if (line_eq(l.v[i], m1.s, m1.n))
            n1 = (long)i;
    }
    if (n0 < 0 || n1 < 0) {
        n0 = ipat ? (long)bif_where(&l, text, len, &ins, ipat, after != NULL)
             : before ? 0 : (long)l.n;
    } else if (n0 < n1) {
        lines_remove(&l, (size_t)n0, (size_t)n1 + 1);
    } else {
        lines_remove(&l, (size_t)n1, (size_t)n0 + 1);
        n0 = n1;
    }
    if ((size_t)n0 > l.n)
        n0 = (long)l.n;
    /* the line before the block gets a line end */
    if (n0 > 0 && !ends_nl(l.v[n0 - 1]))
        l.v[n0 - 1] = lines_text(&l, l.v[n0 - 1].s, l.v[n0 - 1].n, 1);
    for (size_t i = 0; i < blk.n; i++)
        lines_insert(&l, (size_t)n0 + i, blk.v[i].s, blk.v[i].n);
    lines_join(&l, &te->out);
    te->changed = !exists || te->out.len != len || memcmp(te->out.buf, text, len) != 0;
    strcpy(te->msg, !te->changed ? "" : !exists ? "File created"
                    : blk.n == 0 ? "Block removed" : "Block inserted");
    if (ins.code)
        rx_free(&ins);
    lines_release(&blk);
    lines_release(&l);
    return 0;
}

/* ---- replace ---- */

/* re.subn(r, tpl, s[0..n)) with Python 3.7's rules for empty matches (one
 * is not taken where the previous match ended empty); appends the result
 * to out. Returns the number of replacements, or -1 with te->err. */
static long rx_subn(const struct rx *r, const char *s, size_t n, const char *tpl,
                    struct gf_buf *out, struct gf_textedit *te)
{
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(r->md), pos = 0, last = 0;
    uint32_t flags = 0;
    long count = 0;

    while (pos <= n && pcre2_match(r->code, (PCRE2_SPTR)s, n, pos, flags, r->md, NULL) > 0) {
        PCRE2_SIZE b = ov[0], e = ov[1];
        gf_buf_add(out, s + last, b - last);
        if (rx_expand(r, s, tpl, out, te) < 0)
            return -1;
        count++;
        last = pos = e;
        flags = b == e ? PCRE2_NOTEMPTY_ATSTART : 0;
    }
    gf_buf_add(out, s + last, n - last);
    return count;
}

int gf_replace_edit(const char *text, size_t len, const struct gf_replace_opts *o,
                    struct gf_textedit *te)
{
    struct gf_buf pat = GF_BUF_INIT, sub = GF_BUF_INIT;
    struct rx sec = { 0 }, re = { 0 };
    size_t from = 0, to = len;
    long n;
    int rc = 0;

    if (o->after && o->before)
        gf_buf_addf(&pat, "%s(?P<subsection>.*?)%s", o->after, o->before);
    else if (o->after)
        gf_buf_addf(&pat, "%s(?P<subsection>.*)", o->after);
    else if (o->before)
        gf_buf_addf(&pat, "(?P<subsection>.*)%s", o->before);
    if (pat.len) {
        if ((rc = rx_compile_opts(&sec, "after/before", pat.buf, PCRE2_DOTALL, te)) < 0)
            goto out;
        if (!rx_search(&sec, text, len)) {
            snprintf(te->msg, sizeof(te->msg),
                     "Pattern for before/after params did not match the given file: %s", pat.buf);
            goto out;
        }
        int g = pcre2_substring_number_from_name(sec.code, (PCRE2_SPTR)"subsection");
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(sec.md);
        from = ov[2 * g];
        to = ov[2 * g + 1];
    }
    if ((rc = rx_compile_opts(&re, "regexp", o->regexp, PCRE2_MULTILINE, te)) < 0)
        goto out;
    if ((n = rx_subn(&re, text + from, to - from, o->replace ? o->replace : "", &sub, te)) < 0) {
        rc = -GF_EINVAL;
        goto out;
    }
    gf_buf_add(&te->out, text, from);
    gf_buf_add(&te->out, sub.buf, sub.len);
    gf_buf_add(&te->out, text + to, len - to);
    te->found = n;
    te->changed = n > 0 && (sub.len != to - from || memcmp(sub.buf, text + from, sub.len));
    if (te->changed)
        snprintf(te->msg, sizeof(te->msg), "%ld replacements made", n);
out:
    if (!te->changed) {
        gf_buf_reset(&te->out);
        gf_buf_add(&te->out, text, len);
    }
    if (sec.code)
        rx_free(&sec);
    if (re.code)
        rx_free(&re);
    gf_buf_release(&pat);
    gf_buf_release(&sub);
    return rc;
}

/* ---- unified diff ---- */

enum { OP_EQ, OP_DEL, OP_INS };

struct dop {
    int op;
    size_t i, j;  /* positions in before and after where this line is */
};

/* A line-level edit script from a to b: the common head and tail, and a
 * longest common subsequence of the middle (or, when that would take too
 * much memory, the whole middle replaced). */
static size_t diff_ops(const struct lines *a, const struct lines *b, struct dop *ops)
{
    size_t na = a->n, nb = b->n, pre = 0, suf = 0, k = 0;

    while (pre < na && pre < nb && line_eq(a->v[pre], b->v[pre].s, b->v[pre].n))
        pre++;
    while (suf < na - pre && suf < nb - pre &&
           line_eq(a->v[na - 1 - suf], b->v[nb - 1 - suf].s, b->v[nb - 1 - suf].n))
        suf++;
    for (size_t x = 0; x < pre; x++)
        ops[k++] = (struct dop){ OP_EQ, x, x };
    size_t ma = na - pre - suf, mb = nb - pre - suf, i = 0, j = 0;
    uint32_t *t = NULL;
    if (ma && mb && (ma + 1) * (mb + 1) <= (4u << 20)) {
        /* t[i][j]: LCS length of the middles from i and j on */
        t = gf_xcalloc((ma + 1) * (mb + 1), sizeof(*t));
        for (size_t x = ma; x-- > 0;)
            for (size_t y = mb; y-- > 0;) {
                uint32_t *c = &t[x * (mb + 1) + y];
                if (line_eq(a->v[pre + x], b->v[pre + y].s, b->v[pre + y].n))
                    *c = t[(x + 1) * (mb + 1) + y + 1] + 1;
                else
                    *c = t[(x + 1) * (mb + 1) + y] > t[x * (mb + 1) + y + 1]
                             ? t[(x + 1) * (mb + 1) + y] : t[x * (mb + 1) + y + 1];
            }
    }
    while (i < ma || j < mb) {
        int op;
        if (t && i < ma && j < mb && line_eq(a->v[pre + i], b->v[pre + j].s, b->v[pre + j].n))
            op = OP_EQ;
        else if (i < ma && (j == mb || !t || t[(i + 1) * (mb + 1) + j] >= t[i * (mb + 1) + j + 1]))
            op = OP_DEL;
        else
            op = OP_INS;
        ops[k++] = (struct dop){ op, pre + i, pre + j };
        i += op != OP_INS;
        j += op != OP_DEL;
    }
    free(t);
    for (size_t x = 0; x < suf; x++)
        ops[k++] = (struct dop){ OP_EQ, na - suf + x, nb - suf + x };
    return k;
}

/* difflib's "start,length" of a hunk side. */
static void diff_range(struct gf_buf *out, size_t start, size_t len)
{
    if (len == 1)
        gf_buf_addf(out, "%zu", start + 1);
    else
        gf_buf_addf(out, "%zu,%zu", len ? start + 1 : start, len);
}

static void diff_line(struct gf_buf *out, char tag, struct line l)
{
    gf_buf_addc(out, tag);
    gf_buf_add(out, l.s, l.n);
    if (!ends_nl(l))
        gf_buf_adds(out, "\n\\ No newline at end of file\n");
}

/* Prints ops[from..to) as one hunk; runs of changes show their removed
 * lines first, as difflib does. */
static void diff_hunk(struct gf_buf *out, const struct lines *a, const struct lines *b,
                      const struct dop *ops, size_t from, size_t to)
{
    size_t la = 0, lb = 0;

    for (size_t k = from; k < to; k++) {
        la += ops[k].op != OP_INS;
        lb += ops[k].op != OP_DEL;
    }
    gf_buf_adds(out, "@@ -");
    diff_range(out, ops[from].i, la);
    gf_buf_adds(out, " +");
    diff_range(out, ops[from].j, lb);
    gf_buf_adds(out, " @@\n");
    for (size_t k = from; k < to;) {
        if (ops[k].op == OP_EQ) {
            diff_line(out, ' ', a->v[ops[k++].i]);
            continue;
        }
        size_t e = k;
        while (e < to && ops[e].op != OP_EQ)
            e++;
        for (size_t x = k; x < e; x++)
            if (ops[x].op == OP_DEL)
                diff_line(out, '-', a->v[ops[x].i]);
        for (size_t x = k; x < e; x++)
            if (ops[x].op == OP_INS)
                diff_line(out, '+', b->v[ops[x].j]);
        k = e;
    }
}

void gf_text_udiff(const char *before, size_t blen, const char *after, size_t alen,
                   const char *header, struct gf_buf *out)
{
    enum { CTX = 3 };
    struct lines a = { 0 }, b = { 0 };

    if (blen == alen && memcmp(before, after, blen) == 0)
        return;
    lines_split(&a, before, blen, 0);
    lines_split(&b, after, alen, 0);
    struct dop *ops = gf_xcalloc(a.n + b.n + 1, sizeof(*ops));
    size_t n = diff_ops(&a, &b, ops);
    if (*header)
        gf_buf_addf(out, "--- before: %s\n+++ after: %s\n", header, header);
    else
        gf_buf_adds(out, "--- before\n+++ after\n");
    for (size_t k = 0; k < n;) {
        if (ops[k].op == OP_EQ) {
            k++;
            continue;
        }
        size_t from = k > CTX ? k - CTX : 0, end = k;
        /* a hunk goes on while the next change is at most 2 * CTX lines away */
        for (;;) {
            while (end < n && ops[end].op != OP_EQ)
                end++;
            size_t eq = end;
            while (eq < n && ops[eq].op == OP_EQ)
                eq++;
            if (eq == n || eq - end > 2 * CTX)
                break;
            end = eq;
        }
        size_t to = end + CTX < n ? end + CTX : n;
        diff_hunk(out, &a, &b, ops, from, to);
        k = to;
    }
    gf_buf_addc(out, '\n'); /* Ansible ends every diff with an empty line */
    free(ops);
    lines_release(&a);
    lines_release(&b);
}

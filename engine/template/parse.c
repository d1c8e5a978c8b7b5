/*
 * parse.c - the template engine's lexer and parser: template text
 * into the tree of struct node that template.c renders. Follows Jinja2 3.1:
 * its operator precedence, its tokens (numbers with '_', 0x/0o/0b, adjacent
 * strings), bracket balancing inside "{{ }}", and its whitespace rules
 * (trim_blocks, lstrip_blocks, "-" and "+" markers, raw blocks, comments).
 * Also parses Python literals for Ansible's text-to-value conversion.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template-priv.h"

#define MAX_NEST 200 /* brackets and recursion in one expression */
#define OP2(a, b) (((a) << 8) | (b))

/* ---- arena ---- */
struct arena_blk {
    struct arena_blk *next;
    size_t used, size;
    max_align_t data[];
};

void *tpl_arena_alloc(struct arena *a, size_t n)
{
    struct arena_blk *b = a->head;

    n = (n + 15) & ~(size_t)15;
    if (b == NULL || b->size - b->used < n) {
        size_t size = n > 8192 ? n : 8192;
        b = gf_xmalloc(sizeof(*b) + size);
        b->next = a->head;
        b->used = 0;
        b->size = size;
        a->head = b;
    }
    void *p = (char *)b->data + b->used;
    b->used += n;
    memset(p, 0, n);
    return p;
}

char *tpl_arena_strndup(struct arena *a, const char *s, size_t n)
{
    char *p = tpl_arena_alloc(a, n + 1);

    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void tpl_arena_release(struct arena *a)
{
    while (a->head) {
        struct arena_blk *b = a->head;
        a->head = b->next;
        free(b);
    }
}

/* ---- tokens ---- */
enum tok_type { T_EOF, T_END, T_NAME, T_INT, T_FLOAT, T_STR, T_OP };
enum { END_NONE, END_VAR, END_BLOCK };

struct tok {
    enum tok_type type;
    uint32_t pos, len;
    int op;   /* T_OP: the character, or OP2() for two */
    int sign; /* T_END: '-', '+' or 0 */
};

struct parser {
    struct arena *arena;
    const char *s;
    size_t len, pos;
    int endmode;       /* END_VAR, END_BLOCK; END_NONE for literals and bare expressions */
    int raw_strings;   /* string literals keep backslashes (Ansible's doubling) */
    int literal;       /* Python literal mode */
    int file_mode;     /* GF_TPL_FILE */
    int trim, lstrip;  /* trim_blocks, lstrip_blocks */
    char bal[MAX_NEST];
    int nbal;
    int nest;
    int prev_dot;      /* the last token was '.' (so "x.0.1" is not a float) */
    struct tok cur, nxt;
    int have_nxt;
    int line_start;    /* the text being scanned starts a line (for lstrip_blocks) */
    int failed;
    const struct gf_tpl_opts *opts;
    struct gf_error *err;
    const char *stack_base;
};

static void *perr(struct parser *p, uint32_t pos, const char *fmt, ...) GF_PRINTF(3, 4);

static void *perr(struct parser *p, uint32_t pos, const char *fmt, ...)
{
    struct gf_buf b = GF_BUF_INIT;
    va_list ap;
    int line = 1, col = 1;

    if (p->failed)
        return NULL;
    p->failed = 1;
    if (p->err == NULL)
        return NULL;
    va_start(ap, fmt);
    gf_buf_vaddf(&b, fmt, ap);
    va_end(ap);
    /* Position: the base of the string, moved by the text before pos. */
    int bl = p->opts && p->opts->line > 0 ? p->opts->line : 1;
    int bc = p->opts && p->opts->col > 0 ? p->opts->col : 1;
    const char *nl = NULL;
    if (pos > p->len)
        pos = (uint32_t)p->len;
    for (size_t i = 0; i < pos; i++)
        if (p->s[i] == '\n')
            line++, nl = p->s + i;
    col = nl ? (int)(p->s + pos - nl) : bc + (int)pos;
    gf_error_set(p->err, GF_EPARSE, p->opts ? p->opts->file : NULL, bl + line - 1, col,
                 "template syntax error: %s", b.buf);
    gf_buf_release(&b);
    return NULL;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_name_char(char c)
{
    return is_name_start(c) || is_digit(c);
}

static const char *tokdesc(const struct parser *p, const struct tok *t, char *buf, size_t n)
{
    switch (t->type) {
    case T_EOF:
        return p->endmode == END_NONE ? "end of expression" : "end of template";
    case T_END:
        return p->endmode == END_VAR ? "end of print statement" : "end of statement block";
    default:
        snprintf(buf, n, "%.*s", t->len > 40 ? 40 : (int)t->len, p->s + t->pos);
        return buf;
    }
}

/* Scans a number at p->pos into t (T_INT or T_FLOAT). */
static int lex_number(struct parser *p, struct tok *t)
{
    const char *s = p->s;
    size_t i = p->pos, n = p->len;

    t->type = T_INT;
    if (s[i] == '0' && i + 1 < n && strchr("xXoObB", s[i + 1]) && !p->prev_dot) {
        i += 2;
        while (i < n && (is_name_char(s[i])))
            i++;
        t->len = (uint32_t)(i - p->pos);
        p->pos = i;
        return 0;
    }
    while (i < n && (is_digit(s[i]) || (s[i] == '_' && i + 1 < n && is_digit(s[i + 1]))))
        i++;
    if (!p->prev_dot) {
        if (i + 1 < n && s[i] == '.' && is_digit(s[i + 1])) {
            t->type = T_FLOAT;
            i++;
            while (i < n && (is_digit(s[i]) || (s[i] == '_' && i + 1 < n && is_digit(s[i + 1]))))
                i++;
        }
        if (i < n && (s[i] == 'e' || s[i] == 'E')) {
            size_t j = i + 1;
            if (j < n && (s[j] == '+' || s[j] == '-'))
                j++;
            if (j < n && is_digit(s[j])) {
                t->type = T_FLOAT;
                i = j;
                while (i < n && (is_digit(s[i]) || (s[i] == '_' && i + 1 < n &&
                                                     is_digit(s[i + 1]))))
                    i++;
            }
        }
    }
    t->len = (uint32_t)(i - p->pos);
    p->pos = i;
    return 0;
}

/* Reads the next token of an expression into t. Returns 0 or -1. */
static int lex(struct parser *p, struct tok *t)
{
    const char *s = p->s;
    size_t n = p->len;

    memset(t, 0, sizeof(*t));
    while (p->pos < n && is_space(s[p->pos]))
        p->pos++;
    t->pos = (uint32_t)p->pos;
    if (p->pos >= n) {
        t->type = T_EOF;
        return 0;
    }
    const char *c = s + p->pos;
    size_t left = n - p->pos;
    if (p->nbal == 0 && p->endmode == END_VAR) {
        if (left >= 3 && memcmp(c, "-}}", 3) == 0) {
            t->type = T_END, t->sign = '-', t->len = 3;
            p->pos += 3;
            return 0;
        }
        if (left >= 2 && memcmp(c, "}}", 2) == 0) {
            t->type = T_END, t->len = 2;
            p->pos += 2;
            return 0;
        }
    } else if (p->nbal == 0 && p->endmode == END_BLOCK) {
        if (left >= 3 && (memcmp(c, "-%}", 3) == 0 || memcmp(c, "+%}", 3) == 0)) {
            t->type = T_END, t->sign = c[0], t->len = 3;
            p->pos += 3;
            return 0;
        }
        if (left >= 2 && memcmp(c, "%}", 2) == 0) {
            t->type = T_END, t->len = 2;
            p->pos += 2;
            return 0;
        }
    }
    int was_dot = p->prev_dot;
    p->prev_dot = 0;
    if (is_name_start(*c)) {
        size_t i = p->pos;
        while (i < n && is_name_char(s[i]))
            i++;
        t->type = T_NAME;
        t->len = (uint32_t)(i - p->pos);
        p->pos = i;
        return 0;
    }
    if (is_digit(*c)) {
        p->prev_dot = was_dot;
        int rc = lex_number(p, t);
        p->prev_dot = 0;
        return rc;
    }
    if (*c == '\'' || *c == '"') {
        size_t i = p->pos + 1;
        while (i < n && s[i] != *c) {
            if (s[i] == '\\' && i + 1 < n)
                i++;
            i++;
        }
        if (i >= n)
            return perr(p, t->pos, "unterminated string"), -1;
        t->type = T_STR;
        t->len = (uint32_t)(i + 1 - p->pos);
        p->pos = i + 1;
        return 0;
    }
    static const char two[][3] = { "**", "//", "==", "!=", "<=", ">=" };
    t->type = T_OP;
    for (size_t k = 0; k < GF_ARRAY_LEN(two); k++)
        if (left >= 2 && c[0] == two[k][0] && c[1] == two[k][1]) {
            t->op = OP2(c[0], c[1]);
            t->len = 2;
            p->pos += 2;
            return 0;
        }
    if (!strchr("+-*/%~<>()[]{},.:|=", *c) || *c == '\0')
        return perr(p, t->pos, "unexpected char '%c'", *c), -1;
    t->op = *c;
    t->len = 1;
    p->pos++;
    if (*c == '.')
        p->prev_dot = 1;
    if (*c == '(' || *c == '[' || *c == '{') {
        if (p->nbal >= MAX_NEST)
            return perr(p, t->pos, "expression nested too deeply"), -1;
        p->bal[p->nbal++] = *c == '(' ? ')' : *c == '[' ? ']' : '}';
    } else if (*c == ')' || *c == ']' || *c == '}') {
        if (p->nbal == 0)
            return perr(p, t->pos, "unexpected '%c'", *c), -1;
        if (p->bal[p->nbal - 1] != *c)
            return perr(p, t->pos, "unexpected '%c', expected '%c'", *c,
                        p->bal[p->nbal - 1]), -1;
        p->nbal--;
    }
    return 0;
}

static int advance(struct parser *p)
{
    if (p->have_nxt) {
        p->cur = p->nxt;
        p->have_nxt = 0;
        return 0;
    }
    if (p->cur.type == T_END) /* never lex past the end of a tag */
        return 0;
    return lex(p, &p->cur);
}

static const struct tok *peek(struct parser *p)
{
    if (!p->have_nxt) {
        if (p->cur.type == T_END || p->cur.type == T_EOF) {
            p->nxt = p->cur;
        } else if (lex(p, &p->nxt) < 0) {
            p->nxt.type = T_EOF;
        }
        p->have_nxt = 1;
    }
    return &p->nxt;
}

static int is_op(const struct tok *t, int op)
{
    return t->type == T_OP && t->op == op;
}

static int is_kw(const struct parser *p, const struct tok *t, const char *kw)
{
    size_t n = strlen(kw);

    return t->type == T_NAME && t->len == n && memcmp(p->s + t->pos, kw, n) == 0;
}

static void *unexpected(struct parser *p, const char *want)
{
    char buf[64];
    const char *d = tokdesc(p, &p->cur, buf, sizeof(buf));

    if (p->cur.type == T_EOF && p->endmode != END_NONE)
        return perr(p, p->cur.pos, "unexpected end of template, expected %s", want);
    if (want)
        return perr(p, p->cur.pos, "expected %s, got '%s'", want, d);
    return perr(p, p->cur.pos, "unexpected '%s'", d);
}

static int expect_op(struct parser *p, int op)
{
    if (!is_op(&p->cur, op)) {
        char w[8];
        if (op > 255)
            snprintf(w, sizeof(w), "'%c%c'", op >> 8, op & 0xff);
        else
            snprintf(w, sizeof(w), "'%c'", op);
        unexpected(p, w);
        return -1;
    }
    return advance(p);
}

static struct node *mk(struct parser *p, enum nkind k, uint32_t pos)
{
    struct node *n = tpl_arena_alloc(p->arena, sizeof(*n));

    n->kind = k;
    n->pos = pos;
    return n;
}

static const char *tok_str(struct parser *p, const struct tok *t)
{
    return tpl_arena_strndup(p->arena, p->s + t->pos, t->len);
}

/* Copies a temporary vector of pointers into the arena. */
static void *vec_to_arena(struct parser *p, struct gf_vec *v, size_t *n)
{
    void **a = NULL;

    *n = v->n;
    if (v->n) {
        a = tpl_arena_alloc(p->arena, v->n * sizeof(void *));
        memcpy(a, v->v, v->n * sizeof(void *));
    }
    gf_vec_release(v, NULL);
    return a;
}

/* ---- string literals ---- */
static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes the body of a string literal (Python's unicode-escape rules:
 * unknown escapes keep their backslash) into b. */
static void unescape(const char *s, size_t n, struct gf_buf *b)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\' || i + 1 >= n) {
            gf_buf_addc(b, s[i]);
            continue;
        }
        char c = s[++i];
        int w = 0;
        switch (c) {
        case '\n': break;
        case '\\': gf_buf_addc(b, '\\'); break;
        case '\'': gf_buf_addc(b, '\''); break;
        case '"': gf_buf_addc(b, '"'); break;
        case 'a': gf_buf_addc(b, '\a'); break;
        case 'b': gf_buf_addc(b, '\b'); break;
        case 'f': gf_buf_addc(b, '\f'); break;
        case 'n': gf_buf_addc(b, '\n'); break;
        case 'r': gf_buf_addc(b, '\r'); break;
        case 't': gf_buf_addc(b, '\t'); break;
        case 'v': gf_buf_addc(b, '\v'); break;
        case 'x': w = 2; break;
        case 'u': w = 4; break;
        case 'U': w = 8; break;
        default:
            if (c >= '0' && c <= '7') {
                unsigned v = 0;
                int k = 0;
                while (k < 3 && i < n && s[i] >= '0' && s[i] <= '7')
                    v = v * 8 + (unsigned)(s[i++] - '0'), k++;
                i--;
                gf_buf_add_utf8(b, v);
            } else {
                gf_buf_addc(b, '\\');
                gf_buf_addc(b, c);
            }
        }
        if (w) {
            unsigned long v = 0;
            int k;
            for (k = 0; k < w && i + 1 + k < n && hexval(s[i + 1 + k]) >= 0; k++)
                v = v * 16 + (unsigned long)hexval(s[i + 1 + k]);
            if (k < w || v > 0x10ffff) { /* Python raises; keep the text */
                gf_buf_addc(b, '\\');
                gf_buf_addc(b, c);
            } else {
                gf_buf_add_utf8(b, v);
                i += (size_t)w;
            }
        }
    }
}

/* ---- expressions ---- */
static struct node *parse_expr(struct parser *p, int condexpr);
static struct node *parse_unary(struct parser *p, int with_filter);
static struct node *parse_tuple(struct parser *p, int condexpr, int implicit);

static int enter(struct parser *p)
{
    if (++p->nest > MAX_NEST || tpl_stack_deep(p->stack_base)) {
        perr(p, p->cur.pos, "expression nested too deeply");
        return -1;
    }
    return 0;
}

static struct node *parse_const_number(struct parser *p)
{
    struct node *n = mk(p, N_CONST, p->cur.pos);
    char buf[64];
    size_t j = 0;
    const char *s = p->s + p->cur.pos;

    for (size_t i = 0; i < p->cur.len && j + 1 < sizeof(buf); i++)
        if (s[i] != '_')
            buf[j++] = s[i];
    buf[j] = '\0';
    if (p->cur.len >= sizeof(buf))
        return perr(p, p->cur.pos, "number too long");
    errno = 0;
    char *end = NULL;
    if (p->cur.type == T_FLOAT) {
        n->u.c.type = GF_VAL_FLOAT;
        n->u.c.f = strtod(buf, &end);
    } else {
        int base = 10;
        const char *d = buf;
        if (buf[0] == '0' && buf[1] && strchr("xXoObB", buf[1])) {
            base = buf[1] == 'x' || buf[1] == 'X' ? 16 : buf[1] == 'o' || buf[1] == 'O' ? 8 : 2;
            d = buf + 2;
        } else if (buf[0] == '0' && buf[1]) {
            for (const char *q = buf; *q; q++)
                if (*q != '0')
                    return perr(p, p->cur.pos, "invalid number '%s'", buf);
        }
        n->u.c.type = GF_VAL_INT;
        n->u.c.i = strtoll(d, &end, base);
        if (*d == '\0' || *d == '-' || *d == '+')
            end = (char *)d;
    }
    if (errno == ERANGE && p->cur.type == T_INT)
        return perr(p, p->cur.pos, "integer '%s' is too large", buf);
    if (end == NULL || *end != '\0')
        return perr(p, p->cur.pos, "invalid number '%s'", buf);
    if (advance(p) < 0)
        return NULL;
    return n;
}

static struct node *parse_string(struct parser *p)
{
    struct node *n = mk(p, N_CONST, p->cur.pos);
    struct gf_buf b = GF_BUF_INIT;

    while (p->cur.type == T_STR) {
        const char *s = p->s + p->cur.pos + 1;
        size_t len = p->cur.len - 2;
        if (p->raw_strings)
            gf_buf_add(&b, s, len);
        else
            unescape(s, len, &b);
        if (advance(p) < 0) {
            gf_buf_release(&b);
            return NULL;
        }
    }
    n->u.c.type = GF_VAL_STR;
    n->u.c.s = tpl_arena_strndup(p->arena, b.buf, b.len);
    n->u.c.len = b.len;
    gf_buf_release(&b);
    return n;
}

/* Parses the inside of "(...)" after a callee or filter name into a. */
static int parse_call_args(struct parser *p, struct args *a)
{
    struct gf_vec pos = GF_VEC_INIT, kwn = GF_VEC_INIT, kwv = GF_VEC_INIT;
    int rc = -1;

    if (expect_op(p, '('))
        return -1;
    while (!is_op(&p->cur, ')')) {
        if (pos.n + kwn.n > 0 && expect_op(p, ','))
            goto out;
        if (is_op(&p->cur, ')'))
            break;
        if (is_op(&p->cur, '*') || is_op(&p->cur, OP2('*', '*'))) {
            perr(p, p->cur.pos, "*args and **kwargs are not supported");
            goto out;
        }
        if (p->cur.type == T_NAME && is_op(peek(p), '=')) {
            gf_vec_push(&kwn, (void *)tok_str(p, &p->cur));
            if (advance(p) < 0 || advance(p) < 0)
                goto out;
            struct node *v = parse_expr(p, 1);
            if (v == NULL)
                goto out;
            gf_vec_push(&kwv, v);
        } else {
            if (kwn.n) {
                perr(p, p->cur.pos, "positional argument follows keyword argument");
                goto out;
            }
            struct node *v = parse_expr(p, 1);
            if (v == NULL)
                goto out;
            gf_vec_push(&pos, v);
        }
    }
    if (advance(p) < 0)
        goto out;
    a->pos = vec_to_arena(p, &pos, &a->npos);
    a->kwname = vec_to_arena(p, &kwn, &a->nkw);
    a->kw = vec_to_arena(p, &kwv, &a->nkw);
    rc = 0;
out:
    gf_vec_release(&pos, NULL);
    gf_vec_release(&kwn, NULL);
    gf_vec_release(&kwv, NULL);
    return rc;
}

static struct node *parse_list(struct parser *p)
{
    struct node *n = mk(p, N_LIST, p->cur.pos);
    struct gf_vec v = GF_VEC_INIT;

    if (advance(p) < 0)
        return NULL;
    while (!is_op(&p->cur, ']')) {
        if (v.n && expect_op(p, ','))
            goto fail;
        if (is_op(&p->cur, ']'))
            break;
        struct node *e = parse_expr(p, 1);
        if (e == NULL)
            goto fail;
        gf_vec_push(&v, e);
    }
    if (advance(p) < 0)
        goto fail;
    n->u.list.v = vec_to_arena(p, &v, &n->u.list.n);
    return n;
fail:
    gf_vec_release(&v, NULL);
    return NULL;
}

static struct node *parse_dict(struct parser *p)
{
    struct node *n = mk(p, N_DICT, p->cur.pos);
    struct gf_vec v = GF_VEC_INIT;

    if (advance(p) < 0)
        return NULL;
    while (!is_op(&p->cur, '}')) {
        if (v.n && expect_op(p, ','))
            goto fail;
        if (is_op(&p->cur, '}'))
            break;
        struct node *k = parse_expr(p, 1);
        if (k == NULL || expect_op(p, ':'))
            goto fail;
        struct node *e = parse_expr(p, 1);
        if (e == NULL)
            goto fail;
        gf_vec_push(&v, k);
        gf_vec_push(&v, e);
    }
    if (advance(p) < 0)
        goto fail;
    n->u.list.v = vec_to_arena(p, &v, &n->u.list.n);
    n->u.list.n /= 2;
    return n;
fail:
    gf_vec_release(&v, NULL);
    return NULL;
}

static struct node *mk_const(struct parser *p, enum gf_val_type type, int b)
{
    struct node *n = mk(p, N_CONST, p->cur.pos);

    n->u.c.type = type;
    n->u.c.i = b;
    return n;
}

static struct node *parse_primary(struct parser *p)
{
    struct tok *t = &p->cur;
    struct node *n;

    switch (t->type) {
    case T_NAME:
        if (is_kw(p, t, "true") || is_kw(p, t, "True"))
            n = mk_const(p, GF_VAL_BOOL, 1);
        else if (is_kw(p, t, "false") || is_kw(p, t, "False"))
            n = mk_const(p, GF_VAL_BOOL, 0);
        else if ((!p->literal && is_kw(p, t, "none")) || is_kw(p, t, "None") ||
                 (p->literal && is_kw(p, t, "null")))
            n = mk_const(p, GF_VAL_NULL, 0);
        else if (p->literal)
            return unexpected(p, "an expression");
        else {
            n = mk(p, N_NAME, t->pos);
            n->u.name.name = tok_str(p, t);
        }
        return advance(p) < 0 ? NULL : n;
    case T_STR:
        return parse_string(p);
    case T_INT:
    case T_FLOAT:
        return parse_const_number(p);
    case T_OP:
        if (t->op == '(') {
            if (advance(p) < 0)
                return NULL;
            n = parse_tuple(p, 1, 0);
            if (n == NULL || expect_op(p, ')'))
                return NULL;
            return n;
        }
        if (t->op == '[')
            return parse_list(p);
        if (t->op == '{')
            return parse_dict(p);
        /* fall through */
    default:
        return unexpected(p, "an expression");
    }
}

static struct node *parse_subscript(struct parser *p, struct node *obj)
{
    uint32_t pos = p->cur.pos;
    struct node *parts[3] = { NULL, NULL, NULL };
    int k = 0, is_slice = 0;

    if (advance(p) < 0)
        return NULL;
    for (;;) {
        if (is_op(&p->cur, ':')) {
            if (k >= 2)
                return unexpected(p, "']'");
            is_slice = 1;
            k++;
            if (advance(p) < 0)
                return NULL;
            continue;
        }
        if (is_op(&p->cur, ']'))
            break;
        if (parts[k])
            return unexpected(p, "']'");
        parts[k] = parse_expr(p, 1);
        if (parts[k] == NULL)
            return NULL;
        if (is_op(&p->cur, ',')) {
            perr(p, p->cur.pos, "tuple subscripts are not supported");
            return NULL;
        }
    }
    if (advance(p) < 0)
        return NULL;
    if (!is_slice) {
        if (parts[0] == NULL)
            return perr(p, pos, "expected an index");
        struct node *n = mk(p, N_GETITEM, pos);
        n->u.item.obj = obj;
        n->u.item.idx = parts[0];
        return n;
    }
    struct node *n = mk(p, N_SLICE, pos);
    n->u.slice.obj = obj;
    n->u.slice.start = parts[0];
    n->u.slice.stop = parts[1];
    n->u.slice.step = parts[2];
    return n;
}

static struct node *parse_postfix(struct parser *p, struct node *n)
{
    while (n) {
        if (is_op(&p->cur, '.')) {
            uint32_t pos = p->cur.pos;
            if (advance(p) < 0)
                return NULL;
            if (p->cur.type == T_NAME) {
                struct node *a = mk(p, N_GETATTR, pos);
                a->u.attr.obj = n;
                a->u.attr.name = tok_str(p, &p->cur);
                n = a;
            } else if (p->cur.type == T_INT) {
                struct node *idx = parse_const_number(p);
                if (idx == NULL)
                    return NULL;
                struct node *a = mk(p, N_GETITEM, pos);
                a->u.item.obj = n;
                a->u.item.idx = idx;
                n = a;
                continue;
            } else {
                return unexpected(p, "name or number");
            }
            if (advance(p) < 0)
                return NULL;
        } else if (is_op(&p->cur, '[')) {
            n = parse_subscript(p, n);
        } else if (is_op(&p->cur, '(') && !p->literal) {
            struct node *c = mk(p, N_CALL, p->cur.pos);
            c->u.fcall.callee = n;
            if (parse_call_args(p, &c->u.fcall.args) < 0)
                return NULL;
            n = c;
        } else {
            break;
        }
    }
    return n;
}

/* Reads a possibly dotted name (ansible.builtin.to_json). */
static const char *parse_dotted(struct parser *p)
{
    struct gf_buf b = GF_BUF_INIT;

    if (p->cur.type != T_NAME)
        return unexpected(p, "a name");
    gf_buf_add(&b, p->s + p->cur.pos, p->cur.len);
    if (advance(p) < 0)
        goto fail;
    while (is_op(&p->cur, '.')) {
        if (advance(p) < 0)
            goto fail;
        if (p->cur.type != T_NAME) {
            unexpected(p, "a name");
            goto fail;
        }
        gf_buf_addc(&b, '.');
        gf_buf_add(&b, p->s + p->cur.pos, p->cur.len);
        if (advance(p) < 0)
            goto fail;
    }
    const char *s = tpl_arena_strndup(p->arena, b.buf, b.len);
    gf_buf_release(&b);
    return s;
fail:
    gf_buf_release(&b);
    return NULL;
}

static struct node *parse_filter(struct parser *p, struct node *in)
{
    while (is_op(&p->cur, '|')) {
        struct node *n = mk(p, N_FILTER, p->cur.pos);
        if (advance(p) < 0)
            return NULL;
        uint32_t npos = p->cur.pos;
        const char *name = parse_dotted(p);
        if (name == NULL)
            return NULL;
        n->u.call.name = name;
        n->u.call.f = tpl_find_filter(name);
        if (n->u.call.f == NULL)
            return perr(p, npos, "no filter named '%s'", name);
        n->u.call.in = in;
        if (is_op(&p->cur, '(') && parse_call_args(p, &n->u.call.args) < 0)
            return NULL;
        in = n;
    }
    return in;
}

static struct node *parse_test(struct parser *p, struct node *in)
{
    struct node *n = mk(p, N_TEST, p->cur.pos);

    if (advance(p) < 0)
        return NULL;
    if (is_kw(p, &p->cur, "not")) {
        n->u.call.negate = 1;
        if (advance(p) < 0)
            return NULL;
    }
    uint32_t npos = p->cur.pos;
    const char *name = parse_dotted(p);
    if (name == NULL)
        return NULL;
    n->u.call.name = name;
    n->u.call.t = tpl_find_test(name);
    if (n->u.call.t == NULL)
        return perr(p, npos, "no test named '%s'", name);
    n->u.call.in = in;
    struct tok *t = &p->cur;
    if (is_op(t, '(')) {
        if (parse_call_args(p, &n->u.call.args) < 0)
            return NULL;
    } else if ((t->type == T_NAME || t->type == T_STR || t->type == T_INT ||
                t->type == T_FLOAT || is_op(t, '[') || is_op(t, '{')) &&
               !is_kw(p, t, "else") && !is_kw(p, t, "or") && !is_kw(p, t, "and")) {
        if (is_kw(p, t, "is"))
            return perr(p, t->pos, "you cannot chain multiple tests with is");
        /* "x is divisibleby 3": one argument without parentheses */
        struct node *arg = parse_postfix(p, parse_primary(p));
        if (arg == NULL)
            return NULL;
        struct node **v = tpl_arena_alloc(p->arena, sizeof(*v));
        v[0] = arg;
        n->u.call.args.pos = v;
        n->u.call.args.npos = 1;
    }
    return n;
}

static struct node *parse_filter_expr(struct parser *p, struct node *n)
{
    while (n) {
        if (is_op(&p->cur, '|'))
            n = parse_filter(p, n);
        else if (is_kw(p, &p->cur, "is"))
            n = parse_test(p, n);
        else if (is_op(&p->cur, '(')) {
            struct node *c = mk(p, N_CALL, p->cur.pos);
            c->u.fcall.callee = n;
            if (parse_call_args(p, &c->u.fcall.args) < 0)
                return NULL;
            n = c;
        } else
            break;
    }
    return n;
}

static struct node *parse_unary(struct parser *p, int with_filter)
{
    struct node *n;
    uint32_t pos = p->cur.pos;

    if (enter(p) < 0)
        return NULL;
    if (is_op(&p->cur, '-') || is_op(&p->cur, '+')) {
        n = mk(p, p->cur.op == '-' ? N_NEG : N_POS, pos);
        if (advance(p) < 0)
            return NULL;
        n->u.un.a = parse_unary(p, 0);
        if (n->u.un.a == NULL)
            return NULL;
    } else {
        n = parse_primary(p);
    }
    n = parse_postfix(p, n);
    if (with_filter && !p->literal)
        n = parse_filter_expr(p, n);
    p->nest--;
    return n;
}

static struct node *binop(struct parser *p, int op, struct node *l, struct node *r, uint32_t pos)
{
    if (l == NULL || r == NULL)
        return NULL;
    struct node *n = mk(p, N_BINOP, pos);
    n->u.bin.op = op;
    n->u.bin.l = l;
    n->u.bin.r = r;
    return n;
}

static struct node *parse_pow(struct parser *p)
{
    struct node *l = parse_unary(p, 1);

    while (l && is_op(&p->cur, OP2('*', '*'))) {
        uint32_t pos = p->cur.pos;
        if (advance(p) < 0)
            return NULL;
        l = binop(p, OP_POW, l, parse_unary(p, 1), pos);
    }
    return l;
}

static struct node *parse_math2(struct parser *p)
{
    struct node *l = parse_pow(p);

    while (l && p->cur.type == T_OP) {
        int op = p->cur.op == '*' ? OP_MUL : p->cur.op == '/' ? OP_DIV
               : p->cur.op == OP2('/', '/') ? OP_FLOORDIV : p->cur.op == '%' ? OP_MOD : -1;
        if (op < 0)
            break;
        uint32_t pos = p->cur.pos;
        if (advance(p) < 0)
            return NULL;
        l = binop(p, op, l, parse_pow(p), pos);
    }
    return l;
}

static struct node *parse_concat(struct parser *p)
{
    struct node *l = parse_math2(p);

    while (l && is_op(&p->cur, '~')) {
        uint32_t pos = p->cur.pos;
        if (advance(p) < 0)
            return NULL;
        l = binop(p, OP_CONCAT, l, parse_math2(p), pos);
    }
    return l;
}

static struct node *parse_math1(struct parser *p)
{
    struct node *l = parse_concat(p);

    while (l && (is_op(&p->cur, '+') || is_op(&p->cur, '-'))) {
        int op = p->cur.op == '+' ? OP_ADD : OP_SUB;
        uint32_t pos = p->cur.pos;
        if (advance(p) < 0)
            return NULL;
        l = binop(p, op, l, parse_concat(p), pos);
    }
    return l;
}

static struct node *parse_compare(struct parser *p)
{
    struct node *first = parse_math1(p);
    struct gf_vec ops = GF_VEC_INIT, rest = GF_VEC_INIT;
    uint32_t pos = p->cur.pos;

    if (first == NULL)
        return NULL;
    for (;;) {
        int op = -1;
        struct tok *t = &p->cur;
        if (t->type == T_OP) {
            op = t->op == OP2('=', '=') ? CMP_EQ : t->op == OP2('!', '=') ? CMP_NE
               : t->op == '<' ? CMP_LT : t->op == OP2('<', '=') ? CMP_LE
               : t->op == '>' ? CMP_GT : t->op == OP2('>', '=') ? CMP_GE : -1;
        } else if (is_kw(p, t, "in")) {
            op = CMP_IN;
        } else if (is_kw(p, t, "not") && is_kw(p, peek(p), "in")) {
            op = CMP_NOTIN;
            if (advance(p) < 0)
                goto fail;
        }
        if (op < 0)
            break;
        if (advance(p) < 0)
            goto fail;
        struct node *r = parse_math1(p);
        if (r == NULL)
            goto fail;
        gf_vec_push(&ops, (void *)(intptr_t)op);
        gf_vec_push(&rest, r);
    }
    if (ops.n == 0)
        return first;
    struct node *n = mk(p, N_COMPARE, pos);
    n->u.cmp.first = first;
    n->u.cmp.n = ops.n;
    n->u.cmp.ops = tpl_arena_alloc(p->arena, ops.n * sizeof(int));
    for (size_t i = 0; i < ops.n; i++)
        n->u.cmp.ops[i] = (int)(intptr_t)ops.v[i];
    gf_vec_release(&ops, NULL);
    n->u.cmp.rest = vec_to_arena(p, &rest, &n->u.cmp.n);
    return n;
fail:
    gf_vec_release(&ops, NULL);
    gf_vec_release(&rest, NULL);
    return NULL;
}

static struct node *parse_not(struct parser *p)
{
    if (is_kw(p, &p->cur, "not")) {
        struct node *n = mk(p, N_NOT, p->cur.pos);
        if (enter(p) < 0 || advance(p) < 0)
            return NULL;
        n->u.un.a = parse_not(p);
        p->nest--;
        return n->u.un.a ? n : NULL;
    }
    return parse_compare(p);
}

static struct node *parse_and(struct parser *p)
{
    struct node *l = parse_not(p);

    while (l && is_kw(p, &p->cur, "and")) {
        struct node *n = mk(p, N_AND, p->cur.pos);
        if (advance(p) < 0)
            return NULL;
        n->u.bin.l = l;
        n->u.bin.r = parse_not(p);
        l = n->u.bin.r ? n : NULL;
    }
    return l;
}

static struct node *parse_or(struct parser *p)
{
    struct node *l = parse_and(p);

    while (l && is_kw(p, &p->cur, "or")) {
        struct node *n = mk(p, N_OR, p->cur.pos);
        if (advance(p) < 0)
            return NULL;
        n->u.bin.l = l;
        n->u.bin.r = parse_and(p);
        l = n->u.bin.r ? n : NULL;
    }
    return l;
}

static struct node *parse_expr(struct parser *p, int condexpr)
{
    if (enter(p) < 0)
        return NULL;
    struct node *e = parse_or(p);
    while (condexpr && e && is_kw(p, &p->cur, "if") && !p->literal) {
        struct node *n = mk(p, N_COND, p->cur.pos);
        if (advance(p) < 0)
            return NULL;
        n->u.cond.then = e;
        n->u.cond.test = parse_or(p);
        if (n->u.cond.test == NULL)
            return NULL;
        if (is_kw(p, &p->cur, "else")) {
            if (advance(p) < 0)
                return NULL;
            n->u.cond.other = parse_expr(p, 1);
            if (n->u.cond.other == NULL)
                return NULL;
        }
        e = n;
    }
    p->nest--;
    return e;
}

/* Expression or tuple: "a, b" (implicit, in {{ }} and set) or inside "(...)". */
static struct node *parse_tuple(struct parser *p, int condexpr, int implicit)
{
    struct gf_vec v = GF_VEC_INIT;
    uint32_t pos = p->cur.pos;
    int comma = 0;

    if (!implicit && is_op(&p->cur, ')')) {
        struct node *n = mk(p, N_TUPLE, pos);
        return n;
    }
    for (;;) {
        struct node *e = parse_expr(p, condexpr);
        if (e == NULL)
            goto fail;
        gf_vec_push(&v, e);
        if (!is_op(&p->cur, ','))
            break;
        comma = 1;
        if (advance(p) < 0)
            goto fail;
        if (is_op(&p->cur, ')') || p->cur.type == T_END || p->cur.type == T_EOF ||
            is_kw(p, &p->cur, "if"))
            break;
    }
    if (!comma) {
        struct node *e = v.v[0];
        gf_vec_release(&v, NULL);
        return e;
    }
    struct node *n = mk(p, N_TUPLE, pos);
    n->u.list.v = vec_to_arena(p, &v, &n->u.list.n);
    return n;
fail:
    gf_vec_release(&v, NULL);
    return NULL;
}

/* ---- statements ---- */
static int expect_end(struct parser *p)
{
    if (p->cur.type != T_END) {
        unexpected(p, p->endmode == END_VAR ? "end of print statement"
                                            : "end of statement block");
        return -1;
    }
    return 0;
}

/* Applies the whitespace rules after a tag's closing delimiter. */
static void after_tag(struct parser *p, int sign, int block)
{
    size_t start = p->pos;

    if (sign == '-') {
        while (p->pos < p->len && is_space(p->s[p->pos]))
            p->pos++;
    } else if (block && p->trim && sign != '+' && p->pos < p->len && p->s[p->pos] == '\n') {
        p->pos++;
    }
    p->line_start = p->pos > start && p->s[p->pos - 1] == '\n';
}

static int parse_targets(struct parser *p, struct gf_vec *names, int allow_attr, const char **attr)
{
    int paren = 0;

    if (is_op(&p->cur, '(')) {
        paren = 1;
        if (advance(p) < 0)
            return -1;
    }
    for (;;) {
        if (p->cur.type != T_NAME) {
            unexpected(p, "a variable name");
            return -1;
        }
        gf_vec_push(names, (void *)tok_str(p, &p->cur));
        if (advance(p) < 0)
            return -1;
        if (allow_attr && names->n == 1 && !paren && is_op(&p->cur, '.')) {
            if (advance(p) < 0)
                return -1;
            if (p->cur.type != T_NAME) {
                unexpected(p, "an attribute name");
                return -1;
            }
            *attr = tok_str(p, &p->cur);
            return advance(p);
        }
        if (!is_op(&p->cur, ','))
            break;
        if (advance(p) < 0)
            return -1;
        if (paren && is_op(&p->cur, ')'))
            break;
    }
    if (paren && expect_op(p, ')'))
        return -1;
    return 0;
}

static int parse_body(struct parser *p, struct body *out, const char *const *stops,
                      const char *opener, int *which);

/* Builds the body between a block tag and its end; returns 0 or -1. */
static int block_body(struct parser *p, struct body *out, const char *const *stops,
                      const char *opener, int *which)
{
    return parse_body(p, out, stops, opener, which);
}

static int finish_tag(struct parser *p)
{
    if (expect_end(p) < 0)
        return -1;
    after_tag(p, p->cur.sign, 1);
    return 0;
}

static struct node *parse_if(struct parser *p, uint32_t pos)
{
    static const char *const stops[] = { "elif", "else", "endif", NULL };
    static const char *const endonly[] = { "endif", NULL };
    struct node *n = mk(p, N_IF, pos);
    int which = -1;

    if (advance(p) < 0)
        return NULL;
    n->u.ifs.cond = parse_tuple(p, 0, 1);
    if (n->u.ifs.cond == NULL || finish_tag(p) < 0)
        return NULL;
    if (block_body(p, &n->u.ifs.then, stops, "if", &which) < 0)
        return NULL;
    if (which == 0) { /* elif: a nested if in the else branch */
        struct node *e = parse_if(p, p->cur.pos);
        if (e == NULL)
            return NULL;
        struct node **v = tpl_arena_alloc(p->arena, sizeof(*v));
        v[0] = e;
        n->u.ifs.other.v = v;
        n->u.ifs.other.n = 1;
        return n;
    }
    if (which == 1) {
        if (advance(p) < 0 || finish_tag(p) < 0)
            return NULL;
        if (block_body(p, &n->u.ifs.other, endonly, "if", &which) < 0)
            return NULL;
    }
    if (advance(p) < 0 || finish_tag(p) < 0)
        return NULL;
    return n;
}

static struct node *parse_for(struct parser *p, uint32_t pos)
{
    static const char *const stops[] = { "else", "endfor", NULL };
    static const char *const endonly[] = { "endfor", NULL };
    struct node *n = mk(p, N_FOR, pos);
    struct gf_vec names = GF_VEC_INIT;
    int which = -1;

    if (advance(p) < 0 || parse_targets(p, &names, 0, NULL) < 0) {
        gf_vec_release(&names, NULL);
        return NULL;
    }
    n->u.fors.targets = vec_to_arena(p, &names, &n->u.fors.ntargets);
    if (!is_kw(p, &p->cur, "in"))
        return unexpected(p, "'in'");
    if (advance(p) < 0)
        return NULL;
    n->u.fors.iter = parse_tuple(p, 0, 1);
    if (n->u.fors.iter == NULL)
        return NULL;
    if (is_kw(p, &p->cur, "if")) {
        if (advance(p) < 0)
            return NULL;
        n->u.fors.filter = parse_expr(p, 1);
        if (n->u.fors.filter == NULL)
            return NULL;
    }
    if (is_kw(p, &p->cur, "recursive"))
        return perr(p, p->cur.pos, "recursive loops are not supported");
    if (finish_tag(p) < 0)
        return NULL;
    if (block_body(p, &n->u.fors.body, stops, "for", &which) < 0)
        return NULL;
    if (which == 0) {
        if (advance(p) < 0 || finish_tag(p) < 0)
            return NULL;
        if (block_body(p, &n->u.fors.other, endonly, "for", &which) < 0)
            return NULL;
    }
    if (advance(p) < 0 || finish_tag(p) < 0)
        return NULL;
    return n;
}

static struct node *parse_set(struct parser *p, uint32_t pos)
{
    static const char *const endonly[] = { "endset", NULL };
    struct node *n = mk(p, N_SET, pos);
    struct gf_vec names = GF_VEC_INIT;
    int which;

    if (advance(p) < 0 || parse_targets(p, &names, 1, &n->u.set.attr) < 0) {
        gf_vec_release(&names, NULL);
        return NULL;
    }
    n->u.set.targets = vec_to_arena(p, &names, &n->u.set.ntargets);
    if (is_op(&p->cur, '=')) {
        if (advance(p) < 0)
            return NULL;
        n->u.set.e = parse_tuple(p, 1, 1);
        if (n->u.set.e == NULL || finish_tag(p) < 0)
            return NULL;
        return n;
    }
    if (n->u.set.ntargets != 1 || n->u.set.attr)
        return unexpected(p, "'='");
    n->kind = N_SETBLOCK;
    if (finish_tag(p) < 0)
        return NULL;
    if (block_body(p, &n->u.set.body, endonly, "set", &which) < 0)
        return NULL;
    if (advance(p) < 0 || finish_tag(p) < 0)
        return NULL;
    return n;
}

/* Appends a text node for s[a..b) unless empty. */
static void add_text(struct parser *p, struct gf_vec *v, size_t a, size_t b)
{
    if (b <= a)
        return;
    struct node *n = mk(p, N_TEXT, (uint32_t)a);
    n->u.text.s = p->s + a;
    n->u.text.len = b - a;
    gf_vec_push(v, n);
}

/* Finds "{%[-+]? *endraw *[-+]?%}" from p->pos; fills the raw text range and
 * moves past the tag. Returns 0 or -1. */
static int scan_raw(struct parser *p, struct gf_vec *v, uint32_t tagpos)
{
    const char *s = p->s;
    size_t i = p->pos;

    for (; i + 1 < p->len; i++) {
        if (s[i] != '{' || s[i + 1] != '%')
            continue;
        size_t j = i + 2;
        int sign = 0;
        if (j < p->len && (s[j] == '-' || s[j] == '+'))
            sign = s[j++];
        while (j < p->len && is_space(s[j]))
            j++;
        if (p->len - j < 6 || memcmp(s + j, "endraw", 6) != 0)
            continue;
        j += 6;
        while (j < p->len && is_space(s[j]))
            j++;
        int esign = 0;
        if (j < p->len && (s[j] == '-' || s[j] == '+'))
            esign = s[j++];
        if (p->len - j < 2 || s[j] != '%' || s[j + 1] != '}')
            continue;
        size_t end = i;
        if (sign == '-')
            while (end > p->pos && is_space(s[end - 1]))
                end--;
        else if (sign != '+' && p->lstrip) {
            size_t k = end;
            while (k > p->pos && (s[k - 1] == ' ' || s[k - 1] == '\t'))
                k--;
            if ((k > p->pos && s[k - 1] == '\n') || (k == p->pos && p->line_start))
                end = k;
        }
        add_text(p, v, p->pos, end);
        p->pos = j + 2;
        after_tag(p, esign, 1);
        return 0;
    }
    perr(p, tagpos, "missing end of raw directive");
    return -1;
}

/* Returns 1 when the block tag at s[i] ("{%") is "{% raw %}"; sets *end past
 * it and *sign to the closing marker. */
static int is_raw_tag(struct parser *p, size_t i, size_t *end, int *sign)
{
    const char *s = p->s;
    size_t j = i + 2;

    if (j < p->len && (s[j] == '-' || s[j] == '+'))
        j++;
    while (j < p->len && is_space(s[j]))
        j++;
    if (p->len - j < 3 || memcmp(s + j, "raw", 3) != 0)
        return 0;
    j += 3;
    if (j < p->len && is_name_char(s[j]))
        return 0;
    while (j < p->len && is_space(s[j]))
        j++;
    *sign = 0;
    if (j < p->len && s[j] == '-')
        *sign = s[j++];
    if (p->len - j < 2 || s[j] != '%' || s[j + 1] != '}')
        return 0;
    *end = j + 2;
    return 1;
}

static const char *const unsupported_tags[] = {
    "include", "import", "from", "macro", "call", "filter", "with", "block", "extends",
    "do", "break", "continue", "autoescape", "trans", NULL
};

/* Parses template text up to one of stops (NULL: the end). On a stop tag,
 * *which is its index and p->cur is the tag's name token. */
static int parse_body(struct parser *p, struct body *out, const char *const *stops,
                      const char *opener, int *which)
{
    struct gf_vec v = GF_VEC_INIT;
    const char *s = p->s;

    if (++p->nest > MAX_NEST) {
        perr(p, (uint32_t)p->pos, "blocks nested too deeply");
        goto fail;
    }
    for (;;) {
        size_t i = p->pos;
        while (i + 1 < p->len && !(s[i] == '{' && (s[i + 1] == '{' || s[i + 1] == '%' ||
                                                   s[i + 1] == '#')))
            i++;
        if (i + 1 >= p->len) {
            add_text(p, &v, p->pos, p->len);
            p->pos = p->len;
            if (stops) {
                struct gf_buf b = GF_BUF_INIT;
                for (int k = 0; stops[k]; k++)
                    gf_buf_addf(&b, "%s'%s'", k ? " or " : "", stops[k]);
                perr(p, (uint32_t)p->len, "unexpected end of template, expected %s to "
                     "close '%s'", b.buf, opener);
                gf_buf_release(&b);
                goto fail;
            }
            break;
        }
        char kind = s[i + 1];
        char sign = i + 2 < p->len && (s[i + 2] == '-' || s[i + 2] == '+') ? s[i + 2] : 0;
        size_t end = i;
        if (sign == '-') {
            while (end > p->pos && is_space(s[end - 1]))
                end--;
        } else if (sign != '+' && kind != '{' && p->lstrip) {
            size_t k = end;
            while (k > p->pos && (s[k - 1] == ' ' || s[k - 1] == '\t'))
                k--;
            if (k < end && ((k > p->pos && s[k - 1] == '\n') || (k == p->pos && p->line_start)))
                end = k;
        }
        add_text(p, &v, p->pos, end);
        uint32_t tagpos = (uint32_t)i;
        p->pos = i + 2 + (sign ? 1 : 0);
        if (kind == '#') {
            const char *c = NULL;
            for (size_t k = p->pos; k + 1 < p->len; k++)
                if (s[k] == '#' && s[k + 1] == '}') {
                    c = s + k;
                    break;
                }
            if (c == NULL) {
                perr(p, tagpos, "missing end of comment tag");
                goto fail;
            }
            int esign = c > s + p->pos && (c[-1] == '-' || c[-1] == '+') ? c[-1] : 0;
            p->pos = (size_t)(c - s) + 2;
            after_tag(p, esign, 1);
            continue;
        }
        p->line_start = 0;
        p->nbal = 0;
        p->have_nxt = 0;
        p->prev_dot = 0;
        /* Ansible doubles backslashes in string literals inside {{ }} of
         * playbook strings, which makes them literal; {% %} keeps escapes. */
        p->raw_strings = kind == '{' && !p->file_mode;
        if (kind == '{') {
            p->endmode = END_VAR;
            memset(&p->cur, 0, sizeof(p->cur));
            if (lex(p, &p->cur) < 0)
                goto fail;
            struct node *n = mk(p, N_OUTPUT, tagpos);
            n->u.out.e = parse_tuple(p, 1, 1);
            if (n->u.out.e == NULL || expect_end(p) < 0)
                goto fail;
            after_tag(p, p->cur.sign, 0);
            gf_vec_push(&v, n);
            continue;
        }
        size_t rend;
        int rsign;
        if (is_raw_tag(p, i, &rend, &rsign)) {
            p->pos = rend;
            if (rsign == '-')
                while (p->pos < p->len && is_space(s[p->pos]))
                    p->pos++;
            if (scan_raw(p, &v, tagpos) < 0)
                goto fail;
            continue;
        }
        p->endmode = END_BLOCK;
        memset(&p->cur, 0, sizeof(p->cur));
        if (lex(p, &p->cur) < 0)
            goto fail;
        if (p->cur.type != T_NAME) {
            unexpected(p, "a tag name");
            goto fail;
        }
        if (stops)
            for (int k = 0; stops[k]; k++)
                if (is_kw(p, &p->cur, stops[k])) {
                    *which = k;
                    goto done;
                }
        struct node *n = NULL;
        if (is_kw(p, &p->cur, "if"))
            n = parse_if(p, tagpos);
        else if (is_kw(p, &p->cur, "for"))
            n = parse_for(p, tagpos);
        else if (is_kw(p, &p->cur, "set"))
            n = parse_set(p, tagpos);
        else {
            const char *name = tok_str(p, &p->cur);
            for (int k = 0; unsupported_tags[k]; k++)
                if (strcmp(name, unsupported_tags[k]) == 0) {
                    perr(p, p->cur.pos, "the '%s' tag is not supported", name);
                    goto fail;
                }
            if (stops)
                perr(p, p->cur.pos, "unexpected tag '%s', expected '%s' to close '%s'", name,
                     stops[0], opener);
            else
                perr(p, p->cur.pos, "unknown tag '%s'", name);
            goto fail;
        }
        if (n == NULL)
            goto fail;
        gf_vec_push(&v, n);
    }
done:
    p->nest--;
    out->v = vec_to_arena(p, &v, &out->n);
    return 0;
fail:
    gf_vec_release(&v, NULL);
    return -1;
}

/* Applies a "#jinja2:trim_blocks: False, lstrip_blocks: True" first line. */
static int parse_overrides(struct parser *p)
{
    const char *s = p->s;
    size_t n = p->len;

    if (n < 8 || memcmp(s, "#jinja2:", 8) != 0)
        return 0;
    const char *eol = memchr(s, '\n', n);
    if (eol == NULL)
        return perr(p, 0, "jinja2 override line without a newline"), -1;
    char *line = gf_xstrndup(s + 8, (size_t)(eol - s) - 8);
    int rc = 0;
    for (char *save = NULL, *pair = strtok_r(line, ",", &save); pair && rc == 0;
         pair = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(pair, ':');
        if (colon == NULL) {
            perr(p, 0, "failed to parse jinja2 override '%s'", pair);
            rc = -1;
            break;
        }
        *colon = '\0';
        char *key = pair, *val = colon + 1;
        while (is_space(*key))
            key++;
        for (char *e = key + strlen(key); e > key && is_space(e[-1]);)
            *--e = '\0';
        while (is_space(*val))
            val++;
        for (char *e = val + strlen(val); e > val && is_space(e[-1]);)
            *--e = '\0';
        int b = strcmp(val, "True") == 0 ? 1 : strcmp(val, "False") == 0 ? 0 : -1;
        if (b < 0 || (strcmp(key, "trim_blocks") != 0 && strcmp(key, "lstrip_blocks") != 0)) {
            perr(p, 0, "unsupported jinja2 override '%s: %s'", key, val);
            rc = -1;
        } else if (strcmp(key, "trim_blocks") == 0) {
            p->trim = b;
        } else {
            p->lstrip = b;
        }
    }
    free(line);
    p->pos = (size_t)(eol - s) + 1;
    return rc;
}

int tpl_parse(struct gf_tpl *t, int expr, const struct gf_tpl_opts *opts, struct gf_error *err)
{
    struct parser p;

    memset(&p, 0, sizeof(p));
    p.arena = &t->arena;
    p.stack_base = __builtin_frame_address(0);
    p.s = t->src;
    p.len = t->len;
    p.opts = opts;
    p.err = err;
    p.file_mode = (t->flags & GF_TPL_FILE) != 0;
    p.trim = !(t->flags & GF_TPL_NO_TRIM);
    p.lstrip = (t->flags & GF_TPL_LSTRIP) != 0;
    p.line_start = 1;
    if (expr) {
        p.endmode = END_NONE;
        if (lex(&p, &p.cur) < 0)
            return -GF_EPARSE;
        struct node *n = mk(&p, N_OUTPUT, 0);
        n->u.out.e = parse_tuple(&p, 1, 1);
        if (n->u.out.e == NULL)
            return -GF_EPARSE;
        if (p.cur.type != T_EOF) {
            unexpected(&p, NULL);
            return -GF_EPARSE;
        }
        struct node **v = tpl_arena_alloc(p.arena, sizeof(*v));
        v[0] = n;
        t->body.v = v;
        t->body.n = 1;
        return 0;
    }
    if (parse_overrides(&p) < 0)
        return -GF_EPARSE;
    if (parse_body(&p, &t->body, NULL, NULL, NULL) < 0)
        return -GF_EPARSE;
    return 0;
}

struct node *tpl_parse_literal(struct arena *a, const char *s, size_t n)
{
    struct parser p;

    memset(&p, 0, sizeof(p));
    p.arena = a;
    p.stack_base = __builtin_frame_address(0);
    p.s = s;
    p.len = n;
    p.literal = 1;
    p.endmode = END_NONE;
    if (lex(&p, &p.cur) < 0)
        return NULL;
    struct node *e = parse_tuple(&p, 0, 1);
    if (e == NULL || p.failed || p.cur.type != T_EOF)
        return NULL;
    return e;
}

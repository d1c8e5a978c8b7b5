/*
 * pylit.c - the values of INI inventories, read as Python's ast.literal_eval
 * reads them (Ansible passes every INI value through it): numbers in all of
 * Python's spellings, strings with prefixes, escapes and implicit
 * concatenation, True/False/None, lists, tuples (as lists), dicts, unary
 * signs, comments. Anything that is not such a literal stays the original
 * text, as in Ansible. Literals JSON cannot carry (sets, complex numbers,
 * Ellipsis, unhashable or tuple keys) are errors.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "inv-private.h"

#define MAX_NEST 200 /* Python's tokenizer refuses deeper bracket nesting */

enum pk { PK_INT, PK_BIG, PK_FLOAT, PK_COMPLEX, PK_STR, PK_BYTES, PK_BOOL, PK_NONE, PK_ELLIPSIS,
          PK_LIST, PK_SET, PK_DICT };
/* The syntax node an expression came from: literal_eval cares. */
enum pn { PN_CONST, PN_UNARY, PN_BINOP, PN_OTHER };

struct pv {
    enum pk kind;
    enum pn node;
    int tuple;
    long long i;
    double f;
    struct gf_buf s;      /* str, bytes, or a big integer's digits */
    struct pv **items;    /* list/set items; dict keys and values alternating */
    size_t n, alloc;
};

enum tk { TK_END, TK_NUM, TK_STR, TK_NAME, TK_OP, TK_ELLIPSIS, TK_BAD };

struct lexer {
    const char *p;
    int nest;
    /* the current token */
    enum tk t;
    const char *start, *end;
    struct pv *val;       /* value of a TK_NUM or TK_STR token */
    int fstring;          /* TK_STR with an f prefix */
};

static void pv_free(struct pv *v)
{
    if (v == NULL)
        return;
    gf_buf_release(&v->s);
    for (size_t i = 0; i < v->n; i++)
        pv_free(v->items[i]);
    free(v->items);
    free(v);
}

static struct pv *pv_new(enum pk kind, enum pn node)
{
    struct pv *v = gf_xcalloc(1, sizeof(*v));

    gf_buf_init(&v->s);
    v->kind = kind;
    v->node = node;
    return v;
}

static void pv_push(struct pv *c, struct pv *item)
{
    if (c->n == c->alloc) {
        c->alloc = c->alloc ? 2 * c->alloc : 4;
        c->items = gf_xrealloc(c->items, c->alloc * sizeof(*c->items));
    }
    c->items[c->n++] = item;
}

/* ---- tokens ---- */

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_ident(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' ||
           (unsigned char)c >= 0x80;
}

/* Reads digits of the given kind with single '_' between them; returns
 * the end, or NULL on a misplaced underscore. Needs at least one digit. */
static const char *digitpart(const char *p, int (*ok)(char))
{
    if (!ok(*p))
        return NULL;
    while (ok(*p) || (*p == '_' && ok(p[1])))
        p++;
    if (*p == '_')
        return NULL;
    return p;
}

static int is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int is_oct(char c)
{
    return c >= '0' && c <= '7';
}

static int is_bin(char c)
{
    return c == '0' || c == '1';
}

static char *strip_us(const char *a, const char *b)
{
    char *o = gf_xmalloc((size_t)(b - a) + 1), *q = o;

    for (; a < b; a++)
        if (*a != '_')
            *q++ = *a;
    *q = '\0';
    return o;
}

static struct pv *int_value(const char *a, const char *b, int base)
{
    char *digits = strip_us(a, b);
    struct pv *v;
    long long i;

    errno = 0;
    i = strtoll(digits, NULL, base);
    if (errno == ERANGE) {
        /* Python ints are unbounded; gf_val ints are 64-bit: keep the text. */
        v = pv_new(PK_BIG, PN_CONST);
        gf_buf_adds(&v->s, digits);
    } else {
        v = pv_new(PK_INT, PN_CONST);
        v->i = i;
    }
    free(digits);
    return v;
}

/* Lexes a number at l->p into l->val. Returns the token kind. */
static enum tk lex_number(struct lexer *l)
{
    const char *p = l->p, *q;
    int is_float = 0;

    if (p[0] == '0' && strchr("xXoObB", p[1]) && p[1]) {
        int (*ok)(char) = p[1] == 'x' || p[1] == 'X' ? is_hex : p[1] == 'o' || p[1] == 'O' ?
                          is_oct : is_bin;
        int base = ok == is_hex ? 16 : ok == is_oct ? 8 : 2;
        q = p + 2;
        if (*q == '_')
            q++;
        q = digitpart(q, ok);
        if (q == NULL || is_ident(*q) || is_digit(*q))
            return TK_BAD;
        l->val = int_value(p + 2, q, base);
        l->end = q;
        return TK_NUM;
    }
    q = p;
    if (*q != '.') {
        q = digitpart(q, is_digit);
        if (q == NULL)
            return TK_BAD;
    }
    if (*q == '.') {
        is_float = 1;
        q++;
        if (is_digit(*q)) {
            q = digitpart(q, is_digit);
            if (q == NULL)
                return TK_BAD;
        } else if (p[0] == '.' || *q == '_') {
            return TK_BAD;
        }
    }
    if (*q == 'e' || *q == 'E') {
        const char *e = q + 1;
        if (*e == '+' || *e == '-')
            e++;
        e = digitpart(e, is_digit);
        if (e == NULL)
            return TK_BAD;
        is_float = 1;
        q = e;
    }
    if (*q == 'j' || *q == 'J') {
        q++;
        if (is_ident(*q))
            return TK_BAD;
        l->val = pv_new(PK_COMPLEX, PN_CONST);
        l->end = q;
        return TK_NUM;
    }
    if (is_ident(*q))
        return TK_BAD;
    if (is_float) {
        char *t = strip_us(p, q);
        l->val = pv_new(PK_FLOAT, PN_CONST);
        l->val->f = strtod(t, NULL);
        free(t);
    } else {
        /* "0_0" and "00" are zero; other leading zeros are a SyntaxError */
        if (p[0] == '0')
            for (const char *c = p; c < q; c++)
                if (*c != '0' && *c != '_')
                    return TK_BAD;
        l->val = int_value(p, q, 10);
    }
    l->end = q;
    return TK_NUM;
}

static int hexval(char c)
{
    return is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* Reads exactly n hex digits; returns -1 when they are not there. */
static long hexn(const char *p, int n)
{
    long v = 0;

    for (int i = 0; i < n; i++) {
        if (!is_hex(p[i]))
            return -1;
        v = v * 16 + hexval(p[i]);
    }
    return v;
}

/* Lexes a string literal whose prefix spans [l->p, q) and whose quote is
 * at q. Returns TK_STR, or TK_BAD for what Python refuses (or for \N{...},
 * which needs Unicode's name table). */
static enum tk lex_string(struct lexer *l, const char *q)
{
    int raw = 0, bytes = 0, fstr = 0, surrogate = 0;
    char quote = *q;
    int triple = q[1] == quote && q[2] == quote;
    const char *p = q + (triple ? 3 : 1);
    struct pv *v;

    for (const char *c = l->p; c < q; c++) {
        raw |= *c == 'r' || *c == 'R';
        bytes |= *c == 'b' || *c == 'B';
        fstr |= *c == 'f' || *c == 'F';
    }
    v = pv_new(bytes ? PK_BYTES : PK_STR, PN_CONST);
    for (;;) {
        if (*p == '\0')
            goto bad;
        if (triple ? (p[0] == quote && p[1] == quote && p[2] == quote) : *p == quote)
            break;
        if (bytes && (unsigned char)*p >= 0x80)
            goto bad;
        if (*p != '\\') {
            gf_buf_addc(&v->s, *p++);
            continue;
        }
        if (p[1] == '\0')
            goto bad;
        if (raw) {
            gf_buf_add(&v->s, p, 2);
            p += 2;
            continue;
        }
        char e = p[1];
        const char *simple = strchr("\\'\"abfnrtv", e);
        if (simple && e) {
            static const char out[] = "\\'\"\a\b\f\n\r\t\v";
            gf_buf_addc(&v->s, out[simple - "\\'\"abfnrtv"]);
            p += 2;
        } else if (is_oct(e)) {
            unsigned cp = 0;
            int k = 0;
            for (p++; k < 3 && is_oct(*p); k++, p++)
                cp = cp * 8 + (unsigned)(*p - '0');
            if (bytes)
                gf_buf_addc(&v->s, (char)(cp & 0xff));
            else
                gf_buf_add_utf8(&v->s, cp);
        } else if (e == 'x') {
            long cp = hexn(p + 2, 2);
            if (cp < 0)
                goto bad;
            if (bytes)
                gf_buf_addc(&v->s, (char)cp);
            else
                gf_buf_add_utf8(&v->s, (unsigned)cp);
            p += 4;
        } else if (!bytes && (e == 'u' || e == 'U')) {
            long cp = hexn(p + 2, e == 'u' ? 4 : 8);
            if (cp < 0 || cp > 0x10ffff)
                goto bad;
            surrogate |= cp >= 0xd800 && cp <= 0xdfff;
            gf_buf_add_utf8(&v->s, (unsigned)cp);
            p += e == 'u' ? 6 : 10;
        } else if (!bytes && e == 'N') {
            goto bad;
        } else {
            gf_buf_add(&v->s, p, 2); /* unknown escape: kept as written */
            p += 2;
        }
    }
    l->end = p + (triple ? 3 : 1);
    if (surrogate) /* cannot be UTF-8; Ansible could not print it either */
        goto bad;
    l->val = v;
    l->fstring = fstr;
    return TK_STR;
bad:
    pv_free(v);
    return TK_BAD;
}

static int valid_prefix(const char *a, const char *b)
{
    static const char *const prefixes[] = { "r", "u", "b", "br", "rb", "f", "fr", "rf" };
    size_t n = (size_t)(b - a);

    for (size_t i = 0; i < GF_ARRAY_LEN(prefixes); i++) {
        if (strlen(prefixes[i]) != n)
            continue;
        size_t k = 0;
        while (k < n && (a[k] | 0x20) == prefixes[i][k])
            k++;
        if (k == n)
            return 1;
    }
    return 0;
}

static void next(struct lexer *l)
{
    const char *p = l->p;

    if (l->val) {
        pv_free(l->val);
        l->val = NULL;
    }
    while (*p == ' ' || *p == '\t' || *p == '\f')
        p++;
    if (*p == '#')
        p += strlen(p);
    l->p = l->start = p;
    l->fstring = 0;
    if (*p == '\0') {
        l->t = TK_END;
        l->end = p;
        return;
    }
    if (is_digit(*p) || (*p == '.' && is_digit(p[1]))) {
        l->t = lex_number(l);
    } else if (*p == '\'' || *p == '"') {
        l->t = lex_string(l, p);
    } else if (is_ident(*p)) {
        const char *q = p;
        while (is_ident(*q))
            q++;
        if ((*q == '\'' || *q == '"') && valid_prefix(p, q)) {
            l->t = lex_string(l, q);
        } else {
            l->t = TK_NAME;
            l->end = q;
        }
    } else if (p[0] == '.' && p[1] == '.' && p[2] == '.') {
        l->t = TK_ELLIPSIS;
        l->end = p + 3;
    } else {
        l->t = TK_OP;
        l->end = p + 1;
    }
    if (l->t != TK_BAD)
        l->p = l->end;
}

static int is_op(const struct lexer *l, char c)
{
    return l->t == TK_OP && *l->start == c;
}

static int is_name(const struct lexer *l, const char *name)
{
    return l->t == TK_NAME && (size_t)(l->end - l->start) == strlen(name) &&
           memcmp(l->start, name, strlen(name)) == 0;
}

/* ---- expressions: what literal_eval accepts, nothing else ---- */

static struct pv *expr(struct lexer *l);

/* Parses items up to `close`, after the opening bracket; c collects them.
 * Returns 0, or -1 when the syntax is not a literal. */
static int items(struct lexer *l, struct pv *c, char close)
{
    while (!is_op(l, close)) {
        struct pv *e = expr(l);
        if (e == NULL)
            return -1;
        pv_push(c, e);
        if (is_op(l, ','))
            next(l);
        else if (!is_op(l, close))
            return -1;
    }
    next(l);
    return 0;
}

static struct pv *atom(struct lexer *l)
{
    struct pv *v = NULL;

    switch (l->t) {
    case TK_NUM:
        v = l->val;
        l->val = NULL;
        next(l);
        return v;
    case TK_STR: {
        int fstr = 0;
        v = l->val;
        l->val = NULL;
        fstr |= l->fstring;
        next(l);
        while (l->t == TK_STR) {
            fstr |= l->fstring;
            if (l->val->kind != v->kind) { /* bytes and str do not concatenate */
                pv_free(v);
                return NULL;
            }
            gf_buf_add(&v->s, l->val->s.buf, l->val->s.len);
            next(l);
        }
        if (fstr) { /* an f-string is a JoinedStr, not a constant */
            pv_free(v);
            return NULL;
        }
        return v;
    }
    case TK_ELLIPSIS:
        next(l);
        return pv_new(PK_ELLIPSIS, PN_CONST);
    case TK_NAME:
        if (is_name(l, "True") || is_name(l, "False")) {
            v = pv_new(PK_BOOL, PN_CONST);
            v->i = *l->start == 'T';
        } else if (is_name(l, "None")) {
            v = pv_new(PK_NONE, PN_CONST);
        } else if (is_name(l, "set")) {
            next(l);
            if (!is_op(l, '('))
                return NULL;
            next(l);
            if (!is_op(l, ')'))
                return NULL;
            v = pv_new(PK_SET, PN_OTHER);
        } else {
            return NULL;
        }
        next(l);
        return v;
    case TK_OP:
        break;
    default:
        return NULL;
    }
    char open = *l->start;
    if (open != '(' && open != '[' && open != '{')
        return NULL;
    if (++l->nest >= MAX_NEST)
        return NULL;
    next(l);
    if (open == '[') {
        v = pv_new(PK_LIST, PN_OTHER);
        if (items(l, v, ']') < 0)
            goto bad;
    } else if (open == '(') {
        if (is_op(l, ')')) {
            next(l);
            v = pv_new(PK_LIST, PN_OTHER);
            v->tuple = 1;
        } else {
            v = expr(l);
            if (v == NULL)
                goto bad;
            if (is_op(l, ',')) {
                struct pv *t = pv_new(PK_LIST, PN_OTHER);
                t->tuple = 1;
                pv_push(t, v);
                v = t;
                next(l);
                if (items(l, v, ')') < 0)
                    goto bad;
            } else if (is_op(l, ')')) {
                next(l); /* parentheses make no node: (1) is the constant 1 */
            } else {
                goto bad;
            }
        }
    } else if (is_op(l, '}')) {
        next(l);
        v = pv_new(PK_DICT, PN_OTHER);
    } else {
        struct pv *first = expr(l);
        if (first == NULL)
            goto bad;
        if (is_op(l, ':')) {
            v = pv_new(PK_DICT, PN_OTHER);
            for (struct pv *key = first;;) {
                next(l); /* the ':' */
                struct pv *val = expr(l);
                pv_push(v, key);
                if (val == NULL)
                    goto bad;
                pv_push(v, val);
                if (is_op(l, '}'))
                    break;
                if (!is_op(l, ','))
                    goto bad;
                next(l);
                if (is_op(l, '}'))
                    break;
                key = expr(l);
                if (key == NULL)
                    goto bad;
                if (!is_op(l, ':')) {
                    pv_free(key);
                    goto bad;
                }
            }
            next(l);
        } else {
            v = pv_new(PK_SET, PN_OTHER);
            pv_push(v, first);
            if (is_op(l, ','))
                next(l);
            else if (!is_op(l, '}'))
                goto bad;
            if (items(l, v, '}') < 0)
                goto bad;
        }
    }
    l->nest--;
    return v;
bad:
    pv_free(v);
    return NULL;
}

static int is_number(const struct pv *v)
{
    return v->kind == PK_INT || v->kind == PK_BIG || v->kind == PK_FLOAT ||
           v->kind == PK_COMPLEX;
}

/* A primary: an atom with no call, subscript or attribute after it. */
static struct pv *primary(struct lexer *l)
{
    struct pv *v = atom(l);

    if (v && (is_op(l, '(') || is_op(l, '[') || is_op(l, '.') || l->t == TK_BAD)) {
        pv_free(v);
        return NULL;
    }
    return v;
}

static struct pv *unary(struct lexer *l)
{
    if (is_op(l, '-') || is_op(l, '+')) {
        int neg = *l->start == '-';
        next(l);
        struct pv *v = unary(l);
        if (v == NULL)
            return NULL;
        /* literal_eval: a sign applies to a number constant only */
        if (v->node != PN_CONST || !is_number(v)) {
            pv_free(v);
            return NULL;
        }
        v->node = PN_UNARY;
        if (neg) {
            if (v->kind == PK_INT)
                v->i = -v->i;
            else if (v->kind == PK_FLOAT)
                v->f = -v->f;
            else if (v->kind == PK_BIG) {
                struct gf_buf t = GF_BUF_INIT;
                if (v->s.buf[0] == '-') {
                    gf_buf_adds(&t, v->s.buf + 1);
                } else {
                    gf_buf_addc(&t, '-');
                    gf_buf_adds(&t, v->s.buf);
                }
                gf_buf_release(&v->s);
                v->s = t;
            }
        }
        return v;
    }
    return primary(l);
}

/* Sums and differences: literal_eval allows only `signed real +/- imaginary`. */
static struct pv *expr(struct lexer *l)
{
    struct pv *left = unary(l);

    if (left == NULL)
        return NULL;
    if (is_op(l, '+') || is_op(l, '-')) {
        next(l);
        struct pv *right = unary(l);
        int ok = right && (left->node == PN_CONST || left->node == PN_UNARY) &&
                 (left->kind == PK_INT || left->kind == PK_BIG || left->kind == PK_FLOAT) &&
                 right->node == PN_CONST && right->kind == PK_COMPLEX;
        pv_free(right);
        pv_free(left);
        if (!ok || is_op(l, '+') || is_op(l, '-'))
            return NULL;
        left = pv_new(PK_COMPLEX, PN_BINOP);
    }
    if (l->t == TK_BAD || !(l->t == TK_END || is_op(l, ',') || is_op(l, ')') ||
                            is_op(l, ']') || is_op(l, '}') || is_op(l, ':'))) {
        pv_free(left);
        return NULL;
    }
    return left;
}

/* ---- to gf_val, with JSON's rules for dict keys ---- */

static const char *unsupported(const struct pv *v)
{
    switch (v->kind) {
    case PK_SET: return "a Python set";
    case PK_COMPLEX: return "a complex number";
    case PK_ELLIPSIS: return "Ellipsis (...)";
    default: return NULL;
    }
}

/* The key's text in JSON and its identity under Python's == (1 == 1.0 ==
 * True). Returns 0, or -1 with *msg. */
static int dict_key(const struct pv *k, struct gf_buf *text, struct gf_buf *id, char **msg)
{
    switch (k->kind) {
    case PK_STR:
        if (memchr(k->s.buf, '\0', k->s.len)) {
            *msg = gf_xasprintf("a dict key holds a NUL character");
            return -1;
        }
        gf_buf_adds(text, k->s.buf);
        gf_buf_addc(id, 's');
        gf_buf_adds(id, k->s.buf);
        return 0;
    case PK_INT:
        gf_buf_addf(text, "%lld", k->i);
        gf_buf_addf(id, "n%lld", k->i);
        return 0;
    case PK_BIG:
        gf_buf_adds(text, k->s.buf);
        gf_buf_addf(id, "n%s", k->s.buf);
        return 0;
    case PK_BOOL:
        gf_buf_adds(text, k->i ? "true" : "false");
        gf_buf_addf(id, "n%lld", k->i);
        return 0;
    case PK_NONE:
        gf_buf_adds(text, "null");
        gf_buf_adds(id, "z");
        return 0;
    case PK_FLOAT:
        if (isnan(k->f))
            gf_buf_adds(text, "NaN");
        else if (isinf(k->f))
            gf_buf_adds(text, k->f > 0 ? "Infinity" : "-Infinity");
        else
            gf_float_repr(k->f, text);
        if (k->f == floor(k->f) && fabs(k->f) < 9.2e18)
            gf_buf_addf(id, "n%lld", (long long)k->f);
        else
            gf_buf_addf(id, "f%s", text->buf);
        return 0;
    case PK_LIST:
    case PK_SET:
    case PK_DICT:
        *msg = gf_xasprintf(k->tuple ? "a tuple cannot be a dict key here"
                                     : "unhashable dict key (a %s)",
                            k->kind == PK_DICT ? "dict" : k->kind == PK_SET ? "set" : "list");
        return -1;
    default:
        *msg = gf_xasprintf("unsupported dict key type");
        return -1;
    }
}

static struct gf_val *to_val(const struct pv *v, char **msg)
{
    const char *what = unsupported(v);
    struct gf_val *out;

    if (what) {
        *msg = gf_xasprintf("%s cannot be an inventory value", what);
        return NULL;
    }
    switch (v->kind) {
    case PK_INT:
        return gf_val_int(v->i);
    case PK_BIG:
        return gf_val_strn(v->s.buf, v->s.len);
    case PK_FLOAT:
        return gf_val_float(v->f);
    case PK_BYTES:
        if (!gf_utf8_valid(v->s.buf, v->s.len)) {
            *msg = gf_xasprintf("a bytes literal is not valid UTF-8");
            return NULL;
        }
        return gf_val_strn(v->s.buf, v->s.len);
    case PK_STR:
        return gf_val_strn(v->s.buf, v->s.len);
    case PK_BOOL:
        return gf_val_bool((int)v->i);
    case PK_NONE:
        return gf_val_null();
    case PK_LIST:
        out = gf_val_list();
        for (size_t i = 0; i < v->n; i++) {
            struct gf_val *e = to_val(v->items[i], msg);
            if (e == NULL) {
                gf_val_unref(out);
                return NULL;
            }
            gf_val_list_push(out, e);
        }
        return out;
    case PK_DICT: {
        struct gf_map ids = GF_MAP_INIT;
        struct gf_vec keys = GF_VEC_INIT, vals = GF_VEC_INIT;
        out = NULL;
        for (size_t i = 0; i + 1 < v->n; i += 2) {
            struct gf_buf text = GF_BUF_INIT, id = GF_BUF_INIT;
            struct gf_val *e = NULL;
            if (dict_key(v->items[i], &text, &id, msg) < 0 ||
                (e = to_val(v->items[i + 1], msg)) == NULL) {
                gf_buf_release(&text);
                gf_buf_release(&id);
                goto dict_out;
            }
            long at = gf_map_find(&ids, id.buf);
            if (at >= 0) { /* Python keeps the first key and the last value */
                size_t k = (size_t)ids.ents[at].val - 1;
                gf_val_unref(vals.v[k]);
                vals.v[k] = e;
                gf_buf_release(&text);
            } else {
                gf_map_set(&ids, id.buf, (void *)(keys.n + 1));
                gf_vec_push(&keys, gf_buf_detach(&text, NULL));
                gf_vec_push(&vals, e);
            }
            gf_buf_release(&id);
        }
        out = gf_val_map();
        for (size_t i = 0; i < keys.n; i++)
            gf_val_map_set(out, keys.v[i], gf_val_ref(vals.v[i]));
dict_out:
        gf_map_release(&ids, NULL);
        gf_vec_release(&keys, free);
        gf_vec_release(&vals, (void (*)(void *))gf_val_unref);
        return out;
    }
    default:
        *msg = gf_xasprintf("unsupported value");
        return NULL;
    }
}

int inv_pylit(const char *s, struct gf_val **out, char **msg)
{
    struct lexer l = { 0 };
    struct pv *v;
    int rc = 0;

    *out = NULL;
    *msg = NULL;
    while (*s == ' ' || *s == '\t') /* literal_eval strips these first */
        s++;
    l.p = s;
    next(&l);
    v = expr(&l);
    if (v && is_op(&l, ',')) { /* a bare tuple */
        struct pv *t = pv_new(PK_LIST, PN_OTHER);
        t->tuple = 1;
        pv_push(t, v);
        v = t;
        next(&l);
        while (v && l.t != TK_END) {
            struct pv *e = expr(&l);
            if (e == NULL) {
                pv_free(v);
                v = NULL;
                break;
            }
            pv_push(v, e);
            if (is_op(&l, ','))
                next(&l);
            else if (l.t != TK_END) {
                pv_free(v);
                v = NULL;
            }
        }
    }
    if (v && l.t == TK_END) {
        *out = to_val(v, msg);
        rc = *out ? 1 : -1;
    }
    pv_free(v);
    pv_free(l.val);
    return rc;
}

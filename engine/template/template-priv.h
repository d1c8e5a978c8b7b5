/*
 * template-priv.h - internals shared by the template engine's files
 * (parse.c, template.c, the filters-*.c, pyformat.c): the syntax tree,
 * the render context, value helpers and the filter and test tables. Not an
 * interface for other layers: they use template.h.
 */
#ifndef GF_TEMPLATE_PRIV_H
#define GF_TEMPLATE_PRIV_H

#include <stdint.h>

#include "template.h"

/* Private gf_val flags (see core.h: bits from 0x100 are the engine's). */
#define TV_UNDEF   0x100u /* a Jinja Undefined: a STR holding the message, col = offset */
#define TV_LENIENT 0x200u /* with TV_UNDEF: renders as "" (inline if without else) */
#define TV_NS      0x400u /* a MAP made by namespace(): {% set ns.x = .. %} may write it */
#define TV_TUPLE   0x800u /* a LIST made by a tuple "(a, b)": the arguments of "fmt % args" */
#define TV_NATIVE  0x1000u /* a STR from to_json, to_yaml, string: never read back as a value */
#define TV_PRIVATE 0xff00u

static inline int tv_undef(const struct gf_val *v)
{
    return v != NULL && (v->flags & TV_UNDEF) != 0;
}

/* ---- arena: the nodes and strings of one compiled template ---- */
struct arena_blk;
struct arena {
    struct arena_blk *head;
};
/* Returns n zeroed bytes that live until tpl_arena_release. */
void *tpl_arena_alloc(struct arena *a, size_t n);
/* Returns a NUL-terminated copy of s[0..n) in the arena. */
char *tpl_arena_strndup(struct arena *a, const char *s, size_t n);
void tpl_arena_release(struct arena *a);

/* ---- syntax tree ---- */
enum nkind {
    /* expressions */
    N_CONST, N_NAME, N_GETATTR, N_GETITEM, N_SLICE, N_LIST, N_TUPLE, N_DICT,
    N_NEG, N_POS, N_NOT, N_AND, N_OR, N_BINOP, N_COMPARE, N_COND, N_FILTER, N_TEST, N_CALL,
    /* statements */
    N_TEXT, N_OUTPUT, N_IF, N_FOR, N_SET, N_SETBLOCK
};

enum binop { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_FLOORDIV, OP_MOD, OP_POW, OP_CONCAT };
enum cmpop { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE, CMP_IN, CMP_NOTIN };

struct node;
struct args {
    struct node **pos;     /* positional arguments */
    size_t npos;
    const char **kwname;   /* keyword arguments */
    struct node **kw;
    size_t nkw;
};
struct body {
    struct node **v;
    size_t n;
};
struct tpl_filter;
struct tpl_test;

struct node {
    enum nkind kind;
    uint32_t pos; /* byte offset in the template source */
    union {
        struct { enum gf_val_type type; long long i; double f; const char *s; size_t len; } c;
        struct { const char *name; } name;
        struct { struct node *obj; const char *name; } attr;
        struct { struct node *obj, *idx; } item;
        struct { struct node *obj, *start, *stop, *step; } slice;
        struct { struct node **v; size_t n; } list; /* N_DICT: 2n, key then value */
        struct { struct node *a; } un;
        struct { int op; struct node *l, *r; } bin;
        struct { struct node *first; int *ops; struct node **rest; size_t n; } cmp;
        struct { struct node *test, *then, *other; } cond; /* other may be NULL */
        struct {
            const char *name;
            const struct tpl_filter *f; /* N_FILTER */
            const struct tpl_test *t;   /* N_TEST */
            struct node *in;
            struct args args;
            int negate;                 /* N_TEST: "is not" */
        } call;
        struct { struct node *callee; struct args args; } fcall; /* N_CALL */
        struct { const char *s; size_t len; } text;
        struct { struct node *e; } out;
        struct { struct node *cond; struct body then, other; } ifs;
        struct {
            const char **targets;
            size_t ntargets;
            struct node *iter, *filter; /* filter may be NULL */
            struct body body, other;
        } fors;
        struct {
            const char **targets;
            size_t ntargets;
            const char *attr;  /* {% set ns.attr = %}: targets[0] is ns */
            struct node *e;    /* N_SET */
            struct body body;  /* N_SETBLOCK */
        } set;
    } u;
};

struct gf_tpl {
    struct arena arena;
    char *src;         /* normalised copy (LF newlines, one final newline dropped) */
    size_t len;
    unsigned flags;    /* GF_TPL_* that shaped the parse */
    int expr;          /* compiled by gf_tpl_compile_expr: body is one N_OUTPUT */
    int trailing_nl;   /* "\n" characters ending the original source */
    int plain;         /* no markers: the text is src */
    struct body body;
};

/* Parses t->src into t->body. expr: a bare expression. Returns 0 or
 * -GF_EPARSE with err positioned through opts. */
int tpl_parse(struct gf_tpl *t, int expr, const struct gf_tpl_opts *opts, struct gf_error *err);
/* Parses s as a Python literal (the subset ast.literal_eval takes, plus
 * true/false/null) into nodes in a; returns the root or NULL. */
struct node *tpl_parse_literal(struct arena *a, const char *s, size_t n);
/* Returns the filter or test for name ("ansible.builtin." prefixes allowed),
 * or NULL. */
const struct tpl_filter *tpl_find_filter(const char *name);
const struct tpl_test *tpl_find_test(const char *name);

/* ---- render context ---- */
struct loopstate {
    size_t index0, length;
    struct gf_val *items; /* the list iterated (after the loop's if filter) */
};
struct local {
    const char *name;
    struct gf_val *val;       /* owned reference, or NULL for a loop object */
    struct loopstate *loop;
};
struct frame {
    struct frame *up;
    struct local *v;
    size_t n, alloc;
};

struct rctx {
    const struct gf_tpl_scope *scope;
    const struct gf_tpl_opts *opts;
    struct gf_error *err;
    const struct gf_tpl *top;   /* the template errors are positioned in */
    const char *file;
    int line, col;              /* where top starts */
    struct frame *frame;        /* innermost local frame */
    int depth;                  /* variables being templated lazily */
    const char *resolving[GF_TPL_MAX_DEPTH + 1];
    uint32_t ref_pos;           /* where in top the outermost of them is used */
    struct gf_map cache;        /* variable name -> its templated value, this call */
    int tainted;                /* unsafe data was used */
    int undef_nested;           /* an Undefined was stored in a list or map */
    int failed;                 /* err is set */
    int undef_failed;           /* ... because an Undefined was used */
    const char *stack_base;     /* frame address at the entry point */
    unsigned long steps;        /* loop iterations so far (TPL_MAX_STEPS) */
};

/* The budget of one render: {% for %} iterations (nested loops multiply)
 * and the size of the text made, so a template cannot run for minutes or
 * fill the memory; past it the render fails with the template's position. */
#define TPL_MAX_STEPS 5000000ul
#define TPL_MAX_OUTPUT (256u << 20)

/* Stack the evaluator may use below its entry point: worker threads have
 * 512 KiB, and left-deep chains ("a + b + c ...", "x | f | g ...") recurse. */
#define TPL_STACK_MAX (192u << 10)
static inline int tpl_stack_deep(const char *base)
{
    const char *here = __builtin_frame_address(0);

    return base && here < base && (size_t)(base - here) > TPL_STACK_MAX;
}

/* Sets the error at offset pos of the current template and returns NULL.
 * Messages get " (in variable 'a' -> 'b')" when raised while templating
 * variables lazily. */
struct gf_val *tpl_fail(struct rctx *r, uint32_t pos, const char *fmt, ...) GF_PRINTF(3, 4);
/* Returns a new Undefined value (message formatted) created at pos. */
struct gf_val *tpl_undef(struct rctx *r, uint32_t pos, const char *fmt, ...) GF_PRINTF(3, 4);
/* Raises the error an Undefined gives when used; returns NULL. */
struct gf_val *tpl_undef_fail(struct rctx *r, const struct gf_val *u);
/* Returns 0 when v may be used as a value (defined, and no Undefined inside
 * it); else raises the error and returns -1. */
int tpl_need_def(struct rctx *r, const struct gf_val *v);
/* Python truthiness; -1 with the error raised for a strict Undefined. */
int tpl_truth(struct rctx *r, const struct gf_val *v);
/* Appends Python's str(v) to b (None -> "None"). v must be defined. */
void tpl_text(const struct gf_val *v, struct gf_buf *b);
/* Python type name: NoneType, bool, int, float, str, list, dict. */
const char *tpl_pytype(const struct gf_val *v);
/* Jinja's description for "has no attribute" messages: "dict object", "None". */
const char *tpl_objdesc(const struct gf_val *v);
/* Attribute access as Jinja does (map key; else an Undefined). New ref. */
struct gf_val *tpl_getattr(struct rctx *r, struct gf_val *obj, const char *name, uint32_t pos);
/* Item access obj[key] (map key, list/str index; else an Undefined). */
struct gf_val *tpl_getitem(struct rctx *r, struct gf_val *obj, struct gf_val *key, uint32_t pos);
/* Templates a value read from a variable (name is the variable, for loop
 * detection). New ref or NULL. */
struct gf_val *tpl_lazy(struct rctx *r, struct gf_val *v, const char *name, uint32_t pos);
/* Deep equality that raises on Undefined; -1 on error. */
int tpl_equal(struct rctx *r, const struct gf_val *a, const struct gf_val *b, uint32_t pos);
/* Python ordering: <0, 0, >0; sets *bad when the types do not order. */
int tpl_compare(const struct gf_val *a, const struct gf_val *b, int *bad);
/* Python's binary operator op (enum binop) on a and b. New ref or NULL. */
struct gf_val *tpl_arith(struct rctx *r, int op, struct gf_val *a, struct gf_val *b,
                         uint32_t pos);
/* Python's repr(v) appended to b. */
void tpl_repr(const struct gf_val *v, struct gf_buf *b);
/* Python's "x in container"; -1 on error. */
int tpl_contains(struct rctx *r, const struct gf_val *container, const struct gf_val *x,
                 uint32_t pos);
/* Marks that list or map c now holds item; call after storing item. */
static inline void tpl_stored(struct rctx *r, const struct gf_val *item)
{
    if (tv_undef(item))
        r->undef_nested = 1;
}
/* Python's "fmt % args" (args: a tuple's items, a map for %(key)s, or one
 * value) appended to out. Returns 0 or -1 with the error raised. */
int tpl_py_format(struct rctx *r, const char *fmt, size_t n, const struct gf_val *args,
                  struct gf_buf *out, uint32_t pos);
/* The variable name from the scope chain s (borrowed), or NULL. */
struct gf_val *tpl_scope_get(const struct gf_tpl_scope *s, const char *name);
/* Parses a Python literal in s, or returns NULL. New ref. */
struct gf_val *tpl_literal_eval(const char *s, size_t n);

/* ---- filters, tests and methods ---- */
#define TPL_MAX_PARAMS 10
struct fargs {
    struct gf_val *a[TPL_MAX_PARAMS]; /* bound parameters, NULL when not given */
    struct gf_val **rest;             /* extra positional arguments (params "*") */
    size_t nrest;
    const char *name;                 /* the filter or test, for messages */
    uint32_t pos;
};
typedef struct gf_val *(*tpl_filter_fn)(struct rctx *r, struct gf_val *in, struct fargs *a);
typedef int (*tpl_test_fn)(struct rctx *r, struct gf_val *in, struct fargs *a);

#define F_UNDEF 0x1u   /* the input may be Undefined */
#define F_ELEMS 0x2u   /* the input's items may be Undefined (structural filters) */
#define F_ARGUNDEF 0x4u /* arguments may be Undefined */

/* params: names in order; a leading '!' marks a required one, "*" takes the
 * remaining positional arguments. */
struct tpl_filter {
    const char *name;
    tpl_filter_fn fn;
    unsigned flags;
    const char *params[TPL_MAX_PARAMS];
};
struct tpl_test {
    const char *name;
    tpl_test_fn fn;
    unsigned flags;
    const char *params[TPL_MAX_PARAMS];
};
extern const struct tpl_filter tpl_filters[];
extern const size_t tpl_nfilters;
/* filters-net.c: ansible.utils' IP filters, comment, random, urlsplit */
extern const struct tpl_filter tpl_filters_net[];
extern const size_t tpl_nfilters_net;
extern const struct tpl_test tpl_tests_net[];
extern const size_t tpl_ntests_net;
extern const struct tpl_test tpl_tests[];
extern const size_t tpl_ntests;

/* Calls f or t with positional argument values (borrowed); for map() and
 * select(). Returns a new ref / 0-1, or NULL / -1 on error. */
struct gf_val *tpl_call_filter(struct rctx *r, const struct tpl_filter *f, struct gf_val *in,
                               struct gf_val **argv, size_t argc, uint32_t pos);
int tpl_call_test(struct rctx *r, const struct tpl_test *t, struct gf_val *in,
                  struct gf_val **argv, size_t argc, uint32_t pos);
/* obj.name(args) for the str, dict and list methods templates use. */
struct gf_val *tpl_call_method(struct rctx *r, struct gf_val *obj, const char *name,
                               struct gf_val **argv, size_t argc, uint32_t pos);

/* filters-data.c: serialisers and parsers. */
/* to_json: Python json.dumps(v, indent, sort_keys, ensure_ascii). */
void tpl_to_json(const struct gf_val *v, int indent, int sort, int ascii, struct gf_buf *b);
/* from_json: json.loads. Returns a new value or NULL with *msg (static). */
struct gf_val *tpl_from_json(const char *s, size_t n, const char **msg);
/* yaml.dump(v, allow_unicode, default_flow_style=flow (-1: None), indent,
 * sort_keys=True) as Ansible's to_yaml/to_nice_yaml. Returns 0 or -1. */
int tpl_to_yaml(const struct gf_val *v, int flow, int indent, struct gf_buf *b);

/* filters.c: the helpers the filter files share. */
/* A new string value that takes b's contents. */
struct gf_val *tpl_str_from(struct gf_buf *b);
/* The text of v: v's own bytes for a string, else str(v) in tmp. */
const char *tpl_text_of(const struct gf_val *v, struct gf_buf *tmp, size_t *len);
/* An optional argument: its truth, or dflt when absent. */
int tpl_opt_bool(const struct gf_val *v, int dflt);
/* An optional integer argument into *out (dflt when absent or None);
 * -1 (r failed) for another type. */
int tpl_opt_int(struct rctx *r, struct fargs *a, const struct gf_val *v, long long dflt,
                long long *out);
/* An optional string argument, dflt when absent; NULL (r failed) for
 * another type. */
const char *tpl_opt_str(struct rctx *r, struct fargs *a, const struct gf_val *v,
                        const char *dflt);

/* filters-str.c: Python's str semantics, for the filters and the methods. */
/* str.strip(chars) (chars NULL: whitespace) on s[0..n), from the left
 * and/or the right: the kept part is [*a, *b). */
void tpl_strip_range(const char *s, size_t n, const char *chars, size_t cn, int left,
                     int right, size_t *a, size_t *b);
/* str.split / rsplit (right) of s[0..n) on sep (NULL: whitespace runs). */
struct gf_val *tpl_py_split(const char *s, size_t n, const char *sep, size_t sn,
                            long long maxsplit, int right);
/* split/rsplit's arguments checked, then tpl_py_split of in's text. */
struct gf_val *tpl_split_common(struct rctx *r, struct fargs *a, const struct gf_val *in,
                                const struct gf_val *sepv, const struct gf_val *maxv, int right);
/* str.replace(old, new, count) (count < 0: all). */
struct gf_val *tpl_py_replace(const char *s, size_t n, const char *old, size_t on,
                              const char *nw, size_t nn, long long count);
/* Case mapping of v's text (ASCII, Latin-1, Latin Extended-A, Greek,
 * Cyrillic). mode: 0 lower, 1 upper, 2 capitalize, 3 Python str.title,
 * 4 Jinja's title; tpl_map_case: lower (0) or upper (1). */
struct gf_val *tpl_map_case_mode(const struct gf_val *v, struct gf_buf *tmp, int mode);
struct gf_val *tpl_map_case(const struct gf_val *v, struct gf_buf *tmp, int upper);
/* str.isupper() (upper) or str.islower() of in's text. */
int tpl_case_test(struct gf_val *in, int upper);

/* The filters the table in filters.c names, by the file they live in. */
#define TPL_FILTER_FN(name) struct gf_val *name(struct rctx *r, struct gf_val *in, struct fargs *a)
/* filters-str.c: strings */
TPL_FILTER_FN(tpl_f_lower);
TPL_FILTER_FN(tpl_f_upper);
TPL_FILTER_FN(tpl_f_capitalize);
TPL_FILTER_FN(tpl_f_title);
TPL_FILTER_FN(tpl_f_trim);
TPL_FILTER_FN(tpl_f_replace);
TPL_FILTER_FN(tpl_f_split);
TPL_FILTER_FN(tpl_f_quote);
TPL_FILTER_FN(tpl_f_basename);
TPL_FILTER_FN(tpl_f_dirname);
TPL_FILTER_FN(tpl_f_splitext);
TPL_FILTER_FN(tpl_f_path_join);
TPL_FILTER_FN(tpl_f_indent);
TPL_FILTER_FN(tpl_f_format);
/* filters-seq.c: sequences and dicts */
TPL_FILTER_FN(tpl_f_length);
TPL_FILTER_FN(tpl_f_first);
TPL_FILTER_FN(tpl_f_last);
TPL_FILTER_FN(tpl_f_list);
TPL_FILTER_FN(tpl_f_reverse);
TPL_FILTER_FN(tpl_f_join);
TPL_FILTER_FN(tpl_f_unique);
TPL_FILTER_FN(tpl_f_sort);
TPL_FILTER_FN(tpl_f_min);
TPL_FILTER_FN(tpl_f_max);
TPL_FILTER_FN(tpl_f_sum);
TPL_FILTER_FN(tpl_f_abs);
TPL_FILTER_FN(tpl_f_round);
TPL_FILTER_FN(tpl_f_map);
TPL_FILTER_FN(tpl_f_select);
TPL_FILTER_FN(tpl_f_reject);
TPL_FILTER_FN(tpl_f_selectattr);
TPL_FILTER_FN(tpl_f_rejectattr);
TPL_FILTER_FN(tpl_f_flatten);
TPL_FILTER_FN(tpl_f_union);
TPL_FILTER_FN(tpl_f_intersect);
TPL_FILTER_FN(tpl_f_difference);
TPL_FILTER_FN(tpl_f_symmetric_difference);
TPL_FILTER_FN(tpl_f_zip);
TPL_FILTER_FN(tpl_f_product);
TPL_FILTER_FN(tpl_f_batch);
TPL_FILTER_FN(tpl_f_dict2items);
TPL_FILTER_FN(tpl_f_items2dict);
TPL_FILTER_FN(tpl_f_items);
TPL_FILTER_FN(tpl_f_dictsort);
TPL_FILTER_FN(tpl_f_combine);
TPL_FILTER_FN(tpl_f_extract);
TPL_FILTER_FN(tpl_f_subelements);
TPL_FILTER_FN(tpl_f_safe);
/* filters.c: types and data */
TPL_FILTER_FN(tpl_f_default);
TPL_FILTER_FN(tpl_f_mandatory);
TPL_FILTER_FN(tpl_f_bool);
TPL_FILTER_FN(tpl_f_int);
TPL_FILTER_FN(tpl_f_float);
TPL_FILTER_FN(tpl_f_string);
TPL_FILTER_FN(tpl_f_type_debug);
TPL_FILTER_FN(tpl_f_ternary);
TPL_FILTER_FN(tpl_f_to_json);
TPL_FILTER_FN(tpl_f_to_nice_json);
TPL_FILTER_FN(tpl_f_to_yaml);
TPL_FILTER_FN(tpl_f_to_nice_yaml);
TPL_FILTER_FN(tpl_f_from_json);
TPL_FILTER_FN(tpl_f_from_yaml);

/* tests.c: the tests the table in filters.c names. */
#define TPL_TEST_FN(name) int name(struct rctx *r, struct gf_val *in, struct fargs *a)
TPL_TEST_FN(tpl_t_all);
TPL_TEST_FN(tpl_t_any);
TPL_TEST_FN(tpl_t_boolean);
TPL_TEST_FN(tpl_t_changed);
TPL_TEST_FN(tpl_t_contains);
TPL_TEST_FN(tpl_t_defined);
TPL_TEST_FN(tpl_t_divisibleby);
TPL_TEST_FN(tpl_t_eq);
TPL_TEST_FN(tpl_t_even);
TPL_TEST_FN(tpl_t_failed);
TPL_TEST_FN(tpl_t_false);
TPL_TEST_FN(tpl_t_falsy);
TPL_TEST_FN(tpl_t_finished);
TPL_TEST_FN(tpl_t_float);
TPL_TEST_FN(tpl_t_ge);
TPL_TEST_FN(tpl_t_gt);
TPL_TEST_FN(tpl_t_in);
TPL_TEST_FN(tpl_t_integer);
TPL_TEST_FN(tpl_t_iterable);
TPL_TEST_FN(tpl_t_le);
TPL_TEST_FN(tpl_t_lower);
TPL_TEST_FN(tpl_t_lt);
TPL_TEST_FN(tpl_t_mapping);
TPL_TEST_FN(tpl_t_ne);
TPL_TEST_FN(tpl_t_none);
TPL_TEST_FN(tpl_t_number);
TPL_TEST_FN(tpl_t_odd);
TPL_TEST_FN(tpl_t_reachable);
TPL_TEST_FN(tpl_t_sameas);
TPL_TEST_FN(tpl_t_skipped);
TPL_TEST_FN(tpl_t_string);
TPL_TEST_FN(tpl_t_subset);
TPL_TEST_FN(tpl_t_succeeded);
TPL_TEST_FN(tpl_t_superset);
TPL_TEST_FN(tpl_t_true);
TPL_TEST_FN(tpl_t_truthy);
TPL_TEST_FN(tpl_t_undefined);
TPL_TEST_FN(tpl_t_unreachable);
TPL_TEST_FN(tpl_t_upper);

/* filters-seq.c: the value set of the set filters, for the tests too. */
/* A value set (unique, union, subset, ...): Python equality and hash,
 * case-insensitive with ci; it borrows the values; free(s.v) frees it. */
struct tpl_vset {
    const struct gf_val **v;
    size_t cap; /* power of two */
    int ci;
};
void tpl_vset_init(struct tpl_vset *s, size_t n, int ci);
/* Returns 1 when x was not there (and adds it when add), 0 when an equal
 * value was. */
int tpl_vset_add(struct tpl_vset *s, const struct gf_val *x, int add);
int tpl_vset_has(struct tpl_vset *s, const struct gf_val *x);
/* Python's str.isspace() for one ASCII byte (with \x1c-\x1f). */
int tpl_ascii_space(char c);
/* in as a list (a new ref): lists as they are, a string's characters, a
 * map's keys; NULL (r failed) for another type. */
struct gf_val *tpl_as_list(struct rctx *r, struct fargs *a, struct gf_val *in);

/* filters-regex.c: the regular expression filters and tests. */
struct gf_val *tpl_f_regex_replace(struct rctx *r, struct gf_val *in, struct fargs *a);
struct gf_val *tpl_f_regex_search(struct rctx *r, struct gf_val *in, struct fargs *a);
struct gf_val *tpl_f_regex_findall(struct rctx *r, struct gf_val *in, struct fargs *a);
struct gf_val *tpl_f_regex_escape(struct rctx *r, struct gf_val *in, struct fargs *a);
int tpl_t_match(struct rctx *r, struct gf_val *in, struct fargs *a);
int tpl_t_search(struct rctx *r, struct gf_val *in, struct fargs *a);
int tpl_t_regex(struct rctx *r, struct gf_val *in, struct fargs *a);

/* filters-version.c: version and version_compare, and the version test. */
struct gf_val *tpl_f_version(struct rctx *r, struct gf_val *in, struct fargs *a);
int tpl_t_version(struct rctx *r, struct gf_val *in, struct fargs *a);

/* Filters implemented in filters-data.c (base64, digests). */
struct gf_val *tpl_f_b64encode(struct rctx *r, struct gf_val *in, struct fargs *a);
struct gf_val *tpl_f_b64decode(struct rctx *r, struct gf_val *in, struct fargs *a);
struct gf_val *tpl_f_hash(struct rctx *r, struct gf_val *in, struct fargs *a);
struct gf_val *tpl_f_md5(struct rctx *r, struct gf_val *in, struct fargs *a);
struct gf_val *tpl_f_sha1(struct rctx *r, struct gf_val *in, struct fargs *a);

/* lookup.c: gf_tpl_lookup, with the unsafe marking optional (lookup()'s
 * allow_unsafe=True leaves it off). */
int tpl_lookup_run(const char *name, const struct gf_val *terms, const struct gf_val *kwargs,
                   const struct gf_tpl_scope *scope, int unsafe, struct gf_val **out,
                   struct gf_error *err);

/* ---- UTF-8 helpers ---- */
/* Number of code points in s[0..n) (invalid bytes count one each). */
size_t tpl_utf8_len(const char *s, size_t n);
/* Byte offset of code point i in s (n when past the end). */
size_t tpl_utf8_off(const char *s, size_t n, size_t i);

#endif

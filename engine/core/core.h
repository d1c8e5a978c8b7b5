/*
 * core.h - the core layer's interface: allocation, growable buffers, pointer
 * vectors, insertion-ordered string maps, errors, logging and the value
 * model (gf_val) shared by inventories, variables and playbooks.
 */
#ifndef GF_CORE_H
#define GF_CORE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define GF_VERSION "0.1.0"

#if defined(__GNUC__)
#define GF_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define GF_NORETURN __attribute__((noreturn))
#else
#define GF_PRINTF(f, a)
#define GF_NORETURN
#endif

#define GF_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- allocation: failure is fatal (prints and aborts) ---- */
void *gf_xmalloc(size_t n);
void *gf_xcalloc(size_t n, size_t size);
void *gf_xrealloc(void *p, size_t n);
char *gf_xstrdup(const char *s);
char *gf_xstrndup(const char *s, size_t n);
/* Returns a malloc'd formatted string; caller frees. */
char *gf_xasprintf(const char *fmt, ...) GF_PRINTF(1, 2);
/* Wipes n bytes at p (not optimised away) and frees p; NULL-safe. */
void gf_free_secret(void *p, size_t n);
void gf_die(const char *fmt, ...) GF_PRINTF(1, 2) GF_NORETURN;

/* ---- growable byte buffer, always NUL-terminated, never NULL ---- */
struct gf_buf {
    char *buf;    /* "" (static) until something is added */
    size_t len;
    size_t alloc;
    size_t cap;   /* 0: unlimited; else bytes beyond cap are dropped */
    int truncated; /* set when data was dropped because of cap */
};
extern char gf_buf_empty[];
#define GF_BUF_INIT { gf_buf_empty, 0, 0, 0, 0 }

void gf_buf_init(struct gf_buf *b);
void gf_buf_grow(struct gf_buf *b, size_t extra);
void gf_buf_add(struct gf_buf *b, const void *data, size_t n);
void gf_buf_adds(struct gf_buf *b, const char *s);
void gf_buf_addc(struct gf_buf *b, char c);
void gf_buf_addf(struct gf_buf *b, const char *fmt, ...) GF_PRINTF(2, 3);
void gf_buf_vaddf(struct gf_buf *b, const char *fmt, va_list ap) GF_PRINTF(2, 0);
/* Appends code point cp encoded as UTF-8 (1 to 4 bytes). */
void gf_buf_add_utf8(struct gf_buf *b, unsigned long cp);
void gf_buf_reset(struct gf_buf *b);
void gf_buf_setlen(struct gf_buf *b, size_t len);
/* Frees the contents; the buffer is reusable (GF_BUF_INIT state). */
void gf_buf_release(struct gf_buf *b);
/* Returns the malloc'd string (caller frees) and resets b. */
char *gf_buf_detach(struct gf_buf *b, size_t *len);
/* Wipes and frees contents (for secrets). */
void gf_buf_release_secret(struct gf_buf *b);

/* ---- vector of pointers ---- */
struct gf_vec {
    void **v;
    size_t n;
    size_t alloc;
};
#define GF_VEC_INIT { NULL, 0, 0 }
void gf_vec_push(struct gf_vec *vec, void *p);
/* Frees the array; calls fn on each element first when fn is not NULL. */
void gf_vec_release(struct gf_vec *vec, void (*fn)(void *));
int gf_vec_contains(const struct gf_vec *vec, const void *p);

/* ---- insertion-ordered map from string keys to pointers ---- */
struct gf_map_ent {
    char *key;
    void *val;
};
struct gf_map {
    struct gf_map_ent *ents;
    size_t n;
    size_t alloc;
    uint32_t *idx;     /* open addressing table of (entry index + 1), 0 = empty */
    size_t idx_cap;    /* power of two */
};
#define GF_MAP_INIT { NULL, 0, 0, NULL, 0 }
/* Returns the value for key, or NULL. */
void *gf_map_get(const struct gf_map *m, const char *key);
/* Returns the entry index for key, or -1. */
long gf_map_find(const struct gf_map *m, const char *key);
/* Sets key (copied) to val; returns the previous value or NULL. */
void *gf_map_set(struct gf_map *m, const char *key, void *val);
/* Removes key; returns its value or NULL. O(n). */
void *gf_map_del(struct gf_map *m, const char *key);
void gf_map_release(struct gf_map *m, void (*fn)(void *));
uint32_t gf_hash(const char *s);

/* ---- errors ---- */
/* X(name, exit code, message) */
#define GF_ERRORS(X) \
    X(OK, 0, "success") \
    X(FAIL, 1, "failed") \
    X(NOMEM, 1, "out of memory") \
    X(IO, 1, "i/o error") \
    X(PARSE, 4, "parse error") \
    X(INVAL, 4, "invalid argument") \
    X(NOTFOUND, 4, "not found") \
    X(UNSUPPORTED, 4, "not supported") \
    X(CONNECT, 3, "unreachable") \
    X(TIMEOUT, 3, "timed out") \
    X(AUTH, 3, "authentication failed") \
    X(HOSTKEY, 3, "host key verification failed") \
    X(REMOTE, 2, "remote command failed") \
    X(INTERRUPTED, 130, "interrupted")

enum gf_errcode {
#define GF_X(name, code, msg) GF_E##name,
    GF_ERRORS(GF_X)
#undef GF_X
    GF_E_COUNT
};

struct gf_error {
    int code;       /* enum gf_errcode */
    char *file;     /* malloc'd or NULL */
    int line, col;  /* 1-based; 0 when unknown */
    char *host;     /* malloc'd or NULL */
    char *msg;      /* malloc'd or NULL */
};
#define GF_ERROR_INIT { 0, NULL, 0, 0, NULL, NULL }

const char *gf_strerror(int code);
const char *gf_errname(int code);
/* Exit code documented for an error code. */
int gf_errexit(int code);
/* Sets err (freeing what it held) and returns -code. err may be NULL. */
int gf_error_set(struct gf_error *err, int code, const char *file, int line, int col,
                 const char *fmt, ...) GF_PRINTF(6, 7);
/* gf_error_set with a va_list, for a file's own error helper that adds its
 * file, line and column: returns -code. */
int gf_error_vset(struct gf_error *err, int code, const char *file, int line, int col,
                  const char *fmt, va_list ap) GF_PRINTF(6, 0);
void gf_error_clear(struct gf_error *err);
/* Formats "file:line:col: msg" (parts present only when known) into b. */
void gf_error_format(const struct gf_error *err, struct gf_buf *b);
/* Prints "gpuforge: file:line:col: msg" to stderr, then the source line and a
 * caret when file and line are known and the file is readable. */
void gf_error_print(const struct gf_error *err);

/* ---- logging ---- */
extern int gf_verbosity; /* 0 default, -v = 1 ... */
extern int gf_color;     /* colour on stdout */
void gf_log(int level, const char *fmt, ...) GF_PRINTF(2, 3);
void gf_warn(const char *fmt, ...) GF_PRINTF(1, 2);

/* ---- values: the data model of variables (YAML/JSON-like) ---- */
enum gf_val_type {
    GF_VAL_NULL,
    GF_VAL_BOOL,
    GF_VAL_INT,
    GF_VAL_FLOAT,
    GF_VAL_STR,
    GF_VAL_LIST,
    GF_VAL_MAP
};

/* gf_val.flags: GF_VAL_UNSAFE marks data (registered output, facts, anything
 * from a node) that must never be templated again. A list or map marked unsafe
 * has the mark on every value inside it too (set it with gf_val_unsafe, never
 * by hand), so an item taken out of it (a loop item, a fact, a hostvars
 * entry) stays data. Bits from 0x100 up are private to the template engine. */
#define GF_VAL_UNSAFE 0x1u
/* A scalar written in quotes: its text starts one column after col. */
#define GF_VAL_QUOTED 0x2u

struct gf_val {
    enum gf_val_type type;
    unsigned refs;
    int line, col;      /* source position, 0 when unknown */
    int kline, kcol;    /* position of the mapping key it was loaded under, or 0 */
    unsigned flags;     /* GF_VAL_*; 0 from every constructor */
    union {
        int b;
        long long i;
        double f;
        struct {
            char *s;
            size_t len;
        } str;
        struct gf_vec list; /* of struct gf_val * */
        struct gf_map map;  /* of struct gf_val * */
    } u;
};

/* Constructors return a new value with one reference. */
struct gf_val *gf_val_null(void);
struct gf_val *gf_val_bool(int b);
struct gf_val *gf_val_int(long long i);
struct gf_val *gf_val_float(double f);
struct gf_val *gf_val_str(const char *s);
struct gf_val *gf_val_strn(const char *s, size_t n);
/* Takes ownership of s (malloc'd). */
struct gf_val *gf_val_str_own(char *s, size_t n);
struct gf_val *gf_val_list(void);
struct gf_val *gf_val_map(void);
/* Adds a reference; returns v. NULL-safe. */
struct gf_val *gf_val_ref(struct gf_val *v);
/* Drops a reference, freeing at zero. NULL-safe. */
void gf_val_unref(struct gf_val *v);
/* Appends item to list, taking the caller's reference. */
void gf_val_list_push(struct gf_val *list, struct gf_val *item);
/* Sets key in map, taking the caller's reference; drops the old value. */
void gf_val_map_set(struct gf_val *map, const char *key, struct gf_val *v);
/* Borrowed lookup; NULL when absent or map is not a map. */
struct gf_val *gf_val_map_get(const struct gf_val *map, const char *key);
/* Returns a new map: a shallow copy of base (may be NULL) with every key of
 * over set on top (values shared by reference). */
struct gf_val *gf_val_map_merge(const struct gf_val *base, const struct gf_val *over);
/* Recursive merge (dicts merged key by key, other values replaced). */
struct gf_val *gf_val_map_combine(const struct gf_val *base, const struct gf_val *over);
/* Returns v (taking the caller's reference) with GF_VAL_UNSAFE set on it and
 * on every value inside it. Values only this reference reaches are marked in
 * place; shared ones are copied (flags and positions kept), so other holders
 * never see a change. NULL-safe. */
struct gf_val *gf_val_unsafe(struct gf_val *v);
/* Deep equality. */
int gf_val_equal(const struct gf_val *a, const struct gf_val *b);
const char *gf_val_typename(const struct gf_val *v);
/* Truthiness as Python/Jinja see it. */
int gf_val_truthy(const struct gf_val *v);
/* The value as text: strings as they are, others as Python's str() would. */
void gf_val_to_text(const struct gf_val *v, struct gf_buf *b);

/* JSON output in the format of Python's json.dumps(indent=4 or None,
 * sort_keys, ensure_ascii=False). indent < 0 means compact ", " / ": ". */
#define GF_JSON_SORT 1
#define GF_JSON_COMPACT 2 /* separators "," and ":" */
void gf_json_dump(const struct gf_val *v, int indent, int flags, struct gf_buf *b);
void gf_json_str(const char *s, size_t len, struct gf_buf *b);
/* Python's repr() of a float. */
void gf_float_repr(double f, struct gf_buf *b);

/* ---- YAML (and JSON) loading through libyaml ---- */
/* Parses a YAML document from data (len bytes) into *out using the YAML 1.1
 * resolution rules Ansible inherits from PyYAML (yes/no/on/off booleans,
 * 0x/0o/leading-0 integers, ~ null, ...). Quoted scalars are strings.
 * Duplicate keys, invalid UTF-8, alias bombs, several documents are errors.
 * An empty document gives NULL in *out and returns 0.
 * Returns 0 or -GF_E*; err carries file:line:col. Caller unrefs *out. */
int gf_yaml_load(const char *data, size_t len, const char *file, struct gf_val **out,
                 struct gf_error *err);
int gf_yaml_load_file(const char *path, struct gf_val **out, struct gf_error *err);
/* Resolves a plain YAML scalar's type as PyYAML's SafeLoader does. */
struct gf_val *gf_yaml_resolve_plain(const char *s, size_t len);

/* ---- small utilities ---- */
/* Reads a whole file; returns 0 or -GF_EIO (err set). Caller releases b. */
int gf_read_file(const char *path, struct gf_buf *b, size_t max, struct gf_error *err);
int gf_is_dir(const char *path);
/* path with a leading "~" expanded as Python's os.path.expanduser does on
 * this machine: "~" to $HOME (else the user's home directory), "~user" to
 * that user's home (left as it is for a user nobody knows); malloc'd. */
char *gf_expand_home(const char *path);
int gf_is_file(const char *path);
/* Monotonic clock in milliseconds / microseconds. */
int64_t gf_now_ms(void);
int64_t gf_now_us(void);
int gf_streq(const char *a, const char *b);
int gf_startswith(const char *s, const char *prefix);
int gf_endswith(const char *s, const char *suffix);
/* Sorts strings in place by strcmp. */
void gf_sort_strings(char **v, size_t n);
/* Splits s into words as Python's shlex.split (POSIX mode) does, which is
 * how Ansible splits command lines and ssh arguments: quotes group, a
 * backslash escapes any character outside quotes and only '"' or '\\' inside
 * double quotes; no expansions. Appends malloc'd words to out (caller frees
 * them). Returns 0, or -GF_EINVAL on an unterminated quote. */
int gf_shlex_split(const char *s, struct gf_vec *out);
/* Returns 1 when s is valid UTF-8. */
int gf_utf8_valid(const char *s, size_t n);

#endif

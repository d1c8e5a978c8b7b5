/*
 * template.h - the templating engine's interface: the subset of Jinja2 that
 * Ansible playbooks and template files use, with Ansible's defaults.
 *
 * Model
 *   A template is compiled once into an immutable tree (struct gf_tpl) and
 *   rendered many times, once per host, from any thread: rendering reads the
 *   tree and never writes it. Strings without "{{", "{%" or "{#" take a fast
 *   path (no parsing, one allocation for the result).
 *
 *   Variables come from a chain of scopes (struct gf_tpl_scope): a lookup
 *   callback returning a borrowed value, so the caller decides precedence and
 *   nothing is copied per expression. A variable whose value holds templates
 *   ("a: '{{ b }}'") is templated when it is used, in the same scope, like
 *   Ansible's lazy variables; loops (a -> b -> a) and chains deeper than
 *   GF_TPL_MAX_DEPTH are errors. A value with GF_VAL_UNSAFE in its flags
 *   (registered results, facts, anything that came from a node) is data: it
 *   is never templated, whatever it contains, and the result of an expression
 *   that used such a value, or a list or map holding one, is itself marked
 *   GF_VAL_UNSAFE in every part (gf_val_unsafe), whatever filters, methods
 *   or operators derived it, so its items stay data when a loop or a later
 *   task reads them as variables (render functions return GF_TPL_TAINTED).
 *
 * Entry points
 *   gf_tpl_render       template text -> text (template files, messages)
 *   gf_tpl_eval_value   a variable value: "{{ expr }}" alone keeps the
 *                       expression's type (list, dict, int, bool, None);
 *                       other templates give text, which, as in Ansible
 *                       2.14, becomes a list/dict/bool when it reads as a
 *                       Python literal ("[1, 2]", "{'a': 1}", "True")
 *   gf_tpl_eval_expr    a bare expression (when:, failed_when:, loop:)
 *   gf_tpl_eval_cond    a when: condition -> 0 or 1
 *   gf_tpl_template_val every string leaf of a list/map, recursively
 *
 * Errors carry file:line:col. The caller passes where the string starts in
 * its file (opts->line, opts->col: the first character of the value, after
 * any quote); the engine adds the offset of the failing construct: same line
 * -> col + offset; later lines (block scalars, template files) -> the column
 * inside that line. Messages follow Jinja/Ansible: "undefined variable 'x'",
 * "'dict object' has no attribute 'x'", "list object has no element 3",
 * "template syntax error: unexpected '}'".
 *
 * Jinja2 and Ansible semantics kept
 *   - None renders as "" in text (Ansible's finalize), "None" inside lists
 *   - trim_blocks on, lstrip_blocks off (a "#jinja2:" first line overrides
 *     them), trailing newlines of the source are kept, CRLF becomes LF
 *   - in playbook strings backslashes inside "{{ }}" string literals are
 *     literal (Ansible doubles them); template files (GF_TPL_FILE) and bare
 *     expressions use Python escapes
 *   - the inline "x if c" without else is a lenient undefined ("")
 *   - lookup()/query()/q() run the plugins of lookup.c (file, template, env,
 *     fileglob, first_found, pipe, lines, vars, varnames, password, items,
 *     list, dict, indexed_items, subelements, nested, together, sequence,
 *     random_choice; short or ansible.builtin. names); others are refused
 *     by name.
 *     lookup() joins string results with "," unless wantlist=True, gives
 *     one non-string result as itself and no result as []; errors=
 *     strict/warn/ignore and allow_unsafe= as Ansible's Templar._lookup.
 *     Results are marked unsafe, as Ansible wraps them
 * Deliberate differences: "{{ 1 + 2 }}" alone gives int 3 (Ansible 2.14
 * without jinja2_native gives "3"; modules convert anyway); tuples are lists
 * (str() shows [..] not (..)); lower, upper, title and capitalize map the
 * letters of ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic, not the
 * whole of Unicode; case-insensitive sort, unique and the like compare ASCII
 * letters only; integers are 64-bit (overflow is an error).
 */
#ifndef GF_TEMPLATE_H
#define GF_TEMPLATE_H

#include "../core/core.h"

/* Deepest chain of variables referencing variables ("a: '{{ b }}'"). */
#define GF_TPL_MAX_DEPTH 64

/* Render functions return this (> 0) when the output used unsafe data. */
#define GF_TPL_TAINTED 1

/* A variable scope. lookup returns the value of name, borrowed: it must stay
 * valid and unchanged until the call that was given the scope returns; NULL
 * when the name is not defined here, and then parent (may be NULL) is asked.
 * Lookups happen on every variable reference: keep them O(1). */
struct gf_tpl_scope {
    struct gf_val *(*lookup)(void *ctx, const char *name);
    void *ctx;
    const struct gf_tpl_scope *parent;
    /* Optional (may be NULL): calls fn for every name defined here, each at
     * least once (the varnames lookup lists them). */
    void (*names)(void *ctx, void (*fn)(const char *name, void *arg), void *arg);
};

/* Makes s a scope over the keys of the map vars (borrowed, may be NULL). */
void gf_tpl_scope_map(struct gf_tpl_scope *s, const struct gf_val *vars,
                      const struct gf_tpl_scope *parent);

struct gf_tpl_cache;

/* Options; a NULL opts means all defaults (zero). */
struct gf_tpl_opts {
    unsigned flags;            /* GF_TPL_* below */
    const char *file;          /* for error positions; may be NULL */
    int line, col;             /* where the string starts in file; 0: 1 */
    struct gf_tpl_cache *cache; /* compiled templates to reuse; may be NULL */
};
#define GF_TPL_FILE        0x01u /* template file: Python escapes in {{ }} strings */
#define GF_TPL_NO_CONVERT  0x02u /* eval_value: text stays text (no literal_eval) */
#define GF_TPL_NO_TRIM     0x04u /* trim_blocks off */
#define GF_TPL_LSTRIP      0x08u /* lstrip_blocks on */

/* Returns 1 when s holds "{{", "{%" or "{#", i.e. needs the engine. */
int gf_tpl_is_template(const char *s, size_t len);

/* ---- compile once, render many ---- */
struct gf_tpl;

/* Compiles the template src (len bytes, copied). Returns 0 and *out (free
 * with gf_tpl_free), or -GF_EPARSE with err at the position of the problem. */
int gf_tpl_compile(const char *src, size_t len, const struct gf_tpl_opts *opts,
                   struct gf_tpl **out, struct gf_error *err);
/* Compiles a bare expression (what when: holds). Same contract. */
int gf_tpl_compile_expr(const char *src, size_t len, const struct gf_tpl_opts *opts,
                        struct gf_tpl **out, struct gf_error *err);
/* NULL-safe. */
void gf_tpl_free(struct gf_tpl *t);

/* Appends the rendered text of t to out. Returns 0, GF_TPL_TAINTED, or -GF_E*
 * with err set (out then holds a partial result the caller may discard). */
int gf_tpl_render_compiled(const struct gf_tpl *t, const struct gf_tpl_scope *scope,
                           const struct gf_tpl_opts *opts, struct gf_buf *out,
                           struct gf_error *err);
/* Evaluates t with gf_tpl_eval_value's rules (for an expression compiled by
 * gf_tpl_compile_expr: its value). Returns 0 and *out (caller unrefs), or
 * -GF_E* with err set and *out NULL. */
int gf_tpl_eval_compiled(const struct gf_tpl *t, const struct gf_tpl_scope *scope,
                         const struct gf_tpl_opts *opts, struct gf_val **out,
                         struct gf_error *err);

/* A thread-safe store of compiled templates keyed by source and flags, for
 * playbook strings that every host renders. Templates stay until the cache
 * is freed. gf_tpl_cache_free is NULL-safe. */
struct gf_tpl_cache *gf_tpl_cache_new(void);
void gf_tpl_cache_free(struct gf_tpl_cache *c);
/* Returns 0 and *out (borrowed from the cache), or -GF_EPARSE with err. */
int gf_tpl_cache_get(struct gf_tpl_cache *c, const char *src, size_t len, int expr,
                     const struct gf_tpl_opts *opts, const struct gf_tpl **out,
                     struct gf_error *err);

/* ---- one-shot helpers (compiled through opts->cache when given) ---- */
/* Renders src into out (appended). Returns 0, GF_TPL_TAINTED or -GF_E*. */
int gf_tpl_render(const char *src, size_t len, const struct gf_tpl_scope *scope,
                  const struct gf_tpl_opts *opts, struct gf_buf *out, struct gf_error *err);
/* Templates a string variable value (see the header comment for the types).
 * Returns 0 and *out (caller unrefs; GF_VAL_UNSAFE set when it used unsafe
 * data), or -GF_E* with err set. */
int gf_tpl_eval_value(const char *src, size_t len, const struct gf_tpl_scope *scope,
                      const struct gf_tpl_opts *opts, struct gf_val **out,
                      struct gf_error *err);
/* Evaluates the bare expression src. Same contract as gf_tpl_eval_value. */
int gf_tpl_eval_expr(const char *src, size_t len, const struct gf_tpl_scope *scope,
                     const struct gf_tpl_opts *opts, struct gf_val **out,
                     struct gf_error *err);
/* Evaluates a when:-style condition as Ansible does: templates it first when
 * it holds "{{ }}" (a result that is not text decides by truthiness; text
 * from unsafe data is an error), then evaluates it as an expression.
 * Returns 0 with *result 0 or 1, or -GF_E* with err set. */
int gf_tpl_eval_cond(const char *src, size_t len, const struct gf_tpl_scope *scope,
                     const struct gf_tpl_opts *opts, int *result, struct gf_error *err);
/* Templates every string in v (lists and map values, recursively; keys are
 * not templated) with gf_tpl_eval_value's rules. Unsafe subtrees are kept as
 * they are. Returns 0 and *out (a new reference; v itself when nothing
 * needed templating), or -GF_E* with err set. */
int gf_tpl_template_val(const struct gf_val *v, const struct gf_tpl_scope *scope,
                        const struct gf_tpl_opts *opts, struct gf_val **out,
                        struct gf_error *err);

/* Calls fn for every variable the compiled template t reads from its scope
 * (pos: byte offset in the source), leaving out names it binds itself and
 * names guarded by "is defined", "is undefined", "is none" or "default". */
void gf_tpl_free_names(const struct gf_tpl *t,
                       void (*fn)(const char *name, size_t pos, void *ctx), void *ctx);

/* ---- lookup plugins (lookup.c) ---- */
/* Runs the lookup plugin name (short, "file", or FQCN,
 * "ansible.builtin.file") as Ansible's query() does: terms is the list of
 * positional terms (already templated; another value is listified as
 * Ansible's listify_lookup_plugin_terms: a dict stays whole for `dict`,
 * a scalar becomes a one-item list), kwargs a map of keyword arguments (may
 * be NULL); scope gives the variables a plugin reads: playbook_dir (the
 * base directory: relative paths, pipe's working directory) and
 * ansible_search_path (the role's path, then the task file's directory).
 * with_NAME loops pass kwargs {_subdir: "templates"|"vars"|"files"} for
 * with_first_found, as Ansible's executor picks it from the task's action
 * (an action containing "template", else "var", else files).
 * Returns 0 and *out, a new list with one element per result, every one
 * marked GF_VAL_UNSAFE as Ansible wraps lookup results; or -GF_E* with err
 * set: -GF_EFAIL for the plugin's own failures (what lookup()'s errors=
 * ignores), -GF_EUNSUPPORTED for an unknown plugin ("lookup plugin 'NAME'
 * is not supported") or option, -GF_EINVAL for bad terms or options. */
int gf_tpl_lookup(const char *name, const struct gf_val *terms, const struct gf_val *kwargs,
                  const struct gf_tpl_scope *scope, struct gf_val **out, struct gf_error *err);
/* The variables Ansible's generate_ansible_template_vars adds when it
 * renders a template file: template_host, template_path (path as the task
 * gave it), template_fullpath, template_destpath (dest, may be NULL),
 * template_uid and ansible_managed ("Ansible managed"); template_mtime and
 * template_run_date (Python datetimes) are left out, so a template using
 * them fails as undefined. Returns a new map. */
struct gf_val *gf_tpl_file_vars(const char *path, const char *fullpath, const char *dest);
/* 1 when gf_tpl_lookup knows the plugin name (static checks of with_NAME). */
int gf_tpl_lookup_known(const char *name);

/* The name of filter i, in table order (the core filters, then the network
 * ones), or NULL past the last; gf_tpl_test_name the same for tests. For
 * what lists them (gpuforge doc --compat). Static strings. */
const char *gf_tpl_filter_name(size_t i);
const char *gf_tpl_test_name(size_t i);

/* Frees the process-wide compiled-regex cache (at exit; optional). */
void gf_tpl_global_cleanup(void);

/* v as YAML, block style, as the to_nice_yaml filter writes it (indent 2). */
int gf_tpl_yaml_dump(const struct gf_val *v, struct gf_buf *b);

#endif

/*
 * inv-private.h - interfaces shared by the files of the inventory layer and
 * nobody else: the building blocks the INI and YAML parsers use to change an
 * inventory (with Ansible's InventoryData semantics), host names and ranges,
 * Python literals, the JSON-or-YAML data loader, and Python-compatible
 * character classes.
 */
#ifndef GF_INV_PRIVATE_H
#define GF_INV_PRIVATE_H

#include "inventory.h"

/* Most hosts one range expression may expand to (the fuzzers build with
 * a smaller one, so that an input stays quick to run). */
#ifndef INV_MAX_EXPANSION
#define INV_MAX_EXPANSION 1000000
#endif
/* Largest inventory or vars file read. */
#define INV_MAX_FILE (64u << 20)

/* group_vars/ and host_vars/ of one directory: an inventory source's or a
 * playbook directory's. Files are looked up lazily per group and host name,
 * as Ansible's host_group_vars plugin does. */
struct inv_vardir {
    char *dir;
    int play;                /* a playbook directory, not an inventory source's */
    int scanned;             /* group_vars/ and host_vars/ listed */
    int have[2];             /* [0] group_vars/, [1] host_vars/ exist as directories */
    struct gf_map names[2];  /* entries of those directories (values unused) */
    struct gf_map found[2];  /* name -> struct gf_val * (merged map) or NULL (no files) */
};

/* What a parser needs to know about the source it is reading. */
struct inv_src {
    struct gf_inventory *inv;
    const char *file;        /* path used in error messages */
    char *abs_file;          /* absolute path (inventory_file) */
    char *abs_dir;           /* its directory (inventory_dir) */
    struct gf_error *err;
};

/* ---- inventory.c: changing the inventory (Ansible's InventoryData) ---- */
/* Returns the group called name, made when new. */
struct gf_group *inv_group_add(struct gf_inventory *inv, const char *name);
/* Returns host `name`, made when new (a port > 0 then sets ansible_port),
 * and puts it in group g when g is not NULL. The caller checked the name. */
struct gf_host *inv_host_add(struct inv_src *src, const char *name, struct gf_group *g,
                             long long port);
/* Makes child a child group of parent (nothing when it already is).
 * Returns 0, or -1 with a malloc'd message in *msg for a cycle. */
int inv_child_add(struct gf_inventory *inv, struct gf_group *parent, struct gf_group *child,
                  char **msg);
/* Ansible's InventoryData.set_variable: `entity` names a group first, else
 * a host; takes the caller's reference to v. ansible_group_priority on a
 * group sets its priority. Returns 0, or -1 with a malloc'd *msg. */
int inv_set_var(struct gf_inventory *inv, const char *entity, const char *key, struct gf_val *v,
                char **msg);
/* Gives Ansible's warning about group names that are not valid variable
 * names, once per inventory. */
void inv_note_group_name(struct gf_inventory *inv, const char *name);
/* Fills out (calloc'd, caller frees) with the groups host h is in, directly
 * or through parents, "all" left out, in Ansible's variable order (depth,
 * ansible_group_priority, name); returns their number. */
size_t inv_host_groups(const struct gf_inventory *inv, const struct gf_host *h,
                       struct gf_group ***out);
/* Variables of group g as ansible-inventory shows them for a group:
 * inventory vars, group_vars files, ansible_group_priority when not 1.
 * Returns a new map (caller unrefs). */
struct gf_val *inv_group_view_vars(const struct gf_inventory *inv, const struct gf_group *g);

/* ---- names.c: host names, addresses and ranges ---- */
/* Rejects host names that are empty or hold `$ \ ; %`, quotes, backticks,
 * whitespace or control characters. Returns 0 or -GF_EPARSE. */
int inv_check_host_name(const char *name, const char *file, int line, int col,
                        struct gf_error *err);
/* The same rule for the values of ansible_host/ansible_user (and their
 * ansible_ssh_ aliases); other keys and non-strings pass. */
int inv_check_conn_var(const char *key, const struct gf_val *v, const char *file, int line,
                       int col, struct gf_error *err);
/* Ansible's parse_address: splits "host:port", "[v6]:port" and validates the
 * host part as an IPv4/IPv6 address or host name (ranges allowed when
 * allow_ranges). Returns 0 with *host (malloc'd) and *port (-1 when none),
 * or -1 when the text is not a valid address. */
int inv_parse_address(const char *s, int allow_ranges, char **host, long long *port);
/* Ansible's _expand_hostpattern: address and port, then ranges ("a[1:3]",
 * "[a:c]", strides, several ranges). Pushes malloc'd names onto names.
 * Returns 0, or -1 with a malloc'd message in *msg. */
int inv_expand_hosts(const char *pattern, struct gf_vec *names, long long *port, char **msg);
/* 1 when name looks like an IPv4 or IPv6 address (Ansible's regexes). */
int inv_is_ip(const char *name);
/* Python's int(s) for text: whitespace, sign, digits with single '_'
 * between them. Returns 0, or -1 when s is not such a number or does not
 * fit in 64 bits. */
int inv_py_int(const char *s, long long *out);

/* ---- pylit.c: INI values through Python's ast.literal_eval ---- */
/* Parses s as ast.literal_eval would. Returns 1 with *out set when s is a
 * literal, 0 when it is not (the caller keeps the text as a string), or -1
 * with a malloc'd message in *msg for literals gpuforge cannot hold (sets,
 * complex numbers, unhashable keys, ...). */
int inv_pylit(const char *s, struct gf_val **out, char **msg);

/* ---- datafile.c: YAML and JSON data as Ansible's DataLoader reads it ---- */
/* Reads a whole file with a size cap. Returns 0 or -GF_EIO (err set). */
int inv_read(const char *path, struct gf_buf *b, struct gf_error *err);
/* Checks UTF-8 and returns 0, or -GF_EPARSE pointing at the bad byte. */
int inv_check_utf8(const char *data, size_t len, const char *file, struct gf_error *err);
/* Loads data as JSON when Python's json.loads accepts it, else as YAML.
 * *out may be NULL (empty document). Returns 0 or -GF_E*. */
int inv_load_data(const char *data, size_t len, const char *file, struct gf_val **out,
                  struct gf_error *err);
/* Finds the line and column of the mapping key at path (keys from the
 * root) by rereading the YAML/JSON text; for error messages. Sets the
 * deepest key found; returns the number of path components matched. */
size_t inv_key_pos(const char *data, size_t len, const char *const *path, size_t n, int *line,
                   int *col);

/* ---- ini.c, yaml-inv.c: the two source formats ---- */
int inv_parse_ini(struct inv_src *src, const char *data, size_t len);
/* root: the loaded document (a non-empty map without a "plugin" key). */
int inv_parse_yaml(struct inv_src *src, const struct gf_val *root, const char *data, size_t len);

/* ---- Python's character classes over UTF-8 ---- */
/* Decodes one UTF-8 sequence at s (valid UTF-8 assumed); returns its length. */
size_t inv_utf8_next(const char *s, unsigned *cp);
/* str.isspace() */
int inv_py_space(unsigned cp);
/* str.strip() on the n bytes at s: returns the stripped length, its
 * offset in *start. */
size_t inv_py_strip(const char *s, size_t n, size_t *start);
/* Characters from a to b (exclusive) as a column count. */
int inv_cols(const char *a, const char *b);

#endif

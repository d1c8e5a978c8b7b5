/*
 * inventory.h - the inventory layer's interface: Ansible-compatible INI and
 * YAML inventories (files, directories, several sources), group_vars/ and
 * host_vars/, variable precedence, host patterns, and the output of
 * `gpuforge inventory --list/--graph/--host` in ansible-inventory's format.
 */
#ifndef GF_INVENTORY_H
#define GF_INVENTORY_H

#include "../core/core.h"

struct gf_group;

struct gf_host {
    char *name;
    size_t index;           /* position in inventory order (first seen) */
    struct gf_val *vars;    /* map: the host's own inventory vars (inline + YAML) */
    struct gf_vec groups;   /* struct gf_group *: groups the host is directly in */
    char *src_dir;          /* directory of the source that defined the host (inventory_dir) */
    char *src_file;         /* absolute path of that source (inventory_file); NULL for "a,b," */
    struct gf_vec var_groups; /* private: the groups Ansible keeps for the host's variables
                               * when they differ from its memberships (set only when
                               * "ungrouped" is made a child group); includes "all" */
};

struct gf_group {
    char *name;
    struct gf_val *vars;    /* map: [g:vars] / YAML vars */
    struct gf_vec hosts;    /* struct gf_host *, direct members in order */
    struct gf_vec children; /* struct gf_group * */
    struct gf_vec parents;  /* struct gf_group * */
    int priority;           /* ansible_group_priority */
    int depth;              /* longest path from "all" (Ansible's group depth) */
    size_t index;           /* position in creation order (inv->groups order) */
    unsigned flags;         /* private to engine/inventory/ */
};

struct gf_inventory {
    struct gf_map hosts;    /* name -> struct gf_host * */
    struct gf_vec order;    /* struct gf_host *, inventory order */
    struct gf_map groups;   /* name -> struct gf_group * ("all", "ungrouped" always exist) */
    struct gf_vec sources;  /* char *: source paths loaded, in order */
    struct gf_vec var_dirs; /* char *: directories searched for group_vars/ and host_vars/ */
    struct gf_map file_group_vars; /* group name -> map from group_vars files (merged in the
                                    * order the directories were added) */
    struct gf_map file_host_vars;  /* host name -> map from host_vars files (merged) */
    int play_vars_in_groups; /* --playbook-dir given: its group_vars show in group views */
    /* private to engine/inventory/: */
    struct gf_vec vardirs;       /* struct inv_vardir *: per -i source and playbook dir, in order */
    struct gf_vec ungrouped_src; /* struct gf_host *: hosts the sources put in "ungrouped" */
    size_t all_src_children;     /* all->children[0..n) come from sources, the rest are implicit */
    size_t ungrouped_src_children;
    unsigned warned;             /* warnings already given once */
};

/* Returns a new, empty inventory with the groups "all" and "ungrouped".
 * Free with gf_inventory_free. */
struct gf_inventory *gf_inventory_new(void);
void gf_inventory_free(struct gf_inventory *inv);

/* Loads one -i source: an INI or YAML file (detected by content), a
 * directory of them (Ansible's rules for which files are ignored), or a
 * comma-separated host list ("a,b,"). group_vars/ and host_vars/ beside the
 * source are loaded too. May be called once per -i, in order.
 * Returns 0 or -GF_E*; err says file:line:col and nothing is kept half-done
 * in a way that matters (the caller stops on error). */
int gf_inventory_load(struct gf_inventory *inv, const char *source, struct gf_error *err);

/* Loads group_vars/ and host_vars/ of an extra directory (the playbook's
 * directory; ansible-inventory uses the working directory when none is
 * given). They rank above those beside the inventory sources, at each
 * level (all, groups, host). Returns 0 or -GF_E*. */
int gf_inventory_load_var_dir(struct gf_inventory *inv, const char *dir, struct gf_error *err);

struct gf_host *gf_inventory_host(const struct gf_inventory *inv, const char *name);
struct gf_group *gf_inventory_group(const struct gf_inventory *inv, const char *name);

/* Returns a new map (caller unrefs) of the host's variables with Ansible's
 * precedence: group vars (all < parents < children, by depth, then
 * ansible_group_priority, then name) from the inventory and group_vars
 * files (per source directory, then the playbook directory), then host
 * vars from the inventory and host_vars files; plus inventory_file,
 * inventory_dir, inventory_hostname, inventory_hostname_short and
 * group_names when `magic` is non-zero (not part of --list output). */
struct gf_val *gf_inventory_host_vars(const struct gf_inventory *inv, const struct gf_host *h,
                                      int magic);

/* Resolves an Ansible host pattern ("all", "*", names, groups, globs,
 * "a:b", "a,b", "a:&b", "a:!b", "~regex", "@retryfile", "g[0:2]", "g[-1]")
 * into hosts without duplicates, in Ansible's order: terms in the order
 * given (union, then '&' terms, then '!' terms), a group's hosts group by
 * group breadth first from it, hosts in inventory order. An empty result is
 * not an error (the caller warns as Ansible does). Returns 0 or -GF_E*
 * (bad regex, unreadable @file, a subscript out of range as in Ansible).
 * Hosts are appended to `out` (struct gf_host *, borrowed); err may be
 * NULL. Reads the inventory only: safe from several threads. */
int gf_inventory_match(const struct gf_inventory *inv, const char *pattern, struct gf_vec *out,
                       struct gf_error *err);

/* `ansible-inventory --list` JSON document (byte-identical), into b. */
void gf_inventory_list_json(const struct gf_inventory *inv, struct gf_buf *b);
/* `ansible-inventory --graph [GROUP]` (NULL: all), with --vars when
 * show_vars. Returns 0, or -GF_ENOTFOUND for an unknown group. */
int gf_inventory_graph(const struct gf_inventory *inv, const char *group, int show_vars,
                       struct gf_buf *b, struct gf_error *err);
/* `ansible-inventory --host H` JSON document; H is a pattern that must
 * select exactly one host. Returns 0, -GF_ENOTFOUND (no host) or -GF_EINVAL. */
int gf_inventory_host_json(const struct gf_inventory *inv, const char *host, struct gf_buf *b,
                           struct gf_error *err);

#endif

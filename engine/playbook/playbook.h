/*
 * playbook.h - the playbook layer's interface: plays, tasks, blocks and
 * roles as loaded from Ansible-syntax YAML (every error as file:line:col
 * before anything runs), and the executor that runs them over the
 * inventory's hosts with the linear strategy, Ansible's variable precedence
 * and Ansible's output (task lines and PLAY RECAP).
 *
 * Loading resolves everything static: import_playbook, import_tasks,
 * import_role, roles: and role dependencies are expanded in place; blocks,
 * include_tasks and include_role keep their children. What a block or an
 * import gives its children (when, tags, become, vars, ignore_errors, ...)
 * is pushed down into each child at load time, so the executor reads one
 * task at a time.
 */
#ifndef GF_PLAYBOOK_H
#define GF_PLAYBOOK_H

#include "../core/core.h"
#include "../exec/exec.h"
#include "../inventory/inventory.h"
#include "../modules/module.h"
#include "../template/template.h"

enum gf_task_kind {
    GF_TASK_MODULE,
    GF_TASK_BLOCK,   /* block/rescue/always */
    GF_TASK_INCLUDE, /* include_tasks / include_role: children run when its own when holds */
    GF_TASK_META,    /* meta: flush_handlers, noop, end_play, end_host, clear_host_errors */
};

struct gf_role;

struct gf_task {
    enum gf_task_kind kind;
    const struct gf_task *late_of; /* a handler an include_role brings: that task (the
                                    * handler exists once it has run), or NULL */
    char *name;                  /* as written (templated at run time), or NULL */
    char *action;                /* module name as written ("ansible.builtin.copy") */
    const struct gf_module *module;
    struct gf_val *args;         /* map, not templated yet */
    struct gf_val *when;         /* list of conditions: inherited ones first */
    int own_when;                /* the last own_when entries of when are this task's */
    struct gf_val *loop;         /* list, or a string to template; NULL */
    int loop_flatten;            /* with_items: flatten one level */
    char *loop_lookup;           /* with_NAME: the lookup plugin NAME; loop holds its terms */
    char *loop_var;              /* "item" */
    char *index_var;             /* loop_control.index_var or NULL */
    struct gf_val *loop_label;   /* loop_control.label or NULL */
    char *register_var;
    struct gf_vec notify;        /* char * */
    struct gf_vec listen;        /* char *, handlers only */
    struct gf_vec tags;          /* char *, own and inherited */
    int become;                  /* -1: inherit from the play */
    char *become_user;           /* NULL: inherit */
    int ignore_errors;
    int ignore_unreachable;
    struct gf_val *changed_when; /* list of conditions or NULL */
    struct gf_val *failed_when;  /* list of conditions or NULL */
    struct gf_val *until;        /* list of conditions or NULL */
    int retries, delay;
    struct gf_val *retries_tpl, *delay_tpl; /* templated retries/delay, or NULL */
    char *delegate_to;
    char *remote_user;           /* the SSH user unless the inventory names one; templated */
    int async, poll;             /* async: seconds (0: not async); poll: seconds, 0 = later */
    int run_once;
    int no_log;
    int check_mode;              /* -1 inherit, 0 no, 1 yes */
    int diff;                    /* -1 inherit, 0 no, 1 yes */
    int any_errors_fatal;        /* -1 inherit */
    struct gf_val *environment;  /* map; a list of maps and templates giving maps (merged
                                  * in order) once one is a template; or NULL */
    struct gf_val *kw_tpl;       /* map: keywords given as templates (become, ignore_errors,
                                  * check_mode, ...), own or inherited, evaluated per host
                                  * when the task runs; the int field is then unused. NULL */
    struct gf_val *vars;         /* block, include and task vars merged (map) or NULL */
    char *meta;                  /* GF_TASK_META: the action; GF_TASK_INCLUDE: what
                                  * "included:" names (NULL: loaded per host) */
    struct gf_val *include;      /* import/include: its options (file or name, tasks_from,
                                  * apply, ...) as written */
    int include_late;            /* GF_TASK_INCLUDE: the name is a template, loaded per host
                                  * when it runs (gf_playbook_load_include); block empty */
    struct gf_vec block, rescue, always; /* struct gf_task *: BLOCK (block) and INCLUDE */
    struct gf_role *role;        /* the role the task comes from, or NULL */
    int handler;                 /* a handler, or a task a handler includes: tags do not
                                  * select it */
    char *dir;                   /* directory of the task's file (relative file lookups) */
    char *file;
    int line, col;
};

struct gf_role {
    char *name;                  /* as Ansible shows it: "prereq", "gpuforge.cluster.prereq" */
    const char *short_name;      /* role_name: name without its collection (points into name) */
    char *collection;            /* "gpuforge.cluster" for a collection's role, or NULL */
    char *path;
    struct gf_val *defaults;     /* map */
    struct gf_val *vars;         /* map */
    struct gf_val *params;       /* map of role parameters, or NULL */
};

struct gf_play {
    char *name;
    char *hosts;
    struct gf_val *vars;         /* vars and vars_files, merged */
    int become;                  /* -1 unset */
    char *become_user;
    char *remote_user;           /* or NULL; the tasks inherit it */
    int gather_facts;            /* -1 unset, 0 no, 1 yes */
    struct gf_val *serial;       /* list of ints and "N%" strings; NULL: all at once */
    int max_fail_percentage;     /* -1: unset */
    int any_errors_fatal;
    int strategy_free;
    int check_mode, diff;        /* -1 unset */
    struct gf_val *environment;  /* as gf_task's */
    struct gf_vec sections[3];   /* pre_tasks; roles then tasks; post_tasks */
    struct gf_vec handlers;      /* struct gf_task * (roles' handlers included) */
    struct gf_vec roles;         /* struct gf_role *, in order (defaults/vars) */
    struct gf_val *role_defaults, *role_vars; /* all roles' maps merged in order */
    char *file;
    int line, col;
};

/* What an include with a templated name loaded for one name (load.c). */
struct late {
    struct gf_vec tasks;         /* struct gf_task *, owned by the playbook's tasks */
    char *shown;                 /* what "included: ..." names */
};

struct gf_playbook {
    char *path;
    char *dir;                   /* playbook_dir */
    struct gf_vec plays;         /* struct gf_play * */
    struct gf_vec roles;         /* struct gf_role *, owned */
    struct gf_vec tasks;         /* struct gf_task *, every task, owned */
    struct gf_vec files;         /* char *, every file read, for --list-files */
    struct gf_map late;          /* "TASK\nNAME" -> struct late *: includes loaded while
                                  * running (gf_playbook_load_include) */
    struct gf_tpl_cache *cache;
};

/* The keywords of plays, blocks, tasks, handlers and role references: one
 * table (load.c) the loader parses by and `gpuforge doc --compat` prints.
 * where says where Ansible takes a keyword, refused where gpuforge refuses
 * it (a subset of where), with why. */
enum {
    GF_KW_PLAY = 1 << 0,
    GF_KW_BLOCK = 1 << 1,
    GF_KW_TASK = 1 << 2,
    GF_KW_HANDLER = 1 << 3,
    GF_KW_ROLE = 1 << 4,         /* on a role reference (roles:, dependencies:) */
    GF_KW_INCLUDE = 1 << 5,      /* on include_tasks and include_role */
};

struct gf_keyword {
    const char *name;            /* "with_" stands for every with_<lookup> */
    unsigned where;              /* GF_KW_* */
    unsigned refused;            /* GF_KW_*: where gpuforge refuses it */
    int op;                      /* how load.c parses it */
    const char *doc;             /* what gpuforge does with it, or why it refuses it */
};

/* The table, ended by a NULL name; and the entry for k (a with_<lookup>
 * gets the "with_" entry), or NULL when k is no keyword anywhere. */
extern const struct gf_keyword gf_keywords[];
const struct gf_keyword *gf_keyword_find(const char *k);

/* Where the shipped roles are: DIR/roles or DIR/../share/gpuforge/roles,
 * DIR being the executable's directory. They are the collection
 * gpuforge.cluster and are reached only by that name
 * (gpuforge.cluster.prereq), or by a bare name from one of their own
 * roles or from a play whose collections: keyword names gpuforge.cluster,
 * as in Ansible; never by a bare role name otherwise. */
void gf_playbook_set_exe_dir(const char *dir);
/* The user's roles path (ansible.cfg's roles_path or ANSIBLE_ROLES_PATH,
 * resolved; copied). A bare role name is looked for in PLAYBOOK_DIR/roles,
 * GPUFORGE_ROLES_PATH, these directories, the depending role's own
 * directory (dependencies), then PLAYBOOK_DIR, as Ansible does. Without a
 * call, ANSIBLE_ROLES_PATH is read. */
void gf_playbook_set_roles_path(const struct gf_vec *dirs);
/* Whether name is "ROLE : NAME" for task t of a role, ROLE being the
 * role's full or short name (how notify reaches a role's handler). */
int gf_task_role_named(const struct gf_task *t, const char *name);

/* Loads a playbook (imports followed, roles resolved). extra_vars (may be
 * NULL) are visible to templated import paths. Returns 0 and *out
 * (gf_playbook_free), or -GF_EPARSE/-GF_EINVAL with err at file:line:col;
 * nothing has run. */
int gf_playbook_load(const char *path, const struct gf_val *extra_vars, struct gf_playbook **out,
                     struct gf_error *err);
void gf_playbook_free(struct gf_playbook *pb);

/* The files of a vars directory (path) as Ansible's _get_dir_vars_files:
 * sorted by name, sub-directories recursively, hidden and backup (~) files
 * left out, only .yml, .yaml, .json or no extension. Appends malloc'd paths
 * to out. */
void gf_playbook_vars_files(const char *path, struct gf_vec *out);

/* The file the condition cond of t's `when` is written in: t's for its own,
 * else that of the block, include or role reference (a dependency's, in
 * meta/main.yml) that gave it. Searches every task: for error messages. */
const char *gf_task_cond_file(const struct gf_playbook *pb, const struct gf_task *t,
                              const struct gf_val *cond);

/* Loads, while the playbook runs, what the include task t (include_late)
 * names once its options are templated (opts: t->include templated; name:
 * its file or name): a task file (found as an import's) or a role, with
 * the include's keywords and apply: pushed down. Loaded once per task, name
 * and tasks_from; safe to call from several threads. Returns 0 with *tasks
 * and *shown (what "included:" names; both owned by pb), or -GF_E* with err
 * at the include. */
int gf_playbook_load_include(struct gf_playbook *pb, struct gf_play *play,
                             const struct gf_task *t, const char *name,
                             const struct gf_val *opts, const struct gf_vec **tasks,
                             char **shown, struct gf_error *err);

/* Static checks done before anything runs, needing the inventory: module
 * arguments that are not templated are validated against the module's
 * table; variables that no source can define are reported. Returns 0 or
 * -GF_E* with err at file:line:col. */
int gf_playbook_check(struct gf_playbook *pb, struct gf_inventory *inv,
                      const struct gf_val *extra_vars, struct gf_error *err);

struct gf_report;

struct gf_run_opts {
    struct gf_exec_opts *exec;
    struct gf_val *extra_vars;   /* map or NULL */
    const char *limit;
    struct gf_vec tags, skip_tags; /* char * */
    int check, diff;
    int list_hosts, list_tasks, list_tags;
    const char *start_at_task;
    int step;
    int json;                    /* one JSON event per line instead of text */
    const char *retry_file;      /* write failed/unreachable hosts here, or NULL */
    struct gf_report *report;    /* --report: keep every event here too, or NULL */
    int no_progress;             /* --no-progress: no status line even on a terminal */
    int gathering;               /* ansible.cfg's gathering: 0 implicit, 1 explicit, 2 smart */
};

/* Runs the plays. Returns an exit code: 0 ok, 2 a task failed, 3 a host
 * unreachable, 4 an error in the input found while running. */
int gf_playbook_run(struct gf_playbook *pb, struct gf_inventory *inv,
                    const struct gf_run_opts *opts);

#endif

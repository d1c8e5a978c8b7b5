/*
 * playbook.h - the playbook layer's interface: plays, tasks, blocks and
 * roles as loaded from Ansible-syntax YAML (every error as file:line:col
 * before anything runs), and the executor that runs them over the
 * inventory's hosts with the linear strategy, Ansible's variable precedence
 * and Ansible's output (task lines and PLAY RECAP).
 *
 * STATUS: design only. gf_playbook_load and gf_playbook_run are not
 * implemented yet; `gpuforge run` refuses with "not implemented yet".
 */
#ifndef GF_PLAYBOOK_H
#define GF_PLAYBOOK_H

#include "../core/core.h"
#include "../exec/exec.h"
#include "../inventory/inventory.h"
#include "../modules/module.h"
#include "template.h"

enum gf_task_kind {
    GF_TASK_MODULE,
    GF_TASK_BLOCK,
    GF_TASK_FLUSH_HANDLERS, /* meta: flush_handlers */
};

struct gf_role;

struct gf_task {
    enum gf_task_kind kind;
    char *name;                  /* NULL: the module's name is shown */
    const struct gf_module *module;
    struct gf_val *args;         /* map, not templated yet */
    struct gf_val *when;         /* list of conditions (own and inherited) */
    struct gf_val *loop;         /* list or string to template; NULL */
    char *loop_var;              /* "item" */
    struct gf_val *loop_label;   /* loop_control.label or NULL */
    char *register_var;
    struct gf_vec notify;        /* char * */
    struct gf_vec listen;        /* char *, handlers only */
    struct gf_vec tags;          /* char *, own and inherited */
    int become;                  /* -1: inherit from the play */
    char *become_user;
    int ignore_errors;
    int ignore_unreachable;
    struct gf_val *changed_when; /* list of conditions or NULL */
    struct gf_val *failed_when;  /* list of conditions or NULL */
    struct gf_val *until;        /* list of conditions or NULL */
    int retries, delay;
    char *delegate_to;
    int run_once;
    int no_log;
    int check_mode;              /* -1 inherit, 0 no, 1 yes */
    struct gf_val *environment;  /* map or NULL */
    struct gf_val *vars;         /* block and task vars merged (map) */
    struct gf_vec block, rescue, always; /* struct gf_task *, for blocks */
    struct gf_role *role;
    char *file;
    int line, col;
};

struct gf_role {
    char *name;
    char *path;
    struct gf_val *defaults;     /* map */
    struct gf_val *vars;         /* map */
    struct gf_vec tasks;         /* struct gf_task * */
    struct gf_vec handlers;      /* struct gf_task * */
};

struct gf_play {
    char *name;
    char *hosts;
    struct gf_val *vars;         /* vars and vars_files, merged */
    int become;
    char *become_user;
    int gather_facts;
    struct gf_val *serial;       /* int, "30%" or a list of them; NULL: all */
    int max_fail_percentage;     /* -1: unset */
    int any_errors_fatal;
    int strategy_free;
    struct gf_val *environment;
    struct gf_vec sections[3];   /* pre_tasks; roles then tasks; post_tasks */
    struct gf_vec handlers;      /* struct gf_task * (roles' handlers included) */
    struct gf_vec roles;         /* struct gf_role *, in order (defaults/vars) */
    char *file;
    int line, col;
};

struct gf_playbook {
    char *path;
    char *dir;                   /* playbook_dir */
    struct gf_vec plays;         /* struct gf_play * */
    struct gf_vec roles;         /* struct gf_role *, owned */
};

/* Loads a playbook (imports followed, roles resolved in DIR/roles and the
 * shipped roles/ directory). Returns 0 and *out (gf_playbook_free), or
 * -GF_EPARSE with err at file:line:col; nothing has run. */
int gf_playbook_load(const char *path, struct gf_playbook **out, struct gf_error *err);
void gf_playbook_free(struct gf_playbook *pb);

struct gf_run_opts {
    struct gf_exec_opts *exec;
    struct gf_val *extra_vars;   /* map or NULL */
    const char *limit;
    struct gf_vec tags, skip_tags; /* char * */
    int check, diff;
    int list_hosts, list_tasks, syntax_check;
    const char *start_at_task;
    int json;                    /* one JSON event per line instead of text */
    const char *retry_file;      /* write failed/unreachable hosts here, or NULL */
};

/* Runs the plays. Returns an exit code: 0 ok, 2 a task failed, 3 a host
 * unreachable, 4 an error in the input found while running. */
int gf_playbook_run(struct gf_playbook *pb, struct gf_inventory *inv,
                    const struct gf_run_opts *opts);

#endif

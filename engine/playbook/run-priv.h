/*
 * run-priv.h - internals shared by the executor's files: run.c (one task on
 * one host, variables), play.c (plays, batches, blocks, handlers, the
 * barrier between tasks) and output.c (Ansible's text output and the JSON
 * event stream).
 */
#ifndef GF_RUN_PRIV_H
#define GF_RUN_PRIV_H

#include <pthread.h>

#include "playbook.h"

/* What one host did with one task, applied at the barrier. */
struct outcome {
    enum gf_status status;   /* OK, FAILED or UNREACHABLE */
    int changed, skipped, looped;
    int ignored;             /* failed, but ignore_errors */
    int ignored_unreachable;
    struct gf_val *result;   /* the result dict (register) */
    struct gf_val *set_facts; /* set_fact: map */
    struct gf_val *include_vars; /* include_vars: map */
    struct gf_val *facts;    /* ansible_facts from other modules: map */
    char *delegated;         /* delegate_to host, for display */
};

struct stats {
    size_t ok, changed, unreachable, failed, skipped, rescued, ignored;
};

/* A host as the run sees it, across plays. */
struct hstate {
    struct gf_host *host;
    struct gf_target target;
    int target_ok;
    char *target_err;
    int inv_user;                /* the inventory names the SSH user: remote_user is ignored */
    char *base_user;             /* the SSH user without remote_user */
    struct gf_session *sess;     /* opened on first use */
    pthread_mutex_t lock;        /* held while a module uses sess */
    struct gf_val *homes;        /* map: "~user" -> the node's answer (under lock) */
    struct gf_val *inv_vars;     /* inventory variables with magic ones */
    struct gf_val *facts;        /* map: ansible_* facts */
    struct gf_val *ansible_facts; /* the same without the prefix */
    struct gf_val *hvars;        /* map: set_fact and register */
    struct gf_val *ivars;        /* map: include_vars (below hvars, above task vars) */
    struct gf_val *incvars;      /* map: the loop variables of the includes being run */
    int unreachable;             /* out of the run */
    int failed;                  /* out of the run (until clear_host_errors) */
    int ended;                   /* meta: end_host, for this play */
    int in_play;                 /* in the current batch */
    int seen;                    /* was in some play: shown in the recap */
    int gathered;                /* setup ran: gathering = smart skips the host */
    struct stats st;
    struct gf_vec notified;      /* struct gf_task *: handlers to run */
    struct outcome out;          /* the current task's */
    long long task_start_ms;     /* when the current task began on it (event time) */
};

/* What every host's thread shares under the free strategy (one per run). */
struct shared {
    pthread_mutex_t lock;        /* host state that other hosts read (hostvars) */
    struct gf_val *hostvars;
    struct gf_vec old_hostvars;  /* earlier builds, still possibly borrowed */
    unsigned gen, hv_gen;        /* state changes / the state hostvars was built from */
};

struct run {
    const struct gf_run_opts *o;
    struct gf_playbook *pb;
    struct gf_inventory *inv;
    struct hstate *hs;           /* indexed like inv->order */
    size_t nhs;
    struct gf_play *play;
    struct gf_val *magic;        /* groups, play_hosts, ansible_check_mode, omit, ... */
    struct shared *sh;
    int end_play;                /* meta: end_play or any_errors_fatal */
    int step_all;                /* --step answered "c" */
    int started;                 /* --start-at-task found */
    int abort;                   /* a play's hosts could not be templated: stop */
    struct gf_vec roles_in;      /* const struct gf_task *: include_role tasks that ran
                                  * (their handlers exist from then on), under sh->lock */
    int break_play;              /* any_errors_fatal or max_fail_percentage tripped */
    int stop;                    /* no more plays (Ansible's break_play): above, or a
                                  * batch whose every host failed */
    struct gf_map warned;        /* host pattern terms already warned about */
    const struct gf_task *facts_task; /* the batch's fact gathering, or NULL */
    struct gf_vec batch;         /* struct hstate *: the current batch */
    size_t batch_failed_base;
    int64_t t0;                  /* when the run began (gf_now_ms), for event times */
    struct progress *progress;   /* the status line on a terminal, or NULL */
};

/* A host and task's variable scope (run.c). */
struct vctx {
    struct run *r;
    struct hstate *h;
    const struct gf_task *t;
    struct gf_val *loopvars;     /* item, index_var */
    struct gf_val *regtmp;       /* register name -> this result (changed_when, until) */
    struct gf_val *loopfacts;    /* a loop's earlier items: their set_fact / include_vars
                                  * facts and registered result, seen by the later items */
    struct gf_val *role_path, *role_name, *ansible_role_name;
    struct gf_val *search_path;  /* ansible_search_path, built on first use */
    struct gf_tpl_scope scope;
};
void vctx_init(struct vctx *v, struct run *r, struct hstate *h, const struct gf_task *t);
void vctx_release(struct vctx *v);
/* Sets the loop variables of v's task (loop_var, index_var) to item i. */
void vctx_set_item(struct vctx *v, struct gf_val *item, size_t i);
/* The task's `when` in v's scope (loop variables included). Returns 0 with
 * *ok, or -GF_E* with err. */
int vctx_when(struct vctx *v, int *ok, struct gf_error *err);
/* The task's loop items, templated (with_NAME through its lookup). Returns
 * 0 with *items (a list; caller unrefs), or -GF_E* with err. */
int run_loop_items(struct vctx *v, struct gf_val **items, struct gf_error *err);
int tpl_val(struct vctx *v, const struct gf_val *x, struct gf_val **out, struct gf_error *err);
struct gf_val *run_hostvars(struct run *r);
/* Host state changed: hostvars must be rebuilt. */
void run_changed(struct run *r);
struct hstate *run_host_by_name(struct run *r, const char *name);
int task_check_mode(const struct run *r, const struct gf_task *t);
/* A boolean keyword of the task for the scope's host: its template (from
 * t->kw_tpl) evaluated, or def when it was not given as one. Returns 0 with
 * *out, or -GF_E* with err at the keyword. run_kw: the same for host h. */
int task_kw(struct vctx *v, const char *key, int def, int *out, struct gf_error *err);
int run_kw(struct run *r, struct hstate *h, const struct gf_task *t, const char *key, int def,
           int *out, struct gf_error *err);
void run_task_host(struct run *r, const struct gf_task *t, struct hstate *h);
/* Evaluates t's when conditions for h (all must hold). Returns 0 with *ok,
 * or -GF_E* with err. */
int run_when(struct run *r, struct hstate *h, const struct gf_task *t, int *ok,
             struct gf_error *err);

/* output.c */
void out_play(struct run *r, const char *name);
void out_task(struct run *r, const struct gf_task *t, const char *kind, struct hstate *h);
/* Live progress on a terminal (progress.c): started and stopped around the
 * plays; out_task announces each task, run_task_host each host's start and
 * out_result its end. All no-ops when progress is off. */
enum { PROGRESS_RUNNING, PROGRESS_DONE, PROGRESS_FAILED };
int progress_wanted(const struct gf_run_opts *o);
void progress_start(struct run *r);
void progress_stop(struct run *r);
void progress_task(struct run *r, const char *name, size_t hosts);
void progress_host(struct run *r, const struct hstate *h, int state);
/* Milliseconds since the run (or its report) began: the events' clock. */
long long out_time_ms(const struct run *r);
void out_result(struct run *r, struct hstate *h, const struct gf_task *t,
                const struct outcome *o);
void out_item(struct run *r, struct hstate *h, const struct gf_task *t, const char *delegated,
              const struct gf_val *label, const struct gf_val *ir, enum gf_status st,
              int skipped, int changed);
void out_retry(struct run *r, struct hstate *h, const struct gf_task *t, int attempt, int max);
void out_line(struct run *r, const char *fmt, ...) GF_PRINTF(2, 3);
void out_warn(struct run *r, const char *fmt, ...) GF_PRINTF(2, 3);
void out_recap(struct run *r);
/* "included: FILE for HOSTS", with " => (item=LABEL)" for a loop's item
 * (label NULL: none). */
void out_included(struct run *r, const struct gf_task *t, const char *file,
                  const struct gf_vec *hosts, const struct gf_val *label);
void out_skip_host(struct run *r, struct hstate *h, const struct gf_task *t);
/* The name shown for a task: "role : name", templated when it can be. */
char *task_display_name(struct run *r, const struct gf_task *t, struct hstate *h);

#endif

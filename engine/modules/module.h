/*
 * module.h - the module layer's interface. One file per module, each
 * exporting a `const struct gf_module` with a parameter table; the engine
 * validates parameters from the table (unknown, missing, wrong type) before
 * run() is called, and resolves FQCN aliases (ansible.builtin.copy) through
 * the same table. Modules run entirely on the controller and reach the node
 * only through short shell commands on the host's persistent session.
 * The playbook executor (engine/playbook/run.c) calls run() for each host
 * of a task, `gpuforge exec -m` for an ad-hoc one. A module's node-side
 * shell lives in engine/modules/sh/ (nodesh.h); what it prints back is the
 * tag protocol of docs/internals/node-protocol.md.
 *
 * Threads. The executor runs a task on many hosts at once (gf_parallel,
 * up to --forks threads), so run() is called concurrently, each call with
 * its own gf_modctx, arguments, result and facts_out; a session is used by
 * one thread at a time (exec.h). The scope a module reads is not written
 * while the task runs, and the template cache (tpl_cache) and the
 * templates' regex cache lock for themselves. A module keeps no mutable
 * static state: what must outlive one call or be shared between hosts is
 * behind a lock (wait_for_connection's, the bundle push's cache of
 * verified bundles) or per thread (_Thread_local).
 */
#ifndef GF_MODULE_H
#define GF_MODULE_H

#include "../core/core.h"
#include "../exec/exec.h"
#include "../template/template.h"

enum gf_ptype {
    GF_P_STR,
    GF_P_BOOL,
    GF_P_INT,
    GF_P_LIST,  /* a list, or a comma-separated string */
    GF_P_DICT,
    GF_P_RAW,   /* any value */
    GF_P_PATH,  /* a path on the node: ~ expanded there (gf_module_expand_paths) */
    GF_P_CPATH, /* a path on the controller: ~ expanded there; on the node when
                 * the task sets remote_src */
    GF_P_MODE,  /* octal string or int, or symbolic (u+x): kept as text */
};

struct gf_param {
    const char *name;
    enum gf_ptype type;
    int required;
    const char *aliases;   /* comma-separated, or NULL */
    const char *choices;   /* comma-separated, or NULL */
};

/* What a module reports, Ansible's result dictionary plus flags. */
struct gf_modres {
    int changed;
    int failed;
    int skipped;
    struct gf_val *data;   /* map: module-specific keys (rc, stdout, msg, ...) */
    struct gf_buf diff;    /* unified-style diff text when diff mode is on */
};

/* Everything a module may use. */
struct gf_modctx {
    const char *host;              /* inventory_hostname */
    struct gf_session *session;    /* the host's session (NULL for controller-only modules) */
    const struct gf_target *target;
    int become;                    /* this task runs with sudo */
    int check;                     /* --check: change nothing on the node */
    int diff;                      /* --diff */
    const struct gf_tpl_scope *scope; /* variables, for template */
    struct gf_tpl_cache *tpl_cache;
    const char *search_dirs[4];    /* for src: role files/templates, playbook dir; NULL-ended */
    const char *file;              /* task position, for errors */
    int line, col;
    struct gf_val *facts_out;      /* map: set_fact / setup put facts here (per host) */
    const char *become_user;       /* sudo to this user (NULL: the target's, else root) */
    const char *env;               /* shell text ("export K='v'; ") run before each command */
    const struct gf_exec_opts *opts; /* the run's connection settings (reconnects) */
    int64_t deadline_ms;           /* async task: gf_mod_sh kills its commands at this
                                    * gf_now_ms() time; 0: none */
    /* A module that must reconnect (reboot) replaces session with the new
     * one; the caller then closes the old one and keeps the new. */
};

struct gf_module {
    const char *name;              /* "copy" */
    const char *const *aliases;    /* NULL-ended, e.g. {"ansible.builtin.copy", NULL} */
    const struct gf_param *params; /* ends with a zeroed entry */
    const char *free_form;         /* name of the parameter a "k=v" string's free text goes to */
    int controller_only;           /* debug, set_fact, assert, fail, pause: no session needed */
    int free_params;               /* any other key is accepted as is (set_fact) */
    int supports_check;            /* safe in --check (else skipped there) */
    int unimplemented;             /* known to Ansible, not to gpuforge: passes the static
                                    * checks, fails on the node it reaches (no run) */
    /* Runs with validated args (map). Returns 0, or -GF_E* for engine errors
     * (res->failed with a msg is a normal task failure and returns 0). */
    int (*run)(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res);
};

/* Finds a module by name or alias (ansible.legacy.NAME is NAME), real
 * modules first, then the unimplemented ones; NULL when unknown. */
const struct gf_module *gf_module_find(const char *name);
/* The known module name closest to name (edit distance), for errors. */
const char *gf_module_suggest(const char *name);
/* Checks args (a map, templated) against m's table: unknown or missing
 * parameters, wrong types, bad choices; a parameter Ansible's module takes
 * that m lacks is named as not implemented. Returns a new map with aliases
 * resolved and values converted (caller unrefs), or NULL with err set. */
struct gf_val *gf_module_check_args(const struct gf_module *m, const struct gf_val *args,
                                    struct gf_error *err);

/* The same check on arguments not templated yet (at load time): values that
 * are templates pass any type check, and Ansible's parameters that m lacks
 * pass (the task fails where it runs). */
struct gf_val *gf_module_check_args_static(const struct gf_module *m, const struct gf_val *args,
                                           struct gf_error *err);

/* Expands a leading ~ or ~user in args's path parameters (args as
 * gf_module_check_args returned it; edited in place) as Ansible's modules
 * do: GF_P_PATH values on the node of ctx->session as the user the module
 * runs as (the become user when ctx->become, else the login user),
 * GF_P_CPATH values on the controller. A user nobody knows leaves the path
 * as it is. $NAME / ${NAME} in a node path are first expanded from the
 * module's environment on the node (os.path.expandvars). homes (a map) caches the node's answers: give the same map for
 * every task on one host. Returns 0, or -1 with res failed (the node could
 * not answer; "unreachable" set when it is gone). */
int gf_module_expand_paths(struct gf_modctx *ctx, const struct gf_module *m, struct gf_val *args,
                           struct gf_val *homes, struct gf_modres *res);

/* ---- helpers for modules ---- */
void gf_modres_init(struct gf_modres *r);
void gf_modres_release(struct gf_modres *r);
/* Marks the result failed with msg. Returns 0 (a failure is not an engine error). */
int gf_modres_fail(struct gf_modres *r, const char *fmt, ...) GF_PRINTF(2, 3);
/* Runs a shell command on the node (with become when ctx->become). The
 * result's status tells ok/failed/unreachable. Returns as gf_session_run. */
int gf_mod_sh(struct gf_modctx *ctx, const char *cmd, const char *input, size_t len,
              struct gf_result *r);
/* After gf_mod_sh (sh_rc: what it returned): when become (sudo) failed
 * before the command started, marks res failed and not changed (nothing
 * ran) with sudo's output as Ansible's module_stdout/module_stderr and
 * returns 1; else returns 0. */
int gf_mod_become_failed(struct gf_modres *res, int sh_rc, const struct gf_result *r);
/* The modules' name for gf_sh_tagged (exec.h): the text after `tag` on the
 * first line of out that starts with it (borrowed), or NULL. */
static inline const char *gf_mod_tagged(const char *out, const char *tag)
{
    return gf_sh_tagged(out, tag);
}
/* A new string value: p up to the end of its line. */
struct gf_val *gf_mod_line_val(const char *p);
/* Convenience getters on validated args (borrowed; defaults when absent). */
const char *gf_arg_str(const struct gf_val *args, const char *name, const char *def);
int gf_arg_bool(const struct gf_val *args, const char *name, int def);
long long gf_arg_int(const struct gf_val *args, const char *name, long long def);
/* Ansible's boolean(): true for true/yes/on/1 (strings any case), bools, ints. */
int gf_val_bool_ansible(const struct gf_val *v, int *out);
/* Finds a controller-side source file: absolute, or in ctx->search_dirs
 * (each tried with and without the sub-directory sub, e.g. "files").
 * Returns a malloc'd path or NULL. */
char *gf_mod_find_src(const struct gf_modctx *ctx, const char *sub, const char *src);

/* Shared by command, shell and raw: mode 0 = command (argv, no shell),
 * 1 = shell, 2 = raw. */
int gf_mod_command_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res,
                       int mode);
/* Shared by copy and template: puts data at dest atomically (temp file in
 * the same directory, fsync, rename, fsync of the directory) unless the
 * content and attributes already match. args holds mode, owner, group,
 * force, backup and validate (a command run on the new content, %s its
 * path, before it replaces dest; a refusal fails res with copy's "failed
 * to validate", exit_status, stdout, stderr). Fills res (changed, dest,
 * checksum, ...). */
int gf_mod_put_file(struct gf_modctx *ctx, const char *dest, const char *basename,
                    const char *data, size_t len, const struct gf_val *args,
                    struct gf_modres *res);

/* Parses module arguments given as one "k=v k2='v 2' free text" string, as
 * Ansible does: for a module with free_form only the command keys (chdir,
 * creates, removes, ...) are split off; other words form _raw_params.
 * Returns 0 and *out (a map; caller unrefs), or -GF_EPARSE with err and
 * *bad_off (may be NULL) the offset of the unterminated quote or block. */
int gf_parse_kv(const char *s, const struct gf_module *m, struct gf_val **out, int *bad_off,
                struct gf_error *err);
/* The result of a module as Ansible shows it: res->data plus "changed",
 * and "failed"/"skipped" when set. New map; caller unrefs. */
struct gf_val *gf_modres_dict(const struct gf_modres *res);

extern const struct gf_module *const gf_modules[];
/* Ansible's modules gpuforge does not implement, ending with a zeroed entry
 * (unimplemented.c); gf_module_find returns them after the real ones. */
extern const struct gf_module gf_modules_unimplemented[];
/* Ansible's parameters of implemented modules that gpuforge's lack. */
struct gf_module_params {
    const char *module;            /* gf_module.name */
    const char *params;            /* comma-separated */
};
extern const struct gf_module_params gf_modules_unimplemented_params[];

/* Replaces the controller file path with data atomically (a temporary file
 * beside it, synced, renamed over it; missing directories made) with mode,
 * or when mode < 0 the mode of the file it replaces. Returns 0, or -1 with
 * a message in err. (fetch.c) */
int gf_mod_write_local(const char *path, const char *data, size_t len, int mode,
                       struct gf_buf *err);

#endif

/*
 * exec.h - the execution layer's interface: per-host connection settings
 * taken from inventory variables (struct gf_target), persistent libssh
 * sessions with strict host-key checking, commands with deadlines and become,
 * and the parallel scheduler that runs one function per host on N workers.
 */
#ifndef GF_EXEC_H
#define GF_EXEC_H

#include <pthread.h>
#include <stdatomic.h>

#include "../core/core.h"

/* Host key policy. */
enum gf_hostkey_policy {
    GF_HOSTKEY_STRICT = 0,  /* unknown and changed keys fail the host */
    GF_HOSTKEY_ACCEPT_NEW   /* unknown keys are recorded; changed keys still fail */
};

/* Settings the command line gives for every host; inventory vars win over
 * them, as in Ansible (except the security settings noted). */
struct gf_exec_opts {
    int forks;                 /* parallel hosts, default 50 */
    const char *connection;    /* -c: "ssh" (default) or "local", when the inventory sets none */
    int connect_timeout;       /* seconds, default 10 */
    int command_timeout;       /* seconds per command, 0 = none */
    int keepalive;             /* seconds between keepalives, default 15 */
    size_t output_cap;         /* bytes kept per stream, default 1 MiB */
    const char *user;          /* -u */
    const char *key_file;      /* --private-key */
    int port;                  /* when the inventory sets none; 0: 22 */
    const char *known_hosts;   /* --known-hosts: wins over the inventory */
    enum gf_hostkey_policy hostkey_policy;
    char *password;            /* --ask-pass / GPUFORGE_PASSWORD; secret */
    int become;                /* -b */
    const char *become_user;   /* --become-user */
    char *become_password;     /* -K / GPUFORGE_BECOME_PASSWORD; secret */
    int framed;                /* one framed shell per host and become user
                                * (docs/performance.md); GPUFORGE_FRAMED=0: off */
};
void gf_exec_opts_init(struct gf_exec_opts *o);

/* Where and how to reach one host. Strings are malloc'd; secrets wiped. */
struct gf_target {
    char *name;            /* inventory_hostname */
    char *addr;            /* ansible_host or name */
    int port;              /* 22 */
    char *user;            /* NULL: the local user's name */
    struct gf_vec key_files; /* char * */
    char *password;        /* secret or NULL */
    char *known_hosts;     /* file; NULL: ~/.ssh/known_hosts */
    enum gf_hostkey_policy hostkey_policy;
    char *proxy_jump;      /* [user@]host[:port][,...] or NULL */
    char *proxy_command;   /* with %h %p %r expanded at connect, or NULL */
    int become;
    char *become_user;     /* default root */
    char *become_password; /* secret or NULL */
    char *become_method;   /* only "sudo" is supported */
    int local;             /* ansible_connection=local: commands run here (local.c) */
};
/* Fills t from the host's merged variables (map) and opts. Parses
 * ansible_ssh_common_args and ansible_ssh_extra_args, accepting -o
 * ProxyJump=, -J, -o ProxyCommand=, -o UserKnownHostsFile=,
 * -o StrictHostKeyChecking=, -p, -i and rejecting anything else by name.
 * Returns 0 or -GF_EINVAL with err naming the host and option. */
int gf_target_from_vars(struct gf_target *t, const char *name, const struct gf_val *vars,
                        const struct gf_exec_opts *opts, struct gf_error *err);
void gf_target_release(struct gf_target *t);

/* Outcome of one host's work, printed by the caller. */
enum gf_status {
    GF_ST_OK = 0,
    GF_ST_FAILED,       /* connected, the command failed */
    GF_ST_UNREACHABLE,  /* could not connect, or lost the connection */
    GF_ST_AUTH,         /* authentication failed */
    GF_ST_HOSTKEY,      /* host key unknown (strict), changed or of another type */
};

struct gf_result {
    enum gf_status status;
    int rc;                /* exit status; -1 when unknown */
    struct gf_buf out;     /* capped */
    struct gf_buf err;     /* capped */
    char *msg;             /* reason for non-OK, malloc'd or NULL */
    int64_t start_us, dur_us;
};
void gf_result_init(struct gf_result *r, size_t cap);
void gf_result_release(struct gf_result *r);
const char *gf_status_name(enum gf_status s);

struct gf_session;

/* Connects, checks the host key (before any credential is sent) and
 * authenticates. Returns a session (free with gf_session_close) or NULL
 * with r->status and r->msg set. */
struct gf_session *gf_session_open(const struct gf_target *t, const struct gf_exec_opts *opts,
                                   struct gf_result *r);
void gf_session_close(struct gf_session *s);
/* Opens a new session to t, trying again every two seconds while the host
 * is unreachable (refused, timed out, reset: it is still going down or
 * coming up) or refuses the login (pam_nologin while it goes down or
 * boots) until deadline_ms (gf_now_ms() clock). A host key failure ends
 * the wait at once. opts must outlive the
 * session. Returns the session (free with gf_session_close), or NULL with
 * r->status and r->msg from the last try (r, initialised by the
 * caller, is released and refilled). */
struct gf_session *gf_session_reopen(const struct gf_target *t, const struct gf_exec_opts *opts,
                                     int64_t deadline_ms, struct gf_result *r);

/* The host key the server offered, as "TYPE BASE64" (a known_hosts line
 * without the host name); malloc'd, or NULL. */
char *gf_session_hostkey(struct gf_session *s);
/* A new Ed25519 key pair: the private key in OpenSSH format (a secret: wipe
 * it with gf_free_secret) and the public "ssh-ed25519 BASE64". Returns 0 or
 * -1. */
int gf_ssh_keypair(char **private_pem, char **public_line);

/* Milliseconds the connection and authentication took. */
double gf_session_connect_ms(const struct gf_session *s);

/* Runs cmd through the remote user's shell on the session (become per
 * target/opts when become is non-zero), feeding `input` (may be NULL) on
 * stdin. Fills r (rc, out, err, status: OK when rc == 0, FAILED otherwise,
 * UNREACHABLE when the connection broke and the outcome is unknown).
 * Returns 0 when the command ran to an exit status, or -GF_E* otherwise. */
int gf_session_run(struct gf_session *s, const char *cmd, const char *input, size_t input_len,
                   int become, struct gf_result *r);

/* gf_session_run with the sudo target user given (NULL: root) instead of
 * the target's, for tasks that set become_user. */
int gf_session_run_as(struct gf_session *s, const char *cmd, const char *input,
                      size_t input_len, const char *become_user, int become,
                      struct gf_result *r);

/* At -vvv, gf_session_run_as says what went to which host, OpenSSH
 * debug3-style: the module (set by the caller for the commands that follow,
 * NULL clears it) and the node-side scripts named since the thread's last
 * command, with the bytes of script and of stdin, never their content. Both
 * are per thread; the names must outlive the command (string literals).
 * gf_exec_note_script also gives the script's text (static, as embedded):
 * where the next command holds it whole, from the start of a line, the
 * framed shell sends it once per shell and then only a reference to it.
 * With GF_SCRIPT_DIRECT the script promises to start no process that
 * outlives it and to write little: a command made of such scripts and
 * assignments only writes its output straight to the framed shell's
 * stream, not to a file copied after it. */
#define GF_SCRIPT_DIRECT 1
void gf_exec_trace_module(const char *module);
void gf_exec_note_script(const char *name, const char *text, int flags);

/* Counts the stdin bytes later commands on s feed into *counter (added as
 * they go out), so another thread can show a transfer's progress; NULL
 * stops counting. */
void gf_session_count_input(struct gf_session *s, _Atomic uint64_t *counter);

/* The execution layer's node-side scripts (engine/exec/sh/NAME.sh), embedded
 * at build time like the modules' (engine/modules/nodesh.h); the table ends
 * with a zeroed entry. */
struct gf_execsh {
    const char *name;   /* the file's name without .sh */
    const char *text;   /* comment lines left out */
    size_t len;
};
extern const struct gf_execsh gf_execsh_table[];

/* Appends a POSIX-shell single-quoted form of s to b. */
void gf_sh_quote(struct gf_buf *b, const char *s);
/* Appends the line NAME='value' (value NULL: empty) to a shell script. */
void gf_sh_assign(struct gf_buf *b, const char *name, const char *value);
/* Scripts on the node report through tagged lines ("GF 1 /path", "GFERR
 * why"; docs/internals/node-protocol.md). Returns the text after `tag` on
 * the first line of out that starts with it (borrowed, up to the end of
 * out), or NULL. */
const char *gf_sh_tagged(const char *out, const char *tag);

/* Runs fn(i, ctx) for i in [0, n) on at most `forks` threads; a slow item
 * never delays others. Returns after all are done. */
typedef void (*gf_item_fn)(size_t i, void *ctx);
void gf_parallel(size_t n, int forks, gf_item_fn fn, void *ctx);

/* Writes len bytes to stdout atomically with respect to other callers
 * (results of hosts never interleave). */
void gf_out_write(const char *s, size_t len);
/* A status line (progress) kept below everything gf_out_write writes: each
 * write takes it away first and puts it back after, so it never mixes with
 * a result. line NULL or "" removes it. Only for a terminal: the caller
 * checks isatty and keeps line shorter than the terminal is wide. */
void gf_out_status(const char *line);
/* Writes len bytes to stderr, the status line taken away meanwhile. */
void gf_err_write(const char *s, size_t len);
/* Whether a status line may be shown: stdout a terminal, TERM not dumb,
 * and not turned off (off: --no-progress and the like). */
int gf_status_wanted(int off);
/* gf_out_status with line cut to the terminal's width (a wrapped line
 * could not be taken away whole). */
void gf_out_status_fit(struct gf_buf *line);
/* Calls fn(ctx) every ms milliseconds on a thread of its own until
 * gf_ticker_stop (which waits for a call under way); NULL when no thread
 * could be made. */
struct gf_ticker;
struct gf_ticker *gf_ticker_start(int ms, void (*fn)(void *), void *ctx);
void gf_ticker_stop(struct gf_ticker *t);

/* One-time libssh initialisation (thread-safe). */
void gf_ssh_global_init(void);

/* Reads a secret from the terminal without echo (prompt on /dev/tty).
 * Returns a malloc'd string or NULL when no terminal is available. */
char *gf_read_secret(const char *prompt);

#endif

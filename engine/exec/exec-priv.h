/*
 * exec-priv.h - what the execution layer's files share and no caller
 * outside engine/exec/ uses.
 */
#ifndef GF_EXEC_PRIV_H
#define GF_EXEC_PRIV_H

#include <libssh/libssh.h>

#include "exec.h"

/* Runs cmd on the controller for a local target (local.c), with the
 * contract of gf_session_run_as; in_count as gf_session_count_input. */
int gf_local_run(const struct gf_target *t, const struct gf_exec_opts *o, const char *cmd,
                 const char *input, size_t input_len, const char *become_user, int become,
                 _Atomic uint64_t *in_count, struct gf_result *r);

/* Command texts (shtext.c). Each looks at s[0..n) as the shell would and
 * answers 1 only where it is sure.
 * gf_sh_top_level: starting at a script's top level, the text ends there,
 * on a new line: no quote open, no pipeline or list left to continue, no
 * here-document, command substitution, ${...}, $'...', backslash-newline
 * or '#' before.
 * gf_sh_assignments_only: NAME=VALUE lines only (the value quoted as
 * gf_sh_quote does, or a plain word): nothing runs.
 * gf_sh_prints_only: lines of the shell's echo or printf only, with no
 * list, pipe, redirection or command substitution: nothing starts. */
int gf_sh_top_level(const char *s, size_t n);
int gf_sh_assignments_only(const char *s, size_t n);
int gf_sh_prints_only(const char *s, size_t n);

/* A key's type and SHA256 fingerprint, "ssh-ed25519 SHA256:..."; malloc'd. */
char *gf_key_fingerprint(ssh_key key);

/* known_hosts (knownhosts.c): each file is read once per process into a
 * table by host name, and again only when it changed on disk. */
enum gf_kh_status {
    GF_KH_OK,       /* the key is recorded for the name */
    GF_KH_CHANGED,  /* another key of its type is recorded */
    GF_KH_OTHER,    /* only keys of other types are recorded */
    GF_KH_UNKNOWN,  /* nothing recorded (or no file) */
    GF_KH_ERROR,    /* the key could not be read */
};
/* Checks key, offered by name ("addr", or "[addr]:port" when the port is
 * not 22), against file and then the system-wide known_hosts file, as
 * libssh's ssh_session_is_known_server does. Thread-safe. */
enum gf_kh_status gf_known_hosts_check(const char *file, const char *name, ssh_key key);
/* Appends to out the fingerprints of the keys file records for name,
 * separated by " and "; "(none found)" when there is none. */
void gf_known_hosts_recorded(const char *file, const char *name, struct gf_buf *out);
/* Appends to out (empty) the host key algorithms of offer (a comma list)
 * with those of the key types recorded for name first, as OpenSSH and
 * libssh order them, so that a host with a recorded key is asked for it. */
void gf_known_hosts_algorithms(const char *file, const char *name, const char *offer,
                               struct gf_buf *out);
/* Appends line to file under a lock shared by threads and processes (read,
 * add, write a temp file, fsync, rename, fsync the directory), unless it is
 * there already. Returns 0, or -1 with why set. */
int gf_known_hosts_add(const char *file, const char *line, struct gf_buf *why);

#endif

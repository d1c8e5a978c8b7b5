/*
 * sysmod.h - what the system modules (systemd/service, apt/package, sysctl,
 * modprobe, reboot) share: running a probe-and-act script and reading its
 * tagged output lines, and the pure parsers and text edits they apply to
 * node output, kept free of any session so that tests/unit/test-modules-sys.c
 * checks them without a node.
 */
#ifndef GF_SYSMOD_H
#define GF_SYSMOD_H

#include "module.h"

/* ---- running scripts ---- */

/* A script starts with sh/lib.sh (gf_nodesh_add(b, "lib")): C messages,
 * and fail MSG printing the GFERR line that gf_sys_run reports. */

/* Runs script on the node (input on stdin, may be NULL). Returns 0 when it
 * exited 0 and printed no "GFERR " line. Otherwise marks res failed (msg:
 * the GFERR text, else `what` and the command's stderr) and returns 1, or
 * -GF_ECONNECT when the host was unreachable. The caller releases r, which
 * gf_sys_run initialises. */
int gf_sys_run(struct gf_modctx *ctx, const char *script, const char *input, size_t len,
               struct gf_result *r, struct gf_modres *res, const char *what);
/* Decodes base64 text (line breaks ignored) up to its end into out.
 * Returns 0, or -1 when it is not base64. */
int gf_sys_b64_decode(const char *b64, struct gf_buf *out);
/* Sets res->data[key] to stdout/stderr of r without trailing newlines. */
void gf_sys_set_output(struct gf_modres *res, const struct gf_result *r);

/* ---- systemd ---- */

/* Parses the lines "<tag>Key=Value" of out (systemctl show, tagged) into a
 * new map of strings. */
struct gf_val *gf_systemd_parse_show(const char *out, const char *tag);

/* ---- apt / dpkg ---- */

enum gf_apt_do {
    GF_APT_KEEP,     /* nothing to do */
    GF_APT_INSTALL,  /* install (or upgrade, or change the version) */
    GF_APT_REMOVE,   /* remove (purge when asked) */
};

/* What apt knows of one package: dpkg's ${db:Status-Abbrev} ("ii ", NULL
 * when dpkg does not know it), the installed version, and from apt-cache
 * policy the candidate and the versions of the version table. */
struct gf_apt_pkg {
    const char *abbrev;
    const char *installed;
    const char *candidate;     /* NULL or "(none)": nothing to install */
    const char *versions[32];  /* NULL-ended */
};

/* 1 when the ${db:Status-Abbrev} status says installed (also with triggers
 * pending), 0 otherwise. */
int gf_dpkg_is_installed(const char *abbrev);
/* Splits "name=version" into malloc'd parts (version NULL when absent).
 * Returns 0, or -1 when the name is empty or starts with '-'. */
int gf_apt_split_spec(const char *spec, char **name, char **version);
/* Fills p->installed, p->candidate and p->versions from the lines of
 * `apt-cache policy` (pointers into text, which is modified: the lines are
 * cut at their ends). */
void gf_apt_parse_policy(char *text, struct gf_apt_pkg *p);
/* Decides what state (present, latest, absent) needs for p, want_ver being
 * the version asked for (a glob, or NULL). For an install, *ver is set to the
 * version to ask apt for (borrowed from p, or NULL: apt's candidate).
 * Returns an enum gf_apt_do, or -1 with *why set (a static message). */
int gf_apt_decide(const char *state, int purge, const struct gf_apt_pkg *p,
                  const char *want_ver, const char **ver, const char **why);

/* ---- sysctl ---- */

/* Ansible's value normalisation: booleans become 1/0, text is trimmed. */
void gf_sysctl_value(const struct gf_val *v, struct gf_buf *out);
/* 1 when a and b hold the same words (blanks of any length between). */
int gf_sysctl_same(const char *a, const char *b);
/* Writes into out the text of a sysctl.conf with key `name` set to value
 * (value NULL: removed): the first assignment of name is replaced unless it
 * already holds the value, later ones are dropped, the line is appended when
 * absent; other lines stay as they are. Appends removed and added lines to
 * diff ("-line" / "+line") when diff is not NULL. Returns 1 when the text
 * changed, 0 otherwise. */
int gf_sysctl_edit(const char *text, const char *name, const char *value, struct gf_buf *out,
                   struct gf_buf *diff);

#endif

/*
 * ansiblecfg.h - ansible.cfg found and read as Ansible does: the first of
 * $ANSIBLE_CONFIG, ./ansible.cfg, ~/.ansible.cfg, /etc/ansible/ansible.cfg
 * (no merging), INI as Python's configparser reads it, then the ANSIBLE_*
 * environment variables over the file. Command-line options, applied by the
 * caller, win over both.
 *
 * Every key of the file is looked up in one table: honoured, ignored
 * (only where ignoring it cannot change a result; listed for -v), or
 * refused with file:line unless it holds Ansible's default.
 */
#ifndef GF_CLI_ANSIBLECFG_H
#define GF_CLI_ANSIBLECFG_H

#include "../core/core.h"

/* The settings gpuforge honours. */
enum gf_cfg_id {
    GF_CFG_ROLES_PATH,          /* pathspec: colon-separated */
    GF_CFG_INVENTORY,           /* pathlist: comma-separated */
    GF_CFG_REMOTE_USER,
    GF_CFG_PRIVATE_KEY_FILE,    /* path */
    GF_CFG_REMOTE_PORT,
    GF_CFG_FORKS,
    GF_CFG_TIMEOUT,
    GF_CFG_GATHERING,
    GF_CFG_RETRY_FILES_ENABLED,
    GF_CFG_RETRY_FILES_SAVE_PATH, /* path */
    GF_CFG_HOST_KEY_CHECKING,
    GF_CFG_ASK_PASS,
    GF_CFG_BECOME,
    GF_CFG_BECOME_METHOD,
    GF_CFG_BECOME_USER,
    GF_CFG_BECOME_ASK_PASS,
    GF_CFG_COUNT
};

enum gf_gathering { GF_GATHER_IMPLICIT = 0, GF_GATHER_EXPLICIT, GF_GATHER_SMART };

/* One setting's value and where it came from. */
struct gf_cfg_setting {
    char *text;      /* the value as read (unquoted where Ansible unquotes), or NULL */
    char *origin;    /* "FILE:LINE" or "ANSIBLE_X" (environment), or NULL */
};

struct gf_ansiblecfg {
    char *path;                 /* the file read, or NULL when none was found */
    char *dir;                  /* its directory: base of relative paths */
    struct gf_cfg_setting set[GF_CFG_COUNT];
    /* typed values, valid once gf_ansiblecfg_load has returned 0 */
    struct gf_vec roles_path;   /* char *: resolved directories, in order */
    struct gf_vec inventory;    /* char *: resolved sources; empty when unset */
    int forks, timeout, remote_port; /* 0 when unset */
    int host_key_checking;      /* 1 (Ansible's default) or 0 */
    int ask_pass, become, become_ask_pass, retry_files_enabled;
    enum gf_gathering gathering;
    struct gf_vec notes;        /* char *: what was read and what was ignored (-v) */
    struct gf_vec warnings;     /* char *: printed whatever the verbosity */
};

/* Where /etc/ansible/ansible.cfg is looked for (tests point it elsewhere). */
extern const char *gf_ansiblecfg_etc;

/* Finds the file Ansible would read. Returns the path (malloc'd) or NULL;
 * warnings (may be NULL) gets Ansible's warning about an ignored
 * ./ansible.cfg in a world-writable directory, and about an ANSIBLE_CONFIG
 * that names nothing readable. */
char *gf_ansiblecfg_find(struct gf_vec *warnings);

/* Parses the INI text of file (data, len) into cfg (zeroed or loaded): the table's keys are
 * checked, the settings gpuforge honours stored with their origin. Returns
 * 0 or -GF_EPARSE/-GF_EUNSUPPORTED with err at file:line. */
int gf_ansiblecfg_parse(struct gf_ansiblecfg *cfg, const char *file, const char *data,
                        size_t len, struct gf_error *err);

/* Finds and reads the file (gf_ansiblecfg_find, then gf_ansiblecfg_parse),
 * applies the ANSIBLE_* environment variables over it and types every
 * setting. cfg is initialised here. Returns 0, or -GF_E* with err naming
 * file:line or the variable; release cfg either way. */
int gf_ansiblecfg_load(struct gf_ansiblecfg *cfg, struct gf_error *err);

/* The same from a given file (NULL: none) and the environment; cfg is
 * initialised here too. */
int gf_ansiblecfg_load_file(struct gf_ansiblecfg *cfg, const char *path, struct gf_error *err);

void gf_ansiblecfg_release(struct gf_ansiblecfg *cfg);

#endif

/*
 * confedit.h - the text edits of ini_file, pam_limits, kernel_blacklist
 * and authorized_key as pure functions, each following the Python module
 * it stands for line by line (old content and options in, new content and
 * Ansible's msg out); no node is involved (nodefile.h reads and writes).
 */
#ifndef GF_CONFEDIT_H
#define GF_CONFEDIT_H

#include "textedit.h"

/* community.general.ini_file (6.x); NULL means not given. */
struct gf_ini_opts {
    const char *section;
    const char *option;
    const char *const *values;   /* nvalues of them */
    size_t nvalues;
    int absent;
    int exclusive;               /* default 1 */
    int no_extra_spaces;
    int allow_no_value;
    int modify_inactive;         /* default 1: "# opt = v" lines are taken over */
};
/* Edits an ini file as ini_file does (exists 0: a missing file). Returns 0. */
int gf_ini_edit(const char *text, size_t len, int exists, const struct gf_ini_opts *o,
                struct gf_textedit *te);

/* community.general.pam_limits. */
struct gf_pam_limits_opts {
    const char *domain, *type, *item, *value;
    int use_max, use_min;
    const char *comment;         /* "" when not given */
    const char *dest;            /* for messages */
};
/* Checks a value as pam_limits does; NULL when fine, else a malloc'd
 * message starting with prefix. */
char *gf_pam_limits_bad_value(const char *item, const char *value, const char *prefix);
/* Edits a limits.conf. Returns 0, or -GF_EINVAL with te->err set (an
 * invalid value in the file). */
int gf_pam_limits_edit(const char *text, size_t len, const struct gf_pam_limits_opts *o,
                       struct gf_textedit *te);

/* community.general.kernel_blacklist. Returns 0. te->found: 1 when the
 * module ends up blacklisted. */
int gf_blacklist_edit(const char *text, size_t len, int exists, const char *name, int absent,
                      struct gf_textedit *te);

/* ansible.posix.authorized_key; NULL means not given. */
struct gf_authkey_opts {
    const char *key;             /* one key a line */
    const char *key_options;
    const char *comment;
    int absent;
    int exclusive;
};
/* Edits an authorized_keys text. Returns 0, or -GF_EINVAL with te->err
 * ("invalid key specified: ..."). */
int gf_authkey_edit(const char *text, size_t len, const struct gf_authkey_opts *o,
                    struct gf_textedit *te);

/* community.general.pamd (pamd.c); NULL means not given. */
enum gf_pamd_state {
    GF_PAMD_UPDATED,
    GF_PAMD_BEFORE,
    GF_PAMD_AFTER,
    GF_PAMD_ARGS_PRESENT,
    GF_PAMD_ARGS_ABSENT,
    GF_PAMD_ABSENT,
};
struct gf_pamd_opts {
    const char *type, *control, *module_path;
    const char *new_type, *new_control, *new_module_path;
    const char *const *args;     /* module_arguments: nargs of them, when have_args */
    size_t nargs;
    int have_args;
    enum gf_pamd_state state;
    const char *mark;            /* "# Updated by Ansible - TIME", the second line written */
};
/* The arguments the Python module refuses before it reads the file: a
 * static message, or NULL. */
const char *gf_pamd_invalid(const struct gf_pamd_opts *o);
/* Edits a PAM service file as community.general.pamd does; te->found is
 * its change_count, te->out the whole file as written (the text as it was
 * when nothing changes). Returns 0, or -GF_EINVAL with te->err set (a rule
 * the module finds invalid, or one it cannot parse). */
int gf_pamd_edit(const char *text, size_t len, const struct gf_pamd_opts *o,
                 struct gf_textedit *te);

#endif

/*
 * nodefile.h - files of the node as the file modules see them: read in one
 * command (kind, attributes, checksum, content), and for the modules that
 * edit text (lineinfile, blockinfile, replace, ini_file, ...) the whole
 * edit: read, change the text on the controller (textedit.h, confedit.h),
 * write back atomically only when something changes.
 */
#ifndef GF_NODEFILE_H
#define GF_NODEFILE_H

#include "module.h"
#include "textedit.h"

/* When r says the host was lost, marks res failed and unreachable and
 * returns -GF_ECONNECT; returns 0 otherwise. */
int gf_mod_lost(struct gf_modres *res, const struct gf_result *r);

enum gf_rf_kind {
    GF_RF_NONE,        /* nothing there */
    GF_RF_FILE,        /* a readable file (or a link to one) */
    GF_RF_DIR,
    GF_RF_UNREADABLE,
};

/* A file as read from the node. */
struct gf_remote_file {
    enum gf_rf_kind kind;
    int parent_exists;    /* GF_RF_NONE: the directory it would be in exists */
    char *path;           /* the path asked for (~ expanded before the module ran) */
    char *real;           /* and with symlinks resolved */
    char mode[8];         /* octal, e.g. "644" */
    char *owner, *uid, *group, *gid;
    unsigned long long size;
    char sha1[48];        /* when asked for */
    int sent;             /* content holds the file */
    struct gf_buf content;
};
void gf_remote_file_release(struct gf_remote_file *rf);

/* Reads path on the node in one command. With have non-NULL the SHA-1 is
 * computed and the content is not sent when it equals have; a file over max
 * bytes is not sent either (rf->sent tells). Returns 0 with rf filled
 * (whatever its kind), 1 when the node could not answer (res failed, msg
 * set), or -GF_ECONNECT (res failed and unreachable). */
int gf_mod_read_file(struct gf_modctx *ctx, const char *path, const char *have, size_t max,
                     struct gf_remote_file *rf, struct gf_modres *res);

/* The parameters lineinfile and blockinfile share, as Ansible has them. */
#define GF_TEXT_FILE_PARAMS \
    { "path", GF_P_PATH, 1, "dest,destfile,name", NULL }, \
    { "state", GF_P_STR, 0, NULL, "present,absent" }, \
    { "insertafter", GF_P_STR, 0, NULL, NULL }, \
    { "insertbefore", GF_P_STR, 0, NULL, NULL }, \
    { "create", GF_P_BOOL, 0, NULL, NULL }, \
    { "backup", GF_P_BOOL, 0, NULL, NULL }, \
    { "mode", GF_P_MODE, 0, NULL, NULL }, \
    { "owner", GF_P_STR, 0, NULL, NULL }, \
    { "group", GF_P_STR, 0, NULL, NULL }, \
    { "validate", GF_P_STR, 0, NULL, NULL }

/* One run of a text-editing module, the parts that differ between them. */
struct gf_text_job {
    const char *path;
    int create;
    int absent;             /* state=absent */
    int absent_first;       /* a missing file with state=absent is fine even without create */
    const char *no_file;    /* msg when the file is missing and may not be created */
    const char *gone;       /* msg when the file is missing with state=absent */
    const char *no_dir;     /* msg when the file and its directory are missing (NULL:
                             * the directory is made) */
    const char *backup_key; /* "backup" or "backup_file" */
    /* the edit: exactly one of them */
    const struct gf_lineinfile_opts *line;
    const struct gf_blockinfile_opts *block;
    /* any other edit of the text (exists: 0 for a missing file); returns 0
     * or -GF_EINVAL with te->err set */
    int (*edit)(const char *text, size_t len, int exists, const void *opts,
                struct gf_textedit *te);
    const void *opts;
    const char *diff_header;  /* header of the diff; NULL: "PATH (content)" */
    int plain_msg;            /* msg stays te's when only attributes change */
    /* the diff of diff mode, when not a unified diff of the texts */
    void (*diff)(const char *before, size_t blen, const char *after, size_t alen,
                 struct gf_buf *out);
    int changed_if_created;   /* a missing file counts as a change (created) */
};
/* Runs job: reads the file, edits it and, unless nothing changes, writes
 * it with args' mode, owner, group and backup (in check mode only says
 * what would change). Fills res as Ansible's module does (changed, msg,
 * backup key, diff). Returns 0 or -GF_E*. */
int gf_mod_edit_text(struct gf_modctx *ctx, const struct gf_val *args,
                     const struct gf_text_job *job, struct gf_modres *res);

#endif

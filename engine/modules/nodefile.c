/* nodefile.c - reading a file of the node in one command (kind,
 * attributes, checksum, content) for slurp, fetch, lineinfile and
 * blockinfile, and the read-edit-write run of the last two. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nodefile.h"
#include "nodesh.h"

/* Files bigger than this are not edited in memory. */
#define EDIT_MAX (64u << 20)

int gf_mod_lost(struct gf_modres *res, const struct gf_result *r)
{
    if (r->status != GF_ST_UNREACHABLE)
        return 0;
    gf_modres_fail(res, "%s", r->msg ? r->msg : "unreachable");
    gf_val_map_set(res->data, "unreachable", gf_val_bool(1));
    return -GF_ECONNECT;
}

void gf_remote_file_release(struct gf_remote_file *rf)
{
    free(rf->path);
    free(rf->real);
    free(rf->owner);
    free(rf->uid);
    free(rf->group);
    free(rf->gid);
    gf_buf_release(&rf->content);
    memset(rf, 0, sizeof(*rf));
}

/* Splits the next line off *p (in place); NULL when there is none. */
static char *next_line(char **p)
{
    char *s = *p, *nl = s ? strchr(s, '\n') : NULL;

    if (nl == NULL)
        return NULL;
    *nl = '\0';
    *p = nl + 1;
    return s;
}

/* Fills rf from the header "GF ..." (cut into words in place). */
static int read_header(char *head, struct gf_remote_file *rf)
{
    char *f[8] = { 0 }, *save = NULL;

    f[0] = strtok_r(head + 3, " ", &save);
    for (int i = 1; i < 8 && f[i - 1]; i++)
        f[i] = strtok_r(NULL, " ", &save);
    if (f[6] == NULL || strlen(f[0]) >= sizeof(rf->sha1) || strlen(f[1]) >= sizeof(rf->mode))
        return -1;
    rf->kind = GF_RF_FILE;
    strcpy(rf->sha1, strcmp(f[0], "-") ? f[0] : "");
    strcpy(rf->mode, f[1]);
    rf->uid = gf_xstrdup(f[2]);
    rf->owner = gf_xstrdup(f[3]);
    rf->gid = gf_xstrdup(f[4]);
    rf->group = gf_xstrdup(f[5]);
    rf->size = strtoull(f[6], NULL, 10);
    return 0;
}

static int read_parse(struct gf_result *r, const char *path, struct gf_remote_file *rf,
                      struct gf_modres *res)
{
    char *p = r->out.buf, *head = next_line(&p);
    char *exp = head && strncmp(head, "GFDIR", 5) && strncmp(head, "GFPERM", 6)
                ? next_line(&p) : NULL;
    char *real = exp ? next_line(&p) : NULL;

    if (head && strcmp(head, "GFDIR") == 0)
        return rf->kind = GF_RF_DIR, 0;
    if (head && strcmp(head, "GFPERM") == 0)
        return rf->kind = GF_RF_UNREADABLE, 0;
    if (r->rc != 0 || real == NULL)
        return gf_modres_fail(res, "cannot read %s: %s", path,
                              r->err.len ? r->err.buf : r->msg ? r->msg : "no output"), 1;
    rf->path = gf_xstrdup(exp);
    rf->real = gf_xstrdup(real);
    if (strncmp(head, "GFNONE ", 7) == 0) {
        rf->parent_exists = head[7] == '1';
        return 0;
    }
    if (strncmp(head, "GF ", 3) || read_header(head, rf) < 0)
        return gf_modres_fail(res, "unexpected output reading %s", path), 1;
    gf_buf_add(&rf->content, p, r->out.len - (size_t)(p - r->out.buf));
    return 0;
}

int gf_mod_read_file(struct gf_modctx *ctx, const char *path, const char *have, size_t max,
                     struct gf_remote_file *rf, struct gf_modres *res)
{
    struct gf_buf script = GF_BUF_INIT;
    struct gf_result r;
    char num[32];
    int rc;

    memset(rf, 0, sizeof(*rf));
    gf_buf_init(&rf->content);
    if (strchr(path, '\n'))
        return gf_modres_fail(res, "path '%s' has a line break", path), 1;
    snprintf(num, sizeof(num), "%zu", max);
    gf_sh_assign(&script, "gf_path", path);
    gf_sh_assign(&script, "gf_sum", have ? "1" : "0");
    gf_sh_assign(&script, "gf_have", have);
    gf_sh_assign(&script, "gf_max", num);
    /* GFDIR, GFPERM, GFNONE or GF: sh/nodefile_read.sh */
    gf_nodesh_add(&script, "nodefile_read");
    gf_result_init(&r, max + 8192);
    gf_mod_sh(ctx, script.buf, NULL, 0, &r);
    if ((rc = gf_mod_lost(res, &r)) == 0)
        rc = read_parse(&r, path, rf, res);
    /* what the script decided to send */
    rf->sent = rc == 0 && rf->kind == GF_RF_FILE && rf->size <= max &&
               !(have && strcmp(have, rf->sha1) == 0);
    gf_result_release(&r);
    gf_buf_release(&script);
    return rc;
}

/* ---- lineinfile and blockinfile ---- */

static int attrs_differ(const struct gf_remote_file *rf, const struct gf_val *args)
{
    const char *mode = gf_arg_str(args, "mode", NULL);
    const char *owner = gf_arg_str(args, "owner", NULL);
    const char *group = gf_arg_str(args, "group", NULL);

    if (mode && *mode && strspn(mode, "01234567") == strlen(mode) &&
        strtoul(mode, NULL, 8) != strtoul(rf->mode, NULL, 8))
        return 1;
    if (owner && strcmp(owner, rf->owner) && strcmp(owner, rf->uid))
        return 1;
    return group && strcmp(group, rf->group) && strcmp(group, rf->gid);
}

/* Whether rf, a file the read found, surely has the mode, owner and group
 * args ask for: each absent, or equal to what the read reported (a mode
 * only when given in octal; a symbolic one is left to the file module). */
static int attrs_same(const struct gf_remote_file *rf, const struct gf_val *args)
{
    const char *mode = gf_arg_str(args, "mode", NULL);
    const char *owner = gf_arg_str(args, "owner", NULL);
    const char *group = gf_arg_str(args, "group", NULL);

    if (rf->kind != GF_RF_FILE)
        return 0;
    if (mode && *mode && (strspn(mode, "01234567") != strlen(mode) ||
                          strtoul(mode, NULL, 8) != strtoul(rf->mode, NULL, 8)))
        return 0;
    if (owner && *owner && strcmp(owner, rf->owner) && strcmp(owner, rf->uid))
        return 0;
    return !group || !*group || !strcmp(group, rf->group) || !strcmp(group, rf->gid);
}

/* Creates the missing directory of a file about to be created. */
static int make_parent(struct gf_modctx *ctx, const char *path, struct gf_modres *res)
{
    struct gf_buf cmd = GF_BUF_INIT;
    struct gf_result r;
    int rc = 0;

    gf_buf_adds(&cmd, "p=");
    gf_sh_quote(&cmd, path);
    gf_buf_adds(&cmd, "; mkdir -p -- \"$(dirname -- \"$p\")\"");
    gf_result_init(&r, 65536);
    gf_mod_sh(ctx, cmd.buf, NULL, 0, &r);
    if ((rc = gf_mod_lost(res, &r)) == 0 && r.status != GF_ST_OK) {
        gf_modres_fail(res, "Error creating the directory of %s (%s)", path,
                       r.err.len ? r.err.buf : r.msg ? r.msg : "failed");
        rc = 1;
    }
    gf_result_release(&r);
    gf_buf_release(&cmd);
    return rc;
}

/* Takes over the failure of a helper module's result; a refused validate
 * reads as lineinfile's "failed to validate: rc:N error:TEXT". */
static void take_failure(struct gf_modres *res, const struct gf_modres *sub, int rc)
{
    const struct gf_val *m = gf_val_map_get(sub->data, "msg");

    const struct gf_val *vrc = gf_val_map_get(sub->data, "exit_status");
    const struct gf_val *verr = gf_val_map_get(sub->data, "stderr");

    if (!sub->failed)
        return;
    if (vrc && vrc->type == GF_VAL_INT && verr && verr->type == GF_VAL_STR)
        gf_modres_fail(res, "failed to validate: rc:%lld error:%s", vrc->u.i, verr->u.str.s);
    else
        gf_modres_fail(res, "%s", m && m->type == GF_VAL_STR ? m->u.str.s : "write failed");
    if (rc == -GF_ECONNECT)
        gf_val_map_set(res->data, "unreachable", gf_val_bool(1));
}

/* Puts te's content in place through the shared atomic writer; its result
 * keys (dest, checksum, ...) are copy's, not this module's, so only the
 * verdict, the message and the backup are taken over. */
static int put_text(struct gf_modctx *ctx, const struct gf_remote_file *rf,
                    const struct gf_textedit *te, const struct gf_val *args,
                    const char *backup_key, struct gf_modres *res, int *put_changed)
{
    struct gf_modres put;
    int rc;

    gf_modres_init(&put);
    rc = gf_mod_put_file(ctx, rf->real, NULL, te->out.buf, te->out.len, args, &put);
    *put_changed = put.changed;
    take_failure(res, &put, rc);
    const struct gf_val *bk = gf_val_map_get(put.data, "backup_file");
    if (bk && backup_key)
        gf_val_map_set(res->data, backup_key, gf_val_ref((struct gf_val *)bk));
    gf_modres_release(&put);
    return rc;
}

/* Sets only mode, owner and group of an unchanged file, through the file
 * module: no content goes to the node, so no command ends before it has
 * read its input. */
static int put_attrs(struct gf_modctx *ctx, const struct gf_remote_file *rf,
                     const struct gf_val *args, struct gf_modres *res, int *put_changed)
{
    static const char *const keys[] = { "mode", "owner", "group" };
    struct gf_val *fa = gf_val_map();
    struct gf_modres fr;
    int rc;

    gf_val_map_set(fa, "path", gf_val_str(rf->real));
    gf_val_map_set(fa, "state", gf_val_str("file"));
    for (size_t i = 0; i < GF_ARRAY_LEN(keys); i++)
        if (gf_val_map_get(args, keys[i]))
            gf_val_map_set(fa, keys[i], gf_val_ref(gf_val_map_get(args, keys[i])));
    gf_modres_init(&fr);
    rc = gf_module_find("file")->run(ctx, fa, &fr);
    *put_changed = fr.changed;
    take_failure(res, &fr, rc);
    gf_modres_release(&fr);
    gf_val_unref(fa);
    return rc;
}

/* Writes te's content over rf (creating the file and its directory when
 * needed) unless nothing changes; sets res->changed, msg (te's, plus the
 * attribute note), the backup key and, in diff mode, res->diff. */
static int write_text(struct gf_modctx *ctx, const struct gf_text_job *job,
                      const struct gf_remote_file *rf, struct gf_textedit *te,
                      const struct gf_val *args, struct gf_modres *res)
{
    const char *path = job->path, *backup_key = job->backup_key;
    int attrs = gf_arg_str(args, "mode", NULL) || gf_arg_str(args, "owner", NULL) ||
                gf_arg_str(args, "group", NULL);
    int rc = 0, put_changed = 0;
    struct gf_buf msg = GF_BUF_INIT;

    if (job->changed_if_created && rf->kind != GF_RF_FILE)
        te->changed = 1;
    gf_buf_adds(&msg, te->msg);
    res->changed = te->changed;
    if (ctx->diff && te->changed && job->diff) {
        job->diff(rf->content.buf, rf->content.len, te->out.buf, te->out.len, &res->diff);
    } else if (ctx->diff && te->changed) {
        char *h = job->diff_header ? gf_xstrdup(job->diff_header)
                  : gf_xasprintf("%s (content)", path);
        gf_text_udiff(rf->content.buf, rf->content.len, te->out.buf, te->out.len, h, &res->diff);
        free(h);
    }
    /* like Ansible, check mode on a missing file reports the edit alone */
    if ((rf->kind != GF_RF_FILE && ctx->check) || (!te->changed && !attrs))
        goto out;
    if (rf->kind != GF_RF_FILE && !rf->parent_exists &&
        (rc = make_parent(ctx, rf->real, res)) != 0)
        goto out;
    int attr_note = te->changed && rf->kind == GF_RF_FILE && attrs_differ(rf, args);
    /* a changed text is all check mode needs to know; the writer would be
     * sent content it does not read */
    if (te->changed && ctx->check)
        rc = 0;
    else if (te->changed)
        rc = put_text(ctx, rf, te, args, backup_key, res, &put_changed);
    else if (!attrs_same(rf, args))
        rc = put_attrs(ctx, rf, args, res, &put_changed);
    if (res->failed)
        goto out;
    attr_note |= put_changed && !te->changed;
    res->changed |= put_changed;
    if (attr_note && !job->plain_msg)
        gf_buf_addf(&msg, "%sownership, perms or SE linux context changed",
                    te->changed ? " and " : "");
out:
    if (rc > 0)
        rc = 0;
    if (res->failed)
        res->changed = 0;
    else
        gf_val_map_set(res->data, "msg", gf_val_str(msg.buf));
    gf_buf_release(&msg);
    return rc;
}

int gf_mod_edit_text(struct gf_modctx *ctx, const struct gf_val *args,
                     const struct gf_text_job *job, struct gf_modres *res)
{
    struct gf_remote_file rf;
    struct gf_textedit te;
    int rc;

    gf_textedit_init(&te);
    if ((rc = gf_mod_read_file(ctx, job->path, NULL, EDIT_MAX, &rf, res)) != 0)
        goto out;
    int missing = rf.kind == GF_RF_NONE;
    if (rf.kind == GF_RF_DIR) {
        gf_val_map_set(res->data, "rc", gf_val_int(256));
        gf_modres_fail(res, "Path %s is a directory !", job->path);
    } else if (rf.kind == GF_RF_UNREADABLE || (rf.kind == GF_RF_FILE && !rf.sent)) {
        gf_modres_fail(res, rf.kind == GF_RF_UNREADABLE ? "%s is not readable"
                       : "%s is too large to edit in memory", job->path);
    } else if (missing && job->absent && (job->absent_first || job->create)) {
        gf_val_map_set(res->data, "msg", gf_val_str(job->gone));
    } else if (missing && job->no_dir && !rf.parent_exists) {
        gf_modres_fail(res, "%s", job->no_dir);
    } else if (missing && !job->create) {
        gf_val_map_set(res->data, "rc", gf_val_int(257));
        gf_modres_fail(res, "%s", job->no_file);
    } else if ((job->line ? gf_lineinfile_edit(rf.content.buf, rf.content.len, job->line, &te)
                : job->block ? gf_blockinfile_edit(rf.content.buf, rf.content.len, !missing,
                                                   job->block, &te)
                : job->edit(rf.content.buf, rf.content.len, !missing, job->opts, &te)) < 0) {
        gf_modres_fail(res, "%s", te.err.msg);
    } else {
        if (job->line && job->line->absent) /* the lines removed */
            gf_val_map_set(res->data, "found", gf_val_int(te.found));
        rc = write_text(ctx, job, &rf, &te, args, res);
    }
out:
    if (rc > 0)
        rc = 0;
    gf_textedit_release(&te);
    gf_remote_file_release(&rf);
    return rc;
}

/*
 * mount.c - the `mount` module (ansible.posix.mount): an fstab entry and
 * the mount itself, states mounted, unmounted, present, absent, remounted.
 *
 * Two round trips: a probe reads the fstab, /proc/self/mounts and whether
 * the mount point exists; the controller decides (gf_fstab_edit, pure and
 * unit-tested) and a second script writes the new fstab atomically (temp
 * file beside it, fsync, rename) only when its checksum is still the one
 * the probe saw, then mounts, remounts, unmounts or removes the mount point.
 * NFS is fstype=nfs with src host:/path (the node needs the NFS client).
 * A swap entry has path none (fstab only: states present and absent).
 * In check mode only the probe runs. Like Ansible on Linux, a changed entry
 * of a mounted file system is applied with `mount -o remount`, which does
 * not switch a mount to another src or fstype.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "module.h"
#include "mount-private.h"
#include "nodesh.h"
#include "sysmod.h"
#include "textedit.h"

static const struct gf_param mount_params[] = {
    { "path", GF_P_PATH, 1, "name", NULL },
    { "src", GF_P_PATH, 0, NULL, NULL },
    { "fstype", GF_P_STR, 0, "type", NULL },
    { "opts", GF_P_STR, 0, NULL, NULL },
    { "dump", GF_P_STR, 0, NULL, NULL },
    { "passno", GF_P_STR, 0, NULL, NULL },
    { "state", GF_P_STR, 1, NULL, "mounted,unmounted,present,absent,remounted" },
    { "fstab", GF_P_PATH, 0, NULL, NULL },
    { "backup", GF_P_BOOL, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

/* ---- pure parts ---- */

static void escape_field(const char *s, struct gf_buf *out)
{
    for (; *s; s++) {
        if (*s == ' ')
            gf_buf_adds(out, "\\040");
        else if (*s == '\t')
            gf_buf_adds(out, "\\011");
        else if (*s == '\n')
            gf_buf_adds(out, "\\012");
        else if (*s == '\\')
            gf_buf_adds(out, "\\134");
        else
            gf_buf_addc(out, *s);
    }
}

/* Undoes the octal escapes of fstab and /proc/self/mounts. */
static char *unescape_field(const char *s, size_t n)
{
    char *o = gf_xmalloc(n + 1), *p = o;

    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 3 < n && s[i + 1] >= '0' && s[i + 1] <= '3' &&
            s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
            *p++ = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
            i += 3;
        } else {
            *p++ = s[i];
        }
    }
    *p = '\0';
    return o;
}

/* Splits one line into up to max blank-separated fields (unescaped,
 * malloc'd). Returns the count; fields beyond it are NULL. */
static int fields_of(const char *line, size_t len, char **f, int max)
{
    int n = 0;
    size_t i = 0;

    while (i < len && n < max) {
        while (i < len && (line[i] == ' ' || line[i] == '\t'))
            i++;
        size_t start = i;
        while (i < len && line[i] != ' ' && line[i] != '\t')
            i++;
        if (i > start)
            f[n++] = unescape_field(line + start, i - start);
    }
    for (int k = n; k < max; k++)
        f[k] = NULL;
    return n;
}

static void free_fields(char **f, int n)
{
    for (int i = 0; i < n; i++)
        free(f[i]);
}

static void add_entry(const struct gf_fstab_ent *e, struct gf_buf *out)
{
    const char *v[6] = { e->src, e->path, e->fstype, e->opts, e->dump, e->passno };

    for (int i = 0; i < 6; i++) {
        if (i)
            gf_buf_addc(out, ' ');
        escape_field(v[i], out);
    }
    gf_buf_addc(out, '\n');
}

int gf_fstab_edit(const char *text, const struct gf_fstab_ent *e, int remove, struct gf_buf *out)
{
    const char *want[6] = { e->src, e->path, e->fstype, e->opts, e->dump, e->passno };
    int changed = 0, found = 0;

    for (const char *p = text; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p), full = nl ? len + 1 : len;
        size_t lead = strspn(p, " \t");
        char *f[6];
        int n = lead < len && p[lead] != '#' ? fields_of(p, len, f, 6) : 0;
        /* Several swap entries share the mount point "none": as in
         * Ansible, such a line is this entry only when its src is ours. */
        int other_swap = n >= 4 && *e->src && strcmp(f[1], "none") == 0 &&
                         strcmp(f[2], "swap") == 0 && strcmp(f[0], e->src) != 0;
        if (n >= 4 && strcmp(f[1], e->path) == 0 && !other_swap) {
            found = 1;
            int same = 1;
            for (int i = 0; i < 6; i++) /* dump and passno default to 0 */
                same &= strcmp(f[i] ? f[i] : "0", want[i]) == 0;
            if (remove || !same)
                changed = 1;
            if (!remove && !same)
                add_entry(e, out);
            else if (!remove)
                gf_buf_add(out, p, full);
        } else {
            gf_buf_add(out, p, full);
        }
        free_fields(f, n);
        p = nl ? nl + 1 : NULL;
    }
    if (!found && !remove) {
        if (out->len && out->buf[out->len - 1] != '\n')
            gf_buf_addc(out, '\n');
        add_entry(e, out);
        changed = 1;
    }
    return changed;
}

int gf_mounts_find(const char *mounts, const char *path, char **src, char **fstype, char **opts)
{
    int found = 0;

    *src = *fstype = *opts = NULL;
    for (const char *p = mounts; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char *f[4];
        int n = fields_of(p, len, f, 4);
        if (n == 4 && strcmp(f[1], path) == 0) {
            free(*src);
            free(*fstype);
            free(*opts);
            *src = f[0], *fstype = f[2], *opts = f[3];
            free(f[1]);
            found = 1;
        } else {
            free_fields(f, n);
        }
        p = nl ? nl + 1 : NULL;
    }
    return found;
}

/* ---- the node side (sh/mount_probe.sh, sh/mount_act.sh) ---- */

struct mount_plan {
    int fstab_changed, mounted, dir;
    const char *action;  /* "mount", "remount", "umount" or "" */
    int rmdir;
};

/* What state asks for, given what the probe found. */
static void plan_for(const char *state, struct mount_plan *pl)
{
    pl->action = "";
    if (strcmp(state, "mounted") == 0)
        pl->action = !pl->mounted ? "mount" : pl->fstab_changed ? "remount" : "";
    else if (strcmp(state, "unmounted") == 0 || strcmp(state, "absent") == 0)
        pl->action = pl->mounted ? "umount" : "";
    else if (strcmp(state, "remounted") == 0)
        pl->action = pl->mounted ? "remount" : "mount";
    pl->rmdir = strcmp(state, "absent") == 0 && pl->dir;
}

static void sha256_hex(const char *data, size_t len, char *out)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    EVP_Digest(data, len, d, &n, EVP_sha256(), NULL);
    for (unsigned int i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", d[i]);
}

static int mount_act(struct gf_modctx *ctx, const struct gf_val *args, const struct gf_fstab_ent *e,
                     const char *fstab, const char *old, int had_fstab, const struct gf_buf *new,
                     const struct mount_plan *pl, struct gf_modres *res)
{
    struct gf_buf script = GF_BUF_INIT;
    struct gf_result r;
    char sum[EVP_MAX_MD_SIZE * 2 + 1] = "";
    int rc;

    if (had_fstab)
        sha256_hex(old, strlen(old), sum);
    gf_sh_assign(&script, "gf_fstab", fstab);
    gf_sh_assign(&script, "gf_path", e->path);
    gf_sh_assign(&script, "gf_write", pl->fstab_changed ? "1" : "0");
    gf_sh_assign(&script, "gf_oldsum", sum);
    gf_sh_assign(&script, "gf_backup", gf_arg_bool(args, "backup", 0) ? "1" : "0");
    gf_sh_assign(&script, "gf_do", pl->action);
    gf_sh_assign(&script, "gf_opts", gf_arg_str(args, "opts", NULL));
    gf_sh_assign(&script, "gf_rmdir", pl->rmdir ? "1" : "0");
    gf_nodesh_add(&script, "tmpfile");
    gf_nodesh_add(&script, "mount_act");
    rc = gf_sys_run(ctx, script.buf, pl->fstab_changed ? new->buf : NULL,
                    pl->fstab_changed ? new->len : 0, &r, res, "mount");
    const char *bk = rc == 0 ? gf_mod_tagged(r.out.buf, "GFBACKUP ") : NULL;
    if (bk)
        gf_val_map_set(res->data, "backup_file", gf_mod_line_val(bk));
    gf_result_release(&r);
    gf_buf_release(&script);
    return rc;
}

static void mount_result(const struct gf_fstab_ent *e, const char *fstab, struct gf_modres *res)
{
    gf_val_map_set(res->data, "name", gf_val_str(e->path));
    if (*e->src)
        gf_val_map_set(res->data, "src", gf_val_str(e->src));
    if (*e->fstype)
        gf_val_map_set(res->data, "fstype", gf_val_str(e->fstype));
    gf_val_map_set(res->data, "opts", gf_val_str(e->opts));
    gf_val_map_set(res->data, "dump", gf_val_str(e->dump));
    gf_val_map_set(res->data, "passno", gf_val_str(e->passno));
    gf_val_map_set(res->data, "fstab", gf_val_str(fstab));
}

static int mount_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    const char *state = gf_arg_str(args, "state", NULL);
    const char *fstab = gf_arg_str(args, "fstab", "/etc/fstab");
    char *path = gf_xstrdup(gf_arg_str(args, "path", NULL));
    struct gf_fstab_ent e = {
        gf_arg_str(args, "src", ""), path, gf_arg_str(args, "fstype", ""),
        gf_arg_str(args, "opts", "defaults"), gf_arg_str(args, "dump", "0"),
        gf_arg_str(args, "passno", "0"),
    };
    struct gf_buf script = GF_BUF_INIT, new = GF_BUF_INIT;
    struct mount_plan pl = { 0 };
    struct gf_result r;
    char *msrc = NULL, *mtype = NULL, *mopts = NULL;
    int rc = 0;

    for (size_t n = strlen(path); n > 1 && path[n - 1] == '/'; n--)
        path[n - 1] = '\0'; /* Ansible strips trailing slashes */
    /* "none" is the mount point of fstab entries that are not mounted on a
     * directory (swap): only the fstab is kept, nothing is mounted. */
    int entry_only = strcmp(path, "none") == 0;
    if (path[0] != '/' && !entry_only) {
        gf_modres_fail(res, "path must be absolute (or none, for a swap entry), not '%s'", path);
        goto out;
    }
    if (entry_only && (!strcmp(state, "mounted") || !strcmp(state, "remounted"))) {
        gf_modres_fail(res, "path none is an fstab entry that is not mounted on a directory "
                            "(swap): state=%s needs an absolute mount point", state);
        goto out;
    }
    if ((!strcmp(state, "mounted") || !strcmp(state, "present")) && (!*e.src || !*e.fstype)) {
        gf_modres_fail(res, "state=%s requires src and fstype", state);
        goto out;
    }
    gf_sh_assign(&script, "gf_fstab", fstab);
    gf_sh_assign(&script, "gf_path", path);
    gf_nodesh_add(&script, "mount_probe");
    rc = gf_sys_run(ctx, script.buf, NULL, 0, &r, res, "mount");
    if (rc == 0) {
        const char *mnts = gf_mod_tagged(r.out.buf, "GFMOUNTS\n");
        char *data = mnts ? strstr(mnts, "\nGFDATA\n") : NULL;
        if (data == NULL) {
            gf_modres_fail(res, "mount: unexpected output from the node");
        } else {
            int had = gf_mod_tagged(r.out.buf, "GFFSTAB 1") != NULL;
            *data = '\0';
            data += 8;
            pl.dir = gf_mod_tagged(r.out.buf, "GFDIR") != NULL;
            pl.mounted = !entry_only && gf_mounts_find(mnts, path, &msrc, &mtype, &mopts);
            pl.dir = pl.dir && !entry_only;
            if (!strcmp(state, "mounted") || !strcmp(state, "present") || !strcmp(state, "absent"))
                pl.fstab_changed = gf_fstab_edit(data, &e, !strcmp(state, "absent"), &new);
            plan_for(state, &pl);
            res->changed = pl.fstab_changed || *pl.action || pl.rmdir;
            if (ctx->diff && pl.fstab_changed)
                gf_text_udiff(data, strlen(data), new.buf, new.len, fstab, &res->diff);
            if (res->changed && !ctx->check)
                rc = mount_act(ctx, args, &e, fstab, data, had, &new, &pl, res);
            if (!res->failed)
                mount_result(&e, fstab, res);
        }
    }
    gf_result_release(&r);
out:
    free(msrc);
    free(mtype);
    free(mopts);
    free(path);
    gf_buf_release(&new);
    gf_buf_release(&script);
    return rc < 0 ? rc : 0;
}

const struct gf_module gf_module_mount = {
    .name = "mount",
    .aliases = (const char *const[]){ "ansible.posix.mount", NULL },
    .params = mount_params,
    .supports_check = 1,
    .run = mount_run,
};

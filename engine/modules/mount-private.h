/*
 * mount-private.h - the pure parts of the `mount` module that unit tests
 * reach: the fstab edit and the lookup of a mount point in /proc/self/mounts.
 * Not an interface for other layers.
 */
#ifndef GF_MOUNT_PRIVATE_H
#define GF_MOUNT_PRIVATE_H

#include "../core/core.h"

/* One fstab entry, fields unescaped (spaces as they are). */
struct gf_fstab_ent {
    const char *src, *path, *fstype, *opts, *dump, *passno;
};

/* Writes into out the text of an fstab with the entries for e->path set to
 * e (every line for that mount point that differs is rewritten, the line is
 * appended when there is none), or removed when remove is set. Comments and
 * other lines stay as they are. Spaces, tabs and backslashes in fields are
 * written as \040, \011 and \134, as fstab(5) wants. Returns 1 when the text
 * changed, 0 otherwise. */
int gf_fstab_edit(const char *text, const struct gf_fstab_ent *e, int remove, struct gf_buf *out);

/* Looks for path in the text of /proc/self/mounts (the last mount on it
 * wins, as it hides the others). Returns 1 and fills src, fstype, opts
 * (malloc'd, caller frees) when mounted, else 0. */
int gf_mounts_find(const char *mounts, const char *path, char **src, char **fstype, char **opts);

#endif

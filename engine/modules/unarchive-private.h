/*
 * unarchive-private.h - the pure parts of the `unarchive` module that unit
 * tests reach: re-streaming a controller-side archive as a tar stream, and
 * reading the differences `tar --diff` reports. Not an interface for other
 * layers.
 */
#ifndef GF_UNARCHIVE_PRIVATE_H
#define GF_UNARCHIVE_PRIVATE_H

#include "../core/core.h"

/* What to put in every header of the re-streamed tar (NULL/-1: keep). */
struct gf_restream_opts {
    const char *owner, *group;  /* user and group names */
    int mode;                   /* permission bits, or -1 */
};

/* Reads the archive at path (any format and compression libarchive knows:
 * tar, tar.gz/bz2/xz/zst, zip, 7z, cpio, ...) and appends an equivalent pax
 * tar stream to out, with o's owner, group and mode in every header; names
 * of the members are pushed onto files (a list) when files is not NULL.
 * Members with an absolute path or a '..' component are refused, as are
 * device nodes. Returns 0, or -GF_EIO / -GF_EINVAL with err set. */
int gf_unarchive_restream(const char *path, const struct gf_restream_opts *o, struct gf_buf *out,
                          struct gf_val *files, struct gf_error *err);

/* Reads the output of GNU `tar --diff`: returns 1 when it shows a
 * difference that extracting would repair, 0 when the tree already holds
 * the archive. Modification times never count (content decides); owner and
 * group differences count only when check_owner is set. */
int gf_tar_diff_changed(const char *out, int check_owner);

#endif

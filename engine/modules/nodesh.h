/*
 * nodesh.h - the node-side shell scripts of the modules. Each lives in a
 * file of its own, engine/modules/sh/NAME.sh, that shellcheck and dash -n
 * read (make lint); the Makefile embeds them into the binary at build time
 * (engine/modules/sh/embed), so the binary needs no data files.
 *
 * A module sends a script as it sends any command: the values it needs
 * first, as shell assignments (gf_sh_assign), then the script's text.
 * lib.sh holds the helpers the scripts share (fail, ...); a script that
 * uses them is sent after it: gf_nodesh_add(b, "lib") then the script.
 * What the scripts print back (tagged lines: GFERR, GFEND, ...) is
 * described in docs/internals/node-protocol.md.
 */
#ifndef GF_NODESH_H
#define GF_NODESH_H

#include <stddef.h>

#include "../core/core.h"

struct gf_nodesh {
    const char *name;   /* the file's name without .sh */
    const char *text;   /* comment lines left out */
    size_t len;
};

/* Ends with a zeroed entry; generated at build time. */
extern const struct gf_nodesh gf_nodesh_table[];

/* The text of script NAME. A name with no file is a bug in gpuforge: it
 * aborts with a message (every script is embedded at build time). */
const char *gf_nodesh(const char *name);

/* Appends the text of script NAME to b. */
void gf_nodesh_add(struct gf_buf *b, const char *name);

#endif

/* nodesh.c - looks up the node-side scripts embedded at build time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../exec/exec.h"
#include "nodesh.h"

const char *gf_nodesh(const char *name)
{
    for (const struct gf_nodesh *s = gf_nodesh_table; s->name; s++)
        if (strcmp(s->name, name) == 0)
            return s->text;
    fprintf(stderr, "gpuforge: bug: no node script '%s' was built in\n", name);
    abort();
}

/* The scripts that start no process outliving them and write a bounded
 * answer (GF_SCRIPT_DIRECT): coreutils only, run to their end, never a
 * command of the user's; nodefile_read sends a file's content only up to
 * the size its caller gives. */
static const char *const direct[] = {
    "lib", "file", "file_times", "tmpfile", "copy_put", "copy_times", "stat",
    "stat_mime", "stat_attrs", "attrs", "nodefile_read", NULL,
};

void gf_nodesh_add(struct gf_buf *b, const char *name)
{
    const char *text = gf_nodesh(name);
    int flags = 0;

    for (int i = 0; direct[i]; i++)
        if (strcmp(direct[i], name) == 0)
            flags = GF_SCRIPT_DIRECT;
    gf_exec_note_script(name, text, flags);
    gf_buf_adds(b, text);
}

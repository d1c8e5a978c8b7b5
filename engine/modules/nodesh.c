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

void gf_nodesh_add(struct gf_buf *b, const char *name)
{
    gf_exec_trace_script(name);
    gf_buf_adds(b, gf_nodesh(name));
}

/* tagged.c - reading what a node-side script prints back: the tagged lines
 * of docs/internals/node-protocol.md ("GF 1 /path", "GFERR why"), for the
 * modules and the bundle push alike. */
#include <string.h>

#include "exec.h"

const char *gf_sh_tagged(const char *out, const char *tag)
{
    size_t n = strlen(tag);

    for (const char *p = out; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, tag, n) == 0)
            return p + n;
    return NULL;
}

/* fuzz-lib.c - helpers the harnesses share (fuzz.h). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz.h"

const char *fuzz_file(const char *name, const uint8_t *data, size_t size)
{
    static char path[4096];
    const char *tmp = getenv("TMPDIR");
    FILE *f;

    snprintf(path, sizeof path, "%s/gf-fuzz-%ld-%s", tmp && *tmp ? tmp : "/tmp", (long)getpid(),
             name);
    f = fopen(path, "wb");
    if (f == NULL)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    fclose(f);
    return path;
}

/* log.c - verbosity-gated diagnostics on stderr. */
#include <stdio.h>

#include "core.h"

int gf_verbosity;
int gf_color;

void gf_log(int level, const char *fmt, ...)
{
    va_list ap;

    if (level > gf_verbosity)
        return;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void gf_warn(const char *fmt, ...)
{
    va_list ap;

    fputs("[WARNING]: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* error.c - error codes, their names, messages and exit codes, and the
 * file:line:col reporting with the source line and a caret. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

static const struct {
    const char *name;
    int exit;
    const char *msg;
} errtab[] = {
#define GF_X(name, code, msg) { #name, code, msg },
    GF_ERRORS(GF_X)
#undef GF_X
};

static int code_ok(int code)
{
    if (code < 0)
        code = -code;
    return code < GF_E_COUNT ? code : GF_EFAIL;
}

const char *gf_strerror(int code)
{
    return errtab[code_ok(code)].msg;
}

const char *gf_errname(int code)
{
    return errtab[code_ok(code)].name;
}

int gf_errexit(int code)
{
    return errtab[code_ok(code)].exit;
}

void gf_error_clear(struct gf_error *err)
{
    if (err == NULL)
        return;
    free(err->file);
    free(err->host);
    free(err->msg);
    memset(err, 0, sizeof(*err));
}

int gf_error_vset(struct gf_error *err, int code, const char *file, int line, int col,
                  const char *fmt, va_list ap)
{
    struct gf_buf b = GF_BUF_INIT;

    code = code_ok(code);
    if (err == NULL)
        return -code;
    gf_error_clear(err);
    err->code = code;
    err->file = file ? gf_xstrdup(file) : NULL;
    err->line = line;
    err->col = col;
    gf_buf_vaddf(&b, fmt, ap);
    err->msg = gf_buf_detach(&b, NULL);
    return -code;
}

int gf_error_set(struct gf_error *err, int code, const char *file, int line, int col,
                 const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int rc = gf_error_vset(err, code, file, line, col, fmt, ap);
    va_end(ap);
    return rc;
}

void gf_error_format(const struct gf_error *err, struct gf_buf *b)
{
    if (err->file) {
        gf_buf_adds(b, err->file);
        if (err->line > 0) {
            gf_buf_addf(b, ":%d", err->line);
            if (err->col > 0)
                gf_buf_addf(b, ":%d", err->col);
        }
        gf_buf_adds(b, ": ");
    }
    if (err->host)
        gf_buf_addf(b, "%s: ", err->host);
    gf_buf_adds(b, err->msg ? err->msg : gf_strerror(err->code));
}

/* Prints line `line` of file and a caret under column col. */
static void print_source_line(const char *file, int line, int col)
{
    FILE *f = fopen(file, "r");
    char *text = NULL;
    size_t cap = 0;
    int n = 0;

    if (f == NULL)
        return;
    while (getline(&text, &cap, f) >= 0) {
        if (++n < line)
            continue;
        size_t len = strcspn(text, "\r\n");
        text[len] = '\0';
        if (len > 200)
            break;
        fprintf(stderr, "    %s\n    ", text);
        for (int i = 1; i < col && (size_t)(i - 1) < len; i++)
            fputc(text[i - 1] == '\t' ? '\t' : ' ', stderr);
        fputs("^\n", stderr);
        break;
    }
    free(text);
    fclose(f);
}

void gf_error_print(const struct gf_error *err)
{
    struct gf_buf b = GF_BUF_INIT;

    gf_error_format(err, &b);
    fprintf(stderr, "gpuforge: %s\n", b.buf);
    gf_buf_release(&b);
    if (err->file && err->line > 0 && err->col > 0)
        print_source_line(err->file, err->line, err->col);
}

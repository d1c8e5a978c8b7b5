/* util.c - files, clocks, strings and UTF-8 checks. */
#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core.h"

int gf_read_file(const char *path, struct gf_buf *b, size_t max, struct gf_error *err)
{
    FILE *f = fopen(path, "rb");
    char chunk[65536];
    size_t n;

    if (f == NULL)
        return gf_error_set(err, GF_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (max && b->len + n > max) {
            fclose(f);
            return gf_error_set(err, GF_EIO, path, 0, 0, "file larger than %zu bytes", max);
        }
        gf_buf_add(b, chunk, n);
    }
    if (ferror(f)) {
        int e = errno;
        fclose(f);
        return gf_error_set(err, GF_EIO, path, 0, 0, "read failed: %s", strerror(e));
    }
    fclose(f);
    return 0;
}

int gf_is_dir(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int gf_is_file(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int64_t gf_now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t gf_now_ms(void)
{
    return gf_now_us() / 1000;
}

int gf_streq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

int gf_startswith(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

int gf_endswith(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);

    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void gf_sort_strings(char **v, size_t n)
{
    if (n > 1)
        qsort(v, n, sizeof(*v), cmp_str);
}

int gf_utf8_valid(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;

    while (i < n) {
        unsigned c = s[i];
        size_t k;
        unsigned min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            k = 1, min = 0x80, c &= 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            k = 2, min = 0x800, c &= 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            k = 3, min = 0x10000, c &= 0x07;
        } else {
            return 0;
        }
        if (i + k >= n) /* continuation bytes run past the end */
            return 0;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                return 0;
            c = (c << 6) | (s[i + j] & 0x3f);
        }
        if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
            return 0;
        i += k + 1;
    }
    return 1;
}

int gf_shlex_split(const char *s, struct gf_vec *out)
{
    struct gf_buf w = GF_BUF_INIT;
    int in_word = 0;

    for (const char *p = s;; p++) {
        if (*p == '\0' || isspace((unsigned char)*p)) {
            if (in_word)
                gf_vec_push(out, gf_buf_detach(&w, NULL));
            in_word = 0;
            if (*p == '\0')
                return 0;
            continue;
        }
        in_word = 1;
        if (*p == '\'') {
            const char *e = strchr(p + 1, '\'');
            if (e == NULL)
                goto bad;
            gf_buf_add(&w, p + 1, (size_t)(e - p - 1));
            p = e;
        } else if (*p == '"') {
            for (p++; *p && *p != '"'; p++) {
                if (*p == '\\' && p[1] && strchr("\"\\", p[1]))
                    p++;
                gf_buf_addc(&w, *p);
            }
            if (*p != '"')
                goto bad;
        } else if (*p == '\\' && p[1]) {
            gf_buf_addc(&w, *++p);
        } else {
            gf_buf_addc(&w, *p);
        }
    }
bad:
    gf_buf_release(&w);
    return -GF_EINVAL;
}

char *gf_expand_home(const char *p)
{
    const char *home = NULL;
    size_t n = strcspn(p, "/");

    if (p[0] != '~')
        return gf_xstrdup(p);
    if (n == 1) {
        home = getenv("HOME");
        if (home == NULL) {
            struct passwd *pw = getpwuid(getuid());
            home = pw ? pw->pw_dir : "";
        }
    } else {
        char *name = gf_xstrndup(p + 1, n - 1);
        struct passwd *pw = getpwnam(name);
        free(name);
        if (pw == NULL) /* a user nobody knows: left as it is */
            return gf_xstrdup(p);
        home = pw->pw_dir;
    }
    /* as Python's os.path.expanduser joins them */
    size_t hn = strlen(home);
    while (hn > 0 && home[hn - 1] == '/')
        hn--;
    if (hn == 0 && p[n] == '\0')
        return gf_xstrdup("/");
    return gf_xasprintf("%.*s%s", (int)hn, home, p + n);
}

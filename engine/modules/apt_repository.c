/* apt_repository.c - the `apt_repository` module
 * (ansible.builtin.apt_repository) for one-line APT sources: the line
 * added to (or enabled in) the sources files, or removed from them, the
 * way Ansible 2.14's SourcesList does it (every file read, lines
 * normalised, new lines in sources.list.d/NAME.list, files left empty
 * removed), then apt-get update, with the files put back when it fails.
 * PPAs (Ubuntu) are refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netmod.h"
#include "nodesh.h"
#include "sysmod.h"

static const struct gf_param apt_repository_params[] = {
    { "repo", GF_P_STR, 1, NULL, NULL },
    { "state", GF_P_STR, 0, NULL, "absent,present" },
    { "mode", GF_P_MODE, 0, NULL, NULL },
    { "update_cache", GF_P_BOOL, 0, "update-cache", NULL },
    { "update_cache_retries", GF_P_INT, 0, NULL, NULL },
    { "update_cache_retry_max_delay", GF_P_INT, 0, NULL, NULL },
    { "filename", GF_P_STR, 0, NULL, NULL },
    { "install_python_apt", GF_P_BOOL, 0, NULL, NULL },
    { "validate_certs", GF_P_BOOL, 0, NULL, NULL },
    { "codename", GF_P_STR, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

void gf_aptsrc_parse(const char *line, struct gf_aptsrc *e)
{
    const char *p = line, *end;
    char *s;

    memset(e, 0, sizeof(*e));
    e->enabled = 1;
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == '\f' || *p == '\v')
        p++;
    end = p + strlen(p);
    while (end > p && strchr(" \t\r\n\f\v", end[-1]))
        end--;
    if (p < end && *p == '#') {
        e->enabled = 0;
        p++;
    }
    const char *hash = memchr(p, '#', (size_t)(end - p));
    if (hash && hash > p) {
        const char *c = hash + 1, *ce = end;
        while (c < ce && strchr(" \t\r\n\f\v", *c))
            c++;
        e->comment = gf_xstrndup(c, (size_t)(ce - c));
        end = hash;
    } else {
        e->comment = gf_xstrdup("");
    }
    while (p < end && strchr(" \t\r\n\f\v", *p))
        p++;
    while (end > p && strchr(" \t\r\n\f\v", end[-1]))
        end--;
    s = gf_xstrndup(p, (size_t)(end - p));
    /* a deb / deb-src line: its words joined by one blank */
    struct gf_buf b = GF_BUF_INIT;
    const char *w = s;
    int first = 1, valid = 0;
    while (*w) {
        while (*w && strchr(" \t\r\n\f\v", *w))
            w++;
        if (!*w)
            break;
        size_t n = strcspn(w, " \t\r\n\f\v");
        if (first)
            valid = (n == 3 && strncmp(w, "deb", 3) == 0) || (n == 7 && strncmp(w, "deb-src", 7) == 0);
        if (!first)
            gf_buf_addc(&b, ' ');
        gf_buf_add(&b, w, n);
        first = 0;
        w += n;
    }
    if (valid) {
        free(s);
        e->source = gf_buf_detach(&b, NULL);
        e->valid = 1;
    } else {
        gf_buf_release(&b);
        e->source = s;
    }
}

void gf_aptsrc_release(struct gf_aptsrc *e)
{
    free(e->source);
    free(e->comment);
    e->source = e->comment = NULL;
}

void gf_aptsrc_dump(const struct gf_aptsrc *e, struct gf_buf *out)
{
    if (!e->enabled)
        gf_buf_adds(out, "# ");
    gf_buf_adds(out, e->source);
    if (e->comment && *e->comment)
        gf_buf_addf(out, " # %s", e->comment);
    gf_buf_addc(out, '\n');
}

char *gf_aptsrc_filename(const char *source, const char *filename)
{
    struct gf_buf b = GF_BUF_INIT, l = GF_BUF_INIT;
    const char *p = source;

    if (filename) {
        gf_buf_addf(&b, "%s.list", filename);
        return gf_buf_detach(&b, NULL);
    }
    /* drop [options] and scheme:// */
    while (*p) {
        if (*p == '[') {
            const char *rb = strchr(p + 1, ']');
            if (rb && rb > p + 1) {
                p = rb + 1;
                continue;
            }
        }
        gf_buf_addc(&l, *p++);
    }
    char *t = l.buf ? l.buf : gf_xstrdup(""), *q;
    if (!l.buf)
        l.buf = t;
    while ((q = strstr(t, "://")) != NULL) {
        char *w = q;
        while (w > t && (w[-1] == '_' || (w[-1] >= '0' && w[-1] <= '9') ||
                         ((w[-1] | 32) >= 'a' && (w[-1] | 32) <= 'z')))
            w--;
        if (w == q) {
            q[0] = ' '; /* "://" with no scheme: keep looking past it */
            continue;
        }
        memmove(w, q + 3, strlen(q + 3) + 1);
    }
    /* the first word that is not deb / deb-src, without user:pass@ */
    const char *word = NULL;
    size_t wn = 0;
    for (const char *w = t; *w;) {
        while (*w && strchr(" \t\r\n\f\v", *w))
            w++;
        if (!*w)
            break;
        size_t n = strcspn(w, " \t\r\n\f\v");
        if (!((n == 3 && strncmp(w, "deb", 3) == 0) || (n == 7 && strncmp(w, "deb-src", 7) == 0))) {
            word = w;
            wn = n;
            break;
        }
        w += n;
    }
    if (word) {
        const char *at = memchr(word, '@', wn);
        if (at) {
            wn -= (size_t)(at + 1 - word);
            word = at + 1;
        }
    }
    int sep = 0;
    for (size_t i = 0; word && i < wn; i++) {
        char c = word[i];
        int alnum = (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z');
        if (alnum) {
            if (sep && b.len)
                gf_buf_addc(&b, '_');
            gf_buf_addc(&b, c);
            sep = 0;
        } else {
            sep = 1;
        }
    }
    gf_buf_adds(&b, ".list");
    gf_buf_release(&l);
    return gf_buf_detach(&b, NULL);
}

struct srcfile {
    char *path;
    char *raw;          /* the file's text as read */
    struct gf_aptsrc *e;
    size_t n, cap;
    int is_new_repo;
};

static void file_push(struct srcfile *f, struct gf_aptsrc *e)
{
    if (f->n == f->cap) {
        f->cap = f->cap ? 2 * f->cap : 16;
        f->e = gf_xrealloc(f->e, f->cap * sizeof(*f->e));
    }
    f->e[f->n++] = *e;
}

static void file_dump(const struct srcfile *f, struct gf_buf *out)
{
    for (size_t i = 0; i < f->n; i++)
        gf_aptsrc_dump(&f->e[i], out);
}

static void files_free(struct srcfile *fs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < fs[i].n; j++)
            gf_aptsrc_release(&fs[i].e[j]);
        free(fs[i].e);
        free(fs[i].path);
        free(fs[i].raw);
    }
    free(fs);
}

/* Reads the GFFILE blocks of out into *fs. */
static size_t read_files(const char *out, struct srcfile **fs)
{
    size_t n = 0, cap = 0;

    *fs = NULL;
    for (const char *p = out; (p = gf_mod_tagged(p, "GFFILE "));) {
        if (n == cap) {
            cap = cap ? 2 * cap : 8;
            *fs = gf_xrealloc(*fs, cap * sizeof(**fs));
        }
        struct srcfile *f = &(*fs)[n++];
        struct gf_buf raw = GF_BUF_INIT;
        memset(f, 0, sizeof(*f));
        f->path = gf_xstrndup(p, strcspn(p, "\n"));
        p += strcspn(p, "\n");
        if (*p)
            p++;
        int ln = 0;
        while (*p == '|') {
            size_t len = strcspn(p + 1, "\n");
            char *line = gf_xstrndup(p + 1, len);
            struct gf_aptsrc e;
            gf_aptsrc_parse(line, &e);
            e.n = ln++;
            file_push(f, &e);
            gf_buf_add(&raw, p + 1, len);
            gf_buf_addc(&raw, '\n');
            free(line);
            p += 1 + len;
            if (*p)
                p++;
        }
        f->raw = raw.buf ? gf_buf_detach(&raw, NULL) : gf_xstrdup("");
    }
    return n;
}

static int apt_repository_run(struct gf_modctx *ctx, const struct gf_val *args,
                              struct gf_modres *res)
{
    const char *repo = gf_arg_str(args, "repo", "");
    const char *state = gf_arg_str(args, "state", "present");
    const char *mode = gf_arg_str(args, "mode", NULL);
    struct gf_buf s = GF_BUF_INIT, before = GF_BUF_INIT, after = GF_BUF_INIT;
    struct gf_result r;
    struct srcfile *fs = NULL;
    size_t nf = 0;
    struct gf_aptsrc want = { 0 };
    char *dir = NULL, *name = NULL;
    int rc = 0, have_r = 0;

    gf_val_map_set(res->data, "repo", gf_val_str(repo));
    gf_val_map_set(res->data, "state", gf_val_str(state));
    if (!*repo)
        return gf_modres_fail(res, "Please set argument 'repo' to a non-empty value");
    if (strncmp(repo, "ppa:", 4) == 0)
        return gf_modres_fail(res, "gpuforge does not implement PPA repositories (%s): they "
                              "need Launchpad and Ubuntu", repo);
    gf_aptsrc_parse(repo, &want);
    if (!want.valid || !want.enabled) {
        /* InvalidSource(line): the line as _parse left it */
        struct gf_buf l = GF_BUF_INIT;
        const char *p = repo;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '#')
            p++;
        const char *h = strchr(p, '#');
        gf_buf_add(&l, p, h && h > p ? (size_t)(h - p) : strlen(p));
        gf_modres_fail(res, "Invalid repository string: %s", l.buf ? l.buf : "");
        gf_buf_release(&l);
        goto out;
    }
    gf_sh_assign(&s, "gf_phase", "read");
    gf_sh_assign(&s, "gf_glob", "*.list");
    gf_nodesh_add(&s, "lib");
    gf_nodesh_add(&s, "apt_sources");
    rc = gf_sys_run(ctx, s.buf, NULL, 0, &r, res, "apt_repository failed");
    have_r = 1;
    if (rc != 0)
        goto out;
    const char *d = gf_mod_tagged(r.out.buf, "GFDIR ");
    dir = d ? gf_xstrndup(d, strcspn(d, "\n")) : gf_xstrdup("/etc/apt/sources.list.d");
    nf = read_files(r.out.buf, &fs);
    for (size_t i = 0; i < nf; i++)
        file_dump(&fs[i], &before);

    if (strcmp(state, "present") == 0) {
        int found = 0;
        for (size_t i = 0; i < nf; i++)
            for (size_t j = 0; j < fs[i].n; j++)
                if (fs[i].e[j].valid && strcmp(fs[i].e[j].source, want.source) == 0) {
                    fs[i].e[j].enabled = 1;
                    found = 1;
                }
        if (!found) {
            char *fn = gf_aptsrc_filename(want.source, gf_arg_str(args, "filename", NULL));
            struct gf_buf path = GF_BUF_INIT;
            if (strchr(fn, '/'))
                gf_buf_adds(&path, fn);
            else
                gf_buf_addf(&path, "%s/%s", dir, fn);
            free(fn);
            size_t i;
            for (i = 0; i < nf; i++)
                if (strcmp(fs[i].path, path.buf) == 0)
                    break;
            if (i == nf) {
                fs = gf_xrealloc(fs, (nf + 1) * sizeof(*fs));
                memset(&fs[nf], 0, sizeof(*fs));
                fs[nf].path = gf_buf_detach(&path, NULL);
                nf++;
            } else {
                gf_buf_release(&path);
            }
            struct gf_aptsrc e = { .n = (int)fs[i].n, .valid = 1, .enabled = 1,
                                   .source = gf_xstrdup(want.source), .comment = gf_xstrdup("") };
            file_push(&fs[i], &e);
            fs[i].is_new_repo = 1;
        }
    } else {
        /* as Ansible: pop(n) by the line number while walking the list */
        for (size_t i = 0; i < nf; i++)
            for (size_t j = 0; j < fs[i].n; j++) {
                struct gf_aptsrc *e = &fs[i].e[j];
                if (e->valid && e->enabled && strcmp(e->source, want.source) == 0) {
                    size_t k = (size_t)e->n;
                    if (k < fs[i].n) {
                        gf_aptsrc_release(&fs[i].e[k]);
                        memmove(&fs[i].e[k], &fs[i].e[k + 1], (fs[i].n - k - 1) * sizeof(*e));
                        fs[i].n--;
                    }
                }
            }
    }
    for (size_t i = 0; i < nf; i++)
        file_dump(&fs[i], &after);
    res->changed = strcmp(before.buf ? before.buf : "", after.buf ? after.buf : "") != 0;
    gf_val_map_set(res->data, "diff", gf_val_map());
    if (res->changed && ctx->diff) {
        struct gf_val *dl = gf_val_list();
        for (size_t i = 0; i < nf; i++) {
            struct gf_buf t = GF_BUF_INIT;
            file_dump(&fs[i], &t);
            if (fs[i].raw && strcmp(fs[i].raw, t.buf ? t.buf : "") == 0) {
                gf_buf_release(&t);
                continue;
            }
            gf_buf_addf(&res->diff, "--- %s\n+++ %s\n", fs[i].raw ? fs[i].path : "/dev/null",
                        fs[i].n ? fs[i].path : "/dev/null");
            for (const char *p = fs[i].raw; p && *p; p += strcspn(p, "\n") + 1)
                gf_buf_addf(&res->diff, "-%.*s\n", (int)strcspn(p, "\n"), p);
            for (const char *p = t.buf; p && *p; p += strcspn(p, "\n") + 1)
                gf_buf_addf(&res->diff, "+%.*s\n", (int)strcspn(p, "\n"), p);
            struct gf_val *dd = gf_val_map();
            gf_val_map_set(dd, "before", gf_val_str(fs[i].raw ? fs[i].raw : ""));
            gf_val_map_set(dd, "after", gf_val_str(t.buf ? t.buf : ""));
            gf_val_map_set(dd, "before_header", gf_val_str(fs[i].raw ? fs[i].path : "/dev/null"));
            gf_val_map_set(dd, "after_header", gf_val_str(fs[i].n ? fs[i].path : "/dev/null"));
            gf_val_list_push(dl, dd);
            gf_buf_release(&t);
        }
        gf_val_map_set(res->data, "diff", dl);
    }
    if (!res->changed || ctx->check)
        goto out;

    gf_result_release(&r);
    have_r = 0;
    gf_buf_reset(&s);
    gf_sh_assign(&s, "gf_phase", "write");
    gf_sh_assign(&s, "gf_glob", "*.list");
    gf_sh_assign(&s, "gf_update", gf_arg_bool(args, "update_cache", 1) ? "1" : "0");
    char num[24];
    snprintf(num, sizeof(num), "%lld", gf_arg_int(args, "update_cache_retries", 5));
    gf_sh_assign(&s, "gf_retries", num);
    snprintf(num, sizeof(num), "%lld", gf_arg_int(args, "update_cache_retry_max_delay", 12));
    gf_sh_assign(&s, "gf_max_delay", num);
    gf_nodesh_add(&s, "lib");
    gf_nodesh_add(&s, "apt_sources");
    for (size_t i = 0; i < nf; i++) {
        struct gf_buf t = GF_BUF_INIT;
        file_dump(&fs[i], &t);
        if (fs[i].n == 0) {
            if (fs[i].raw) {
                gf_buf_adds(&s, "del ");
                gf_sh_quote(&s, fs[i].path);
                gf_buf_addc(&s, '\n');
            }
        } else if (!fs[i].raw || strcmp(fs[i].raw, t.buf) != 0 || fs[i].is_new_repo) {
            gf_buf_adds(&s, "put ");
            gf_sh_quote(&s, fs[i].path);
            gf_buf_addc(&s, ' ');
            gf_sh_quote(&s, fs[i].is_new_repo ? (mode ? mode : "0644") : "");
            gf_buf_addc(&s, ' ');
            gf_sh_quote(&s, t.buf);
            gf_buf_addc(&s, '\n');
        }
        gf_buf_release(&t);
    }
    gf_nodesh_add(&s, "apt_update");
    rc = gf_sys_run(ctx, s.buf, NULL, 0, &r, res, "apt_repository failed");
    have_r = 1;
    if (res->failed) {
        /* fail_json: the files are back as they were */
        res->changed = 0;
        gf_val_unref(gf_map_del(&res->data->u.map, "rc"));
    }
out:
    if (have_r)
        gf_result_release(&r);
    gf_aptsrc_release(&want);
    files_free(fs, nf);
    gf_buf_release(&s);
    gf_buf_release(&before);
    gf_buf_release(&after);
    free(dir);
    free(name);
    return rc < 0 ? rc : 0;
}

const struct gf_module gf_module_apt_repository = {
    .name = "apt_repository",
    .aliases = (const char *const[]){ "ansible.builtin.apt_repository", NULL },
    .params = apt_repository_params,
    .supports_check = 1,
    .run = apt_repository_run,
};

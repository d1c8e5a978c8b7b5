/* find.c - the `find` module: files under directories of the node that
 * match names (globs or Python regular expressions), age, size and
 * content. The node lists the entries with their lstat data
 * (sh/find.sh); the controller filters them and orders them as Python's
 * os.walk() yields them, then asks the node for contents and checksums
 * only when those are wanted. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <fnmatch.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "module.h"
#include "nodesh.h"
#include "sysmod.h"

static const struct gf_param find_params[] = {
    { "paths", GF_P_LIST, 1, "name,path", NULL },
    { "patterns", GF_P_LIST, 0, "pattern", NULL },
    { "excludes", GF_P_LIST, 0, "exclude", NULL },
    { "contains", GF_P_STR, 0, NULL, NULL },
    { "read_whole_file", GF_P_BOOL, 0, NULL, NULL },
    { "file_type", GF_P_STR, 0, NULL, "any,directory,file,link" },
    { "age", GF_P_STR, 0, NULL, NULL },
    { "age_stamp", GF_P_STR, 0, NULL, "atime,ctime,mtime" },
    { "size", GF_P_STR, 0, NULL, NULL },
    { "recurse", GF_P_BOOL, 0, NULL, NULL },
    { "hidden", GF_P_BOOL, 0, NULL, NULL },
    { "follow", GF_P_BOOL, 0, NULL, NULL },
    { "get_checksum", GF_P_BOOL, 0, NULL, NULL },
    { "use_regex", GF_P_BOOL, 0, NULL, NULL },
    { "depth", GF_P_INT, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

/* One entry as the node listed it. */
struct fent {
    char type, ftype;        /* find's %y and %Y */
    unsigned mode;
    long long uid, gid, size, inode, dev, nlink;
    double atime, mtime, ctime;
    char user[64], group[64];
    char *path;              /* normalised */
    const char *name;        /* its last part */
    int depth;               /* 1: directly in the root */
    int taken;
};

/* os.path.normpath() for the paths find prints (absolute or relative,
 * no "..": those stay). */
static char *normpath(const char *p)
{
    struct gf_buf b = GF_BUF_INIT;

    for (const char *s = p; *s;) {
        if (*s == '/') {
            if (b.len == 0 || b.buf[b.len - 1] != '/')
                gf_buf_addc(&b, '/');
            s++;
        } else if (s[0] == '.' && (s[1] == '/' || !s[1]) && (s == p || s[-1] == '/')) {
            s += s[1] ? 2 : 1;
        } else {
            gf_buf_addc(&b, *s++);
        }
    }
    if (b.len > 1 && b.buf[b.len - 1] == '/')
        b.buf[--b.len] = '\0';
    if (b.len == 0)
        gf_buf_addc(&b, '.');
    return gf_buf_detach(&b, NULL);
}

static int count_slash(const char *s)
{
    int n = 0;

    for (; *s; s++)
        n += *s == '/';
    return n;
}

/* "-?\d+" with a unit from units (lower case) times its factor. */
static int parse_scaled(const char *s, const char *units, const long long *factor, long long *out)
{
    char *end;
    const char *d = s + (*s == '-');

    if (!isdigit((unsigned char)*d))
        return -1;
    long long v = strtoll(s, &end, 10);
    long long f = 1;
    if (*end) {
        const char *u = strchr(units, tolower((unsigned char)*end));
        if (u == NULL || end[1])
            return -1;
        f = factor[u - units];
    }
    *out = v * f;
    return 0;
}

/* Python's re.match(p, name): anchored at the start. -1: bad pattern. */
static int rx_match(const char *pat, const char *name)
{
    int ec;
    PCRE2_SIZE off;
    pcre2_code *c = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, PCRE2_ANCHORED, &ec,
                                  &off, NULL);
    if (c == NULL)
        return -1;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(c, NULL);
    int m = pcre2_match(c, (PCRE2_SPTR)name, PCRE2_ZERO_TERMINATED, 0, 0, md, NULL) >= 0;
    pcre2_match_data_free(md);
    pcre2_code_free(c);
    return m;
}

static int name_match(const char *pat, const char *name, int regex)
{
    return regex ? rx_match(pat, name) > 0 : fnmatch(pat, name, 0) == 0;
}

/* pfilter() */
static int pfilter(const char *name, const struct gf_val *pats, const struct gf_val *excl,
                   int regex)
{
    for (size_t i = 0; i < pats->u.list.n; i++) {
        const struct gf_val *p = pats->u.list.v[i];
        if (p->type != GF_VAL_STR || !name_match(p->u.str.s, name, regex))
            continue;
        for (size_t j = 0; excl && j < excl->u.list.n; j++) {
            const struct gf_val *e = excl->u.list.v[j];
            if (e->type == GF_VAL_STR && name_match(e->u.str.s, name, regex))
                return 0;
        }
        return 1;
    }
    return 0;
}

/* Parses one "E ..." record. */
static int parse_entry(const char *rec, struct fent *e)
{
    const char *tab = strchr(rec, '\t');
    char ty[4], fty[4];

    memset(e, 0, sizeof(*e));
    if (tab == NULL ||
        sscanf(rec, "%3s %3s %o %lld %lld %lld %lld %lld %lld %lf %lf %lf %63s %63s", ty, fty,
               &e->mode, &e->uid, &e->gid, &e->size, &e->inode, &e->dev, &e->nlink, &e->atime,
               &e->mtime, &e->ctime, e->user, e->group) != 14)
        return -1;
    e->type = ty[0];
    e->ftype = fty[0];
    e->path = normpath(tab + 1);
    const char *sl = strrchr(e->path, '/');
    e->name = sl ? sl + 1 : e->path;
    return 0;
}

/* statinfo() of e */
static struct gf_val *statinfo(const struct fent *e)
{
    struct gf_val *m = gf_val_map();
    char mode[16];
    unsigned md = e->mode;
    char num[32];

    snprintf(mode, sizeof(mode), "%04o", md & 07777);
    gf_val_map_set(m, "path", gf_val_str(e->path));
    gf_val_map_set(m, "mode", gf_val_str(mode));
    gf_val_map_set(m, "isdir", gf_val_bool(e->type == 'd'));
    gf_val_map_set(m, "ischr", gf_val_bool(e->type == 'c'));
    gf_val_map_set(m, "isblk", gf_val_bool(e->type == 'b'));
    gf_val_map_set(m, "isreg", gf_val_bool(e->type == 'f'));
    gf_val_map_set(m, "isfifo", gf_val_bool(e->type == 'p'));
    gf_val_map_set(m, "islnk", gf_val_bool(e->type == 'l'));
    gf_val_map_set(m, "issock", gf_val_bool(e->type == 's'));
    gf_val_map_set(m, "uid", gf_val_int(e->uid));
    gf_val_map_set(m, "gid", gf_val_int(e->gid));
    gf_val_map_set(m, "size", gf_val_int(e->size));
    gf_val_map_set(m, "inode", gf_val_int(e->inode));
    gf_val_map_set(m, "dev", gf_val_int(e->dev));
    gf_val_map_set(m, "nlink", gf_val_int(e->nlink));
    gf_val_map_set(m, "atime", gf_val_float(e->atime));
    gf_val_map_set(m, "mtime", gf_val_float(e->mtime));
    gf_val_map_set(m, "ctime", gf_val_float(e->ctime));
    /* find prints the number for an id with no name; the module gives "" */
    snprintf(num, sizeof(num), "%lld", e->gid);
    gf_val_map_set(m, "gr_name", gf_val_str(strcmp(e->group, num) ? e->group : ""));
    snprintf(num, sizeof(num), "%lld", e->uid);
    gf_val_map_set(m, "pw_name", gf_val_str(strcmp(e->user, num) ? e->user : ""));
    static const char *const bits[] = { "wusr", "rusr", "xusr", "wgrp", "rgrp", "xgrp",
                                        "woth", "roth", "xoth", "isuid", "isgid" };
    static const unsigned masks[] = { 0200, 0400, 0100, 020, 040, 010, 02, 04, 01, 04000,
                                      02000 };
    for (size_t i = 0; i < GF_ARRAY_LEN(bits); i++)
        gf_val_map_set(m, bits[i], gf_val_bool((md & masks[i]) != 0));
    return m;
}

struct walk {
    struct fent *v;
    size_t n;
    struct gf_map children;   /* parent path -> struct gf_vec * of indexes + 1 */
    struct gf_vec order;      /* indexes + 1 in os.walk order */
};

static void vec_free(void *p)
{
    gf_vec_release(p, NULL);
    free(p);
}

/* os.walk(root): the files then the directories of each directory, each
 * in the order the directory lists them, then each directory's tree. */
static void walk_dir(struct walk *w, const char *dir)
{
    struct gf_vec *kids = gf_map_get(&w->children, dir);

    if (kids == NULL)
        return;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < kids->n; i++) {
            const struct fent *e = &w->v[(size_t)kids->v[i] - 1];
            if ((e->ftype == 'd') == pass)
                gf_vec_push(&w->order, kids->v[i]);
        }
    for (size_t i = 0; i < kids->n; i++) {
        const struct fent *e = &w->v[(size_t)kids->v[i] - 1];
        if (e->type == 'd')
            walk_dir(w, e->path);
    }
}

/* Sends the paths of list (NUL-separated) to find.sh with op; the reply
 * in r (the caller releases it). */
static int node_op(struct gf_modctx *ctx, const char *op, const struct gf_val *args,
                   const struct gf_buf *paths, struct gf_result *r, struct gf_modres *res)
{
    struct gf_buf sc = GF_BUF_INIT;
    int rc;

    gf_sh_assign(&sc, "gf_op", op);
    gf_sh_assign(&sc, "gf_contains", gf_arg_str(args, "contains", ""));
    gf_sh_assign(&sc, "gf_whole", gf_arg_bool(args, "read_whole_file", 0) ? "1" : "0");
    gf_nodesh_add(&sc, "lib");
    gf_nodesh_add(&sc, "find");
    rc = gf_sys_run(ctx, sc.buf, paths->buf, paths->len, r, res, "find failed");
    gf_buf_release(&sc);
    return rc;
}

static int find_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    static const long long age_f[] = { 1, 60, 3600, 86400, 604800 };
    static const long long size_f[] = { 1, 1024, 1024LL * 1024, 1024LL * 1024 * 1024,
                                        1024LL * 1024 * 1024 * 1024 };
    const struct gf_val *paths = gf_val_map_get(args, "paths");
    const struct gf_val *pats = gf_val_map_get(args, "patterns");
    const struct gf_val *excl = gf_val_map_get(args, "excludes");
    const char *ftype = gf_arg_str(args, "file_type", "file");
    const char *stamp = gf_arg_str(args, "age_stamp", "mtime");
    const char *age_s = gf_arg_str(args, "age", NULL), *size_s = gf_arg_str(args, "size", NULL);
    const char *contains = gf_arg_str(args, "contains", NULL);
    int regex = gf_arg_bool(args, "use_regex", 0), recurse = gf_arg_bool(args, "recurse", 0);
    int hidden = gf_arg_bool(args, "hidden", 0), sums = gf_arg_bool(args, "get_checksum", 0);
    long long depth = gf_arg_int(args, "depth", 0), age = 0, size = 0;
    struct gf_buf sc = GF_BUF_INIT, plist = GF_BUF_INIT, cand = GF_BUF_INIT;
    struct gf_val *dflt = NULL, *skipped = gf_val_map(), *files = gf_val_list();
    struct gf_val *warnings = gf_val_list();
    struct walk w = { 0 };
    struct gf_result r;
    double now = 0;
    long looked = 0;
    int rc = 0, ran = 0;

    if (gf_arg_bool(args, "follow", 0)) {
        gf_modres_fail(res, "find: follow=true is not supported yet (%s:%d, host %s)",
                       ctx->file ? ctx->file : "?", ctx->line, ctx->host);
        goto out;
    }
    if (age_s && parse_scaled(age_s, "smhdw", age_f, &age) < 0) {
        gf_val_map_set(res->data, "age", gf_val_str(age_s));
        gf_modres_fail(res, "failed to process age");
        goto out;
    }
    if (size_s && parse_scaled(size_s, "bkmgt", size_f, &size) < 0) {
        gf_val_map_set(res->data, "size", gf_val_str(size_s));
        gf_modres_fail(res, "failed to process size");
        goto out;
    }
    if (pats == NULL || pats->type != GF_VAL_LIST || pats->u.list.n == 0) {
        dflt = gf_val_list();
        gf_val_list_push(dflt, gf_val_str(regex ? ".*" : "*"));
        pats = dflt;
    }
    for (size_t i = 0; i < pats->u.list.n; i++) {
        const struct gf_val *p = pats->u.list.v[i];
        if (regex && p->type == GF_VAL_STR && rx_match(p->u.str.s, "") < 0) {
            gf_modres_fail(res, "find: invalid regular expression '%s'", p->u.str.s);
            goto out;
        }
    }
    for (size_t i = 0; i < paths->u.list.n; i++) {
        struct gf_buf t = GF_BUF_INIT;
        gf_val_to_text(paths->u.list.v[i], &t);
        gf_buf_addf(&plist, "%s%s", i ? "\n" : "", t.buf ? t.buf : "");
        gf_buf_release(&t);
    }
    char md[32] = "1";
    if (recurse)
        snprintf(md, sizeof(md), "%lld", depth > 0 ? depth + 1 : 0);
    gf_sh_assign(&sc, "gf_op", "list");
    gf_sh_assign(&sc, "gf_paths", plist.buf ? plist.buf : "");
    gf_sh_assign(&sc, "gf_maxdepth", strcmp(md, "0") ? md : "");
    gf_nodesh_add(&sc, "lib");
    gf_nodesh_add(&sc, "find");
    if ((rc = gf_sys_run(ctx, sc.buf, NULL, 0, &r, res, "find failed")) != 0) {
        ran = 1;
        goto out;
    }
    ran = 1;
    /* records; the entries grouped by their directory */
    size_t alloc = 0;
    const char *root = NULL;
    for (size_t off = 0; off < r.out.len;) {
        const char *rec = r.out.buf + off;
        size_t n = strnlen(rec, r.out.len - off);
        off += n + 1;
        if (strncmp(rec, "GFNOW ", 6) == 0) {
            now = atof(rec + 6);
        } else if (strncmp(rec, "GFSKIP ", 7) == 0 || strncmp(rec, "GFERRP ", 7) == 0) {
            const char *tab = strchr(rec + 7, '\t');
            char *p = gf_xstrndup(rec + 7, tab ? (size_t)(tab - rec - 7) : n - 7);
            char *why = tab ? gf_xstrdup(tab + 1) : gf_xasprintf("'%s' is not a directory", p);
            gf_val_map_set(skipped, p, gf_val_str(why));
            char *wmsg = gf_xasprintf("Skipped '%s' path due to this access issue: %s\n", p, why);
            gf_val_list_push(warnings, gf_val_str(wmsg));
            free(wmsg);
            free(p);
            free(why);
        } else if (strncmp(rec, "GFROOT ", 7) == 0) {
            root = rec + 7;
        } else if (root && n > 2) {
            struct fent e;
            if (parse_entry(rec, &e) < 0)
                continue;
            char *rp = gf_xasprintf("%s/", root);
            e.depth = count_slash(e.path) - count_slash(rp) + 1;
            free(rp);
            if (w.n == alloc) {
                alloc = alloc ? 2 * alloc : 64;
                w.v = gf_xrealloc(w.v, alloc * sizeof(*w.v));
            }
            w.v[w.n++] = e;
            char *parent = gf_xstrndup(e.path, (size_t)(e.name - e.path - (e.name > e.path)));
            struct gf_vec *kids = gf_map_get(&w.children, parent);
            if (kids == NULL) {
                kids = gf_xcalloc(1, sizeof(*kids));
                gf_map_set(&w.children, parent, kids);
            }
            gf_vec_push(kids, (void *)w.n);
            free(parent);
        }
    }
    /* os.walk from each root, in the order of the paths */
    for (size_t off = 0; off < r.out.len;) {
        const char *rec = r.out.buf + off;
        off += strnlen(rec, r.out.len - off) + 1;
        if (strncmp(rec, "GFROOT ", 7) == 0) {
            char *np = normpath(rec + 7);
            walk_dir(&w, np);
            free(np);
        }
    }
    looked = (long)w.order.n;
    for (size_t i = 0; i < w.order.n; i++) {
        struct fent *e = &w.v[(size_t)w.order.v[i] - 1];
        if (depth > 0 && e->depth > depth)
            continue;
        if (e->name[0] == '.' && !hidden)
            continue;
        double t = !strcmp(stamp, "atime") ? e->atime : !strcmp(stamp, "ctime") ? e->ctime
                   : e->mtime;
        int age_ok = !age_s || (age >= 0 ? now - t >= (double)age : now - t <= (double)-age);
        int size_ok = !size_s || (size >= 0 ? e->size >= size : e->size <= -size);
        if (!pfilter(e->name, pats, excl, regex) || !age_ok)
            continue;
        int any = !strcmp(ftype, "any");
        if ((any && (e->type != 'f' || size_ok)) ||
            (e->type == 'd' && !strcmp(ftype, "directory")) ||
            (e->type == 'l' && !strcmp(ftype, "link")) ||
            (e->type == 'f' && !strcmp(ftype, "file") && size_ok)) {
            e->taken = 1;
            if (contains && !strcmp(ftype, "file")) {
                gf_buf_adds(&cand, e->path);
                gf_buf_addc(&cand, '\0');
            }
        }
    }
    if (contains && !strcmp(ftype, "file")) {
        for (size_t i = 0; i < w.n; i++)
            w.v[i].taken = 0;
        if (cand.len) {
            gf_result_release(&r);
            if ((rc = node_op(ctx, "contains", args, &cand, &r, res)) != 0)
                goto out;
            for (size_t off = 0; off < r.out.len;) {
                const char *p = r.out.buf + off;
                off += strnlen(p, r.out.len - off) + 1;
                for (size_t i = 0; i < w.n; i++)
                    if (strcmp(w.v[i].path, p) == 0)
                        w.v[i].taken = 1;
            }
        }
    }
    struct gf_map sumv = GF_MAP_INIT;
    if (sums) {
        gf_buf_reset(&cand);
        for (size_t i = 0; i < w.n; i++)
            if (w.v[i].taken && w.v[i].type == 'f') {
                gf_buf_adds(&cand, w.v[i].path);
                gf_buf_addc(&cand, '\0');
            }
        if (cand.len) {
            gf_result_release(&r);
            if ((rc = node_op(ctx, "sum", args, &cand, &r, res)) != 0)
                goto out;
            for (char *p = r.out.buf; p && *p;) {
                char *nl = strchr(p, '\n');
                if (nl)
                    *nl = '\0';
                if (strlen(p) > 42 && p[40] == ' ')
                    gf_map_set(&sumv, p + 42, gf_xstrndup(p, 40));
                p = nl ? nl + 1 : NULL;
            }
        }
    }
    for (size_t i = 0; i < w.order.n; i++) {
        const struct fent *e = &w.v[(size_t)w.order.v[i] - 1];
        if (!e->taken)
            continue;
        struct gf_val *st = statinfo(e);
        const char *s = gf_map_get(&sumv, e->path);
        if (s)
            gf_val_map_set(st, "checksum", gf_val_str(s));
        gf_val_list_push(files, st);
    }
    gf_map_release(&sumv, free);
    gf_val_map_set(res->data, "files", gf_val_ref(files));
    gf_val_map_set(res->data, "matched", gf_val_int((long long)files->u.list.n));
    gf_val_map_set(res->data, "examined", gf_val_int(looked));
    gf_val_map_set(res->data, "skipped_paths", gf_val_ref(skipped));
    gf_val_map_set(res->data, "msg", gf_val_str(skipped->u.map.n
                                                ? "Not all paths examined, check warnings for "
                                                  "details" : "All paths examined"));
    if (warnings->u.list.n)
        gf_val_map_set(res->data, "warnings", gf_val_ref(warnings));
out:
    if (ran)
        gf_result_release(&r);
    for (size_t i = 0; i < w.n; i++)
        free(w.v[i].path);
    free(w.v);
    gf_map_release(&w.children, vec_free);
    gf_vec_release(&w.order, NULL);
    gf_val_unref(dflt);
    gf_val_unref(skipped);
    gf_val_unref(files);
    gf_val_unref(warnings);
    gf_buf_release(&sc);
    gf_buf_release(&plist);
    gf_buf_release(&cand);
    return rc < 0 ? rc : 0;
}

/* not gf_module_find: that is the lookup function */
const struct gf_module gf_module_find_files = {
    .name = "find",
    .aliases = (const char *const[]){ "ansible.builtin.find", NULL },
    .params = find_params,
    .supports_check = 1,
    .run = find_run,
};

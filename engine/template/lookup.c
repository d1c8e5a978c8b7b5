/* lookup.c - Ansible's lookup plugins, for lookup()/query() in templates and
 * for with_NAME loops (template.h), with ansible-core 2.14's behaviour:
 * file, template, env, fileglob, first_found, pipe, lines, vars, varnames,
 * password, items, list, dict, indexed_items, subelements, nested, together,
 * sequence and random_choice, short or as ansible.builtin.NAME. Files are looked up
 * as Ansible's find_file_in_search_path does, from the scope's
 * ansible_search_path (the role's path, then the task file's directory) and
 * playbook_dir. Every result is marked unsafe, as Ansible wraps lookup
 * results (allow_unsafe=False). Anything else (another plugin, an option
 * that is not implemented) is refused by name. */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <pwd.h>
#include <sys/utsname.h>

#include <openssl/rand.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "template-priv.h"

/* One plugin call. */
struct lk {
    const char *name;                /* the plugin, short name */
    struct gf_val *terms;            /* a list (listified) */
    const struct gf_val *kwargs;     /* map or NULL */
    const struct gf_tpl_scope *scope;
    struct gf_val *out;              /* the result list */
    struct gf_error *err;
};

typedef int (*lk_fn)(struct lk *l);

/* Sets err to "lookup plugin 'NAME': msg" with code and returns -code:
 * GF_EFAIL for a plugin's failure (errors= applies, as to Ansible's
 * AnsibleError), GF_EINVAL/GF_EUNSUPPORTED for a bad or unsupported option
 * (always raised, as AnsibleOptionsError). */
static int lk_inval(struct lk *l, int code, const char *fmt, ...) GF_PRINTF(3, 4);
static int lk_inval(struct lk *l, int code, const char *fmt, ...)
{
    struct gf_buf b = GF_BUF_INIT;
    va_list ap;

    va_start(ap, fmt);
    gf_buf_vaddf(&b, fmt, ap);
    va_end(ap);
    gf_error_set(l->err, code, NULL, 0, 0, "lookup plugin '%s': %s", l->name, b.buf);
    gf_buf_release(&b);
    return -code;
}
#define lk_fail(l, ...) lk_inval(l, GF_EFAIL, __VA_ARGS__)

static const struct gf_val *kw(const struct lk *l, const char *key)
{
    return l->kwargs ? gf_val_map_get(l->kwargs, key) : NULL;
}

/* The option key as a boolean (Ansible's boolean()); def when absent. */
static int kw_bool(struct lk *l, const char *key, int def, int *out)
{
    const struct gf_val *v = kw(l, key);

    *out = def;
    if (v == NULL)
        return 0;
    if (v->type == GF_VAL_BOOL || v->type == GF_VAL_INT) {
        *out = v->type == GF_VAL_BOOL ? v->u.b : v->u.i != 0;
        return 0;
    }
    if (v->type == GF_VAL_STR) {
        static const char *const yes[] = { "y", "yes", "on", "1", "true", "t", NULL };
        static const char *const no[] = { "n", "no", "off", "0", "false", "f", NULL };
        for (size_t i = 0; yes[i]; i++)
            if (strcasecmp(v->u.str.s, yes[i]) == 0)
                return (*out = 1, 0);
        for (size_t i = 0; no[i]; i++)
            if (strcasecmp(v->u.str.s, no[i]) == 0)
                return (*out = 0, 0);
    }
    return lk_inval(l, GF_EINVAL, "option '%s' must be a boolean", key);
}

/* The loader's base directory: playbook_dir, else the current one. */
static const char *basedir(const struct lk *l)
{
    struct gf_val *v = tpl_scope_get(l->scope, "playbook_dir");

    return v && v->type == GF_VAL_STR && v->u.str.len ? v->u.str.s : ".";
}

static int exists(const char *p)
{
    struct stat st;

    return stat(p, &st) == 0;
}

/* Ansible's DataLoader._is_role: "imperfect role detection". */
static int is_role(const char *path)
{
    static const char *const mains[] = { "main.yml", "main.yaml", "main" };
    char *dir = gf_xstrdup(path);
    char *slash = strrchr(dir, '/');
    int found = 0;

    if (slash)
        *slash = '\0';
    else
        strcpy(dir, ".");
    for (size_t i = 0; i < GF_ARRAY_LEN(mains) && !found; i++) {
        char *a = gf_xasprintf("%s/%s", path, mains[i]);
        char *b = gf_xasprintf("%s/tasks/%s", path, mains[i]);
        char *c = gf_xasprintf("%s/tasks/%s", dir, mains[i]);
        found = exists(a) || exists(b) || exists(c);
        free(a);
        free(b);
        free(c);
    }
    free(dir);
    return found;
}

/* Appends to out the places Ansible's path_dwim_relative_stack tries for
 * source under subdir, in order (malloc'd strings). */
static void search_list(const struct lk *l, const char *subdir, const char *source,
                        struct gf_vec *out)
{
    struct gf_val *sp = tpl_scope_get(l->scope, "ansible_search_path");
    const char *base = basedir(l);

    if (sp && sp->type == GF_VAL_LIST) {
        for (size_t i = 0; i < sp->u.list.n; i++) {
            const struct gf_val *p = sp->u.list.v[i];
            if (p->type != GF_VAL_STR)
                continue;
            const char *path = p->u.str.s;
            char *parent = gf_xstrdup(path);
            char *slash = strrchr(parent, '/');
            if (slash)
                *slash = '\0';
            if (slash && gf_endswith(parent, "/tasks") && is_role(path)) {
                char *grand = gf_xstrndup(parent, strlen(parent) - 6);
                gf_vec_push(out, gf_xasprintf("%s/%s/%s", grand, subdir, source));
                gf_vec_push(out, gf_xasprintf("%s/%s", parent, source));
                free(grand);
            } else {
                gf_vec_push(out, gf_xasprintf("%s/%s/%s", path, subdir, source));
                gf_vec_push(out, gf_xasprintf("%s/%s", path, source));
            }
            free(parent);
        }
    }
    gf_vec_push(out, gf_xasprintf("%s/%s/%s", base, subdir, source));
    gf_vec_push(out, gf_xasprintf("%s/%s", base, source));
}

/* find_file_in_search_path: a malloc'd path, or NULL. */
static char *find_file(const struct lk *l, const char *subdir, const char *source)
{
    char *found = NULL;

    if (source[0] == '~' || source[0] == '/') {
        char *p = source[0] == '~' ? gf_expand_home(source) : gf_xstrdup(source);
        if (exists(p))
            return p;
        free(p);
        return NULL;
    }
    if (source[0] == '\0')
        return NULL;
    struct gf_vec cands = GF_VEC_INIT;
    search_list(l, subdir, source, &cands);
    for (size_t i = 0; i < cands.n && !found; i++)
        if (exists(cands.v[i]))
            found = gf_xstrdup(cands.v[i]);
    gf_vec_release(&cands, free);
    return found;
}

/* The loader's path_dwim: relative to the base directory. Malloc'd. */
static char *path_dwim(const struct lk *l, const char *p)
{
    if (p[0] == '~')
        return gf_expand_home(p);
    if (p[0] == '/')
        return gf_xstrdup(p);
    return gf_xasprintf("%s/%s", basedir(l), p);
}

static int need_str(struct lk *l, const struct gf_val *t)
{
    if (t->type == GF_VAL_STR)
        return 0;
    return lk_inval(l, GF_EINVAL, "a term must be a string, got %s", gf_val_typename(t));
}

/* Only the options in allowed (NULL-ended) may be given. */
static int only_opts(struct lk *l, const char *const *allowed)
{
    if (l->kwargs == NULL)
        return 0;
    for (size_t i = 0; i < l->kwargs->u.map.n; i++) {
        const char *k = l->kwargs->u.map.ents[i].key;
        size_t j = 0;
        if (strcmp(k, "_subdir") == 0)
            continue;
        while (allowed && allowed[j] && strcmp(allowed[j], k))
            j++;
        if (allowed == NULL || allowed[j] == NULL)
            return lk_inval(l, GF_EUNSUPPORTED, "the option '%s' is not supported", k);
    }
    return 0;
}

static int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' ||
           (c >= 0x1c && c <= 0x1f);
}

/* ---- file, template, fileglob, first_found ---- */

static int read_text(struct lk *l, const char *path, struct gf_buf *b)
{
    struct gf_error e = GF_ERROR_INIT;

    if (gf_read_file(path, b, 256u << 20, &e) < 0) {
        lk_fail(l, "%s", e.msg ? e.msg : "cannot read the file");
        gf_error_clear(&e);
        return -GF_EFAIL;
    }
    if (!gf_utf8_valid(b->buf, b->len))
        return lk_fail(l, "'%s' is not valid UTF-8", path);
    return 0;
}

static int lk_file(struct lk *l)
{
    static const char *const opts[] = { "lstrip", "rstrip", NULL };
    int lstrip, rstrip;

    if (only_opts(l, opts) < 0 || kw_bool(l, "lstrip", 0, &lstrip) < 0 ||
        kw_bool(l, "rstrip", 1, &rstrip) < 0)
        return -1;
    for (size_t i = 0; i < l->terms->u.list.n; i++) {
        const struct gf_val *t = l->terms->u.list.v[i];
        if (need_str(l, t) < 0)
            return -1;
        char *path = find_file(l, "files", t->u.str.s);
        if (path == NULL || gf_is_dir(path)) {
            free(path);
            return lk_fail(l, "could not locate file in lookup: %s", t->u.str.s);
        }
        struct gf_buf b = GF_BUF_INIT;
        int rc = read_text(l, path, &b);
        free(path);
        if (rc < 0) {
            gf_buf_release(&b);
            return -1;
        }
        size_t s = 0, e = b.len;
        while (lstrip && s < e && is_space((unsigned char)b.buf[s]))
            s++;
        while (rstrip && e > s && is_space((unsigned char)b.buf[e - 1]))
            e--;
        gf_val_list_push(l->out, gf_val_strn(b.buf + s, e - s));
        gf_buf_release(&b);
    }
    return 0;
}

struct gf_val *gf_tpl_file_vars(const char *path, const char *fullpath, const char *dest)
{
    struct gf_val *m = gf_val_map();
    struct utsname u;
    struct stat st;
    char real[4096];

    gf_val_map_set(m, "template_host", gf_val_str(uname(&u) == 0 ? u.nodename : ""));
    gf_val_map_set(m, "template_path", gf_val_str(path));
    if (stat(fullpath, &st) == 0) {
        struct passwd pw, *pwp = NULL;
        char buf[1024];
        if (getpwuid_r(st.st_uid, &pw, buf, sizeof(buf), &pwp) != 0 || pwp == NULL)
            snprintf(buf, sizeof(buf), "%lu", (unsigned long)st.st_uid);
        gf_val_map_set(m, "template_uid", gf_val_str(pwp ? pw.pw_name : buf));
    }
    gf_val_map_set(m, "template_destpath", dest ? gf_val_str(dest) : gf_val_null());
    gf_val_map_set(m, "template_fullpath",
                   gf_val_str(fullpath[0] == '/' || !realpath(fullpath, real) ? fullpath : real));
    /* DEFAULT_MANAGED_STR without an ansible.cfg: no placeholders, no % */
    gf_val_map_set(m, "ansible_managed", gf_val_str("Ansible managed"));
    return m;
}

static int lk_template(struct lk *l)
{
    static const char *const opts[] = {
        "convert_data", "template_vars", "jinja2_native", "variable_start_string",
        "variable_end_string", "comment_start_string", "comment_end_string", NULL
    };
    static const char *const delims[][2] = {
        { "variable_start_string", "{{" }, { "variable_end_string", "}}" },
        { "comment_start_string", "{#" }, { "comment_end_string", "#}" },
    };
    int convert, native;

    if (only_opts(l, opts) < 0 || kw_bool(l, "convert_data", 1, &convert) < 0 ||
        kw_bool(l, "jinja2_native", 0, &native) < 0) /* no effect without jinja2_native */
        return -1;
    for (size_t i = 0; i < GF_ARRAY_LEN(delims); i++) {
        const struct gf_val *d = kw(l, delims[i][0]);
        if (d && (d->type != GF_VAL_STR || strcmp(d->u.str.s, delims[i][1])))
            return lk_inval(l, GF_EUNSUPPORTED, "the option '%s' is not supported (only "
                            "the default '%s')", delims[i][0], delims[i][1]);
    }
    const struct gf_val *tv = kw(l, "template_vars");
    if (tv && tv->type != GF_VAL_MAP)
        return lk_inval(l, GF_EINVAL, "option 'template_vars' must be a dict");
    for (size_t i = 0; i < l->terms->u.list.n; i++) {
        const struct gf_val *t = l->terms->u.list.v[i];
        if (need_str(l, t) < 0)
            return -1;
        char *path = find_file(l, "templates", t->u.str.s);
        if (path == NULL || gf_is_dir(path)) {
            free(path);
            return lk_fail(l, "the template file %s could not be found for the lookup",
                           t->u.str.s);
        }
        struct gf_buf b = GF_BUF_INIT;
        if (read_text(l, path, &b) < 0) {
            free(path);
            gf_buf_release(&b);
            return -1;
        }
        /* Ansible's template variables, then template_vars, over the task's */
        struct gf_tpl_scope top, fv;
        struct gf_val *fvars = gf_tpl_file_vars(t->u.str.s, path, NULL);
        gf_tpl_scope_map(&fv, fvars, l->scope);
        gf_tpl_scope_map(&top, tv, &fv);
        struct gf_tpl_opts o = { .flags = GF_TPL_FILE, .file = path, .line = 1, .col = 1 };
        struct gf_val *v = NULL;
        int rc;
        if (convert) { /* a result that reads as a list, dict or bool becomes one */
            rc = gf_tpl_eval_value(b.buf, b.len, &top, &o, &v, l->err);
        } else {       /* text, and never read back as a value (NativeJinjaText) */
            struct gf_buf txt = GF_BUF_INIT;
            rc = gf_tpl_render(b.buf, b.len, &top, &o, &txt, l->err);
            size_t len;
            char *s = gf_buf_detach(&txt, &len);
            v = rc < 0 ? NULL : gf_val_str_own(s, len);
            if (v)
                v->flags |= TV_NATIVE;
            else
                free(s);
        }
        gf_buf_release(&b);
        gf_val_unref(fvars);
        free(path);
        if (rc < 0)
            return rc;
        gf_val_list_push(l->out, v);
    }
    return 0;
}

static int lk_fileglob(struct lk *l)
{
    if (only_opts(l, NULL) < 0)
        return -1;
    for (size_t i = 0; i < l->terms->u.list.n; i++) {
        const struct gf_val *t = l->terms->u.list.v[i];
        if (need_str(l, t) < 0)
            return -1;
        const char *term = t->u.str.s;
        const char *slash = strrchr(term, '/');
        const char *file = slash ? slash + 1 : term;
        struct gf_vec dirs = GF_VEC_INIT;
        if (slash) {
            char *d = gf_xstrndup(term, (size_t)(slash - term));
            char *found = find_file(l, "files", d[0] ? d : "/");
            if (found)
                gf_vec_push(&dirs, found);
            free(d);
        } else {
            struct gf_val *sp = tpl_scope_get(l->scope, "ansible_search_path");
            if (sp && sp->type == GF_VAL_LIST) {
                for (size_t j = 0; j < sp->u.list.n; j++) {
                    const struct gf_val *p = sp->u.list.v[j];
                    if (p->type == GF_VAL_STR) {
                        gf_vec_push(&dirs, gf_xasprintf("%s/files", p->u.str.s));
                        gf_vec_push(&dirs, gf_xstrdup(p->u.str.s));
                    }
                }
            } else {
                gf_vec_push(&dirs, gf_xasprintf("%s/files", basedir(l)));
                gf_vec_push(&dirs, gf_xstrdup(basedir(l)));
            }
        }
        for (size_t j = 0; j < dirs.n; j++) {
            char *pat = gf_xasprintf("%s/%s", (char *)dirs.v[j], file);
            glob_t g;
            int any = 0;
            memset(&g, 0, sizeof(g));
            /* unsorted: the directory's order, as Python's glob gives it */
            if (glob(pat, GLOB_NOSORT, NULL, &g) == 0) {
                for (size_t k = 0; k < g.gl_pathc; k++)
                    if (gf_is_file(g.gl_pathv[k])) {
                        gf_val_list_push(l->out, gf_val_str(g.gl_pathv[k]));
                        any = 1;
                    }
            }
            globfree(&g);
            free(pat);
            if (any)
                break;
        }
        gf_vec_release(&dirs, free);
    }
    return 0;
}

/* first_found's _split_on: text split on any of chars (empty parts kept). */
static void split_on(const struct gf_val *v, const char *chars, struct gf_vec *out)
{
    if (v->type == GF_VAL_LIST) {
        for (size_t i = 0; i < v->u.list.n; i++)
            split_on(v->u.list.v[i], chars, out);
        return;
    }
    struct gf_buf b = GF_BUF_INIT;
    gf_val_to_text(v, &b);
    const char *s = b.buf;
    for (;;) {
        size_t n = strcspn(s, chars);
        gf_vec_push(out, gf_xstrndup(s, n));
        if (s[n] == '\0')
            break;
        s += n + 1;
    }
    gf_buf_release(&b);
}

/* The options files, paths, skip from m (a term's dict or the kwargs). */
static int ff_opts(struct lk *l, const struct gf_val *m, struct gf_vec *files,
                   struct gf_vec *paths, int *skip)
{
    *skip = 0;
    if (m == NULL)
        return 0;
    for (size_t i = 0; i < m->u.map.n; i++) {
        const char *k = m->u.map.ents[i].key;
        const struct gf_val *v = m->u.map.ents[i].val;
        if (strcmp(k, "_subdir") == 0)
            continue;
        if (strcmp(k, "files") == 0 || strcmp(k, "paths") == 0) {
            if (v->type != GF_VAL_LIST && v->type != GF_VAL_STR)
                return lk_inval(l, GF_EINVAL, "option '%s' must be a list", k);
            split_on(v, k[0] == 'f' ? ",;" : ",:;", k[0] == 'f' ? files : paths);
        } else if (strcmp(k, "skip") == 0) {
            struct gf_val *one = gf_val_map();
            const struct gf_val *saved = l->kwargs;
            gf_val_map_set(one, "skip", gf_val_ref((struct gf_val *)v));
            l->kwargs = one;
            int rc = kw_bool(l, "skip", 0, skip);
            l->kwargs = saved;
            gf_val_unref(one);
            if (rc < 0)
                return rc;
        } else {
            return lk_inval(l, GF_EUNSUPPORTED, "the option '%s' is not supported", k);
        }
    }
    return 0;
}

/* first_found's _process_terms, recursively for nested lists. */
static int ff_terms(struct lk *l, const struct gf_val *terms, struct gf_vec *total, int *skip)
{
    for (size_t i = 0; i < terms->u.list.n; i++) {
        const struct gf_val *t = terms->u.list.v[i];
        if (t->type == GF_VAL_LIST) {
            if (ff_terms(l, t, total, skip) < 0)
                return -1;
            continue;
        }
        if (t->type != GF_VAL_MAP && t->type != GF_VAL_STR)
            return lk_fail(l, "Invalid term supplied, can handle string, mapping or list of "
                           "strings but got: %s", gf_val_typename(t));
        struct gf_vec files = GF_VEC_INIT, paths = GF_VEC_INIT;
        int rc = ff_opts(l, t->type == GF_VAL_MAP ? t : l->kwargs, &files, &paths, skip);
        if (rc == 0) {
            if (paths.n) {
                for (size_t p = 0; p < paths.n; p++)
                    for (size_t f = 0; f < files.n; f++) {
                        const char *d = paths.v[p], *fn = files.v[f];
                        /* os.path.join: an absolute name replaces the path */
                        gf_vec_push(total, fn[0] == '/' ? gf_xstrdup(fn)
                                    : gf_xasprintf("%s%s%s", d,
                                                   d[0] && !gf_endswith(d, "/") ? "/" : "",
                                                   fn));
                    }
            } else if (files.n) {
                /* as Ansible: a dict's files replace what earlier terms gave */
                gf_vec_release(total, free);
                for (size_t f = 0; f < files.n; f++)
                    gf_vec_push(total, gf_xstrdup(files.v[f]));
            } else if (t->type == GF_VAL_STR) {
                gf_vec_push(total, gf_xstrdup(t->u.str.s));
            } else {
                gf_vec_push(total, NULL); /* a dict without files: Ansible fails on it */
            }
        }
        gf_vec_release(&files, free);
        gf_vec_release(&paths, free);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int lk_first_found(struct lk *l)
{
    static const char *const opts[] = { "files", "paths", "skip", NULL };
    struct gf_vec total = GF_VEC_INIT;
    const struct gf_val *sd = kw(l, "_subdir");
    const char *subdir = sd && sd->type == GF_VAL_STR ? sd->u.str.s : "files";
    int skip = 0, rc = 0;

    if (only_opts(l, opts) < 0)
        return -1;
    if (ff_terms(l, l->terms, &total, &skip) < 0) {
        gf_vec_release(&total, free);
        return -1;
    }
    for (size_t i = 0; i < total.n; i++) {
        if (total.v[i] == NULL) {
            rc = lk_fail(l, "a term given as a dict needs 'files'");
            goto out;
        }
        char *p = find_file(l, subdir, total.v[i]);
        if (p) {
            gf_val_list_push(l->out, gf_val_str(p));
            free(p);
            goto out;
        }
    }
    if (!skip)
        rc = lk_fail(l, "No file was found when using first_found.");
out:
    gf_vec_release(&total, free);
    return rc;
}

/* ---- pipe, lines, env, vars ---- */

/* Runs cmd with /bin/sh in the base directory, as Ansible's subprocess with
 * shell=True and cwd=basedir; stdout into out, stderr passed through.
 * Returns the exit status (negative signal numbers as Python), or -1000. */
static int run_sh(const struct lk *l, const char *cmd, struct gf_buf *out)
{
    const char *dir = basedir(l);
    int fds[2];
    pid_t pid;

    if (pipe2(fds, O_CLOEXEC) < 0)
        return -1000;
    pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1000;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, 0);
        dup2(fds[1], 1);
        if (chdir(dir) < 0)
            _exit(127);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    char buf[8192];
    for (;;) {
        ssize_t n = read(fds[0], buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        gf_buf_add(out, buf, (size_t)n);
    }
    close(fds[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1000;
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    return WIFSIGNALED(st) ? -WTERMSIG(st) : -1000;
}

static int lk_pipe_lines(struct lk *l, int lines)
{
    if (only_opts(l, NULL) < 0)
        return -1;
    for (size_t i = 0; i < l->terms->u.list.n; i++) {
        struct gf_buf cmd = GF_BUF_INIT, out = GF_BUF_INIT;
        gf_val_to_text(l->terms->u.list.v[i], &cmd);
        int st = run_sh(l, cmd.buf, &out);
        if (st != 0) {
            lk_fail(l, "lookup_plugin.%s(%s) returned %d", lines ? "lines" : "pipe", cmd.buf,
                    st);
            gf_buf_release(&cmd);
            gf_buf_release(&out);
            return -1;
        }
        gf_buf_release(&cmd);
        if (!gf_utf8_valid(out.buf, out.len)) {
            gf_buf_release(&out);
            return lk_fail(l, "the command's output is not valid UTF-8");
        }
        if (!lines) {
            size_t e = out.len;
            while (e > 0 && is_space((unsigned char)out.buf[e - 1]))
                e--;
            gf_val_list_push(l->out, gf_val_strn(out.buf, e));
        } else {
            /* str.splitlines() on the ASCII and Unicode line boundaries */
            const char *s = out.buf, *end = out.buf + out.len, *p = s;
            while (p < end) {
                size_t skip = 0;
                unsigned char c = (unsigned char)*p;
                if (c == '\r')
                    skip = p + 1 < end && p[1] == '\n' ? 2 : 1;
                else if (c == '\n' || c == '\v' || c == '\f' || (c >= 0x1c && c <= 0x1e))
                    skip = 1;
                else if (c == 0xc2 && p + 1 < end && (unsigned char)p[1] == 0x85)
                    skip = 2;
                else if (c == 0xe2 && p + 2 < end && (unsigned char)p[1] == 0x80 &&
                         ((unsigned char)p[2] == 0xa8 || (unsigned char)p[2] == 0xa9))
                    skip = 3;
                if (skip) {
                    gf_val_list_push(l->out, gf_val_strn(s, (size_t)(p - s)));
                    p += skip;
                    s = p;
                } else {
                    p++;
                }
            }
            if (s < end)
                gf_val_list_push(l->out, gf_val_strn(s, (size_t)(end - s)));
        }
        gf_buf_release(&out);
    }
    return 0;
}

static int lk_pipe(struct lk *l)
{
    return lk_pipe_lines(l, 0);
}

static int lk_lines(struct lk *l)
{
    return lk_pipe_lines(l, 1);
}

static int lk_env(struct lk *l)
{
    static const char *const opts[] = { "default", NULL };
    const struct gf_val *def = kw(l, "default");

    if (def && def->type == GF_VAL_NULL) /* None leaves the option at its default, "" */
        def = NULL;

    if (only_opts(l, opts) < 0)
        return -1;
    for (size_t i = 0; i < l->terms->u.list.n; i++) {
        const struct gf_val *t = l->terms->u.list.v[i];
        if (need_str(l, t) < 0)
            return -1;
        const char *s = t->u.str.s;
        while (*s && is_space((unsigned char)*s))
            s++;
        size_t n = 0;
        while (s[n] && !is_space((unsigned char)s[n]))
            n++;
        if (n == 0)
            return lk_fail(l, "list index out of range (an empty variable name)");
        char *name = gf_xstrndup(s, n);
        const char *val = getenv(name);
        free(name);
        if (val)
            gf_val_list_push(l->out, gf_val_str(val));
        else if (def)
            gf_val_list_push(l->out, gf_val_ref((struct gf_val *)def));
        else
            gf_val_list_push(l->out, gf_val_str(""));
    }
    return 0;
}

static int lk_vars(struct lk *l)
{
    static const char *const opts[] = { "default", NULL };
    const struct gf_val *def = kw(l, "default");

    if (only_opts(l, opts) < 0)
        return -1;
    for (size_t i = 0; i < l->terms->u.list.n; i++) {
        const struct gf_val *t = l->terms->u.list.v[i];
        if (t->type != GF_VAL_STR)
            return lk_fail(l, "Invalid setting identifier, a %s is not a string",
                           gf_val_typename(t));
        struct gf_val *v = tpl_scope_get(l->scope, t->u.str.s), *res = NULL;
        if (v == NULL) {
            if (def && def->type != GF_VAL_NULL) {
                gf_val_list_push(l->out, gf_val_ref((struct gf_val *)def));
                continue;
            }
            return lk_inval(l, GF_EINVAL, "No variable found with this name: %s",
                            t->u.str.s);
        }
        int rc = gf_tpl_template_val(v, l->scope, NULL, &res, l->err);
        if (rc < 0)
            return rc;
        gf_val_list_push(l->out, res);
    }
    return 0;
}

/* varnames: names collected once each, in the order first seen. */
static void add_name(const char *name, void *arg)
{
    struct gf_map *m = arg;

    if (gf_map_get(m, name) == NULL)
        gf_map_set(m, name, (void *)1);
}

static int lk_varnames(struct lk *l)
{
    struct gf_map names = GF_MAP_INIT;
    int rc = 0;

    if (only_opts(l, NULL) < 0)
        return -1;
    for (const struct gf_tpl_scope *s = l->scope; s; s = s->parent) {
        if (s->lookup && s->names == NULL) {
            gf_map_release(&names, NULL);
            return lk_inval(l, GF_EUNSUPPORTED, "the variables of this scope cannot be listed");
        }
        if (s->names)
            s->names(s->ctx, add_name, &names);
    }
    for (size_t i = 0; i < l->terms->u.list.n && rc == 0; i++) {
        const struct gf_val *t = l->terms->u.list.v[i];
        if (t->type != GF_VAL_STR) {
            rc = lk_fail(l, "Invalid setting identifier, a %s is not a string",
                         gf_val_typename(t));
            break;
        }
        int ec;
        PCRE2_SIZE off;
        pcre2_code *re = pcre2_compile((PCRE2_SPTR)t->u.str.s, t->u.str.len, PCRE2_UTF, &ec,
                                       &off, NULL);
        if (re == NULL) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(ec, msg, sizeof(msg));
            rc = lk_fail(l, "Unable to use \"%s\" as a search parameter: %s", t->u.str.s,
                         (char *)msg);
            break;
        }
        pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
        for (size_t j = 0; j < names.n; j++) {
            const char *n = names.ents[j].key;
            if (pcre2_match(re, (PCRE2_SPTR)n, strlen(n), 0, 0, md, NULL) >= 0)
                gf_val_list_push(l->out, gf_val_str(n));
        }
        pcre2_match_data_free(md);
        pcre2_code_free(re);
    }
    gf_map_release(&names, NULL);
    return rc;
}

/* ---- password ---- */

static pthread_mutex_t pw_lock = PTHREAD_MUTEX_INITIALIZER;

/* Python's string module constants the chars option may name. */
static const char *pw_charset(const char *spec)
{
    static const char *const sets[][2] = {
        { "ascii_letters", "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" },
        { "ascii_lowercase", "abcdefghijklmnopqrstuvwxyz" },
        { "ascii_uppercase", "ABCDEFGHIJKLMNOPQRSTUVWXYZ" },
        { "digits", "0123456789" },
        { "hexdigits", "0123456789abcdefABCDEF" },
        { "octdigits", "01234567" },
        { "punctuation", "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~" },
        { "printable", "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                       "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ \t\n\r\x0b\x0c" },
        { "whitespace", " \t\n\r\x0b\x0c" },
    };
    for (size_t i = 0; i < GF_ARRAY_LEN(sets); i++)
        if (strcmp(sets[i][0], spec) == 0)
            return sets[i][1];
    return spec;
}

/* chars: a list of specs, or the "a,b,,c" text form (",," is a comma). */
static void pw_chars(const struct gf_val *v, struct gf_buf *out)
{
    struct gf_vec specs = GF_VEC_INIT;

    if (v == NULL) {
        gf_vec_push(&specs, gf_xstrdup("ascii_letters"));
        gf_vec_push(&specs, gf_xstrdup("digits"));
        gf_vec_push(&specs, gf_xstrdup(".,:-_"));
    } else if (v->type == GF_VAL_LIST) {
        for (size_t i = 0; i < v->u.list.n; i++) {
            struct gf_buf b = GF_BUF_INIT;
            gf_val_to_text(v->u.list.v[i], &b);
            gf_vec_push(&specs, gf_buf_detach(&b, NULL));
        }
    } else {
        struct gf_buf t = GF_BUF_INIT;
        gf_val_to_text(v, &t);
        if (strstr(t.buf, ",,"))
            gf_vec_push(&specs, gf_xstrdup(","));
        struct gf_buf r = GF_BUF_INIT; /* replace(",,", ",") */
        for (size_t i = 0; i < t.len; i++) {
            gf_buf_addc(&r, t.buf[i]);
            if (t.buf[i] == ',' && i + 1 < t.len && t.buf[i + 1] == ',')
                i++;
        }
        const char *s = r.buf;
        for (;;) {
            size_t n = strcspn(s, ",");
            if (n)
                gf_vec_push(&specs, gf_xstrndup(s, n));
            if (s[n] == '\0')
                break;
            s += n + 1;
        }
        gf_buf_release(&r);
        gf_buf_release(&t);
    }
    for (size_t i = 0; i < specs.n; i++)
        for (const char *c = pw_charset(specs.v[i]); *c; c++)
            if (*c != '"' && *c != '\'')
                gf_buf_addc(out, *c);
    gf_vec_release(&specs, free);
}

/* A random password of len characters from chars (uniform, no modulo bias).
 * Characters are bytes: multi-byte characters in chars are refused. */
static int pw_random(struct lk *l, const char *chars, size_t nchars, long long len,
                     struct gf_buf *out)
{
    if (nchars == 0 || nchars > 256)
        return lk_fail(l, "the set of characters is empty or too large");
    for (size_t i = 0; i < nchars; i++)
        if ((unsigned char)chars[i] >= 0x80)
            return lk_inval(l, GF_EUNSUPPORTED, "non-ASCII characters in 'chars' are not "
                            "supported");
    unsigned limit = 256 - 256 % (unsigned)nchars;
    while ((long long)out->len < len) {
        unsigned char rb[64];
        if (RAND_bytes(rb, sizeof(rb)) != 1)
            return lk_fail(l, "the random number generator failed");
        for (size_t i = 0; i < sizeof(rb) && (long long)out->len < len; i++)
            if (rb[i] < limit)
                gf_buf_addc(out, chars[rb[i] % nchars]);
        OPENSSL_cleanse(rb, sizeof(rb));
    }
    return 0;
}

/* Creates the directories above path (mode 0700), as makedirs_safe. */
static void mkdirs_for(const char *path)
{
    char *d = gf_xstrdup(path);

    for (char *p = d + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(d, 0700);
            *p = '/';
        }
    free(d);
}

static int pw_write(struct lk *l, const char *path, const char *pw, size_t n)
{
    char *tmp = gf_xasprintf("%s.gpuforge-tmp.%ld", path, (long)getpid());
    int fd, rc = 0;

    mkdirs_for(path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = lk_fail(l, "cannot write the password file '%s': %s", path, strerror(errno));
        free(tmp);
        return rc;
    }
    fchmod(fd, 0600);
    if (write(fd, pw, n) != (ssize_t)n || write(fd, "\n", 1) != 1 || fsync(fd) < 0) {
        rc = lk_fail(l, "cannot write the password file '%s': %s", path, strerror(errno));
        close(fd);
        unlink(tmp);
    } else if (close(fd) < 0 || rename(tmp, path) < 0) {
        rc = lk_fail(l, "cannot write the password file '%s': %s", path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    return rc;
}

/* Python's int() of an option value. */
static int pw_int(struct lk *l, const struct gf_val *v, long long *out)
{
    char *end;

    if (v->type == GF_VAL_INT) {
        *out = v->u.i;
        return 0;
    }
    if (v->type == GF_VAL_STR) {
        errno = 0;
        *out = strtoll(v->u.str.s, &end, 10);
        if (errno == 0 && end != v->u.str.s && *end == '\0')
            return 0;
    }
    return lk_fail(l, "the length must be an integer");
}

static int lk_password(struct lk *l)
{
    static const char *const opts[] = { "length", "chars", "encrypt", "ident", "seed", NULL };
    static const char *const refused[] = { "encrypt", "ident", "seed" };
    int rc = 0;

    if (only_opts(l, opts) < 0)
        return -1;
    for (size_t i = 0; i < l->terms->u.list.n; i++) {
        const struct gf_val *t = l->terms->u.list.v[i];
        if (need_str(l, t) < 0)
            return -1;
        /* "path k=v ...": the first word is the path (Ansible's "hacky" parse) */
        const char *term = t->u.str.s, *sp = strchr(term, ' ');
        char *rel = sp ? gf_xstrndup(term, (size_t)(sp - term)) : gf_xstrdup(term);
        struct gf_val *params = gf_val_map();
        if (sp) {
            struct gf_vec words = GF_VEC_INIT;
            if (gf_shlex_split(sp + 1, &words) < 0)
                rc = lk_fail(l, "unbalanced quotes in '%s'", term);
            for (size_t w = 0; w < words.n && rc == 0; w++) {
                char *eq = strchr(words.v[w], '=');
                if (eq == NULL) {
                    rc = lk_fail(l, "Unrecognized value after key=value parameters given "
                                 "to password lookup");
                    break;
                }
                *eq = '\0';
                size_t k = 0;
                while (opts[k] && strcmp(opts[k], words.v[w]))
                    k++;
                if (opts[k] == NULL)
                    rc = lk_fail(l, "Unrecognized parameter(s) given to password lookup: %s",
                                 (char *)words.v[w]);
                else
                    gf_val_map_set(params, words.v[w], gf_val_str(eq + 1));
            }
            gf_vec_release(&words, free);
        }
        const struct gf_val *v;
        for (size_t k = 0; k < GF_ARRAY_LEN(refused) && rc == 0; k++) {
            v = gf_val_map_get(params, refused[k]);
            if (v == NULL)
                v = kw(l, refused[k]);
            if (v && v->type != GF_VAL_NULL)
                rc = lk_inval(l, GF_EUNSUPPORTED, "the option '%s' is not supported",
                              refused[k]);
        }
        long long len = 20;
        v = gf_val_map_get(params, "length");
        if (v == NULL)
            v = kw(l, "length");
        if (rc == 0 && v && pw_int(l, v, &len) < 0)
            rc = -1;
        if (rc == 0 && (len < 0 || len > 65536))
            rc = lk_fail(l, "the length must be between 0 and 65536");
        struct gf_buf chars = GF_BUF_INIT, pw = GF_BUF_INIT;
        if (rc == 0) {
            v = gf_val_map_get(params, "chars");
            pw_chars(v ? v : kw(l, "chars"), &chars);
        }
        char *path = rc == 0 ? path_dwim(l, rel) : NULL;
        if (rc == 0) {
            int devnull = strcmp(path, "/dev/null") == 0;
            pthread_mutex_lock(&pw_lock); /* hosts' threads share the file */
            if (!devnull && gf_is_file(path)) {
                struct gf_error e = GF_ERROR_INIT;
                if (gf_read_file(path, &pw, 1u << 20, &e) < 0) {
                    rc = lk_fail(l, "%s", e.msg);
                    gf_error_clear(&e);
                } else {
                    size_t n = pw.len;
                    while (n > 0 && is_space((unsigned char)pw.buf[n - 1]))
                        n--;
                    gf_buf_setlen(&pw, n);
                    /* "password salt=..." as written with encrypt: the password */
                    const char *salt = NULL, *p = pw.buf;
                    while ((p = strstr(p, " salt=")) != NULL)
                        salt = p++;
                    if (salt)
                        gf_buf_setlen(&pw, (size_t)(salt - pw.buf));
                }
            } else {
                rc = pw_random(l, chars.buf, chars.len, len, &pw);
                if (rc == 0 && !devnull)
                    rc = pw_write(l, path, pw.buf, pw.len);
            }
            pthread_mutex_unlock(&pw_lock);
        }
        if (rc == 0) {
            struct gf_val *s = gf_val_strn(pw.buf, pw.len);
            gf_val_list_push(l->out, s);
        }
        gf_buf_release_secret(&pw);
        gf_buf_release(&chars);
        free(path);
        free(rel);
        gf_val_unref(params);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* ---- list shapers: items, list, dict, indexed_items, nested, together ---- */

/* LookupBase._flatten: one level. */
static void flatten1(const struct gf_val *terms, struct gf_val *out)
{
    for (size_t i = 0; i < terms->u.list.n; i++) {
        struct gf_val *t = terms->u.list.v[i];
        if (t->type == GF_VAL_LIST)
            for (size_t j = 0; j < t->u.list.n; j++)
                gf_val_list_push(out, gf_val_ref(t->u.list.v[j]));
        else
            gf_val_list_push(out, gf_val_ref(t));
    }
}

static int lk_items(struct lk *l)
{
    flatten1(l->terms, l->out);
    return 0;
}

/* community.general.flattened: lists within lists flattened at every
 * depth */
static void flatten_all(const struct gf_val *v, struct gf_val *out)
{
    if (v->type == GF_VAL_LIST) {
        for (size_t i = 0; i < v->u.list.n; i++)
            flatten_all(v->u.list.v[i], out);
    } else {
        gf_val_list_push(out, gf_val_ref((struct gf_val *)v));
    }
}

static int lk_flattened(struct lk *l)
{
    flatten_all(l->terms, l->out);
    return 0;
}

static int lk_list(struct lk *l)
{
    for (size_t i = 0; i < l->terms->u.list.n; i++)
        gf_val_list_push(l->out, gf_val_ref(l->terms->u.list.v[i]));
    return 0;
}

static int lk_dict(struct lk *l)
{
    for (size_t i = 0; i < l->terms->u.list.n; i++) {
        const struct gf_val *m = l->terms->u.list.v[i];
        if (m->type != GF_VAL_MAP)
            return lk_fail(l, "with_dict expects a dict");
        for (size_t j = 0; j < m->u.map.n; j++) {
            struct gf_val *kv = gf_val_map();
            gf_val_map_set(kv, "key", gf_val_str(m->u.map.ents[j].key));
            gf_val_map_set(kv, "value", gf_val_ref(m->u.map.ents[j].val));
            gf_val_list_push(l->out, kv);
        }
    }
    return 0;
}

static int lk_indexed_items(struct lk *l)
{
    struct gf_val *flat = gf_val_list();

    flatten1(l->terms, flat);
    for (size_t i = 0; i < flat->u.list.n; i++) {
        struct gf_val *pair = gf_val_list();
        gf_val_list_push(pair, gf_val_int((long long)i));
        gf_val_list_push(pair, gf_val_ref(flat->u.list.v[i]));
        gf_val_list_push(l->out, pair);
    }
    gf_val_unref(flat);
    return 0;
}

/* listify_lookup_plugin_terms on one (templated) term. New ref. */
static struct gf_val *listify(struct gf_val *t)
{
    if (t->type == GF_VAL_LIST)
        return gf_val_ref(t);
    struct gf_val *l = gf_val_list();
    if (t->type == GF_VAL_MAP) /* iterating a dict gives its keys */
        for (size_t i = 0; i < t->u.map.n; i++)
            gf_val_list_push(l, gf_val_str(t->u.map.ents[i].key));
    else
        gf_val_list_push(l, gf_val_ref(t));
    return l;
}

static int lk_nested(struct lk *l)
{
    size_t n = l->terms->u.list.n;

    if (n == 0)
        return lk_fail(l, "with_nested requires at least one element in the nested list");
    struct gf_val *acc = listify(l->terms->u.list.v[0]);
    for (size_t i = 1; i < n; i++) {
        struct gf_val *b = listify(l->terms->u.list.v[i]), *next = gf_val_list();
        for (size_t x = 0; x < acc->u.list.n; x++)
            for (size_t y = 0; y < b->u.list.n; y++) {
                struct gf_val *pair = gf_val_list(), *c = gf_val_list();
                gf_val_list_push(pair, gf_val_ref(acc->u.list.v[x]));
                gf_val_list_push(pair, gf_val_ref(b->u.list.v[y]));
                flatten1(pair, c);
                gf_val_unref(pair);
                gf_val_list_push(next, c);
            }
        gf_val_unref(b);
        gf_val_unref(acc);
        acc = next;
    }
    for (size_t x = 0; x < acc->u.list.n; x++) {
        struct gf_val *e = acc->u.list.v[x];
        if (e->type == GF_VAL_LIST) {
            struct gf_val *c = gf_val_list();
            flatten1(e, c);
            gf_val_list_push(l->out, c);
        } else {
            gf_val_list_push(l->out, gf_val_ref(e));
        }
    }
    gf_val_unref(acc);
    return 0;
}

static int lk_together(struct lk *l)
{
    size_t n = l->terms->u.list.n, longest = 0;

    if (n == 0)
        return lk_fail(l, "with_together requires at least one element in each list");
    struct gf_val **lists = gf_xcalloc(n, sizeof(*lists));
    for (size_t i = 0; i < n; i++) {
        lists[i] = listify(l->terms->u.list.v[i]);
        if (lists[i]->u.list.n > longest)
            longest = lists[i]->u.list.n;
    }
    for (size_t j = 0; j < longest; j++) {
        struct gf_val *row = gf_val_list(), *c = gf_val_list();
        for (size_t i = 0; i < n; i++)
            gf_val_list_push(row, j < lists[i]->u.list.n ? gf_val_ref(lists[i]->u.list.v[j])
                                                          : gf_val_null());
        flatten1(row, c);
        gf_val_unref(row);
        gf_val_list_push(l->out, c);
    }
    for (size_t i = 0; i < n; i++)
        gf_val_unref(lists[i]);
    free(lists);
    return 0;
}

static int lk_random_choice(struct lk *l)
{
    size_t n = l->terms->u.list.n;

    if (n == 0)
        return 0;
    uint64_t r;
    if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
        return lk_fail(l, "Unable to choose random term: no random data");
    gf_val_list_push(l->out, gf_val_ref(l->terms->u.list.v[r % n]));
    return 0;
}

/* ---- subelements ---- */

/* A copy of m whose path keys[0..n-1] leads to a copy with keys[n-1]
 * removed: Ansible pops the list out of the (templated copy of the) item. */
static struct gf_val *without_path(const struct gf_val *m, char **keys, size_t n)
{
    struct gf_val *c = gf_val_map();

    for (size_t i = 0; i < m->u.map.n; i++) {
        const char *k = m->u.map.ents[i].key;
        struct gf_val *v = m->u.map.ents[i].val;
        if (strcmp(k, keys[0]) == 0) {
            if (n == 1)
                continue;
            if (v->type == GF_VAL_MAP) {
                gf_val_map_set(c, k, without_path(v, keys + 1, n - 1));
                continue;
            }
        }
        gf_val_map_set(c, k, gf_val_ref(v));
    }
    return c;
}

static int is_skipped(const struct gf_val *m)
{
    const struct gf_val *s = gf_val_map_get(m, "skipped");

    return s && !(s->type == GF_VAL_BOOL && !s->u.b);
}

static int lk_subelements(struct lk *l)
{
    const struct gf_val *t = l->terms;
    int skip_missing = 0, rc = 0;

    if (t->u.list.n < 2 || t->u.list.n > 3)
        return lk_fail(l, "subelements lookup expects a list of two or three items, ");
    struct gf_val *src = t->u.list.v[0];
    const struct gf_val *key = t->u.list.v[1];
    if ((src->type != GF_VAL_LIST && src->type != GF_VAL_MAP) || key->type != GF_VAL_STR)
        return lk_fail(l, "subelements lookup expects a list of two or three items, first a "
                       "dict or a list, second a string pointing to the subkey");
    if (t->u.list.n == 3) {
        const struct gf_val *flags = t->u.list.v[2];
        if (flags->type != GF_VAL_MAP)
            return lk_fail(l, "subelements lookup expects a list of two or three items, the "
                           "optional third item must be a dict with flags skip_missing");
        const struct gf_val *sm = gf_val_map_get(flags, "skip_missing");
        if (sm) {
            int b = 0;
            if (sm->type == GF_VAL_BOOL)
                b = sm->u.b;
            else if (sm->type == GF_VAL_INT)
                b = sm->u.i == 1;
            else if (sm->type == GF_VAL_STR)
                b = !strcasecmp(sm->u.str.s, "yes") || !strcasecmp(sm->u.str.s, "on") ||
                    !strcasecmp(sm->u.str.s, "1") || !strcasecmp(sm->u.str.s, "true") ||
                    !strcasecmp(sm->u.str.s, "y") || !strcasecmp(sm->u.str.s, "t");
            skip_missing = b;
        }
    }
    struct gf_val *elements = gf_val_list();
    if (src->type == GF_VAL_MAP) {
        if (is_skipped(src)) {
            gf_val_unref(elements);
            return 0;
        }
        for (size_t i = 0; i < src->u.map.n; i++)
            gf_val_list_push(elements, gf_val_ref(src->u.map.ents[i].val));
    } else {
        for (size_t i = 0; i < src->u.list.n; i++)
            gf_val_list_push(elements, gf_val_ref(src->u.list.v[i]));
    }
    struct gf_vec keys = GF_VEC_INIT;
    const char *s = key->u.str.s;
    for (;;) {
        size_t n = strcspn(s, ".");
        gf_vec_push(&keys, gf_xstrndup(s, n));
        if (s[n] == '\0')
            break;
        s += n + 1;
    }
    for (size_t i = 0; i < elements->u.list.n && rc == 0; i++) {
        const struct gf_val *item0 = elements->u.list.v[i];
        if (item0->type != GF_VAL_MAP) {
            struct gf_buf b = GF_BUF_INIT;
            gf_val_to_text(item0, &b);
            rc = lk_fail(l, "subelements lookup expects a dictionary, got '%s'", b.buf);
            gf_buf_release(&b);
            break;
        }
        if (is_skipped(item0))
            continue;
        const struct gf_val *sub = item0, *list = NULL;
        size_t depth = 0;
        for (size_t k = 0; k < keys.n; k++) {
            const char *sk = keys.v[k];
            int last = strcmp(sk, keys.v[keys.n - 1]) == 0; /* as Ansible compares */
            const struct gf_val *v = gf_val_map_get(sub, sk);
            if (v == NULL) {
                if (skip_missing)
                    continue;
                struct gf_buf b = GF_BUF_INIT;
                gf_val_to_text(sub, &b);
                rc = lk_fail(l, "could not find '%s' key in iterated item '%s'", sk, b.buf);
                gf_buf_release(&b);
                break;
            }
            if (!last) {
                if (v->type != GF_VAL_MAP) {
                    if (skip_missing)
                        continue;
                    rc = lk_fail(l, "the key %s should point to a dictionary", sk);
                    break;
                }
                sub = v;
                depth = k + 1;
            } else {
                if (v->type != GF_VAL_LIST) {
                    rc = lk_fail(l, "the key %s should point to a list", sk);
                    break;
                }
                list = v;
                depth = k + 1;
            }
        }
        if (rc < 0 || list == NULL)
            continue;
        struct gf_val *first = without_path(item0, (char **)keys.v, depth);
        for (size_t j = 0; j < list->u.list.n; j++) {
            struct gf_val *pair = gf_val_list();
            gf_val_list_push(pair, gf_val_ref(first));
            gf_val_list_push(pair, gf_val_ref(list->u.list.v[j]));
            gf_val_list_push(l->out, pair);
        }
        gf_val_unref(first);
    }
    gf_vec_release(&keys, free);
    gf_val_unref(elements);
    return rc < 0 ? -1 : 0;
}

/* ---- sequence ---- */

/* Python's int(s, 0): sign, 0x/0o/0b prefixes, no leading zeros. */
static int py_int0(const char *s, long long *out)
{
    int neg = 0, base = 10;
    char *end;

    while (is_space((unsigned char)*s))
        s++;
    if (*s == '+' || *s == '-')
        neg = *s++ == '-';
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        base = 16, s += 2;
    else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O'))
        base = 8, s += 2;
    else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
        base = 2, s += 2;
    if (!*s || *s == '+' || *s == '-' || is_space((unsigned char)*s))
        return -1;
    if (base == 10 && s[0] == '0' && s[strspn(s, "0")] != '\0' &&
        !is_space((unsigned char)s[strspn(s, "0")]))
        return -1;
    errno = 0;
    long long v = strtoll(s, &end, base);
    while (is_space((unsigned char)*end))
        end++;
    if (errno || *end)
        return -1;
    *out = neg ? -v : v;
    return 0;
}

/* One token of the shortcut form: 0?x?[0-9a-f]+, case-insensitive. */
static size_t seq_num(const char *s)
{
    size_t i = 0;

    if (s[i] == '0')
        i++;
    if (s[i] == 'x' || s[i] == 'X')
        i++;
    size_t h = strspn(s + i, "0123456789abcdefABCDEF");
    if (h == 0) { /* backtrack: "0" alone, or "0x" was not a prefix */
        if (i == 2 || (i == 1 && s[0] == '0')) {
            h = strspn(s, "0123456789abcdefABCDEF");
            return h;
        }
        return 0;
    }
    return i + h;
}

struct seq {
    long long start, end, stride, count;
    int has_end, has_count;
    char *format;
};

static int seq_setnum(struct lk *l, const char *what, const char *s, size_t n, long long *out)
{
    char *t = gf_xstrndup(s, n);
    int rc = py_int0(t, out);

    if (rc < 0)
        lk_fail(l, "can't parse %s=%s as integer", what, t);
    free(t);
    return rc;
}

/* The shortcut [start-]end[/stride][:format]: 1 when it matched. */
static int seq_shortcut(struct lk *l, const char *term, struct seq *q)
{
    const char *p = term, *a = NULL, *b, *c = NULL, *fmt = NULL;
    size_t na = 0, nb, nc = 0, n;

    n = seq_num(p);
    if (n && p[n] == '-') {
        a = p, na = n;
        p += n + 1;
        n = seq_num(p);
    }
    if (n == 0)
        return 0;
    b = p, nb = n;
    p += n;
    if (*p == '/') {
        nc = seq_num(p + 1);
        if (nc == 0)
            return 0;
        c = p + 1;
        p += nc + 1;
    }
    if (*p == ':') {
        if (p[1] == '\0' || strchr(p + 1, '\n'))
            return 0;
        fmt = p + 1;
    } else if (*p) {
        return 0;
    }
    if ((a && seq_setnum(l, "start", a, na, &q->start) < 0) ||
        seq_setnum(l, "end", b, nb, &q->end) < 0 ||
        (c && seq_setnum(l, "stride", c, nc, &q->stride) < 0))
        return -1;
    q->has_end = 1;
    if (fmt) {
        free(q->format);
        q->format = gf_xstrdup(fmt);
    }
    return 1;
}

static int seq_kv(struct lk *l, const char *term, struct seq *q)
{
    struct gf_vec words = GF_VEC_INIT;
    int rc = 0;

    if (gf_shlex_split(term, &words) < 0) {
        gf_vec_release(&words, free);
        return lk_fail(l, "unknown error parsing with_sequence arguments: %s", term);
    }
    for (size_t i = 0; i < words.n && rc == 0; i++) {
        char *w = words.v[i], *eq = strchr(w, '=');
        if (eq == NULL) {
            rc = lk_fail(l, "unrecognized arguments to with_sequence: ['_raw_params']");
            break;
        }
        *eq = '\0';
        const char *v = eq + 1;
        if (strcmp(w, "start") == 0)
            rc = seq_setnum(l, w, v, strlen(v), &q->start);
        else if (strcmp(w, "end") == 0)
            rc = seq_setnum(l, w, v, strlen(v), &q->end), q->has_end = 1;
        else if (strcmp(w, "count") == 0)
            rc = seq_setnum(l, w, v, strlen(v), &q->count), q->has_count = 1;
        else if (strcmp(w, "stride") == 0)
            rc = seq_setnum(l, w, v, strlen(v), &q->stride);
        else if (strcmp(w, "format") == 0) {
            free(q->format);
            q->format = gf_xstrdup(v);
        } else
            rc = lk_fail(l, "unrecognized arguments to with_sequence: ['%s']", w);
    }
    gf_vec_release(&words, free);
    return rc;
}

/* Python's "format % i" for a format with one conversion (checked: the
 * C format built from it holds exactly that conversion). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static int seq_format(struct lk *l, const char *fmt, long long i, struct gf_buf *out)
{
    const char *pc = strchr(fmt, '%');
    size_t n = strspn(pc + 1, "-+ #0");
    int alt = memchr(pc + 1, '#', n) != NULL;
    n += strspn(pc + 1 + n, "0123456789");
    if (pc[1 + n] == '.') {
        n++;
        n += strspn(pc + 1 + n, "0123456789");
    }
    char conv = pc[1 + n], num[32];
    struct gf_buf spec = GF_BUF_INIT;
    int rc = 0;

    gf_buf_add(out, fmt, (size_t)(pc - fmt));
    gf_buf_add(&spec, pc, n + 1);
    switch (conv) {
    case 'd': case 'i': case 'u':
        gf_buf_adds(&spec, "lld");
        gf_buf_addf(out, spec.buf, i);
        break;
    case 'o': case 'x': case 'X':
        /* C prints negative numbers as unsigned and "%#o" as 010: refused */
        if (i < 0 || (alt && conv == 'o')) {
            rc = lk_fail(l, "problem formatting %lld with '%s'", i, fmt);
            break;
        }
        gf_buf_adds(&spec, "ll");
        gf_buf_addc(&spec, conv);
        gf_buf_addf(out, spec.buf, i);
        break;
    case 'e': case 'E': case 'f': case 'F': case 'g': case 'G':
        gf_buf_addc(&spec, conv);
        gf_buf_addf(out, spec.buf, (double)i);
        break;
    case 's': case 'r': case 'a':
        gf_buf_addc(&spec, 's');
        snprintf(num, sizeof(num), "%lld", i);
        gf_buf_addf(out, spec.buf, num);
        break;
    case 'c':
        if (n != 0 || i < 0 || i > 0x10ffff)
            rc = lk_fail(l, "problem formatting %lld with '%s'", i, fmt);
        else
            gf_buf_add_utf8(out, (unsigned long)i);
        break;
    default:
        rc = lk_fail(l, "problem formatting %lld with '%s'", i, fmt);
        break;
    }
    gf_buf_release(&spec);
    if (rc == 0 && conv)
        gf_buf_adds(out, pc + 2 + n);
    return rc;
}
#pragma GCC diagnostic pop

static int lk_sequence(struct lk *l)
{
    for (size_t t = 0; t < l->terms->u.list.n; t++) {
        struct seq q = { 1, 0, 1, 0, 0, 0, gf_xstrdup("%d") };
        struct gf_buf text = GF_BUF_INIT;
        int rc = 0;
        gf_val_to_text(l->terms->u.list.v[t], &text);
        rc = seq_shortcut(l, text.buf, &q);
        if (rc == 0)
            rc = seq_kv(l, text.buf, &q);
        gf_buf_release(&text);
        if (rc >= 0) {
            if (!q.has_count && !q.has_end)
                rc = lk_fail(l, "must specify count or end in with_sequence");
            else if (q.has_count && q.has_end)
                rc = lk_fail(l, "can't specify both count and end in with_sequence");
            else if (q.has_count) {
                if (q.count != 0)
                    q.end = q.start + q.count * q.stride - 1;
                else
                    q.start = q.end = q.stride = 0;
            }
        }
        if (rc >= 0 && q.stride > 0 && q.end < q.start)
            rc = lk_fail(l, "to count backwards make stride negative");
        if (rc >= 0 && q.stride < 0 && q.end > q.start)
            rc = lk_fail(l, "to count forward don't make stride negative");
        if (rc >= 0) {
            size_t pcts = 0;
            for (const char *c = q.format; *c; c++)
                pcts += *c == '%';
            if (pcts != 1)
                rc = lk_fail(l, "bad formatting string: %s", q.format);
        }
        if (rc >= 0 && q.stride != 0) {
            long long stop = q.end + (q.stride > 0 ? 1 : -1);
            double count = ((double)stop - (double)q.start) / (double)q.stride;
            if (count > 1e6)
                rc = lk_fail(l, "the sequence is too long (over a million items)");
            for (long long i = q.start; rc >= 0 && (q.stride > 0 ? i < stop : i > stop);
                 i += q.stride) {
                struct gf_buf b = GF_BUF_INIT;
                rc = seq_format(l, q.format, i, &b);
                if (rc >= 0)
                    gf_val_list_push(l->out, gf_val_strn(b.buf, b.len));
                gf_buf_release(&b);
            }
        }
        free(q.format);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* ---- the table ---- */

static const struct plugin {
    const char *name;
    lk_fn fn;
    int any_opts;            /* reads no option: keywords are ignored, as by Ansible */
} plugins[] = {
    { "community.general.flattened", lk_flattened, 1 },
    { "dict", lk_dict, 1 },
    { "env", lk_env, 0 },
    { "file", lk_file, 0 },
    { "fileglob", lk_fileglob, 0 },
    { "first_found", lk_first_found, 0 },
    { "flattened", lk_flattened, 1 },
    { "indexed_items", lk_indexed_items, 1 },
    { "items", lk_items, 1 },
    { "lines", lk_lines, 0 },
    { "list", lk_list, 1 },
    { "nested", lk_nested, 1 },
    { "password", lk_password, 0 },
    { "pipe", lk_pipe, 0 },
    { "random_choice", lk_random_choice, 1 },
    { "sequence", lk_sequence, 1 },
    { "subelements", lk_subelements, 1 },
    { "template", lk_template, 0 },
    { "together", lk_together, 1 },
    { "varnames", lk_varnames, 0 },
    { "vars", lk_vars, 0 },
};

static const struct plugin *find_plugin(const char *name)
{
    if (strncmp(name, "ansible.builtin.", 16) == 0)
        name += 16;
    else if (strncmp(name, "ansible.legacy.", 15) == 0)
        name += 15;
    for (size_t i = 0; i < GF_ARRAY_LEN(plugins); i++)
        if (strcmp(plugins[i].name, name) == 0)
            return &plugins[i];
    return NULL;
}

int gf_tpl_lookup_known(const char *name)
{
    return find_plugin(name) != NULL;
}

int tpl_lookup_run(const char *name, const struct gf_val *terms, const struct gf_val *kwargs,
                   const struct gf_tpl_scope *scope, int unsafe, struct gf_val **out,
                   struct gf_error *err)
{
    const struct plugin *p = find_plugin(name);
    struct lk l = { name, NULL, kwargs, scope, NULL, err };
    int rc;

    *out = NULL;
    if (p == NULL)
        return gf_error_set(err, GF_EUNSUPPORTED, NULL, 0, 0,
                            "lookup plugin '%s' is not supported", name);
    l.name = p->name;
    if (kwargs && kwargs->type != GF_VAL_MAP)
        return gf_error_set(err, GF_EINVAL, NULL, 0, 0, "lookup plugin '%s': keyword "
                            "arguments must be a dict", p->name);
    if (terms == NULL) {
        l.terms = gf_val_list();
    } else if (terms->type == GF_VAL_LIST) {
        l.terms = gf_val_ref((struct gf_val *)terms);
    } else if (terms->type == GF_VAL_MAP && strcmp(p->name, "dict") && strcmp(p->name, "items")) {
        return gf_error_set(err, GF_EFAIL, NULL, 0, 0, "lookup plugin '%s': with_%s expects "
                            "a list", p->name, p->name);
    } else if (terms->type == GF_VAL_MAP && strcmp(p->name, "items") == 0) {
        l.terms = listify((struct gf_val *)terms);
    } else {
        l.terms = gf_val_list();
        gf_val_list_push(l.terms, gf_val_ref((struct gf_val *)terms));
    }
    l.out = gf_val_list();
    rc = p->fn(&l);
    gf_val_unref(l.terms);
    if (rc < 0) {
        if (err && err->msg == NULL)
            gf_error_set(err, GF_EFAIL, NULL, 0, 0, "lookup plugin '%s' failed", p->name);
        gf_val_unref(l.out);
        return err ? -err->code : -GF_EFAIL;
    }
    if (unsafe)
        l.out = gf_val_unsafe(l.out);
    *out = l.out;
    return 0;
}

int gf_tpl_lookup(const char *name, const struct gf_val *terms, const struct gf_val *kwargs,
                  const struct gf_tpl_scope *scope, struct gf_val **out, struct gf_error *err)
{
    return tpl_lookup_run(name, terms, kwargs, scope, 1, out, err);
}

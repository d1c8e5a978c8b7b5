/* include_vars.c - the `include_vars` module (Ansible's action plugin, run
 * on the controller): loads variables from a YAML or JSON file, or from the
 * files of a directory, and hands them back as ansible_facts; the runner
 * keeps them per host at include_vars precedence.
 *
 * Precedence (Ansible's table, level 18 of 22): above play vars, vars_files,
 * role vars, block vars and task vars (17); below set_fact and registered
 * results (19), role and include params (20, 21) and extra vars (22). So a
 * set_fact of the same name wins whatever the order of the two tasks. Values
 * stay per host for the rest of the run (later plays too) and show in
 * hostvars; a later include_vars of the same name replaces the value.
 *
 * file (or the free-form text): found as Ansible's _find_needle('vars')
 * does: the role's vars/, the role, the task file's directory (and its
 * vars/), then the playbook directory (and its vars/).
 * dir: relative to the role's vars/ (or the role when it starts with
 * "vars/"), else to the task file's directory; every directory below it,
 * sorted by path, the first `depth` of them (0: all), files sorted by name,
 * files_matching (a regex searched in the name), ignore_files (regexes
 * anchored at the end), extensions (default yaml, yml, json; other files
 * fail unless ignore_unknown_extensions), the role's vars/main.yml skipped.
 * name: the variables go under that one key. hash_behaviour=merge: each
 * top-level value is merged recursively into the variable's current value
 * (both must be dicts); replace, the default, changes nothing.
 * An empty or comments-only file gives no variables; a file that is not a
 * dict, or vault-encrypted, fails the task. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "module.h"

static const struct gf_param include_vars_params[] = {
    { "_raw_params", GF_P_STR, 0, NULL, NULL },
    { "file", GF_P_PATH, 0, NULL, NULL },
    { "dir", GF_P_PATH, 0, NULL, NULL },
    { "name", GF_P_STR, 0, NULL, NULL },
    { "depth", GF_P_INT, 0, NULL, NULL },
    { "files_matching", GF_P_STR, 0, NULL, NULL },
    { "ignore_files", GF_P_LIST, 0, NULL, NULL },
    { "extensions", GF_P_LIST, 0, NULL, NULL },
    { "ignore_unknown_extensions", GF_P_BOOL, 0, NULL, NULL },
    { "hash_behaviour", GF_P_STR, 0, NULL, "replace,merge" },
    { NULL, 0, 0, NULL, NULL },
};

struct iv {
    struct gf_modctx *ctx;
    struct gf_val *vars;     /* what was loaded, merged in order */
    struct gf_val *files;    /* ansible_included_var_files */
    struct gf_buf msg;       /* the failure, when set */
};

/* A variable of the task's scope (borrowed), or NULL. */
static const struct gf_val *scope_var(const struct gf_modctx *ctx, const char *name)
{
    for (const struct gf_tpl_scope *s = ctx->scope; s; s = s->parent)
        if (s->lookup) {
            const struct gf_val *v = s->lookup(s->ctx, name);
            if (v)
                return v;
        }
    return NULL;
}

/* Loads one file into iv->vars. Returns 0, or -1 with iv->msg set. */
static int load_file(struct iv *iv, const char *path)
{
    struct gf_buf b = GF_BUF_INIT;
    struct gf_error err = GF_ERROR_INIT;
    struct gf_val *data = NULL;
    int rc = -1;

    if (gf_read_file(path, &b, 64u << 20, &err) < 0) {
        gf_buf_addf(&iv->msg, "%s", err.msg);
        goto out;
    }
    if (gf_startswith(b.buf, "$ANSIBLE_VAULT;")) {
        gf_buf_addf(&iv->msg, "%s is vault-encrypted: vault is not supported", path);
        goto out;
    }
    if (gf_yaml_load(b.buf, b.len, path, &data, &err) < 0) {
        gf_error_format(&err, &iv->msg);
        goto out;
    }
    if (data != NULL && data->type != GF_VAL_MAP && gf_val_truthy(data)) {
        gf_buf_addf(&iv->msg, "%s must be stored as a dictionary/hash", path);
        goto out;
    }
    if (data && data->type == GF_VAL_MAP) {
        struct gf_val *m = gf_val_map_merge(iv->vars, data);
        gf_val_unref(iv->vars);
        iv->vars = m;
    }
    gf_val_list_push(iv->files, gf_val_str(path));
    rc = 0;
out:
    gf_val_unref(data);
    gf_error_clear(&err);
    gf_buf_release(&b);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every directory under root (root first), as os.walk without following
 * links; malloc'd paths pushed to out. */
static void walk_dirs(const char *root, struct gf_vec *out)
{
    DIR *d = opendir(root);
    struct dirent *e;

    gf_vec_push(out, gf_xstrdup(root));
    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char *p = gf_xasprintf("%s/%s", root, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            walk_dirs(p, out);
        free(p);
    }
    closedir(d);
}

/* The names (files and links to anything but directories) in dir, sorted. */
static void dir_files(const char *dir, struct gf_vec *out)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        char *p = gf_xasprintf("%s/%s", dir, e->d_name);
        struct stat st;
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && lstat(p, &st) == 0 &&
            !S_ISDIR(st.st_mode) && !(S_ISLNK(st.st_mode) && gf_is_dir(p)))
            gf_vec_push(out, gf_xstrdup(e->d_name));
        free(p);
    }
    closedir(d);
    qsort(out->v, out->n, sizeof(char *), cmp_str);
}

/* re.search(pattern, s); -1 when pattern does not compile. */
static int re_search(const char *pattern, const char *s)
{
    int ec;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &ec,
                                   &off, NULL);
    if (re == NULL)
        return -1;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    int rc = pcre2_match(re, (PCRE2_SPTR)s, strlen(s), 0, 0, md, NULL);
    pcre2_match_data_free(md);
    pcre2_code_free(re);
    return rc >= 0;
}

static int ext_ok(const struct gf_val *exts, const char *name)
{
    const char *dot = strrchr(name, '.');

    /* os.path.splitext: a leading dot does not start an extension */
    if (dot == NULL || dot == name || strspn(name, ".") == (size_t)(dot - name + 1))
        return 0;
    for (size_t i = 0; i < exts->u.list.n; i++) {
        const struct gf_val *e = exts->u.list.v[i];
        if (e->type == GF_VAL_STR && strcmp(e->u.str.s, dot + 1) == 0)
            return 1;
    }
    return 0;
}

static int load_dir(struct iv *iv, const struct gf_val *args, const char *root)
{
    const char *matching = gf_arg_str(args, "files_matching", NULL);
    const struct gf_val *ignore = gf_val_map_get(args, "ignore_files");
    const struct gf_val *exts = gf_val_map_get(args, "extensions");
    struct gf_val *defexts = NULL;
    int ignore_unknown = gf_arg_bool(args, "ignore_unknown_extensions", 0);
    long long depth = gf_arg_int(args, "depth", 0);
    const struct gf_val *rp = scope_var(iv->ctx, "role_path");
    char *role_main = rp && rp->type == GF_VAL_STR ? gf_xasprintf("%s/vars/main.yml",
                                                                    rp->u.str.s) : NULL;
    struct gf_vec dirs = GF_VEC_INIT;
    int rc = 0;

    if (exts == NULL) {
        defexts = gf_val_list();
        gf_val_list_push(defexts, gf_val_str("yaml"));
        gf_val_list_push(defexts, gf_val_str("yml"));
        gf_val_list_push(defexts, gf_val_str("json"));
        exts = defexts;
    }
    walk_dirs(root, &dirs);
    qsort(dirs.v, dirs.n, sizeof(char *), cmp_str);
    for (size_t i = 0; i < dirs.n && rc == 0 && (depth <= 0 || (long long)i < depth); i++) {
        struct gf_vec names = GF_VEC_INIT;
        dir_files(dirs.v[i], &names);
        for (size_t j = 0; j < names.n && rc == 0; j++) {
            const char *name = names.v[j];
            char *path = gf_xasprintf("%s/%s", (char *)dirs.v[i], name);
            int skip = role_main && !strcmp(path, role_main);
            if (!skip && matching) {
                int m = re_search(matching, name);
                if (m < 0) {
                    gf_buf_addf(&iv->msg, "Invalid regular expression: %s", matching);
                    rc = -1;
                }
                skip = m != 1;
            }
            for (size_t k = 0; !skip && rc == 0 && ignore && k < ignore->u.list.n; k++) {
                struct gf_buf pat = GF_BUF_INIT;
                gf_val_to_text(ignore->u.list.v[k], &pat);
                gf_buf_addc(&pat, '$');
                int m = re_search(pat.buf, name);
                if (m < 0) {
                    gf_buf_setlen(&pat, pat.len - 1);
                    gf_buf_addf(&iv->msg, "Invalid regular expression: %s", pat.buf);
                    rc = -1;
                }
                skip = m == 1;
                gf_buf_release(&pat);
            }
            if (!skip && rc == 0 && ignore_unknown && !ext_ok(exts, name))
                skip = 1;
            if (!skip && rc == 0) {
                if (!ext_ok(exts, name)) {
                    gf_buf_addf(&iv->msg, "%s does not have a valid extension: ", path);
                    for (size_t k = 0; k < exts->u.list.n; k++) {
                        if (k)
                            gf_buf_adds(&iv->msg, ", ");
                        gf_val_to_text(exts->u.list.v[k], &iv->msg);
                    }
                    rc = -1;
                } else {
                    rc = load_file(iv, path);
                }
            }
            free(path);
        }
        gf_vec_release(&names, free);
    }
    gf_vec_release(&dirs, free);
    gf_val_unref(defexts);
    free(role_main);
    return rc;
}

/* dir relative to the role's vars/ or the task file's directory. */
static char *dir_root(const struct gf_modctx *ctx, const char *dir)
{
    const struct gf_val *rp = scope_var(ctx, "role_path");
    const struct gf_val *sp = scope_var(ctx, "ansible_search_path");

    if (dir[0] == '/')
        return gf_xstrdup(dir);
    if (rp && rp->type == GF_VAL_STR) {
        if (strncmp(dir, "vars", 4) == 0 && (dir[4] == '/' || dir[4] == '\0')) {
            char *p = gf_xasprintf("%s/%s", rp->u.str.s, dir);
            if (gf_is_dir(p) || gf_is_file(p))
                return p;
            free(p);
            return gf_xstrdup(dir);
        }
        return gf_xasprintf("%s/vars/%s", rp->u.str.s, dir);
    }
    if (sp && sp->type == GF_VAL_LIST && sp->u.list.n) {
        const struct gf_val *last = sp->u.list.v[sp->u.list.n - 1];
        if (last->type == GF_VAL_STR)
            return gf_xasprintf("%s/%s", last->u.str.s, dir);
    }
    return gf_xstrdup(dir);
}

/* hash_behaviour=merge: each value merged recursively into the variable's
 * current one, as combine_vars(old, new, merge=True): both must be dicts.
 * (replace is the default and changes nothing.) */
static int merge_current(struct iv *iv)
{
    struct gf_val *out = gf_val_map();
    int rc = 0;

    for (size_t i = 0; i < iv->vars->u.map.n && rc == 0; i++) {
        const char *k = iv->vars->u.map.ents[i].key;
        struct gf_val *v = iv->vars->u.map.ents[i].val;
        const struct gf_val *old = scope_var(iv->ctx, k);
        if (old == NULL || old->type != GF_VAL_MAP || v->type != GF_VAL_MAP) {
            gf_buf_addf(&iv->msg, "failed to combine variables, expected dicts but got a '%s' "
                        "and a '%s'", old ? gf_val_typename(old) : "NoneType",
                        gf_val_typename(v));
            rc = -1;
        } else {
            gf_val_map_set(out, k, gf_val_map_combine(old, v));
        }
    }
    gf_val_unref(iv->vars);
    iv->vars = out;
    return rc;
}

static int include_vars_run(struct gf_modctx *ctx, const struct gf_val *args,
                            struct gf_modres *res)
{
    static const char *const dir_args[] = { "dir", "depth", "files_matching", "ignore_files",
                                            "extensions", "ignore_unknown_extensions", NULL };
    struct iv iv = { ctx, gf_val_map(), gf_val_list(), GF_BUF_INIT };
    const char *file = gf_arg_str(args, "file", NULL), *dir = gf_arg_str(args, "dir", NULL);
    int dirs = 0, rc = 0;

    for (size_t i = 0; dir_args[i]; i++)
        dirs += gf_val_map_get(args, dir_args[i]) != NULL;
    if (dirs && (file || gf_val_map_get(args, "_raw_params"))) {
        gf_modres_fail(res, "You are mixing file only and dir only arguments, these are "
                       "incompatible");
        goto out;
    }
    if (dir) {
        char *root = dir_root(ctx, dir);
        if (!gf_is_dir(root))
            gf_buf_addf(&iv.msg, "%s %s", root, gf_is_file(root) ? "is not a directory"
                                                                 : "directory does not exist");
        else
            load_dir(&iv, args, root);
        free(root);
    } else {
        char *want = NULL;
        if (file == NULL && (file = gf_arg_str(args, "_raw_params", NULL)) != NULL) {
            size_t n = strlen(file);
            while (n > 0 && file[n - 1] == '\n')
                n--;
            want = gf_xstrndup(file, n);
        } else if (file) {
            want = gf_xstrdup(file);
        }
        if (want == NULL || want[0] == '\0') {
            gf_buf_addf(&iv.msg, "Invalid type for the file name: a file or dir is required");
        } else {
            /* Ansible's _find_needle('vars', file) is first_found's search */
            struct gf_val *terms = gf_val_list(), *kw = gf_val_map(), *found = NULL;
            struct gf_error err = GF_ERROR_INIT;
            gf_val_list_push(terms, gf_val_str(want));
            gf_val_map_set(kw, "_subdir", gf_val_str("vars"));
            if (gf_tpl_lookup("first_found", terms, kw, ctx->scope, &found, &err) < 0 ||
                found->u.list.n != 1)
                gf_buf_addf(&iv.msg, "Could not find or access '%s' on the Ansible Controller.",
                            want);
            else
                load_file(&iv, ((struct gf_val *)found->u.list.v[0])->u.str.s);
            gf_val_unref(found);
            gf_val_unref(terms);
            gf_val_unref(kw);
            gf_error_clear(&err);
        }
        free(want);
    }
    const char *hb = gf_arg_str(args, "hash_behaviour", NULL);
    const char *name = gf_arg_str(args, "name", NULL);
    if (name) {
        struct gf_val *scope = gf_val_map();
        gf_val_map_set(scope, name, iv.vars);
        iv.vars = scope;
    }
    if (iv.msg.len == 0 && hb && strcmp(hb, "merge") == 0 && merge_current(&iv) < 0) {
        gf_modres_fail(res, "%s", iv.msg.buf); /* an exception in Ansible: "msg" */
        goto out;
    }
    if (iv.msg.len) { /* Ansible reports include_vars failures as "message" */
        res->failed = 1;
        gf_val_map_set(res->data, "message", gf_val_strn(iv.msg.buf, iv.msg.len));
        gf_val_unref(iv.vars);
        iv.vars = gf_val_map();
    }
    gf_val_map_set(res->data, "ansible_included_var_files", gf_val_ref(iv.files));
    gf_val_map_set(res->data, "ansible_facts", gf_val_ref(iv.vars));
out:
    gf_val_unref(iv.vars);
    gf_val_unref(iv.files);
    gf_buf_release(&iv.msg);
    return rc;
}

const struct gf_module gf_module_include_vars = {
    .name = "include_vars",
    .aliases = (const char *const[]){ "ansible.builtin.include_vars", NULL },
    .params = include_vars_params,
    .free_form = "_raw_params",
    .controller_only = 1,
    .supports_check = 1,
    .run = include_vars_run,
};

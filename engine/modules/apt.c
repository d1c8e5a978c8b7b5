/* apt.c - the `apt` module (packages by name, or a .deb file on the node)
 * and `package`, which is apt on the Debian family. One round trip reads
 * the cache (after an update when asked) and what dpkg has installed; the
 * controller decides; a second one runs apt-get only when something must
 * change, non-interactively. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nodesh.h"
#include "sysmod.h"

static const struct gf_param apt_params[] = {
    { "name", GF_P_LIST, 0, "package,pkg", NULL },
    { "deb", GF_P_PATH, 0, NULL, NULL },
    { "state", GF_P_STR, 0, NULL, "present,absent,latest" },
    { "update_cache", GF_P_BOOL, 0, "update-cache", NULL },
    { "cache_valid_time", GF_P_INT, 0, NULL, NULL },
    { "purge", GF_P_BOOL, 0, NULL, NULL },
    { "autoremove", GF_P_BOOL, 0, NULL, NULL },
    { "install_recommends", GF_P_BOOL, 0, "install-recommends", NULL },
    { "force", GF_P_BOOL, 0, NULL, NULL },
    { "allow_downgrade", GF_P_BOOL, 0, "allow-downgrade,allow_downgrades,allow-downgrades", NULL },
    { "lock_timeout", GF_P_INT, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

static const struct gf_param package_params[] = {
    { "name", GF_P_LIST, 1, "pkg", NULL },
    { "state", GF_P_STR, 1, NULL, "present,absent,latest" },
    /* package hands its other arguments to the package manager's module */
    { "allow_downgrade", GF_P_BOOL, 0, "allow-downgrade,allow_downgrades,allow-downgrades", NULL },
    { NULL, 0, 0, NULL, NULL },
};

/* sh/apt.sh reads the cache and dpkg's view. Input: gf_* variables and
 * the package names as "$@". Prints GFCACHE <updated> <mtime>, GFDEB
 * pkg|ver|arch, GFPKG <i> <status>|<version> (dpkg), GFPOL <i> <line>
 * (apt-cache policy, for names not installed, or all with gf_policy=1),
 * GFRM <line> (autoremove preview). */

struct pkg {
    char *name, *ver;       /* "name=ver" split */
    char *abbrev, *inst;    /* dpkg's status and version, NULL when unknown */
    struct gf_buf policy;   /* apt-cache policy lines */
};

struct apt_job {
    const char *state;
    int purge;
    struct pkg *pkgs;
    size_t n;
    char *deb_name, *deb_ver; /* from the .deb's control fields */
    struct gf_buf install, remove, diff; /* quoted apt-get arguments */
};

static void job_release(struct apt_job *j)
{
    for (size_t i = 0; i < j->n; i++) {
        free(j->pkgs[i].name);
        free(j->pkgs[i].ver);
        free(j->pkgs[i].abbrev);
        free(j->pkgs[i].inst);
        gf_buf_release(&j->pkgs[i].policy);
    }
    free(j->pkgs);
    free(j->deb_name);
    free(j->deb_ver);
    gf_buf_release(&j->install);
    gf_buf_release(&j->remove);
    gf_buf_release(&j->diff);
}

/* Splits the name list into j->pkgs. Returns 0 or fails res. */
static int job_names(struct apt_job *j, const struct gf_val *names, struct gf_modres *res)
{
    size_t n = names && names->type == GF_VAL_LIST ? names->u.list.n : 0;

    j->pkgs = gf_xcalloc(n + 1, sizeof(*j->pkgs));
    for (size_t i = 0; i < n; i++) {
        struct gf_buf t = GF_BUF_INIT;
        gf_val_to_text(names->u.list.v[i], &t);
        struct pkg *p = &j->pkgs[j->n];
        int bad = gf_apt_split_spec(t.buf, &p->name, &p->ver);
        if (bad)
            gf_modres_fail(res, "'%s' is not a package name", t.buf);
        gf_buf_release(&t);
        if (bad)
            return -1;
        gf_buf_init(&p->policy);
        j->n++;
    }
    return 0;
}

/* Reads the GFPKG and GFPOL lines of out into j->pkgs. */
static void job_parse(struct apt_job *j, const char *out)
{
    for (const char *l = out; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
        int pol = strncmp(l, "GFPOL ", 6) == 0;
        if (!pol && strncmp(l, "GFPKG ", 6) != 0)
            continue;
        char *end;
        unsigned long i = strtoul(l + 6, &end, 10);
        if (i >= j->n || *end != ' ')
            continue;
        struct pkg *p = &j->pkgs[i];
        size_t len = strcspn(end + 1, "\n");
        if (pol) {
            gf_buf_add(&p->policy, end + 1, len);
            gf_buf_addc(&p->policy, '\n');
            continue;
        }
        const char *bar = memchr(end + 1, '|', len);
        if (bar == NULL || (p->abbrev && gf_dpkg_is_installed(p->abbrev)))
            continue; /* of several instances (multi-arch), an installed one counts */
        free(p->abbrev);
        free(p->inst);
        p->abbrev = gf_xstrndup(end + 1, (size_t)(bar - end - 1));
        p->inst = gf_xstrndup(bar + 1, len - (size_t)(bar - end));
    }
}

/* Decides every package; fills j->install / j->remove. Returns 0 or fails res. */
static int job_decide(struct apt_job *j, struct gf_modres *res)
{
    for (size_t i = 0; i < j->n; i++) {
        struct pkg *p = &j->pkgs[i];
        struct gf_apt_pkg ap;
        const char *ver = NULL, *why = NULL;
        gf_apt_parse_policy(p->policy.buf, &ap);
        ap.abbrev = p->abbrev;
        ap.installed = p->inst;
        int act = gf_apt_decide(j->state, j->purge, &ap, p->ver, &ver, &why);
        if (act < 0)
            return gf_modres_fail(res, "package '%s%s%s': %s", p->name, p->ver ? "=" : "",
                                  p->ver ? p->ver : "", why), -1;
        struct gf_buf *b = act == GF_APT_INSTALL ? &j->install : &j->remove;
        if (act == GF_APT_KEEP)
            continue;
        gf_buf_addc(b, ' ');
        struct gf_buf word = GF_BUF_INIT;
        gf_buf_addf(&word, "%s%s%s", p->name, ver ? "=" : "", ver ? ver : "");
        gf_sh_quote(b, word.buf);
        gf_buf_addf(&j->diff, "%c%s\n", act == GF_APT_INSTALL ? '+' : '-', word.buf);
        gf_buf_release(&word);
    }
    return 0;
}

/* The .deb case: install the file unless dpkg has its version installed. */
static void job_deb(struct apt_job *j, const char *deb, const char *out)
{
    const char *d = gf_mod_tagged(out, "GFDEB ");
    size_t len = d ? strcspn(d, "\n") : 0;
    const char *bar = d ? memchr(d, '|', len) : NULL;

    if (bar == NULL)
        return;
    j->deb_name = gf_xstrndup(d, (size_t)(bar - d));
    j->deb_ver = gf_xstrndup(bar + 1, strcspn(bar + 1, "|\n"));
    if (j->n && gf_dpkg_is_installed(j->pkgs[0].abbrev) &&
        strcmp(j->pkgs[0].inst, j->deb_ver) == 0)
        return;
    /* apt-get takes a file for a name only when it contains a slash */
    gf_buf_addc(&j->install, ' ');
    struct gf_buf path = GF_BUF_INIT;
    gf_buf_addf(&path, "%s%s", strchr(deb, '/') ? "" : "./", deb);
    gf_sh_quote(&j->install, path.buf);
    gf_buf_release(&path);
    gf_buf_addf(&j->diff, "+%s=%s\n", j->deb_name, j->deb_ver);
}

static void add_common_opts(struct gf_buf *cmd, const struct gf_val *args)
{
    const struct gf_val *rec = gf_val_map_get(args, "install_recommends");

    gf_nodesh_add(cmd, "lib");
    gf_buf_addf(cmd, "apt-get -y -q -o DPkg::Lock::Timeout=%lld -o Dpkg::Options::=--force-confdef "
                "-o Dpkg::Options::=--force-confold", gf_arg_int(args, "lock_timeout", 60));
    if (rec && rec->type == GF_VAL_BOOL)
        gf_buf_addf(cmd, " -o APT::Install-Recommends=%s", rec->u.b ? "yes" : "no");
    if (gf_arg_bool(args, "force", 0))
        gf_buf_adds(cmd, " --allow-unauthenticated --allow-downgrades --allow-remove-essential "
                    "--allow-change-held-packages");
    else if (gf_arg_bool(args, "allow_downgrade", 0))
        gf_buf_adds(cmd, " --allow-downgrades");
    if (gf_arg_bool(args, "autoremove", 0))
        gf_buf_adds(cmd, " --auto-remove");
    if (gf_arg_bool(args, "purge", 0))
        gf_buf_adds(cmd, " --purge");
}

/* Runs apt-get for what job decided; fills stdout/stderr. */
static int job_act(struct gf_modctx *ctx, struct apt_job *j, const struct gf_val *args,
                   int autoremove_only, struct gf_modres *res)
{
    struct gf_buf cmd = GF_BUF_INIT;
    struct gf_result r;

    add_common_opts(&cmd, args);
    if (j->deb_name)
        gf_buf_adds(&cmd, " --allow-downgrades"); /* a file is installed as it is, as dpkg -i */
    if (autoremove_only)
        gf_buf_adds(&cmd, " autoremove\n");
    else if (j->install.len)
        gf_buf_addf(&cmd, " install%s\n", j->install.buf);
    else
        gf_buf_addf(&cmd, " remove%s\n", j->remove.buf);
    int rc = gf_sys_run(ctx, cmd.buf, NULL, 0, &r, res, "apt-get failed");
    gf_sys_set_output(res, &r);
    gf_result_release(&r);
    gf_buf_release(&cmd);
    return rc;
}

static int apt_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    struct apt_job j = { 0 };
    struct gf_buf script = GF_BUF_INIT;
    struct gf_result r;
    const struct gf_val *names = gf_val_map_get(args, "name");
    const char *deb = gf_arg_str(args, "deb", NULL);
    long long valid = gf_arg_int(args, "cache_valid_time", 0);
    int update = gf_arg_bool(args, "update_cache", 0) || valid > 0;
    int rc = 0, have_names = names && names->type == GF_VAL_LIST && names->u.list.n;
    int autoremove_only = !have_names && !deb && gf_arg_bool(args, "autoremove", 0);

    gf_result_init(&r, 0);
    gf_buf_init(&j.install);
    gf_buf_init(&j.remove);
    gf_buf_init(&j.diff);
    j.state = gf_arg_str(args, "state", "present");
    j.purge = gf_arg_bool(args, "purge", 0);
    if (have_names && deb) {
        gf_modres_fail(res, "parameters are mutually exclusive: name, deb");
        goto out;
    }
    if (!have_names && !deb && !update && !autoremove_only) {
        gf_modres_fail(res, "one of the following is required: name, deb, update_cache, "
                       "autoremove");
        goto out;
    }
    if (deb && strcmp(j.state, "present") != 0) {
        gf_modres_fail(res, "deb installs a package file: use name with state=%s", j.state);
        goto out;
    }
    if (job_names(&j, names, res) < 0)
        goto out;
    gf_sh_assign(&script, "gf_update", update ? "1" : "0");
    gf_buf_addf(&script, "gf_valid=%lld\ngf_lock=%lld\n", valid,
                gf_arg_int(args, "lock_timeout", 60));
    gf_sh_assign(&script, "gf_check", ctx->check ? "1" : "0");
    gf_sh_assign(&script, "gf_deb", deb);
    /* the version table is needed for latest and name=version; else only
     * for packages that are not installed (is there a candidate?) */
    int all = strcmp(j.state, "latest") == 0;
    for (size_t i = 0; i < j.n; i++)
        all |= j.pkgs[i].ver != NULL;
    gf_sh_assign(&script, "gf_policy", deb || strcmp(j.state, "absent") == 0 ? "0"
                                       : all ? "1" : "2");
    gf_sh_assign(&script, "gf_autoremove_only", autoremove_only ? "1" : "0");
    gf_buf_adds(&script, "set --");
    for (size_t i = 0; i < j.n; i++) {
        gf_buf_addc(&script, ' ');
        gf_sh_quote(&script, j.pkgs[i].name);
    }
    gf_buf_addc(&script, '\n');
    gf_nodesh_add(&script, "lib");
    gf_nodesh_add(&script, "apt");
    gf_result_release(&r);
    rc = gf_sys_run(ctx, script.buf, NULL, 0, &r, res, "reading the package state failed");
    if (rc)
        goto out;
    const char *c = gf_mod_tagged(r.out.buf, "GFCACHE ");
    int updated = c && c[0] == '1';
    gf_val_map_set(res->data, "cache_updated", gf_val_bool(updated));
    gf_val_map_set(res->data, "cache_update_time", gf_val_int(c ? atoll(c + 2) : 0));
    if (deb) {
        gf_buf_init(&j.pkgs[0].policy);
        j.n = 1; /* the query's one name: the package inside the file */
        job_parse(&j, r.out.buf);
        job_deb(&j, deb, r.out.buf);
    } else {
        job_parse(&j, r.out.buf);
        if (job_decide(&j, res) < 0)
            goto out;
    }
    int need = j.install.len || j.remove.len ||
               (autoremove_only && gf_mod_tagged(r.out.buf, "GFRM "));
    res->changed = need || (updated && !have_names && !deb);
    if (ctx->diff && j.diff.len)
        gf_buf_add(&res->diff, j.diff.buf, j.diff.len);
    if (need && !ctx->check)
        rc = job_act(ctx, &j, args, autoremove_only, res);
out:
    gf_result_release(&r);
    gf_buf_release(&script);
    job_release(&j);
    return rc < 0 ? rc : 0;
}

const struct gf_module gf_module_apt = {
    .name = "apt",
    .aliases = (const char *const[]){ "ansible.builtin.apt", NULL },
    .params = apt_params,
    .supports_check = 1,
    .run = apt_run,
};

const struct gf_module gf_module_package = {
    .name = "package",
    .aliases = (const char *const[]){ "ansible.builtin.package", NULL },
    .params = package_params,
    .supports_check = 1,
    .run = apt_run,
};

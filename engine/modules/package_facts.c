/* package_facts.c - the `package_facts` module (ansible.builtin.package_facts)
 * for apt: ansible_facts.packages, each installed package's name, version,
 * arch, category, origin and source as Ansible's python-apt path reports
 * them, read with dpkg-query and apt-cache (no Python on the node). Other
 * package managers fail, naming the manager. */
#include <stdlib.h>
#include <string.h>

#include "netmod.h"
#include "nodesh.h"
#include "sysmod.h"

static const struct gf_param package_facts_params[] = {
    { "manager", GF_P_LIST, 0, NULL, NULL },
    { "strategy", GF_P_STR, 0, NULL, "first,all" },
    { NULL, 0, 0, NULL, NULL },
};

static int installed(const char *status)
{
    /* python-apt's is_installed: the package has a current version */
    return strcmp(status, "installed") == 0 || strcmp(status, "unpacked") == 0 ||
           strcmp(status, "half-configured") == 0 || strcmp(status, "triggers-awaited") == 0 ||
           strcmp(status, "triggers-pending") == 0;
}

void gf_package_facts_parse(const char *text, const char *native, struct gf_val *packages)
{
    for (const char *p = text; p && *p;) {
        size_t n = strcspn(p, "\n");
        char *line = gf_xstrndup(p, n), *f[6] = { 0 };
        char *s = line;
        int k = 0;
        for (; k < 6 && s; k++) {
            f[k] = s;
            s = strchr(s, '\t');
            if (s)
                *s++ = '\0';
        }
        if (k == 6 && *f[0] && installed(f[4])) {
            struct gf_buf name = GF_BUF_INIT;
            gf_buf_adds(&name, f[0]);
            if (strcmp(f[2], native) != 0 && strcmp(f[2], "all") != 0 && *f[2])
                gf_buf_addf(&name, ":%s", f[2]);
            struct gf_val *d = gf_val_map();
            gf_val_map_set(d, "name", gf_val_str(name.buf));
            gf_val_map_set(d, "version", gf_val_str(f[1]));
            gf_val_map_set(d, "arch", gf_val_str(f[2]));
            gf_val_map_set(d, "category", gf_val_str(f[3]));
            gf_val_map_set(d, "origin", gf_val_str(f[5]));
            gf_val_map_set(d, "source", gf_val_str("apt"));
            struct gf_val *l = gf_val_map_get(packages, name.buf);
            if (!l) {
                l = gf_val_list();
                gf_val_map_set(packages, name.buf, l);
            }
            gf_val_list_push(l, d);
            gf_buf_release(&name);
        }
        free(line);
        p += n + (p[n] == '\n');
    }
}

static int package_facts_run(struct gf_modctx *ctx, const struct gf_val *args,
                             struct gf_modres *res)
{
    const struct gf_val *mgr = gf_val_map_get(args, "manager");
    struct gf_buf s = GF_BUF_INIT;
    struct gf_result r;
    struct gf_val *packages = NULL;
    int rc = 0;

    for (size_t i = 0; mgr && mgr->type == GF_VAL_LIST && i < mgr->u.list.n; i++) {
        const struct gf_val *m = mgr->u.list.v[i];
        if (m->type != GF_VAL_STR || (strcmp(m->u.str.s, "auto") != 0 &&
                                      strcmp(m->u.str.s, "apt") != 0))
            return gf_modres_fail(res, "gpuforge's package_facts reads apt (dpkg) only, not "
                                  "'%s'", m->type == GF_VAL_STR ? m->u.str.s : "?");
    }
    gf_nodesh_add(&s, "lib");
    gf_nodesh_add(&s, "package_facts");
    rc = gf_sys_run(ctx, s.buf, NULL, 0, &r, res, "package_facts failed");
    if (rc != 0)
        goto out;
    const char *arch = gf_mod_tagged(r.out.buf, "GFARCH ");
    const char *list = gf_mod_tagged(r.out.buf, "GFLIST\n");
    const char *end = list ? strstr(list, "GFEND\n") : NULL;
    if (!arch || !list || !end) {
        gf_modres_fail(res, "package_facts: unexpected output from the node");
        goto out;
    }
    char *native = gf_xstrndup(arch, strcspn(arch, "\n"));
    char *text = gf_xstrndup(list, (size_t)(end - list));
    packages = gf_val_map();
    gf_package_facts_parse(text, native, packages);
    free(native);
    free(text);
    for (const char *p = end; (p = gf_mod_tagged(p, "GFORIGIN "));) {
        size_t n = strcspn(p, "\n");
        char *line = gf_xstrndup(p, n), *sp = strchr(line, ' ');
        if (sp) {
            *sp = '\0';
            struct gf_val *l = gf_val_map_get(packages, line);
            for (size_t i = 0; l && i < l->u.list.n; i++)
                gf_val_map_set(l->u.list.v[i], "origin", gf_val_str(sp + 1));
        }
        free(line);
        p += n;
    }
    packages->flags |= GF_VAL_UNSAFE;
    struct gf_val *facts = gf_val_map();
    gf_val_map_set(facts, "packages", gf_val_ref(packages));
    if (ctx->facts_out)
        gf_val_map_set(ctx->facts_out, "packages", gf_val_ref(packages));
    gf_val_map_set(res->data, "ansible_facts", facts);
out:
    gf_val_unref(packages);
    gf_result_release(&r);
    gf_buf_release(&s);
    return rc < 0 ? rc : 0;
}

const struct gf_module gf_module_package_facts = {
    .name = "package_facts",
    .aliases = (const char *const[]){ "ansible.builtin.package_facts", NULL },
    .params = package_facts_params,
    .supports_check = 1,
    .run = package_facts_run,
};

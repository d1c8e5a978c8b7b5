/* service_facts.c - the `service_facts` module (ansible.builtin.service_facts):
 * ansible_facts.services from what Ansible reads on a Linux node, parsed
 * the way Ansible parses it: `service --status-all` (sysv, when the node
 * has `service` and neither chkconfig nor rc-status), then systemd's
 * list-units and list-unit-files (when PID 1 is systemd), the unit files
 * that list-units did not show getting their ActiveState. */
#include <stdlib.h>
#include <string.h>

#include "netmod.h"
#include "nodesh.h"
#include "sysmod.h"

static const struct gf_param service_facts_params[] = {
    { NULL, 0, 0, NULL, NULL },
};

static struct gf_val *svc(const char *name, const char *state, const char *status,
                          const char *source)
{
    struct gf_val *m = gf_val_map();

    gf_val_map_set(m, "name", gf_val_str(name));
    gf_val_map_set(m, "state", gf_val_str(state));
    if (status)
        gf_val_map_set(m, "status", gf_val_str(status));
    gf_val_map_set(m, "source", gf_val_str(source));
    return m;
}

/* Splits line into whitespace-separated words (malloc'd) in w. */
static void split_words(const char *line, size_t n, struct gf_vec *w)
{
    const char *p = line, *end = line + n;

    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
            p++;
        const char *s = p;
        while (p < end && *p != ' ' && *p != '\t' && *p != '\r')
            p++;
        if (p > s)
            gf_vec_push(w, gf_xstrndup(s, (size_t)(p - s)));
    }
}

static int contains(const char *line, size_t n, const char *what)
{
    size_t k = strlen(what);

    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(line + i, what, k) == 0)
            return 1;
    return 0;
}

int gf_service_facts_parse(const char *sysv, const char *units, const char *files,
                           struct gf_val *services, struct gf_vec *need_state, char **bad)
{
    static const char *const bad_states[] = { "not-found", "masked", "failed", NULL };

    *bad = NULL;
    for (const char *p = sysv; p && *p;) {
        size_t n = strcspn(p, "\n");
        const char *q = p, *e = p + n;
        while (q < e && (*q == ' ' || *q == '\t'))
            q++;
        /* ^\s*\[ (\+|\-) \]\s+(.+)$ */
        if (e - q > 6 && q[0] == '[' && q[1] == ' ' && (q[2] == '+' || q[2] == '-') &&
            q[3] == ' ' && q[4] == ']' && (q[5] == ' ' || q[5] == '\t')) {
            const char *nm = q + 5;
            while (nm < e && (*nm == ' ' || *nm == '\t'))
                nm++;
            if (nm < e) {
                char *name = gf_xstrndup(nm, (size_t)(e - nm));
                gf_val_map_set(services, name,
                               svc(name, q[2] == '+' ? "running" : "stopped", NULL, "sysv"));
                free(name);
            }
        }
        p += n + (p[n] == '\n');
    }
    for (const char *p = units; p && *p;) {
        size_t n = strcspn(p, "\n");
        struct gf_vec w = GF_VEC_INIT;
        if (contains(p, n, ".service")) {
            const char *status = NULL;
            split_words(p, n, &w);
            size_t off = 0;
            for (size_t i = 0; bad_states[i] && !status; i++)
                for (size_t j = 0; j < w.n; j++)
                    if (strcmp(w.v[j], bad_states[i]) == 0) {
                        status = bad_states[i];
                        off = 1;
                        break;
                    }
            if (w.n < off + 4) {
                *bad = gf_xstrndup(p, n);
                gf_vec_release(&w, free);
                return -1;
            }
            if (!status)
                status = w.v[off + 2];
            const char *name = w.v[off];
            gf_val_map_set(services, name,
                           svc(name, strcmp(w.v[off + 3], "running") == 0 ? "running" : "stopped",
                               status, "systemd"));
        }
        gf_vec_release(&w, free);
        p += n + (p[n] == '\n');
    }
    for (const char *p = files; p && *p;) {
        size_t n = strcspn(p, "\n");
        struct gf_vec w = GF_VEC_INIT;
        if (contains(p, n, ".service")) {
            split_words(p, n, &w);
            if (w.n < 2) {
                *bad = gf_xstrndup(p, n);
                gf_vec_release(&w, free);
                return -1;
            }
            const char *name = w.v[0], *status = w.v[1];
            struct gf_val *cur = gf_val_map_get(services, name);
            if (!cur) {
                gf_val_map_set(services, name, svc(name, "unknown", status, "systemd"));
                gf_vec_push(need_state, gf_xstrdup(name));
            } else {
                struct gf_val *st = gf_val_map_get(cur, "status");
                int keep = 0;
                for (size_t i = 0; bad_states[i]; i++)
                    if (st && st->type == GF_VAL_STR && strcmp(st->u.str.s, bad_states[i]) == 0)
                        keep = 1;
                if (!keep)
                    gf_val_map_set(cur, "status", gf_val_str(status));
            }
        }
        gf_vec_release(&w, free);
        p += n + (p[n] == '\n');
    }
    return 0;
}

void gf_service_facts_set_state(struct gf_val *services, const char *name, const char *state)
{
    struct gf_val *cur = gf_val_map_get(services, name);

    if (cur && cur->type == GF_VAL_MAP)
        gf_val_map_set(cur, "state", gf_val_str(state));
}

char *gf_net_section(const char *out, const char *name)
{
    struct gf_buf tag = GF_BUF_INIT;
    const char *p;
    char *s = NULL;

    gf_buf_addf(&tag, "GFSECTION %s\n", name);
    for (p = out; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, tag.buf, tag.len) == 0)
            break;
    if (p && *p) {
        p += tag.len;
        const char *e = strncmp(p, "GFSECTION ", 10) == 0 ? p : strstr(p, "\nGFSECTION ");
        s = gf_xstrndup(p, e ? (size_t)(e - p) : strlen(p));
    }
    gf_buf_release(&tag);
    return s;
}

static int service_facts_run(struct gf_modctx *ctx, const struct gf_val *args,
                             struct gf_modres *res)
{
    struct gf_buf s = GF_BUF_INIT;
    struct gf_result r;
    struct gf_vec need = GF_VEC_INIT;
    struct gf_val *services = gf_val_map();
    char *sysv = NULL, *units = NULL, *files = NULL, *bad = NULL;
    int rc;

    (void)args;
    gf_sh_assign(&s, "gf_names", "");
    gf_nodesh_add(&s, "lib");
    gf_nodesh_add(&s, "service_facts");
    rc = gf_sys_run(ctx, s.buf, NULL, 0, &r, res, "service_facts failed");
    if (rc != 0)
        goto out;
    sysv = gf_net_section(r.out.buf, "sysv");
    units = gf_net_section(r.out.buf, "units");
    files = gf_net_section(r.out.buf, "files");
    if (gf_service_facts_parse(sysv, units, files, services, &need, &bad) < 0) {
        gf_modres_fail(res, "Malformed output discovered from systemd list-unit-files: %s", bad);
        goto out;
    }
    if (need.n > 0) {
        struct gf_buf names = GF_BUF_INIT;
        for (size_t i = 0; i < need.n; i++)
            gf_buf_addf(&names, "%s%s", i ? "\n" : "", (char *)need.v[i]);
        gf_result_release(&r);
        gf_buf_reset(&s);
        gf_sh_assign(&s, "gf_names", names.buf);
        gf_nodesh_add(&s, "lib");
        gf_nodesh_add(&s, "service_facts");
        gf_buf_release(&names);
        rc = gf_sys_run(ctx, s.buf, NULL, 0, &r, res, "service_facts failed");
        if (rc != 0)
            goto out;
        for (const char *p = r.out.buf; p && (p = gf_mod_tagged(p, "GFACT "));) {
            size_t n = strcspn(p, "\n");
            char *line = gf_xstrndup(p, n), *sp = strchr(line, ' ');
            if (sp) {
                *sp = '\0';
                gf_service_facts_set_state(services, line, sp + 1);
            }
            free(line);
            p += n;
        }
    }
    if (services->u.map.n == 0) {
        res->skipped = 1;
        gf_val_map_set(res->data, "msg", gf_val_str("Failed to find any services. This can be due "
                       "to privileges or some other configuration issue."));
        goto out;
    }
    struct gf_val *facts = gf_val_map();
    services->flags |= GF_VAL_UNSAFE;
    gf_val_map_set(facts, "services", gf_val_ref(services));
    if (ctx->facts_out)
        gf_val_map_set(ctx->facts_out, "services", gf_val_ref(services));
    gf_val_map_set(res->data, "ansible_facts", facts);
out:
    gf_result_release(&r);
    gf_buf_release(&s);
    gf_vec_release(&need, free);
    gf_val_unref(services);
    free(sysv);
    free(units);
    free(files);
    free(bad);
    return rc < 0 ? rc : 0;
}

const struct gf_module gf_module_service_facts = {
    .name = "service_facts",
    .aliases = (const char *const[]){ "ansible.builtin.service_facts", NULL },
    .params = service_facts_params,
    .supports_check = 1,
    .run = service_facts_run,
};

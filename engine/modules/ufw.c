/* ufw.c - the `ufw` module (community.general.ufw): the same ufw commands
 * Ansible's module runs, in its order (state, default, rule, logging),
 * with its check-mode guesses (`ufw --dry-run` for rules) and its change
 * test (ufw status verbose and the user rules before and after). ufw is a
 * Python program: a node without it fails as Ansible does, naming ufw. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netmod.h"
#include "nodesh.h"
#include "sysmod.h"

static const struct gf_param ufw_params[] = {
    { "state", GF_P_STR, 0, NULL, "enabled,disabled,reloaded,reset" },
    { "default", GF_P_STR, 0, "policy", "allow,deny,reject" },
    { "logging", GF_P_STR, 0, NULL, "full,high,low,medium,off,on" },
    { "direction", GF_P_STR, 0, NULL, "in,incoming,out,outgoing,routed" },
    { "delete", GF_P_BOOL, 0, NULL, NULL },
    { "route", GF_P_BOOL, 0, NULL, NULL },
    { "insert", GF_P_INT, 0, NULL, NULL },
    { "insert_relative_to", GF_P_STR, 0, NULL,
      "zero,first-ipv4,last-ipv4,first-ipv6,last-ipv6" },
    { "rule", GF_P_STR, 0, NULL, "allow,deny,limit,reject" },
    { "interface", GF_P_STR, 0, "if", NULL },
    { "interface_in", GF_P_STR, 0, "if_in", NULL },
    { "interface_out", GF_P_STR, 0, "if_out", NULL },
    { "log", GF_P_BOOL, 0, NULL, NULL },
    { "from_ip", GF_P_STR, 0, "from,src", NULL },
    { "from_port", GF_P_STR, 0, NULL, NULL },
    { "to_ip", GF_P_STR, 0, "dest,to", NULL },
    { "to_port", GF_P_STR, 0, "port", NULL },
    { "proto", GF_P_STR, 0, "protocol", "ah,any,esp,ipv6,tcp,udp,gre,igmp" },
    { "name", GF_P_STR, 0, "app", NULL },
    { "comment", GF_P_STR, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

/* An IPv4 address at p: Ansible's compile_ipv4_regexp. Returns its length
 * or 0. */
static size_t ipv4_at(const char *p)
{
    const char *s = p;

    for (int i = 0; i < 4; i++) {
        int n = 0, d = 0;
        while (isdigit((unsigned char)*s) && d < 3)
            n = n * 10 + (*s++ - '0'), d++;
        if (d == 0 || n > 255)
            return 0;
        if (i < 3 && *s++ != '.')
            return 0;
    }
    return (size_t)(s - p);
}

static int has_ipv4(const char *line)
{
    for (const char *p = line; *p; p++)
        if (ipv4_at(p))
            return 1;
    return 0;
}

/* Close enough to Ansible's IPv6 pattern: hex groups with "::" or 7 ':'. */
static int ipv6_at(const char *p)
{
    int colons = 0, dbl = 0, hex = 0;

    for (const char *s = p; *s && (isxdigit((unsigned char)*s) || *s == ':'); s++) {
        if (*s == ':') {
            colons++;
            if (s[1] == ':')
                dbl = 1;
        } else {
            hex++;
        }
    }
    return colons >= 2 && (dbl || colons >= 7) && (hex || dbl);
}

static int has_ipv6(const char *line)
{
    for (const char *p = line; *p; p++)
        if ((p == line || !isxdigit((unsigned char)p[-1])) && ipv6_at(p))
            return 1;
    return 0;
}

/* The lines of text (each ending in '\n') for which keep() is 1. */
static void filter_lines(const char *text, int (*keep)(const char *), struct gf_buf *out)
{
    for (const char *p = text; p && *p;) {
        size_t n = strcspn(p, "\n");
        char *l = gf_xstrndup(p, n);
        if (keep(l)) {
            gf_buf_add(out, p, n);
            gf_buf_addc(out, '\n');
        }
        free(l);
        p += n + (p[n] == '\n');
    }
}

static int starts_tuple(const char *l)
{
    return strncmp(l, "### tuple", 9) == 0;
}

static int any_line(const char *l)
{
    (void)l;
    return 1;
}

static int same_filtered(const char *a, const char *b, int (*keep)(const char *))
{
    struct gf_buf x = GF_BUF_INIT, y = GF_BUF_INIT;
    int same;

    filter_lines(a, keep, &x);
    filter_lines(b, keep, &y);
    same = x.len == y.len && (x.len == 0 || memcmp(x.buf, y.buf, x.len) == 0);
    gf_buf_release(&x);
    gf_buf_release(&y);
    return same;
}

/* Adds "run ARG..." with args as a NULL-ended list, and the command as
 * Ansible reports it to cmds. */
static void add_run(struct gf_buf *s, const char *fn, const char *const *args,
                    struct gf_buf *cmdline)
{
    gf_buf_adds(s, fn);
    for (size_t i = 0; args[i]; i++) {
        gf_buf_addc(s, ' ');
        gf_sh_quote(s, args[i]);
        gf_buf_addf(cmdline, " %s", args[i]);
    }
    gf_buf_addc(s, '\n');
}

static int ufw_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    const char *state = gf_arg_str(args, "state", NULL), *def = gf_arg_str(args, "default", NULL);
    const char *logging = gf_arg_str(args, "logging", NULL), *rule = gf_arg_str(args, "rule", NULL);
    const char *dir = gf_arg_str(args, "direction", NULL);
    const char *ifin = gf_arg_str(args, "interface_in", NULL);
    const char *ifout = gf_arg_str(args, "interface_out", NULL);
    const char *from_ip = gf_arg_str(args, "from_ip", "any"), *to_ip = gf_arg_str(args, "to_ip", "any");
    struct gf_buf s = GF_BUF_INIT, rulecmd = GF_BUF_INIT;
    struct gf_vec words = GF_VEC_INIT;
    struct gf_result r;
    char *pre = NULL, *prerules = NULL, *post = NULL, *postrules = NULL;
    int rc = 0, ran = 0, changed = 0;

    if (!state && !def && !rule && !logging)
        return gf_modres_fail(res, "one of the following is required: state, default, rule, "
                              "logging");
    if ((gf_arg_str(args, "name", NULL) != NULL) + (gf_arg_str(args, "proto", NULL) != NULL) +
        (logging != NULL) > 1)
        return gf_modres_fail(res, "parameters are mutually exclusive: name|proto|logging");
    if (dir && (ifin || ifout))
        return gf_modres_fail(res, "parameters are mutually exclusive: direction|%s",
                              ifin ? "interface_in" : "interface_out");
    if (gf_arg_str(args, "interface", NULL) && !dir)
        return gf_modres_fail(res, "missing parameter(s) required by 'interface': direction");
    if (def && dir && strcmp(dir, "outgoing") != 0 && strcmp(dir, "incoming") != 0 &&
        strcmp(dir, "routed") != 0)
        return gf_modres_fail(res, "For default, direction must be one of \"outgoing\", "
                              "\"incoming\" and \"routed\", or direction must not be specified.");
    if (rule && dir && strcmp(dir, "in") != 0 && strcmp(dir, "out") != 0)
        return gf_modres_fail(res, "For rules, direction must be one of \"in\" and \"out\", or "
                              "direction must not be specified.");
    if (rule && !gf_arg_bool(args, "route", 0) && ifin && ifout)
        return gf_modres_fail(res, "Only route rules can combine interface_in and interface_out");
    if (rule && gf_val_map_get(args, "insert") &&
        gf_val_map_get(args, "insert")->type != GF_VAL_NULL && !gf_arg_bool(args, "delete", 0) &&
        strcmp(gf_arg_str(args, "insert_relative_to", "zero"), "zero") != 0)
        return gf_modres_fail(res, "gpuforge does not implement insert_relative_to other than "
                              "'zero' for ufw");

    gf_sh_assign(&s, "gf_check", ctx->check ? "1" : "0");
    gf_sh_assign(&s, "gf_comment", gf_arg_str(args, "comment", ""));
    gf_nodesh_add(&s, "lib");
    gf_nodesh_add(&s, "ufw");
    struct gf_val *cmds = gf_val_list();
    /* the commands in Ansible's order: state, default, rule, logging */
    if (state) {
        const char *verb = strcmp(state, "enabled") == 0 ? "enable"
                         : strcmp(state, "disabled") == 0 ? "disable"
                         : strcmp(state, "reloaded") == 0 ? "reload" : "reset";
        if (strcmp(state, "reloaded") == 0 || strcmp(state, "reset") == 0)
            changed = 1;
        if (!ctx->check) {
            const char *a[] = { "-f", verb, NULL };
            struct gf_buf c = GF_BUF_INIT;
            gf_buf_adds(&c, "UFW");
            add_run(&s, "run", a, &c);
            gf_val_list_push(cmds, gf_val_str(c.buf));
            gf_buf_release(&c);
        }
    }
    if (def && !ctx->check) {
        const char *a[] = { "default", def, dir, NULL };
        struct gf_buf c = GF_BUF_INIT;
        gf_buf_adds(&c, "UFW");
        add_run(&s, "run", a, &c);
        gf_val_list_push(cmds, gf_val_str(c.buf));
        gf_buf_release(&c);
    }
    if (rule) {
#define W(x) gf_vec_push(&words, gf_xstrdup(x))
        if (ctx->check)
            W("--dry-run");
        if (gf_arg_bool(args, "route", 0))
            W("route");
        if (gf_arg_bool(args, "delete", 0))
            W("delete");
        const struct gf_val *ins = gf_val_map_get(args, "insert");
        if (ins && ins->type == GF_VAL_INT && !gf_arg_bool(args, "delete", 0)) {
            char n[24];
            snprintf(n, sizeof(n), "%lld", ins->u.i);
            W("insert");
            W(n);
        }
        W(rule);
        if (dir)
            W(dir);
        if (gf_arg_str(args, "interface", NULL)) {
            W("on");
            W(gf_arg_str(args, "interface", NULL));
        }
        if (ifin) {
            W("in");
            W("on");
            W(ifin);
        }
        if (ifout) {
            W("out");
            W("on");
            W(ifout);
        }
        if (gf_arg_bool(args, "log", 0))
            W("log");
        static const char *const kv[][2] = { { "from_ip", "from" }, { "from_port", "port" },
                                             { "to_ip", "to" }, { "to_port", "port" },
                                             { "proto", "proto" }, { "name", "app" } };
        for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
            const char *v = gf_arg_str(args, kv[i][0], NULL);
            if (strcmp(kv[i][0], "from_ip") == 0)
                v = from_ip;
            if (strcmp(kv[i][0], "to_ip") == 0)
                v = to_ip;
            if (v) {
                W(kv[i][1]);
                W(v);
            }
        }
#undef W
        gf_vec_push(&words, NULL);
        gf_val_list_push(cmds, gf_val_str("UFW --version"));
        gf_buf_adds(&rulecmd, "UFW");
        add_run(&s, "run_rule", (const char *const *)words.v, &rulecmd);
        if (gf_arg_str(args, "comment", NULL))
            gf_buf_addf(&rulecmd, " comment '%s'", gf_arg_str(args, "comment", NULL));
        gf_val_list_push(cmds, gf_val_str(rulecmd.buf));
    }
    if (logging && !ctx->check) {
        const char *a[] = { "logging", logging, NULL };
        struct gf_buf c = GF_BUF_INIT;
        gf_buf_adds(&c, "UFW");
        add_run(&s, "run", a, &c);
        gf_val_list_push(cmds, gf_val_str(c.buf));
        gf_buf_release(&c);
    }
    gf_buf_adds(&s, "finish\n");
    rc = gf_sys_run(ctx, s.buf, NULL, 0, &r, res, "ufw failed");
    ran = 1;
    /* the commands with the node's paths, as Ansible lists them */
    const char *bins = r.out.buf ? gf_mod_tagged(r.out.buf, "GFBIN ") : NULL;
    char ufwp[256] = "ufw", grepp[256] = "grep";
    if (bins)
        sscanf(bins, "%255s %255s", ufwp, grepp);
    struct gf_val *list = gf_val_list();
    struct gf_buf c = GF_BUF_INIT;
    gf_buf_addf(&c, "%s status verbose", ufwp);
    gf_val_list_push(list, gf_val_str(c.buf));
    gf_buf_reset(&c);
    gf_buf_addf(&c, "%s -h '^### tuple' /lib/ufw/user.rules /lib/ufw/user6.rules "
                "/etc/ufw/user.rules /etc/ufw/user6.rules /var/lib/ufw/user.rules "
                "/var/lib/ufw/user6.rules", grepp);
    gf_val_list_push(list, gf_val_str(c.buf));
    for (size_t i = 0; i < cmds->u.list.n; i++) {
        const struct gf_val *v = cmds->u.list.v[i];
        gf_buf_reset(&c);
        gf_buf_addf(&c, "%s%s", ufwp, v->u.str.s + 3);
        gf_val_list_push(list, gf_val_str(c.buf));
    }
    gf_buf_release(&c);
    gf_val_unref(cmds);
    if (!ctx->check && rc == 0) {
        gf_buf_reset(&c);
        gf_buf_addf(&c, "%s status verbose", ufwp);
        gf_val_list_push(list, gf_val_str(c.buf));
        gf_buf_release(&c);
    }
    if (bins) {
        gf_val_map_set(res->data, "commands", list);
    } else {
        /* get_bin_path failed before any command: Ansible's failure has only msg */
        gf_val_unref(list);
    }
    if (res->failed) /* fail_json(msg=err or out, commands=cmds): no rc */
        gf_val_unref(gf_map_del(&res->data->u.map, "rc"));
    if (rc != 0)
        goto out;
    pre = gf_net_section(r.out.buf, "pre");
    prerules = gf_net_section(r.out.buf, "prerules");
    if (ctx->check) {
        if (state) {
            int enabled = pre && strstr(pre, " active") != NULL;
            if ((strcmp(state, "disabled") == 0 && enabled) ||
                (strcmp(state, "enabled") == 0 && !enabled))
                changed = 1;
        }
        if (def) {
            const char *p = pre ? strstr(pre, "Default: ") : NULL;
            char in[16], outp[16], routed[16];
            if (p && sscanf(p, "Default: %15[a-z] (incoming), %15[a-z] (outgoing), %15[a-z] "
                            "(routed)", in, outp, routed) == 3) {
                const char *cur = !dir || strcmp(dir, "incoming") == 0 ? in
                                : strcmp(dir, "outgoing") == 0 ? outp : routed;
                if (strcmp(cur, def) != 0 && strcmp(cur, "disabled") != 0)
                    changed = 1;
            } else {
                changed = 1;
            }
        }
        if (rule) {
            char *dry = gf_net_section(r.out.buf, "out");
            size_t lines = 0, skipping = 0;
            for (const char *p = dry; p && *p;) {
                size_t n = strcspn(p, "\n");
                lines++;
                char *l = gf_xstrndup(p, n);
                if (strstr(l, "Skipping"))
                    skipping++;
                free(l);
                p += n + (p[n] == '\n');
            }
            if (!(skipping > 0 && skipping == lines)) {
                struct gf_buf d = GF_BUF_INIT;
                filter_lines(dry, starts_tuple, &d);
                const char *dt = d.buf ? d.buf : "";
                if (ipv4_at(from_ip) || ipv4_at(to_ip)) {
                    struct gf_buf a = GF_BUF_INIT, b = GF_BUF_INIT;
                    filter_lines(prerules, has_ipv4, &a);
                    filter_lines(dt, has_ipv4, &b);
                    if (!gf_streq(a.buf ? a.buf : "", b.buf ? b.buf : ""))
                        changed = 1;
                    gf_buf_release(&a);
                    gf_buf_release(&b);
                } else if (ipv6_at(from_ip) || ipv6_at(to_ip)) {
                    struct gf_buf a = GF_BUF_INIT, b = GF_BUF_INIT;
                    filter_lines(prerules, has_ipv6, &a);
                    filter_lines(dt, has_ipv6, &b);
                    if (!gf_streq(a.buf ? a.buf : "", b.buf ? b.buf : ""))
                        changed = 1;
                    gf_buf_release(&a);
                    gf_buf_release(&b);
                } else if (!same_filtered(prerules, dt, any_line)) {
                    changed = 1;
                }
                gf_buf_release(&d);
            }
            free(dry);
        }
        if (logging) {
            const char *p = pre ? strstr(pre, "Logging: ") : NULL;
            if (p) {
                int on = strncmp(p + 9, "on", 2) == 0;
                char level[16] = "";
                sscanf(p + 9, "%*s (%15[a-z])", level);
                if (strcmp(logging, "off") != 0) {
                    if (!on)
                        changed = 1;
                    else if (strcmp(logging, "on") != 0 && strcmp(logging, level) != 0)
                        changed = 1;
                } else if (on) {
                    changed = 1;
                }
            } else {
                changed = 1;
            }
        }
        res->changed = changed;
        goto out;
    }
    post = gf_net_section(r.out.buf, "post");
    postrules = gf_net_section(r.out.buf, "postrules");
    if (!changed) {
        struct gf_buf g = GF_BUF_INIT;
        gf_buf_addf(&g, "%s -h '^### tuple' /lib/ufw/user.rules /lib/ufw/user6.rules "
                    "/etc/ufw/user.rules /etc/ufw/user6.rules /var/lib/ufw/user.rules "
                    "/var/lib/ufw/user6.rules", grepp);
        gf_val_list_push(list, gf_val_str(g.buf));
        gf_buf_release(&g);
        changed = !gf_streq(pre ? pre : "", post ? post : "") ||
                  !gf_streq(prerules ? prerules : "", postrules ? postrules : "");
    }
    res->changed = changed;
    if (post) {
        size_t n = strlen(post);
        while (n > 0 && (post[n - 1] == '\n' || post[n - 1] == ' ' || post[n - 1] == '\t'))
            post[--n] = '\0';
    }
    gf_val_map_set(res->data, "msg", gf_val_str(post ? post : ""));
out:
    if (ran)
        gf_result_release(&r);
    for (size_t i = 0; i < words.n; i++)
        free(words.v[i]);
    free(words.v);
    gf_buf_release(&s);
    gf_buf_release(&rulecmd);
    free(pre);
    free(prerules);
    free(post);
    free(postrules);
    return rc < 0 ? rc : 0;
}

const struct gf_module gf_module_ufw = {
    .name = "ufw",
    .aliases = (const char *const[]){ "community.general.ufw", NULL },
    .params = ufw_params,
    .supports_check = 1,
    .run = ufw_run,
};

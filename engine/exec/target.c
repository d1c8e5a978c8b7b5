/* target.c - turns a host's inventory variables (and the command line's
 * defaults) into connection settings: address, port, user, keys, host-key
 * policy, jump host or proxy command, and become. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "exec.h"

void gf_exec_opts_init(struct gf_exec_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->forks = 50;
    o->connect_timeout = 10;
    o->keepalive = 15;
    o->output_cap = 1u << 20;
    const char *f = getenv("GPUFORGE_FRAMED");
    o->framed = !(f && strcmp(f, "0") == 0);
}

void gf_target_release(struct gf_target *t)
{
    free(t->name);
    free(t->addr);
    free(t->user);
    gf_vec_release(&t->key_files, free);
    if (t->password)
        gf_free_secret(t->password, strlen(t->password));
    free(t->known_hosts);
    free(t->proxy_jump);
    free(t->proxy_command);
    free(t->become_user);
    if (t->become_password)
        gf_free_secret(t->become_password, strlen(t->become_password));
    free(t->become_method);
    memset(t, 0, sizeof(*t));
}

/* First of the names that is set, or NULL. */
static const struct gf_val *var_any(const struct gf_val *vars, const char *const *names)
{
    for (; *names; names++) {
        const struct gf_val *v = gf_val_map_get(vars, *names);
        if (v && v->type != GF_VAL_NULL)
            return v;
    }
    return NULL;
}

/* The variable as a malloc'd string; NULL when unset. Rejects templates,
 * which connection variables cannot use yet. */
static int var_str(const struct gf_val *vars, const char *const *names, const char *host,
                   char **out, struct gf_error *err)
{
    const struct gf_val *v = var_any(vars, names);
    struct gf_buf b = GF_BUF_INIT;

    *out = NULL;
    if (v == NULL)
        return 0;
    if (v->type == GF_VAL_LIST || v->type == GF_VAL_MAP)
        return gf_error_set(err, GF_EINVAL, NULL, 0, 0, "host '%s': '%s' must be a string, not a %s",
                            host, names[0], gf_val_typename(v));
    gf_val_to_text(v, &b);
    if (strstr(b.buf, "{{") || strstr(b.buf, "{%")) {
        gf_buf_release(&b);
        return gf_error_set(err, GF_EUNSUPPORTED, NULL, 0, 0,
                            "host '%s': '%s' uses a template, which connection variables do not "
                            "support yet", host, names[0]);
    }
    *out = gf_buf_detach(&b, NULL);
    return 0;
}

/* Ansible's boolean(): true for true/yes/on/1/y/t (any case). */
static int truthy_text(const char *s)
{
    static const char *const yes[] = { "true", "yes", "on", "1", "y", "t", "1.0", NULL };

    for (int i = 0; yes[i]; i++)
        if (strcasecmp(s, yes[i]) == 0)
            return 1;
    return 0;
}

static void set_str(char **dst, const char *v)
{
    free(*dst);
    *dst = gf_xstrdup(v);
}

/* Applies one "-o Key=Value" option. */
static int apply_o(struct gf_target *t, const char *opt, const char *var, struct gf_error *err)
{
    const char *eq = strpbrk(opt, "= \t");
    char key[64];

    if (eq == NULL || (size_t)(eq - opt) >= sizeof(key))
        return gf_error_set(err, GF_EINVAL, NULL, 0, 0, "host '%s': %s: malformed option '-o %s'",
                            t->name, var, opt);
    memcpy(key, opt, (size_t)(eq - opt));
    key[eq - opt] = '\0';
    const char *val = eq + 1;
    while (*val == ' ' || *val == '\t' || *val == '=')
        val++;
    if (strcasecmp(key, "ProxyJump") == 0) {
        if (strcasecmp(val, "none") == 0) {
            free(t->proxy_jump);
            t->proxy_jump = NULL;
        } else {
            set_str(&t->proxy_jump, val);
        }
    } else if (strcasecmp(key, "ProxyCommand") == 0) {
        if (strcasecmp(val, "none") == 0) {
            free(t->proxy_command);
            t->proxy_command = NULL;
        } else {
            set_str(&t->proxy_command, val);
        }
    } else if (strcasecmp(key, "UserKnownHostsFile") == 0) {
        free(t->known_hosts);
        t->known_hosts = gf_expand_home(val);
    } else if (strcasecmp(key, "StrictHostKeyChecking") == 0) {
        if (strcasecmp(val, "yes") == 0 || strcasecmp(val, "ask") == 0)
            t->hostkey_policy = GF_HOSTKEY_STRICT;
        else if (strcasecmp(val, "accept-new") == 0 || strcasecmp(val, "no") == 0 ||
                 strcasecmp(val, "off") == 0)
            t->hostkey_policy = GF_HOSTKEY_ACCEPT_NEW; /* a changed key stays fatal */
        else
            return gf_error_set(err, GF_EINVAL, NULL, 0, 0,
                                "host '%s': %s: bad StrictHostKeyChecking value '%s'", t->name,
                                var, val);
    } else {
        return gf_error_set(err, GF_EUNSUPPORTED, NULL, 0, 0,
                            "host '%s': %s: ssh option '%s' is not supported (supported: "
                            "ProxyJump, ProxyCommand, UserKnownHostsFile, "
                            "StrictHostKeyChecking, -J, -p, -i)", t->name, var, key);
    }
    return 0;
}

/* Parses ansible_ssh_common_args / ansible_ssh_extra_args. */
static int apply_ssh_args(struct gf_target *t, const char *args, const char *var,
                          struct gf_error *err)
{
    struct gf_vec w = GF_VEC_INIT;
    int rc = 0;

    if (gf_shlex_split(args, &w) < 0) {
        rc = gf_error_set(err, GF_EINVAL, NULL, 0, 0, "host '%s': %s: unbalanced quotes",
                          t->name, var);
        goto out;
    }
    for (size_t i = 0; i < w.n && rc == 0; i++) {
        const char *a = w.v[i];
        const char *arg = NULL;
        char flag;
        if (a[0] != '-' || a[1] == '\0' || !strchr("oJpi", a[1])) {
            rc = gf_error_set(err, GF_EUNSUPPORTED, NULL, 0, 0,
                              "host '%s': %s: ssh argument '%s' is not supported (supported: "
                              "-o ProxyJump=, -o ProxyCommand=, -o UserKnownHostsFile=, "
                              "-o StrictHostKeyChecking=, -J, -p, -i)", t->name, var, a);
            break;
        }
        flag = a[1];
        if (a[2])
            arg = a + 2;
        else if (i + 1 < w.n)
            arg = w.v[++i];
        if (arg == NULL) {
            rc = gf_error_set(err, GF_EINVAL, NULL, 0, 0, "host '%s': %s: '-%c' needs a value",
                              t->name, var, flag);
            break;
        }
        switch (flag) {
        case 'o':
            rc = apply_o(t, arg, var, err);
            break;
        case 'J':
            set_str(&t->proxy_jump, arg);
            break;
        case 'p': {
            char *end;
            long p = strtol(arg, &end, 10);
            if (*end || p < 1 || p > 65535)
                rc = gf_error_set(err, GF_EINVAL, NULL, 0, 0, "host '%s': %s: bad port '%s'",
                                  t->name, var, arg);
            else
                t->port = (int)p;
            break;
        }
        case 'i':
            gf_vec_push(&t->key_files, gf_expand_home(arg));
            break;
        }
    }
out:
    gf_vec_release(&w, free);
    return rc;
}

#define NAMES(...) ((const char *const[]){ __VA_ARGS__, NULL })

int gf_target_from_vars(struct gf_target *t, const char *name, const struct gf_val *vars,
                        const struct gf_exec_opts *opts, struct gf_error *err)
{
    char *s = NULL;
    int rc;

    memset(t, 0, sizeof(*t));
    t->name = gf_xstrdup(name);
    t->port = opts->port ? opts->port : 22;
    t->hostkey_policy = opts->hostkey_policy;

    if ((rc = var_str(vars, NAMES("ansible_connection"), name, &s, err)) < 0)
        goto fail;
    if (s == NULL && opts->connection)
        s = gf_xstrdup(opts->connection);
    if (s && (!strcmp(s, "local") || !strcmp(s, "ansible.builtin.local"))) {
        t->local = 1;
    } else if (s && strcmp(s, "ssh") != 0 && strcmp(s, "smart") != 0 && strcmp(s, "paramiko") != 0 &&
        strcmp(s, "libssh") != 0 && strcmp(s, "ansible.builtin.ssh") != 0) {
        rc = gf_error_set(err, GF_EUNSUPPORTED, NULL, 0, 0,
                          "host '%s': ansible_connection '%s' is not supported (ssh or local)", name,
                          s);
        goto fail;
    }
    free(s);
    s = NULL;

    if ((rc = var_str(vars, NAMES("ansible_host", "ansible_ssh_host"), name, &t->addr, err)) < 0)
        goto fail;
    if (t->addr == NULL)
        t->addr = gf_xstrdup(name);

    if ((rc = var_str(vars, NAMES("ansible_port", "ansible_ssh_port"), name, &s, err)) < 0)
        goto fail;
    if (s) {
        char *end;
        long p = strtol(s, &end, 10);
        if (*s == '\0' || *end || p < 1 || p > 65535) {
            rc = gf_error_set(err, GF_EINVAL, NULL, 0, 0, "host '%s': bad ansible_port '%s'",
                              name, s);
            goto fail;
        }
        t->port = (int)p;
        free(s);
        s = NULL;
    }

    if ((rc = var_str(vars, NAMES("ansible_user", "ansible_ssh_user"), name, &t->user, err)) < 0)
        goto fail;
    if (t->user == NULL && opts->user)
        t->user = gf_xstrdup(opts->user);

    if ((rc = var_str(vars, NAMES("ansible_ssh_private_key_file", "ansible_private_key_file"),
                      name, &s, err)) < 0)
        goto fail;
    if (s) {
        gf_vec_push(&t->key_files, gf_expand_home(s));
        free(s);
        s = NULL;
    } else if (opts->key_file) {
        gf_vec_push(&t->key_files, gf_expand_home(opts->key_file));
    }

    if ((rc = var_str(vars, NAMES("ansible_password", "ansible_ssh_pass", "ansible_ssh_password"),
                      name, &t->password, err)) < 0)
        goto fail;
    if (t->password == NULL && opts->password)
        t->password = gf_xstrdup(opts->password);

    const char *argvars[] = { "ansible_ssh_common_args", "ansible_ssh_extra_args" };
    for (size_t i = 0; i < GF_ARRAY_LEN(argvars); i++) {
        if ((rc = var_str(vars, NAMES(argvars[i]), name, &s, err)) < 0)
            goto fail;
        if (s && (rc = apply_ssh_args(t, s, argvars[i], err)) < 0)
            goto fail;
        free(s);
        s = NULL;
    }
    if (opts->known_hosts) {
        free(t->known_hosts);
        t->known_hosts = gf_expand_home(opts->known_hosts);
    }
    if (opts->hostkey_policy == GF_HOSTKEY_ACCEPT_NEW)
        t->hostkey_policy = GF_HOSTKEY_ACCEPT_NEW;

    t->become = opts->become;
    if ((rc = var_str(vars, NAMES("ansible_become"), name, &s, err)) < 0)
        goto fail;
    if (s) {
        t->become = truthy_text(s); /* inventory wins over -b, as in Ansible */
        free(s);
        s = NULL;
    }
    if ((rc = var_str(vars, NAMES("ansible_become_method"), name, &t->become_method, err)) < 0)
        goto fail;
    if (t->become_method && strcmp(t->become_method, "sudo") != 0) {
        rc = gf_error_set(err, GF_EUNSUPPORTED, NULL, 0, 0,
                          "host '%s': become method '%s' is not supported (only sudo)", name,
                          t->become_method);
        goto fail;
    }
    if ((rc = var_str(vars, NAMES("ansible_become_user"), name, &t->become_user, err)) < 0)
        goto fail;
    if (t->become_user == NULL && opts->become_user)
        t->become_user = gf_xstrdup(opts->become_user);
    if (t->become_user == NULL)
        t->become_user = gf_xstrdup("root");
    if ((rc = var_str(vars, NAMES("ansible_become_password", "ansible_become_pass",
                                  "ansible_sudo_pass"), name, &t->become_password, err)) < 0)
        goto fail;
    if (t->become_password == NULL && opts->become_password)
        t->become_password = gf_xstrdup(opts->become_password);
    return 0;
fail:
    free(s);
    gf_target_release(t);
    return rc;
}

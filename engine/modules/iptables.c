/* iptables.c - the `iptables` module (ansible.builtin.iptables): one rule,
 * a chain's policy, a flush, or a chain's removal, with iptables or
 * ip6tables on the node. The rule's words come from Ansible's
 * construct_rule, in the same order, so `iptables -C` finds the rules
 * Ansible added and the result's "rule" reads the same. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "netmod.h"
#include "nodesh.h"
#include "sysmod.h"

static const struct gf_param iptables_params[] = {
    { "table", GF_P_STR, 0, NULL, "filter,nat,mangle,raw,security" },
    { "state", GF_P_STR, 0, NULL, "absent,present" },
    { "action", GF_P_STR, 0, NULL, "append,insert" },
    { "ip_version", GF_P_STR, 0, NULL, "ipv4,ipv6" },
    { "chain", GF_P_STR, 0, NULL, NULL },
    { "rule_num", GF_P_STR, 0, NULL, NULL },
    { "protocol", GF_P_STR, 0, NULL, NULL },
    { "wait", GF_P_STR, 0, NULL, NULL },
    { "source", GF_P_STR, 0, NULL, NULL },
    { "to_source", GF_P_STR, 0, NULL, NULL },
    { "destination", GF_P_STR, 0, NULL, NULL },
    { "to_destination", GF_P_STR, 0, NULL, NULL },
    { "match", GF_P_LIST, 0, NULL, NULL },
    { "tcp_flags", GF_P_DICT, 0, NULL, NULL },
    { "jump", GF_P_STR, 0, NULL, NULL },
    { "gateway", GF_P_STR, 0, NULL, NULL },
    { "log_prefix", GF_P_STR, 0, NULL, NULL },
    { "log_level", GF_P_STR, 0, NULL,
      "0,1,2,3,4,5,6,7,emerg,alert,crit,error,warning,notice,info,debug" },
    { "goto", GF_P_STR, 0, NULL, NULL },
    { "in_interface", GF_P_STR, 0, NULL, NULL },
    { "out_interface", GF_P_STR, 0, NULL, NULL },
    { "fragment", GF_P_STR, 0, NULL, NULL },
    { "set_counters", GF_P_STR, 0, NULL, NULL },
    { "source_port", GF_P_STR, 0, NULL, NULL },
    { "destination_port", GF_P_STR, 0, NULL, NULL },
    { "destination_ports", GF_P_LIST, 0, NULL, NULL },
    { "to_ports", GF_P_STR, 0, NULL, NULL },
    { "set_dscp_mark", GF_P_STR, 0, NULL, NULL },
    { "set_dscp_mark_class", GF_P_STR, 0, NULL, NULL },
    { "comment", GF_P_STR, 0, NULL, NULL },
    { "ctstate", GF_P_LIST, 0, NULL, NULL },
    { "src_range", GF_P_STR, 0, NULL, NULL },
    { "dst_range", GF_P_STR, 0, NULL, NULL },
    { "match_set", GF_P_STR, 0, NULL, NULL },
    { "match_set_flags", GF_P_STR, 0, NULL, NULL }, /* src, dst, "src,dst", "dst,src" */
    { "limit", GF_P_STR, 0, NULL, NULL },
    { "limit_burst", GF_P_STR, 0, NULL, NULL },
    { "uid_owner", GF_P_STR, 0, NULL, NULL },
    { "gid_owner", GF_P_STR, 0, NULL, NULL },
    { "reject_with", GF_P_STR, 0, NULL, NULL },
    { "icmp_type", GF_P_STR, 0, NULL, NULL },
    { "syn", GF_P_STR, 0, NULL, "ignore,match,negate" },
    { "flush", GF_P_BOOL, 0, NULL, NULL },
    { "policy", GF_P_STR, 0, NULL, "ACCEPT,DROP,QUEUE,RETURN" },
    { "chain_management", GF_P_BOOL, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

static void push(struct gf_vec *w, const char *s)
{
    gf_vec_push(w, gf_xstrdup(s));
}

/* append_param: "!x" becomes "! flag x". */
static void param(struct gf_vec *w, const char *v, const char *flag)
{
    if (!v)
        return;
    if (v[0] == '!') {
        push(w, "!");
        push(w, flag);
        push(w, v + 1);
    } else {
        push(w, flag);
        push(w, v);
    }
}

static const struct gf_val *list_arg(const struct gf_val *args, const char *name)
{
    const struct gf_val *v = gf_val_map_get(args, name);

    return v && v->type == GF_VAL_LIST && v->u.list.n > 0 ? v : NULL;
}

static void csv(struct gf_vec *w, const struct gf_val *l, const char *flag)
{
    struct gf_buf b = GF_BUF_INIT;

    if (!l)
        return;
    for (size_t i = 0; i < l->u.list.n; i++) {
        if (i)
            gf_buf_addc(&b, ',');
        gf_val_to_text(l->u.list.v[i], &b);
    }
    push(w, flag);
    push(w, b.buf ? b.buf : "");
    gf_buf_release(&b);
}

static void match(struct gf_vec *w, int cond, const char *m)
{
    if (cond) {
        push(w, "-m");
        push(w, m);
    }
}

static void match_flag(struct gf_vec *w, const char *v, const char *flag, int negatable)
{
    if (!v)
        return;
    if (strcmp(v, "match") == 0) {
        push(w, flag);
    } else if (negatable && strcmp(v, "negate") == 0) {
        push(w, "!");
        push(w, flag);
    }
}

static int in_list(const struct gf_val *l, const char *s)
{
    for (size_t i = 0; l && i < l->u.list.n; i++) {
        const struct gf_val *v = l->u.list.v[i];
        if (v->type == GF_VAL_STR && strcmp(v->u.str.s, s) == 0)
            return 1;
    }
    return 0;
}

void gf_iptables_rule(const struct gf_val *args, struct gf_vec *w)
{
#define S(n) gf_arg_str(args, n, NULL)
    const struct gf_val *m = list_arg(args, "match"), *ct = list_arg(args, "ctstate");
    const struct gf_val *dports = list_arg(args, "destination_ports");
    const struct gf_val *tf = gf_val_map_get(args, "tcp_flags");
    const char *jump = S("jump");

    if (S("wait")) {
        push(w, "-w");
        push(w, S("wait"));
    }
    param(w, S("protocol"), "-p");
    param(w, S("source"), "-s");
    param(w, S("destination"), "-d");
    for (size_t i = 0; m && i < m->u.list.n; i++) {
        struct gf_buf b = GF_BUF_INIT;
        gf_val_to_text(m->u.list.v[i], &b);
        param(w, b.buf ? b.buf : "", "-m");
        gf_buf_release(&b);
    }
    if (tf && tf->type == GF_VAL_MAP) {
        const struct gf_val *f = gf_val_map_get(tf, "flags"), *fs = gf_val_map_get(tf, "flags_set");
        if (f && fs && f->type == GF_VAL_LIST && fs->type == GF_VAL_LIST) {
            push(w, "--tcp-flags");
            struct gf_buf b = GF_BUF_INIT;
            for (int k = 0; k < 2; k++) {
                const struct gf_val *l = k ? fs : f;
                gf_buf_reset(&b);
                for (size_t i = 0; i < l->u.list.n; i++) {
                    if (i)
                        gf_buf_addc(&b, ',');
                    gf_val_to_text(l->u.list.v[i], &b);
                }
                push(w, b.buf ? b.buf : "");
            }
            gf_buf_release(&b);
        }
    }
    param(w, jump, "-j");
    if (jump && strcasecmp(jump, "tee") == 0)
        param(w, S("gateway"), "--gateway");
    param(w, S("log_prefix"), "--log-prefix");
    param(w, S("log_level"), "--log-level");
    param(w, S("to_destination"), "--to-destination");
    match(w, dports != NULL, "multiport");
    csv(w, dports, "--dports");
    param(w, S("to_source"), "--to-source");
    param(w, S("goto"), "-g");
    param(w, S("in_interface"), "-i");
    param(w, S("out_interface"), "-o");
    param(w, S("fragment"), "-f");
    param(w, S("set_counters"), "-c");
    param(w, S("source_port"), "--source-port");
    param(w, S("destination_port"), "--destination-port");
    param(w, S("to_ports"), "--to-ports");
    param(w, S("set_dscp_mark"), "--set-dscp");
    param(w, S("set_dscp_mark_class"), "--set-dscp-class");
    match_flag(w, gf_arg_str(args, "syn", "ignore"), "--syn", 1);
    if (in_list(m, "conntrack")) {
        csv(w, ct, "--ctstate");
    } else if (in_list(m, "state")) {
        csv(w, ct, "--state");
    } else if (ct) {
        match(w, 1, "conntrack");
        csv(w, ct, "--ctstate");
    }
    if (in_list(m, "iprange")) {
        param(w, S("src_range"), "--src-range");
        param(w, S("dst_range"), "--dst-range");
    } else if (S("src_range") || S("dst_range")) {
        match(w, 1, "iprange");
        param(w, S("src_range"), "--src-range");
        param(w, S("dst_range"), "--dst-range");
    }
    if (in_list(m, "set")) {
        param(w, S("match_set"), "--match-set");
        match_flag(w, "match", S("match_set_flags"), 0);
    } else if (S("match_set")) {
        match(w, 1, "set");
        param(w, S("match_set"), "--match-set");
        match_flag(w, "match", S("match_set_flags"), 0);
    }
    match(w, S("limit") || S("limit_burst"), "limit");
    param(w, S("limit"), "--limit");
    param(w, S("limit_burst"), "--limit-burst");
    match(w, S("uid_owner") != NULL, "owner");
    match_flag(w, S("uid_owner"), "--uid-owner", 1);
    param(w, S("uid_owner"), "--uid-owner");
    match(w, S("gid_owner") != NULL, "owner");
    match_flag(w, S("gid_owner"), "--gid-owner", 1);
    param(w, S("gid_owner"), "--gid-owner");
    if (!jump && S("reject_with")) {
        push(w, "-j");
        push(w, "REJECT");
    }
    param(w, S("reject_with"), "--reject-with");
    param(w, S("icmp_type"),
          strcmp(gf_arg_str(args, "ip_version", "ipv4"), "ipv6") == 0 ? "--icmpv6-type"
                                                                        : "--icmp-type");
    match(w, S("comment") != NULL, "comment");
    param(w, S("comment"), "--comment");
#undef S
}

static int iptables_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    const char *chain = gf_arg_str(args, "chain", NULL);
    const char *table = gf_arg_str(args, "table", "filter");
    const char *state = gf_arg_str(args, "state", "present");
    const char *ipv = gf_arg_str(args, "ip_version", "ipv4");
    const char *policy = gf_arg_str(args, "policy", NULL);
    const char *jump = gf_arg_str(args, "jump", NULL);
    int flush = gf_arg_bool(args, "flush", 0), mgmt = gf_arg_bool(args, "chain_management", 0);
    struct gf_val *a = NULL;
    struct gf_vec words = GF_VEC_INIT;
    struct gf_buf s = GF_BUF_INIT, rule = GF_BUF_INIT;
    struct gf_result r;
    int rc = 0, ran = 0;

    const char *msf = gf_arg_str(args, "match_set_flags", NULL);
    if (msf && strcmp(msf, "src") != 0 && strcmp(msf, "dst") != 0 &&
        strcmp(msf, "src,dst") != 0 && strcmp(msf, "dst,src") != 0)
        return gf_modres_fail(res, "value of match_set_flags must be one of: src, dst, src,dst, "
                              "dst,src, got: %s", msf);
    if (flush && policy)
        return gf_modres_fail(res, "parameters are mutually exclusive: flush|policy");
    if (gf_arg_str(args, "set_dscp_mark", NULL) && gf_arg_str(args, "set_dscp_mark_class", NULL))
        return gf_modres_fail(res, "parameters are mutually exclusive: "
                              "set_dscp_mark|set_dscp_mark_class");
    if (jump && strcasecmp(jump, "tee") == 0 && !gf_arg_str(args, "gateway", NULL))
        return gf_modres_fail(res, "jump is %s but all of the following are missing: gateway",
                              jump);
    /* log options imply the LOG target */
    a = gf_val_map_merge(args, NULL);
    if (gf_arg_str(args, "log_prefix", NULL) || gf_arg_str(args, "log_level", NULL)) {
        if (!jump)
            gf_val_map_set(a, "jump", gf_val_str("LOG"));
        else if (strcmp(jump, "LOG") != 0) {
            gf_val_unref(a);
            return gf_modres_fail(res, "Logging options can only be used with the LOG jump "
                                  "target.");
        }
    }
    /* the result's rule is made before the LOG target is added, as Ansible does */
    gf_iptables_rule(args, &words);
    for (size_t i = 0; i < words.n; i++)
        gf_buf_addf(&rule, "%s%s", i ? " " : "", (char *)words.v[i]);
    gf_vec_release(&words, free);
    gf_iptables_rule(a, &words);
    gf_val_map_set(res->data, "failed", gf_val_bool(0));
    gf_val_map_set(res->data, "ip_version", gf_val_str(ipv));
    gf_val_map_set(res->data, "table", gf_val_str(table));
    gf_val_map_set(res->data, "chain", chain ? gf_val_str(chain) : gf_val_null());
    gf_val_map_set(res->data, "flush", gf_val_bool(flush));
    gf_val_map_set(res->data, "rule", gf_val_str(rule.buf ? rule.buf : ""));
    gf_val_map_set(res->data, "state", gf_val_str(state));
    gf_val_map_set(res->data, "chain_management", gf_val_bool(mgmt));
    if (!flush && !chain) {
        gf_modres_fail(res, "Either chain or flush parameter must be specified.");
        goto out;
    }
    const char *op = flush ? "flush" : policy ? "policy"
                   : strcmp(state, "absent") == 0 && rule.len == 0 ? "chain_absent" : "rule";
    gf_sh_assign(&s, "gf_bin", strcmp(ipv, "ipv6") == 0 ? "ip6tables" : "iptables");
    gf_sh_assign(&s, "gf_table", table);
    gf_sh_assign(&s, "gf_chain", chain ? chain : "");
    gf_sh_assign(&s, "gf_op", op);
    gf_sh_assign(&s, "gf_policy", policy ? policy : "");
    gf_sh_assign(&s, "gf_action", gf_arg_str(args, "action", "append"));
    gf_sh_assign(&s, "gf_rule_num", gf_arg_str(args, "rule_num", ""));
    gf_sh_assign(&s, "gf_state", state);
    gf_sh_assign(&s, "gf_chain_management", mgmt ? "1" : "0");
    gf_sh_assign(&s, "gf_check", ctx->check ? "1" : "0");
    gf_buf_adds(&s, "set --");
    for (size_t i = 0; i < words.n; i++) {
        gf_buf_addc(&s, ' ');
        gf_sh_quote(&s, words.v[i]);
    }
    gf_buf_addc(&s, '\n');
    gf_nodesh_add(&s, "lib");
    gf_nodesh_add(&s, "iptables");
    rc = gf_sys_run(ctx, s.buf, NULL, 0, &r, res, "iptables failed");
    ran = 1;
    if (rc == 0) {
        const char *c = gf_mod_tagged(r.out.buf, "GFCHANGED ");
        res->changed = c && *c == '1';
    }
out:
    if (ran)
        gf_result_release(&r);
    gf_val_unref(a);
    gf_vec_release(&words, free);
    gf_buf_release(&s);
    gf_buf_release(&rule);
    return rc < 0 ? rc : 0;
}

const struct gf_module gf_module_iptables = {
    .name = "iptables",
    .aliases = (const char *const[]){ "ansible.builtin.iptables", NULL },
    .params = iptables_params,
    .supports_check = 1,
    .run = iptables_run,
};

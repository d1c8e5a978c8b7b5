/*
 * test-modules-pamd.c - unit tests for the edit of the pamd module
 * (gf_pamd_edit, engine/modules/confedit.h).
 *
 * Every row was run through the Python module's own PamdService
 * (community.general 6.6.2, the mark's timestamp fixed to "T0"): the new
 * content and change count, or the message it fails with, copied from
 * there. Rows with an error substring are edits the module refuses (or
 * stops on with a traceback, which gpuforge turns into a message).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../engine/modules/confedit.h"
#include "harness.h"

struct pamd_case {
    const char *name, *before;
    enum gf_pamd_state state;
    const char *type, *control, *path, *new_type, *new_control, *new_path;
    const char *args[4];
    int have_args;
    const char *after;   /* NULL: the edit fails */
    int changes;
    const char *err;     /* a part of the failure's message */
};

static const struct pamd_case pamd_cases[] = {
    { "sshd_motd_absent",
      "# PAM configuration for the Secure Shell service\n"
      "\n"
      "# Standard Un*x authentication.\n"
      "@include common-auth\n"
      "\n"
      "account    required     pam_nologin.so\n"
      "@include common-account\n"
      "\n"
      "session [success=ok ignore=ignore module_unknown=ignore default=bad]        pam_selinux.so close\n"
      "session    required     pam_loginuid.so\n"
      "session    optional     pam_keyinit.so force revoke\n"
      "@include common-session\n"
      "\n"
      "# Print the message of the day upon successful login.\n"
      "session    optional     pam_motd.so  motd=/run/motd.dynamic\n"
      "session    optional     pam_motd.so noupdate\n"
      "\n"
      "session    optional     pam_mail.so standard noenv # [1]\n"
      "session    required     pam_limits.so\n"
      "@include common-password\n",
      GF_PAMD_ABSENT, "session", "optional", "pam_motd.so", NULL, NULL, NULL, { NULL }, 0,
      "# PAM configuration for the Secure Shell service\n"
      "# Updated by Ansible - T0\n"
      "\n"
      "# Standard Un*x authentication.\n"
      "@include common-auth\n"
      "\n"
      "account    required pam_nologin.so\n"
      "@include common-account\n"
      "\n"
      "session    [success=ok ignore=ignore module_unknown=ignore default=bad] pam_selinux.so close\n"
      "session    required pam_loginuid.so\n"
      "session    optional pam_keyinit.so force revoke\n"
      "@include common-session\n"
      "\n"
      "# Print the message of the day upon successful login.\n"
      "\n"
      "session    optional pam_mail.so standard noenv # [1]\n"
      "session    required pam_limits.so\n"
      "@include common-password\n",
      2, NULL },
    { "sshd_motd_absent_again",
      "# x\n"
      "# Updated by Ansible - old\n"
      "session optional pam_limits.so\n",
      GF_PAMD_ABSENT, "session", "optional", "pam_motd.so", NULL, NULL, NULL, { NULL }, 0,
      "# x\n"
      "# Updated by Ansible - old\n"
      "session optional pam_limits.so\n",
      0, NULL },
    { "upd_control",
      "# head\n"
      "auth required pam_env.so\n"
      "# between\n"
      "auth [success=1 default=ignore] pam_unix.so nullok\n"
      "auth requisite pam_deny.so\n"
      "auth required pam_permit.so\n"
      "# tail\n"
      "\n",
      GF_PAMD_UPDATED, "auth", "required", "pam_env.so", NULL, "optional", NULL, { NULL }, 0,
      "# head\n"
      "# Updated by Ansible - T0\n"
      "auth       optional pam_env.so\n"
      "# between\n"
      "auth       [success=1 default=ignore] pam_unix.so nullok\n"
      "auth       requisite pam_deny.so\n"
      "auth       required pam_permit.so\n"
      "# tail\n"
      "\n",
      1, NULL },
    { "upd_args",
      "# head\n"
      "auth required pam_env.so\n"
      "# between\n"
      "auth [success=1 default=ignore] pam_unix.so nullok\n"
      "auth requisite pam_deny.so\n"
      "auth required pam_permit.so\n"
      "# tail\n"
      "\n",
      GF_PAMD_UPDATED, "auth", "[success=1 default=ignore]", "pam_unix.so", NULL, NULL, NULL, { "nullok", "try_first_pass" }, 1,
      "# head\n"
      "# Updated by Ansible - T0\n"
      "auth       required pam_env.so\n"
      "# between\n"
      "auth       [success=1 default=ignore] pam_unix.so nullok try_first_pass\n"
      "auth       requisite pam_deny.so\n"
      "auth       required pam_permit.so\n"
      "# tail\n"
      "\n",
      1, NULL },
    { "upd_same",
      "# head\n"
      "auth required pam_env.so\n"
      "# between\n"
      "auth [success=1 default=ignore] pam_unix.so nullok\n"
      "auth requisite pam_deny.so\n"
      "auth required pam_permit.so\n"
      "# tail\n"
      "\n",
      GF_PAMD_UPDATED, "auth", "requisite", "pam_deny.so", "auth", "requisite", "pam_deny.so", { NULL }, 0,
      "# head\n"
      "auth required pam_env.so\n"
      "# between\n"
      "auth [success=1 default=ignore] pam_unix.so nullok\n"
      "auth requisite pam_deny.so\n"
      "auth required pam_permit.so\n"
      "# tail\n"
      "\n",
      0, NULL },
    { "upd_clear_args",
      "# head\n"
      "auth required pam_env.so\n"
      "# between\n"
      "auth [success=1 default=ignore] pam_unix.so nullok\n"
      "auth requisite pam_deny.so\n"
      "auth required pam_permit.so\n"
      "# tail\n"
      "\n",
      GF_PAMD_UPDATED, "auth", "[success=1 default=ignore]", "pam_unix.so", NULL, NULL, NULL, { "" }, 1,
      "# head\n"
      "# Updated by Ansible - T0\n"
      "auth       required pam_env.so\n"
      "# between\n"
      "auth       [success=1 default=ignore] pam_unix.so\n"
      "auth       requisite pam_deny.so\n"
      "auth       required pam_permit.so\n"
      "# tail\n"
      "\n",
      1, NULL },
    { "before_comment",
      "# head\n"
      "auth required pam_env.so\n"
      "# between\n"
      "auth [success=1 default=ignore] pam_unix.so nullok\n"
      "auth requisite pam_deny.so\n"
      "auth required pam_permit.so\n"
      "# tail\n"
      "\n",
      GF_PAMD_BEFORE, "auth", "[success=1 default=ignore]", "pam_unix.so", "auth", "required", "pam_faildelay.so", { "delay=1" }, 1,
      "# head\n"
      "# Updated by Ansible - T0\n"
      "auth       required pam_env.so\n"
      "auth       required pam_faildelay.so delay=1\n"
      "auth       [success=1 default=ignore] pam_unix.so nullok\n"
      "auth       requisite pam_deny.so\n"
      "auth       required pam_permit.so\n"
      "# tail\n"
      "\n",
      1, NULL },
    { "before_first",
      "# head\n"
      "auth required pam_env.so\n"
      "# between\n"
      "auth [success=1 default=ignore] pam_unix.so nullok\n"
      "auth requisite pam_deny.so\n"
      "auth required pam_permit.so\n"
      "# tail\n"
      "\n",
      GF_PAMD_BEFORE, "auth", "required", "pam_env.so", "-auth", "optional", "pam_a.so", { NULL }, 0,
      "# head\n"
      "# Updated by Ansible - T0\n"
      "-auth      optional pam_a.so\n"
      "auth       required pam_env.so\n"
      "# between\n"
      "auth       [success=1 default=ignore] pam_unix.so nullok\n"
      "auth       requisite pam_deny.so\n"
      "auth       required pam_permit.so\n"
      "# tail\n"
      "\n",
      1, NULL },
    { "before_there",
      "# head\n"
      "auth required pam_env.so\n"
      "# between\n"
      "auth [success=1 default=ignore] pam_unix.so nullok\n"
      "auth requisite pam_deny.so\n"
      "auth required pam_permit.so\n"
      "# tail\n"
      "\n",
      GF_PAMD_BEFORE, "auth", "requisite", "pam_deny.so", "auth", "[success=1 default=ignore]", "pam_unix.so", { NULL }, 0,
      "# head\n"
      "auth required pam_env.so\n"
      "# between\n"
      "auth [success=1 default=ignore] pam_unix.so nullok\n"
      "auth requisite pam_deny.so\n"
      "auth required pam_permit.so\n"
      "# tail\n"
      "\n",
      0, NULL },
    { "after_mid",
      "# head\n"
      "auth required pam_env.so\n"
      "# between\n"
      "auth [success=1 default=ignore] pam_unix.so nullok\n"
      "auth requisite pam_deny.so\n"
      "auth required pam_permit.so\n"
      "# tail\n"
      "\n",
      GF_PAMD_AFTER, "auth", "required", "pam_env.so", "auth", "optional", "pam_b.so", { "x", "y=1" }, 1,
      "# head\n"
      "# Updated by Ansible - T0\n"
      "auth       required pam_env.so\n"
      "auth       optional pam_b.so x y=1\n"
      "auth       [success=1 default=ignore] pam_unix.so nullok\n"
      "auth       requisite pam_deny.so\n"
      "auth       required pam_permit.so\n"
      "# tail\n"
      "\n",
      1, NULL },
    { "after_last",
      "# head\n"
      "auth required pam_env.so\n"
      "# between\n"
      "auth [success=1 default=ignore] pam_unix.so nullok\n"
      "auth requisite pam_deny.so\n"
      "auth required pam_permit.so\n"
      "# tail\n"
      "\n",
      GF_PAMD_AFTER, "auth", "required", "pam_permit.so", "session", "optional", "pam_c.so", { NULL }, 0,
      "# head\n"
      "# Updated by Ansible - T0\n"
      "auth       required pam_env.so\n"
      "# between\n"
      "auth       [success=1 default=ignore] pam_unix.so nullok\n"
      "auth       requisite pam_deny.so\n"
      "auth       required pam_permit.so\n"
      "session    optional pam_c.so\n",
      1, NULL },
    { "after_there",
      "# head\n"
      "auth required pam_env.so\n"
      "# between\n"
      "auth [success=1 default=ignore] pam_unix.so nullok\n"
      "auth requisite pam_deny.so\n"
      "auth required pam_permit.so\n"
      "# tail\n"
      "\n",
      GF_PAMD_AFTER, "auth", "requisite", "pam_deny.so", "auth", "required", "pam_permit.so", { NULL }, 0,
      "# head\n"
      "auth required pam_env.so\n"
      "# between\n"
      "auth [success=1 default=ignore] pam_unix.so nullok\n"
      "auth requisite pam_deny.so\n"
      "auth required pam_permit.so\n"
      "# tail\n"
      "\n",
      0, NULL },
    { "args_present",
      "password [success=1 default=ignore] pam_unix.so obscure sha512 rounds=5\n"
      "# c\n",
      GF_PAMD_ARGS_PRESENT, "password", "[success=1 default=ignore]", "pam_unix.so", NULL, NULL, NULL, { "obscure", "remember=5", "rounds=10" }, 1,
      "password   [success=1 default=ignore] pam_unix.so obscure sha512 rounds=10 remember=5\n"
      "# Updated by Ansible - T0\n"
      "# c\n",
      1, NULL },
    { "args_present_same",
      "password required pam_unix.so a b=1\n",
      GF_PAMD_ARGS_PRESENT, "password", "required", "pam_unix.so", NULL, NULL, NULL, { "b=1", "a" }, 1,
      "password required pam_unix.so a b=1\n",
      0, NULL },
    { "args_absent",
      "password required pam_unix.so a b=1 c\n"
      "session required pam_unix.so a\n",
      GF_PAMD_ARGS_ABSENT, "password", "required", "pam_unix.so", NULL, NULL, NULL, { "a", "c", "z" }, 1,
      "password   required pam_unix.so b=1\n"
      "# Updated by Ansible - T0\n"
      "session    required pam_unix.so a\n",
      1, NULL },
    { "args_absent_none",
      "password required pam_unix.so a\n",
      GF_PAMD_ARGS_ABSENT, "password", "required", "pam_unix.so", NULL, NULL, NULL, { "z" }, 1,
      "password required pam_unix.so a\n",
      0, NULL },
    { "one_line",
      "auth required pam_env.so\n",
      GF_PAMD_UPDATED, "auth", "required", "pam_env.so", NULL, "sufficient", NULL, { NULL }, 0,
      "\n"
      "# Updated by Ansible - T0\n"
      "auth       sufficient pam_env.so\n",
      1, NULL },
    { "ctl_spaces",
      "auth [success = 1 default=ignore] pam_x.so [a b] c\n"
      "auth required pam_y.so\n",
      GF_PAMD_ABSENT, "auth", "required", "pam_y.so", NULL, NULL, NULL, { NULL }, 0,
      NULL,
      -1, "cannot read the control item" },
    { "bad_indent_comment",
      "  # note\n"
      "auth required pam_y.so\n",
      GF_PAMD_ABSENT, "auth", "required", "pam_z.so", NULL, NULL, NULL, { NULL }, 0,
      NULL,
      -1, "Rule is not valid   # note" },
    { "bad_control",
      "auth required pam_y.so\n"
      "auth sometimes pam_z.so\n",
      GF_PAMD_ABSENT, "auth", "required", "pam_y.so", NULL, NULL, NULL, { NULL }, 0,
      NULL,
      -1, "Rule control, sometimes, is not valid in rule auth       sometimes pam_z.so" },
    { "bad_action",
      "auth [success=maybe] pam_y.so\n",
      GF_PAMD_ABSENT, "auth", "required", "pam_y.so", NULL, NULL, NULL, { NULL }, 0,
      NULL,
      -1, "Rule control action, maybe, is not valid in rule auth       [success=maybe] pam_y.so" },
    { "crlf_tabs",
      "auth\trequired\tpam_y.so\targ\r\n"
      "-session optional pam_systemd.so\r\n",
      GF_PAMD_ABSENT, "auth", "required", "pam_y.so", NULL, NULL, NULL, { NULL }, 0,
      "\n"
      "# Updated by Ansible - T0\n"
      "-session   optional pam_systemd.so\n",
      1, NULL },
};

TEST(pamd_cases)
{
    for (size_t i = 0; i < GF_ARRAY_LEN(pamd_cases); i++) {
        const struct pamd_case *c = &pamd_cases[i];
        size_t n = 0;
        while (n < GF_ARRAY_LEN(c->args) && c->args[n])
            n++;
        struct gf_pamd_opts o = {
            c->type, c->control, c->path, c->new_type, c->new_control, c->new_path,
            c->args, n, c->have_args, c->state, "# Updated by Ansible - T0",
        };
        struct gf_textedit te;
        gf_textedit_init(&te);
        int rc = gf_pamd_edit(c->before, strlen(c->before), &o, &te);
        if (c->after == NULL) {
            if (rc == 0)
                FAILF("%s: the edit passed, want a failure with \"%s\"", c->name, c->err);
            if (!te.err.msg || !strstr(te.err.msg, c->err))
                FAILF("%s: failure \"%s\", want \"%s\"", c->name, te.err.msg ? te.err.msg : "",
                      c->err);
        } else {
            if (rc != 0)
                FAILF("%s: edit failed: %s", c->name, te.err.msg ? te.err.msg : "?");
            if (te.found != c->changes || te.changed != (c->changes > 0))
                FAILF("%s: change_count %ld (changed %d), want %d", c->name, te.found,
                      te.changed, c->changes);
            if (strcmp(te.out.buf ? te.out.buf : "", c->after))
                FAILF("%s:\n      got:  \"%s\"\n      want: \"%s\"", c->name,
                      te.out.buf ? te.out.buf : "", c->after);
        }
        gf_textedit_release(&te);
    }
}

TEST(pamd_args_present_refuses_brackets)
{
    const char *args[] = { "[a b]" };
    struct gf_pamd_opts o = { "auth", "required", "pam_x.so", NULL, NULL, NULL, args, 1, 1,
                              GF_PAMD_ARGS_PRESENT, "# Updated by Ansible - T0" };
    struct gf_textedit te;

    ASSERT_STREQ(gf_pamd_invalid(&o), "Unable to process bracketed '[' complex arguments with "
                 "'args_present'. Please use 'updated'.");
    gf_textedit_init(&te);
    ASSERT(gf_pamd_edit("auth required pam_x.so\n", 23, &o, &te) < 0);
    gf_textedit_release(&te);
    o.state = GF_PAMD_UPDATED;
    ASSERT(gf_pamd_invalid(&o) == NULL);
}

TEST(pamd_unparsable_line)
{
    struct gf_pamd_opts o = { "auth", "required", "pam_x.so", NULL, NULL, NULL, NULL, 0, 0,
                              GF_PAMD_ABSENT, "# Updated by Ansible - T0" };
    struct gf_textedit te;

    gf_textedit_init(&te);
    ASSERT(gf_pamd_edit("garbage here\n", 13, &o, &te) < 0);
    ASSERT(strstr(te.err.msg, "cannot parse the PAM rule 'garbage here'"));
    gf_textedit_release(&te);
}

/*
 * test-modules-conf.c - unit tests for the text edits of replace, ini_file,
 * pam_limits, kernel_blacklist and authorized_key (engine/modules/textedit.h,
 * engine/modules/confedit.h).
 *
 * Every row was run through the modules themselves (ansible-core 2.14.18,
 * community.general 6.6.2, ansible.posix 1.5.4; ansible-playbook -c local
 * on a temporary file) and the new content, changed and msg copied from
 * there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../engine/modules/confedit.h"
#include "harness.h"

/* Compares one edit's outcome with the row; names the row on failure. */
static void check_edit(const char *name, int rc, const struct gf_textedit *te, const char *after,
                       int changed, const char *msg, int with_msg)
{
    if (rc != 0)
        FAILF("%s: edit failed: %s", name, te->err.msg ? te->err.msg : "?");
    if (!!te->changed != changed)
        FAILF("%s: changed %d, want %d", name, te->changed, changed);
    if (strcmp(te->out.buf ? te->out.buf : "", after))
        FAILF("%s:\n      got:  \"%s\"\n      want: \"%s\"", name, te->out.buf ? te->out.buf : "",
              after);
    if (with_msg && strcmp(te->msg, msg))
        FAILF("%s: msg \"%s\", want \"%s\"", name, te->msg, msg);
}

struct replace_case {
    const char *name, *before;
    struct gf_replace_opts o;
    const char *after;
    int changed;
    const char *msg;
};

static const struct replace_case replace_cases[] = {
    { "r_backref", "listen 80\nlisten 8080\nx\n", { "^listen (\\d+)$", "listen 0:\\1", NULL, NULL },
      "listen 0:80\nlisten 0:8080\nx\n", 1, "2 replacements made" },
    { "r_none", "a\nb\n", { "zzz", "y", NULL, NULL }, "a\nb\n", 0, "" },
    { "r_same", "aaa\n", { "a", "a", NULL, NULL }, "aaa\n", 0, "" },
    { "r_empty_matches", "abxd\n", { "x*", "-", NULL, NULL }, "-a-b--d-\n-", 1,
      "6 replacements made" },
    { "r_after_before", "old\nSTART\nold\nEND\nold\n", { "old", "new", "START", "END" },
      "old\nSTART\nnew\nEND\nold\n", 1, "1 replacements made" },
    { "r_after_nomatch", "old\n", { "old", "new", "NOPE", NULL }, "old\n", 0,
      "Pattern for before/after params did not match the given file: NOPE(?P<subsection>.*)" },
    { "r_named", "k=v\n", { "(?P<k>\\w+)=(?P<v>\\w+)", "\\g<v>=\\g<k>", NULL, NULL }, "v=k\n", 1,
      "1 replacements made" },
    { "r_delete_lines", "a\n#c1\nb\n#c2\n", { "^#.*\\n", "", NULL, NULL }, "a\nb\n", 1,
      "2 replacements made" },
    { "r_dollar", "a \nb  \n", { "\\s+$", "", NULL, NULL }, "a\nb", 1, "2 replacements made" },
};

TEST(replace_cases)
{
    for (size_t i = 0; i < sizeof(replace_cases) / sizeof(replace_cases[0]); i++) {
        const struct replace_case *c = &replace_cases[i];
        struct gf_textedit te;
        gf_textedit_init(&te);
        int rc = gf_replace_edit(c->before, strlen(c->before), &c->o, &te);
        check_edit(c->name, rc, &te, c->after, c->changed, c->msg, 1);
        gf_textedit_release(&te);
    }
}

TEST(replace_bad_regex)
{
    struct gf_replace_opts o = { "(unclosed", "x", NULL, NULL };
    struct gf_textedit te;

    gf_textedit_init(&te);
    ASSERT(gf_replace_edit("a\n", 2, &o, &te) < 0);
    ASSERT(strstr(te.err.msg, "regexp") != NULL);
    gf_textedit_release(&te);
}

struct ini_case {
    const char *name, *before, *section, *option;
    const char *values[4];
    size_t nvalues;
    int absent, exclusive, no_extra_spaces, allow_no_value;
    const char *after;
    int changed;
    const char *msg;
};

static const struct ini_case ini_cases[] = {
    { "i_set", "[main]\nport = 1\n", "main", "port", { "2" }, 1, 0, 1, 0, 0, "[main]\nport = 2\n",
      1, "option changed" },
    { "i_same", "[main]\nport = 2\n", "main", "port", { "2" }, 1, 0, 1, 0, 0, "[main]\nport = 2\n",
      0, "OK" },
    { "i_inactive", "[main]\n# debug = true\n\n[o]\n", "main", "debug", { "false" }, 1, 0, 1, 1, 0,
      "[main]\ndebug=false\n\n[o]\n", 1, "option changed" },
    { "i_new_file", NULL, "s", "o", { "v" }, 1, 0, 1, 0, 0, "\n[s]\no = v\n", 1,
      "section and option added" },
    { "i_new_section", "[a]\nx = 1\n", "b", "y", { "2" }, 1, 0, 1, 0, 0, "[a]\nx = 1\n[b]\ny = 2\n",
      1, "section and option added" },
    { "i_only_section", "[a]\nx = 1\n", "b", NULL, { NULL }, 0, 0, 1, 0, 1, "[a]\nx = 1\n[b]\n", 1,
      "only section added" },
    { "i_absent_opt", "[a]\nx = 1\ny = 2\nx=3\n", "a", "x", { NULL }, 0, 1, 1, 0, 0, "[a]\ny = 2\n",
      1, "option changed" },
    { "i_absent_section", "[a]\nx = 1\n[b]\ny = 2\n", "a", NULL, { NULL }, 0, 1, 1, 0, 0,
      "[b]\ny = 2\n", 1, "section removed" },
    { "i_values", "[a]\nv = 1\nv = 2\nw = 0\n", "a", "v", { "2", "3" }, 2, 0, 1, 0, 0,
      "[a]\nv = 3\nv = 2\nw = 0\n", 1, "option changed" },
    { "i_nonexcl", "[a]\nv = 1\n", "a", "v", { "3" }, 1, 0, 0, 0, 0, "[a]\nv = 1\nv = 3\n", 1,
      "option added" },
    { "i_nonl", "[a]\nx = 1", "a", "x", { "1" }, 1, 0, 1, 0, 0, "[a]\nx = 1\n", 1, "OK" },
    { "i_nosection", "x = 1\n[a]\n", NULL, "x", { "2" }, 1, 0, 1, 0, 0, "x = 2\n[a]\n", 1,
      "option changed" },
    { "i_blank_tail", "[a]\nx = 1\n\n# c\n\n[b]\n", "a", "y", { "2" }, 1, 0, 1, 0, 0,
      "[a]\nx = 1\ny = 2\n\n# c\n\n[b]\n", 1, "option added" },
    { "i_no_value", "[a]\n", "a", "flag", { NULL }, 0, 0, 1, 0, 1, "[a]\nflag\n", 1,
      "option added" },
};

TEST(ini_file_cases)
{
    for (size_t i = 0; i < sizeof(ini_cases) / sizeof(ini_cases[0]); i++) {
        const struct ini_case *c = &ini_cases[i];
        struct gf_ini_opts o = { c->section, c->option, c->values, c->nvalues, c->absent,
                                 c->exclusive, c->no_extra_spaces, c->allow_no_value, 1 };
        struct gf_textedit te;
        gf_textedit_init(&te);
        int rc = gf_ini_edit(c->before ? c->before : "", c->before ? strlen(c->before) : 0,
                             c->before != NULL, &o, &te);
        check_edit(c->name, rc, &te, c->after, c->changed, c->msg, 1);
        gf_textedit_release(&te);
    }
}

/* modify_inactive_option=false (community.general 8) leaves "# opt = v" alone */
TEST(ini_file_keeps_inactive_option)
{
    const char *vals[] = { "false" };
    struct gf_ini_opts o = { "main", "debug", vals, 1, 0, 1, 0, 0, 0 };
    struct gf_textedit te;

    gf_textedit_init(&te);
    ASSERT_EQ(gf_ini_edit("[main]\n# debug = true\n", 22, 1, &o, &te), 0);
    /* the new line goes after the section's last line that is no comment */
    ASSERT_STREQ(te.out.buf, "[main]\ndebug = false\n# debug = true\n");
    gf_textedit_release(&te);
}

struct pam_case {
    const char *name, *before;
    struct gf_pam_limits_opts o;
    const char *after;
    int changed;
    const char *msg;
};

static const struct pam_case pam_cases[] = {
    { "p_raise", "# c\n*\tsoft\tnofile\t1024\n", { "*", "soft", "nofile", "4096", 0, 0, "", "F" },
      "# c\n*\tsoft\tnofile\t4096\n", 1, "*\tsoft\tnofile\t4096\n" },
    { "p_same", "* soft nofile 4096\n", { "*", "soft", "nofile", "4096", 0, 0, "", "F" },
      "* soft nofile 4096\n", 0, "* soft nofile 4096\n" },
    { "p_add", "# c\n", { "u", "-", "memlock", "unlimited", 0, 0, "drv", "F" },
      "# c\nu\t-\tmemlock\tunlimited\t#drv\n", 1, "u\t-\tmemlock\tunlimited\t#drv\n" },
    { "p_max", "@a hard nproc 50\n", { "@a", "hard", "nproc", "20", 1, 0, "", "F" },
      "@a hard nproc 50\n", 0, "@a hard nproc 50\n" },
    { "p_min", "@a hard nproc 50\n", { "@a", "hard", "nproc", "20", 0, 1, "", "F" },
      "@a\thard\tnproc\t20\n", 1, "@a\thard\tnproc\t20\n" },
    { "p_max_unl", "@a hard nproc 50\n", { "@a", "hard", "nproc", "unlimited", 1, 0, "", "F" },
      "@a\thard\tnproc\tunlimited\n", 1, "@a\thard\tnproc\tunlimited\n" },
    { "p_oldcomment", "x soft core 0 # old\n", { "x", "soft", "core", "1", 0, 0, "", "F" },
      "x\tsoft\tcore\t1\t# old\n\n", 1, "x\tsoft\tcore\t1\t# old\n\n" },
    { "p_empty", "", { "x", "soft", "nice", "-5", 0, 0, "", "F" }, "x\tsoft\tnice\t-5\n", 1,
      "x\tsoft\tnice\t-5\n" },
};

TEST(pam_limits_cases)
{
    for (size_t i = 0; i < sizeof(pam_cases) / sizeof(pam_cases[0]); i++) {
        const struct pam_case *c = &pam_cases[i];
        struct gf_textedit te;
        gf_textedit_init(&te);
        int rc = gf_pam_limits_edit(c->before, strlen(c->before), &c->o, &te);
        check_edit(c->name, rc, &te, c->after, c->changed, c->msg, 1);
        gf_textedit_release(&te);
    }
}

TEST(pam_limits_bad_values)
{
    char *m = gf_pam_limits_bad_value("nofile", "lots", "");
    ASSERT_STREQ(m, " Value of 'lots' for item 'nofile' is invalid. Value must either be "
                 "'unlimited', 'infinity' or -1, all of which indicate no limit, or a limit of 0 "
                 "or larger. Refer to the limits.conf(5) manual pages for more details.");
    free(m);
    ASSERT(gf_pam_limits_bad_value("nice", "-20", "") == NULL);
    m = gf_pam_limits_bad_value("nice", "20", "");
    ASSERT(m && strstr(m, "range -20 to 19"));
    free(m);
    struct gf_pam_limits_opts o = { "*", "soft", "core", "1", 0, 0, "", "/x" };
    struct gf_textedit te;
    gf_textedit_init(&te);
    ASSERT(gf_pam_limits_edit("u soft nofile many\n", 19, &o, &te) < 0);
    ASSERT(strstr(te.err.msg, "Invalid configuration found in '/x'.") == te.err.msg);
    gf_textedit_release(&te);
}

struct bl_case {
    const char *name, *before, *module;
    int absent;
    const char *after;
    int changed;
    const char *msg;
};

static const struct bl_case bl_cases[] = {
    { "b_add", "# c\nblacklist a\n", "b", 0, "# c\nblacklist a\nblacklist b\n", 1, "" },
    { "b_have", "blacklist  b  \n", "b", 0, "blacklist  b  \n", 0, "" },
    { "b_commented", "#blacklist b\n", "b", 0, "#blacklist b\nblacklist b\n", 1, "" },
    { "b_remove", "blacklist b\nblacklist c \n", "b", 1, "blacklist c\n", 1, "" },
    { "b_remove_none", "blacklist c \n", "b", 1, "blacklist c \n", 0, "" },
};

TEST(kernel_blacklist_cases)
{
    for (size_t i = 0; i < sizeof(bl_cases) / sizeof(bl_cases[0]); i++) {
        const struct bl_case *c = &bl_cases[i];
        struct gf_textedit te;
        gf_textedit_init(&te);
        int rc = gf_blacklist_edit(c->before, strlen(c->before), 1, c->module, c->absent, &te);
        check_edit(c->name, rc, &te, c->after, c->changed, c->msg, 0);
        gf_textedit_release(&te);
    }
}

TEST(kernel_blacklist_missing_file_is_a_change)
{
    struct gf_textedit te;

    gf_textedit_init(&te);
    ASSERT_EQ(gf_blacklist_edit("", 0, 0, "b", 1, &te), 0);
    ASSERT_EQ(te.changed, 1);
    ASSERT_STREQ(te.out.buf ? te.out.buf : "", "");
    gf_textedit_release(&te);
}

struct ak_case {
    const char *name, *before;
    struct gf_authkey_opts o;
    const char *after;
    int changed;
    const char *msg;
};

static const struct ak_case ak_cases[] = {
    { "a_add", "# keys\nssh-ed25519 AAAAC3Nza1 one@x\n", { "ssh-rsa AAAAB3Nza2 two@x", NULL, NULL,
      0, 0 }, "# keys\nssh-ed25519 AAAAC3Nza1 one@x\nssh-rsa AAAAB3Nza2 two@x\n", 1, "" },
    { "a_have", "ssh-ed25519 AAAAC3Nza1 one@x\n", { "ssh-ed25519 AAAAC3Nza1 one@x", NULL, NULL, 0,
      0 }, "ssh-ed25519 AAAAC3Nza1 one@x\n", 0, "" },
    { "a_comment_differs", "ssh-ed25519 AAAAC3Nza1 one@x\nssh-rsa AAAAB3Nza2 two@x\n",
      { "ssh-ed25519 AAAAC3Nza1 other", NULL, NULL, 0, 0 },
      "ssh-rsa AAAAB3Nza2 two@x\nssh-ed25519 AAAAC3Nza1 other\n", 1, "" },
    { "a_options", "ssh-ed25519 AAAAC3Nza1 one@x\n", { "ssh-ed25519 AAAAC3Nza1 one@x",
      "no-pty,from=\"a,b\"", NULL, 0, 0 }, "no-pty,from=\"a,b\" ssh-ed25519 AAAAC3Nza1 one@x\n", 1,
      "" },
    { "a_options_same", "from=\"a,b\",no-pty ssh-ed25519 AAAAC3Nza1 one@x\n",
      { "ssh-ed25519 AAAAC3Nza1 one@x", "no-pty,from=\"a,b\"", NULL, 0, 0 },
      "from=\"a,b\",no-pty ssh-ed25519 AAAAC3Nza1 one@x\n", 0, "" },
    { "a_absent", "ssh-ed25519 AAAAC3Nza1 one@x\nssh-rsa AAAAB3Nza2 two@x\n",
      { "ssh-ed25519 AAAAC3Nza1 one@x", NULL, NULL, 1, 0 }, "ssh-rsa AAAAB3Nza2 two@x\n", 1, "" },
    { "a_exclusive", "# c\nssh-ed25519 AAAAC3Nza1 one@x\nssh-rsa AAAAB3Nza2 two@x\n",
      { "ssh-rsa AAAAB3Nza2 two@x", NULL, NULL, 0, 1 }, "ssh-rsa AAAAB3Nza2 two@x\n", 1, "" },
    { "a_multi", "", { "ssh-ed25519 AAAAC3Nza1 one@x\n\n#x\nssh-rsa AAAAB3Nza2 two@x", NULL, NULL,
      0, 0 }, "ssh-ed25519 AAAAC3Nza1 one@x\nssh-rsa AAAAB3Nza2 two@x\n", 1, "" },
    { "a_nocomment", "", { "ssh-rsa AAAAB3Nza2", NULL, NULL, 0, 0 }, "ssh-rsa AAAAB3Nza2 \n", 1,
      "" },
    { "a_comment_param", "ssh-ed25519 AAAAC3Nza1 one@x\n", { "ssh-ed25519 AAAAC3Nza1 one@x", NULL,
      "new c", 0, 0 }, "ssh-ed25519 AAAAC3Nza1 new c\n", 1, "" },
};

TEST(authorized_key_cases)
{
    for (size_t i = 0; i < sizeof(ak_cases) / sizeof(ak_cases[0]); i++) {
        const struct ak_case *c = &ak_cases[i];
        struct gf_textedit te;
        gf_textedit_init(&te);
        int rc = gf_authkey_edit(c->before, strlen(c->before), &c->o, &te);
        check_edit(c->name, rc, &te, c->after, c->changed, c->msg, 0);
        gf_textedit_release(&te);
    }
}

TEST(authorized_key_invalid_key)
{
    struct gf_authkey_opts o = { "not a key", NULL, NULL, 0, 0 };
    struct gf_textedit te;

    gf_textedit_init(&te);
    ASSERT(gf_authkey_edit("", 0, &o, &te) < 0);
    ASSERT_STREQ(te.err.msg, "invalid key specified: not a key");
    gf_textedit_release(&te);
}

/* Ansible glues a new key to a last line without its end; gpuforge ends
 * that line first (a deliberate difference) */
TEST(authorized_key_ends_last_line)
{
    struct gf_authkey_opts o = { "ssh-rsa AAAAB3Nza2 two@x", NULL, NULL, 0, 0 };
    struct gf_textedit te;

    gf_textedit_init(&te);
    ASSERT_EQ(gf_authkey_edit("# keys", 6, &o, &te), 0);
    ASSERT_STREQ(te.out.buf, "# keys\nssh-rsa AAAAB3Nza2 two@x\n");
    gf_textedit_release(&te);
}

/* test-target.c - unit tests for connection settings taken from inventory
 * variables, including ansible_ssh_common_args parsing. */
#include "../../engine/exec/exec.h"
#include "harness.h"

static struct gf_val *vars_of(const char *yaml)
{
    struct gf_val *v = NULL;
    struct gf_error err = GF_ERROR_INIT;

    if (gf_yaml_load(yaml, strlen(yaml), "vars.yml", &v, &err) < 0)
        FAILF("bad test yaml: %s", err.msg);
    return v;
}

static int target(const char *yaml, struct gf_target *t, struct gf_error *err)
{
    struct gf_exec_opts o;
    struct gf_val *v = vars_of(yaml);

    gf_exec_opts_init(&o);
    o.user = "cliuser";
    int rc = gf_target_from_vars(t, "h1", v, &o, err);
    gf_val_unref(v);
    return rc;
}

TEST(target_defaults_and_aliases)
{
    struct gf_target t;
    struct gf_error err = GF_ERROR_INIT;

    ASSERT_EQ(target("{}", &t, &err), 0);
    ASSERT_STREQ(t.addr, "h1");
    ASSERT_EQ(t.port, 22);
    ASSERT_STREQ(t.user, "cliuser");
    gf_target_release(&t);
    ASSERT_EQ(target("{ansible_ssh_host: 10.0.0.5, ansible_ssh_port: '2222', "
                     "ansible_ssh_user: gf, ansible_ssh_private_key_file: /k}", &t, &err), 0);
    ASSERT_STREQ(t.addr, "10.0.0.5");
    ASSERT_EQ(t.port, 2222);
    ASSERT_STREQ(t.user, "gf");
    ASSERT_EQ(t.key_files.n, 1);
    ASSERT_STREQ(t.key_files.v[0], "/k");
    gf_target_release(&t);
}

TEST(target_ssh_common_args)
{
    struct gf_target t;
    struct gf_error err = GF_ERROR_INIT;

    ASSERT_EQ(target("ansible_ssh_common_args: \"-o UserKnownHostsFile=/tmp/kh "
                     "-o 'ProxyJump=gf@bastion:2200' -p 2022 -i /id -oStrictHostKeyChecking=accept-new\"",
                     &t, &err), 0);
    ASSERT_STREQ(t.known_hosts, "/tmp/kh");
    ASSERT_STREQ(t.proxy_jump, "gf@bastion:2200");
    ASSERT_EQ(t.port, 2022);
    ASSERT_STREQ(t.key_files.v[0], "/id");
    ASSERT_EQ(t.hostkey_policy, GF_HOSTKEY_ACCEPT_NEW);
    gf_target_release(&t);
    ASSERT_EQ(target("ansible_ssh_extra_args: \"-J jump1,jump2 -o ProxyCommand='nc %h %p'\"",
                     &t, &err), 0);
    ASSERT_STREQ(t.proxy_jump, "jump1,jump2");
    ASSERT_STREQ(t.proxy_command, "nc %h %p");
    gf_target_release(&t);
}

TEST(target_rejects_unsupported_ssh_options_by_name)
{
    struct gf_target t;
    struct gf_error err = GF_ERROR_INIT;

    ASSERT(target("ansible_ssh_common_args: '-o ControlMaster=auto'", &t, &err) < 0);
    ASSERT(strstr(err.msg, "'ControlMaster'") != NULL);
    ASSERT(strstr(err.msg, "host 'h1'") != NULL);
    gf_error_clear(&err);
    ASSERT(target("ansible_ssh_common_args: '-A'", &t, &err) < 0);
    ASSERT(strstr(err.msg, "'-A'") != NULL);
    gf_error_clear(&err);
    ASSERT(target("ansible_ssh_common_args: \"-o 'ProxyJump=x\"", &t, &err) < 0);
    ASSERT(strstr(err.msg, "unbalanced") != NULL);
    gf_error_clear(&err);
    ASSERT(target("ansible_port: 70000", &t, &err) < 0);
    gf_error_clear(&err);
    ASSERT(target("ansible_become_method: su", &t, &err) < 0);
    ASSERT(strstr(err.msg, "'su'") != NULL);
    gf_error_clear(&err);
    ASSERT(target("ansible_host: '{{ lookup(\"x\") }}'", &t, &err) < 0);
    gf_error_clear(&err);
}

TEST(target_become_settings)
{
    struct gf_target t;
    struct gf_error err = GF_ERROR_INIT;

    ASSERT_EQ(target("{ansible_become: 'yes', ansible_become_pass: s3cret}", &t, &err), 0);
    ASSERT(t.become);
    ASSERT_STREQ(t.become_user, "root");
    ASSERT_STREQ(t.become_password, "s3cret");
    gf_target_release(&t);
    ASSERT_EQ(target("{ansible_become: false, ansible_become_user: app}", &t, &err), 0);
    ASSERT(!t.become);
    ASSERT_STREQ(t.become_user, "app");
    gf_target_release(&t);
}

TEST(sh_quote_is_safe)
{
    struct gf_buf b = GF_BUF_INIT;

    gf_sh_quote(&b, "a'b $(x) `y`");
    ASSERT_STREQ(b.buf, "'a'\\''b $(x) `y`'");
    gf_buf_release(&b);
}

TEST(shlex_split_like_python)
{
    struct gf_vec w = GF_VEC_INIT;

    /* checked against Python 3: shlex.split(r'''a 'b c' "d \"e\" \$f" g\ h''') */
    ASSERT_EQ(gf_shlex_split("a 'b c' \"d \\\"e\\\" \\$f\" g\\ h", &w), 0);
    ASSERT_EQ(w.n, 4);
    ASSERT_STREQ(w.v[0], "a");
    ASSERT_STREQ(w.v[1], "b c");
    ASSERT_STREQ(w.v[2], "d \"e\" \\$f");
    ASSERT_STREQ(w.v[3], "g h");
    gf_vec_release(&w, free);
    ASSERT(gf_shlex_split("a 'b", &w) < 0);
    gf_vec_release(&w, free);
}

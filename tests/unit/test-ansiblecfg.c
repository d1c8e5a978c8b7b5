/* test-ansiblecfg.c - ansible.cfg as Ansible reads it: which file is read,
 * configparser's INI syntax (values checked against Python's configparser),
 * refused and ignored keys, typing, the environment over the file and the
 * command line over both, and bad input with file:line. */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../engine/cli/common.h"
#include "harness.h"

static char dir[64];

static const char *const env_names[] = {
    "ANSIBLE_CONFIG", "ANSIBLE_ROLES_PATH", "ANSIBLE_INVENTORY", "ANSIBLE_REMOTE_USER",
    "ANSIBLE_PRIVATE_KEY_FILE", "ANSIBLE_REMOTE_PORT", "ANSIBLE_FORKS", "ANSIBLE_TIMEOUT",
    "ANSIBLE_SSH_TIMEOUT", "ANSIBLE_GATHERING", "ANSIBLE_RETRY_FILES_ENABLED",
    "ANSIBLE_RETRY_FILES_SAVE_PATH", "ANSIBLE_HOST_KEY_CHECKING",
    "ANSIBLE_SSH_HOST_KEY_CHECKING", "ANSIBLE_ASK_PASS", "ANSIBLE_BECOME",
    "ANSIBLE_BECOME_METHOD", "ANSIBLE_BECOME_USER", "ANSIBLE_BECOME_ASK_PASS",
    "ANSIBLE_HASH_BEHAVIOUR", "ANSIBLE_STRATEGY", "ANSIBLE_SSH_ARGS", "GPUFORGE_PASSWORD",
    "GPUFORGE_BECOME_PASSWORD", NULL,
};

/* A fresh directory as HOME and current directory, no ANSIBLE_* and no
 * /etc/ansible/ansible.cfg. */
static void setup(void)
{
    strcpy(dir, "/tmp/gf-unit-cfg-XXXXXX");
    if (mkdtemp(dir) == NULL)
        FAILF("mkdtemp: %s", strerror(errno));
    chmod(dir, 0755);
    for (size_t i = 0; env_names[i]; i++)
        unsetenv(env_names[i]);
    setenv("HOME", dir, 1);
    if (chdir(dir) < 0)
        FAILF("chdir: %s", strerror(errno));
    gf_ansiblecfg_etc = "/nonexistent/ansible.cfg";
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(p);
}

static void cleanup(void)
{
    if (chdir("/") == 0)
        nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static char *path_of(const char *name)
{
    return gf_xasprintf("%s/%s", dir, name);
}

static void put(const char *name, const char *text)
{
    char *p = path_of(name);
    char *slash = strrchr(p, '/');
    *slash = '\0';
    mkdir(p, 0755);
    *slash = '/';
    FILE *f = fopen(p, "w");
    if (f == NULL)
        FAILF("%s: %s", p, strerror(errno));
    fputs(text, f);
    fclose(f);
    free(p);
}

/* Loads name (relative to dir) with the environment; returns the result
 * and leaves the error message ("file:line: msg") in *msg. */
static int load(struct gf_ansiblecfg *cfg, const char *name, char **msg)
{
    struct gf_error err = GF_ERROR_INIT;
    char *p = name ? path_of(name) : NULL;
    int rc = gf_ansiblecfg_load_file(cfg, p, &err);
    struct gf_buf b = GF_BUF_INIT;

    free(p);
    if (rc < 0)
        gf_error_format(&err, &b);
    *msg = gf_buf_detach(&b, NULL);
    gf_error_clear(&err);
    return rc;
}

/* The message with the temporary directory shown as DIR. */
static char *norm(const char *msg)
{
    struct gf_buf b = GF_BUF_INIT;
    size_t n = strlen(dir);

    for (const char *p = msg; *p;) {
        if (!strncmp(p, dir, n)) {
            gf_buf_adds(&b, "DIR");
            p += n;
        } else {
            gf_buf_addc(&b, *p++);
        }
    }
    return gf_buf_detach(&b, NULL);
}

/* gf_ansiblecfg_find with the temporary directory shown as DIR. */
static char *find(struct gf_vec *warnings)
{
    char *p = gf_ansiblecfg_find(warnings);
    char *n = p ? norm(p) : NULL;

    free(p);
    return n;
}

static void expect_error(const char *text, const char *want)
{
    struct gf_ansiblecfg cfg;
    char *msg;

    setup();
    put("ansible.cfg", text);
    ASSERT(load(&cfg, "ansible.cfg", &msg) < 0);
    char *got = norm(msg);
    ASSERT_STREQ(got, want);
    free(got);
    free(msg);
    gf_ansiblecfg_release(&cfg);
    cleanup();
}

/* Values as Python's configparser (Ansible's reader) gives them. */
TEST(ansiblecfg_ini_syntax)
{
    struct gf_ansiblecfg cfg;
    char *msg;

    setup();
    put("ansible.cfg",
        "# a comment\n"
        "; another\n"
        "[defaults]\n"
        "Remote_User = alice ;inline comment\n"
        "forks: 7\n"
        "  # a comment inside is no continuation\n"
        "private_key_file = keys/id;no comment\n"
        "roles_path = a:\n"
        "    b\n"
        "\n"
        "    c\n"
        "nocows = 1\n"
        "\n"
        "[privilege_escalation]\n"
        "become_user = \"ops\"\n"
        "[DEFAULT]\n"
        "become = yes\n");
    ASSERT_EQ(load(&cfg, "ansible.cfg", &msg), 0);
    ASSERT_STREQ(cfg.set[GF_CFG_REMOTE_USER].text, "alice");
    ASSERT_EQ(cfg.forks, 7);
    char *key = norm(cfg.set[GF_CFG_PRIVATE_KEY_FILE].text);
    ASSERT_STREQ(key, "DIR/keys/id;no comment");
    free(key);
    /* configparser joins continuation lines with newlines, blank ones kept */
    ASSERT_EQ(cfg.roles_path.n, 2);
    char *r0 = norm(cfg.roles_path.v[0]), *r1 = norm(cfg.roles_path.v[1]);
    ASSERT_STREQ(r0, "DIR/a");
    ASSERT_STREQ(r1, "DIR/\nb\n\nc");
    free(r0);
    free(r1);
    /* str values are unquoted; [DEFAULT] is seen from every section */
    ASSERT_STREQ(cfg.set[GF_CFG_BECOME_USER].text, "ops");
    ASSERT_EQ(cfg.become, 1);
    char *origin = norm(cfg.set[GF_CFG_FORKS].origin);
    ASSERT_STREQ(origin, "DIR/ansible.cfg:5");
    free(origin);
    free(msg);
    gf_ansiblecfg_release(&cfg);
    cleanup();
}

/* Keys Ansible reads from other sections than the ones people guess are
 * not honoured: k3s-ansible's "become = True" under [defaults] does not
 * make Ansible become, so it must not make gpuforge become either. */
TEST(ansiblecfg_wrong_section_ignored)
{
    struct gf_ansiblecfg cfg;
    char *msg;

    setup();
    put("ansible.cfg", "[defaults]\nbecome = True\npipelining = True\n"
        "callback_whitelist = profile_tasks\nremote_tmp = $HOME/.ansible/tmp\n"
        "no_such_key = 1\n[callback_profile_tasks]\ntask_output_limit = 5\n");
    ASSERT_EQ(load(&cfg, "ansible.cfg", &msg), 0);
    ASSERT_EQ(cfg.become, 0);
    int noted = 0;
    for (size_t i = 0; i < cfg.notes.n; i++) {
        char *n = norm(cfg.notes.v[i]);
        noted += !strcmp(n, "DIR/ansible.cfg:2: [defaults] become: Ansible reads become from "
                         "[privilege_escalation], not from here; ignored");
        noted += !strcmp(n, "DIR/ansible.cfg:6: [defaults] no_such_key: not a setting of "
                         "Ansible's that gpuforge knows; ignored");
        noted += !strcmp(n, "DIR/ansible.cfg:3: [defaults] pipelining ignored: a speed-up; "
                         "gpuforge needs no Python on the nodes");
        noted += !strcmp(n, "DIR/ansible.cfg:8: [callback_profile_tasks] task_output_limit: "
                         "configures what gpuforge does not have; ignored");
        free(n);
    }
    ASSERT_EQ(noted, 4);
    free(msg);
    gf_ansiblecfg_release(&cfg);
    cleanup();
}

TEST(ansiblecfg_bad_syntax)
{
    expect_error("forks = 5\n[defaults]\n",
                 "DIR/ansible.cfg:1: a setting before the first [section] header");
    expect_error("[defaults]\nforks = 5\njust words\n",
                 "DIR/ansible.cfg:3: not 'key = value' nor a [section]: 'just words'");
    expect_error("[defaults]\n= 5\n", "DIR/ansible.cfg:2: a value without a key: '= 5'");
    expect_error("[defaults]\nforks = 5\nFORKS = 6\n",
                 "DIR/ansible.cfg:3: 'forks' appears twice in section [defaults]");
    expect_error("[defaults]\n[x]\n[defaults]\n",
                 "DIR/ansible.cfg:3: section 'defaults' appears twice");
    expect_error("[defaults]\nforks = 5\nremote_user = \xff\xfe\n",
                 "DIR/ansible.cfg:3: not UTF-8 text");
    expect_error("[defaults]\nforks = 5\n\x80garbage\n", "DIR/ansible.cfg:3: not UTF-8 text");
}

TEST(ansiblecfg_bad_values)
{
    expect_error("[defaults]\nforks = many\n",
                 "DIR/ansible.cfg:2: forks = many: not a number in 1..10000");
    expect_error("[defaults]\ntimeout = 0\n",
                 "DIR/ansible.cfg:2: timeout = 0: not a number in 1..3600");
    expect_error("[defaults]\nhost_key_checking = maybe\n",
                 "DIR/ansible.cfg:2: host_key_checking = maybe: not a boolean (true/false, "
                 "yes/no, on/off, 1/0)");
    expect_error("[defaults]\ngathering = sometimes\n",
                 "DIR/ansible.cfg:2: gathering = sometimes: not one of implicit, explicit, "
                 "smart");
    expect_error("[defaults]\nforks = 5\n\n[privilege_escalation]\nbecome = true\n"
                 "become_method = su\n",
                 "DIR/ansible.cfg:6: become_method = su: gpuforge becomes other users with "
                 "sudo only");
}

/* Settings that change results gpuforge cannot reproduce are refused,
 * unless they hold Ansible's default. */
TEST(ansiblecfg_refused)
{
    expect_error("[defaults]\nhash_behaviour = merge\n",
                 "DIR/ansible.cfg:2: [defaults] hash_behaviour = merge is not supported by "
                 "gpuforge (variables are replaced, never merged)");
    expect_error("[ssh_connection]\nssh_common_args = -o ProxyJump=bastion\n",
                 "DIR/ansible.cfg:2: [ssh_connection] ssh_common_args = -o ProxyJump=bastion "
                 "is not supported by gpuforge (set ansible_ssh_common_args in the inventory)");
    expect_error("[ssh_connection]\nretries = 3\n",
                 "DIR/ansible.cfg:2: [ssh_connection] retries = 3 is not supported by gpuforge "
                 "(gpuforge does not retry a failed connection)");

    /* ssh_args: connection tuning is ignored, anything else refused */
    expect_error("[ssh_connection]\nssh_args = -C -o ControlMaster=auto -o 'ProxyJump b'\n",
                 "DIR/ansible.cfg:2: [ssh_connection] ssh_args: '-o ProxyJump b' is not "
                 "supported by gpuforge (it changes how hosts are reached or checked; set "
                 "ansible_ssh_common_args in the inventory, where gpuforge honours ProxyJump, "
                 "ProxyCommand, UserKnownHostsFile, StrictHostKeyChecking, -p and -i)");
    expect_error("[ssh_connection]\nssh_args = -oStrictHostKeyChecking=no\n",
                 "DIR/ansible.cfg:2: [ssh_connection] ssh_args: '-o StrictHostKeyChecking=no' "
                 "is not supported by gpuforge (it changes how hosts are reached or checked; "
                 "set ansible_ssh_common_args in the inventory, where gpuforge honours "
                 "ProxyJump, ProxyCommand, UserKnownHostsFile, StrictHostKeyChecking, -p and "
                 "-i)");

    struct gf_ansiblecfg cfg;
    char *msg;
    setup();
    put("ansible.cfg", "[defaults]\nhash_behaviour = replace\nerror_on_undefined_vars = True\n"
        "transport = ssh\n[ssh_connection]\nretries = 0\n"
        "ssh_args = -C -o ControlMaster=auto -o ControlPersist=60s -o ServerAliveInterval=30\n");
    ASSERT_EQ(load(&cfg, "ansible.cfg", &msg), 0);
    free(msg);
    gf_ansiblecfg_release(&cfg);

    setenv("ANSIBLE_SSH_ARGS", "-o ForwardAgent=yes", 1);
    ASSERT(load(&cfg, NULL, &msg) < 0);
    ASSERT(gf_startswith(msg, "ANSIBLE_SSH_ARGS: '-o ForwardAgent=yes' is not supported"));
    free(msg);
    gf_ansiblecfg_release(&cfg);
    unsetenv("ANSIBLE_SSH_ARGS");

    setenv("ANSIBLE_STRATEGY", "free", 1);
    ASSERT(load(&cfg, NULL, &msg) < 0);
    ASSERT_STREQ(msg, "ANSIBLE_STRATEGY=free is not supported by gpuforge (set strategy on "
                 "the plays)");
    free(msg);
    gf_ansiblecfg_release(&cfg);
    cleanup();
}

/* The environment over the file, the last of a setting's variables and
 * the later section winning, as Ansible's config manager does. */
TEST(ansiblecfg_precedence)
{
    struct gf_ansiblecfg cfg;
    char *msg;

    setup();
    put("ansible.cfg", "[defaults]\nforks = 3\ntimeout = 20\nhost_key_checking = false\n"
        "remote_user = alice\n[ssh_connection]\ntimeout = 30\n");
    ASSERT_EQ(load(&cfg, "ansible.cfg", &msg), 0);
    ASSERT_EQ(cfg.forks, 3);
    ASSERT_EQ(cfg.timeout, 30); /* [ssh_connection] over [defaults] */
    ASSERT_EQ(cfg.host_key_checking, 0);
    gf_ansiblecfg_release(&cfg);
    free(msg);

    setenv("ANSIBLE_FORKS", "7", 1);
    setenv("ANSIBLE_TIMEOUT", "5", 1);
    setenv("ANSIBLE_SSH_TIMEOUT", "6", 1);
    setenv("ANSIBLE_HOST_KEY_CHECKING", "True", 1);
    setenv("ANSIBLE_REMOTE_USER", "bob", 1);
    ASSERT_EQ(load(&cfg, "ansible.cfg", &msg), 0);
    ASSERT_EQ(cfg.forks, 7);
    ASSERT_EQ(cfg.timeout, 6);
    ASSERT_EQ(cfg.host_key_checking, 1);
    ASSERT_STREQ(cfg.set[GF_CFG_REMOTE_USER].text, "bob");
    ASSERT_STREQ(cfg.set[GF_CFG_FORKS].origin, "ANSIBLE_FORKS");
    gf_ansiblecfg_release(&cfg);
    free(msg);

    setenv("ANSIBLE_FORKS", "none", 1);
    ASSERT(load(&cfg, "ansible.cfg", &msg) < 0);
    ASSERT_STREQ(msg, "ANSIBLE_FORKS=none: not a number in 1..10000");
    gf_ansiblecfg_release(&cfg);
    free(msg);
    cleanup();
}

/* roles_path and inventory: relative entries against the file's directory
 * ($VAR and ~ expanded), against the current one from the environment;
 * unset, Ansible's default roles path. */
TEST(ansiblecfg_paths)
{
    struct gf_ansiblecfg cfg;
    char *msg;

    setup();
    put("proj/ansible.cfg", "[defaults]\nroles_path = roles:~/shared:/abs:$GFTESTVAR/x\n"
        "inventory = hosts.ini, /etc/inv.yml ,~/h\n");
    setenv("GFTESTVAR", "/var", 1);
    ASSERT_EQ(load(&cfg, "proj/ansible.cfg", &msg), 0);
    ASSERT_EQ(cfg.roles_path.n, 4);
    const char *want[] = { "DIR/proj/roles", "DIR/shared", "/abs", "/var/x" };
    for (size_t i = 0; i < 4; i++) {
        char *got = norm(cfg.roles_path.v[i]);
        ASSERT_STREQ(got, want[i]);
        free(got);
    }
    ASSERT_EQ(cfg.inventory.n, 3);
    const char *winv[] = { "DIR/proj/hosts.ini", "/etc/inv.yml", "DIR/h" };
    for (size_t i = 0; i < 3; i++) {
        char *got = norm(cfg.inventory.v[i]);
        ASSERT_STREQ(got, winv[i]);
        free(got);
    }
    gf_ansiblecfg_release(&cfg);
    free(msg);

    setenv("ANSIBLE_ROLES_PATH", "envroles:/other", 1);
    ASSERT_EQ(load(&cfg, "proj/ansible.cfg", &msg), 0);
    ASSERT_EQ(cfg.roles_path.n, 2);
    char *got = norm(cfg.roles_path.v[0]);
    ASSERT_STREQ(got, "DIR/envroles"); /* the current directory */
    free(got);
    gf_ansiblecfg_release(&cfg);
    free(msg);

    unsetenv("ANSIBLE_ROLES_PATH");
    ASSERT_EQ(load(&cfg, NULL, &msg), 0);
    ASSERT_EQ(cfg.roles_path.n, 3);
    got = norm(cfg.roles_path.v[0]);
    ASSERT_STREQ(got, "DIR/.ansible/roles");
    free(got);
    ASSERT_STREQ(cfg.roles_path.v[2], "/etc/ansible/roles");
    ASSERT_EQ(cfg.inventory.n, 0);
    gf_ansiblecfg_release(&cfg);
    free(msg);
    cleanup();
}

/* Which file: ANSIBLE_CONFIG (a file or a directory), ./ansible.cfg unless
 * the directory is world-writable, ~/.ansible.cfg, /etc/ansible. */
TEST(ansiblecfg_find)
{
    struct gf_vec w = GF_VEC_INIT;
    char *p;

    setup();
    ASSERT(gf_ansiblecfg_find(&w) == NULL);
    ASSERT_EQ(w.n, 0);

    put("etc/ansible.cfg", "[defaults]\n");
    char *etc = path_of("etc/ansible.cfg");
    gf_ansiblecfg_etc = etc;
    p = find(NULL);
    ASSERT_STREQ(p, "DIR/etc/ansible.cfg");
    free(p);

    put(".ansible.cfg", "[defaults]\n");
    p = find(NULL);
    ASSERT_STREQ(p, "DIR/.ansible.cfg");
    free(p);

    put("ansible.cfg", "[defaults]\n");
    p = find(NULL);
    ASSERT_STREQ(p, "DIR/ansible.cfg");
    free(p);

    put("other/ansible.cfg", "[defaults]\n");
    setenv("ANSIBLE_CONFIG", "other", 1); /* a directory holding ansible.cfg */
    p = find(NULL);
    ASSERT_STREQ(p, "DIR/other/ansible.cfg");
    free(p);
    setenv("ANSIBLE_CONFIG", "~/etc/ansible.cfg", 1);
    p = find(NULL);
    ASSERT_STREQ(p, "DIR/etc/ansible.cfg");
    free(p);

    /* an ANSIBLE_CONFIG naming nothing: the next place, with a warning */
    setenv("ANSIBLE_CONFIG", "missing.cfg", 1);
    p = find(&w);
    ASSERT_STREQ(p, "DIR/ansible.cfg");
    free(p);
    ASSERT_EQ(w.n, 1);
    p = norm(w.v[0]);
    ASSERT_STREQ(p, "ANSIBLE_CONFIG names 'DIR/missing.cfg', which cannot be read: using "
                 "DIR/ansible.cfg, as Ansible does");
    free(p);
    gf_vec_release(&w, free);
    unsetenv("ANSIBLE_CONFIG");

    /* a world-writable current directory: its ansible.cfg is ignored */
    chmod(dir, 0777);
    p = find(&w);
    ASSERT_STREQ(p, "DIR/.ansible.cfg");
    free(p);
    ASSERT_EQ(w.n, 1);
    p = norm(w.v[0]);
    ASSERT_STREQ(p, "running in a world-writable directory (DIR): ignoring its ansible.cfg, "
                 "as Ansible does");
    free(p);
    gf_vec_release(&w, free);
    chmod(dir, 0755);
    free(etc);
    cleanup();
}

/* Only the first file found is read: no merging with the others. */
TEST(ansiblecfg_no_merge)
{
    struct gf_ansiblecfg cfg;
    struct gf_error err = GF_ERROR_INIT;

    setup();
    put(".ansible.cfg", "[defaults]\nremote_user = fromhome\nforks = 9\n");
    put("ansible.cfg", "[defaults]\nforks = 4\n");
    ASSERT_EQ(gf_ansiblecfg_load(&cfg, &err), 0);
    ASSERT_EQ(cfg.forks, 4);
    ASSERT(cfg.set[GF_CFG_REMOTE_USER].text == NULL);
    gf_ansiblecfg_release(&cfg);
    cleanup();
}

/* The command line over the file and the environment; an unreadable or
 * broken file stops the command with exit 4. */
TEST(ansiblecfg_cli)
{
    struct gf_cli c;
    char *argv[] = { (char *)"ping", (char *)"-f", (char *)"2", (char *)"-u", (char *)"carol",
                     NULL };

    setup();
    put("ansible.cfg", "[defaults]\nforks = 3\nremote_user = alice\ntimeout = 25\n"
        "host_key_checking = no\nremote_port = 2222\nprivate_key_file = k/id\n"
        "[privilege_escalation]\nbecome = true\nbecome_user = ops\n");
    setenv("ANSIBLE_TIMEOUT", "15", 1);
    ASSERT_EQ(gf_cli_parse(&c, &gf_cmd_ping, 5, argv, NULL, NULL), 0);
    ASSERT_EQ(c.exec.forks, 2);
    ASSERT_STREQ(c.exec.user, "carol");
    ASSERT_EQ(c.exec.connect_timeout, 15);
    ASSERT_EQ(c.exec.port, 2222);
    ASSERT_EQ(c.exec.hostkey_policy, GF_HOSTKEY_ACCEPT_NEW);
    ASSERT_EQ(c.exec.become, 1);
    ASSERT_STREQ(c.exec.become_user, "ops");
    char *key = norm(c.exec.key_file);
    ASSERT_STREQ(key, "DIR/k/id");
    free(key);
    gf_cli_release(&c);

    put("ansible.cfg", "[defaults]\nforks = 3\n[defaults\n");
    ASSERT_EQ(gf_cli_parse(&c, &gf_cmd_ping, 1, argv, NULL, NULL), GF_EXIT_USAGE);
    gf_cli_release(&c);

    unlink("ansible.cfg");
    mkdir("ansible.cfg", 0755); /* found, but cannot be read */
    ASSERT_EQ(gf_cli_parse(&c, &gf_cmd_ping, 1, argv, NULL, NULL), GF_EXIT_USAGE);
    gf_cli_release(&c);
    rmdir("ansible.cfg");
    cleanup();
}

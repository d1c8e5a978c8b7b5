/* test-modules-sys.c - unit tests for what the system modules compute on the
 * controller: tagged output, systemctl show, dpkg status, apt-cache policy,
 * the apt decision, sysctl values and sysctl.conf edits; and their tables. */
#include "../../engine/modules/sysmod.h"
#include "harness.h"

/* Runs gf_sysctl_edit and returns the new text (malloc'd); *changed set. */
static char *edit(const char *text, const char *name, const char *value, int *changed)
{
    struct gf_buf out = GF_BUF_INIT;

    *changed = gf_sysctl_edit(text, name, value, &out, NULL);
    return gf_buf_detach(&out, NULL);
}

static const char *val_str(const struct gf_val *m, const char *key)
{
    const struct gf_val *v = gf_val_map_get(m, key);

    return v && v->type == GF_VAL_STR ? v->u.str.s : NULL;
}

TEST(sys_tagged_finds_line_starts_only)
{
    const char *out = "noise GFDO x\nGFS a=b\nGFDO start\nGFEND\n";

    ASSERT_STREQ(gf_mod_tagged(out, "GFDO "), "start\nGFEND\n");
    ASSERT(gf_mod_tagged(out, "GFERR ") == NULL);
    ASSERT(gf_mod_tagged("", "GF") == NULL);
    struct gf_val *v = gf_mod_line_val(gf_mod_tagged(out, "GFS "));
    ASSERT_STREQ(v->u.str.s, "a=b");
    gf_val_unref(v);
}

TEST(systemd_show_parsed_into_map)
{
    const char *out = "GFS Id=gf-test.service\nGFS ActiveState=active\nother=1\n"
                      "GFS Description=A = B test\nGFS MainPID=42\nGFS LoadError=\nGFEND\n";
    struct gf_val *m = gf_systemd_parse_show(out, "GFS ");

    ASSERT_EQ(m->u.map.n, 5);
    ASSERT_STREQ(val_str(m, "Id"), "gf-test.service");
    ASSERT_STREQ(val_str(m, "ActiveState"), "active");
    ASSERT_STREQ(val_str(m, "Description"), "A = B test");
    ASSERT_STREQ(val_str(m, "MainPID"), "42");
    ASSERT_STREQ(val_str(m, "LoadError"), "");
    ASSERT(gf_val_map_get(m, "other") == NULL);
    gf_val_unref(m);
}

TEST(dpkg_status_abbrev)
{
    ASSERT(gf_dpkg_is_installed("ii "));
    ASSERT(gf_dpkg_is_installed("hi "));
    ASSERT(gf_dpkg_is_installed("it "));
    ASSERT(gf_dpkg_is_installed("iW "));
    ASSERT(!gf_dpkg_is_installed("rc "));
    ASSERT(!gf_dpkg_is_installed("un "));
    ASSERT(!gf_dpkg_is_installed("iU "));
    ASSERT(!gf_dpkg_is_installed("iF "));
    ASSERT(!gf_dpkg_is_installed("i"));
    ASSERT(!gf_dpkg_is_installed(NULL));
}

TEST(apt_spec_split)
{
    char *n, *v;

    ASSERT_EQ(gf_apt_split_spec("curl", &n, &v), 0);
    ASSERT_STREQ(n, "curl");
    ASSERT(v == NULL);
    free(n);
    ASSERT_EQ(gf_apt_split_spec("gf-hello=1.0-2*", &n, &v), 0);
    ASSERT_STREQ(n, "gf-hello");
    ASSERT_STREQ(v, "1.0-2*");
    free(n);
    free(v);
    ASSERT_EQ(gf_apt_split_spec("-o", &n, &v), -1);
    ASSERT_EQ(gf_apt_split_spec("=1.0", &n, &v), -1);
    ASSERT_EQ(gf_apt_split_spec("x=", &n, &v), -1);
    ASSERT_EQ(gf_apt_split_spec("", &n, &v), -1);
}

static const char policy_text[] =
    "gf-hello:\n"
    "  Installed: 1.0-1\n"
    "  Candidate: 2.0-1\n"
    "  Version table:\n"
    "     2.0-1 500\n"
    "        500 file:/srv/repo ./ Packages\n"
    " *** 1.0-1 100\n"
    "        100 /var/lib/dpkg/status\n";

TEST(apt_policy_parsed)
{
    char *text = strdup(policy_text);
    struct gf_apt_pkg p;

    gf_apt_parse_policy(text, &p);
    ASSERT_STREQ(p.installed, "1.0-1");
    ASSERT_STREQ(p.candidate, "2.0-1");
    ASSERT_STREQ(p.versions[0], "2.0-1");
    ASSERT_STREQ(p.versions[1], "1.0-1");
    ASSERT(p.versions[2] == NULL);
    free(text);

    char empty[] = "";
    gf_apt_parse_policy(empty, &p);
    ASSERT(p.installed == NULL && p.candidate == NULL && p.versions[0] == NULL);
}

TEST(apt_decide_present_latest_absent)
{
    char *text = strdup(policy_text);
    struct gf_apt_pkg p;
    const char *ver, *why = NULL;

    gf_apt_parse_policy(text, &p);
    p.abbrev = "ii ";
    ASSERT_EQ(gf_apt_decide("present", 0, &p, NULL, &ver, &why), GF_APT_KEEP);
    ASSERT_EQ(gf_apt_decide("latest", 0, &p, NULL, &ver, &why), GF_APT_INSTALL);
    ASSERT(ver == NULL);
    ASSERT_EQ(gf_apt_decide("absent", 0, &p, NULL, &ver, &why), GF_APT_REMOVE);
    /* a version pattern: the installed one matches, or one is picked */
    ASSERT_EQ(gf_apt_decide("present", 0, &p, "1.0*", &ver, &why), GF_APT_KEEP);
    ASSERT_EQ(gf_apt_decide("present", 0, &p, "2.*", &ver, &why), GF_APT_INSTALL);
    ASSERT_STREQ(ver, "2.0-1");
    ASSERT_EQ(gf_apt_decide("present", 0, &p, "3.0", &ver, &why), -1);
    ASSERT_STREQ(why, "no such version is available");
    ASSERT_EQ(gf_apt_decide("latest", 0, &p, "2.0-1", &ver, &why), -1);
    ASSERT_EQ(gf_apt_decide("absent", 0, &p, "2.0*", &ver, &why), GF_APT_KEEP);
    /* up to date */
    p.candidate = "1.0-1";
    ASSERT_EQ(gf_apt_decide("latest", 0, &p, NULL, &ver, &why), GF_APT_KEEP);
    /* removed, config files left: only purge acts */
    p.abbrev = "rc ";
    ASSERT_EQ(gf_apt_decide("absent", 0, &p, NULL, &ver, &why), GF_APT_KEEP);
    ASSERT_EQ(gf_apt_decide("absent", 1, &p, NULL, &ver, &why), GF_APT_REMOVE);
    ASSERT_EQ(gf_apt_decide("present", 0, &p, NULL, &ver, &why), GF_APT_INSTALL);
    /* unknown to dpkg and to apt */
    struct gf_apt_pkg none = { 0 };
    ASSERT_EQ(gf_apt_decide("absent", 1, &none, NULL, &ver, &why), GF_APT_KEEP);
    ASSERT_EQ(gf_apt_decide("present", 0, &none, NULL, &ver, &why), -1);
    ASSERT_STREQ(why, "no such package is available");
    none.candidate = "(none)";
    ASSERT_EQ(gf_apt_decide("latest", 0, &none, NULL, &ver, &why), -1);
    free(text);
}

TEST(sysctl_value_normalised)
{
    struct { struct gf_val *v; const char *want; } c[] = {
        { gf_val_bool(1), "1" },
        { gf_val_bool(0), "0" },
        { gf_val_str("yes"), "1" },
        { gf_val_str("Off"), "0" },
        { gf_val_int(1), "1" },
        { gf_val_int(65536), "65536" },
        { gf_val_str("  4096\t87380 6291456 "), "4096\t87380 6291456" },
        { gf_val_str(""), "" },
    };
    for (size_t i = 0; i < GF_ARRAY_LEN(c); i++) {
        struct gf_buf b = GF_BUF_INIT;
        gf_sysctl_value(c[i].v, &b);
        ASSERT_STREQ(b.buf, c[i].want);
        gf_buf_release(&b);
        gf_val_unref(c[i].v);
    }
    ASSERT(gf_sysctl_same("4096\t87380  6291456", "4096 87380 6291456"));
    ASSERT(gf_sysctl_same(" 1 ", "1"));
    ASSERT(!gf_sysctl_same("1", "10"));
    ASSERT(!gf_sysctl_same("1 2", "1"));
}

TEST(sysctl_edit_replaces_keeps_and_appends)
{
    const char *conf = "# comment net.ipv4.ip_forward=0\n"
                       "kernel.panic = 10\n"
                       "net.ipv4.ip_forward = 0\n"
                       "; other comment\n"
                       "net.ipv4.ip_forward=1\n";
    int ch;
    char *s = edit(conf, "net.ipv4.ip_forward", "1", &ch);

    /* first assignment replaced, the later duplicate dropped */
    ASSERT_EQ(ch, 1);
    ASSERT_STREQ(s, "# comment net.ipv4.ip_forward=0\nkernel.panic = 10\n"
                    "net.ipv4.ip_forward=1\n; other comment\n");
    free(s);
    /* already right: nothing changes, spacing kept */
    s = edit("kernel.panic = 10\n", "kernel.panic", "10", &ch);
    ASSERT_EQ(ch, 0);
    ASSERT_STREQ(s, "kernel.panic = 10\n");
    free(s);
    /* appended, also to a file without a final newline or no file */
    s = edit("a=1", "b.c", "2 3", &ch);
    ASSERT_EQ(ch, 1);
    ASSERT_STREQ(s, "a=1\nb.c=2 3\n");
    free(s);
    s = edit("", "b.c", "2", &ch);
    ASSERT_STREQ(s, "b.c=2\n");
    free(s);
    /* a key that only starts like ours is another key */
    s = edit("net.ipv4.ip_forward_x=1\n", "net.ipv4.ip_forward", "1", &ch);
    ASSERT_STREQ(s, "net.ipv4.ip_forward_x=1\nnet.ipv4.ip_forward=1\n");
    free(s);
}

TEST(sysctl_edit_absent_and_diff)
{
    struct gf_buf out = GF_BUF_INIT, diff = GF_BUF_INIT;
    int ch = gf_sysctl_edit("a=1\nvm.swappiness = 10\nb=2\nvm.swappiness=5\n", "vm.swappiness",
                            NULL, &out, &diff);

    ASSERT_EQ(ch, 1);
    ASSERT_STREQ(out.buf, "a=1\nb=2\n");
    ASSERT_STREQ(diff.buf, "-vm.swappiness = 10\n-vm.swappiness=5\n");
    gf_buf_reset(&out);
    ASSERT_EQ(gf_sysctl_edit("a=1\n", "vm.swappiness", NULL, &out, NULL), 0);
    ASSERT_STREQ(out.buf, "a=1\n");
    gf_buf_reset(&out);
    gf_buf_reset(&diff);
    ASSERT_EQ(gf_sysctl_edit("x = 0\n", "x", "1", &out, &diff), 1);
    ASSERT_STREQ(diff.buf, "-x = 0\n+x=1\n");
    gf_buf_release(&out);
    gf_buf_release(&diff);
}

TEST(system_modules_registered_with_aliases)
{
    static const char *const names[][2] = {
        { "ansible.builtin.systemd", "systemd" },
        { "ansible.builtin.systemd_service", "systemd" },
        { "ansible.builtin.service", "service" },
        { "ansible.builtin.apt", "apt" },
        { "ansible.builtin.package", "package" },
        { "ansible.posix.sysctl", "sysctl" },
        { "community.general.modprobe", "modprobe" },
        { "ansible.builtin.reboot", "reboot" },
    };
    for (size_t i = 0; i < GF_ARRAY_LEN(names); i++) {
        const struct gf_module *m = gf_module_find(names[i][0]);
        ASSERT(m != NULL);
        ASSERT_STREQ(m->name, names[i][1]);
    }
}

TEST(system_module_args_checked)
{
    struct gf_error err = GF_ERROR_INIT;
    struct gf_val *a = gf_val_map(), *out;

    gf_val_map_set(a, "name", gf_val_str("ssh"));
    gf_val_map_set(a, "state", gf_val_str("running"));
    ASSERT((out = gf_module_check_args(gf_module_find("service"), a, &err)) == NULL);
    ASSERT(strstr(err.msg, "started,stopped,restarted,reloaded") != NULL);
    gf_error_clear(&err);
    /* service takes no masked; systemd does, and aliases resolve */
    gf_val_map_set(a, "state", gf_val_str("started"));
    gf_val_map_set(a, "masked", gf_val_str("no"));
    ASSERT(gf_module_check_args(gf_module_find("service"), a, &err) == NULL);
    gf_error_clear(&err);
    gf_val_map_set(a, "daemon-reload", gf_val_str("yes"));
    out = gf_module_check_args(gf_module_find("systemd"), a, &err);
    ASSERT(out != NULL);
    ASSERT(gf_val_map_get(out, "daemon_reload")->u.b == 1);
    ASSERT(gf_val_map_get(out, "masked")->u.b == 0);
    gf_val_unref(out);
    gf_val_unref(a);
    /* apt: a comma-separated name is a list */
    a = gf_val_map();
    gf_val_map_set(a, "pkg", gf_val_str("a,b=1.0"));
    out = gf_module_check_args(gf_module_find("apt"), a, &err);
    ASSERT(out != NULL);
    ASSERT_EQ(gf_val_map_get(out, "name")->u.list.n, 2);
    gf_val_unref(out);
    gf_val_unref(a);
}

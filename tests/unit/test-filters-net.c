/*
 * test-filters-net.c - unit tests for the filters of filters-net.c:
 * ansible.utils' ipaddr, ipwrap, ipv4, ipv6, ipmath, ipsubnet, and core's
 * comment, random and urlsplit. Each case is "{{ (expr) | to_json }}" with
 * the text ansible-core 2.14.18 with ansible.utils (netaddr) printed for it,
 * then the errors.
 */
#include <stdlib.h>
#include <string.h>

#include "../../engine/core/core.h"
#include "../../engine/template/template.h"
#include "harness.h"

/* "{{ (expr) | to_json }}" as a template file (Python escapes), or "ERR msg". */
static char *eval_json(const char *expr)
{
    char *src = gf_xasprintf("{{ (%s) | to_json }}", expr);
    struct gf_tpl_scope scope;
    struct gf_val *vars = gf_val_map();
    struct gf_tpl_opts o = { .flags = GF_TPL_FILE };
    struct gf_error err = GF_ERROR_INIT;
    struct gf_buf out = GF_BUF_INIT;

    gf_tpl_scope_map(&scope, vars, NULL);
    if (gf_tpl_render(src, strlen(src), &scope, &o, &out, &err) < 0) {
        gf_buf_reset(&out);
        gf_buf_addf(&out, "ERR %s", err.msg);
    }
    gf_error_clear(&err);
    gf_val_unref(vars);
    free(src);
    return gf_buf_detach(&out, NULL);
}

struct fcase {
    const char *expr, *want;
};

/* Evaluates every case; returns how many differ (each printed). */
static int run_cases(const struct fcase *c, size_t n)
{
    int bad = 0;

    for (size_t i = 0; i < n; i++) {
        char *got = eval_json(c[i].expr);
        if (strcmp(got, c[i].want) != 0) {
            fprintf(stderr, "    %s\n      got:  %s\n      want: %s\n", c[i].expr, got,
                    c[i].want);
            bad++;
        }
        free(got);
    }
    return bad;
}

static const struct fcase cases[] = {
    { "'10.233.0.0/18' | ansible.utils.ipaddr('net') | ansible.utils.ipaddr(1"
      ") | ansible.utils.ipaddr('address')",
      "\"10.233.0.1\"" },
    { "'10.233.0.0/18' | ansible.utils.ipaddr('net') | ansible.utils.ipaddr(3)",
      "\"10.233.0.3/18\"" },
    { "'10.233.0.0/18' | ansible.utils.ipaddr(-1)",
      "\"10.233.63.255/18\"" },
    { "'10.233.0.0/18' | ansible.utils.ipaddr(99999)",
      "false" },
    { "'192.168.1.5/24' | ansible.utils.ipaddr('net')",
      "null" },
    { "'192.168.1.5/24' | ansible.utils.ipaddr('address')",
      "\"192.168.1.5\"" },
    { "'192.168.1.0/24' | ansible.utils.ipaddr('address')",
      "null" },
    { "'192.168.1.5/24' | ansible.utils.ipaddr('network')",
      "\"192.168.1.0\"" },
    { "'192.168.1.5/24' | ansible.utils.ipaddr('subnet')",
      "\"192.168.1.0/24\"" },
    { "'192.168.1.5/24' | ansible.utils.ipaddr('netmask')",
      "\"255.255.255.0\"" },
    { "'192.168.1.5/24' | ansible.utils.ipaddr('broadcast')",
      "\"192.168.1.255\"" },
    { "'192.168.1.5/24' | ansible.utils.ipaddr('prefix')",
      "24" },
    { "'192.168.1.5/24' | ansible.utils.ipaddr('host')",
      "\"192.168.1.5/24\"" },
    { "'192.168.1.5/24' | ansible.utils.ipaddr('cidr')",
      "\"192.168.1.5/24\"" },
    { "'192.168.1.5/24' | ansible.utils.ipaddr('size')",
      "256" },
    { "'192.168.1.5/255.255.255.0' | ansible.utils.ipaddr",
      "\"192.168.1.5/24\"" },
    { "'192.168.1.5' | ansible.utils.ipaddr",
      "\"192.168.1.5\"" },
    { "'fe80::1%eth0' | ansible.utils.ipaddr",
      "false" },
    { "'2001:db8::1/64' | ansible.utils.ipaddr",
      "\"2001:db8::1/64\"" },
    { "'2001:DB8:0:0::1' | ansible.utils.ipaddr",
      "\"2001:db8::1\"" },
    { "'2001:db8::/64' | ansible.utils.ipaddr('address')",
      "\"2001:db8::\"" },
    { "'2001:db8::/64' | ansible.utils.ipaddr(5)",
      "\"2001:db8::5/64\"" },
    { "'hostname' | ansible.utils.ipaddr",
      "false" },
    { "'' | ansible.utils.ipaddr",
      "false" },
    { "['10.0.0.1', 'x', '::1', '10.1.0.0/16'] | ansible.utils.ipaddr",
      "[\"10.0.0.1\", \"::1\", \"10.1.0.0/16\"]" },
    { "['10.0.0.1', '10.2.0.1', '10.1.3.0/24'] | ansible.utils.ipaddr('10.0.0.0/8')",
      "[\"10.0.0.1\", \"10.2.0.1\", \"10.1.3.0/24\"]" },
    { "['10.0.0.1', '11.2.0.1'] | ansible.utils.ipaddr('10.0.0.0/16') | length",
      "1" },
    { "'10.0.0.1' | ansible.utils.ipaddr('version')",
      "4" },
    { "'::1' | ansible.utils.ipaddr('version')",
      "6" },
    { "'10.0.0.1' | ansible.utils.ipv4",
      "\"10.0.0.1\"" },
    { "'10.0.0.1' | ansible.utils.ipv6",
      "false" },
    { "'::1' | ansible.utils.ipv4",
      "false" },
    { "'10.0.0.1' | ansible.utils.ipaddr('ipv6')",
      "\"::ffff:10.0.0.1/128\"" },
    { "'10.0.0.0/24' | ansible.utils.ipv6('ipv6')",
      "false" },
    { "'::ffff:10.0.0.1' | ansible.utils.ipaddr('ipv4')",
      "\"10.0.0.1/32\"" },
    { "167772161 | ansible.utils.ipaddr",
      "\"10.0.0.1\"" },
    { "'::1' | ansible.utils.ipwrap",
      "\"[::1]\"" },
    { "'2001:db8::/64' | ansible.utils.ipwrap",
      "\"[2001:db8::]/64\"" },
    { "'10.0.0.1' | ansible.utils.ipwrap",
      "\"10.0.0.1\"" },
    { "'example.com' | ansible.utils.ipwrap",
      "\"example.com\"" },
    { "['::1', 'a.b', '1.2.3.4'] | ansible.utils.ipwrap",
      "[\"[::1]\", \"a.b\", \"1.2.3.4\"]" },
    { "'192.168.1.5' | ansible.utils.ipmath(5)",
      "\"192.168.1.10\"" },
    { "'192.168.1.5' | ansible.utils.ipmath(-6)",
      "\"192.168.0.255\"" },
    { "'192.168.1.0/24' | ansible.utils.ipmath(3)",
      "\"192.168.1.3\"" },
    { "'2001:db8::1' | ansible.utils.ipmath(255)",
      "\"2001:db8::100\"" },
    { "'192.168.0.0/16' | ansible.utils.ipsubnet(20)",
      "\"16\"" },
    { "'192.168.0.0/16' | ansible.utils.ipsubnet(20, 0)",
      "\"192.168.0.0/20\"" },
    { "'192.168.0.0/16' | ansible.utils.ipsubnet(20, -1)",
      "\"192.168.240.0/20\"" },
    { "'192.168.0.0/16' | ansible.utils.ipsubnet",
      "\"192.168.0.0/16\"" },
    { "'192.168.144.5' | ansible.utils.ipsubnet(20)",
      "\"192.168.144.0/20\"" },
    { "'a\\nb' | comment",
      "\"#\\n# a\\n# b\\n#\"" },
    { "'a\\n\\nb' | comment('c')",
      "\"//\\n// a\\n//\\n// b\\n//\"" },
    { "'x' | comment('cblock')",
      "\"/*\\n *\\n * x\\n *\\n */\"" },
    { "'x\\ny' | comment('xml')",
      "\"<!--\\n -\\n - x\\n - y\\n -\\n-->\"" },
    { "'x' | comment(decoration='; ', prefix_count=2)",
      "\";\\n;\\n; x\\n;\"" },
    { "'x' | comment('erlang', postfix='end', end='E')",
      "\"%\\n% x\\nend\\nE\"" },
    { "'https://User:pw@Example.COM:6443/a/b?x=1#frag' | urlsplit",
      "{\"fragment\": \"frag\", \"hostname\": \"example.com\", \"netloc\": \""
      "User:pw@Example.COM:6443\", \"password\": \"pw\", \"path\": \"/a/b\", "
      "\"port\": 6443, \"query\": \"x=1\", \"scheme\": \"https\", \"username\""
      ": \"User\"}" },
    { "'https://[::1]:8080/x' | urlsplit('hostname')",
      "\"::1\"" },
    { "'https://[::1]:8080/x' | urlsplit('port')",
      "8080" },
    { "'http://h/p' | urlsplit('port')",
      "null" },
    { "'noscheme/path' | urlsplit",
      "{\"fragment\": \"\", \"hostname\": null, \"netloc\": \"\", \"password\""
      ": null, \"path\": \"noscheme/path\", \"port\": null, \"query\": \"\", "
      "\"scheme\": \"\", \"username\": null}" },
    { "[5] | random",
      "5" },
    { "1 | random",
      "0" },
    { "5 | random(4)",
      "4" },
    { "'a' | random",
      "\"a\"" },
};

TEST(filters_net_as_ansible)
{
    ASSERT_EQ(run_cases(cases, GF_ARRAY_LEN(cases)), 0);
}

/* ansible.utils' IP tests; the answers ansible-core 2.14.18 gave */
TEST(ip_tests_as_ansible)
{
    static const struct fcase c[] = {
        { "['10.1.1.1' is ansible.utils.ipv4, '10.1.1.0/24' is ansible.utils.ipv4, 'fe80::1' is "
          "ansible.utils.ipv4, 'fe80::1' is ansible.utils.ipv6, 'x' is ansible.utils.ip]",
          "[true, true, false, true, false]" },
        { "['10.1.1.0/24' is ansible.utils.ipv4_address, '10.1.1.1' is ansible.utils.ip_address, "
          "'10.1.1.1/32' is ansible.utils.ipv4_address, '300.1.1.1' is ansible.utils.ipv4]",
          "[false, true, false, false]" },
        { "['10.1.1.5' is ansible.utils.in_network('10.1.1.0/24'), '10.1.2.5' is "
          "ansible.utils.in_network('10.1.1.0/24'), '10.1.1.0/25' is "
          "ansible.utils.in_network('10.1.1.0/24')]",
          "[true, false, true]" },
    };

    ASSERT_EQ(run_cases(c, GF_ARRAY_LEN(c)), 0);
}

TEST(filters_net_errors)
{
    static const struct fcase errs[] = {
        { "'10.0.0.1' | ansible.utils.ipaddr('revdns')",
          "ERR ipaddr: the query 'revdns' is not supported" },
        { "'x' | ipmath(1)", "ERR You must pass a valid IP address; x is invalid" },
        { "'10.0.0.1' | ipmath('a')",
          "ERR You must pass an integer for arithmetic; a is not a valid integer" },
        { "'255.255.255.255' | ipmath(1)",
          "ERR result outside valid IP address boundary" },
        { "'10.0.0.0/8' | ipsubnet('x')",
          "ERR ipsubnet: a query other than a prefix length is not supported" },
        { "'x' | comment('nope')", "ERR comment: unknown style 'nope'" },
        { "[1] | random(seed=3)",
          "ERR random: a seed is not supported (Python's generator cannot be reproduced)" },
        { "[] | random", "ERR Cannot choose from an empty sequence" },
        { "{} | random", "ERR random can only be used on sequences and integers" },
        { "'http://h:99999/' | urlsplit", "ERR Port out of range 0-65535" },
        { "'http://h/' | urlsplit('nope')", "ERR urlsplit: unknown URL component: nope" },
    };
    ASSERT_EQ(run_cases(errs, GF_ARRAY_LEN(errs)), 0);
}

TEST(filters_net_random_ranges)
{
    for (int i = 0; i < 200; i++) {
        char *got = eval_json("10 | random(start=4, step=3)");
        long v = strtol(got, NULL, 10);
        ASSERT(v == 4 || v == 7);
        free(got);
        got = eval_json("['a', 'b'] | random");
        ASSERT(!strcmp(got, "\"a\"") || !strcmp(got, "\"b\""));
        free(got);
    }
}

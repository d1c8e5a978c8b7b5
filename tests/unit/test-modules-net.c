/* test-modules-net.c - unit tests for what the download and facts modules
 * compute on the controller: URLs, HTTP heads, chunked bodies, a real
 * exchange with a server on loopback (redirect, chunked answer, basic
 * authentication after a 401), checksum files, and the parsers of
 * service_facts and package_facts. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../engine/modules/http.h"
#include "../../engine/modules/netmod.h"
#include "../../engine/modules/urlfetch.h"
#include "harness.h"

static const char *val_str(const struct gf_val *m, const char *key)
{
    const struct gf_val *v = gf_val_map_get(m, key);

    return v && v->type == GF_VAL_STR ? v->u.str.s : NULL;
}

TEST(http_url_split)
{
    struct gf_http_url u;
    const char *why = NULL;

    ASSERT_EQ(gf_http_parse_url("https://user:pw@Example.org:8443/a/b?c=1#frag", &u, &why), 0);
    ASSERT_STREQ(u.scheme, "https");
    ASSERT_STREQ(u.host, "Example.org");
    ASSERT_STREQ(u.port, "8443");
    ASSERT_STREQ(u.path, "/a/b?c=1");
    ASSERT_STREQ(u.userinfo, "user:pw");
    gf_http_url_release(&u);
    ASSERT_EQ(gf_http_parse_url("http://[::1]/", &u, &why), 0);
    ASSERT_STREQ(u.host, "::1");
    ASSERT_STREQ(u.port, "80");
    gf_http_url_release(&u);
    ASSERT_EQ(gf_http_parse_url("http://h?q", &u, &why), 0);
    ASSERT_STREQ(u.path, "/?q");
    gf_http_url_release(&u);
    ASSERT_EQ(gf_http_parse_url("ftp://h/x", &u, &why), -1);
    ASSERT_EQ(gf_http_parse_url("http://h:8x/", &u, &why), -1);
    ASSERT_STREQ(why, "the port is not a number");
    ASSERT_EQ(gf_http_parse_url("no scheme", &u, &why), -1);
}

TEST(http_resolve_location)
{
    char *s;

    s = gf_http_resolve("http://h:1/a/b?x", "c");
    ASSERT_STREQ(s, "http://h:1/a/c");
    free(s);
    s = gf_http_resolve("http://h:1/a/b", "/z");
    ASSERT_STREQ(s, "http://h:1/z");
    free(s);
    s = gf_http_resolve("http://h", "z");
    ASSERT_STREQ(s, "http://h/z");
    free(s);
    s = gf_http_resolve("https://h/a", "//o/p");
    ASSERT_STREQ(s, "https://o/p");
    free(s);
    s = gf_http_resolve("https://h/a", "http://x/y");
    ASSERT_STREQ(s, "http://x/y");
    free(s);
}

TEST(http_head_and_chunks)
{
    const char *head = "HTTP/1.1 404 File not found\r\nContent-Type: text/plain\r\n"
                       "Set-Cookie: a=1\r\nset-cookie: b=2\r\n\r\n";
    struct gf_val *h = NULL;
    char *reason = NULL;
    int st = 0;

    ASSERT_EQ(gf_http_parse_head(head, strlen(head), &st, &reason, &h), 0);
    ASSERT_EQ(st, 404);
    ASSERT_STREQ(reason, "File not found");
    ASSERT_STREQ(val_str(h, "content-type"), "text/plain");
    ASSERT_STREQ(val_str(h, "set-cookie"), "a=1, b=2");
    free(reason);
    gf_val_unref(h);
    ASSERT_EQ(gf_http_parse_head("SSH-2.0-x\r\n\r\n", 13, &st, &reason, &h), -1);

    struct gf_buf b = GF_BUF_INIT;
    gf_buf_adds(&b, "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n");
    ASSERT_EQ(gf_http_dechunk(&b), 0);
    ASSERT_EQ(b.len, 12);
    ASSERT(memcmp(b.buf, "hello, world", 12) == 0);
    gf_buf_reset(&b);
    gf_buf_adds(&b, "5\r\nhel");
    ASSERT_EQ(gf_http_dechunk(&b), -1);
    gf_buf_release(&b);

    char d[40];
    gf_http_date(0, d, sizeof(d));
    ASSERT_STREQ(d, "Thu, 01 Jan 1970 00:00:00 GMT");
}

/* A server on loopback answering n connections: /old redirects to /new,
 * /new answers chunked after a 401 for requests without the credentials. */
static int serve(int n, int *port)
{
    struct sockaddr_in a = { .sin_family = AF_INET };
    socklen_t al = sizeof(a);
    int ls = socket(AF_INET, SOCK_STREAM, 0);

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(ls, 4) < 0 ||
        getsockname(ls, (struct sockaddr *)&a, &al) < 0)
        return -1;
    *port = ntohs(a.sin_port);
    pid_t pid = fork();
    if (pid != 0) {
        close(ls);
        return pid;
    }
    for (int i = 0; i < n; i++) {
        int c = accept(ls, NULL, NULL);
        char req[4096];
        ssize_t got = 0, r;
        while (got < (ssize_t)sizeof(req) - 1 &&
               (r = read(c, req + got, sizeof(req) - 1 - (size_t)got)) > 0) {
            got += r;
            req[got] = '\0';
            if (strstr(req, "\r\n\r\n"))
                break;
        }
        req[got > 0 ? got : 0] = '\0';
        const char *ans;
        if (strncmp(req, "GET /old ", 9) == 0)
            ans = "HTTP/1.1 302 Found\r\nLocation: /new\r\nContent-Length: 0\r\n\r\n";
        else if (!strstr(req, "Authorization: Basic dTpwQHNz\r\n")) /* u:p@ss */
            ans = "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=x\r\n"
                  "Content-Length: 3\r\n\r\nno\n";
        else if (!strstr(req, "X-Test: yes\r\n"))
            ans = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
        else
            ans = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                  "Content-Disposition: attachment; filename=\"f.txt\"\r\n\r\n"
                  "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        (void)!write(c, ans, strlen(ans));
        close(c);
    }
    _exit(0);
}

TEST(http_exchange_on_loopback)
{
    int port = 0, pid = serve(3, &port), status;
    char url[64];
    struct gf_val *h = gf_val_map();
    struct gf_http_resp resp;

    ASSERT(pid > 0);
    gf_val_map_set(h, "X-Test", gf_val_str("yes"));
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/old", port);
    struct gf_http_req q = { .url = url, .headers = h, .user = "u", .password = "p@ss",
                             .timeout = 5, .validate_certs = 1,
                             .redirects = GF_HTTP_REDIR_SAFE };
    ASSERT_EQ(gf_http_request(&q, &resp), 0);
    ASSERT_EQ(resp.status, 200);
    ASSERT_EQ(resp.body.len, 5);
    ASSERT(memcmp(resp.body.buf, "abcde", 5) == 0);
    ASSERT(strstr(resp.url, "/new") != NULL);
    ASSERT_STREQ(val_str(resp.headers, "content-disposition"), "attachment; filename=\"f.txt\"");
    gf_http_resp_release(&resp);
    waitpid(pid, &status, 0);
    ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* nothing listens there any more */
    ASSERT_EQ(gf_http_request(&q, &resp), -1);
    ASSERT(resp.msg && strstr(resp.msg, "cannot connect"));
    gf_http_resp_release(&resp);
    gf_val_unref(h); /* q.headers until here */
}

TEST(urlfetch_checksum_files)
{
    char *s;

    s = gf_urlfetch_find_sum("abc123  ./x/file.tgz\nfff *file.tgz\n", "http://h/d/file.tgz");
    ASSERT_STREQ(s, "fff");
    free(s);
    s = gf_urlfetch_find_sum("deadbeef\n", "http://h/d/file.tgz");
    ASSERT_STREQ(s, "deadbeef");
    free(s);
    s = gf_urlfetch_find_sum("aa  other\nbb  ./file.tgz\n", "http://h/file.tgz?x=1");
    ASSERT_STREQ(s, "bb");
    free(s);
    ASSERT(gf_urlfetch_find_sum("aa  other\n", "http://h/file.tgz") == NULL);
    s = gf_urlfetch_filename("http://h/");
    ASSERT_STREQ(s, "index.html");
    free(s);
    s = gf_urlfetch_filename("https://h:1/a/b.bin?x#y");
    ASSERT_STREQ(s, "b.bin");
    free(s);
    char hex[] = "SHA-Like: AB:cd 12";
    gf_urlfetch_clean_hex(hex);
    ASSERT_STREQ(hex, "shalikeabcd12");
    ASSERT(gf_urlfetch_is_url("FILE:///x") && gf_urlfetch_is_url("https://x"));
    char *ui = NULL;
    s = gf_urlfetch_public_url("https://us:p@ss@h:8/a@b?c", &ui);
    ASSERT_STREQ(s, "https://h:8/a@b?c");
    ASSERT_STREQ(ui, "us:p@ss");
    free(s);
    free(ui);
    s = gf_urlfetch_public_url("http://h/x@y", &ui);
    ASSERT_STREQ(s, "http://h/x@y");
    ASSERT(ui == NULL);
    free(s);
    ASSERT(!gf_urlfetch_is_url("abcdef"));
}

TEST(service_facts_parse_as_ansible)
{
    const char *sysv = " [ + ]  ssh\n [ - ]  procps\n junk\n";
    const char *units =
        "  UNIT            LOAD      ACTIVE   SUB     DESCRIPTION\n"
        "  ssh.service     loaded    active   running OpenBSD Secure Shell server\n"
        "● auditd.service  not-found inactive dead    auditd.service\n"
        "  cron.service    loaded    inactive dead    Regular background program\n"
        "\nLOAD   = Reflects whether the unit definition was properly loaded.\n";
    const char *files = "UNIT FILE           STATE    VENDOR PRESET\n"
                        "ssh.service         enabled  enabled\n"
                        "auditd.service      masked   enabled\n"
                        "getty@.service      enabled  enabled\n"
                        "\n3 unit files listed.\n";
    struct gf_val *s = gf_val_map();
    struct gf_vec need = GF_VEC_INIT;
    char *bad = NULL;

    ASSERT_EQ(gf_service_facts_parse(sysv, units, files, s, &need, &bad), 0);
    ASSERT_STREQ(val_str(gf_val_map_get(s, "ssh"), "state"), "running");
    ASSERT_STREQ(val_str(gf_val_map_get(s, "ssh"), "source"), "sysv");
    ASSERT_STREQ(val_str(gf_val_map_get(s, "procps"), "state"), "stopped");
    ASSERT_STREQ(val_str(gf_val_map_get(s, "ssh.service"), "state"), "running");
    ASSERT_STREQ(val_str(gf_val_map_get(s, "ssh.service"), "status"), "enabled");
    ASSERT_STREQ(val_str(gf_val_map_get(s, "auditd.service"), "status"), "not-found");
    ASSERT_STREQ(val_str(gf_val_map_get(s, "auditd.service"), "state"), "stopped");
    ASSERT_STREQ(val_str(gf_val_map_get(s, "cron.service"), "status"), "inactive");
    ASSERT_EQ(need.n, 1);
    ASSERT_STREQ((char *)need.v[0], "getty@.service");
    gf_service_facts_set_state(s, "getty@.service", "inactive");
    ASSERT_STREQ(val_str(gf_val_map_get(s, "getty@.service"), "state"), "inactive");
    ASSERT_EQ(s->u.map.n, 6);
    gf_vec_release(&need, free);
    ASSERT_EQ(gf_service_facts_parse(NULL, NULL, "x.service\n", s, &need, &bad), -1);
    ASSERT_STREQ(bad, "x.service");
    free(bad);
    gf_val_unref(s);
}

TEST(package_facts_parse_installed_only)
{
    const char *text = "bash\t5.2-2\tamd64\tshells\tinstalled\t\n"
                       "gone\t1\tamd64\tx\tconfig-files\t\n"
                       "libc6\t2.36\ti386\tlibs\tinstalled\t\n"
                       "tzdata\t2024a\tall\tlocalization\tinstalled\tDebian\n"
                       "short\tline\n";
    struct gf_val *p = gf_val_map();

    gf_package_facts_parse(text, "amd64", p);
    ASSERT_EQ(p->u.map.n, 3);
    const struct gf_val *b = gf_val_map_get(p, "bash");
    ASSERT(b && b->type == GF_VAL_LIST && b->u.list.n == 1);
    ASSERT_STREQ(val_str(b->u.list.v[0], "version"), "5.2-2");
    ASSERT_STREQ(val_str(b->u.list.v[0], "category"), "shells");
    ASSERT_STREQ(val_str(b->u.list.v[0], "source"), "apt");
    ASSERT(gf_val_map_get(p, "libc6:i386") != NULL);
    ASSERT_STREQ(val_str(gf_val_map_get(p, "tzdata")->u.list.v[0], "origin"), "Debian");
    ASSERT(gf_val_map_get(p, "gone") == NULL);
    gf_val_unref(p);
}

/* The rule's words joined, as the result's "rule". */
static char *rule_of(const char *yaml)
{
    struct gf_val *args = NULL;
    struct gf_error err = { 0 };
    struct gf_vec w = GF_VEC_INIT;
    struct gf_buf b = GF_BUF_INIT;

    if (gf_yaml_load(yaml, strlen(yaml), "t.yml", &args, &err) < 0)
        return NULL;
    gf_iptables_rule(args, &w);
    for (size_t i = 0; i < w.n; i++)
        gf_buf_addf(&b, "%s%s", i ? " " : "", (char *)w.v[i]);
    gf_vec_release(&w, free);
    gf_val_unref(args);
    return b.buf ? gf_buf_detach(&b, NULL) : gf_xstrdup("");
}

TEST(iptables_rule_words_in_ansible_order)
{
    char *s;

    s = rule_of("{protocol: tcp, destination_port: '22', ctstate: [NEW, ESTABLISHED], "
                "jump: ACCEPT, comment: ssh from anywhere}");
    ASSERT_STREQ(s, "-p tcp -j ACCEPT --destination-port 22 -m conntrack --ctstate "
                    "NEW,ESTABLISHED -m comment --comment ssh from anywhere");
    free(s);
    s = rule_of("{protocol: tcp, source: '!10.0.0.1', syn: negate, reject_with: tcp-reset}");
    ASSERT_STREQ(s, "-p tcp ! -s 10.0.0.1 ! --syn -j REJECT --reject-with tcp-reset");
    free(s);
    s = rule_of("{match: [state], ctstate: [RELATED], destination_ports: ['80', '443'], "
                "limit: 5/s, uid_owner: '0', ip_version: ipv6, icmp_type: '128'}");
    ASSERT_STREQ(s, "-m state -m multiport --dports 80,443 --state RELATED -m limit --limit 5/s "
                    "-m owner --uid-owner 0 --icmpv6-type 128");
    free(s);
    s = rule_of("{tcp_flags: {flags: [ALL], flags_set: [ACK, SYN]}, src_range: 10.0.0.1-10.0.0.9}");
    ASSERT_STREQ(s, "--tcp-flags ALL ACK,SYN -m iprange --src-range 10.0.0.1-10.0.0.9");
    free(s);
    s = rule_of("{}");
    ASSERT_STREQ(s, "");
    free(s);
}

static char *dumped(const char *line)
{
    struct gf_aptsrc e;
    struct gf_buf b = GF_BUF_INIT;

    gf_aptsrc_parse(line, &e);
    gf_aptsrc_dump(&e, &b);
    gf_aptsrc_release(&e);
    return gf_buf_detach(&b, NULL);
}

TEST(apt_sources_lines_as_ansible_reads_them)
{
    struct gf_aptsrc e;
    char *s;

    gf_aptsrc_parse("  deb  [arch=amd64]   http://x/debian  bookworm main  # the mirror ", &e);
    ASSERT(e.valid && e.enabled);
    ASSERT_STREQ(e.source, "deb [arch=amd64] http://x/debian bookworm main");
    ASSERT_STREQ(e.comment, "the mirror");
    gf_aptsrc_release(&e);
    gf_aptsrc_parse("#deb-src http://x y", &e);
    ASSERT(e.valid && !e.enabled);
    ASSERT_STREQ(e.source, "deb-src http://x y");
    gf_aptsrc_release(&e);
    gf_aptsrc_parse("debx http://x y", &e);
    ASSERT(!e.valid && e.enabled);
    gf_aptsrc_release(&e);
    s = dumped("#   just   text");
    ASSERT_STREQ(s, "# just   text\n");
    free(s);
    s = dumped("");
    ASSERT_STREQ(s, "\n");
    free(s);
    s = dumped("deb http://x y z #c");
    ASSERT_STREQ(s, "deb http://x y z # c\n");
    free(s);
}

TEST(apt_sources_file_names_as_ansible_suggests)
{
    char *s;

    s = gf_aptsrc_filename("deb [trusted=yes] http://user:pw@mirror.example.org:8080/debian "
                           "bookworm main", NULL);
    ASSERT_STREQ(s, "mirror_example_org_8080_debian.list");
    free(s);
    s = gf_aptsrc_filename("deb https://download.docker.com/linux/debian bookworm stable", NULL);
    ASSERT_STREQ(s, "download_docker_com_linux_debian.list");
    free(s);
    s = gf_aptsrc_filename("deb http://x/ y", "docker");
    ASSERT_STREQ(s, "docker.list");
    free(s);
}

TEST(deb822_file_as_ansible_writes_it)
{
    const char *yaml = "{name: Docker CE_stable, uris: 'https://download.docker.com/linux/debian', "
                       "suites: bookworm, components: [stable], trusted: false, "
                       "date_max_future: 10, mode: '0644', state: present, "
                       "install_python_debian: true}";
    struct gf_val *args = NULL;
    struct gf_error err = { 0 };
    struct gf_buf b = GF_BUF_INIT;
    char *s;

    s = gf_deb822_slug("Docker CE_stable  x/y");
    ASSERT_STREQ(s, "docker-ce-stable-xy");
    free(s);
    ASSERT_EQ(gf_yaml_load(yaml, strlen(yaml), "t.yml", &args, &err), 0);
    gf_deb822_render(args, "/etc/apt/keyrings/docker.asc", &b);
    ASSERT_STREQ(b.buf, "Components: stable\n"
                        "Date-Max-Future: 10\n"
                        "X-Repolib-Name: Docker CE_stable\n"
                        "Signed-By: /etc/apt/keyrings/docker.asc\n"
                        "Suites: bookworm\n"
                        "Trusted: no\n"
                        "Types: deb\n"
                        "URIs: https://download.docker.com/linux/debian\n");
    gf_buf_reset(&b);
    gf_deb822_render(args, "-----BEGIN X-----\n\n  abc  \n-----END X-----\n", &b);
    ASSERT(strstr(b.buf, "Signed-By:\n    -----BEGIN X-----\n    .\n    abc\n    -----END X-----\n"));
    gf_buf_release(&b);
    gf_val_unref(args);
}

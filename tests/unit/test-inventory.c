/* test-inventory.c - the inventory corpus (tests/data/inventory: outputs
 * recorded from ansible-inventory, errors with file:line:col), host
 * patterns, INI value typing, the CLI command, and a 5,000-host inventory. */
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../engine/cli/cli.h" /* exit codes */
#include "../../engine/inventory/inv-private.h"
#include "harness.h"

static char *data_path(const char *fmt, ...) GF_PRINTF(1, 2);
static char *data_path(const char *fmt, ...)
{
    struct gf_buf b = GF_BUF_INIT;
    va_list ap;

    gf_buf_addf(&b, "%s/inventory/", gf_test_data());
    va_start(ap, fmt);
    gf_buf_vaddf(&b, fmt, ap);
    va_end(ap);
    return gf_buf_detach(&b, NULL);
}

/* Returns the file's contents or NULL when it does not exist. */
static char *slurp(const char *path)
{
    struct gf_buf b = GF_BUF_INIT;

    if (!gf_is_file(path) || gf_read_file(path, &b, 0, NULL) < 0) {
        gf_buf_release(&b);
        return NULL;
    }
    return gf_buf_detach(&b, NULL);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Case names in dir: files and directories starting with a digit, without
 * the expected-output files. Sorted; caller frees. */
static void case_names(const char *dir, struct gf_vec *out)
{
    static const char *const skip[] = { ".list", ".graph", ".patterns", ".patterns.out", ".err" };
    DIR *d = opendir(dir);
    struct dirent *e;

    ASSERT(d != NULL);
    while ((e = readdir(d)) != NULL) {
        int ok = e->d_name[0] >= '0' && e->d_name[0] <= '9';
        for (size_t i = 0; i < GF_ARRAY_LEN(skip); i++)
            ok &= !gf_endswith(e->d_name, skip[i]);
        if (ok)
            gf_vec_push(out, gf_xstrdup(e->d_name));
    }
    closedir(d);
    qsort(out->v, out->n, sizeof(out->v[0]), cmp_names);
}

/* Loads a case: one file, or a directory with an `args` file. Sets
 * *playbook when --playbook-dir is given. Returns 0 or the load error. */
static int load_case(struct gf_inventory *inv, const char *base, const char *name,
                     struct gf_error *err)
{
    char *path = gf_xasprintf("%s/%s", base, name);
    int rc = 0;

    if (!gf_is_dir(path)) {
        rc = gf_inventory_load(inv, path, err);
        free(path);
        return rc;
    }
    char *argsf = gf_xasprintf("%s/args", path), *args = slurp(argsf), *save = NULL;
    ASSERT(args != NULL);
    const char *prev = "";
    for (char *w = strtok_r(args, " \t\n", &save); w && rc == 0;
         w = strtok_r(NULL, " \t\n", &save)) {
        if (strcmp(prev, "-i") == 0 || strcmp(prev, "--playbook-dir") == 0) {
            char *src = strchr(w, ',') ? gf_xstrdup(w) : gf_xasprintf("%s/%s", path, w);
            if (strcmp(prev, "-i") == 0) {
                rc = gf_inventory_load(inv, src, err);
            } else {
                rc = gf_inventory_load_var_dir(inv, src, err);
                inv->play_vars_in_groups = 1;
            }
            free(src);
        }
        prev = w;
    }
    free(args);
    free(argsf);
    free(path);
    return rc;
}

static void report(struct gf_buf *fails, const char *name, const char *what, const char *got,
                   const char *want)
{
    gf_buf_addf(fails, "    %s: %s differs\n", name, what);
    for (size_t i = 0; got[i] || want[i]; i++)
        if (got[i] != want[i]) {
            size_t from = i > 60 ? i - 60 : 0;
            gf_buf_addf(fails, "      at byte %zu:\n      got:  ...%.120s\n      want: ...%.120s\n",
                        i, got + from, want + from);
            break;
        }
}

/* "pattern<TAB>h1 h2" lines, as the oracle writes them. */
static void check_patterns(struct gf_inventory *inv, const char *name, const char *expected,
                           struct gf_buf *fails)
{
    char *copy = gf_xstrdup(expected), *save = NULL;

    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *tab = strchr(line, '\t');
        struct gf_vec hosts = GF_VEC_INIT;
        struct gf_error err = GF_ERROR_INIT;
        struct gf_buf got = GF_BUF_INIT;
        ASSERT(tab != NULL);
        *tab = '\0';
        if (gf_inventory_match(inv, line, &hosts, &err) < 0)
            gf_buf_adds(&got, "!error");
        for (size_t i = 0; i < hosts.n; i++)
            gf_buf_addf(&got, "%s%s", i ? " " : "", ((struct gf_host *)hosts.v[i])->name);
        if (strcmp(got.buf, tab + 1) != 0)
            gf_buf_addf(fails, "    %s: pattern '%s': got '%s', want '%s'\n", name, line, got.buf,
                        tab + 1);
        gf_buf_release(&got);
        gf_error_clear(&err);
        gf_vec_release(&hosts, NULL);
    }
    free(copy);
}

TEST(inventory_corpus_matches_ansible)
{
    char *base = data_path("%s", "");
    struct gf_vec names = GF_VEC_INIT;
    struct gf_buf fails = GF_BUF_INIT;
    size_t checked = 0;

    base[strlen(base) - 1] = '\0';
    case_names(base, &names);
    ASSERT(names.n >= 30);
    for (size_t i = 0; i < names.n; i++) {
        const char *name = names.v[i];
        struct gf_inventory *inv = gf_inventory_new();
        struct gf_error err = GF_ERROR_INIT;
        char *cp = data_path("%s", name);
        int dir = gf_is_dir(cp);
        char *lp = dir ? data_path("%s/expected.list", name) : data_path("%s.list", name);
        char *gp = dir ? data_path("%s/expected.graph", name) : data_path("%s.graph", name);
        char *pp = dir ? data_path("%s/patterns.out", name) : data_path("%s.patterns.out", name);
        char *want_list = slurp(lp), *want_graph = slurp(gp), *want_pat = slurp(pp);
        if (load_case(inv, base, name, &err) < 0) {
            struct gf_buf e = GF_BUF_INIT;
            gf_error_format(&err, &e);
            gf_buf_addf(&fails, "    %s: load failed: %s\n", name, e.buf);
            gf_buf_release(&e);
        } else {
            struct gf_buf got = GF_BUF_INIT;
            if (want_list == NULL)
                gf_buf_addf(&fails, "    %s: no expected --list output\n", name);
            gf_inventory_list_json(inv, &got);
            if (want_list && strcmp(got.buf, want_list) != 0)
                report(&fails, name, "--list", got.buf, want_list);
            gf_buf_reset(&got);
            if (want_graph) {
                ASSERT(gf_inventory_graph(inv, NULL, 1, &got, &err) == 0);
                if (strcmp(got.buf, want_graph) != 0)
                    report(&fails, name, "--graph --vars", got.buf, want_graph);
            }
            if (want_pat)
                check_patterns(inv, name, want_pat, &fails);
            gf_buf_release(&got);
            checked++;
        }
        gf_error_clear(&err);
        gf_inventory_free(inv);
        free(cp);
        free(lp);
        free(gp);
        free(pp);
        free(want_list);
        free(want_graph);
        free(want_pat);
    }
    gf_vec_release(&names, free);
    free(base);
    if (fails.len)
        FAILF("%zu cases checked; failures:\n%s", checked, fails.buf);
    gf_buf_release(&fails);
}

TEST(inventory_bad_inputs_report_file_line_col)
{
    char *base = data_path("bad");
    struct gf_vec names = GF_VEC_INIT;
    struct gf_buf fails = GF_BUF_INIT;

    case_names(base, &names);
    ASSERT(names.n >= 30);
    for (size_t i = 0; i < names.n; i++) {
        const char *name = names.v[i];
        struct gf_inventory *inv = gf_inventory_new();
        struct gf_error err = GF_ERROR_INIT;
        struct gf_buf got = GF_BUF_INIT;
        const char *dot = strchr(name, '.');
        char *ep = data_path("bad/%.*s.err", dot ? (int)(dot - name) : (int)strlen(name), name);
        char *want = slurp(ep);
        if (want == NULL) {
            gf_buf_addf(&fails, "    %s: no .err file\n", name);
        } else if (load_case(inv, base, name, &err) == 0) {
            gf_buf_addf(&fails, "    %s: loaded without an error\n", name);
        } else {
            want[strcspn(want, "\n")] = '\0';
            gf_error_format(&err, &got);
            const char *rel = got.buf;
            if (gf_startswith(rel, base) && rel[strlen(base)] == '/')
                rel += strlen(base) + 1;
            if (strcmp(rel, want) != 0)
                gf_buf_addf(&fails, "    %s:\n      got:  %s\n      want: %s\n", name, rel,
                            want);
            if (err.file && (err.line <= 0 || err.col <= 0) && !gf_is_dir(err.file) &&
                gf_is_file(err.file))
                gf_buf_addf(&fails, "    %s: no line:col in %s\n", name, rel);
        }
        gf_buf_release(&got);
        gf_error_clear(&err);
        gf_inventory_free(inv);
        free(want);
        free(ep);
    }
    gf_vec_release(&names, free);
    free(base);
    if (fails.len)
        FAILF("failures:\n%s", fails.buf);
    gf_buf_release(&fails);
}

/* ---- INI values ---- */

static char *pylit_json(const char *s)
{
    struct gf_val *v = NULL;
    char *msg = NULL;
    struct gf_buf b = GF_BUF_INIT;
    int rc = inv_pylit(s, &v, &msg);

    if (rc < 0)
        gf_buf_addf(&b, "error: %s", msg);
    else if (rc == 0)
        gf_buf_adds(&b, "text");
    else
        gf_json_dump(v, -1, GF_JSON_SORT, &b);
    gf_val_unref(v);
    free(msg);
    return gf_buf_detach(&b, NULL);
}

TEST(inventory_ini_values_follow_literal_eval)
{
    static const struct { const char *in, *want; } cases[] = {
        { "true", "text" }, { "True", "true" }, { "None", "null" }, { "42", "42" },
        { "-7", "-7" }, { "+3", "3" }, { "0x1F", "31" }, { "0o17", "15" }, { "0b101", "5" },
        { "010", "text" }, { "00", "0" }, { "1_000", "1000" }, { "1__0", "text" },
        { "1.5", "1.5" }, { ".5", "0.5" }, { "5.", "5.0" }, { "1e3", "1000.0" },
        { "-0.0", "-0.0" }, { "1e400", "Infinity" }, { "[1, 'a', None]", "[1, \"a\", null]" },
        { "(1,)", "[1]" }, { "1, 2", "[1, 2]" }, { "()", "[]" }, { "{}", "{}" },
        { "{'a': 1, 'a': 2}", "{\"a\": 2}" }, { "{1: 'x', True: 'y'}", "{\"1\": \"y\"}" },
        { "'a' 'b'", "\"ab\"" }, { "r'\\d'", "\"\\\\d\"" }, { "'\\x41\\u00e9'", "\"A\xc3\xa9\"" },
        { "b'ok'", "\"ok\"" }, { "'a' b'b'", "text" }, { "f'x'", "text" }, { "'''t'''", "\"t\"" },
        { " 1 # comment", "1" }, { "-(1)", "-1" }, { "--1", "text" }, { "-True", "text" },
        { "1 + 1", "text" }, { "abc", "text" }, { "a.b", "text" }, { "[1][0]", "text" },
        { "1if 1 else 2", "text" }, { "'unterminated", "text" }, { "'\\N{BULLET}'", "text" },
        { "99999999999999999999", "\"99999999999999999999\"" }, { "", "text" },
        { "{1, 2}", "error: a Python set cannot be an inventory value" },
        { "set()", "error: a Python set cannot be an inventory value" },
        { "1+2j", "error: a complex number cannot be an inventory value" },
        { "{[1]: 2}", "error: unhashable dict key (a list)" },
        { "...", "error: Ellipsis (...) cannot be an inventory value" },
    };
    for (size_t i = 0; i < GF_ARRAY_LEN(cases); i++) {
        char *got = pylit_json(cases[i].in);
        if (strcmp(got, cases[i].want) != 0)
            FAILF("literal %s: got %s, want %s", cases[i].in, got, cases[i].want);
        free(got);
    }
}

TEST(inventory_host_ranges)
{
    static const struct { const char *in, *want; } cases[] = {
        { "n[1:3]", "n1 n2 n3" }, { "n[01:03]", "n01 n02 n03" }, { "n[1:10:4]", "n1 n5 n9" },
        { "[a:c]x", "ax bx cx" }, { "n[y:B]", "ny nz nA nB" }, { "a[1:2]b[x:y]",
          "a1bx a1by a2bx a2by" }, { "n[:2]", "n0 n1 n2" }, { "n[-1:1]", "n-1 n0 n1" },
        { "plain", "plain" }, { "h:22", "h" }, { "n[1:2]:22", "n1 n2" },
    };
    for (size_t i = 0; i < GF_ARRAY_LEN(cases); i++) {
        struct gf_vec names = GF_VEC_INIT;
        struct gf_buf got = GF_BUF_INIT;
        long long port;
        char *msg = NULL;
        ASSERT_EQ(inv_expand_hosts(cases[i].in, &names, &port, &msg), 0);
        for (size_t k = 0; k < names.n; k++)
            gf_buf_addf(&got, "%s%s", k ? " " : "", (char *)names.v[k]);
        ASSERT_STREQ(got.buf, cases[i].want);
        gf_buf_release(&got);
        gf_vec_release(&names, free);
    }
}

/* ---- patterns on a small inventory ---- */

static struct gf_inventory *load_text(const char *name, const char *text)
{
    char dir[] = "/tmp/gf-inv-XXXXXX";
    struct gf_error err = GF_ERROR_INIT;
    struct gf_inventory *inv = gf_inventory_new();

    ASSERT(mkdtemp(dir) != NULL);
    char *path = gf_xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ASSERT(f != NULL);
    fputs(text, f);
    fclose(f);
    if (gf_inventory_load(inv, path, &err) < 0)
        FAILF("load: %s", err.msg);
    unlink(path);
    rmdir(dir);
    free(path);
    return inv;
}

static char *match_names(const struct gf_inventory *inv, const char *pattern)
{
    struct gf_vec hosts = GF_VEC_INIT;
    struct gf_error err = GF_ERROR_INIT;
    struct gf_buf b = GF_BUF_INIT;

    if (gf_inventory_match(inv, pattern, &hosts, &err) < 0)
        gf_buf_addf(&b, "error: %s", err.msg);
    for (size_t i = 0; i < hosts.n; i++)
        gf_buf_addf(&b, "%s%s", i ? " " : "", ((struct gf_host *)hosts.v[i])->name);
    gf_error_clear(&err);
    gf_vec_release(&hosts, NULL);
    return gf_buf_detach(&b, NULL);
}

TEST(inventory_patterns_follow_inventory_manager)
{
    struct gf_inventory *inv = load_text("hosts", "[a]\nh1\nh2\nh3\n[b]\nh3\nh4\n[c:children]\n"
                                                  "a\n[d]\nx.example.com\n");
    char retry[] = "/tmp/gf-retry-XXXXXX";
    int fd = mkstemp(retry);
    static const struct { const char *pattern, *want; } cases[] = {
        { "all", "h3 h4 x.example.com h1 h2" }, { "a:b", "h1 h2 h3 h4" },
        { "b,a", "h3 h4 h1 h2" }, { "a:&b", "h3" }, { "a:!b", "h1 h2" },
        { "!b", "x.example.com h1 h2" }, { "&a", "h3 h1 h2" }, { "c", "h1 h2 h3" },
        { "h[12]", "" }, { "h[!3]", "h1 h2 h4" }, { "h?", "h1 h2 h3 h4" }, { "~h[34]", "h3 h4" },
        { "~x", "x.example.com" }, { "~example", "" }, { "*.com", "x.example.com" },
        { "a[0]", "h1" }, { "a[-1]", "h3" }, { "a[1:]", "h2 h3" }, { "a[0:1]", "h1 h2" },
        { "a[5:9]", "" }, { "nosuch", "" }, { "a[7]", "error: no hosts matched the "
          "subscripted pattern 'a[7]'" },
        { "~(", "error: invalid host pattern '~(': missing closing parenthesis at offset 1" },
    };

    for (size_t i = 0; i < GF_ARRAY_LEN(cases); i++) {
        char *got = match_names(inv, cases[i].pattern);
        if (strcmp(got, cases[i].want) != 0)
            FAILF("pattern '%s': got '%s', want '%s'", cases[i].pattern, got, cases[i].want);
        free(got);
    }
    ASSERT(fd >= 0);
    ASSERT(write(fd, "h4\n\n  h2  \n", 11) == 11);
    close(fd);
    char *pat = gf_xasprintf("@%s", retry);
    char *got = match_names(inv, pat);
    ASSERT_STREQ(got, "h4 h2");
    free(got);
    free(pat);
    unlink(retry);
    got = match_names(inv, "@/nonexistent/retry");
    ASSERT(gf_startswith(got, "error: cannot read host list file"));
    free(got);
    gf_inventory_free(inv);
}

TEST(inventory_host_vars_magic_and_precedence)
{
    struct gf_inventory *inv = load_text("hosts.ini", "[g]\nweb1.example.com a=host\n"
                                                      "[g:vars]\na=group\nb=group\n"
                                                      "[all:vars]\nb=all\nc=all\n");
    struct gf_host *h = gf_inventory_host(inv, "web1.example.com");
    struct gf_val *v;
    struct gf_buf b = GF_BUF_INIT;

    ASSERT(h != NULL);
    v = gf_inventory_host_vars(inv, h, 1);
    gf_val_unref(gf_map_del(&v->u.map, "inventory_file"));
    gf_val_unref(gf_map_del(&v->u.map, "inventory_dir"));
    gf_json_dump(v, -1, GF_JSON_SORT, &b);
    ASSERT_STREQ(b.buf, "{\"a\": \"host\", \"b\": \"group\", \"c\": \"all\", \"group_names\": "
                        "[\"g\"], \"inventory_hostname\": \"web1.example.com\", "
                        "\"inventory_hostname_short\": \"web1\"}");
    gf_val_unref(v);
    gf_buf_release(&b);
    gf_inventory_free(inv);
}

/* ---- the command ---- */

/* Runs `./gpuforge inventory ARGS...` (NULL-terminated; $GF_GPUFORGE
 * names another binary) with stdout and stderr to files; returns the exit
 * code, the outputs in *out and *errout (caller frees). */
static int run_cmd(char **out, char **errout, ...)
{
    char op[] = "/tmp/gf-out-XXXXXX", ep[] = "/tmp/gf-err-XXXXXX";
    const char *bin = getenv("GF_GPUFORGE") ? getenv("GF_GPUFORGE") : "./gpuforge";
    char *argv[16] = { gf_xstrdup(bin), gf_xstrdup("inventory") };
    int argc = 2, ofd = mkstemp(op), efd = mkstemp(ep), st = 0;
    va_list ap;

    va_start(ap, errout);
    for (const char *a; (a = va_arg(ap, const char *)) != NULL && argc < 15;)
        argv[argc++] = gf_xstrdup(a);
    va_end(ap);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(ofd, 1);
        dup2(efd, 2);
        execv(bin, argv);
        _exit(127);
    }
    waitpid(pid, &st, 0);
    close(ofd);
    close(efd);
    *out = slurp(op);
    *errout = slurp(ep);
    unlink(op);
    unlink(ep);
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(inventory_command_outputs_and_exit_codes)
{
    if (!gf_is_file(getenv("GF_GPUFORGE") ? getenv("GF_GPUFORGE") : "./gpuforge")) {
        fprintf(stderr, "    skipped: no ./gpuforge (run `make` first)\n");
        return;
    }
    char *src = data_path("001-basic.ini"), *want = data_path("001-basic.ini.list");
    char *bad = data_path("bad/014-host-dollar.ini"), *out, *err;
    char *want_list = slurp(want);

    ASSERT_EQ(run_cmd(&out, &err, "-i", src, "--list", NULL), GF_EXIT_OK);
    ASSERT_STREQ(out, want_list);
    free(out);
    free(err);

    ASSERT_EQ(run_cmd(&out, &err, "-i", src, "--host", "web1", NULL), GF_EXIT_OK);
    ASSERT_STREQ(out, "{\n    \"ansible_host\": \"10.0.1.1\",\n    \"ansible_user\": \"admin\",\n"
                      "    \"cluster_token\": \"abc123\",\n    \"has_gpu\": \"false\",\n"
                      "    \"http_port\": 8080\n}\n");
    free(out);
    free(err);

    ASSERT_EQ(run_cmd(&out, &err, "-i", src, "--graph", "web", NULL), GF_EXIT_OK);
    ASSERT_STREQ(out, "@web:\n  |--web1\n  |--web2\n");
    free(out);
    free(err);

    ASSERT_EQ(run_cmd(&out, &err, "-i", src, "--host", "nosuch", NULL), GF_EXIT_NOHOSTS);
    free(out);
    free(err);

    ASSERT_EQ(run_cmd(&out, &err, "-i", bad, "--list", NULL), GF_EXIT_USAGE);
    ASSERT_STREQ(out, "");
    ASSERT(strstr(err, "014-host-dollar.ini:3:1: host name 'w$2' contains '$'") != NULL);
    ASSERT(strstr(err, "\n    w$2\n    ^\n") != NULL);
    free(out);
    free(err);

    ASSERT_EQ(run_cmd(&out, &err, "-i", src, "--list", "--graph", NULL), GF_EXIT_USAGE);
    free(out);
    free(err);

    ASSERT_EQ(run_cmd(&out, &err, "--list", NULL), GF_EXIT_USAGE);
    free(out);
    free(err);
    free(src);
    free(want);
    free(bad);
    free(want_list);
}

/* ---- scale ---- */

TEST(inventory_5000_hosts_load_and_match_in_linear_time)
{
    struct gf_buf text = GF_BUF_INIT;
    struct gf_vec hosts = GF_VEC_INIT;
    struct gf_error err = GF_ERROR_INIT;
    struct gf_buf out = GF_BUF_INIT;

    gf_buf_adds(&text, "[all:vars]\nansible_user=ops\n[gpu:children]\n");
    for (int r = 0; r < 50; r++)
        gf_buf_addf(&text, "rack%02d\n", r);
    for (int r = 0; r < 50; r++) {
        gf_buf_addf(&text, "[rack%02d]\n", r);
        for (int n = 0; n < 100; n++)
            gf_buf_addf(&text, "node-%02d-%03d ansible_host=10.%d.%d.%d slot=%d\n", r, n, r,
                        n / 250, n % 250 + 1, n);
        gf_buf_addf(&text, "[rack%02d:vars]\nrack=%d\n", r, r);
    }
    gf_buf_adds(&text, "[odd]\n");
    for (int i = 1; i < 5000; i += 2)
        gf_buf_addf(&text, "node-%02d-%03d\n", i / 100, i % 100);
    struct gf_inventory *inv = load_text("big.ini", text.buf);
    ASSERT_EQ(inv->order.n, 5000);

    static const struct { const char *pattern; size_t n; } cases[] = {
        { "all", 5000 }, { "gpu", 5000 }, { "gpu:!odd", 2500 }, { "gpu:&odd", 2500 },
        { "rack1*", 1000 }, { "node-4?-*", 1000 }, { "~node-0[0-4]", 500 },
        { "rack07[10:19]", 10 }, { "all:!rack00:!rack01", 4800 }, { "*", 5000 },
        { "node-49-099,node-00-000", 2 }, { "odd[-1]", 1 },
    };
    for (size_t i = 0; i < GF_ARRAY_LEN(cases); i++) {
        hosts.n = 0;
        if (gf_inventory_match(inv, cases[i].pattern, &hosts, &err) < 0)
            FAILF("pattern %s: %s", cases[i].pattern, err.msg);
        if (hosts.n != cases[i].n)
            FAILF("pattern %s: %zu hosts, want %zu", cases[i].pattern, hosts.n, cases[i].n);
    }
    gf_inventory_list_json(inv, &out);
    ASSERT(strstr(out.buf, "\"node-49-099\": {\n                \"ansible_host\": \"10.49.0.100\","
                           "\n                \"ansible_user\": \"ops\",\n                "
                           "\"rack\": 49,\n                \"slot\": 99\n") != NULL);
    gf_buf_release(&out);
    gf_vec_release(&hosts, NULL);
    gf_buf_release(&text);
    gf_inventory_free(inv);
}

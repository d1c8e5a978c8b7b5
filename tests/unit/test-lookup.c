/*
 * test-lookup.c - unit tests for the lookup plugins (engine/template/
 * lookup.c) through gf_tpl_lookup, as with_NAME loops call them, and through
 * lookup()/query()/q() in templates: each plugin's results and errors, the
 * search path for files, the unsafe mark on every result, and lookup()'s
 * joining, wantlist, errors= and allow_unsafe. Expected values follow
 * ansible-core 2.14's plugins.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../engine/core/core.h"
#include "../../engine/template/template.h"
#include "harness.h"

static char root[64]; /* a fresh directory: pb/ (a playbook dir) and pb/roles/r */

static void put(const char *rel, const char *text)
{
    char *p = gf_xasprintf("%s/%s", root, rel);
    char *d = gf_xstrdup(p);

    for (char *s = d + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            mkdir(d, 0755);
            *s = '/';
        }
    FILE *f = fopen(p, "w");
    if (f == NULL)
        FAILF("cannot write %s", p);
    fputs(text, f);
    fclose(f);
    free(d);
    free(p);
}

/* A playbook dir with files/, templates/ and a role r with its own. */
static void setup(void)
{
    strcpy(root, "/tmp/gf-lookup-XXXXXX");
    if (mkdtemp(root) == NULL)
        FAILF("mkdtemp failed");
    put("pb/site.yml", "- hosts: all\n");
    put("pb/files/a.txt", "  playbook files a  \n\n");
    put("pb/b.txt", "playbook b\n");
    put("pb/files/c.conf", "c\n");
    put("pb/files/d.conf", "d\n");
    put("pb/templates/t.j2", "x={{ x }} y={{ y | default('none') }}\n");
    put("pb/templates/list.j2", "{{ [1, 2] }}\n");
    put("pb/templates/plain.j2", "[1, 2]\n");
    put("pb/roles/r/tasks/main.yml", "- debug: msg=x\n");
    put("pb/roles/r/files/a.txt", "role files a\n");
    put("pb/roles/r/vars/os.yml", "v: 1\n");
    put("pb/roles/r/tasks/inner.txt", "beside the task file\n");
}

/* Variables: playbook_dir, and ansible_search_path for a task of role r
 * when role is set. extra is YAML lines added to the map. */
static struct gf_val *vars(int role, const char *extra)
{
    char *y = role ? gf_xasprintf("playbook_dir: %s/pb\nansible_search_path: [%s/pb/roles/r, "
                                  "%s/pb/roles/r/tasks]\n%s", root, root, root,
                                  extra ? extra : "")
                   : gf_xasprintf("playbook_dir: %s/pb\n%s", root, extra ? extra : "");
    struct gf_val *v = NULL;
    struct gf_error err = GF_ERROR_INIT;

    if (gf_yaml_load(y, strlen(y), "vars", &v, &err) < 0)
        FAILF("bad vars: %s", err.msg);
    free(y);
    return v;
}

static struct gf_val *yaml(const char *s)
{
    struct gf_val *v = NULL;
    struct gf_error err = GF_ERROR_INIT;

    if (s == NULL)
        return NULL;
    if (gf_yaml_load(s, strlen(s), "t", &v, &err) < 0)
        FAILF("bad yaml %s: %s", s, err.msg);
    return v;
}

/* gf_tpl_lookup(name, terms, kwargs) as compact JSON, "ERR msg" on error;
 * every result must be marked unsafe. */
static char *lkn(const char *name, const char *terms, const char *kwargs, int role,
                const char *extra)
{
    struct gf_val *v = vars(role, extra), *t = yaml(terms), *k = yaml(kwargs), *out = NULL;
    struct gf_tpl_scope scope;
    struct gf_error err = GF_ERROR_INIT;
    struct gf_buf b = GF_BUF_INIT;

    gf_tpl_scope_map(&scope, v, NULL);
    if (gf_tpl_lookup(name, t, k, &scope, &out, &err) < 0) {
        gf_buf_addf(&b, "ERR %s", err.msg);
    } else {
        if (!(out->flags & GF_VAL_UNSAFE))
            FAILF("result of %s is not marked unsafe", name);
        for (size_t i = 0; i < out->u.list.n; i++)
            if (!(((struct gf_val *)out->u.list.v[i])->flags & GF_VAL_UNSAFE))
                FAILF("item %zu of %s is not marked unsafe", i, name);
        gf_json_dump(out, -1, 0, &b);
    }
    gf_val_unref(out);
    gf_val_unref(t);
    gf_val_unref(k);
    gf_val_unref(v);
    gf_error_clear(&err);
    char *s = gf_buf_detach(&b, NULL);
    /* the temporary root varies: show it as ROOT */
    struct gf_buf r = GF_BUF_INIT;
    for (const char *p = s; *p;) {
        if (strncmp(p, root, strlen(root)) == 0) {
            gf_buf_adds(&r, "ROOT");
            p += strlen(root);
        } else {
            gf_buf_addc(&r, *p++);
        }
    }
    free(s);
    return gf_buf_detach(&r, NULL);
}

static const char *plugin; /* what LK() calls */

#define LK(want, ...) do { \
        char *got_ = lkn(plugin, __VA_ARGS__); \
        ASSERT_STREQ(got_, want); \
        free(got_); \
    } while (0)

/* Evaluates a template value; "type(unsafe)? json" or "ERR msg". */
static char *tv(const char *src, int role, const char *extra)
{
    struct gf_val *v = vars(role, extra), *out = NULL;
    struct gf_tpl_scope scope;
    struct gf_error err = GF_ERROR_INIT;
    struct gf_buf b = GF_BUF_INIT;

    gf_tpl_scope_map(&scope, v, NULL);
    if (gf_tpl_eval_value(src, strlen(src), &scope, NULL, &out, &err) < 0) {
        gf_buf_addf(&b, "ERR %s", err.msg);
    } else {
        gf_buf_addf(&b, "%s%s ", gf_val_typename(out),
                    (out->flags & GF_VAL_UNSAFE) ? "(unsafe)" : "");
        gf_json_dump(out, -1, 0, &b);
    }
    gf_val_unref(out);
    gf_val_unref(v);
    gf_error_clear(&err);
    return gf_buf_detach(&b, NULL);
}

#define TV(want, ...) do { \
        char *got_ = tv(__VA_ARGS__); \
        ASSERT_STREQ(got_, want); \
        free(got_); \
    } while (0)

TEST(lookup_file_search_path)
{
    setup();
    plugin = "file";
    /* a play task: playbook dir's files/, then the playbook dir */
    LK("[\"  playbook files a\"]", "[a.txt]", NULL, 0, NULL);
    LK("[\"playbook b\"]", "[b.txt]", NULL, 0, NULL);
    /* a role task: the role's files/ first, then back to the playbook */
    LK("[\"role files a\"]", "[a.txt]", NULL, 1, NULL);
    LK("[\"playbook b\"]", "[b.txt]", NULL, 1, NULL);
    LK("[\"beside the task file\"]", "[inner.txt]", NULL, 1, NULL);
    LK("[\"playbook files a\", \"playbook b\"]", "[a.txt, b.txt]", "{lstrip: true}", 0, NULL);
    LK("[\"  playbook files a  \\n\\n\"]", "[a.txt]", "{rstrip: false}", 0, NULL);
    char *f = lkn("ansible.builtin.file", "[b.txt]", NULL, 0, NULL);
    ASSERT_STREQ(f, "[\"playbook b\"]");
    free(f);
}

TEST(lookup_file_errors)
{
    setup();
    plugin = "file";
    LK("ERR lookup plugin 'file': could not locate file in lookup: nope.txt", "[nope.txt]",
       NULL, 0, NULL);
    LK("ERR lookup plugin 'file': could not locate file in lookup: files", "[files]", NULL, 0,
       NULL);
    LK("ERR lookup plugin 'file': the option 'strip' is not supported", "[b.txt]",
       "{strip: true}", 0, NULL);
    LK("ERR lookup plugin 'file': a term must be a string, got list", "[[a]]", NULL, 0, NULL);
    char *e = lkn("nosuch", "[x]", NULL, 0, NULL);
    ASSERT_STREQ(e, "ERR lookup plugin 'nosuch' is not supported");
    free(e);
    e = lkn("ansible.builtin.url", "[x]", NULL, 0, NULL);
    ASSERT_STREQ(e, "ERR lookup plugin 'ansible.builtin.url' is not supported");
    free(e);
    ASSERT(gf_tpl_lookup_known("ansible.builtin.file"));
    ASSERT(gf_tpl_lookup_known("first_found"));
    ASSERT(!gf_tpl_lookup_known("ansible.builtin.url"));
}

TEST(lookup_template)
{
    setup();
    plugin = "template";
    LK("[\"x=1 y=none\\n\"]", "[t.j2]", NULL, 0, "x: 1");
    LK("[\"x=1 y=2\\n\"]", "[t.j2]", "{template_vars: {y: 2}}", 0, "x: 1");
    LK("[[1, 2]]", "[list.j2]", NULL, 0, NULL);
    put("pb/templates/m.j2", "{{ ansible_managed }} {{ template_path }} {{ template_destpath }}");
    LK("[\"Ansible managed m.j2 \"]", "[m.j2]", NULL, 0, "ansible_managed: mine");
    LK("[\"[1, 2]\\n\"]", "[list.j2]", "{convert_data: false}", 0, NULL);
    LK("[\"[1, 2]\\n\"]", "[plain.j2]", NULL, 0, NULL); /* no template: as it is */
    LK("ERR lookup plugin 'template': the template file nope.j2 could not be found for the lookup",
       "[nope.j2]", NULL, 0, NULL);
    LK("ERR lookup plugin 'template': the option 'variable_start_string' is not supported (only "
       "the default '{{')", "[t.j2]", "{variable_start_string: '[%'}", 0, NULL);
    char *e = lkn("template", "[t.j2]", NULL, 0, NULL);
    ASSERT(strstr(e, "undefined variable 'x'") != NULL);
    free(e);
}

TEST(lookup_env_vars)
{
    setup();
    setenv("GF_LK_TEST", "from env", 1);
    unsetenv("GF_LK_NOPE");
    plugin = "env";
    LK("[\"from env\", \"\"]", "[GF_LK_TEST, GF_LK_NOPE]", NULL, 0, NULL);
    LK("[\"dflt\"]", "['GF_LK_NOPE other words']", "{default: dflt}", 0, NULL);
    LK("[\"from env\"]", "[GF_LK_TEST]", "{default: dflt}", 0, NULL);
    LK("[\"\"]", "[GF_LK_NOPE]", "{default: null}", 0, NULL);
    plugin = "vars";
    LK("[\"hello 5\", [1, 2]]", "[a, l]", NULL, 0, "a: \"hello {{ n }}\"\nn: 5\nl: [1, 2]");
    LK("[\"d\"]", "[missing]", "{default: d}", 0, NULL);
    char *vn = lkn("varnames", "['^play', '^n$']", NULL, 0, "n: 5");
    ASSERT_STREQ(vn, "[\"playbook_dir\", \"n\"]");
    free(vn);
    vn = lkn("varnames", "['(']", NULL, 0, NULL);
    ASSERT(strstr(vn, "ERR lookup plugin 'varnames': Unable to use \"(\" as a search "
                  "parameter: missing closing parenthesis") == vn);
    free(vn);
    LK("ERR lookup plugin 'vars': No variable found with this name: missing", "[missing]", NULL,
       0, NULL);
}

TEST(lookup_fileglob)
{
    setup();
    plugin = "fileglob";
    char *two = lkn("fileglob", "['*.conf']", NULL, 0, NULL); /* in the directory's order */
    ASSERT(!strcmp(two, "[\"ROOT/pb/files/c.conf\", \"ROOT/pb/files/d.conf\"]") ||
           !strcmp(two, "[\"ROOT/pb/files/d.conf\", \"ROOT/pb/files/c.conf\"]"));
    free(two);
    /* the first directory with a match wins: files/ before the playbook dir */
    LK("[\"ROOT/pb/files/a.txt\"]", "['*.txt']", NULL, 0, NULL);
    LK("[\"ROOT/pb/site.yml\"]", "['*.yml']", NULL, 0, NULL);
    LK("[\"ROOT/pb/files/c.conf\"]", "['files/c*']", NULL, 0, NULL);
    LK("[]", "['*.nope']", NULL, 0, NULL);
    char *t = gf_xasprintf("['%s/pb/files/c*.conf']", root);
    LK("[\"ROOT/pb/files/c.conf\"]", t, NULL, 0, NULL);
    free(t);
}

TEST(lookup_first_found)
{
    setup();
    plugin = "first_found";
    LK("[\"ROOT/pb/b.txt\"]", "[nope.txt, b.txt, a.txt]", NULL, 0, NULL);
    LK("[\"ROOT/pb/roles/r/files/a.txt\"]", "[nope.txt, a.txt]", NULL, 1, NULL);
    LK("[\"ROOT/pb/roles/r/vars/os.yml\"]", "[{files: [x.yml, os.yml], paths: [vars]}]", NULL, 1,
       NULL);
    LK("[\"ROOT/pb/roles/r/vars/os.yml\"]", "[nope.yml, os.yml]", "{_subdir: vars}", 1, NULL);
    LK("[\"ROOT/pb/files/c.conf\"]", "['x.conf', {files: 'y.conf,c.conf'}]", NULL, 0, NULL);
    LK("[]", "[{files: [nope], skip: true}]", NULL, 0, NULL);
    LK("ERR lookup plugin 'first_found': No file was found when using first_found.",
       "[nope1, nope2]", NULL, 0, NULL);
    LK("[\"ROOT/pb/b.txt\"]", "[[nope, b.txt]]", NULL, 0, NULL);
    LK("ERR lookup plugin 'first_found': the option 'bogus' is not supported", "[{bogus: 1}]",
       NULL, 0, NULL);
}

TEST(lookup_pipe_lines)
{
    setup();
    plugin = "pipe";
    LK("[\"ROOT/pb\"]", "[pwd]", NULL, 0, NULL);
    LK("[\"a\\n b\"]", "['printf \"a\\n b\\n\\n\"']", NULL, 0, NULL);
    plugin = "lines";
    LK("[\"a\", \" b\", \"\"]", "['printf \"a\\n b\\n\\n\"']", NULL, 0, NULL);
    plugin = "pipe";
    char *e = lkn("pipe", "['exit 3']", NULL, 0, NULL);
    ASSERT_STREQ(e, "ERR lookup plugin 'pipe': lookup_plugin.pipe(exit 3) returned 3");
    free(e);
    e = lkn("lines", "['false']", NULL, 0, NULL);
    ASSERT_STREQ(e, "ERR lookup plugin 'lines': lookup_plugin.lines(false) returned 1");
    free(e);
}

TEST(lookup_password)
{
    setup();
    plugin = "password";
    char *t = gf_xasprintf("['%s/pw/new.creds length=64 chars=hexdigits']", root);
    char *a = lkn("password", t, NULL, 0, NULL), *b = lkn("password", t, NULL, 0, NULL);
    ASSERT_EQ(strlen(a), 68); /* ["...64..."] */
    ASSERT_EQ(strspn(a + 2, "0123456789abcdefABCDEF"), 64);
    ASSERT_STREQ(a, b); /* the file is read back */
    char *p = gf_xasprintf("%s/pw/new.creds", root);
    struct stat st;
    ASSERT(stat(p, &st) == 0);
    ASSERT_EQ(st.st_mode & 0777, 0600);
    free(a);
    free(b);
    free(t);
    /* default: 20 of letters, digits and ".,:-_" */
    t = gf_xasprintf("['%s/pw/default']", root);
    a = lkn("password", t, NULL, 0, NULL);
    ASSERT_EQ(strlen(a), 24);
    ASSERT_EQ(strspn(a + 2, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,:-_"),
              20);
    free(a);
    free(t);
    /* an existing file written with a salt: the password before it */
    put("pb/pw-salted", "s3cret salt=abcd\n");
    LK("[\"s3cret\"]", "['pw-salted']", NULL, 0, NULL);
    LK("[\"aaaa\"]", "['/dev/null length=4 chars=a']", NULL, 0, NULL);
    LK("[\"aa\"]", "['/dev/null']", "{length: 2, chars: [a]}", 0, NULL);
    LK("ERR lookup plugin 'password': the option 'encrypt' is not supported",
       "['/dev/null encrypt=sha512_crypt']", NULL, 0, NULL);
    LK("ERR lookup plugin 'password': Unrecognized parameter(s) given to password lookup: size",
       "['/dev/null size=3']", NULL, 0, NULL);
    free(p);
}

TEST(lookup_list_names)
{
    setup();
    char *a = lkn("items", "[1, [2, 3], [[4]]]", NULL, 0, NULL);
    ASSERT_STREQ(a, "[1, 2, 3, [4]]");
    free(a);
    a = lkn("list", "[1, [2, 3]]", NULL, 0, NULL);
    ASSERT_STREQ(a, "[1, [2, 3]]");
    free(a);
    a = lkn("dict", "{a: 1}", NULL, 0, NULL);
    ASSERT_STREQ(a, "[{\"key\": \"a\", \"value\": 1}]");
    free(a);
    a = lkn("indexed_items", "[a, [b]]", NULL, 0, NULL);
    ASSERT_STREQ(a, "[[0, \"a\"], [1, \"b\"]]");
    free(a);
    a = lkn("nested", "[[a, b], [1]]", NULL, 0, NULL);
    ASSERT_STREQ(a, "[[\"a\", 1], [\"b\", 1]]");
    free(a);
    /* community.general.flattened: every depth, nulls kept (as Ansible 7) */
    a = lkn("community.general.flattened", "[1, [2, [3, null]], [4, [5]]]", NULL, 0, NULL);
    ASSERT_STREQ(a, "[1, 2, 3, null, 4, 5]");
    free(a);
    a = lkn("together", "[[1, 2], [3]]", NULL, 0, NULL);
    ASSERT_STREQ(a, "[[1, 3], [2, null]]");
    free(a);
    a = lkn("random_choice", "[7]", NULL, 0, NULL);
    ASSERT_STREQ(a, "[7]");
    free(a);
    a = lkn("ansible.builtin.items", "{k: 1}", NULL, 0, NULL);
    ASSERT_STREQ(a, "[\"k\"]");
    free(a);
    a = lkn("items", "a", NULL, 0, NULL);
    ASSERT_STREQ(a, "[\"a\"]");
    free(a);
    a = lkn("items", "[]", NULL, 0, NULL);
    ASSERT_STREQ(a, "[]");
    free(a);
    a = lkn("dict", "[[1]]", NULL, 0, NULL);
    ASSERT_STREQ(a, "ERR lookup plugin 'dict': with_dict expects a dict");
    free(a);
    a = lkn("nested", "[]", NULL, 0, NULL);
    ASSERT_STREQ(a, "ERR lookup plugin 'nested': with_nested requires at least one element in "
                 "the nested list");
    free(a);
    a = lkn("list", "{k: 1}", NULL, 0, NULL);
    ASSERT_STREQ(a, "ERR lookup plugin 'list': with_list expects a list");
    free(a);
}

TEST(lookup_subelements)
{
    setup();
    const char *users = "[[{name: a, keys: [k1, k2]}, {name: b, keys: []}, {name: c, skipped: "
                        "true}], keys]";
    char *a = lkn("subelements", users, NULL, 0, NULL);
    /* Ansible pops the list out of the item it pairs */
    ASSERT_STREQ(a, "[[{\"name\": \"a\"}, \"k1\"], [{\"name\": \"a\"}, \"k2\"]]");
    free(a);
    a = lkn("subelements", "[[{name: a, u: {keys: [1]}}], u.keys]", NULL, 0, NULL);
    ASSERT_STREQ(a, "[[{\"name\": \"a\", \"u\": {}}, 1]]");
    free(a);
    a = lkn("subelements", "[[{name: a}, {name: b, keys: [1]}], keys, {skip_missing: true}]", NULL,
           0, NULL);
    ASSERT_STREQ(a, "[[{\"name\": \"b\"}, 1]]");
    free(a);
    a = lkn("subelements", "[[{name: a}], keys]", NULL, 0, NULL);
    ASSERT_STREQ(a, "ERR lookup plugin 'subelements': could not find 'keys' key in iterated "
                 "item '{'name': 'a'}'");
    free(a);
    a = lkn("subelements", "[[{keys: 1}], keys]", NULL, 0, NULL);
    ASSERT_STREQ(a, "ERR lookup plugin 'subelements': the key keys should point to a list");
    free(a);
    a = lkn("subelements", "[[1], keys]", NULL, 0, NULL);
    ASSERT_STREQ(a, "ERR lookup plugin 'subelements': subelements lookup expects a dictionary, "
                 "got '1'");
    free(a);
    a = lkn("subelements", "[[]]", NULL, 0, NULL);
    ASSERT(strstr(a, "expects a list of two or three items") != NULL);
    free(a);
}

TEST(lookup_sequence)
{
    setup();
    plugin = "sequence";
    LK("[\"1\", \"2\", \"3\", \"4\", \"5\"]", "['5']", NULL, 0, NULL);
    LK("[\"5\", \"6\", \"7\", \"8\"]", "['5-8']", NULL, 0, NULL);
    LK("[\"2\", \"4\", \"6\", \"8\", \"10\"]", "['2-10/2']", NULL, 0, NULL);
    LK("[\"host01\", \"host02\"]", "['2:host%02d']", NULL, 0, NULL);
    LK("[\"0x05\", \"0x07\", \"0x09\", \"0x0b\"]", "['start=5 end=11 stride=2 format=0x%02x']",
       NULL, 0, NULL);
    LK("[\"0f00\", \"0f01\"]", "['start=0x0f00 count=2 format=%04x']", NULL, 0, NULL);
    LK("[\"1\", \"3\", \"5\"]", "['start=1 count=3 stride=2']", NULL, 0, NULL);
    LK("[\"5\", \"4\"]", "['start=5 end=4 stride=-1']", NULL, 0, NULL);
    LK("[]", "['count=0']", NULL, 0, NULL);
    LK("ERR lookup plugin 'sequence': must specify count or end in with_sequence",
       "['start=3']", NULL, 0, NULL);
    LK("ERR lookup plugin 'sequence': can't specify both count and end in with_sequence",
       "['end=3 count=2']", NULL, 0, NULL);
    LK("ERR lookup plugin 'sequence': to count backwards make stride negative",
       "['start=5 end=1']", NULL, 0, NULL);
    LK("ERR lookup plugin 'sequence': bad formatting string: x", "['end=2 format=x']", NULL, 0,
       NULL);
    LK("ERR lookup plugin 'sequence': can't parse end=0664 as integer", "['0664']", NULL, 0,
       NULL);
    LK("ERR lookup plugin 'sequence': unrecognized arguments to with_sequence: ['stop']",
       "['stop=3']", NULL, 0, NULL);
}

TEST(lookup_in_templates)
{
    setup();
    /* lookup() joins strings with commas; query()/q() and wantlist keep the list */
    TV("str(unsafe) \"playbook b,c\"", "{{ lookup('file', 'b.txt', 'c.conf') }}", 0, NULL);
    TV("list(unsafe) [\"playbook b\"]", "{{ query('file', 'b.txt') }}", 0, NULL);
    TV("list(unsafe) [\"playbook b\"]", "{{ q('ansible.builtin.file', 'b.txt') }}", 0, NULL);
    TV("list(unsafe) [\"playbook b\"]", "{{ lookup('file', 'b.txt', wantlist=True) }}", 0, NULL);
    /* one non-string result is returned as itself, several as the list */
    TV("list(unsafe) [1, 2]", "{{ lookup('items', [1, 2]) }}", 0, NULL);
    TV("int(unsafe) 1", "{{ lookup('items', [1]) }}", 0, NULL);
    /* no result: lookup() gives [], as Ansible */
    TV("list [\"playbook b\"]", "{{ lookup('file', 'b.txt', allow_unsafe=True) }}", 0, NULL);
    TV("list [\"playbook b\"]", "{{ lookup('file', 'b.txt', allow_unsafe=None) }}", 0, NULL);
    TV("list []", "{{ lookup('fileglob', '*.nope') }}", 0, NULL);
    TV("str(unsafe) \"from env,d\"", "{{ lookup('env', 'GF_LK_T2', 'GF_LK_NOPE', default='d') }}",
       0, NULL);
    /* errors= applies to a plugin's failure */
    TV("str \"\"", "{{ lookup('file', 'nope', errors='ignore') }}", 0, NULL);
    TV("bool true", "{{ lookup('file', 'nope', errors='ignore') is none }}", 0, NULL);
    TV("list []", "{{ query('file', 'nope', errors='warn') }}", 0, NULL);
    TV("ERR lookup plugin 'file': could not locate file in lookup: nope",
       "{{ lookup('file', 'nope') }}", 0, NULL);
    TV("ERR lookup plugin 'nosuch' is not supported",
       "{{ lookup('nosuch', 'x', errors='ignore') }}", 0, NULL);
    TV("ERR lookup(): errors must be 'strict', 'warn' or 'ignore'",
       "{{ lookup('file', 'b.txt', errors='loud') }}", 0, NULL);
    TV("ERR undefined variable 'nope'", "{{ lookup('file', nope) }}", 0, NULL);
    /* a lookup's result is data: not templated again */
    TV("str(unsafe) \"{{ z }}\"", "{{ lookup('pipe', 'printf \"\\173\\173 z \\175\\175\"') }}",
       0, NULL);
    TV("str(unsafe) \"x=1 y=none\\n\"", "{{ lookup('template', 't.j2') }}", 0, "x: 1");
}

static void __attribute__((constructor)) lookup_env(void)
{
    setenv("GF_LK_T2", "from env", 1);
}

/* test-playbook.c - the playbook loader and the checks before a run, on
 * playbooks written to a temporary directory: structure (blocks, roles,
 * imports, includes, handlers), what parents give their children, and the
 * exact file:line:col of errors. Also the k=v argument splitter. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../engine/playbook/playbook.h"
#include "harness.h"

static char dir[64];

static void put(const char *name, const char *text)
{
    char path[512];
    FILE *f;

    if (dir[0] == '\0') {
        strcpy(dir, "/tmp/gf-unit-pb-XXXXXX");
        if (mkdtemp(dir) == NULL)
            FAILF("mkdtemp: %s", strerror(errno));
    }
    /* make the parent directories */
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        mkdir(path, 0755);
        *p = '/';
    }
    if ((f = fopen(path, "w")) == NULL || fputs(text, f) < 0 || fclose(f) != 0)
        FAILF("cannot write %s", path);
}

/* Removes the test's directory (each test runs in its own process). */
static void done(void)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (dir[0] && system(cmd) != 0)
        FAILF("cannot remove %s", dir);
}

static struct gf_playbook *load_ok(const char *name)
{
    char path[512];
    struct gf_playbook *pb = NULL;
    struct gf_error err = GF_ERROR_INIT;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (gf_playbook_load(path, NULL, &pb, &err) < 0)
        FAILF("load failed: %s:%d:%d: %s", err.file, err.line, err.col, err.msg);
    return pb;
}

/* Loads name, expecting an error "base:line:col: msg" (base = file name). */
static void load_err(const char *name, const char *want)
{
    char path[512], got[1024];
    struct gf_playbook *pb = NULL;
    struct gf_error err = GF_ERROR_INIT;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (gf_playbook_load(path, NULL, &pb, &err) == 0)
        FAILF("%s loaded but should fail with: %s", name, want);
    const char *base = err.file ? strrchr(err.file, '/') : NULL;
    snprintf(got, sizeof(got), "%s:%d:%d: %s", base ? base + 1 : err.file ? err.file : "?",
             err.line, err.col, err.msg);
    ASSERT_STREQ(got, want);
    gf_error_clear(&err);
}

static void check_err(const char *name, const char *want)
{
    struct gf_playbook *pb = load_ok(name);
    struct gf_inventory *inv = gf_inventory_new();
    struct gf_error err = GF_ERROR_INIT;
    char got[1024];

    if (gf_playbook_check(pb, inv, NULL, &err) == 0) {
        if (want)
            FAILF("%s checked but should fail with: %s", name, want);
    } else {
        const char *base = strrchr(err.file, '/');
        snprintf(got, sizeof(got), "%s:%d:%d: %s", base ? base + 1 : err.file, err.line,
                 err.col, err.msg);
        if (want == NULL)
            FAILF("%s should pass the check, got: %s", name, got);
        ASSERT_STREQ(got, want);
    }
    gf_error_clear(&err);
    gf_inventory_free(inv);
    gf_playbook_free(pb);
}

TEST(kv_split_like_ansible)
{
    struct gf_val *m = NULL;
    struct gf_error err = GF_ERROR_INIT;
    const struct gf_module *copy = gf_module_find("copy"), *shell = gf_module_find("shell");

    ASSERT(gf_parse_kv("src=a dest='/b c' content=\"x\\ny\" mode={{ m | default('0644') }}",
                       copy, &m, NULL, &err) == 0);
    ASSERT_STREQ(gf_val_map_get(m, "src")->u.str.s, "a");
    ASSERT_STREQ(gf_val_map_get(m, "dest")->u.str.s, "/b c");
    ASSERT_STREQ(gf_val_map_get(m, "content")->u.str.s, "x\ny");
    ASSERT_STREQ(gf_val_map_get(m, "mode")->u.str.s, "{{ m | default('0644') }}");
    gf_val_unref(m);
    /* free form: only the command keys are split off, and octal escapes stay */
    ASSERT(gf_parse_kv("chdir=/tmp echo a=b \"c  d\" \\1", shell, &m, NULL, &err) == 0);
    ASSERT_STREQ(gf_val_map_get(m, "chdir")->u.str.s, "/tmp");
    ASSERT_STREQ(gf_val_map_get(m, "_raw_params")->u.str.s, "echo a=b \"c  d\" \\1");
    gf_val_unref(m);
    /* a multi-line script keeps its lines, indentation and spacing */
    ASSERT(gf_parse_kv("cat <<'X'\n  two  spaces\nX\necho  done creates=/x\n", shell, &m, NULL,
                       &err) == 0);
    ASSERT_STREQ(gf_val_map_get(m, "_raw_params")->u.str.s,
                 "cat <<'X'\n  two  spaces\nX\necho  done");
    ASSERT_STREQ(gf_val_map_get(m, "creates")->u.str.s, "/x");
    gf_val_unref(m);
    int bad = -1;
    ASSERT(gf_parse_kv("a=1 b='x", copy, &m, &bad, &err) < 0);
    ASSERT_EQ(bad, 6);
    gf_error_clear(&err);
}

TEST(loader_structure_and_inheritance)
{
    put("s/site.yml",
        "- hosts: all\n"
        "  vars: { a: 1 }\n"
        "  roles:\n"
        "    - role: r1\n"
        "      p: 2\n"
        "  tasks:\n"
        "    - block:\n"
        "        - command: echo one\n"
        "          when: x\n"
        "      when: y\n"
        "      tags: [t1]\n"
        "      become: true\n"
        "      rescue:\n"
        "        - debug: msg=r\n"
        "    - import_tasks: more.yml\n"
        "      when: z\n"
        "    - include_tasks: more.yml\n"
        "      when: w\n"
        "  handlers:\n"
        "    - name: h1\n"
        "      debug: msg=h\n"
        "      listen: topic\n");
    put("s/more.yml", "- ansible.builtin.shell: echo more\n");
    put("s/roles/r1/tasks/main.yml", "- copy: content=x dest=/tmp/x\n");
    put("s/roles/r1/defaults/main.yml", "d1: 1\n");
    put("s/roles/r1/meta/main.yml", "dependencies: [r2]\n");
    put("s/roles/r2/tasks/main.yml", "- debug: msg=dep\n");
    put("s/roles/r1/handlers/main.yml", "- name: rh\n  debug: msg=x\n");
    struct gf_playbook *pb = load_ok("s/site.yml");
    struct gf_play *pl = pb->plays.v[0];
    struct gf_vec *t = &pl->sections[1];

    ASSERT_EQ(t->n, 5); /* r2's task, r1's task, the block, the import's task, the include */
    struct gf_task *dep = t->v[0], *r1 = t->v[1], *blk = t->v[2], *imp = t->v[3], *inc = t->v[4];
    ASSERT_STREQ(dep->role->name, "r2");
    ASSERT_STREQ(r1->role->name, "r1");
    ASSERT_EQ(gf_val_map_get(r1->vars, "p")->u.i, 2); /* role parameter */
    ASSERT_EQ(blk->kind, GF_TASK_BLOCK);
    struct gf_task *one = blk->block.v[0];
    ASSERT_EQ(one->when->u.list.n, 2);             /* the block's, then its own */
    ASSERT_STREQ(((struct gf_val *)one->when->u.list.v[0])->u.str.s, "y");
    ASSERT_STREQ(one->tags.v[0], "t1");
    ASSERT_EQ(one->become, 1);
    ASSERT_EQ(blk->rescue.n, 1);
    ASSERT_STREQ(imp->module->name, "shell");      /* import: expanded, when pushed down */
    ASSERT_STREQ(((struct gf_val *)imp->when->u.list.v[0])->u.str.s, "z");
    ASSERT_EQ(inc->kind, GF_TASK_INCLUDE);         /* include: its when is its own */
    ASSERT_EQ(inc->block.n, 1);
    ASSERT_EQ(((struct gf_task *)inc->block.v[0])->when->u.list.n, 0);
    ASSERT_EQ(pl->handlers.n, 2);                  /* the play's and the role's */
    ASSERT(gf_val_map_get(pl->role_defaults, "d1") != NULL);
    gf_playbook_free(pb);
    done();
}

TEST(loader_role_vars_files_empty_or_comments_only)
{
    put("v/site.yml", "- hosts: all\n  roles: [r]\n");
    put("v/roles/r/tasks/main.yml", "- debug: msg=x\n");
    put("v/roles/r/vars/main.yml", "---\n# Empty file\n");
    put("v/roles/r/defaults/main.yml", "# nothing\n");
    struct gf_playbook *pb = load_ok("v/site.yml");
    struct gf_play *pl = pb->plays.v[0];
    ASSERT_EQ(pl->role_vars->u.map.n, 0);
    ASSERT_EQ(pl->role_defaults->u.map.n, 0);
    gf_playbook_free(pb);
    done();
}

TEST(loader_role_argument_spec_task_comes_first)
{
    put("a/site.yml", "- hosts: all\n  roles:\n    - role: r\n      p: 1\n      tags: rt\n"
        "  tasks:\n    - import_role: {name: r, tasks_from: other}\n"
        "    - import_role: {name: r, rolespec_validate: false}\n");
    put("a/roles/r/tasks/main.yml", "- debug: msg=x\n");
    put("a/roles/r/tasks/other.yml", "- debug: msg=o\n");
    put("a/roles/r/meta/main.yml", "argument_specs:\n  main: {options: {}}\n");
    put("a/roles/r/meta/argument_specs.yml",
        "argument_specs:\n  main:\n    short_description: The role.\n"
        "    options:\n      p: {type: int}\n");
    struct gf_playbook *pb = load_ok("a/site.yml");
    struct gf_play *pl = pb->plays.v[0];
    struct gf_vec *t = &pl->sections[1];

    /* argument_specs.yml wins over meta/main.yml; no spec for "other";
     * rolespec_validate: false leaves it out */
    ASSERT_EQ(t->n, 4);
    struct gf_task *v = t->v[0];
    ASSERT_STREQ(v->name, "Validating arguments against arg spec 'main' - The role.");
    ASSERT_STREQ(v->module->name, "validate_argument_spec");
    ASSERT_STREQ(v->role->name, "r");
    ASSERT_EQ(v->tags.n, 2);
    ASSERT(!strcmp(v->tags.v[0], "always") || !strcmp(v->tags.v[1], "always"));
    ASSERT(!strcmp(v->tags.v[0], "rt") || !strcmp(v->tags.v[1], "rt"));
    ASSERT(strstr(v->file, "argument_specs.yml") != NULL);
    ASSERT_EQ(v->line, 2);
    struct gf_val *given = gf_val_map_get(v->args, "provided_arguments");
    ASSERT_EQ(gf_val_map_get(given, "p")->u.i, 1);
    ASSERT(gf_val_map_get(gf_val_map_get(v->args, "argument_spec"), "p") != NULL);
    ASSERT_STREQ(gf_val_map_get(gf_val_map_get(v->args, "validate_args_context"),
                                "argument_spec_name")->u.str.s, "main");
    ASSERT_STREQ(((struct gf_task *)t->v[1])->module->name, "debug");
    ASSERT_STREQ(((struct gf_task *)t->v[2])->module->name, "debug");
    ASSERT_STREQ(((struct gf_task *)t->v[3])->module->name, "debug");
    gf_playbook_free(pb);
    done();
}

TEST(loader_errors_have_positions)
{
    put("e/unknown-module.yml", "- hosts: all\n  tasks:\n    - name: x\n      coppy: {}\n");
    load_err("e/unknown-module.yml", "unknown-module.yml:4:7: unknown module 'coppy' "
             "(did you mean 'copy'?)");
    put("e/two-actions.yml", "- hosts: all\n  tasks:\n    - debug: msg=a\n      shell: x\n");
    load_err("e/two-actions.yml", "two-actions.yml:4:7: conflicting action statements: "
             "debug, shell");
    put("e/no-hosts.yml", "- name: p\n  tasks: []\n");
    load_err("e/no-hosts.yml", "no-hosts.yml:1:3: the play needs 'hosts'");
    put("e/bad-bool.yml", "- hosts: all\n  tasks:\n    - debug: msg=a\n      become: maybe\n");
    load_err("e/bad-bool.yml", "bad-bool.yml:4:15: 'become' must be a boolean, not str");
    put("e/loop.yml", "- hosts: all\n  tasks:\n    - import_tasks: loop.yml\n");
    put("e/loop-tasks.yml", "- import_tasks: loop-tasks.yml\n");
    put("e/loop2.yml", "- hosts: all\n  tasks:\n    - import_tasks: loop-tasks.yml\n");
    load_err("e/loop2.yml", "loop-tasks.yml:0:0: imports nested deeper than 64 "
             "(an import loop?)");
    put("e/free-text.yml", "- hosts: all\n  tasks:\n    - copy: just words\n");
    load_err("e/free-text.yml", "free-text.yml:3:13: module 'copy' takes key=value arguments, "
             "not free text 'just words'");
    put("e/cycle.yml", "- hosts: all\n  roles: [c1]\n");
    put("e/roles/c1/meta/main.yml", "dependencies: [c2]\n");
    put("e/roles/c2/meta/main.yml", "dependencies: [c1]\n");
    load_err("e/cycle.yml", "main.yml:1:16: role 'c1' depends on itself");
    done();
}

/* One keyword table decides, per place, what is a keyword, what is refused
 * (with why) and what a task's action is. */
TEST(loader_keyword_table_by_place)
{
    put("k/play-refused.yml", "- hosts: all\n  order: sorted\n  tasks: []\n");
    load_err("k/play-refused.yml", "play-refused.yml:2:3: play keyword 'order' is not "
             "supported by gpuforge: hosts run in inventory order");
    put("k/play-run-once.yml", "- hosts: all\n  run_once: true\n  tasks: []\n");
    load_err("k/play-run-once.yml", "play-run-once.yml:2:3: play keyword 'run_once' is not "
             "supported by gpuforge: on the first host of the batch; refused on a play");
    put("k/play-task-key.yml", "- hosts: all\n  register: r\n");
    load_err("k/play-task-key.yml", "play-task-key.yml:2:3: 'register' is not a play "
             "keyword: is this a task outside 'tasks:'?");
    put("k/task-refused.yml", "- hosts: all\n  tasks:\n    - debug: msg=a\n"
        "      throttle: 1\n");
    load_err("k/task-refused.yml", "task-refused.yml:4:7: task keyword 'throttle' is not "
             "supported by gpuforge: no per-task limit: use serial or --forks");
    put("k/block-loop.yml", "- hosts: all\n  tasks:\n    - block:\n        - debug: msg=a\n"
        "      loop: [1, 2]\n");
    load_err("k/block-loop.yml", "block-loop.yml:5:7: 'loop' is not a block keyword (it "
             "belongs on the tasks of the block)");
    put("k/task-listen.yml", "- hosts: all\n  tasks:\n    - debug: msg=a\n"
        "      listen: x\n");
    load_err("k/task-listen.yml", "task-listen.yml:4:7: 'listen' is not a task keyword (a "
             "handler's only)");
    put("k/role-refused.yml", "- hosts: all\n  roles:\n    - role: r1\n      port: 22\n");
    put("k/roles/r1/tasks/main.yml", "- debug: msg=a\n");
    load_err("k/role-refused.yml", "role-refused.yml:4:7: task keyword 'port' is not "
             "supported by gpuforge: set ansible_port in the inventory");
    /* what is valid loads: a play-only keyword on a task is its action */
    put("k/ok.yml", "- hosts: all\n  run_once: false\n  tasks: []\n"
        "- hosts: all\n  roles:\n    - role: r1\n      run_once: true\n      p: 1\n"
        "  tasks:\n    - block:\n        - debug: msg=a\n      notify: h\n"
        "      run_once: true\n  handlers:\n    - name: h\n      debug: msg=b\n"
        "      listen: t\n");
    load_err("k/ok.yml", "ok.yml:2:3: play keyword 'run_once' is not supported by gpuforge: "
             "on the first host of the batch; refused on a play");
    put("k/ok.yml", "- hosts: all\n  roles:\n    - role: r1\n      run_once: true\n"
        "      p: 1\n  tasks:\n    - block:\n        - debug: msg=a\n      notify: h\n"
        "      run_once: true\n  handlers:\n    - name: h\n      debug: msg=b\n"
        "      listen: t\n");
    struct gf_playbook *pb = load_ok("k/ok.yml");
    struct gf_play *pl = pb->plays.v[0];
    struct gf_task *h = pl->handlers.v[0];
    ASSERT_EQ(h->listen.n, 1);
    ASSERT_STREQ(h->listen.v[0], "t");
    ASSERT_EQ(((struct gf_task *)pl->sections[1].v[0])->run_once, 1);
    gf_playbook_free(pb);
    /* include_tasks and include_role take Ansible's TaskInclude keywords only;
     * an import takes them all, for its tasks */
    put("k/inc.yml", "- debug: msg=a\n");
    put("k/inc-become.yml", "- hosts: all\n  tasks:\n    - include_tasks: inc.yml\n"
        "      become: true\n");
    load_err("k/inc-become.yml", "inc-become.yml:4:7: 'become' is not an include_tasks "
             "keyword (give it to the included tasks with 'apply')");
    put("k/inc-notify.yml", "- hosts: all\n  tasks:\n    - ansible.builtin.include_role:\n"
        "        name: r1\n      notify: h\n");
    load_err("k/inc-notify.yml", "inc-notify.yml:5:7: 'notify' is not an include_role "
             "keyword (give it to the included tasks with 'apply')");
    put("k/imp.yml", "- hosts: all\n  tasks:\n    - import_tasks: inc.yml\n"
        "      become: true\n    - include_tasks: { file: inc.yml, apply: { become: true } }\n"
        "      when: true\n      tags: [t]\n");
    pb = load_ok("k/imp.yml");
    gf_playbook_free(pb);
    /* a block's notify is its tasks' unless they have their own */
    put("k/bn.yml", "- hosts: all\n  tasks:\n    - block:\n        - debug: msg=a\n"
        "        - debug: msg=b\n          notify: own\n        - block:\n"
        "            - debug: msg=c\n      notify: [h1, h2]\n");
    pb = load_ok("k/bn.yml");
    struct gf_task *blk = ((struct gf_play *)pb->plays.v[0])->sections[1].v[0];
    struct gf_task *ta = blk->block.v[0], *tb = blk->block.v[1];
    struct gf_task *tc = ((struct gf_task *)blk->block.v[2])->block.v[0];
    ASSERT_EQ(ta->notify.n, 2);
    ASSERT_STREQ(ta->notify.v[1], "h2");
    ASSERT_EQ(tb->notify.n, 1);
    ASSERT_STREQ(tb->notify.v[0], "own");
    ASSERT_EQ(tc->notify.n, 2);
    ASSERT_STREQ(tc->notify.v[0], "h1");
    gf_playbook_free(pb);
    put("k/hosts-task.yml", "- hosts: all\n  tasks:\n    - hosts: x\n");
    load_err("k/hosts-task.yml", "hosts-task.yml:3:7: unknown module 'hosts'");
    /* the table: every refusal has its reason, where it is refused it is valid */
    for (const struct gf_keyword *kw = gf_keywords; kw->name; kw++) {
        ASSERT(kw->doc && kw->doc[0]);
        ASSERT_EQ(kw->refused & ~kw->where, 0);
        ASSERT(gf_keyword_find(kw->name) == kw);
    }
    ASSERT_STREQ(gf_keyword_find("with_fileglob")->name, "with_");
    ASSERT(gf_keyword_find("with_") != NULL && gf_keyword_find("hostz") == NULL);
    done();
}

TEST(check_undefined_and_guarded_variables)
{
    put("c/undef.yml", "- hosts: all\n  vars: { a: 1 }\n  tasks:\n"
        "    - debug:\n        msg: \"{{ a }} {{ b }}\"\n");
    check_err("c/undef.yml", "undef.yml:5:26: undefined variable 'b'");
    put("c/guarded.yml", "- hosts: all\n  tasks:\n"
        "    - debug:\n        msg: \"{{ x | default(1) }} {{ ansible_distribution }}\"\n"
        "      when: y is defined and y\n"
        "    - command: echo {{ item }} {{ idx }}\n      loop: [1]\n"
        "      loop_control: { index_var: idx }\n      register: out\n"
        "    - debug: msg={{ out.results }}\n"
        "    - debug:\n        msg: \"{% for k in [1] %}{{ k }}{% endfor %}\"\n"
        "    - command: echo {{ server }}\n      when: server is defined\n"
        "    - assert:\n        that: [cid is defined, cid is ansible.utils.ipv4]\n");
    check_err("c/guarded.yml", NULL);
    put("c/assert-unguarded.yml", "- hosts: all\n  tasks:\n"
        "    - assert:\n        that: [cid is ansible.utils.ipv4]\n");
    check_err("c/assert-unguarded.yml", "assert-unguarded.yml:4:16: undefined variable 'cid'");
    /* "is not defined" guards nothing */
    put("c/notguarded.yml", "- hosts: all\n  tasks:\n"
        "    - command: echo {{ server }}\n      when: server is not defined\n");
    check_err("c/notguarded.yml", "notguarded.yml:3:15: undefined variable 'server'");
    put("c/badtype.yml", "- hosts: all\n  tasks:\n    - file:\n        path: /x\n"
        "        recurse: sometimes\n");
    check_err("c/badtype.yml", "badtype.yml:5:9: module 'file': parameter 'recurse' has the "
              "wrong type (str)");
    put("c/templated-type.yml", "- hosts: all\n  vars: { r: true }\n  tasks:\n    - file:\n"
        "        path: /x\n        recurse: \"{{ r }}\"\n");
    check_err("c/templated-type.yml", NULL);
    /* include_vars: with name, that name; without, any name may come from the file */
    put("c/iv-name.yml", "- hosts: all\n  tasks:\n    - include_vars: {file: x.yml, name: ns}\n"
        "    - debug: msg={{ ns }}\n    - debug: msg={{ other }}\n");
    check_err("c/iv-name.yml", "iv-name.yml:5:10: undefined variable 'other'");
    put("c/iv-any.yml", "- hosts: all\n  tasks:\n    - include_vars: x.yml\n"
        "    - debug: msg={{ from_file }}\n");
    check_err("c/iv-any.yml", NULL);
    put("c/sf-tpl.yml", "- hosts: all\n  tasks:\n    - set_fact: {\"v_{{ item }}\": 1}\n"
        "      loop: [a]\n    - debug: msg={{ v_a }}\n");
    check_err("c/sf-tpl.yml", NULL);
    done();
}

/* Names of the tasks' roles in section 1 of play p, joined by spaces. */
static char *role_names(struct gf_playbook *pb, size_t p)
{
    struct gf_play *pl = pb->plays.v[p];
    struct gf_buf b = GF_BUF_INIT;

    for (size_t i = 0; i < pl->sections[1].n; i++) {
        struct gf_task *t = pl->sections[1].v[i];
        gf_buf_addf(&b, "%s%s", b.len ? " " : "", t->role ? t->role->name : "-");
    }
    return gf_buf_detach(&b, NULL);
}

/* The shipped roles (beside the executable) are the collection
 * gpuforge.cluster: reached by that name, by a bare name from one of them
 * or from a play naming the collection, and otherwise never: a bare name
 * finds the user's role (playbook roles/, roles path, a dependency's own
 * directory, the playbook directory) or nothing. */
TEST(roles_user_places_and_shipped_collection)
{
    char path[512];

    put("exe/roles/prereq/tasks/main.yml", "- name: a shipped task\n  debug: msg=shipped\n");
    put("exe/roles/prereq/meta/main.yml", "dependencies: [common]\n");
    put("exe/roles/common/tasks/main.yml", "- debug: msg=shipped-common\n");
    put("exe/roles/nfs/tasks/main.yml", "- debug: msg=shipped-nfs\n");
    put("p/roles/prereq/tasks/main.yml", "- debug: msg=user-prereq\n");
    put("p/roles/prereq/meta/main.yml", "dependencies: [common]\n");
    put("rp/common/tasks/main.yml", "- debug: msg=user-common\n");
    snprintf(path, sizeof(path), "%s/exe", dir);
    gf_playbook_set_exe_dir(path);
    struct gf_vec rp = GF_VEC_INIT;
    char *rp1 = gf_xasprintf("%s/rp", dir);
    gf_vec_push(&rp, rp1);
    gf_playbook_set_roles_path(&rp);

    put("p/site.yml", "- hosts: all\n  roles: [prereq]\n"
        "- hosts: all\n  roles: [gpuforge.cluster.prereq]\n"
        "- hosts: all\n  collections: [gpuforge.cluster]\n  roles: [nfs]\n");
    struct gf_playbook *pb = load_ok("p/site.yml");
    char *n0 = role_names(pb, 0), *n1 = role_names(pb, 1), *n2 = role_names(pb, 2);
    ASSERT_STREQ(n0, "common prereq");       /* user's, dependency from the roles path */
    ASSERT_STREQ(n1, "gpuforge.cluster.common gpuforge.cluster.prereq");
    ASSERT_STREQ(n2, "gpuforge.cluster.nfs");
    struct gf_task *t = ((struct gf_play *)pb->plays.v[1])->sections[1].v[1];
    ASSERT_STREQ(t->role->short_name, "prereq");
    ASSERT_STREQ(t->role->collection, "gpuforge.cluster");
    ASSERT(gf_task_role_named(t, "prereq : a shipped task"));
    ASSERT(gf_task_role_named(t, "gpuforge.cluster.prereq : a shipped task"));
    ASSERT(!gf_task_role_named(t, "cluster.prereq : a shipped task"));
    ASSERT(!gf_task_role_named(t, "prereq : a shipped"));
    free(n0);
    free(n1);
    free(n2);
    gf_playbook_free(pb);

    put("p/bare.yml", "- hosts: all\n  roles: [nfs]\n");
    char *want = gf_xasprintf("bare.yml:2:11: role 'nfs' not found (looked in %s/p/roles, "
                              "%s/rp, %s/p); gpuforge's own role of that name is "
                              "'gpuforge.cluster.nfs'", dir, dir, dir);
    load_err("p/bare.yml", want);
    free(want);

    /* a dependency is also looked for beside the role that names it */
    put("p/lib/withdep/meta/main.yml", "dependencies: [sibling]\n");
    put("p/lib/sibling/tasks/main.yml", "- debug: msg=sibling\n");
    put("p/dep.yml", "- hosts: all\n  roles: [./lib/withdep]\n");
    pb = load_ok("p/dep.yml");
    n0 = role_names(pb, 0);
    ASSERT_STREQ(n0, "sibling");
    free(n0);
    gf_playbook_free(pb);
    gf_vec_release(&rp, free);
    gf_playbook_set_exe_dir(NULL);
    done();
}

TEST(unimplemented_modules_pass_static_checks)
{
    const struct gf_module *m = gf_module_find("ansible.builtin.dnf");

    ASSERT(m != NULL && m->unimplemented);
    ASSERT(gf_module_find("ansible.legacy.zypper") == gf_module_find("community.general.zypper"));
    ASSERT(gf_module_find("firewalld") == gf_module_find("ansible.posix.firewalld"));
    ASSERT(!gf_module_find("apt")->unimplemented); /* a real module wins */
    ASSERT(gf_module_find("ansible.builtin.dnff") == NULL);
    put("u/ok.yml", "- hosts: all\n  tasks:\n"
        "    - ansible.builtin.dnf: name=curl state=latest\n      when: false\n"
        "    - community.general.ufw:\n        rule: allow\n        port: \"{{ p }}\"\n"
        "      vars: { p: 22 }\n"
        "    - include_vars: \"{{ ansible_os_family }}.yml\"\n"
        "    - ini_file: { dest: /x, section: s, option: o, value: v }\n");
    check_err("u/ok.yml", NULL);
    put("u/bad.yml", "- hosts: all\n  tasks:\n    - hostname:\n        name: n1\n"
        "        stat: present\n");
    check_err("u/bad.yml", "bad.yml:5:9: module 'hostname' has no parameter 'stat' "
              "(supported: name, use)");
    put("u/choice.yml", "- hosts: all\n  tasks:\n    - ansible.posix.firewalld:\n"
        "        state: sometimes\n");
    check_err("u/choice.yml", "choice.yml:4:9: module 'firewalld': parameter 'state' must be one "
              "of absent,disabled,enabled,present, not 'sometimes'");
    done();
}

TEST(with_lookup_loops)
{
    put("w/site.yml", "- hosts: all\n  tasks:\n"
        "    - include_vars: \"{{ item }}\"\n"
        "      with_first_found:\n        - \"{{ ansible_os_family }}-{{ undefined_here }}.yml\"\n"
        "        - default.yml\n"
        "    - debug: msg={{ item }}\n      with_community.general.flattened: [[1], 2]\n"
        "    - debug: msg={{ item.0 }}\n      with_indexed_items: \"{{ [3] }}\"\n"
        "    - debug: msg={{ item }}\n      with_items: [[1, 2], 3]\n");
    struct gf_playbook *pb = load_ok("w/site.yml");
    struct gf_vec *t = &((struct gf_play *)pb->plays.v[0])->sections[1];
    ASSERT_STREQ(((struct gf_task *)t->v[0])->loop_lookup, "first_found");
    ASSERT_EQ(((struct gf_task *)t->v[0])->loop->type, GF_VAL_LIST);
    ASSERT_STREQ(((struct gf_task *)t->v[1])->loop_lookup, "community.general.flattened");
    ASSERT_STREQ(((struct gf_task *)t->v[2])->loop_lookup, "indexed_items");
    ASSERT(((struct gf_task *)t->v[3])->loop_lookup == NULL); /* with_items stays built in */
    ASSERT_EQ(((struct gf_task *)t->v[3])->loop_flatten, 1);
    gf_playbook_free(pb);
    /* first_found's terms may name variables some hosts lack; others may not */
    check_err("w/site.yml", NULL);
    put("w/undef.yml", "- hosts: all\n  tasks:\n"
        "    - debug: msg={{ item }}\n      with_nested:\n        - [1]\n"
        "        - \"{{ nope }}\"\n");
    check_err("w/undef.yml", "undef.yml:6:15: undefined variable 'nope'");
    put("w/two.yml", "- hosts: all\n  tasks:\n"
        "    - debug: msg={{ item }}\n      loop: [1]\n      with_fileglob: '*.txt'\n");
    load_err("w/two.yml", "two.yml:5:7: only one of loop and with_* may be given");
    done();
}

TEST(role_vars_files_as_ansible)
{
    put("r/site.yml", "- hosts: all\n  roles: [a, b]\n");
    /* vars/main/ : every file, sorted, sub-directories too; main.yaml; comments only */
    put("r/roles/a/vars/main/10-first.yml", "x: 1\ny: 1\n");
    put("r/roles/a/vars/main/20-second.yaml", "y: 2\n");
    put("r/roles/a/vars/main/30/z.json", "{\"z\": 3}\n");
    put("r/roles/a/vars/main/.hidden.yml", "x: hidden\n");
    put("r/roles/a/vars/main/notes.txt", "not: vars\n");
    put("r/roles/a/defaults/main.yaml", "# nothing but a comment\n");
    put("r/roles/a/tasks/main.yml", "- debug: msg={{ x }}{{ y }}{{ z }}\n");
    put("r/roles/b/defaults/main", "d: 4\n");
    put("r/roles/b/tasks/main.yaml", "- debug: msg={{ d }}\n");
    struct gf_playbook *pb = load_ok("r/site.yml");
    struct gf_play *pl = pb->plays.v[0];
    struct gf_role *a = pl->roles.v[0];
    ASSERT_EQ(gf_val_map_get(a->vars, "x")->u.i, 1);
    ASSERT_EQ(gf_val_map_get(a->vars, "y")->u.i, 2);
    ASSERT_EQ(gf_val_map_get(a->vars, "z")->u.i, 3);
    ASSERT(gf_val_map_get(a->vars, "not") == NULL);
    ASSERT_EQ(a->defaults->u.map.n, 0);
    ASSERT_EQ(gf_val_map_get(pl->role_defaults, "d")->u.i, 4);
    ASSERT_EQ(pl->sections[1].n, 2);
    gf_playbook_free(pb);
    put("r/bad.yml", "- hosts: all\n  roles: [c]\n");
    put("r/roles/c/vars/main.yml", "- a\n- b\n");
    load_err("r/bad.yml", "main.yml:1:1: a role's vars file must hold a mapping of variables, "
             "not list");
    done();
}

TEST(templated_keywords_kept_for_run_time)
{
    put("k/site.yml", "- hosts: all\n  become: \"{{ use_sudo }}\"\n"
        "  check_mode: \"{{ dry | default(false) }}\"\n"
        "  environment: { A: '1' }\n  tasks:\n"
        "    - block:\n        - command: 'true'\n        - command: 'true'\n"
        "          ignore_errors: false\n          become: true\n"
        "      ignore_errors: \"{{ ansible_check_mode }}\"\n"
        "      environment: \"{{ proxy_env }}\"\n"
        "      vars: { use_sudo: true, proxy_env: {} }\n");
    struct gf_playbook *pb = load_ok("k/site.yml");
    struct gf_task *blk = ((struct gf_play *)pb->plays.v[0])->sections[1].v[0];
    struct gf_task *a = blk->block.v[0], *b = blk->block.v[1];
    ASSERT_STREQ(gf_val_map_get(a->kw_tpl, "ignore_errors")->u.str.s, "{{ ansible_check_mode }}");
    ASSERT_STREQ(gf_val_map_get(a->kw_tpl, "become")->u.str.s, "{{ use_sudo }}");
    ASSERT_STREQ(gf_val_map_get(a->kw_tpl, "check_mode")->u.str.s, "{{ dry | default(false) }}");
    ASSERT(gf_val_map_get(b->kw_tpl, "ignore_errors") == NULL); /* its own plain value wins */
    ASSERT(gf_val_map_get(b->kw_tpl, "become") == NULL);
    ASSERT_EQ(b->become, 1);
    ASSERT_EQ(a->environment->type, GF_VAL_LIST); /* the play's map, then the template */
    ASSERT_EQ(a->environment->u.list.n, 2);
    gf_playbook_free(pb);
    check_err("k/site.yml", NULL);
    put("k/bad.yml", "- hosts: all\n  tasks:\n    - command: 'true'\n"
        "      ignore_errors: \"{{ nope }}\"\n");
    check_err("k/bad.yml", "bad.yml:4:26: undefined variable 'nope'");
    done();
}

TEST(role_reference_keywords)
{
    put("rk/site.yml", "- hosts: all\n  roles:\n"
        "    - role: a\n      become: true\n      become_user: \"{{ svc }}\"\n"
        "      when: x is defined\n      tags: ta\n      ignore_errors: true\n"
        "      environment: { P: '1' }\n      delegate_to: h2\n      svc: web\n");
    put("rk/roles/a/meta/main.yml", "dependencies:\n"
        "  - role: b\n    when: y | default(true)\n    become: false\n    vars: { v: 1 }\n");
    put("rk/roles/a/tasks/main.yml", "- command: 'true'\n");
    put("rk/roles/b/tasks/main.yml", "- command: 'true'\n");
    struct gf_playbook *pb = load_ok("rk/site.yml");
    struct gf_vec *t = &((struct gf_play *)pb->plays.v[0])->sections[1];
    ASSERT_EQ(t->n, 2);
    struct gf_task *b = t->v[0], *a = t->v[1];
    ASSERT_EQ(a->become, 1);
    ASSERT_STREQ(a->become_user, "{{ svc }}");
    ASSERT_EQ(a->when->u.list.n, 1);
    ASSERT_STREQ(a->tags.v[0], "ta");
    ASSERT_EQ(a->ignore_errors, 1);
    ASSERT_STREQ(a->delegate_to, "h2");
    ASSERT(gf_val_map_get(a->environment, "P") != NULL);
    ASSERT_STREQ(gf_val_map_get(a->vars, "svc")->u.str.s, "web"); /* a role parameter */
    ASSERT_EQ(b->become, 0);                /* the dependency's own keyword wins */
    ASSERT_EQ(b->when->u.list.n, 2);        /* the parent's condition, then its own */
    ASSERT_STREQ(b->tags.v[0], "ta");
    ASSERT_EQ(gf_val_map_get(b->vars, "v")->u.i, 1);
    gf_playbook_free(pb);
    check_err("rk/site.yml", NULL);
    done();
}

TEST(includes_loops_templates_and_apply)
{
    put("i/site.yml", "- hosts: all\n  tasks:\n"
        "    - include_tasks: each.yml\n      loop: [a, b]\n      loop_control: { loop_var: m }\n"
        "    - include_tasks: \"{{ which }}.yml\"\n      vars: { which: each }\n"
        "    - include_role:\n        name: r\n        tasks_from: other\n"
        "        vars_from: extra\n        apply: { tags: [t9], become: true }\n"
        "    - include_tasks: guarded.yml\n      when: server is defined\n"
        "    - meta: reset_connection\n");
    put("i/each.yml", "- debug: msg={{ m }}\n  when: m is defined\n");
    put("i/guarded.yml", "- command: echo {{ server }}\n");
    put("i/roles/r/tasks/other.yml", "- command: 'true'\n");
    put("i/roles/r/vars/extra.yml", "e: 1\n");
    struct gf_playbook *pb = load_ok("i/site.yml");
    struct gf_vec *t = &((struct gf_play *)pb->plays.v[0])->sections[1];
    struct gf_task *loop = t->v[0], *late = t->v[1], *role = t->v[2], *meta = t->v[4];
    ASSERT_EQ(loop->kind, GF_TASK_INCLUDE);
    ASSERT(loop->loop != NULL && loop->block.n == 1); /* loaded once, run per item */
    ASSERT_EQ(late->include_late, 1);
    ASSERT_EQ(late->block.n, 0);                     /* loaded per host when it runs */
    struct gf_task *rt = role->block.v[0];
    ASSERT_STREQ(rt->tags.v[0], "t9");               /* apply: */
    ASSERT_EQ(rt->become, 1);
    ASSERT_EQ(role->become, -1);                     /* not the include's own */
    ASSERT_EQ(gf_val_map_get(rt->role->vars, "e")->u.i, 1);
    ASSERT_STREQ(meta->meta, "reset_connection");
    gf_playbook_free(pb);
    /* the loop variable and the include's `is defined` guard reach the included tasks */
    check_err("i/site.yml", NULL);
    put("i/imploop.yml", "- hosts: all\n  tasks:\n    - import_tasks: each.yml\n      loop: [1]\n");
    load_err("i/imploop.yml", "imploop.yml:4:7: 'import_tasks' cannot loop (Ansible refuses it "
             "too): use include_tasks");
    put("i/imptpl.yml", "- hosts: all\n  tasks:\n    - import_tasks: \"{{ x }}.yml\"\n");
    load_err("i/imptpl.yml", "imptpl.yml:3:21: templated names in 'import_tasks' are not "
             "supported by gpuforge: use include_tasks, resolved when it runs");
    put("i/badapply.yml", "- hosts: all\n  tasks:\n    - include_tasks:\n"
        "        file: each.yml\n        apply: { shell: x }\n");
    load_err("i/badapply.yml", "badapply.yml:5:18: 'apply' takes task keywords, not 'shell'");
    put("i/badopt.yml", "- hosts: all\n  tasks:\n    - include_role:\n"
        "        name: r\n        task_from: x\n");
    load_err("i/badopt.yml", "badopt.yml:5:9: 'include_role' does not take 'task_from' "
             "(supported: name, tasks_from, vars_from, defaults_from, handlers_from, apply, "
             "public, allow_duplicates, rolespec_validate, vars)");
    done();
}

TEST(check_names_the_file_a_condition_is_written_in)
{
    put("cf/site.yml", "- hosts: all\n  roles: [a]\n");
    put("cf/roles/a/meta/main.yml", "dependencies:\n  - role: b\n    when: nope\n");
    put("cf/roles/a/tasks/main.yml", "- command: 'true'\n");
    put("cf/roles/b/tasks/main.yml", "- command: 'true'\n");
    struct gf_playbook *pb = load_ok("cf/site.yml");
    struct gf_inventory *inv = gf_inventory_new();
    struct gf_error err = GF_ERROR_INIT;

    ASSERT(gf_playbook_check(pb, inv, NULL, &err) < 0);
    ASSERT(err.file != NULL && gf_endswith(err.file, "roles/a/meta/main.yml"));
    ASSERT_EQ(err.line, 3);
    ASSERT_EQ(err.col, 11);
    ASSERT_STREQ(err.msg, "undefined variable 'nope'");
    gf_error_clear(&err);
    gf_inventory_free(inv);
    gf_playbook_free(pb);
    done();
}

TEST(handlers_blocks_and_includes)
{
    put("h/site.yml", "- hosts: all\n  tasks:\n"
        "    - command: 'true'\n      notify: [in block, via include, imported]\n"
        "  handlers:\n"
        "    - block:\n        - name: in block\n          command: 'true'\n"
        "      become: true\n"
        "    - name: via include\n      include_tasks: h.yml\n"
        "    - import_tasks: h2.yml\n");
    put("h/h.yml", "- command: echo from include\n");
    put("h/h2.yml", "- name: imported\n  command: 'true'\n");
    struct gf_playbook *pb = load_ok("h/site.yml");
    struct gf_play *pl = pb->plays.v[0];
    ASSERT_EQ(pl->handlers.n, 3);
    struct gf_task *b = pl->handlers.v[0], *inc = pl->handlers.v[1];
    ASSERT_STREQ(b->name, "in block");
    ASSERT_EQ(b->become, 1);
    ASSERT_EQ(inc->kind, GF_TASK_INCLUDE);
    ASSERT_EQ(((struct gf_task *)inc->block.v[0])->handler, 1); /* tags do not select it */
    gf_playbook_free(pb);
    check_err("h/site.yml", NULL);
    put("h/bad.yml", "- hosts: all\n  handlers:\n"
        "    - block:\n        - command: 'true'\n      rescue:\n        - command: 'true'\n");
    load_err("h/bad.yml", "bad.yml:3:7: a handler block with rescue or always is not supported "
             "by gpuforge");
    done();
}

TEST(remote_user_async_and_wait_for_connection_load)
{
    put("ru/site.yml", "- hosts: all\n  remote_user: deploy\n  tasks:\n"
        "    - command: sleep 1\n      async: 30\n      poll: 2\n"
        "    - block:\n        - command: 'true'\n      remote_user: \"{{ admin }}\"\n"
        "    - wait_for_connection: { delay: 1, timeout: 60 }\n");
    struct gf_playbook *pb = load_ok("ru/site.yml");
    struct gf_play *pl = pb->plays.v[0];
    struct gf_task *a = pl->sections[1].v[0], *blk = pl->sections[1].v[1];
    struct gf_task *w = pl->sections[1].v[2];
    ASSERT_STREQ(pl->remote_user, "deploy");
    ASSERT_STREQ(a->remote_user, "deploy");
    ASSERT_EQ(a->async, 30);
    ASSERT_EQ(a->poll, 2);
    ASSERT_STREQ(((struct gf_task *)blk->block.v[0])->remote_user, "{{ admin }}");
    ASSERT_EQ(((struct gf_task *)blk->block.v[0])->poll, 15); /* Ansible's default */
    ASSERT_STREQ(w->module->name, "wait_for_connection");
    ASSERT(!w->module->unimplemented);
    gf_playbook_free(pb);
    put("ru/bad.yml", "- hosts: all\n  tasks:\n    - command: 'true'\n      async: soon\n");
    load_err("ru/bad.yml", "bad.yml:4:14: 'async' must be a non-negative integer");
    done();
}

TEST(check_knows_what_include_vars_and_fact_modules_define)
{
    put("iv/site.yml", "- hosts: all\n  roles: [r]\n");
    put("iv/roles/r/vars/Debian.yml", "pkg_name: nfs-kernel-server\n");
    put("iv/roles/r/vars/RedHat.yml", "pkg_name: nfs-utils\nonly_redhat: 1\n");
    put("iv/roles/r/vars/os/Suse.yml", "os_map: { zyp: 1 }\n");
    put("iv/roles/r/tasks/main.yml",
        "- include_vars: \"{{ ansible_os_family }}.yml\"\n"
        "- include_vars: { file: \"{{ item }}\", name: os_vars }\n"
        "  with_first_found: [\"os/{{ ansible_os_family }}.yml\"]\n"
        "- set_fact:\n    \"{{ item.key }}\": \"{{ item.value }}\"\n"
        "  with_dict: \"{{ os_vars }}\"\n"
        "- service_facts:\n"
        "- debug: msg=\"{{ pkg_name }} {{ only_redhat }} {{ os_map }} {{ services }}\"\n");
    check_err("iv/site.yml", NULL);
    put("iv/undef.yml", "- hosts: all\n  tasks:\n"
        "    - include_vars: { file: none.yml, name: loaded }\n"
        "    - debug:\n        msg: \"{{ loaded }} {{ really_nowhere }}\"\n");
    check_err("iv/undef.yml", "undef.yml:5:31: undefined variable 'really_nowhere'");
    done();
}

TEST(ansible_parameters_gpuforge_lacks)
{
    const struct gf_module *file = gf_module_find("file"), *svc = gf_module_find("service");
    const struct gf_module *stat = gf_module_find("stat");
    struct gf_val *args = gf_val_map(), *ok;
    struct gf_error err = GF_ERROR_INIT;

    gf_val_map_set(args, "path", gf_val_str("/"));
    gf_val_map_set(args, "selevel", gf_val_str("s0"));
    ok = gf_module_check_args_static(file, args, &err); /* accepted before the run */
    ASSERT(ok != NULL);
    gf_val_unref(ok);
    ASSERT(gf_module_check_args(file, args, &err) == NULL); /* refused where it runs */
    ASSERT_STREQ(err.msg, "module 'file': Ansible's parameter 'selevel' is not "
                 "implemented by gpuforge");
    gf_error_clear(&err);
    gf_val_unref(args);
    /* systemd's daemon_reload through service needs no name */
    args = gf_val_map();
    gf_val_map_set(args, "daemon_reload", gf_val_bool(1));
    ok = gf_module_check_args_static(svc, args, &err);
    ASSERT(ok != NULL);
    gf_val_unref(ok);
    gf_val_unref(args);
    /* a name Ansible does not know either is still an error */
    args = gf_val_map();
    gf_val_map_set(args, "path", gf_val_str("/"));
    gf_val_map_set(args, "get_attribute", gf_val_bool(0));
    ASSERT(gf_module_check_args_static(stat, args, &err) == NULL);
    gf_error_clear(&err);
    gf_val_unref(args);
}

TEST(check_play_hosts_template)
{
    /* play vars, vars_files and magic variables are defined in hosts */
    put("c/hosts-ok.yml", "- hosts: \"{{ t | default('all') }}\"\n  tasks: []\n"
        "- hosts: \"{{ pv }}:{{ groups['all'] | length }}\"\n  vars: { pv: web }\n"
        "  tasks: []\n");
    check_err("c/hosts-ok.yml", NULL);
    /* a name only the inventory or the facts could define is not */
    put("c/hosts-undef.yml", "- hosts: all\n  tasks: []\n- name: second\n"
        "  hosts: \"{{ ansible_host }}\"\n  tasks: []\n");
    check_err("c/hosts-undef.yml", "hosts-undef.yml:3:3: undefined variable 'ansible_host' in "
              "the play's 'hosts' (only extra vars, the play's vars and magic variables are "
              "defined there)");
    put("c/hosts-syntax.yml", "- hosts: \"{{ a b }}\"\n  tasks: []\n");
    struct gf_playbook *pb = load_ok("c/hosts-syntax.yml");
    struct gf_inventory *inv = gf_inventory_new();
    struct gf_error err = GF_ERROR_INIT;
    ASSERT(gf_playbook_check(pb, inv, NULL, &err) < 0);
    gf_error_clear(&err);
    gf_inventory_free(inv);
    gf_playbook_free(pb);
    done();
}

TEST(library_modules_pass_the_static_checks_only)
{
    /* a module of a role's library/ (or the playbook's) loads and checks;
     * the same name without the file is an unknown module */
    put("lib/roles/r/library/fingerprint.py", "# a Python module\n");
    put("lib/roles/r/tasks/main.yml", "- name: fp\n  fingerprint:\n    msg: hi\n  when: false\n");
    put("lib/library/own", "#!/bin/sh\n");
    put("lib/site.yml", "- hosts: all\n  roles: [r]\n  tasks:\n    - own: { any: 1 }\n");
    struct gf_playbook *pb = load_ok("lib/site.yml");
    gf_playbook_free(pb);
    check_err("lib/site.yml", NULL);
    put("lib/other.yml", "- hosts: all\n  tasks:\n    - fingerprint: {}\n");
    load_err("lib/other.yml", "other.yml:3:7: unknown module 'fingerprint'");
    done();
}

TEST(include_role_of_a_missing_role_fails_where_it_runs)
{
    /* include_role resolves the role when it runs, as in Ansible: a role
     * that is not there is no load error; import_role's is */
    put("inc/site.yml", "- hosts: all\n  tasks:\n    - include_role: { name: ns.coll.gone }\n"
        "      when: ansible_os_family == 'RedHat'\n");
    struct gf_playbook *pb = load_ok("inc/site.yml");
    gf_playbook_free(pb);
    put("inc/static.yml", "- hosts: all\n  tasks:\n    - import_role: { name: gone }\n");
    char path[600];
    struct gf_error err = GF_ERROR_INIT;
    snprintf(path, sizeof(path), "%s/inc/static.yml", dir);
    pb = NULL;
    ASSERT(gf_playbook_load(path, NULL, &pb, &err) < 0);
    ASSERT(strstr(err.msg, "role 'gone' not found"));
    gf_error_clear(&err);
    done();
}

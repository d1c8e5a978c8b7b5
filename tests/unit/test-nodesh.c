/* test-nodesh.c - unit tests for the embedded node-side scripts: each one
 * is in the table, is valid for dash, and lib.sh's helpers behave. */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../engine/exec/exec.h"
#include "../../engine/modules/nodesh.h"
#include "harness.h"

/* Runs text with dash reading it on stdin; returns the exit status and the
 * first line of output in line. */
static int run_dash(const char *text, char *line, size_t n)
{
    char tmpl[] = "/tmp/gf-nodesh.XXXXXX";
    char cmd[128];
    int fd = mkstemp(tmpl), st;
    FILE *f = fdopen(fd, "w");

    ASSERT(f);
    fputs(text, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "dash %s 2>&1", tmpl);
    FILE *p = popen(cmd, "r");
    ASSERT(p);
    line[0] = '\0';
    if (!fgets(line, (int)n, p))
        line[0] = '\0';
    st = pclose(p);
    remove(tmpl);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Runs text with dash, environment assignments env (shell words) first;
 * returns the exit status and all of stdout in out. */
static int run_dash_env(const char *text, const char *env, char *out, size_t n)
{
    char tmpl[] = "/tmp/gf-nodesh.XXXXXX", cmd[256];
    int fd = mkstemp(tmpl);
    size_t len = strlen(text);

    ASSERT(fd >= 0);
    ASSERT_EQ(write(fd, text, len), (long long)len);
    close(fd);
    snprintf(cmd, sizeof cmd, "%s dash %s", env, tmpl);
    FILE *p = popen(cmd, "r");
    ASSERT(p);
    size_t got = fread(out, 1, n - 1, p);
    out[got] = '\0';
    int st = pclose(p);
    remove(tmpl);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(nodesh_every_script_parses_and_has_no_comment_lines)
{
    int count = 0;

    for (const struct gf_nodesh *s = gf_nodesh_table; s->name; s++, count++) {
        char line[256], check[64];
        ASSERT_EQ(strlen(s->text), s->len);
        ASSERT(strstr(s->text, "\n#") == NULL && s->text[0] != '#');
        /* dash -n: parse only */
        struct gf_buf b = GF_BUF_INIT;
        gf_buf_adds(&b, "set -n\n");
        gf_buf_adds(&b, s->text);
        snprintf(check, sizeof check, "%s", s->name);
        if (run_dash(b.buf, line, sizeof line) != 0)
            FAILF("script %s does not parse: %s", check, line);
        gf_buf_release(&b);
    }
    ASSERT(count >= 1);
}

TEST(nodesh_lib_fail_reports_a_tagged_line)
{
    struct gf_buf b = GF_BUF_INIT;
    char line[256];

    gf_nodesh_add(&b, "lib");
    gf_buf_adds(&b, "fail no such thing\necho not reached\n");
    ASSERT_EQ(run_dash(b.buf, line, sizeof line), 1);
    ASSERT_STREQ(line, "GFERR no such thing\n");
    gf_buf_release(&b);
}

TEST(nodesh_lib_try_runs_nothing_in_check_mode)
{
    char dir[] = "/tmp/gf-try.XXXXXX", out[1024];
    struct gf_buf b = GF_BUF_INIT;

    ASSERT(mkdtemp(dir) != NULL);
    gf_sh_assign(&b, "d", dir);
    gf_buf_adds(&b, "gf_check=1\n");
    gf_nodesh_add(&b, "lib");
    gf_buf_adds(&b, "try touch \"$d/a\" && echo \"check $?[$gf_out]\"\n"
                    "[ -e \"$d/a\" ] || echo absent\n"
                    "gf_check=0\n"
                    "try touch \"$d/a\" && echo \"run $?[$gf_out]\"\n"
                    "[ -e \"$d/a\" ] && echo present\n"
                    "try sh -c 'echo out; echo err >&2; exit 3' || echo \"failed $?[$gf_out]\"\n"
                    "rm -r \"$d\"\n");
    ASSERT_EQ(run_dash_env(b.buf, "", out, sizeof out), 0);
    ASSERT_STREQ(out, "check 0[]\nabsent\nrun 0[]\npresent\nfailed 3[out\nerr]\n");
    gf_buf_release(&b);
}

TEST(nodesh_gpu_lists_what_nvidia_smi_lists)
{
    char dir[] = "/tmp/gf-gpu.XXXXXX", cmd[512], env[600], out[8192];
    struct gf_buf b = GF_BUF_INIT;

    ASSERT(mkdtemp(dir) != NULL);
    snprintf(cmd, sizeof cmd,
             "printf '#!/bin/sh\\necho \"00000000:18:00.0, NVIDIA H200, 550.54.15, 143771, "
             "GPU-a\"\\n' >%s/nvidia-smi && chmod 755 %s/nvidia-smi", dir, dir);
    ASSERT_EQ(system(cmd), 0);
    gf_nodesh_add(&b, "gpu");
    gf_nodesh_add(&b, "setup_end");
    snprintf(env, sizeof env, "PATH=%s:\"$PATH\"", dir);
    ASSERT_EQ(run_dash_env(b.buf, env, out, sizeof out), 0);
    ASSERT(strncmp(out, "@@GF pci\n", 9) == 0);
    ASSERT(strstr(out, "\n@@GF nvver\n") != NULL);
    char *smi = strstr(out, "\n@@GF nvsmi\n");
    ASSERT(smi != NULL);
    ASSERT_STREQ(smi, "\n@@GF nvsmi\n00000000:18:00.0, NVIDIA H200, 550.54.15, 143771, GPU-a\n"
                      "@@GF end\n");
    snprintf(cmd, sizeof cmd, "rm -r %s", dir);
    ASSERT_EQ(system(cmd), 0);
    gf_buf_release(&b);
}

/* exists.sh's answer for the pattern in dir (relative patterns from there). */
static int glob_answer(const char *dir, const char *pattern)
{
    struct gf_buf b = GF_BUF_INIT;
    char line[256];

    gf_sh_assign(&b, "gf_path", pattern);
    gf_sh_assign(&b, "gf_chdir", dir);
    gf_nodesh_add(&b, "lib");
    gf_nodesh_add(&b, "exists");
    int rc = run_dash(b.buf, line, sizeof line);
    gf_buf_release(&b);
    if (rc != 0)
        return -1;
    return !strcmp(line, "GF 1\n") ? 1 : !strcmp(line, "GF 0\n") ? 0 : -1;
}

TEST(nodesh_exists_matches_as_python_glob)
{
    char dir[] = "/tmp/gf-glob.XXXXXX";
    char cmd[512];

    ASSERT(mkdtemp(dir) != NULL);
    snprintf(cmd, sizeof cmd,
             "cd %s && mkdir -p k3s/data empty && touch k3s/data/x empty/.hidden 'lit*' "
             "'back\\slash' && ln -s /nonexistent dangling", dir);
    ASSERT_EQ(system(cmd), 0);
    ASSERT_EQ(glob_answer(dir, "k3s/*"), 1);
    ASSERT_EQ(glob_answer(dir, "k3s/data/?"), 1);
    ASSERT_EQ(glob_answer(dir, "k3s/data/[xy]"), 1);
    ASSERT_EQ(glob_answer(dir, "k3s/data/[!x]"), 0);
    ASSERT_EQ(glob_answer(dir, "nothing/*"), 0);
    ASSERT_EQ(glob_answer(dir, "empty/*"), 0);     /* * skips a leading dot */
    ASSERT_EQ(glob_answer(dir, "empty/.*"), 1);    /* .hidden, not . or .. */
    ASSERT_EQ(glob_answer(dir, "k3s/data/.*"), 0);
    ASSERT_EQ(glob_answer(dir, "dangling"), 1);    /* lexists */
    ASSERT_EQ(glob_answer(dir, "lit*"), 1);
    ASSERT_EQ(glob_answer(dir, "back\\slash"), 1); /* no escape character */
    ASSERT_EQ(glob_answer(dir, "back\\sla*"), 1);
    ASSERT_EQ(glob_answer(dir, "k3s/data/x/"), 0); /* not a directory */
    ASSERT_EQ(glob_answer(dir, "no such dir"), 0);
    ASSERT_EQ(glob_answer("/nonexistent-dir", "x"), -1);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ASSERT_EQ(system(cmd), 0);
}

TEST(nodesh_home_expands_known_users_only)
{
    struct gf_buf b = GF_BUF_INIT;
    struct passwd *pw = getpwnam("root");
    char out[1024];

    ASSERT(pw != NULL);
    gf_sh_assign(&b, "gf_users", "~root\n~nosuchuser-gf\n~a$(id)\n~-x");
    gf_nodesh_add(&b, "home");
    ASSERT_EQ(run_dash_env(b.buf, "", out, sizeof out), 0);
    char *want = gf_xasprintf("GF ~root=%s\nGF ~nosuchuser-gf=~nosuchuser-gf\n"
                              "GF ~a$(id)=~a$(id)\nGF ~-x=~-x\n", pw->pw_dir);
    ASSERT_STREQ(out, want);
    free(want);
    gf_buf_release(&b);
}

TEST(nodesh_expandvars_as_python_expandvars)
{
    struct gf_buf b = GF_BUF_INIT;
    char out[1024];

    gf_sh_assign(&b, "gf_v0", "$GF_T_DIR/x");
    gf_sh_assign(&b, "gf_v1", "${GF_T_DIR}/y$");
    gf_sh_assign(&b, "gf_v2", "$GF_T_UNSET/${GF_T_UNSET}/$1/$/{a}");
    gf_sh_assign(&b, "gf_v3", "a$GF_T_DIR$GF_T_DIR");
    gf_sh_assign(&b, "gf_v4", "${GF T}${}");
    gf_sh_assign(&b, "gf_v5", "$rest/$gf_n/$GF_T_EMPTY."); /* the script's own: not env */
    gf_buf_adds(&b, "gf_n=6\n");
    gf_nodesh_add(&b, "expandvars");
    ASSERT_EQ(run_dash_env(b.buf, "GF_T_DIR=/d GF_T_EMPTY= rest=no", out, sizeof out), 0);
    /* what os.path.expandvars gives for the same environment */
    ASSERT_STREQ(out, "GF 0=/d/x\nGF 1=/d/y$\nGF 2=$GF_T_UNSET/${GF_T_UNSET}/$1/$/{a}\n"
                      "GF 3=a/d/d\nGF 4=${GF T}${}\nGF 5=no/$gf_n/.\n");
    gf_buf_release(&b);
}

/* copy_put.sh in text mode (gf_text=1) with stdin: its output and status. */
static int copy_put_text(const char *dir, const char *content, const char *stdin_text,
                         char *out, size_t n)
{
    struct gf_buf b = GF_BUF_INIT;
    char path[256], size[32], in[256], env[300];
    FILE *f;

    snprintf(path, sizeof path, "%s/f", dir);
    snprintf(size, sizeof size, "%zu", strlen(content));
    snprintf(in, sizeof in, "%s/in", dir);
    ASSERT((f = fopen(in, "w")) != NULL);
    fputs(stdin_text, f);
    fclose(f);
    gf_sh_assign(&b, "gf_dest", path);
    gf_sh_assign(&b, "gf_base", "");
    /* sha256 of "hello world\n" */
    gf_sh_assign(&b, "gf_sum", "a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447");
    gf_buf_adds(&b, "gf_mode=0640 gf_owner= gf_group= gf_force=1 gf_backup=0 gf_check=0\n"
                    "gf_probe=0 gf_validate= gf_text=1\n");
    gf_sh_assign(&b, "gf_size", size);
    gf_nodesh_add(&b, "tmpfile");
    gf_nodesh_add(&b, "copy_put");
    snprintf(env, sizeof env, "<%s", in);
    int rc = run_dash_env(b.buf, env, out, n);
    gf_buf_release(&b);
    return rc;
}

TEST(nodesh_copy_put_text_cut_short_writes_nothing)
{
    char dir[] = "/tmp/gf-cp.XXXXXX", out[1024], path[64], cmd[256];

    ASSERT(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/f", dir);
    /* stdin cut short: refused, nothing left behind */
    ASSERT_EQ(copy_put_text(dir, "hello world\n", "hello", out, sizeof out), 1);
    ASSERT_STREQ(out, "GFERR content corrupted in transfer\n");
    ASSERT(access(path, F_OK) != 0);
    snprintf(cmd, sizeof cmd, "test -z \"$(ls -A %s | grep -v '^in$')\"", dir);
    ASSERT_EQ(system(cmd), 0);
    /* whole: written with its mode; then the same text again changes nothing */
    ASSERT_EQ(copy_put_text(dir, "hello world\n", "hello world\n", out, sizeof out), 0);
    snprintf(cmd, sizeof cmd, "GF 1 %s\n", path);
    ASSERT_STREQ(out, cmd);
    snprintf(cmd, sizeof cmd, "test \"$(stat -c %%a %s)\" = 640 && "
             "test \"$(cat %s)\" = 'hello world'", path, path);
    ASSERT_EQ(system(cmd), 0);
    ASSERT_EQ(copy_put_text(dir, "hello world\n", "hello world\n", out, sizeof out), 0);
    snprintf(cmd, sizeof cmd, "GF 0 %s\n", path);
    ASSERT_STREQ(out, cmd);
    snprintf(cmd, sizeof cmd, "rm -r %s", dir);
    ASSERT_EQ(system(cmd), 0);
}

/* test-cloud.c - the cloud layer: cluster specs and their errors, the size x
 * GPU x region tables, state and intent records, keys and user-data, the
 * plugin protocol, and `gpuforge cloud` against tests/cloud/gpuforge-cloud-fake
 * (a shell plugin keeping its instances as files). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libssh/libssh.h>

#include "../../engine/cloud/cloud.h"
#include "harness.h"

static void tmpdir(char *dir, size_t size)
{
    snprintf(dir, size, "/tmp/gf-cloud-XXXXXX");
    if (mkdtemp(dir) == NULL)
        FAILF("mkdtemp: %s", strerror(errno));
}

/* Removes a scratch directory (tests leave nothing in /tmp when they pass). */
static void rmtree(const char *dir)
{
    char *cmd = gf_xasprintf("rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "    could not remove %s\n", dir);
    free(cmd);
}

static char *write_spec(const char *dir, const char *text)
{
    char *p = gf_xasprintf("%s/cluster.yml", dir);
    FILE *f = fopen(p, "w");
    if (f == NULL)
        FAILF("cannot write %s", p);
    fputs(text, f);
    fclose(f);
    return p;
}

/* Loads text as a spec; returns the error text ("" when it loaded). */
static char *load(const char *text, struct gf_cloud_spec *s)
{
    char dir[64];
    struct gf_error err = GF_ERROR_INIT;
    struct gf_buf b = GF_BUF_INIT;

    tmpdir(dir, sizeof(dir));
    char *p = write_spec(dir, text);
    if (gf_cloud_spec_load(p, NULL, s, &err) < 0) {
        gf_error_format(&err, &b);
        /* drop the directory part of the file name */
        char *slash = strstr(b.buf, "cluster.yml");
        char *r = gf_xstrdup(slash ? slash : b.buf);
        gf_buf_release(&b);
        gf_error_clear(&err);
        free(p);
        rmtree(dir);
        return r;
    }
    free(p);
    rmtree(dir);
    return gf_xstrdup("");
}

TEST(cloud_spec_nodes_and_defaults)
{
    struct gf_cloud_spec s;
    char *e = load("name: lab\nplugin: aws\nregion: us-east-1\nspot: true\n"
                   "labels: {team: ml, n: 3}\n"
                   "master: {count: 1, instance_type: m}\n"
                   "worker: {count: 2}\n"
                   "pools:\n"
                   "  - pool: infer\n    count: 1\n    instance_gpu: t4\n    spot: false\n"
                   "  - pool: train\n    count: 2\n    instance_type: xl\n"
                   "    instance_gpu: h100\n    disk_gb: 500\n", &s);
    ASSERT_STREQ(e, "");
    ASSERT_EQ(s.nodes.n, 6);
    struct gf_cloud_node *m = s.nodes.v[0], *w2 = s.nodes.v[2], *inf = s.nodes.v[3];
    struct gf_cloud_node *tr = s.nodes.v[5];
    ASSERT_STREQ(m->name, "lab-master-1");
    ASSERT_STREQ(m->instance_type, "m5.xlarge");
    ASSERT_EQ(m->has_gpu, 0);
    ASSERT_EQ(m->spot, 1);
    ASSERT_STREQ(w2->name, "lab-worker-2");
    ASSERT_STREQ(w2->instance_type, "t3.medium");
    ASSERT_STREQ(inf->name, "lab-infer-1");
    ASSERT_STREQ(inf->role, "worker");
    ASSERT_STREQ(inf->pool, "infer");
    ASSERT_STREQ(inf->instance_type, "g4dn.xlarge");
    ASSERT_EQ(inf->has_gpu, 1);
    ASSERT_EQ(inf->spot, 0);
    ASSERT_STREQ(tr->name, "lab-train-2");
    ASSERT_STREQ(tr->instance_type, "p5.48xlarge");
    ASSERT_EQ(tr->gpu_count, 8);
    ASSERT_EQ(tr->disk_gb, 500);
    ASSERT_STREQ(gf_val_map_get(s.labels, "n")->u.str.s, "3");
    ASSERT(gf_endswith(s.state_dir, "/cluster.state"));
    ASSERT_STREQ(s.user, "gpuforge");
    gf_cloud_spec_release(&s);
    free(e);
}

TEST(cloud_spec_errors_point_at_the_key)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        { "name: a\nplugin: aws\nregion: us-east-1\nmaster: {count: 1}\ncolour: red\n",
          "cluster.yml:5:1: cluster: unknown key 'colour'" },
        { "name: a\nplugin: aws\nregion: us-east-1\nmaster:\n  count: 1\n  pool: x\n",
          "cluster.yml:6:3: master: unknown key 'pool' here" },
        { "name: a\nplugin: aws\nregion: us-east-1\nmaster: {count: many}\n",
          "cluster.yml:4:17: master: 'count' must be a non-negative integer, not str" },
        { "name: a\nplugin: aws\nregion: mars-1\nmaster: {count: 1}\n",
          "cluster.yml:3:9: master: region 'mars-1' is not one of aws's: us-east-1 us-east-2 "
          "us-west-1 us-west-2 ca-central-1 eu-west-1 eu-west-2 eu-central-1 eu-north-1 "
          "ap-northeast-1 ap-northeast-2 ap-southeast-1 ap-southeast-2 ap-south-1 sa-east-1" },
        { "name: a\nplugin: aws\nregion: sa-east-1\nmaster: {count: 1}\n"
          "pools:\n  - {pool: g, instance_type: xl, instance_gpu: h100}\n",
          "cluster.yml:6:48: pools[0]: h100 is not offered by aws in region 'sa-east-1' "
          "(offered in: us-east-1 us-east-2 us-west-2 eu-north-1 ap-northeast-1 ap-south-1)" },
        { "name: a\nplugin: aws\nregion: us-east-1\nmaster: {count: 1}\n"
          "pools:\n  - {pool: g, instance_type: s, instance_gpu: a100}\n",
          "cluster.yml:6:30: pools[0]: size 's' has no a100 shape on aws (sizes offered: l, xl)" },
        { "name: a\nplugin: local-vm\nregion: local\nmaster: {count: 1}\n"
          "worker: {instance_gpu: t4}\n",
          "cluster.yml:5:24: worker: instance_gpu 't4': local-vm has no GPUs" },
        { "name: a\nplugin: aws\nregion: us-east-1\nmaster: {count: 1}\n"
          "worker: {instance_gpu: tpu9}\n",
          "" /* a native accelerator: the plugin judges it */ },
        { "name: a\nplugin: aws\nregion: us-east-1\nmaster: {count: 1, spot_price: 0.5}\n",
          "cluster.yml:4:32: master: spot_price needs spot: true" },
        { "name: a\nplugin: aws\nregion: us-east-1\nworker: {count: 1}\n",
          "cluster.yml:1:1: cluster: 'master' is required (a mapping with count:)" },
        { "name: A_b\nplugin: aws\nregion: us-east-1\nmaster: {}\n",
          "cluster.yml:1:7: cluster: name 'A_b' must be 1-40 lowercase letters, digits or '-', "
          "starting with a letter" },
        { "plugin: aws\nregion: us-east-1\nmaster: {}\n",
          "cluster.yml:1:1: cluster: 'name' is required" },
        { "name: a\nplugin: aws\nregion: us-east-1\nmaster: {}\ncopy_dest: /opt\n",
          "cluster.yml:5:1: cluster: copy_dest without copy_dir" },
        { "name: a\nplugin: aws\nregion: us-east-1\nmaster: {}\n"
          "pools:\n  - {pool: g, instance_type: l, instance_gpu: t4, gpu_count: 2}\n",
          "cluster.yml:6:62: pools[0]: g4dn.12xlarge has 4 GPU(s); gpu_count 2 needs another "
          "instance_type" },
        { "name: a\nplugin: aws\nregion: us-east-1\nmaster: {}\n"
          "pools:\n  - {pool: w, count: 1}\nworker: {count: 1}\npools2: 1\n",
          "cluster.yml:8:1: cluster: unknown key 'pools2'" },
        { "name: a\nplugin: fake\nregion: x\nmaster: {}\nworker: {}\npools:\n  - {pool: worker}\n",
          "cluster.yml:7:5: pools[0]: node name 'a-worker-1' is used twice" },
        { "- a\n", "cluster.yml:1:1: a cluster spec must be a mapping" },
    };
    for (size_t i = 0; i < GF_ARRAY_LEN(cases); i++) {
        struct gf_cloud_spec s;
        char *e = load(cases[i].text, &s);
        if (strcmp(e, cases[i].want) != 0)
            FAILF("case %zu:\n      got:  %s\n      want: %s", i, e, cases[i].want);
        gf_cloud_spec_release(&s);
        free(e);
    }
}

TEST(cloud_shape_tables)
{
    struct gf_cloud_shape sh;
    const char *which;
    char *msg;

    ASSERT_EQ(gf_cloud_shape_resolve("gcp", "us-central1", "l", "a100", &sh, &which, &msg), 0);
    ASSERT_STREQ(sh.instance_type, "a2-highgpu-4g");
    ASSERT_STREQ(sh.gpu, "nvidia-tesla-a100");
    ASSERT_EQ(sh.gpu_count, 4);
    ASSERT_EQ(gf_cloud_shape_resolve("gcp", "us-east1", "m", "t4", &sh, &which, &msg), 0);
    ASSERT_STREQ(sh.instance_type, "n1-standard-8");
    ASSERT_EQ(sh.gpu_count_fixed, 0);
    /* native values pass through */
    ASSERT_EQ(gf_cloud_shape_resolve("aws", "us-east-1", "c7i.large", NULL, &sh, &which, &msg),
              0);
    ASSERT_STREQ(sh.instance_type, "c7i.large");
    ASSERT_EQ(gf_cloud_shape_resolve("gcp", "us-east1", "n1-highmem-8", "t4", &sh, &which, &msg),
              0);
    ASSERT_STREQ(sh.instance_type, "n1-highmem-8");
    ASSERT_STREQ(sh.gpu, "nvidia-tesla-t4");
    /* an unknown provider: everything is the plugin's */
    ASSERT_EQ(gf_cloud_shape_resolve("acme", "x", "s", "t4", &sh, &which, &msg), 0);
    ASSERT_STREQ(sh.instance_type, "s");
    ASSERT_EQ(gf_cloud_provider_known("acme"), 0);
    ASSERT_EQ(gf_cloud_provider_known("local-vm"), 1);
    /* the GPU comes with the type on AWS */
    ASSERT_EQ(gf_cloud_shape_resolve("aws", "us-east-1", "m6i.large", "t4", &sh, &which, &msg),
              -GF_EINVAL);
    ASSERT_STREQ(which, "instance_gpu");
    free(msg);
    ASSERT_EQ(gf_cloud_shape_resolve("gcp", "asia-east1", "xl", "h100", &sh, &which, &msg),
              -GF_EINVAL);
    ASSERT_STREQ(which, "instance_gpu");
    free(msg);
    ASSERT_EQ(gf_cloud_shape_resolve("local-vm", "local", "xl", NULL, &sh, &which, &msg), 0);
    ASSERT_STREQ(sh.instance_type, "2cpu-4096m");
}

/* The generic names of the Terraform provider gpuforge was designed from (its
 * tables are summarised in the design notes, not copied here): sizes m, l, xl
 * by GPU k80 and tesla map to AWS's m5, p2 and p3 families, and the generic
 * regions us-west, us-east, eu-west, eu-north to vendor regions. */
TEST(cloud_tables_follow_the_seed_documents)
{
    static const struct {
        const char *size, *gpu, *type;
        int count;
    } aws[] = {
        { "m", NULL, "m5.xlarge", 0 },       { "l", NULL, "m5.4xlarge", 0 },
        { "xl", NULL, "m5.12xlarge", 0 },    { "m", "k80", "p2.xlarge", 1 },
        { "l", "k80", "p2.8xlarge", 8 },     { "xl", "k80", "p2.16xlarge", 16 },
        { "m", "tesla", "p3.8xlarge", 4 },   { "l", "tesla", "p3.16xlarge", 8 },
        { "xl", "tesla", "p3dn.24xlarge", 8 }, { "m", "v100", "p3.8xlarge", 4 },
    };
    static const struct {
        const char *provider, *generic, *region;
    } regions[] = {
        { "aws", "us-west", "us-west-2" },   { "aws", "us-east", "us-east-1" },
        { "aws", "eu-west", "eu-west-1" },   { "aws", "eu-north", "eu-north-1" },
        { "gcp", "us-west", "us-west1" },    { "gcp", "us-east", "us-east1" },
        { "gcp", "eu-west", "europe-west1" }, { "gcp", "eu-north", "europe-north1" },
        { "gcp", "asia-east1", "asia-east1" },
    };
    struct gf_cloud_shape sh;
    const char *which;
    char *msg;

    for (size_t i = 0; i < GF_ARRAY_LEN(aws); i++) {
        /* in every generic region the seed names */
        for (size_t r = 0; r < 4; r++) {
            if (aws[i].gpu && r == 3)
                continue; /* no p2 or p3 in eu-north-1: tested below */
            if (gf_cloud_shape_resolve("aws", regions[r].generic, aws[i].size, aws[i].gpu, &sh,
                                       &which, &msg) < 0)
                FAILF("aws %s x %s in %s: %s", aws[i].size, aws[i].gpu ? aws[i].gpu : "-",
                      regions[r].generic, msg);
            if (strcmp(sh.instance_type, aws[i].type) != 0 || sh.gpu_count != aws[i].count)
                FAILF("aws %s x %s: %s with %d GPU(s), want %s with %d", aws[i].size,
                      aws[i].gpu ? aws[i].gpu : "-", sh.instance_type, sh.gpu_count,
                      aws[i].type, aws[i].count);
            ASSERT(sh.gpu == NULL); /* the type brings the GPUs */
        }
    }
    ASSERT_EQ(gf_cloud_shape_resolve("aws", "eu-north", "m", "k80", &sh, &which, &msg),
              -GF_EINVAL);
    ASSERT_STREQ(which, "instance_gpu");
    ASSERT(strstr(msg, "eu-north-1") != NULL);
    free(msg);
    ASSERT_EQ(gf_cloud_shape_resolve("aws", "eu-north", "xl", "tesla", &sh, &which, &msg),
              -GF_EINVAL);
    ASSERT_STREQ(which, "instance_gpu");
    free(msg);
    ASSERT_EQ(gf_cloud_shape_resolve("aws", "eu-north", "xl", NULL, &sh, &which, &msg), 0);
    for (size_t i = 0; i < GF_ARRAY_LEN(regions); i++)
        ASSERT_STREQ(gf_cloud_region_resolve(regions[i].provider, regions[i].generic),
                     regions[i].region);
    ASSERT_STREQ(gf_cloud_region_resolve("local-vm", "us-east"), "us-east");
    /* tesla is the V100 on GCP too, attached to N1 */
    ASSERT_EQ(gf_cloud_shape_resolve("gcp", "us-west", "l", "tesla", &sh, &which, &msg), 0);
    ASSERT_STREQ(sh.instance_type, "n1-standard-32");
    ASSERT_STREQ(sh.gpu, "nvidia-tesla-v100");
    ASSERT_EQ(sh.gpu_count, 4);
    /* GCP retired the K80: refused by name, with what it has */
    ASSERT_EQ(gf_cloud_shape_resolve("gcp", "us-east", "m", "k80", &sh, &which, &msg),
              -GF_EINVAL);
    ASSERT(strstr(msg, "not offered by gcp") != NULL);
    free(msg);
    /* Azure: the F series, the NC series for tesla (the K80's NC v1 is retired) */
    static const struct {
        const char *size, *gpu, *type;
    } az[] = {
        { "m", NULL, "Standard_F4s_v2" },       { "l", NULL, "Standard_F8s_v2" },
        { "xl", NULL, "Standard_F16s_v2" },     { "m", "tesla", "Standard_NC6s_v3" },
        { "l", "tesla", "Standard_NC12s_v3" },  { "xl", "tesla", "Standard_NC24s_v3" },
        { "m", "t4", "Standard_NC8as_T4_v3" },
    };
    for (size_t i = 0; i < GF_ARRAY_LEN(az); i++) {
        ASSERT_EQ(gf_cloud_shape_resolve("azure", "eu-west", az[i].size, az[i].gpu, &sh, &which,
                                         &msg), 0);
        ASSERT_STREQ(sh.instance_type, az[i].type);
    }
    ASSERT_STREQ(gf_cloud_region_resolve("azure", "us-east"), "eastus");
    ASSERT_STREQ(gf_cloud_region_resolve("azure", "eu-north"), "northeurope");
    ASSERT_EQ(gf_cloud_shape_resolve("azure", "us-east", "m", "k80", &sh, &which, &msg),
              -GF_EINVAL);
    free(msg);
    /* every abstract size x GPU either resolves or says why, in every region */
    static const char *const sizes[] = { "s", "m", "l", "xl" };
    static const char *const gpus[] = { NULL, "t4", "l4", "a10g", "k80", "v100", "a100", "h100" };
    static const char *const where[] = { "us-east-1", "eu-west-1", "us-central1", "europe-west4" };
    for (size_t p = 0; p < 2; p++)
        for (size_t r = 0; r < 2; r++)
            for (size_t si = 0; si < 4; si++)
                for (size_t g = 0; g < GF_ARRAY_LEN(gpus); g++) {
                    const char *prov = p ? "gcp" : "aws";
                    int rc = gf_cloud_shape_resolve(prov, where[p * 2 + r], sizes[si], gpus[g],
                                                    &sh, &which, &msg);
                    if (rc == 0) {
                        ASSERT(sh.instance_type && *sh.instance_type);
                        ASSERT(gpus[g] == NULL ? sh.gpu_count == 0 : sh.gpu_count >= 1);
                    } else {
                        ASSERT(msg && which);
                        free(msg);
                    }
                }
}

TEST(cloud_spec_field_positions)
{
    struct gf_cloud_spec s;
    int line, col;
    char *e = load("name: a\nplugin: fake\nregion: x\nmaster: {}\npools:\n"
                   "  - pool: p\n    instance_type: big\n", &s);
    ASSERT_STREQ(e, "");
    ASSERT_EQ(gf_cloud_spec_pos(&s, "pools[0].instance_type", &line, &col), 1);
    ASSERT_EQ(line, 7);
    ASSERT_EQ(col, 20);
    ASSERT_EQ(gf_cloud_spec_pos(&s, "region", &line, &col), 1);
    ASSERT_EQ(line, 3);
    /* the deepest part found */
    ASSERT_EQ(gf_cloud_spec_pos(&s, "pools[3].x", &line, &col), 1);
    ASSERT_EQ(line, 6);
    ASSERT_EQ(gf_cloud_spec_pos(&s, "nothing", &line, &col), 0);
    gf_cloud_spec_release(&s);
    free(e);
}

TEST(cloud_state_intents_survive_a_reload)
{
    char dir[64];
    struct gf_cloud_state st;
    struct gf_error err = GF_ERROR_INIT;

    tmpdir(dir, sizeof(dir));
    ASSERT_EQ(gf_cloud_state_load(dir, &st, &err), 0);
    ASSERT_EQ(st.nodes.n, 0);
    st.cluster = gf_xstrdup("c");
    st.plugin = gf_xstrdup("fake");
    struct gf_cloud_snode *a = gf_cloud_state_intent(&st, "c", "c-master-1", 0);
    char *tok = gf_xstrdup(a->token);
    ASSERT(strlen(tok) <= 64);
    ASSERT_EQ(gf_cloud_state_save(&st, &err), 0);
    gf_cloud_state_release(&st);

    ASSERT_EQ(gf_cloud_state_load(dir, &st, &err), 0);
    ASSERT_EQ(st.nodes.n, 1);
    a = st.nodes.v[0];
    ASSERT_EQ(a->st, GF_CLOUD_INTENT);
    ASSERT_STREQ(a->token, tok);
    /* a retry keeps the token: the provider answers with what it made */
    ASSERT_STREQ(gf_cloud_state_intent(&st, "c", "c-master-1", 0)->token, tok);
    a->id = gf_xstrdup("i-1");
    a->st = GF_CLOUD_CREATED;
    ASSERT_EQ(gf_cloud_state_save(&st, &err), 0);
    gf_cloud_state_release(&st);
    ASSERT_EQ(gf_cloud_state_load(dir, &st, &err), 0);
    a = st.nodes.v[0];
    ASSERT_EQ(a->st, GF_CLOUD_CREATED);
    ASSERT_STREQ(a->id, "i-1");
    /* the instance vanished: a new generation, a new token */
    a = gf_cloud_state_intent(&st, "c", "c-master-1", 1);
    ASSERT(strcmp(a->token, tok) != 0);
    ASSERT_EQ(a->gen, 1);
    ASSERT(a->id == NULL);
    gf_cloud_state_release(&st);

    /* a new state (after down removed the old one): new tokens, or EC2 would
     * answer the old token with its terminated instance */
    char dir2[64];
    tmpdir(dir2, sizeof(dir2));
    ASSERT_EQ(gf_cloud_state_load(dir2, &st, &err), 0);
    ASSERT(strcmp(gf_cloud_state_intent(&st, "c", "c-master-1", 0)->token, tok) != 0);
    gf_cloud_state_release(&st);
    rmtree(dir2);

    /* a broken record is an error, never an empty state */
    char *p = gf_xasprintf("%s/state.json", dir);
    FILE *f = fopen(p, "w");
    fputs("{\"cluster\": \"c\", \"plugin\": \"fake\", \"nodes\": [{\"name\": \"x\"}]}\n", f);
    fclose(f);
    ASSERT_EQ(gf_cloud_state_load(dir, &st, &err), -GF_EPARSE);
    ASSERT(strstr(err.msg, "malformed node record") != NULL);
    gf_cloud_state_release(&st);
    gf_error_clear(&err);
    free(p);
    free(tok);
    rmtree(dir);
}

TEST(cloud_keys_are_openssh_ed25519)
{
    char dir[64], *priv = NULL, *pub = NULL, *priv2 = NULL, *pub2 = NULL;
    struct gf_error err = GF_ERROR_INIT;
    ssh_key k = NULL;
    char *b64 = NULL;

    tmpdir(dir, sizeof(dir));
    ASSERT_EQ(gf_cloud_key_ensure(dir, "id", "me", &priv, &pub, &err), 0);
    ASSERT(gf_startswith(priv, "-----BEGIN OPENSSH PRIVATE KEY-----\n"));
    ASSERT(gf_startswith(pub, "ssh-ed25519 AAAA"));
    ASSERT(gf_endswith(pub, " me"));
    /* the private key reads back and its public half is the .pub */
    ASSERT_EQ(ssh_pki_import_privkey_base64(priv, NULL, NULL, NULL, &k), SSH_OK);
    ASSERT_EQ(ssh_pki_export_pubkey_base64(k, &b64), SSH_OK);
    ASSERT(strstr(pub, b64) != NULL);
    struct stat sb;
    char *path = gf_xasprintf("%s/id", dir);
    ASSERT_EQ(stat(path, &sb), 0);
    ASSERT_EQ(sb.st_mode & 0777, 0600);
    /* a second call reuses the pair */
    ASSERT_EQ(gf_cloud_key_ensure(dir, "id", "me", &priv2, &pub2, &err), 0);
    ASSERT_STREQ(pub2, pub);
    ASSERT_STREQ(priv2, priv);
    ssh_string_free_char(b64);
    ssh_key_free(k);
    free(priv);
    free(pub);
    free(priv2);
    free(pub2);
    free(path);
    rmtree(dir);
}

TEST(cloud_user_data_carries_keys_script_and_files)
{
    char dir[64];
    struct gf_cloud_spec s;
    struct gf_error err = GF_ERROR_INIT;
    struct gf_buf b = GF_BUF_INIT;
    struct gf_val *v = NULL;

    tmpdir(dir, sizeof(dir));
    char *files = gf_xasprintf("%s/files", dir), *sub = gf_xasprintf("%s/files/sub", dir);
    char *fa = gf_xasprintf("%s/files/sub/a.txt", dir), *sc = gf_xasprintf("%s/boot.sh", dir);
    ASSERT_EQ(mkdir(files, 0755), 0);
    ASSERT_EQ(mkdir(sub, 0755), 0);
    FILE *f = fopen(fa, "w");
    fputs("hello\n", f);
    fclose(f);
    f = fopen(sc, "w");
    fputs("#!/bin/sh\necho booted\n", f);
    fclose(f);
    char *p = write_spec(dir, "name: a\nplugin: local-vm\nregion: local\nmaster: {}\n"
                              "user: ops\nstartup_script: boot.sh\ncopy_dir: files\n"
                              "copy_dest: /opt/app\n");
    ASSERT_EQ(gf_cloud_spec_load(p, NULL, &s, &err), 0);
    ASSERT_EQ(gf_cloud_user_data(&s, s.nodes.v[0], "ssh-ed25519 UUU u", "PRIV", "ssh-ed25519 HHH",
                                 &b, &err), 0);
    ASSERT(gf_startswith(b.buf, "#cloud-config\n"));
    ASSERT_EQ(gf_yaml_load(b.buf, b.len, "ud", &v, &err), 0);
    ASSERT_STREQ(gf_val_map_get(v, "hostname")->u.str.s, "a-master-1");
    ASSERT_STREQ(gf_val_map_get(v, "manage_etc_hosts")->u.str.s, "localhost");
    struct gf_val *u = gf_val_map_get(v, "users")->u.list.v[0];
    ASSERT_STREQ(gf_val_map_get(u, "name")->u.str.s, "ops");
    ASSERT_STREQ(((struct gf_val *)gf_val_map_get(u, "ssh_authorized_keys")->u.list.v[0])->u.str.s,
                 "ssh-ed25519 UUU u");
    struct gf_val *hk = gf_val_map_get(v, "ssh_keys");
    ASSERT_STREQ(gf_val_map_get(hk, "ed25519_private")->u.str.s, "PRIV");
    ASSERT_STREQ(gf_val_map_get(hk, "ed25519_public")->u.str.s, "ssh-ed25519 HHH");
    ASSERT_EQ(gf_val_map_get(v, "ssh_genkeytypes")->u.list.n, 0);
    ASSERT_EQ(gf_val_map_get(v, "ssh_deletekeys")->u.b, 1);
    struct gf_val *wf = gf_val_map_get(v, "write_files");
    ASSERT_EQ(wf->u.list.n, 2);
    struct gf_val *w0 = wf->u.list.v[0];
    ASSERT_STREQ(gf_val_map_get(w0, "path")->u.str.s, "/opt/app/sub/a.txt");
    ASSERT_STREQ(gf_val_map_get(w0, "content")->u.str.s, "aGVsbG8K");
    ASSERT_STREQ(gf_val_map_get(w0, "encoding")->u.str.s, "b64");
    struct gf_val *w1 = wf->u.list.v[1];
    ASSERT_STREQ(gf_val_map_get(w1, "content")->u.str.s, "#!/bin/sh\necho booted\n");
    ASSERT(gf_val_map_get(v, "runcmd") != NULL);
    gf_val_unref(v);
    gf_buf_release(&b);
    gf_cloud_spec_release(&s);
    free(p);
    free(files);
    free(sub);
    free(fa);
    free(sc);
    rmtree(dir);
}

/* ---- the protocol, against the shell plugin in tests/cloud ---- */

static void fake_env(char *dir, size_t n)
{
    char cwd[512];
    tmpdir(dir, n);
    if (getcwd(cwd, sizeof(cwd)) == NULL)
        FAILF("getcwd");
    char *pp = gf_xasprintf("%s/tests/cloud", cwd), *fd = gf_xasprintf("%s/fake", dir);
    setenv("GPUFORGE_CLOUD_PLUGIN_PATH", pp, 1);
    setenv("GF_FAKE_CLOUD_DIR", fd, 1);
    free(pp);
    free(fd);
}

TEST(cloud_protocol_answers_and_errors)
{
    char dir[64];
    struct gf_cloud_spec s;
    struct gf_cloud_plugin p;
    struct gf_cloud_perr pe;
    struct gf_error err = GF_ERROR_INIT;
    struct gf_val *req, *resp = NULL;

    fake_env(dir, sizeof(dir));
    char *path = write_spec(dir, "name: t\nplugin: fake\nregion: r\nmaster: {}\n");
    ASSERT_EQ(gf_cloud_spec_load(path, NULL, &s, &err), 0);
    ASSERT_EQ(gf_cloud_plugin_find("fake", NULL, &p, &err), 0);
    ASSERT(gf_endswith(p.path, "/tests/cloud/gpuforge-cloud-fake"));

    req = gf_cloud_request(&s);
    ASSERT_EQ(gf_cloud_call(&p, "version", req, &resp, &pe, &err), 0);
    ASSERT_STREQ(gf_val_map_get(resp, "name")->u.str.s, "fake");
    gf_val_unref(resp);
    /* the request carries the protocol, the operation and the tag */
    char *r1 = gf_xasprintf("%s/fake/req-1.json", dir);
    struct gf_buf b = GF_BUF_INIT;
    ASSERT_EQ(gf_read_file(r1, &b, 1 << 16, &err), 0);
    ASSERT(strstr(b.buf, "\"protocol\":1") != NULL);
    ASSERT(strstr(b.buf, "\"op\":\"version\"") != NULL);
    ASSERT(strstr(b.buf, "\"tag\":{\"key\":\"gpuforge-cluster\",\"value\":\"t\"}") != NULL);
    gf_buf_release(&b);

    /* a process the plugin left behind holding its stdout does not hold us */
    setenv("GF_FAKE_CLOUD_LINGER", "1", 1);
    int64_t t0 = gf_now_ms();
    ASSERT_EQ(gf_cloud_call(&p, "version", req, &resp, &pe, &err), 0);
    ASSERT(gf_now_ms() - t0 < 15000);
    gf_val_unref(resp);
    unsetenv("GF_FAKE_CLOUD_LINGER");

    setenv("GF_FAKE_CLOUD_INVALID", "master.count:too many", 1);
    ASSERT_EQ(gf_cloud_call(&p, "validate", req, &resp, &pe, &err), -GF_EFAIL);
    ASSERT_STREQ(pe.code, "invalid_spec");
    ASSERT_STREQ(pe.field, "master.count");
    ASSERT_STREQ(pe.message, "too many");
    gf_cloud_perr_release(&pe);
    unsetenv("GF_FAKE_CLOUD_INVALID");

    setenv("GF_FAKE_CLOUD_PROTOCOL", "2", 1);
    ASSERT_EQ(gf_cloud_call(&p, "version", req, &resp, &pe, &err), -GF_EPARSE);
    ASSERT(strstr(err.msg, "protocol version not supported, gpuforge speaks 1") != NULL);
    unsetenv("GF_FAKE_CLOUD_PROTOCOL");

    setenv("GF_FAKE_CLOUD_GARBAGE", "1", 1);
    ASSERT_EQ(gf_cloud_call(&p, "list", req, &resp, &pe, &err), -GF_EPARSE);
    unsetenv("GF_FAKE_CLOUD_GARBAGE");

    /* destroying what is not there succeeds */
    struct gf_val *ids = gf_val_list();
    gf_val_list_push(ids, gf_val_str("i-404"));
    gf_val_map_set(req, "ids", ids);
    ASSERT_EQ(gf_cloud_call(&p, "destroy", req, &resp, &pe, &err), 0);
    gf_val_unref(resp);

    struct gf_cloud_plugin q;
    ASSERT_EQ(gf_cloud_plugin_find("nope", NULL, &q, &err), -GF_ENOTFOUND);
    ASSERT(strstr(err.msg, "gpuforge-cloud-nope") != NULL);
    gf_val_unref(req);
    gf_cloud_plugin_release(&p);
    gf_cloud_spec_release(&s);
    gf_error_clear(&err);
    free(path);
    free(r1);
    rmtree(dir);
}

/* ---- the command ---- */

/* Runs `gpuforge cloud ARGS` through sh with env; returns the exit code and
 * the output (stdout and stderr) in *out. Frees args. */
static int cloud(char **out, const char *env, char *args)
{
    const char *bin = getenv("GF_GPUFORGE") ? getenv("GF_GPUFORGE") : "./gpuforge";
    char *cmd = gf_xasprintf("%s %s cloud %s 2>&1; echo \"rc=$?\"", env, bin, args);
    struct gf_buf b = GF_BUF_INIT;
    char chunk[4096];
    size_t n;

    fflush(stdout);
    FILE *p = popen(cmd, "r");
    while (p && (n = fread(chunk, 1, sizeof(chunk), p)) > 0)
        gf_buf_add(&b, chunk, n);
    if (p)
        pclose(p);
    free(cmd);
    free(args);
    char *rc = strstr(b.buf, "rc=");
    int code = -1;
    while (rc && strstr(rc + 1, "rc="))
        rc = strstr(rc + 1, "rc=");
    if (rc)
        code = atoi(rc + 3);
    *out = gf_buf_detach(&b, NULL);
    return code;
}

/* A formatted string that lives until the next call (for system()). */
static const char *tmp_printf(const char *fmt, ...) GF_PRINTF(1, 2);
static const char *tmp_printf(const char *fmt, ...)
{
    static char *last;
    struct gf_buf b = GF_BUF_INIT;
    va_list ap;

    va_start(ap, fmt);
    gf_buf_vaddf(&b, fmt, ap);
    va_end(ap);
    free(last);
    last = gf_buf_detach(&b, NULL);
    return last;
}

static int count_lines(const char *path, const char *word)
{
    FILE *f = fopen(path, "r");
    char line[256];
    int n = 0;

    while (f && fgets(line, sizeof(line), f))
        n += strstr(line, word) != NULL;
    if (f)
        fclose(f);
    return n;
}

/* Instances of the fake cloud that are not terminated. */
static int live_instances(const char *dir)
{
    char *cmd = gf_xasprintf("grep -l '^state=running' %s/fake/instances/* 2>/dev/null | wc -l",
                             dir);
    FILE *p = popen(cmd, "r");
    int n = -1;
    if (p == NULL || fscanf(p, "%d", &n) != 1)
        n = -1;
    if (p)
        pclose(p);
    free(cmd);
    return n;
}

TEST(cloud_command_life_cycle_with_a_crash)
{
    char dir[64], *out;
    const char *bin = getenv("GF_GPUFORGE") ? getenv("GF_GPUFORGE") : "./gpuforge";

    if (!gf_is_file(bin)) {
        fprintf(stderr, "    skipped: no %s (run `make` first)\n", bin);
        return;
    }
    fake_env(dir, sizeof(dir));
    char *spec = write_spec(dir, "name: life\nplugin: fake\nregion: r\nmaster: {count: 1}\n"
                                 "pools:\n  - {pool: gpu, count: 2, instance_gpu: t4}\n");
    char *args = gf_xasprintf("-c %s --wait 0", spec);
    char *ops = gf_xasprintf("%s/fake/ops.log", dir);

    ASSERT_EQ(cloud(&out, "", gf_xasprintf("validate -c %s", spec)), 0);
    ASSERT(strstr(out, "ok: 3 node(s) for plugin fake in r") != NULL);
    ASSERT_EQ(count_lines(ops, "create"), 0);
    free(out);

    /* the plugin dies after making life-gpu-1: nothing recorded its id */
    ASSERT_EQ(cloud(&out, "GF_FAKE_CLOUD_DIE_AFTER_CREATE=life-gpu-1", gf_xasprintf("up %s", args)),
              2);
    ASSERT(strstr(out, "'create' exited with status 1 without an answer") != NULL);
    free(out);
    ASSERT_EQ(live_instances(dir), 2);
    char *state = gf_xasprintf("%s/cluster.state/state.json", dir);
    ASSERT_EQ(count_lines(state, "\"intent\""), 1);

    /* up again: the tagged instance is adopted, the rest made, no duplicate */
    ASSERT_EQ(cloud(&out, "", gf_xasprintf("up %s", args)), 0);
    ASSERT(strstr(out, "life-gpu-1                   exists (i-1001)") != NULL);
    ASSERT(strstr(out, "life-gpu-2                   creating") != NULL);
    free(out);
    ASSERT_EQ(live_instances(dir), 3);
    ASSERT_EQ(count_lines(state, "\"intent\""), 0);

    /* the inventory loads and has the contract's groups and variables */
    char *inv = gf_xasprintf("%s/cluster.state/inventory.yml", dir);
    char *kh = gf_xasprintf("%s/cluster.state/known_hosts", dir);
    ASSERT_EQ(count_lines(kh, "ssh-ed25519 AAAA"), 3);
    ASSERT_EQ(count_lines(kh, "life-gpu-2,10.214.250.12 "), 1);
    ASSERT_EQ(count_lines(inv, "\"has_gpu\": true"), 2);
    ASSERT_EQ(count_lines(inv, "\"pool\": \"gpu\""), 2);
    ASSERT_EQ(count_lines(inv, "StrictHostKeyChecking=yes"), 1);

    /* a third up changes nothing */
    ASSERT_EQ(cloud(&out, "", gf_xasprintf("up %s", args)), 0);
    ASSERT(strstr(out, "creating") == NULL);
    free(out);
    ASSERT_EQ(count_lines(ops, "create"), 3); /* master, gpu-1 (died), gpu-2 */

    /* a stopped instance: up asks for it again under its token, which starts it */
    char *i0 = gf_xasprintf("%s/fake/instances/i-1000", dir);
    ASSERT_EQ(system(tmp_printf("sed -i s/^state=running/state=stopped/ %s", i0)), 0);
    ASSERT_EQ(cloud(&out, "", gf_xasprintf("up %s", args)), 0);
    ASSERT(strstr(out, "life-master-1                stopped: starting it (i-1000)") != NULL);
    free(out);
    ASSERT_EQ(count_lines(i0, "state=running"), 1);
    ASSERT_EQ(live_instances(dir), 3);
    free(i0);

    ASSERT_EQ(cloud(&out, "", gf_xasprintf("status %s", args)), 0);
    ASSERT(strstr(out, "life-master-1                master   running      10.214.250.10") !=
           NULL);
    free(out);

    /* a plugin's verdict on a field points into the spec */
    ASSERT_EQ(cloud(&out, "GF_FAKE_CLOUD_INVALID='pools[0].instance_gpu:no t4 here'",
                    gf_xasprintf("validate -c %s", spec)), 4);
    ASSERT(strstr(out, "cluster.yml:6:41: pools[0].instance_gpu: no t4 here (plugin 'fake', "
                       "invalid_spec)") != NULL);
    free(out);

    ASSERT_EQ(cloud(&out, "", gf_xasprintf("down %s", args)), 0);
    ASSERT(strstr(out, "cluster 'life': down") != NULL);
    free(out);
    ASSERT_EQ(live_instances(dir), 0);
    char *sd = gf_xasprintf("%s/cluster.state", dir);
    ASSERT(!gf_is_dir(sd));
    /* down again: nothing left, still fine */
    ASSERT_EQ(cloud(&out, "", gf_xasprintf("down %s", args)), 0);
    free(out);
    ASSERT(!gf_is_dir(sd));

    ASSERT_EQ(cloud(&out, "", gf_xstrdup("sideways -c x")), 4);
    ASSERT(strstr(out, "unknown operation 'sideways'") != NULL);
    free(out);
    free(spec);
    free(args);
    free(ops);
    free(state);
    free(inv);
    free(kh);
    free(sd);
    rmtree(dir);
}

/* cmd-bundle.c - `gpuforge bundle`: keygen, build, verify, inspect and
 * extract air-gap bundles on the controller (engine/bundle does the work);
 * push and fetch-debs live in cmd-push.c and cmd-fetchdebs.c. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../bundle/bundle.h"
#include "cli.h"

#define BUNDLE_USAGE \
    "gpuforge bundle SUBCOMMAND [ARGS] [options]\n" \
    "\n" \
    "Air-gap bundles: one uncompressed tar holding a manifest signed with Ed25519, a\n" \
    "SHA256SUMS file and the payload. verify checks the signature before anything\n" \
    "else, then every member's path, type, mode, size and sha256. A node needs only\n" \
    "coreutils and tar to unpack one and check it with sha256sum -c.\n" \
    "\n" \
    "  keygen -o KEY              write a new key pair: KEY (private, mode 0600) and\n" \
    "                             KEY.pub; never overwrites; prints the fingerprint\n" \
    "  build SPEC.yml -o OUT.gfb (--key KEY | --insecure-unsigned)\n" \
    "                             pack the spec's components and sign the manifest;\n" \
    "                             SOURCE_DATE_EPOCH sets the created time\n" \
    "  verify BUNDLE (--pubkey KEY.pub | --insecure-unsigned)\n" \
    "                             check the signature, then every member\n" \
    "  inspect BUNDLE [--pubkey KEY.pub] [--json]\n" \
    "                             list components and files (all verified first\n" \
    "                             when --pubkey is given)\n" \
    "  extract BUNDLE DIR (--pubkey KEY.pub | --insecure-unsigned)\n" \
    "                             verify and unpack into DIR, which must not exist,\n" \
    "                             through a staging directory renamed into place\n" \
    "  push -i INVENTORY BUNDLE --pubkey KEY.pub [--topology star|chain] [--dest DIR]\n" \
    "                             verify, send to the nodes, check and activate there\n" \
    "                             atomically (see 'gpuforge bundle push --help')\n" \
    "  fetch-debs PKG... -o DIR [--status FILE] [--update]\n" \
    "                             download the .deb closure of PKG for a target\n" \
    "                             (its dpkg status file) that has no repository\n" \
    "\n" \
    "  -o, --output FILE          keygen: private key file; build: bundle file\n" \
    "      --key KEY              build: private key to sign with\n" \
    "      --pubkey KEY.pub       public key to verify with (pin its fingerprint)\n" \
    "      --insecure-unsigned    build without a signature / accept an unsigned bundle\n" \
    "      --installed VERSION    verify, extract: the version installed now; older\n" \
    "                             bundles are refused (rollback)\n" \
    "      --allow-downgrade      accept a bundle older than --installed\n" \
    "      --json                 inspect: print the manifest (canonical JSON)\n" \
    "\n" \
    "exit: 0 ok, 4 bad usage, bad spec or rejected bundle, 1 i/o or internal error\n"

enum {
    OPT_KEY = 1000,
    OPT_PUBKEY,
    OPT_INSECURE,
    OPT_INSTALLED,
    OPT_DOWNGRADE,
    OPT_JSON,
};

/* Which options each subcommand takes. */
#define A_OUTPUT (1u << 0)
#define A_KEY (1u << 1)
#define A_PUBKEY (1u << 2)
#define A_INSECURE (1u << 3)
#define A_INSTALLED (1u << 4)
#define A_JSON (1u << 5)

struct args {
    const char *output, *key, *pubkey, *installed;
    int insecure, downgrade, json;
    struct gf_vec pos;  /* const char * operands */
};

static const struct option opts[] = {
    { "output", required_argument, NULL, 'o' },
    { "key", required_argument, NULL, OPT_KEY },
    { "pubkey", required_argument, NULL, OPT_PUBKEY },
    { "insecure-unsigned", no_argument, NULL, OPT_INSECURE },
    { "installed", required_argument, NULL, OPT_INSTALLED },
    { "allow-downgrade", no_argument, NULL, OPT_DOWNGRADE },
    { "json", no_argument, NULL, OPT_JSON },
    { NULL, 0, NULL, 0 },
};

/* Parses argv (argv[0] is the subcommand) allowing the options in `allow`
 * and exactly npos operands. Returns 0 or an exit code after printing. */
static int parse(struct args *a, int argc, char **argv, unsigned allow, size_t npos,
                 const char *operands)
{
    const struct gf_cmd *cmd = &gf_cmd_bundle;
    int c;

    memset(a, 0, sizeof(*a));
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:", opts, NULL)) != -1) {
        unsigned need;
        switch (c) {
        case 'o': need = A_OUTPUT; a->output = optarg; break;
        case OPT_KEY: need = A_KEY; a->key = optarg; break;
        case OPT_PUBKEY: need = A_PUBKEY; a->pubkey = optarg; break;
        case OPT_INSECURE: need = A_INSECURE; a->insecure = 1; break;
        case OPT_INSTALLED: need = A_INSTALLED; a->installed = optarg; break;
        case OPT_DOWNGRADE: need = A_INSTALLED; a->downgrade = 1; break;
        case OPT_JSON: need = A_JSON; a->json = 1; break;
        case ':':
            return gf_cmd_usage_error(cmd, "bundle %s: option '%s' needs a value", argv[0],
                                      argv[optind - 1]);
        default:
            return gf_cmd_usage_error(cmd, "bundle %s: unknown option '%s'", argv[0],
                                      argv[optind - 1]);
        }
        if (!(allow & need))
            return gf_cmd_usage_error(cmd, "bundle %s: option '%s' does not apply", argv[0],
                                      argv[optind - 1]);
    }
    for (int i = optind; i < argc; i++)
        gf_vec_push(&a->pos, argv[i]);
    if (a->pos.n != npos) {
        gf_vec_release(&a->pos, NULL);
        return gf_cmd_usage_error(cmd, "bundle %s needs %s", argv[0], operands);
    }
    return 0;
}

static int fail(struct gf_error *err, int rc)
{
    gf_error_print(err);
    gf_error_clear(err);
    return gf_errexit(rc);
}

static void human(uint64_t n, char *buf, size_t size)
{
    if (n < 1024)
        snprintf(buf, size, "%llu B", (unsigned long long)n);
    else if (n < (1u << 20))
        snprintf(buf, size, "%.1f KiB", (double)n / 1024);
    else if (n < (1u << 30))
        snprintf(buf, size, "%.1f MiB", (double)n / (1 << 20));
    else
        snprintf(buf, size, "%.2f GiB", (double)n / (1 << 30));
}

static void count(const struct gf_bundle_manifest *m, size_t *files, size_t *dirs)
{
    *files = *dirs = 0;
    for (size_t i = 0; i < m->files.n; i++)
        if (((const struct gf_bundle_file *)m->files.v[i])->type == GF_BUNDLE_DIR)
            (*dirs)++;
        else
            (*files)++;
}

/* Loads --pubkey when given; requires it unless --insecure-unsigned. */
static int load_pubkey(const struct args *a, const char *sub, struct gf_bundle_key **k)
{
    struct gf_error err = GF_ERROR_INIT;
    int rc;

    *k = NULL;
    if (a->pubkey == NULL) {
        if (a->insecure)
            return 0;
        return gf_cmd_usage_error(&gf_cmd_bundle, "bundle %s needs --pubkey KEY.pub (or "
                                  "--insecure-unsigned)", sub);
    }
    if ((rc = gf_bundle_key_load(a->pubkey, 0, k, &err)) < 0)
        return fail(&err, rc);
    return 0;
}

static int sub_keygen(int argc, char **argv)
{
    struct gf_error err = GF_ERROR_INIT;
    struct args a;
    char *fp = NULL;
    int rc;

    if ((rc = parse(&a, argc, argv, A_OUTPUT, 0, "no operands")))
        return rc;
    gf_vec_release(&a.pos, NULL);
    if (a.output == NULL)
        return gf_cmd_usage_error(&gf_cmd_bundle, "bundle keygen needs -o KEY");
    if ((rc = gf_bundle_keygen(a.output, &fp, &err)) < 0)
        return fail(&err, rc);
    printf("wrote %s (private, mode 0600) and %s.pub\nfingerprint %s\n", a.output, a.output, fp);
    free(fp);
    return GF_EXIT_OK;
}

static int sub_build(int argc, char **argv)
{
    struct gf_error err = GF_ERROR_INIT;
    struct gf_bundle_build_opts o = { 0 };
    struct gf_bundle_manifest *m = NULL;
    struct gf_bundle_key *key = NULL;
    struct args a;
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    size_t files, dirs;
    char size[32];
    int rc;

    if ((rc = parse(&a, argc, argv, A_OUTPUT | A_KEY | A_INSECURE, 1, "one SPEC.yml")))
        return rc;
    o.spec = a.pos.v[0];
    gf_vec_release(&a.pos, NULL);
    if (a.output == NULL)
        return gf_cmd_usage_error(&gf_cmd_bundle, "bundle build needs -o OUT.gfb");
    if ((a.key == NULL) == (a.insecure == 0))
        return gf_cmd_usage_error(&gf_cmd_bundle, "bundle build needs exactly one of --key KEY "
                                  "and --insecure-unsigned");
    o.out = a.output;
    o.insecure_unsigned = a.insecure;
    o.created = -1;
    if (sde && *sde) {
        char *end;
        long long t = strtoll(sde, &end, 10);
        if (*end || t < 0)
            return gf_cmd_usage_error(&gf_cmd_bundle, "SOURCE_DATE_EPOCH '%s' is not a number "
                                      "of seconds", sde);
        o.created = t;
    }
    if (a.key && (rc = gf_bundle_key_load(a.key, 1, &key, &err)) < 0)
        return fail(&err, rc);
    o.key = key;
    if ((rc = gf_bundle_build(&o, &m, &err)) < 0) {
        gf_bundle_key_free(key);
        return fail(&err, rc);
    }
    count(m, &files, &dirs);
    human(gf_bundle_manifest_bytes(m), size, sizeof(size));
    printf("built %s: %s %s, %zu files and %zu directories in %zu components, %s, %s%s\n",
           o.out, m->name, m->version, files, dirs, m->components.n, size,
           key ? "signed by " : "UNSIGNED", key ? gf_bundle_key_fingerprint(key) : "");
    if (key == NULL)
        fprintf(stderr, "gpuforge: warning: %s is unsigned: verify and nodes accept it only "
                "with --insecure-unsigned\n", o.out);
    gf_bundle_key_free(key);
    gf_bundle_manifest_free(m);
    return GF_EXIT_OK;
}

static void signature_line(const struct gf_bundle_manifest *m, int verified_run, struct gf_buf *b)
{
    if (m->signer == NULL)
        gf_buf_adds(b, "none (unsigned bundle)");
    else if (m->sig_checked)
        gf_buf_addf(b, "%s (verified)", m->signer);
    else if (verified_run)
        gf_buf_addf(b, "%s (NOT checked: --insecure-unsigned without --pubkey)", m->signer);
    else
        gf_buf_addf(b, "%s (not verified; pass --pubkey to verify)", m->signer);
}

static int sub_verify(int argc, char **argv)
{
    struct gf_error err = GF_ERROR_INIT;
    struct gf_bundle_verify_opts o = { 0 };
    struct gf_bundle_manifest *m = NULL;
    struct gf_bundle_key *key = NULL;
    struct gf_buf sig = GF_BUF_INIT;
    struct args a;
    size_t files, dirs;
    char size[32];
    const char *path;
    int rc;

    if ((rc = parse(&a, argc, argv, A_PUBKEY | A_INSECURE | A_INSTALLED, 1, "one BUNDLE")))
        return rc;
    path = a.pos.v[0];
    gf_vec_release(&a.pos, NULL);
    if ((rc = load_pubkey(&a, "verify", &key)))
        return rc;
    o.pubkey = key;
    o.insecure_unsigned = a.insecure;
    o.installed = a.installed;
    o.allow_downgrade = a.downgrade;
    rc = gf_bundle_verify_file(path, &o, &m, &err);
    gf_bundle_key_free(key);
    if (rc < 0)
        return fail(&err, rc);
    count(m, &files, &dirs);
    human(gf_bundle_manifest_bytes(m), size, sizeof(size));
    signature_line(m, 1, &sig);
    printf("ok %s: %s %s, %zu files and %zu directories, %s verified; signature %s\n", path,
           m->name, m->version, files, dirs, size, sig.buf);
    gf_buf_release(&sig);
    gf_bundle_manifest_free(m);
    return GF_EXIT_OK;
}

static void mode_string(const struct gf_bundle_file *f, char out[11])
{
    static const char rwx[] = "rwxrwxrwx";

    out[0] = f->type == GF_BUNDLE_DIR ? 'd' : '-';
    for (int i = 0; i < 9; i++)
        out[i + 1] = (f->mode & (0400u >> i)) ? rwx[i] : '-';
    out[10] = '\0';
}

static void print_listing(const struct gf_bundle_manifest *m, int verified_run)
{
    struct gf_buf sig = GF_BUF_INIT;
    char when[32], size[32], mode[11];
    size_t files, dirs, fi = 0;

    count(m, &files, &dirs);
    human(gf_bundle_manifest_bytes(m), size, sizeof(size));
    signature_line(m, verified_run, &sig);
    printf("bundle     %s %s (format %d)\n", m->name, m->version, m->format);
    gf_bundle_time_format(m->created, when, sizeof(when));
    printf("created    %s\n", when);
    if (m->has_expires)
        gf_bundle_time_format(m->expires, when, sizeof(when));
    printf("expires    %s\n", m->has_expires ? when : "never");
    printf("signature  %s\n", sig.buf);
    printf("payload    %zu files, %zu directories, %llu bytes (%s)\n", files, dirs,
           (unsigned long long)gf_bundle_manifest_bytes(m), size);
    for (size_t c = 0; c < m->components.n; c++) {
        const struct gf_bundle_component *comp = m->components.v[c];
        size_t start = fi;
        while (fi < m->files.n && ((const struct gf_bundle_file *)m->files.v[fi])->component == c)
            fi++;
        printf("component  %s: %zu entries, %zu debs\n", comp->name, fi - start, comp->debs.n);
        for (size_t i = start; i < fi; i++) {
            const struct gf_bundle_file *f = m->files.v[i];
            mode_string(f, mode);
            if (f->type == GF_BUNDLE_DIR)
                printf("  %s %12s  %s/\n", mode, "-", f->path);
            else
                printf("  %s %12llu  %s\n", mode, (unsigned long long)f->size, f->path);
        }
        for (size_t i = 0; i < comp->debs.n; i++)
            printf("  deb %zu: %s\n", i + 1, (const char *)comp->debs.v[i]);
    }
    gf_buf_release(&sig);
}

static int sub_inspect(int argc, char **argv)
{
    struct gf_error err = GF_ERROR_INIT;
    struct gf_bundle_verify_opts o = { 0 };
    struct gf_bundle_manifest *m = NULL;
    struct gf_bundle_key *key = NULL;
    struct args a;
    const char *path;
    int rc;

    if ((rc = parse(&a, argc, argv, A_PUBKEY | A_JSON, 1, "one BUNDLE")))
        return rc;
    path = a.pos.v[0];
    gf_vec_release(&a.pos, NULL);
    if (a.pubkey) {
        if ((rc = load_pubkey(&a, "inspect", &key)))
            return rc;
        o.pubkey = key;
        rc = gf_bundle_verify_file(path, &o, &m, &err);
        gf_bundle_key_free(key);
    } else {
        rc = gf_bundle_read_manifest(path, &m, &err);
    }
    if (rc < 0)
        return fail(&err, rc);
    if (a.json) {
        struct gf_buf b = GF_BUF_INIT;
        gf_bundle_manifest_serialize(m, &b);
        fwrite(b.buf, 1, b.len, stdout);
        gf_buf_release(&b);
    } else {
        print_listing(m, a.pubkey != NULL);
    }
    gf_bundle_manifest_free(m);
    return GF_EXIT_OK;
}

static int sub_extract(int argc, char **argv)
{
    struct gf_error err = GF_ERROR_INIT;
    struct gf_bundle_verify_opts o = { 0 };
    struct gf_bundle_manifest *m = NULL;
    struct gf_bundle_key *key = NULL;
    struct args a;
    const char *path, *dest;
    size_t files, dirs;
    int rc;

    if ((rc = parse(&a, argc, argv, A_PUBKEY | A_INSECURE | A_INSTALLED, 2, "BUNDLE and DIR")))
        return rc;
    path = a.pos.v[0];
    dest = a.pos.v[1];
    gf_vec_release(&a.pos, NULL);
    if ((rc = load_pubkey(&a, "extract", &key)))
        return rc;
    o.pubkey = key;
    o.insecure_unsigned = a.insecure;
    o.installed = a.installed;
    o.allow_downgrade = a.downgrade;
    rc = gf_bundle_extract(path, dest, &o, &m, &err);
    gf_bundle_key_free(key);
    if (rc < 0)
        return fail(&err, rc);
    count(m, &files, &dirs);
    printf("extracted %s into %s: %s %s, %zu files and %zu directories\n", path, dest, m->name,
           m->version, files, dirs);
    gf_bundle_manifest_free(m);
    return GF_EXIT_OK;
}

int gf_bundle_push_main(int argc, char **argv);       /* cmd-push.c */
int gf_bundle_fetch_debs_main(int argc, char **argv); /* cmd-fetchdebs.c */

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
} subs[] = {
    { "keygen", sub_keygen },
    { "build", sub_build },
    { "verify", sub_verify },
    { "inspect", sub_inspect },
    { "extract", sub_extract },
    { "push", gf_bundle_push_main },
    { "fetch-debs", gf_bundle_fetch_debs_main },
};

static int cmd_bundle(int argc, char **argv)
{
    if (argc < 2)
        return gf_cmd_usage_error(&gf_cmd_bundle, "bundle needs a subcommand");
    for (size_t i = 0; i < GF_ARRAY_LEN(subs); i++)
        if (strcmp(subs[i].name, argv[1]) == 0)
            return subs[i].fn(argc - 1, argv + 1);
    return gf_cmd_usage_error(&gf_cmd_bundle, "unknown bundle subcommand '%s'", argv[1]);
}

const struct gf_cmd gf_cmd_bundle = {
    .name = "bundle",
    .summary = "build, sign, verify and inspect air-gap bundles",
    .usage = BUNDLE_USAGE,
    .exec = cmd_bundle,
    .implemented = 1,
};

/* test-knownhosts.c - unit tests for the known_hosts table: plain, hashed
 * and pattern names, changed and other-type keys, the host key order it
 * gives libssh, lines the accept-new writer adds, and reading a file again
 * after another writer changed it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh/libssh.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "../../engine/exec/exec-priv.h"
#include "harness.h"

static ssh_key keygen(enum ssh_keytypes_e type, int bits)
{
    ssh_key k = NULL;

    if (ssh_pki_generate(type, bits, &k) != SSH_OK)
        FAILF("cannot generate a key");
    return k;
}

/* "TYPE BASE64" of key; malloc'd. */
static char *pub(ssh_key k)
{
    char *b64 = NULL;

    ASSERT(ssh_pki_export_pubkey_base64(k, &b64) == SSH_OK);
    char *s = gf_xasprintf("%s %s", ssh_key_type_to_char(ssh_key_type(k)), b64);
    ssh_string_free_char(b64);
    return s;
}

/* A fresh file under a temporary directory with text; path malloc'd. */
static char *kh_write(const char *text)
{
    char dir[] = "/tmp/gf-unit-kh.XXXXXX";

    ASSERT(mkdtemp(dir) != NULL);
    char *path = gf_xasprintf("%s/known_hosts", dir);
    FILE *f = fopen(path, "w");
    ASSERT(f != NULL);
    fputs(text, f);
    fclose(f);
    return path;
}

static void kh_remove(char *path)
{
    char *dir = gf_xstrdup(path);

    unlink(path);
    *strrchr(dir, '/') = '\0';
    rmdir(dir);
    free(dir);
    free(path);
}

/* "|1|salt|hash" of name with a fixed salt; malloc'd. */
static char *hashed(const char *name)
{
    unsigned char salt[20], mac[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    char s64[64], h64[64];

    memset(salt, 7, sizeof(salt));
    HMAC(EVP_sha1(), salt, sizeof(salt), (const unsigned char *)name, strlen(name), mac, &n);
    EVP_EncodeBlock((unsigned char *)s64, salt, sizeof(salt));
    EVP_EncodeBlock((unsigned char *)h64, mac, (int)n);
    return gf_xasprintf("|1|%s|%s", s64, h64);
}

TEST(known_hosts_table)
{
    ssh_key a = keygen(SSH_KEYTYPE_ED25519, 0), b = keygen(SSH_KEYTYPE_ED25519, 0);
    ssh_key e = keygen(SSH_KEYTYPE_ECDSA_P256, 256);
    char *pa = pub(a), *pb = pub(b), *pe = pub(e), *h = hashed("[10.0.0.9]:2222");
    struct gf_buf text = GF_BUF_INIT, out = GF_BUF_INIT;

    gf_buf_addf(&text, "# comment\n\nnode1,10.0.0.1 %s\n[10.0.0.2]:2222 %s host2\n"
                "%s %s\n*.pattern.test,!bad.pattern.test %s\n@revoked node1 %s\n"
                "node5 %s\nnode5 %s\nNODE6 %s\nnode7 not-a-type AAAA\n",
                pa, pb, h, pa, pe, pb, pe, pa, pa);
    char *path = kh_write(text.buf);
    ASSERT_EQ(gf_known_hosts_check(path, "node1", a), GF_KH_OK);
    ASSERT_EQ(gf_known_hosts_check(path, "10.0.0.1", a), GF_KH_OK);
    ASSERT_EQ(gf_known_hosts_check(path, "node1", b), GF_KH_CHANGED);
    ASSERT_EQ(gf_known_hosts_check(path, "node1", e), GF_KH_OTHER);
    ASSERT_EQ(gf_known_hosts_check(path, "[10.0.0.2]:2222", b), GF_KH_OK);
    ASSERT_EQ(gf_known_hosts_check(path, "10.0.0.2", b), GF_KH_UNKNOWN);
    ASSERT_EQ(gf_known_hosts_check(path, "[10.0.0.9]:2222", a), GF_KH_OK);
    ASSERT_EQ(gf_known_hosts_check(path, "[10.0.0.9]:2222", b), GF_KH_CHANGED);
    ASSERT_EQ(gf_known_hosts_check(path, "x.pattern.test", e), GF_KH_OK);
    ASSERT_EQ(gf_known_hosts_check(path, "bad.pattern.test", e), GF_KH_UNKNOWN);
    /* two keys of one type recorded: either is the host's */
    ASSERT_EQ(gf_known_hosts_check(path, "node5", e), GF_KH_OK);
    ASSERT_EQ(gf_known_hosts_check(path, "node5", a), GF_KH_OK);
    ASSERT_EQ(gf_known_hosts_check(path, "node6", a), GF_KH_OK); /* names are caseless */
    ASSERT_EQ(gf_known_hosts_check(path, "node7", a), GF_KH_UNKNOWN);
    gf_known_hosts_recorded(path, "node1", &out);
    ASSERT(strstr(out.buf, "ssh-ed25519 SHA256:") == out.buf);
    ASSERT(strstr(out.buf, " and ") == NULL);
    gf_buf_reset(&out);
    gf_known_hosts_algorithms(path, "x.pattern.test", "ssh-ed25519,ecdsa-sha2-nistp256", &out);
    ASSERT_STREQ(out.buf, "ecdsa-sha2-nistp256,ssh-ed25519");
    gf_buf_reset(&out);
    gf_known_hosts_algorithms(path, "nowhere", "ssh-ed25519,rsa-sha2-256", &out);
    ASSERT_STREQ(out.buf, "ssh-ed25519,rsa-sha2-256");

    /* the writer's line is seen at once, and so is another writer's change */
    struct gf_buf why = GF_BUF_INIT, line = GF_BUF_INIT;
    gf_buf_addf(&line, "[10.0.0.3]:22 %s", pb);
    ASSERT_EQ(gf_known_hosts_check(path, "[10.0.0.3]:22", b), GF_KH_UNKNOWN);
    ASSERT_EQ(gf_known_hosts_add(path, line.buf, &why), 0);
    ASSERT_EQ(gf_known_hosts_check(path, "[10.0.0.3]:22", b), GF_KH_OK);
    sleep(1); /* another mtime even where it is coarse */
    FILE *f = fopen(path, "w");
    ASSERT(f != NULL);
    fprintf(f, "node1 %s\n", pb);
    fclose(f);
    ASSERT_EQ(gf_known_hosts_check(path, "node1", a), GF_KH_CHANGED);
    ASSERT_EQ(gf_known_hosts_check(path, "[10.0.0.3]:22", b), GF_KH_UNKNOWN);
    unlink(path);
    ASSERT_EQ(gf_known_hosts_check(path, "node1", b), GF_KH_UNKNOWN);

    kh_remove(path);
    gf_buf_release(&text);
    gf_buf_release(&out);
    gf_buf_release(&why);
    gf_buf_release(&line);
    free(pa);
    free(pb);
    free(pe);
    free(h);
    ssh_key_free(a);
    ssh_key_free(b);
    ssh_key_free(e);
}

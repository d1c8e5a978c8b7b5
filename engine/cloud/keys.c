/*
 * keys.c - the keys a cluster's nodes trust and are trusted by, all made on
 * the controller: one user key (its public half goes to every node) and one
 * ed25519 host key per node, handed over in cloud-init user-data, so that
 * known_hosts is written before the first connection (no trust on first
 * use). Also the user-data itself: user, host key, startup script, copy_dir.
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libssh/libssh.h>
#include <openssl/evp.h>

#include "cloud.h"

#define COPY_DIR_MAX (64u << 10)
#define SCRIPT_MAX (64u << 10)

int gf_cloud_keygen(const char *comment, char **priv, char **pub, struct gf_error *err)
{
    ssh_key key = NULL;
    char *b64 = NULL, *pb64 = NULL;
    int rc = 0;

    *priv = *pub = NULL;
    if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK ||
        ssh_pki_export_privkey_base64(key, NULL, NULL, NULL, &b64) != SSH_OK ||
        ssh_pki_export_pubkey_base64(key, &pb64) != SSH_OK) {
        rc = gf_error_set(err, GF_EFAIL, NULL, 0, 0, "cannot generate an ed25519 key");
        goto out;
    }
    if (!gf_startswith(b64, "-----BEGIN OPENSSH PRIVATE KEY-----")) {
        rc = gf_error_set(err, GF_EFAIL, NULL, 0, 0,
                          "libssh did not write the ed25519 key in OpenSSH format");
        goto out;
    }
    size_t n = strlen(b64);
    *priv = gf_xasprintf("%s%s", b64, n && b64[n - 1] == '\n' ? "" : "\n");
    *pub = gf_xasprintf("ssh-ed25519 %s %s", pb64, comment);
out:
    if (b64)
        gf_free_secret(b64, strlen(b64));
    ssh_string_free_char(pb64);
    ssh_key_free(key);
    return rc;
}

static int read_text(const char *path, char **out, struct gf_error *err)
{
    struct gf_buf b = GF_BUF_INIT;
    int rc = gf_read_file(path, &b, 1u << 16, err);

    if (rc < 0) {
        gf_buf_release(&b);
        return rc;
    }
    while (b.len && (b.buf[b.len - 1] == '\n' || b.buf[b.len - 1] == '\r'))
        gf_buf_setlen(&b, b.len - 1);
    *out = gf_buf_detach(&b, NULL);
    return 0;
}

int gf_cloud_key_ensure(const char *dir, const char *name, const char *comment, char **priv,
                        char **pub, struct gf_error *err)
{
    char *ppath = gf_xasprintf("%s/%s", dir, name);
    char *pubpath = gf_xasprintf("%s/%s.pub", dir, name);
    char *line = NULL;
    int rc = 0;

    *priv = *pub = NULL;
    if (gf_is_file(ppath) && gf_is_file(pubpath)) {
        if ((rc = read_text(ppath, priv, err)) < 0 || (rc = read_text(pubpath, pub, err)) < 0)
            goto out;
        char *p2 = gf_xasprintf("%s\n", *priv);
        gf_free_secret(*priv, strlen(*priv));
        *priv = p2;
        goto out;
    }
    if ((rc = gf_cloud_keygen(comment, priv, pub, err)) < 0)
        goto out;
    line = gf_xasprintf("%s\n", *pub);
    /* the private half first: a .pub alone never stands for a key pair */
    if ((rc = gf_cloud_write_file(ppath, *priv, strlen(*priv), 0600, err)) < 0 ||
        (rc = gf_cloud_write_file(pubpath, line, strlen(line), 0644, err)) < 0)
        goto out;
out:
    if (rc < 0) {
        if (*priv)
            gf_free_secret(*priv, strlen(*priv));
        free(*pub);
        *priv = *pub = NULL;
    }
    free(line);
    free(ppath);
    free(pubpath);
    return rc;
}

static void b64(const char *data, size_t n, struct gf_buf *out)
{
    unsigned char *tmp = gf_xmalloc(4 * ((n + 2) / 3) + 1);
    int w = EVP_EncodeBlock(tmp, (const unsigned char *)data, (int)n);
    gf_buf_add(out, tmp, (size_t)w);
    free(tmp);
}

/* nftw has no user pointer: one walk at a time (the controller is one thread here) */
static struct copy_walk {
    const struct gf_cloud_spec *spec;
    struct gf_val *files;
    size_t total;
    struct gf_error *err;
    int rc;
} *walk;

static int copy_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    struct gf_buf data = GF_BUF_INIT, enc = GF_BUF_INIT;
    (void)ftw;

    if (type == FTW_D || type == FTW_DP)
        return 0;
    if (type != FTW_F || !S_ISREG(sb->st_mode)) {
        walk->rc = gf_error_set(walk->err, GF_EUNSUPPORTED, walk->spec->path, 0, 0,
                                "copy_dir: '%s' is not a regular file (only files and "
                                "directories are copied)", path);
        return 1;
    }
    walk->total += (size_t)sb->st_size;
    if (walk->total > COPY_DIR_MAX) {
        walk->rc = gf_error_set(walk->err, GF_EINVAL, walk->spec->path, 0, 0,
                                "copy_dir: more than %u KiB; it travels in user-data, which "
                                "providers cap (copy big trees with a playbook instead)",
                                COPY_DIR_MAX >> 10);
        return 1;
    }
    if ((walk->rc = gf_read_file(path, &data, COPY_DIR_MAX, walk->err)) < 0)
        return 1;
    b64(data.buf, data.len, &enc);
    struct gf_val *f = gf_val_map();
    char *dest = gf_xasprintf("%s/%s", walk->spec->copy_dest,
                              path + strlen(walk->spec->copy_dir) + 1);
    gf_val_map_set(f, "path", gf_val_str(dest));
    gf_val_map_set(f, "encoding", gf_val_str("b64"));
    gf_val_map_set(f, "content", gf_val_strn(enc.buf, enc.len));
    gf_val_map_set(f, "permissions", gf_val_str(sb->st_mode & 0111 ? "0755" : "0644"));
    gf_val_list_push(walk->files, f);
    free(dest);
    gf_buf_release(&data);
    gf_buf_release(&enc);
    return 0;
}

int gf_cloud_user_data(const struct gf_cloud_spec *spec, const struct gf_cloud_node *n,
                       const char *user_pub, const char *host_priv, const char *host_pub,
                       struct gf_buf *b, struct gf_error *err)
{
    struct gf_val *ud = gf_val_map(), *users = gf_val_list(), *u = gf_val_map();
    struct gf_val *keys = gf_val_list(), *hk = gf_val_map(), *files = gf_val_list();
    struct gf_buf script = GF_BUF_INIT;
    int rc = 0;

    gf_val_map_set(ud, "hostname", gf_val_str(n->name));
    /* the node resolves its own name (sudo asks) */
    gf_val_map_set(ud, "manage_etc_hosts", gf_val_str("localhost"));
    gf_val_map_set(u, "name", gf_val_str(spec->user));
    gf_val_map_set(u, "sudo", gf_val_str("ALL=(ALL) NOPASSWD:ALL"));
    gf_val_map_set(u, "shell", gf_val_str("/bin/bash"));
    gf_val_map_set(u, "lock_passwd", gf_val_bool(1));
    gf_val_list_push(keys, gf_val_str(user_pub));
    gf_val_map_set(u, "ssh_authorized_keys", keys);
    gf_val_list_push(users, u);
    gf_val_map_set(ud, "users", users);
    gf_val_map_set(ud, "ssh_pwauth", gf_val_bool(0));
    gf_val_map_set(ud, "disable_root", gf_val_bool(1));
    /* the host key is the controller's: nothing generated on the node */
    gf_val_map_set(ud, "ssh_deletekeys", gf_val_bool(1));
    gf_val_map_set(ud, "ssh_genkeytypes", gf_val_list());
    gf_val_map_set(hk, "ed25519_private", gf_val_str(host_priv));
    gf_val_map_set(hk, "ed25519_public", gf_val_str(host_pub));
    gf_val_map_set(ud, "ssh_keys", hk);
    /* minimal images have no locales: cloud-init's locale module would fail */
    gf_val_map_set(ud, "locale", gf_val_bool(0));
    if (spec->copy_dir) {
        struct copy_walk w = { spec, files, 0, err, 0 };
        walk = &w;
        nftw(spec->copy_dir, copy_one, 16, FTW_PHYS);
        walk = NULL;
        if ((rc = w.rc) < 0)
            goto out;
    }
    if (spec->startup_script) {
        struct gf_val *f = gf_val_map(), *run = gf_val_list(), *cmd = gf_val_list();
        if ((rc = gf_read_file(spec->startup_script, &script, SCRIPT_MAX, err)) < 0) {
            gf_val_unref(f);
            gf_val_unref(run);
            gf_val_unref(cmd);
            goto out;
        }
        gf_val_map_set(f, "path", gf_val_str("/var/lib/gpuforge/startup-script"));
        gf_val_map_set(f, "content", gf_val_strn(script.buf, script.len));
        gf_val_map_set(f, "permissions", gf_val_str("0700"));
        gf_val_list_push(files, f);
        gf_val_list_push(cmd, gf_val_str("/var/lib/gpuforge/startup-script"));
        gf_val_list_push(run, cmd);
        gf_val_map_set(ud, "runcmd", run);
    }
    if (files->u.list.n)
        gf_val_map_set(ud, "write_files", gf_val_ref(files));
    gf_buf_adds(b, "#cloud-config\n");
    gf_json_dump(ud, 2, GF_JSON_SORT, b);
    gf_buf_addc(b, '\n');
out:
    gf_val_unref(files);
    gf_val_unref(ud);
    gf_buf_release(&script);
    return rc;
}

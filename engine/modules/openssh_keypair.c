/* openssh_keypair.c - the `openssh_keypair` module
 * (community.crypto.openssh_keypair) with its ssh-keygen backend, the one
 * Ansible picks when the node has ssh-keygen and no passphrase is given:
 * a key generated when missing (or of another type or size, as
 * `regenerate` says), the public key restored when it does not match,
 * the comment updated, mode/owner/group on both files. A passphrase makes
 * Ansible use the Python cryptography backend, which a node without
 * Python lacks: gpuforge refuses it, naming why. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nodesh.h"
#include "sysmod.h"

static const struct gf_param openssh_keypair_params[] = {
    { "path", GF_P_PATH, 1, NULL, NULL },
    { "type", GF_P_STR, 0, NULL, "rsa,dsa,rsa1,ecdsa,ed25519" },
    { "size", GF_P_INT, 0, NULL, NULL },
    { "comment", GF_P_STR, 0, NULL, NULL },
    { "passphrase", GF_P_STR, 0, NULL, NULL },
    { "force", GF_P_BOOL, 0, NULL, NULL },
    { "regenerate", GF_P_STR, 0, NULL,
      "never,fail,partial_idempotence,full_idempotence,always" },
    { "state", GF_P_STR, 0, NULL, "present,absent" },
    { "backend", GF_P_STR, 0, NULL, "auto,cryptography,opensshbin" },
    { "private_key_format", GF_P_STR, 0, NULL, "auto,pkcs1,pkcs8,ssh" },
    { "mode", GF_P_MODE, 0, NULL, NULL },
    { "owner", GF_P_STR, 0, NULL, NULL },
    { "group", GF_P_STR, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

/* _get_size. Returns the size, or -1 with res failed. */
static long long key_size(const char *type, const struct gf_val *args, struct gf_modres *res)
{
    int given = gf_val_map_get(args, "size") && gf_val_map_get(args, "size")->type != GF_VAL_NULL;
    long long size = gf_arg_int(args, "size", 0), r;

    if (strcmp(type, "rsa") == 0 || strcmp(type, "rsa1") == 0) {
        r = given ? size : 4096;
        if (r < 1024)
            return gf_modres_fail(res, "For RSA keys, the minimum size is 1024 bits and the "
                                  "default is 4096 bits. Attempting to use bit lengths under 1024 "
                                  "will cause the module to fail."), -1;
    } else if (strcmp(type, "dsa") == 0) {
        r = given ? size : 1024;
        if (r != 1024)
            return gf_modres_fail(res, "DSA keys must be exactly 1024 bits as specified by "
                                  "FIPS 186-2."), -1;
    } else if (strcmp(type, "ecdsa") == 0) {
        r = given ? size : 256;
        if (r != 256 && r != 384 && r != 521)
            return gf_modres_fail(res, "For ECDSA keys, size determines the key length by "
                                  "selecting from one of three elliptic curve sizes: 256, 384 or "
                                  "521 bits. Attempting to use bit lengths other than these three "
                                  "values for ECDSA keys will cause this module to fail."), -1;
    } else {
        r = 256;
    }
    return r;
}

static int openssh_keypair_run(struct gf_modctx *ctx, const struct gf_val *args,
                               struct gf_modres *res)
{
    const char *path = gf_arg_str(args, "path", "");
    const char *type = gf_arg_str(args, "type", "rsa");
    const char *comment = gf_arg_str(args, "comment", NULL);
    const char *backend = gf_arg_str(args, "backend", "auto");
    const char *regen = gf_arg_bool(args, "force", 0) ? "always"
                      : gf_arg_str(args, "regenerate", "partial_idempotence");
    struct gf_buf s = GF_BUF_INIT;
    struct gf_result r;
    char num[24];
    const char *t;
    long long size;
    int rc;

    if (gf_arg_str(args, "passphrase", NULL) || strcmp(backend, "cryptography") == 0)
        return gf_modres_fail(res, "gpuforge does not implement %s for openssh_keypair: Ansible "
                              "uses the Python cryptography backend for it, which needs Python "
                              "on the node", strcmp(backend, "cryptography") == 0
                              ? "backend=cryptography" : "passphrase");
    if (strcmp(gf_arg_str(args, "private_key_format", "auto"), "auto") != 0)
        return gf_modres_fail(res, "'auto' is the only valid option for 'private_key_format' "
                              "when 'backend' is not 'cryptography'");
    size = key_size(type, args, res);
    if (size < 0)
        return 0;
    snprintf(num, sizeof(num), "%lld", size);
    gf_sh_assign(&s, "gf_path", path);
    gf_sh_assign(&s, "gf_type", type);
    gf_sh_assign(&s, "gf_size", num);
    gf_sh_assign(&s, "gf_comment", comment ? comment : "");
    gf_sh_assign(&s, "gf_has_comment", comment ? "1" : "0");
    gf_sh_assign(&s, "gf_regenerate", regen);
    gf_sh_assign(&s, "gf_state", gf_arg_str(args, "state", "present"));
    gf_sh_assign(&s, "gf_check", ctx->check ? "1" : "0");
    gf_sh_assign(&s, "gf_mode", gf_arg_str(args, "mode", ""));
    gf_sh_assign(&s, "gf_owner", gf_arg_str(args, "owner", ""));
    gf_sh_assign(&s, "gf_group", gf_arg_str(args, "group", ""));
    gf_nodesh_add(&s, "lib");
    gf_nodesh_add(&s, "attrs");
    gf_nodesh_add(&s, "openssh_keypair");
    rc = gf_sys_run(ctx, s.buf, NULL, 0, &r, res, "openssh_keypair failed");
    if (rc == 0) {
        res->changed = (t = gf_mod_tagged(r.out.buf, "GFCHANGED ")) && *t == '1';
        char fp[256] = "", ktype[32] = "";
        long long ksize = 0;
        if ((t = gf_mod_tagged(r.out.buf, "GFPRIV ")))
            sscanf(t, "%lld %255s %31s", &ksize, fp, ktype);
        gf_val_map_set(res->data, "size", gf_val_int(size));
        gf_val_map_set(res->data, "type", gf_val_str(type));
        gf_val_map_set(res->data, "filename", gf_val_str(path));
        gf_val_map_set(res->data, "fingerprint", gf_val_str(fp));
        t = gf_mod_tagged(r.out.buf, "GFPUB ");
        gf_val_map_set(res->data, "public_key", t ? gf_mod_line_val(t) : gf_val_str(""));
        t = gf_mod_tagged(r.out.buf, "GFPUBCOMMENT ");
        gf_val_map_set(res->data, "comment", t ? gf_mod_line_val(t) : gf_val_str(""));
    }
    gf_result_release(&r);
    gf_buf_release(&s);
    return rc < 0 ? rc : 0;
}

const struct gf_module gf_module_openssh_keypair = {
    .name = "openssh_keypair",
    .aliases = (const char *const[]){ "community.crypto.openssh_keypair", NULL },
    .params = openssh_keypair_params,
    .supports_check = 1,
    .run = openssh_keypair_run,
};

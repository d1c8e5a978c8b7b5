/*
 * cloud.h - the cloud layer's interface: cluster specs (cluster.yml), the
 * size x GPU x region tables per provider, the JSON protocol spoken with
 * provisioning plugins (gpuforge-cloud-NAME executables, docs/cloud-plugins.md),
 * the state directory with its intent records, and the keys and cloud-init
 * user-data the controller hands to every node.
 */
#ifndef GF_CLOUD_H
#define GF_CLOUD_H

#include "../core/core.h"

#define GF_CLOUD_PROTOCOL 1
#define GF_CLOUD_TAG_KEY "gpuforge-cluster"

/* One node the spec asks for, with the provider's native values resolved. */
struct gf_cloud_node {
    char *name;          /* <cluster>-master-1, <cluster>-worker-2, <cluster>-<pool>-1 */
    char *role;          /* "master" or "worker" */
    char *pool;          /* NULL outside pools */
    int has_gpu;
    char *field;         /* the spec field the node comes from: "master", "pools[0]" */
    char *instance_type; /* native */
    char *gpu;           /* native accelerator name, NULL when the type implies it or none */
    int gpu_count;
    int spot;
    double spot_price;   /* 0: on-demand price cap */
    int disk_gb;
    char *image;         /* NULL: the plugin's default */
};

struct gf_cloud_spec {
    char *path;              /* the spec file */
    struct gf_val *root;     /* as loaded: positions for errors */
    char *name;              /* cluster name, the tag value */
    char *plugin;
    char *region;
    char *user;
    char *state_dir;         /* absolute */
    struct gf_val *labels;   /* map of strings (never NULL) */
    char *startup_script;    /* path (absolute) or NULL */
    char *copy_dir;          /* absolute or NULL */
    char *copy_dest;
    struct gf_vec nodes;     /* struct gf_cloud_node * */
};

/* Loads and checks a spec, resolving sizes and GPUs through the provider's
 * tables. state_dir overrides the default (<spec without .yml>.state beside
 * it). Returns 0 or -GF_EPARSE/-GF_EINVAL/-GF_EIO with err at file:line:col. */
int gf_cloud_spec_load(const char *path, const char *state_dir, struct gf_cloud_spec *spec,
                       struct gf_error *err);
void gf_cloud_spec_release(struct gf_cloud_spec *spec);
/* Position in the spec of a field path ("region", "pools[1].instance_gpu"):
 * the deepest part found. Returns 1 when something was found. */
int gf_cloud_spec_pos(const struct gf_cloud_spec *spec, const char *field, int *line, int *col);
/* Node by name, or NULL. */
struct gf_cloud_node *gf_cloud_spec_node(const struct gf_cloud_spec *spec, const char *name);

/* ---- provider tables ---- */
struct gf_cloud_shape {
    const char *instance_type; /* native */
    const char *gpu;           /* native accelerator to attach, or NULL */
    int gpu_count;             /* GPUs the shape has (0 without) */
    int gpu_count_fixed;       /* 1: the type fixes the count */
};
/* Resolves size (s|m|l|xl) x gpu (NULL, t4, v100, ...) for provider in region.
 * A size or gpu outside the abstract names is taken as native and passes
 * through. Returns 0, or -GF_EINVAL with msg (malloc'd, caller frees) and
 * *which set to "instance_type", "instance_gpu" or "region". */
int gf_cloud_shape_resolve(const char *provider, const char *region, const char *size,
                           const char *gpu, struct gf_cloud_shape *out, const char **which,
                           char **msg);
/* The vendor region a generic one (us-east, us-west, eu-west, eu-north)
 * means on provider; any other region as it is. */
const char *gf_cloud_region_resolve(const char *provider, const char *region);
/* Returns 1 when provider has tables (aws, gcp, local-vm). */
int gf_cloud_provider_known(const char *provider);

/* ---- plugin protocol ---- */
struct gf_cloud_plugin {
    char *name;
    char *path;
    int timeout_s; /* per call; 0 = default */
};
/* A failure a plugin reported: code ("invalid_spec", "quota", ...), message
 * and the spec field it concerns (may be NULL). */
struct gf_cloud_perr {
    char *code;
    char *message;
    char *field;
};
/* Finds gpuforge-cloud-NAME: $GPUFORGE_CLOUD_PLUGIN_PATH (colon list), then
 * beside the binary (exe_dir), its plugin directories (exe_dir/cloud-plugins,
 * exe_dir/../lib/gpuforge/cloud), then $PATH. Returns 0 or -GF_ENOTFOUND. */
int gf_cloud_plugin_find(const char *name, const char *exe_dir, struct gf_cloud_plugin *p,
                         struct gf_error *err);
void gf_cloud_plugin_release(struct gf_cloud_plugin *p);
/* Sends req (a map; "protocol" and "op" are set here) and reads one JSON
 * object back into *resp. Returns 0; -GF_EFAIL when the plugin answered an
 * error (perr filled, err says so); -GF_EIO/-GF_EPARSE/-GF_ETIMEOUT when it
 * broke the protocol. Caller unrefs *resp and releases perr. */
int gf_cloud_call(const struct gf_cloud_plugin *p, const char *op, struct gf_val *req,
                  struct gf_val **resp, struct gf_cloud_perr *perr, struct gf_error *err);
void gf_cloud_perr_release(struct gf_cloud_perr *perr);
/* The request every operation starts from: cluster, region, tag. New ref. */
struct gf_val *gf_cloud_request(const struct gf_cloud_spec *spec);
/* The node part of a create request. New ref. */
struct gf_val *gf_cloud_node_request(const struct gf_cloud_spec *spec,
                                     const struct gf_cloud_node *n);

/* An instance as list/create describe it (borrowed strings from the answer). */
struct gf_cloud_inst {
    const char *id, *name, *state, *address, *user;
};
/* Reads one instance object; returns 0 or -GF_EPARSE (err says which field). */
int gf_cloud_inst_read(const struct gf_val *v, struct gf_cloud_inst *out, struct gf_error *err);

/* ---- state ---- */
enum gf_cloud_nstate { GF_CLOUD_INTENT, GF_CLOUD_CREATED };
struct gf_cloud_snode {
    char *name;
    enum gf_cloud_nstate st;
    char *token;   /* the client token of the create call */
    int gen;       /* bumps when an instance vanished and is made anew */
    char *id;      /* NULL until created */
    char *address;
};
struct gf_cloud_state {
    char *dir;
    char *cluster, *plugin, *region;
    char *epoch;         /* random, made with the state: a new state, new tokens */
    struct gf_vec nodes; /* struct gf_cloud_snode * */
};
/* Reads dir/state.json; a missing file gives an empty state (returns 0).
 * Returns -GF_EPARSE/-GF_EIO otherwise. */
int gf_cloud_state_load(const char *dir, struct gf_cloud_state *st, struct gf_error *err);
/* Writes dir/state.json atomically (temp file, fsync, rename). */
int gf_cloud_state_save(const struct gf_cloud_state *st, struct gf_error *err);
void gf_cloud_state_release(struct gf_cloud_state *st);
struct gf_cloud_snode *gf_cloud_state_node(struct gf_cloud_state *st, const char *name);
/* Records the intent to create node (before the create call): status intent,
 * a token derived from cluster, node and generation. Returns the record. */
struct gf_cloud_snode *gf_cloud_state_intent(struct gf_cloud_state *st, const char *cluster,
                                             const char *node, int new_gen);
/* Writes data to path atomically with mode. Returns 0 or -GF_EIO. */
int gf_cloud_write_file(const char *path, const char *data, size_t len, int mode,
                        struct gf_error *err);

/* ---- keys and cloud-init ---- */
/* Makes an ed25519 key pair: the private key in OpenSSH format and the
 * public key line "ssh-ed25519 AAAA... comment". Both malloc'd; the private
 * one is a secret (gf_free_secret). Returns 0 or -GF_EFAIL. */
int gf_cloud_keygen(const char *comment, char **priv, char **pub, struct gf_error *err);
/* Loads dir/NAME (private) and dir/NAME.pub, generating them first when
 * absent. */
int gf_cloud_key_ensure(const char *dir, const char *name, const char *comment, char **priv,
                        char **pub, struct gf_error *err);
/* The #cloud-config user-data for node n: user with the user key, the
 * node's pre-made host key (no key generated on the node), the startup
 * script and copy_dir files. Returns 0 or -GF_EIO; b receives the text. */
int gf_cloud_user_data(const struct gf_cloud_spec *spec, const struct gf_cloud_node *n,
                       const char *user_pub, const char *host_priv, const char *host_pub,
                       struct gf_buf *b, struct gf_error *err);

#endif

/*
 * push.h - pushing a verified bundle onto nodes over their SSH sessions
 * (push.c), shared by `gpuforge bundle push` (engine/cli/cmd-push.c) and the
 * gpuforge_bundle module (engine/modules/bundle.c).
 */
#ifndef GF_BUNDLE_PUSH_H
#define GF_BUNDLE_PUSH_H

#include "../exec/exec.h"
#include "bundle.h"

struct gf_push_node {
    struct gf_target *t;
    struct gf_session *s;
    enum gf_status st;
    char *msg;             /* why it failed */
    int skip;              /* already held */
    int done;              /* activated */
    char *current;         /* version its current link names, or NULL */
    uint64_t have;         /* bytes of the partial file before sending */
    uint64_t sent;         /* bytes the controller sent to it */
    const char *how;       /* how the bytes came */
    _Atomic uint64_t fed;  /* bytes sent so far in this phase (progress) */
    _Atomic uint64_t need; /* bytes this phase sends it (progress) */
    uint64_t front;        /* its file's size, polled during the chain */
};

struct gf_push {
    const struct gf_exec_opts *exec; /* connection settings, forks */
    struct gf_bundle_manifest *m;
    const char *data;      /* the bundle, mapped */
    size_t size;
    char sum[65];
    char id[17];           /* this push, for relay files */
    char *in;              /* DEST/.incoming */
    struct gf_push_node *nodes;
    size_t n;
    struct gf_vec chain;   /* struct gf_push_node *, in order */
    char *relay_priv, *relay_pub;
    const char *dest;      /* where bundles live on the nodes */
    int look_only;         /* --check: the prepare phase only looks */
    volatile int chain_broken;  /* a relay could not be set up: no chain */
    /* progress: the phase that moves bytes (GF_PUSH_STAR, GF_PUSH_CHAIN or
     * 0), changed and read under lock, which the poller holds while it
     * uses the chain nodes' sessions */
    pthread_mutex_t lock;
    int moving;
    int64_t moving_since;
};

/* The phases, each run on every node in parallel by gf_push_phase. */
enum {
    GF_PUSH_PREP,        /* connect (unless a session is given), skip when held, partial size */
    GF_PUSH_STAR,        /* the controller sends what the node lacks */
    GF_PUSH_SIZE,        /* how much a node holds after the chain */
    GF_PUSH_ACTIVATE,    /* check the sha256, unpack, switch `current` */
    GF_PUSH_RELAY_SETUP,
    GF_PUSH_RELAY_CLEAN,
    GF_PUSH_CHAIN,       /* (progress only) the relay is moving the bytes */
};

/* Records why p failed (the first reason counts). */
void gf_push_fail(struct gf_push_node *p, enum gf_status st, const char *fmt, ...) GF_PRINTF(3, 4);
/* Neither failed nor already holding the bundle. */
int gf_push_usable(const struct gf_push_node *p);
void gf_push_phase(struct gf_push *ps, int ph);
/* chain: one copy to the first node, the nodes relay; short nodes are left
 * for the star phase. */
void gf_push_chain(struct gf_push *ps);
/* sha256 of data as 64 hex digits into hex (65 bytes). */
int gf_push_hash(const char *data, size_t len, char *hex);
/* Loads the public key, verifies the bundle at path with it (signature
 * first), maps the file and hashes it. Returns 0, or -1 with err set. */
int gf_push_load(const char *path, const char *pubkey, struct gf_bundle_manifest **m,
                 void **map, size_t *size, char *sum, struct gf_error *err);
/* The progress line of a push in flight (bytes, rate, ETA in all and per
 * node; for a chain, how far down it the bytes have got), or "" while no
 * bytes move. For a chain it asks the nodes behind the first for their
 * file's size, at most once a second. Safe to call from another thread
 * than the one pushing. */
void gf_push_progress(struct gf_push *ps, struct gf_buf *line);
/* A fresh push id, dest and its incoming directory. */
void gf_push_begin(struct gf_push *ps, const char *dest);
/* Fails the usable nodes whose current version is newer than the bundle's,
 * naming hint (how to allow it). */
void gf_push_refuse_downgrades(struct gf_push *ps, const char *hint);
/* An absolute path of letters, digits and . _ - / without "..". */
int gf_push_safe_dest(const char *d);

/* ---- one node, over its open session (the gpuforge_bundle module) ---- */
struct gf_bundle_push_args {
    const char *path;              /* the bundle file on the controller */
    const char *pubkey;            /* the public key it must be signed with */
    const char *dest;              /* where bundles live on the node */
    int downgrade;                 /* accept a version older than the node's current */
    int check;                     /* report only */
};
struct gf_bundle_push_res {
    int changed;                   /* the node did not hold it (in check mode: would) */
    enum gf_status status;
    uint64_t sent;                 /* bytes sent */
    char *name, *version, *path;   /* the bundle's, and DEST/NAME/current */
    char *msg;                     /* why it failed */
};
/* Verifies the bundle (once per process and file) and pushes it to the node
 * of the open session s, star, resumed, activated atomically; a node that
 * holds it already is left alone. Returns 0, or -1 with res->msg and
 * res->status. The caller frees res's strings. */
int gf_bundle_push_session(struct gf_session *s, const struct gf_target *t,
                           const struct gf_bundle_push_args *a, struct gf_bundle_push_res *res);

#endif

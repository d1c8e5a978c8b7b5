/* session.c - one persistent libssh session per host: connect (directly,
 * through a proxy command, or natively through jump hosts), verify the host
 * key before any credential is sent, authenticate, and run commands with
 * deadlines, keepalives, capped output and sudo become. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libssh/libssh.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "exec-priv.h"

/* Modern algorithms only (README "Security defaults"). */
#define GF_KEX "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256," \
               "ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group16-sha512," \
               "diffie-hellman-group18-sha512,diffie-hellman-group14-sha256"
#define GF_HOSTKEYS "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521," \
                    "rsa-sha2-512,rsa-sha2-256"
#define GF_CIPHERS "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com," \
                   "aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr"
#define GF_MACS "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha2-256," \
                "hmac-sha2-512"

/* Shells per session: the login user's and one per become user. */
#define GF_SHELLS 4
/* A command with more stdin than this takes a channel of its own (the
 * framed shell stores stdin in a file on the node first). */
#define GF_FRAMED_MAX_INPUT (4u << 20)

/* Script texts a framed shell keeps (sent once, then named: run_framed). */
#define GF_SHELL_DEFS 64
/* A script or stdin up to these sizes goes to the framed shell as lines,
 * which it reads with `read` (no process); longer ones with `head -c`. Only
 * ASCII: bash's read in a UTF-8 locale takes a newline after an unfinished
 * multibyte sequence for part of it, and would read past the part. */
#define GF_FRAMED_LINES_SCRIPT 2048
#define GF_FRAMED_LINES_INPUT 1024

/* the scripts named since the thread's last command (gf_exec_note_script) */
#define GF_NOTES 8
struct note {
    const char *text;
    size_t len;
    int flags;
};
static _Thread_local struct note notes[GF_NOTES];
static _Thread_local int nnotes;

/* One framed shell (engine/exec/sh/framed.sh) on a channel of its own. */
struct gf_shell {
    int used;           /* the slot belongs to (become, user) */
    int become;
    char *user;         /* the become user; NULL without become */
    int off;            /* it could not start here: commands take exec channels */
    ssh_channel ch;     /* NULL until started, and after it is dropped */
    char mark[32];      /* the frame marker of this shell */
    struct gf_buf rd;   /* bytes of its stdout not consumed yet */
    struct gf_buf re;   /* and of its stderr */
    const char *defs[GF_SHELL_DEFS]; /* the texts it holds, as gf_ns_INDEX */
    int ndefs;
};

struct gf_session {
    ssh_session ssh;
    const struct gf_target *t;
    const struct gf_exec_opts *opts;
    double connect_ms;
    /* jump host plumbing */
    struct gf_session *jump;
    struct gf_target *jump_target;
    ssh_channel fwd;
    int pair[2];
    pthread_t pump;
    int pump_started;
    volatile int stop;
    _Atomic uint64_t *in_count; /* stdin bytes fed, for progress; or NULL */
    struct gf_shell shells[GF_SHELLS];
};

static pthread_once_t ssh_once = PTHREAD_ONCE_INIT;

static void ssh_global(void)
{
    ssh_init();
}

void gf_ssh_global_init(void)
{
    pthread_once(&ssh_once, ssh_global);
}

const char *gf_status_name(enum gf_status s)
{
    switch (s) {
    case GF_ST_OK: return "ok";
    case GF_ST_FAILED: return "FAILED";
    case GF_ST_UNREACHABLE: return "UNREACHABLE";
    case GF_ST_AUTH: return "AUTH FAILED";
    case GF_ST_HOSTKEY: return "HOSTKEY CHANGED";
    }
    return "?";
}

void gf_result_init(struct gf_result *r, size_t cap)
{
    memset(r, 0, sizeof(*r));
    gf_buf_init(&r->out);
    gf_buf_init(&r->err);
    r->out.cap = r->err.cap = cap;
    r->rc = -1;
}

void gf_result_release(struct gf_result *r)
{
    gf_buf_release(&r->out);
    gf_buf_release(&r->err);
    free(r->msg);
    r->msg = NULL;
}

static void result_fail(struct gf_result *r, enum gf_status st, const char *fmt, ...)
    GF_PRINTF(3, 4);
static void result_fail(struct gf_result *r, enum gf_status st, const char *fmt, ...)
{
    struct gf_buf b = GF_BUF_INIT;
    va_list ap;

    va_start(ap, fmt);
    gf_buf_vaddf(&b, fmt, ap);
    va_end(ap);
    free(r->msg);
    r->msg = gf_buf_detach(&b, NULL);
    r->status = st;
}

double gf_session_connect_ms(const struct gf_session *s)
{
    return s->connect_ms;
}

/* ---- host keys ---- */

char *gf_key_fingerprint(ssh_key key)
{
    unsigned char *hash = NULL;
    size_t hlen = 0;
    char *fp, *out;

    if (key == NULL || ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) < 0)
        return gf_xstrdup("(unknown)");
    fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
    out = gf_xasprintf("%s %s", ssh_key_type_to_char(ssh_key_type(key)), fp ? fp : "?");
    ssh_string_free_char(fp);
    ssh_clean_pubkey_hash(&hash);
    return out;
}

static const char *kh_file(const struct gf_target *t, struct gf_buf *tmp)
{
    if (t->known_hosts)
        return t->known_hosts;
    const char *home = getenv("HOME");
    gf_buf_addf(tmp, "%s/.ssh/known_hosts", home ? home : "");
    return tmp->buf;
}

/* Checks the server's key against known_hosts. Returns 0 when it may be
 * trusted (or was recorded under accept-new), -1 with r set otherwise. */
static int check_hostkey(struct gf_session *s, struct gf_result *r)
{
    const struct gf_target *t = s->t;
    struct gf_buf khb = GF_BUF_INIT;
    const char *kh = kh_file(t, &khb);
    ssh_key srv = NULL;
    char *fp_new = NULL;
    struct gf_buf old = GF_BUF_INIT, khname = GF_BUF_INIT;
    int rc = -1;

    ssh_get_server_publickey(s->ssh, &srv);
    fp_new = gf_key_fingerprint(srv);
    if (t->port == 22)
        gf_buf_adds(&khname, t->addr);
    else
        gf_buf_addf(&khname, "[%s]:%d", t->addr, t->port);
    enum gf_kh_status st = gf_known_hosts_check(kh, khname.buf, srv);
    switch (st) {
    case GF_KH_OK:
        rc = 0;
        break;
    case GF_KH_CHANGED:
    case GF_KH_OTHER:
        gf_known_hosts_recorded(kh, khname.buf, &old);
        result_fail(r, GF_ST_HOSTKEY,
                    "host key for %s:%d has CHANGED%s: recorded %s, offered %s (%s); possible "
                    "man-in-the-middle attack, no credentials were sent; if the change is "
                    "expected run: ssh-keygen -R '%s' -f '%s'",
                    t->addr, t->port, st == GF_KH_OTHER ? " (other key type)" : "",
                    old.buf, fp_new, kh, khname.buf, kh);
        break;
    case GF_KH_UNKNOWN:
        if (t->hostkey_policy == GF_HOSTKEY_ACCEPT_NEW) {
            char *line = NULL;
            struct gf_buf why = GF_BUF_INIT;
            int ok = ssh_session_export_known_hosts_entry(s->ssh, &line) == SSH_OK;
            if (ok)
                line[strcspn(line, "\r\n")] = '\0'; /* libssh ends it with a newline */
            if (!ok) {
                result_fail(r, GF_ST_HOSTKEY, "cannot export host key: %s", ssh_get_error(s->ssh));
            } else if (gf_known_hosts_add(kh, line, &why) < 0) {
                result_fail(r, GF_ST_HOSTKEY, "cannot record host key: %s", why.buf);
            } else {
                gf_log(1, "%s: recorded new host key %s in %s", t->name, fp_new, kh);
                rc = 0;
            }
            ssh_string_free_char(line);
            gf_buf_release(&why);
        } else {
            result_fail(r, GF_ST_HOSTKEY,
                        "host key for %s:%d is not known (%s offered, not in %s); verify it and "
                        "enrol it with --accept-new", t->addr, t->port, fp_new, kh);
        }
        break;
    case GF_KH_ERROR:
        result_fail(r, GF_ST_HOSTKEY, "cannot check host key against %s: the server's key "
                    "cannot be read", kh);
        break;
    }
    gf_buf_release(&old);
    gf_buf_release(&khname);
    ssh_key_free(srv);
    free(fp_new);
    gf_buf_release(&khb);
    return rc;
}

/* ---- authentication ---- */

/* Private keys, each read once per process and shared by every session:
 * libssh only reads an ssh_key while it signs with it. A key file that
 * changes on disk is read again; the key it replaces stays allocated
 * (a session may still be signing with it) until the process ends. */
struct key_ent {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    ssh_key key;
};
static pthread_mutex_t key_lock = PTHREAD_MUTEX_INITIALIZER;
static struct gf_map key_cache = GF_MAP_INIT; /* path -> struct key_ent * */
static struct gf_vec key_retired = GF_VEC_INIT;

/* The private key in path, loaded on first use; NULL when it cannot be
 * read without a passphrase. The key belongs to the cache. */
static ssh_key private_key(const char *path)
{
    struct stat st;
    struct key_ent *e;
    ssh_key key = NULL;

    if (stat(path, &st) < 0)
        return NULL;
    pthread_mutex_lock(&key_lock);
    e = gf_map_get(&key_cache, path);
    if (e && e->dev == st.st_dev && e->ino == st.st_ino && e->size == st.st_size &&
        e->mtime.tv_sec == st.st_mtim.tv_sec && e->mtime.tv_nsec == st.st_mtim.tv_nsec) {
        key = e->key;
        goto out;
    }
    if (ssh_pki_import_privkey_file(path, NULL, NULL, NULL, &key) != SSH_OK)
        goto out; /* not cached: a key that appears later is read then */
    if (e == NULL) {
        e = gf_xcalloc(1, sizeof(*e));
        gf_map_set(&key_cache, path, e);
    } else {
        gf_vec_push(&key_retired, e->key);
    }
    e->dev = st.st_dev;
    e->ino = st.st_ino;
    e->size = st.st_size;
    e->mtime = st.st_mtim;
    e->key = key;
out:
    pthread_mutex_unlock(&key_lock);
    return key;
}

static int authenticate(struct gf_session *s, struct gf_result *r)
{
    const struct gf_target *t = s->t;
    int rc = SSH_AUTH_DENIED;
    struct gf_buf tried = GF_BUF_INIT;

    if (t->key_files.n) {
        for (size_t i = 0; i < t->key_files.n && rc != SSH_AUTH_SUCCESS; i++) {
            const char *path = t->key_files.v[i];
            ssh_key key = private_key(path);
            if (key == NULL) {
                result_fail(r, GF_ST_AUTH, "cannot load private key '%s' (missing, unreadable "
                            "or passphrase-protected: use ssh-agent for those)", path);
                gf_buf_release(&tried);
                return -1;
            }
            rc = ssh_userauth_publickey(s->ssh, NULL, key);
            gf_buf_addf(&tried, "%skey %s", tried.len ? ", " : "", path);
        }
    } else {
        rc = ssh_userauth_publickey_auto(s->ssh, NULL, NULL);
        gf_buf_adds(&tried, "ssh-agent and default keys");
    }
    if (rc != SSH_AUTH_SUCCESS && rc != SSH_AUTH_ERROR && t->password) {
        rc = ssh_userauth_password(s->ssh, NULL, t->password);
        gf_buf_adds(&tried, ", password");
    }
    if (rc == SSH_AUTH_SUCCESS) {
        gf_buf_release(&tried);
        return 0;
    }
    if (rc == SSH_AUTH_ERROR)
        result_fail(r, GF_ST_UNREACHABLE, "connection failed during authentication: %s",
                    ssh_get_error(s->ssh));
    else
        result_fail(r, GF_ST_AUTH, "authentication as '%s' failed (tried %s)",
                    t->user ? t->user : "(local user)", tried.buf);
    gf_buf_release(&tried);
    return -1;
}

/* ---- jump hosts: a direct-tcpip channel pumped to a socketpair ---- */

static void *pump_main(void *arg)
{
    struct gf_session *s = arg;
    char buf[32768];
    int fd = s->pair[1];
    int sfd = ssh_get_fd(s->jump->ssh);

    while (!s->stop) {
        int moved = 0;
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n > 0) {
            if (ssh_channel_write(s->fwd, buf, (uint32_t)n) != n)
                break;
            moved = 1;
        } else if (n == 0) {
            ssh_channel_send_eof(s->fwd);
            break;
        } else if (errno != EAGAIN && errno != EINTR) {
            break;
        }
        int m = ssh_channel_read_nonblocking(s->fwd, buf, sizeof(buf), 0);
        if (m < 0 || (m == 0 && ssh_channel_is_eof(s->fwd)))
            break; /* error or SSH_EOF */
        for (int off = 0; off < m;) {
            ssize_t w = write(fd, buf + off, (size_t)(m - off));
            if (w < 0 && errno == EAGAIN) {
                struct pollfd p = { fd, POLLOUT, 0 };
                poll(&p, 1, 100);
                continue;
            }
            if (w <= 0)
                goto done;
            off += (int)w;
        }
        if (m > 0)
            moved = 1;
        if (!moved) {
            struct pollfd p[2] = { { fd, POLLIN, 0 }, { sfd, POLLIN, 0 } };
            poll(p, 2, 200);
        }
    }
done:
    shutdown(fd, SHUT_RDWR);
    return NULL;
}

/* Parses "[user@]host[:port]" (first hop of a comma list) into a target
 * that inherits keys, known_hosts and policy from t; the rest of the list
 * becomes its own jump. */
static struct gf_target *jump_target(const struct gf_target *t)
{
    struct gf_target *j = gf_xcalloc(1, sizeof(*j));
    const char *spec = t->proxy_jump;
    const char *comma = strchr(spec, ',');
    char *hop = comma ? gf_xstrndup(spec, (size_t)(comma - spec)) : gf_xstrdup(spec);
    char *host = hop, *at = strrchr(hop, '@');

    if (at) {
        *at = '\0';
        j->user = gf_xstrdup(hop);
        host = at + 1;
    } else if (t->user) {
        j->user = gf_xstrdup(t->user);
    }
    j->port = 22;
    char *colon = strrchr(host, ':');
    if (host[0] == '[') {
        char *rb = strchr(host, ']');
        if (rb) {
            *rb = '\0';
            if (rb[1] == ':')
                j->port = atoi(rb + 2);
            host++;
        }
    } else if (colon && strchr(host, ':') == colon) {
        *colon = '\0';
        j->port = atoi(colon + 1);
    }
    j->name = gf_xasprintf("%s (jump for %s)", host, t->name);
    j->addr = gf_xstrdup(host);
    for (size_t i = 0; i < t->key_files.n; i++)
        gf_vec_push(&j->key_files, gf_xstrdup(t->key_files.v[i]));
    j->known_hosts = t->known_hosts ? gf_xstrdup(t->known_hosts) : NULL;
    j->hostkey_policy = t->hostkey_policy;
    j->proxy_jump = comma ? gf_xstrdup(comma + 1) : NULL;
    free(hop);
    return j;
}

static int open_jump(struct gf_session *s, struct gf_result *r)
{
    struct gf_result jr;

    gf_result_init(&jr, 4096);
    s->jump_target = jump_target(s->t);
    s->jump = gf_session_open(s->jump_target, s->opts, &jr);
    if (s->jump == NULL) {
        result_fail(r, jr.status == GF_ST_HOSTKEY ? GF_ST_HOSTKEY : GF_ST_UNREACHABLE,
                    "jump host %s: %s", s->jump_target->addr, jr.msg ? jr.msg : "failed");
        gf_result_release(&jr);
        return -1;
    }
    gf_result_release(&jr);
    s->fwd = ssh_channel_new(s->jump->ssh);
    if (s->fwd == NULL ||
        ssh_channel_open_forward(s->fwd, s->t->addr, s->t->port, "127.0.0.1", 0) != SSH_OK) {
        result_fail(r, GF_ST_UNREACHABLE, "jump host %s cannot reach %s:%d: %s",
                    s->jump_target->addr, s->t->addr, s->t->port, ssh_get_error(s->jump->ssh));
        return -1;
    }
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s->pair) < 0) {
        result_fail(r, GF_ST_UNREACHABLE, "socketpair: %s", strerror(errno));
        return -1;
    }
    fcntl(s->pair[1], F_SETFL, O_NONBLOCK);
    if (pthread_create(&s->pump, NULL, pump_main, s) != 0) {
        result_fail(r, GF_ST_UNREACHABLE, "cannot start the jump relay thread");
        return -1;
    }
    s->pump_started = 1;
    return 0;
}

/* Expands %h %p %r %% in a ProxyCommand. */
static char *expand_proxy_command(const struct gf_target *t)
{
    struct gf_buf b = GF_BUF_INIT;

    for (const char *p = t->proxy_command; *p; p++) {
        if (*p != '%' || p[1] == '\0') {
            gf_buf_addc(&b, *p);
            continue;
        }
        switch (*++p) {
        case 'h': gf_buf_adds(&b, t->addr); break;
        case 'p': gf_buf_addf(&b, "%d", t->port); break;
        case 'r': gf_buf_adds(&b, t->user ? t->user : ""); break;
        case '%': gf_buf_addc(&b, '%'); break;
        default: gf_buf_addc(&b, '%'); gf_buf_addc(&b, *p); break;
        }
    }
    return gf_buf_detach(&b, NULL);
}

static void tune_socket(int fd, int keepalive)
{
    int one = 1, cnt = 3, idle = keepalive > 0 ? keepalive : 15;
    unsigned int ut = (unsigned int)idle * 3 * 1000;

    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &idle, sizeof(idle));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
    /* Unacknowledged data for this long kills the connection (lost peer). */
    setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ut, sizeof(ut));
}

struct gf_session *gf_session_open(const struct gf_target *t, const struct gf_exec_opts *opts,
                                   struct gf_result *r)
{
    struct gf_session *s = gf_xcalloc(1, sizeof(*s));
    int64_t t0 = gf_now_us();
    long timeout = opts->connect_timeout > 0 ? opts->connect_timeout : 10;
    int zero = 0, one = 1, no_log = SSH_LOG_NOLOG;
    char *pc = NULL;

    s->t = t;
    s->opts = opts;
    s->pair[0] = s->pair[1] = -1;
    if (t->local) /* nothing to connect: commands run here (local.c) */
        return s;
    gf_ssh_global_init();
    s->ssh = ssh_new();
    if (s->ssh == NULL)
        gf_die("ssh_new failed");
    /* Nothing from ~/.ssh/config: every setting is explicit (README). */
    ssh_options_set(s->ssh, SSH_OPTIONS_PROCESS_CONFIG, &zero);
    ssh_options_set(s->ssh, SSH_OPTIONS_LOG_VERBOSITY, &no_log);
    ssh_options_set(s->ssh, SSH_OPTIONS_HOST, t->addr);
    ssh_options_set(s->ssh, SSH_OPTIONS_PORT, &t->port);
    if (t->user)
        ssh_options_set(s->ssh, SSH_OPTIONS_USER, t->user);
    ssh_options_set(s->ssh, SSH_OPTIONS_TIMEOUT, &timeout);
    ssh_options_set(s->ssh, SSH_OPTIONS_NODELAY, &one);
    ssh_options_set(s->ssh, SSH_OPTIONS_KEY_EXCHANGE, GF_KEX);
    ssh_options_set(s->ssh, SSH_OPTIONS_PUBLICKEY_ACCEPTED_TYPES, GF_HOSTKEYS);
    ssh_options_set(s->ssh, SSH_OPTIONS_CIPHERS_C_S, GF_CIPHERS);
    ssh_options_set(s->ssh, SSH_OPTIONS_CIPHERS_S_C, GF_CIPHERS);
    ssh_options_set(s->ssh, SSH_OPTIONS_HMAC_C_S, GF_MACS);
    ssh_options_set(s->ssh, SSH_OPTIONS_HMAC_S_C, GF_MACS);
    /* known_hosts is read here (knownhosts.c), once per process, not by
     * libssh for every host: it gets the recorded key types first in its
     * host key list (what it would read the file for) and no file. */
    struct gf_buf khb = GF_BUF_INIT, name = GF_BUF_INIT, algs = GF_BUF_INIT;
    if (t->port == 22)
        gf_buf_adds(&name, t->addr);
    else
        gf_buf_addf(&name, "[%s]:%d", t->addr, t->port);
    gf_known_hosts_algorithms(kh_file(t, &khb), name.buf, GF_HOSTKEYS, &algs);
    ssh_options_set(s->ssh, SSH_OPTIONS_HOSTKEYS, algs.buf);
    ssh_options_set(s->ssh, SSH_OPTIONS_KNOWNHOSTS, "/dev/null");
    ssh_options_set(s->ssh, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null");
    gf_buf_release(&khb);
    gf_buf_release(&name);
    gf_buf_release(&algs);

    if (t->proxy_jump) {
        if (open_jump(s, r) < 0)
            goto fail;
        ssh_options_set(s->ssh, SSH_OPTIONS_FD, &s->pair[0]);
    } else if (t->proxy_command) {
        pc = expand_proxy_command(t);
        ssh_options_set(s->ssh, SSH_OPTIONS_PROXYCOMMAND, pc);
    }
    if (ssh_connect(s->ssh) != SSH_OK) {
        const char *e = ssh_get_error(s->ssh);
        if (strstr(e, "no match for method"))
            result_fail(r, GF_ST_UNREACHABLE, "%s:%d: algorithm negotiation failed (gpuforge "
                        "offers modern algorithms only): %s", t->addr, t->port, e);
        else
            result_fail(r, GF_ST_UNREACHABLE, "%s:%d: %s", t->addr, t->port, e);
        goto fail;
    }
    if (!t->proxy_jump && !t->proxy_command)
        tune_socket(ssh_get_fd(s->ssh), opts->keepalive);
    if (check_hostkey(s, r) < 0)
        goto fail;
    if (authenticate(s, r) < 0)
        goto fail;
    s->connect_ms = (double)(gf_now_us() - t0) / 1000.0;
    free(pc);
    return s;
fail:
    free(pc);
    gf_session_close(s);
    return NULL;
}

static void shell_drop(struct gf_shell *sh, int stop);

void gf_session_close(struct gf_session *s)
{
    if (s == NULL)
        return;
    for (int i = 0; i < GF_SHELLS; i++) {
        shell_drop(&s->shells[i], 0); /* EOF on its stdin ends the shell */
        free(s->shells[i].user);
    }
    if (s->ssh) {
        ssh_disconnect(s->ssh);
        ssh_free(s->ssh);
    }
    if (s->pump_started) {
        s->stop = 1;
        if (s->pair[0] >= 0)
            shutdown(s->pair[0], SHUT_RDWR);
        pthread_join(s->pump, NULL);
    }
    if (s->pair[0] >= 0)
        close(s->pair[0]);
    if (s->pair[1] >= 0)
        close(s->pair[1]);
    if (s->fwd)
        ssh_channel_free(s->fwd);
    gf_session_close(s->jump);
    if (s->jump_target) {
        gf_target_release(s->jump_target);
        free(s->jump_target);
    }
    free(s);
}

/* ---- commands ---- */

void gf_sh_quote(struct gf_buf *b, const char *s)
{
    gf_buf_addc(b, '\'');
    for (; *s; s++) {
        if (*s == '\'')
            gf_buf_adds(b, "'\\''");
        else
            gf_buf_addc(b, *s);
    }
    gf_buf_addc(b, '\'');
}

void gf_sh_assign(struct gf_buf *b, const char *name, const char *value)
{
    gf_buf_addf(b, "%s=", name);
    gf_sh_quote(b, value ? value : "");
    gf_buf_addc(b, '\n');
}

/* Replaces every occurrence of secret in b with ********. */
static void mask_secret(struct gf_buf *b, const char *secret)
{
    size_t n = secret ? strlen(secret) : 0;
    char *p;

    if (n == 0)
        return;
    while ((p = memmem(b->buf, b->len, secret, n)) != NULL) {
        struct gf_buf o = GF_BUF_INIT;
        o.cap = b->cap;
        gf_buf_add(&o, b->buf, (size_t)(p - b->buf));
        gf_buf_adds(&o, "********");
        gf_buf_add(&o, p + n, b->len - (size_t)(p - b->buf) - n);
        o.truncated = b->truncated;
        gf_buf_release_secret(b);
        *b = o;
    }
}

/* Removes the first occurrence of token (and a following newline) from b.
 * Returns 1 when found. */
static int strip_token(struct gf_buf *b, const char *token)
{
    size_t n = strlen(token);
    char *p = memmem(b->buf, b->len, token, n);

    if (p == NULL)
        return 0;
    size_t off = (size_t)(p - b->buf);
    if (off + n < b->len && p[n] == '\n')
        n++;
    memmove(p, p + n, b->len - off - n);
    gf_buf_setlen(b, b->len - n);
    return 1;
}

static void random_hex(char *out, size_t nbytes)
{
    unsigned char raw[32];

    if (nbytes > sizeof(raw))
        nbytes = sizeof(raw);
    if (RAND_bytes(raw, (int)nbytes) != 1)
        gf_die("RAND_bytes failed");
    for (size_t i = 0; i < nbytes; i++)
        sprintf(out + 2 * i, "%02x", raw[i]);
}

/* Writes data to the channel, never more than its window so that a write
 * does not block: while the window is shut, packets are processed (window
 * adjustments, and a close from a command that exited without reading all
 * its input). Returns 0, 1 when the remote closed the channel first, or -1
 * on a broken connection. */
/* A new channel on s running cmd, or NULL with r UNREACHABLE and why (a
 * channel that cannot be opened is a connection that does not answer). */
static ssh_channel open_exec(struct gf_session *s, const char *cmd, struct gf_result *r)
{
    ssh_channel ch = ssh_channel_new(s->ssh);

    if (ch && ssh_channel_open_session(ch) == SSH_OK && ssh_channel_request_exec(ch, cmd) == SSH_OK)
        return ch;
    const char *why = ssh_get_error(s->ssh);
    if (why == NULL || *why == '\0')
        why = ssh_is_connected(s->ssh) ? "the host did not answer (network down or packets "
                                          "dropped?)"
                                        : "the connection is closed";
    result_fail(r, GF_ST_UNREACHABLE, "cannot start the command: %s", why);
    if (ch)
        ssh_channel_free(ch);
    return NULL;
}

/* Lets up to 100 ms of the peer's packets in, a window adjust among them.
 * Not ssh_channel_poll_timeout: while output of the command waits unread in
 * the channel's buffer it returns at once and reads nothing, so the window
 * would never grow (a framed shell acknowledges a frame's header before its
 * input has all arrived: a frame larger than the window hung). */
static int let_packets_in(ssh_session ss)
{
    ssh_event ev = ssh_event_new();
    int rc = SSH_ERROR;

    if (ev == NULL)
        return SSH_ERROR;
    if (ssh_event_add_session(ev, ss) == SSH_OK) {
        rc = ssh_event_dopoll(ev, 100);
        ssh_event_remove_session(ev, ss);
    }
    ssh_event_free(ev);
    return rc;
}

static int write_all(ssh_channel ch, const char *data, size_t len, _Atomic uint64_t *count)
{
    while (len > 0) {
        if (ssh_channel_is_closed(ch))
            return 1;
        uint32_t win = ssh_channel_window_size(ch);
        if (win == 0) {
            ssh_session ss = ssh_channel_get_session(ch);
            if (let_packets_in(ss) == SSH_ERROR || !ssh_is_connected(ss))
                return ssh_is_connected(ss) ? 1 : -1;
            continue;
        }
        uint32_t chunk = len > 65536 ? 65536 : (uint32_t)len;
        if (chunk > win)
            chunk = win;
        int w = ssh_channel_write(ch, data, chunk);
        if (w <= 0) /* on a live connection: the channel is closing (libssh's delayed close) */
            return ssh_is_connected(ssh_channel_get_session(ch)) ? 1 : -1;
        data += w;
        len -= (size_t)w;
        if (count)
            atomic_fetch_add(count, (uint64_t)w);
    }
    return 0;
}

void gf_session_count_input(struct gf_session *s, _Atomic uint64_t *counter)
{
    s->in_count = counter;
}

/* Feeds stdin. A command may exit without reading it all (a script that
 * finds nothing to change): then the channel is closed under us while the
 * connection is fine, and the command's result still counts. Returns -1
 * only when the connection itself is gone. */
static int feed_input(struct gf_session *s, ssh_channel ch, const char *data, size_t len)
{
    int w = len ? write_all(ch, data, len, s->in_count) : 0;

    if (w == 1)
        return 0;
    if (w < 0)
        return ssh_is_connected(s->ssh) && (ssh_channel_is_closed(ch) ||
                                             ssh_channel_is_eof(ch)) ? 0 : -1;
    if (!ssh_channel_is_closed(ch))
        ssh_channel_send_eof(ch);
    return 0;
}

/* Ends the command of a channel given up on (a timeout): SIGTERM through a
 * "signal" channel request (sudo passes it on to the command), then, when
 * the channel is still open after a second, SIGKILL. Closing the channel
 * alone leaves a command without a terminal running on the node. */
static void stop_remote(ssh_channel ch)
{
    char buf[4096];

    if (ssh_channel_request_send_signal(ch, "TERM") != SSH_OK)
        return;
    for (int64_t end = gf_now_ms() + 1000; gf_now_ms() < end;) {
        if (ssh_channel_is_closed(ch) || ssh_channel_is_eof(ch))
            return;
        if (ssh_channel_poll_timeout(ch, 100, 0) == SSH_ERROR)
            return;
        while (ssh_channel_read_nonblocking(ch, buf, sizeof(buf), 0) > 0 ||
               ssh_channel_read_nonblocking(ch, buf, sizeof(buf), 1) > 0)
            ; /* drain, so the node can write its way to the end */
    }
    ssh_channel_request_send_signal(ch, "KILL");
}

/* A read error on a channel the remote closed, on a live connection, is
 * the end of the command's output, not a lost connection. */
static int channel_ended(struct gf_session *s, ssh_channel ch)
{
    return ssh_is_connected(s->ssh) && ssh_channel_is_closed(ch);
}

/* Replaces the secrets a command could have printed (the become and login
 * passwords) with ********. */
static void mask_result(struct gf_session *s, struct gf_result *r)
{
    mask_secret(&r->out, s->t->become_password);
    mask_secret(&r->err, s->t->become_password);
    mask_secret(&r->out, s->t->password);
    mask_secret(&r->err, s->t->password);
}

/* ---- the framed shell: one long-lived shell per session and become user
 * (engine/exec/sh/framed.sh has the protocol) ---- */

static const char *framed_driver(void)
{
    for (const struct gf_execsh *e = gf_execsh_table; e->name; e++)
        if (strcmp(e->name, "framed") == 0)
            return e->text;
    gf_die("bug: the framed shell script was not built in");
}

/* Ends a shell: with stop, its command too (a timeout: as stop_remote does
 * for a command's own channel); without, EOF on its stdin ends it. The
 * slot stays, so the next command starts a new shell. */
static void shell_drop(struct gf_shell *sh, int stop)
{
    if (sh->ch) {
        if (stop && !ssh_channel_is_closed(sh->ch))
            stop_remote(sh->ch);
        ssh_channel_close(sh->ch);
        ssh_channel_free(sh->ch);
        sh->ch = NULL;
    }
    gf_buf_release(&sh->rd);
    gf_buf_release(&sh->re);
    sh->ndefs = 0;
}

/* The slot of (become, user), taken if new; NULL when every slot is taken. */
static struct gf_shell *shell_slot(struct gf_session *s, int become, const char *user)
{
    if (become && user == NULL)
        user = "root";
    for (int i = 0; i < GF_SHELLS; i++) {
        struct gf_shell *sh = &s->shells[i];
        if (sh->used && sh->become == become &&
            (become ? strcmp(sh->user, user) == 0 : 1))
            return sh;
    }
    for (int i = 0; i < GF_SHELLS; i++) {
        struct gf_shell *sh = &s->shells[i];
        if (!sh->used) {
            sh->used = 1;
            sh->become = become;
            sh->user = become ? gf_xstrdup(user) : NULL;
            gf_buf_init(&sh->rd);
            gf_buf_init(&sh->re);
            return sh;
        }
    }
    return NULL;
}

/* Reads what the channel has on both streams, without blocking: stdout to
 * sh->rd, stderr to err. Returns 0, or -1 when the connection broke (a
 * closed channel on a live connection is not an error: see eof). */
static int shell_read(struct gf_session *s, struct gf_shell *sh, struct gf_buf *err, int *got)
{
    char buf[16384];

    *got = 0;
    for (int stream = 0; stream < 2; stream++) {
        int n = ssh_channel_read_nonblocking(sh->ch, buf, sizeof(buf), stream);
        if (n == SSH_EOF)
            continue;
        if (n < 0)
            return channel_ended(s, sh->ch) ? 0 : -1;
        if (n > 0)
            gf_buf_add(stream ? err : &sh->rd, buf, (size_t)n);
        *got |= n > 0;
    }
    return 0;
}

/* Waits up to 100 ms for data on stream (0 stdout, 1 stderr: the one the
 * shell writes to last; packets of the other are taken in meanwhile).
 * Returns 0, 1 when the channel ended, -1 when the connection broke. */
static int shell_wait(struct gf_session *s, struct gf_shell *sh, int stream)
{
    if (ssh_channel_is_eof(sh->ch) || channel_ended(s, sh->ch))
        return 1;
    if (ssh_channel_poll_timeout(sh->ch, 100, stream) == SSH_ERROR)
        return ssh_is_connected(s->ssh) ? 1 : -1;
    return 0;
}

/* Starts the shell of sh: the driver through the login shell, or through
 * sudo (the password on stdin after its prompt, as run_exec does). Returns
 * 0 when it is ready; 1 when it cannot run here (why says so, and the
 * command should take an exec channel); or -GF_E* with r filled when the
 * command fails as it would on an exec channel (sudo refused the password,
 * the connection broke, nothing started in time). */
static int shell_start(struct gf_session *s, struct gf_shell *sh, struct gf_result *r,
                       struct gf_buf *why)
{
    const struct gf_target *t = s->t;
    const struct gf_exec_opts *o = s->opts;
    struct gf_buf inner = GF_BUF_INIT, full = GF_BUF_INIT, err = GF_BUF_INIT;
    char prompt[40] = "GFSUDO-", ready[40] = "GFREADY-", greet[64];
    const char *pw = t->become_password;
    int prompts = 0, ret = 1, got;

    err.cap = 65536;
    random_hex(sh->mark, 12);
    snprintf(greet, sizeof(greet), "GFF-READY %s\n", sh->mark);
    if (sh->become) {
        random_hex(prompt + 7, 12);
        strcat(prompt, ":");
        random_hex(ready + 8, 12);
        gf_buf_addf(&inner, "echo %s >&2\n", ready);
    }
    gf_sh_assign(&inner, "GF_FRAME", sh->mark);
    gf_sh_assign(&inner, "GF_SH", sh->become ? "/bin/sh" : "");
    gf_buf_adds(&inner, framed_driver());
    if (sh->become) {
        gf_buf_addf(&full, "sudo -H %s -p '%s' -u ", pw ? "-S" : "-n", prompt);
        gf_sh_quote(&full, sh->user);
        gf_buf_adds(&full, " -- /bin/sh -c ");
    } else {
        gf_buf_adds(&full, "exec /bin/sh -c ");
    }
    gf_sh_quote(&full, inner.buf);
    if ((sh->ch = open_exec(s, full.buf, r)) == NULL) {
        ret = -GF_ECONNECT;
        goto out;
    }
    int start_secs = o->command_timeout > 0 ? o->command_timeout : 60;
    int64_t deadline = gf_now_ms() + start_secs * 1000LL;
    for (;;) {
        if (shell_read(s, sh, &err, &got) < 0)
            goto broken;
        while (sh->become && strip_token(&err, prompt)) {
            if (++prompts > 1) {
                result_fail(r, GF_ST_FAILED, "sudo: incorrect become password for '%s'",
                            t->user ? t->user : "(local user)");
                ret = -GF_EAUTH;
                goto out;
            }
            if (pw && (write_all(sh->ch, pw, strlen(pw), NULL) < 0 ||
                       write_all(sh->ch, "\n", 1, NULL) < 0))
                goto broken;
        }
        if (sh->become)
            strip_token(&err, ready);
        /* the greeting on both streams: what a login script or sudo wrote before it is
         * dropped */
        char *g = memmem(sh->rd.buf, sh->rd.len, greet, strlen(greet));
        char *ge = memmem(err.buf, err.len, greet, strlen(greet));
        if (g && ge) {
            size_t skip = (size_t)(g - sh->rd.buf) + strlen(greet);
            memmove(sh->rd.buf, sh->rd.buf + skip, sh->rd.len - skip);
            gf_buf_setlen(&sh->rd, sh->rd.len - skip);
            skip = (size_t)(ge - err.buf) + strlen(greet);
            gf_buf_add(&sh->re, err.buf + skip, err.len - skip);
            ret = 0;
            goto out;
        }
        if (got)
            continue;
        int w = shell_wait(s, sh, 1); /* the greeting on stderr comes last */
        if (w < 0)
            goto broken;
        if (w > 0)
            break;
        if (gf_now_ms() > deadline) {
            result_fail(r, GF_ST_FAILED, "%s within %d s", sh->become ?
                        "sudo: neither a password prompt nor the command started" :
                        "the shell did not start", start_secs);
            ret = -GF_ETIMEOUT;
            goto out;
        }
    }
    /* it ended before its greeting */
    if (sh->become && (strstr(err.buf, "password is required") || (prompts && pw == NULL))) {
        result_fail(r, GF_ST_FAILED, "sudo needs a password: use --ask-become-pass or "
                    "ansible_become_password");
        ret = -GF_EAUTH;
        goto out;
    }
    size_t n = strcspn(err.buf, "\n");
    gf_buf_addf(why, "the %sframed shell did not start (exit status %d)%s%.*s",
                sh->become ? "become " : "", ssh_channel_get_exit_status(sh->ch),
                n ? ": " : "", (int)(n > 200 ? 200 : n), err.buf);
    ret = 1;
    goto out;
broken:
    result_fail(r, GF_ST_UNREACHABLE, "connection lost while running the command, its outcome is "
                "unknown: %s", ssh_get_error(s->ssh));
    ret = -GF_ECONNECT;
out:
    if (ret < 0) {
        gf_buf_add(&r->err, err.buf, err.len);
        shell_drop(sh, 1);
    } else if (ret > 0) {
        shell_drop(sh, 1);
    }
    gf_buf_release(&inner);
    gf_buf_release(&full);
    gf_buf_release_secret(&err);
    return ret;
}

/* Finds the end-of-result line "GFR MARK RC\n" (stdout, rc non-NULL) or
 * "GFR MARK\n" (stderr) in b. Returns 1 with *data (the result's bytes
 * before it) and *end (the bytes up to its end), 0 when it has not come
 * yet, -1 when it is malformed. */
static int find_result_end(const struct gf_buf *b, const char *mark, int *rc, size_t *data,
                           size_t *end)
{
    char pat[48];
    int n = snprintf(pat, sizeof(pat), rc ? "GFR %s " : "GFR %s\n", mark);
    const char *p = memmem(b->buf, b->len, pat, (size_t)n);

    if (p == NULL)
        return 0;
    *data = (size_t)(p - b->buf);
    if (rc == NULL) {
        *end = *data + (size_t)n;
        return 1;
    }
    const char *q = p + n, *nl = memchr(q, '\n', b->len - (size_t)(q - b->buf));
    if (nl == NULL) /* at most 3 digits then a newline */
        return b->len - (size_t)(q - b->buf) > 3 ? -1 : 0;
    if (nl == q || nl - q > 3 || strspn(q, "0123456789") != (size_t)(nl - q))
        return -1;
    *rc = atoi(q);
    *end = (size_t)(nl + 1 - b->buf);
    return *rc > 255 ? -1 : 1;
}

/* Whether s[0..n) can go as lines: ASCII (see GF_FRAMED_LINES_SCRIPT), no NUL. */
static int ascii_lines(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\0' || (unsigned char)s[i] >= 0x80)
            return 0;
    return 1;
}

/* Appends to frame what runs cmd on sh: the definitions (GFD, one frame of
 * assignments) of each script text named since the thread's last command
 * (gf_exec_note_script) that cmd holds whole, on lines of its own at its top
 * level, and that sh does not hold yet; then the header (GFF), cmd with those
 * texts replaced by `eval "${gf_ns_INDEX?}"`, and stdin when it is not too
 * long (*rest says whether it is left to send, before the trailer). As lines
 * where it can: the shell reads those without a process. A command made only of such
 * texts, all GF_SCRIPT_DIRECT, assignments before them and echo or printf
 * after writes its stdout straight to the stream (the header's last
 * field); returns whether it does. */
static int frame_build(struct gf_shell *sh, const char *cmd, const char *input,
                       size_t input_len, size_t cap, struct gf_buf *frame, int *rest,
                       const char *host)
{
    struct gf_buf body = GF_BUF_INIT, defs = GF_BUF_INIT;
    size_t clen = strlen(cmd), pos = 0;
    int direct = 1, named = 0, sent = 0;

    for (int i = 0; i < nnotes; i++) {
        const struct note *nt = &notes[i];
        const char *q = memmem(cmd + pos, clen - pos, nt->text, nt->len);
        if (q == NULL || nt->len < 64 || nt->text[nt->len - 1] != '\n') {
            direct = 0;
            continue;
        }
        size_t at = (size_t)(q - cmd);
        if (!gf_sh_top_level(cmd + pos, at - pos)) {
            direct = 0;
            break;
        }
        direct &= (nt->flags & GF_SCRIPT_DIRECT) && gf_sh_assignments_only(cmd + pos, at - pos);
        int k = 0;
        while (k < sh->ndefs && sh->defs[k] != nt->text)
            k++;
        if (k == sh->ndefs) {
            if (k == GF_SHELL_DEFS) {
                direct = 0;
                continue;
            }
            sh->defs[sh->ndefs++] = nt->text;
            sent++;
            char name[32];
            snprintf(name, sizeof(name), "gf_ns_%d", k);
            gf_sh_assign(&defs, name, nt->text);
        }
        gf_buf_add(&body, cmd + pos, at - pos);
        gf_buf_addf(&body, "eval \"${gf_ns_%d?}\"\n", k);
        pos = at + nt->len;
        named++;
    }
    direct &= named > 0 && gf_sh_prints_only(cmd + pos, clen - pos);
    gf_buf_add(&body, cmd + pos, clen - pos);
    if (defs.len) {
        gf_buf_addf(frame, "GFD %s %zu\n", sh->mark, defs.len);
        gf_buf_add(frame, defs.buf, defs.len);
        gf_buf_addf(frame, "GFE %s\n", sh->mark);
    }
    size_t slines = 0, ilines = 0;
    /* a newline added after a last backslash would continue its line */
    if (body.len <= GF_FRAMED_LINES_SCRIPT && ascii_lines(body.buf, body.len) &&
        (body.len == 0 || body.buf[body.len - 1] != '\\')) {
        if (body.len == 0 || body.buf[body.len - 1] != '\n')
            gf_buf_add(&body, "\n", 1);
        for (size_t j = 0; j < body.len; j++)
            slines += body.buf[j] == '\n';
    }
    int in_lines = input_len > 0 && input_len <= GF_FRAMED_LINES_INPUT &&
                   ascii_lines(input, input_len);
    if (in_lines) /* sent with a newline more, which the shell takes off */
        for (size_t j = 0; j < input_len; j++)
            ilines += input[j] == '\n';
    ilines += in_lines;
    gf_buf_addf(frame, "GFF %s %zu %zu %zu %zu %zu %d\n", sh->mark, body.len, input_len, cap,
                slines, ilines, direct);
    gf_buf_add(frame, body.buf, body.len);
    gf_log(3, "debug3: %s: frame: %d script texts sent, %d named; script as %s, stdin as %s, "
           "stdout %s", host, sent, named, slines ? "lines" : "bytes",
           !input_len ? "none" : in_lines ? "lines" : "bytes", direct ? "direct" : "copied");
    *rest = 0;
    if (in_lines) {
        gf_buf_add(frame, input, input_len);
        gf_buf_add(frame, "\n", 1);
    } else if (input_len <= 65536) {
        gf_buf_add(frame, input, input_len);
    } else {
        *rest = 1;
    }
    gf_buf_release(&body);
    gf_buf_release(&defs);
    return direct;
}

/* Runs cmd on the framed shell of sh (started here when it is not). Returns
 * what run_exec returns, or 1 (r untouched) when the shell cannot run here:
 * the command should then take an exec channel, and sh is marked off. */
static int run_framed(struct gf_session *s, struct gf_shell *sh, const char *cmd,
                      const char *input, size_t input_len, struct gf_result *r)
{
    const struct gf_exec_opts *o = s->opts;
    struct gf_buf frame = GF_BUF_INIT, why = GF_BUF_INIT;
    int ret = -GF_EFAIL, got, w, rc = -1, fo = 0, fe = 0, acked = 0, rest, direct;
    size_t cap = r->out.cap > r->err.cap ? r->out.cap : r->err.cap, tlen;
    size_t odata = 0, oend = 0, edata = 0, eend = 0;
    char trailer[48];

    if (r->out.cap == 0 || r->err.cap == 0)
        cap = 0;
    /* a shell that ended while idle (or wrote while idle) is replaced before the command
     * is sent: after that, an end is the command's */
    if (sh->ch && (ssh_channel_poll(sh->ch, 0) != 0 || ssh_channel_poll(sh->ch, 1) != 0 ||
                   ssh_channel_is_closed(sh->ch) || ssh_channel_is_eof(sh->ch) ||
                   sh->rd.len || sh->re.len)) {
        gf_log(2, "%s: the framed shell ended while idle; starting a new one", s->t->name);
        shell_drop(sh, 1);
    }
    if (sh->ch == NULL) {
        int st = shell_start(s, sh, r, &why);
        if (st > 0) {
            sh->off = 1;
            gf_log(1, "%s: %s; commands%s take a channel each", s->t->name, why.buf,
                   sh->become ? " with become" : "");
        }
        if (st != 0) {
            ret = st;
            goto out;
        }
    }
    tlen = (size_t)snprintf(trailer, sizeof(trailer), "GFE %s\n", sh->mark);
    direct = frame_build(sh, cmd, input, input_len, cap, &frame, &rest, s->t->name);
    if (!rest) /* the whole frame in one packet where it fits */
        gf_buf_add(&frame, trailer, tlen);
    if ((w = write_all(sh->ch, frame.buf, frame.len, NULL)) != 0 ||
        (rest && ((w = write_all(sh->ch, input, input_len, s->in_count)) != 0 ||
                  (w = write_all(sh->ch, trailer, tlen, NULL)) != 0)))
        goto ended_or_broken;
    if (!rest && s->in_count)
        atomic_fetch_add(s->in_count, (uint64_t)input_len);
    int64_t now = gf_now_ms();
    int64_t deadline = o->command_timeout > 0 ? now + o->command_timeout * 1000LL : 0;
    int64_t next_ka = now + (o->keepalive > 0 ? o->keepalive : 15) * 1000LL;
    /* the receipt of the frame's header within the connect timeout, as a channel's
     * opening would be: without it the host does not answer (the rest of the frame and
     * the command may take longer than that) */
    int64_t ack_deadline = now + (o->connect_timeout > 0 ? o->connect_timeout : 10) * 1000LL;
    char ack[48];
    size_t alen = (size_t)snprintf(ack, sizeof(ack), "GFA %s\n", sh->mark);
    for (;;) {
        if (shell_read(s, sh, &sh->re, &got) < 0) {
            w = -1;
            goto ended_or_broken;
        }
        if (!acked && sh->rd.len >= alen) {
            if (memcmp(sh->rd.buf, ack, alen) != 0) {
                result_fail(r, GF_ST_UNREACHABLE, "the framed shell sent a malformed result; "
                            "the command's outcome is unknown");
                shell_drop(sh, 1);
                goto out;
            }
            memmove(sh->rd.buf, sh->rd.buf + alen, sh->rd.len - alen);
            gf_buf_setlen(&sh->rd, sh->rd.len - alen);
            acked = 1;
        }
        if (!acked && !got && gf_now_ms() > ack_deadline) {
            result_fail(r, GF_ST_UNREACHABLE, "cannot start the command: the host did not "
                        "answer (network down or packets dropped?)");
            shell_drop(sh, 0);
            ret = -GF_ECONNECT;
            goto out;
        }
        if (!acked)
            goto wait;
        if (!fo)
            fo = find_result_end(&sh->rd, sh->mark, &rc, &odata, &oend);
        if (!fe)
            fe = find_result_end(&sh->re, sh->mark, NULL, &edata, &eend);
        if (fo < 0) {
            result_fail(r, GF_ST_UNREACHABLE, "the framed shell sent a malformed result; the "
                        "command's outcome is unknown");
            shell_drop(sh, 1);
            goto out;
        }
        /* a direct command's stdout is not cut on the node: it may not grow without end */
        if (!fo && direct && cap && sh->rd.len > cap + 65536) {
            result_fail(r, GF_ST_FAILED, "the command wrote more than %zu bytes", cap);
            shell_drop(sh, 1);
            goto out;
        }
        if (fo && fe)
            break;
    wait:
        if (got)
            continue;
        /* the receipt comes on stdout; after it, stderr's end comes last */
        if ((w = shell_wait(s, sh, acked && !fe)) != 0)
            goto ended_or_broken;
        now = gf_now_ms();
        if (deadline && now > deadline) {
            result_fail(r, GF_ST_FAILED, "command timed out after %d s", o->command_timeout);
            shell_drop(sh, 1);
            ret = -GF_ETIMEOUT;
            goto out;
        }
        if (now > next_ka) {
            ssh_send_ignore(s->ssh, "");
            next_ka = now + (o->keepalive > 0 ? o->keepalive : 15) * 1000LL;
        }
    }
    /* each stream comes cut at cap + 1 bytes: the buffers' caps cut it at cap and say so */
    gf_buf_add(&r->out, sh->rd.buf, odata);
    gf_buf_add(&r->err, sh->re.buf, edata);
    r->rc = rc;
    r->status = rc == 0 ? GF_ST_OK : GF_ST_FAILED;
    if (sh->rd.len != oend || sh->re.len != eend) { /* nothing may follow a result */
        gf_log(2, "%s: the framed shell wrote past its result; it is dropped", s->t->name);
        shell_drop(sh, 1);
    } else {
        gf_buf_reset(&sh->rd);
        gf_buf_reset(&sh->re);
    }
    ret = 0;
    goto out;
ended_or_broken:
    if (w < 0 && !ssh_is_connected(s->ssh)) {
        result_fail(r, GF_ST_UNREACHABLE, "connection lost while running the command, its "
                    "outcome is unknown: %s", ssh_get_error(s->ssh));
        ret = -GF_ECONNECT;
    } else {
        /* the command ended its shell (kill $$, exit of the shell...) */
        gf_log(2, "%s: the framed shell ended during a command; the next one gets a new shell",
               s->t->name);
        result_fail(r, GF_ST_FAILED, "the command ended without an exit status (killed by a "
                    "signal?)");
        r->rc = -1;
        ret = 0;
    }
    shell_drop(sh, 1);
out:
    gf_buf_release(&frame);
    gf_buf_release(&why);
    return ret;
}

int gf_session_run(struct gf_session *s, const char *cmd, const char *input, size_t input_len,
                   int become, struct gf_result *r)
{
    return gf_session_run_as(s, cmd, input, input_len, become ? s->t->become_user : NULL,
                             become, r);
}

/* Runs one command on a channel of its own (the remote user's shell runs
 * it, through sudo when become is set). */
static int run_exec(struct gf_session *s, const char *cmd, const char *input, size_t input_len,
                    const char *become_user, int become, struct gf_result *r)
{
    const struct gf_target *t = s->t;
    const struct gf_exec_opts *o = s->opts;
    struct gf_buf full = GF_BUF_INIT, errbuf = GF_BUF_INIT;
    char marker[40] = "GFSUDO-", ready[40] = "GFREADY-";
    ssh_channel ch = NULL;
    int ret = -GF_EFAIL, prompts = 0, started = !become;
    const char *pw = t->become_password;
    char buf[16384];

    if (t->local)
        return gf_local_run(t, o, cmd, input, input_len, become_user, become, s->in_count, r);
    r->start_us = gf_now_us();
    errbuf.cap = r->err.cap ? r->err.cap + 4096 : 0;
    if (become) {
        random_hex(marker + 7, 12);
        strcat(marker, ":"); /* the whole prompt; hex and ':' need no escaping */
        random_hex(ready + 8, 12);
        struct gf_buf inner = GF_BUF_INIT;
        gf_buf_addf(&inner, "echo %s >&2; %s", ready, cmd);
        gf_buf_addf(&full, "sudo -H %s -p '%s' -u ", pw ? "-S" : "-n", marker);
        gf_sh_quote(&full, become_user ? become_user : "root");
        gf_buf_adds(&full, " -- /bin/sh -c ");
        gf_sh_quote(&full, inner.buf);
        gf_buf_release(&inner);
    } else {
        gf_buf_adds(&full, cmd);
    }
    if ((ch = open_exec(s, full.buf, r)) == NULL) {
        ret = -GF_ECONNECT;
        goto out;
    }
    if (started && feed_input(s, ch, input, input_len) < 0)
        goto broken;
    int64_t now = gf_now_ms();
    int64_t deadline = o->command_timeout > 0 ? now + o->command_timeout * 1000LL : 0;
    int start_secs = o->command_timeout > 0 ? o->command_timeout : 60;
    int64_t start_deadline = now + start_secs * 1000LL;
    int64_t next_ka = now + (o->keepalive > 0 ? o->keepalive : 15) * 1000LL;
    for (;;) {
        /* SSH_EOF (negative) only means the stream ended */
        int n = ssh_channel_read_nonblocking(ch, buf, sizeof(buf), 0);
        if (n == SSH_EOF)
            n = 0;
        else if (n < 0 && channel_ended(s, ch))
            break;
        else if (n < 0)
            goto broken;
        if (n > 0)
            gf_buf_add(&r->out, buf, (size_t)n);
        int m = ssh_channel_read_nonblocking(ch, buf, sizeof(buf), 1);
        if (m == SSH_EOF)
            m = 0;
        else if (m < 0 && channel_ended(s, ch))
            break;
        else if (m < 0)
            goto broken;
        if (m > 0) {
            gf_buf_add(&errbuf, buf, (size_t)m);
            if (!started) {
                while (strip_token(&errbuf, marker)) {
                    prompts++;
                    if (prompts > 1) {
                        result_fail(r, GF_ST_FAILED, "sudo: incorrect become password for '%s'",
                                    t->user ? t->user : "(local user)");
                        ret = -GF_EAUTH;
                        goto out;
                    }
                    if (pw == NULL)
                        break;
                    if (write_all(ch, pw, strlen(pw), NULL) < 0 ||
                        write_all(ch, "\n", 1, NULL) < 0)
                        goto broken;
                }
                if (strip_token(&errbuf, ready)) {
                    started = 1;
                    if (feed_input(s, ch, input, input_len) < 0)
                        goto broken;
                }
            }
        }
        if (n == 0 && m == 0) {
            if (ssh_channel_is_eof(ch) || channel_ended(s, ch))
                break;
            int p = ssh_channel_poll_timeout(ch, 100, 0);
            if (p == SSH_ERROR)
                goto broken;
            now = gf_now_ms();
            if (deadline && now > deadline) {
                result_fail(r, GF_ST_FAILED, "command timed out after %d s", o->command_timeout);
                stop_remote(ch);
                ret = -GF_ETIMEOUT;
                goto out;
            }
            if (!started && now > start_deadline) {
                result_fail(r, GF_ST_FAILED, "sudo: neither a password prompt nor the command "
                            "started within %d s", start_secs);
                stop_remote(ch);
                ret = -GF_ETIMEOUT;
                goto out;
            }
            if (now > next_ka) {
                ssh_send_ignore(s->ssh, "");
                next_ka = now + (o->keepalive > 0 ? o->keepalive : 15) * 1000LL;
            }
        }
    }
    r->rc = ssh_channel_get_exit_status(ch);
    if (!started) {
        /* sudo itself failed before running the command */
        const char *why = strstr(errbuf.buf, "must have a tty")
                              ? "sudo requires a tty (requiretty): allow this user without one"
                          : strstr(errbuf.buf, "password is required") || (prompts && pw == NULL)
                              ? "sudo needs a password: use --ask-become-pass or "
                                "ansible_become_password"
                              : "sudo failed";
        result_fail(r, GF_ST_FAILED, "%s", why);
        ret = -GF_EAUTH;
    } else {
        r->status = r->rc == 0 ? GF_ST_OK : GF_ST_FAILED;
        if (r->rc < 0)
            result_fail(r, GF_ST_FAILED, "the command ended without an exit status (killed by a "
                        "signal?)");
        ret = 0;
    }
    goto out;
broken:
    result_fail(r, GF_ST_UNREACHABLE, "connection lost while running the command, its outcome is "
                "unknown: %s", ssh_get_error(s->ssh));
    ret = -GF_ECONNECT;
out:
    gf_buf_add(&r->err, errbuf.buf, errbuf.len);
    r->err.truncated |= errbuf.truncated;
    mask_result(s, r);
    if (ch) {
        ssh_channel_close(ch);
        ssh_channel_free(ch);
    }
    gf_buf_release(&full);
    gf_buf_release_secret(&errbuf);
    r->dur_us = gf_now_us() - r->start_us;
    return ret;
}

char *gf_session_hostkey(struct gf_session *s)
{
    ssh_key srv = NULL;
    char *b64 = NULL, *line = NULL;

    if (s->ssh == NULL) /* local */
        return NULL;
    if (ssh_get_server_publickey(s->ssh, &srv) == SSH_OK &&
        ssh_pki_export_pubkey_base64(srv, &b64) == SSH_OK)
        line = gf_xasprintf("%s %s", ssh_key_type_to_char(ssh_key_type(srv)), b64);
    ssh_string_free_char(b64);
    ssh_key_free(srv);
    return line;
}

int gf_ssh_keypair(char **private_pem, char **public_line)
{
    ssh_key k = NULL;
    char *priv = NULL, *pub = NULL;
    int rc = -1;

    *private_pem = *public_line = NULL;
    if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &k) == SSH_OK &&
        ssh_pki_export_privkey_base64(k, NULL, NULL, NULL, &priv) == SSH_OK &&
        ssh_pki_export_pubkey_base64(k, &pub) == SSH_OK) {
        *private_pem = gf_xstrdup(priv);
        *public_line = gf_xasprintf("ssh-ed25519 %s", pub);
        rc = 0;
    }
    if (priv)
        gf_free_secret(priv, strlen(priv)); /* libssh's copy: wiped here */
    ssh_string_free_char(pub);
    ssh_key_free(k);
    return rc;
}

static _Thread_local const char *trace_module;
static _Thread_local char trace_scripts[256];

void gf_exec_trace_module(const char *module)
{
    trace_module = module;
    trace_scripts[0] = '\0';
    nnotes = 0;
}

void gf_exec_note_script(const char *name, const char *text, int flags)
{
    if (nnotes < GF_NOTES)
        notes[nnotes++] = (struct note){ text, strlen(text), flags };
    if (gf_verbosity < 3)
        return;
    size_t n = strlen(trace_scripts);
    if (n + strlen(name) + 5 >= sizeof(trace_scripts))
        return;
    snprintf(trace_scripts + n, sizeof(trace_scripts) - n, " %s.sh", name);
}

/* The -vvv line for a command about to go to s's host (see gf_exec_trace_module). */
static void trace_send(const struct gf_session *s, size_t cmd_len, size_t input_len,
                       const char *become_user, int become, int framed)
{
    gf_log(3, "debug3: %s: %s%s: %s%s: %zu bytes of script, %zu bytes on stdin, as %s, %s",
           s->t->name, trace_module ? "module " : "command",
           trace_module ? trace_module : "", trace_scripts[0] ? "scripts" : "a command line",
           trace_scripts, cmd_len, input_len,
           !become ? "the login user" : become_user ? become_user : "root",
           s->t->local ? "on the controller (local connection)"
           : framed ? "through the framed shell" : "on a channel of its own");
    trace_scripts[0] = '\0';
}

int gf_session_run_as(struct gf_session *s, const char *cmd, const char *input,
                      size_t input_len, const char *become_user, int become,
                      struct gf_result *r)
{
    struct gf_shell *sh = NULL;
    int ret;

    if (s->opts->framed && !s->t->local && input_len <= GF_FRAMED_MAX_INPUT)
        sh = shell_slot(s, become, become_user);
    if (gf_verbosity >= 3)
        trace_send(s, strlen(cmd), input_len, become_user, become, sh && !sh->off);
    if (sh && !sh->off) {
        r->start_us = gf_now_us();
        ret = run_framed(s, sh, cmd, input, input_len, r);
        if (ret <= 0) {
            mask_result(s, r);
            r->dur_us = gf_now_us() - r->start_us;
            nnotes = 0;
            return ret;
        }
    }
    nnotes = 0;
    return run_exec(s, cmd, input, input_len, become_user, become, r);
}

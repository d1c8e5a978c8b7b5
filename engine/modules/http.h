/*
 * http.h - a small HTTP/1.1 client for the controller side of get_url and
 * uri: one request per connection over a plain socket, or TLS through
 * OpenSSL (certificates checked against the system's trust store and the
 * host name unless told not to), Content-Length, chunked and close-framed
 * bodies, redirects, HTTP basic authentication. Nodes that have curl or
 * wget fetch for themselves; this serves the nodes that have neither.
 * The parsers are separate functions so that tests/unit checks them
 * without a network.
 */
#ifndef GF_HTTP_H
#define GF_HTTP_H

#include "../core/core.h"

struct gf_http_url {
    char *scheme;   /* "http" or "https" (lower case) */
    char *host;     /* without brackets for IPv6 literals */
    char *port;     /* "80" / "443" unless given */
    char *path;     /* from the first '/', query included; "/" when empty */
    char *userinfo; /* "user:pass" before '@', or NULL */
};

/* Splits url. Returns 0, or -1 with *why (static) for a URL that is not
 * http(s)://host[:port][/path]. The caller releases u. */
int gf_http_parse_url(const char *url, struct gf_http_url *u, const char **why);
void gf_http_url_release(struct gf_http_url *u);

/* Resolves ref (a Location header) against base; malloc'd. */
char *gf_http_resolve(const char *base, const char *ref);

enum gf_http_redirects {
    GF_HTTP_REDIR_NONE,  /* "no" / "none" */
    GF_HTTP_REDIR_SAFE,  /* GET and HEAD only ("safe") */
    GF_HTTP_REDIR_ALL,   /* "all" / "yes" */
    GF_HTTP_REDIR_URLLIB2, /* as Python's urllib does: GET, HEAD, and POST turned into GET */
};

struct gf_http_req {
    const char *method;            /* "GET" when NULL */
    const char *url;
    const struct gf_val *headers;  /* map of strings, or NULL */
    const char *body;              /* may be NULL */
    size_t body_len;
    const char *user, *password;   /* basic authentication, or NULL */
    int force_basic_auth;          /* send it with the first request, not after a 401 */
    int timeout;                   /* seconds, for connecting and for each read */
    int validate_certs;
    enum gf_http_redirects redirects;
    const char *if_modified_since; /* an HTTP date, or NULL */
    size_t max_body;               /* 0: no limit */
};

struct gf_http_resp {
    int status;            /* -1: no response (msg says why) */
    char *reason;          /* "OK" */
    char *url;             /* the URL that answered (after redirects) */
    struct gf_val *headers; /* map, names in lower case */
    struct gf_buf body;
    char *msg;             /* the error when status is -1 */
    int sys_errno;         /* with it, the errno of a failed connect (0: other) */
    int redirected;
};

/* Sends req and reads the answer into resp (initialised by the call).
 * Returns 0 when a response came (any status), -1 with resp->msg when
 * none did. The caller releases resp. */
int gf_http_request(const struct gf_http_req *req, struct gf_http_resp *resp);
void gf_http_resp_release(struct gf_http_resp *resp);

/* Parses the head of a response (status line and headers, up to the empty
 * line) into status, reason and headers (a new map, lower-case names;
 * repeated headers joined with ", "). Returns 0 or -1. */
int gf_http_parse_head(const char *head, size_t len, int *status, char **reason,
                       struct gf_val **headers);
/* Decodes a chunked body in place. Returns 0, or -1 when it is malformed
 * or cut short. */
int gf_http_dechunk(struct gf_buf *b);
/* The time t (seconds since the epoch) as an HTTP date into out (30 bytes). */
void gf_http_date(long long t, char *out, size_t n);

#endif

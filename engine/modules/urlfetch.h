/*
 * urlfetch.h - how get_url (and the modules that download like it) get a
 * URL's body onto the node: the node's own curl or wget when it has one,
 * reading headers and credentials as configuration on stdin; a file://
 * URL from the node's file system; otherwise the controller's HTTP client
 * (http.h) with the body sent to the node's script on stdin.
 */
#ifndef GF_URLFETCH_H
#define GF_URLFETCH_H

#include "module.h"

struct gf_urlfetch {
    struct gf_modctx *ctx;
    const struct gf_val *headers;  /* map, or NULL */
    const char *user, *password;
    const char *agent;
    int timeout, validate_certs, force_basic_auth;
    char tool[8];                  /* curl, wget, none; "" before the probe */
};

/* One download; status, reason and msg are filled by gf_urlfetch_node. */
struct gf_urlfetch_req {
    const char *url;
    const char *method;            /* GET or HEAD */
    int force;                     /* Cache-Control: no-cache */
    const char *if_modified_since; /* an HTTP date, or NULL */
    int status;
    char reason[160];              /* "HTTP Error 404: Not Found" when not 2xx */
    char *msg;                     /* "OK (N bytes)", malloc'd */
};

/* url without the "user:password@" of its authority (malloc'd); *userinfo
 * (when not NULL) gets that part (malloc'd) or NULL. The node's scripts
 * get URLs through this: their text is a command line on the node, and
 * credentials never go there. */
char *gf_urlfetch_public_url(const char *url, char **userinfo);
/* Appends s as a double-quoted curl configuration value and a newline. */
void gf_urlfetch_curl_quote(struct gf_buf *b, const char *s);
/* 1 when url's host is the node itself (localhost, 127.0.0.0/8, ::1,
 * 0.0.0.0): a URL the controller cannot fetch in the node's place. */
int gf_urlfetch_names_the_node(const char *url);
/* Reads url_username, url_password, headers, timeout (default 10),
 * validate_certs, force_basic_auth and http_agent from args. */
void gf_urlfetch_init(struct gf_urlfetch *f, struct gf_modctx *ctx, const struct gf_val *args);
void gf_urlfetch_release(struct gf_urlfetch *f);
/* Fails res (returns -1) for the parameters gpuforge does not implement
 * when they ask for more than the default (client certificates, GSSAPI,
 * cipher lists, unredirected headers). Returns 0 otherwise. */
int gf_urlfetch_refuse(struct gf_urlfetch *f, const struct gf_val *args, struct gf_modres *res);
/* Sets the node's tool ("curl", "wget" or "none"). */
void gf_urlfetch_set_tool(struct gf_urlfetch *f, const char *tool);
/* 1 when s starts with a scheme get_url fetches (http, https, ftp, file). */
int gf_urlfetch_is_url(const char *s);
/* Ansible's re.sub(r'\W+', '', s).lower(), in place. */
void gf_urlfetch_clean_hex(char *s);
/* Finds the checksum of the file that url names in the text of a checksum
 * file ("SUM  name" lines, or a lone sum). Returns a malloc'd sum or NULL. */
char *gf_urlfetch_find_sum(const char *text, const char *url);
/* The last part of url's path ("index.html" when empty), malloc'd. */
char *gf_urlfetch_filename(const char *url);
/* Puts the path facts of a "GFSTAT owner group mode size uid gid" line of
 * out (attrs.sh's stat_tags) into res: owner, group, mode, size, uid, gid,
 * state. */
void gf_urlfetch_set_stat(struct gf_modres *res, const char *out);
/* Downloads url's body into body (on the node with its tool, else through
 * the controller). Returns 0 with the body (q status 200), or 0 with res
 * failed, or -GF_ECONNECT. */
int gf_urlfetch_body(struct gf_urlfetch *f, const char *url, struct gf_buf *body,
                     struct gf_modres *res);
/* Downloads the checksum file at sum_url (on the node, or through the
 * controller) and finds url's sum in it. Returns 0 with *sum (malloc'd), or
 * 0 with res failed, or -GF_ECONNECT. */
int gf_urlfetch_checksum(struct gf_urlfetch *f, const char *sum_url, const char *url,
                         char **sum, struct gf_modres *res);
/* Runs the node script in script (its assignments so far) with the source
 * of q's body chosen as above; finish appends the script's text. q->status
 * tells what came back. When the controller fetched and got no 2xx answer
 * the script does not run (r is then still initialised). Returns 0 (res
 * failed on errors), or -GF_ECONNECT. The caller releases r. */
int gf_urlfetch_node(struct gf_urlfetch *f, struct gf_urlfetch_req *q, struct gf_buf *script,
                     void (*finish)(struct gf_buf *), struct gf_result *r, struct gf_modres *res);

#endif

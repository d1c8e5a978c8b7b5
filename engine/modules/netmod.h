/*
 * netmod.h - the pure parts of the network and package-manager modules
 * (service_facts, package_facts, iptables, apt_repository,
 * deb822_repository, ufw): parsers of node output and builders of
 * commands and files, free of any session so that tests/unit checks them
 * without a node.
 */
#ifndef GF_NETMOD_H
#define GF_NETMOD_H

#include "module.h"

/* The text a node script printed after its line "GFSECTION name", up to
 * the next GFSECTION line (without the newline before it); "" for an
 * empty section, NULL when there is none. malloc'd. */
char *gf_net_section(const char *out, const char *name);

/* ---- service_facts ---- */

/* Parses Ansible's sources into services (a map, name -> {name, state,
 * status, source}): sysv, the output of `service --status-all` (NULL when
 * not run); units and files, of `systemctl list-units` and `list-unit-files`
 * (NULL when not run). The unit files that list-units did not show are
 * appended to need_state (names, malloc'd): their state comes from
 * gf_service_facts_set_state. Returns 0, or -1 with *bad the malformed line
 * (malloc'd). */
int gf_service_facts_parse(const char *sysv, const char *units, const char *files,
                           struct gf_val *services, struct gf_vec *need_state, char **bad);
/* Sets the state of unit name in services. */
void gf_service_facts_set_state(struct gf_val *services, const char *name, const char *state);

/* ---- package_facts ---- */

/* Parses lines "name\tversion\tarch\tsection\tstatus\tsource-field" (dpkg-query)
 * into packages (name -> list of {name, version, arch, category, origin,
 * source: "apt"}) for the installed ones. native is dpkg's architecture:
 * packages of another one are named "name:arch". */
void gf_package_facts_parse(const char *text, const char *native, struct gf_val *packages);

/* ---- iptables ---- */

/* Ansible's construct_rule: the rule's words from the validated arguments
 * (protocol, source, match, jump, ports, ctstate, limit, comment, ...),
 * appended to words (malloc'd strings); the words joined by blanks are
 * the result's "rule". */
void gf_iptables_rule(const struct gf_val *args, struct gf_vec *words);

/* ---- apt_repository (sources.list files, one-line format) ---- */

struct gf_aptsrc {
    int n;          /* the line's number when the file was read */
    int valid;      /* a deb / deb-src line (else kept as text) */
    int enabled;    /* not commented out */
    char *source;   /* blanks collapsed; for other lines the text */
    char *comment;  /* after a '#' inside the line, or "" */
};

/* Ansible's SourcesList._parse of one line (without its newline). */
void gf_aptsrc_parse(const char *line, struct gf_aptsrc *e);
void gf_aptsrc_release(struct gf_aptsrc *e);
/* Appends the line as SourcesList.dump writes it ("# " when disabled,
 * " # comment", newline). */
void gf_aptsrc_dump(const struct gf_aptsrc *e, struct gf_buf *out);
/* Ansible's _suggest_filename: "NAME.list" from filename when not NULL,
 * else from the repository's URI (options, scheme and credentials
 * dropped, other characters than letters and digits as '_'). malloc'd. */
char *gf_aptsrc_filename(const char *source, const char *filename);

/* ---- deb822_repository ---- */

/* The file name part of name as Ansible makes it: lower case, blanks and
 * '_' runs as '-', anything but [a-z0-9-] dropped. malloc'd. */
char *gf_deb822_slug(const char *name);
/* The .sources text of the validated args (fields in the order of their
 * parameter names, as Ansible sorts them; lists joined by blanks, booleans
 * yes/no, multi-line values indented), signed_by replaced by signed_by
 * when not NULL. */
void gf_deb822_render(const struct gf_val *args, const char *signed_by, struct gf_buf *out);

#endif

/*
 * setup.c - the `setup` module: Ansible's facts gathered with one shell
 * command per host (no Python on the node), parsed on the controller.
 *
 * The node runs one script that prints raw data in sections ("@@GF name"
 * lines: uname, /etc/os-release, /proc/cpuinfo lines, `ip addr`, sysfs
 * attributes of net and PCI devices, nvidia-smi, ...); gf_setup_parse()
 * turns it into facts with Ansible's names and value formats. The result is
 * res->data["ansible_facts"], a map whose keys carry the "ansible_" prefix,
 * exactly what Ansible's setup module returns. Ansible 2.14 then exposes
 * each fact twice (vars/clean.py): as ansible_facts.<name without the
 * prefix> (namespace_facts: "ansible_distribution" becomes
 * ansible_facts.distribution; keys without the prefix, like gpuforge_gpus,
 * keep their name) and, with INJECT_FACTS_AS_VARS (the default), at top
 * level under the prefixed name (clean_facts). The engine does the same
 * with this map.
 *
 * Subsets: min (always, unless '!min'), hardware (processor, memory,
 * gpuforge_gpus), network (default_ipv4/6, interfaces, addresses) and
 * virtual (virtualization_type/role). Other collector names Ansible knows
 * (facter, ohai, devices, mounts, ...) are rejected by name. Differences
 * from Ansible, on purpose or because no Python runs: no ansible_python,
 * ansible_local (fact_path), devices, mounts, lsb, selinux, DMI facts;
 * ansible_interfaces is sorted; the Xen paravirt special case of the CPU
 * counts is not made; ansible_distribution_version on Debian is the
 * precise /etc/debian_version ("12.11") as Ansible gives it where the
 * distro package is installed (its bundled copy gives "12").
 *
 * gpuforge_gpus lists display-class PCI devices (class 0x03xxxx) from
 * /sys/bus/pci/devices, less the BMC and emulated adapters (ASPEED,
 * Matrox, QEMU, virtio, ...) that are no GPUs: {vendor, vendor_id,
 * device_id, model, pci_slot, driver}, plus driver_version, memory_mb and
 * uuid from nvidia-smi where it answers (or driver_version from
 * /proc/driver/nvidia/version). gpuforge_gpu_count is its length.
 */
#include <arpa/inet.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "module.h"
#include "nodesh.h"
#include "setup-private.h"

static const struct gf_param setup_params[] = {
    { "gather_subset", GF_P_LIST, 0, NULL, NULL },
    { "filter", GF_P_LIST, 0, NULL, NULL },
    { NULL, 0, 0, NULL, NULL },
};

/* ---- gather_subset ---- */

static const struct {
    const char *name;
    unsigned bits;
} subset_names[] = {
    { "all", GF_FACTS_ALL },
    { "min", GF_FACTS_MIN },
    { "hardware", GF_FACTS_HARDWARE },
    { "network", GF_FACTS_NETWORK },
    { "virtual", GF_FACTS_VIRTUAL },
};

static int subset_bits(const char *name, unsigned *bits)
{
    for (size_t i = 0; i < GF_ARRAY_LEN(subset_names); i++)
        if (strcmp(subset_names[i].name, name) == 0)
            return *bits = subset_names[i].bits, 0;
    return -1;
}

int gf_setup_subsets(const struct gf_val *list, unsigned *out, struct gf_buf *msg)
{
    unsigned add = GF_FACTS_MIN, excl = 0, named = 0, bits;
    size_t n = list && list->type == GF_VAL_LIST ? list->u.list.n : 0;

    if (n == 0)
        add = GF_FACTS_ALL;
    for (size_t i = 0; i < n; i++) {
        const struct gf_val *v = list->u.list.v[i];
        const char *s = v->type == GF_VAL_STR ? v->u.str.s : "";
        int neg = s[0] == '!';
        if (subset_bits(s + neg, &bits) < 0) {
            gf_buf_addf(msg, "gather_subset '%s' is not supported (supported: all, min, "
                        "hardware, network, virtual, each also with '!')", s);
            return -GF_EINVAL;
        }
        if (!neg) {
            add |= bits;
            if (bits != GF_FACTS_ALL && bits != GF_FACTS_MIN)
                named |= bits;
        } else if (bits == GF_FACTS_ALL) {
            excl |= GF_FACTS_ALL & ~GF_FACTS_MIN; /* '!all' keeps min, as in Ansible */
        } else {
            excl |= bits;
        }
    }
    *out = add & ~(excl & ~named);
    return 0;
}

/* ---- the node script ---- */

/* The scripts live in engine/modules/sh (setup*.sh, gpu.sh): each prints
 * its listings after "@@GF name" lines, and setup_end's "@@GF end" shows
 * that the output was not cut short. */
void gf_setup_script(unsigned subsets, struct gf_buf *script)
{
    gf_nodesh_add(script, "setup");
    if (subsets & GF_FACTS_HARDWARE) {
        gf_nodesh_add(script, "setup_hw");
        gf_nodesh_add(script, "gpu");
    }
    if (subsets & GF_FACTS_NETWORK)
        gf_nodesh_add(script, "setup_net");
    if (subsets & GF_FACTS_VIRTUAL)
        gf_nodesh_add(script, "setup_virt");
    gf_nodesh_add(script, "setup_end");
}

/* ---- parsing: sections and small helpers ---- */

#define MAX_SECTIONS 40

struct sections {
    char empty[1];              /* the body of an absent section */
    char *copy;                 /* the output, cut into NUL-terminated bodies */
    const char *name[MAX_SECTIONS];
    char *body[MAX_SECTIONS];
    size_t n;
};

static void sections_split(struct sections *sc, const char *out)
{
    char *p;

    sc->copy = gf_xstrdup(out);
    sc->n = 0;
    p = sc->copy;
    while (p && *p) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        if (strncmp(p, "@@GF ", 5) == 0 && sc->n < MAX_SECTIONS) {
            if (sc->n)
                p[-1] = '\0'; /* ends the previous body */
            sc->name[sc->n] = p + 5;
            sc->body[sc->n++] = nl ? nl + 1 : p + strlen(p);
        } else if (nl) {
            *nl = '\n';
        }
        p = nl ? nl + 1 : NULL;
    }
}

/* The body of section name ("" when absent; writable). */
static char *sect(struct sections *sc, const char *name)
{
    for (size_t i = 0; i < sc->n; i++)
        if (strcmp(sc->name[i], name) == 0)
            return sc->body[i];
    sc->empty[0] = '\0';
    return sc->empty;
}

static int has_sect(const struct sections *sc, const char *name)
{
    for (size_t i = 0; i < sc->n; i++)
        if (strcmp(sc->name[i], name) == 0)
            return 1;
    return 0;
}

/* Cuts the next line off *p (NUL-terminating it); NULL at the end. */
static char *next_line(char **p)
{
    char *l = *p, *nl;

    if (l == NULL || *l == '\0')
        return NULL;
    nl = strchr(l, '\n');
    if (nl) {
        *nl = '\0';
        *p = nl + 1;
    } else {
        *p = l + strlen(l);
    }
    return l;
}

static char *trim(char *s)
{
    size_t n;

    while (*s == ' ' || *s == '\t')
        s++;
    n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

/* Splits s on blanks into at most max words (in place); returns the count. */
static int split_words(char *s, char **w, int max)
{
    int n = 0;
    char *save = NULL;

    for (char *t = strtok_r(s, " \t", &save); t && n < max; t = strtok_r(NULL, " \t", &save))
        w[n++] = t;
    return n;
}

static void fact(struct gf_val *facts, const char *name, struct gf_val *v)
{
    char key[256];

    snprintf(key, sizeof(key), "ansible_%s", name);
    gf_val_map_set(facts, key, v);
}

static void fact_str(struct gf_val *facts, const char *name, const char *s)
{
    fact(facts, name, gf_val_str(s));
}

static struct gf_val *str_list_push(struct gf_val *list, const char *s)
{
    gf_val_list_push(list, gf_val_str(s));
    return list;
}

/* ---- min: platform, distribution, user, env, date, dns, managers ---- */

static void parse_platform(struct sections *sc, struct gf_val *facts)
{
    char *p = sect(sc, "uname"), *l[6] = { 0 };
    char *fq = trim(sect(sc, "fqdn"));

    for (int i = 0; i < 6; i++)
        l[i] = next_line(&p);
    fact_str(facts, "system", l[0] ? l[0] : "");
    fact_str(facts, "kernel", l[1] ? l[1] : "");
    fact_str(facts, "machine", l[2] ? l[2] : "");
    fact_str(facts, "architecture", l[2] ? l[2] : "");
    fact_str(facts, "userspace_architecture", l[2] ? l[2] : "");
    fact_str(facts, "kernel_version", l[4] ? l[4] : "");
    fact_str(facts, "userspace_bits", l[5] ? l[5] : "");
    /* Ansible: nodename is uname's, hostname its first label, fqdn the
     * resolver's view, domain what follows the first dot of fqdn */
    const char *node = l[3] ? l[3] : "";
    fact_str(facts, "nodename", node);
    fact(facts, "hostname", gf_val_strn(node, strcspn(node, ".")));
    fq[strcspn(fq, "\n")] = '\0';
    fact_str(facts, "fqdn", *fq ? fq : node);
    const char *dot = strchr(*fq ? fq : node, '.');
    fact_str(facts, "domain", dot ? dot + 1 : "");
    char *mid = trim(sect(sc, "machineid"));
    if (*mid)
        fact_str(facts, "machine_id", mid);
    char *up = sect(sc, "uptime");
    if (*up)
        fact(facts, "uptime_seconds", gf_val_int(atoll(up)));
}

/* Value of KEY= in os-release text, unquoted (static buffer), or NULL. */
static const char *osrel_get(const char *text, const char *key, char *out, size_t outsz)
{
    size_t kl = strlen(key);

    for (const char *p = text; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
            const char *v = p + kl + 1;
            size_t vl = len - kl - 1;
            if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0])
                v++, vl -= 2;
            if (vl >= outsz)
                vl = outsz - 1;
            memcpy(out, v, vl);
            out[vl] = '\0';
            return out;
        }
        p = nl ? nl + 1 : NULL;
    }
    return NULL;
}

/* os-release ID to Ansible's distribution name (capitalized ID otherwise). */
static const struct {
    const char *id, *name, *family;
} distros[] = {
    { "debian", "Debian", "Debian" }, { "ubuntu", "Ubuntu", "Debian" },
    { "linuxmint", "Linux Mint", "Debian" }, { "raspbian", "Debian", "Debian" },
    { "pop", "Pop!_OS", "Debian" }, { "kali", "Kali", "Debian" },
    { "devuan", "Devuan", "Debian" }, { "rhel", "RedHat", "RedHat" },
    { "centos", "CentOS", "RedHat" }, { "fedora", "Fedora", "RedHat" },
    { "rocky", "Rocky", "RedHat" }, { "almalinux", "AlmaLinux", "RedHat" },
    { "ol", "OracleLinux", "RedHat" }, { "amzn", "Amazon", "RedHat" },
    { "sles", "SLES", "Suse" }, { "sled", "SLED", "Suse" },
    { "opensuse-leap", "openSUSE Leap", "Suse" },
    { "opensuse-tumbleweed", "openSUSE Tumbleweed", "Suse" },
    { "arch", "Archlinux", "Archlinux" }, { "manjaro", "Manjaro", "Archlinux" },
    { "alpine", "Alpine", "Alpine" }, { "gentoo", "Gentoo", "Gentoo" },
    { "clear-linux-os", "Clear Linux OS", "ClearLinux" },
};

static void parse_distribution(struct sections *sc, struct gf_val *facts)
{
    const char *os = sect(sc, "os");
    char id[128], ver[128], code[128], name[128];
    const char *family = NULL;
    char *dv = trim(sect(sc, "debver"));

    if (!osrel_get(os, "ID", id, sizeof(id)))
        snprintf(id, sizeof(id), "%s", "");
    if (!osrel_get(os, "VERSION_ID", ver, sizeof(ver)))
        ver[0] = '\0';
    if (!osrel_get(os, "VERSION_CODENAME", code, sizeof(code)) &&
        !osrel_get(os, "UBUNTU_CODENAME", code, sizeof(code)))
        snprintf(code, sizeof(code), "NA");
    snprintf(name, sizeof(name), "%s", id[0] ? id : "OtherLinux");
    name[0] = (char)(name[0] >= 'a' && name[0] <= 'z' ? name[0] - 32 : name[0]);
    for (size_t i = 0; i < GF_ARRAY_LEN(distros); i++)
        if (strcmp(distros[i].id, id) == 0) {
            snprintf(name, sizeof(name), "%s", distros[i].name);
            family = distros[i].family;
        }
    dv[strcspn(dv, "\n")] = '\0';
    int dv_precise = dv[0] >= '0' && dv[0] <= '9' && strchr(dv, '.');
    if (strcmp(id, "debian") == 0 && dv_precise)
        snprintf(ver, sizeof(ver), "%s", dv);
    fact_str(facts, "distribution", name);
    fact_str(facts, "distribution_version", ver);
    fact(facts, "distribution_major_version", ver[0] ? gf_val_strn(ver, strcspn(ver, "."))
                                                     : gf_val_str("NA"));
    const char *minor = strchr(strcmp(id, "debian") == 0 && dv_precise ? dv : ver, '.');
    if (minor)
        fact(facts, "distribution_minor_version", gf_val_strn(minor + 1, strcspn(minor + 1, ".")));
    fact_str(facts, "distribution_release", code);
    fact_str(facts, "os_family", family ? family : name);
    if (*os) {
        fact_str(facts, "distribution_file_path", "/etc/os-release");
        fact(facts, "distribution_file_parsed", gf_val_bool(1));
    }
}

static void parse_user(struct sections *sc, struct gf_val *facts)
{
    char *p = sect(sc, "user"), *l[6] = { 0 };

    for (int i = 0; i < 6; i++)
        l[i] = next_line(&p);
    if (l[0] == NULL || l[4] == NULL)
        return;
    fact_str(facts, "user_id", l[0]);
    fact(facts, "user_uid", gf_val_int(atoll(l[1])));
    fact(facts, "user_gid", gf_val_int(atoll(l[2])));
    fact(facts, "effective_user_id", gf_val_int(atoll(l[1])));
    fact(facts, "effective_group_id", gf_val_int(atoll(l[2])));
    fact(facts, "real_user_id", gf_val_int(atoll(l[3])));
    fact(facts, "real_group_id", gf_val_int(atoll(l[4])));
    if (l[5]) { /* name:x:uid:gid:gecos:dir:shell */
        char *f[7] = { 0 }, *s = l[5];
        for (int i = 0; i < 7 && s; i++) {
            f[i] = s;
            s = strchr(s, ':');
            if (s)
                *s++ = '\0';
        }
        if (f[6]) {
            fact_str(facts, "user_gecos", f[4]);
            fact_str(facts, "user_dir", f[5]);
            fact_str(facts, "user_shell", f[6]);
        }
    }
}

static int env_name(const char *l, size_t n)
{
    if (n == 0 || !((l[0] >= 'A' && l[0] <= 'Z') || (l[0] >= 'a' && l[0] <= 'z') || l[0] == '_'))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!((l[i] >= 'A' && l[i] <= 'Z') || (l[i] >= 'a' && l[i] <= 'z') ||
              (l[i] >= '0' && l[i] <= '9') || l[i] == '_'))
            return 0;
    return 1;
}

/* `env` prints multi-line values as they are: a line that does not start
 * with NAME= continues the previous value. */
static void parse_env(struct sections *sc, struct gf_val *facts)
{
    struct gf_val *env = gf_val_map();
    struct gf_buf val = GF_BUF_INIT;
    char *p = sect(sc, "env"), *l, *key = NULL;

    while ((l = next_line(&p))) {
        char *eq = strchr(l, '=');
        if (eq && env_name(l, (size_t)(eq - l))) {
            if (key)
                gf_val_map_set(env, key, gf_val_strn(val.buf, val.len));
            free(key);
            key = gf_xstrndup(l, (size_t)(eq - l));
            gf_buf_reset(&val);
            gf_buf_adds(&val, eq + 1);
        } else if (key) {
            gf_buf_addf(&val, "\n%s", l);
        }
    }
    if (key)
        gf_val_map_set(env, key, gf_val_strn(val.buf, val.len));
    free(key);
    gf_buf_release(&val);
    fact(facts, "env", env);
}

static void parse_date(struct sections *sc, struct gf_val *facts)
{
    static const char *const keys[] = { "year", "month", "weekday", "weekday_number",
                                        "weeknumber", "day", "hour", "minute", "second",
                                        "epoch", "tz", "tz_offset" };
    char *p = sect(sc, "date"), *loc = next_line(&p), *utc = next_line(&p);
    char *jan = next_line(&p), *jul = next_line(&p), *f[13] = { 0 };
    struct gf_val *dt = gf_val_map();
    char b[96];

    if (loc == NULL || utc == NULL) {
        gf_val_unref(dt);
        return;
    }
    for (int i = 0; i < 13; i++) {
        f[i] = loc;
        loc = loc ? strchr(loc, '|') : NULL;
        if (loc)
            *loc++ = '\0';
    }
    if (f[12] == NULL) {
        gf_val_unref(dt);
        return;
    }
    char usec[7] = "000000";
    memcpy(usec, f[12], strlen(f[12]) >= 6 ? 6 : strlen(f[12]));
    /* the local fields, in the order of the script's format */
    for (int i = 0; i < 9; i++)
        gf_val_map_set(dt, keys[i], gf_val_str(f[i]));
    gf_val_map_set(dt, "epoch", gf_val_str(f[9]));
    gf_val_map_set(dt, "epoch_int", gf_val_str(f[9]));
    snprintf(b, sizeof(b), "%s-%s-%s", f[0], f[1], f[5]);
    gf_val_map_set(dt, "date", gf_val_str(b));
    snprintf(b, sizeof(b), "%s:%s:%s", f[6], f[7], f[8]);
    gf_val_map_set(dt, "time", gf_val_str(b));
    snprintf(b, sizeof(b), "%sZ", utc);
    gf_val_map_set(dt, "iso8601", gf_val_str(b));
    snprintf(b, sizeof(b), "%s.%sZ", utc, usec);
    gf_val_map_set(dt, "iso8601_micro", gf_val_str(b));
    snprintf(b, sizeof(b), "%s%s%sT%s%s%s%s", f[0], f[1], f[5], f[6], f[7], f[8], usec);
    gf_val_map_set(dt, "iso8601_basic", gf_val_str(b));
    b[strlen(b) - 6] = '\0';
    gf_val_map_set(dt, "iso8601_basic_short", gf_val_str(b));
    gf_val_map_set(dt, "tz", gf_val_str(f[10]));
    gf_val_map_set(dt, "tz_offset", gf_val_str(f[11]));
    /* Python's time.tzname[1]: the zone's summer-time name; of January and
     * July, the one further east of UTC (the same name where none) */
    const char *dst = f[10];
    char *jz = jan ? strchr(jan, '|') : NULL, *uz = jul ? strchr(jul, '|') : NULL;
    if (jz && uz) {
        *jz++ = '\0';
        *uz++ = '\0';
        dst = atoi(uz) >= atoi(jz) ? jul : jan;
    }
    gf_val_map_set(dt, "tz_dst", gf_val_str(dst));
    fact(facts, "date_time", dt);
}

static void parse_dns(struct sections *sc, struct gf_val *facts)
{
    struct gf_val *dns = gf_val_map(), *ns = NULL, *search = NULL, *opts = NULL;
    char *p = sect(sc, "resolv"), *l, *w[16];

    while ((l = next_line(&p))) {
        if (l[0] == '#' || l[0] == ';')
            continue;
        int n = split_words(l, w, 16);
        if (n < 2)
            continue;
        if (strcmp(w[0], "nameserver") == 0) {
            ns = ns ? ns : gf_val_list();
            str_list_push(ns, w[1]);
        } else if (strcmp(w[0], "domain") == 0) {
            gf_val_map_set(dns, "domain", gf_val_str(w[1]));
        } else if (strcmp(w[0], "search") == 0) {
            gf_val_unref(search);
            search = gf_val_list();
            for (int i = 1; i < n; i++)
                str_list_push(search, w[i]);
        } else if (strcmp(w[0], "options") == 0) {
            opts = opts ? opts : gf_val_map();
            for (int i = 1; i < n; i++) {
                char *c = strchr(w[i], ':');
                if (c)
                    *c = '\0';
                gf_val_map_set(opts, w[i], c ? gf_val_str(c + 1) : gf_val_bool(1));
            }
        }
    }
    if (ns)
        gf_val_map_set(dns, "nameservers", ns);
    if (search)
        gf_val_map_set(dns, "search", search);
    if (opts)
        gf_val_map_set(dns, "options", opts);
    fact(facts, "dns", dns);
}

static int line_is(const char *text, const char *line)
{
    size_t n = strlen(line);

    for (const char *p = text; p && *p;) {
        if (strncmp(p, line, n) == 0 && (p[n] == '\n' || p[n] == '\0'))
            return 1;
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
    }
    return 0;
}

static void parse_pkg_mgr(struct sections *sc, struct gf_val *facts)
{
    static const struct {
        const char *path, *name;
    } mgrs[] = {
        { "/usr/bin/apt-get", "apt" }, { "/usr/bin/zypper", "zypper" },
        { "/usr/sbin/urpmi", "urpmi" }, { "/usr/bin/pacman", "pacman" },
        { "/bin/opkg", "opkg" }, { "/sbin/apk", "apk" }, { "/usr/bin/emerge", "portage" },
        { "/usr/bin/xbps-install", "xbps" }, { "/usr/bin/swupd", "swupd" },
    };
    const char *pk = sect(sc, "pkg");
    const struct gf_val *fam = gf_val_map_get(facts, "ansible_os_family");
    const struct gf_val *maj = gf_val_map_get(facts, "ansible_distribution_major_version");
    const char *name = "unknown";

    if (fam && strcmp(fam->u.str.s, "RedHat") == 0) {
        /* Ansible: dnf from RHEL 8 and Fedora 23 on, else yum; rpm-ostree
         * systems are atomic_container */
        int m = maj ? atoi(maj->u.str.s) : 0;
        const struct gf_val *d = gf_val_map_get(facts, "ansible_distribution");
        int fedora = d && strcmp(d->u.str.s, "Fedora") == 0;
        name = line_is(pk, "/run/ostree-booted") ? "atomic_container"
               : m >= (fedora ? 23 : 8) && line_is(pk, "/usr/bin/dnf") ? "dnf"
               : line_is(pk, "/usr/bin/yum") ? "yum" : line_is(pk, "/usr/bin/dnf") ? "dnf"
               : "unknown";
    } else {
        for (size_t i = 0; i < GF_ARRAY_LEN(mgrs); i++)
            if (line_is(pk, mgrs[i].path)) {
                name = mgrs[i].name;
                break;
            }
    }
    fact_str(facts, "pkg_mgr", name);
}

static void parse_service_mgr(struct sections *sc, struct gf_val *facts)
{
    static const char *const map[][2] = {
        { "procd", "openwrt_init" }, { "runit-init", "runit" },
        { "svscan", "svc" }, { "openrc-init", "openrc" },
    };
    char *p = sect(sc, "svc"), *pid1 = next_line(&p);
    const char *name = NULL;
    size_t n = pid1 ? strlen(pid1) : 0;

    /* pid 1 named init, or a shell (containers), tells nothing */
    if (n && strcmp(pid1, "init") != 0 && !(n >= 2 && strcmp(pid1 + n - 2, "sh") == 0)) {
        name = pid1;
        for (size_t i = 0; i < GF_ARRAY_LEN(map); i++)
            if (strcmp(map[i][0], pid1) == 0)
                name = map[i][1];
    } else if (line_is(p, "systemd")) {
        name = "systemd";
    } else if (line_is(p, "upstart")) {
        name = "upstart";
    } else if (line_is(p, "openrc")) {
        name = "openrc";
    } else if (strstr(p, "init ") && strstr(p, "systemd\n")) {
        name = "systemd"; /* /sbin/init links to systemd: installed, not running */
    } else if (line_is(p, "sysvinit")) {
        name = "sysvinit";
    }
    fact_str(facts, "service_mgr", name ? name : "service");
}

/* ---- hardware ---- */

/* selinux and selinux_python_present as Ansible's collector gives them: it
 * loads libselinux.so.1 (through ctypes), so where that library is missing
 * the status says so, whatever the kernel has. */
static void parse_selinux(struct sections *sc, struct gf_val *facts)
{
    char *p = sect(sc, "selinux"), *l;
    int python = 0, enforce = -1;
    char policyvers[32] = "unknown", config[32] = "", type[64] = "";
    struct gf_val *se = gf_val_map();

    while ((l = next_line(&p))) {
        if (!strcmp(l, "lib"))
            python = 1;
        else if (!strncmp(l, "enforce ", 8))
            enforce = atoi(l + 8);
        else if (!strncmp(l, "policyvers ", 11) && l[11])
            snprintf(policyvers, sizeof policyvers, "%s", l + 11);
        else if (!strncmp(l, "SELINUX=", 8))
            snprintf(config, sizeof config, "%s", l + 8);
        else if (!strncmp(l, "SELINUXTYPE=", 12))
            snprintf(type, sizeof type, "%s", l + 12);
    }
    fact(facts, "selinux_python_present", gf_val_bool(python));
    if (!python) {
        gf_val_map_set(se, "status", gf_val_str("Missing selinux Python library"));
    } else if (enforce < 0) {
        gf_val_map_set(se, "status", gf_val_str("disabled"));
    } else {
        gf_val_map_set(se, "status", gf_val_str("enabled"));
        char *end;
        long pv = strtol(policyvers, &end, 10);
        gf_val_map_set(se, "policyvers", *end || end == policyvers ? gf_val_str("unknown")
                                                                   : gf_val_int(pv));
        gf_val_map_set(se, "config_mode", gf_val_str(*config ? config : "unknown"));
        gf_val_map_set(se, "mode", gf_val_str(enforce ? "enforcing" : "permissive"));
        gf_val_map_set(se, "type", gf_val_str(*type ? type : "unknown"));
    }
    fact(facts, "selinux", se);
}

static void parse_cpu(struct sections *sc, struct gf_val *facts)
{
    char *p = sect(sc, "cpu"), *l;
    struct gf_val *procs = gf_val_list();
    long nprocessor = 0, nvendor = 0, nmodel = 0, i = 0, sockets = 0;
    long first_cores = -1, first_siblings = -1;
    char seen[64][16];

    while ((l = next_line(&p))) {
        char *c = strchr(l, ':');
        if (c == NULL)
            continue;
        *c = '\0';
        char *key = trim(l), *val = trim(c + 1);
        if (!strcmp(key, "model name") || !strcmp(key, "Processor") || !strcmp(key, "vendor_id") ||
            !strcmp(key, "cpu") || !strcmp(key, "Vendor") || !strcmp(key, "processor")) {
            str_list_push(procs, val);
            nvendor += !strcmp(key, "vendor_id");
            nmodel += !strcmp(key, "model name");
            nprocessor += !strcmp(key, "processor");
            i++;
        } else if (!strcmp(key, "physical id")) {
            int known = 0;
            for (long k = 0; k < sockets && k < 64; k++)
                known |= !strcmp(seen[k], val);
            if (!known && sockets < 64)
                snprintf(seen[sockets++], sizeof(seen[0]), "%s", val);
        } else if (!strcmp(key, "cpu cores") && first_cores < 0) {
            first_cores = atol(val);
        } else if (!strcmp(key, "siblings") && first_siblings < 0) {
            first_siblings = atol(val);
        } else if (!strcmp(key, "ncpus active")) {
            i = atol(val);
        }
    }
    if (nvendor > 0 && nvendor == nmodel)
        i = nvendor;
    char *u = sect(sc, "uname"), *m;
    next_line(&u);
    next_line(&u);
    m = next_line(&u);
    const char *a = m ? m : "";
    if (!strncmp(a, "armv", 4) || !strncmp(a, "aarch", 5) || !strncmp(a, "ppc", 3))
        i = nprocessor;
    /* Ansible's rules: sockets counted by "physical id", cores per socket
     * from the first "cpu cores", threads from the first "siblings" */
    long count = sockets ? sockets : i;
    long cores = first_cores > 0 ? first_cores : 1;
    long tpc = (first_siblings > 0 ? first_siblings : 1) / cores;
    fact(facts, "processor", procs);
    fact(facts, "processor_count", gf_val_int(count));
    fact(facts, "processor_cores", gf_val_int(cores));
    fact(facts, "processor_threads_per_core", gf_val_int(tpc));
    fact(facts, "processor_vcpus", gf_val_int(tpc * count * cores));
    char *np = trim(sect(sc, "nproc"));
    fact(facts, "processor_nproc", gf_val_int(*np ? atol(np) : nprocessor));
}

static void parse_memory(struct sections *sc, struct gf_val *facts)
{
    static const char *const keys[] = { "MemTotal", "MemFree", "Buffers", "Cached",
                                        "SwapTotal", "SwapFree", "SwapCached" };
    long long v[7] = { 0 };
    char *p = sect(sc, "mem"), *l;

    while ((l = next_line(&p)))
        for (size_t k = 0; k < GF_ARRAY_LEN(keys); k++) {
            size_t n = strlen(keys[k]);
            if (strncmp(l, keys[k], n) == 0 && l[n] == ':')
                v[k] = atoll(l + n + 1) / 1024;
        }
    fact(facts, "memtotal_mb", gf_val_int(v[0]));
    fact(facts, "memfree_mb", gf_val_int(v[1]));
    fact(facts, "swaptotal_mb", gf_val_int(v[4]));
    fact(facts, "swapfree_mb", gf_val_int(v[5]));
    struct gf_val *mb = gf_val_map(), *real = gf_val_map(), *nc = gf_val_map(), *sw = gf_val_map();
    gf_val_map_set(real, "total", gf_val_int(v[0]));
    gf_val_map_set(real, "used", gf_val_int(v[0] - v[1]));
    gf_val_map_set(real, "free", gf_val_int(v[1]));
    gf_val_map_set(nc, "free", gf_val_int(v[1] + v[2] + v[3]));
    gf_val_map_set(nc, "used", gf_val_int(v[0] - (v[1] + v[2] + v[3])));
    gf_val_map_set(sw, "total", gf_val_int(v[4]));
    gf_val_map_set(sw, "free", gf_val_int(v[5]));
    gf_val_map_set(sw, "used", gf_val_int(v[4] - v[5]));
    gf_val_map_set(sw, "cached", gf_val_int(v[6]));
    gf_val_map_set(mb, "real", real);
    gf_val_map_set(mb, "nocache", nc);
    gf_val_map_set(mb, "swap", sw);
    fact(facts, "memory_mb", mb);
}

/* "\040" in /proc/self/mounts fields: the octal escapes, as Ansible turns
 * them back. In place. */
static void unescape_octal(char *s)
{
    char *o = s;

    for (; *s; s++) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' && s[2] <= '7' &&
            s[3] >= '0' && s[3] <= '7') {
            *o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
            s += 3;
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
}

/* ansible_mounts as Ansible's Linux hardware facts make it: the entries of
 * the mount table whose device is a path or a network share (device
 * starts with / or \\, or holds ":/") and whose type is not "none", each
 * with the sizes statvfs gives (stat -f on the node); a mount point listed
 * twice keeps its first place and takes the last entry, as Ansible's dict
 * of results does. uuid is "N/A" (Ansible asks lsblk, which nodes may lack). */
static void parse_mounts(struct sections *sc, struct gf_val *facts)
{
    struct gf_val *list = gf_val_list(), *sizes = gf_val_map();
    char *p = sect(sc, "statfs"), *l;

    while ((l = next_line(&p))) {
        char *bar = strrchr(l, '|');
        if (bar == NULL)
            continue;
        *bar = '\0';
        gf_val_map_set(sizes, l, gf_val_str(bar + 1));
    }
    /* bind mounts, as Ansible finds them: findmnt's SOURCE ends in "]" */
    struct gf_val *binds = gf_val_map();
    p = sect(sc, "binds");
    while ((l = next_line(&p))) {
        char *save = NULL, *target = strtok_r(l, " \t", &save), *src = strtok_r(NULL, " \t", &save);
        if (target && src && src[strlen(src) - 1] == ']') {
            unescape_octal(target);
            gf_val_map_set(binds, target, gf_val_bool(1));
        }
    }
    p = sect(sc, "mounts");
    while ((l = next_line(&p))) {
        char *f[4] = { 0 }, *save = NULL;
        int n = 0;
        for (char *t = strtok_r(l, " ", &save); t && n < 4; t = strtok_r(NULL, " ", &save))
            f[n++] = t;
        if (n < 4)
            continue;
        for (int i = 0; i < n; i++)
            unescape_octal(f[i]);
        if ((f[0][0] != '/' && f[0][0] != '\\' && !strstr(f[0], ":/")) ||
            !strcmp(f[2], "none"))
            continue;
        struct gf_val *m = gf_val_map();
        gf_val_map_set(m, "mount", gf_val_str(f[1]));
        gf_val_map_set(m, "device", gf_val_str(f[0]));
        gf_val_map_set(m, "fstype", gf_val_str(f[2]));
        if (gf_val_map_get(binds, f[1]) && !strstr(f[3], "bind")) {
            char *o = gf_xasprintf("%s,bind", f[3]);
            gf_val_map_set(m, "options", gf_val_str(o));
            free(o);
        } else {
            gf_val_map_set(m, "options", gf_val_str(f[3]));
        }
        const struct gf_val *sz = gf_val_map_get(sizes, f[1]);
        unsigned long long frsize, bsize, blocks, bfree, bavail, files, ffree;
        if (sz && sscanf(sz->u.str.s, "%llu %llu %llu %llu %llu %llu %llu", &frsize, &bsize,
                         &blocks, &bfree, &bavail, &files, &ffree) == 7) {
            gf_val_map_set(m, "size_total", gf_val_int((long long)(frsize * blocks)));
            gf_val_map_set(m, "size_available", gf_val_int((long long)(frsize * bavail)));
            gf_val_map_set(m, "block_size", gf_val_int((long long)bsize));
            gf_val_map_set(m, "block_total", gf_val_int((long long)blocks));
            gf_val_map_set(m, "block_available", gf_val_int((long long)bavail));
            gf_val_map_set(m, "block_used", gf_val_int((long long)(blocks - bfree)));
            gf_val_map_set(m, "inode_total", gf_val_int((long long)files));
            gf_val_map_set(m, "inode_available", gf_val_int((long long)ffree));
            gf_val_map_set(m, "inode_used", gf_val_int((long long)(files - ffree)));
        }
        gf_val_map_set(m, "uuid", gf_val_str("N/A"));
        /* a mount point mounted again: its first place, the last entry */
        size_t i = 0;
        while (i < list->u.list.n &&
               strcmp(gf_val_map_get(list->u.list.v[i], "mount")->u.str.s, f[1]) != 0)
            i++;
        if (i < list->u.list.n) {
            gf_val_unref(list->u.list.v[i]);
            list->u.list.v[i] = m;
        } else {
            gf_val_list_push(list, m);
        }
    }
    gf_val_unref(sizes);
    gf_val_unref(binds);
    fact(facts, "mounts", list);
}

static const struct {
    unsigned id;
    const char *name;
    int gpu; /* 0: a BMC or emulated display adapter, no GPU */
} pci_vendors[] = {
    { 0x10de, "NVIDIA", 1 }, { 0x1002, "AMD", 1 }, { 0x8086, "Intel", 1 },
    { 0x1ed5, "Moore Threads", 1 }, { 0x1e3e, "Iluvatar", 1 }, { 0x1a03, "ASPEED", 0 },
    { 0x102b, "Matrox", 0 }, { 0x1234, "QEMU", 0 }, { 0x1013, "Cirrus Logic", 0 },
    { 0x15ad, "VMware", 0 }, { 0x1af4, "Red Hat (virtio)", 0 }, { 0x1b36, "Red Hat (QXL)", 0 },
    { 0x1414, "Microsoft", 0 }, { 0x80ee, "VirtualBox", 0 },
};

/* The n-th double-quoted field of an `lspci -mm` line (0-based), or NULL. */
static struct gf_val *lspci_field(const char *s, int n)
{
    for (int i = 0; s && (s = strchr(s, '"')); i++) {
        const char *e = strchr(s + 1, '"');
        if (e == NULL)
            return NULL;
        if (i == n)
            return gf_val_strn(s + 1, (size_t)(e - s - 1));
        s = e + 1;
    }
    return NULL;
}

/* Matches nvidia-smi's bus id "00000000:3B:00.0" with sysfs's "0000:3b:00.0". */
static int same_slot(const char *smi, const char *slot)
{
    size_t a = strlen(smi), b = strlen(slot);

    if (a < 7 || b < 7)
        return 0;
    return strncasecmp(smi + a - 7, slot + b - 7, 7) == 0;
}

static void gpu_add_smi(struct gf_val *gpu, const char *slot, struct sections *sc)
{
    char *copy = gf_xstrdup(sect(sc, "nvsmi")), *p = copy, *l;

    while ((l = next_line(&p))) {
        char *f[8] = { 0 };
        int n = 0;
        for (char *s = l; s && n < 8; n++) {
            f[n] = trim(s);
            s = strchr(s, ',');
            if (s)
                *s++ = '\0';
        }
        if (n < 5 || !same_slot(f[0], slot))
            continue;
        /* a name with commas: the fields after it are the last three */
        struct gf_buf name = GF_BUF_INIT;
        for (int k = 1; k < n - 3; k++)
            gf_buf_addf(&name, "%s%s", k > 1 ? ", " : "", f[k]);
        gf_val_map_set(gpu, "model", gf_val_str(name.buf));
        gf_val_map_set(gpu, "driver_version", gf_val_str(f[n - 3]));
        gf_val_map_set(gpu, "memory_mb", gf_val_int(atoll(f[n - 2])));
        gf_val_map_set(gpu, "uuid", gf_val_str(f[n - 1]));
        gf_buf_release(&name);
        break;
    }
    free(copy);
}

static void parse_gpus(struct sections *sc, struct gf_val *facts)
{
    struct gf_val *gpus = gf_val_list();
    char *p = sect(sc, "pci"), *l;
    char *nv = sect(sc, "nvver"), *kmod = strstr(nv, "Kernel Module");
    char kver[64] = "";

    if (kmod) /* "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  ..." */
        sscanf(kmod + 13, " %63s", kver);
    while ((l = next_line(&p))) {
        char *f[6] = { 0 };
        for (int i = 0; i < 6 && l; i++) {
            f[i] = l;
            l = i < 5 ? strchr(l, '|') : NULL;
            if (l)
                *l++ = '\0';
        }
        if (f[3] == NULL)
            continue;
        unsigned vid = (unsigned)strtoul(f[2], NULL, 16), did = (unsigned)strtoul(f[3], NULL, 16);
        const char *vname = NULL;
        int gpu = 1;
        for (size_t k = 0; k < GF_ARRAY_LEN(pci_vendors); k++)
            if (pci_vendors[k].id == vid)
                vname = pci_vendors[k].name, gpu = pci_vendors[k].gpu;
        if (!gpu)
            continue;
        struct gf_val *g = gf_val_map();
        char hex[16];
        snprintf(hex, sizeof(hex), "%04x", vid);
        gf_val_map_set(g, "vendor", gf_val_str(vname ? vname : hex));
        gf_val_map_set(g, "vendor_id", gf_val_str(hex));
        snprintf(hex, sizeof(hex), "%04x", did);
        gf_val_map_set(g, "device_id", gf_val_str(hex));
        struct gf_val *model = f[5] ? lspci_field(f[5], 3) : NULL;
        gf_val_map_set(g, "model", model ? model : gf_val_str(hex));
        gf_val_map_set(g, "pci_slot", gf_val_str(f[0]));
        gf_val_map_set(g, "driver", f[4] && *f[4] ? gf_val_str(f[4]) : gf_val_null());
        if (vid == 0x10de && kver[0])
            gf_val_map_set(g, "driver_version", gf_val_str(kver));
        if (vid == 0x10de)
            gpu_add_smi(g, f[0], sc);
        gf_val_list_push(gpus, g);
    }
    gf_val_map_set(facts, "gpuforge_gpu_count", gf_val_int((long long)gpus->u.list.n));
    gf_val_map_set(facts, "gpuforge_gpus", gpus);
}

/* ---- network ---- */

static const char *iface_type(const char *t)
{
    static const char *const map[][2] = {
        { "1", "ether" }, { "32", "infiniband" }, { "512", "ppp" },
        { "772", "loopback" }, { "65534", "tunnel" },
    };

    for (size_t i = 0; i < GF_ARRAY_LEN(map); i++)
        if (strcmp(map[i][0], t) == 0)
            return map[i][1];
    return "unknown";
}

/* The map of interface name (creating it with "device"). */
static struct gf_val *iface(struct gf_val *ifs, const char *name)
{
    struct gf_val *d = gf_val_map_get(ifs, name);

    if (d == NULL) {
        d = gf_val_map();
        gf_val_map_set(d, "device", gf_val_str(name));
        gf_val_map_set(ifs, name, d);
    }
    return d;
}

/* sysfs attributes: "eth0/mtu:1500" lines, links "... eth0/device -> ../x". */
static void parse_netdev(struct sections *sc, struct gf_val *ifs)
{
    char *p = sect(sc, "netls"), *l;

    while ((l = next_line(&p)))
        iface(ifs, l);
    p = sect(sc, "netattr");
    while ((l = next_line(&p))) {
        char *sl = strchr(l, '/'), *c = sl ? strchr(sl, ':') : NULL;
        if (c == NULL)
            continue;
        *sl = '\0';
        *c = '\0';
        struct gf_val *d = iface(ifs, l);
        const char *attr = sl + 1, *v = c + 1;
        if (!strcmp(attr, "address") && strcmp(v, "00:00:00:00:00:00") != 0)
            gf_val_map_set(d, "macaddress", gf_val_str(v));
        else if (!strcmp(attr, "mtu"))
            gf_val_map_set(d, "mtu", gf_val_int(atoll(v)));
        else if (!strcmp(attr, "operstate"))
            gf_val_map_set(d, "active", gf_val_bool(strcmp(v, "down") != 0));
        else if (!strcmp(attr, "type") && !gf_val_map_get(d, "interfaces"))
            gf_val_map_set(d, "type", gf_val_str(iface_type(v)));
        else if (!strcmp(attr, "speed"))
            gf_val_map_set(d, "speed", gf_val_int(atoll(v)));
        else if (!strcmp(attr, "flags"))
            gf_val_map_set(d, "promisc", gf_val_bool((strtol(v, NULL, 16) & 0x100) != 0));
        else if (!strcmp(attr, "bridge/stp_state"))
            gf_val_map_set(d, "stp", gf_val_bool(strcmp(v, "1") == 0));
        else if (!strcmp(attr, "bridge/bridge_id"))
            gf_val_map_set(d, "id", gf_val_str(v));
        if (!strncmp(attr, "bridge/", 7)) {
            gf_val_map_set(d, "type", gf_val_str("bridge"));
            if (!gf_val_map_get(d, "interfaces"))
                gf_val_map_set(d, "interfaces", gf_val_list());
        }
    }
    p = sect(sc, "netbrif");
    while ((l = next_line(&p))) {
        char *sl = strchr(l, '/'), *port = strrchr(l, '/');
        if (sl == NULL || port == sl)
            continue;
        *sl = '\0';
        struct gf_val *d = iface(ifs, l), *lst = gf_val_map_get(d, "interfaces");
        if (lst == NULL)
            gf_val_map_set(d, "interfaces", lst = gf_val_list());
        str_list_push(lst, port + 1);
    }
    p = sect(sc, "netlink");
    while ((l = next_line(&p))) {
        char *arrow = strstr(l, " -> "), *w[16];
        int n = split_words(l, w, 16);
        if (arrow == NULL || n < 3 || strcmp(w[n - 2], "->") != 0)
            continue;
        char *path = w[n - 3], *sl = strchr(path, '/'), *base = strrchr(w[n - 1], '/');
        if (sl == NULL)
            continue;
        *sl = '\0';
        struct gf_val *d = iface(ifs, path);
        base = base ? base + 1 : w[n - 1];
        if (!strcmp(sl + 1, "device"))
            gf_val_map_set(d, "pciid", gf_val_str(base));
        else if (!strcmp(sl + 1, "device/driver/module"))
            gf_val_map_set(d, "module", gf_val_str(base));
    }
}

static unsigned prefix_mask(int prefix)
{
    return prefix <= 0 ? 0 : prefix >= 32 ? 0xffffffffu : ~((1u << (32 - prefix)) - 1);
}

static struct gf_val *ipv4_entry(const char *addr, int prefix, const char *brd)
{
    struct gf_val *e = gf_val_map();
    struct in_addr a, m, net;
    char ms[INET_ADDRSTRLEN], ns[INET_ADDRSTRLEN], ps[8];

    inet_pton(AF_INET, addr, &a);
    m.s_addr = htonl(prefix_mask(prefix));
    net.s_addr = a.s_addr & m.s_addr;
    inet_ntop(AF_INET, &m, ms, sizeof(ms));
    inet_ntop(AF_INET, &net, ns, sizeof(ns));
    snprintf(ps, sizeof(ps), "%d", prefix);
    gf_val_map_set(e, "address", gf_val_str(addr));
    gf_val_map_set(e, "broadcast", gf_val_str(brd));
    gf_val_map_set(e, "netmask", gf_val_str(ms));
    gf_val_map_set(e, "network", gf_val_str(ns));
    gf_val_map_set(e, "prefix", gf_val_str(ps));
    return e;
}

struct netstate {
    struct gf_val *ifs, *v4, *v6, *all4, *all6;
};

static void add_ipv4(struct netstate *ns, const char *dev, const char *label, const char *addr,
                     int prefix, const char *brd, int secondary)
{
    struct gf_val *d = iface(ns->ifs, dev);

    if (label && strcmp(label, dev) != 0) /* an alias (eth0:1) is an interface of its own */
        gf_val_map_set(iface(ns->ifs, label), "ipv4", ipv4_entry(addr, prefix, brd));
    else if (!secondary && !gf_val_map_get(d, "ipv4"))
        gf_val_map_set(d, "ipv4", ipv4_entry(addr, prefix, brd));
    else {
        struct gf_val *l = gf_val_map_get(d, "ipv4_secondaries");
        if (l == NULL)
            gf_val_map_set(d, "ipv4_secondaries", l = gf_val_list());
        gf_val_list_push(l, ipv4_entry(addr, prefix, brd));
    }
    const struct gf_val *def = gf_val_map_get(ns->v4, "address");
    if (def && strcmp(def->u.str.s, addr) == 0) {
        struct gf_val *e = ipv4_entry(addr, prefix, brd);
        for (size_t i = 1; i < e->u.map.n; i++)
            gf_val_map_set(ns->v4, e->u.map.ents[i].key, gf_val_ref(e->u.map.ents[i].val));
        gf_val_unref(e);
        gf_val_map_set(ns->v4, "alias", gf_val_str(label ? label : dev));
    }
    if (strncmp(addr, "127.", 4) != 0)
        str_list_push(ns->all4, addr);
}

static void add_ipv6(struct netstate *ns, const char *dev, const char *addr, const char *prefix,
                     const char *scope)
{
    struct gf_val *d = iface(ns->ifs, dev), *l = gf_val_map_get(d, "ipv6");
    struct gf_val *e = gf_val_map();

    if (l == NULL)
        gf_val_map_set(d, "ipv6", l = gf_val_list());
    gf_val_map_set(e, "address", gf_val_str(addr));
    gf_val_map_set(e, "prefix", gf_val_str(prefix));
    gf_val_map_set(e, "scope", gf_val_str(scope));
    gf_val_list_push(l, e);
    const struct gf_val *def = gf_val_map_get(ns->v6, "address");
    if (def && strcmp(def->u.str.s, addr) == 0) {
        gf_val_map_set(ns->v6, "prefix", gf_val_str(prefix));
        gf_val_map_set(ns->v6, "scope", gf_val_str(scope));
    }
    if (strcmp(addr, "::1") != 0)
        str_list_push(ns->all6, addr);
}

/* `ip -4 route get X`: "X via G dev D src A uid 0". */
static void parse_route_get(char *text, struct gf_val *def)
{
    char *l = next_line(&text), *w[32];
    int n = l ? split_words(l, w, 32) : 0;

    for (int i = 0; i + 1 < n; i++) {
        if (!strcmp(w[i], "dev"))
            gf_val_map_set(def, "interface", gf_val_str(w[i + 1]));
        else if (!strcmp(w[i], "src"))
            gf_val_map_set(def, "address", gf_val_str(w[i + 1]));
        else if (!strcmp(w[i], "via") && strcmp(w[i + 1], w[0]) != 0)
            gf_val_map_set(def, "gateway", gf_val_str(w[i + 1]));
    }
}

/* `ip addr show`: "2: eth0@if7: <...> mtu ..." then indented inet/inet6 lines. */
static void parse_ip_addr(char *text, struct netstate *ns)
{
    char dev[64] = "", *l, *w[32];

    while ((l = next_line(&text))) {
        if (l[0] >= '0' && l[0] <= '9') {
            char *c = strchr(l, ':');
            if (c == NULL)
                continue;
            snprintf(dev, sizeof(dev), "%s", trim(c + 1));
            dev[strcspn(dev, ":@")] = '\0';
            continue;
        }
        int n = split_words(l, w, 32);
        if (n < 2 || !dev[0])
            continue;
        if (!strcmp(w[0], "inet")) {
            char *sl = strchr(w[1], '/');
            int prefix = sl ? atoi(sl + 1) : 32, secondary = 0;
            const char *brd = n > 3 && !strcmp(w[2], "brd") ? w[3] : "";
            if (sl)
                *sl = '\0';
            for (int i = 2; i < n; i++)
                secondary |= !strcmp(w[i], "secondary");
            const char *label = n > 2 && !strcmp(w[n - 2], "scope") ? NULL : w[n - 1];
            add_ipv4(ns, dev, label && strchr(label, ':') ? label : NULL, w[1], prefix, brd,
                     secondary);
        } else if (!strcmp(w[0], "inet6") && n >= 4) {
            int peer = !strcmp(w[2], "peer") && n >= 6;
            char *a = w[1], *pf = strchr(peer ? w[3] : w[1], '/');
            if (pf)
                *pf++ = '\0';
            add_ipv6(ns, dev, a, pf ? pf : "128", peer ? w[5] : w[3]);
        }
    }
}

/* ---- network without `ip`: /proc/net/route, fib_trie, if_inet6 ---- */

/* 32 hex digits of /proc/net (if_inet6, ipv6_route) to text; 0 or -1. */
static int hex_in6(const char *hex, char *out, size_t outsz)
{
    struct in6_addr in6;

    if (strlen(hex) != 32)
        return -1;
    for (int i = 0; i < 16; i++) {
        char h[3] = { hex[2 * i], hex[2 * i + 1], 0 };
        in6.s6_addr[i] = (unsigned char)strtoul(h, NULL, 16);
    }
    return inet_ntop(AF_INET6, &in6, out, (socklen_t)outsz) ? 0 : -1;
}

struct route4 {
    char dev[32];
    unsigned dest, mask, gw; /* host order */
};

/* /proc/net/route prints the address bytes as a little-endian number
 * (x86, arm64, ...): reverse them into host order */
static unsigned hex_le_addr(const char *s)
{
    return __builtin_bswap32((uint32_t)strtoul(s, NULL, 16));
}

static size_t read_proc_routes(char *text, struct route4 *r, size_t max)
{
    char *l, *w[12];
    size_t n = 0;

    next_line(&text); /* header */
    while ((l = next_line(&text)) && n < max) {
        if (split_words(l, w, 12) < 8)
            continue;
        snprintf(r[n].dev, sizeof(r[n].dev), "%s", w[0]);
        r[n].dest = hex_le_addr(w[1]);
        r[n].gw = hex_le_addr(w[2]);
        r[n].mask = hex_le_addr(w[7]);
        n++;
    }
    return n;
}

static void ntop4(unsigned host, char *out)
{
    struct in_addr a = { htonl(host) };

    inet_ntop(AF_INET, &a, out, INET_ADDRSTRLEN);
}

static int mask_prefix(unsigned m)
{
    int p = 0;

    while (m & 0x80000000u)
        p++, m <<= 1;
    return p;
}

static void parse_proc_net(struct sections *sc, struct netstate *ns)
{
    struct route4 rt[256];
    size_t nrt = read_proc_routes(sect(sc, "proute"), rt, GF_ARRAY_LEN(rt));
    char *p = sect(sc, "fib"), *l, prev[64] = "", a[INET_ADDRSTRLEN];
    struct gf_vec seen = GF_VEC_INIT;

    for (size_t i = 0; i < nrt; i++)
        if (rt[i].dest == 0 && rt[i].mask == 0) {
            gf_val_map_set(ns->v4, "interface", gf_val_str(rt[i].dev));
            ntop4(rt[i].gw, a);
            gf_val_map_set(ns->v4, "gateway", gf_val_str(a));
        }
    /* fib_trie: "|-- 10.0.0.2" followed by "/32 host LOCAL" is a local address */
    while ((l = next_line(&p))) {
        char *t = trim(l);
        if (!strncmp(t, "|-- ", 4)) {
            snprintf(prev, sizeof(prev), "%s", t + 4);
            continue;
        }
        if (strcmp(t, "/32 host LOCAL") != 0 || !prev[0])
            continue;
        int dup = 0;
        for (size_t k = 0; k < seen.n; k++)
            dup |= !strcmp(seen.v[k], prev);
        if (dup)
            continue;
        gf_vec_push(&seen, gf_xstrdup(prev));
        struct in_addr ia;
        if (inet_pton(AF_INET, prev, &ia) != 1)
            continue;
        unsigned h = ntohl(ia.s_addr);
        const char *dev = (h >> 24) == 127 ? "lo" : NULL;
        int best = (h >> 24) == 127 ? 8 : -1;
        for (size_t i = 0; i < nrt && !dev; i++)
            if (rt[i].mask && (h & rt[i].mask) == rt[i].dest && mask_prefix(rt[i].mask) > best)
                best = mask_prefix(rt[i].mask);
        for (size_t i = 0; i < nrt && !dev; i++)
            if (rt[i].mask && (h & rt[i].mask) == rt[i].dest && mask_prefix(rt[i].mask) == best)
                dev = rt[i].dev;
        if (dev == NULL)
            continue;
        const struct gf_val *defdev = gf_val_map_get(ns->v4, "interface");
        if (defdev && !strcmp(defdev->u.str.s, dev) && !gf_val_map_get(ns->v4, "address"))
            gf_val_map_set(ns->v4, "address", gf_val_str(prev));
        add_ipv4(ns, dev, NULL, prev, best, "", 0);
    }
    gf_vec_release(&seen, free);
    /* if_inet6: "fe800000000000004c1493fffeacef15 02 40 20 80 host0" */
    static const char *const scopes[][2] = { { "00", "global" }, { "10", "host" },
                                             { "20", "link" }, { "40", "site" } };
    p = sect(sc, "inet6");
    while ((l = next_line(&p))) {
        char *w[8], six[INET6_ADDRSTRLEN], pfx[8];
        if (split_words(l, w, 8) < 6 || hex_in6(w[0], six, sizeof(six)) < 0)
            continue;
        snprintf(pfx, sizeof(pfx), "%lu", strtoul(w[2], NULL, 16));
        const char *scope = w[3];
        for (size_t k = 0; k < GF_ARRAY_LEN(scopes); k++)
            if (!strcmp(scopes[k][0], w[3]))
                scope = scopes[k][1];
        add_ipv6(ns, w[5], six, pfx, scope);
    }
}

/* ipv6_route's default route: "0...0 00 0...0 00 NEXTHOP metric ref use flags dev";
 * its address is the first global one of that interface, as the kernel
 * would pick for a far destination */
static void default6_from_proc(char *text, struct netstate *ns)
{
    char *l, *w[12], gw[INET6_ADDRSTRLEN];

    while ((l = next_line(&text))) {
        if (split_words(l, w, 12) < 10 || strcmp(w[9], "lo") == 0)
            continue;
        gf_val_map_set(ns->v6, "interface", gf_val_str(w[9]));
        if (hex_in6(w[4], gw, sizeof(gw)) == 0 && strcmp(gw, "::") != 0)
            gf_val_map_set(ns->v6, "gateway", gf_val_str(gw));
        const struct gf_val *d = gf_val_map_get(ns->ifs, w[9]);
        const struct gf_val *l6 = gf_val_map_get(d, "ipv6");
        for (size_t i = 0; l6 && i < l6->u.list.n; i++) {
            const struct gf_val *e = l6->u.list.v[i];
            if (strcmp(gf_val_map_get(e, "scope")->u.str.s, "global") != 0)
                continue;
            for (size_t k = 0; k < e->u.map.n; k++)
                gf_val_map_set(ns->v6, e->u.map.ents[k].key, gf_val_ref(e->u.map.ents[k].val));
            break;
        }
        break;
    }
}

/* Fills default_ipv4/6 details from the interface they go through. */
static void finish_default(struct gf_val *def, struct gf_val *ifs)
{
    const struct gf_val *dn = gf_val_map_get(def, "interface");
    const struct gf_val *d = dn ? gf_val_map_get(ifs, dn->u.str.s) : NULL;
    const struct gf_val *v;

    if (d == NULL || !gf_val_map_get(def, "address"))
        return;
    static const char *const keys[] = { "macaddress", "mtu", "type" };
    for (size_t i = 0; i < GF_ARRAY_LEN(keys); i++) {
        v = gf_val_map_get(d, keys[i]);
        if (v)
            gf_val_map_set(def, keys[i], gf_val_ref((struct gf_val *)v));
        else if (i == 2)
            gf_val_map_set(def, keys[i], gf_val_str("unknown"));
    }
}

static void parse_network(struct sections *sc, struct gf_val *facts)
{
    struct netstate ns = { gf_val_map(), gf_val_map(), gf_val_map(), gf_val_list(),
                           gf_val_list() };
    struct gf_val *names = gf_val_list();

    parse_netdev(sc, ns.ifs);
    if (has_sect(sc, "addr")) {
        parse_route_get(sect(sc, "route4"), ns.v4);
        parse_route_get(sect(sc, "route6"), ns.v6);
        parse_ip_addr(sect(sc, "addr"), &ns);
    } else {
        parse_proc_net(sc, &ns);
        default6_from_proc(sect(sc, "route6p"), &ns);
    }
    finish_default(ns.v4, ns.ifs);
    finish_default(ns.v6, ns.ifs);
    for (size_t i = 0; i < ns.ifs->u.map.n; i++) {
        char key[128], *c;
        snprintf(key, sizeof(key), "%s", ns.ifs->u.map.ents[i].key);
        while ((c = strchr(key, ':'))) /* Ansible's names: eth0:1 is eth0_1 */
            *c = '_';
        str_list_push(names, key);
        fact(facts, key, gf_val_ref(ns.ifs->u.map.ents[i].val));
    }
    fact(facts, "interfaces", names);
    fact(facts, "default_ipv4", ns.v4);
    fact(facts, "default_ipv6", ns.v6);
    fact(facts, "all_ipv4_addresses", ns.all4);
    fact(facts, "all_ipv6_addresses", ns.all6);
    gf_val_unref(ns.ifs);
}

/* ---- virtual: Ansible's order of evidence, first match wins ---- */

static void parse_virtual(struct sections *sc, struct gf_val *facts)
{
    char *p = sect(sc, "virt"), *l;
    const char *type = NULL, *role = NULL;
    char sdcont[64] = "";
    char dmi[4][128] = { "", "", "", "" };
    static const char *const dmikeys[] = { "product_name ", "sys_vendor ", "bios_vendor ",
                                           "product_family " };

    while ((l = next_line(&p))) {
        if (!strncmp(l, "cgroup ", 7) && !type) {
            type = strstr(l, "/docker") ? "docker" : strstr(l, "lxc") ? "lxc" : "containerd";
        } else if (!strncmp(l, "environ ", 8) && !type) {
            type = strstr(l, "container=lxc") ? "lxc"
                   : strstr(l, "container=podman") ? "podman" : "container";
        } else if (!strcmp(l, "vz") || !strcmp(l, "vzhost")) {
            type = "openvz";
            role = !strcmp(l, "vzhost") ? "host" : "guest";
        } else if (!strncmp(l, "sdcont ", 7)) {
            snprintf(sdcont, sizeof(sdcont), "%s", l + 7);
            if (!type)
                type = sdcont;
        } else if (!strcmp(l, "dockerenv") && !type) {
            type = "docker";
        } else if ((!strcmp(l, "xen") || !strcmp(l, "xenhost")) && !type) {
            type = "xen";
            role = !strcmp(l, "xenhost") ? "host" : "guest";
        }
        for (int k = 0; k < 4; k++)
            if (!strncmp(l, dmikeys[k], strlen(dmikeys[k])))
                snprintf(dmi[k], sizeof(dmi[k]), "%s", l + strlen(dmikeys[k]));
    }
    if (!type) {
        static const char *const kvm_names[] = { "KVM", "KVM Server", "Bochs", "AHV" };
        static const char *const kvm_vendors[] = { "QEMU", "Amazon EC2", "DigitalOcean",
                                                   "Google", "Scaleway", "Nutanix" };
        for (size_t k = 0; k < GF_ARRAY_LEN(kvm_names); k++)
            if (!strcmp(dmi[0], kvm_names[k]))
                type = "kvm";
        for (size_t k = 0; k < GF_ARRAY_LEN(kvm_vendors) && !type; k++)
            if (!strcmp(dmi[1], kvm_vendors[k]) || !strcmp(dmi[2], kvm_vendors[k]))
                type = "kvm";
        if (!type && (!strcmp(dmi[0], "VMware Virtual Platform") || !strcmp(dmi[0], "VMware7,1")))
            type = "VMware";
        if (!type && !strcmp(dmi[2], "innotek GmbH"))
            type = "virtualbox";
        if (!type && !strcmp(dmi[2], "Xen"))
            type = "xen";
        if (!type && !strcmp(dmi[1], "Microsoft Corporation"))
            type = "VirtualPC";
        if (!type && !strncmp(dmi[0], "OpenStack", 9))
            type = "openstack";
        if (type)
            role = "guest";
    } else if (!role) {
        role = "guest";
    }
    fact_str(facts, "virtualization_type", type ? type : "NA");
    fact_str(facts, "virtualization_role", role ? role : "NA");
}

struct gf_val *gf_setup_parse(const char *out, unsigned subsets)
{
    struct sections sc;
    struct gf_val *facts;

    sections_split(&sc, out);
    if (!has_sect(&sc, "end")) {
        free(sc.copy);
        return NULL;
    }
    facts = gf_val_map();
    if (subsets & GF_FACTS_MIN) {
        parse_platform(&sc, facts);
        parse_distribution(&sc, facts);
        parse_user(&sc, facts);
        parse_env(&sc, facts);
        parse_date(&sc, facts);
        parse_dns(&sc, facts);
        parse_pkg_mgr(&sc, facts);
        parse_service_mgr(&sc, facts);
        parse_selinux(&sc, facts);
    }
    if (subsets & GF_FACTS_HARDWARE) {
        parse_cpu(&sc, facts);
        parse_memory(&sc, facts);
        parse_mounts(&sc, facts);
        parse_gpus(&sc, facts);
    }
    if (subsets & GF_FACTS_NETWORK)
        parse_network(&sc, facts);
    if (subsets & GF_FACTS_VIRTUAL)
        parse_virtual(&sc, facts);
    free(sc.copy);
    return facts;
}

/* ---- the module ---- */

static int filter_match(const struct gf_val *filter, const char *key)
{
    if (filter == NULL || filter->type != GF_VAL_LIST || filter->u.list.n == 0)
        return 1;
    for (size_t i = 0; i < filter->u.list.n; i++) {
        const struct gf_val *f = filter->u.list.v[i];
        if (f->type == GF_VAL_STR && (f->u.str.len == 0 || fnmatch(f->u.str.s, key, 0) == 0))
            return 1;
    }
    return 0;
}

static int setup_run(struct gf_modctx *ctx, const struct gf_val *args, struct gf_modres *res)
{
    const struct gf_val *subset = gf_val_map_get(args, "gather_subset");
    const struct gf_val *filter = gf_val_map_get(args, "filter");
    struct gf_buf script = GF_BUF_INIT, msg = GF_BUF_INIT;
    struct gf_val *facts = NULL, *out = NULL;
    struct gf_result r;
    unsigned subsets;
    int rc = 0;

    gf_result_init(&r, 4 << 20);
    if (gf_setup_subsets(subset, &subsets, &msg) < 0) {
        gf_modres_fail(res, "%s", msg.buf);
        goto out;
    }
    gf_setup_script(subsets, &script);
    gf_mod_sh(ctx, script.buf, NULL, 0, &r);
    if (r.status == GF_ST_UNREACHABLE) {
        gf_modres_fail(res, "%s", r.msg ? r.msg : "unreachable");
        rc = -GF_ECONNECT;
        goto out;
    }
    facts = gf_setup_parse(r.out.buf, subsets);
    if (facts == NULL) {
        gf_modres_fail(res, "fact gathering did not complete: %s",
                       r.msg ? r.msg : r.err.len ? r.err.buf : "output cut short");
        goto out;
    }
    out = gf_val_map();
    for (size_t i = 0; i < facts->u.map.n; i++) {
        const char *k = facts->u.map.ents[i].key;
        if (filter_match(filter, k))
            gf_val_map_set(out, k, gf_val_ref(facts->u.map.ents[i].val));
    }
    struct gf_val *gs = gf_val_list();
    for (size_t i = 0; subset && subset->type == GF_VAL_LIST && i < subset->u.list.n; i++)
        gf_val_list_push(gs, gf_val_ref(subset->u.list.v[i]));
    if (gs->u.list.n == 0)
        str_list_push(gs, "all");
    gf_val_map_set(out, "gather_subset", gs);
    gf_val_map_set(out, "module_setup", gf_val_bool(1));
    out = gf_val_unsafe(out); /* node data: never templated again */
    if (ctx->facts_out)
        for (size_t i = 0; i < out->u.map.n; i++)
            gf_val_map_set(ctx->facts_out, out->u.map.ents[i].key,
                           gf_val_ref(out->u.map.ents[i].val));
    gf_val_map_set(res->data, "ansible_facts", out);
out:
    gf_val_unref(facts);
    gf_result_release(&r);
    gf_buf_release(&script);
    gf_buf_release(&msg);
    return rc;
}

const struct gf_module gf_module_setup = {
    .name = "setup",
    .aliases = (const char *const[]){ "ansible.builtin.setup", NULL },
    .params = setup_params,
    .supports_check = 1,
    .run = setup_run,
};

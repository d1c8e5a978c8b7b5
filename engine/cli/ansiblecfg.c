/* ansiblecfg.c - ansible.cfg found, read and typed as Ansible does (see
 * ansiblecfg.h). The INI reader follows Python's configparser as Ansible
 * configures it: '#' and ';' full-line comments, ';' inline comments after
 * whitespace, 'key = value' and 'key: value', indented continuation lines,
 * a [DEFAULT] section seen from every section, duplicates refused. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ansiblecfg.h"

const char *gf_ansiblecfg_etc = "/etc/ansible/ansible.cfg";

/* ---- the INI reader ---- */

struct ini_ent {
    char *section;
    char *key;          /* lowercased, as configparser's optionxform */
    struct gf_buf val;  /* lines joined by '\n' */
    int line;
};

struct ini {
    struct gf_vec ents;     /* struct ini_ent * */
    struct gf_vec sections; /* char *, every section header seen */
};

static void ini_ent_free(void *p)
{
    struct ini_ent *e = p;

    free(e->section);
    free(e->key);
    gf_buf_release(&e->val);
    free(e);
}

static void ini_release(struct ini *ini)
{
    gf_vec_release(&ini->ents, ini_ent_free);
    gf_vec_release(&ini->sections, free);
}

static int ini_has_section(const struct ini *ini, const char *s)
{
    for (size_t i = 0; i < ini->sections.n; i++)
        if (!strcmp(ini->sections.v[i], s))
            return 1;
    return 0;
}

static struct ini_ent *ini_find(const struct ini *ini, const char *section, const char *key)
{
    for (size_t i = 0; i < ini->ents.n; i++) {
        struct ini_ent *e = ini->ents.v[i];
        if (!strcmp(e->section, section) && !strcmp(e->key, key))
            return e;
    }
    return NULL;
}

/* configparser's get(section, key): the section's own key, else
 * [DEFAULT]'s, and nothing when the section does not exist. */
static struct ini_ent *ini_get(const struct ini *ini, const char *section, const char *key)
{
    struct ini_ent *e;

    if (!ini_has_section(ini, section))
        return NULL;
    if ((e = ini_find(ini, section, key)))
        return e;
    return ini_find(ini, "DEFAULT", key);
}

static char *strip(const char *s, size_t n)
{
    while (n && isspace((unsigned char)*s))
        s++, n--;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    return gf_xstrndup(s, n);
}

/* Where an inline ';' comment starts: at 0 or after whitespace. */
static size_t inline_comment(const char *line, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (line[i] == ';' && (i == 0 || isspace((unsigned char)line[i - 1])))
            return i;
    return len;
}

/* Whether s holds well-formed UTF-8 (Ansible refuses other files). */
static int utf8_ok(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *e = p + n;

    while (p < e) {
        size_t k = *p < 0x80 ? 0 : (*p & 0xe0) == 0xc0 && *p >= 0xc2 ? 1
                   : (*p & 0xf0) == 0xe0 ? 2 : (*p & 0xf8) == 0xf0 && *p <= 0xf4 ? 3 : 9;
        if (k == 9 || (size_t)(e - p) <= k)
            return 0;
        for (size_t i = 1; i <= k; i++)
            if ((p[i] & 0xc0) != 0x80)
                return 0;
        p += k + 1;
    }
    return 1;
}

static int ini_parse(struct ini *ini, const char *file, const char *data, size_t len,
                     struct gf_error *err)
{
    const char *sect = NULL;   /* current section, NULL before the first header */
    struct ini_ent *opt = NULL; /* option that continuation lines extend */
    size_t indent_level = 0;
    int lineno = 0;

    for (const char *p = data; p < data + len;) {
        const char *nl = memchr(p, '\n', (size_t)(data + len - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(data + len - p);
        const char *line = p;
        p += n + (nl != NULL);
        lineno++;

        if (memchr(line, '\0', n) || !utf8_ok(line, n))
            return gf_error_set(err, GF_EPARSE, file, lineno, 0, "not UTF-8 text");
        size_t cut = inline_comment(line, n);
        int comment = cut < n;
        char *full = strip(line, n);
        if (full[0] == '#' || full[0] == ';')
            cut = 0, comment = 1;
        free(full);
        char *value = strip(line, cut);
        if (value[0] == '\0') {
            /* an empty line belongs to a multi-line value; trailing ones
             * are stripped when the value ends */
            if (!comment && opt)
                gf_buf_addc(&opt->val, '\n');
            free(value);
            continue;
        }
        size_t indent = 0;
        while (indent < n && isspace((unsigned char)line[indent]))
            indent++;
        if (sect && opt && indent > indent_level) {
            gf_buf_addc(&opt->val, '\n'); /* the lines of a value, joined */
            gf_buf_adds(&opt->val, value);
            free(value);
            continue;
        }
        indent_level = indent;
        char *close = value[0] == '[' ? strrchr(value, ']') : NULL;
        if (close && close > value + 1) {
            char *name = gf_xstrndup(value + 1, (size_t)(close - value - 1));
            if (strcmp(name, "DEFAULT") != 0 && ini_has_section(ini, name)) {
                int rc = gf_error_set(err, GF_EPARSE, file, lineno, 0,
                                      "section '%s' appears twice", name);
                free(name);
                free(value);
                return rc;
            }
            sect = NULL;
            for (size_t i = 0; i < ini->sections.n && !sect; i++)
                if (!strcmp(ini->sections.v[i], name))
                    sect = ini->sections.v[i];
            if (sect == NULL) {
                gf_vec_push(&ini->sections, gf_xstrdup(name));
                sect = ini->sections.v[ini->sections.n - 1];
            }
            free(name);
            free(value);
            opt = NULL;
            continue;
        }
        if (sect == NULL) {
            int rc = gf_error_set(err, GF_EPARSE, file, lineno, 0,
                                  "a setting before the first [section] header");
            free(value);
            return rc;
        }
        size_t d = strcspn(value, "=:");
        if (value[d] == '\0' || d == 0) {
            int rc = gf_error_set(err, GF_EPARSE, file, lineno, 0, "%s: '%s'",
                                  d == 0 && value[d] ? "a value without a key"
                                                     : "not 'key = value' nor a [section]",
                                  value);
            free(value);
            return rc;
        }
        char *key = strip(value, d);
        for (char *k = key; *k; k++)
            *k = (char)tolower((unsigned char)*k);
        if (ini_find(ini, sect, key)) {
            int rc = gf_error_set(err, GF_EPARSE, file, lineno, 0,
                                  "'%s' appears twice in section [%s]", key, sect);
            free(key);
            free(value);
            return rc;
        }
        opt = gf_xcalloc(1, sizeof(*opt));
        opt->section = gf_xstrdup(sect);
        opt->key = key;
        opt->line = lineno;
        char *v = strip(value + d + 1, strlen(value + d + 1));
        gf_buf_adds(&opt->val, v);
        free(v);
        free(value);
        gf_vec_push(&ini->ents, opt);
    }
    /* a value's trailing empty lines go */
    for (size_t i = 0; i < ini->ents.n; i++) {
        struct ini_ent *e = ini->ents.v[i];
        while (e->val.len && isspace((unsigned char)e->val.buf[e->val.len - 1]))
            e->val.buf[--e->val.len] = '\0';
    }
    return 0;
}

/* ---- the keyword table ---- */

enum kind {
    HONOUR,     /* read into a setting */
    IGNORE,     /* cannot change a result: noted for -v */
    REFUSE,     /* changes results gpuforge cannot reproduce: an error unless dflt */
    SSH_ARGS,   /* ssh options: refused unless each is one that cannot change a result */
};

enum type { T_STR, T_RAW, T_PATH, T_PATHSPEC, T_PATHLIST, T_INT, T_BOOL };

struct keyword {
    const char *section;
    const char *key;
    enum kind kind;
    int id;             /* HONOUR: enum gf_cfg_id */
    const char *dflt;   /* REFUSE: harmless values, '|'-separated ("" empty; "false": any false) */
    const char *env;    /* REFUSE: the environment variable of the same setting, or NULL */
    const char *why;    /* IGNORE: why; REFUSE: what gpuforge does instead */
};

#define H(s, k, id) { s, k, HONOUR, id, NULL, NULL, NULL }
#define I(s, k, why) { s, k, IGNORE, 0, NULL, NULL, why }
#define R(s, k, d, env, why) { s, k, REFUSE, 0, d, env, why }

#define OUT "output only"
#define PLUG "a plugin path: a plugin a playbook uses and gpuforge lacks is an error anyway"
#define TMP "where Ansible keeps its Python module files; gpuforge sends none"
#define COLL "a collection role or module gpuforge lacks is an error anyway"
#define VAULT "gpuforge refuses vault-encrypted content wherever it meets it"
#define FACTS "facts are gathered afresh in every run"
#define XFER "gpuforge transfers files over its own SSH channel"
#define INVDIR "inventory directories are read with Ansible's default rules"
#define PIPE "a speed-up; gpuforge needs no Python on the nodes"
#define CTL "gpuforge keeps one SSH connection per host itself"
#define RETRY "gpuforge does not retry a failed connection"

/* Ansible's settings (ansible-core's base.yml and the ssh connection and
 * sudo become plugins), in Ansible's order: for one setting, a later line
 * wins over an earlier one (as [ssh_connection] timeout over [defaults]). */
static const struct keyword keywords[] = {
    H("defaults", "roles_path", GF_CFG_ROLES_PATH),
    H("defaults", "inventory", GF_CFG_INVENTORY),
    H("defaults", "remote_user", GF_CFG_REMOTE_USER),
    H("defaults", "private_key_file", GF_CFG_PRIVATE_KEY_FILE),
    H("defaults", "remote_port", GF_CFG_REMOTE_PORT),
    H("defaults", "forks", GF_CFG_FORKS),
    H("defaults", "timeout", GF_CFG_TIMEOUT),
    H("ssh_connection", "timeout", GF_CFG_TIMEOUT),
    H("defaults", "gathering", GF_CFG_GATHERING),
    H("defaults", "retry_files_enabled", GF_CFG_RETRY_FILES_ENABLED),
    H("defaults", "retry_files_save_path", GF_CFG_RETRY_FILES_SAVE_PATH),
    H("defaults", "host_key_checking", GF_CFG_HOST_KEY_CHECKING),
    H("ssh_connection", "host_key_checking", GF_CFG_HOST_KEY_CHECKING),
    H("defaults", "ask_pass", GF_CFG_ASK_PASS),
    H("privilege_escalation", "become", GF_CFG_BECOME),
    H("privilege_escalation", "become_method", GF_CFG_BECOME_METHOD),
    H("privilege_escalation", "become_user", GF_CFG_BECOME_USER),
    H("privilege_escalation", "become_ask_pass", GF_CFG_BECOME_ASK_PASS),

    I("defaults", "action_warnings", OUT),
    I("defaults", "ansible_managed",
      "gpuforge defines no ansible_managed: a template using it fails"),
    I("defaults", "bin_ansible_callbacks", OUT),
    I("defaults", "callback_whitelist", OUT),
    I("defaults", "callbacks_enabled", OUT),
    I("defaults", "cow_selection", OUT),
    I("defaults", "cow_whitelist", OUT),
    I("defaults", "cowpath", OUT),
    I("defaults", "cowsay_enabled_stencils", OUT),
    I("defaults", "nocows", OUT),
    I("defaults", "nocolor", OUT),
    I("defaults", "force_color", OUT),
    I("defaults", "debug", OUT),
    I("defaults", "deprecation_warnings", OUT),
    I("defaults", "devel_warning", OUT),
    I("defaults", "command_warnings", OUT),
    I("defaults", "system_warnings", OUT),
    I("defaults", "localhost_warning", OUT),
    I("defaults", "display_args_to_stdout", OUT),
    I("defaults", "display_skipped_hosts", OUT),
    I("defaults", "docsite_root_url", OUT),
    I("defaults", "show_custom_stats", OUT),
    I("defaults", "stdout_callback", OUT),
    I("defaults", "verbose_to_stderr", OUT),
    I("defaults", "verbosity", OUT),
    I("defaults", "log_path", "Ansible's own log file; gpuforge writes none"),
    I("defaults", "log_filter", OUT),
    I("defaults", "string_conversion_action", OUT),
    I("defaults", "max_diff_size", OUT),
    I("defaults", "syslog_facility", "logging on the nodes only"),
    I("defaults", "no_target_syslog", "logging on the nodes only"),
    I("defaults", "pipelining", PIPE),
    I("defaults", "remote_tmp", TMP),
    I("defaults", "local_tmp", TMP),
    I("defaults", "keep_remote_files", TMP),
    I("defaults", "module_compression", TMP),
    I("defaults", "system_tmpdirs", TMP),
    I("defaults", "async_dir", TMP),
    I("defaults", "admin_users", TMP),
    I("defaults", "allow_world_readable_tmpfiles", TMP),
    I("defaults", "common_remote_group", TMP),
    I("defaults", "python_module_rlimit_nofile", TMP),
    I("defaults", "interpreter_python", "gpuforge runs no Python on the nodes"),
    I("defaults", "internal_poll_interval", "timing only"),
    I("defaults", "poll_interval", "timing only"),
    I("defaults", "gather_timeout", "timing only"),
    I("defaults", "gather_subset", "gpuforge's setup gathers its one set of facts"),
    I("defaults", "fact_caching", FACTS),
    I("defaults", "fact_caching_connection", FACTS),
    I("defaults", "fact_caching_prefix", FACTS),
    I("defaults", "fact_caching_timeout", FACTS),
    I("defaults", "action_plugins", PLUG),
    I("defaults", "become_plugins", PLUG),
    I("defaults", "cache_plugins", PLUG),
    I("defaults", "callback_plugins", PLUG),
    I("defaults", "cliconf_plugins", PLUG),
    I("defaults", "connection_plugins", PLUG),
    I("defaults", "doc_fragment_plugins", PLUG),
    I("defaults", "filter_plugins", PLUG),
    I("defaults", "httpapi_plugins", PLUG),
    I("defaults", "inventory_plugins", PLUG),
    I("defaults", "library", PLUG),
    I("defaults", "lookup_plugins", PLUG),
    I("defaults", "module_utils", PLUG),
    I("defaults", "netconf_plugins", PLUG),
    I("defaults", "strategy_plugins", PLUG),
    I("defaults", "terminal_plugins", PLUG),
    I("defaults", "test_plugins", PLUG),
    I("defaults", "vars_plugins", PLUG),
    I("defaults", "module_ignore_exts", PLUG),
    I("defaults", "plugin_filters_cfg", PLUG),
    I("defaults", "old_plugin_cache_clear", PLUG),
    I("defaults", "network_group_modules", "network modules only"),
    I("defaults", "use_persistent_connections", "network modules only"),
    I("defaults", "collections_path", COLL),
    I("defaults", "collections_paths", COLL),
    I("defaults", "collections_scan_sys_path", COLL),
    I("defaults", "collections_on_ansible_version_mismatch", OUT),
    I("defaults", "validate_action_group_metadata", OUT),
    I("defaults", "vault_password_file", VAULT),
    I("defaults", "ask_vault_pass", VAULT),
    I("defaults", "vault_identity", VAULT),
    I("defaults", "vault_identity_list", VAULT),
    I("defaults", "vault_encrypt_identity", VAULT),
    I("defaults", "vault_id_match", VAULT),
    I("defaults", "task_debugger_ignore_errors", "the task debugger is not used"),
    I("defaults", "invalid_task_attribute_failed", "gpuforge refuses unknown task keywords"),
    I("defaults", "playbook_dir", "ad-hoc commands only"),
    I("defaults", "run_vars_plugins", "timing of host_group_vars only"),
    I("defaults", "win_async_startup_timeout", "Windows only"),
    R("defaults", "any_errors_fatal", "false", "ANSIBLE_ANY_ERRORS_FATAL",
      "set any_errors_fatal on the plays"),
    R("defaults", "error_on_undefined_vars", "true", "ANSIBLE_ERROR_ON_UNDEFINED_VARS",
      "undefined variables are always errors"),
    R("defaults", "hash_behaviour", "replace", "ANSIBLE_HASH_BEHAVIOUR",
      "variables are replaced, never merged"),
    R("defaults", "jinja2_native", "false", "ANSIBLE_JINJA2_NATIVE",
      "templates give strings as Ansible's default does"),
    R("defaults", "jinja2_extensions", "|[]", "ANSIBLE_JINJA2_EXTENSIONS", "no Jinja2 extensions"),
    R("defaults", "no_log", "false", "ANSIBLE_NO_LOG", "set no_log on the tasks"),
    R("defaults", "inject_facts_as_vars", "true", "ANSIBLE_INJECT_FACT_VARS",
      "facts are also ansible_* variables"),
    R("defaults", "private_role_vars", "false", "ANSIBLE_PRIVATE_ROLE_VARS",
      "role variables are visible to the play"),
    R("defaults", "force_handlers", "false", "ANSIBLE_FORCE_HANDLERS",
      "handlers of failed hosts do not run"),
    R("defaults", "strategy", "linear", "ANSIBLE_STRATEGY", "set strategy on the plays"),
    R("defaults", "executable", "/bin/sh", "ANSIBLE_EXECUTABLE",
      "shell tasks run with /bin/sh unless they say otherwise"),
    R("defaults", "module_name", "command", NULL, "gpuforge exec runs a command unless given -m"),
    R("defaults", "module_args", "", "ANSIBLE_MODULE_ARGS", "give -a"),
    R("defaults", "transport", "smart|ssh|paramiko", "ANSIBLE_TRANSPORT",
      "gpuforge connects with SSH only"),
    R("defaults", "null_representation", "None", "ANSIBLE_NULL_REPRESENTATION",
      "null templates as Ansible's default"),
    R("defaults", "precedence", "", "ANSIBLE_PRECEDENCE",
      "variables take Ansible's default precedence"),
    R("defaults", "playbook_vars_root", "top", "ANSIBLE_PLAYBOOK_VARS_ROOT",
      "group_vars/ and host_vars/ come from the first playbook's directory"),
    R("defaults", "vars_plugins_enabled", "host_group_vars", "ANSIBLE_VARS_ENABLED",
      "host_group_vars only"),
    R("defaults", "allow_unsafe_lookups", "false", NULL,
      "lookup results are never templated again"),
    R("defaults", "duplicate_dict_key", "warn|ignore", "ANSIBLE_DUPLICATE_YAML_DICT_KEY",
      "see gpuforge's handling of YAML keys"),
    R("defaults", "enable_task_debugger", "false", "ANSIBLE_ENABLE_TASK_DEBUGGER",
      "no task debugger"),
    R("defaults", "task_timeout", "0", "ANSIBLE_TASK_TIMEOUT", "use --command-timeout"),
    R("defaults", "error_on_missing_handler", "true", "ANSIBLE_ERROR_ON_MISSING_HANDLER",
      "notifying a missing handler is an error"),
    R("defaults", "force_valid_group_names", "never", "ANSIBLE_TRANSFORM_INVALID_GROUP_CHARS",
      "group names are kept as written"),
    R("defaults", "home", "~/.ansible", "ANSIBLE_HOME", "~/.ansible is Ansible's home"),
    R("defaults", "inventory_ignore_extensions", "", "ANSIBLE_INVENTORY_IGNORE", INVDIR),
    R("defaults", "inventory_ignore_patterns", "", "ANSIBLE_INVENTORY_IGNORE_REGEX", INVDIR),
    R("defaults", "fact_path", "", "ANSIBLE_FACT_PATH", "no local facts"),
    R("defaults", "facts_modules", "smart|setup|ansible.builtin.setup", "ANSIBLE_FACTS_MODULES",
      "facts come from gpuforge's setup"),
    R("defaults", "yaml_valid_extensions", "", "ANSIBLE_YAML_FILENAME_EXT",
      "vars files end in .yml, .yaml or .json"),
    R("defaults", "connection_password_file", "", "ANSIBLE_CONNECTION_PASSWORD_FILE",
      "use -k or GPUFORGE_PASSWORD"),
    R("defaults", "become_password_file", "", "ANSIBLE_BECOME_PASSWORD_FILE",
      "use -K or GPUFORGE_BECOME_PASSWORD"),
    R("defaults", "su", "false", "ANSIBLE_SU", "gpuforge becomes other users with sudo only"),

    I("privilege_escalation", "agnostic_become_prompt", OUT),
    I("privilege_escalation", "become_allow_same_user",
      "becoming the user one already is changes nothing"),
    R("privilege_escalation", "become_exe", "sudo", "ANSIBLE_BECOME_EXE", "gpuforge runs sudo"),
    R("privilege_escalation", "become_flags", "", "ANSIBLE_BECOME_FLAGS",
      "gpuforge runs sudo with its own flags"),

    I("ssh_connection", "pipelining", PIPE),
    I("ssh_connection", "control_path", CTL),
    I("ssh_connection", "control_path_dir", CTL),
    I("ssh_connection", "scp_if_ssh", XFER),
    I("ssh_connection", "transfer_method", XFER),
    I("ssh_connection", "sftp_batch_mode", XFER),
    I("ssh_connection", "scp_extra_args", XFER),
    I("ssh_connection", "sftp_extra_args", XFER),
    I("ssh_connection", "scp_executable", XFER),
    I("ssh_connection", "sftp_executable", XFER),
    I("ssh_connection", "usetty", "gpuforge allocates a terminal only for sudo passwords"),
    I("ssh_connection", "sshpass_prompt", "gpuforge authenticates with libssh"),
    { "ssh_connection", "ssh_args", SSH_ARGS, 0, NULL, "ANSIBLE_SSH_ARGS",
      "it changes how hosts are reached or checked; set ansible_ssh_common_args in the "
      "inventory, where gpuforge honours ProxyJump, ProxyCommand, UserKnownHostsFile, "
      "StrictHostKeyChecking, -p and -i" },
    R("ssh_connection", "ssh_executable", "ssh", "ANSIBLE_SSH_EXECUTABLE",
      "gpuforge connects with libssh"),
    R("ssh_connection", "ssh_common_args", "", "ANSIBLE_SSH_COMMON_ARGS",
      "set ansible_ssh_common_args in the inventory"),
    R("ssh_connection", "ssh_extra_args", "", "ANSIBLE_SSH_EXTRA_ARGS",
      "set ansible_ssh_extra_args in the inventory"),
    R("ssh_connection", "retries", "0", "ANSIBLE_SSH_RETRIES", RETRY),
    R("ssh_connection", "pkcs11_provider", "", "ANSIBLE_PKCS11_PROVIDER",
      "keys come from files or the SSH agent"),
    I("connection", "pipelining", PIPE),
    R("connection", "retries", "0", NULL, RETRY),

    R("tags", "run", "", "ANSIBLE_RUN_TAGS", "give -t"),
    R("tags", "skip", "", "ANSIBLE_SKIP_TAGS", "give --skip-tags"),
    R("diff", "always", "false", "ANSIBLE_DIFF_ALWAYS", "give -D"),
    I("diff", "context", OUT),
    R("inventory", "ignore_extensions", "", NULL, INVDIR),
    R("inventory", "ignore_patterns", "", NULL, INVDIR),
    I("inventory", "any_unparsed_is_failed",
      "an inventory gpuforge cannot parse is always an error"),
    I("inventory", "unparsed_is_failed", "an inventory gpuforge cannot parse is always an error"),
    I("inventory", "inventory_unparsed_warning", OUT),
    I("inventory", "host_pattern_mismatch", "a pattern matching no host is always an error"),
    I("inventory", "enable_plugins", "gpuforge reads INI, YAML, JSON and host lists"),
    I("inventory", "cache", "inventory plugins only"),
    I("inventory", "cache_plugin", "inventory plugins only"),
    I("inventory", "cache_connection", "inventory plugins only"),
    I("inventory", "cache_prefix", "inventory plugins only"),
    I("inventory", "cache_timeout", "inventory plugins only"),
    I("inventory", "export", "ansible-inventory only"),
};

/* Sections that only configure what gpuforge does not have. */
static const char *const ignored_sections[] = {
    "colors", "galaxy", "selinux", "paramiko_connection", "persistent_connection",
    "netconf_connection", "jinja2", "sudo_become_plugin", NULL,
};

/* How each honoured setting is typed, and its environment variables (the
 * last one set wins, as in Ansible). */
static const struct {
    const char *name;
    enum type type;
    const char *env[2];
} settings[GF_CFG_COUNT] = {
    [GF_CFG_ROLES_PATH] = { "roles_path", T_PATHSPEC, { "ANSIBLE_ROLES_PATH" } },
    [GF_CFG_INVENTORY] = { "inventory", T_PATHLIST, { "ANSIBLE_INVENTORY" } },
    [GF_CFG_REMOTE_USER] = { "remote_user", T_STR, { "ANSIBLE_REMOTE_USER" } },
    [GF_CFG_PRIVATE_KEY_FILE] = { "private_key_file", T_PATH, { "ANSIBLE_PRIVATE_KEY_FILE" } },
    [GF_CFG_REMOTE_PORT] = { "remote_port", T_INT, { "ANSIBLE_REMOTE_PORT" } },
    [GF_CFG_FORKS] = { "forks", T_INT, { "ANSIBLE_FORKS" } },
    [GF_CFG_TIMEOUT] = { "timeout", T_INT, { "ANSIBLE_TIMEOUT", "ANSIBLE_SSH_TIMEOUT" } },
    [GF_CFG_GATHERING] = { "gathering", T_STR, { "ANSIBLE_GATHERING" } },
    [GF_CFG_RETRY_FILES_ENABLED] = { "retry_files_enabled", T_BOOL,
                                     { "ANSIBLE_RETRY_FILES_ENABLED" } },
    [GF_CFG_RETRY_FILES_SAVE_PATH] = { "retry_files_save_path", T_PATH,
                                       { "ANSIBLE_RETRY_FILES_SAVE_PATH" } },
    [GF_CFG_HOST_KEY_CHECKING] = { "host_key_checking", T_BOOL,
                                   { "ANSIBLE_HOST_KEY_CHECKING",
                                     "ANSIBLE_SSH_HOST_KEY_CHECKING" } },
    [GF_CFG_ASK_PASS] = { "ask_pass", T_BOOL, { "ANSIBLE_ASK_PASS" } },
    [GF_CFG_BECOME] = { "become", T_BOOL, { "ANSIBLE_BECOME" } },
    [GF_CFG_BECOME_METHOD] = { "become_method", T_STR, { "ANSIBLE_BECOME_METHOD" } },
    [GF_CFG_BECOME_USER] = { "become_user", T_STR, { "ANSIBLE_BECOME_USER" } },
    [GF_CFG_BECOME_ASK_PASS] = { "become_ask_pass", T_BOOL, { "ANSIBLE_BECOME_ASK_PASS" } },
};

/* ---- typing ---- */

/* Ansible's boolean(): returns 1, 0, or -1 for a value that is neither. */
static int parse_bool(const char *s)
{
    static const char *const yes[] = { "y", "yes", "on", "1", "true", "t", NULL };
    static const char *const no[] = { "n", "no", "off", "0", "false", "f", NULL };
    char *v = strip(s, strlen(s));
    int r = -1;

    for (char *p = v; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    for (size_t i = 0; yes[i] && r < 0; i++)
        if (!strcmp(v, yes[i]))
            r = 1;
    for (size_t i = 0; no[i] && r < 0; i++)
        if (!strcmp(v, no[i]))
            r = 0;
    free(v);
    return r;
}

/* Ansible's unquote(): one pair of matching outer quotes goes. */
static char *unquote(const char *s)
{
    size_t n = strlen(s);

    if (n >= 2 && (s[0] == '"' || s[0] == '\'') && s[n - 1] == s[0])
        return gf_xstrndup(s + 1, n - 2);
    return gf_xstrdup(s);
}

/* $NAME and ${NAME} from the environment (unset ones stay as written),
 * then a leading ~; relative paths are made absolute against base (NULL:
 * the current directory), as Ansible's unfrackpath does. */
static char *resolve_path(const char *path, const char *base)
{
    struct gf_buf b = GF_BUF_INIT;

    for (const char *p = path; *p;) {
        if (*p == '$') {
            int brace = p[1] == '{';
            const char *s = p + 1 + brace, *e = s;
            while (isalnum((unsigned char)*e) || *e == '_')
                e++;
            if (e > s && (!brace || *e == '}')) {
                char *name = gf_xstrndup(s, (size_t)(e - s));
                const char *v = getenv(name);
                free(name);
                if (v) {
                    gf_buf_adds(&b, v);
                    p = e + brace;
                    continue;
                }
            }
        }
        gf_buf_addc(&b, *p++);
    }
    char *home = gf_expand_home(b.buf ? b.buf : "");
    gf_buf_release(&b);
    if (home[0] == '/')
        return home;
    char cwd[PATH_MAX];
    if (base == NULL)
        base = getcwd(cwd, sizeof(cwd)) ? cwd : ".";
    char *abs = home[0] ? gf_xasprintf("%s/%s", base, home) : gf_xstrdup(base);
    free(home);
    return abs;
}

static int harmless(const char *value, const char *dflt)
{
    char *v = unquote(value);
    int ok = 0;

    if (!strcmp(dflt, "false") || !strcmp(dflt, "true")) {
        ok = parse_bool(v) == (dflt[0] == 't');
    } else {
        for (const char *p = dflt;;) {
            size_t n = strcspn(p, "|");
            if (strlen(v) == n && !strncmp(v, p, n))
                ok = 1;
            if (p[n] == '\0')
                break;
            p += n + 1;
        }
    }
    free(v);
    return ok;
}

/* ssh_args: the first option that could change a result (malloc'd), or
 * NULL when every one only tunes the connection (Ansible's default
 * "-C -o ControlMaster=auto -o ControlPersist=60s" among them). */
static char *ssh_args_refused(const char *value)
{
    static const char *const tuning[] = {
        "controlmaster", "controlpersist", "controlpath", "serveraliveinterval",
        "serveralivecountmax", "tcpkeepalive", "compression", "connecttimeout", "loglevel",
        "gssapiauthentication", "gssapidelegatecredentials", NULL,
    };
    struct gf_vec w = GF_VEC_INIT;
    char *bad = NULL;

    if (gf_shlex_split(value, &w) < 0)
        return gf_xasprintf("%s (an unterminated quote)", value);
    for (size_t i = 0; i < w.n && !bad; i++) {
        const char *a = w.v[i], *opt = NULL;
        if (!strcmp(a, "-C") || !strcmp(a, "-q") || !strcmp(a, "-v") || !strcmp(a, "-vv") ||
            !strcmp(a, "-vvv"))
            continue;
        if (!strcmp(a, "-o") && i + 1 < w.n)
            opt = w.v[++i];
        else if (gf_startswith(a, "-o") && a[2])
            opt = a + 2;
        size_t n = opt ? strcspn(opt, "= 	") : 0;
        int ok = 0;
        for (size_t t = 0; opt && tuning[t] && !ok; t++)
            ok = strlen(tuning[t]) == n && !strncasecmp(opt, tuning[t], n);
        if (!ok)
            bad = opt ? gf_xasprintf("-o %s", opt) : gf_xstrdup(a);
    }
    gf_vec_release(&w, free);
    return bad;
}

static void note(struct gf_ansiblecfg *cfg, const char *fmt, ...) GF_PRINTF(2, 3);
static void note(struct gf_ansiblecfg *cfg, const char *fmt, ...)
{
    struct gf_buf b = GF_BUF_INIT;
    va_list ap;

    va_start(ap, fmt);
    gf_buf_vaddf(&b, fmt, ap);
    va_end(ap);
    gf_vec_push(&cfg->notes, gf_buf_detach(&b, NULL));
}

static void set_setting(struct gf_ansiblecfg *cfg, int id, const char *text, char *origin)
{
    free(cfg->set[id].text);
    free(cfg->set[id].origin);
    cfg->set[id].text = gf_xstrdup(text);
    cfg->set[id].origin = origin;
}

static const struct keyword *find_keyword(const char *section, const char *key)
{
    for (size_t i = 0; i < GF_ARRAY_LEN(keywords); i++)
        if ((section == NULL || !strcmp(keywords[i].section, section)) &&
            !strcmp(keywords[i].key, key))
            return &keywords[i];
    return NULL;
}

static int section_ignored(const char *s)
{
    for (size_t i = 0; ignored_sections[i]; i++)
        if (!strcmp(ignored_sections[i], s))
            return 1;
    return gf_startswith(s, "callback_") || gf_startswith(s, "inventory_plugin_");
}

int gf_ansiblecfg_parse(struct gf_ansiblecfg *cfg, const char *file, const char *data,
                        size_t len, struct gf_error *err)
{
    struct ini ini = { GF_VEC_INIT, GF_VEC_INIT };
    int rc;

    if ((rc = ini_parse(&ini, file, data, len, err)) < 0)
        goto out;
    /* every key: honoured, ignored with a reason, or refused */
    for (size_t i = 0; i < ini.ents.n; i++) {
        struct ini_ent *e = ini.ents.v[i];
        int dflt = !strcmp(e->section, "DEFAULT");
        const struct keyword *k = find_keyword(dflt ? NULL : e->section, e->key);
        const char *v = e->val.buf ? e->val.buf : "";
        const struct keyword *elsewhere = k ? NULL : find_keyword(NULL, e->key);
        char *bad;
        if (k == NULL && elsewhere) {
            note(cfg, "%s:%d: [%s] %s: Ansible reads %s from [%s], not from here; ignored",
                 file, e->line, e->section, e->key, e->key, elsewhere->section);
        } else if (k == NULL) {
            note(cfg, "%s:%d: [%s] %s: %s; ignored", file, e->line, e->section, e->key,
                 section_ignored(e->section) ? "configures what gpuforge does not have"
                                             : "not a setting of Ansible's that gpuforge knows");
        } else if (k->kind == IGNORE) {
            note(cfg, "%s:%d: [%s] %s ignored: %s", file, e->line, e->section, e->key, k->why);
        } else if (k->kind == REFUSE && !harmless(v, k->dflt)) {
            rc = gf_error_set(err, GF_EUNSUPPORTED, file, e->line, 0,
                              "[%s] %s = %s is not supported by gpuforge (%s)", e->section,
                              e->key, v, k->why);
            goto out;
        } else if (k->kind == REFUSE) {
            note(cfg, "%s:%d: [%s] %s = %s: Ansible's default", file, e->line, e->section,
                 e->key, v);
        } else if (k->kind == SSH_ARGS && (bad = ssh_args_refused(v))) {
            rc = gf_error_set(err, GF_EUNSUPPORTED, file, e->line, 0,
                              "[%s] %s: '%s' is not supported by gpuforge (%s)", e->section,
                              e->key, bad, k->why);
            free(bad);
            goto out;
        } else if (k->kind == SSH_ARGS) {
            note(cfg, "%s:%d: [%s] %s = %s ignored: connection tuning only", file, e->line,
                 e->section, e->key, v);
        }
    }
    /* the honoured settings, looked up as Ansible does: table order, so a
     * later section's key wins */
    for (size_t i = 0; i < GF_ARRAY_LEN(keywords); i++) {
        const struct keyword *k = &keywords[i];
        struct ini_ent *e;
        if (k->kind != HONOUR || (e = ini_get(&ini, k->section, k->key)) == NULL)
            continue;
        set_setting(cfg, k->id, e->val.buf ? e->val.buf : "",
                    gf_xasprintf("%s:%d", file, e->line));
    }
out:
    ini_release(&ini);
    return rc;
}

/* ---- finding the file ---- */

char *gf_ansiblecfg_find(struct gf_vec *warnings)
{
    struct gf_vec cand = GF_VEC_INIT;
    char *from_env = NULL, *found = NULL, cwd[PATH_MAX];
    int public_cwd = 0;
    struct stat st;

    const char *env = getenv("ANSIBLE_CONFIG");
    if (env) {
        from_env = resolve_path(env, NULL);
        if (gf_is_dir(from_env)) {
            char *p = gf_xasprintf("%s/ansible.cfg", from_env);
            free(from_env);
            from_env = p;
        }
        gf_vec_push(&cand, gf_xstrdup(from_env));
    }
    if (getcwd(cwd, sizeof(cwd)) && stat(cwd, &st) == 0) {
        char *p = gf_xasprintf("%s/ansible.cfg", strcmp(cwd, "/") ? cwd : "");
        if (st.st_mode & S_IWOTH) {
            public_cwd = access(p, F_OK) == 0;
            free(p);
        } else {
            gf_vec_push(&cand, p);
        }
    }
    gf_vec_push(&cand, gf_expand_home("~/.ansible.cfg"));
    gf_vec_push(&cand, gf_xstrdup(gf_ansiblecfg_etc));
    for (size_t i = 0; i < cand.n && !found; i++)
        if (access(cand.v[i], F_OK) == 0 && access(cand.v[i], R_OK) == 0)
            found = gf_xstrdup(cand.v[i]);
    gf_vec_release(&cand, free);
    if (warnings && public_cwd && (from_env == NULL || !found || strcmp(from_env, found)))
        gf_vec_push(warnings, gf_xasprintf("running in a world-writable directory (%s): "
                                           "ignoring its ansible.cfg, as Ansible does", cwd));
    if (warnings && from_env && (!found || strcmp(from_env, found)))
        gf_vec_push(warnings, gf_xasprintf("ANSIBLE_CONFIG names '%s', which cannot be read: "
                                           "%s%s, as Ansible does", from_env,
                                           found ? "using " : "using no ansible.cfg",
                                           found ? found : ""));
    free(from_env);
    return found;
}

/* ---- loading ---- */

static int bad_value(const struct gf_cfg_setting *s, const char *name, struct gf_error *err,
                     const char *what)
{
    /* origin is FILE:LINE or an environment variable's name */
    const char *colon = strrchr(s->origin, ':');
    if (colon && colon[1] >= '0' && colon[1] <= '9') {
        char *file = gf_xstrndup(s->origin, (size_t)(colon - s->origin));
        int rc = gf_error_set(err, GF_EINVAL, file, atoi(colon + 1), 0, "%s = %s: %s", name,
                              s->text, what);
        free(file);
        return rc;
    }
    return gf_error_set(err, GF_EINVAL, NULL, 0, 0, "%s=%s: %s", s->origin, s->text, what);
}

static int parse_int(const struct gf_cfg_setting *s, const char *name, long min, long max,
                     int *out, struct gf_error *err)
{
    char *v = strip(s->text, strlen(s->text)), *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    int ok = *v && *end == '\0' && errno == 0 && n >= min && n <= max;

    free(v);
    if (!ok) {
        char *what = gf_xasprintf("not a number in %ld..%ld", min, max);
        int rc = bad_value(s, name, err, what);
        free(what);
        return rc;
    }
    *out = (int)n;
    return 0;
}

/* The directory that relative paths of a setting are resolved against:
 * the file's for a setting from the file, the current one for the
 * environment's (NULL). */
static const char *base_of(const struct gf_ansiblecfg *cfg, const struct gf_cfg_setting *s)
{
    return cfg->path && gf_startswith(s->origin, cfg->path) &&
                   s->origin[strlen(cfg->path)] == ':' ? cfg->dir : NULL;
}

static void split_paths(const struct gf_ansiblecfg *cfg, const struct gf_cfg_setting *s,
                        char sep, int strip_each, struct gf_vec *out)
{
    const char *base = base_of(cfg, s);

    for (const char *p = s->text;;) {
        size_t n = strcspn(p, sep == ':' ? ":" : ",");
        char *part = strip_each ? strip(p, n) : gf_xstrndup(p, n);
        gf_vec_push(out, resolve_path(part, base));
        free(part);
        if (p[n] == '\0')
            break;
        p += n + 1;
    }
}

/* Types the settings after the environment has been applied. */
static int type_settings(struct gf_ansiblecfg *cfg, struct gf_error *err)
{
    int rc = 0;

    cfg->host_key_checking = 1;
    for (int id = 0; id < GF_CFG_COUNT && rc == 0; id++) {
        struct gf_cfg_setting *s = &cfg->set[id];
        const char *name = settings[id].name;
        int b;
        if (s->text == NULL)
            continue;
        switch (settings[id].type) {
        case T_STR: {
            char *u = unquote(s->text);
            free(s->text);
            s->text = u;
            break;
        }
        case T_PATH: {
            char *p = resolve_path(s->text, base_of(cfg, s));
            free(s->text);
            s->text = p;
            break;
        }
        case T_BOOL:
            if ((b = parse_bool(s->text)) < 0)
                rc = bad_value(s, name, err, "not a boolean (true/false, yes/no, on/off, 1/0)");
            else if (id == GF_CFG_HOST_KEY_CHECKING)
                cfg->host_key_checking = b;
            else if (id == GF_CFG_ASK_PASS)
                cfg->ask_pass = b;
            else if (id == GF_CFG_BECOME)
                cfg->become = b;
            else if (id == GF_CFG_BECOME_ASK_PASS)
                cfg->become_ask_pass = b;
            else if (id == GF_CFG_RETRY_FILES_ENABLED)
                cfg->retry_files_enabled = b;
            break;
        default:
            break;
        }
    }
    if (rc)
        return rc;
    struct gf_cfg_setting *s;
    if ((s = &cfg->set[GF_CFG_FORKS])->text &&
        (rc = parse_int(s, "forks", 1, 10000, &cfg->forks, err)))
        return rc;
    if ((s = &cfg->set[GF_CFG_TIMEOUT])->text &&
        (rc = parse_int(s, "timeout", 1, 3600, &cfg->timeout, err)))
        return rc;
    if ((s = &cfg->set[GF_CFG_REMOTE_PORT])->text &&
        (rc = parse_int(s, "remote_port", 1, 65535, &cfg->remote_port, err)))
        return rc;
    if ((s = &cfg->set[GF_CFG_GATHERING])->text) {
        if (!strcmp(s->text, "implicit"))
            cfg->gathering = GF_GATHER_IMPLICIT;
        else if (!strcmp(s->text, "explicit"))
            cfg->gathering = GF_GATHER_EXPLICIT;
        else if (!strcmp(s->text, "smart"))
            cfg->gathering = GF_GATHER_SMART;
        else
            return bad_value(s, "gathering", err, "not one of implicit, explicit, smart");
    }
    if ((s = &cfg->set[GF_CFG_BECOME_METHOD])->text && strcmp(s->text, "sudo") != 0)
        return bad_value(s, "become_method", err, "gpuforge becomes other users with sudo "
                         "only");
    if ((s = &cfg->set[GF_CFG_ROLES_PATH])->text) {
        split_paths(cfg, s, ':', 0, &cfg->roles_path);
    } else {
        /* Ansible's default: ~/.ansible/roles:/usr/share/ansible/roles:/etc/ansible/roles */
        gf_vec_push(&cfg->roles_path, gf_expand_home("~/.ansible/roles"));
        gf_vec_push(&cfg->roles_path, gf_xstrdup("/usr/share/ansible/roles"));
        gf_vec_push(&cfg->roles_path, gf_xstrdup("/etc/ansible/roles"));
    }
    if ((s = &cfg->set[GF_CFG_INVENTORY])->text)
        split_paths(cfg, s, ',', 1, &cfg->inventory);
    return 0;
}

/* The environment over the file: honoured settings replace the file's
 * values, refused ones are errors unless they hold Ansible's default. */
static int apply_env(struct gf_ansiblecfg *cfg, struct gf_error *err)
{
    for (int id = 0; id < GF_CFG_COUNT; id++)
        for (size_t j = 0; j < 2 && settings[id].env[j]; j++) {
            const char *name = settings[id].env[j], *v = getenv(name);
            if (v == NULL || *v == '\0')
                continue;
            if (cfg->set[id].origin)
                note(cfg, "%s=%s overrides %s", name, v, cfg->set[id].origin);
            else
                note(cfg, "%s=%s", name, v);
            set_setting(cfg, id, v, gf_xstrdup(name));
        }
    for (size_t i = 0; i < GF_ARRAY_LEN(keywords); i++) {
        const struct keyword *k = &keywords[i];
        const char *v = k->env ? getenv(k->env) : NULL;
        char *bad;
        if (k->kind == REFUSE && v && *v && !harmless(v, k->dflt))
            return gf_error_set(err, GF_EUNSUPPORTED, NULL, 0, 0,
                                "%s=%s is not supported by gpuforge (%s)", k->env, v, k->why);
        if (k->kind == SSH_ARGS && v && *v && (bad = ssh_args_refused(v))) {
            int rc = gf_error_set(err, GF_EUNSUPPORTED, NULL, 0, 0, "%s: '%s' is not "
                                  "supported by gpuforge (%s)", k->env, bad, k->why);
            free(bad);
            return rc;
        }
    }
    return 0;
}

int gf_ansiblecfg_load_file(struct gf_ansiblecfg *cfg, const char *path, struct gf_error *err)
{
    struct gf_buf b = GF_BUF_INIT;
    int rc = 0;

    memset(cfg, 0, sizeof(*cfg));
    if (path) {
        cfg->path = gf_xstrdup(path);
        char *slash = strrchr(cfg->path, '/');
        cfg->dir = slash ? gf_xstrndup(cfg->path, slash == cfg->path ? 1 : (size_t)(slash -
                                       cfg->path)) : gf_xstrdup(".");
        if (gf_is_dir(path)) {
            rc = gf_error_set(err, GF_EIO, path, 0, 0, "cannot read: it is a directory");
            goto out;
        }
        if ((rc = gf_read_file(path, &b, 1u << 20, err)) < 0)
            goto out;
        note(cfg, "Using %s as config file", path);
        if ((rc = gf_ansiblecfg_parse(cfg, path, b.buf ? b.buf : "", b.len, err)) < 0)
            goto out;
    }
    if ((rc = apply_env(cfg, err)) < 0 || (rc = type_settings(cfg, err)) < 0)
        goto out;
    for (int id = 0; id < GF_CFG_COUNT; id++)
        if (cfg->set[id].text && gf_startswith(cfg->set[id].origin, path ? path : "\n"))
            note(cfg, "%s: %s = %s", cfg->set[id].origin, settings[id].name,
                 cfg->set[id].text);
out:
    gf_buf_release(&b);
    return rc;
}

int gf_ansiblecfg_load(struct gf_ansiblecfg *cfg, struct gf_error *err)
{
    struct gf_vec warnings = GF_VEC_INIT;
    char *path = gf_ansiblecfg_find(&warnings);
    int rc = gf_ansiblecfg_load_file(cfg, path, err);

    cfg->warnings = warnings;
    free(path);
    return rc;
}

void gf_ansiblecfg_release(struct gf_ansiblecfg *cfg)
{
    free(cfg->path);
    free(cfg->dir);
    for (int i = 0; i < GF_CFG_COUNT; i++) {
        free(cfg->set[i].text);
        free(cfg->set[i].origin);
    }
    gf_vec_release(&cfg->roles_path, free);
    gf_vec_release(&cfg->inventory, free);
    gf_vec_release(&cfg->notes, free);
    gf_vec_release(&cfg->warnings, free);
    memset(cfg, 0, sizeof(*cfg));
}

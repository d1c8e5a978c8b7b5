/* lookup.c - Ansible's lookup plugins, for lookup()/query() in templates and
 * for with_NAME loops (template.h). No plugin is built in yet: every name is
 * refused with the plugin's name, so nothing runs with a wrong value. */
#include <string.h>

#include "template.h"

int gf_tpl_lookup(const char *name, const struct gf_val *terms, const struct gf_val *kwargs,
                  const struct gf_tpl_scope *scope, struct gf_val **out, struct gf_error *err)
{
    (void)terms;
    (void)kwargs;
    (void)scope;
    *out = NULL;
    return gf_error_set(err, GF_EUNSUPPORTED, NULL, 0, 0,
                        "lookup plugin '%s' is not supported", name);
}

int gf_tpl_lookup_known(const char *name)
{
    (void)name;
    return 0;
}

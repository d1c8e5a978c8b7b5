/*
 * argspec-private.h - the pure part of the `validate_argument_spec` module
 * that unit tests reach: Ansible's ArgumentSpecValidator over values.
 * Not an interface for other layers.
 */
#ifndef GF_ARGSPEC_PRIVATE_H
#define GF_ARGSPEC_PRIVATE_H

#include "../core/core.h"

/* Validates params (a map: option name -> value) against spec (a map:
 * option name -> its attributes: type, required, default, choices,
 * elements, options, aliases, apply_defaults, mutually_exclusive,
 * required_together, required_one_of, required_if, required_by) as
 * Ansible's ArgumentSpecValidator does: aliases, unsupported options,
 * required ones, defaults, types with their conversions, elements,
 * choices, then the options of dict options, recursively. Appends
 * Ansible's error messages, in Ansible's order, to errs (a list of
 * strings). ansible_types names the Python classes of strings, lists and
 * dicts as Ansible's YAML loader gives them (AnsibleUnicode, ...; unsafe
 * text as AnsibleUnsafeText), else as Python's own. Returns 0, or -1 when the spec asks for something gpuforge
 * does not check, with *what set to a malloc'd message naming it (errs
 * then is incomplete). */
int gf_argspec_validate(const struct gf_val *spec, const struct gf_val *params,
                        int ansible_types, struct gf_val *errs, char **what);

#endif

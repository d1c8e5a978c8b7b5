#!/usr/bin/python
# kubeconfig.py - documentation-only stub of gpuforge's built-in module
# gpuforge.core.kubeconfig (gpuforge_kubeconfig), for ansible-doc,
# ansible-lint and ansible-playbook --syntax-check. The module itself is part
# of gpuforge.

DOCUMENTATION = r'''
module: kubeconfig
short_description: Merge a kubeconfig into another on the controller (gpuforge only)
description:
  - Merges the clusters, users and contexts of I(src) into I(dest), replacing entries of the
    same name and keeping every other one. The current context of I(dest) is set only when it
    has none. I(dest) is written atomically with mode 0600, and only when its content changes.
    The result never holds the files' content.
  - Runs on the controller. Built into gpuforge; this file only documents it. Under
    ansible-playbook it fails.
options:
  src:
    description: The kubeconfig to merge (on the controller).
    type: path
    required: true
  dest:
    description: The kubeconfig to merge into (on the controller).
    type: path
    required: true
author:
  - gpuforge
'''

EXAMPLES = r'''
- name: Merge the cluster's kubeconfig into the operator's
  gpuforge.core.kubeconfig:
    src: "{{ playbook_dir }}/../artifacts/kubeconfig"
    dest: ~/.kube/config
'''

RETURN = r'''
'''

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec={}, bypass_checks=True, supports_check_mode=True)
    module.fail_json(msg="gpuforge.core.kubeconfig is built into gpuforge: run the playbook "
                     "with gpuforge run")


if __name__ == '__main__':
    main()

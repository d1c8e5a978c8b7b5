#!/usr/bin/python
# bundle.py - documentation-only stub of gpuforge's built-in module
# gpuforge.core.bundle (gpuforge_bundle), for ansible-doc, ansible-lint and
# ansible-playbook --syntax-check. The module itself is part of gpuforge.

DOCUMENTATION = r'''
module: bundle
short_description: Put a signed air-gap bundle onto the node (gpuforge only)
description:
  - Verifies the bundle's signature on the controller before the node is contacted, sends it,
    checks its sha256 on the node and activates it atomically. A node that holds the bundle
    already gets nothing; a partial copy is resumed.
  - Built into gpuforge; this file only documents it. Under ansible-playbook it fails.
options:
  src:
    description: The bundle (a file on the controller, looked for in the role's files/).
    type: path
    required: true
  pubkey:
    description: The public key the bundle must be signed with (on the controller).
    type: path
    required: true
  dest:
    description: Where bundles are kept on the node.
    type: path
    default: /var/lib/gpuforge/bundles
  allow_downgrade:
    description: Activate a bundle older than the active one.
    type: bool
    default: false
author:
  - gpuforge
'''

EXAMPLES = r'''
- name: Push the stack bundle
  gpuforge.core.bundle:
    src: "{{ gpuforge_bundle }}"
    pubkey: "{{ gpuforge_bundle_pubkey }}"
'''

RETURN = r'''
name:
  description: The bundle's name.
  returned: success
  type: str
version:
  description: The bundle's version.
  returned: success
  type: str
path:
  description: The active copy of the bundle on the node.
  returned: success
  type: str
sent_bytes:
  description: Bytes sent (0 when the node held the bundle).
  returned: success
  type: int
'''

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec={}, bypass_checks=True, supports_check_mode=True)
    module.fail_json(msg="gpuforge.core.bundle is built into gpuforge: run the playbook with "
                     "gpuforge run")


if __name__ == '__main__':
    main()

#!/bin/sh
# t0810-cloud-aws: the aws cloud plugin with the real `aws` against
# tests/cloud/fake-endpoint on 127.0.0.1: validate, up, the exact requests,
# a killed up run again, status, down, down after a partial up (all in a
# network namespace with only loopback), then instances backed by testbed
# nodes from up through SSH to a playbook. See tests/e2e/lib/cloud-cli.sh.
. "$(dirname "$0")/test-lib.sh"
PROVIDER=aws
. "$TEST_DIR/lib/cloud-cli.sh"

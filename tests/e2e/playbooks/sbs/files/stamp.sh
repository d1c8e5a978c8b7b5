#!/bin/sh
# writes its arguments into a file: run on the node by the script module
printf '%s\n' "$@" > /srv/sbs/script-out

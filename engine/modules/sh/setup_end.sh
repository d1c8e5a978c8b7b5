# shellcheck shell=sh
# setup_end.sh - ends the output of setup's scripts: a listing without
# this last section was cut short.
s end

# shellcheck shell=sh
# async.sh - one command of an async task (async: N), killed when the
# task's time is up, as Ansible's async_wrapper kills an async job.
# In: gf_async_secs (whole seconds left, at least 1), gf_async_cmd (the
# command's shell text). Exits 137 when killed.
# shellcheck disable=SC2154
exec timeout -s KILL "$gf_async_secs" /bin/sh -c "$gf_async_cmd"

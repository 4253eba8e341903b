#!/usr/bin/env bash
# Install the system programs the test suite drives: Debian's Chromium (browser
# checks of the built site), PostgreSQL (the multi-grader gradebook) and util-linux's
# unshare (a grader as a container's process 1; Debian always has it).
# Installs only what is missing, and only when it can (root or sudo + apt-get);
# otherwise it says what is missing and the tests that need it explain themselves.
set -u
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -n "$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null)" ] || need+=(postgresql)
command -v unshare >/dev/null 2>&1 || need+=(util-linux)
[ ${#need[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-system-deps: missing ${need[*]} and no apt-get here; install them yourself." >&2
  exit 0
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && { command -v sudo >/dev/null 2>&1 && SUDO="sudo -n" || { echo "ensure-system-deps: missing ${need[*]}; run as root to install them." >&2; exit 0; }; }
echo "ensure-system-deps: installing ${need[*]} with apt-get"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
  || echo "ensure-system-deps: apt-get could not install ${need[*]}" >&2
exit 0

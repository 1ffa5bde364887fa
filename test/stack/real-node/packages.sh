#!/usr/bin/env bash
# The Debian packages the stack's real node runs on (STACK_REAL_NODE=1): containerd and runc, the CNI
# plugins, the netfilter tools, busybox for the stand-in images. Sourced by node.sh (stack up installs
# what is missing) and run by .ci/run as a step of its own, so CI pays for apt once and says so.
# Idempotent: installs only what is missing, refreshing the package index once if the install fails.

real_node_packages="containerd runc containernetworking-plugins iptables nftables conntrack busybox-static"

real_node_install_packages() { # apt log file
  local apt_log=${1:-/dev/null} missing=() p
  for p in $real_node_packages; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || { echo "missing packages ${missing[*]} and no apt-get to install them" >&2; return 1; }
  echo "installing ${missing[*]} (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends "${missing[@]}" >"$apt_log" 2>&1 ||
    { apt-get update >>"$apt_log" 2>&1 && apt-get install -y --no-install-recommends "${missing[@]}" >>"$apt_log" 2>&1; } ||
    { echo "apt-get install ${missing[*]} failed (log: $apt_log)" >&2; return 1; }
  # The package's own service must not run: the stack starts a private containerd of its own.
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then systemctl disable --now containerd >/dev/null 2>&1 || true; fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  [ "$(id -u)" = 0 ] || { echo "installing the real node's packages needs root" >&2; exit 1; }
  real_node_install_packages "${TMPDIR:-/tmp}/realnode-apt.log"
fi

#!/usr/bin/env bash
# What `npm test` needs beyond `npm install`, installed by `npm test` itself (with-stack.sh runs this
# first), so that the README's test command passes on a fresh machine and runs exactly the suites CI runs:
#   - the stack's optional Go tools the deploy, monitoring and UI suites call (cached, built once);
#   - Chromium, which drives the browser tests through puppeteer-core (a Debian package: puppeteer's own
#     browser download cannot reach its host from here, and Debian's build is kept patched);
#   - the real node's Debian packages (containerd, runc, CNI plugins, nftables) when running as root.
# One progress line per step. Where a part cannot be installed (no root, no apt-get), it stops before any
# test with what to install and how to run without that part, instead of letting a suite fail.
#
# Sourced: it exports STACK_REAL_NODE (1 as root unless set to 0; 0 otherwise) and SO_TEST_BROWSER for
# stack.sh and jest.config.js. Settings: STACK_REAL_NODE=0|1, SO_TEST_BROWSER=0 (leave the browser tests
# out), CHROMIUM_PATH (a browser of your own instead of /usr/bin/chromium).

prerequisites_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

prereq_log() { printf '[prerequisites] %s\n' "$*" >&2; }

# root runs apt-get itself; anyone else only with a sudo that asks for no password (CI has no terminal).
prereq_apt() {
  if [ "$(id -u)" = 0 ]; then DEBIAN_FRONTEND=noninteractive "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo -n env DEBIAN_FRONTEND=noninteractive "$@"
  else return 2; fi
}

prereq_go_tools() {
  prereq_log "Go tools for the deploy, monitoring and UI suites (promtool, kubeconform, Temporal UI server; cached)"
  bash "$prerequisites_here/install-tools.sh" promtool kubeconform temporal-ui
}

prereq_browser() {
  if [ "${SO_TEST_BROWSER:-1}" = 0 ]; then
    prereq_log "browser tests left out (SO_TEST_BROWSER=0)"
    return 0
  fi
  local chromium=${CHROMIUM_PATH:-/usr/bin/chromium}
  if [ -x "$chromium" ]; then
    prereq_log "Chromium for the browser tests: $chromium"
    return 0
  fi
  if [ -n "${CHROMIUM_PATH:-}" ]; then
    prereq_log "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable browser"
    return 1
  fi
  command -v apt-get >/dev/null || {
    prereq_log "Chromium is missing and there is no apt-get to install it. Install a Chromium and set"
    prereq_log "CHROMIUM_PATH to it, or run without the browser tests: SO_TEST_BROWSER=0 npm test"
    return 1
  }
  prereq_log "installing Chromium for the browser tests (apt-get; once, about a minute)"
  local apt_log=${TMPDIR:-/tmp}/so-chromium-apt.log rc=0
  { prereq_apt apt-get install -y -qq --no-install-recommends chromium >"$apt_log" 2>&1 ||
    { prereq_apt apt-get update -qq >>"$apt_log" 2>&1 &&
      prereq_apt apt-get install -y -qq --no-install-recommends chromium >>"$apt_log" 2>&1; }; } || rc=$?
  if [ "$rc" = 2 ]; then
    prereq_log "Chromium is missing and installing it needs root: sudo apt-get install chromium"
    prereq_log "(or set CHROMIUM_PATH to a browser of your own), or run without the browser tests: SO_TEST_BROWSER=0 npm test"
    return 1
  fi
  [ -x /usr/bin/chromium ] || { prereq_log "apt-get install chromium failed (log: $apt_log)"; return 1; }
}

prereq_real_node() {
  if [ "${STACK_REAL_NODE:-}" = 0 ]; then
    prereq_log "real node left out (STACK_REAL_NODE=0): test/realnode does not run"
    return 0
  fi
  if [ "$(id -u)" != 0 ]; then
    if [ "${STACK_REAL_NODE:-}" = 1 ]; then
      prereq_log "STACK_REAL_NODE=1 needs root (real containers, mounts, a bridge): run npm test as root"
      return 1
    fi
    export STACK_REAL_NODE=0
    prereq_log "real node left out: it needs root (containers, mounts, a bridge), so test/realnode does not run."
    prereq_log "  To run it as CI does: sudo npm test"
    return 0
  fi
  export STACK_REAL_NODE=1
  # shellcheck source=real-node/packages.sh
  source "$prerequisites_here/real-node/packages.sh"
  prereq_log "the real node's Debian packages (${real_node_packages// /, }; only what is missing)"
  real_node_install_packages "${TMPDIR:-/tmp}/so-realnode-apt.log" || {
    prereq_log "installing them failed: install them yourself, or run without the real node: STACK_REAL_NODE=0 npm test"
    return 1
  }
}

prerequisites() {
  prereq_go_tools || { prereq_log "building the Go tools failed (see the lines above)"; return 1; }
  prereq_browser || return 1
  prereq_real_node || return 1
  export SO_TEST_BROWSER=${SO_TEST_BROWSER:-1}
}

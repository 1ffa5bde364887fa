#!/usr/bin/env bash
# Runs a command against the local stack (`npm test` runs jest through this): starts the stack when it is
# not running — building it on first use — and afterwards leaves it as it found it: stopped again if this
# run started it, untouched if it was already up.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# What the suites need beyond npm install (Go tools, Chromium, the real node's packages), installed here
# so that `npm test` alone passes on a fresh machine; it says what to do where it cannot install a part.
# shellcheck source=prerequisites.sh
source "$here/prerequisites.sh"
prerequisites || { echo "[test] a prerequisite is missing (see above); no test ran" >&2; exit 1; }

started_here=0
if status=$(bash "$here/stack.sh" status 2>&1); then
  echo "[test] using the running local stack ($(bash "$here/stack.sh" dir))" >&2
else
  # Which components it found stopped: a part of a stack still running makes the start below fail on its ports.
  grep -E '^[a-z-]+ +(running|stopped)' <<< "$status" | sed 's/^/[test]   /' >&2
  [ "$STACK_REAL_NODE" = 1 ] && echo "[test] with the real node (root): test/realnode runs too" >&2
  echo "[test] starting the local stack for this run (it is stopped again afterwards)" >&2
  started_here=1
  bash "$here/stack.sh" up || { echo "[test] the local stack did not start; see the lines above" >&2; exit 1; }
fi

# A stack this run started is stopped again, and nothing of its real node may outlive it: a container,
# mount, bridge or nftables rule left behind is a failed run, named.
stop_if_ours() {
  [ "$started_here" = 1 ] || return 0
  bash "$here/stack.sh" down >/dev/null 2>&1
  if [ "$STACK_REAL_NODE" = 1 ]; then
    bash "$here/real-node/check-clean.sh" || { echo "[test] the real node left something behind (above)" >&2; return 1; }
  fi
}
on_exit() { local rc=$?; stop_if_ours || rc=1; exit "$rc"; }
trap on_exit EXIT
trap 'exit 130' INT TERM

if grep -qs '^STACK_REAL_NODE=1$' "$(bash "$here/stack.sh" dir)/env"; then :; elif [ "$STACK_REAL_NODE" = 1 ]; then
  echo "[test] the running stack has no real node: test/realnode does not run (npm run stack:down first to include it)" >&2
fi

"$@"

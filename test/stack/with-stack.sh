#!/usr/bin/env bash
# Runs a command against the local stack (`npm test` runs jest through this): starts the stack when it is
# not running — building it on first use — and afterwards leaves it as it found it: stopped again if this
# run started it, untouched if it was already up.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

started_here=0
if status=$(bash "$here/stack.sh" status 2>&1); then
  echo "[test] using the running local stack ($(bash "$here/stack.sh" dir))" >&2
else
  # Which components it found stopped: a part of a stack still running makes the start below fail on its ports.
  grep -E '^[a-z-]+ +(running|stopped)' <<< "$status" | sed 's/^/[test]   /' >&2
  echo "[test] starting the local stack for this run (it is stopped again afterwards)" >&2
  started_here=1
  bash "$here/stack.sh" up || { echo "[test] the local stack did not start; see the lines above" >&2; exit 1; }
fi

stop_if_ours() { [ "$started_here" = 1 ] && bash "$here/stack.sh" down >/dev/null 2>&1; }
trap stop_if_ours EXIT
trap 'exit 130' INT TERM

"$@"

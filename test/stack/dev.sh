#!/usr/bin/env bash
# `npm run dev`: the orchestrator's main job on the embedded local stack. Starts the stack (building
# it on first use), then the worker and, when present, the HTTP API in the foreground; Ctrl-C stops
# them (the stack keeps running: `npm run stack:down`).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=paths.sh
source "$here/paths.sh"
state=$SO_STACK_DIR
cd "$repo"

bash "$here/stack.sh" up
set -a
# shellcheck disable=SC1091
source "$state/env"
set +a

# A local payload-encryption key, made once and kept with the stack's state.
if [ ! -f "$state/codec-keys" ]; then
  printf 'local:%s\n' "$(openssl rand -base64 32)" > "$state/codec-keys"
  chmod 600 "$state/codec-keys"
fi
export TEMPORAL_CODEC_KEYS_FILE=$state/codec-keys
# The local stack's spot nodes are tainted; sessions tolerate them like they would a Spot pool.
export AGENTAPI_K8S_SESSION_TOLERATIONS=${AGENTAPI_K8S_SESSION_TOLERATIONS:-'[{"key":"spot","operator":"Equal","value":"true","effect":"NoSchedule"}]'}
export LOG_LEVEL=${LOG_LEVEL:-info}

children=()
cleanup() { for pid in "${children[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done; wait || true; }
trap cleanup EXIT INT TERM

npx tsx src/worker.ts > "$state/logs/worker.log" 2>&1 &
children+=($!)
echo "[dev] worker started (log: $state/logs/worker.log)"

if [ -f src/server.ts ]; then
  if [ ! -f "$state/api-keys.json" ]; then
    npx tsx src/api/keygen.ts --user dev --permissions session:create,session:read,session:update,session:delete \
      --file "$state/api-keys.json" > "$state/dev-api-key"
  fi
  export API_KEYS_FILE=$state/api-keys.json API_PORT=${API_PORT:-8080}
  npx tsx src/server.ts > "$state/logs/api.log" 2>&1 &
  children+=($!)
  key=$(tail -n 1 "$state/dev-api-key")
  echo "[dev] API on http://127.0.0.1:$API_PORT (log: $state/logs/api.log)"
  echo "[dev] create a session:"
  echo "  curl -s -X POST http://127.0.0.1:$API_PORT/api/v1/sessions -H 'Authorization: Bearer $key' -H 'Content-Type: application/json' -d '{\"config\":{}}'"
fi
echo "[dev] Temporal UI: $TEMPORAL_UI_URL"
echo "[dev] Ctrl-C stops the worker and API; npm run stack:down stops the stack."
wait -n

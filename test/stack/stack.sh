#!/usr/bin/env bash
# The local test stack: a Temporal dev server (with its Web UI) and a real Kubernetes control plane
# (etcd, kube-apiserver, kube-scheduler, kube-controller-manager) whose nodes and pod status are
# simulated by KWOK. Everything listens on 127.0.0.1; state lives in $SO_STACK_DIR (default
# ~/.local/state/session-orchestrator/stack, outside the repository: see paths.sh).
#
#   stack.sh up       build what is missing (cached), start what is not running, print where things are
#   stack.sh down     stop exactly the processes this script started (by recorded pid)
#   stack.sh status   show each component's pid and health
#   stack.sh reset    down, then delete $SO_STACK_DIR (all cluster and Temporal state)
#   stack.sh dir      print the state directory
#
# STACK_UI_CODEC_ENDPOINT=http://127.0.0.1:8080/codec makes the dev server's UI decode payloads through
# the API (it sends no credentials: enable "include cross-origin credentials" in the UI's codec settings
# after signing in at /codec/login, or use `npm run dev`'s UI, which is configured for it).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
# shellcheck source=paths.sh
source "$here/paths.sh"
cache=$SO_CACHE_DIR
state=$SO_STACK_DIR
pki=$state/pki
logs=$state/logs
pids=$state/pids
session_namespace=${AGENTAPI_K8S_SESSION_NAMESPACE:-agentapi-sessions}

temporal_bin=$cache/temporal-$TEMPORAL_CLI_VERSION-sqlite-$TEMPORAL_SQLITE_VERSION/bin/temporal
kube_bin=$cache/kubernetes-$KUBERNETES_VERSION/bin
etcd_bin=$cache/etcd-$ETCD_VERSION/bin/etcd
kwok_dir=$cache/kwok-$KWOK_VERSION
kubectl() { "$kube_bin/kubectl" --kubeconfig "$state/kubeconfig" "$@"; }
# shellcheck source=kwok-options.sh
source "$here/kwok-options.sh"
# shellcheck source=real-node/node.sh
source "$here/real-node/node.sh"

# shellcheck source=kwok-io.sh
source "$here/kwok-io.sh"
log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] error: %s\n' "$*" >&2; exit 1; }

# --- processes -----------------------------------------------------------------------------------

# shellcheck source=processes.sh
source "$here/processes.sh"

wait_for() { # description, seconds, command...
  local what=$1 secs=$2; shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || die "timed out after ${secs}s waiting for $what (logs: $logs)"
    sleep 0.5
  done
}

# --- ports ---------------------------------------------------------------------------------------

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Ports are chosen once and remembered, so a second `up` finds the running stack where it left it.
choose_port() { # key, preferred
  local key=$1 preferred=$2 file=$state/ports
  touch "$file"
  local known; known=$(sed -n "s/^$key=//p" "$file")
  if [ -n "$known" ]; then echo "$known"; return; fi
  local port=$preferred
  if ! port_free "$port"; then
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    log "port $preferred for $key is taken; using $port"
  fi
  echo "$key=$port" >> "$file"
  echo "$port"
}

require_port() { # key, port, owner process
  if ! is_running "$3" && ! port_free "$2"; then
    die "port $2 ($1) is in use by another program; free it or delete $state/ports to pick new ports"
  fi
}

# --- certificates --------------------------------------------------------------------------------

make_pki() {
  mkdir -p "$pki"
  [ -f "$pki/ca.crt" ] && return 0
  log "creating CA and certificates in $pki"
  (
    cd "$pki"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=session-orchestrator-test-ca" \
      -keyout ca.key -out ca.crt 2>/dev/null
    cat > apiserver.ext <<'EOF'
subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
extendedKeyUsage=serverAuth
EOF
    sign() { # name, subject, extfile?
      openssl req -newkey rsa:2048 -nodes -subj "$2" -keyout "$1.key" -out "$1.csr" 2>/dev/null
      openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
        ${3:+-extfile "$3"} -out "$1.crt" 2>/dev/null
      rm -f "$1.csr"
    }
    printf 'extendedKeyUsage=clientAuth\n' > client.ext
    sign apiserver "/CN=kube-apiserver" apiserver.ext
    sign admin "/O=system:masters/CN=stack-admin" client.ext
    sign scheduler "/CN=system:kube-scheduler" client.ext
    sign controller-manager "/CN=system:kube-controller-manager" client.ext
    sign kwok "/O=system:masters/CN=kwok-controller" client.ext
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    chmod 600 ./*.key
  )
}

write_kubeconfig() { # file, user cert name
  cat > "$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: session-orchestrator-test
  cluster:
    server: https://127.0.0.1:$apiserver_port
    certificate-authority: $pki/ca.crt
users:
- name: $2
  user:
    client-certificate: $pki/$2.crt
    client-key: $pki/$2.key
contexts:
- name: session-orchestrator-test
  context: {cluster: session-orchestrator-test, user: $2}
current-context: session-orchestrator-test
EOF
}

# --- cluster content -----------------------------------------------------------------------------

kwok_stages() {
  # kwok v0.8 has no built-in stages: node init + lease heartbeat + fast pod lifecycle + volume binding.
  local s=$kwok_dir/stages out=$state/kwok-stages.yaml
  : > "$out"
  for f in "$s"/node/fast/node-initialize.yaml "$s"/node/heartbeat-with-lease/*.yaml $(kwok_pod_stage_files "$s") \
    "$s"/volume/fast/pv-*.yaml "$s"/volume/fast/pvc-*.yaml; do
    printf -- '---\n' >> "$out"; cat "$f" >> "$out"
  done
  kwok_io_config "$out"
  echo "$out"
}

apply_cluster_objects() {
  kubectl apply -f "$kwok_dir/stages/volume/fast/storage-class.yaml" >/dev/null
  kubectl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: $session_namespace
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: latest
    pod-security.kubernetes.io/warn: restricted
EOF
  local node zone capacity
  for spec in kwok-spot-a:zone-a:spot kwok-spot-b:zone-b:spot kwok-ondemand-a:zone-a:on-demand; do
    IFS=: read -r node zone capacity <<<"$spec"
    local taints=""
    if [ "$capacity" = spot ]; then
      taints=$'  taints:\n  - key: spot\n    value: "true"\n    effect: NoSchedule'
    fi
    kubectl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Node
metadata:
  name: $node
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    type: kwok
    kubernetes.io/hostname: $node
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    node-role.kubernetes.io/agent: ""
    topology.kubernetes.io/zone: $zone
    karpenter.sh/capacity-type: $capacity
spec:
$taints
status:
  # ephemeral-storage: session pods request it (a real kubelet always reports it).
  allocatable: {cpu: "32", memory: 256Gi, ephemeral-storage: 500Gi, pods: "110"}
  capacity: {cpu: "32", memory: 256Gi, ephemeral-storage: 500Gi, pods: "110"}
EOF
  done
  apply_extra_nodes
}

# --- commands ------------------------------------------------------------------------------------

up() {
  local started=$SECONDS
  for tool in openssl go python3; do command -v "$tool" >/dev/null || die "$tool is required"; done
  kwok_options_check
  mkdir -p "$state" "$logs" "$pids"
  bash "$here/install-tools.sh"

  etcd_port=$(choose_port etcd 2379); etcd_peer_port=$(choose_port etcd-peer 2380)
  apiserver_port=$(choose_port apiserver 6443)
  scheduler_port=$(choose_port scheduler 10259); controller_manager_port=$(choose_port controller-manager 10257)
  kwok_port=$(choose_port kwok 10247)
  temporal_port=$(choose_port temporal 7233); temporal_ui_port=$(choose_port temporal-ui 8233)
  temporal_http_port=$(choose_port temporal-http 7243); temporal_metrics_port=$(choose_port temporal-metrics 7244)
  require_port etcd "$etcd_port" etcd; require_port etcd-peer "$etcd_peer_port" etcd
  require_port apiserver "$apiserver_port" kube-apiserver
  require_port temporal "$temporal_port" temporal; require_port temporal-ui "$temporal_ui_port" temporal

  make_pki
  write_kubeconfig "$state/kubeconfig" admin
  write_kubeconfig "$state/scheduler.kubeconfig" scheduler
  write_kubeconfig "$state/controller-manager.kubeconfig" controller-manager
  write_kubeconfig "$state/kwok.kubeconfig" kwok

  # history.shardIOConcurrency=4: the dev server keeps every workflow in one history shard, and a shard
  # makes one persistence call at a time by default, so every start, task completion and signal of every
  # session queued behind one semaphore (192 ms mean wait in a 1,000-session burst). Four in flight is what
  # a four-shard server allows (docker-compose's auto-setup); docs/local-stack.md has the measurements.
  # history.transferProcessorMaxPollRPS=200: every workflow task reaches the worker through the shard's
  # transfer queue, read at most 20 times a second by default; deploy/temporal/dynamicconfig.yaml sets the
  # same (test/deploy/temporal-dynamic-config.test.ts keeps the two in step).
  # system.enableDeploymentVersions, frontend.workerVersioningWorkflowAPIs: Worker Deployments, which the
  # worker polls as (docs/versioning.md); on by default in server 1.29, set so the dependency is explicit.
  # matching.wv.VersionDrainage*: a superseded build is re-checked for open pinned sessions every 3 minutes
  # (after a 3-minute visibility grace) by default; 5 s lets test/workflow/worker-versioning.test.ts watch
  # a build drain. Production keeps the defaults (a worker only waits a few more minutes to exit).
  start_process temporal "$temporal_bin" server start-dev \
    --ip 127.0.0.1 --port "$temporal_port" --ui-ip 127.0.0.1 --ui-port "$temporal_ui_port" \
    --http-port "$temporal_http_port" --metrics-port "$temporal_metrics_port" \
    --db-filename "$state/temporal.db" --log-format json --log-level warn \
    --search-attribute SessionId=Keyword --search-attribute SessionUser=Keyword \
    --search-attribute SessionStatus=Keyword \
    --dynamic-config-value system.enableActivityEagerExecution=true \
    --dynamic-config-value history.shardIOConcurrency=4 \
    --dynamic-config-value history.transferProcessorMaxPollRPS=200 \
    --dynamic-config-value system.enableDeploymentVersions=true \
    --dynamic-config-value frontend.workerVersioningWorkflowAPIs=true \
    --dynamic-config-value matching.wv.VersionDrainageStatusVisibilityGracePeriod=5 \
    --dynamic-config-value matching.wv.VersionDrainageStatusRefreshInterval=5 \
    --sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal \
    ${STACK_UI_CODEC_ENDPOINT:+--ui-codec-endpoint "$STACK_UI_CODEC_ENDPOINT"}

  # --unsafe-no-fsync: this etcd holds throwaway test state; fsync on every write only slows tests.
  start_process etcd "$etcd_bin" --name stack --data-dir "$state/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer_port" \
    --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer_port" \
    --initial-cluster "stack=http://127.0.0.1:$etcd_peer_port" --unsafe-no-fsync --log-level warn
  wait_for etcd 60 curl -sf "http://127.0.0.1:$etcd_port/health"

  local kwok_io_apiserver kwok_io_kwok
  kwok_io_pki
  mapfile -t kwok_io_apiserver < <(kwok_io_apiserver_args); mapfile -t kwok_io_kwok < <(kwok_io_kwok_args)
  start_process kube-apiserver "$kube_bin/kube-apiserver" "${kwok_io_apiserver[@]}" \
    --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$apiserver_port" \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --client-ca-file "$pki/ca.crt" --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --service-cluster-ip-range 10.96.0.0/16 --endpoint-reconciler-type none \
    --enable-priority-and-fairness=false --profiling=false --allow-privileged=true
  wait_for kube-apiserver 120 curl -sf --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" \
    "https://127.0.0.1:$apiserver_port/readyz"

  start_process kube-controller-manager "$kube_bin/kube-controller-manager" \
    --kubeconfig "$state/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$state/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$state/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$controller_manager_port" --leader-elect=false \
    --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
    --use-service-account-credentials --controllers '*,-nodeipam,-cloud-node-lifecycle' \
    --profiling=false

  start_process kube-scheduler "$kube_bin/kube-scheduler" \
    --kubeconfig "$state/scheduler.kubeconfig" \
    --authentication-kubeconfig "$state/scheduler.kubeconfig" \
    --authorization-kubeconfig "$state/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$scheduler_port" --leader-elect=false --profiling=false

  local stages; stages=$(kwok_stages)
  kwok_restart_on_change "$stages"
  start_process kwok "$kwok_dir/bin/kwok" --kubeconfig "$state/kwok.kubeconfig" \
    --config "$stages" "${kwok_io_kwok[@]}" \
    --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
    --cidr 10.244.0.1/16 --server-address "127.0.0.1:$kwok_port" \
    --node-lease-duration-seconds 40

  apply_cluster_objects
  kwok_io_patch_nodes
  wait_for "$((3 + STACK_NODES)) Ready nodes" 90 bash -c "[ \$('$kube_bin/kubectl' --kubeconfig '$state/kubeconfig' get nodes -l type=kwok --no-headers 2>/dev/null | grep -cw Ready) -ge $((3 + STACK_NODES)) ]"
  wait_for "the default ServiceAccount in $session_namespace" 60 kubectl -n "$session_namespace" get serviceaccount default
  wait_for "the Temporal server" 60 "$temporal_bin" operator namespace describe --address "127.0.0.1:$temporal_port" -n default
  if [ "${STACK_REAL_NODE:-0}" = 1 ]; then real_node_up; fi

  cat > "$state/env" <<EOF
TEMPORAL_ADDRESS=127.0.0.1:$temporal_port
TEMPORAL_NAMESPACE=default
TEMPORAL_UI_URL=http://127.0.0.1:$temporal_ui_port
KUBECONFIG=$state/kubeconfig
AGENTAPI_K8S_SESSION_NAMESPACE=$session_namespace
AGENTAPI_K8S_SESSION_PVC_STORAGE_CLASS=kwok-volume
STACK_KUBECTL=$kube_bin/kubectl
STACK_TEMPORAL_CLI=$temporal_bin
$(kwok_io_env)
$(kwok_options_env)
EOF
  if [ "${STACK_REAL_NODE:-0}" = 1 ]; then real_node_env >> "$state/env"; fi
  log "stack is up in $((SECONDS - started))s"
  log "  Temporal:    127.0.0.1:$temporal_port"
  log "  Temporal UI: http://127.0.0.1:$temporal_ui_port"
  log "  Kubernetes:  https://127.0.0.1:$apiserver_port (KUBECONFIG=$state/kubeconfig)"
  log "  env file:    $state/env   logs: $logs"
}

components="kwok kube-scheduler kube-controller-manager kube-apiserver etcd temporal"

down() {
  real_node_down
  for name in $components; do stop_process "$name"; done
  # Without it, tests would find addresses of servers that are gone and fail on connections instead of
  # saying that the stack is not running.
  rm -f "$state/env"
}

status() {
  local rc=0
  for name in $components; do
    if is_running "$name"; then printf '%-24s running (pid %s)\n' "$name" "$(cat "$pids/$name.pid")"
    else printf '%-24s stopped\n' "$name"; rc=3; fi
  done
  real_node_status || rc=3
  [ -f "$state/env" ] && { echo; cat "$state/env"; }
  # head closes the pipe early with many nodes (STACK_NODES=40): kubectl's SIGPIPE is not a stopped stack.
  if [ $rc -eq 0 ]; then echo; kubectl get nodes -o wide 2>&1 | head -10 || true; fi
  return $rc
}

case ${1:-} in
  up) up ;;
  down) down ;;
  status) status ;;
  reset) down; rm -rf "$state"; log "removed $state" ;;
  dir) echo "$state" ;;
  *) echo "usage: $0 up|down|status|reset|dir" >&2; exit 2 ;;
esac

# Options of the simulated cluster, sourced by stack.sh (kept apart so stack.sh stays small).
#
#   STACK_NODES=N                   N extra untainted KWOK nodes `kwok-pool-<i>` (default 0), so thousands of
#                                   session pods fit (each takes STACK_NODE_PODS pods, default 110 like a kubelet)
#   STACK_POD_START=fast|realistic  fast (default): pods are Ready as soon as they are scheduled.
#                                   realistic: Ready STACK_POD_START_SECONDS (default 8) after scheduling, plus up
#                                   to STACK_POD_START_JITTER_SECONDS (default 0) at random — an image pull plus
#                                   container start on a free node (typically 5–10 s). A pod annotated
#                                   `pod-ready.stage.kwok.x-k8s.io/delay: "<ms>"` takes that delay instead.
#
# Changing the pod-start profile of a running stack restarts KWOK (and only KWOK) on the next `up`.

STACK_NODES=${STACK_NODES:-0}
STACK_NODE_PODS=${STACK_NODE_PODS:-110}
STACK_POD_START=${STACK_POD_START:-fast}
STACK_POD_START_SECONDS=${STACK_POD_START_SECONDS:-8}
STACK_POD_START_JITTER_SECONDS=${STACK_POD_START_JITTER_SECONDS:-0}

kwok_options_check() {
  [[ $STACK_NODES =~ ^[0-9]+$ ]] || die "STACK_NODES must be a whole number, got '$STACK_NODES'"
  [[ $STACK_NODE_PODS =~ ^[1-9][0-9]*$ ]] || die "STACK_NODE_PODS must be a positive number, got '$STACK_NODE_PODS'"
  [[ $STACK_POD_START_SECONDS =~ ^[0-9]+$ ]] || die "STACK_POD_START_SECONDS must be whole seconds"
  [[ $STACK_POD_START_JITTER_SECONDS =~ ^[0-9]+$ ]] || die "STACK_POD_START_JITTER_SECONDS must be whole seconds"
  case $STACK_POD_START in fast | realistic) ;; *) die "STACK_POD_START must be fast or realistic" ;; esac
}

# The pod stage files to load: kwok's fast stages, with pod-ready delayed in the realistic profile.
kwok_pod_stage_files() { # stage dir
  local s=$1
  if [ "$STACK_POD_START" = fast ]; then
    ls "$s"/pod/fast/pod-*.yaml
    return
  fi
  local delayed=$state/kwok-pod-ready-realistic.yaml
  local ms=$((STACK_POD_START_SECONDS * 1000))
  local jitter=$(((STACK_POD_START_SECONDS + STACK_POD_START_JITTER_SECONDS) * 1000))
  # kwok's `delay` waits `durationMilliseconds`, or a uniform pick up to `jitterDurationMilliseconds`, after the
  # stage first matches (the pod is scheduled and Pending) before applying its status: the time a kubelet
  # spends pulling images and starting containers. Deletion stays immediate.
  awk -v ms="$ms" -v jitter="$jitter" '
    { print }
    /^  resourceRef:/ { inref = 1 }
    inref && /^    kind: Pod/ {
      print "  delay:"
      print "    durationMilliseconds: " ms
      print "    durationFrom:"
      print "      expressionFrom: '\''.metadata.annotations[\"pod-ready.stage.kwok.x-k8s.io/delay\"]'\''"
      print "    jitterDurationMilliseconds: " jitter
      inref = 0
    }' "$s/pod/fast/pod-ready.yaml" > "$delayed"
  grep -q 'durationMilliseconds' "$delayed" || die "could not add a delay to $s/pod/fast/pod-ready.yaml"
  ls "$s"/pod/fast/pod-*.yaml | grep -v '/pod-ready.yaml$'
  echo "$delayed"
}

# KWOK reads its stages only at start: restart it when the profile differs from the one it runs with.
kwok_restart_on_change() { # stages file
  local sum; sum=$(sha256sum "$1" | cut -d' ' -f1)
  if is_running kwok && [ "$(cat "$state/kwok-stages.sha256" 2>/dev/null)" != "$sum" ]; then
    log "pod-start profile changed (STACK_POD_START=$STACK_POD_START): restarting kwok"
    stop_process kwok
  fi
  echo "$sum" > "$state/kwok-stages.sha256"
}

extra_node_yaml() { # index
  local zones=(zone-a zone-b zone-c)
  cat <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: kwok-pool-$1
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    type: kwok
    stack.session-orchestrator.dev/extra-node: "true"
    kubernetes.io/hostname: kwok-pool-$1
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    node-role.kubernetes.io/agent: ""
    topology.kubernetes.io/zone: ${zones[$(($1 % 3))]}
    karpenter.sh/capacity-type: on-demand
status:
  allocatable: {cpu: "96", memory: 512Gi, ephemeral-storage: 2Ti, pods: "$STACK_NODE_PODS"}
  capacity: {cpu: "96", memory: 512Gi, ephemeral-storage: 2Ti, pods: "$STACK_NODE_PODS"}
EOF
}

# Adds the STACK_NODES extra nodes and removes extra nodes of a larger earlier STACK_NODES.
apply_extra_nodes() {
  if [ "$STACK_NODES" -gt 0 ]; then
    for i in $(seq 1 "$STACK_NODES"); do extra_node_yaml "$i"; done | kubectl apply -f - >/dev/null
  fi
  local name
  for name in $(kubectl get nodes -l stack.session-orchestrator.dev/extra-node=true -o name); do
    [ "${name#node/kwok-pool-}" -gt "$STACK_NODES" ] && kubectl delete "$name" --wait=false >/dev/null
  done
  return 0
}

# Lines for .stack/env, so tools (the benchmark) know how the cluster simulates pods.
kwok_options_env() {
  cat <<EOF
STACK_NODES=$STACK_NODES
STACK_NODE_PODS=$STACK_NODE_PODS
STACK_POD_START=$STACK_POD_START
STACK_POD_START_SECONDS=$STACK_POD_START_SECONDS
STACK_POD_START_JITTER_SECONDS=$STACK_POD_START_JITTER_SECONDS
EOF
}

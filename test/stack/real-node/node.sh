# Sourced by stack.sh: one REAL node beside the KWOK nodes (STACK_REAL_NODE=1).
#
# A kubelet built from the control plane's own module, a private containerd (Debian package) with runc,
# CNI bridge networking on its own bridge and pod range, images built offline and imported, local PVs of
# a StorageClass of their own, and a NetworkPolicy enforcer. Everything it creates lives under
# $state/realnode (files, mounts) or is named so-rn* (bridge, nft table, netns), so `down` removes exactly that.
#
# Requires root (containers, mounts, bridge) and the Debian packages of packages.sh.

real_node_name=realnode
# The checkout (for node_modules): stack.sh no longer defines it since the state moved out of the repository.
real_node_repo=$(cd "$here/../.." && pwd)
real_node_dir=$state/realnode
# Unix sockets have a 108-byte path limit and $state may be deep; sockets and runtime state go to /run.
real_node_run=/run/so-realnode-$(printf '%s' "$state" | sha256sum | cut -c1-8)
real_node_sock=$real_node_run/containerd.sock
real_node_bridge=so-rn0
# Outside KWOK's 10.244.0.0/16 and the service range 10.96.0.0/16.
real_node_pod_cidr=10.245.0.0/24
real_node_label_key=session-orchestrator.dev/real-node
real_node_storage_class=realnode-local
real_node_pv_count=${STACK_REAL_NODE_PVS:-12}
real_node_images_tag=v1
real_node_pause_image=so.local/pause:$KUBERNETES_VERSION
real_node_agent_image=so.local/standin-agent:$real_node_images_tag
real_node_sidecar_image=so.local/standin-sidecar:$real_node_images_tag
# shellcheck source=packages.sh
source "$here/real-node/packages.sh"
real_node_components="realnode-kubelet realnode-containerd"

real_node_enabled() { [ "${STACK_REAL_NODE:-0}" = 1 ] || [ -d "$real_node_dir" ]; }

ctr_k8s() { ctr --address "$real_node_sock" --namespace k8s.io "$@"; }

# --- host preparation ----------------------------------------------------------------------------

real_node_preflight() {
  [ "$(id -u)" = 0 ] || die "STACK_REAL_NODE=1 needs root (containers, mounts and a bridge)"
  real_node_install_packages "$logs/realnode-apt.log" || die "the real node's packages are missing and could not be installed"
  [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] || modprobe br_netfilter 2>/dev/null ||
    die "br_netfilter is not available (no /proc/sys/net/bridge): NetworkPolicy on the bridge cannot be enforced"
  [ -d /sys/fs/cgroup/memory ] || [ -f /sys/fs/cgroup/cgroup.controllers ] || die "no usable cgroup hierarchy"
  mkdir -p "$real_node_dir" "$real_node_run"
  # Remember the host's settings once, so down puts them back.
  if [ ! -f "$real_node_dir/sysctl.orig" ]; then
    sysctl -n net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables > "$real_node_dir/sysctl.orig"
    nft list tables > "$real_node_dir/nft-tables.orig" 2>/dev/null || true
  fi
  sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1
}

real_node_ip() {
  # The address the apiserver reaches the kubelet on: the host's source address for its default route
  # (a kubelet may not register a loopback address).
  ip -4 route get 1.1.1.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p' | head -1
}

# --- identity ------------------------------------------------------------------------------------

real_node_pki() {
  [ -f "$pki/$real_node_name.crt" ] && return 0
  (
    cd "$pki"
    openssl req -newkey rsa:2048 -nodes -subj "/O=system:nodes/CN=system:node:$real_node_name" \
      -keyout "$real_node_name.key" -out "$real_node_name.csr" 2>/dev/null
    openssl x509 -req -in "$real_node_name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile client.ext -out "$real_node_name.crt" 2>/dev/null
    rm -f "$real_node_name.csr"; chmod 600 "$real_node_name.key"
  )
}

# --- images --------------------------------------------------------------------------------------

# Builds the pause, stand-in agent and stand-in sidecar images as OCI archives. crane assembles them:
# append a layer onto an empty base, push it to a throwaway in-memory registry on loopback (crane mutate
# only reads from a registry), set the entrypoint and write the archive.
real_node_build_images() {
  local out=$real_node_dir/images stamp
  stamp=$( (cat "$here/real-node/standin/main.go" "$here/real-node/node.sh"; echo "$KUBERNETES_VERSION") | sha256sum | cut -c1-16)
  [ -f "$out/$stamp.done" ] && return 0
  log "building the real node's images (pause from the Kubernetes source, stand-in agent)"
  rm -rf "$out"; mkdir -p "$out/rootfs/bin" "$out/pause/bin"
  (cd "$here/real-node/standin" && GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false \
    go build -trimpath -ldflags '-s -w' -o "$out/rootfs/bin/standin" .) || die "building the stand-in agent failed"
  cp "$(command -v busybox)" "$out/rootfs/bin/busybox"
  # No wget/nc: static glibc busybox crashes resolving without NSS; tests use `standin get`.
  for tool in sh cat ls touch sleep echo date tr id; do ln -sf busybox "$out/rootfs/bin/$tool"; done
  ln -sf standin "$out/rootfs/bin/credentials-sync"
  mkdir -p "$out/rootfs/tmp" "$out/rootfs/home/agentapi"; chmod 1777 "$out/rootfs/tmp"
  chmod 0777 "$out/rootfs/home/agentapi"
  cp "$cache/kubelet-$KUBERNETES_VERSION/bin/pause" "$out/pause/pause"
  tar --numeric-owner --owner=0 --group=0 -C "$out/rootfs" -cf "$out/standin-layer.tar" .
  tar --numeric-owner --owner=0 --group=0 -C "$out/pause" -cf "$out/pause-layer.tar" pause

  local crane=$cache/crane-$CRANE_VERSION/bin/crane port reg
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$crane" registry serve --address "127.0.0.1:$port" >"$logs/realnode-registry.log" 2>&1 &
  reg=$!
  wait_for "crane's throwaway registry" 30 curl -sf "http://127.0.0.1:$port/v2/"
  local ok=1
  {
    "$crane" append --oci-empty-base -f "$out/pause-layer.tar" -t "127.0.0.1:$port/pause:x" &&
    "$crane" mutate "127.0.0.1:$port/pause:x" --set-platform linux/amd64 --entrypoint /pause -u 65535:65535 -t "$real_node_pause_image" -o "$out/pause.tar" &&
    "$crane" append --oci-empty-base -f "$out/standin-layer.tar" -t "127.0.0.1:$port/standin:x" &&
    "$crane" mutate "127.0.0.1:$port/standin:x" --set-platform linux/amd64 --entrypoint /bin/standin -u 999:999 -t "$real_node_agent_image" -o "$out/agent.tar" &&
    "$crane" mutate "127.0.0.1:$port/standin:x" --set-platform linux/amd64 --entrypoint /bin/standin,idle -u 999:999 -t "$real_node_sidecar_image" -o "$out/sidecar.tar"
  } >>"$logs/realnode-images.log" 2>&1 || ok=0
  kill "$reg" 2>/dev/null; wait "$reg" 2>/dev/null || true
  [ $ok = 1 ] || die "building images with crane failed (log: $logs/realnode-images.log)"
  rm -rf "$out/rootfs" "$out/pause" "$out"/*-layer.tar
  touch "$out/$stamp.done"
}

real_node_import_images() {
  local archive
  for archive in pause agent sidecar; do
    ctr_k8s images import --no-unpack=false "$real_node_dir/images/$archive.tar" >>"$logs/realnode-images.log" 2>&1 ||
      die "importing $archive.tar into containerd failed (log: $logs/realnode-images.log)"
  done
}

# --- runtime and kubelet -------------------------------------------------------------------------

real_node_write_configs() {
  mkdir -p "$real_node_dir/cni/net.d" "$real_node_dir/kubelet" "$real_node_dir/volumes"
  cat > "$real_node_dir/containerd.toml" <<EOF
version = 2
root = "$real_node_dir/containerd"
state = "$real_node_run/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$real_node_sock"
[ttrpc]
  address = "$real_node_sock.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$real_node_pause_image"
  # This machine's root lacks CAP_SYS_RESOURCE: a negative oom_score_adj (the kubelet asks -998 for
  # sandboxes) fails in runc's nsexec ("can't get final child's PID from pipe: EOF"). Clamp to ours.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$real_node_dir/cni/net.d"
EOF
  # ipMasq off: pods need no way out, and masquerading would add host iptables rules to clean up.
  cat > "$real_node_dir/cni/net.d/10-realnode.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "realnode",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$real_node_bridge",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{ "subnet": "$real_node_pod_cidr" }]],
        "dataDir": "$real_node_dir/cni/ipam"
      }
    }
  ]
}
EOF
  cat > "$real_node_dir/kubelet.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: stack
  cluster: {server: "https://127.0.0.1:$apiserver_port", certificate-authority: "$pki/ca.crt"}
users:
- name: node
  user: {client-certificate: "$pki/$real_node_name.crt", client-key: "$pki/$real_node_name.key"}
contexts:
- name: node
  context: {cluster: stack, user: node}
current-context: node
EOF
  # cgroup v1 here: failCgroupV1 must be off (1.35+ refuses v1 by default), and the cgroupfs driver.
  # Image GC thresholds at 100%: the imported images cannot be pulled again, so they must never be collected.
  cat > "$real_node_dir/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: "$real_node_address"
port: $kubelet_port
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $kubelet_healthz_port
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: "$pki/ca.crt"}
authorization: {mode: AlwaysAllow}
containerRuntimeEndpoint: "unix://$real_node_sock"
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
maxPods: 30
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%"}
registerWithTaints:
- {key: "$real_node_label_key", value: "true", effect: NoSchedule}
serializeImagePulls: false
# No KUBE-FIREWALL/canary iptables chains: nothing here needs them, and they would outlive the node.
makeIPTablesUtilChains: false
shutdownGracePeriod: 0s
EOF
}

real_node_storage_objects() {
  kubectl apply -f - >/dev/null <<EOF
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: $real_node_storage_class}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Retain
EOF
  # Released volumes (their claim was deleted) are wiped and offered again, so the pool never runs dry.
  local pv
  for pv in $(kubectl get pv -l "$real_node_label_key=true" -o jsonpath='{range .items[?(@.status.phase=="Released")]}{.metadata.name}{"\n"}{end}'); do
    kubectl delete pv "$pv" --wait=true >/dev/null; rm -rf "${real_node_dir:?}/volumes/$pv"
  done
  local i
  for i in $(seq 1 "$real_node_pv_count"); do
    pv=realnode-pv-$i
    kubectl get pv "$pv" >/dev/null 2>&1 && continue
    mkdir -p "$real_node_dir/volumes/$pv"; chmod 0777 "$real_node_dir/volumes/$pv"
    kubectl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: PersistentVolume
metadata:
  name: $pv
  labels: {$real_node_label_key: "true"}
spec:
  capacity: {storage: 100Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: $real_node_storage_class
  local: {path: "$real_node_dir/volumes/$pv"}
  nodeAffinity:
    required:
      nodeSelectorTerms:
      - matchExpressions:
        - {key: kubernetes.io/hostname, operator: In, values: [$real_node_name]}
EOF
  done
}

real_node_up() {
  real_node_preflight
  bash "$here/install-tools.sh" kubelet crane
  real_node_address=$(real_node_ip)
  [ -n "$real_node_address" ] || die "no non-loopback IPv4 address for the kubelet to register"
  kubelet_port=$(choose_port kubelet 10250); kubelet_healthz_port=$(choose_port kubelet-healthz 10248)
  require_port kubelet-healthz "$kubelet_healthz_port" realnode-kubelet
  real_node_pki
  real_node_write_configs
  real_node_build_images

  start_process realnode-containerd containerd --config "$real_node_dir/containerd.toml"
  wait_for "containerd" 60 ctr --address "$real_node_sock" version
  real_node_import_images

  # Without the Node authorizer (the stack runs RBAC only) the node's identity gets the node role by binding.
  kubectl apply -f - >/dev/null <<EOF
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "stack:node:$real_node_name"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:node"}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: "system:node:$real_node_name"}
EOF
  start_process realnode-kubelet "$cache/kubelet-$KUBERNETES_VERSION/bin/kubelet" \
    --config "$real_node_dir/kubelet.yaml" --kubeconfig "$real_node_dir/kubelet.kubeconfig" \
    --root-dir "$real_node_dir/kubelet" --cert-dir "$real_node_dir/kubelet/pki" \
    --hostname-override "$real_node_name" --node-ip "$real_node_address" \
    --node-labels "type=real,$real_node_label_key=true" --v 1
  wait_for "the real node to be Ready" 180 bash -c \
    "'$kube_bin/kubectl' --kubeconfig '$state/kubeconfig' get node $real_node_name --no-headers 2>/dev/null | grep -qw Ready"
  real_node_storage_objects
  real_node_policy_up
}

real_node_env() {
  cat <<EOF
STACK_REAL_NODE=1
STACK_REAL_NODE_NAME=$real_node_name
STACK_REAL_NODE_LABEL=$real_node_label_key
STACK_REAL_NODE_STORAGE_CLASS=$real_node_storage_class
STACK_REAL_NODE_AGENT_IMAGE=$real_node_agent_image
STACK_REAL_NODE_SIDECAR_IMAGE=$real_node_sidecar_image
STACK_REAL_NODE_POD_CIDR=$real_node_pod_cidr
STACK_REAL_NODE_NFT_TABLE=$real_node_nft_table
EOF
}

# shellcheck source=teardown.sh
source "$here/real-node/teardown.sh"

real_node_status() {
  [ -d "$real_node_dir" ] || return 0
  local name rc=0
  for name in $real_node_components $real_node_policy_components; do
    if is_running "$name"; then printf '%-24s running (pid %s)\n' "$name" "$(cat "$pids/$name.pid")"
    else printf '%-24s stopped\n' "$name"; rc=3; fi
  done
  return $rc
}

# --- NetworkPolicy -------------------------------------------------------------------------------

real_node_nft_table=so-rn-netpol
real_node_policy_components="realnode-netpol"

real_node_policy_up() {
  [ -x "$real_node_repo/node_modules/.bin/tsx" ] || die "node_modules is missing: run npm install before STACK_REAL_NODE=1 stack:up"
  # PATH first: the project runs on its node@24 devDependency, not on whatever node the host has.
  start_process realnode-netpol env PATH="$real_node_repo/node_modules/.bin:$PATH" KUBECONFIG="$state/kubeconfig" \
    NODE_NAME="$real_node_name" \
    "$real_node_repo/node_modules/.bin/tsx" "$here/real-node/netpol/enforcer.ts"
  wait_for "the NetworkPolicy enforcer's nft table" 60 nft list table inet "$real_node_nft_table"
}

real_node_policy_down() {
  stop_process realnode-netpol
  # The enforcer deletes its table on SIGTERM; after a crash it is still there.
  if nft list table inet "$real_node_nft_table" >/dev/null 2>&1; then nft delete table inet "$real_node_nft_table"; fi
}

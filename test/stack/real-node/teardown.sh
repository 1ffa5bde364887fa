# shellcheck shell=bash
# Sourced by node.sh: removing the real node (stack down), also after a crash. Uses node.sh's names.

# --- teardown ------------------------------------------------------------------------------------

# Removes every container, mount, interface and rule the real node made, even after a crash.
real_node_down() {
  [ -d "$real_node_dir" ] || return 0
  # Orderly first: while the apiserver and kubelet run, deleting the node's pods lets the kubelet stop them
  # with their grace and run CNI DEL. The brute-force steps below then only catch what a crash left.
  if is_running realnode-kubelet && is_running kube-apiserver; then
    kubectl delete pods --all-namespaces --field-selector "spec.nodeName=$real_node_name" --wait=true --timeout 90s >/dev/null 2>&1 || true
  fi
  real_node_policy_down
  stop_process realnode-kubelet
  if is_running realnode-containerd; then
    # What the kubelet did not stop itself (it was gone, or crashed): kill the tasks and drop the containers.
    local id
    for id in $(ctr_k8s tasks ls -q 2>/dev/null); do ctr_k8s tasks kill -s KILL "$id" >/dev/null 2>&1 || true; done
    sleep 1
    for id in $(ctr_k8s tasks ls -q 2>/dev/null); do ctr_k8s tasks delete -f "$id" >/dev/null 2>&1 || true; done
    for id in $(ctr_k8s containers ls -q 2>/dev/null); do ctr_k8s containers delete "$id" >/dev/null 2>&1 || true; done
  fi
  stop_process realnode-containerd
  # Shims outlive containerd; only those serving this node's socket are ours.
  local pid
  for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $real_node_sock" || true); do kill -KILL "$pid" 2>/dev/null || true; done
  real_node_release_netns
  ip link show "$real_node_bridge" >/dev/null 2>&1 && ip link delete "$real_node_bridge"
  # Unmount deepest first: pod volumes, overlay rootfs, shm, netns bind mounts.
  local m
  for m in $(awk -v a="$real_node_dir" -v b="$real_node_run" '$2 ~ "^"a || $2 ~ "^"b {print $2}' /proc/self/mounts | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
  real_node_remove_kubelet_chains
  real_node_remove_empty_tables
  real_node_remove_cgroups
  if [ -f "$real_node_dir/sysctl.orig" ]; then
    local fwd brnf; { read -r fwd; read -r brnf; } < "$real_node_dir/sysctl.orig"
    sysctl -qw "net.ipv4.ip_forward=$fwd" "net.bridge.bridge-nf-call-iptables=$brnf" || true
    rm -f "$real_node_dir/sysctl.orig"
  fi
  rm -rf "$real_node_run" "$real_node_dir/cni/ipam" "$real_node_dir/containerd" "$real_node_dir/kubelet"
  log "real node removed (containers, mounts, $real_node_bridge, policy rules)"
}

# Network namespaces made by CNI for this node's sandboxes: those recorded by host-local IPAM of our network.
real_node_release_netns() {
  local f
  for f in /run/netns/cni-*; do
    [ -e "$f" ] || continue
    # A namespace whose interface holds an address of our pod range is ours.
    if ip netns exec "$(basename "$f")" ip -4 addr 2>/dev/null | grep -q "inet ${real_node_pod_cidr%.*}\."; then
      umount "$f" 2>/dev/null || true; rm -f "$f"
    fi
  done
}

# The kubelet's iptables utility chains (made before makeIPTablesUtilChains was off, or by another config).
real_node_remove_kubelet_chains() {
  local cmd table chain
  for cmd in iptables ip6tables; do
    command -v "$cmd" >/dev/null || continue
    "$cmd" -t filter -D INPUT -j KUBE-FIREWALL 2>/dev/null || true
    "$cmd" -t filter -D OUTPUT -j KUBE-FIREWALL 2>/dev/null || true
    for table in filter nat mangle; do
      for chain in KUBE-FIREWALL KUBE-KUBELET-CANARY KUBE-IPTABLES-HINT; do
        "$cmd" -t "$table" -F "$chain" 2>/dev/null && "$cmd" -t "$table" -X "$chain" 2>/dev/null || true
      done
    done
  done
}

# iptables-nft leaves its tables (with empty base chains) once the chains above are gone: drop those
# that were not there before the node came up and hold no rule.
real_node_remove_empty_tables() {
  [ -f "$real_node_dir/nft-tables.orig" ] || return 0
  local family name
  while read -r _ family name; do
    [ -n "$name" ] || continue
    grep -qx "table $family $name" "$real_node_dir/nft-tables.orig" && continue
    if ! nft list table "$family" "$name" 2>/dev/null | grep -qvE '^\s*(table .*\{|chain .*\{|type .*;|\}|#.*)?\s*$'; then
      nft delete table "$family" "$name" 2>/dev/null || true
    fi
  done < <(nft list tables 2>/dev/null)
  rm -f "$real_node_dir/nft-tables.orig"
}

real_node_remove_cgroups() {
  local d
  for d in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do
    [ -d "$d" ] || continue
    # Children first; rmdir only succeeds on empty cgroups, which is what we want.
    find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
}

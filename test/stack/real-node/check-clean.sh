#!/usr/bin/env bash
# After `stack.sh down` of a stack started with STACK_REAL_NODE=1: fails (listing what is left) if any
# container, shim, mount, interface, network namespace, cgroup or nftables/iptables rule of the real
# node survived. CI runs it after stopping the stack.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../versions.env
source "$here/versions.env"
# shellcheck source=../paths.sh
source "$here/paths.sh"
cache=$SO_CACHE_DIR
state=$SO_STACK_DIR
logs=$state/logs pids=$state/pids pki=$state/pki
log() { printf '[check-clean] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
# shellcheck source=node.sh
source "$here/real-node/node.sh"

left=()
pgrep -f "containerd --config $real_node_dir/containerd.toml" >/dev/null && left+=("containerd process")
pgrep -f "kubelet --config $real_node_dir/kubelet.yaml" >/dev/null && left+=("kubelet process")
pgrep -f "containerd-shim-runc-v2 .*-address $real_node_sock" >/dev/null && left+=("containerd shims")
pgrep -f "real-node/netpol/enforcer.ts" >/dev/null && left+=("NetworkPolicy enforcer")
mounts=$(awk -v a="$real_node_dir" -v b="$real_node_run" 'index($2, a) == 1 || index($2, b) == 1 {print $2}' /proc/self/mounts)
[ -n "$mounts" ] && left+=("mounts: $mounts")
ip link show "$real_node_bridge" >/dev/null 2>&1 && left+=("interface $real_node_bridge")
veths=$(ip -o link show type veth 2>/dev/null | grep -c "master $real_node_bridge" || true)
[ "$veths" != 0 ] && left+=("$veths veth interfaces on $real_node_bridge")
for ns in /run/netns/cni-*; do
  [ -e "$ns" ] || continue
  ip netns exec "$(basename "$ns")" ip -4 addr 2>/dev/null | grep -q "inet ${real_node_pod_cidr%.*}\." && left+=("netns $ns")
done
nft list table inet "$real_node_nft_table" >/dev/null 2>&1 && left+=("nft table inet $real_node_nft_table")
rules=$( { nft list ruleset; iptables-legacy-save; } 2>/dev/null | grep -E "${real_node_pod_cidr%.*}\.|$real_node_bridge|CNI-|KUBE-(FIREWALL|KUBELET-CANARY|IPTABLES-HINT)" || true)
[ -n "$rules" ] && left+=("nftables/iptables rules: $rules")
for d in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do [ -d "$d" ] && left+=("cgroup $d"); done
[ -d "$real_node_run" ] && left+=("runtime dir $real_node_run")

if [ ${#left[@]} -gt 0 ]; then
  log "the real node left things behind:"; printf '  - %s\n' "${left[@]}" >&2
  exit 1
fi
log "clean: no container, shim, mount, interface, netns, cgroup or rule of the real node is left"

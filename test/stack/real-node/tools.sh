# Sourced by install-tools.sh: the Go-built pieces of the real node (STACK_REAL_NODE=1). Each is a cached
# tool entry of its own so the KWOK-only stack never builds them and the shared kubernetes entry is unchanged.

# kubelet from the very module (and version) the control plane is built from, through the same wrapper.
build_kubelet() {
  local w="$1/src" v=$KUBERNETES_VERSION; mkdir -p "$w"
  local staging_version="v0.${v#v1.}"
  local modfile; modfile=$(go mod download -json "k8s.io/kubernetes@$v" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  local dir; dir=$(go mod download -json "k8s.io/kubernetes@$v" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  {
    echo "module local/kubelet-build"
    echo "go $(sed -n 's/^go //p' "$modfile")"
    echo "require k8s.io/kubernetes $v"
    sed -n 's#^\s*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#replace \1 => \1 '"$staging_version"'#p' "$modfile"
  } > "$w/go.mod"
  printf 'package tools\nimport _ "k8s.io/kubernetes/cmd/kubelet"\n' > "$w/tools.go"
  local minor=${v#v1.}; minor=${minor%%.*}
  local ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$v -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean -X k8s.io/client-go/pkg/version.gitVersion=$v"
  (cd "$w" && { go mod tidy >/dev/null 2>&1 || true; } && go mod download >/dev/null &&
    go build -trimpath -ldflags "$ldflags" -o "$1/bin/kubelet" k8s.io/kubernetes/cmd/kubelet) || return 1
  # The sandbox ("pause") image's only binary, from the same source tree; static so the image needs no libc.
  CGO_ENABLED=1 gcc -Os -Wall -Werror -static -DVERSION="$v" -o "$1/bin/pause" "$dir/build/pause/linux/pause.c" || return 1
  rm -rf "$w"
}

build_crane() {
  GOBIN="$1/bin" go install "github.com/google/go-containerregistry/cmd/crane@$CRANE_VERSION"
}

build_kube_network_policies() {
  GOBIN="$1/bin" go install "sigs.k8s.io/kube-network-policies/cmd/kube-network-policies/standard@$KUBE_NETWORK_POLICIES_VERSION"
}

real_node_tool() { # tool name; returns 2 when it is not one of ours
  case $1 in
    kubelet) build_into "$cache/kubelet-$KUBERNETES_VERSION" build_kubelet ;;
    crane) build_into "$cache/crane-$CRANE_VERSION" build_crane ;;
    kube-network-policies)
      build_into "$cache/kube-network-policies-$KUBE_NETWORK_POLICIES_VERSION" build_kube_network_policies ;;
    *) return 2 ;;
  esac
}

#!/usr/bin/env bash
# Builds the test-stack binaries from their Go modules (the only source this machine reaches) and
# caches them under $SO_CACHE_DIR/<tool>-<version>/bin. A tool is rebuilt only when its version changes.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
cache=${SO_CACHE_DIR:-$HOME/.cache/session-orchestrator}
mkdir -p "$cache"
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false CGO_ENABLED=0

log() { printf '[install-tools] %s\n' "$*" >&2; }

# Runs "$2..." to fill a fresh staging dir and moves it into place only on success, so an
# interrupted build never leaves a half-populated cache entry that later runs would trust.
build_into() {
  local dest=$1; shift
  [ -f "$dest/.complete" ] && return 0
  # Per-tool lock: two concurrent stack:up runs wait for one build instead of racing.
  exec 9>"$dest.lock"; flock 9
  [ -f "$dest/.complete" ] && { exec 9>&-; return 0; }
  local stage="$dest.partial.$$"
  rm -rf "$stage"; mkdir -p "$stage/bin"
  local started=$SECONDS
  if ! "$@" "$stage"; then rm -rf "$stage"; log "FAILED: $dest"; return 1; fi
  touch "$stage/.complete"
  rm -rf "$dest"; mv "$stage" "$dest"
  log "built $(basename "$dest") in $((SECONDS - started))s"
  exec 9>&-
}

build_temporal() {
  GOBIN="$1/bin" go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION"
}

build_kwok() {
  GOBIN="$1/bin" go install "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  # Since v0.8.0 kwok ships no built-in stages; copy the pod/node and volume stages next to the binary.
  local dir; dir=$(go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  mkdir -p "$1/stages"
  cp -r "$dir/kustomize/stage/." "$1/stages/"
  chmod -R u+w "$1/stages"
}

# A module that needs its own replaces (etcd server, kubernetes) cannot be `go install`ed directly; a
# throwaway wrapper module requires it and pins its sibling modules to published versions instead.
build_etcd() {
  local w="$1/src"; mkdir -p "$w"
  (cd "$w" && go mod init local/etcd-build >/dev/null 2>&1 &&
    go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" "go.etcd.io/etcd/etcdutl/v3@$ETCD_VERSION" >/dev/null &&
    go build -trimpath -o "$1/bin/etcd" go.etcd.io/etcd/server/v3)
  rm -rf "$w"
}

build_kubernetes() {
  local w="$1/src" v=$KUBERNETES_VERSION; mkdir -p "$w"
  local staging_version="v0.${v#v1.}"
  local modfile; modfile=$(go mod download -json "k8s.io/kubernetes@$v" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  {
    echo "module local/kubernetes-build"
    echo "go $(sed -n 's/^go //p' "$modfile")"
    echo "require k8s.io/kubernetes $v"
    sed -n 's#^\s*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#replace \1 => \1 '"$staging_version"'#p' "$modfile"
  } > "$w/go.mod"
  printf 'package tools\nimport (\n _ "k8s.io/kubernetes/cmd/kube-apiserver"\n _ "k8s.io/kubernetes/cmd/kube-scheduler"\n _ "k8s.io/kubernetes/cmd/kube-controller-manager"\n _ "k8s.io/kubernetes/cmd/kubectl"\n)\n' > "$w/tools.go"
  local minor=${v#v1.}; minor=${minor%%.*}
  local ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$v -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean -X k8s.io/client-go/pkg/version.gitVersion=$v"
  (cd "$w" && go mod tidy >/dev/null 2>&1 || true
   cd "$w" && go mod download >/dev/null
   for cmd in kube-apiserver kube-scheduler kube-controller-manager kubectl; do
     go build -trimpath -ldflags "$ldflags" -o "$1/bin/$cmd" "k8s.io/kubernetes/cmd/$cmd" || exit 1
   done)
  rm -rf "$w"
}

# shellcheck source=real-node/tools.sh
source "$here/real-node/tools.sh"

want=${*:-temporal kwok etcd kubernetes}
for tool in $want; do
  case $tool in
    temporal) build_into "$cache/temporal-$TEMPORAL_CLI_VERSION" build_temporal ;;
    kwok) build_into "$cache/kwok-$KWOK_VERSION" build_kwok ;;
    etcd) build_into "$cache/etcd-$ETCD_VERSION" build_etcd ;;
    kubernetes) build_into "$cache/kubernetes-$KUBERNETES_VERSION" build_kubernetes ;;
    *) real_node_tool "$tool" || { [ $? -eq 2 ] && log "unknown tool $tool"; exit 2; } ;;
  esac
done

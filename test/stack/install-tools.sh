#!/usr/bin/env bash
# Builds the test-stack binaries from their Go modules (the only source this machine reaches) and
# caches them under $SO_CACHE_DIR/<tool>-<version>/bin. A tool is rebuilt only when its version changes.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
# shellcheck source=paths.sh
source "$here/paths.sh"
cache=$SO_CACHE_DIR
mkdir -p "$cache/logs"
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
  local started=$SECONDS name; name=$(basename "$dest")
  # The Go toolchain prints a line per downloaded module (thousands for Kubernetes): those go to a log, and
  # the console gets one line a minute, so a first run reads as progress rather than noise.
  local build_log=$cache/logs/$name.log
  log "building $name from its Go module (first use only; a few minutes; log: $build_log)"
  "$@" "$stage" >"$build_log" 2>&1 &
  local pid=$! next=60
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if [ $((SECONDS - started)) -ge $next ]; then log "  still building $name ($((SECONDS - started))s)"; next=$((next + 60)); fi
  done
  if ! wait "$pid"; then
    tail -n 40 "$build_log" >&2
    rm -rf "$stage"; log "FAILED: $name (full log: $build_log)"; return 1
  fi
  touch "$stage/.complete"
  rm -rf "$dest"; mv "$stage" "$dest"
  log "built $(basename "$dest") in $((SECONDS - started))s"
  exec 9>&-
}

build_temporal() {
  # A wrapper module: the CLI at its tag with a newer SQLite driver (see versions.env).
  local mod=$1/src
  mkdir -p "$mod"
  printf 'module temporal-build\n\ngo 1.26\n' >"$mod/go.mod"
  (cd "$mod" &&
    go get "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION" "modernc.org/sqlite@$TEMPORAL_SQLITE_VERSION" &&
    go build -o "$1/bin/temporal" github.com/temporalio/cli/cmd/temporal)
  rm -rf "$mod"
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

# The NetworkPolicy engine the security tests compute truth tables with (not part of the running stack).
build_cyclonus() {
  GOBIN="$1/bin" go install "github.com/mattfenwick/cyclonus/cmd/cyclonus@$CYCLONUS_VERSION"
}

want=${*:-temporal kwok etcd kubernetes cyclonus}
# Optional tools (built only when asked for, e.g. by the deploy and monitoring tests):
# promtool checks the alert rules, kubeconform lints the rendered kustomize overlays.
build_promtool() {
  GOBIN="$1/bin" go install "github.com/prometheus/prometheus/cmd/promtool@$PROMTOOL_VERSION"
}

# The Temporal Web UI server on its own (the dev server embeds the same one but cannot tell the UI to send
# credentials to a codec endpoint): used by `npm run dev` and the UI test with a codec configuration.
build_temporal_ui() {
  GOBIN="$1/bin" go install "github.com/temporalio/ui-server/v2/cmd/server@$TEMPORAL_UI_VERSION"
  mv "$1/bin/server" "$1/bin/temporal-ui-server"
}

build_kubeconform() {
  GOBIN="$1/bin" go install "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"
}

# shellcheck source=real-node/tools.sh
source "$here/real-node/tools.sh"

for tool in $want; do
  case $tool in
    temporal) build_into "$cache/temporal-$TEMPORAL_CLI_VERSION-sqlite-$TEMPORAL_SQLITE_VERSION" build_temporal ;;
    kwok) build_into "$cache/kwok-$KWOK_VERSION" build_kwok ;;
    etcd) build_into "$cache/etcd-$ETCD_VERSION" build_etcd ;;
    kubernetes) build_into "$cache/kubernetes-$KUBERNETES_VERSION" build_kubernetes ;;
    cyclonus) build_into "$cache/cyclonus-$CYCLONUS_VERSION" build_cyclonus ;;
    promtool) build_into "$cache/promtool-$PROMTOOL_VERSION" build_promtool ;;
    temporal-ui) build_into "$cache/temporal-ui-$TEMPORAL_UI_VERSION" build_temporal_ui ;;
    kubeconform) build_into "$cache/kubeconform-$KUBECONFORM_VERSION" build_kubeconform ;;
    *) real_node_tool "$tool" || { [ $? -eq 2 ] && log "unknown tool $tool"; exit 2; } ;;
  esac
done

# shellcheck shell=bash
# Sourced by stack.sh: lets `kubectl logs` and `kubectl exec` (and so the API's logs/exec routes) reach
# KWOK's simulated pods. KWOK's own server plays the kubelet: the apiserver dials each node's InternalIP
# at its kubelet port, so the nodes advertise 127.0.0.1 and KWOK's HTTPS port, and KWOK answers
#   - logs from one CRI-format file for every pod in the session namespace (ClusterLogs), which tests
#     append to (its path is STACK_KWOK_LOGS_FILE in the env file), and
#   - exec by running the command on this machine in a scratch directory (ClusterExec, "local" exec).
# That is a test-stack shortcut: a simulated container has no file system of its own.
#
# Uses (from stack.sh): $state $pki $kwok_port $session_namespace, kubectl().

kwok_io_dir() { echo "$state/kwok-io"; }

# Certificates: KWOK's serving cert (the apiserver verifies it against the stack CA) and the apiserver's
# client cert for "kubelet" calls. Made once, next to the other stack certificates.
kwok_io_pki() {
  [ -f "$pki/kwok-serving.crt" ] && [ -f "$pki/apiserver-kubelet-client.crt" ] && return 0
  (
    cd "$pki"
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > kwok-serving.ext
    printf 'extendedKeyUsage=clientAuth\n' > kubelet-client.ext
    # "|"-separated: the subject itself contains ":" (system:masters).
    for triple in "kwok-serving|/CN=kwok-kubelet-server|kwok-serving.ext" \
      "apiserver-kubelet-client|/O=system:masters/CN=kube-apiserver-kubelet-client|kubelet-client.ext"; do
      IFS='|' read -r name subject ext <<<"$triple"
      openssl req -newkey rsa:2048 -nodes -subj "$subject" -keyout "$name.key" -out "$name.csr" 2>/dev/null
      openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
        -extfile "$ext" -out "$name.crt" 2>/dev/null
      rm -f "$name.csr"
    done
    chmod 600 ./*.key
  )
}

# The ClusterLogs/ClusterExec rules, appended to KWOK's --config (stage) file.
kwok_io_config() { # stage file
  local dir; dir=$(kwok_io_dir)
  mkdir -p "$dir/workdir"
  # One CRI log line so a fresh stack's pods already have a log to read.
  [ -f "$dir/containers.log" ] ||
    printf '%s stdout F kwok: simulated container started\n' "$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)" > "$dir/containers.log"
  cat >> "$1" <<EOF
---
kind: ClusterLogs
apiVersion: kwok.x-k8s.io/v1alpha1
metadata:
  name: session-logs
spec:
  selector:
    matchNamespaces: [$session_namespace]
  logs:
  - logsFile: $dir/containers.log
    follow: true
---
kind: ClusterExec
apiVersion: kwok.x-k8s.io/v1alpha1
metadata:
  name: session-exec
spec:
  selector:
    matchNamespaces: [$session_namespace]
  execs:
  - local:
      workDir: $dir/workdir
      envs:
      - name: KWOK_SIMULATED_CONTAINER
        value: "true"
EOF
}

# Flags that make KWOK serve HTTPS as every node's "kubelet" on 127.0.0.1:$kwok_port (after kwok_io_pki).
kwok_io_kwok_args() {
  printf '%s\n' --node-ip 127.0.0.1 --node-port "$kwok_port" \
    --tls-cert-file "$pki/kwok-serving.crt" --tls-private-key-file "$pki/kwok-serving.key"
}

# Flags that make the apiserver dial nodes by InternalIP (a real node's name does not resolve here) and
# present a client cert. Kubelet serving certs are not verified: a real node's kubelet (STACK_REAL_NODE)
# serves a self-signed one, as kubelets do without serving-cert bootstrap.
kwok_io_apiserver_args() {
  printf '%s\n' --kubelet-preferred-address-types InternalIP,Hostname \
    --kubelet-client-certificate "$pki/apiserver-kubelet-client.crt" \
    --kubelet-client-key "$pki/apiserver-kubelet-client.key"
}

# Nodes initialized before this file existed (an older .stack) keep their old address and port: KWOK's
# node-initialize stage only fills them in once. Patch the status so they point at KWOK's server.
kwok_io_patch_nodes() {
  local node
  for node in $(kubectl get nodes -l type=kwok -o name); do
    kubectl patch "$node" --subresource=status --type=merge -p "{\"status\":{
      \"addresses\":[{\"type\":\"InternalIP\",\"address\":\"127.0.0.1\"},{\"type\":\"Hostname\",\"address\":\"${node#node/}\"}],
      \"daemonEndpoints\":{\"kubeletEndpoint\":{\"Port\":$kwok_port}}}}" >/dev/null
  done
}

kwok_io_env() {
  echo "STACK_KWOK_LOGS_FILE=$(kwok_io_dir)/containers.log"
}

/**
 * The orchestrator's Kubernetes clients reuse their apiserver connections: a burst of calls must not
 * open a TLS connection per call (client-node 2.0 builds a new Agent for every call unless pooled).
 * Connections are counted with undici's own diagnostics channel, against the stack's real apiserver.
 */
import diagnostics from 'node:diagnostics_channel';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { createKubeClients } from '../../src/k8s/client.js';
import { stackEnv, stackKubeConfig } from '../support/stack.js';

const namespace = stackEnv().AGENTAPI_K8S_SESSION_NAMESPACE;

async function connectionsOpenedBy(work: () => Promise<unknown>): Promise<number> {
  let opened = 0;
  const onConnected = () => opened++;
  diagnostics.subscribe('undici:client:connected', onConnected);
  try {
    await work();
  } finally {
    diagnostics.unsubscribe('undici:client:connected', onConnected);
  }
  return opened;
}

const twentyReads = (core: k8s.CoreV1Api) => async () => {
  for (let i = 0; i < 20; i++) await core.readNamespace({ name: namespace });
};

test('twenty calls through the orchestrator’s clients share one apiserver connection', async () => {
  const { core } = createKubeClients(stackKubeConfig());
  expect(await connectionsOpenedBy(twentyReads(core))).toBe(1);
});

test('a bare client-node client opens a connection per call (what the pooling removes)', async () => {
  const core = stackKubeConfig().makeApiClient(k8s.CoreV1Api);
  expect(await connectionsOpenedBy(twentyReads(core))).toBe(20);
});

/** The stack's kubeconfig with its CA, certificate and key copied to a directory the test can remove. */
function kubeConfigOnCopiedTlsFiles(dir: string): k8s.KubeConfig {
  const stack = stackKubeConfig();
  const cluster = stack.getCurrentCluster()!;
  const user = stack.getCurrentUser()!;
  const copy = (file: string | undefined, name: string) => {
    copyFileSync(file!, join(dir, name));
    return join(dir, name);
  };
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'stack', server: cluster.server, caFile: copy(cluster.caFile, 'ca.crt'), skipTLSVerify: false }],
    users: [{ name: 'admin', certFile: copy(user.certFile, 'admin.crt'), keyFile: copy(user.keyFile, 'admin.key') }],
    contexts: [{ name: 'stack', cluster: 'stack', user: 'admin' }],
    currentContext: 'stack',
  });
  return kc;
}

test('the TLS files are read once, not on every call: calls go on after the files are gone', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'so-kube-tls-'));
  try {
    const { core } = createKubeClients(kubeConfigOnCopiedTlsFiles(dir));
    await core.readNamespace({ name: namespace });
    rmSync(dir, { recursive: true });
    // A bare client would fail here, reading the removed CA file (ENOENT) before the request.
    await expect(twentyReads(core)()).resolves.toBeUndefined();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a bare client reads the TLS files on every call (what the pooling removes)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'so-kube-tls-'));
  try {
    const core = kubeConfigOnCopiedTlsFiles(dir).makeApiClient(k8s.CoreV1Api);
    await core.readNamespace({ name: namespace });
    rmSync(dir, { recursive: true });
    await expect(core.readNamespace({ name: namespace })).rejects.toThrow(/ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * The real node's NetworkPolicy enforcer (see render.ts for why it exists): informers on pods, namespaces
 * and NetworkPolicies; on any change the whole nft table is rendered again and, when it differs, loaded
 * atomically. On SIGTERM it deletes its table, so a stopped stack leaves no rule behind.
 *
 *   KUBECONFIG=… NODE_NAME=realnode tsx test/stack/real-node/netpol/enforcer.ts
 */
import { execFileSync } from 'node:child_process';
import * as k8s from '@kubernetes/client-node';
import { NFT_TABLE, renderRuleset } from './render.js';

const nodeName = process.env.NODE_NAME ?? 'realnode';
const kc = new k8s.KubeConfig();
kc.loadFromDefault();
const core = kc.makeApiClient(k8s.CoreV1Api);
const net = kc.makeApiClient(k8s.NetworkingV1Api);

const pods = k8s.makeInformer(kc, '/api/v1/pods', () => core.listPodForAllNamespaces());
const namespaces = k8s.makeInformer(kc, '/api/v1/namespaces', () => core.listNamespace());
const policies = k8s.makeInformer(kc, '/apis/networking.k8s.io/v1/networkpolicies', () =>
  net.listNetworkPolicyForAllNamespaces(),
);

let applied = '';
let pending: NodeJS.Timeout | undefined;

function nft(script: string): void {
  execFileSync('nft', ['-f', '-'], { input: script, stdio: ['pipe', 'inherit', 'inherit'] });
}

function sync(): void {
  pending = undefined;
  const script = renderRuleset({
    nodeName,
    pods: pods.list(),
    namespaces: namespaces.list(),
    policies: policies.list(),
  });
  if (script === applied) return;
  try {
    nft(script);
    applied = script;
    console.log(`${new Date().toISOString()} applied ${script.split('\n').length} lines`);
  } catch (err) {
    console.error(`${new Date().toISOString()} nft failed; retrying`, err);
    schedule(1000);
  }
}

// Coalesce bursts (a pod start emits several events) into one reload.
function schedule(delayMs = 100): void {
  pending ??= setTimeout(sync, delayMs);
}

function watch<T extends k8s.KubernetesObject>(informer: k8s.Informer<T>): void {
  informer.on(k8s.ADD, () => schedule());
  informer.on(k8s.UPDATE, () => schedule());
  informer.on(k8s.DELETE, () => schedule());
  // client-node informers stop on error: start again after a pause (410 Gone resets the cache).
  informer.on(k8s.ERROR, (err) => {
    console.error('informer error; restarting', err);
    setTimeout(() => void informer.start(), 2000);
  });
}
watch(pods);
watch(namespaces);
watch(policies);

function stop(): void {
  try {
    nft(`table inet ${NFT_TABLE}\ndelete table inet ${NFT_TABLE}\n`);
  } finally {
    process.exit(0);
  }
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

await Promise.all([pods.start(), namespaces.start(), policies.start()]);
sync();
console.log(`enforcing NetworkPolicies for pods of node ${nodeName} in nft table inet ${NFT_TABLE}`);

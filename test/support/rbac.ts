/** Kubernetes clients that act as deploy/rbac.yaml's ServiceAccount, to prove the Role is enough. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { createKubeClients, type KubeClients } from '../../src/k8s/client.js';
import { repoRoot, stackEnv, stackKubeConfig } from './stack.js';

/** Applies deploy/rbac.yaml, except the session Namespace, which the stack owns (with more labels). */
export function applyRbac(): void {
  const docs = readFileSync(join(repoRoot, 'deploy', 'rbac.yaml'), 'utf8').split(/^---$/m);
  const input = docs
    .filter((d) => !(/^kind: Namespace$/m.test(d) && /name: agentapi-sessions/.test(d)))
    .join('\n---\n');
  execFileSync(stackEnv().STACK_KUBECTL, ['--kubeconfig', stackEnv().KUBECONFIG, 'apply', '-f', '-'], { input });
}

/** Clients authenticated with a short-lived token of the orchestrator's ServiceAccount. */
export async function serviceAccountClients(): Promise<KubeClients> {
  const admin = createKubeClients(stackKubeConfig());
  const token = await admin.core.createNamespacedServiceAccountToken({
    name: 'session-orchestrator',
    namespace: 'session-orchestrator',
    body: { spec: { audiences: [], expirationSeconds: 600 } },
  });
  const cluster = stackKubeConfig().getCurrentCluster()!;
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'stack', server: cluster.server, caFile: cluster.caFile, skipTLSVerify: false }],
    users: [{ name: 'orchestrator', token: token.status!.token }],
    contexts: [{ name: 'orchestrator', cluster: 'stack', user: 'orchestrator' }],
    currentContext: 'orchestrator',
  });
  return createKubeClients(kc);
}

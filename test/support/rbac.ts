/**
 * deploy/base/rbac.yaml applied to the stack's apiserver for one test run: the session namespace is the
 * stack's, the orchestrator's namespace and every object name are unique to the run, and identities are
 * kubeconfigs with TokenRequest tokens of the ServiceAccounts — nothing but the Roles grants them anything.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { repoRoot, stackEnv, stackKubeConfig } from './stack.js';

export interface AppliedRbac {
  orchestratorNamespace: string;
  /** A kubeconfig authenticating as the run's copy of `serviceAccount` (e.g. session-orchestrator-api). */
  identity(serviceAccount: string): Promise<k8s.KubeConfig>;
  /** The token `identity` would use, for kubectl. */
  token(serviceAccount: string): Promise<string>;
  /**
   * A kubeconfig of the stack's admin that impersonates the run's copy of `serviceAccount`
   * (`Impersonate-User: system:serviceaccount:<ns>:<sa>`): the apiserver authorizes every call, watch and
   * exec as that ServiceAccount, with no token to mint or expire.
   */
  impersonating(serviceAccount: string): k8s.KubeConfig;
  remove(): Promise<void>;
}

type RbacObject = k8s.KubernetesObject & {
  roleRef?: { name: string };
  subjects?: { name: string; namespace?: string }[];
};

export async function applyDeployRbac(suffix: string): Promise<AppliedRbac> {
  const admin = stackKubeConfig();
  const objects = admin.makeApiClient(k8s.KubernetesObjectApi);
  const core = admin.makeApiClient(k8s.CoreV1Api);
  const sessionNamespace = stackEnv().AGENTAPI_K8S_SESSION_NAMESPACE;
  const orchestratorNamespace = `so-rbac-${suffix}`;
  const ns = (n: string | undefined) =>
    n === 'agentapi-sessions' ? sessionNamespace : n === 'session-orchestrator' ? orchestratorNamespace : n;
  const docs = k8s.loadAllYaml(readFileSync(join(repoRoot, 'deploy/base/rbac.yaml'), 'utf8')) as RbacObject[];
  const forThisRun = docs
    .filter((d) => d.kind !== 'Namespace')
    .map((d) => {
      const copy = JSON.parse(JSON.stringify(d)) as RbacObject;
      copy.metadata = {
        ...copy.metadata,
        name: `${copy.metadata!.name}-${suffix}`,
        ...(copy.metadata!.namespace ? { namespace: ns(copy.metadata!.namespace) } : {}),
      };
      if (copy.roleRef) copy.roleRef = { ...copy.roleRef, name: `${copy.roleRef.name}-${suffix}` };
      if (copy.subjects) {
        copy.subjects = copy.subjects.map((s) => ({ ...s, name: `${s.name}-${suffix}`, namespace: ns(s.namespace) }));
      }
      return copy;
    });

  await core.createNamespace({ body: { metadata: { name: orchestratorNamespace } } });
  const applied: k8s.KubernetesObject[] = [];
  for (const object of forThisRun) applied.push(await objects.create(object));

  const token = async (serviceAccount: string) => {
    const minted = await core.createNamespacedServiceAccountToken({
      name: `${serviceAccount}-${suffix}`,
      namespace: orchestratorNamespace,
      body: { spec: { audiences: [], expirationSeconds: 3600 } },
    });
    return minted.status?.token ?? '';
  };
  return {
    orchestratorNamespace,
    token,
    impersonating(serviceAccount) {
      const cluster = admin.getCurrentCluster()!;
      const user = admin.getCurrentUser()!;
      const kc = new k8s.KubeConfig();
      kc.loadFromOptions({
        clusters: [cluster],
        users: [
          {
            ...user,
            name: `as-${serviceAccount}`,
            impersonateUser: `system:serviceaccount:${orchestratorNamespace}:${serviceAccount}-${suffix}`,
          },
        ],
        contexts: [{ name: serviceAccount, cluster: cluster.name, user: `as-${serviceAccount}` }],
        currentContext: serviceAccount,
      });
      return kc;
    },
    async identity(serviceAccount) {
      const cluster = admin.getCurrentCluster()!;
      const kc = new k8s.KubeConfig();
      kc.loadFromOptions({
        clusters: [cluster],
        users: [{ name: serviceAccount, token: await token(serviceAccount) }],
        contexts: [{ name: serviceAccount, cluster: cluster.name, user: serviceAccount }],
        currentContext: serviceAccount,
      });
      return kc;
    },
    async remove() {
      for (const object of applied.reverse()) await objects.delete(object).catch(() => undefined);
      await core.deleteNamespace({ name: orchestratorNamespace }).catch(() => undefined);
    },
  };
}

/**
 * docs/rbac-<identity>.txt, generated from the Roles themselves: deploy/base/rbac.yaml for the API and the
 * worker, and the builder of each session's credentials-sync Role (src/k8s/credentials-sync-identity.ts).
 * Each file lists what the identity may do, rule by rule, and nothing else (a ServiceAccount also gets what
 * the cluster grants every authenticated identity: discovery and self reviews). Regenerate with
 * `npx tsx test/support/rbac-docs.ts`; test/deploy/rbac-docs.test.ts fails when a file is out of step.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { buildCredentialsSyncRole, credentialsSyncName } from '../../src/k8s/credentials-sync-identity.js';
import { buildCredentialsSecret } from '../../src/k8s/manifests.js';
import { sessionObjectNames } from '../../src/k8s/names.js';
import type { SessionSpec } from '../../workflows/contract/spec.js';

const root = resolve(fileURLToPath(import.meta.url), '../../..');

type Rbac = k8s.KubernetesObject & {
  rules?: k8s.V1PolicyRule[];
  roleRef?: k8s.V1RoleRef;
  subjects?: k8s.RbacV1Subject[];
};

interface Grant {
  scope: string;
  rules: k8s.V1PolicyRule[];
}

function table(rules: k8s.V1PolicyRule[]): string[] {
  const rows = rules.map((rule) => [
    (rule.apiGroups ?? []).map((g) => (g === '' ? 'core' : g)).join(','),
    (rule.resources ?? []).join(','),
    rule.resourceNames?.length ? rule.resourceNames.join(',') : '(any)',
    (rule.verbs ?? []).join(','),
  ]);
  const header = ['API group', 'Resources', 'Resource names', 'Verbs'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

function render(title: string, source: string, grants: Grant[]): string {
  const lines = [`# ${title}`, `# Generated from ${source} by test/support/rbac-docs.ts; do not edit.`, ''];
  for (const grant of grants) lines.push(`## ${grant.scope}`, ...table(grant.rules), '');
  return lines.join('\n');
}

/** The grants of `serviceAccount` in deploy/base/rbac.yaml, binding by binding. */
function deployGrants(docs: Rbac[], serviceAccount: string): Grant[] {
  const grants: Grant[] = [];
  for (const binding of docs.filter((d) => d.kind === 'RoleBinding' || d.kind === 'ClusterRoleBinding')) {
    if (!binding.subjects?.some((s) => s.kind === 'ServiceAccount' && s.name === serviceAccount)) continue;
    const role = docs.find(
      (d) =>
        d.kind === binding.roleRef!.kind &&
        d.metadata?.name === binding.roleRef!.name &&
        (d.kind === 'ClusterRole' || d.metadata?.namespace === binding.metadata?.namespace),
    );
    if (!role) throw new Error(`${binding.kind} ${binding.metadata?.name} binds a role deploy/ does not ship`);
    const scope =
      binding.kind === 'ClusterRoleBinding'
        ? `Cluster-wide (ClusterRole ${role.metadata!.name})`
        : `In namespace ${binding.metadata!.namespace} (Role ${role.metadata!.name})`;
    grants.push({ scope, rules: role.rules ?? [] });
  }
  return grants;
}

/** Every docs/rbac-*.txt file, by path relative to the repository root. */
export function renderRbacDocs(): Record<string, string> {
  const docs = k8s.loadAllYaml(readFileSync(join(root, 'deploy/base/rbac.yaml'), 'utf8')) as Rbac[];
  // A session with a recognisable name shows the resourceNames pattern.
  const example = { user: 'user', sessionId: 'id', namespace: 'agentapi-sessions' } as SessionSpec;
  const role = buildCredentialsSyncRole(example, buildCredentialsSecret({ ...example, secrets: {} } as SessionSpec));
  const names = sessionObjectNames(example.user, example.sessionId);
  return {
    'docs/rbac-api.txt': render(
      'ServiceAccount session-orchestrator-api (the HTTP API)',
      'deploy/base/rbac.yaml',
      deployGrants(docs, 'session-orchestrator-api'),
    ),
    'docs/rbac-worker.txt': render(
      'ServiceAccount session-orchestrator-worker (the Temporal worker, reconciler and provisioning listener)',
      'deploy/base/rbac.yaml',
      deployGrants(docs, 'session-orchestrator-worker'),
    ),
    'docs/rbac-credentials-sync.txt': render(
      `ServiceAccount <session>-credsync, one per session (e.g. ${credentialsSyncName(example)}), token projected into the credentials-sync container only`,
      'src/k8s/credentials-sync-identity.ts',
      [
        {
          scope: `In the session namespace (Role ${credentialsSyncName(example)}; ${names.credsSecret} is that session's credentials Secret)`,
          rules: role.rules ?? [],
        },
      ],
    ),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const [path, text] of Object.entries(renderRbacDocs())) writeFileSync(join(root, path), text);
}

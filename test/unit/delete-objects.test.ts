/**
 * The end-of-session cleanup deletes the session's independent objects side by side, and a failure is
 * reported only once every other deletion has finished (a retry must not race the attempt it replaces).
 * The Kubernetes client is stubbed at its boundary: each call waits until the test releases it.
 */
import type * as k8s from '@kubernetes/client-node';
import { pino } from 'pino';
import { deleteObjectsActivity } from '../../activities/delete-objects.js';
import { ownedObjects } from '../../activities/owned-objects.js';
import type { KubeClients } from '../../src/k8s/client.js';
import {
  buildCredentialsSecret,
  buildMcpSecret,
  buildSessionConfigMap,
  buildSessionService,
} from '../../src/k8s/manifests.js';
import {
  buildCredentialsSyncRole,
  buildCredentialsSyncRoleBinding,
  buildCredentialsSyncServiceAccount,
} from '../../src/k8s/credentials-sync-identity.js';
import { loadConfig, sessionDefaults } from '../../src/config.js';
import { SessionSpecSchema } from '../../workflows/contract/spec.js';

const defaults = sessionDefaults(loadConfig({ TEMPORAL_CODEC_KEYS: `k:${Buffer.alloc(32, 1).toString('base64')}` }));
const spec = SessionSpecSchema.parse({
  ...defaults,
  pvc: { ...defaults.pvc, enabled: false },
  sessionId: 'cleanup-1',
  user: 'someone@example.com',
  secrets: {},
});

/** A client whose reads and deletes are held until `release()`; it records what ran and what was in flight. */
function heldClient(failDeleteOf?: string) {
  const creds = buildCredentialsSecret(spec);
  const objects = new Map<string, k8s.KubernetesObject>(
    [
      buildSessionService(spec),
      buildSessionConfigMap(spec),
      creds,
      buildMcpSecret(spec),
      buildCredentialsSyncServiceAccount(spec, creds),
      buildCredentialsSyncRole(spec, creds),
      buildCredentialsSyncRoleBinding(spec, creds),
    ].map((o, i) => [`${o.kind}/${o.metadata!.name!}`, { ...o, metadata: { ...o.metadata, uid: `uid-${i}` } }]),
  );
  let inFlight = 0;
  let maxInFlight = 0;
  const deleted: string[] = [];
  const waiting: Array<() => void> = [];
  const held = async <T>(work: () => T): Promise<T> => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise<void>((resolve) => waiting.push(resolve));
    inFlight--;
    return work();
  };
  const read =
    (kind: string) =>
    ({ name }: { name: string }) =>
      held(() => objects.get(`${kind}/${name}`)!);
  const remove =
    (kind: string) =>
    ({ name }: { name: string }) =>
      held(() => {
        if (name === failDeleteOf) throw Object.assign(new Error('Internal error'), { code: 500 });
        deleted.push(`${kind}/${name}`);
        return {};
      });
  const core = {
    readNamespacedService: read('Service'),
    readNamespacedConfigMap: read('ConfigMap'),
    readNamespacedSecret: read('Secret'),
    readNamespacedServiceAccount: read('ServiceAccount'),
    deleteNamespacedService: remove('Service'),
    deleteNamespacedConfigMap: remove('ConfigMap'),
    deleteNamespacedSecret: remove('Secret'),
    deleteNamespacedServiceAccount: remove('ServiceAccount'),
    listNamespacedPod: () => held(() => ({ items: [] })),
  } as unknown as KubeClients['core'];
  const rbac = {
    readNamespacedRole: read('Role'),
    readNamespacedRoleBinding: read('RoleBinding'),
    deleteNamespacedRole: remove('Role'),
    deleteNamespacedRoleBinding: remove('RoleBinding'),
  } as unknown as k8s.RbacAuthorizationV1Api;
  return {
    core,
    rbac,
    deleted,
    maxInFlight: () => maxInFlight,
    /** Lets every held call go on, again and again, until `done` settles. */
    async releaseUntil(done: Promise<unknown>) {
      let settled = false;
      void done.finally(() => (settled = true)).catch(() => undefined);
      while (!settled) {
        waiting.splice(0).forEach((go) => go());
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
  };
}

const activityOn = ({ core, rbac }: { core: KubeClients['core']; rbac: k8s.RbacAuthorizationV1Api }) =>
  deleteObjectsActivity(core, ownedObjects(core, pino({ level: 'silent' })), rbac).deleteSessionObjects;

test('the objects are read and deleted side by side, and the credentials Secret after the identity it owns', async () => {
  const client = heldClient();
  const done = activityOn(client)(spec, { deletePvc: false });
  await client.releaseUntil(done);
  const result = await done;
  const name = (o: k8s.KubernetesObject) => o.metadata!.name!;
  expect(result.deleted.sort()).toEqual(
    [
      `ConfigMap/${name(buildSessionConfigMap(spec))}`,
      `Secret/${name(buildCredentialsSecret(spec))}`,
      `Secret/${name(buildMcpSecret(spec))}`,
      `Service/${name(buildSessionService(spec))}`,
      `ServiceAccount/${name(buildCredentialsSyncServiceAccount(spec, buildCredentialsSecret(spec)))}`,
      `Role/${name(buildCredentialsSyncRole(spec, buildCredentialsSecret(spec)))}`,
      `RoleBinding/${name(buildCredentialsSyncRoleBinding(spec, buildCredentialsSecret(spec)))}`,
    ].sort(),
  );
  expect(client.deleted).toHaveLength(7);
  // The six reads and the warm-pod list were all in flight before any of them was answered; the
  // credentials Secret comes after, so the garbage collector cannot take its dependents from under us.
  expect(client.maxInFlight()).toBe(7);
  expect(client.deleted.at(-1)).toBe(`Secret/${name(buildCredentialsSecret(spec))}`);
});

test('a failed deletion fails the cleanup only after the other deletions finished, keeping the credentials Secret for the retry', async () => {
  const names = { configMap: buildSessionConfigMap(spec).metadata!.name! };
  const client = heldClient(names.configMap);
  const done = activityOn(client)(spec, { deletePvc: false });
  await client.releaseUntil(done);
  await expect(done).rejects.toThrow(/Internal error|500/);
  const creds = buildCredentialsSecret(spec);
  expect(client.deleted.sort()).toEqual(
    [
      buildSessionService(spec),
      buildMcpSecret(spec),
      buildCredentialsSyncServiceAccount(spec, creds),
      buildCredentialsSyncRole(spec, creds),
      buildCredentialsSyncRoleBinding(spec, creds),
    ]
      .map((o) => `${o.kind}/${o.metadata!.name!}`)
      .sort(),
  );
});

/**
 * What a session shell could steal, and what credentials-sync's credential opens. The session's pod mounts
 * no token pod-wide (the agent's shell finds none); credentials-sync alone mounts a token of the session's
 * own ServiceAccount, whose Role opens exactly one object: that session's credentials Secret (get, update).
 * The worker (as its deploy ServiceAccount, so the apiserver's escalation check applies) creates the
 * identity with the session's Secrets, and the session's cleanup removes it.
 */
import * as k8s from '@kubernetes/client-node';
import { pino } from 'pino';
import { createSessionActivities } from '../../activities/index.js';
import { createKubeClients } from '../../src/k8s/client.js';
import { CREDENTIALS_SYNC_TOKEN_DIR, credentialsSyncName } from '../../src/k8s/credentials-sync-identity.js';
import { buildSessionPod } from '../../src/k8s/manifests.js';
import { sessionObjectNames } from '../../src/k8s/names.js';
import { removeSessionObjects } from '../support/cluster.js';
import { applyDeployRbac, type AppliedRbac } from '../support/rbac.js';
import { testSessionSpec } from '../support/session-spec.js';
import { stackKubeConfig, uniqueSuffix } from '../support/stack.js';

const adminKc = stackKubeConfig();
const admin = adminKc.makeApiClient(k8s.CoreV1Api);
const adminRbac = adminKc.makeApiClient(k8s.RbacAuthorizationV1Api);
const spec = testSessionSpec({ user: `credsync-${uniqueSuffix()}@example.com` });
const neighbour = testSessionSpec({ user: `neighbour-${uniqueSuffix()}@example.com` });
const namespace = spec.namespace;
let rbac: AppliedRbac;
let acts: ReturnType<typeof createSessionActivities>;

const status = (p: Promise<unknown>) =>
  p.then(
    () => 200,
    (err: { code?: number }) => err.code,
  );

/** A client authenticating with a fresh token of the session's credentials-sync ServiceAccount. */
async function asCredentialsSync(): Promise<k8s.CoreV1Api> {
  const minted = await admin.createNamespacedServiceAccountToken({
    name: credentialsSyncName(spec),
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 600 } },
  });
  const cluster = adminKc.getCurrentCluster()!;
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: 'credentials-sync', token: minted.status!.token }],
    contexts: [{ name: 'credentials-sync', cluster: cluster.name, user: 'credentials-sync' }],
    currentContext: 'credentials-sync',
  });
  return kc.makeApiClient(k8s.CoreV1Api);
}

beforeAll(async () => {
  rbac = await applyDeployRbac(uniqueSuffix());
  acts = createSessionActivities({
    clients: createKubeClients(rbac.impersonating('session-orchestrator-worker')),
    logger: pino({ level: 'silent' }),
  });
  for (const s of [spec, neighbour]) {
    await acts.ensureCredentialsSecret(s);
    await acts.ensureMcpSecret(s);
  }
}, 60_000);

afterAll(async () => {
  await rbac?.remove();
  for (const s of [spec, neighbour]) await removeSessionObjects(s);
});

test("the session's pod mounts no token pod-wide; only credentials-sync mounts the session's own", () => {
  const pod = buildSessionPod(spec);
  expect(pod.spec!.automountServiceAccountToken).toBe(false);
  expect(pod.spec!.serviceAccountName).toBe(credentialsSyncName(spec));
  const tokenVolumes = pod.spec!.volumes!.filter((v) => v.projected?.sources?.some((s) => s.serviceAccountToken));
  expect(tokenVolumes).toHaveLength(1);
  const containers = [...(pod.spec!.containers ?? []), ...(pod.spec!.initContainers ?? [])];
  const mounting = containers.filter((c) => c.volumeMounts?.some((m) => m.name === tokenVolumes[0]!.name));
  expect(mounting.map((c) => c.name)).toEqual(['credentials-sync']);
  expect(mounting[0]!.volumeMounts!.find((m) => m.name === tokenVolumes[0]!.name)!.mountPath).toBe(
    CREDENTIALS_SYNC_TOKEN_DIR,
  );
});

test("credentials-sync's token opens its session's credentials Secret and nothing else", async () => {
  const sync = await asCredentialsSync();
  const own = sessionObjectNames(spec.user, spec.sessionId);
  const other = sessionObjectNames(neighbour.user, neighbour.sessionId);
  const secret = await sync.readNamespacedSecret({ name: own.credsSecret, namespace });
  secret.data = { ...secret.data, 'credentials.json': Buffer.from('{"refreshed":true}').toString('base64') };
  expect(await status(sync.replaceNamespacedSecret({ name: own.credsSecret, namespace, body: secret }))).toBe(200);

  expect(await status(sync.readNamespacedSecret({ name: other.credsSecret, namespace }))).toBe(403);
  expect(await status(sync.readNamespacedSecret({ name: own.mcpSecret, namespace }))).toBe(403);
  expect(await status(sync.listNamespacedSecret({ namespace }))).toBe(403);
  expect(await status(sync.deleteNamespacedSecret({ name: own.credsSecret, namespace }))).toBe(403);
  expect(await status(sync.listNamespacedPod({ namespace }))).toBe(403);
});

test('ensuring it again adopts it, and the session cleanup removes it', async () => {
  await acts.ensureCredentialsSecret(spec);
  const name = credentialsSyncName(spec);
  expect(await status(admin.readNamespacedServiceAccount({ name, namespace }))).toBe(200);
  await acts.deleteSessionObjects(spec, { deletePvc: true });
  expect(await status(admin.readNamespacedServiceAccount({ name, namespace }))).toBe(404);
  expect(await status(adminRbac.readNamespacedRole({ name, namespace }))).toBe(404);
  expect(await status(adminRbac.readNamespacedRoleBinding({ name, namespace }))).toBe(404);
});

test("a session whose Secrets predate its identity (an earlier release's) still gets its pod, and the identity with it", async () => {
  const legacy = testSessionSpec({ user: `legacy-${uniqueSuffix()}@example.com` });
  const name = credentialsSyncName(legacy);
  try {
    await acts.ensureCredentialsSecret(legacy);
    await acts.ensureMcpSecret(legacy);
    await acts.ensureSessionConfigMap(legacy);
    // As an earlier release left it: the Secrets, no ServiceAccount, Role or RoleBinding.
    await Promise.all([
      admin.deleteNamespacedServiceAccount({ name, namespace }),
      adminRbac.deleteNamespacedRole({ name, namespace }),
      adminRbac.deleteNamespacedRoleBinding({ name, namespace }),
    ]);
    const pod = await acts.ensureSessionPod(legacy);
    expect(pod.podName).toBe(sessionObjectNames(legacy.user, legacy.sessionId).pod);
    expect(await status(admin.readNamespacedServiceAccount({ name, namespace }))).toBe(200);
    expect(await status(adminRbac.readNamespacedRole({ name, namespace }))).toBe(200);
    expect(await status(adminRbac.readNamespacedRoleBinding({ name, namespace }))).toBe(200);
  } finally {
    await acts.deleteSessionObjects(legacy, { deletePvc: true });
    await removeSessionObjects(legacy);
  }
});

/**
 * The API and the worker run as deploy/base/rbac.yaml's ServiceAccounts (impersonated by the stack's admin,
 * so the apiserver authorizes every call, watch and exec as exactly those identities), and every route and
 * the session lifecycle work with nothing more: a session with a PVC, its logs and exec, its end, a
 * retained workspace's delete. What the identities must not do is refused by the apiserver itself: the
 * internet-facing API reads no Secret and writes no pod, and the worker's reconciler never lists Secret
 * values. Exec reaches the agent's container, not the sidecars.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { pino } from 'pino';
import request from 'supertest';
import { createReconcilerActivities } from '../../activities/reconciler.js';
import { createApp } from '../../src/api/app.js';
import { ApiKeyStore, generateApiKey } from '../../src/api/auth.js';
import { quotaLedgerName } from '../../src/k8s/quota-ledger.js';
import { loadConfig } from '../../src/config.js';
import { createKubeClients, type KubeClients } from '../../src/k8s/client.js';
import { SESSION_ID_LABEL } from '../../src/k8s/labels.js';
import { sessionObjectNames } from '../../src/k8s/names.js';
import { createTemporalClient } from '../../src/temporal/client.js';
import { runWorker } from '../../src/worker.js';
import { apiEnv } from '../support/api-harness.js';
import { removeSessionObjects } from '../support/cluster.js';
import { applyDeployRbac, type AppliedRbac } from '../support/rbac.js';
import { stackEnv, stackKubeConfig, uniqueSuffix } from '../support/stack.js';

const suffix = uniqueSuffix();
const sessionNamespace = stackEnv().AGENTAPI_K8S_SESSION_NAMESPACE;
const admin = stackKubeConfig().makeApiClient(k8s.CoreV1Api);
const dir = mkdtempSync(join(tmpdir(), 'so-identities-'));
const silent = pino({ level: 'silent' });
let rbac: AppliedRbac;

/** The identity as a kubeconfig file too: the processes read KUBECONFIG from their configuration. */
function identity(serviceAccount: string): { kc: k8s.KubeConfig; path: string } {
  const kc = rbac.impersonating(serviceAccount);
  const path = join(dir, `${serviceAccount}.kubeconfig`);
  writeFileSync(path, kc.exportConfig());
  return { kc, path };
}

const status = (p: Promise<unknown>) =>
  p.then(
    () => 200,
    (err: { code?: number }) => err.code,
  );

beforeAll(async () => {
  rbac = await applyDeployRbac(suffix);
});

afterAll(async () => {
  await rbac?.remove();
  rmSync(dir, { recursive: true, force: true });
});

test('every route and the whole session lifecycle work as the deploy ServiceAccounts, and nothing more', async () => {
  const worker = identity('session-orchestrator-worker');
  const api = identity('session-orchestrator-api');
  const user = `ids-${suffix}`;
  const made = generateApiKey({
    id: 'ids',
    user,
    permissions: ['session:create', 'session:read', 'session:update', 'session:delete'],
  });
  const env = {
    ...apiEnv(`session-ids-${suffix}`, join(dir, 'unused.json'), `k1:${randomBytes(32).toString('base64')}`),
    AGENTAPI_K8S_SESSION_PVC_ENABLED: 'true',
    AGENTAPI_K8S_SESSION_ORCHESTRATOR_NAMESPACE: rbac.orchestratorNamespace,
    LOG_LEVEL: 'warn',
  };
  const workerConfig = loadConfig({ ...env, KUBECONFIG: worker.path });
  const apiConfig = loadConfig({ ...env, KUBECONFIG: api.path });
  const stop = new AbortController();
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  const workerDone = runWorker({
    config: workerConfig,
    kubeClients: createKubeClients(worker.kc),
    signal: stop.signal,
    onReady: ready,
    logger: silent,
  });
  await Promise.race([isReady, workerDone]);
  const client = await createTemporalClient(apiConfig);
  const apiKube = createKubeClients(api.kc);
  const app = createApp({
    config: apiConfig,
    client,
    kube: apiKube,
    keys: new ApiKeyStore({ keys: [made.entry] }),
    logger: silent,
  });
  const auth = { Authorization: `Bearer ${made.key}` };
  let sessionId: string | undefined;
  try {
    expect((await request(app).get('/ready')).status).toBe(200);
    const created = await request(app)
      .post('/api/v1/sessions')
      .set(auth)
      .send({ config: { pvc_size: '1Gi' } });
    sessionId = created.body.session_id;
    expect({ status: created.status, body: created.body.status }).toEqual({ status: 201, body: 'running' });
    const names = sessionObjectNames(user, sessionId!);

    expect((await request(app).get(`/api/v1/sessions/${sessionId}/logs?tail=1`).set(auth)).status).toBe(200);
    const exec = await request(app)
      .post(`/api/v1/sessions/${sessionId}/exec`)
      .set(auth)
      .send({ command: ['echo', 'as deployed'] });
    expect({ status: exec.status, stdout: exec.body.stdout }).toEqual({ status: 200, stdout: 'as deployed\n' });
    // The sidecars are not the user's to run commands in: credentials-sync holds the session's token.
    for (const container of ['credentials-sync', 'otel-collector']) {
      const sidecar = await request(app)
        .post(`/api/v1/sessions/${sessionId}/exec`)
        .set(auth)
        .send({ command: ['cat', '/var/run/secrets/credentials-sync/token'], container });
      expect({ container, status: sidecar.status }).toEqual({ container, status: 400 });
    }

    // The API, internet-facing, may not read the session's Secrets nor rewrite its pod.
    expect(
      await status(apiKube.core.readNamespacedSecret({ name: names.credsSecret, namespace: sessionNamespace })),
    ).toBe(403);
    const pod = await admin.readNamespacedPod({ name: names.pod, namespace: sessionNamespace });
    expect(
      await status(apiKube.core.replaceNamespacedPod({ name: names.pod, namespace: sessionNamespace, body: pod })),
    ).toBe(403);

    // The worker's reconciler lists Secrets as metadata: no value of any session reaches it in bulk.
    const workerKube = createKubeClients(worker.kc);
    const listed: k8s.V1SecretList[] = [];
    const spied = new Proxy(workerKube.core, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (prop !== 'listNamespacedSecret' || typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          const list = await (value as (...a: unknown[]) => Promise<k8s.V1SecretList>).apply(target, args);
          listed.push(list);
          return list;
        };
      },
    });
    const reconciler = createReconcilerActivities({
      clients: { ...workerKube, core: spied } as KubeClients,
      temporal: client,
      taskQueue: workerConfig.temporalTaskQueue,
      logger: silent,
    });
    await reconciler.reconcileSessionObjects({
      namespace: sessionNamespace,
      graceMs: 3_600_000,
      retainedPvcTtlMs: 3_600_000,
      dryRun: true,
      selector: `${SESSION_ID_LABEL}=${sessionId}`,
    });
    const items = listed.flatMap((l) => l.items);
    expect(items.map((s) => s.metadata?.name)).toContain(names.credsSecret);
    expect(items.filter((s) => s.data !== undefined || s.stringData !== undefined)).toEqual([]);

    // The session ends keeping its claim; the user then deletes the retained workspace.
    const ended = await request(app).delete(`/api/v1/sessions/${sessionId}?wait=true&delete_pvc=false`).set(auth);
    expect({ status: ended.status, body: ended.body.status }).toEqual({ status: 200, body: 'terminated' });
    const workspaces = await request(app).get('/api/v1/workspaces').set(auth);
    expect(workspaces.body.workspaces.map((w: { name: string }) => w.name)).toContain(names.pvc);
    const removed = await request(app).delete(`/api/v1/workspaces/${names.pvc}`).set(auth);
    expect(removed.status).toBe(204);
  } finally {
    await client.connection.close();
    stop.abort();
    await workerDone;
    if (sessionId) await removeSessionObjects({ user, sessionId });
    await admin
      .deleteNamespacedConfigMap({ name: quotaLedgerName(user), namespace: sessionNamespace })
      .catch(() => undefined);
  }
}, 300_000);

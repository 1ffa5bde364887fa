/**
 * Least privilege, proven: the Roles of deploy/base/rbac.yaml are applied to the stack's apiserver (with
 * the namespaces and names of this run), tokens are minted for the API's and the worker's
 * ServiceAccounts (TokenRequest), and the API and the worker run a whole session — create with a PVC,
 * running, delete — with nothing but those tokens. Each identity is also refused what it does not need.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { pino } from 'pino';
import request from 'supertest';
import { createApp } from '../../src/api/app.js';
import { ApiKeyStore, generateApiKey } from '../../src/api/auth.js';
import { quotaLedgerName } from '../../src/k8s/quota-ledger.js';
import { loadConfig } from '../../src/config.js';
import { createKubeClients } from '../../src/k8s/client.js';
import { watchQuotaLedgers } from '../../src/k8s/ledger-informer.js';
import { LedgerVersions } from '../../src/k8s/ledger-versions.js';
import { createTemporalClient } from '../../src/temporal/client.js';
import { runWorker } from '../../src/worker.js';
import { apiEnv } from '../support/api-harness.js';
import { removeSessionObjects, settledObjects } from '../support/cluster.js';
import { applyDeployRbac, type AppliedRbac } from '../support/rbac.js';
import { stackEnv, stackKubeConfig, uniqueSuffix } from '../support/stack.js';
import { eventually } from '../support/wait.js';

const suffix = uniqueSuffix();
const sessionNamespace = stackEnv().AGENTAPI_K8S_SESSION_NAMESPACE;
const core = stackKubeConfig().makeApiClient(k8s.CoreV1Api);
const dir = mkdtempSync(join(tmpdir(), 'so-rbac-'));
let rbac: AppliedRbac;
let orchestratorNamespace: string;

async function kubeconfigFor(serviceAccount: string): Promise<{ kc: k8s.KubeConfig; path: string }> {
  const kc = await rbac.identity(serviceAccount);
  const path = join(dir, `${serviceAccount}.kubeconfig`);
  writeFileSync(path, kc.exportConfig());
  return { kc, path };
}

beforeAll(async () => {
  rbac = await applyDeployRbac(suffix);
  orchestratorNamespace = rbac.orchestratorNamespace;
});

afterAll(async () => {
  await rbac?.remove();
  rmSync(dir, { recursive: true, force: true });
});

describe('the API and the worker with only their own Roles', () => {
  test('run a whole session with a PVC: create → running → delete, leaving nothing', async () => {
    const workerIdentity = await kubeconfigFor('session-orchestrator-worker');
    const apiIdentity = await kubeconfigFor('session-orchestrator-api');
    const user = `rbac-${suffix}`;
    const made = generateApiKey({
      id: 'rbac',
      user,
      permissions: ['session:create', 'session:read', 'session:delete'],
    });
    const keysFile = join(dir, 'keys.json');
    writeFileSync(keysFile, JSON.stringify({ keys: [made.entry] }));
    const env = {
      ...apiEnv(`session-rbac-${suffix}`, keysFile, `k1:${randomBytes(32).toString('base64')}`),
      AGENTAPI_K8S_SESSION_PVC_ENABLED: 'true',
      AGENTAPI_K8S_SESSION_ORCHESTRATOR_NAMESPACE: orchestratorNamespace,
      LOG_LEVEL: 'warn',
    };
    const workerConfig = loadConfig({ ...env, KUBECONFIG: workerIdentity.path });
    const apiConfig = loadConfig({ ...env, KUBECONFIG: apiIdentity.path });

    const stop = new AbortController();
    let ready!: () => void;
    const isReady = new Promise<void>((resolve) => (ready = resolve));
    const workerDone = runWorker({
      config: workerConfig,
      kubeClients: createKubeClients(workerIdentity.kc),
      signal: stop.signal,
      onReady: ready,
    });
    await Promise.race([isReady, workerDone]);
    const client = await createTemporalClient(apiConfig);
    const silent = pino({ level: 'silent' }, new Writable({ write: (_c, _e, done) => done() }));
    const apiKube = createKubeClients(apiIdentity.kc);
    // The API's ledger watch, as startApi runs it: its Role must let it list and watch the ledgers.
    const ledgerVersions = new LedgerVersions();
    const ledgerWatch = watchQuotaLedgers({
      clients: apiKube,
      namespace: sessionNamespace,
      versions: ledgerVersions,
      log: silent,
    });
    const app = createApp({
      config: apiConfig,
      client,
      kube: apiKube,
      keys: new ApiKeyStore({ keys: [made.entry] }),
      logger: silent,
      ledgerVersions,
    });
    const auth = { Authorization: `Bearer ${made.key}` };
    let sessionId: string | undefined;
    try {
      expect((await request(app).get('/ready')).status).toBe(200);
      const created = await request(app)
        .post('/api/v1/sessions')
        .set(auth)
        .send({ config: { pvc_size: '1Gi' } });
      sessionId = created.body.session_id ?? created.body.error?.session_id;
      expect({ status: created.status, body: created.body.status }).toEqual({ status: 201, body: 'running' });
      expect(created.body.pvc_name).toBeTruthy();
      const ended = await request(app).delete(`/api/v1/sessions/${sessionId}?wait=true`).set(auth);
      expect(ended.status).toBe(200);
      expect(ended.body.status).toBe('terminated');
      expect(await settledObjects(sessionId!, [])).toEqual([]);
      // The workflow's removal of its entry (the worker's write) reaches the API only through the watch.
      const released = await eventually('the watch to deliver the release', async () => {
        const known = ledgerVersions.latest(user);
        return known && !known.ledger.some((e) => e.sessionId === sessionId) ? known.ledger : undefined;
      });
      expect(released).toEqual([]);
    } finally {
      await ledgerWatch.stop();
      await client.connection.close();
      stop.abort();
      await workerDone;
      if (sessionId) await removeSessionObjects({ user, sessionId });
      await core
        .deleteNamespacedConfigMap({ name: quotaLedgerName(user), namespace: sessionNamespace })
        .catch(() => undefined);
    }
  }, 240_000);

  test('each identity is refused what its code never does', async () => {
    const api = createKubeClients((await kubeconfigFor('session-orchestrator-api')).kc).core;
    const worker = createKubeClients((await kubeconfigFor('session-orchestrator-worker')).kc).core;
    const forbidden = (p: Promise<unknown>) =>
      p.then(
        () => 200,
        (err: { code?: number }) => err.code,
      );
    // The API never lists Secrets or deletes pods; the worker never touches other namespaces (it lists the
    // session namespace's labelled objects only for the reconciler).
    expect(await forbidden(api.listNamespacedSecret({ namespace: sessionNamespace }))).toBe(403);
    expect(await forbidden(api.deleteNamespacedPod({ name: 'any', namespace: sessionNamespace }))).toBe(403);
    expect(await forbidden(worker.listNamespacedSecret({ namespace: 'kube-system' }))).toBe(403);
    expect(await forbidden(worker.listNamespacedPod({ namespace: 'kube-system' }))).toBe(403);
    expect(await forbidden(worker.listNamespacedPod({ namespace: sessionNamespace }))).toBe(200);
  });
});

/**
 * The reconciler against the real stack: a session workflow terminated from the Temporal CLI (so no
 * cleanup ran) has its objects deleted by the scheduled reconciler; a dry run reports and deletes
 * nothing; retained claims and stale quota ledgers go too.
 *
 * Each test's objects live in a namespace of its own, so the reconciler never touches other tests'.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import { pino } from 'pino';
import { loadConfig, type Config } from '../../src/config.js';
import { APP_LABEL, SESSION_APP, SESSION_ID_LABEL, USER_LABEL } from '../../src/k8s/labels.js';
import { quotaLedgerName, QUOTA_LEDGER_COMPONENT } from '../../src/k8s/quota-ledger.js';
import { userLabelValue } from '../../src/k8s/names.js';
import type { ReconcileInput, ReconcileReport } from '../../workflows/contract/reconciler.js';
import { sessionWorkflowId, type SessionState } from '../../workflows/contract/spec.js';
import { createTemporalClient, startSession } from '../../src/temporal/client.js';
import { createWorkerMetrics } from '../../src/temporal/worker-metrics.js';
import { runWorker } from '../../src/worker.js';
import { getSessionStateQuery, terminateSessionSignal } from '../../workflows/contract/session-messages.js';
import { createNamespace, deleteNamespace } from '../support/private-namespace.js';
import { testSessionSpec } from '../support/session-spec.js';
import { stackEnv, stackKubeConfig, stackServiceEnv, uniqueSuffix } from '../support/stack.js';
import { eventually } from '../support/wait.js';

const suffix = uniqueSuffix();
const namespace = `reliab-rec-${suffix}`;
/** Objects for direct reconciler runs; the Schedule (which watches `namespace`) never sees them. */
const manualNamespace = `reliab-rec-manual-${suffix}`;
const core = stackKubeConfig().makeApiClient(k8s.CoreV1Api);
const config: Config = loadConfig({
  ...stackServiceEnv(`reconciler-${suffix}`, `rc:${randomBytes(32).toString('base64')}`),
  AGENTAPI_K8S_SESSION_NAMESPACE: namespace,
  AGENTAPI_K8S_SESSION_IMAGE: 'example.invalid/agentapi:test',
  AGENTAPI_K8S_SESSION_TOLERATIONS: '[{"key":"spot","operator":"Equal","value":"true","effect":"NoSchedule"}]',
  AGENTAPI_K8S_SESSION_RECONCILER_ENABLED: 'true',
  AGENTAPI_K8S_SESSION_RECONCILE_SCHEDULE_ID: `session-reconciler-test-${suffix}`,
  AGENTAPI_K8S_SESSION_RECONCILE_INTERVAL: '2s',
  AGENTAPI_K8S_SESSION_RECONCILE_GRACE: '1s',
  LOG_LEVEL: 'warn',
});
const metrics = createWorkerMetrics();
const stopWorker = new AbortController();
let worker: Promise<void>;
let client: Client;

beforeAll(async () => {
  await createNamespace(namespace);
  await createNamespace(manualNamespace);
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  worker = runWorker({ config, metrics, signal: stopWorker.signal, onReady: ready, logger: pino({ level: 'silent' }) });
  await Promise.race([isReady, worker]);
  client = await createTemporalClient(config);
});

afterAll(async () => {
  await client?.schedule
    .getHandle(config.reconcileScheduleId)
    .delete()
    .catch(() => undefined);
  stopWorker.abort();
  await worker;
  await client?.connection.close();
  await deleteNamespace(namespace);
  await deleteNamespace(manualNamespace);
});

async function labelled(ns: string, selector: string): Promise<string[]> {
  const [pods, services, configMaps, secrets, claims] = await Promise.all([
    core.listNamespacedPod({ namespace: ns, labelSelector: selector }),
    core.listNamespacedService({ namespace: ns, labelSelector: selector }),
    core.listNamespacedConfigMap({ namespace: ns, labelSelector: selector }),
    core.listNamespacedSecret({ namespace: ns, labelSelector: selector }),
    core.listNamespacedPersistentVolumeClaim({ namespace: ns, labelSelector: selector }),
  ]);
  return [
    ...pods.items.map((o) => `Pod/${o.metadata?.name}`),
    ...services.items.map((o) => `Service/${o.metadata?.name}`),
    ...configMaps.items.map((o) => `ConfigMap/${o.metadata?.name}`),
    ...secrets.items.map((o) => `Secret/${o.metadata?.name}`),
    ...claims.items.map((o) => `PersistentVolumeClaim/${o.metadata?.name}`),
  ].sort();
}

test('The worker keeps the reconciler Schedule at the configured interval with overlap Skip', async () => {
  const description = await client.schedule.getHandle(config.reconcileScheduleId).describe();
  expect(description.policies.overlap).toBe('SKIP');
  expect(description.spec.intervals?.map((i) => i.every)).toEqual([2_000]);
  expect(description.action).toMatchObject({ workflowType: 'reconcilerWorkflow', taskQueue: config.temporalTaskQueue });
});

test('A session terminated from the Temporal CLI, so no cleanup ran, has its objects deleted by the reconciler', async () => {
  const spec = testSessionSpec({ namespace });
  const handle = await startSession(client, spec, config);
  await eventually(
    'the session to run',
    async () => ((await handle.query(getSessionStateQuery)) as SessionState).status === 'running' || undefined,
    { timeoutMs: 120_000, intervalMs: 500 },
  );
  const selector = `${SESSION_ID_LABEL}=${spec.sessionId}`;
  expect((await labelled(namespace, selector)).length).toBeGreaterThanOrEqual(5);

  const { TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, STACK_TEMPORAL_CLI } = stackEnv();
  await promisify(execFile)(STACK_TEMPORAL_CLI, [
    'workflow',
    'terminate',
    '--address',
    TEMPORAL_ADDRESS,
    '--namespace',
    TEMPORAL_NAMESPACE,
    '--workflow-id',
    sessionWorkflowId(spec.sessionId),
    '--reason',
    'reconciler test: terminated without compensation',
  ]);
  expect((await handle.describe()).status.name).toBe('TERMINATED');

  const left = await eventually(
    'the reconciler to delete the terminated session objects',
    async () => {
      const found = await labelled(namespace, selector);
      return found.length === 0 ? found : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 1_000 },
  );
  expect(left).toEqual([]);
  const deleted = await metrics.reconcilerDeleted.get();
  const pods = deleted.values.find((v) => v.labels.kind === 'Pod')?.value ?? 0;
  expect(pods).toBeGreaterThanOrEqual(1);
});

describe('a reconciler run over orphans of a session whose workflow never existed', () => {
  const ghost = `ghost-${suffix}`;
  const user = `ghost-owner-${suffix}`;
  const labels = { [APP_LABEL]: SESSION_APP, [USER_LABEL]: userLabelValue(user), [SESSION_ID_LABEL]: ghost };
  const input: ReconcileInput = { namespace: manualNamespace, graceMs: 0, retainedPvcTtlMs: 0, dryRun: true };
  const run = (dryRun: boolean) =>
    client.workflow.execute<(i: ReconcileInput) => Promise<ReconcileReport>>('reconcilerWorkflow', {
      taskQueue: config.temporalTaskQueue,
      workflowId: `reconciler-test-${uniqueSuffix()}`,
      args: [{ ...input, dryRun }],
    });

  beforeAll(async () => {
    await core.createNamespacedConfigMap({
      namespace: manualNamespace,
      body: { metadata: { name: `session-${ghost}-config`, labels }, data: { 'session.json': '{}' } },
    });
    await core.createNamespacedPersistentVolumeClaim({
      namespace: manualNamespace,
      body: {
        metadata: { name: `session-${ghost}-pvc`, labels },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      },
    });
    await core.createNamespacedConfigMap({
      namespace: manualNamespace,
      body: {
        metadata: {
          name: quotaLedgerName(user),
          labels: { 'app.kubernetes.io/component': QUOTA_LEDGER_COMPONENT, [USER_LABEL]: userLabelValue(user) },
        },
        data: { sessions: JSON.stringify([{ sessionId: ghost, admittedAt: '2026-01-01T00:00:00Z' }]) },
      },
    });
  });

  test('a dry run reports every orphan and deletes nothing', async () => {
    const report = await run(true);
    expect(report.dryRun).toBe(true);
    expect(report.objects.map((o) => `${o.kind}/${o.name}`).sort()).toEqual([
      `ConfigMap/session-${ghost}-config`,
      `PersistentVolumeClaim/session-${ghost}-pvc`,
    ]);
    expect(report.ledgersDeleted).toEqual([quotaLedgerName(user)]);
    expect(await labelled(manualNamespace, `${SESSION_ID_LABEL}=${ghost}`)).toEqual([
      `ConfigMap/session-${ghost}-config`,
      `PersistentVolumeClaim/session-${ghost}-pvc`,
    ]);
    await expect(
      core.readNamespacedConfigMap({ name: quotaLedgerName(user), namespace: manualNamespace }),
    ).resolves.toBeDefined();
  });

  test('a real run deletes the orphans, the expired retained claim and the stale ledger', async () => {
    const report = await run(false);
    expect(report.objects).toHaveLength(2);
    expect(report.ledgerEntriesPruned).toBe(1);
    await eventually('the orphans to be gone', async () =>
      (await labelled(manualNamespace, `${SESSION_ID_LABEL}=${ghost}`)).length === 0 ? true : undefined,
    );
    await expect(
      core.readNamespacedConfigMap({ name: quotaLedgerName(user), namespace: manualNamespace }),
    ).rejects.toMatchObject({ code: 404 });
  });
});

test('A running session whose pod vanished unseen by any informer is asked by the reconciler to check it, and recovers', async () => {
  // `manualNamespace` has no informer: the worker's follows `namespace`. The start's own check (15 s
  // without a Ready signal) brings the session to running; after that only the reconciler looks.
  const spec = testSessionSpec({ namespace: manualNamespace });
  const handle = await startSession(client, spec, config);
  const stateOf = async () => (await handle.query(getSessionStateQuery)) as SessionState;
  const before = await eventually(
    'the session to run',
    async () => {
      const s = await stateOf();
      return s.status === 'running' ? s : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 500 },
  );
  try {
    await core.deleteNamespacedPod({ name: before.podName, namespace: manualNamespace, gracePeriodSeconds: 0 });
    await eventually('the pod to be gone', async () =>
      core.readNamespacedPod({ name: before.podName, namespace: manualNamespace }).then(
        () => undefined,
        () => true,
      ),
    );
    const checksBefore = (await metrics.reconcilerPodChecks.get()).values[0]?.value ?? 0;
    await client.workflow.execute<(i: ReconcileInput) => Promise<ReconcileReport>>('reconcilerWorkflow', {
      taskQueue: config.temporalTaskQueue,
      workflowId: `reconciler-test-${uniqueSuffix()}`,
      args: [
        {
          namespace: manualNamespace,
          graceMs: 0,
          retainedPvcTtlMs: 0,
          dryRun: false,
          selector: `${SESSION_ID_LABEL}=${spec.sessionId}`,
        },
      ],
    });
    expect((await metrics.reconcilerPodChecks.get()).values[0]?.value ?? 0).toBe(checksBefore + 1);
    const after = await eventually(
      'the session to recover its pod',
      async () => {
        const s = await stateOf();
        return s.status === 'running' && s.restartCount === 1 ? s : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    expect(after.events.some((e) => e.type === 'pod_lost')).toBe(true);
    await core.readNamespacedPod({ name: after.podName, namespace: manualNamespace });
  } finally {
    await handle.signal(terminateSessionSignal, { reason: 'test-cleanup' }).catch(() => undefined);
    await handle.result().catch(() => undefined);
  }
}, 300_000);

/**
 * Leaves the stack as the run found it, whatever happened: every session the run created is deleted the
 * way a user would (DELETE through the API, while the API and worker still run), then — bounded — whatever
 * is left is removed by force: the run's open workflows (on its own task queue) terminated, and every
 * object labelled with the run's users deleted, credentials-sync identities and quota ledgers included.
 */
import * as k8s from '@kubernetes/client-node';
import { quotaLedgerName } from '../src/k8s/quota-ledger.js';
import { createTemporalClient } from '../src/temporal/client.js';
import type { BenchApi } from './api.js';
import type { BenchSession } from './context.js';
import { runSelector, type BenchRun } from './env.js';
import { sleep } from './processes.js';
import { pool } from './stats.js';

const ignore404 = (err: unknown) => {
  if ((err as { code?: number }).code !== 404) throw err;
};

/** Deletes the live sessions through the API and waits (at most `seconds`) for their pods to be gone. */
export async function deleteThroughApi(
  api: BenchApi,
  live: Map<string, BenchSession>,
  run: BenchRun,
  kc: k8s.KubeConfig,
  seconds: number,
  log: (m: string) => void,
): Promise<void> {
  const sessions = [...live.values()];
  if (sessions.length) log(`cleanup: deleting ${sessions.length} sessions through the API`);
  const never = new AbortController().signal;
  await pool(
    sessions.length,
    50,
    async (i) => {
      const s = sessions[i]!;
      const answer = await api.remove(s.user, s.id, false, 30_000).catch(() => undefined);
      if (answer && (answer.status === 202 || answer.status === 200 || answer.status === 404)) live.delete(s.id);
    },
    never,
  );
  const deadline = Date.now() + seconds * 1000;
  await podsGone(run, kc, seconds, log);
  // The workflows finish deleting the other objects after the pod; let them end on their own.
  const client = await createTemporalClient(run.config);
  try {
    for (;;) {
      const { count } = await client.workflow.count(openWorkflows(run));
      if (count === 0) return;
      if (Date.now() > deadline) return log(`cleanup: ${count} workflows still open after ${seconds} s`);
      await sleep(2000);
    }
  } finally {
    await client.connection.close();
  }
}

const openWorkflows = (run: BenchRun) =>
  `TaskQueue = "${run.config.temporalTaskQueue}" AND ExecutionStatus = "Running"`;

async function podsGone(run: BenchRun, kc: k8s.KubeConfig, seconds: number, log: (m: string) => void) {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const namespace = run.config.sessionNamespace;
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const left = (await core.listNamespacedPod({ namespace, labelSelector: runSelector(run) })).items.length;
    if (left === 0) return true;
    if (Date.now() > deadline) {
      log(`cleanup: ${left} pods still there after ${seconds} s`);
      return false;
    }
    await sleep(2000);
  }
}

/** Terminates the run's open workflows and deletes every object of the run's users. Idempotent. */
export async function forceCleanup(run: BenchRun, kc: k8s.KubeConfig, log: (m: string) => void): Promise<void> {
  const client = await createTemporalClient(run.config);
  let terminated = 0;
  try {
    const open: { workflowId: string; runId: string }[] = [];
    for await (const wf of client.workflow.list({ query: openWorkflows(run) })) open.push(wf);
    await pool(
      open.length,
      50,
      async (i) => {
        await client.workflow
          .getHandle(open[i]!.workflowId, open[i]!.runId)
          .terminate('benchmark cleanup')
          .catch(() => undefined);
        terminated++;
      },
      new AbortController().signal,
    );
  } finally {
    await client.connection.close();
  }
  if (terminated) log(`cleanup: terminated ${terminated} workflows left open`);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  const namespace = run.config.sessionNamespace;
  const labelSelector = runSelector(run);
  await Promise.all([
    core.deleteCollectionNamespacedPod({ namespace, labelSelector, gracePeriodSeconds: 0 }).catch(ignore404),
    core.deleteCollectionNamespacedSecret({ namespace, labelSelector }).catch(ignore404),
    core.deleteCollectionNamespacedConfigMap({ namespace, labelSelector }).catch(ignore404),
    core.deleteCollectionNamespacedPersistentVolumeClaim({ namespace, labelSelector }).catch(ignore404),
    // Owned by the credentials Secrets, but the garbage collector would only remove them some time later.
    core.deleteCollectionNamespacedServiceAccount({ namespace, labelSelector }).catch(ignore404),
    rbac.deleteCollectionNamespacedRole({ namespace, labelSelector }).catch(ignore404),
    rbac.deleteCollectionNamespacedRoleBinding({ namespace, labelSelector }).catch(ignore404),
    core
      .listNamespacedService({ namespace, labelSelector })
      .then((list) =>
        Promise.all(
          list.items.map((s) => core.deleteNamespacedService({ name: s.metadata!.name!, namespace }).catch(ignore404)),
        ),
      ),
    ...run.users.map((user) =>
      core.deleteNamespacedConfigMap({ name: quotaLedgerName(user), namespace }).catch(ignore404),
    ),
  ]);
  await podsGone(run, kc, 60, log);
}

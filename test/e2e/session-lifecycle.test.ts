/**
 * Whole session lifecycles on the real stack: the real worker (in-process, and as `npm run worker`
 * child processes for the crash test) running the session workflow with the real activities against the
 * real kube-apiserver with KWOK nodes and the real Temporal dev server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { Client, Connection, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { loadConfig, type Config } from '../../src/config.js';
import { createKubeClients } from '../../src/k8s/client.js';
import { sessionObjectNames } from '../../src/k8s/names.js';
import { sessionWorkflowId, type SessionSpec, type SessionState } from '../../workflows/contract/spec.js';
import { createDataConverter } from '../../src/temporal/codec.js';
import { createTemporalClient, startSession } from '../../src/temporal/client.js';
import { createWorkerMetrics } from '../../src/temporal/worker-metrics.js';
import { runWorker } from '../../src/worker.js';
import {
  extendSessionUpdate,
  getSessionStateQuery,
  terminateSessionUpdate,
} from '../../workflows/contract/session-messages.js';
import type { sessionWorkflow } from '../../workflows/session.js';
import { testSessionSpec } from '../support/session-spec.js';
import { repoRoot, stackEnv, stackKubeConfig, stackServiceEnv, uniqueSuffix } from '../support/stack.js';
import { eventually } from '../support/wait.js';
import { removeSessionObjects, sessionObjects, settledObjects } from '../support/cluster.js';

type SessionHandle = WorkflowHandle<typeof sessionWorkflow>;

const stack = stackEnv();
const namespace = stack.AGENTAPI_K8S_SESSION_NAMESPACE;
const { core } = createKubeClients(stackKubeConfig());
const codecKey = `k1:${randomBytes(32).toString('base64')}`;

/** The environment a worker of this file runs with: the stack's addresses and the given task queue. */
function workerEnv(taskQueue: string): Record<string, string> {
  return { ...stackServiceEnv(taskQueue, codecKey), LOG_LEVEL: 'warn' };
}

const config: Config = loadConfig(workerEnv(`session-e2e-${uniqueSuffix()}`));
let client: Client;
const metrics = createWorkerMetrics();
const stopWorker = new AbortController();
let workerDone: Promise<void>;

beforeAll(async () => {
  client = await createTemporalClient(config);
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  workerDone = runWorker({ config, metrics, signal: stopWorker.signal, onReady: ready });
  await Promise.race([isReady, workerDone]);
}, 120_000);

afterAll(async () => {
  stopWorker.abort();
  await workerDone;
  await client?.connection.close();
});

const state = (handle: SessionHandle): Promise<SessionState> => handle.query(getSessionStateQuery);

async function untilRunning(
  handle: SessionHandle,
  extra: (s: SessionState) => boolean = () => true,
): Promise<SessionState> {
  return eventually(
    `session ${handle.workflowId} to be running`,
    async () => {
      const current = await state(handle);
      return current.status === 'running' && extra(current) ? current : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 500 },
  );
}

/** A spec with a user of its own, so the per-user pod anti-affinity never couples two tests. */
function spec(overrides: Partial<SessionSpec> = {}): SessionSpec {
  return testSessionSpec({ user: `e2e-${uniqueSuffix()}@example.com`, ...overrides });
}

const withPvc = (deleteOnTerminate: boolean): Partial<SessionSpec> => ({
  pvc: { ...spec().pvc, enabled: true, deleteOnTerminate },
});

/** Removes whatever a test left of a session and ends its workflow, so a failing test leaves no debris. */
async function cleanup(s: SessionSpec): Promise<void> {
  await client.workflow
    .getHandle(sessionWorkflowId(s.sessionId))
    .terminate('test cleanup')
    .catch(() => undefined);
  await removeSessionObjects(s);
}

async function patchNode(name: string, patch: object): Promise<void> {
  await core.patchNode({ name, body: patch }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
}

const minutesBetween = (from: string, to: string): number => (Date.parse(to) - Date.parse(from)) / 60_000;

describe('session lifecycle on the real stack', () => {
  test('a session provisions six labelled objects, runs with its URL, extends, and terminates keeping the PVC when asked', async () => {
    const s = spec(withPvc(true));
    const names = sessionObjectNames(s.user, s.sessionId);
    try {
      const handle = await startSession(client, s, config);
      const running = await untilRunning(handle);
      console.log(
        `session ${s.sessionId}: workflow start to running took ${Date.parse(running.phases.running!) - Date.parse(running.createdAt)} ms`,
      );

      expect(await sessionObjects(s.sessionId)).toEqual(
        [
          `ConfigMap/${names.configMap}`,
          `PersistentVolumeClaim/${names.pvc}`,
          `Pod/${names.pod}`,
          `Secret/${names.credsSecret}`,
          `Secret/${names.mcpSecret}`,
          `Service/${names.service}`,
        ].sort(),
      );
      const pod = await core.readNamespacedPod({ name: names.pod, namespace });
      expect(pod.spec?.securityContext).toEqual(
        expect.objectContaining({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }),
      );
      for (const container of pod.spec?.containers ?? []) {
        expect(container.securityContext).toEqual(
          expect.objectContaining({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } }),
        );
      }
      expect(pod.spec?.volumes?.map((v) => v.persistentVolumeClaim?.claimName)).toContain(names.pvc);
      expect(running.podName).toBe(names.pod);
      expect(running.serviceName).toBe(names.service);
      expect(running.nodeName).toBe(pod.spec?.nodeName);
      expect(running.url).toBe(`http://${names.service}.${namespace}.svc.cluster.local:9000`);
      expect(running.pvcName).toBe(names.pvc);

      const { expiresAt } = await handle.executeUpdate(extendSessionUpdate, { args: [{ minutes: 10 }] });
      expect(minutesBetween(running.expiresAt!, expiresAt)).toBe(10);

      const terminating = await handle.executeUpdate(terminateSessionUpdate, {
        args: [{ reason: 'user', deletePvc: false }],
      });
      expect(['terminating', 'terminated']).toContain(terminating.status);
      const final = await handle.result();
      expect(final.status).toBe('terminated');
      expect(final.endReason).toBe('user');
      expect(final.pvcRetained).toBe(true);
      expect(await settledObjects(s.sessionId, [`PersistentVolumeClaim/${names.pvc}`])).toEqual([
        `PersistentVolumeClaim/${names.pvc}`,
      ]);
    } finally {
      await cleanup(s);
    }
  });

  test('a pod that cannot be scheduled fails the start with POD_START_TIMEOUT and a diagnosis, and nothing is left', async () => {
    const s = spec({
      podStartTimeoutSeconds: 5,
      placement: { nodeSelector: { 'session-orchestrator.test/no-such-node': 'true' }, tolerations: [] },
      ...withPvc(false),
    });
    try {
      const handle = await startSession(client, s, config);
      const err = await handle.result().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const cause = (err as WorkflowFailedError).cause;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect((cause as ApplicationFailure).type).toBe('PodStartTimeout');
      expect(cause?.message).toMatch(/did not become Ready within 5 s/);
      expect(cause?.message).toMatch(/node affinity\/selector|nodeSelector|Unschedulable/i);

      const final = await state(handle);
      expect(final.status).toBe('failed');
      expect(final.endReason).toBe('start_timeout');
      expect(final.lastError?.code).toBe('POD_START_TIMEOUT');
      expect(final.lastError?.message).toBe(cause?.message);
      // Even with a keep-on-terminate policy: the claim of a session that never ran holds nothing.
      expect(await settledObjects(s.sessionId, [])).toEqual([]);
    } finally {
      await cleanup(s);
    }
  });

  test('a spot preemption (node cordoned, pod evicted) recreates the pod on another node with the same PVC', async () => {
    const s = spec({
      placement: {
        nodeSelector: { 'karpenter.sh/capacity-type': 'spot' },
        tolerations: [{ key: 'spot', operator: 'Equal', value: 'true', effect: 'NoSchedule' }],
      },
      ...withPvc(true),
    });
    const names = sessionObjectNames(s.user, s.sessionId);
    let cordoned: string | undefined;
    try {
      const handle = await startSession(client, s, config);
      const before = await untilRunning(handle);
      const firstPod = await core.readNamespacedPod({ name: names.pod, namespace });
      const restartsBefore = await restartsCounted();
      cordoned = before.nodeName!;
      await patchNode(cordoned, { spec: { unschedulable: true } });
      await core.createNamespacedPodEviction({
        name: names.pod,
        namespace,
        body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: names.pod, namespace } },
      });

      const after = await untilRunning(handle, (st) => st.restartCount === 1);
      expect(after.nodeName).not.toBe(cordoned);
      expect(after.expiresAt).toBe(before.expiresAt);
      expect(after.events.map((e) => e.type)).toEqual(expect.arrayContaining(['pod_lost', 'pod_restarted']));
      const secondPod = await core.readNamespacedPod({ name: names.pod, namespace });
      expect(secondPod.metadata?.uid).not.toBe(firstPod.metadata?.uid);
      expect(secondPod.spec?.nodeName).toBe(after.nodeName);
      expect(secondPod.spec?.volumes?.map((v) => v.persistentVolumeClaim?.claimName)).toContain(names.pvc);
      // Operators see the restart on the worker's /metrics (the dashboard's "Session pod restarts" panel).
      expect((await restartsCounted()) - restartsBefore).toBe(1);

      await handle.executeUpdate(terminateSessionUpdate, { args: [{ reason: 'user' }] });
      expect((await handle.result()).status).toBe('terminated');
      expect(await settledObjects(s.sessionId, [])).toEqual([]);
    } finally {
      if (cordoned) await patchNode(cordoned, { spec: { unschedulable: null } });
      await cleanup(s);
    }
  });

  // The next two wait out real time (a worker's replacement, a one-minute deadline) on sessions of their
  // own: they run side by side.
  test.concurrent(
    'a worker killed mid-provision is replaced and the session completes with one set of objects',
    async () => {
      const taskQueue = `session-crash-${uniqueSuffix()}`;
      const crashConfig = loadConfig(workerEnv(taskQueue));
      // The pod can only be scheduled once the test labels a node, so the first worker is certainly killed
      // while the session is still being provisioned.
      const gate = `session-orchestrator.test/crash-${uniqueSuffix()}`;
      const node = 'kwok-ondemand-a';
      const s = spec({ podStartTimeoutSeconds: 120, placement: { nodeSelector: { [gate]: 'true' }, tolerations: [] } });
      const names = sessionObjectNames(s.user, s.sessionId);
      let child: ChildProcess | undefined;
      const stopSecond = new AbortController();
      let secondDone: Promise<void> | undefined;
      try {
        child = spawnWorker(taskQueue);
        const handle = await startSession(client, s, crashConfig);
        await eventually(
          'the session pod to be created and waiting for a node',
          async () => {
            const pod = await core.readNamespacedPod({ name: names.pod, namespace }).catch(() => undefined);
            return pod && !pod.spec?.nodeName ? pod : undefined;
          },
          { timeoutMs: 90_000, intervalMs: 250 },
        );
        await killGroup(child);
        child = undefined;

        await patchNode(node, { metadata: { labels: { [gate]: 'true' } } });
        secondDone = runWorker({ config: crashConfig, signal: stopSecond.signal });
        const running = await untilRunning(handle);
        expect(running.restartCount).toBe(0);
        expect(running.events.filter((e) => e.type === 'pod_created')).toHaveLength(1);
        expect(await sessionObjects(s.sessionId)).toEqual(
          [
            `ConfigMap/${names.configMap}`,
            `Pod/${names.pod}`,
            `Secret/${names.credsSecret}`,
            `Secret/${names.mcpSecret}`,
            `Service/${names.service}`,
          ].sort(),
        );

        await handle.executeUpdate(terminateSessionUpdate, { args: [{ reason: 'user' }] });
        expect((await handle.result()).status).toBe('terminated');
        expect(await settledObjects(s.sessionId, [])).toEqual([]);
      } finally {
        if (child) await killGroup(child);
        stopSecond.abort();
        await secondDone?.catch(() => undefined);
        await patchNode(node, { metadata: { labels: { [gate]: null } } });
        await cleanup(s);
      }
    },
    240_000,
  );

  test.concurrent(
    'a session ends by itself when its one-minute deadline passes, leaving nothing behind',
    async () => {
      const s = spec({ timeoutMinutes: 1, ...withPvc(true) });
      try {
        const handle = await startSession(client, s, config);
        const final = await handle.result();
        expect(final.status).toBe('terminated');
        expect(final.endReason).toBe('timeout');
        expect(await settledObjects(s.sessionId, [])).toEqual([]);
      } finally {
        await cleanup(s);
      }
    },
    180_000,
  );

  test('starting the same session twice yields one workflow and one set of objects, and its history holds no plain-text token', async () => {
    const token = `ghp_e2e${randomBytes(12).toString('hex')}`;
    const s = spec({ secrets: { githubToken: token, mcpServersJson: '{"mcpServers":{}}' } });
    const workflowId = sessionWorkflowId(s.sessionId);
    const raw = new Client({
      connection: await Connection.connect({ address: stack.TEMPORAL_ADDRESS }),
      namespace: stack.TEMPORAL_NAMESPACE,
    });
    try {
      const first = await startSession(client, s, config);
      const second = await startSession(client, s, config);
      expect(second.firstExecutionRunId).toBe(first.firstExecutionRunId);
      await untilRunning(first);
      const runs = await eventually('the session in visibility', async () => {
        const ids: string[] = [];
        for await (const wf of client.workflow.list({ query: `SessionId='${s.sessionId}'` })) ids.push(wf.runId);
        return ids.length > 0 ? ids : undefined;
      });
      expect(runs).toEqual([first.firstExecutionRunId]);
      expect((await sessionObjects(s.sessionId)).filter((o) => o.startsWith('Pod/'))).toHaveLength(1);

      // Seen without the codec, the history shows payload bytes as they are stored on the server.
      const history = await raw.workflow.getHandle(workflowId).fetchHistory();
      // Payload bytes, whatever form the proto objects hold them in (bytes, or base64 after toJSON), as text.
      const stored = JSON.stringify(history, function (this: Record<string, unknown>, key: string, value: unknown) {
        const original = this[key];
        if (original instanceof Uint8Array) return Buffer.from(original).toString('utf8');
        if (key === 'data' && typeof value === 'string') return Buffer.from(value, 'base64').toString('utf8');
        return value;
      });
      // Search attributes are never encrypted: seeing the user proves payload bytes are visible here.
      expect(stored).toContain(s.user);
      expect(stored).not.toContain(token);

      // With the codec, the same stored input decodes to the spec, token included.
      const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
      const payloads = started?.input?.payloads as temporal.api.common.v1.IPayload[];
      const codec = createDataConverter(config).payloadCodecs![0]!;
      const [decoded] = await codec.decode(payloads);
      const input = defaultPayloadConverter.fromPayload<SessionSpec>(decoded!);
      expect(input.secrets.githubToken).toBe(token);
      // That start input is the only copy: provisioning read the token from it (no activity input holds
      // it), and the Secret the pod mounts has it.
      const names = sessionObjectNames(s.user, s.sessionId);
      const creds = await core.readNamespacedSecret({ name: names.credsSecret, namespace: s.namespace });
      expect(Buffer.from(creds.data?.['github-token'] ?? '', 'base64').toString('utf8')).toBe(token);
      const scheduled = history.events?.filter((e) => e.activityTaskScheduledEventAttributes) ?? [];
      const inputs = await codec.decode(
        scheduled.flatMap(
          (e) => e.activityTaskScheduledEventAttributes?.input?.payloads ?? [],
        ) as temporal.api.common.v1.IPayload[],
      );
      expect(
        inputs.some((p) =>
          Buffer.from(p.data ?? new Uint8Array())
            .toString('utf8')
            .includes(token),
        ),
      ).toBe(false);

      await first.executeUpdate(terminateSessionUpdate, { args: [{ reason: 'user' }] });
      await first.result();
    } finally {
      await raw.connection.close();
      await cleanup(s);
    }
  });
});

/** `npm run worker` as its own process group, so the test can kill npm, tsx and node at once. */
function spawnWorker(taskQueue: string): ChildProcess {
  const child = spawn('npm', ['run', '--silent', 'worker'], {
    cwd: repoRoot,
    env: { ...process.env, ...workerEnv(taskQueue) },
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[worker ${child.pid}] ${chunk.toString()}`));
  return child;
}

/** SIGKILL to the whole group: a crash, not a shutdown. */
async function killGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(-child.pid!, 'SIGKILL');
  await exited;
}

async function restartsCounted(): Promise<number> {
  const { values } = await metrics.sessionRestarts.get();
  return values.reduce((sum, v) => sum + v.value, 0);
}

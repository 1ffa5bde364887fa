/**
 * One chaos run: N sessions created through the real API while a driver kill -9s worker processes,
 * deletes and interrupts nodes, restarts the Temporal dev server and injects 429/5xx/resets between
 * the workers and the apiserver. Then faults stop, the run settles, every session is deleted, and the
 * outcome is measured from the cluster and Temporal (not from what the driver believes).
 *
 * It disturbs the whole stack it runs on (Temporal restarts): run it only on a stack of its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { pino } from 'pino';
import { ApiKeyStore, generateApiKey } from '../../src/api/auth.js';
import { createApp } from '../../src/api/app.js';
import { loadConfig } from '../../src/config.js';
import { createKubeClients } from '../../src/k8s/client.js';
import { SESSION_ID_LABEL, SESSION_POD_SELECTOR } from '../../src/k8s/labels.js';
import { isPodReady } from '../../src/k8s/pod-status.js';
import { createTemporalClient } from '../../src/temporal/client.js';
import { buildWorkflowBundle } from '../../src/temporal/workflow-bundle.js';
import { repoRoot, stackDir, stackEnv, stackKubeConfig } from '../../test/support/stack.js';
import { startFaultProxy } from './fault-proxy.js';
import { GraceTracker } from './grace.js';
import { createFaults } from './faults.js';
import { RecoveryClock } from './recovery.js';
import { CHAOS_POOL_LABEL, createChaosNode } from './stack-control.js';

export interface ChaosOptions {
  sessions: number;
  workers: number;
  nodes: number;
  /** Seconds between faults while sessions are being created and after. */
  faultEverySeconds: number;
  /** Faults keep coming this long after the last create. */
  faultTailSeconds: number;
  /** Seconds between an interruption notice and the node's deletion (the real handlers give 120). */
  noticeSeconds: number;
  log?: (line: string) => void;
}

export interface ChaosResult {
  options: ChaosOptions;
  faults: Record<string, number>;
  proxy: { forwarded: number; status429: number; status5xx: number; resets: number };
  correct: number;
  lost: string[];
  duplicatePods: string[];
  orphaned: string[];
  /** Sessions whose delete had not finished within the wait (their objects are not counted as orphans). */
  shutdownUnfinished: string[];
  /**
   * Seconds from a hard node loss on an otherwise quiet system to the session's new pod Ready, one per
   * affected session (see ./recovery.ts).
   */
  recoverySeconds: number[];
  /** The same for losses within reach of another fault (a killed informer leader waits for its lease). */
  recoverySecondsAmidFaults: number[];
  /** Seconds of SIGTERM grace lost, one per session pod on a node that got a notice on a quiet system. */
  lostGraceSeconds: number[];
  /** The same for notices with other faults (a worker kill, a Temporal restart) inside the notice period. */
  lostGraceSecondsAmidFaults: number[];
  /** The grace session pods are promised (`…_POD_STOP_TIMEOUT`). */
  graceSeconds: number;
  durationSeconds: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const started = Date.now();
  // Each line with the seconds since the start: which phase a slow run spent its time in.
  const log =
    options.log ?? ((line: string) => console.log(`[chaos] ${Math.round((Date.now() - started) / 1_000)} s ${line}`));
  const stack = stackEnv();
  const run = Date.now().toString(36);
  const pool = `chaos-${run}`;
  const kc = stackKubeConfig();
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const dir = mkdtempSync(join(tmpdir(), 'so-chaos-'));

  // --- the fault proxy and the workers' kubeconfig pointing at it -------------------------------
  const apiserverPort = Number(new URL(kc.getCurrentCluster()!.server).port);
  const proxy = await startFaultProxy({ pki: join(stackDir, 'pki'), upstreamPort: apiserverPort });
  const workerKubeconfig = join(dir, 'kubeconfig');
  log(`worker logs: ${dir}/worker-<slot>.log`);
  writeFileSync(
    workerKubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'proxy',
          cluster: {
            server: `https://127.0.0.1:${proxy.port}`,
            'certificate-authority': join(stackDir, 'pki', 'ca.crt'),
          },
        },
      ],
      users: [
        {
          name: 'admin',
          user: {
            'client-certificate': join(stackDir, 'pki', 'admin.crt'),
            'client-key': join(stackDir, 'pki', 'admin.key'),
          },
        },
      ],
      contexts: [{ name: 'proxy', context: { cluster: 'proxy', user: 'admin' } }],
      'current-context': 'proxy',
    }),
  );

  // As the image runs a worker: the workflow bundle built once beforehand. A worker bundling at start would
  // spend seconds of CPU in webpack after every kill -9, on the machine whose recovery is being measured.
  const workflowBundle = join(dir, 'workflow-bundle.js');
  writeFileSync(workflowBundle, await buildWorkflowBundle());

  const taskQueue = `chaos-${run}`;
  const tolerations = JSON.stringify([{ key: CHAOS_POOL_LABEL, operator: 'Equal', value: pool, effect: 'NoSchedule' }]);
  const env: Record<string, string> = {
    TEMPORAL_ADDRESS: stack.TEMPORAL_ADDRESS,
    TEMPORAL_NAMESPACE: stack.TEMPORAL_NAMESPACE,
    TEMPORAL_TASK_QUEUE: taskQueue,
    TEMPORAL_CODEC_KEYS: `chaos:${randomBytes(32).toString('base64')}`,
    AGENTAPI_K8S_SESSION_NAMESPACE: stack.AGENTAPI_K8S_SESSION_NAMESPACE,
    AGENTAPI_K8S_SESSION_IMAGE: 'example.invalid/agentapi:chaos',
    AGENTAPI_K8S_SESSION_NODE_SELECTOR: JSON.stringify({ [CHAOS_POOL_LABEL]: pool }),
    AGENTAPI_K8S_SESSION_TOLERATIONS: tolerations,
    AGENTAPI_K8S_SESSION_POD_STOP_TIMEOUT: '2',
    AGENTAPI_K8S_SESSION_MAX_RESTARTS: '20',
    AGENTAPI_K8S_SESSION_LEADER_LEASE_DURATION: '6s',
    AGENTAPI_K8S_SESSION_LEADER_RENEW_DEADLINE: '4s',
    AGENTAPI_K8S_SESSION_LEADER_RETRY_PERIOD: '1s',
    AGENTAPI_K8S_SESSION_RECONCILE_SCHEDULE_ID: `session-reconciler-${run}`,
    AGENTAPI_K8S_SESSION_RECONCILE_INTERVAL: '15s',
    AGENTAPI_K8S_SESSION_RECONCILE_GRACE: '30s',
    API_MAX_SESSIONS_PER_USER: '1000',
    // One user creates every session of the run: the per-user create rate limit would refuse most.
    API_CREATES_PER_USER_PER_MINUTE: '0',
    // Nor the per-key request rate: the driver's status polls (every session every 2 s) and its 200 deletes
    // at once would be refused with 429, and a refused delete was counted as an unfinished shutdown.
    API_RATE_LIMIT_RPS: '0',
    LOG_LEVEL: process.env.CHAOS_WORKER_LOG_LEVEL ?? 'warn',
    WORKER_WORKFLOW_BUNDLE: workflowBundle,
  };

  // --- worker processes, restarted like a Deployment would after a kill -----------------------
  const workers: Array<ChildProcess | undefined> = [];
  let stopping = false;
  const spawnWorker = (slot: number) => {
    // node itself with tsx's loader, not the tsx CLI: the CLI runs the worker in a child process, so a
    // SIGKILL of the CLI would leave the real worker running.
    // Each worker's log (every incarnation appended) stays in the run's directory for the post-mortem.
    const logFd = openSync(join(dir, `worker-${slot}.log`), 'a');
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src', 'worker.ts')], {
      cwd: repoRoot,
      env: { ...process.env, ...env, KUBECONFIG: workerKubeconfig },
      stdio: ['ignore', logFd, logFd],
    });
    workers[slot] = child;
    child.on('exit', () => {
      if (workers[slot] !== child) return;
      workers[slot] = undefined;
      if (!stopping) setTimeout(() => spawnWorker(slot), 1_000 + Math.random() * 2_000);
    });
  };
  for (let slot = 0; slot < options.workers; slot++) spawnWorker(slot);

  // --- nodes ---------------------------------------------------------------------------------
  const nodes: string[] = [];
  let nodeSeq = 0;
  const addNode = async () => {
    const name = `${pool}-${nodeSeq++}`;
    await createChaosNode(core, name, pool);
    nodes.push(name);
  };
  for (let i = 0; i < options.nodes; i++) await addNode();

  // --- watch pods: Ready transitions per session, for recovery times --------------------------
  const clock = new RecoveryClock();
  const informer = k8s.makeInformer<k8s.V1Pod>(
    kc,
    `/api/v1/namespaces/${stack.AGENTAPI_K8S_SESSION_NAMESPACE}/pods`,
    () =>
      core.listNamespacedPod({ namespace: stack.AGENTAPI_K8S_SESSION_NAMESPACE, labelSelector: SESSION_POD_SELECTOR }),
    SESSION_POD_SELECTOR,
  );
  const grace = new GraceTracker(loadConfig({ ...env, KUBECONFIG: stack.KUBECONFIG }).podStopGraceSeconds);
  const onPod = (pod: k8s.V1Pod) => {
    grace.observe(pod);
    clock.observe(pod);
  };
  informer.on(k8s.ADD, onPod);
  informer.on(k8s.UPDATE, onPod);
  informer.on(k8s.DELETE, (pod) => grace.observe(pod));
  informer.on(k8s.ERROR, () => setTimeout(() => void informer.start().catch(() => undefined), 1_000));
  await informer.start();

  // --- the API, in process, talking to the apiserver directly -------------------------------
  const admin = generateApiKey({ id: 'chaos', user: `chaos-${run}`, permissions: ['admin'] });
  const config = loadConfig({ ...env, KUBECONFIG: stack.KUBECONFIG });
  const client = await createTemporalClient(config);
  const app = createApp({
    config,
    client,
    kube: createKubeClients(kc),
    keys: new ApiKeyStore({ keys: [admin.entry] }),
    logger: pino({ level: 'silent' }),
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const api = async (method: string, path: string, body?: unknown) => {
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await fetch(`${base}${path}`, {
          method,
          headers: { Authorization: `Bearer ${admin.key}`, 'Content-Type': 'application/json' },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
        const json = res.status === 204 ? {} : ((await res.json()) as Record<string, unknown>);
        // A client retries what the API calls transient (no worker answered, Temporal restarting).
        if ((res.status === 503 || res.status >= 500) && attempt < 30) {
          await sleep(1_000);
          continue;
        }
        return { status: res.status, body: json };
      } catch (err) {
        if (attempt >= 30) throw err;
        await sleep(1_000);
      }
    }
  };

  // --- faults --------------------------------------------------------------------------------
  const { faults, kinds, inject, injected, busiestNode, sessionsOn, interruptQuietly } = createFaults({
    core,
    namespace: stack.AGENTAPI_K8S_SESSION_NAMESPACE,
    temporalAddress: stack.TEMPORAL_ADDRESS,
    stackDir,
    nodes,
    addNode,
    workers,
    grace,
    clock,
    proxy,
    log,
    noticeSeconds: options.noticeSeconds,
  });
  let faulting = true;
  const ids: string[] = [];
  const faultLoop = (async () => {
    // Faults hit sessions in every phase: they begin once a third of the sessions have been asked for.
    while (ids.length < Math.ceil(options.sessions / 3)) await sleep(250);
    // Until the tail has passed and every kind has happened at least once.
    while (faulting || injected() < kinds.length) {
      await inject().catch((err: unknown) => log(`fault failed: ${String(err)}`));
      await sleep(options.faultEverySeconds * 1_000);
    }
  })();

  // --- sessions ------------------------------------------------------------------------------
  const queue = Array.from({ length: options.sessions }, (_, i) => i);
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
        const res = await api('POST', '/api/v1/sessions?wait=false', { config: {} });
        if (typeof res.body.session_id === 'string') ids.push(res.body.session_id);
        else log(`create ${i} failed: ${res.status} ${JSON.stringify(res.body)}`);
      }
    }),
  );
  log(`${ids.length} sessions created; faults continue ${options.faultTailSeconds} s`);
  await sleep(options.faultTailSeconds * 1_000);
  faulting = false;
  await faultLoop;
  proxy.setFaultRate(0);

  // --- settle and measure --------------------------------------------------------------------
  const status = async (id: string) => (await api('GET', `/api/v1/sessions/${id}`)).body.status as string | undefined;
  /** Sessions that really serve: a Ready pod, not being deleted, on a node that still exists. */
  const serving = async () => {
    const [livePods, liveNodes] = await Promise.all([
      core.listNamespacedPod({ namespace: stack.AGENTAPI_K8S_SESSION_NAMESPACE, labelSelector: SESSION_POD_SELECTOR }),
      core.listNode(),
    ]);
    const nodeNames = new Set(liveNodes.items.map((n) => n.metadata?.name));
    return new Set(
      livePods.items
        .filter((p) => !p.metadata?.deletionTimestamp && isPodReady(p) && nodeNames.has(p.spec?.nodeName))
        .map((p) => p.metadata?.labels?.[SESSION_ID_LABEL]),
    );
  };
  const settle = async (): Promise<string[]> => {
    const settleDeadline = Date.now() + 300_000;
    let waiting = ids;
    while (waiting.length > 0 && Date.now() < settleDeadline) {
      const ok = await serving();
      const states = await Promise.all(waiting.map(async (id) => [id, await status(id)] as const));
      waiting = states.filter(([id, s]) => s !== 'running' || !ok.has(id)).map(([id]) => id);
      if (waiting.length > 0) await sleep(2_000);
    }
    return waiting;
  };
  const unsettled = await settle();
  log(`settled: ${ids.length - unsettled.length}/${ids.length} running`);
  // A hard loss of the busiest node on a quiet system, every session running: the recovery target's case.
  await sleep(clock.untilQuiet());
  const quietNode = nodes.splice(await busiestNode(), 1)[0]!;
  await addNode();
  const quietLoss = clock.hardLoss(quietNode, await sessionsOn(quietNode));
  log(
    `quiet hard loss at ${new Date(quietLoss.at).toISOString()}: node ${quietNode} with ${quietLoss.sessions.length} sessions`,
  );
  await core.deleteNode({ name: quietNode });
  const recoveredBy = Date.now() + 120_000;
  while (Date.now() < recoveredBy && quietLoss.sessions.some((id) => clock.recoveryOf(id, quietLoss) === undefined)) {
    await sleep(500);
  }
  const unrecovered = quietLoss.sessions.filter((id) => clock.recoveryOf(id, quietLoss) === undefined);
  log(`quiet hard loss: ${quietLoss.sessions.length - unrecovered.length}/${quietLoss.sessions.length} recovered`);
  // And an interruption notice on a quiet system: the lost-grace target's case.
  await settle();
  await interruptQuietly();
  const notRunning = await settle();
  log(`after the quiet interruption: ${ids.length - notRunning.length}/${ids.length} running`);
  // A create that never got an id counts as lost too.
  const correct = ids.length - notRunning.length;
  const pods = await core.listNamespacedPod({
    namespace: stack.AGENTAPI_K8S_SESSION_NAMESPACE,
    labelSelector: SESSION_POD_SELECTOR,
  });
  const podsPer = new Map<string, number>();
  for (const pod of pods.items) {
    if (pod.metadata?.deletionTimestamp) continue;
    const id = pod.metadata?.labels?.[SESSION_ID_LABEL] ?? '';
    podsPer.set(id, (podsPer.get(id) ?? 0) + 1);
  }
  const duplicatePods = [...podsPer].filter(([id, n]) => ids.includes(id) && n > 1).map(([id]) => id);
  const recoveries = clock.recoveries();

  // --- delete everything; whatever stays is orphaned -----------------------------------------
  await Promise.all(ids.map((id) => api('DELETE', `/api/v1/sessions/${id}`)));
  // Objects of a session still shutting down are not orphans: wait (bounded) for the workflows to close,
  // then count only objects of closed sessions. Shutdowns that did not finish are reported apart.
  const closeDeadline = Date.now() + 600_000;
  let open = ids;
  while (open.length > 0 && Date.now() < closeDeadline) {
    const states = await Promise.all(open.map(async (id) => [id, await status(id)] as const));
    open = states.filter(([, s]) => s !== 'terminated' && s !== 'failed').map(([id]) => id);
    if (open.length > 0) await sleep(2_000);
  }
  const closed = ids.filter((id) => !open.includes(id));
  log(`deleted: ${closed.length}/${ids.length} closed`);
  const orphanDeadline = Date.now() + 120_000;
  let orphaned: string[] = [];
  for (;;) {
    const selector = SESSION_POD_SELECTOR;
    const namespace = stack.AGENTAPI_K8S_SESSION_NAMESPACE;
    const [p, s, c, sec] = await Promise.all([
      core.listNamespacedPod({ namespace, labelSelector: selector }),
      core.listNamespacedService({ namespace, labelSelector: selector }),
      core.listNamespacedConfigMap({ namespace, labelSelector: selector }),
      core.listNamespacedSecret({ namespace, labelSelector: selector }),
    ]);
    orphaned = [...p.items, ...s.items, ...c.items, ...sec.items]
      .filter((o) => closed.includes(o.metadata?.labels?.[SESSION_ID_LABEL] ?? ''))
      .map((o) => `${o.kind ?? 'object'}/${o.metadata?.name}`);
    if (orphaned.length === 0 || Date.now() > orphanDeadline) break;
    await sleep(2_000);
  }

  // --- tear down what this run created -------------------------------------------------------
  stopping = true;
  for (const w of workers) w?.kill('SIGTERM');
  await informer.stop();
  server.closeAllConnections();
  server.close();
  await client.schedule
    .getHandle(`session-reconciler-${run}`)
    .delete()
    .catch(() => undefined);
  await client.connection.close();
  await proxy.close();
  for (const node of nodes) await core.deleteNode({ name: node }).catch(() => undefined);

  return {
    options,
    faults,
    proxy: { ...proxy.stats },
    correct,
    lost: notRunning,
    duplicatePods,
    orphaned,
    shutdownUnfinished: open,
    recoverySeconds: recoveries.quiet,
    recoverySecondsAmidFaults: recoveries.amidFaults,
    lostGraceSeconds: grace.lostSeconds(true),
    lostGraceSecondsAmidFaults: grace.lostSeconds(false),
    graceSeconds: grace.expectedGraceSeconds,
    durationSeconds: Math.round((Date.now() - started) / 1_000),
  };
}

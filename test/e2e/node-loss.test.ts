/**
 * Fast loss detection with two worker replicas, as deploy/ runs them: one leads the informers, the
 * other takes over when it stops, and a session whose node is interrupted and then deleted receives
 * each podLost reason exactly once.
 *
 * The workers watch a namespace of this test's own and the pod is on a node of its own, so other
 * tests' workers on the shared stack neither see nor signal it.
 */
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { pino } from 'pino';
import { loadConfig, type Config } from '../../src/config.js';
import { informerLeaseName } from '../../src/k8s/leader-informers.js';
import { sessionWorkflowId } from '../../workflows/contract/spec.js';
import { createTemporalClient } from '../../src/temporal/client.js';
import { createDataConverter } from '../../src/temporal/codec.js';
import { runWorker } from '../../src/worker.js';
import { recordedPodLostQuery, stopRecordingSignal } from '../support/node-loss-workflows.js';
import {
  createNamespace,
  createNode,
  createSessionPodOn,
  deleteNamespace,
  deleteNode,
  taintNode,
} from '../support/private-namespace.js';
import { testSessionSpec } from '../support/session-spec.js';
import { stackEnv, stackKubeConfig, stackServiceEnv, uniqueSuffix } from '../support/stack.js';
import { eventually } from '../support/wait.js';

const suffix = uniqueSuffix();
const namespace = `reliab-node-${suffix}`;
const nodeName = `reliab-node-${suffix}`;
const kc = stackKubeConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const leases = kc.makeApiClient(k8s.CoordinationV1Api);
const config: Config = loadConfig({
  ...stackServiceEnv(`node-loss-${suffix}`, `nl:${randomBytes(32).toString('base64')}`),
  AGENTAPI_K8S_SESSION_NAMESPACE: namespace,
  AGENTAPI_K8S_SESSION_LEADER_LEASE_DURATION: '4s',
  AGENTAPI_K8S_SESSION_LEADER_RENEW_DEADLINE: '3s',
  AGENTAPI_K8S_SESSION_LEADER_RETRY_PERIOD: '1s',
  LOG_LEVEL: 'warn',
});

/** A worker replica running in this process until stopped. */
function replica(identity: string) {
  const stop = new AbortController();
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  const done = runWorker({ config, identity, signal: stop.signal, onReady: ready, logger: pino({ level: 'silent' }) });
  return {
    ready: Promise.race([isReady, done]),
    async stop() {
      stop.abort();
      await done;
    },
  };
}

async function leaseHolder(): Promise<string | undefined> {
  const lease = await leases.readNamespacedLease({ name: informerLeaseName(config.temporalTaskQueue), namespace });
  return lease.spec?.holderIdentity;
}

let client: Client;
beforeAll(async () => {
  await createNamespace(namespace);
  await createNode(nodeName);
  await eventually('the test node to be Ready', async () => {
    const node = await core.readNode({ name: nodeName });
    return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined;
  });
  client = await createTemporalClient(config);
});

afterAll(async () => {
  await deleteNode(nodeName);
  await deleteNamespace(namespace);
  await client?.connection.close();
});

test('Two workers elect one informer leader, fail over when it stops, and signal a node interruption and a node loss once each', async () => {
  const a = replica('replica-a');
  await a.ready;
  const b = replica('replica-b');
  await b.ready;
  expect(await leaseHolder()).toBe('replica-a');

  // The session: a recorder in place of the session workflow, and its real pod on the test node.
  const spec = testSessionSpec({ namespace });
  const probeQueue = `node-loss-probe-${suffix}`;
  const probeWorker = await Worker.create({
    connection: await NativeConnection.connect({ address: stackEnv().TEMPORAL_ADDRESS }),
    namespace: config.temporalNamespace,
    taskQueue: probeQueue,
    workflowsPath: fileURLToPath(new URL('../support/node-loss-workflows.ts', import.meta.url)),
    // The informer's signals are encrypted with the deployment's key, as in production.
    dataConverter: createDataConverter(config),
  });
  let c: ReturnType<typeof replica> | undefined;
  await probeWorker.runUntil(async () => {
    const session = await client.workflow.start('podLostRecorderWorkflow', {
      taskQueue: probeQueue,
      workflowId: sessionWorkflowId(spec.sessionId),
    });
    try {
      const pod = await createSessionPodOn(spec, nodeName);

      // Failover: the leader stops; the standby takes the Lease and starts its informers.
      await a.stop();
      await eventually('replica-b to lead', async () => ((await leaseHolder()) === 'replica-b' ? true : undefined));
      // A new standby, so two replicas run while the node fails: only the leader may signal.
      c = replica('replica-c');
      await c.ready;

      const recorded = () => session.query(recordedPodLostQuery);
      await taintNode(nodeName, 'karpenter.sh/disrupted');
      await eventually('the interruption notice', async () =>
        (await recorded()).some((r) => r.reason === 'node-interruption') ? true : undefined,
      );
      await core.deleteNode({ name: nodeName });
      await eventually('the node loss', async () =>
        (await recorded()).some((r) => r.reason === 'node-lost') ? true : undefined,
      );
      // A second informer would have signalled within milliseconds; give it ample time to show up.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const signals = await recorded();
      expect(signals.filter((s) => s.reason === 'node-interruption')).toEqual([
        {
          podName: pod.metadata!.name,
          podUid: pod.metadata!.uid,
          reason: 'node-interruption',
          message: expect.stringContaining(nodeName),
        },
      ]);
      expect(signals.filter((s) => s.reason === 'node-lost')).toEqual([
        {
          podName: pod.metadata!.name,
          podUid: pod.metadata!.uid,
          reason: 'node-lost',
          message: `node ${nodeName} was deleted`,
        },
      ]);
    } finally {
      await session.signal(stopRecordingSignal);
      await session.result();
    }
  });
  await Promise.all([b.stop(), c?.stop()]);
});

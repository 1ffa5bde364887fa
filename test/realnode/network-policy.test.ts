/**
 * NetworkPolicy is enforced on the real node: with the session policy, another session's pod cannot reach
 * an agent on :9000 while the orchestrator's pod (and the host, where probes come from) still can; without
 * it the same request goes through, so the denial is the policy's doing and not a broken network.
 */
import { randomBytes } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import * as k8s from '@kubernetes/client-node';
import { loadConfig, type Config } from '../../src/config.js';
import { createKubeClients } from '../../src/k8s/client.js';
import { sessionObjectNames } from '../../src/k8s/names.js';
import { sessionWorkflowId, type SessionSpec, type SessionState } from '../../src/session/spec.js';
import { createTemporalClient, startSession } from '../../src/temporal/client.js';
import { runWorker } from '../../src/worker.js';
import { getSessionStateQuery } from '../../workflows/definitions.js';
import type { sessionWorkflow } from '../../workflows/session.js';
import { removeSessionObjects } from '../support/cluster.js';
import { stackEnv, stackServiceEnv, uniqueSuffix } from '../support/stack.js';
import { eventually } from '../support/wait.js';
import { ORCHESTRATOR_LABELS, sessionIngressPolicy } from './policy.js';
import { execIn, fromHost, kubeConfig, realNodeEnv, realNodePlacement, realNodeSpec } from './support.js';

const node = realNodeEnv();
const namespace = stackEnv().AGENTAPI_K8S_SESSION_NAMESPACE;
const { core } = createKubeClients(kubeConfig);
const net = kubeConfig.makeApiClient(k8s.NetworkingV1Api);
const config: Config = loadConfig({
  ...stackServiceEnv(`realnode-np-${uniqueSuffix()}`, `k1:${randomBytes(32).toString('base64')}`),
  LOG_LEVEL: 'warn',
});
let client: Client;
const stopWorker = new AbortController();
let workerDone: Promise<void>;

beforeAll(async () => {
  client = await createTemporalClient(config);
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  workerDone = runWorker({ config, signal: stopWorker.signal, onReady: ready });
  await Promise.race([isReady, workerDone]);
}, 120_000);

afterAll(async () => {
  stopWorker.abort();
  await workerDone;
  await client?.connection.close();
});

function untilRunning(handle: WorkflowHandle<typeof sessionWorkflow>): Promise<SessionState> {
  return eventually(
    `session ${handle.workflowId} to be running`,
    async () => {
      const s = await handle.query(getSessionStateQuery);
      if (s.status === 'failed') throw new Error(`session failed: ${JSON.stringify(s)}`);
      return s.status === 'running' ? s : undefined;
    },
    { timeoutMs: 150_000, intervalMs: 500 },
  );
}

/** A stand-in for an orchestrator pod (worker/API) on the real node, in a namespace of its own. */
async function startOrchestratorPod(orchNamespace: string): Promise<string> {
  await core.createNamespace({ body: { metadata: { name: orchNamespace } } });
  const placement = realNodePlacement(node);
  await core.createNamespacedPod({
    namespace: orchNamespace,
    body: {
      metadata: { name: 'orchestrator', labels: ORCHESTRATOR_LABELS },
      spec: {
        nodeSelector: placement.nodeSelector,
        tolerations: placement.tolerations,
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'orchestrator',
            image: node.agentImage,
            imagePullPolicy: 'Never',
            command: ['/bin/standin', 'idle'],
            securityContext: { runAsNonRoot: true, runAsUser: 999, allowPrivilegeEscalation: false },
          },
        ],
      },
    },
  });
  return eventually(
    'the orchestrator pod to run',
    async () => {
      const p = await core.readNamespacedPod({ name: 'orchestrator', namespace: orchNamespace });
      return p.status?.phase === 'Running' && p.status.podIP ? p.status.podIP : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 500 },
  );
}

/** Whether a request from inside a pod gets the agent's status from `ip`:9000 (3 s timeout). */
async function reaches(podNamespace: string, pod: string, container: string, ip: string): Promise<boolean> {
  const r = await execIn(podNamespace, pod, container, ['/bin/standin', 'get', `http://${ip}:9000/status`]);
  return r.status === 'Success' && r.stdout.includes('"stable"');
}

describe('NetworkPolicy on the real node', () => {
  test("the session policy blocks a second session's pod from :9000 while the orchestrator's side reaches it", async () => {
    const orchNamespace = `realnode-orch-${uniqueSuffix()}`;
    const policyName = `realnode-np-${uniqueSuffix()}`;
    const target = realNodeSpec(node);
    const other = realNodeSpec(node);
    const sessions: SessionSpec[] = [target, other];
    try {
      const [orchestratorIp] = await Promise.all([
        startOrchestratorPod(orchNamespace),
        untilRunning(await startSession(client, target, config)),
        untilRunning(await startSession(client, other, config)),
      ]);
      expect(orchestratorIp).toBeDefined();
      const targetPod = sessionObjectNames(target.user, target.sessionId).pod;
      const otherPod = sessionObjectNames(other.user, other.sessionId).pod;
      const targetIp = (await core.readNamespacedPod({ name: targetPod, namespace })).status!.podIP!;

      // Without a policy the bridge carries session-to-session traffic.
      expect(await reaches(namespace, otherPod, 'claude-code', targetIp)).toBe(true);

      await net.createNamespacedNetworkPolicy({
        namespace,
        body: sessionIngressPolicy({
          name: policyName,
          namespace,
          orchestratorNamespace: orchNamespace,
          sessionIds: [target.sessionId, other.sessionId],
        }),
      });
      await eventually(
        "the policy to block the other session's pod",
        async () => ((await reaches(namespace, otherPod, 'claude-code', targetIp)) ? undefined : true),
        { timeoutMs: 60_000, intervalMs: 1_000 },
      );
      expect(await reaches(orchNamespace, 'orchestrator', 'orchestrator', targetIp)).toBe(true);
      // The host (kubelet probes, an orchestrator outside the cluster) is not subject to pod policies.
      expect((await fromHost(targetIp, '/status')).status).toBe(200);
      expect(await reaches(namespace, otherPod, 'claude-code', targetIp)).toBe(false);

      await net.deleteNamespacedNetworkPolicy({ name: policyName, namespace });
      await eventually(
        'traffic to flow again once the policy is gone',
        async () => ((await reaches(namespace, otherPod, 'claude-code', targetIp)) ? true : undefined),
        { timeoutMs: 60_000, intervalMs: 1_000 },
      );
    } finally {
      await net.deleteNamespacedNetworkPolicy({ name: policyName, namespace }).catch(() => undefined);
      await core.deleteNamespace({ name: orchNamespace }).catch(() => undefined);
      for (const s of sessions) {
        await client.workflow
          .getHandle(sessionWorkflowId(s.sessionId))
          .terminate('test cleanup')
          .catch(() => undefined);
        await removeSessionObjects(s);
      }
    }
  });
});

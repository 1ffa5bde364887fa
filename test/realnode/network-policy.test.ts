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
import { sessionWorkflowId, type SessionSpec, type SessionState } from '../../workflows/contract/spec.js';
import { createTemporalClient, startSession } from '../../src/temporal/client.js';
import { runWorker } from '../../src/worker.js';
import { getSessionStateQuery } from '../../workflows/contract/session-messages.js';
import type { sessionWorkflow } from '../../workflows/session.js';
import { removeSessionObjects } from '../support/cluster.js';
import { stackEnv, stackServiceEnv, uniqueSuffix } from '../support/stack.js';
import { eventually } from '../support/wait.js';
import { ORCHESTRATOR_POD_LABELS, SESSION_NETWORK_POLICY_NAME } from '../../src/k8s/network-policy.js';
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

/**
 * A stand-in for an orchestrator pod (worker/API) on the real node: the orchestrator's labels, in the
 * namespace given (created when missing; returns whether it was).
 */
async function startOrchestratorPod(podNamespace: string, name: string): Promise<{ ip: string; created: boolean }> {
  const created = await core.createNamespace({ body: { metadata: { name: podNamespace } } }).then(
    () => true,
    (err: unknown) => {
      if ((err as { code?: number }).code === 409) return false;
      throw err;
    },
  );
  const placement = realNodePlacement(node);
  await core.createNamespacedPod({
    namespace: podNamespace,
    body: {
      metadata: { name, labels: { ...ORCHESTRATOR_POD_LABELS } },
      spec: {
        nodeSelector: placement.nodeSelector,
        tolerations: placement.tolerations,
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'orchestrator',
            // The stand-in agent: an open :9000 of its own, to try sessions' egress against.
            image: node.agentImage,
            imagePullPolicy: 'Never',
            securityContext: { runAsNonRoot: true, runAsUser: 999, allowPrivilegeEscalation: false },
          },
        ],
      },
    },
  });
  const ip = await eventually(
    `the pod ${podNamespace}/${name} to run`,
    async () => {
      const p = await core.readNamespacedPod({ name, namespace: podNamespace });
      return p.status?.phase === 'Running' && p.status.podIP ? p.status.podIP : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 500 },
  );
  return { ip, created };
}

/** Whether a request from inside a pod gets the agent's status from `ip`:9000 (3 s timeout). */
async function reaches(podNamespace: string, pod: string, container: string, ip: string): Promise<boolean> {
  const r = await execIn(podNamespace, pod, container, ['/bin/standin', 'get', `http://${ip}:9000/status`]);
  return r.status === 'Success' && r.stdout.includes('"stable"');
}

describe('NetworkPolicy on the real node', () => {
  test("the session policy blocks a second session's pod from :9000 while the orchestrator's side reaches it", async () => {
    const impostorNamespace = `realnode-orch-${uniqueSuffix()}`;
    const orchestratorPod = `realnode-orchestrator-${uniqueSuffix()}`;
    const target = realNodeSpec(node);
    const other = realNodeSpec(node);
    const sessions: SessionSpec[] = [target, other];
    let createdOrchestratorNamespace = false;
    try {
      // The worker ensured the product's policy before it took work; it selects every session pod.
      const policy = await net.readNamespacedNetworkPolicy({ name: SESSION_NETWORK_POLICY_NAME, namespace });
      expect(policy.spec?.policyTypes).toEqual(['Ingress', 'Egress']);

      const [orchestrator] = await Promise.all([
        startOrchestratorPod(config.orchestratorNamespace, orchestratorPod).then((o) => {
          createdOrchestratorNamespace = o.created;
          return o;
        }),
        // Same image, same labels, same node: only its namespace is not the orchestrator's.
        startOrchestratorPod(impostorNamespace, 'orchestrator'),
        untilRunning(await startSession(client, target, config)),
        untilRunning(await startSession(client, other, config)),
      ]);
      const targetPod = sessionObjectNames(target.user, target.sessionId).pod;
      const otherPod = sessionObjectNames(other.user, other.sessionId).pod;
      const targetIp = (await core.readNamespacedPod({ name: targetPod, namespace })).status!.podIP!;

      // The enforcer follows pods as their addresses appear: wait until the orchestrator's is allowed in.
      await eventually(
        "the orchestrator's pod to reach the agent",
        async () =>
          (await reaches(config.orchestratorNamespace, orchestratorPod, 'orchestrator', targetIp)) ? true : undefined,
        { timeoutMs: 30_000, intervalMs: 1_000 },
      );
      // The host (kubelet probes, an orchestrator outside the cluster) is not subject to pod policies.
      expect((await fromHost(targetIp, '/status')).status).toBe(200);
      // Another session, and an identical pod outside the orchestrator's namespace, are refused.
      expect(await reaches(namespace, otherPod, 'claude-code', targetIp)).toBe(false);
      expect(await reaches(impostorNamespace, 'orchestrator', 'orchestrator', targetIp)).toBe(false);
      // Egress: the orchestrator pod's :9000 is open (no policy selects that pod), yet a session cannot
      // reach it: sessions reach no private address.
      expect(await reaches(impostorNamespace, 'orchestrator', 'orchestrator', orchestrator.ip)).toBe(true);
      expect(await reaches(namespace, targetPod, 'claude-code', orchestrator.ip)).toBe(false);
    } finally {
      await core.deleteNamespace({ name: impostorNamespace }).catch(() => undefined);
      if (createdOrchestratorNamespace) {
        await core.deleteNamespace({ name: config.orchestratorNamespace }).catch(() => undefined);
      } else {
        await core
          .deleteNamespacedPod({
            name: orchestratorPod,
            namespace: config.orchestratorNamespace,
            gracePeriodSeconds: 0,
          })
          .catch(() => undefined);
      }
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

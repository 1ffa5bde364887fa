/**
 * Sessions on the stack's REAL node (STACK_REAL_NODE=1): real containers from offline-built images, a real
 * readiness probe, real logs and exec (client-node). Delete's grace and the workspace: api.test.ts. The worker runs the
 * real workflow and activities in-process, exactly as in test/e2e.
 */
import { randomBytes } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { loadConfig, type Config } from '../../src/config.js';
import { createKubeClients } from '../../src/k8s/client.js';
import { CREDENTIALS_SYNC_TOKEN_DIR } from '../../src/k8s/credentials-sync-identity.js';
import { sessionObjectNames } from '../../src/k8s/names.js';
import { sessionWorkflowId, type SessionSpec, type SessionState } from '../../workflows/contract/spec.js';
import { createTemporalClient, startSession } from '../../src/temporal/client.js';
import { runWorker } from '../../src/worker.js';
import { getSessionStateQuery } from '../../workflows/contract/session-messages.js';
import type { sessionWorkflow } from '../../workflows/session.js';
import { removeSessionObjects } from '../support/cluster.js';
import { stackEnv, stackServiceEnv, uniqueSuffix } from '../support/stack.js';
import { eventually } from '../support/wait.js';
import { execIn, fromHost, kubeConfig, realNodeEnv, realNodeSpec } from './support.js';

type SessionHandle = WorkflowHandle<typeof sessionWorkflow>;

const node = realNodeEnv();
const namespace = stackEnv().AGENTAPI_K8S_SESSION_NAMESPACE;
const { core } = createKubeClients(kubeConfig);
const codecKey = `k1:${randomBytes(32).toString('base64')}`;
const config: Config = loadConfig({
  ...stackServiceEnv(`realnode-${uniqueSuffix()}`, codecKey),
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

const state = (handle: SessionHandle): Promise<SessionState> => handle.query(getSessionStateQuery);

function untilRunning(handle: SessionHandle): Promise<SessionState> {
  return eventually(
    `session ${handle.workflowId} to be running`,
    async () => {
      const current = await state(handle);
      if (current.status === 'failed') throw new Error(`session failed: ${JSON.stringify(current)}`);
      return current.status === 'running' ? current : undefined;
    },
    { timeoutMs: 150_000, intervalMs: 500 },
  );
}

async function cleanup(s: SessionSpec): Promise<void> {
  await client.workflow
    .getHandle(sessionWorkflowId(s.sessionId))
    .terminate('test cleanup')
    .catch(() => undefined);
  await removeSessionObjects(s);
}

const podOf = (s: SessionSpec) => sessionObjectNames(s.user, s.sessionId).pod;
const agentStatus = (pod: k8s.V1Pod) => pod.status?.containerStatuses?.find((c) => c.name === 'claude-code');

describe('sessions on the real node', () => {
  test('a session reaches running only after the real readiness probe passes, and logs and exec show the real container', async () => {
    // /status answers 503 until this file exists: the test, not a timer, decides when the agent is ready.
    const s = realNodeSpec(node, { env: { STANDIN_READY_FILE: '/tmp/ready' } });
    const pod = podOf(s);
    try {
      const handle = await startSession(client, s, config);
      const started = await eventually(
        'the agent container to be running on the real node',
        async () => {
          const p = await core.readNamespacedPod({ name: pod, namespace });
          return agentStatus(p)?.state?.running && p.status?.podIP ? p : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 500 },
      );
      expect(started.spec?.nodeName).toBe(node.name);
      const ip = started.status!.podIP!;
      expect(ip.startsWith(node.podCidr.split('.').slice(0, 3).join('.'))).toBe(true);

      // The container runs and answers, but not ready: the probe fails, so neither Kubernetes nor the
      // session calls it ready.
      expect(await fromHost(ip, '/status')).toEqual(expect.objectContaining({ status: 503 }));
      const notYet = await core.readNamespacedPod({ name: pod, namespace });
      expect(agentStatus(notYet)?.ready).toBe(false);
      expect((await state(handle)).status).toBe('creating');

      const touched = await execIn(namespace, pod, 'claude-code', [
        'sh',
        '-c',
        'touch /tmp/ready && echo ready-$(id -u)',
      ]);
      expect(touched).toEqual(expect.objectContaining({ status: 'Success', stdout: 'ready-999\n' }));

      const running = await untilRunning(handle);
      expect(running.nodeName).toBe(node.name);
      const ready = await core.readNamespacedPod({ name: pod, namespace });
      expect(agentStatus(ready)?.ready).toBe(true);
      console.log(
        `real node: session ${s.sessionId} created→running ${Date.parse(running.phases.running!) - Date.parse(running.createdAt)} ms (includes the test's exec)`,
      );

      // The real agent API through the pod's own address.
      expect(JSON.parse((await fromHost(ip, '/status')).body)).toEqual({ status: 'stable', agent_type: 'standin' });
      const posted = await fromHost(ip, '/message', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ content: 'hello real node', type: 'user' }),
      });
      expect(posted.status).toBe(200);
      const messages = JSON.parse((await fromHost(ip, '/messages')).body) as { messages: { content: string }[] };
      expect(messages.messages.map((m) => m.content)).toEqual(['hello real node', 'echo: hello real node']);
      const events = await fetch(`http://${ip}:9000/events`, { signal: AbortSignal.timeout(5_000) });
      expect(events.headers.get('content-type')).toBe('text/event-stream');
      const reader = events.body!.getReader();
      const first = new TextDecoder().decode((await reader.read()).value);
      await reader.cancel();
      expect(first).toContain('event: status_change');

      // Logs and exec come from the real containers through the kubelet.
      const log = await core.readNamespacedPodLog({ name: pod, namespace, container: 'claude-code' });
      expect(log).toContain('standin agent listening on :9000');
      const sidecarLog = await core.readNamespacedPodLog({ name: pod, namespace, container: 'credentials-sync' });
      expect(sidecarLog).toContain('standin credentials-sync: idle until SIGTERM');
      // The kubelet projects the session's own token into credentials-sync alone; the agent's shell finds
      // no Kubernetes credential anywhere.
      const agentTokens = await execIn(namespace, pod, 'claude-code', [
        'sh',
        '-c',
        `ls ${CREDENTIALS_SYNC_TOKEN_DIR} /var/run/secrets/kubernetes.io/serviceaccount 2>&1; true`,
      ]);
      expect(agentTokens.stdout).not.toMatch(/^token$/m);
      const syncToken = await execIn(namespace, pod, 'credentials-sync', [
        'sh',
        '-c',
        `test -s ${CREDENTIALS_SYNC_TOKEN_DIR}/token && echo present`,
      ]);
      expect(syncToken.stdout).toBe('present\n');
      const env = await execIn(namespace, pod, 'claude-code', ['sh', '-c', 'echo $HOME; cat /proc/1/cmdline']);
      expect(env.stdout).toBe('/home/agentapi\n/bin/standin\0'); // cmdline is NUL-terminated
      const failed = await execIn(namespace, pod, 'claude-code', ['sh', '-c', 'exit 3']);
      expect(failed.status).toBe('Failure');
    } finally {
      await cleanup(s);
    }
  });
  // Delete's grace and the workspace kept by delete_pvc=false: api.test.ts, through the API's own routes.
});

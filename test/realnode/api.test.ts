/**
 * The HTTP API with sessions on the stack's REAL node: created and deleted through the API's own routes,
 * the reverse proxy serving the real agent (HTTP and SSE), logs and exec of the real containers through
 * the API, and the workspace kept by `delete_pvc=false` adopted again with `pvc_name`.
 *
 * The API runs on the test host, where `*.svc.cluster.local` does not resolve and no kube-proxy routes
 * Service addresses. So the test does what kube-proxy would: it takes the session Service's endpoint from
 * its EndpointSlice (which proves the Service selects the pod on the agent port) and gives the API that
 * address as its upstream. Everything after the name lookup — auth, ownership, the proxy, the pod — is real.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import request from 'supertest';
import { attachUpgrades } from '../../src/api/proxy.js';
import { AGENT_PORT } from '../../src/k8s/manifests.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { uniqueSuffix } from '../support/stack.js';
import { eventually } from '../support/wait.js';
import { kubeConfig, realNodeEnv } from './support.js';

const node = realNodeEnv();
const discovery = kubeConfig.makeApiClient(k8s.DiscoveryV1Api);
let h: ApiHarness;
const servers: Server[] = [];
const created: string[] = [];
const as = (key: string) => ({ Authorization: `Bearer ${key}` });

beforeAll(async () => {
  h = await startApiHarness({
    // The session defaults put every session of this API on the real node, from the imported images.
    AGENTAPI_K8S_SESSION_IMAGE: node.agentImage,
    AGENTAPI_K8S_SESSION_CREDENTIALS_SYNC_IMAGE: node.agentImage,
    AGENTAPI_K8S_SESSION_OTEL_IMAGE: node.sidecarImage,
    AGENTAPI_K8S_SESSION_IMAGE_PULL_POLICY: 'Never',
    AGENTAPI_K8S_SESSION_NODE_SELECTOR: JSON.stringify({ type: 'real' }),
    AGENTAPI_K8S_SESSION_TOLERATIONS: JSON.stringify([{ key: node.label, operator: 'Exists', effect: 'NoSchedule' }]),
    // Workspaces on the node's local volumes; sessions ask for one with pvc_enabled.
    AGENTAPI_K8S_SESSION_PVC_ENABLED: 'true',
    AGENTAPI_K8S_SESSION_PVC_STORAGE_CLASS: node.storageClass,
    // The node has two CPUs shared with the whole stack.
    AGENTAPI_K8S_SESSION_CPU_REQUEST: '50m',
    AGENTAPI_K8S_SESSION_CPU_LIMIT: '500m',
    AGENTAPI_K8S_SESSION_MEMORY_REQUEST: '32Mi',
    AGENTAPI_K8S_SESSION_MEMORY_LIMIT: '256Mi',
  });
}, 180_000);

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  for (const id of created) {
    await request(h.app).delete(`/api/v1/sessions/${id}?wait=true&delete_pvc=true`).set(as(h.keys.admin));
  }
  await h?.close();
});

interface Session {
  session_id: string;
  status: string;
  pod_name: string | null;
  service_name: string | null;
  pvc_name: string | null;
  node_name?: string | null;
}

async function createSession(config: object): Promise<Session> {
  const res = await request(h.app).post('/api/v1/sessions').set(as(h.keys.alice)).send({ config });
  expect(res.status).toBe(201);
  created.push(res.body.session_id);
  expect(res.body.status).toBe('running');
  return res.body as Session;
}

const exec = (id: string, command: string[]) =>
  request(h.app).post(`/api/v1/sessions/${id}/exec`).set(as(h.keys.alice)).send({ command });

/** The session Service's ready endpoint on the agent port, as kube-proxy would pick it. */
async function serviceEndpoint(serviceName: string): Promise<string> {
  return eventually(`a ready endpoint of ${serviceName}`, async () => {
    const slices = await discovery.listNamespacedEndpointSlice({
      namespace: h.config.sessionNamespace,
      labelSelector: `kubernetes.io/service-name=${serviceName}`,
    });
    for (const slice of slices.items) {
      const port = slice.ports?.find((p) => p.port === AGENT_PORT);
      const ready = (slice.endpoints ?? []).find((e) => e.conditions?.ready);
      if (port && ready) return `http://${ready.addresses[0]}:${port.port}`;
    }
    return undefined;
  });
}

/** The API on a real port (SSE needs a socket), proxying to `upstream`. */
async function listen(upstream: string): Promise<string> {
  const app = h.appWith({ AGENTAPI_K8S_SESSION_UPSTREAM_OVERRIDE: upstream });
  const server = createServer(app);
  attachUpgrades(server, app);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('the API with a session on the real node', () => {
  test('the reverse proxy serves the real agent, and logs and exec return its real output', async () => {
    const session = await createSession({ pvc_enabled: false });
    const id = session.session_id;
    const pod = await h.kube.core.readNamespacedPod({ name: session.pod_name!, namespace: h.config.sessionNamespace });
    expect(pod.spec?.nodeName).toBe(node.name);
    const upstream = await serviceEndpoint(session.service_name!);
    expect(upstream).toBe(`http://${pod.status!.podIP}:${AGENT_PORT}`);
    const base = await listen(upstream);
    const path = (rest: string) => `/api/v1/sessions/${id}/proxy${rest}`;
    const proxied = (rest: string) => `${base}${path(rest)}`;

    const status = await request(base).get(path('/status')).set(as(h.keys.alice));
    expect(status.status).toBe(200);
    expect(status.body).toEqual({ status: 'stable', agent_type: 'standin' });
    // Another user's key reaches nothing, even with the upstream known.
    expect((await request(base).get(path('/status')).set(as(h.keys.bob))).status).toBe(404);

    // SSE through the proxy: the stream is open before the message is posted, so its echo can only
    // have come through it.
    const stop = new AbortController();
    const events: EventSourceMessage[] = [];
    try {
      const res = await fetch(proxied('/events'), { headers: as(h.keys.alice), signal: stop.signal });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/event-stream');
      const parser = createParser({ onEvent: (e) => events.push(e) });
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      const readUntil = async (found: () => boolean) => {
        while (!found()) {
          const { value, done } = await reader.read();
          if (done) throw new Error('stream ended early');
          parser.feed(value);
        }
      };
      await readUntil(() => events.some((e) => e.event === 'status_change'));
      const text = `through the proxy ${uniqueSuffix()}`;
      const posted = await fetch(proxied('/message'), {
        method: 'POST',
        headers: { ...as(h.keys.alice), 'content-type': 'application/json' },
        body: JSON.stringify({ content: text, type: 'user' }),
      });
      expect(posted.status).toBe(200);
      await readUntil(() => events.some((e) => e.event === 'message_update' && e.data.includes(`echo: ${text}`)));
      const messages = await request(base).get(path('/messages')).set(as(h.keys.alice));
      expect(messages.body.messages.map((m: { content: string }) => m.content)).toEqual([text, `echo: ${text}`]);
      await reader.cancel().catch(() => undefined);
    } finally {
      stop.abort();
    }

    const logs = await request(h.app).get(`/api/v1/sessions/${id}/logs?tail=50`).set(as(h.keys.alice));
    expect(logs.status).toBe(200);
    expect(logs.text).toContain('standin agent listening on :9000');
    const sidecar = await request(h.app)
      .get(`/api/v1/sessions/${id}/logs?container=credentials-sync`)
      .set(as(h.keys.alice));
    expect(sidecar.text).toContain('standin credentials-sync: idle until SIGTERM');

    const ran = await exec(id, ['sh', '-c', 'echo $HOME; id -u; cat /proc/1/cmdline; echo oops >&2; exit 3']);
    expect(ran.status).toBe(200);
    expect(ran.body).toMatchObject({ exit_code: 3, stdout: '/home/agentapi\n999\n/bin/standin\0', stderr: 'oops\n' });
  });

  test('delete gives the agent its grace, and the workspace kept by delete_pvc=false comes back with pvc_name', async () => {
    const exitDelayMs = 3_000;
    const first = await createSession({
      pvc_enabled: true,
      env: { STANDIN_EXIT_DELAY: `${exitDelayMs}ms`, STANDIN_TERM_FILE: '/home/agentapi/.claude/sigterm.txt' },
    });
    expect(first.pvc_name).toBeTruthy();
    const marker = `written-before-delete-${first.session_id}`;
    const wrote = await exec(first.session_id, ['sh', '-c', `echo ${marker} > /home/agentapi/.claude/notes.txt`]);
    expect(wrote.body.exit_code).toBe(0);

    const deleteRequested = Date.now();
    const deleted = await request(h.app)
      .delete(`/api/v1/sessions/${first.session_id}?delete_pvc=false&wait=true`)
      .set(as(h.keys.alice));
    const deleteDone = Date.now();
    expect(deleted.status).toBe(200);
    const kept = await h.kube.core.readNamespacedPersistentVolumeClaim({
      name: first.pvc_name!,
      namespace: h.config.sessionNamespace,
    });
    expect(kept.status?.phase).toBe('Bound');

    const second = await createSession({ pvc_name: first.pvc_name });
    expect(second.pvc_name).toBe(first.pvc_name);
    const read = await exec(second.session_id, [
      'cat',
      '/home/agentapi/.claude/notes.txt',
      '/home/agentapi/.claude/sigterm.txt',
    ]);
    const [notes, sigtermLine, exitLine] = String(read.body.stdout).trim().split('\n');
    expect(notes).toBe(marker);
    // The agent wrote both lines itself: SIGTERM reached it, it ran on through its own shutdown, and it
    // exited before the grace ran out (the kubelet would have killed it before writing "exit").
    expect(sigtermLine).toMatch(/^sigterm /);
    expect(exitLine).toMatch(/^exit /);
    const sigtermAt = Date.parse(sigtermLine!.slice('sigterm '.length));
    const exitAt = Date.parse(exitLine!.slice('exit '.length));
    expect(exitAt - sigtermAt).toBeGreaterThanOrEqual(exitDelayMs);
    expect(sigtermAt).toBeGreaterThanOrEqual(deleteRequested - 1_000);
    console.log(
      `real node via the API: delete→SIGTERM ${sigtermAt - deleteRequested} ms, SIGTERM→exit ${exitAt - sigtermAt} ms ` +
        `(agent delay ${exitDelayMs} ms), DELETE ?wait=true answered after ${deleteDone - deleteRequested} ms`,
    );
  });
});

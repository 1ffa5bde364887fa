/**
 * What the terminal tests share: the harness's API on a real port (WebSockets need one) with sessions on
 * the real node, and a reader of a terminal's output that waits for a pattern.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { SessionClient, type SessionTerminal } from '../../packages/client/src/index.js';
import { attachUpgrades } from '../../src/api/proxy.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { realNodeEnv } from './support.js';

export const as = (key: string) => ({ Authorization: `Bearer ${key}` });

/** Sessions of this API land on the real node, from the imported stand-in images (busybox sh inside). */
export function realNodeApiEnv(): Record<string, string> {
  const node = realNodeEnv();
  return {
    AGENTAPI_K8S_SESSION_IMAGE: node.agentImage,
    AGENTAPI_K8S_SESSION_CREDENTIALS_SYNC_IMAGE: node.agentImage,
    AGENTAPI_K8S_SESSION_OTEL_IMAGE: node.sidecarImage,
    AGENTAPI_K8S_SESSION_IMAGE_PULL_POLICY: 'Never',
    AGENTAPI_K8S_SESSION_NODE_SELECTOR: JSON.stringify({ type: 'real' }),
    AGENTAPI_K8S_SESSION_TOLERATIONS: JSON.stringify([{ key: node.label, operator: 'Exists', effect: 'NoSchedule' }]),
    AGENTAPI_K8S_SESSION_CPU_REQUEST: '50m',
    AGENTAPI_K8S_SESSION_CPU_LIMIT: '500m',
    AGENTAPI_K8S_SESSION_MEMORY_REQUEST: '32Mi',
    AGENTAPI_K8S_SESSION_MEMORY_LIMIT: '256Mi',
  };
}

export interface TerminalStack {
  h: ApiHarness;
  url: string;
  /** A running session of alice's on the real node. */
  sessionId: string;
  podName: string;
  clientOf(key: string): SessionClient;
  close(): Promise<void>;
}

export async function startTerminalStack(env: Record<string, string> = {}): Promise<TerminalStack> {
  const h = await startApiHarness({ ...realNodeApiEnv(), ...env });
  const app = h.app;
  const server: Server = createServer(app);
  attachUpgrades(server, app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const created = await request(app)
    .post('/api/v1/sessions')
    .set(as(h.keys.alice))
    .send({ config: { pvc_enabled: false } });
  if (created.status !== 201)
    throw new Error(`session did not start: ${created.status} ${JSON.stringify(created.body)}`);
  const sessionId = created.body.session_id as string;
  return {
    h,
    url,
    sessionId,
    podName: created.body.pod_name as string,
    clientOf: (key) => new SessionClient({ baseUrl: url, apiKey: key }),
    async close() {
      await request(app).delete(`/api/v1/sessions/${sessionId}?wait=true`).set(as(h.keys.admin));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await h.close();
    },
  };
}

/** Collects a terminal's output as text; `until` waits for a pattern to appear after a mark. */
export class Screen {
  text = '';
  bytes = 0;
  private waiters: (() => void)[] = [];

  constructor(terminal: SessionTerminal) {
    const decoder = new TextDecoder();
    terminal.onData((chunk) => {
      this.bytes += chunk.length;
      this.text += decoder.decode(chunk, { stream: true });
      // Only a tail is kept: a flood (`yes`) must not grow the test's own memory.
      if (this.text.length > 1_000_000) this.text = this.text.slice(-100_000);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** Waits until `pattern` matches the output; returns the match. */
  async until(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = this.text.match(pattern);
      if (match) return match;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no ${pattern} in the terminal output; its end: ${JSON.stringify(this.text.slice(-500))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Forgets what was seen so far, so the next `until` only matches new output. */
  clear(): void {
    this.text = '';
  }
}

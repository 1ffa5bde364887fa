/**
 * The harness's API on a real port, as a program reaches it over HTTP: event streams, log follows and the
 * proxy need a real socket (supertest buffers answers). Proxied requests go to a stand-in agent.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { attachUpgrades } from '../../src/api/proxy.js';
import { startAgentServer, type AgentServer } from './agent-server.js';
import type { ApiHarness } from './api-harness.js';

export interface ListeningApi {
  url: string;
  agent: AgentServer;
  close(): Promise<void>;
}

/** Serves `h.appWith(env)` on 127.0.0.1 with the stand-in agent behind its proxy. */
export async function listenApi(h: ApiHarness, env: Record<string, string> = {}): Promise<ListeningApi> {
  const agent = await startAgentServer();
  const app = h.appWith({ AGENTAPI_K8S_SESSION_UPSTREAM_OVERRIDE: agent.url, ...env });
  const server: Server = createServer(app);
  attachUpgrades(server, app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    agent,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await agent.close();
    },
  };
}

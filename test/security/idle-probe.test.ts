/**
 * A hostile agent answering the worker's idle probe (`GET /status`): it must not make the worker request
 * another address for it (a redirect into the cluster network), nor make it read an endless body, nor be
 * believed when it answers something that is not the status JSON. In each case the probe says
 * "unreachable", which never suspends the session.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { createSuspendActivities } from '../../activities/suspend.js';
import type { KubeClients } from '../../src/k8s/client.js';

const servers: Server[] = [];
afterAll(() => Promise.all(servers.map((s) => new Promise((done) => s.close(done)))));

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The worker's probe, aimed at `agent` the way tests aim the proxy at a stand-in agent. */
function probe(agent: string) {
  const acts = createSuspendActivities({
    clients: {} as KubeClients,
    config: { apiMaxSessionsPerUser: 1, maxSuspendedPerUser: 1, proxyUpstreamOverride: agent },
    logger: pino({ level: 'silent' }),
  });
  return acts.agentStatus({ namespace: 'sessions', user: 'mallory', sessionId: 'idle-probe' });
}

test('a redirect is not followed: the internal address it names is never requested', async () => {
  let internalHits = 0;
  const internal = await serve((_req, res) => {
    internalHits += 1;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ status: 'stable' }));
  });
  const agent = await serve((_req, res) => {
    res.writeHead(302, { location: `${internal}/latest/meta-data/iam` }).end();
  });
  expect(await probe(agent)).toEqual({ status: 'unreachable' });
  expect(internalHits).toBe(0);
});

test('an oversized body is not read to its end and is not believed', async () => {
  let bytesSent = 0;
  let finished = false;
  const agent = await serve((_req, res) => {
    res.setHeader('content-type', 'application/json');
    const padding = 'x'.repeat(64 * 1024);
    res.write('{"status":"stable","padding":"');
    // 64 MiB unless the client hangs up first.
    const writeMore = (left: number): void => {
      if (left === 0 || res.destroyed) {
        if (left === 0) finished = true;
        res.end('"}');
        return;
      }
      bytesSent += padding.length;
      if (res.write(padding)) setImmediate(() => writeMore(left - 1));
      else res.once('drain', () => writeMore(left - 1));
    };
    res.on('close', () => undefined);
    writeMore(1024);
  });
  expect(await probe(agent)).toEqual({ status: 'unreachable' });
  expect(finished).toBe(false);
  expect(bytesSent).toBeLessThan(64 * 1024 * 1024);
});

test('a body that is not the status JSON is not believed', async () => {
  const html = await serve((_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end('{"status":"stable"}');
  });
  const wrongShape = await serve((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ status: { stable: true } }));
  });
  expect(await probe(html)).toEqual({ status: 'unreachable' });
  expect(await probe(wrongShape)).toEqual({ status: 'unreachable' });
});

test('an honest agent is still heard', async () => {
  const agent = await serve((_req, res) => {
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.end(JSON.stringify({ status: 'stable', agent_type: 'claude' }));
  });
  expect(await probe(agent)).toEqual({ status: 'stable' });
});

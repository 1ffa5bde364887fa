/**
 * A small HTTP load balancer for the rollout test, behaving like a Service's endpoints or a cloud
 * balancer: round-robin over the backends whose `/ready` answered 200 at the last health check
 * (every 200 ms; a timeout counts only when repeated), one fresh connection per request (no keep-alive to a backend that may be draining),
 * and no retries — a request sent to a backend that fails is a failed request.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoadBalancer {
  url: string;
  /** Backends currently in rotation. */
  healthy(): string[];
  setBackends(urls: string[]): void;
  close(): Promise<void>;
}

const agent = new http.Agent({ keepAlive: false });

export async function startLoadBalancer(backends: string[], checkIntervalMs = 200): Promise<LoadBalancer> {
  let all = [...backends];
  let healthy = new Set<string>();
  let next = 0;

  // Like a readiness probe with failureThreshold 2 for timeouts: an answer other than 200 (a draining
  // API's 503) takes a backend out at once, while one slow answer from a busy machine does not.
  const strikes = new Map<string, number>();
  const check = async () => {
    const results = await Promise.all(
      all.map(async (url) => {
        try {
          const res = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(2500) });
          await res.arrayBuffer();
          strikes.set(url, 0);
          return res.status === 200 ? url : undefined;
        } catch {
          const n = (strikes.get(url) ?? 0) + 1;
          strikes.set(url, n);
          return n < 2 && healthy.has(url) ? url : undefined;
        }
      }),
    );
    healthy = new Set(results.filter((u): u is string => !!u));
  };
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await check();
      await new Promise((r) => setTimeout(r, checkIntervalMs));
    }
  })();

  const server = http.createServer((req, res) => {
    const pool = all.filter((u) => healthy.has(u));
    if (pool.length === 0) {
      res.writeHead(503, { 'Content-Type': 'text/plain' }).end('no healthy backend');
      return;
    }
    const target = new URL(pool[next++ % pool.length]!);
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host, connection: 'close' },
        agent,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end(`backend ${target.host} failed: ${err.message}`);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    healthy: () => all.filter((u) => healthy.has(u)),
    setBackends(urls) {
      all = [...urls];
    },
    async close() {
      stopped = true;
      await loop;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

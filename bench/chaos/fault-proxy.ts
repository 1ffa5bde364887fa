/**
 * A fault-injecting TLS proxy between the workers and the kube-apiserver: it terminates TLS with a
 * certificate signed by the stack's CA (so the workers' kubeconfig only changes its server URL),
 * forwards each request to the apiserver with the stack's admin client certificate, and — while a
 * fault rate is set — answers some requests with 429 or 5xx or resets their connection instead.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request as httpsRequest, Agent } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface FaultProxy {
  port: number;
  /** Fraction of requests (0..1) answered with a fault. */
  setFaultRate(rate: number): void;
  stats: { forwarded: number; status429: number; status5xx: number; resets: number };
  close(): Promise<void>;
}

/** A serving certificate for 127.0.0.1 signed by the stack CA (made once, kept in the pki directory). */
function proxyCertificate(pki: string): { cert: Buffer; key: Buffer } {
  const crt = join(pki, 'fault-proxy.crt');
  const key = join(pki, 'fault-proxy.key');
  if (!existsSync(crt)) {
    const ext = join(pki, 'fault-proxy.ext');
    writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
    const csr = join(pki, 'fault-proxy.csr');
    execFileSync(
      'openssl',
      ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=fault-proxy', '-keyout', key, '-out', csr],
      {
        stdio: 'ignore',
      },
    );
    execFileSync(
      'openssl',
      [
        'x509',
        '-req',
        '-in',
        csr,
        '-CA',
        join(pki, 'ca.crt'),
        '-CAkey',
        join(pki, 'ca.key'),
        '-CAcreateserial',
        '-days',
        '30',
        '-extfile',
        ext,
        '-out',
        crt,
      ],
      { stdio: 'ignore' },
    );
  }
  return { cert: readFileSync(crt), key: readFileSync(key) };
}

export async function startFaultProxy(options: { pki: string; upstreamPort: number }): Promise<FaultProxy> {
  const { pki, upstreamPort } = options;
  const upstream = new Agent({
    ca: readFileSync(join(pki, 'ca.crt')),
    cert: readFileSync(join(pki, 'admin.crt')),
    key: readFileSync(join(pki, 'admin.key')),
    keepAlive: true,
  });
  const stats = { forwarded: 0, status429: 0, status5xx: 0, resets: 0 };
  let rate = 0;
  const server = createServer({ ...proxyCertificate(pki) }, (req, res) => {
    if (rate > 0 && Math.random() < rate) {
      const pick = Math.random();
      if (pick < 0.4) {
        stats.status429++;
        res.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': '1' });
        res.end(
          JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'TooManyRequests', code: 429 }),
        );
      } else if (pick < 0.75) {
        stats.status5xx++;
        const code = pick < 0.6 ? 503 : 500;
        res.writeHead(code, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'InternalError', code }));
      } else {
        stats.resets++;
        req.socket.destroy();
      }
      return;
    }
    stats.forwarded++;
    const forward = httpsRequest(
      {
        host: '127.0.0.1',
        port: upstreamPort,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent: upstream,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    forward.on('error', () => req.socket.destroy());
    res.on('close', () => forward.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    setFaultRate: (r) => {
      rate = r;
    },
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        upstream.destroy();
      }),
  };
}

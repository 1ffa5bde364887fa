/**
 * A TLS-terminating front for the stack's plaintext Temporal frontend (the dev server has no TLS flags):
 * it speaks TLS with ALPN h2, requires a client certificate signed by the test CA (mTLS), and pipes the
 * decrypted bytes to the frontend. Certificates are made with openssl for each test run.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';

export interface TestPki {
  dir: string;
  caPath: string;
  serverName: string;
  server: { cert: Buffer; key: Buffer };
  client: { certPath: string; keyPath: string };
  /** A client certificate from another CA: TLS works, the proxy must refuse it. */
  rogue: { certPath: string; keyPath: string };
  close(): void;
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A CA, a server certificate for `serverName`, a client certificate, and a rogue client from another CA. */
export function makeTestPki(serverName = 'temporal.test.internal'): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'so-pki-'));
  const ca = (name: string) =>
    openssl(
      dir,
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
    );
  const leaf = (name: string, caName: string, ext: string) => {
    openssl(
      dir,
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
    );
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(
      dir,
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${caName}.crt`,
      '-CAkey',
      `${caName}.key`,
      '-CAcreateserial',
      '-days',
      '1',
      '-out',
      `${name}.crt`,
      '-extfile',
      `${name}.ext`,
    );
  };
  ca('ca');
  ca('rogue-ca');
  leaf('server', 'ca', `subjectAltName=DNS:${serverName}\nextendedKeyUsage=serverAuth\n`);
  leaf('client', 'ca', 'extendedKeyUsage=clientAuth\n');
  leaf('rogue', 'rogue-ca', 'extendedKeyUsage=clientAuth\n');
  return {
    dir,
    caPath: join(dir, 'ca.crt'),
    serverName,
    server: { cert: readFileSync(join(dir, 'server.crt')), key: readFileSync(join(dir, 'server.key')) },
    client: { certPath: join(dir, 'client.crt'), keyPath: join(dir, 'client.key') },
    rogue: { certPath: join(dir, 'rogue.crt'), keyPath: join(dir, 'rogue.key') },
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface TlsProxy {
  address: string;
  /** Handshakes refused for a missing or untrusted client certificate. */
  refused: () => number;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1, mTLS required, forwarding to `upstream` (host:port) in plain text. */
export async function startTlsProxy(pki: TestPki, upstream: string): Promise<TlsProxy> {
  const [host, port] = [
    upstream.slice(0, upstream.lastIndexOf(':')),
    Number(upstream.slice(upstream.lastIndexOf(':') + 1)),
  ];
  let refused = 0;
  const sockets = new Set<net.Socket>();
  const server = tls.createServer(
    {
      cert: pki.server.cert,
      key: pki.server.key,
      ca: readFileSync(pki.caPath),
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: ['h2'],
    },
    (client) => {
      const backend = net.connect(port, host);
      sockets.add(client).add(backend);
      client.pipe(backend).pipe(client);
      const done = () => {
        client.destroy();
        backend.destroy();
        sockets.delete(client);
        sockets.delete(backend);
      };
      client.on('error', done).on('close', done);
      backend.on('error', done).on('close', done);
    },
  );
  server.on('tlsClientError', () => refused++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: listening } = server.address() as net.AddressInfo;
  return {
    address: `127.0.0.1:${listening}`,
    refused: () => refused,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

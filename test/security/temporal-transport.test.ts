/**
 * Temporal is not an open door: the API's client and the worker reach the frontend through a
 * TLS-terminating proxy that demands a client certificate of the test CA (mTLS), with the CA, the
 * certificate, the key and the server name given exactly as an operator would (TEMPORAL_TLS_*).
 */
import { randomBytes } from 'node:crypto';
import { Connection, type Client } from '@temporalio/client';
import { loadConfig, type Config } from '../../src/config.js';
import { sessionWorkflowId } from '../../workflows/contract/spec.js';
import { createTemporalClient, startSession } from '../../src/temporal/client.js';
import { temporalConnectionOptions } from '../../src/temporal/connection-options.js';
import { runWorker } from '../../src/worker.js';
import { getSessionStateQuery, terminateSessionUpdate } from '../../workflows/contract/session-messages.js';
import type { sessionWorkflow } from '../../workflows/session.js';
import { removeSessionObjects, settledObjects } from '../support/cluster.js';
import { testSessionSpec } from '../support/session-spec.js';
import { stackEnv, stackServiceEnv, uniqueSuffix } from '../support/stack.js';
import { makeTestPki, startTlsProxy, type TestPki, type TlsProxy } from '../support/tls-proxy.js';
import { eventually } from '../support/wait.js';

let pki: TestPki;
let proxy: TlsProxy;
const codecKey = `k1:${randomBytes(32).toString('base64')}`;
const taskQueue = `session-tls-${uniqueSuffix()}`;

function tlsConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    ...stackServiceEnv(taskQueue, codecKey),
    TEMPORAL_ADDRESS: proxy.address,
    TEMPORAL_TLS_CA: pki.caPath,
    TEMPORAL_TLS_CERT: pki.client.certPath,
    TEMPORAL_TLS_KEY: pki.client.keyPath,
    TEMPORAL_TLS_SERVER_NAME: pki.serverName,
    LOG_LEVEL: 'warn',
    ...overrides,
  });
}

/**
 * Connects as every process of the service does (its connection options), but gives up after 3 s instead
 * of the client's default 10: a refused handshake is retried until that timeout, so each refusal costs it.
 */
async function connect(config: Config): Promise<void> {
  const connection = await Connection.connect({ ...temporalConnectionOptions(config), connectTimeout: '3s' });
  await connection.close();
}

beforeAll(async () => {
  pki = makeTestPki();
  proxy = await startTlsProxy(pki, stackEnv().TEMPORAL_ADDRESS);
});

afterAll(async () => {
  await proxy?.close();
  pki?.close();
});

describe('Temporal over mTLS', () => {
  test('the worker and a client connected only through the mTLS proxy run a session start to end', async () => {
    const config = tlsConfig();
    const stop = new AbortController();
    let ready!: () => void;
    const isReady = new Promise<void>((resolve) => (ready = resolve));
    const workerDone = runWorker({ config, signal: stop.signal, onReady: ready });
    await Promise.race([isReady, workerDone]);
    let client: Client | undefined;
    const spec = testSessionSpec();
    try {
      client = await createTemporalClient(config);
      await startSession(client, spec, config);
      const handle = client.workflow.getHandle<typeof sessionWorkflow>(sessionWorkflowId(spec.sessionId));
      const running = await eventually(
        'the session to run',
        async () => {
          const s = await handle.query(getSessionStateQuery);
          return s.status === 'running' ? s : undefined;
        },
        { timeoutMs: 90_000 },
      );
      expect(running.podName).toBeTruthy();
      await handle.executeUpdate(terminateSessionUpdate, { args: [{ reason: 'user' }] });
      expect((await handle.result()).status).toBe('terminated');
      expect(await settledObjects(spec.sessionId, [])).toEqual([]);
    } finally {
      await client?.connection.close();
      stop.abort();
      await workerDone;
      await removeSessionObjects(spec);
    }
  });

  test('the refusal tests connect as the service does: with the operator settings that connection succeeds', async () => {
    await expect(connect(tlsConfig())).resolves.toBeUndefined();
  });

  test('a client without a client certificate is refused at the handshake', async () => {
    const before = proxy.refused();
    await expect(connect(tlsConfig({ TEMPORAL_TLS_CERT: '', TEMPORAL_TLS_KEY: '' }))).rejects.toThrow();
    expect(proxy.refused()).toBeGreaterThan(before);
  });

  test('a client certificate from another CA is refused', async () => {
    const before = proxy.refused();
    await expect(
      connect(tlsConfig({ TEMPORAL_TLS_CERT: pki.rogue.certPath, TEMPORAL_TLS_KEY: pki.rogue.keyPath })),
    ).rejects.toThrow();
    expect(proxy.refused()).toBeGreaterThan(before);
  });

  // Each refusal waits out the connect timeout; the two that do not read the proxy's refusal counter run
  // side by side.
  test.concurrent('a frontend whose certificate does not carry TEMPORAL_TLS_SERVER_NAME is not trusted', async () => {
    await expect(connect(tlsConfig({ TEMPORAL_TLS_SERVER_NAME: 'someone-else.example' }))).rejects.toThrow();
  });

  test.concurrent('plaintext to the TLS port does not get through', async () => {
    await expect(
      connect(loadConfig({ ...stackServiceEnv(taskQueue, codecKey), TEMPORAL_ADDRESS: proxy.address })),
    ).rejects.toThrow();
  });
});

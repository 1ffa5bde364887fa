/**
 * The API process (`npm run api`): the HTTP API on API_HOST:API_PORT. On SIGTERM it stops accepting
 * connections, lets in-flight requests finish (event streams are ended), then closes the Temporal client.
 */
import type { Server } from 'node:http';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { pino, type Logger } from 'pino';
import { ApiKeyStore, loadApiKeys } from './api/auth.js';
import { LOG_REDACT_PATHS, createApp } from './api/app.js';
import { attachUpgrades } from './api/proxy.js';
import { loadConfig, type Config } from './config.js';
import { createKubeClients } from './k8s/client.js';
import { createTemporalClient } from './temporal/client.js';

/** How long in-flight requests (a create may wait up to the pod start timeout) get after SIGTERM. */
const DRAIN_TIMEOUT_MS = 30_000;

export interface RunningApi {
  server: Server;
  url: string;
  /** Stops accepting, waits for in-flight requests, closes the Temporal connection. */
  close(): Promise<void>;
}

export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({
    name: 'session-api',
    level: config.logLevel,
    redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' },
  });
}

export async function startApi(config: Config, logger: Logger = createLogger(config)): Promise<RunningApi> {
  const keys = new ApiKeyStore(loadApiKeys(config.apiKeysFile));
  if (!config.apiKeysFile) logger.warn('API_KEYS_FILE is not set: every authenticated request will get 401');
  const kc = new k8s.KubeConfig();
  if (config.kubeconfig) kc.loadFromFile(config.kubeconfig);
  else kc.loadFromCluster();
  const client = await createTemporalClient(config);
  const shutdown = new AbortController();
  const app = createApp({ config, client, kube: createKubeClients(kc), keys, logger, shutdown: shutdown.signal });
  const server = await new Promise<Server>((done, fail) => {
    const s = app.listen(config.apiPort, config.apiHost, () => done(s));
    s.once('error', fail);
  });
  const tunnels = attachUpgrades(server, app);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.apiPort;
  const url = `http://${config.apiHost}:${port}`;
  logger.info({ url }, 'API listening');
  return {
    server,
    url,
    async close() {
      shutdown.abort();
      tunnels.closeTunnels();
      const closed = new Promise<void>((done) => server.close(() => done()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), DRAIN_TIMEOUT_MS);
      await closed;
      clearTimeout(timer);
      await client.connection.close();
      logger.info('API stopped');
    },
  };
}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const api = await startApi(config);
  let closing: Promise<void> | undefined;
  for (const name of ['SIGTERM', 'SIGINT'] as const) {
    // A repeated signal (e.g. relayed by a wrapper process) must not cut the drain short.
    process.on(name, () => {
      closing ??= api.close().then(
        () => process.exit(0),
        (err: unknown) => {
          console.error(err);
          process.exit(1);
        },
      );
    });
  }
}

// Run only as the entry point, so tests can import startApi.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}

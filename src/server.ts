/**
 * The API process (`npm run api`): the HTTP API on API_HOST:API_PORT. On SIGTERM it first turns `/ready`
 * to 503 for API_SHUTDOWN_DELAY_SECONDS (balancers and Service endpoints stop sending), then stops
 * accepting connections, lets in-flight requests finish (event streams are ended), and closes the
 * Temporal client. API keys are reloaded whenever API_KEYS_FILE changes.
 */
import type { Server } from 'node:http';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { pino, type Logger } from 'pino';
import { ApiKeyStore, loadApiKeys } from './api/auth.js';
import { watchApiKeys } from './api/key-reload.js';
import { LOG_REDACT_PATHS, createApp } from './api/app.js';
import { attachUpgrades } from './api/proxy.js';
import { loadConfig, type Config } from './config.js';
import { createKubeClients } from './k8s/client.js';
import { watchQuotaLedgers } from './k8s/ledger-informer.js';
import { LedgerVersions } from './k8s/ledger-versions.js';
import { createTemporalClient } from './temporal/client.js';
import { initTelemetry } from './telemetry.js';

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
  const keyWatcher = config.apiKeysFile ? watchApiKeys(config.apiKeysFile, keys, logger) : undefined;
  const kc = new k8s.KubeConfig();
  if (config.kubeconfig) kc.loadFromFile(config.kubeconfig);
  else kc.loadFromCluster();
  const client = await createTemporalClient(config);
  const shutdown = new AbortController();
  const draining = new AbortController();
  const kube = createKubeClients(kc);
  const ledgerVersions = new LedgerVersions();
  const ledgerWatch = watchQuotaLedgers({
    clients: kube,
    namespace: config.sessionNamespace,
    versions: ledgerVersions,
    log: logger.child({ component: 'quota-ledger-watch' }),
  });
  const app = createApp({
    config,
    client,
    kube,
    keys,
    logger,
    shutdown: shutdown.signal,
    draining: draining.signal,
    ledgerVersions,
  });
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
      draining.abort();
      logger.info({ delaySeconds: config.apiShutdownDelaySeconds }, 'draining: /ready is 503');
      await new Promise((done) => setTimeout(done, config.apiShutdownDelaySeconds * 1000));
      keyWatcher?.close();
      await ledgerWatch.stop();
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
  // Before any client is built: the Temporal and Kubernetes clients pick their tracing up at creation.
  const telemetry = initTelemetry({ serviceName: 'session-api', config });
  const api = await startApi(config);
  let closing: Promise<void> | undefined;
  for (const name of ['SIGTERM', 'SIGINT'] as const) {
    // A repeated signal (e.g. relayed by a wrapper process) must not cut the drain short.
    process.on(name, () => {
      closing ??= api
        .close()
        .then(() => telemetry?.shutdown())
        .then(
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

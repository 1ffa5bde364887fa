/**
 * The API as tests use it: the real Express app (supertest or a real listening server) wired to the real
 * Temporal dev server and the real cluster of the stack, with an in-process session worker on a task
 * queue of the test file's own, and API keys for a few users written to a real keys file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Client } from '@temporalio/client';
import { pino } from 'pino';
import type express from 'express';
import request from 'supertest';
import { ApiKeyStore, generateApiKey, loadApiKeys, type Permission } from '../../src/api/auth.js';
import { LOG_REDACT_PATHS, createApp } from '../../src/api/app.js';
import { quotaLedgerName } from '../../src/k8s/quota-ledger.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createKubeClients, type KubeClients } from '../../src/k8s/client.js';
import { createTemporalClient } from '../../src/temporal/client.js';
import { runWorker } from '../../src/worker.js';
import { stackKubeConfig, stackServiceEnv, uniqueSuffix } from './stack.js';

const ALL: Permission[] = ['session:create', 'session:read', 'session:update', 'session:delete'];

export interface ApiHarness {
  app: express.Express;
  config: Config;
  client: Client;
  kube: KubeClients;
  /** Bearer keys by role; users are unique per harness so tests never see each other's sessions. */
  keys: { alice: string; bob: string; admin: string; readOnly: string };
  users: { alice: string; bob: string; admin: string; readOnly: string };
  keysFile: string;
  /** The environment the harness's app and worker run with (for an API in a child process). */
  env: Record<string, string>;
  /** Every log line the app wrote, as text, to check what it reveals. */
  logs: () => string;
  /**
   * The errors the app logged as unhandled (each one a 500) for one answered request, by its x-request-id:
   * for a test to show beside an unexpected status, since a 500's body says only "see the server log".
   */
  unhandledErrorsOf(res: { headers: Record<string, string> }): string[];
  /** Another app on the same worker and keys, with configuration overrides. */
  appWith(env: Record<string, string>): express.Express;
  close(): Promise<void>;
}

/** The environment the API and its worker run with: the stack's addresses and the given task queue. */
export function apiEnv(taskQueue: string, keysFile: string, codecKey: string): Record<string, string> {
  return {
    ...stackServiceEnv(taskQueue, codecKey),
    // KWOK never pulls images; the stack's Spot nodes are tainted like a real Spot pool.
    AGENTAPI_K8S_SESSION_IMAGE: 'example.invalid/agentapi:test',
    AGENTAPI_K8S_SESSION_TOLERATIONS: '[{"key":"spot","operator":"Equal","value":"true","effect":"NoSchedule"}]',
    API_KEYS_FILE: keysFile,
    API_MAX_SESSIONS_PER_USER: '5',
    // Tests steer scheduling with node selectors of their own (unschedulable pools, gates, the stack's
    // agent nodes rather than nodes other tests add).
    AGENTAPI_K8S_SESSION_ALLOWED_NODE_SELECTOR_KEYS: 'example.com/*,node-role.kubernetes.io/agent',
    // A test file creates (and refuses) more sessions per user in a minute than a person would.
    API_CREATES_PER_USER_PER_MINUTE: '600',
    LOG_LEVEL: 'info',
  };
}

/** `extraEnv` overrides the harness's environment (e.g. a session namespace of the test's own). */
export async function startApiHarness(extraEnv: Record<string, string> = {}): Promise<ApiHarness> {
  const suffix = uniqueSuffix();
  const dir = mkdtempSync(join(tmpdir(), 'so-api-'));
  const keysFile = join(dir, 'api-keys.json');
  const users = {
    alice: `alice-${suffix}`,
    bob: `bob-${suffix}`,
    admin: `admin-${suffix}`,
    readOnly: `reader-${suffix}`,
  };
  const made = {
    alice: generateApiKey({ id: 'alice', user: users.alice, permissions: ALL }),
    bob: generateApiKey({ id: 'bob', user: users.bob, permissions: ALL }),
    admin: generateApiKey({ id: 'admin', user: users.admin, permissions: ['admin'] }),
    readOnly: generateApiKey({ id: 'reader', user: users.readOnly, permissions: ['session:read'] }),
  };
  writeFileSync(keysFile, JSON.stringify({ keys: Object.values(made).map((m) => m.entry) }));
  const codecKey = `api:${randomBytes(32).toString('base64')}`;
  const baseEnv = { ...apiEnv(`session-api-${suffix}`, keysFile, codecKey), ...extraEnv };
  const config = loadConfig(baseEnv);

  const workerStop = new AbortController();
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  const workerDone = runWorker({
    config: { ...config, logLevel: 'warn' },
    signal: workerStop.signal,
    onReady: ready,
  });
  await Promise.race([isReady, workerDone]);

  const client = await createTemporalClient(config);
  const kube = createKubeClients(stackKubeConfig());
  const keyStore = new ApiKeyStore(loadApiKeys(keysFile));
  let logText = '';
  const logger = pino(
    { level: 'info', redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' } },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        logText += chunk.toString();
        done();
      },
    }),
  );
  const build = (cfg: Config) => createApp({ config: cfg, client, kube, keys: keyStore, logger });
  return {
    app: build(config),
    config,
    client,
    kube,
    keys: { alice: made.alice.key, bob: made.bob.key, admin: made.admin.key, readOnly: made.readOnly.key },
    users,
    keysFile,
    env: baseEnv,
    logs: () => logText,
    unhandledErrorsOf: (res) =>
      logText
        .split('\n')
        .filter((line) => line.includes('"msg":"unhandled error"'))
        .filter((line) => line.includes(`"id":"${res.headers['x-request-id']}"`))
        .map((line) => line.slice(0, 2000)),
    appWith: (env) => build(loadConfig({ ...baseEnv, ...env })),
    async close() {
      // The users' quota ledgers are the only objects the API itself writes.
      for (const user of Object.values(users)) {
        await kube.core
          .deleteNamespacedConfigMap({ name: quotaLedgerName(user), namespace: config.sessionNamespace })
          .catch(() => undefined);
      }
      workerStop.abort();
      await workerDone;
      await client.connection.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Deletes sessions through the API, waiting for each to end; a few at a time (two cores are shared). */
export async function deleteSessionsWaiting(h: ApiHarness, ids: string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 10) {
    await Promise.all(
      ids.slice(i, i + 10).map(async (id) => {
        const res = await request(h.app)
          .delete(`/api/v1/sessions/${id}?wait=true`)
          .set({ Authorization: `Bearer ${h.keys.admin}` });
        if (res.status !== 200 || res.body.status !== 'terminated') {
          throw new Error(`deleting ${id}: ${res.status} ${JSON.stringify(res.body)}`);
        }
      }),
    );
  }
}

/** Open (unfinished) session workflows of a user, straight from Temporal visibility. */
export async function openSessionWorkflows(h: ApiHarness, user: string): Promise<number> {
  const { count } = await h.client.workflow.count(
    `WorkflowType = 'sessionWorkflow' AND SessionUser = '${user}' AND ExecutionStatus = 'Running'`,
  );
  return count;
}

/**
 * A harness for one test file: started before its tests (`started` receives it), closed after them,
 * `beforeClose` first (e.g. ending the sessions the tests created).
 */
export function useApiHarness(started: (h: ApiHarness) => void, beforeClose?: () => Promise<void>): void {
  let harness: ApiHarness | undefined;
  beforeAll(async () => {
    harness = await startApiHarness();
    started(harness);
  }, 120_000);
  afterAll(async () => {
    if (!harness) return;
    await beforeClose?.();
    await harness.close();
  });
}

/**
 * One benchmark run's identity and settings: its users and their API keys, the environment the API and
 * worker processes run with (the stack's addresses, a task queue and codec key of the run's own), and the
 * session spec the floor creates — the same defaults the API turns a `{}` create body into.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateApiKey } from '../src/api/auth.js';
import { loadConfig, sessionDefaults, type Config } from '../src/config.js';
import { userLabelValue } from '../src/k8s/names.js';
import { SessionSpecSchema, type SessionSpec } from '../workflows/contract/spec.js';
import { stackEnv, stackServiceEnv } from '../test/support/stack.js';
import type { BenchOptions } from './options.js';

export interface BenchRun {
  id: string;
  dir: string;
  users: string[];
  /** The user the floor's objects belong to (never an API user, so nothing of the API touches them). */
  floorUser: string;
  keys: Map<string, string>;
  env: Record<string, string>;
  config: Config;
  stack: Record<string, string>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export async function prepareRun(options: BenchOptions): Promise<BenchRun> {
  const id = `b${Date.now().toString(36)}`;
  const dir = mkdtempSync(join(tmpdir(), `so-bench-${id}-`));
  const { users, floorUser } = runUsers(id, options.users);
  const keys = new Map<string, string>();
  const entries = users.map((user, i) => {
    const made = generateApiKey({
      id: `u${i}`,
      user,
      permissions: ['session:create', 'session:read', 'session:update', 'session:delete'],
    });
    keys.set(user, made.key);
    return made.entry;
  });
  const keysFile = join(dir, 'api-keys.json');
  writeFileSync(keysFile, JSON.stringify({ keys: entries }));
  const perUser = Math.ceil(Math.max(options.hold, options.burst) / options.users) + options.probes + 10;
  const env: Record<string, string> = {
    ...stackServiceEnv(`bench-${id}`, `bench:${randomBytes(32).toString('base64')}`),
    // KWOK never pulls images; the stack's Spot nodes are tainted like a real Spot pool.
    AGENTAPI_K8S_SESSION_IMAGE: 'example.invalid/agentapi:bench',
    AGENTAPI_K8S_SESSION_TOLERATIONS: '[{"key":"spot","operator":"Equal","value":"true","effect":"NoSchedule"}]',
    // A full-scale run lasts longer than the default hour; no session may expire during it (and the SSE
    // scenario's extends stay below the 480-minute maximum lifetime).
    AGENTAPI_K8S_SESSION_TIMEOUT_MINUTES: '240',
    API_KEYS_FILE: keysFile,
    API_MAX_SESSIONS_PER_USER: String(perUser),
    API_METRICS_AUTH: 'false',
    // The per-key rate, stream and create limits protect a shared API from one client; the benchmark is
    // that one client on purpose (40 users, 75 streams each), and measures the core, not the limiters.
    API_RATE_LIMIT_RPS: '0',
    API_MAX_EVENT_STREAMS_PER_KEY: '0',
    API_CREATES_PER_USER_PER_MINUTE: '0',
    API_HOST: '127.0.0.1',
    API_PORT: String(await freePort()),
    // The hold scenario reads the worker's heap and external memory from it (bench/memory-split.ts).
    WORKER_METRICS_PORT: String(await freePort()),
    // The report's slot and cache peaks come from the SDK's own gauges (bench/worker-slots.ts).
    WORKER_SDK_METRICS_PORT: String(await freePort()),
    WORKER_METRICS_HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
  };
  return {
    id,
    dir,
    users,
    floorUser,
    keys,
    env,
    config: loadConfig(env),
    stack: stackEnv() as unknown as Record<string, string>,
  };
}

/** A session spec as the API builds it from an empty create body. */
export function floorSpec(run: BenchRun, index: number): SessionSpec {
  return SessionSpecSchema.parse({
    ...sessionDefaults(run.config),
    sessionId: `${run.id}-f${index}`,
    user: run.floorUser,
    secrets: {},
  });
}

/** The users a run creates sessions as, and its floor's, named from the run's id (`run <id>:` in its log). */
export function runUsers(id: string, count: number): Pick<BenchRun, 'users' | 'floorUser'> {
  return { users: Array.from({ length: count }, (_, i) => `bench-${id}-u${i}`), floorUser: `bench-${id}-floor` };
}

/** Label selector of every object of the run's users (the floor's included). */
export function runSelector(run: Pick<BenchRun, 'users' | 'floorUser'>): string {
  return `user in (${[...run.users, run.floorUser].map(userLabelValue).join(',')})`;
}

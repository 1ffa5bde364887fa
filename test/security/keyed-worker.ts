/**
 * The Temporal side of an attacker test: a real session worker holding a codec key, a client holding the
 * same key (what the API is), and a client with the default data converter (someone who reaches the
 * frontend but holds no key: its payloads go to the server as plain JSON).
 */
import { randomBytes } from 'node:crypto';
import { Client } from '@temporalio/client';
import { loadConfig, type Config } from '../../src/config.js';
import { createTemporalClient } from '../../src/temporal/client.js';
import { runWorker } from '../../src/worker.js';
import { stackServiceEnv, stackTemporalConnection, uniqueSuffix } from '../support/stack.js';

export interface KeyedWorker {
  config: Config;
  keyed: Client;
  attacker: Client;
  close(): Promise<void>;
}

/** Starts the worker on a task queue of its own (`<prefix>-<suffix>`) and connects both clients. */
export async function startKeyedWorker(prefix: string, logLevel: string): Promise<KeyedWorker> {
  const config = loadConfig({
    ...stackServiceEnv(`${prefix}-${uniqueSuffix()}`, `k1:${randomBytes(32).toString('base64')}`),
    LOG_LEVEL: logLevel,
  });
  const stop = new AbortController();
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  const workerDone = runWorker({ config, signal: stop.signal, onReady: ready });
  await Promise.race([isReady, workerDone]);
  const keyed = await createTemporalClient(config);
  const attacker = new Client({ connection: await stackTemporalConnection(), namespace: config.temporalNamespace });
  return {
    config,
    keyed,
    attacker,
    async close() {
      await attacker.connection.close();
      await keyed.connection.close();
      stop.abort();
      await workerDone;
    },
  };
}

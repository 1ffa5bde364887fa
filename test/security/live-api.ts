/**
 * An API of the harness's stack listening on a real port (streams, upgrades and client addresses need
 * a real socket), with configuration overrides, a key store the test controls (to revoke keys) and a
 * log it can read: for the attacker tests of this directory.
 */
import { createServer, type Server } from 'node:http';
import request from 'supertest';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { LOG_REDACT_PATHS, createApp } from '../../src/api/app.js';
import { ApiKeyStore, generateApiKey, loadApiKeys, type ApiKeyEntry, type Permission } from '../../src/api/auth.js';
import { attachUpgrades } from '../../src/api/proxy.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { ApiHarness } from '../support/api-harness.js';

export interface LiveApi {
  base: string;
  config: Config;
  keys: ApiKeyStore;
  /** The harness's key entries plus those added with {@link addKey}. */
  entries: ApiKeyEntry[];
  /** A new key for `user` with `permissions`, accepted from now on. */
  addKey(id: string, user: string, permissions: Permission[]): string;
  /** Removes the key with this id, as a keys-file reload without it would. */
  revoke(id: string): void;
  logs(): string;
  /** Creates a session with `key` (default body: an empty config) and returns its id once it runs. */
  createSession(key: string, body?: object): Promise<string>;
  /** Ends each given session with `key` and waits until it is gone (`query` adds e.g. `delete_pvc=true`). */
  deleteSessions(key: string, ids: (string | undefined)[], query?: string): Promise<void>;
  close(): Promise<void>;
}

export async function startLiveApi(h: ApiHarness, env: Record<string, string> = {}): Promise<LiveApi> {
  const config = loadConfig({ ...h.env, ...env });
  const entries = [...loadApiKeys(h.keysFile).keys];
  const keys = new ApiKeyStore({ keys: entries });
  let text = '';
  // The production logger's settings (src/server.ts), writing where the test can read.
  const logger = pino(
    { level: 'info', redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' } },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        text += chunk.toString();
        done();
      },
    }),
  );
  const app = createApp({ config, client: h.client, kube: h.kube, keys, logger });
  const server: Server = createServer(app);
  const tunnels = attachUpgrades(server, app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    config,
    keys,
    entries,
    addKey(id, user, permissions) {
      const made = generateApiKey({ id, user, permissions });
      entries.push(made.entry);
      keys.replace({ keys: entries });
      return made.key;
    },
    revoke(id) {
      entries.splice(0, entries.length, ...entries.filter((e) => e.id !== id));
      keys.replace({ keys: entries });
    },
    logs: () => text,
    async createSession(key, body = { config: {} }) {
      const res = await request(base).post('/api/v1/sessions').set(bearer(key)).send(body);
      expect(res.status).toBe(201);
      return res.body.session_id as string;
    },
    async deleteSessions(key, ids, query = '') {
      for (const id of ids) {
        if (id)
          await request(base)
            .delete(`/api/v1/sessions/${id}?wait=true${query && `&${query}`}`)
            .set(bearer(key));
      }
    },
    async close() {
      tunnels.closeTunnels();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A header set authenticating with `key`. */
export const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

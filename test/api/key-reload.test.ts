/**
 * API keys follow the keys file: the running API (the real `startApi`, listening on a port) refuses a
 * key as soon as it is removed from the file and accepts a new one, with no restart.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { pino } from 'pino';
import { generateApiKey, type ApiKeysFile } from '../../src/api/auth.js';
import { loadConfig } from '../../src/config.js';
import { startApi, type RunningApi } from '../../src/server.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { eventually } from '../support/wait.js';

let h: ApiHarness;
let api: RunningApi;

beforeAll(async () => {
  h = await startApiHarness();
  api = await startApi(
    loadConfig({ ...h.env, API_PORT: '0', API_SHUTDOWN_DELAY_SECONDS: '0' }),
    pino({ level: 'silent' }),
  );
}, 120_000);

afterAll(async () => {
  await api?.close();
  await h?.close();
});

const statusWith = async (key: string) =>
  (await fetch(`${api.url}/api/v1/sessions`, { headers: { Authorization: `Bearer ${key}` } })).status;

/** Replaces the file the way a Secret update or an editor does: a new file renamed over the old one. */
function writeKeys(text: string): void {
  writeFileSync(`${h.keysFile}.new`, text);
  renameSync(`${h.keysFile}.new`, h.keysFile);
}

test('a key removed from the file is refused without a restart, a key added is accepted', async () => {
  expect(await statusWith(h.keys.bob)).toBe(200);
  const file = JSON.parse(readFileSync(h.keysFile, 'utf8')) as ApiKeysFile;
  const carol = generateApiKey({ id: 'carol', user: `carol-${h.users.bob}`, permissions: ['session:read'] });
  expect(await statusWith(carol.key)).toBe(401);

  writeKeys(JSON.stringify({ keys: [...file.keys.filter((k) => k.id !== 'bob'), carol.entry] }));

  await eventually('bob to be refused', async () => ((await statusWith(h.keys.bob)) === 401 ? true : undefined));
  expect(await statusWith(carol.key)).toBe(200);
  expect(await statusWith(h.keys.alice)).toBe(200);

  writeFileSync(h.keysFile, JSON.stringify(file));
});

/** The keys watcher on a real file: what a reload does with good, broken and missing files. */
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiKeyStore, generateApiKey, loadApiKeys } from '../../src/api/auth.js';
import { watchApiKeys, type KeyWatcher } from '../../src/api/key-reload.js';

const quiet = { info: () => undefined, error: () => undefined };
let dir: string;
let file: string;
let watcher: KeyWatcher | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'so-keys-'));
  file = join(dir, 'api-keys.json');
});
afterEach(() => {
  watcher?.close();
  rmSync(dir, { recursive: true, force: true });
});

const alice = generateApiKey({ id: 'alice', user: 'alice', permissions: ['session:read'] });
const bob = generateApiKey({ id: 'bob', user: 'bob', permissions: ['admin'] });

test('a reload swaps the whole key set: removed keys are refused, new ones accepted', async () => {
  writeFileSync(file, JSON.stringify({ keys: [alice.entry] }));
  const store = new ApiKeyStore(loadApiKeys(file));
  watcher = watchApiKeys(file, store, quiet);
  writeFileSync(file, JSON.stringify({ keys: [bob.entry] }));
  await watcher.reload();
  expect(store.authenticate(alice.key)).toBeUndefined();
  expect(store.authenticate(bob.key)?.user).toBe('bob');
});

test('a broken or missing file keeps the keys in force instead of locking everyone out', async () => {
  writeFileSync(file, JSON.stringify({ keys: [alice.entry] }));
  const store = new ApiKeyStore(loadApiKeys(file));
  const errors: string[] = [];
  watcher = watchApiKeys(file, store, {
    info: () => undefined,
    error: (_o: unknown, msg?: string) => errors.push(String(msg)),
  });
  writeFileSync(file, '{"keys": [ not json');
  await watcher.reload();
  expect(store.authenticate(alice.key)?.user).toBe('alice');
  writeFileSync(file, JSON.stringify({ keys: [{ id: 'x' }] }));
  await watcher.reload();
  expect(store.authenticate(alice.key)?.user).toBe('alice');
  unlinkSync(file);
  await watcher.reload();
  expect(store.authenticate(alice.key)?.user).toBe('alice');
  expect(errors).toHaveLength(3);
});

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiKeyStore, generateApiKey, hashApiKey, loadApiKeys } from '../../src/api/auth.js';

const dir = mkdtempSync(join(tmpdir(), 'so-auth-'));

describe('API keys', () => {
  test('a generated key authenticates as its user, and the file holds only its hash', () => {
    const { key, entry } = generateApiKey({ id: 'a', user: 'alice@example.com', permissions: ['session:read'] });
    const file = join(dir, 'keys.json');
    writeFileSync(file, JSON.stringify({ keys: [entry] }));
    expect(readFileSync(file, 'utf8')).not.toContain(key);
    expect(entry.key_sha256).toBe(hashApiKey(key));
    const store = new ApiKeyStore(loadApiKeys(file));
    const principal = store.authenticate(key);
    expect(principal?.user).toBe('alice@example.com');
    expect([...principal!.permissions]).toEqual(['session:read']);
    expect(store.authenticate(`${key}x`)).toBeUndefined();
  });

  test('two generated keys differ', () => {
    const a = generateApiKey({ id: 'a', user: 'u', permissions: ['admin'] });
    const b = generateApiKey({ id: 'b', user: 'u', permissions: ['admin'] });
    expect(a.key).not.toBe(b.key);
  });

  test('a malformed keys file stops the API with the file and the problem named', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({ keys: [{ id: 'x', user: "o'brien", permissions: ['root'], key_sha256: 'abc' }] }),
    );
    expect(() => loadApiKeys(file)).toThrow(/bad\.json.*keys\.0\.user.*keys\.0\.permissions/s);
    writeFileSync(file, '{not json');
    expect(() => loadApiKeys(file)).toThrow(/API_KEYS_FILE .*bad\.json/);
  });

  test('without a keys file no key is accepted', () => {
    expect(new ApiKeyStore(loadApiKeys(undefined)).authenticate('anything')).toBeUndefined();
  });
});

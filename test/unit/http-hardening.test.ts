import { randomBytes } from 'node:crypto';
import { ApiKeyStore, generateApiKey } from '../../src/api/auth.js';
import { CodecTokens } from '../../src/api/codec-token.js';
import { LongRequestSlots } from '../../src/api/concurrency.js';
import { guardResponseHeaders, stripListed } from '../../src/api/proxy.js';
import { loggableUrl, requestLogSerializers } from '../../src/api/request-log.js';
import { StreamKeyGuard } from '../../src/api/stream-guard.js';
import { loadConfig } from '../../src/config.js';
import { specOutOfBounds } from '../../src/session/spec-bounds.js';
import { SessionSpecSchema } from '../../workflows/contract/spec.js';
import { sessionDefaults } from '../../src/config.js';

const config = loadConfig({ TEMPORAL_CODEC_KEYS: `k:${randomBytes(32).toString('base64')}` });

describe('request log', () => {
  test('keeps API parameters, redacts other and proxied query values', () => {
    expect(loggableUrl('/api/v1/sessions?wait=true&token=abc')).toBe('/api/v1/sessions?wait=true&token=[redacted]');
    expect(loggableUrl('/api/v1/sessions/x/proxy/a?wait=true')).toBe('/api/v1/sessions/x/proxy/a?wait=[redacted]');
    expect(loggableUrl('/health')).toBe('/health');
  });

  test('logs allow-listed headers only', () => {
    const req = requestLogSerializers.req({
      id: '1',
      method: 'GET',
      url: '/x?k=v',
      headers: { authorization: 'Bearer k', cookie: 'c', 'x-forwarded-user': 'u', 'user-agent': 'ua' },
    });
    expect(req.headers).toEqual({ 'user-agent': 'ua' });
    const res = requestLogSerializers.res({ statusCode: 200, headers: { 'set-cookie': 'x', 'content-type': 't' } });
    expect(res.headers).toEqual({ 'content-type': 't' });
  });
});

describe('codec sign-in tokens', () => {
  const admin = generateApiKey({ id: 'admin', user: 'root', permissions: ['admin'] });
  const user = generateApiKey({ id: 'user', user: 'u', permissions: ['session:read'] });

  test('verify while the key stands and the token is fresh', () => {
    let now = 1_000_000;
    const keys = new ApiKeyStore({ keys: [admin.entry, user.entry] });
    const tokens = new CodecTokens(config, keys, () => now);
    const token = tokens.issue(keys.authenticate(admin.key)!);
    expect(token).not.toContain(admin.key);
    expect(tokens.verify(token)?.keyId).toBe('admin');
    expect(tokens.verify(`${token.slice(0, -2)}xx`)).toBeUndefined();
    now += config.codecTokenTtlMs;
    expect(tokens.verify(token)).toBeUndefined();
  });

  test('die when the key is removed or rotated', () => {
    const keys = new ApiKeyStore({ keys: [admin.entry] });
    const tokens = new CodecTokens(config, keys);
    const token = tokens.issue(keys.authenticate(admin.key)!);
    const rotated = generateApiKey({ id: 'admin', user: 'root', permissions: ['admin'] });
    keys.replace({ keys: [rotated.entry] });
    expect(tokens.verify(token)).toBeUndefined();
  });
});

test('long-request slots: per key, in total, and released once', () => {
  const slots = new LongRequestSlots({ ...config, apiMaxExecsPerKey: 1, apiMaxExecs: 2 });
  const release = slots.acquire('exec', 'a');
  expect(() => slots.acquire('exec', 'a')).toThrow(/API_MAX_EXECS_PER_KEY/);
  slots.acquire('exec', 'b');
  expect(() => slots.acquire('exec', 'c')).toThrow(/API_MAX_EXECS\)/);
  release();
  release();
  slots.acquire('exec', 'c');
  expect(() => slots.acquire('exec', 'd')).toThrow(/API_MAX_EXECS\)/);
});

test('stream guard closes the streams of a removed key or a lost permission', () => {
  const a = generateApiKey({ id: 'a', user: 'u', permissions: ['session:read', 'session:update'] });
  const b = generateApiKey({ id: 'b', user: 'u', permissions: ['session:read'] });
  const keys = new ApiKeyStore({ keys: [a.entry, b.entry] });
  const guard = new StreamKeyGuard(keys, 60_000);
  const closed: string[] = [];
  guard.watch(keys.authenticate(a.key)!, 'session:update', () => closed.push('a-update'));
  guard.watch(keys.authenticate(b.key)!, 'session:read', () => closed.push('b-read'));
  keys.replace({ keys: [{ ...a.entry, permissions: ['session:read'] }, b.entry] });
  expect(closed).toEqual(['a-update']);
  keys.replace({ keys: [] });
  expect(closed).toEqual(['a-update', 'b-read']);
});

test('proxy headers: listed and prefixed request headers go; agent cookies and directives go; sandbox added', () => {
  const req = { cookie: 'c', 'x-auth-request-user': 'u', 'x-keep': 'k' };
  stripListed(req, config.proxyStripRequestHeaders);
  expect(req).toEqual({ 'x-keep': 'k' });
  const res: Record<string, string | string[]> = {
    'set-cookie': ['a=b'],
    'x-accel-redirect': '/x',
    'content-type': 't',
  };
  guardResponseHeaders(res);
  expect(res).toEqual({
    'content-type': 't',
    'content-security-policy': 'sandbox',
    'x-content-type-options': 'nosniff',
  });
});

test('spec bounds: the API defaults pass; what the API would refuse does not', () => {
  const spec = SessionSpecSchema.parse({ ...sessionDefaults(config), sessionId: 'abc123', user: 'u', secrets: {} });
  expect(specOutOfBounds(config, spec)).toEqual([]);
  const greedy = { ...spec, resources: { ...spec.resources, cpuLimit: '64' }, serviceAccountName: 'cluster-admin' };
  expect(specOutOfBounds(config, greedy).map((p) => p.path)).toEqual(['resources.cpuLimit', 'serviceAccountName']);
});

test('exec output that cannot fit the memory budget stops the API at start', () => {
  expect(() =>
    loadConfig({
      TEMPORAL_CODEC_KEYS: `k:${randomBytes(32).toString('base64')}`,
      API_MAX_EXECS: '64',
    }),
  ).toThrow(/API_MAX_EXECS/);
});

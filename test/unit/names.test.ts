import { MAX_USER_PART, sessionObjectNames, userLabelValue } from '../../src/k8s/names.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const LONGEST_ID = 'a'.repeat(32);

describe('session object names', () => {
  test('a simple user keeps the seed naming scheme', () => {
    expect(sessionObjectNames('user123', 'abc123')).toEqual({
      base: 'session-user123-abc123',
      pod: 'session-user123-abc123',
      service: 'session-user123-abc123',
      credsSecret: 'session-user123-abc123-creds',
      mcpSecret: 'session-user123-abc123-mcp',
      configMap: 'session-user123-abc123-config',
      pvc: 'session-user123-abc123-pvc',
    });
  });

  test.each([
    'Alice',
    'alice.smith@example.com',
    'under_score',
    'ユーザー',
    '---',
    'x'.repeat(80),
    'UPPER.and.dots.and.a.very.long.name.that.goes.on.and.on.past.sixty.chars',
  ])('names for the awkward user %j are valid DNS-1123 names and label values', (user) => {
    const names = sessionObjectNames(user, LONGEST_ID);
    expect(names.pod).toMatch(DNS1123_LABEL);
    expect(names.pod.length).toBeLessThanOrEqual(63);
    expect(names.service).toMatch(/^[a-z]/);
    for (const name of [names.credsSecret, names.mcpSecret, names.configMap, names.pvc]) {
      expect(name).toMatch(DNS1123_SUBDOMAIN);
      expect(name.length).toBeLessThanOrEqual(253);
    }
    const label = userLabelValue(user);
    expect(label).toMatch(DNS1123_LABEL);
    expect(label.length).toBeLessThanOrEqual(MAX_USER_PART);
  });

  test('users that differ only by case or punctuation get different names', () => {
    const users = ['alice', 'Alice', 'ALICE', 'a.lice', 'a_lice', 'a-lice'];
    const pods = users.map((u) => sessionObjectNames(u, 's1').pod);
    expect(new Set(pods).size).toBe(users.length);
  });

  test('two long user names with the same prefix do not collide', () => {
    const a = userLabelValue(`${'p'.repeat(40)}-one`);
    const b = userLabelValue(`${'p'.repeat(40)}-two`);
    expect(a).not.toBe(b);
  });

  test('the same user always maps to the same name', () => {
    expect(userLabelValue('Bob@Example.com')).toBe(userLabelValue('Bob@Example.com'));
  });
});

describe('the user label is one-to-one', () => {
  test('a user literally named like the hashed form of another user gets a different label', () => {
    const hashed = userLabelValue('a.b');
    expect(hashed).toMatch(/^a-b-[0-9a-f]{8}$/);
    expect(userLabelValue(hashed)).not.toBe(hashed);
    expect(sessionObjectNames(hashed, 's1').pod).not.toBe(sessionObjectNames('a.b', 's1').pod);
  });

  test('a user named like the all-hash form of another user gets a different label', () => {
    const hashed = userLabelValue('ユーザー');
    expect(hashed).toMatch(/^u[0-9a-f]{8}$/);
    expect(userLabelValue(hashed)).not.toBe(hashed);
  });

  test('plain names that merely contain hex digits keep their readable label', () => {
    expect(userLabelValue('team-cafe')).toBe('team-cafe');
    expect(userLabelValue('deadbeef')).toBe('deadbeef');
  });
});

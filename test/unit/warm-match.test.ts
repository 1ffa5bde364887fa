import { warmIneligibility } from '../../workflows/contract/warm-match.js';
import { testSessionSpec } from '../support/session-spec.js';

describe('which sessions may start on a warm pod', () => {
  test('a session without a workspace volume and without plain env may', () => {
    expect(warmIneligibility(testSessionSpec({ env: {} }))).toBeUndefined();
  });

  test('a session with a workspace volume starts cold: a volume cannot be attached to a running pod', () => {
    const spec = testSessionSpec({ env: {} });
    expect(warmIneligibility({ ...spec, pvc: { ...spec.pvc, enabled: true } })).toMatch(/workspace volume/);
  });

  test('a session with plain env starts cold: a running container cannot get new env', () => {
    expect(warmIneligibility(testSessionSpec({ env: { FOO: 'bar' } }))).toMatch(/plain env/);
  });
});

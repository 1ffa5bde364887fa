import { parseQuantity } from '../../src/k8s/quantity.js';
import { loadConfig } from '../../src/config.js';
import { CreateSessionBodySchema } from '../../src/session/create-request.js';
import { buildSessionSpec, SessionRequestRejected } from '../../src/session/request-rules.js';

describe('Kubernetes quantities', () => {
  test.each([
    ['500m', 0.5],
    ['2', 2],
    ['4Gi', 4 * 2 ** 30],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['768Mi', 768 * 2 ** 20],
    ['1k', 1000],
    ['1e3', 1000],
    ['.5', 0.5],
    ['100n', 1e-7],
    ['2Ti', 2 * 2 ** 40],
  ])('%s is %d', (quantity, value) => {
    expect(parseQuantity(quantity)).toBeCloseTo(value, 12);
  });

  test.each(['', 'Gi', '1GB', '1.2.3', 'one', '1 Gi', '1gi', '1Mi1'])('%j is not a quantity', (quantity) => {
    expect(parseQuantity(quantity)).toBeUndefined();
  });

  test('a fractional limit with a binary suffix is accepted and compared by value against the maximum', () => {
    const config = loadConfig({
      TEMPORAL_CODEC_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
      AGENTAPI_K8S_SESSION_MAX_MEMORY_LIMIT: '2Gi',
    });
    const build = (memory_limit: string) =>
      buildSessionSpec(config, 'alice', 's1', CreateSessionBodySchema.parse({ config: { memory_limit } }));
    expect(build('1.5Gi').resources.memoryLimit).toBe('1.5Gi');
    expect(() => build('2.5Gi')).toThrow(SessionRequestRejected);
  });
});

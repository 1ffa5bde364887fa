import { TokenBuckets } from '../../src/api/rate-limit.js';

describe('token buckets', () => {
  test('a key gets its burst at once, then one request per refill interval, with a Retry-After', () => {
    let now = 0;
    const buckets = new TokenBuckets(2, 3, () => now);
    for (let i = 0; i < 3; i++) expect(buckets.take('k').ok).toBe(true);
    const refused = buckets.take('k');
    expect(refused).toEqual({ ok: false, retryAfterSeconds: 1 });
    now += 500;
    expect(buckets.take('k').ok).toBe(true);
    expect(buckets.take('k').ok).toBe(false);
  });

  test('keys do not share a bucket', () => {
    const buckets = new TokenBuckets(1, 1, () => 0);
    expect(buckets.take('a').ok).toBe(true);
    expect(buckets.take('a').ok).toBe(false);
    expect(buckets.take('b').ok).toBe(true);
  });

  test('a slow refill reports how many whole seconds until the next token', () => {
    const buckets = new TokenBuckets(10 / 60, 10, () => 0);
    for (let i = 0; i < 10; i++) buckets.take('u');
    expect(buckets.take('u')).toEqual({ ok: false, retryAfterSeconds: 6 });
  });
});

import { ThrottledActivityRecorder } from '../../src/api/activity.js';
import { exitCodeOf } from '../../src/api/session-io.js';
import { stripHopByHop, upstreamPath } from '../../src/api/proxy.js';
import { RUNNING_CACHE_MS, SessionTargets } from '../../src/api/session-target.js';
import { unreachableReason } from '../../src/session/reachability.js';

describe('which sessions can be reached', () => {
  test('only a running session takes traffic', () => {
    expect(unreachableReason('s1', 'running')).toBeUndefined();
  });

  test('a session on its way up, restarting or shutting down is SESSION_NOT_RUNNING', () => {
    for (const status of ['creating', 'restarting', 'terminating'] as const) {
      expect(unreachableReason('s1', status)?.code).toBe('SESSION_NOT_RUNNING');
    }
  });

  test('an ended session is SESSION_ENDED', () => {
    for (const status of ['terminated', 'failed'] as const) {
      expect(unreachableReason('s1', status)?.code).toBe('SESSION_ENDED');
    }
  });
});

describe('proxy header and path handling', () => {
  test('hop-by-hop headers and those named in Connection are dropped; end-to-end ones stay', () => {
    const headers = {
      connection: 'keep-alive, X-Secret-Hop',
      'keep-alive': 'timeout=5',
      'x-secret-hop': '1',
      te: 'trailers',
      upgrade: 'h2c',
      'proxy-authorization': 'Basic x',
      'content-type': 'application/json',
      'x-request-id': 'abc',
    };
    stripHopByHop(headers);
    expect(headers).toEqual({ 'content-type': 'application/json', 'x-request-id': 'abc' });
  });

  test('a WebSocket handshake keeps Connection and Upgrade', () => {
    const headers = { connection: 'Upgrade', upgrade: 'websocket', 'keep-alive': '5' };
    stripHopByHop(headers, ['connection', 'upgrade']);
    expect(headers).toEqual({ connection: 'Upgrade', upgrade: 'websocket' });
  });

  test('the agent sees the path after /proxy with its query string', () => {
    expect(upstreamPath('/api/v1/sessions/abc/proxy/messages?after=2')).toBe('/messages?after=2');
    expect(upstreamPath('/api/v1/sessions/abc/proxy')).toBe('/');
    expect(upstreamPath('/api/v1/sessions/abc/proxy?x=1')).toBe('/?x=1');
    expect(upstreamPath('/api/v1/sessions/abc/proxy/a%2Fb/c')).toBe('/a%2Fb/c');
  });
});

describe('exec exit codes', () => {
  test('success is 0; a kubelet NonZeroExitCode carries the code in its ExitCode cause', () => {
    expect(exitCodeOf({ status: 'Success' })).toBe(0);
    expect(
      exitCodeOf({
        status: 'Failure',
        reason: 'NonZeroExitCode',
        details: { causes: [{ reason: 'ExitCode', message: '42' }] },
      }),
    ).toBe(42);
  });

  test("a runtime that only reports 'exit status N' still yields N; anything else is unknown", () => {
    expect(exitCodeOf({ status: 'Failure', reason: 'InternalError', message: 'cmd wait: sh: exit status 3' })).toBe(3);
    expect(exitCodeOf({ status: 'Failure', reason: 'InternalError', message: 'container not found' })).toBeUndefined();
    expect(exitCodeOf(undefined)).toBeUndefined();
  });
});

describe('activity recording', () => {
  test('every touch moves the last activity; downstream hears at most once per interval', () => {
    let now = 1_000;
    const flushed: [string, number][] = [];
    const recorder = new ThrottledActivityRecorder({
      intervalMs: 100,
      now: () => now,
      flush: (id, at) => flushed.push([id, at.getTime()]),
    });
    recorder.touch('a');
    now = 1_050;
    recorder.touch('a');
    expect(recorder.lastActivity('a')).toBe(1_050);
    now = 1_100;
    recorder.touch('a');
    recorder.touch('b');
    expect(flushed).toEqual([
      ['a', 1_000],
      ['a', 1_100],
      ['b', 1_100],
    ]);
    expect(recorder.lastActivity('c')).toBeUndefined();
  });

  test('memory is bounded: the least recently touched session is forgotten first', () => {
    const recorder = new ThrottledActivityRecorder({ intervalMs: 1, maxSessions: 2 });
    recorder.touch('a');
    recorder.touch('b');
    recorder.touch('a');
    recorder.touch('c');
    expect(recorder.lastActivity('b')).toBeUndefined();
    expect(recorder.lastActivity('a')).toBeDefined();
    expect(recorder.lastActivity('c')).toBeDefined();
  });
});

describe('resolving the session to proxy to', () => {
  const principal = (keyId: string, user: string) => ({ keyId, user, permissions: new Set<never>() });
  const running = (id: string) =>
    ({ session_id: id, status: 'running', pod_name: `pod-${id}`, url: `http://svc-${id}:9000` }) as never;

  test('a running answer is reused briefly, per caller, and asked again once it is stale', async () => {
    let now = 0;
    const asked: string[] = [];
    const targets = new SessionTargets(
      {
        get: async (p: { user: string }, id: string) => {
          asked.push(`${p.user}/${id}`);
          return running(id);
        },
      } as never,
      { sessionNamespace: 'ns', proxyUpstreamOverride: undefined },
      () => now,
    );
    expect((await targets.upstream(principal('k1', 'alice') as never, 's1')).toString()).toBe('http://svc-s1:9000/');
    await targets.upstream(principal('k1', 'alice') as never, 's1');
    await targets.upstream(principal('k2', 'bob') as never, 's1');
    expect(asked).toEqual(['alice/s1', 'bob/s1']);
    now = RUNNING_CACHE_MS + 1;
    await targets.upstream(principal('k1', 'alice') as never, 's1');
    expect(asked).toEqual(['alice/s1', 'bob/s1', 'alice/s1']);
  });

  test('a session that is not running is a 409 and is never cached', async () => {
    let status = 'creating';
    const targets = new SessionTargets(
      { get: async () => ({ session_id: 's2', status, pod_name: 'p', url: 'http://x:9000' }) } as never,
      { sessionNamespace: 'ns', proxyUpstreamOverride: undefined },
    );
    await expect(targets.upstream(principal('k', 'u') as never, 's2')).rejects.toMatchObject({
      status: 409,
      code: 'SESSION_NOT_RUNNING',
    });
    status = 'running';
    await expect(targets.upstream(principal('k', 'u') as never, 's2')).resolves.toBeInstanceOf(URL);
  });
});

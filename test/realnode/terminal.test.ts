/**
 * The interactive terminal against a real session on the stack's real node: the stand-in agent image has
 * busybox sh (and `busybox stty`, `busybox yes`), reached through the Kubernetes API's exec with a TTY, as
 * in production. The API runs in-process on a real port; clients are the typed client library and, for
 * the handshake refusals, a raw WebSocket client that can see the HTTP status.
 */
import WebSocket from 'ws';
import request from 'supertest';
import { SessionApiError } from '../../packages/client/src/index.js';
import { eventually } from '../support/wait.js';
import { execIn } from './support.js';
import { as, Screen, startTerminalStack, type TerminalStack } from './terminal-support.js';

/** Low enough that the test sees the pacing, high enough that a few MiB of backlog drain in seconds. */
const RATE = 512 * 1024;
const BUFFER = 64 * 1024;
let s: TerminalStack;

beforeAll(async () => {
  s = await startTerminalStack({
    AGENTAPI_K8S_SESSION_TERMINAL_OUTPUT_BYTES_PER_SECOND: String(RATE),
    AGENTAPI_K8S_SESSION_TERMINAL_OUTPUT_BUFFER_BYTES: String(BUFFER),
  });
}, 180_000);

afterAll(async () => {
  await s?.close();
});

const wsUrl = (id: string, query = '') => `${s.url.replace(/^http/, 'ws')}/api/v1/sessions/${id}/terminal${query}`;

/** The HTTP status a raw WebSocket handshake is refused with (or 101 when it opens). */
function handshakeStatus(id: string, headers: Record<string, string>, query = ''): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(id, query), { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('error', (err) => reject(err));
  });
}

describe('the terminal of a session on the real node', () => {
  test('echo round trip, resize seen by stty, and the exit code comes back', async () => {
    const terminal = await s.clientOf(s.h.keys.alice).terminal(s.sessionId, { cols: 100, rows: 30 });
    const screen = new Screen(terminal);
    terminal.write('echo round-$((6 * 7))-trip\r');
    await screen.until(/round-42-trip/);

    terminal.write('busybox stty size; echo size-$?\r');
    await screen.until(/30 100\r?\n.*size-0/);
    terminal.resize(120, 40);
    screen.clear();
    terminal.write('busybox stty size; echo size-$?\r');
    await screen.until(/40 120\r?\n.*size-0/);

    terminal.write('exit 7\r');
    const exit = await terminal.exited;
    expect(exit).toEqual({ code: 7, closeCode: 1000, reason: 'process exited' });
  });

  test("another user's session is a 404, a read-only key a 403, a sidecar a 400", async () => {
    expect(await handshakeStatus(s.sessionId, as(s.h.keys.bob))).toBe(404);
    expect(await handshakeStatus(s.sessionId, as(s.h.keys.readOnly))).toBe(403);
    expect(await handshakeStatus(s.sessionId, {})).toBe(401);
    expect(await handshakeStatus(s.sessionId, as(s.h.keys.alice), '?container=credentials-sync')).toBe(400);
    // The client library turns the refused handshake into the API's error.
    const refused = await s
      .clientOf(s.h.keys.bob)
      .terminal(s.sessionId)
      .catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(SessionApiError);
    expect((refused as SessionApiError).status).toBe(404);
    // A plain GET says the same without opening anything.
    const plain = await request(s.url).get(`/api/v1/sessions/${s.sessionId}/terminal`).set(as(s.h.keys.alice));
    expect(plain.status).toBe(426);
  });

  test('the browser form: the key as a subprotocol, never echoed back', async () => {
    const ws = new WebSocket(wsUrl(s.sessionId), ['session-terminal.v1', `bearer.${s.h.keys.alice}`]);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    expect(ws.protocol).toBe('session-terminal.v1');
    ws.send(Buffer.from('exit 3\r'));
    const exit = await new Promise<string>((resolve) =>
      ws.on('message', (data, binary) => !binary && resolve(String(data))),
    );
    expect(JSON.parse(exit)).toEqual({ type: 'exit', code: 3 });
    expect(s.h.logs()).not.toContain(s.h.keys.alice);
  });

  test('a malformed control message closes the terminal as a policy violation', async () => {
    const terminal = await s.clientOf(s.h.keys.alice).terminal(s.sessionId);
    (terminal as unknown as { socket: globalThis.WebSocket }).socket.send('{"type":"resize","cols":-1}');
    const exit = await terminal.exited;
    expect(exit.closeCode).toBe(1008);
    expect(exit.code).toBeNull();
  });

  test('`yes` is paced and the API stays responsive; Ctrl-C stops it with a bounded backlog', async () => {
    const terminal = await s.clientOf(s.h.keys.alice).terminal(s.sessionId);
    const screen = new Screen(terminal);
    terminal.write('echo ready-$((1 + 1))\r');
    await screen.until(/ready-2/);
    const startedAt = Date.now();
    const before = screen.bytes;
    terminal.write('busybox yes\r');
    // While the flood runs, other requests are answered.
    for (let i = 0; i < 5; i++) {
      const res = await request(s.url).get(`/api/v1/sessions/${s.sessionId}`).set(as(s.h.keys.alice));
      expect(res.status).toBe(200);
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const seconds = (Date.now() - startedAt) / 1000;
    const received = screen.bytes - before;
    // Paced: never more than the rate allows (plus one burst), however fast `yes` writes.
    expect(received).toBeLessThanOrEqual(RATE * seconds + RATE / 10 + 16 * 1024);
    expect(received).toBeGreaterThan(0);

    terminal.write('\x03');
    const atInterrupt = screen.bytes;
    terminal.write('echo stopped-$((2 + 3))\r');
    await screen.until(/stopped-5/, 60_000);
    // What was still on its way when Ctrl-C went out is bounded by the buffers (this one and the TCP
    // windows of a paused stream), not by how long `yes` ran.
    expect(screen.bytes - atInterrupt).toBeLessThan(16 * 1024 * 1024);
    terminal.write('exit 0\r');
    expect((await terminal.exited).code).toBe(0);
  }, 120_000);

  test('closing the socket ends the remote shell', async () => {
    const terminal = await s.clientOf(s.h.keys.alice).terminal(s.sessionId);
    const screen = new Screen(terminal);
    terminal.write('echo pid-$$-pid\r');
    const [, pid] = (await screen.until(/pid-(\d+)-pid/)) as RegExpMatchArray;
    const alive = async () =>
      (
        await execIn(s.h.config.sessionNamespace, s.podName, 'claude-code', [
          'sh',
          '-c',
          // A zombie has ended too (an image whose PID 1 does not reap could keep one).
          `read -r st < /proc/${pid}/stat 2>/dev/null && set -- \${st##*) } && [ "$1" != Z ] && echo alive || echo gone`,
        ])
      ).stdout.trim();
    expect(await alive()).toBe('alive');
    terminal.close();
    await terminal.exited;
    // Well within the time a runtime takes to drop an abandoned exec on its own (about half a minute here).
    await eventually('the shell to end', async () => ((await alive()) === 'gone' ? true : undefined), {
      timeoutMs: 10_000,
    });
  });
});

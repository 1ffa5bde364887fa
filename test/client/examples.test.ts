/**
 * The examples of docs/client.md, run as a program would run them: against the API on a real port, wired to
 * the stack's Temporal and cluster, with KWOK's logs and exec and a stand-in agent behind the proxy.
 */
import { appendFileSync } from 'node:fs';
import { SessionApiError, SessionClient } from '@session-orchestrator/client';
import { waitForLogLine } from '../../packages/client/examples/follow-logs.js';
import { retryLater } from '../../packages/client/examples/retry-later.js';
import { startAndRun } from '../../packages/client/examples/start-and-run.js';
import { talkToAgent } from '../../packages/client/examples/talk-to-agent.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { listenApi, type ListeningApi } from '../support/listening-api.js';
import { stackEnv, uniqueSuffix } from '../support/stack.js';

let h: ApiHarness;
let api: ListeningApi;
let client: SessionClient;
let id: string | undefined;

beforeAll(async () => {
  h = await startApiHarness();
  api = await listenApi(h);
  client = new SessionClient({ baseUrl: api.url, apiKey: h.keys.alice });
}, 120_000);

afterAll(async () => {
  if (id) await client.deleteSession(id, { wait: 'true' }).catch(() => undefined);
  await api?.close();
  await h?.close();
});

test('start-and-run: the session starts, each step is reported, and the command runs in it', async () => {
  const reported: string[] = [];
  const result = await startAndRun(api.url, h.keys.alice, (line) => reported.push(line));
  id = result.sessionId;
  expect(result).toMatchObject({ exitCode: 0, output: expect.stringMatching(/^hello from \S+\n$/) });
  expect(reported[0]).toBe('0/6 creating');
  expect(reported.at(-1)).toBe('6/6 running');
  expect((await client.getSession(id)).status).toBe('running');
});

test('follow-logs: returns the first line written after it started that matches', async () => {
  const marker = `example-${uniqueSuffix()}`;
  let written = 0;
  // Written until the follow has seen one: it may begin after the first lines.
  const writer = setInterval(() => {
    written += 1;
    appendFileSync(stackEnv().STACK_KWOK_LOGS_FILE, `${new Date().toISOString()} stdout F ${marker} ${written}\n`);
  }, 200);
  try {
    const line = await waitForLogLine(client, id!, new RegExp(`^${marker} \\d+$`));
    expect(line).toMatch(new RegExp(`^${marker} \\d+$`));
  } finally {
    clearInterval(writer);
  }
});

test('talk-to-agent: the message reaches the agent through the proxy and the conversation has its answer', async () => {
  const text = `hello ${uniqueSuffix()}`;
  expect(await talkToAgent(client, id!, text)).toEqual(expect.arrayContaining([text, `echo: ${text}`]));
});

test("talk-to-agent: a session that is not the caller's is the API's NOT_FOUND, not the agent's answer", async () => {
  const bob = new SessionClient({ baseUrl: api.url, apiKey: h.keys.bob });
  await expect(talkToAgent(bob, id!, 'hi')).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });
});

test('retry-later: a rate-limited call succeeds once it has waited as long as Retry-After said', async () => {
  const limited = await listenApi(h, { API_RATE_LIMIT_RPS: '1', API_RATE_LIMIT_BURST: '1' });
  try {
    const limitedClient = new SessionClient({ baseUrl: limited.url, apiKey: h.keys.alice });
    const refusals: SessionApiError[] = [];
    const calls = [1, 2, 3].map(() =>
      retryLater(
        () =>
          limitedClient.getSession(id!).catch((err: unknown) => {
            if (err instanceof SessionApiError) refusals.push(err);
            throw err;
          }),
        5,
      ),
    );
    const sessions = await Promise.all(calls);
    expect(sessions.map((s) => s.session_id)).toEqual([id, id, id]);
    // Three calls at once against a burst of one: some were refused first, and retried.
    expect(refusals.length).toBeGreaterThan(0);
    expect(refusals.every((r) => r.code === 'RATE_LIMITED' && r.retryAfterSeconds! > 0)).toBe(true);
  } finally {
    await limited.close();
  }
});

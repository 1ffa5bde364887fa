/**
 * An operator reads a session in the Temporal Web UI: headless Chromium (Debian's package, driven by
 * puppeteer-core) signs in at the API's /codec/login with an admin key, opens the session's workflow in
 * a Temporal UI whose codec endpoint is the API, and sees the decoded input — the user's name — and no
 * ciphertext. The screenshot is kept in test-results/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import request from 'supertest';
import { loadConfig } from '../../src/config.js';
import { startApi, type RunningApi } from '../../src/server.js';
import { pino } from 'pino';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { onStackNodes, repoRoot } from '../support/stack.js';
import { createOwnSessionNamespace } from '../support/own-namespace.js';
import { freePort, startTemporalUi, type TemporalUi } from '../support/temporal-ui.js';

/** The page's visible text (evaluated in the browser, where the DOM lives). */
const bodyText = (page: Page) => page.evaluate('document.body.innerText') as Promise<string>;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const artifacts = join(repoRoot, 'test-results');
let h: ApiHarness;
let api: RunningApi;
let ui: TemporalUi;
let browser: Browser | undefined;
let sessionId: string | undefined;
let namespace: Awaited<ReturnType<typeof createOwnSessionNamespace>>;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: npm test installs it (test/stack/prerequisites.sh); SO_TEST_BROWSER=0 leaves this suite out`,
    );
  namespace = await createOwnSessionNamespace('so-ui');
  h = await startApiHarness({ AGENTAPI_K8S_SESSION_NAMESPACE: namespace.name });
  const uiPort = await freePort();
  api = await startApi(
    loadConfig({
      ...h.env,
      API_PORT: '0',
      API_SHUTDOWN_DELAY_SECONDS: '0',
      API_CODEC_CORS_ORIGINS: `http://127.0.0.1:${uiPort}`,
    }),
    pino({ level: 'silent' }),
  );
  ui = await startTemporalUi(h.env.TEMPORAL_ADDRESS!, `${api.url}/codec`, uiPort);
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Root in a container has no user namespace for Chromium's sandbox.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  if (sessionId) {
    await request(h.app)
      .delete(`/api/v1/sessions/${sessionId}?wait=true`)
      .set('Authorization', `Bearer ${h.keys.admin}`);
  }
  await ui?.close();
  await api?.close();
  await h?.close();
  await namespace?.remove();
});

test("an admin reads a session's decoded input in the Temporal UI, with no ciphertext on the page", async () => {
  const created = await request(h.app)
    .post('/api/v1/sessions?wait=false')
    .set('Authorization', `Bearer ${h.keys.alice}`)
    .send({ config: onStackNodes });
  expect(created.status).toBe(202);
  sessionId = created.body.session_id as string;
  const workflowId = `session-${sessionId}`;
  const { runId } = await h.client.workflow.getHandle(workflowId).describe();

  const page = await browser!.newPage();
  await page.setViewport({ width: 1400, height: 1800 });
  // Sign in once: the API keeps the admin key in an HttpOnly cookie the UI's codec calls carry.
  await page.goto(`${api.url}/codec/login`);
  await page.type('input[name=key]', h.keys.admin);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  expect(await bodyText(page)).toContain('Signed in');

  const decodes: string[] = [];
  page.on('response', (res) => {
    // Preflights (OPTIONS, 204) are answered too; the decodes themselves are the POSTs.
    if (res.url().endsWith('/codec/decode') && res.request().method() === 'POST') decodes.push(String(res.status()));
  });
  await page.goto(`${ui.url}/namespaces/${h.config.temporalNamespace}/workflows/${workflowId}/${runId}/history`, {
    waitUntil: 'networkidle2',
  });
  let text = '';
  try {
    await page.waitForFunction(`document.body.innerText.includes(${JSON.stringify(h.users.alice)})`, {
      timeout: 60_000,
    });
    text = await bodyText(page);
  } finally {
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'temporal-ui-session.png'), fullPage: true });
  }
  expect(decodes.length).toBeGreaterThan(0);
  expect(decodes.filter((s) => s !== '200')).toEqual([]);
  expect(text).toContain(h.users.alice);
  expect(text).toContain(sessionId);
  // What an undecoded payload looks like in the UI: its encoding and the encryption key id.
  expect(text).not.toContain('binary/encrypted');
  expect(text).not.toContain('encryption-key-id');
  expect(text).not.toContain(Buffer.from('binary/encrypted').toString('base64').slice(0, 20));
  expect(text).not.toContain(h.keys.admin);
});

/**
 * The worker as the image runs it: workflow code from a bundle built beforehand (`npm run build:bundle`,
 * `WORKER_WORKFLOW_BUNDLE`), not bundled by the worker at start. A session runs and ends through it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { ApplicationFailure, Client, WorkflowFailedError } from '@temporalio/client';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { createTemporalClient, startSession } from '../../src/temporal/client.js';
import { buildWorkflowBundle } from '../../src/temporal/workflow-bundle.js';
import { runWorker } from '../../src/worker.js';
import {
  getSessionStateQuery,
  sessionWorkflowType,
  terminateSessionUpdate,
} from '../../workflows/contract/session-messages.js';
import { removeSessionObjects } from '../support/cluster.js';
import { testSessionSpec } from '../support/session-spec.js';
import { stackServiceEnv, stackTemporalConnection, uniqueSuffix } from '../support/stack.js';
import { sessionWorkflowId } from '../../workflows/contract/spec.js';
import { UNENCRYPTED_PAYLOAD_FAILURE } from '../../workflows/contract/unencrypted.js';
import { eventually } from '../support/wait.js';

const codecKey = `k1:${randomBytes(32).toString('base64')}`;
let dir: string;
let bundlePath: string;
let client: Client | undefined;
const logLines: string[] = [];
const stopWorker = new AbortController();
let workerDone: Promise<void> | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'workflow-bundle-'));
  bundlePath = join(dir, 'workflow-bundle.js');
  await writeFile(bundlePath, await buildWorkflowBundle());
}, 120_000);

afterAll(async () => {
  stopWorker.abort();
  await workerDone;
  await client?.connection.close();
  await rm(dir, { recursive: true, force: true });
});

test('a worker started with WORKER_WORKFLOW_BUNDLE runs a session from the prebuilt bundle', async () => {
  const config = loadConfig({
    ...stackServiceEnv(`bundle-e2e-${uniqueSuffix()}`, codecKey),
    LOG_LEVEL: 'info',
    WORKER_WORKFLOW_BUNDLE: bundlePath,
  });
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString());
        done();
      },
    }),
  );
  client = await createTemporalClient(config);
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  workerDone = runWorker({ config, logger, signal: stopWorker.signal, onReady: ready });
  await Promise.race([isReady, workerDone]);
  expect(logLines.some((l) => l.includes('workflow code from the prebuilt bundle') && l.includes(bundlePath))).toBe(
    true,
  );

  const spec = testSessionSpec({ user: `bundle-${uniqueSuffix()}@example.com` });
  try {
    const handle = await startSession(client, spec, config);
    const running = await eventually(
      'the session to be running',
      async () => {
        const s = await handle.query(getSessionStateQuery);
        return s.status === 'running' ? s : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 250 },
    );
    expect(running.podName).toBeTruthy();
    await handle.executeUpdate(terminateSessionUpdate, { args: [{ reason: 'user' }] });
    expect((await handle.result()).status).toBe('terminated');

    // The workflow interceptor that refuses plaintext inputs is inside the bundle too.
    const attacker = new Client({ connection: await stackTemporalConnection(), namespace: config.temporalNamespace });
    try {
      const plain = testSessionSpec({ user: `bundle-${uniqueSuffix()}@example.com` });
      const failure = await attacker.workflow
        .start(sessionWorkflowType, {
          workflowId: sessionWorkflowId(plain.sessionId),
          taskQueue: config.temporalTaskQueue,
          args: [plain],
        })
        .then((h) => h.result())
        .then(
          () => undefined,
          (err: unknown) => err,
        );
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      expect(((failure as WorkflowFailedError).cause as ApplicationFailure).type).toBe(UNENCRYPTED_PAYLOAD_FAILURE);
    } finally {
      await attacker.connection.close();
    }
  } finally {
    await client.workflow
      .getHandle(`session-${spec.sessionId}`)
      .terminate('test cleanup')
      .catch(() => undefined);
    await removeSessionObjects(spec);
  }
}, 180_000);

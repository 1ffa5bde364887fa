/**
 * Every committed history of the session workflow (test/fixtures/histories, one per lifecycle path,
 * recorded by test/fixtures/record-histories.ts) replays against today's workflow code. A failure here
 * means a change to the workflow's shape that running sessions would trip over: such a change ships as a
 * new Worker Deployment build (Worker Versioning, docs/versioning.md), so running sessions stay on the
 * build they started on, and the histories are recorded again for the new shape.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { createDataConverter } from '../../src/temporal/codec.js';
import { REPLAY_CODEC_KEYS, historiesDir, historyFromFixture } from '../fixtures/replay-codec.js';
import { captureAudit } from '../support/audit-capture.js';
import { testWorkflowBundle } from '../support/workflow-code.js';

const files = readdirSync(historiesDir)
  .filter((f) => f.endsWith('.json'))
  .sort();

let workflowBundle: WorkflowBundleOption;
const audit = captureAudit();

beforeAll(async () => {
  // One bundle for every history: bundling is most of a replay's cost.
  workflowBundle = await testWorkflowBundle();
});

describe('recorded session histories', () => {
  test('cover every lifecycle path', () => {
    const paths = files.map((f) => f.replace(/\.json$/, ''));
    expect(paths).toEqual(
      expect.arrayContaining([
        'cancelled',
        'continued-as-new',
        'deadline-timeout',
        'extended',
        'idle-suspended',
        'interruption-handover',
        'interruption-notice-before-ready',
        'lost-before-ready',
        'node-lost',
        'preempted',
        'start-timeout',
        'suspended-resumed',
        'suspended-timeout',
        'terminated-by-user',
        'warm-claim',
        'warm-miss',
        'warm-preempted',
      ]),
    );
  });

  test.each(files)('%s replays against the current workflow code', async (file) => {
    const history = historyFromFixture(readFileSync(`${historiesDir}/${file}`, 'utf8'));
    await Worker.runReplayHistory(
      {
        workflowBundle,
        dataConverter: createDataConverter({ codecKeys: REPLAY_CODEC_KEYS, codecKeysFile: undefined }),
        sinks: audit.sinks,
      },
      history,
      file,
    );
    // A replay rebuilds the session's state; its transitions were written when they happened.
    expect(audit.all()).toEqual([]);
  });
});

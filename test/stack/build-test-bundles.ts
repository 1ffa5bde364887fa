/**
 * Builds the workflow bundles one `npm test` run shares (test/stack/jest-lanes.mjs runs this before the
 * lanes): without them every worker a test starts runs webpack over the workflows at start — 4–5 s of
 * CPU each, dozens of times a run on a 2-core machine that the suites already keep busy.
 *
 * `node --import tsx test/stack/build-test-bundles.ts <dir>` writes, from the sources as they are now:
 * - `session-worker.js`: what the product's worker bundles itself (the workflows with the worker's
 *   interceptor modules), given to the suites' workers as `WORKER_WORKFLOW_BUNDLE` (test/support/stack.ts);
 * - `workflows.js`: the workflows alone, as the workflow suites' own workers load them
 *   (test/support/workflow-code.ts).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildWorkflowBundle } from '../../src/temporal/workflow-bundle.js';
import { bundleWorkflowsOnly } from '../support/workflow-code.js';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: build-test-bundles <dir>');
  process.exit(2);
}
const [sessionWorker, workflows] = await Promise.all([buildWorkflowBundle(), bundleWorkflowsOnly()]);
await Promise.all([
  writeFile(join(dir, 'session-worker.js'), sessionWorker),
  writeFile(join(dir, 'workflows.js'), workflows),
]);

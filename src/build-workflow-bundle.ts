/**
 * Writes the workflow bundle the worker loads with `WORKER_WORKFLOW_BUNDLE` (`npm run build:bundle`,
 * run by the image build after `tsc`): `node dist/src/build-workflow-bundle.js <out-file>`.
 */
import { writeFile } from 'node:fs/promises';
import { buildWorkflowBundle } from './temporal/workflow-bundle.js';

const out = process.argv[2];
if (!out) {
  console.error('usage: build-workflow-bundle <out-file>');
  process.exit(2);
}
await writeFile(out, await buildWorkflowBundle());
console.log(`workflow bundle written to ${out}`);

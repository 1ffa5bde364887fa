/**
 * Where a test's worker gets the workflow code. `npm test` builds the bundles once per run
 * (test/stack/build-test-bundles.ts) and names their directory in `SO_TEST_WORKFLOW_BUNDLES`: a worker given
 * one skips webpack at start. Run any other way (one file by hand), the workflow suites bundle the sources
 * once per file and the product's workers bundle them at start, as they always did.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type WorkflowBundleOption } from '@temporalio/worker';

const workflowsSourcePath = fileURLToPath(new URL('../../workflows/index.ts', import.meta.url));

const bundles = process.env.SO_TEST_WORKFLOW_BUNDLES;

/** Bundles the session workflows alone (no interceptors), as the workflow suites' own workers run them. */
export async function bundleWorkflowsOnly(): Promise<string> {
  return (await bundleWorkflowCode({ workflowsPath: workflowsSourcePath })).code;
}

/** The workflows-only bundle for the workflow suites' own workers and replays: the run's, or built here. */
export async function testWorkflowBundle(): Promise<WorkflowBundleOption> {
  return bundles ? { codePath: join(bundles, 'workflows.js') } : { code: await bundleWorkflowsOnly() };
}

/** The product worker's own bundle as its `WORKER_WORKFLOW_BUNDLE` setting, when the run built one. */
export function sessionWorkerBundleEnv(): Record<string, string> {
  return bundles ? { WORKER_WORKFLOW_BUNDLE: join(bundles, 'session-worker.js') } : {};
}

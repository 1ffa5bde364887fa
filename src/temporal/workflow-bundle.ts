/**
 * Where the worker's workflow code comes from. Bundling at start (the SDK's `workflowsPath`) runs webpack
 * inside the worker: V8 keeps the heap it grew for the compile, ≈ 90 MiB of RSS for the life of the
 * process (measured: an idle worker at 261 MiB RSS, 186 MiB heap of which 53 MiB used, against 172 MiB
 * with a bundle built beforehand). The image therefore builds the bundle once (`npm run build:bundle`)
 * and points `WORKER_WORKFLOW_BUNDLE` at it; without the setting (development, tests) the worker bundles
 * at start as before.
 */
import { access, readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type WorkerOptions } from '@temporalio/worker';
import { workflowInterceptorModules } from './worker-interceptors.js';

// Under tsx this module is .ts and so are the workflows; compiled, both are .js in dist/.
const workflowsPath = fileURLToPath(
  new URL(`../../workflows/index${extname(fileURLToPath(import.meta.url))}`, import.meta.url),
);

/** Bundles the session workflows with their interceptor modules, as the worker would at start. */
export async function buildWorkflowBundle(): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules });
  return code;
}

/**
 * `workflowModules` are the workflow interceptor modules the worker must bundle itself: none with a
 * prebuilt bundle, which holds them already (the SDK warns when given them again).
 */
export type WorkflowCodeSource =
  | { from: 'bundle'; options: Pick<WorkerOptions, 'workflowBundle'>; workflowModules: string[] }
  | { from: 'sources'; reason: string; options: Pick<WorkerOptions, 'workflowsPath'>; workflowModules: string[] };

/**
 * The prebuilt bundle when one is configured and nothing needs the bundler at start; else the sources.
 * Tracing's plugin adds its workflow interceptors while bundling, so with tracing on the worker bundles
 * itself (a bundle built without them would silently drop the workflows' spans).
 */
export async function workflowCodeSource(options: {
  bundlePath: string | undefined;
  tracing: boolean;
}): Promise<WorkflowCodeSource> {
  const { bundlePath, tracing } = options;
  const sources = (reason: string): WorkflowCodeSource => ({
    from: 'sources',
    reason,
    options: { workflowsPath },
    workflowModules: workflowInterceptorModules,
  });
  if (!bundlePath) return sources('WORKER_WORKFLOW_BUNDLE is not set');
  if (tracing) return sources('tracing adds its interceptors at bundle time');
  try {
    await access(bundlePath);
  } catch {
    throw new Error(
      `WORKER_WORKFLOW_BUNDLE=${bundlePath}: no such file; build it with \`npm run build:bundle\` or unset the variable`,
    );
  }
  return { from: 'bundle', options: { workflowBundle: { codePath: bundlePath } }, workflowModules: [] };
}

/**
 * The workflow code a build id is derived from: the prebuilt bundle when configured (even when tracing
 * makes the worker bundle again, its workflows are the same), else the sources bundled here.
 */
export async function workflowCodeForBuildId(bundlePath: string | undefined): Promise<string | Buffer> {
  return bundlePath ? readFile(bundlePath) : buildWorkflowBundle();
}

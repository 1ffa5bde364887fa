import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { workflowCodeSource } from '../../src/temporal/workflow-bundle.js';

describe('where the worker takes its workflow code from', () => {
  let dir: string;
  let bundle: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bundle-unit-'));
    bundle = join(dir, 'workflow-bundle.js');
    await writeFile(bundle, '/* a bundle */');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  test('a configured bundle that exists is loaded as it is', async () => {
    const source = await workflowCodeSource({ bundlePath: bundle, tracing: false });
    // The bundle holds the workflow interceptors: the worker is not given them again.
    expect(source).toEqual({ from: 'bundle', options: { workflowBundle: { codePath: bundle } }, workflowModules: [] });
  });

  test('without the setting the worker bundles the sources at start', async () => {
    const source = await workflowCodeSource({ bundlePath: undefined, tracing: false });
    expect(source.from).toBe('sources');
    expect(source.options).toHaveProperty('workflowsPath', expect.stringMatching(/workflows[/\\]index\.(ts|js)$/));
    expect(source.workflowModules).toEqual([expect.stringMatching(/workflows[/\\]interceptors\.(ts|js)$/)]);
  });

  test('with tracing on the sources are bundled at start, so the workflow spans are not lost', async () => {
    const source = await workflowCodeSource({ bundlePath: bundle, tracing: true });
    expect(source).toMatchObject({ from: 'sources', reason: expect.stringContaining('tracing') });
  });

  test('a configured bundle that does not exist stops the worker with the variable and the fix', async () => {
    await expect(workflowCodeSource({ bundlePath: join(dir, 'missing.js'), tracing: false })).rejects.toThrow(
      /WORKER_WORKFLOW_BUNDLE=.*missing\.js: no such file; build it with `npm run build:bundle`/,
    );
  });
});

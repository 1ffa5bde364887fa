/**
 * A bad configuration stops `npm run worker` and `npm run api` at start, naming the variable, before
 * they connect to anything (no stack is needed: they must not get that far).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

function start(entry: string, env: Record<string, string>): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', entry], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME!, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stderr: result.stderr };
}

const key = `k:${Buffer.alloc(32, 1).toString('base64')}`;

test.each(['src/worker.ts', 'src/server.ts'])('%s exits 1 naming every bad variable', (entry) => {
  const { status, stderr } = start(entry, {
    TEMPORAL_CODEC_KEYS: key,
    AGENTAPI_K8S_SESSION_CPU_LIMIT: 'lots',
    AGENTAPI_K8S_SESSION_NODE_SELECTOR: '{not json',
    // Nothing listens here: reaching it would mean the configuration was not checked first.
    TEMPORAL_ADDRESS: '127.0.0.1:1',
  });
  expect(status).toBe(1);
  expect(stderr).toContain('AGENTAPI_K8S_SESSION_CPU_LIMIT');
  expect(stderr).toContain('AGENTAPI_K8S_SESSION_NODE_SELECTOR');
});

test.each(['src/worker.ts', 'src/server.ts'])('%s refuses to start without a payload encryption key', (entry) => {
  const { status, stderr } = start(entry, { TEMPORAL_ADDRESS: '127.0.0.1:1' });
  expect(status).toBe(1);
  expect(stderr).toContain('TEMPORAL_CODEC_KEYS');
});

/**
 * The small chaos run as a test: ≥ 30 sessions through every fault kind (worker kill -9, node deleted,
 * node interrupted, Temporal restarted, apiserver 429/5xx/resets) end running, with nothing lost,
 * duplicated or orphaned.
 *
 * It restarts Temporal and deletes nodes, so it brings up a throwaway stack of its own (the tools are
 * cached, so `stack.sh up` takes seconds) and never disturbs the stack other tests use. SO_STACK_DIR is
 * pointed at it only while this file runs (jest --runInBand shares process.env between files).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../support/stack.js';

const run = promisify(execFile);
const stackDir = mkdtempSync(join(tmpdir(), 'so-chaos-stack-'));
const previous = process.env.SO_STACK_DIR;
const stack = (command: string) =>
  run('bash', [join(repoRoot, 'test', 'stack', 'stack.sh'), command], {
    env: { ...process.env, SO_STACK_DIR: stackDir },
    timeout: 20 * 60_000,
  });

beforeAll(async () => {
  await stack('up');
  process.env.SO_STACK_DIR = stackDir;
}, 20 * 60_000);

afterAll(async () => {
  if (previous === undefined) delete process.env.SO_STACK_DIR;
  else process.env.SO_STACK_DIR = previous;
  await stack('down').catch(() => undefined);
  rmSync(stackDir, { recursive: true, force: true });
}, 120_000);

test(
  '30 sessions under every fault kind all end running, none lost, no duplicate pods, nothing orphaned',
  async () => {
    // Imported here: the stack helpers read SO_STACK_DIR when first loaded.
    const { runChaos } = await import('../../bench/chaos/run.js');
    const result = await runChaos({ sessions: 30, workers: 2, nodes: 4, faultEverySeconds: 4, faultTailSeconds: 15 });
    expect(Object.values(result.faults).every((n) => n >= 1)).toBe(true);
    expect({
      correct: result.correct,
      lost: result.lost,
      duplicatePods: result.duplicatePods,
      orphaned: result.orphaned,
    }).toEqual({ correct: 30, lost: [], duplicatePods: [], orphaned: [] });
  },
  20 * 60_000,
);

// `npm test`: jest in two lanes side by side, each running its test directories one file at a time, then
// the files that must run alone (test/stack/lanes.json). Most of a serial run is waiting — one-minute
// deadlines, pods starting, workers restarting — so two files at once nearly halve it on two cores. What
// two files of different lanes share was built to be shared: each suite has its own task queue (so its
// own informer Lease, sessions and codec keys), and namespaces or nodes of its own where it deletes or
// cordons. Files of one lane never overlap; the real node's suites are all in one lane. Alone: the chaos
// run (a second stack of its own, CPU-bound), the rolling restart under load, whose bounded waits measure
// the machine as much as the product when another suite competes for its two cores, the Temporal UI in
// Chromium (beside a busy lane, the UI's own page answered 500 Internal Error in one CI run), and the
// count of the apiserver's open watches, which sums every client's (another suite's informers included).
//
// Arguments go to both lanes' jest (a path pattern selects within each lane); `--outputFile` gets the
// lanes' JSON results merged into one, as a single jest run writes it. Exit code: the worse of the two.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const repoRoot = join(import.meta.dirname, '../..');
const { sideBySide } = JSON.parse(readFileSync(join(import.meta.dirname, 'lanes.json'), 'utf8'));
const lanes = [...Object.keys(sideBySide), 'alone'];

/** The jest arguments without `--json` and `--outputFile`, which the lanes write themselves. */
function splitArguments(argv) {
  const rest = [];
  let outputFile;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') json = true;
    else if (arg === '--outputFile') outputFile = argv[++i];
    else if (arg.startsWith('--outputFile=')) outputFile = arg.slice('--outputFile='.length);
    else rest.push(arg);
  }
  return { rest, outputFile, json };
}

/** Two jest JSON results as one: counts add up, lists join, a run succeeds only if both did. */
function mergeResults(a, b) {
  if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const merged = { ...a };
    for (const [key, value] of Object.entries(b)) {
      if (!(key in a)) merged[key] = value;
      else if (key === 'startTime') merged[key] = Math.min(a[key], value);
      else if (key === 'success') merged[key] = a[key] && value;
      else if (typeof value === 'boolean') merged[key] = a[key] || value;
      else merged[key] = mergeResults(a[key], value);
    }
    return merged;
  }
  return b ?? a;
}

function runLane(lane, args, resultFile) {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '--experimental-vm-modules',
        join(repoRoot, 'node_modules/jest/bin/jest.js'),
        '--runInBand',
        '--passWithNoTests',
        '--json',
        `--outputFile=${resultFile}`,
        ...args,
      ],
      {
        cwd: repoRoot,
        env: { ...process.env, SO_TEST_LANE: lane, ...(process.stdout.isTTY ? { FORCE_COLOR: '1' } : {}) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    // Whole lines, each marked with its lane: two jest processes share this terminal.
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) =>
        process.stdout.write(`[${lane}] ${line}\n`),
      );
    }
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/**
 * The workflow bundles every worker of this run loads (test/stack/build-test-bundles.ts) in `dir`: webpack
 * once, not at each of the dozens of worker starts. Undefined when they could not be built (the workers
 * then bundle for themselves; the reason is printed).
 */
function buildWorkflowBundles(dir) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/stack/build-test-bundles.ts', dir], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk) => (output += chunk));
    child.on('exit', (code) => {
      if (code === 0) {
        console.log(`[lanes] workflow bundles for every worker of the run built in ${Date.now() - started} ms`);
        return resolve(dir);
      }
      console.log(
        `[lanes] building the shared workflow bundles failed (exit ${code}); each worker bundles its own\n${output}`,
      );
      resolve(undefined);
    });
  });
}

async function main() {
  const { rest, outputFile, json } = splitArguments(process.argv.slice(2));
  const scratch = mkdtempSync(join(tmpdir(), 'jest-lanes-'));
  const resultFile = (lane) => join(scratch, `${lane}.json`);
  // A run inside a run (test/tooling/jest-lanes.test.ts) uses its parent's bundles.
  if (!process.env.SO_TEST_WORKFLOW_BUNDLES) {
    const bundles = await buildWorkflowBundles(scratch);
    if (bundles) process.env.SO_TEST_WORKFLOW_BUNDLES = bundles;
  }
  const codes = await Promise.all(Object.keys(sideBySide).map((lane) => runLane(lane, rest, resultFile(lane))));
  codes.push(await runLane('alone', rest, resultFile('alone')));
  const results = [];
  for (const lane of lanes) {
    try {
      results.push(JSON.parse(readFileSync(resultFile(lane), 'utf8')));
    } catch {
      console.log(`[lanes] the ${lane} lane wrote no result (exit code ${codes[lanes.indexOf(lane)]})`);
    }
  }
  rmSync(scratch, { recursive: true, force: true });
  let exitCode = Math.max(...codes);
  if (results.length < lanes.length) exitCode = Math.max(exitCode, 1);
  if (results.length > 0) {
    const merged = results.reduce(mergeResults);
    if (results.length < lanes.length) merged.success = false;
    if (merged.numTotalTestSuites === 0) {
      console.log('[lanes] no test file matched in any lane');
      merged.success = false;
      exitCode = Math.max(exitCode, 1);
    }
    if (outputFile) writeFileSync(outputFile, JSON.stringify(merged));
    else if (json) process.stdout.write(`${JSON.stringify(merged)}\n`);
    console.log(
      `[lanes] ${merged.numPassedTests} passed, ${merged.numFailedTests} failed, ` +
        `${merged.numPendingTests} skipped in ${merged.numTotalTestSuites} files`,
    );
  }
  process.exitCode = exitCode;
}

await main();

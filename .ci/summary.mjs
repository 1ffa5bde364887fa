// Prints why a jest run failed and ends with `N passed, N failed`. A run can fail with every test passing
// (obsolete snapshot files, a suite that could not load, an interrupted run): those count as failures here
// and are named, so the summary line never says `0 failed` about a failing run.
import { existsSync, readFileSync } from 'node:fs';

const [resultsFile, exitCodeText] = process.argv.slice(2);
const exitCode = Number(exitCodeText);

if (!existsSync(resultsFile)) {
  console.log(`jest wrote no result file (exit code ${exitCode}): it did not run; see the output above`);
  console.log('0 passed, 1 failed');
  process.exit(0);
}

const r = JSON.parse(readFileSync(resultsFile, 'utf8'));
const reasons = [];
const failedTests = r.testResults.flatMap((suite) =>
  suite.assertionResults
    .filter((t) => t.status === 'failed')
    .map((t) => ({ name: `${suite.name}: ${t.fullName}`, message: t.failureMessages?.[0] ?? '' })),
);
// The lanes' output is long and a CI log keeps its end: the first failures' causes are repeated here.
const EXPLAINED_FAILURES = 5;
const MESSAGE_LINES = 12;
// eslint-disable-next-line no-control-regex
const withoutColours = (text) => text.replace(/\u001b\[[0-9;]*m/g, '');
failedTests.slice(0, 30).forEach(({ name, message }, i) => {
  const cause = withoutColours(message)
    .split('\n')
    .filter((l) => l.trim())
    .slice(0, MESSAGE_LINES);
  reasons.push(
    i < EXPLAINED_FAILURES && cause.length
      ? [`failed: ${name}`, ...cause.map((l) => `    ${l}`)].join('\n')
      : `failed: ${name}`,
  );
});
const brokenSuites = r.testResults.filter((s) => s.status === 'failed' && s.assertionResults.length === 0);
for (const suite of brokenSuites) {
  const firstLine = (suite.failureMessage ?? suite.message ?? '').split('\n').find((l) => l.trim()) ?? '';
  reasons.push(`suite did not run: ${suite.name}: ${firstLine.trim()}`);
}
if (r.snapshot?.failure) {
  const removed = r.snapshot.filesRemovedList ?? [];
  reasons.push(
    `jest failed the run over snapshot files (obsolete: ${r.snapshot.unchecked ?? 0} snapshots, ` +
      `${r.snapshot.filesRemoved ?? 0} files${removed.length ? `: ${removed.slice(0, 5).join(', ')}` : ''})`,
  );
}
if (r.wasInterrupted) reasons.push('the run was interrupted');
const unexplained = exitCode !== 0 && reasons.length === 0;
if (unexplained) reasons.push(`jest exited with code ${exitCode} although every test passed (see its output above)`);

const failed = r.numFailedTests + brokenSuites.length + (r.snapshot?.failure ? 1 : 0) + (unexplained ? 1 : 0);
for (const reason of reasons) console.log(reason);
if (r.numPendingTests + r.numTodoTests > 0) console.log(`(${r.numPendingTests + r.numTodoTests} skipped)`);
console.log(`${r.numPassedTests} passed, ${failed} failed`);

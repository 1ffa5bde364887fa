/**
 * docs/client.md shows the example programs verbatim, and test/client/examples.test.ts runs those files: a
 * page whose code differs from the files (or an example the page leaves out) would document code no test runs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../support/stack.js';

const page = readFileSync(join(repoRoot, 'docs/client.md'), 'utf8');
const shown = [...page.matchAll(/<!-- example: (\S+) -->\n\n```ts\n([\s\S]*?)```\n/g)].map(([, path, code]) => ({
  path: path!,
  code: code!,
}));

test('every example of packages/client/examples is on the page', () => {
  const files = readdirSync(join(repoRoot, 'packages/client/examples')).map((f) => `packages/client/examples/${f}`);
  expect(shown.map((s) => s.path).sort()).toEqual(files.sort());
});

test.each(shown.map((s) => [s.path, s.code]))('the page shows %s exactly as the file is', (path, code) => {
  expect(code).toBe(readFileSync(join(repoRoot, path), 'utf8'));
});

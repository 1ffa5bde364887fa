/**
 * The README is the front door: what the project is, how to run and test it, and where everything else is
 * documented (docs/). It stays short enough to read, and every link in it and in docs/ leads somewhere.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const pages = [
  'README.md',
  ...readdirSync(join(repoRoot, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

test('the README fits in 200 lines and gives the commands to run and to test the project', () => {
  expect(readme.split('\n').length).toBeLessThanOrEqual(200);
  expect(readme).toContain('npm install\nnpm run dev\n');
  expect(readme).toContain('npm install\nnpm test\n');
});

test('every relative link in the README and docs/ names a file that exists', () => {
  const broken: string[] = [];
  for (const page of pages) {
    const text = readFileSync(join(repoRoot, page), 'utf8');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!) || target!.startsWith('#')) continue;
      const file = target!.split('#')[0]!;
      if (!existsSync(join(repoRoot, dirname(page), file))) broken.push(`${page} → ${target}`);
    }
  }
  expect(broken).toEqual([]);
});

test('the documentation explains choices by their reasons, not by the tickets that asked for them', () => {
  const references = pages.flatMap((page) =>
    readFileSync(join(repoRoot, page), 'utf8')
      .split('\n')
      .filter((line) => /seed\s0|issue\s[#0-9]|round\s[0-9]/i.test(line))
      .map((line) => `${page}: ${line.trim()}`),
  );
  expect(references).toEqual([]);
});

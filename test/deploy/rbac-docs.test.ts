/**
 * docs/rbac-*.txt say what each identity may do; they are generated from the Roles (test/support/rbac-docs.ts),
 * and this keeps them from drifting: a changed Role without regenerated docs fails here.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { renderRbacDocs } from '../support/rbac-docs.js';
import { repoRoot } from '../support/stack.js';

const rendered = renderRbacDocs();

test.each(Object.keys(rendered))('%s is in step with the Roles (npx tsx test/support/rbac-docs.ts)', (path) => {
  const file = join(repoRoot, path);
  expect(existsSync(file) ? readFileSync(file, 'utf8') : '(missing)').toBe(rendered[path]);
});

test('no docs/rbac-*.txt is left that no Role generates', () => {
  const present = readdirSync(join(repoRoot, 'docs'))
    .filter((f) => /^rbac-.*\.txt$/.test(f))
    .map((f) => `docs/${f}`);
  expect(present.sort()).toEqual(Object.keys(rendered).sort());
});

/** `resource -> verbs` of every rule line of a rendered file. */
function grants(text: string): Array<{ resources: string[]; verbs: string[] }> {
  return text
    .split('\n')
    .filter((line) => /^\S+\s+\S+\s+\S+\s+\S+$/.test(line) && !line.startsWith('API group'))
    .map((line) => {
      const [, resources, , verbs] = line.split(/\s+/);
      return { resources: resources!.split(','), verbs: verbs!.split(',') };
    });
}

test('the API reads no Secret and writes no pod; the worker may not escalate, bind or impersonate', () => {
  const api = grants(rendered['docs/rbac-api.txt']!);
  expect(api.filter((g) => g.resources.includes('secrets'))).toEqual([]);
  expect(api.filter((g) => g.resources.includes('pods') && g.verbs.some((v) => v !== 'get' && v !== 'list'))).toEqual(
    [],
  );
  const worker = grants(rendered['docs/rbac-worker.txt']!);
  expect(worker.flatMap((g) => g.verbs).filter((v) => ['escalate', 'bind', 'impersonate', '*'].includes(v))).toEqual(
    [],
  );
});

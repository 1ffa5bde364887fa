import { readFileSync } from 'node:fs';
import { ENV_DOCS } from '../../src/config.js';

// The configuration table in the README is generated from ENV_DOCS; this keeps the two from drifting.
test('the README documents every environment variable with its default', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  for (const variable of ENV_DOCS) {
    const row = readme.split('\n').find((line) => line.startsWith(`| \`${variable.name}\``));
    expect({ variable: variable.name, documented: row !== undefined }).toEqual({
      variable: variable.name,
      documented: true,
    });
    expect(row).toContain(variable.default);
  }
});

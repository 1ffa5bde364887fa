/**
 * Rewrites the README's configuration table from ENV_DOCS (`npx tsx test/support/env-table.ts`), so the
 * table is generated rather than merged by hand; test/unit/readme.test.ts checks that the two agree.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { ENV_DOCS } from '../../src/config.js';

const readmePath = new URL('../../README.md', import.meta.url);
const rows = [
  ['variable', 'default', 'meaning'],
  ...ENV_DOCS.map((d) => [`\`${d.name}\``, d.default.startsWith('(') ? d.default : `\`${d.default}\``, d.description]),
];
const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
const table = [line(rows[0]!), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(1).map(line)];

const lines = readFileSync(readmePath, 'utf8').split('\n');
const start = lines.findIndex((l) => /^\| variable\s+\| default/.test(l));
if (start < 0) throw new Error('README has no configuration table (a line starting with "| variable | default")');
let end = start;
while (end < lines.length && lines[end]!.startsWith('|')) end++;
lines.splice(start, end - start, ...table);
writeFileSync(readmePath, lines.join('\n'));
console.log(`README configuration table: ${ENV_DOCS.length} variables`);

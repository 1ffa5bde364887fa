/**
 * docs/api.md and docs/configuration.md are generated (`npm run docs`, test/support/docs/): the API page from
 * the OpenAPI document `GET /openapi.json` serves (buildOpenApiDocument, the very object the route sends),
 * the configuration page from ENV_DOCS. Regenerating them here and comparing keeps a route or a variable
 * from changing without its documentation.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ENV_DOCS } from '../../src/config.js';
import { buildOpenApiDocument } from '../../src/api/openapi.js';
import { GENERATED_PAGES, formattedPage } from '../support/docs/render.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const onDisk = (path: string) => readFileSync(`${repoRoot}/${path}`, 'utf8');

test.each(GENERATED_PAGES.map((page) => [page.path, page] as const))(
  '%s is what `npm run docs` generates from the code',
  async (path, page) => {
    expect(onDisk(path)).toBe(await formattedPage(page, repoRoot));
  },
);

test('the API page lists every route of /openapi.json once, with every method', () => {
  const page = onDisk('docs/api.md');
  const rows = page.split('\n').filter((line) => line.startsWith('| [`'));
  for (const [path, item] of Object.entries(buildOpenApiDocument().paths ?? {})) {
    const methods = Object.keys(item ?? {}).map((m) => m.toUpperCase());
    const rowsOfPath = rows.filter((row) => row.includes(` ${path}\`]`));
    expect({ path, rows: rowsOfPath.length > 0 }).toEqual({ path, rows: true });
    for (const method of methods) {
      expect({ path, method, rows: rowsOfPath.filter((row) => row.includes(`${method} `)).length }).toEqual({
        path,
        method,
        rows: 1,
      });
    }
  }
});

test('the configuration page documents every environment variable with its default', () => {
  const page = onDisk('docs/configuration.md');
  for (const variable of ENV_DOCS) {
    const row = page.split('\n').find((line) => line.startsWith(`| \`${variable.name}\``));
    expect({ variable: variable.name, row: row?.includes(variable.default) }).toEqual({
      variable: variable.name,
      row: true,
    });
  }
});

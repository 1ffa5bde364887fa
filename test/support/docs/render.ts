/**
 * The generated pages of docs/: each is rendered from the code that defines it (the OpenAPI document the
 * API serves, the environment schema's documentation) and formatted as prettier formats the repository,
 * so `npm run docs` writes exactly what test/unit/docs-generated.test.ts expects and lint accepts.
 */
import { format, resolveConfig } from 'prettier';
import { buildOpenApiDocument } from '../../../src/api/openapi.js';
import { ENV_DOCS } from '../../../src/config.js';
import { apiPage } from './api-page.js';
import { configurationPage } from './configuration-page.js';

export interface GeneratedPage {
  /** Relative to the repository root. */
  path: string;
  render: () => string;
}

export const GENERATED_PAGES: GeneratedPage[] = [
  { path: 'docs/api.md', render: () => apiPage(buildOpenApiDocument()) },
  { path: 'docs/configuration.md', render: () => configurationPage(ENV_DOCS) },
];

/** The page as it must be on disk: rendered, then formatted with the repository's prettier settings. */
export async function formattedPage(page: GeneratedPage, repoRoot: string): Promise<string> {
  const file = `${repoRoot}/${page.path}`;
  const options = (await resolveConfig(file)) ?? {};
  return format(page.render(), { ...options, filepath: file });
}

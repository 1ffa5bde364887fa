/** `npm run docs`: rewrites every generated page of docs/ from its source (see ./render.ts). */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GENERATED_PAGES, formattedPage } from './render.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url)).replace(/\/$/, '');
for (const page of GENERATED_PAGES) {
  writeFileSync(`${repoRoot}/${page.path}`, await formattedPage(page, repoRoot));
  console.log(`${page.path} written`);
}

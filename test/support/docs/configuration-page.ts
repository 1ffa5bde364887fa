/** docs/configuration.md, from ENV_DOCS: every variable the worker and the API read, in schema order. */
import type { EnvDoc } from '../../../src/config.js';
import { GENERATED_NOTICE, table } from './markdown.js';

export function configurationPage(docs: readonly EnvDoc[]): string {
  return [
    '# Configuration',
    '',
    GENERATED_NOTICE('npm run docs', '`ENV_DOCS` in `src/config.ts` (each area in `src/config/`)'),
    '',
    'Environment variables, parsed by one zod schema in `src/config.ts`; a bad value stops the worker or API at',
    'start with a message naming the variable. Both processes need the same `TEMPORAL_CODEC_KEYS`: workflow',
    'payloads (which carry the GitHub token and MCP configuration) are encrypted with AES-256-GCM, and the key id',
    'travels in the payload so keys can rotate (put the new key first, keep the old ones after it).',
    '',
    table(
      ['variable', 'default', 'meaning'],
      docs.map((d) => [`\`${d.name}\``, d.default.startsWith('(') ? d.default : `\`${d.default}\``, d.description]),
    ),
    '',
  ].join('\n');
}

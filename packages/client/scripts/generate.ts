/**
 * Writes the client's types from the API's OpenAPI document. The document is built in-process by the same
 * function that serves `/openapi.json` (src/api/openapi.ts), so no server has to run; openapi-typescript
 * turns it into `paths`/`components`, and prettier formats them as the rest of the repository is, so the
 * committed file is byte for byte what this script writes (test/client/generated-types.test.ts checks it).
 *
 *   npm run client:generate
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import { format, resolveConfig } from 'prettier';
import { buildOpenApiDocument } from '../../../src/api/openapi.js';

export const generatedTypesPath = fileURLToPath(new URL('../src/generated/openapi.ts', import.meta.url));

const HEADER = `/**
 * GENERATED from the API's OpenAPI document (src/api/openapi.ts) by packages/client/scripts/generate.ts.
 * Do not edit: change the API's schemas and run \`npm run client:generate\`.
 */
`;

/** The types file as it should be committed. */
export async function generateTypes(): Promise<string> {
  // The document's own type (zod-to-openapi's) and openapi-typescript's differ only in how loosely they
  // describe the same JSON: a round-trip through JSON hands over exactly what `/openapi.json` serves.
  const document = JSON.parse(JSON.stringify(buildOpenApiDocument())) as Parameters<typeof openapiTS>[0];
  const nodes = await openapiTS(document, { alphabetize: true, silent: true });
  const source = HEADER + astToString(nodes);
  const options = (await resolveConfig(generatedTypesPath)) ?? {};
  return format(source, { ...options, filepath: generatedTypesPath });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await writeFile(generatedTypesPath, await generateTypes());
  console.log(`wrote ${generatedTypesPath}`);
}

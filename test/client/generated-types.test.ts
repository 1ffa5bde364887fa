/**
 * The client's types are generated from the API's OpenAPI document and committed. Regenerating them must
 * give the committed file byte for byte: a schema changed in the API without `npm run client:generate`
 * (or a hand edit of the generated file) fails here, so the document and the client never drift apart.
 */
import { readFileSync } from 'node:fs';
import { generateTypes, generatedTypesPath } from '../../packages/client/scripts/generate.js';

test('the committed client types are exactly what the API document generates (else: npm run client:generate)', async () => {
  const committed = readFileSync(generatedTypesPath, 'utf8');
  expect(committed).toBe(await generateTypes());
});

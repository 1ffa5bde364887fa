/**
 * `npm run api-key -- --user alice [--permissions session:create,session:read] [--id laptop] --file keys.json`
 * adds a new key to the API keys file (creating it) and prints the key once, on the last line of stdout.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ApiKeysFileSchema, Permission, generateApiKey } from './auth.js';

const { values } = parseArgs({
  options: {
    user: { type: 'string' },
    permissions: {
      type: 'string',
      default: [Permission.Create, Permission.Read, Permission.Update, Permission.Delete].join(','),
    },
    id: { type: 'string' },
    file: { type: 'string', default: process.env.API_KEYS_FILE },
  },
});

if (!values.user || !values.file) {
  console.error('usage: npm run api-key -- --user <user> [--permissions p1,p2] [--id <key id>] --file <API_KEYS_FILE>');
  process.exit(2);
}

const file = values.file;
const keys = existsSync(file) ? ApiKeysFileSchema.parse(JSON.parse(readFileSync(file, 'utf8'))) : { keys: [] };
const id = values.id ?? `${values.user}-${keys.keys.length + 1}`;
if (keys.keys.some((k) => k.id === id)) {
  console.error(`a key with id ${id} already exists in ${file}`);
  process.exit(2);
}
try {
  const { key, entry } = generateApiKey({
    id,
    user: values.user,
    permissions: values.permissions.split(',').map((p) => p.trim()) as Permission[],
  });
  writeFileSync(file, `${JSON.stringify({ keys: [...keys.keys, entry] }, null, 2)}\n`, { mode: 0o600 });
  console.error(`added key ${id} for ${values.user} (${entry.permissions.join(', ')}) to ${file}; it is shown once:`);
  console.log(key);
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(2);
}

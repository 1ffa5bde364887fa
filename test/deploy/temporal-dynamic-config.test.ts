/**
 * deploy/temporal/dynamicconfig.yaml: the Temporal server settings the orchestrator is tuned for. A
 * misspelt key is ignored by the server without a word, so each key is checked against the settings the
 * server version of the stack's Temporal CLI defines; and the local stack, where the benchmark measures
 * them, must run with the same values.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { repoRoot } from '../support/stack.js';
import { stackVersions } from '../support/tools.js';

const DynamicConfigSchema = z.record(
  z.string(),
  z.array(z.object({ value: z.union([z.string(), z.number(), z.boolean()]), constraints: z.unknown().optional() })),
);

const GoModuleSchema = z.object({ Dir: z.string() });

/** The module's source directory, downloaded through the Go module proxy when the cache lacks it. */
function goModuleDir(module: string, version: string): string {
  const out = execFileSync('go', ['mod', 'download', '-json', `${module}@${version}`], {
    encoding: 'utf8',
    env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod' },
  });
  return GoModuleSchema.parse(JSON.parse(out)).Dir;
}

/** Every dynamic config key the Temporal server built into the stack's CLI defines. */
function serverSettingKeys(): Set<string> {
  const cli = goModuleDir('github.com/temporalio/cli', stackVersions().TEMPORAL_CLI_VERSION!);
  const server = /^\s*go\.temporal\.io\/server (v\S+)$/m.exec(readFileSync(join(cli, 'go.mod'), 'utf8'))?.[1];
  if (!server) throw new Error('the Temporal CLI module does not require go.temporal.io/server');
  const constants = readFileSync(
    join(goModuleDir('go.temporal.io/server', server), 'common/dynamicconfig/constants.go'),
    'utf8',
  );
  return new Set([...constants.matchAll(/^\s*"([a-zA-Z]+\.[a-zA-Z0-9.]+)",$/gm)].map((m) => m[1]!));
}

/** The `--dynamic-config-value key=value` flags test/stack/stack.sh starts the dev server with. */
function stackSettings(): Map<string, string> {
  const script = readFileSync(join(repoRoot, 'test', 'stack', 'stack.sh'), 'utf8');
  return new Map([...script.matchAll(/--dynamic-config-value ([\w.]+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));
}

const deployed = DynamicConfigSchema.parse(
  parse(readFileSync(join(repoRoot, 'deploy', 'temporal', 'dynamicconfig.yaml'), 'utf8')),
);

let known: Set<string>;
beforeAll(() => {
  known = serverSettingKeys();
}, 600_000);

test('the server defines every setting deploy/ and the local stack set', () => {
  // A sanity check of the parse: settings every server version has.
  expect(known).toContain('history.shardIOConcurrency');
  expect(known).toContain('system.enableActivityEagerExecution');
  const unknown = [...Object.keys(deployed), ...stackSettings().keys()].filter((key) => !known.has(key));
  expect(unknown).toEqual([]);
});

test('the local stack runs with every setting deploy/ ships, at the same value', () => {
  const stack = stackSettings();
  expect(Object.keys(deployed).length).toBeGreaterThan(0);
  for (const [key, values] of Object.entries(deployed)) {
    expect({ key, value: stack.get(key) }).toEqual({ key, value: String(values[0]!.value) });
  }
});

test('deploy/ lifts the transfer queue read limit that delays every workflow task', () => {
  expect(deployed['history.transferProcessorMaxPollRPS']?.[0]?.value).toBe(200);
});

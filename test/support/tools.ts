/**
 * The optional Go tools of test/stack/install-tools.sh (promtool, kubeconform, the standalone Temporal
 * UI): built from their Go modules on first use and cached, like the stack's own binaries.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './stack.js';

const TOOLS = {
  promtool: { version: 'PROMTOOL_VERSION', bin: 'promtool' },
  kubeconform: { version: 'KUBECONFORM_VERSION', bin: 'kubeconform' },
  'temporal-ui': { version: 'TEMPORAL_UI_VERSION', bin: 'temporal-ui-server' },
} as const;
export type Tool = keyof typeof TOOLS;

/** test/stack/versions.env as name → version. */
export function stackVersions(): Record<string, string> {
  const text = readFileSync(join(repoRoot, 'test', 'stack', 'versions.env'), 'utf8');
  return Object.fromEntries(
    text
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).trim()]),
  );
}

/** The tool's binary, building it first when the cache lacks it. */
export function toolPath(tool: Tool): string {
  const { version, bin } = TOOLS[tool];
  const cache = process.env.SO_CACHE_DIR ?? join(homedir(), '.cache', 'session-orchestrator');
  const path = join(cache, `${tool}-${stackVersions()[version]}`, 'bin', bin);
  if (!existsSync(path)) {
    execFileSync('bash', [join(repoRoot, 'test', 'stack', 'install-tools.sh'), tool], { stdio: 'inherit' });
  }
  return path;
}

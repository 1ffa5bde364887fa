/**
 * The NetworkPolicy engine the security tests compute truth tables with: cyclonus, built from its Go
 * module by test/stack/install-tools.sh into the stack's tool cache. Given policies (YAML read back from
 * the apiserver) and traffic, it answers allowed or denied for each, by the NetworkPolicy semantics.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './stack.js';

function cyclonusBinary(): string {
  const versions = readFileSync(join(repoRoot, 'test/stack/versions.env'), 'utf8');
  const version = /^CYCLONUS_VERSION=(\S+)/m.exec(versions)?.[1];
  const cache = process.env.SO_CACHE_DIR ?? join(homedir(), '.cache', 'session-orchestrator');
  const binary = join(cache, `cyclonus-${version}`, 'bin', 'cyclonus');
  if (!existsSync(binary)) {
    throw new Error(`cyclonus is not built (${binary}): run \`bash test/stack/install-tools.sh cyclonus\``);
  }
  return binary;
}

/** One end of a connection: a pod (its labels and namespace) or an address outside the cluster. */
export type Peer = { pod: Record<string, string>; namespace: string; ip: string } | { ip: string };

export interface Traffic {
  name: string;
  from: Peer;
  to: Peer;
  port: number;
  protocol?: 'TCP' | 'UDP';
}

function toCyclonusPeer(peer: Peer) {
  if (!('pod' in peer)) return { IP: peer.ip };
  return {
    Internal: {
      PodLabels: peer.pod,
      NamespaceLabels: { 'kubernetes.io/metadata.name': peer.namespace },
      Namespace: peer.namespace,
    },
    IP: peer.ip,
  };
}

/** Whether each connection is allowed under `policiesYaml`, by name. */
export function trafficVerdicts(policiesYaml: string, traffic: Traffic[]): Record<string, boolean> {
  const dir = mkdtempSync(join(tmpdir(), 'so-cyclonus-'));
  try {
    // One file per policy: cyclonus reads only the first document of a multi-document YAML file, so
    // every policy after the first would silently not count.
    const policyPath = join(dir, 'policies');
    mkdirSync(policyPath);
    policiesYaml
      .split(/^---\s*$/m)
      .filter((document) => document.trim() !== '')
      .forEach((document, i) => writeFileSync(join(policyPath, `${i}.yaml`), document));
    const trafficPath = join(dir, 'traffic.json');
    writeFileSync(
      trafficPath,
      JSON.stringify(
        traffic.map((t) => ({
          Source: toCyclonusPeer(t.from),
          Destination: toCyclonusPeer(t.to),
          Protocol: t.protocol ?? 'TCP',
          ResolvedPort: t.port,
          ResolvedPortName: '',
        })),
      ),
    );
    const out = execFileSync(
      cyclonusBinary(),
      ['analyze', '--mode', 'query-traffic', '--policy-path', policyPath, '--traffic-path', trafficPath],
      { encoding: 'utf8' },
    );
    const answers = [...out.matchAll(/IS ALLOWED\?\s*\|\s*(TRUE|FALSE)/g)].map((m) => m[1] === 'TRUE');
    if (answers.length !== traffic.length) {
      throw new Error(`cyclonus answered ${answers.length} of ${traffic.length} connections:\n${out}`);
    }
    return Object.fromEntries(traffic.map((t, i) => [t.name, answers[i]!]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

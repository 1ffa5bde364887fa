/**
 * What a service spent its CPU on, from the V8 `.cpuprofile` the run wrote (`--profile true`): self time
 * by function and by package, so the report names what bounds a missed target with evidence.
 */
import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../test/support/stack.js';

const repoUrl = `${pathToFileURL(repoRoot).href}/`;
/** A file of the repo (compiled ones under dist/ included) as `src/…`, else undefined. */
const ownFile = (url: string) =>
  url.startsWith(repoUrl) && !url.includes('/node_modules/')
    ? url.slice(repoUrl.length).replace(/^dist\//, '')
    : undefined;

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  service: string;
  /** Profiled wall time and the CPU time in samples that were not idle, ms. */
  wallMs: number;
  busyMs: number;
  functions: SelfTime[];
  packages: SelfTime[];
}

/** `node_modules/@scope/pkg/…` → `@scope/pkg`; node internals → `node:<area>`; the repo's own files → `src/…`. */
function packageOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + 'node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const own = ownFile(url);
  return own ? own.split('/').slice(0, 2).join('/') : url;
}

const shortUrl = (url: string) => {
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  return ownFile(url) ?? url.replace(/^file:\/\//, '');
};

const IDLE = new Set(['(idle)', '(program)']);

export function summarizeProfile(service: string, file: string, top = 12): ProfileSummary | undefined {
  if (!existsSync(file)) return undefined;
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    const frame = byId.get(id);
    if (!frame) return;
    const name = frame.functionName || '(anonymous)';
    if (name === '(idle)') return;
    busy += dt;
    const key = IDLE.has(name) || !frame.url ? name : `${name} (${shortUrl(frame.url)}:${frame.lineNumber + 1})`;
    fn.set(key, (fn.get(key) ?? 0) + dt);
    const p = packageOf(frame.url, name);
    pkg.set(p, (pkg.get(p) ?? 0) + dt);
  });
  const rank = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms, share: busy ? ms / busy : 0 }));
  return {
    service,
    wallMs: (profile.endTime - profile.startTime) / 1000,
    busyMs: busy,
    functions: rank(fn),
    packages: rank(pkg),
  };
}

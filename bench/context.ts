/** What every scenario works with, and the registry of sessions the run created (for cleanup). */
import type * as k8s from '@kubernetes/client-node';
import type { BenchApi } from './api.js';
import type { BenchRun } from './env.js';
import type { Floor } from './floor.js';
import type { BenchOptions } from './options.js';
import type { ResourceSampler } from './processes.js';

export interface BenchSession {
  id: string;
  user: string;
  /** Seen running (its `running` event read); only those are streamed from. */
  running?: boolean;
}

export interface BenchContext {
  options: BenchOptions;
  run: BenchRun;
  kc: k8s.KubeConfig;
  api: BenchApi;
  floor: Floor;
  sampler: ResourceSampler;
  /** Sessions created through the API and not yet deleted, by id. */
  live: Map<string, BenchSession>;
  signal: AbortSignal;
  log: (message: string) => void;
}

export const waitMs = (ctx: BenchContext) => ctx.options.waitSeconds * 1000;

/** The user of the i-th session of a scenario: round robin, so every user has a share of every phase. */
export const userOf = (ctx: BenchContext, i: number) => ctx.run.users[i % ctx.run.users.length]!;
